"""/api/v1/client: what a gallery's visitors (apps and pages) can do with a code or an email."""

import io
import random
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.crypto import get_random_string

from proofsheet.accounts.tests.factories import PASSWORD, UserFactory
from proofsheet.galleries import access, services
from proofsheet.galleries.models import PhotoComment, PhotoSet, Visibility
from proofsheet.galleries.tests.factories import GalleryFactory
from proofsheet.imaging.tests.support import scene
from tests.support import PHOTOS

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]

API = "/api/v1/client/galleries"


# --- helpers -----------------------------------------------------------------------------------


def small_jpeg(seed: int) -> bytes:
    """A small photo-like JPEG; every seed gives different pixels (so no duplicates)."""
    return scene(96, 64, seed=seed).jpegsave_buffer(Q=80)


@pytest.fixture
def add_photos(django_capture_on_commit_callbacks):
    """Ingest photos and process them at once (the immediate task backend runs on commit)."""

    def add(gallery, names, photo_set=None, source=None):
        photos = []
        for seed, name in enumerate(names, start=1):
            data = source.read_bytes() if source else small_jpeg(seed)
            with django_capture_on_commit_callbacks(execute=True):
                result = services.photo_ingest(
                    gallery=gallery,
                    owner=gallery.owner,
                    source=io.BytesIO(data),
                    original_name=name,
                    photo_set=photo_set,
                )
            assert result.photo is not None, result.rejected
            result.photo.refresh_from_db()
            assert result.photo.status == "ready", result.photo.failure_reason
            photos.append(result.photo)
        return photos

    return add


def private_gallery(**fields):
    """A private gallery and its client and guest codes."""
    gallery = GalleryFactory(visibility=Visibility.PRIVATE, **fields)
    client_code = access.gallery_rotate_access_code(gallery=gallery)
    guest_code = access.gallery_rotate_access_code(gallery=gallery, kind=access.GUEST)
    return gallery, client_code, guest_code


def app() -> Client:
    """An app: no cookies, and CSRF enforced as a browser would have it."""
    return Client(enforce_csrf_checks=True)


def token_for(gallery, *, code=None, email=None) -> str:
    body = {k: v for k, v in {"code": code, "email": email}.items() if v is not None}
    response = app().post(
        f"{API}/{gallery.public_id}/access", body, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    return response.json()["token"]


def h(token: str) -> dict:
    return {"X-Gallery-Token": token}


# --- access --------------------------------------------------------------------------------------


def test_a_private_gallery_opens_with_its_codes_only():
    gallery, client_code, guest_code = private_gallery(title="Smith wedding")
    c = app()
    url = f"{API}/{gallery.public_id}"

    assert c.get(url).json()["code"] == "access_code_required"
    assert c.get(url).status_code == 403
    assert c.get(url, headers=h("forged.token")).status_code == 403

    wrong = c.post(f"{url}/access", {"code": "ABCD-EFGHJ-KMNPQ"}, content_type="application/json")
    assert wrong.status_code == 403
    assert "not right" in wrong.json()["message"]

    # Codes are forgiving about case and separators, as people type them on phones.
    typed = client_code.lower().replace("-", " ")
    granted = c.post(f"{url}/access", {"code": typed}, content_type="application/json").json()
    assert granted["role"] == "client"
    assert granted["gallery_id"] == str(gallery.public_id)

    seen = c.get(url, headers=h(granted["token"]))
    assert seen.status_code == 200
    assert seen.json()["title"] == "Smith wedding"
    assert seen.json()["role"] == "client"

    guest = c.post(f"{url}/access", {"code": guest_code}, content_type="application/json").json()
    assert guest["role"] == "guest"
    assert c.get(url, headers=h(guest["token"])).json()["role"] == "guest"


def test_a_token_opens_only_its_own_gallery():
    gallery, code, _ = private_gallery()
    other, _, _ = private_gallery()
    token = token_for(gallery, code=code)

    assert app().get(f"{API}/{other.public_id}", headers=h(token)).status_code == 403


def test_code_guesses_are_throttled(settings):
    settings.GALLERY_CODE_THROTTLE = {
        "IP_PER_MINUTE": 3,
        "GALLERY_PER_HOUR": 100,
        "ALERT_AFTER": 50,
    }
    gallery, code, _ = private_gallery()
    c = app()
    url = f"{API}/{gallery.public_id}/access"

    for _ in range(3):
        assert (
            c.post(url, {"code": "WRONG-WRONG"}, content_type="application/json").status_code == 403
        )
    throttled = c.post(url, {"code": code}, content_type="application/json")

    assert throttled.status_code == 429  # even the right code waits
    assert "Too many attempts" in throttled.json()["message"]


def test_rotating_the_code_revokes_every_token():
    gallery, code, _ = private_gallery()
    token = token_for(gallery, code=code)
    url = f"{API}/{gallery.public_id}"
    assert app().get(url, headers=h(token)).status_code == 200

    new_code = access.gallery_rotate_access_code(gallery=gallery)

    revoked = app().get(url, headers=h(token))
    assert revoked.status_code == 403
    assert revoked.json()["code"] == "access_code_required"
    stale = app().post(f"{url}/access", {"code": code}, content_type="application/json")
    assert stale.status_code == 403
    assert app().get(url, headers=h(token_for(gallery, code=new_code))).status_code == 200


def test_an_expired_gallery_is_gone_for_visitors_but_not_for_its_owner():
    gallery, code, _ = private_gallery(expires_at=timezone.now() - timedelta(minutes=1))
    url = f"{API}/{gallery.public_id}"

    assert app().get(url).status_code == 410
    assert app().get(url).json()["code"] == "gallery_expired"
    exchange = app().post(f"{url}/access", {"code": code}, content_type="application/json")
    assert exchange.status_code == 410

    owner = Client()
    owner.force_login(gallery.owner)
    assert owner.get(url).json()["role"] == "owner"


def test_an_email_is_asked_for_until_one_is_given():
    gallery = GalleryFactory(visibility=Visibility.PUBLIC, require_email=True)
    c = app()
    url = f"{API}/{gallery.public_id}"

    assert c.get(url).status_code == 403
    assert c.get(url).json()["code"] == "email_required"
    asked = c.post(f"{url}/access", {}, content_type="application/json")
    assert asked.json()["code"] == "email_required"
    bad = c.post(f"{url}/access", {"email": "not an email"}, content_type="application/json")
    assert bad.status_code == 422
    # Named beside its field, with the words the web form uses.
    assert bad.json()["fields"] == {"email": ["Enter an email address like name@example.com."]}

    token = token_for(gallery, email=" Ann@Example.COM ")
    seen = c.get(url, headers=h(token)).json()
    assert seen["role"] == "client"
    assert seen["email"] == "ann@example.com"


def test_a_private_gallery_adds_the_email_to_the_code_grant():
    gallery, code, _ = private_gallery(require_email=True)
    url = f"{API}/{gallery.public_id}"

    only_code = app().post(f"{url}/access", {"code": code}, content_type="application/json")
    assert only_code.json()["code"] == "email_required"
    # An email alone never opens a private gallery.
    assert (
        app().post(f"{url}/access", {"email": "a@example.com"}, content_type="application/json")
    ).json()["code"] == "access_code_required"

    both = token_for(gallery, code=code, email="a@example.com")
    assert app().get(url, headers=h(both)).json()["email"] == "a@example.com"


def test_public_and_unlisted_galleries_need_no_code():
    for visibility in (Visibility.PUBLIC, Visibility.UNLISTED):
        gallery = GalleryFactory(visibility=visibility)
        url = f"{API}/{gallery.public_id}"
        assert app().get(url).json()["role"] == "client"
        granted = app().post(f"{url}/access", {}, content_type="application/json").json()
        assert granted["role"] == "client" and granted["email"] == ""


def test_unknown_and_malformed_ids_are_404():
    gallery, code, _ = private_gallery()
    token = token_for(gallery, code=code, email="a@example.com")
    c = app()
    base = f"{API}/{gallery.public_id}"
    for url in (
        f"{API}/not-a-uuid",
        f"{API}/00000000-0000-0000-0000-000000000000",
        f"{API}/{gallery.public_id}x",
        f"{base}/photos/nope",
        f"{base}/photos/00000000-0000-0000-0000-000000000000",
        f"{base}/photos/nope/comments",
        f"{base}/photos?set=nope",
    ):
        assert c.get(url, headers=h(token)).status_code == 404, url
    assert c.put(f"{base}/favourites/nope", headers=h(token)).status_code == 404
    assert c.delete(f"{base}/comments/nope", headers=h(token)).status_code == 404
    assert (
        c.post(
            f"{base}/lists/nope/submit", {}, content_type="application/json", headers=h(token)
        ).status_code
        == 404
    )
    assert (
        c.post(f"{API}/nope/access", {"code": code}, content_type="application/json").status_code
        == 404
    )


# --- photos --------------------------------------------------------------------------------------


def test_pages_walk_every_photo_once_in_the_gallerys_order(add_photos):
    gallery = GalleryFactory(visibility=Visibility.PUBLIC, photo_order="filename")
    names = [f"p{n:02}.jpg" for n in range(1, 11)]
    random.Random(7).shuffle(names)
    photos = {p.original_name: p for p in add_photos(gallery, names)}
    expected = [str(photos[name].public_id) for name in sorted(names)]

    seen, cursor, pages = [], None, 0
    while True:
        query = {"size": 3} | ({"cursor": cursor} if cursor else {})
        page = app().get(f"{API}/{gallery.public_id}/photos", query).json()
        assert len(page["items"]) <= 3
        seen += [item["id"] for item in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break

    assert seen == expected
    assert pages == 4
    # A cursor that is not one of ours starts again from the top, and never fails.
    restarted = app().get(f"{API}/{gallery.public_id}/photos", {"size": 3, "cursor": "%%"})
    assert [i["id"] for i in restarted.json()["items"]] == expected[:3]


def test_a_set_shows_only_its_photos(add_photos):
    gallery = GalleryFactory(visibility=Visibility.PUBLIC)
    ceremony = PhotoSet.objects.create(gallery=gallery, name="Ceremony")
    PhotoSet.objects.create(gallery=gallery, name="Empty")
    in_set = add_photos(gallery, ["a.jpg", "b.jpg"], photo_set=ceremony)
    url = f"{API}/{gallery.public_id}"

    body = app().get(f"{url}/photos", {"set": str(ceremony.public_id)}).json()
    assert {i["id"] for i in body["items"]} == {str(p.public_id) for p in in_set}
    # Sets without ready photos are not offered.
    assert app().get(url).json()["sets"] == [{"id": str(ceremony.public_id), "name": "Ceremony"}]


def test_the_number_of_queries_does_not_depend_on_the_page_size(add_photos):
    gallery = GalleryFactory(visibility=Visibility.PUBLIC)
    photos = add_photos(gallery, [f"{n}.jpg" for n in range(12)])
    token = token_for(gallery, email="ann@example.com")
    for photo in photos[:2] + photos[7:9]:
        url = f"{API}/{gallery.public_id}/favourites/{photo.public_id}"
        assert app().put(url, headers=h(token)).status_code == 204

    counts = {}
    for size, favourites in ((5, 2), (40, 4)):
        with CaptureQueriesContext(connection) as queries:
            page = app().get(f"{API}/{gallery.public_id}/photos", {"size": size}, headers=h(token))
        counts[size] = len(queries)
        items = page.json()["items"]
        assert len(items) == min(size, 12)
        assert sum(item["favourite"] for item in items) == favourites

    assert counts[5] == counts[40]


def test_no_response_reveals_where_the_original_is(add_photos, django_capture_on_commit_callbacks):
    gallery = GalleryFactory(visibility=Visibility.PUBLIC)
    gallery_cover = add_photos(gallery, ["IMG_0001.jpg"], source=PHOTOS / "Canon_40D.jpg")[0]
    services.gallery_set_cover(gallery=gallery, photo=gallery_cover)
    photo = add_photos(gallery, ["x.jpg"])[0]
    token = token_for(gallery, email="ann@example.com")
    c = app()
    url = f"{API}/{gallery.public_id}"
    photo_url = f"{url}/photos/{photo.public_id}"
    c.put(f"{url}/favourites/{photo.public_id}", headers=h(token))
    c.post(
        f"{photo_url}/comments",
        {"body": "Lovely"},
        content_type="application/json",
        headers=h(token),
    )

    responses = [
        c.get(url, headers=h(token)),
        c.get(f"{url}/photos", headers=h(token)),
        c.get(photo_url, headers=h(token)),
        c.get(f"{url}/photos/{gallery_cover.public_id}", headers=h(token)),
        c.get(f"{url}/lists", headers=h(token)),
        c.get(f"{photo_url}/comments", headers=h(token)),
    ]

    assert all(r.status_code == 200 for r in responses)
    for response in responses:
        for secret in (photo.original_key, gallery_cover.original_key, "originals/"):
            assert secret not in response.text
    cover = responses[0].json()["cover"]
    assert set(cover) == {"thumb", "small", "grid", "preview"}
    assert cover["preview"]["jpeg"].startswith("/media/public/renditions/")
    item = responses[1].json()["items"][0]
    assert set(item["renditions"]) == {"thumb", "small", "grid", "preview"}
    assert item["placeholder"]


def test_a_photo_page_names_its_neighbours_and_related_photos(add_photos):
    gallery = GalleryFactory(visibility=Visibility.PUBLIC, photo_order="filename")
    first, middle, last = add_photos(gallery, ["a.jpg", "b.jpg", "c.jpg"])
    services.photo_update(photo=middle, title="Rings", alt_text="Two rings on a book")

    body = app().get(f"{API}/{gallery.public_id}/photos/{middle.public_id}").json()

    assert body["title"] == "Rings" and body["alt"] == "Two rings on a book"
    assert body["previous_id"] == str(first.public_id)
    assert body["next_id"] == str(last.public_id)
    assert set(body["related"]) == {str(first.public_id), str(last.public_id)}
    assert body["favourite"] is False


def test_a_photo_of_another_gallery_is_404(add_photos):
    gallery = GalleryFactory(visibility=Visibility.PUBLIC)
    other = GalleryFactory(visibility=Visibility.PUBLIC)
    foreign = add_photos(other, ["f.jpg"])[0]
    token = token_for(gallery, email="ann@example.com")
    url = f"{API}/{gallery.public_id}"

    assert app().get(f"{url}/photos/{foreign.public_id}").status_code == 404
    assert app().put(f"{url}/favourites/{foreign.public_id}", headers=h(token)).status_code == 404


# --- favourites, lists, selections ----------------------------------------------------------------


def test_guests_and_visitors_without_an_email_cannot_favourite(add_photos):
    gallery, client_code, guest_code = private_gallery()
    photo = add_photos(gallery, ["a.jpg"])[0]
    url = f"{API}/{gallery.public_id}/favourites/{photo.public_id}"

    guest = token_for(gallery, code=guest_code, email="g@example.com")
    refused = app().put(url, headers=h(guest))
    assert refused.status_code == 403
    assert "view-only" in refused.json()["message"]

    nameless = token_for(gallery, code=client_code)
    refused = app().put(url, headers=h(nameless))
    assert refused.status_code == 403
    assert "email" in refused.json()["message"]

    # The same visitor, having said who they are, can.
    named = (
        app()
        .post(
            f"{API}/{gallery.public_id}/access",
            {"email": "c@example.com"},
            content_type="application/json",
            headers=h(nameless),
        )
        .json()
    )
    assert named["role"] == "client"
    assert app().put(url, headers=h(named["token"])).status_code == 204


def test_a_selection_within_the_rules_is_sent_and_locks(add_photos, mailoutbox):
    gallery, code, _ = private_gallery(selection_min=2, selection_max=3)
    photos = add_photos(gallery, [f"{n}.jpg" for n in range(5)])
    token = token_for(gallery, code=code, email="ann@example.com")
    c = app()
    url = f"{API}/{gallery.public_id}"

    def favourite(photo, on=True):
        method = c.put if on else c.delete
        return method(f"{url}/favourites/{photo.public_id}", headers=h(token)).status_code

    def submit():
        return c.post(
            f"{url}/lists/default/submit",
            {"note": "These please"},
            content_type="application/json",
            headers=h(token),
        )

    assert favourite(photos[0]) == 204
    assert favourite(photos[0]) == 204  # idempotent
    too_few = submit()
    assert too_few.status_code == 422
    assert "at least 2" in too_few.json()["message"]

    for photo in photos[1:4]:
        assert favourite(photo) == 204
    too_many = submit()
    assert too_many.status_code == 422
    assert "at most 3" in too_many.json()["message"]

    assert favourite(photos[3], on=False) == 204
    page = c.get(f"{url}/photos", headers=h(token)).json()
    assert [i["favourite"] for i in page["items"]] == [True, True, True, False, False]

    sent = submit()
    assert sent.status_code == 200, sent.content
    assert sent.json()["locked"] is True and sent.json()["count"] == 3
    assert sent.json()["name"] == "Favourites"

    assert favourite(photos[4]) == 409
    assert favourite(photos[0], on=False) == 409
    assert submit().status_code == 409
    (only,) = c.get(f"{url}/lists", headers=h(token)).json()
    assert only["locked"] is True and only["count"] == 3 and only["submitted_at"]


def test_a_selection_after_the_deadline_is_refused(add_photos):
    gallery, code, _ = private_gallery(selection_deadline=timezone.now() - timedelta(days=1))
    photo = add_photos(gallery, ["a.jpg"])[0]
    token = token_for(gallery, code=code, email="ann@example.com")
    url = f"{API}/{gallery.public_id}"
    app().put(f"{url}/favourites/{photo.public_id}", headers=h(token))

    late = app().post(
        f"{url}/lists/default/submit", {}, content_type="application/json", headers=h(token)
    )

    assert late.status_code == 422
    assert "deadline" in late.json()["message"]


def test_named_lists_keep_their_own_picks(add_photos):
    gallery = GalleryFactory(visibility=Visibility.PUBLIC)
    a, b = add_photos(gallery, ["a.jpg", "b.jpg"])
    token = token_for(gallery, email="ann@example.com")
    other = token_for(gallery, email="bob@example.com")
    c = app()
    url = f"{API}/{gallery.public_id}"

    created = c.post(
        f"{url}/lists",
        {"name": "  Album   picks "},
        content_type="application/json",
        headers=h(token),
    )
    assert created.status_code == 201
    album = created.json()
    assert album["name"] == "Album picks" and album["count"] == 0 and album["locked"] is False
    again = c.post(
        f"{url}/lists", {"name": "Album picks"}, content_type="application/json", headers=h(token)
    )
    assert again.status_code == 422

    assert (
        c.put(f"{url}/favourites/{a.public_id}?list={album['id']}", headers=h(token)).status_code
        == 204
    )
    assert c.put(f"{url}/favourites/{b.public_id}", headers=h(token)).status_code == 204

    lists = {fl["name"]: fl["count"] for fl in c.get(f"{url}/lists", headers=h(token)).json()}
    assert lists == {"Album picks": 1, "Favourites": 1}
    in_album = c.get(f"{url}/photos", {"list": album["id"]}, headers=h(token)).json()["items"]
    assert {i["id"]: i["favourite"] for i in in_album} == {
        str(a.public_id): True,
        str(b.public_id): False,
    }
    # Another visitor's list is not theirs to fill.
    assert (
        c.put(f"{url}/favourites/{b.public_id}?list={album['id']}", headers=h(other)).status_code
        == 404
    )
    assert c.get(f"{url}/lists", headers=h(other)).json() == []


# --- comments ------------------------------------------------------------------------------------


def test_comments_round_trip(add_photos):
    gallery, code, _ = private_gallery()
    photo = add_photos(gallery, ["a.jpg"])[0]
    ann = token_for(gallery, code=code, email="ann@example.com")
    bob = token_for(gallery, code=code, email="bob@example.com")
    c = app()
    comments_url = f"{API}/{gallery.public_id}/photos/{photo.public_id}/comments"

    empty = c.post(comments_url, {"body": "   "}, content_type="application/json", headers=h(ann))
    assert empty.status_code == 422
    posted = c.post(
        comments_url,
        {"body": "Can this be brighter?"},
        content_type="application/json",
        headers=h(ann),
    )
    assert posted.status_code == 201
    comment = posted.json()
    assert comment["body"] == "Can this be brighter?" and comment["mine"] is True
    assert comment["photo_id"] == str(photo.public_id)

    assert [x["id"] for x in c.get(comments_url, headers=h(ann)).json()] == [comment["id"]]
    assert c.get(comments_url, headers=h(bob)).json() == []  # visitors read only their own
    owner = Client()
    owner.force_login(gallery.owner)
    (seen,) = owner.get(comments_url).json()
    assert seen["author"] == "ann@example.com" and seen["mine"] is False

    delete_url = f"{API}/{gallery.public_id}/comments/{comment['id']}"
    assert c.delete(delete_url, headers=h(bob)).status_code == 404
    assert c.delete(delete_url, headers=h(ann)).status_code == 204
    assert c.get(comments_url, headers=h(ann)).json() == []
    assert not PhotoComment.objects.exists()


# --- who is asking ------------------------------------------------------------------------------


def test_the_owner_is_recognised_by_session_and_by_app_token():
    gallery, _, _ = private_gallery()
    url = f"{API}/{gallery.public_id}"

    browser = Client()
    browser.force_login(gallery.owner)
    assert browser.get(url).json()["role"] == "owner"

    login = Client().post(
        "/_allauth/app/v1/auth/login",
        {"email": gallery.owner.email, "password": PASSWORD},
        content_type="application/json",
    )
    session_token = login.json()["meta"]["session_token"]
    assert app().get(url, headers={"X-Session-Token": session_token}).json()["role"] == "owner"

    stranger = Client()
    stranger.force_login(UserFactory())
    assert stranger.get(url).status_code == 403


def test_a_browser_session_writes_only_with_its_csrf_token(add_photos, settings):
    gallery, _, _ = private_gallery()
    photo = add_photos(gallery, ["a.jpg"])[0]
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(gallery.owner)
    url = f"{API}/{gallery.public_id}/photos/{photo.public_id}/comments"

    # A cross-site form carries the cookie but not the token: the session does not count.
    forged = browser.post(url, {"body": "spam"}, content_type="application/json")
    assert forged.status_code == 403
    assert not PhotoComment.objects.exists()

    secret = get_random_string(32)
    browser.cookies[settings.CSRF_COOKIE_NAME] = secret
    ok = browser.post(
        url,
        {"body": "Crop tighter"},
        content_type="application/json",
        headers={"X-CSRFToken": secret},
    )
    assert ok.status_code == 201, ok.content
    assert ok.json()["author"] == gallery.owner.email


def test_the_studio_api_keeps_its_paths(photographer_client):
    gallery = GalleryFactory(owner=photographer_client.user, visibility=Visibility.PUBLIC)

    studio = photographer_client.get(f"/api/v1/galleries/{gallery.public_id}").json()
    client_view = photographer_client.get(f"{API}/{gallery.public_id}").json()

    assert "counts" in studio and "role" not in studio
    assert client_view["role"] == "owner" and "counts" not in client_view
