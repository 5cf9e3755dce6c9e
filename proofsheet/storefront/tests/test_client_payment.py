"""What clients see of card payments: the store's "how clients pay" setting, the checkout's
choice, the order page and emails (how it was paid, refunds), and saved cards — the Stripe
provider against localstripe, a real Stripe-speaking server on loopback."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from proofsheet.accounts.tests.factories import UserFactory
from proofsheet.cart.tests.support import make_shop
from proofsheet.core.errors import Invalid, NotFound
from proofsheet.notifications.models import OutboundEmail
from proofsheet.orders.models import Order, OrderStatus
from proofsheet.orders.services import order_access_token
from proofsheet.orders.tests.support import digital, place
from proofsheet.payments import cards, saved_cards
from proofsheet.payments.models import PaymentCustomer
from proofsheet.payments.providers import get_provider
from proofsheet.payments.providers.base import PaymentDeclined
from proofsheet.payments.selectors import client_payment_mode, payment_choices, provider_for
from proofsheet.payments.services import payment_start, store_settings_update
from proofsheet.payments.tests.stripe_support import DECLINED, card_method, use_stripe

pytestmark = pytest.mark.django_db
EMAIL = "ann@example.test"


@pytest.fixture
def store():
    return make_shop()


@pytest.fixture
def cards_on(settings, localstripe):
    use_stripe(settings, localstripe.base_url)
    return localstripe


def _checkout(client, store, **fields):
    client.post(
        reverse("storefront:cart_add", args=[store.gallery.public_id, store.photos[0].public_id]),
        {"product": str(store.digital.public_id), "quantity": "1"},
    )
    data = {"email": EMAIL, "idempotency_key": "k-1", "action": "place", **fields}
    return client.post(reverse("storefront:checkout"), data)


# --- the store setting -------------------------------------------------------------------------


def test_without_a_card_provider_clients_pay_offline_and_card_choices_are_refused(store):
    assert client_payment_mode(store.seller) == "offline"
    for choice in ("card", "both"):
        with pytest.raises(Invalid) as refused:
            store_settings_update(owner=store.seller, client_payment=choice)
        assert "Card payments are not set up" in refused.value.fields["client_payment"][0]
    assert store_settings_update(owner=store.seller, client_payment="offline").client_payment == (
        "offline"
    )


def test_the_studio_form_and_the_api_say_why_cards_cannot_be_chosen(store):
    client = Client()
    client.force_login(store.seller)
    form = client.post(reverse("studio:store"), {"client_payment": "both"})
    assert form.status_code == 200 and "Card payments are not set up" in form.content.decode()
    api = client.put(
        "/api/v1/store/settings", {"client_payment": "card"}, content_type="application/json"
    )
    assert api.status_code == 422 and api.json()["fields"]["client_payment"]
    shown = client.get("/api/v1/store/settings").json()
    assert shown["client_payment_now"] == "offline" and shown["cards_available"] is False


def test_with_a_card_provider_the_default_is_card_and_each_setting_is_kept(store, cards_on):
    assert client_payment_mode(store.seller) == "card"
    assert provider_for(store.seller) == "stripe"
    client = Client()
    client.force_login(store.seller)
    saved = client.put(
        "/api/v1/store/settings", {"client_payment": "both"}, content_type="application/json"
    )
    assert saved.status_code == 200 and saved.json()["client_payment_now"] == "both"
    assert payment_choices(store.seller) == ["card", "offline"]
    client.post(reverse("studio:store"), {"client_payment": "offline"})
    assert client_payment_mode(store.seller) == "offline"
    assert provider_for(store.seller) == "offline"


# --- checkout ----------------------------------------------------------------------------------


def test_checkout_offers_the_choice_when_both_ways_are_allowed_and_records_it(
    client, store, cards_on
):
    store_settings_update(owner=store.seller, client_payment="both")
    _checkout(client, store, action="review")
    form = client.get(reverse("storefront:checkout")).content.decode()
    assert "Pay by card" in form and "Pay by bank transfer or later" in form

    offline = _checkout(client, store, pay_with="offline")
    order = Order.objects.get()
    assert order.payment_provider == "offline"
    assert offline["Location"] == reverse("storefront:checkout_done", args=[order.public_id])

    card = _checkout(client, store, pay_with="card", idempotency_key="k-2")
    order = Order.objects.exclude(pk=order.pk).get()
    assert order.payment_provider == "stripe"
    assert card["Location"] == reverse("storefront:order_pay", args=[order_access_token(order)])


def test_a_card_only_store_refuses_offline_and_a_card_order_lands_on_the_pay_page(
    client, store, cards_on
):
    store_settings_update(owner=store.seller, client_payment="card")
    refused = _checkout(client, store, pay_with="offline")
    assert refused.status_code == 400 and "card payments only" in refused.content.decode()
    assert not Order.objects.exists()
    placed = _checkout(client, store)
    order = Order.objects.get()
    pay_page = client.get(placed["Location"]).content.decode()
    assert order.payment_provider == "stripe" and "Pay order" in pay_page
    done = client.get(reverse("storefront:checkout_done", args=[order.public_id]))
    assert "Pay now" in done.content.decode()
    (confirmation,) = [m for m in OutboundEmail.objects.all() if m.to == [EMAIL]]
    assert "Pay by card here" in confirmation.body_text and "/pay/" in confirmation.body_text


def test_the_api_checkout_takes_the_choice(store, cards_on):
    store_settings_update(owner=store.seller, client_payment="both")
    client = Client()
    added = client.post(
        "/api/v1/client/cart/lines",
        {
            "gallery_id": str(store.gallery.public_id),
            "photo_id": str(store.photos[0].public_id),
            "product_id": str(store.digital.public_id),
        },
        content_type="application/json",
    )
    assert added.status_code == 201, added.content
    token = added.json()["token"]
    assert added.json()["pay_with_choices"] == ["card", "offline"]
    placed = client.post(
        "/api/v1/client/checkout",
        {"email": EMAIL, "pay_with": "offline"},
        content_type="application/json",
        headers={"X-Cart-Token": token},
    )
    assert placed.status_code == 201, placed.content
    assert placed.json()["payment"]["kind"] == "instructions"
    assert Order.objects.get().payment_provider == "offline"


# --- the order page and emails -----------------------------------------------------------------


def _card_order(store, price="10.00", lines=None):
    order = place(
        store.seller,
        lines or [digital(store.photos[0], price=price), digital(store.photos[1], price="15.00")],
        email=EMAIL,
        provider="stripe",
    )
    payment_start(order)
    return order


def test_a_pending_card_order_offers_to_pay_again_with_the_last_failure(client, store, cards_on):
    order = _card_order(store)
    url = reverse("storefront:order", args=[order_access_token(order)])
    assert "Pay by card" in client.get(url).content.decode()
    with pytest.raises(PaymentDeclined):
        cards.card_payment_confirm(order, payment_method=card_method(DECLINED))
    html = client.get(url).content.decode()
    assert "Pay by card again" in html and "The last try did not go through" in html


def test_the_order_page_and_emails_say_how_it_was_paid_and_each_refund_once(
    client, store, cards_on
):
    order = _card_order(store)
    cards.card_payment_confirm(order, payment_method=card_method())
    paid = OutboundEmail.objects.get(subject__startswith="Payment received")
    assert "Visa •••• 4242" in paid.body_text

    first = order.lines.get(total=Decimal("10.00"))
    refund = cards.refund_create(order=order, actor=store.seller, line_ids=[first.public_id])
    # The provider's event about the same refund, later: recorded already, no second email.
    cards.refunds_reconcile(
        reference=refund.payment.reference,
        refunds=[{"id": refund.reference, "amount": 1000, "status": "succeeded"}],
        currency="EUR",
    )
    emails = OutboundEmail.objects.filter(subject__startswith="Refund of")
    assert emails.count() == 1
    assert "10.00" in emails.get().body_text and first.product_name in emails.get().body_text
    assert emails.get().to == [EMAIL]

    html = client.get(reverse("storefront:order", args=[order_access_token(order)])).content
    html = html.decode()
    assert "Paid with Visa •••• 4242" in html and "Pay by card" not in html
    assert "Refunds" in html and first.product_name in html


def test_a_full_refund_sends_one_email_too(store, cards_on):
    order = _card_order(store)
    cards.card_payment_confirm(order, payment_method=card_method())
    cards.refund_create(order=order, actor=store.seller)
    order.refresh_from_db()
    assert order.status == OrderStatus.REFUNDED
    assert OutboundEmail.objects.filter(subject__startswith="Refund of 25.00").count() == 1


# --- saved cards -------------------------------------------------------------------------------


def _saved_card(user, store) -> str:
    """What the pay page does for "Save this card" (card Element): a SetupIntent for the user's
    customer, confirmed with the card (as Stripe.js does), then the payment; the order is paid
    and the card kept."""
    order = _card_order(store)
    secret = saved_cards.pay_setup(order, user, save=True)
    client = get_provider("stripe").client
    setup_id = secret.split("_secret_")[0]
    setup = client.v1.setup_intents.confirm(setup_id, {"payment_method": card_method()})
    method = setup.payment_method
    method = method if isinstance(method, str) else method.id
    saved_cards.pay_confirm(order, user, payment_method=method, save=True)
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    return method


def test_a_saved_card_pays_next_time_and_only_for_its_owner(store, cards_on):
    ann, bob = UserFactory(), UserFactory()
    method = _saved_card(ann, store)
    assert PaymentCustomer.objects.filter(user=ann).count() == 1
    assert [card.label for card in saved_cards.saved_cards(ann, "stripe")] == ["Visa •••• 4242"]
    assert saved_cards.saved_cards(bob, "stripe") == []

    second = _card_order(store)
    with pytest.raises(NotFound):  # Bob cannot pay with, nor remove, Ann's card
        saved_cards.pay_confirm(second, bob, payment_method=method, saved=True)
    with pytest.raises(NotFound):
        saved_cards.saved_card_remove(bob, "stripe", method)
    saved_cards.pay_confirm(second, ann, payment_method=method, saved=True)
    second.refresh_from_db()
    assert second.status == OrderStatus.PAID

    saved_cards.saved_card_remove(ann, "stripe", method)
    assert saved_cards.saved_cards(ann, "stripe") == []


def test_saved_cards_on_the_pay_page_and_the_account_page(store, cards_on):
    ann = UserFactory()
    method = _saved_card(ann, store)
    order = _card_order(store)
    client = Client()
    client.force_login(ann)
    ref = order_access_token(order)
    pay_page = client.get(reverse("storefront:order_pay", args=[ref])).content.decode()
    assert "Save this card for next time" in pay_page and "Pay with Visa •••• 4242" in pay_page
    account = client.get(reverse("account")).content.decode()
    assert "Visa •••• 4242" in account and "Remove" in account

    other = Client()
    other.force_login(UserFactory())
    refused = other.post(reverse("storefront:saved_card_remove", args=[method]), follow=True)
    assert "not one of your saved cards" in refused.content.decode()
    assert saved_cards.saved_cards(ann, "stripe")

    paid = client.post(reverse("storefront:order_pay", args=[ref]), {"saved_card": method})
    assert paid.status_code == 200 and paid.json()["status"] == "succeeded"

    client.post(reverse("storefront:saved_card_remove", args=[method]))
    assert saved_cards.saved_cards(ann, "stripe") == []
    assert "No saved cards" in client.get(reverse("account")).content.decode()


def test_guests_are_not_offered_to_save_a_card(client, store, cards_on):
    order = _card_order(store)
    page = client.get(reverse("storefront:order_pay", args=[order_access_token(order)]))
    assert "Save this card" not in page.content.decode()


# --- the API ------------------------------------------------------------------------------------


def test_the_api_shows_how_an_order_was_paid_and_refunded_and_manages_saved_cards(store, cards_on):
    ann = UserFactory()
    method = _saved_card(ann, store)
    order = Order.objects.get(customer=None, status=OrderStatus.PAID)
    order.customer = ann
    order.save(update_fields=["customer"])
    first = order.lines.get(total=Decimal("10.00"))
    cards.refund_create(order=order, actor=store.seller, line_ids=[first.public_id])
    client = Client()
    client.force_login(ann)

    detail = client.get(f"/api/v1/client/orders/{order.public_id}").json()
    assert detail["payment"]["paid_with"] == "Visa •••• 4242"
    assert detail["payment"]["pay_url"] == ""
    assert [(r["amount"], r["lines"]) for r in detail["payment"]["refunds"]] == [
        ("10.00", [first.product_name])
    ]

    listed = client.get("/api/v1/client/cards").json()
    assert [(c["id"], c["label"]) for c in listed] == [(method, "Visa •••• 4242")]
    other = Client()
    other.force_login(UserFactory())
    assert other.get("/api/v1/client/cards").json() == []
    assert other.delete(f"/api/v1/client/cards/{method}").status_code == 404
    assert client.delete(f"/api/v1/client/cards/{method}").status_code == 204
    assert client.get("/api/v1/client/cards").json() == []


def test_the_api_gives_a_pending_card_orders_payment_page(store, cards_on):
    ann = UserFactory()
    order = place(store.seller, [digital(store.photos[0])], customer=ann, provider="stripe")
    payment_start(order)
    client = Client()
    client.force_login(ann)
    detail = client.get(f"/api/v1/client/orders/{order.public_id}").json()
    assert detail["payment"]["pay_url"].endswith(f"/orders/{order_access_token(order)}/pay/")
