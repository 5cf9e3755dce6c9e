"""A grant's count holds under parallel downloads (PostgreSQL: SQLite serialises writers)."""

from collections import Counter

import pytest

from proofsheet.fulfillment import services as fulfillment
from proofsheet.fulfillment.models import DownloadGrant
from proofsheet.fulfillment.services import GrantGone
from proofsheet.galleries.models import Photo, PhotoStatus
from proofsheet.galleries.tests.factories import GalleryFactory
from proofsheet.orders.models import OrderStatus
from proofsheet.orders.services import order_transition
from proofsheet.orders.tests.support import digital, place
from tests.support import run_together

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres_only]


@pytest.mark.parametrize("through", ["token", "order page"])
def test_100_parallel_claims_of_a_grant_allowing_5_give_exactly_5(settings, through):
    settings.DOWNLOAD_GRANT_MAX = 5
    gallery = GalleryFactory()
    photo = Photo.objects.create(
        gallery=gallery,
        owner=gallery.owner,
        original_key="originals/x/race.jpg",
        original_name="race.jpg",
        sha256="0" * 64,
        size=1,
        format="jpeg",
        status=PhotoStatus.READY,
    )
    order = place(gallery.owner, [digital(photo)])
    order_transition(order=order, to=OrderStatus.PAID, actor=gallery.owner)
    grant = DownloadGrant.objects.get()
    issued = fulfillment.grant_reissue(grant)  # a token we know

    def claim(_n):
        try:
            if through == "token":
                fulfillment.grant_claim(issued.token)
            else:
                fulfillment.grant_claim_in_order(order, grant.public_id)
        except GrantGone:
            return "gone"
        return "ok"

    results, errors = run_together(100, claim)

    assert errors == []
    assert Counter(results) == {"ok": 5, "gone": 95}
    assert DownloadGrant.objects.get().downloads == 5
