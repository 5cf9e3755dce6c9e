"""A photo clients bought stays: deleting it (or its gallery) is refused with a reason."""

from django.contrib.messages import get_messages
from django.test import Client

from proofsheet.galleries.models import Gallery, Photo
from proofsheet.orders.models import OrderStatus
from proofsheet.orders.services import order_transition
from proofsheet.orders.tests.support import digital, place


def sold(shop):
    gallery, photos = shop
    order = place(gallery.owner, [digital(photos[0])])
    order_transition(order=order, to=OrderStatus.PAID)
    owner = Client()
    owner.force_login(gallery.owner)
    return gallery, photos, owner


def test_the_studio_refuses_to_delete_a_sold_photo_or_its_gallery_and_says_why(shop):
    gallery, photos, owner = sold(shop)

    response = owner.post(f"/studio/photos/{photos[0].public_id}/delete/")
    assert response.status_code == 302
    said = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("bought downloads" in m for m in said)
    response = owner.post(f"/studio/galleries/{gallery.public_id}/delete/")
    assert response.status_code == 302
    assert Photo.objects.filter(pk=photos[0].pk).exists()
    assert Gallery.objects.filter(pk=gallery.pk).exists()

    # A photo nobody bought still goes.
    owner.post(f"/studio/photos/{photos[1].public_id}/delete/")
    assert not Photo.objects.filter(pk=photos[1].pk).exists()


def test_the_api_answers_409(shop):
    gallery, photos, owner = sold(shop)

    photo = owner.delete(f"/api/v1/photos/{photos[0].public_id}")
    whole = owner.delete(f"/api/v1/galleries/{gallery.public_id}")

    assert photo.status_code == 409 and "bought downloads" in photo.json()["message"]
    assert whole.status_code == 409
    assert Photo.objects.filter(gallery=gallery).count() == 2
