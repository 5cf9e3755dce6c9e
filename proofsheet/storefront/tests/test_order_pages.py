"""The client's order page (signed link or account), per-file downloads and "download all"."""

import io
import logging
import zipfile

import pytest
from django.test import Client
from django.urls import reverse

from proofsheet.accounts.tests.factories import UserFactory
from proofsheet.fulfillment.models import DownloadGrant
from proofsheet.fulfillment.tests.support import has_gps
from proofsheet.notifications.models import OutboundEmail
from proofsheet.orders.models import OrderStatus
from proofsheet.orders.services import order_access_token, order_transition
from proofsheet.orders.tests.support import a_print, digital, place, shop  # noqa: F401
from proofsheet.payments.services import payment_start
from proofsheet.storefront.tests.gallery_support import content

pytestmark = pytest.mark.django_db


def pay(order):
    order_transition(order=order, to=OrderStatus.PAID, actor=order.seller)
    mail = OutboundEmail.objects.filter(subject__startswith="Payment received").last()
    return [
        word.split("/downloads/")[1].split("/")[0]
        for word in mail.body_text.split()
        if "/downloads/" in word
    ]


def order_url(order, *rest, name="order"):
    return reverse(f"storefront:{name}", args=[order_access_token(order), *rest])


def assert_private_attachment(response):
    assert response["Cache-Control"] == "private, no-store"
    assert response["Referrer-Policy"] == "no-referrer"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment; filename=")
    assert "filename*=UTF-8''" in response["Content-Disposition"]


def test_the_signed_link_opens_the_order_without_an_account(client, shop):  # noqa: F811
    gallery, photos = shop
    order = place(gallery.owner, [a_print(photos[0]), digital(photos[1])])
    payment_start(order)  # as the checkout does

    response = client.get(order_url(order))

    page = response.content.decode()
    assert response.status_code == 200
    assert order.number in page and "8x10 print" in page and "30.00 EUR" in page
    assert "Awaiting payment" in page and "Reference: " + order.number in page
    assert response["Cache-Control"] == "private, no-store"


def test_a_tampered_link_is_404_and_not_logged(client, shop, caplog):  # noqa: F811
    gallery, photos = shop
    order = place(gallery.owner, [a_print(photos[0])])
    token = order_access_token(order)
    caplog.set_level(logging.DEBUG)

    for bad in (token[:-3] + "abc", "x" + token, str(order.public_id)):
        assert client.get(reverse("storefront:order", args=[bad])).status_code == 404
    assert token[:-3] not in caplog.text


def test_a_buyer_with_an_account_sees_their_orders_and_nobody_elses(shop):  # noqa: F811
    gallery, photos = shop
    ann, bob = UserFactory(), UserFactory()
    order = place(gallery.owner, [a_print(photos[0])], customer=ann, email=ann.email)
    as_ann, as_bob = Client(), Client()
    as_ann.force_login(ann)
    as_bob.force_login(bob)
    by_id = reverse("storefront:order", args=[order.public_id])

    assert order.number in as_ann.get(reverse("storefront:my_orders")).content.decode()
    assert as_ann.get(by_id).status_code == 200
    assert order.number not in as_bob.get(reverse("storefront:my_orders")).content.decode()
    assert as_bob.get(by_id).status_code == 404
    assert Client().get(by_id).status_code == 404


def test_email_link_downloads_its_count_then_410_without_logging_the_token(
    client,
    shop,  # noqa: F811
    settings,
    caplog,
):
    settings.DOWNLOAD_GRANT_MAX = 2
    gallery, photos = shop
    (token,) = pay(place(gallery.owner, [digital(photos[0], "full")]))
    link = reverse("storefront:grant_download", args=[token])
    caplog.set_level(logging.DEBUG)

    for _ in range(2):
        response = client.get(link)
        assert response.status_code == 200
        assert_private_attachment(response)
        assert response["Content-Type"] == "image/jpeg"
        assert not has_gps(content(response))
    assert client.get(link).status_code == 410
    assert client.get(reverse("storefront:grant_download", args=["nope" * 10])).status_code == 404
    assert token not in caplog.text


def test_refunded_order_downloads_are_410(client, shop):  # noqa: F811
    gallery, photos = shop
    order = place(gallery.owner, [digital(photos[0], "web")])
    (token,) = pay(order)
    order_transition(order=order, to=OrderStatus.REFUNDED, actor=order.seller)
    grant = DownloadGrant.objects.get()

    assert client.get(reverse("storefront:grant_download", args=[token])).status_code == 410
    assert client.get(order_url(order, grant.public_id, name="order_download")).status_code == 410
    assert client.get(order_url(order, name="order_zip")).status_code == 410


def test_the_order_page_downloads_and_download_all(client, shop):  # noqa: F811
    gallery, photos = shop
    order = place(gallery.owner, [digital(photos[0], "web"), digital(photos[1], "print")])
    pay(order)
    grants = list(DownloadGrant.objects.order_by("id"))

    page = client.get(order_url(order)).content.decode()
    assert "Download all" in page
    response = client.get(order_url(order, grants[0].public_id, name="order_download"))
    assert response.status_code == 200
    assert_private_attachment(response)
    content(response)

    response = client.get(order_url(order, name="order_zip"))
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"] == "application/zip"
    assert_private_attachment(response)
    archive = zipfile.ZipFile(io.BytesIO(content(response)))
    assert len(archive.namelist()) == 2
    assert [g.downloads for g in DownloadGrant.objects.order_by("id")] == [2, 1]


def test_a_grant_of_another_order_is_404_through_this_order(client, shop):  # noqa: F811
    gallery, photos = shop
    mine = place(gallery.owner, [digital(photos[0])])
    theirs = place(gallery.owner, [digital(photos[1])], email="x@example.test")
    pay(mine)
    order_transition(order=theirs, to=OrderStatus.PAID)
    foreign = DownloadGrant.objects.get(order_line__order=theirs)

    assert client.get(order_url(mine, foreign.public_id, name="order_download")).status_code == 404
    assert DownloadGrant.objects.get(pk=foreign.pk).downloads == 0
