"""What clients read: a gallery page by page (keyset), neighbours, related photos, listings."""

import base64
import json
import random
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from proofsheet.accounts.models import Role
from proofsheet.galleries import client_selectors as selectors
from proofsheet.galleries.models import (
    Gallery,
    Photo,
    PhotoOrder,
    PhotoSet,
    PhotoStatus,
    Visibility,
)
from proofsheet.galleries.tests.factories import GalleryFactory, PhotographerFactory, make_photo

pytestmark = pytest.mark.django_db

T0 = datetime(2031, 5, 4, 14, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def layout():
    """The same awkward gallery every time: ties on every sort field, NULL capture times."""
    rng = random.Random(20310504)
    names = [f"IMG_{n:04d}.jpg" for n in rng.sample(range(1, 60), 20)]
    names += names[:4]  # the same file name twice (RAW + JPEG exports of one frame, say)
    rng.shuffle(names)
    moments = [T0 + timedelta(minutes=rng.randrange(0, 600)) for _ in range(14)]
    moments += [T0 + timedelta(minutes=90)] * 4 + [None] * 6  # equal times, and none at all
    rng.shuffle(moments)
    positions = [rng.randrange(0, 8) for _ in names]  # many equal positions
    sets = [rng.choice(["Ceremony", "Party", None]) for _ in names]
    return list(zip(names, moments, positions, sets, strict=True))


@pytest.fixture
def gallery(layout):
    gallery = GalleryFactory(visibility=Visibility.PUBLIC)
    photo_sets = {
        name: PhotoSet.objects.create(gallery=gallery, name=name, position=n)
        for n, name in enumerate(["Ceremony", "Party"])
    }
    for name, moment, position, set_name in layout:
        make_photo(
            gallery,
            name,
            captured_at=moment,
            position=position,
            photo_set=photo_sets.get(set_name),
        )
    # Photos that are not ready sit in the middle of every order and must never show.
    for n, status in enumerate([PhotoStatus.PROCESSING, PhotoStatus.FAILED, PhotoStatus.UPLOADED]):
        make_photo(
            gallery,
            f"IMG_{n + 20:04d}.jpg",
            status=status,
            captured_at=T0 + timedelta(minutes=90),
            position=3,
            photo_set=photo_sets["Party"],
        )
    # Another gallery's photos never leak in.
    other = GalleryFactory(visibility=Visibility.PUBLIC)
    for n in range(3):
        make_photo(other, f"IMG_{n + 10:04d}.jpg", captured_at=T0, position=n)
    return gallery


def expected(gallery: Gallery, photo_set: PhotoSet | None = None) -> list[int]:
    """The gallery's ready photos in its order, worked out here (NULL capture times last)."""
    photos = Photo.objects.filter(gallery=gallery, status=PhotoStatus.READY)
    if photo_set is not None:
        photos = photos.filter(photo_set=photo_set)
    far = datetime.max.replace(tzinfo=UTC)
    key = {
        PhotoOrder.CAPTURED: lambda p: (p.captured_at is None, p.captured_at or far, p.id),
        PhotoOrder.FILENAME: lambda p: (p.original_name, p.id),
        PhotoOrder.UPLOADED: lambda p: p.id,
        PhotoOrder.CUSTOM: lambda p: (p.position, p.id),
    }[gallery.photo_order]
    return [p.id for p in sorted(photos, key=key)]


def set_order(gallery: Gallery, order: str) -> Gallery:
    Gallery.objects.filter(pk=gallery.pk).update(photo_order=order)
    return Gallery.objects.get(pk=gallery.pk)


def walk(gallery: Gallery, size: int, **kwargs) -> list[list[int]]:
    """Every page from the first, following the cursors."""
    pages, cursor = [], None
    for _ in range(200):
        page = selectors.photos_page(gallery, cursor=cursor, size=size, **kwargs)
        pages.append([photo.id for photo in page.photos])
        if page.next_cursor is None:
            return pages
        cursor = page.next_cursor
    raise AssertionError("the cursors never ended")


def cursor_of(payload) -> str:
    raw = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


ORDERS = [PhotoOrder.CAPTURED, PhotoOrder.FILENAME, PhotoOrder.UPLOADED, PhotoOrder.CUSTOM]


# --- pages --------------------------------------------------------------------------------


def test_the_layout_has_the_awkward_cases(gallery):
    photos = Photo.objects.filter(gallery=gallery, status=PhotoStatus.READY)
    assert photos.count() == 24
    assert photos.filter(captured_at__isnull=True).count() == 6
    assert photos.filter(captured_at=T0 + timedelta(minutes=90)).count() >= 4
    assert photos.values("original_name").distinct().count() == 20


@pytest.mark.parametrize("order", ORDERS)
@pytest.mark.parametrize("size", [1, 7, 50])
def test_pages_walk_every_ready_photo_once_in_gallery_order(gallery, order, size):
    gallery = set_order(gallery, order)

    pages = walk(gallery, size)

    walked = [pk for page in pages for pk in page]
    assert walked == expected(gallery)
    assert all(len(page) == size for page in pages[:-1])
    assert 1 <= len(pages[-1]) <= size


@pytest.mark.parametrize("order", ORDERS)
def test_a_page_holds_what_the_grid_needs(gallery, order):
    gallery = set_order(gallery, order)

    page = selectors.photos_page(gallery, size=3)

    first = page.photos[0]
    assert first.renditions["grid"]["w"] == 600 and first.original_name.startswith("IMG_")
    assert first.gallery_id == gallery.pk


@pytest.mark.parametrize("order", ORDERS)
def test_the_number_of_queries_does_not_depend_on_the_page_size(gallery, order):
    gallery = set_order(gallery, order)
    cursor = selectors.photos_page(gallery, size=5).next_cursor
    counts = []
    for size in (1, 7, 50):
        for start in (None, cursor):
            with CaptureQueriesContext(connection) as queries:
                page = selectors.photos_page(gallery, cursor=start, size=size)
                shown = [  # what a grid template reads
                    (photo.public_id, photo.renditions, photo.width, photo.alt_text)
                    for photo in page.photos
                ]
            assert len(shown) == min(size, 24 - (5 if start else 0))
            counts.append(len(queries))

    assert counts == [1] * len(counts)


GARBAGE = [
    "garbage",
    "!!!!",
    "%00%01",
    "é",
    "=",
    cursor_of(b"\xff\xfe\xfd"),
    cursor_of(b"[1]"),
    cursor_of(b'{"a": 1}'),
    cursor_of(b'"xyz"'),
    cursor_of(b"null"),
    cursor_of([1, 2, 3]),
    cursor_of(["x", "y"]),
    cursor_of([[1], True]),
    cursor_of([{"a": 1}, 1.5]),
    cursor_of(b"[" * 20_000),  # nested too deep for the JSON parser
    cursor_of([0, 2**70]),  # ids beyond any database integer
    cursor_of([0, -(2**70)]),
]


@pytest.mark.parametrize("order", ORDERS)
@pytest.mark.parametrize("cursor", GARBAGE)
def test_a_garbage_cursor_starts_from_the_top(gallery, order, cursor):
    gallery = set_order(gallery, order)

    page = selectors.photos_page(gallery, cursor=cursor, size=5)

    assert [photo.id for photo in page.photos] == expected(gallery)[:5]


@pytest.mark.parametrize(
    ("order", "value"),
    [
        (PhotoOrder.CAPTURED, "not a date"),
        (PhotoOrder.CAPTURED, 12),
        (PhotoOrder.FILENAME, 12),
        (PhotoOrder.CUSTOM, "3"),
        (PhotoOrder.CUSTOM, 2.5),
        (PhotoOrder.CUSTOM, 2**70),
    ],
)
def test_a_cursor_with_the_wrong_kind_of_value_starts_from_the_top(gallery, order, value):
    gallery = set_order(gallery, order)

    page = selectors.photos_page(gallery, cursor=cursor_of([value, 5]), size=5)

    assert [photo.id for photo in page.photos] == expected(gallery)[:5]


def test_the_page_size_is_kept_within_bounds(gallery):
    assert len(selectors.photos_page(gallery, size=0).photos) == 1
    assert len(selectors.photos_page(gallery, size=-5).photos) == 1
    many = GalleryFactory()
    for n in range(selectors.MAX_PAGE_SIZE + 5):
        make_photo(many, f"IMG_{n:04d}.jpg", position=n)
    page = selectors.photos_page(many, size=10_000)
    assert len(page.photos) == selectors.MAX_PAGE_SIZE and page.next_cursor


def test_an_empty_gallery_has_one_empty_page():
    page = selectors.photos_page(GalleryFactory())
    assert page.photos == [] and page.next_cursor is None


@pytest.mark.parametrize("order", ORDERS)
def test_a_set_shows_only_its_own_photos(gallery, order):
    gallery = set_order(gallery, order)

    for photo_set in PhotoSet.objects.filter(gallery=gallery):
        walked = [pk for page in walk(gallery, 4, photo_set=photo_set) for pk in page]
        assert walked == expected(gallery, photo_set)
        assert walked and len(walked) < len(expected(gallery))


def test_the_sets_listed_are_those_with_ready_photos(gallery):
    empty = PhotoSet.objects.create(gallery=gallery, name="Empty", position=9)
    make_photo(gallery, "IMG_0500.jpg", status=PhotoStatus.FAILED, photo_set=empty)

    names = [photo_set.name for photo_set in selectors.gallery_sets(gallery)]

    assert names == ["Ceremony", "Party"]


def test_a_filter_narrows_the_walk(gallery):
    gallery = set_order(gallery, PhotoOrder.FILENAME)
    wanted = Q(original_name__in=["IMG_0001.jpg", "IMG_0020.jpg"]) | Q(position=0)

    walked = [pk for page in walk(gallery, 2, photo_filter=wanted) for pk in page]

    ready = Photo.objects.filter(gallery=gallery, status=PhotoStatus.READY)
    assert set(walked) == set(ready.filter(wanted).values_list("id", flat=True))
    assert walked == [pk for pk in expected(gallery) if pk in set(walked)]


# --- neighbours ---------------------------------------------------------------------------


@pytest.mark.parametrize("order", ORDERS)
def test_neighbours_follow_the_page_order(gallery, order):
    gallery = set_order(gallery, order)
    walked = [pk for page in walk(gallery, 7) for pk in page]

    for index, pk in enumerate(walked):
        photo = selectors.photo_get(gallery, Photo.objects.get(pk=pk).public_id)
        previous, following = selectors.photo_neighbours(photo)
        assert (previous.id if previous else None) == (walked[index - 1] if index else None)
        assert (following.id if following else None) == (
            walked[index + 1] if index + 1 < len(walked) else None
        )


def test_photo_get_finds_only_ready_photos_of_the_gallery(gallery):
    processing = Photo.objects.get(gallery=gallery, status=PhotoStatus.PROCESSING)
    foreign = Photo.objects.exclude(gallery=gallery).first()
    ready = Photo.objects.filter(gallery=gallery, status=PhotoStatus.READY).first()

    assert selectors.photo_get(gallery, ready.public_id) == ready
    assert selectors.photo_get(gallery, str(ready.public_id)) == ready
    assert selectors.photo_get(gallery, processing.public_id) is None
    assert selectors.photo_get(gallery, foreign.public_id) is None
    assert selectors.photo_get(gallery, "not-a-uuid") is None


# --- related photos -----------------------------------------------------------------------


def test_related_photos_prefer_shared_tags_then_the_set_then_close_in_time():
    gallery = GalleryFactory()
    ceremony = PhotoSet.objects.create(gallery=gallery, name="Ceremony")
    party = PhotoSet.objects.create(gallery=gallery, name="Party")

    def photo(name, photo_set, minutes, tags=(), **fields):
        return make_photo(
            gallery,
            name,
            photo_set=photo_set,
            captured_at=T0 + timedelta(minutes=minutes),
            tags=list(tags),
            **fields,
        )

    this = photo("this.jpg", ceremony, 0, ["rings", "bride"])
    two_tags = photo("two_tags.jpg", ceremony, 110, ["bride", "rings"])
    one_tag_near = photo("one_tag_near.jpg", party, 10, ["rings", "cake"])
    set_close = photo("set_close.jpg", ceremony, -5)
    set_far = photo("set_far.jpg", ceremony, 300)
    near = photo("near.jpg", party, 1)
    less_near = photo("less_near.jpg", party, -30)
    photo("not_ready.jpg", ceremony, 0, ["rings", "bride"], status=PhotoStatus.PROCESSING)
    make_photo(GalleryFactory(), "elsewhere.jpg", captured_at=T0, tags=["rings", "bride"])

    related = selectors.photos_related(this)

    assert related == [two_tags, one_tag_near, set_close, set_far, near, less_near]
    assert this not in related
    assert all(p.gallery_id == gallery.pk and p.status == PhotoStatus.READY for p in related)
    assert len(selectors.photos_related(this, limit=2)) == 2


def test_a_photo_sharing_tags_is_related_even_from_another_set_and_day():
    gallery = GalleryFactory()
    ceremony = PhotoSet.objects.create(gallery=gallery, name="Ceremony")
    party = PhotoSet.objects.create(gallery=gallery, name="Party")
    this = make_photo(gallery, "this.jpg", photo_set=ceremony, captured_at=T0, tags=["rings"])
    same_set = make_photo(gallery, "same_set.jpg", photo_set=ceremony, captured_at=T0)
    tagged = make_photo(
        gallery,
        "tagged.jpg",
        photo_set=party,
        captured_at=T0 + timedelta(days=2),
        tags=["rings"],
    )
    unrelated = make_photo(
        gallery, "unrelated.jpg", photo_set=party, captured_at=T0 + timedelta(days=2)
    )

    related = selectors.photos_related(this)

    assert related[:2] == [tagged, same_set]
    assert unrelated not in related[:2]


def test_related_photos_without_set_time_or_tags_are_any_other_ready_photos():
    gallery = GalleryFactory()
    this = make_photo(gallery, "this.jpg")
    others = [make_photo(gallery, f"other_{n}.jpg") for n in range(3)]
    make_photo(gallery, "failed.jpg", status=PhotoStatus.FAILED)

    assert sorted(p.pk for p in selectors.photos_related(this)) == [p.pk for p in others]


def test_a_lone_photo_has_no_related_photos():
    this = make_photo(GalleryFactory(), "alone.jpg", captured_at=T0, tags=["x"])
    assert selectors.photos_related(this) == []


# --- public listings ----------------------------------------------------------------------


def listed_gallery(owner=None, ready=1, **fields):
    fields.setdefault("visibility", Visibility.PUBLIC)
    gallery = GalleryFactory(owner=owner, **fields) if owner else GalleryFactory(**fields)
    for n in range(ready):
        make_photo(gallery, f"IMG_{n:04d}.jpg")
    return gallery


def test_public_galleries_are_the_listed_ones_with_ready_photos():
    now = timezone.now()
    shown = listed_gallery(ready=2)
    make_photo(shown, "IMG_0100.jpg", status=PhotoStatus.PROCESSING)
    not_expired = listed_gallery(expires_at=now + timedelta(days=3))
    listed_gallery(visibility=Visibility.PRIVATE)
    listed_gallery(visibility=Visibility.UNLISTED)
    listed_gallery(expires_at=now - timedelta(seconds=1))
    listed_gallery(ready=0)
    unready = listed_gallery(ready=0)
    make_photo(unready, "IMG_0001.jpg", status=PhotoStatus.PROCESSING)
    make_photo(unready, "IMG_0002.jpg", status=PhotoStatus.FAILED)

    found = {gallery.pk: gallery for gallery in selectors.public_galleries()}

    assert set(found) == {shown.pk, not_expired.pk}
    assert found[shown.pk].photo_count == 2


def test_a_gallery_leaves_the_listing_when_it_expires():
    with time_machine.travel(T0, tick=False) as traveller:
        gallery = listed_gallery(expires_at=T0 + timedelta(hours=1))
        assert list(selectors.public_galleries()) == [gallery]
        traveller.shift(timedelta(hours=1))
        assert list(selectors.public_galleries()) == []
        assert list(selectors.public_photographers()) == []


def test_public_galleries_newest_event_first_and_undated_last():
    undated = listed_gallery()
    older = listed_gallery(event_date=date(2030, 6, 1))
    newer = listed_gallery(event_date=date(2031, 6, 1))

    assert list(selectors.public_galleries()) == [newer, older, undated]
    assert list(selectors.public_galleries(limit=2)) == [newer, older]


def test_public_galleries_of_one_photographer():
    ann, bob = PhotographerFactory(), PhotographerFactory()
    anns = listed_gallery(owner=ann)
    listed_gallery(owner=bob)
    listed_gallery(owner=ann, visibility=Visibility.PRIVATE)

    assert list(selectors.public_galleries(owner=ann)) == [anns]


def test_public_photographers_are_those_with_a_listed_gallery():
    now = timezone.now()
    ann = PhotographerFactory(display_name="Ann Lens")
    listed_gallery(owner=ann)
    listed_gallery(owner=ann)
    listed_gallery(owner=ann, visibility=Visibility.PRIVATE)
    listed_gallery(owner=ann, ready=0)
    admin = PhotographerFactory(display_name="Zed Admin", role=Role.ADMIN)
    listed_gallery(owner=admin)
    listed_gallery(owner=PhotographerFactory(display_name="Private Pat"), visibility="private")
    listed_gallery(owner=PhotographerFactory(display_name="Unlisted Una"), visibility="unlisted")
    listed_gallery(owner=PhotographerFactory(display_name="Expired Eve"), expires_at=now)
    listed_gallery(owner=PhotographerFactory(display_name="Empty Emma"), ready=0)
    listed_gallery(owner=PhotographerFactory(display_name="Gone Gil", is_active=False))
    listed_gallery(owner=PhotographerFactory(display_name="Client Cleo", role=Role.CLIENT))

    found = list(selectors.public_photographers())

    assert found == [ann, admin]
    assert [user.gallery_count for user in found] == [2, 1]
    # Every photographer listed has something to show.
    for user in found:
        assert list(selectors.public_galleries(owner=user))
