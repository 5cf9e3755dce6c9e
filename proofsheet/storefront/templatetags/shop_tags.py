"""The header's cart link: how many items the visitor's cart holds."""

from django import template
from django.conf import settings
from django.db.models import Sum

from proofsheet.cart.session import SESSION_CART, request_cart

register = template.Library()


@register.simple_tag(takes_context=True)
def cart_count(context) -> int:
    """Items (quantities) in the cart, not counting saved-for-later; no query for new visitors."""
    request = context.get("request")
    if request is None or not hasattr(request, "session"):
        return 0
    user = getattr(request, "user", None)
    if not (user is not None and user.is_authenticated):
        # A visitor without a session cookie has no cart: leave the session untouched (no
        # `Vary: Cookie` on pages that were cacheable).
        if settings.SESSION_COOKIE_NAME not in request.COOKIES:
            return 0
        if not request.session.get(SESSION_CART):
            return 0
    cart = request_cart(request, create=False)
    if cart is None:
        return 0
    total = cart.lines.filter(saved_for_later=False).aggregate(n=Sum("quantity"))["n"]
    return total or 0
