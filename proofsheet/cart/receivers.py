"""The guest cart joins the account's cart at log-in; a cancelled order gives back its code's use.

Why a signal receiver, when DESIGN.md keeps business rules out of signals: the rule itself lives
in `services.cart_merge`; this only calls it at the one moment it applies. The log-in hook that
allauth offers (`accounts.adapter`) sits below `cart` in the layers and may not import it, and
`user_logged_in` fires for every way in (allauth's forms, headless, `django.contrib.auth.login`).
It is `django.contrib.auth`'s login signal, not a model signal, and it runs inside the request.

The same reasoning for `order_cancelled` below: `orders` sits below `cart` in the layers and may
not import it, so the state machine announces the cancellation and `cart` answers.
"""

from __future__ import annotations

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from proofsheet.cart.checkout import discount_use_release
from proofsheet.cart.services import cart_get_or_create, cart_merge
from proofsheet.cart.session import SESSION_CART, guest_cart_of
from proofsheet.orders.signals import order_cancelled


@receiver(user_logged_in, dispatch_uid="proofsheet.cart.merge_on_login")
def merge_guest_cart(sender, request, user, **kwargs) -> None:
    session = getattr(request, "session", None)
    if session is None:
        return
    guest = guest_cart_of(session)
    session.pop(SESSION_CART, None)
    if guest is None or not guest.lines.exists():
        return
    cart_merge(guest_cart=guest, user_cart=cart_get_or_create(user=user))


@receiver(order_cancelled, dispatch_uid="proofsheet.cart.release_code_on_cancel")
def release_discount_use(sender, order, **kwargs) -> str:
    """Give back the cancelled order's code use, so the code (and the customer) can use it again.

    A receiver because `orders` (which cancels) sits below `cart` (which keeps codes) in the
    layers and may not call `cart.checkout.discount_use_release` itself. `order_cancelled` is our
    own signal, sent once by `orders.services.order_transition` inside the cancelling
    transaction, not a model signal; the rule stays in the service. The returned sentence goes
    into the order's log.
    """
    if discount_use_release(order):
        return f"Code {order.discount_code} can be used again."
    return ""
