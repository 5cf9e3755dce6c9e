"""Which cart a request uses: the account's, or a guest cart — remembered in the session (web)
or named by a signed token (apps, `X-Cart-Token`).

The guest cart's public id is kept in the session data, not matched by session key: Django gives
the session a new key at log-in (`cycle_key`), and the data is what survives to be merged. An
app's guest cart token is that public id signed with `django.core.signing` (no table of tokens).
"""

from __future__ import annotations

import secrets
import uuid

from django.core import signing

from proofsheet.cart.models import Cart
from proofsheet.cart.services import cart_get_or_create, cart_merge
from proofsheet.core.errors import Forbidden, NotFound

SESSION_CART = "proofsheet.cart"
CART_SALT = "proofsheet.api.cart"
CART_MAX_AGE = 60 * 60 * 24 * 90  # a guest cart token lasts 90 days


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


def cart_token(cart: Cart) -> str:
    """The token an app sends as X-Cart-Token to name this guest cart."""
    return signing.dumps(str(cart.public_id), salt=CART_SALT)


def guest_cart_of_token(token: str | None) -> Cart | None:
    """The guest cart a token names (None without one, or when housekeeping removed the cart);
    a forged or expired token is refused."""
    if not token:
        return None
    try:
        public_id = uuid.UUID(str(signing.loads(token, salt=CART_SALT, max_age=CART_MAX_AGE)))
    except (signing.BadSignature, ValueError, TypeError):
        raise Forbidden("The cart token is not valid.") from None
    return Cart.objects.filter(public_id=public_id, user__isnull=True).first()


def token_cart(*, user, token: str | None, create: bool) -> Cart | None:
    """The cart an app's request uses: the signed-in user's (a guest cart the token names joins
    it, as at a web log-in), else the token's guest cart, else a new guest cart if `create`."""
    guest = guest_cart_of_token(token)
    if user is not None:
        if guest is None and not create:
            return Cart.objects.filter(user=user).first()
        mine = cart_get_or_create(user=user)
        return mine if guest is None else cart_merge(guest_cart=guest, user_cart=mine)
    if token and guest is None:
        raise NotFound("That cart no longer exists.")
    if guest is not None or not create:
        return guest
    return cart_get_or_create(session_key="api:" + secrets.token_hex(16))
