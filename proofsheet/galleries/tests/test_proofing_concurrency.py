"""Races a busy gallery meets (PostgreSQL: SQLite serialises writers and would hide them)."""

from collections import Counter

import pytest

from proofsheet.galleries import access, proofing
from proofsheet.galleries.access import CodeRejected
from proofsheet.galleries.models import FavouriteList, Gallery, GalleryVisitor, Visibility
from proofsheet.galleries.tests.factories import GalleryFactory
from proofsheet.galleries.tests.test_proofing import access_for, make_photo
from proofsheet.notifications.models import Notification
from tests.support import run_together

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres_only]


def test_parallel_wrong_codes_from_many_ips_compare_at_most_the_gallery_limit(settings):
    settings.GALLERY_CODE_THROTTLE = {"IP_PER_MINUTE": 10, "GALLERY_PER_HOUR": 5, "ALERT_AFTER": 3}
    gallery = GalleryFactory(visibility=Visibility.PRIVATE)
    access.gallery_rotate_access_code(gallery=gallery)

    def guess(n):
        try:
            access.gallery_code_exchange(gallery=gallery, code=f"WRONG-{n}", ip=f"198.51.100.{n}")
        except CodeRejected as rejected:
            return "throttled" if rejected.throttled else "wrong"
        return "opened"

    results, errors = run_together(20, guess)

    assert errors == []
    assert Counter(results) == {"wrong": 5, "throttled": 15}
    # One alert for the whole burst, not one per failure.
    assert Notification.objects.filter(user=gallery.owner).count() == 1


def test_parallel_submits_of_one_list_send_it_once():
    gallery = GalleryFactory(visibility=Visibility.PRIVATE)
    photos = [make_photo(gallery, f"IMG_{n}.jpg") for n in range(3)]
    ann = access_for(gallery)
    for photo in photos:
        proofing.favourite_set(access=ann, photo=photo, on=True)

    def submit(_n):
        try:
            proofing.favourite_list_submit(access=ann)
        except proofing.ListLocked:
            return "locked"
        return "sent"

    results, errors = run_together(10, submit)

    assert errors == []
    assert Counter(results) == {"sent": 1, "locked": 9}
    assert Notification.objects.filter(user=gallery.owner).count() == 1


def test_parallel_first_hearts_make_one_visitor_one_list_and_every_pick():
    gallery = GalleryFactory(visibility=Visibility.PRIVATE)
    photos = [make_photo(gallery, f"IMG_{n}.jpg") for n in range(8)]
    ann = access_for(gallery)
    gallery = Gallery.objects.get(pk=gallery.pk)

    results, errors = run_together(
        8, lambda n: proofing.favourite_set(access=ann, photo=photos[n], on=True)
    )

    assert errors == []
    assert results == [True] * 8
    assert GalleryVisitor.objects.filter(gallery=gallery).count() == 1
    favourites = FavouriteList.objects.get(gallery=gallery)
    assert favourites.items.count() == 8
