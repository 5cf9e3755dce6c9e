"""Proofing: favourites, named lists, submitted selections, comments and the exports."""

import csv
import io
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from proofsheet.core.errors import Forbidden, Invalid, NotFound
from proofsheet.galleries import access, proofing
from proofsheet.galleries.access import CLIENT, GUEST, OWNER, Access
from proofsheet.galleries.models import (
    Favourite,
    FavouriteList,
    Gallery,
    GalleryVisitor,
    Photo,
    PhotoComment,
    PhotoStatus,
    Visibility,
)
from proofsheet.galleries.proofing import ListLocked, ListNotFound
from proofsheet.galleries.tests.factories import GalleryFactory, make_photo
from proofsheet.notifications.models import Notification, OutboundEmail

pytestmark = pytest.mark.django_db

CLIENT_EMAIL = "ann.client@example.test"


@pytest.fixture
def gallery(settings):
    settings.GALLERY_CODE_THROTTLE = {
        "IP_PER_MINUTE": 1000,
        "GALLERY_PER_HOUR": 1000,
        "ALERT_AFTER": 1000,
    }
    return GalleryFactory(visibility=Visibility.PRIVATE, title="Smith wedding")


@pytest.fixture
def photos(gallery):
    return [make_photo(gallery, f"IMG_{n:04d}.jpg") for n in range(1, 7)]


def access_for(gallery: Gallery, email: str = CLIENT_EMAIL) -> Access:
    """What a client gets after entering the client code and their email."""
    code = access.gallery_rotate_access_code(gallery=gallery, kind=CLIENT)
    grant = access.gallery_code_exchange(gallery=gallery, code=code, ip="192.0.2.1")
    grant = access.grant_with_email(grant, gallery, email)
    return access.gallery_access(gallery=Gallery.objects.get(pk=gallery.pk), grant=grant)


@pytest.fixture
def ann(gallery):
    """A client who entered the client code and her email."""
    return access_for(gallery)


def picks(favourite_list: FavouriteList) -> set[Photo]:
    return {item.photo for item in favourite_list.items.all()}


def emails_to(address: str) -> list[OutboundEmail]:
    return [email for email in OutboundEmail.objects.all() if email.to == [address]]


# --- favourites ---------------------------------------------------------------------------


def test_the_first_favourite_creates_the_favourites_list(ann, photos):
    assert not FavouriteList.objects.exists()

    assert proofing.favourite_set(access=ann, photo=photos[0], on=True) is True

    favourite_list = FavouriteList.objects.get()
    assert favourite_list.name == "Favourites" and not favourite_list.locked
    assert favourite_list.visitor.email == CLIENT_EMAIL
    assert favourite_list.gallery == ann.gallery
    assert picks(favourite_list) == {photos[0]}


def test_favourite_on_and_off_are_idempotent(ann, photos):
    for _ in range(3):
        proofing.favourite_set(access=ann, photo=photos[0], on=True)
    proofing.favourite_set(access=ann, photo=photos[1], on=True)
    favourite_list = FavouriteList.objects.get()
    assert Favourite.objects.count() == 2

    for _ in range(3):
        assert proofing.favourite_set(access=ann, photo=photos[0], on=False) is False
    assert picks(favourite_list) == {photos[1]}
    # Removing what is not there is no error either.
    proofing.favourite_set(access=ann, photo=photos[2], on=False)
    assert picks(favourite_list) == {photos[1]}
    assert FavouriteList.objects.count() == 1 and GalleryVisitor.objects.count() == 1


def test_one_visitor_is_one_email_however_it_is_typed(gallery, photos):
    first = access_for(gallery, "Ann.Client@Example.TEST")
    again = access_for(gallery, CLIENT_EMAIL)

    proofing.favourite_set(access=first, photo=photos[0], on=True)
    proofing.favourite_set(access=again, photo=photos[1], on=True)

    assert GalleryVisitor.objects.get().email == CLIENT_EMAIL
    assert picks(FavouriteList.objects.get()) == {photos[0], photos[1]}


def test_visitors_keep_separate_favourites(gallery, photos):
    ann = access_for(gallery, "ann@example.test")
    bob = access_for(gallery, "bob@example.test")

    proofing.favourite_set(access=ann, photo=photos[0], on=True)
    proofing.favourite_set(access=bob, photo=photos[1], on=True)
    proofing.favourite_set(access=bob, photo=photos[0], on=False)

    lists = {fl.visitor.email: picks(fl) for fl in FavouriteList.objects.all()}
    assert lists == {"ann@example.test": {photos[0]}, "bob@example.test": {photos[1]}}


# --- named lists --------------------------------------------------------------------------


def test_a_named_list_keeps_its_own_picks(ann, photos):
    album = proofing.favourite_list_create(access=ann, name="  Album   pages ")
    assert album.name == "Album pages"

    proofing.favourite_set(access=ann, photo=photos[0], on=True, list_id=album.public_id)
    proofing.favourite_set(access=ann, photo=photos[1], on=True)

    assert picks(album) == {photos[0]}
    assert picks(FavouriteList.objects.get(name="Favourites")) == {photos[1]}


@pytest.mark.parametrize("name", ["Album", "  Album  ", "\tAlbum\n"])
def test_list_names_are_unique_per_visitor(ann, gallery, name):
    proofing.favourite_list_create(access=ann, name="Album")

    with pytest.raises(Invalid) as caught:
        proofing.favourite_list_create(access=ann, name=name)
    assert caught.value.fields == {"name": ["You already have a list with that name."]}
    assert FavouriteList.objects.count() == 1
    # Another visitor may use the same name.
    other = access_for(gallery, "other@example.test")
    assert proofing.favourite_list_create(access=other, name="Album").name == "Album"


def test_the_default_list_name_is_taken_once_it_exists(ann, photos):
    proofing.favourite_set(access=ann, photo=photos[0], on=True)

    with pytest.raises(Invalid):
        proofing.favourite_list_create(access=ann, name="Favourites")


@pytest.mark.parametrize("name", ["", "   ", "\t\n"])
def test_a_list_needs_a_name(ann, name):
    with pytest.raises(Invalid) as caught:
        proofing.favourite_list_create(access=ann, name=name)
    assert caught.value.fields == {"name": ["Give the list a name."]}


def test_a_long_name_is_cut_to_fit():
    gallery = GalleryFactory(visibility=Visibility.PUBLIC)
    ann = access.gallery_access(
        gallery=gallery, grant=access.grant_with_email(None, gallery, CLIENT_EMAIL)
    )

    created = proofing.favourite_list_create(access=ann, name="x" * 500)

    assert created.name == "x" * 80


def test_a_visitor_keeps_at_most_max_lists(ann, photos):
    proofing.favourite_set(access=ann, photo=photos[0], on=True)  # the default list counts
    for n in range(proofing.MAX_LISTS - 1):
        proofing.favourite_list_create(access=ann, name=f"List {n}")

    with pytest.raises(Invalid) as caught:
        proofing.favourite_list_create(access=ann, name="One too many")
    assert caught.value.fields == {"name": [f"You can keep up to {proofing.MAX_LISTS} lists."]}
    assert FavouriteList.objects.count() == proofing.MAX_LISTS


def test_nobody_writes_into_another_visitors_list(gallery, photos):
    ann = access_for(gallery, "ann@example.test")
    bob = access_for(gallery, "bob@example.test")
    anns = proofing.favourite_list_create(access=ann, name="Album")

    with pytest.raises(ListNotFound):
        proofing.favourite_set(access=bob, photo=photos[0], on=True, list_id=anns.public_id)
    with pytest.raises(ListNotFound):
        proofing.favourite_list_submit(access=bob, list_id=anns.public_id)
    assert picks(anns) == set()


# --- who may write ------------------------------------------------------------------------


def test_guests_cannot_write(gallery, photos):
    guest_code = access.gallery_rotate_access_code(gallery=gallery, kind=GUEST)
    grant = access.gallery_code_exchange(
        gallery=Gallery.objects.get(pk=gallery.pk), code=guest_code, ip="192.0.2.2"
    )
    grant = access.grant_with_email(grant, gallery, "guest@example.test")
    guest = access.gallery_access(gallery=Gallery.objects.get(pk=gallery.pk), grant=grant)
    assert guest.role == GUEST and guest.email == "guest@example.test"

    attempts = [
        lambda: proofing.favourite_set(access=guest, photo=photos[0], on=True),
        lambda: proofing.favourite_list_create(access=guest, name="Mine"),
        lambda: proofing.favourite_list_submit(access=guest),
        lambda: proofing.photo_comment_add(access=guest, photo=photos[0], body="Lovely"),
        lambda: proofing.photo_comment_delete(access=guest, comment_id=uuid.uuid4()),
    ]
    for attempt in attempts:
        with pytest.raises(Forbidden, match="view-only"):
            attempt()
    assert not GalleryVisitor.objects.exists()
    assert not FavouriteList.objects.exists() and not PhotoComment.objects.exists()


def test_a_visitor_without_an_email_is_asked_for_one(photos):
    gallery = photos[0].gallery
    nameless = Access(gallery=gallery, role=CLIENT)

    for attempt in (
        lambda: proofing.favourite_set(access=nameless, photo=photos[0], on=True),
        lambda: proofing.favourite_list_create(access=nameless, name="Mine"),
        lambda: proofing.photo_comment_add(access=nameless, photo=photos[0], body="Hi"),
    ):
        with pytest.raises(Forbidden, match="email"):
            attempt()
    assert not GalleryVisitor.objects.exists()


def test_only_ready_photos_of_the_gallery_can_be_picked_or_commented(ann, photos):
    elsewhere = make_photo(GalleryFactory(), "IMG_9999.jpg")
    processing = make_photo(ann.gallery, "IMG_0100.jpg", status=PhotoStatus.PROCESSING)
    failed = make_photo(ann.gallery, "IMG_0101.jpg", status=PhotoStatus.FAILED)

    for photo in (elsewhere, processing, failed):
        with pytest.raises(NotFound):
            proofing.favourite_set(access=ann, photo=photo, on=True)
        with pytest.raises(NotFound):
            proofing.photo_comment_add(access=ann, photo=photo, body="This one")
    assert not Favourite.objects.exists() and not PhotoComment.objects.exists()


# --- submitting ---------------------------------------------------------------------------


def submit_error(ann, **kwargs) -> list[str]:
    with pytest.raises(Invalid) as caught:
        proofing.favourite_list_submit(access=ann, **kwargs)
    return [caught.value.message]


def pick(ann, photos, list_id=None):
    for photo in photos:
        proofing.favourite_set(access=ann, photo=photo, on=True, list_id=list_id)


def test_an_empty_selection_cannot_be_sent(ann):
    assert submit_error(ann) == ["Pick at least one photo first."]
    assert not Notification.objects.exists() and not OutboundEmail.objects.exists()


def test_the_minimum_and_maximum_are_enforced(gallery, photos):
    Gallery.objects.filter(pk=gallery.pk).update(selection_min=3, selection_max=4)
    ann = access_for(Gallery.objects.get(pk=gallery.pk))

    pick(ann, photos[:2])
    assert submit_error(ann) == ["Pick at least 3 photos (2 so far)."]
    pick(ann, photos[2:5])
    assert submit_error(ann) == ["Pick at most 4 photos (5 so far)."]
    assert not FavouriteList.objects.get().locked

    proofing.favourite_set(access=ann, photo=photos[4], on=False)
    assert proofing.favourite_list_submit(access=ann).locked


def test_a_selection_cannot_be_sent_after_the_deadline(gallery, photos):
    deadline = datetime(2031, 6, 1, 18, 0, tzinfo=UTC)
    with time_machine.travel(deadline - timedelta(days=1), tick=False) as traveller:
        Gallery.objects.filter(pk=gallery.pk).update(selection_deadline=deadline)
        ann = access_for(Gallery.objects.get(pk=gallery.pk))
        pick(ann, photos[:2])
        album = proofing.favourite_list_create(access=ann, name="Album")
        pick(ann, photos[2:3], list_id=album.public_id)

        traveller.shift(timedelta(days=1))  # exactly at the deadline: still in time
        assert proofing.favourite_list_submit(access=ann).locked

        traveller.shift(timedelta(seconds=1))
        assert submit_error(ann, list_id=album.public_id) == [
            "The deadline for choosing has passed; contact your photographer."
        ]
    assert not FavouriteList.objects.get(pk=album.pk).locked


def test_submitting_locks_the_list_and_tells_the_photographer_once(ann, photos):
    pick(ann, photos[:3])

    submitted = proofing.favourite_list_submit(access=ann, note="  Please crop the 2nd.  ")

    assert submitted.locked and FavouriteList.objects.get().locked
    owner = ann.gallery.owner
    notification = Notification.objects.get(user=owner)
    assert CLIENT_EMAIL in notification.message and "3 picks" in notification.message
    assert "Smith wedding" in notification.message
    assert notification.url == f"/studio/galleries/{ann.gallery.public_id}/selections/"
    (email,) = emails_to(owner.email)
    assert "Smith wedding" in email.subject
    assert "Their note: Please crop the 2nd." in email.body_text
    assert notification.url in email.body_text

    # Locked: no change, no second submission, no second message.
    for photo, on in ((photos[0], False), (photos[4], True)):
        with pytest.raises(ListLocked):
            proofing.favourite_set(access=ann, photo=photo, on=on)
    with pytest.raises(ListLocked):
        proofing.favourite_list_submit(access=ann)
    assert picks(submitted) == set(photos[:3])
    assert Notification.objects.filter(user=owner).count() == 1
    assert len(emails_to(owner.email)) == 1


def test_other_lists_stay_open_after_one_is_sent(ann, photos):
    pick(ann, photos[:1])
    proofing.favourite_list_submit(access=ann)
    album = proofing.favourite_list_create(access=ann, name="Album")

    pick(ann, photos[1:3], list_id=album.public_id)

    assert picks(album) == set(photos[1:3])


def test_the_photographer_can_reopen_a_sent_list(ann, photos):
    pick(ann, photos[:2])
    sent = proofing.favourite_list_submit(access=ann)

    reopened = proofing.favourite_list_reopen(gallery=ann.gallery, list_id=sent.public_id)

    assert not reopened.locked and not FavouriteList.objects.get().locked
    (email,) = emails_to(CLIENT_EMAIL)
    assert "Smith wedding" in email.subject
    assert "Favourites" in email.body_text
    assert f"/g/{ann.gallery.public_id}/" in email.body_text
    # The client changes it and sends it again; the photographer hears of it again.
    proofing.favourite_set(access=ann, photo=photos[0], on=False)
    pick(ann, photos[2:4])
    assert proofing.favourite_list_submit(access=ann).locked
    assert Notification.objects.filter(user=ann.gallery.owner).count() == 2
    # Reopening a list that is open sends nothing.
    proofing.favourite_list_reopen(gallery=ann.gallery, list_id=sent.public_id)
    proofing.favourite_list_reopen(gallery=ann.gallery, list_id=sent.public_id)
    assert len(emails_to(CLIENT_EMAIL)) == 2


def test_a_photographer_reopens_only_lists_of_their_gallery(ann, photos):
    pick(ann, photos[:1])
    sent = proofing.favourite_list_submit(access=ann)

    with pytest.raises(ListNotFound):
        proofing.favourite_list_reopen(gallery=GalleryFactory(), list_id=sent.public_id)
    assert FavouriteList.objects.get().locked


# --- comments -----------------------------------------------------------------------------


def test_a_client_comments_and_the_photographer_is_told(ann, photos):
    comment = proofing.photo_comment_add(access=ann, photo=photos[0], body="  Crop tighter  ")

    assert comment.body == "Crop tighter" and comment.photo == photos[0]
    assert comment.visitor.email == CLIENT_EMAIL
    notification = Notification.objects.get(user=ann.gallery.owner)
    assert "Crop tighter" in notification.message and "IMG_0001.jpg" in notification.message


def test_the_owners_own_comment_sends_no_notification(gallery, photos):
    owner = access.gallery_access(gallery=gallery, user=gallery.owner)
    assert owner.role == OWNER

    proofing.photo_comment_add(access=owner, photo=photos[0], body="Note to self")

    assert PhotoComment.objects.count() == 1 and not Notification.objects.exists()


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ("", "Write something first."),
        ("  \n\t ", "Write something first."),
        ("x" * 2001, "Keep comments under 2,000 characters."),
    ],
)
def test_empty_or_long_comments_are_refused(ann, photos, body, error):
    with pytest.raises(Invalid) as caught:
        proofing.photo_comment_add(access=ann, photo=photos[0], body=body)
    assert caught.value.fields == {"body": [error]}
    assert not PhotoComment.objects.exists()


def test_a_comment_of_2000_characters_is_fine(ann, photos):
    comment = proofing.photo_comment_add(access=ann, photo=photos[0], body="y" * 2000)
    assert len(comment.body) == 2000


def test_a_visitor_deletes_only_their_own_comments(gallery, photos):
    ann = access_for(gallery, "ann@example.test")
    bob = access_for(gallery, "bob@example.test")
    anns = proofing.photo_comment_add(access=ann, photo=photos[0], body="Ann's")
    bobs = proofing.photo_comment_add(access=bob, photo=photos[0], body="Bob's")

    with pytest.raises(NotFound):
        proofing.photo_comment_delete(access=bob, comment_id=anns.public_id)
    with pytest.raises(NotFound):
        proofing.photo_comment_delete(access=bob, comment_id=uuid.uuid4())
    proofing.photo_comment_delete(access=bob, comment_id=bobs.public_id)

    assert list(PhotoComment.objects.all()) == [anns]


# --- exports ------------------------------------------------------------------------------


def rows_of(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_the_selection_csv(ann, gallery, photos):
    Photo.objects.filter(pk=photos[0].pk).update(
        title="First dance", captured_at=datetime(2031, 5, 4, 21, 30, tzinfo=UTC)
    )
    pick(ann, photos[:2])
    proofing.photo_comment_add(access=ann, photo=photos[0], body="Brighter please")
    proofing.photo_comment_add(access=ann, photo=photos[0], body="And crop")
    other = access_for(gallery, "other@example.test")
    proofing.photo_comment_add(access=other, photo=photos[0], body="Not in Ann's export")

    rows = rows_of(proofing.selection_csv(FavouriteList.objects.get(visitor__email=CLIENT_EMAIL)))

    assert rows[0] == ["file_name", "title", "captured_at", "list", "client", "comments"]
    assert sorted(rows[1:]) == [
        [
            "IMG_0001.jpg",
            "First dance",
            "2031-05-04T21:30:00+00:00",
            "Favourites",
            CLIENT_EMAIL,
            "Brighter please | And crop",
        ],
        ["IMG_0002.jpg", "", "", "Favourites", CLIENT_EMAIL, ""],
    ]


@pytest.mark.parametrize("formula", ['=HYPERLINK("http://x.test","y")', "+1+1", "-2", "@SUM(A1)"])
def test_the_csv_neutralises_formulas_typed_by_the_client(ann, photos, formula):
    pick(ann, photos[:1])
    proofing.photo_comment_add(access=ann, photo=photos[0], body=formula)
    album = proofing.favourite_list_create(access=ann, name=formula)
    pick(ann, photos[:1], list_id=album.public_id)

    for favourite_list in FavouriteList.objects.all():
        (row,) = rows_of(proofing.selection_csv(favourite_list))[1:]
        assert row[5] == "'" + formula
        assert row[3] in ("Favourites", "'" + formula)


def test_the_csv_neutralises_a_formula_in_the_clients_email(gallery, photos):
    email = "=cmd|'/ccalc.exe'!a0@example.test"  # a valid address, and a DDE formula
    ann = access_for(gallery, email)
    pick(ann, photos[:1])

    (row,) = rows_of(proofing.selection_csv(FavouriteList.objects.get()))[1:]

    assert row[4] == "'" + email


def test_the_lightroom_filter(ann, gallery, photos):
    raw_twin = make_photo(gallery, "IMG_0001.CR3")
    no_extension = make_photo(gallery, "scan-17")
    dotted = make_photo(gallery, "Smith.wedding.0042.jpeg")
    pick(ann, [photos[0], raw_twin, photos[2], no_extension, dotted, photos[1]])

    text = proofing.lightroom_filter(FavouriteList.objects.get())

    assert text == "IMG_0001, IMG_0003, scan-17, Smith.wedding.0042, IMG_0002"


def test_the_lightroom_filter_of_an_empty_list_is_empty(ann):
    album = proofing.favourite_list_create(access=ann, name="Album")
    assert proofing.lightroom_filter(album) == ""
