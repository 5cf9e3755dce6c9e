"""Entering a gallery and picking in it (flows.proofing), as the pages and the client API both
do it: which code or email opens what, the throttle on guesses, and the heart that asked for an
email."""

from datetime import timedelta

import pytest
from django.utils import timezone

from proofsheet.core.errors import DomainError, Invalid, NotFound
from proofsheet.flows import proofing as flow
from proofsheet.galleries import access, proofing
from proofsheet.galleries.access import AccessDenied, CodeRejected
from proofsheet.galleries.models import Favourite, PhotoComment, Visibility
from proofsheet.galleries.proofing import ListNotFound
from proofsheet.galleries.tests.factories import GalleryFactory, make_photo

pytestmark = pytest.mark.django_db

IP = "192.0.2.1"
WRONG = "WRNG-WRNGW-WRNGW"


@pytest.fixture
def private():
    """A private gallery, its client code and its guest code."""
    gallery = GalleryFactory(visibility=Visibility.PRIVATE)
    client_code = access.gallery_rotate_access_code(gallery=gallery)
    guest_code = access.gallery_rotate_access_code(gallery=gallery, kind=access.GUEST)
    return gallery, client_code, guest_code


def visit(gallery, grant):
    return access.gallery_access(gallery=gallery, grant=grant)


# --- codes ------------------------------------------------------------------------------------


def test_the_code_alone_finds_its_gallery(private):
    gallery, client_code, guest_code = private

    as_client = flow.gallery_enter(gallery=None, code=client_code.lower(), ip=IP).grant
    as_guest = flow.gallery_enter(gallery=None, code=guest_code, ip=IP).grant

    assert as_client["gallery"] == str(gallery.public_id) and as_client["role"] == "client"
    assert as_guest["role"] == "guest"
    with pytest.raises(CodeRejected) as wrong:
        flow.gallery_enter(gallery=None, code=WRONG, ip=IP)
    assert (wrong.value.code, wrong.value.status) == ("access_code_rejected", 403)


def test_a_private_gallery_opens_with_its_codes_only(private):
    gallery, client_code, guest_code = private

    for code, role in ((client_code, "client"), (guest_code, "guest")):
        grant = flow.gallery_enter(gallery=gallery, code=code, ip=IP).grant
        assert visit(gallery, grant).role == role
    # A code given is checked, even an empty one (a form sent without it).
    for code in (WRONG, "", "   "):
        with pytest.raises(CodeRejected):
            flow.gallery_enter(gallery=gallery, code=code, ip=IP)
    other = GalleryFactory(visibility=Visibility.PRIVATE)
    other_code = access.gallery_rotate_access_code(gallery=other)
    with pytest.raises(CodeRejected):
        flow.gallery_enter(gallery=gallery, code=other_code, ip=IP)


def test_guesses_are_throttled_even_for_the_right_code(private, settings):
    settings.GALLERY_CODE_THROTTLE = {
        "IP_PER_MINUTE": 2,
        "GALLERY_PER_HOUR": 1000,
        "ALERT_AFTER": 99,
    }
    gallery, client_code, _ = private
    for _ in range(2):
        with pytest.raises(CodeRejected):
            flow.gallery_enter(gallery=gallery, code=WRONG, ip=IP)

    with pytest.raises(CodeRejected) as throttled:
        flow.gallery_enter(gallery=gallery, code=client_code, ip=IP)

    assert (throttled.value.code, throttled.value.status) == ("rate_limited", 429)
    assert flow.gallery_enter(gallery=gallery, code=client_code, ip="192.0.2.99").grant


# --- emails -----------------------------------------------------------------------------------


def test_an_email_never_opens_a_private_gallery_by_itself(private):
    gallery, client_code, _ = private

    with pytest.raises(AccessDenied) as refused:
        flow.gallery_enter(gallery=gallery, email="ann@example.com", ip=IP)
    assert refused.value.code == "access_code_required"
    assert flow.code_needed(gallery=gallery, grant=None)

    grant = flow.gallery_enter(gallery=gallery, code=client_code, ip=IP).grant
    assert not flow.code_needed(gallery=gallery, grant=grant)
    named = flow.gallery_enter(gallery=gallery, grant=grant, email=" Ann@Example.com ", ip=IP)
    assert visit(gallery, named.grant).email == "ann@example.com"
    assert visit(gallery, named.grant).role == "client"
    # Code and email at once, as an app sends them.
    both = flow.gallery_enter(gallery=gallery, code=client_code, email="b@example.com", ip=IP)
    assert visit(gallery, both.grant).email == "b@example.com"


@pytest.mark.parametrize("visibility", [Visibility.PUBLIC, Visibility.UNLISTED])
def test_public_galleries_need_no_code_and_an_email_makes_a_fresh_grant(visibility):
    gallery = GalleryFactory(visibility=visibility)

    plain = flow.gallery_enter(gallery=gallery, code=WRONG, ip=IP).grant  # a code is ignored
    assert visit(gallery, plain).role == "client" and visit(gallery, plain).email == ""
    kept = flow.gallery_enter(gallery=gallery, grant=plain, ip=IP).grant
    assert kept == plain
    # A grant from before the gallery was made public (a guest's, an older stamp) gives way.
    old = {"gallery": str(gallery.public_id), "role": "guest", "stamp": "2020", "email": ""}
    named = flow.gallery_enter(gallery=gallery, grant=old, email="ann@example.com", ip=IP).grant
    assert visit(gallery, named).role == "client"
    assert visit(gallery, named).email == "ann@example.com"


@pytest.mark.parametrize("email", ["", "ann at home", "a@", "x" * 250 + "@example.com"])
def test_an_email_given_must_be_an_address(email):
    gallery = GalleryFactory(visibility=Visibility.PUBLIC)

    with pytest.raises(Invalid) as refused:
        flow.gallery_enter(gallery=gallery, email=email, ip=IP)

    assert refused.value.fields == {"email": [flow.BAD_EMAIL]}


# --- the heart that asked for the email -------------------------------------------------------


def test_the_heart_is_saved_with_the_email():
    gallery = GalleryFactory(visibility=Visibility.PUBLIC)
    photo = make_photo(gallery)

    entry = flow.gallery_enter(
        gallery=gallery, email="ann@example.com", favourite=str(photo.public_id), ip=IP
    )

    assert entry.favourite == photo and entry.refusal is None
    assert Favourite.objects.get().favourite_list.visitor.email == "ann@example.com"


def test_the_heart_goes_to_the_chosen_list_or_says_why_not():
    gallery = GalleryFactory(visibility=Visibility.PUBLIC)
    photo = make_photo(gallery)
    grant = flow.gallery_enter(gallery=gallery, email="ann@example.com", ip=IP).grant
    album = proofing.favourite_list_create(access=visit(gallery, grant), name="Album")

    into_album = flow.gallery_enter(
        gallery=gallery,
        email="ann@example.com",
        favourite=str(photo.public_id),
        list_id=str(album.public_id),
        ip=IP,
    )
    stale = flow.gallery_enter(
        gallery=gallery,
        email="ann@example.com",
        favourite=str(photo.public_id),
        list_id="00000000-0000-0000-0000-000000000000",
        ip=IP,
    )

    assert into_album.favourite == photo and album.items.get().photo == photo
    assert stale.favourite is None and isinstance(stale.refusal, ListNotFound)
    assert stale.refusal.message == "That list no longer exists."


def test_a_guest_gives_an_email_but_their_heart_is_refused(private):
    gallery, _, guest_code = private
    photo = make_photo(gallery)
    grant = flow.gallery_enter(gallery=gallery, code=guest_code, ip=IP).grant

    entry = flow.gallery_enter(
        gallery=gallery, grant=grant, email="g@example.com", favourite=str(photo.public_id), ip=IP
    )

    assert visit(gallery, entry.grant).email == "g@example.com"  # the entry stands
    assert entry.refusal.code == "client_code_required" and not Favourite.objects.exists()


@pytest.mark.parametrize("photo_id", ["nonsense", "00000000-0000-0000-0000-000000000000", ""])
def test_a_heart_for_no_photo_of_the_gallery_is_forgotten(photo_id):
    gallery = GalleryFactory(visibility=Visibility.PUBLIC)

    entry = flow.gallery_enter(gallery=gallery, email="ann@example.com", favourite=photo_id, ip=IP)

    assert entry.favourite is None and entry.refusal is None
    assert not Favourite.objects.exists()


def test_an_expired_gallery_takes_the_email_and_saves_no_heart():
    gallery = GalleryFactory(
        visibility=Visibility.PUBLIC, expires_at=timezone.now() - timedelta(days=1)
    )
    photo = make_photo(gallery)

    entry = flow.gallery_enter(
        gallery=gallery, email="ann@example.com", favourite=str(photo.public_id), ip=IP
    )

    assert entry.favourite is None and entry.refusal is None  # the gallery page says why
    assert not Favourite.objects.exists()


# --- hearts and comments ----------------------------------------------------------------------


@pytest.fixture
def ann():
    gallery = GalleryFactory(visibility=Visibility.PUBLIC)
    grant = flow.gallery_enter(gallery=gallery, email="ann@example.com", ip=IP).grant
    return visit(gallery, grant)


def test_a_heart_on_and_off(ann):
    photo = make_photo(ann.gallery)

    assert flow.favourite_set(access=ann, photo_id=str(photo.public_id), on=True) == photo
    assert Favourite.objects.filter(photo=photo).exists()
    flow.favourite_set(access=ann, photo_id=photo.public_id, on=False)
    assert not Favourite.objects.exists()


def test_a_heart_needs_a_photo_the_visitor_sees(ann):
    elsewhere = make_photo(GalleryFactory(visibility=Visibility.PUBLIC))
    processing = make_photo(ann.gallery, status="processing")

    for photo_id in (elsewhere.public_id, processing.public_id, "nonsense"):
        with pytest.raises(NotFound):
            flow.favourite_set(access=ann, photo_id=photo_id, on=True)
    assert not Favourite.objects.exists()


def test_who_may_not_heart_is_told_why(private, ann):
    gallery, client_code, guest_code = private
    photo = make_photo(gallery)
    guest = visit(gallery, flow.gallery_enter(gallery=gallery, code=guest_code, ip=IP).grant)
    nameless = visit(gallery, flow.gallery_enter(gallery=gallery, code=client_code, ip=IP).grant)

    for who, code in ((guest, "client_code_required"), (nameless, "email_required")):
        with pytest.raises(DomainError) as refused:
            flow.favourite_set(access=who, photo_id=photo.public_id, on=True)
        assert (refused.value.code, refused.value.status) == (code, 403)
    anns_list = proofing.favourite_list_create(access=ann, name="Ann's")
    anns_photo = make_photo(ann.gallery)
    bob = visit(
        ann.gallery, flow.gallery_enter(gallery=ann.gallery, email="bob@example.com", ip=IP).grant
    )
    with pytest.raises(ListNotFound):
        flow.favourite_set(
            access=bob, photo_id=anns_photo.public_id, on=True, list_id=anns_list.public_id
        )
    assert not Favourite.objects.exists()


def test_a_comment_on_a_photo_the_visitor_sees(ann):
    photo = make_photo(ann.gallery)
    elsewhere = make_photo(GalleryFactory(visibility=Visibility.PUBLIC))

    comment = flow.comment_add(access=ann, photo_id=str(photo.public_id), body=" Crop it ")

    assert (comment.photo, comment.body) == (photo, "Crop it")
    with pytest.raises(NotFound):
        flow.comment_add(access=ann, photo_id=elsewhere.public_id, body="Hi")
    with pytest.raises(Invalid):
        flow.comment_add(access=ann, photo_id=photo.public_id, body="  ")
    assert PhotoComment.objects.count() == 1
