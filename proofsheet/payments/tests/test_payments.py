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
from proofsheet.payments.providers import UnknownProvider, get_provider
from proofsheet.payments.providers.offline import DEFAULT_INSTRUCTIONS, OfflineProvider

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
    ],
)
def test_the_system_check_reports_bad_providers(settings, config, message):
    settings.PAYMENT_PROVIDERS = config
    errors = _errors()
    assert errors and message in " ".join(e.msg for e in errors)


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

    StoreSettings.objects.create(owner=gallery.owner, payment_instructions="IBAN DE00 1234")
    step = services.payment_start(order)
    assert "IBAN DE00 1234" in step.text
    assert Payment.objects.filter(order=order, status=PaymentStatus.PENDING).count() == 1


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
