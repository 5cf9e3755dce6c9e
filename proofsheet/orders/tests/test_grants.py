"""Download grants through an order's life: issued once on payment, counted, expired, revoked."""

import hashlib
import io
import logging
import zipfile
from datetime import timedelta

import pytest
import pyvips
from django.core.files.storage import storages
from django.utils import timezone

from proofsheet.fulfillment import services as fulfillment
from proofsheet.fulfillment.models import DownloadGrant
from proofsheet.fulfillment.services import GrantGone, GrantNotFound
from proofsheet.fulfillment.tests.support import has_gps
from proofsheet.imaging.pipeline import PRINT_EDGE
from proofsheet.notifications.models import OutboundEmail
from proofsheet.orders.models import OrderStatus
from proofsheet.orders.services import order_transition
from proofsheet.orders.tests.support import a_print, digital, place, whole_gallery

pytestmark = pytest.mark.django_db


def paid(order):
    order_transition(order=order, to=OrderStatus.PAID, actor=order.seller)
    order.refresh_from_db()
    return order


def tokens_in(mail: OutboundEmail) -> list[str]:
    return [
        part.split("/downloads/")[1].split("/")[0]
        for part in mail.body_text.split()
        if "/downloads/" in part
    ]


def paid_with_tokens(order):
    paid(order)
    mail = OutboundEmail.objects.filter(subject__startswith="Payment received").get()
    return tokens_in(mail)


def test_payment_issues_one_grant_per_digital_line_once(shop):
    gallery, photos = shop
    order = place(
        gallery.owner,
        [digital(photos[0]), digital(photos[1], "web"), a_print(photos[0]), whole_gallery(gallery)],
    )
    assert not DownloadGrant.objects.exists()  # nothing before payment

    tokens = paid_with_tokens(order)

    grants = DownloadGrant.objects.filter(order_line__order=order)
    # two single-photo lines + the whole gallery (two photos); the print gets none
    assert grants.count() == 4 == len(tokens)
    assert {g.resolution for g in grants} == {"full", "web"}
    assert all(g.max_downloads == 5 and g.downloads == 0 for g in grants)
    assert all(
        timedelta(days=6, hours=23) < g.expires_at - timezone.now() <= timedelta(days=7)
        for g in grants
    )
    # only hashes are stored
    stored = set(grants.values_list("token_hash", flat=True))
    assert not stored & set(tokens)
    assert stored == {hashlib.sha256(t.encode()).hexdigest() for t in tokens}
    # idempotent: a second run issues nothing and sends nothing
    assert fulfillment.grants_issue(order) == []
    assert grants.count() == 4
    assert OutboundEmail.objects.filter(subject__startswith="Payment received").count() == 1


def test_a_grant_serves_exactly_its_count_then_410(shop, settings):
    settings.DOWNLOAD_GRANT_MAX = 3
    gallery, photos = shop
    (token,) = paid_with_tokens(place(gallery.owner, [digital(photos[0])]))

    for used in (1, 2, 3):
        assert fulfillment.grant_claim(token).downloads == used
    with pytest.raises(GrantGone):
        fulfillment.grant_claim(token)
    assert DownloadGrant.objects.get().downloads == 3


def test_expired_grant_is_gone_and_unknown_token_not_found(shop):
    gallery, photos = shop
    (token,) = paid_with_tokens(place(gallery.owner, [digital(photos[0])]))
    DownloadGrant.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    with pytest.raises(GrantGone):
        fulfillment.grant_claim(token)
    with pytest.raises(GrantNotFound):
        fulfillment.grant_claim(token[:-1] + ("A" if token[-1] != "A" else "B"))
    with pytest.raises(GrantNotFound):
        fulfillment.grant_claim("")
    assert DownloadGrant.objects.get().downloads == 0


def test_refund_revokes_downloads(shop):
    gallery, photos = shop
    order = place(gallery.owner, [digital(photos[0])])
    (token,) = paid_with_tokens(order)
    fulfillment.grant_claim(token)

    order_transition(
        order=order, to=OrderStatus.REFUNDED, actor=order.seller, message="changed mind"
    )

    order.refresh_from_db()
    assert order.status == OrderStatus.REFUNDED
    with pytest.raises(GrantGone):
        fulfillment.grant_claim(token)
    grant = DownloadGrant.objects.get()
    assert grant.revoked_at is not None
    with pytest.raises(Exception, match="revoked"):
        fulfillment.grant_reissue(grant)


def test_grants_of_another_order_are_not_found_through_an_order(shop):
    gallery, photos = shop
    mine = paid(place(gallery.owner, [digital(photos[0])]))
    theirs = paid(place(gallery.owner, [digital(photos[1])], email="other@example.test"))
    foreign = DownloadGrant.objects.get(order_line__order=theirs)

    with pytest.raises(GrantNotFound):
        fulfillment.grant_claim_in_order(mine, foreign.public_id)
    assert DownloadGrant.objects.get(pk=foreign.pk).downloads == 0


def test_reissue_gives_a_new_link_with_a_full_count(shop):
    gallery, photos = shop
    (old,) = paid_with_tokens(place(gallery.owner, [digital(photos[0])]))
    for _ in range(5):
        fulfillment.grant_claim(old)
    grant = DownloadGrant.objects.get()
    DownloadGrant.objects.update(expires_at=timezone.now() + timedelta(hours=1))

    issued = fulfillment.grant_reissue(grant)

    grant.refresh_from_db()
    assert grant.downloads == 0
    assert grant.expires_at > timezone.now() + timedelta(days=6)
    with pytest.raises(GrantNotFound):
        fulfillment.grant_claim(old)
    assert fulfillment.grant_claim(issued.token).downloads == 1
    mail = OutboundEmail.objects.order_by("id").last()
    assert tokens_in(mail) == [issued.token]


def test_files_delivered_have_the_purchased_size_and_no_gps(shop, settings):
    gallery, photos = shop
    order = place(
        gallery.owner,
        [digital(photos[0], "full"), digital(photos[1], "print"), digital(photos[1], "web")],
    )
    paid(order)
    private = storages["private"]
    with private.open(photos[0].original_key, "rb") as fh:
        assert has_gps(fh.read())  # the original does carry GPS

    for grant in DownloadGrant.objects.all():
        key, name, content_type = fulfillment.grant_file(grant)
        with private.open(key, "rb") as fh:
            data = fh.read()
        image = pyvips.Image.new_from_buffer(data, "")
        assert content_type == "image/jpeg" and name.endswith(".jpg")
        assert not has_gps(data)
        assert "exif-data" not in image.get_fields()
        if grant.resolution == "full":
            assert (image.width, image.height) == (grant.photo.width, grant.photo.height)
        else:
            assert max(image.width, image.height) <= (1600 if grant.resolution == "web" else 3600)

    settings.DOWNLOAD_STRIP_GPS = False
    full = DownloadGrant.objects.get(resolution="full")
    key, name, _ = fulfillment.grant_file(full)
    assert key == full.photo.original_key and name == full.photo.original_name
    assert PRINT_EDGE == 3600


def test_download_all_streams_every_usable_file_and_claims_each(shop):
    gallery, photos = shop
    order = place(gallery.owner, [digital(photos[0], "web"), whole_gallery(gallery, "print")])
    tokens = paid_with_tokens(order)
    for _ in range(5):  # use up the first grant: it is left out
        fulfillment.grant_claim(tokens[0])

    data = b"".join(fulfillment.order_zip(order))

    archive = zipfile.ZipFile(io.BytesIO(data))
    assert archive.testzip() is None
    names = archive.namelist()
    assert len(names) == 2 and all(n.endswith("-print.jpg") for n in names)
    assert all(info.compress_type == zipfile.ZIP_STORED for info in archive.infolist())
    for name in names:
        assert not has_gps(archive.read(name))
    grants = DownloadGrant.objects.filter(resolution="print")
    assert [g.downloads for g in grants] == [1, 1]

    for _ in range(4):
        fulfillment.order_zip(order)
    with pytest.raises(GrantGone):
        fulfillment.order_zip(order)


def test_tokens_are_never_logged(shop, caplog, client):
    gallery, photos = shop
    (token,) = paid_with_tokens(place(gallery.owner, [digital(photos[0], "web")]))
    caplog.set_level(logging.DEBUG)

    fulfillment.grant_claim(token)
    with pytest.raises(GrantNotFound):
        fulfillment.grant_claim(token + "x")

    assert token not in caplog.text


def test_the_purchased_files_are_made_when_the_order_is_paid(
    shop, django_capture_on_commit_callbacks
):
    """The worker renders them after payment, so the buyer's first download does not wait."""
    gallery, photos = shop
    order = place(gallery.owner, [digital(photos[0]), digital(photos[1], "print")])
    private = storages["private"]
    before = {key for key in _download_keys(private)}

    with django_capture_on_commit_callbacks(execute=True):
        paid(order)

    made = _download_keys(private) - before
    assert len(made) == 2  # the full-resolution file and the print-size file
    for grant in DownloadGrant.objects.filter(order_line__order=order):
        key, _, _ = fulfillment.grant_file(grant)  # found, not rendered again
        assert key in made


def _download_keys(storage) -> set[str]:
    try:
        folders, _ = storage.listdir("downloads")
    except FileNotFoundError:
        return set()
    keys = set()
    for folder in folders:
        _, files = storage.listdir(f"downloads/{folder}")
        keys |= {f"downloads/{folder}/{name}" for name in files}
    return keys
