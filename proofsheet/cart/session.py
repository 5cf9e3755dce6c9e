"""Which cart a web request uses: the account's, or the guest cart remembered in the session.

The guest cart's public id is kept in the session data, not matched by session key: Django gives
the session a new key at log-in (`cycle_key`), and the data is what survives to be merged.
"""

from __future__ import annotations

from proofsheet.cart.models import Cart
from proofsheet.cart.services import cart_get_or_create

SESSION_CART = "proofsheet.cart"


def guest_cart_of(session) -> Cart | None:
    public_id = session.get(SESSION_CART)
    if not public_id:
        return None
    return Cart.objects.filter(public_id=public_id, user__isnull=True).first()


def request_cart(request, *, create: bool = True) -> Cart | None:
    """The cart of this request's visitor (made on first use when `create`)."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        if create:
            return cart_get_or_create(user=user)
        return Cart.objects.filter(user=user).first()
    cart = guest_cart_of(request.session)
    if cart is None and create:
        if not request.session.session_key:
            request.session.save()
        cart = cart_get_or_create(session_key=request.session.session_key)
        request.session[SESSION_CART] = str(cart.public_id)
    return cart
