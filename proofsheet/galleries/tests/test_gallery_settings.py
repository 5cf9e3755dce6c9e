"""Gallery settings that clients feel: dates are stored in UTC whatever offset they came with."""

import datetime as dt

import pytest

from proofsheet.core.errors import Invalid
from proofsheet.galleries import services
from proofsheet.galleries.models import Gallery
from proofsheet.galleries.tests.factories import PhotographerFactory

pytestmark = pytest.mark.django_db


def test_an_unusual_offset_is_stored_as_the_same_instant_in_utc():
    """+23:42 is a valid Python offset but out of PostgreSQL's range (it was a 500)."""
    odd = dt.timezone(dt.timedelta(hours=23, minutes=42))
    expires = dt.datetime(2031, 5, 1, 12, 0, tzinfo=odd)
    gallery = services.gallery_create(
        owner=PhotographerFactory(), title="Odd clock", expires_at=expires
    )
    stored = Gallery.objects.get(pk=gallery.pk).expires_at
    assert stored == expires and stored.utcoffset() == dt.timedelta(0)


def test_a_date_that_cannot_be_converted_is_a_field_error():
    gallery = services.gallery_create(owner=PhotographerFactory(), title="Edge of time")
    early = dt.datetime(1, 1, 1, 0, 30, tzinfo=dt.timezone(dt.timedelta(hours=5)))
    with pytest.raises(Invalid) as error:
        services.gallery_update(gallery=gallery, selection_deadline=early)
    assert "selection_deadline" in error.value.fields
