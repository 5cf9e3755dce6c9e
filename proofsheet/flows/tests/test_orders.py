"""flows.orders: the seller's order actions, the same for the studio and the API."""

import uuid

import pytest

from proofsheet.accounts.tests.factories import UserFactory
from proofsheet.core.errors import DomainError
from proofsheet.flows import orders as flows
from proofsheet.fulfillment.models import DownloadGrant
from proofsheet.orders.models import OrderStatus
from proofsheet.orders.tests.support import a_print, digital, place, shop  # noqa: F401
from proofsheet.payments.tests.providers import use_counting_provider

pytestmark = pytest.mark.django_db


def refusal(call, **kwargs) -> DomainError:
    with pytest.raises(DomainError) as refused:
        call(**kwargs)
    return refused.value


def test_a_download_order_is_paid_then_completed(shop):  # noqa: F811
    gallery, photos = shop
    seller = gallery.owner
    order = place(seller, [digital(photos[0])])
    assert flows.order_actions(order) == flows.OrderActions(
        can_pay=True, can_ship=False, can_complete=False, can_cancel=True, can_refund=False
    )

    paid = flows.order_mark_paid(seller=seller, order_id=order.public_id, reference="TX-9")

    assert paid.status == OrderStatus.PAID and DownloadGrant.objects.count() == 1
    assert flows.order_actions(paid).can_refund and not flows.order_actions(paid).can_ship
    done = flows.order_complete(seller=seller, order_id=order.public_id)
    assert done.status == OrderStatus.COMPLETED


def test_a_print_is_shipped_and_a_download_is_reissued(shop):  # noqa: F811
    gallery, photos = shop
    seller = gallery.owner
    order = place(seller, [a_print(photos[0]), digital(photos[1])])
    paid = flows.order_mark_paid(seller=seller, order_id=order.public_id)
    assert flows.order_actions(paid).can_ship

    bad = refusal(
        flows.order_ship, seller=seller, order_id=order.public_id, carrier="", tracking_number=""
    )
    assert bad.status == 422 and set(bad.fields) == {"carrier", "tracking_number"}
    shipped = flows.order_ship(
        seller=seller, order_id=order.public_id, carrier="DHL", tracking_number="123"
    )
    assert shipped.status == OrderStatus.SHIPPED

    grant = DownloadGrant.objects.get()
    flows.order_download_reissue(seller=seller, order_id=order.public_id, grant_id=grant.public_id)
    assert order.events.filter(kind="download_reissued").count() == 1
    unknown = refusal(
        flows.order_download_reissue, seller=seller, order_id=order.public_id, grant_id=uuid.uuid4()
    )
    assert unknown.status == 404


def test_moves_the_status_does_not_allow_are_conflicts(shop):  # noqa: F811
    gallery, photos = shop
    seller = gallery.owner
    order = place(seller, [digital(photos[0])])

    for call in (flows.order_refund, flows.order_complete):
        refused = refusal(call, seller=seller, order_id=order.public_id)
        assert refused.code == "transition_not_allowed" and refused.status == 409
    cancelled = flows.order_cancel(seller=seller, order_id=order.public_id, reason="asked")
    assert cancelled.status == OrderStatus.CANCELLED
    assert flows.order_actions(cancelled) == flows.OrderActions(False, False, False, False, False)


def test_another_sellers_order_is_not_found_and_a_client_is_refused(shop):  # noqa: F811
    gallery, photos = shop
    order = place(gallery.owner, [digital(photos[0])])

    other = refusal(
        flows.order_mark_paid, seller=UserFactory(role="photographer"), order_id=order.public_id
    )
    client = refusal(
        flows.order_mark_paid, seller=UserFactory(role="client"), order_id=order.public_id
    )

    assert other.status == 404 and (client.code, client.status) == ("seller_only", 403)
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING


def test_a_refund_is_not_offered_nor_made_when_the_provider_cannot(shop, settings):  # noqa: F811
    use_counting_provider(settings)
    gallery, photos = shop
    seller = gallery.owner
    order = place(seller, [digital(photos[0])], provider="counting")
    paid = flows.order_mark_paid(seller=seller, order_id=order.public_id)

    assert not flows.order_actions(paid).can_refund
    refused = refusal(flows.order_refund, seller=seller, order_id=order.public_id)
    assert refused.code == "payment_unsupported"
    assert flows.order_actions(paid).can_cancel  # the seller can still cancel it
