"""Saved cards of signed-in clients: their customer record at the card provider, saving a card
while paying, paying with a saved card, removing one.

A saved card is used or removed only after the server has checked, with the provider's own list
of the user's cards (`methods_list` of their customer), that it is theirs: the browser's word
that a `pm_…` belongs to someone is never enough.

Two ways a card is saved while paying, after the card form in use:
- the card Element: the SetupIntent the form confirms is made for the user's customer
  (`card_setup(customer=…)`), which attaches the card; the payment then names that customer;
- the Payment Element: the payment itself asks to keep the card (`save_method=True` with the
  customer: Stripe's `setup_future_usage`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction

from proofsheet.core.errors import NotFound
from proofsheet.orders.models import Order
from proofsheet.payments import cards
from proofsheet.payments.models import PaymentCustomer
from proofsheet.payments.providers import PaymentUnsupported, get_provider
from proofsheet.payments.providers.base import IntentState


@dataclass(frozen=True)
class SavedCard:
    id: str  # pm_…
    brand: str
    last4: str
    exp: str  # "MM/YYYY"

    @property
    def label(self) -> str:
        return f"{self.brand.title() or 'Card'} •••• {self.last4}"


def _provider(name: str) -> Any:
    """The card provider called `name` (one with customers and saved cards: Stripe)."""
    provider = get_provider(name)
    if not provider.takes_cards:
        raise PaymentUnsupported("Saved cards need a card payment provider.")
    return provider


def _signed_in(user) -> bool:
    return user is not None and getattr(user, "is_authenticated", False)


def customer_for(user, provider_name: str, *, create: bool = False) -> str:
    """The user's customer (cus_…) at the provider, made there and kept when `create` and they
    have none yet; "" for anonymous visitors (or none yet and not `create`)."""
    if not _signed_in(user):
        return ""
    found = PaymentCustomer.objects.filter(user=user, provider=provider_name).first()
    if found is not None or not create:
        return found.reference if found else ""
    # The provider's idempotency key (per user) makes a concurrent twin get the same customer.
    reference = _provider(provider_name).customer_create(
        email=user.email, user_public_id=str(user.public_id)
    )
    try:
        with transaction.atomic():
            PaymentCustomer.objects.create(user=user, provider=provider_name, reference=reference)
    except IntegrityError:
        return PaymentCustomer.objects.get(user=user, provider=provider_name).reference
    return reference


def saved_cards(user, provider_name: str) -> list[SavedCard]:
    """The user's saved cards at the provider (asks it; none for visitors or a new user)."""
    customer = customer_for(user, provider_name)
    if not customer:
        return []
    return [SavedCard(**method) for method in _provider(provider_name).methods_list(customer)]


def _listed(customer: str, provider) -> list[dict]:
    return provider.methods_list(customer) if customer else []


def _owned(user, provider_name: str, payment_method: str) -> str:
    """The user's customer when `payment_method` is one of their saved cards, else NotFound."""
    customer = customer_for(user, provider_name)
    if customer and any(card.id == payment_method for card in saved_cards(user, provider_name)):
        return customer
    raise NotFound("That card is not one of your saved cards.")


def saved_card_remove(user, provider_name: str, payment_method: str) -> None:
    """Forget one of the user's saved cards (detached at the provider)."""
    _owned(user, provider_name, payment_method)
    _provider(provider_name).method_detach(payment_method)


def pay_setup(order: Order, user, *, save: bool = False) -> str:
    """The card Element's SetupIntent for paying `order`; for the user's customer (which then
    keeps the card) when a signed-in user asked to save it."""
    customer = ""
    if save and _signed_in(user):
        customer = customer_for(user, order.payment_provider, create=True)
    return cards.card_setup(order, customer=customer)


def pay_confirm(
    order: Order,
    user,
    *,
    payment_method: str,
    save: bool = False,
    saved: bool = False,
    return_url: str = "",
) -> IntentState:
    """Pay `order` with a card: one of the user's saved cards (`saved`, checked to be theirs),
    or a new one from the card form, kept for next time when a signed-in user asked (`save`)."""
    provider_name = order.payment_provider
    customer, save_method = "", False
    if saved:
        customer = _owned(user, provider_name, payment_method)
    elif save and _signed_in(user):
        customer = customer_for(user, provider_name, create=True)
        provider = cards.card_provider(order)
        # The Payment Element's card is kept by the payment itself. The card Element's was
        # kept by its SetupIntent for the customer (Stripe); where that did not attach it
        # (localstripe), it is attached here, before the payment names the customer.
        save_method = provider.session().element == "payment"
        if not save_method and payment_method not in {m["id"] for m in _listed(customer, provider)}:
            provider.method_attach(payment_method, customer)
    return cards.card_payment_confirm(
        order,
        payment_method=payment_method,
        customer=customer,
        save_method=save_method,
        return_url=return_url,
    )
