"""Payment providers (settings, system check, offline instructions) and the payment services."""

from decimal import Decimal

import pytest

from proofsheet.catalog.models import StoreSettings
from proofsheet.fulfillment.models import DownloadGrant
from proofsheet.notifications.models import OutboundEmail
from proofsheet.orders.models import OrderStatus
from proofsheet.orders.services import TransitionNotAllowed
from proofsheet.orders.tests.support import a_print, digital, place
from proofsheet.payments import services
from proofsheet.payments.checks import check_payment_providers
from proofsheet.payments.models import Payment, PaymentStatus
from proofsheet.payments.providers import PaymentUnsupported, UnknownProvider, get_provider
from proofsheet.payments.providers.offline import DEFAULT_INSTRUCTIONS, OfflineProvider
from proofsheet.payments.selectors import payment_next_step, provider_for
from proofsheet.payments.tests.providers import CountingProvider, use_counting_provider

OFFLINE = "proofsheet.payments.providers.offline.OfflineProvider"


def _errors():
    # Only our check: the full registry also holds checks that query the database.
    return [e for e in check_payment_providers(None) if e.id.startswith("payments.")]


def test_the_embedded_default_is_offline_and_passes_the_check():
    assert isinstance(get_provider("offline"), OfflineProvider)
    assert _errors() == []
    with pytest.raises(UnknownProvider):
        get_provider("stripe")


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"offline": {"BACKEND": "proofsheet.payments.providers.nope.Nope"}}, "cannot be built"),
        ({"offline": {"BACKEND": OFFLINE, "OPTIONS": {"colour": "red"}}}, "colour"),
        ({"offline": {"BACKEND": OFFLINE, "OPTONS": {}}}, "unknown key"),
        ({"offline": {"OPTIONS": {}}}, "needs a BACKEND"),
        ({"offline": {"BACKEND": "proofsheet.orders.models.Order"}}, "not a PaymentProvider"),
        ({}, "at least one"),
        ({"offline": {"BACKEND": OFFLINE}, "card": {"BACKEND": OFFLINE}}, None),
    ],
)
def test_the_system_check_reports_bad_providers(settings, config, message):
    settings.PAYMENT_PROVIDERS = config
    errors = _errors()
    if message is None:
        assert errors == []
    else:
        assert errors and message in " ".join(e.msg for e in errors)


@pytest.mark.parametrize("chosen", ["stripe", "", None])
def test_the_system_check_reports_an_unknown_payment_provider(settings, chosen):
    settings.PAYMENT_PROVIDER = chosen

    errors = _errors()

    assert [e.id for e in errors] == ["payments.E005"]
    assert "PAYMENT_PROVIDER" in errors[0].msg and "offline" in errors[0].msg


def test_providers_are_built_lazily_from_the_setting(settings):
    settings.PAYMENT_PROVIDERS = {
        "offline": {"BACKEND": OFFLINE, "OPTIONS": {"instructions": "Pay at the studio."}}
    }
    provider = get_provider("offline")
    assert get_provider("offline") is provider
    assert provider.options == {"instructions": "Pay at the studio."}


@pytest.mark.django_db
def test_offline_start_shows_the_sellers_instructions(shop):
    gallery, photos = shop
    order = place(gallery.owner, [a_print(photos[0])])

    step = services.payment_start(order)
    assert step.kind == "instructions" and DEFAULT_INSTRUCTIONS in step.text
    assert order.number in step.text
    assert payment_next_step(order) == step  # what the order's pages show

    StoreSettings.objects.create(owner=gallery.owner, payment_instructions="IBAN DE00 1234")
    later = place(gallery.owner, [a_print(photos[0])])
    assert "IBAN DE00 1234" in services.payment_start(later).text
    # The first order keeps the step it was given: starting again asks no provider.
    assert services.payment_start(order) == step
    assert Payment.objects.filter(order=order, status=PaymentStatus.PENDING).count() == 1


@pytest.mark.django_db
def test_starting_twice_makes_one_payment_and_asks_the_provider_once(shop, settings):
    counting = use_counting_provider(settings)
    gallery, photos = shop
    order = place(gallery.owner, [digital(photos[0])], provider="counting")

    first = services.payment_start(order)
    second = services.payment_start(order)

    assert counting.starts == 1
    assert first == second and first.kind == "redirect" and str(order.public_id) in first.url
    payment = Payment.objects.get(order=order)
    assert (payment.provider, payment.status, payment.next_step) == ("counting", "pending", first)


@pytest.mark.django_db
def test_reading_the_next_step_never_asks_the_provider(shop, settings):
    counting = use_counting_provider(settings)
    gallery, photos = shop
    order = place(gallery.owner, [digital(photos[0])], provider="counting")
    assert payment_next_step(order).kind == "none"  # not started yet: nothing to show
    step = services.payment_start(order)

    for _ in range(3):
        assert payment_next_step(order) == step

    assert counting.starts == 1


@pytest.mark.django_db
def test_the_provider_comes_from_the_setting(settings):
    assert provider_for(None) == "offline"
    use_counting_provider(settings)
    assert provider_for(None) == "counting"


@pytest.mark.django_db
def test_a_refund_the_provider_cannot_make_is_refused(shop, settings):
    use_counting_provider(settings)
    gallery, photos = shop
    order = place(gallery.owner, [digital(photos[0])], provider="counting")
    services.payment_mark_received(order=order, actor=gallery.owner)

    with pytest.raises(PaymentUnsupported) as refused:
        services.payment_refund(order=order, actor=gallery.owner)

    assert refused.value.code == "payment_unsupported" and refused.value.status == 409
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert not Payment.objects.filter(status=PaymentStatus.REFUNDED).exists()
    assert DownloadGrant.objects.get().revoked_at is None


def test_providers_declare_what_they_support():
    assert OfflineProvider.supports_refunds is True
    assert not any(
        (
            OfflineProvider.supports_partial_refunds,
            OfflineProvider.supports_saved_methods,
            OfflineProvider.supports_webhooks,
        )
    )
    assert not CountingProvider.supports_refunds


@pytest.mark.django_db
def test_marking_received_records_the_payment_and_pays_the_order_once(shop):
    gallery, photos = shop
    order = place(gallery.owner, [digital(photos[0])])
    services.payment_start(order)

    payment = services.payment_mark_received(order=order, actor=gallery.owner, reference="TX-1")

    order.refresh_from_db()
    assert order.status == OrderStatus.PAID and order.paid_at is not None
    assert payment.status == PaymentStatus.SUCCEEDED and payment.amount == Decimal("10.00")
    assert Payment.objects.filter(order=order).count() == 1  # the pending one became it
    assert order.events.filter(kind="paid", actor=gallery.owner).count() == 1
    assert DownloadGrant.objects.filter(order_line__order=order).count() == 1
    assert OutboundEmail.objects.filter(subject__startswith="Payment received").count() == 1

    with pytest.raises(TransitionNotAllowed):
        services.payment_mark_received(order=order, actor=gallery.owner)
    assert Payment.objects.filter(order=order).count() == 1
    assert DownloadGrant.objects.count() == 1
    assert OutboundEmail.objects.filter(subject__startswith="Payment received").count() == 1


@pytest.mark.django_db
def test_refund_records_it_and_refunds_the_order(shop):
    gallery, photos = shop
    order = place(gallery.owner, [digital(photos[0])])
    with pytest.raises(TransitionNotAllowed):  # nothing was paid yet
        services.payment_refund(order=order, actor=gallery.owner)
    assert not Payment.objects.exists()

    services.payment_mark_received(order=order, actor=gallery.owner)
    refund = services.payment_refund(order=order, actor=gallery.owner, reason="duplicate")

    order.refresh_from_db()
    assert order.status == OrderStatus.REFUNDED
    assert refund.status == PaymentStatus.REFUNDED and refund.amount == order.total
    assert DownloadGrant.objects.get().revoked_at is not None
    assert order.events.last().message == "duplicate"


@pytest.mark.django_db
def test_a_zero_total_order_is_paid_without_payment(shop):
    gallery, photos = shop
    order = place(gallery.owner, [digital(photos[0], price="0")])

    step = services.payment_start(order)

    order.refresh_from_db()
    assert step.kind == "none"
    assert order.status == OrderStatus.PAID
    assert not Payment.objects.exists()
    assert DownloadGrant.objects.count() == 1
