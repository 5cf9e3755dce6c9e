"""Who may see a gallery (R05): access codes, throttling, rotation, grants, tokens, download PIN."""

import math
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import signing
from django.db import connection

from proofsheet.accounts.tests.factories import UserFactory
from proofsheet.galleries import access
from proofsheet.galleries.access import (
    CLIENT,
    GUEST,
    OWNER,
    AccessDenied,
    CodeRejected,
    gallery_access,
    gallery_code_exchange,
    gallery_rotate_access_code,
)
from proofsheet.galleries.models import Gallery, Visibility
from proofsheet.galleries.tests.factories import GalleryFactory
from proofsheet.notifications.models import Notification, OutboundEmail

pytestmark = pytest.mark.django_db

START = datetime(2031, 5, 4, 10, 0, tzinfo=UTC)
IP = "203.0.113.7"


def private_gallery(**fields):
    """A private gallery with a client and a guest code; returns (gallery, client, guest)."""
    gallery = GalleryFactory(visibility=Visibility.PRIVATE, **fields)
    client_code = gallery_rotate_access_code(gallery=gallery, kind=CLIENT)
    guest_code = gallery_rotate_access_code(gallery=gallery, kind=GUEST)
    return gallery, client_code, guest_code


def fresh(gallery: Gallery) -> Gallery:
    """The gallery as the next request loads it."""
    return Gallery.objects.get(pk=gallery.pk)


def exchange(gallery, code, ip=IP):
    """Enter a code as a visitor's request does (which loads the gallery afresh)."""
    target = fresh(gallery) if gallery is not None else None
    return gallery_code_exchange(gallery=target, code=code, ip=ip)


def wrong(gallery, ip=IP) -> CodeRejected:
    with pytest.raises(CodeRejected) as caught:
        exchange(gallery, "WRNG-WRNGW-WRNGW", ip=ip)
    return caught.value


@pytest.fixture
def limits(settings):
    """Small throttle limits; a test changes the one it is about."""
    settings.GALLERY_CODE_THROTTLE = {
        "IP_PER_MINUTE": 1000,
        "GALLERY_PER_HOUR": 1000,
        "ALERT_AFTER": 1000,
    }
    return settings.GALLERY_CODE_THROTTLE


@pytest.fixture
def frozen():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


# --- codes ------------------------------------------------------------------------------


def test_codes_carry_at_least_64_bits_and_differ_every_time():
    gallery = GalleryFactory()
    codes = {gallery_rotate_access_code(gallery=gallery) for _ in range(200)}

    assert len(codes) == 200
    alphabet = set(access.ACCESS_CODE_ALPHABET)
    for code in codes:
        symbols = code.replace("-", "")
        assert set(symbols) <= alphabet
        assert len(symbols) * math.log2(len(alphabet)) >= 64
    # Easily confused characters are never used (codes are read aloud and typed on phones).
    assert not alphabet & set("01OIL")


def _every_stored_value() -> str:
    """Every value in every table of the test database, as one upper-case string."""
    parts = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            parts.extend(str(value) for row in cursor.fetchall() for value in row)
    return "\n".join(parts).upper()


def test_codes_and_pins_are_stored_only_hashed(limits):
    gallery, client_code, guest_code = private_gallery()
    access.gallery_set_download_pin(gallery=gallery, pin="ZX81-PIN")
    exchange(gallery, client_code)
    wrong(gallery)

    row = Gallery.objects.filter(pk=gallery.pk).values().get()
    assert row["client_code_hash"] and row["guest_code_hash"] and row["download_pin_hash"]
    stored = _every_stored_value()
    for secret in (client_code, guest_code, "ZX81-PIN", "WRNG-WRNGW-WRNGW"):
        assert secret.upper() not in stored
        assert secret.replace("-", "").upper() not in stored


def test_the_client_code_gives_full_rights_and_the_guest_code_view_only(limits):
    gallery, client_code, guest_code = private_gallery()

    as_client = gallery_access(gallery=fresh(gallery), grant=exchange(gallery, client_code))
    as_guest = gallery_access(gallery=fresh(gallery), grant=exchange(gallery, guest_code))

    assert as_client.role == CLIENT and as_client.can_interact and not as_client.is_owner
    assert as_guest.role == GUEST and not as_guest.can_interact


def test_a_code_is_accepted_however_it_is_typed(limits):
    gallery, client_code, _ = private_gallery()

    typed = f"  {client_code.replace('-', ' ').lower()} "
    assert exchange(gallery, typed)["role"] == CLIENT


@pytest.mark.parametrize("code", ["WRNG-WRNGW-WRNGW", "", "   ", "----"])
def test_a_wrong_code_is_rejected(limits, code):
    gallery, _, _ = private_gallery()

    with pytest.raises(CodeRejected) as caught:
        exchange(gallery, code)
    assert not caught.value.throttled
    assert "not right" in str(caught.value)


def test_the_code_of_another_gallery_does_not_open_this_one(limits):
    gallery, _, _ = private_gallery()
    _, other_code, other_guest = private_gallery()

    for code in (other_code, other_guest):
        with pytest.raises(CodeRejected):
            exchange(gallery, code)


def test_the_code_alone_finds_its_private_gallery(limits):
    gallery, client_code, guest_code = private_gallery()
    private_gallery()  # another one, which must not be confused with it

    grant = exchange(None, client_code)
    assert grant["gallery"] == str(gallery.public_id) and grant["role"] == CLIENT
    assert gallery_access(gallery=fresh(gallery), grant=grant).role == CLIENT
    assert exchange(None, guest_code.lower())["role"] == GUEST

    with pytest.raises(CodeRejected):
        exchange(None, "WRNG-WRNGW-WRNGW")


# --- throttling -----------------------------------------------------------------------------


def test_one_ip_gets_a_limited_number_of_guesses_a_minute(limits, frozen):
    limits["IP_PER_MINUTE"] = 3
    gallery, client_code, _ = private_gallery()

    for _ in range(3):
        assert not wrong(gallery).throttled
    # The (limit + 1)th attempt is refused before the code is even compared: the right one too.
    with pytest.raises(CodeRejected) as caught:
        exchange(gallery, client_code)
    assert caught.value.throttled
    assert "Wait a minute" in str(caught.value)
    # Another address is not affected.
    assert exchange(gallery, client_code, ip="198.51.100.1")["role"] == CLIENT

    frozen.shift(timedelta(seconds=30))
    with pytest.raises(CodeRejected) as caught:
        exchange(gallery, client_code)
    assert caught.value.throttled

    frozen.shift(timedelta(seconds=31))
    assert exchange(gallery, client_code)["role"] == CLIENT


def test_the_ip_limit_also_holds_for_the_code_alone_box(limits, frozen):
    limits["IP_PER_MINUTE"] = 3
    _, client_code, _ = private_gallery()

    for _ in range(3):
        assert not wrong(None).throttled
    with pytest.raises(CodeRejected) as caught:
        exchange(None, client_code)
    assert caught.value.throttled

    frozen.shift(timedelta(seconds=61))
    assert exchange(None, client_code)["role"] == CLIENT


def test_a_gallery_locks_after_too_many_wrong_codes_from_many_addresses(limits, frozen):
    limits["IP_PER_MINUTE"] = 3
    limits["GALLERY_PER_HOUR"] = 5
    gallery, client_code, _ = private_gallery()
    other, other_code, _ = private_gallery()

    for n in range(5):
        assert not wrong(gallery, ip=f"10.0.0.{n}").throttled

    newcomer = "10.9.9.9"
    for _ in range(5):  # more than the IP's own limit: the gallery refuses first
        with pytest.raises(CodeRejected) as caught:
            exchange(gallery, client_code, ip=newcomer)
        assert caught.value.throttled
        assert "locked" in str(caught.value)
    # Refusals at a locked gallery did not use up the newcomer's own guesses.
    assert exchange(other, other_code, ip=newcomer)["role"] == CLIENT
    assert not wrong(other, ip=newcomer).throttled

    frozen.shift(timedelta(minutes=59))
    with pytest.raises(CodeRejected) as caught:
        exchange(gallery, client_code, ip="10.8.8.8")
    assert caught.value.throttled

    frozen.shift(timedelta(minutes=2))
    assert exchange(gallery, client_code, ip="10.8.8.8")["role"] == CLIENT


def test_a_right_code_does_not_use_up_a_guess(limits, frozen):
    limits["IP_PER_MINUTE"] = 3
    limits["GALLERY_PER_HOUR"] = 3
    gallery, client_code, guest_code = private_gallery()

    wrong(gallery)
    wrong(gallery)
    for _ in range(10):
        assert exchange(gallery, client_code)["role"] == CLIENT
        assert exchange(gallery, guest_code)["role"] == GUEST
    assert not wrong(gallery).throttled  # the third failure, not the 23rd attempt
    with pytest.raises(CodeRejected) as caught:
        exchange(gallery, client_code)
    assert caught.value.throttled


def test_the_code_alone_box_cannot_wipe_a_gallerys_failures(limits, frozen):
    """A guest-code holder must not reset the gallery's count while guessing the client code."""
    limits["GALLERY_PER_HOUR"] = 3
    gallery, client_code, guest_code = private_gallery()

    for n in range(3):
        wrong(gallery, ip=f"10.0.1.{n}")
        assert exchange(None, guest_code, ip=f"10.0.1.{n}")["role"] == GUEST

    with pytest.raises(CodeRejected) as caught:
        exchange(gallery, client_code, ip="10.0.1.99")
    assert caught.value.throttled


def _alerts(owner):
    notifications = list(Notification.objects.filter(user=owner))
    emails = [email for email in OutboundEmail.objects.all() if email.to == [owner.email]]
    return notifications, emails


def test_the_photographer_is_alerted_once_an_hour_about_code_guessing(limits, frozen):
    limits["ALERT_AFTER"] = 3
    gallery, client_code, _ = private_gallery(title="Smith wedding")
    owner = gallery.owner

    wrong(gallery, ip="10.0.0.1")
    wrong(gallery, ip="10.0.0.2")
    exchange(gallery, client_code)  # a right code is no failure
    assert _alerts(owner) == ([], [])

    wrong(gallery, ip="10.0.0.3")
    notifications, emails = _alerts(owner)
    assert len(notifications) == 1 and len(emails) == 1
    assert "Smith wedding" in notifications[0].message
    assert notifications[0].url == f"/studio/galleries/{gallery.public_id}/"
    assert "Smith wedding" in emails[0].subject
    assert f"/studio/galleries/{gallery.public_id}/" in emails[0].body_text
    assert "rotate" in emails[0].body_text

    for n in range(20):
        wrong(gallery, ip=f"10.0.2.{n}")
    frozen.shift(timedelta(minutes=30))
    wrong(gallery, ip="10.0.3.1")
    assert [len(found) for found in _alerts(owner)] == [1, 1]

    # An hour on, the count starts again: a new alert needs ALERT_AFTER new failures.
    frozen.shift(timedelta(minutes=31))
    wrong(gallery, ip="10.0.4.1")
    wrong(gallery, ip="10.0.4.2")
    assert [len(found) for found in _alerts(owner)] == [1, 1]
    wrong(gallery, ip="10.0.4.3")
    assert [len(found) for found in _alerts(owner)] == [2, 2]


def test_no_alert_below_the_threshold(limits):
    limits["ALERT_AFTER"] = 5
    gallery, _, _ = private_gallery()

    for n in range(4):
        wrong(gallery, ip=f"10.0.0.{n}")
    assert _alerts(gallery.owner) == ([], [])


# --- rotation -------------------------------------------------------------------------------


def test_rotating_the_client_code_revokes_every_grant(limits):
    gallery, client_code, guest_code = private_gallery()
    client_grant = exchange(gallery, client_code)
    guest_grant = exchange(gallery, guest_code)
    token = access.grant_token(client_grant)

    new_code = gallery_rotate_access_code(gallery=fresh(gallery), kind=CLIENT)

    assert new_code != client_code
    for grant in (client_grant, guest_grant, access.grant_from_token(token)):
        with pytest.raises(AccessDenied) as caught:
            gallery_access(gallery=fresh(gallery), grant=grant)
        assert caught.value.reason == "code"
    with pytest.raises(CodeRejected):
        exchange(gallery, client_code)
    assert gallery_access(gallery=fresh(gallery), grant=exchange(gallery, new_code)).role == CLIENT
    # The guest code itself was not changed; its new grants work.
    assert gallery_access(gallery=fresh(gallery), grant=exchange(gallery, guest_code)).role == GUEST


def test_rotating_the_guest_code_revokes_every_grant_too(limits):
    gallery, client_code, guest_code = private_gallery()
    client_grant = exchange(gallery, client_code)
    guest_grant = exchange(gallery, guest_code)

    new_guest = gallery_rotate_access_code(gallery=fresh(gallery), kind=GUEST)

    for grant in (client_grant, guest_grant):
        with pytest.raises(AccessDenied) as caught:
            gallery_access(gallery=fresh(gallery), grant=grant)
        assert caught.value.reason == "code"
    with pytest.raises(CodeRejected):
        exchange(gallery, guest_code)
    assert exchange(gallery, new_guest)["role"] == GUEST
    assert exchange(gallery, client_code)["role"] == CLIENT


def test_removing_the_guest_code_shuts_guests_out(limits):
    gallery, client_code, guest_code = private_gallery()
    guest_grant = exchange(gallery, guest_code)

    access.gallery_remove_guest_code(gallery=fresh(gallery))

    with pytest.raises(AccessDenied):
        gallery_access(gallery=fresh(gallery), grant=guest_grant)
    with pytest.raises(CodeRejected):
        exchange(gallery, guest_code)
    with pytest.raises(CodeRejected):
        exchange(None, guest_code)
    assert exchange(gallery, client_code)["role"] == CLIENT


# --- grants ---------------------------------------------------------------------------------


def test_a_private_gallery_needs_a_grant():
    gallery, _, _ = private_gallery()

    for grant in (None, {}, {"gallery": str(gallery.public_id)}):
        with pytest.raises(AccessDenied) as caught:
            gallery_access(gallery=fresh(gallery), grant=grant)
        assert caught.value.reason == "code"
    # A signed-in stranger is no better off.
    with pytest.raises(AccessDenied):
        gallery_access(gallery=fresh(gallery), user=UserFactory())


def test_a_grant_for_one_gallery_does_not_open_another(limits):
    gallery, client_code, _ = private_gallery()
    other, _, _ = private_gallery()
    grant = exchange(gallery, client_code)

    with pytest.raises(AccessDenied) as caught:
        gallery_access(gallery=fresh(other), grant=grant)
    assert caught.value.reason == "code"
    with pytest.raises(AccessDenied):
        gallery_access(gallery=fresh(other), grant=grant | {"stamp": access._stamp(other)})


def test_a_grant_cannot_promote_itself_to_owner(limits):
    gallery, _, guest_code = private_gallery()
    grant = exchange(gallery, guest_code)

    seen = gallery_access(gallery=fresh(gallery), grant=grant | {"role": OWNER})

    assert seen.role == GUEST and not seen.is_owner and not seen.can_interact


def test_the_owner_and_staff_see_their_gallery_without_a_code():
    gallery, _, _ = private_gallery()

    as_owner = gallery_access(gallery=fresh(gallery), user=gallery.owner)
    as_staff = gallery_access(gallery=fresh(gallery), user=UserFactory(is_staff=True))

    assert as_owner.role == OWNER and as_owner.is_owner and as_owner.can_interact
    assert as_owner.email == gallery.owner.email
    assert as_staff.role == OWNER


def test_an_expired_gallery_is_closed_to_clients_but_not_to_its_owner(limits, frozen):
    gallery, client_code, _ = private_gallery(expires_at=START + timedelta(days=1))
    grant = exchange(gallery, client_code)
    public = GalleryFactory(visibility=Visibility.PUBLIC, expires_at=START + timedelta(days=1))
    assert gallery_access(gallery=fresh(gallery), grant=grant).role == CLIENT
    assert gallery_access(gallery=fresh(public)).role == CLIENT

    frozen.shift(timedelta(days=1))

    for target, target_grant in ((gallery, grant), (public, None)):
        with pytest.raises(AccessDenied) as caught:
            gallery_access(gallery=fresh(target), grant=target_grant)
        assert caught.value.reason == "expired"
        assert gallery_access(gallery=fresh(target), user=target.owner).role == OWNER


def test_a_gallery_that_requires_an_email_asks_for_one_first(limits):
    gallery, client_code, guest_code = private_gallery(require_email=True)
    grant = exchange(gallery, client_code)

    with pytest.raises(AccessDenied) as caught:
        gallery_access(gallery=fresh(gallery), grant=grant)
    assert caught.value.reason == "email"

    with_email = access.grant_with_email(grant, fresh(gallery), "  Ann.Client@Example.TEST ")
    seen = gallery_access(gallery=fresh(gallery), grant=with_email)
    assert seen.role == CLIENT and seen.email == "ann.client@example.test"
    # Adding an email does not turn a guest into a client.
    guest = access.grant_with_email(exchange(gallery, guest_code), fresh(gallery), "g@example.test")
    assert gallery_access(gallery=fresh(gallery), grant=guest).role == GUEST


def test_a_public_gallery_that_requires_an_email(limits):
    gallery = GalleryFactory(visibility=Visibility.PUBLIC, require_email=True)

    with pytest.raises(AccessDenied) as caught:
        gallery_access(gallery=gallery)
    assert caught.value.reason == "email"

    grant = access.grant_with_email(None, gallery, "Visitor@Example.test")
    seen = gallery_access(gallery=fresh(gallery), grant=grant)
    assert seen.role == CLIENT and seen.email == "visitor@example.test"
    # A signed-in visitor's own address counts.
    user = UserFactory()
    assert gallery_access(gallery=fresh(gallery), user=user).email == user.email


@pytest.mark.parametrize("visibility", [Visibility.PUBLIC, Visibility.UNLISTED])
def test_a_public_or_unlisted_gallery_opens_as_client_without_a_grant(visibility):
    gallery = GalleryFactory(visibility=visibility)
    other, _, _ = private_gallery()

    seen = gallery_access(gallery=gallery)
    assert seen.role == CLIENT and seen.can_interact and seen.email == ""
    # A grant for another gallery is simply ignored here.
    stray = {"gallery": str(other.public_id), "role": GUEST, "stamp": "", "email": "x@y.test"}
    assert gallery_access(gallery=gallery, grant=stray) == seen


# --- API tokens -----------------------------------------------------------------------------


def test_a_token_carries_the_grant(limits):
    gallery, client_code, _ = private_gallery()
    grant = access.grant_with_email(exchange(gallery, client_code), gallery, "c@example.test")

    token = access.grant_token(grant)

    assert access.grant_from_token(token) == grant
    assert gallery_access(gallery=fresh(gallery), grant=access.grant_from_token(token)).role == (
        CLIENT
    )


def test_a_tampered_or_foreign_token_is_refused(limits):
    gallery, _, guest_code = private_gallery()
    token = access.grant_token(exchange(gallery, guest_code))
    payload, rest = token.split(":", 1)
    flipped = payload[:-1] + ("A" if payload[-1] != "A" else "B")

    assert access.grant_from_token(f"{flipped}:{rest}") is None
    assert access.grant_from_token(token[:-1] + ("A" if token[-1] != "A" else "B")) is None
    assert access.grant_from_token("") is None
    assert access.grant_from_token("not a token") is None
    # Signed with the right key but for another purpose.
    assert access.grant_from_token(signing.dumps({"role": CLIENT}, salt="other")) is None
    # Signed correctly but not a grant.
    assert access.grant_from_token(signing.dumps(["x"], salt=access.TOKEN_SALT)) is None


def test_a_token_expires_after_30_days(limits, frozen):
    gallery, client_code, _ = private_gallery()
    token = access.grant_token(exchange(gallery, client_code))

    frozen.shift(timedelta(days=29))
    assert access.grant_from_token(token) is not None
    frozen.shift(timedelta(days=1, seconds=1))
    assert access.grant_from_token(token) is None


# --- download PIN ---------------------------------------------------------------------------


def test_without_a_pin_downloads_need_none(limits):
    gallery = GalleryFactory()

    access.download_pin_check(gallery=gallery, pin="", ip=IP)
    access.download_pin_check(gallery=gallery, pin="anything", ip=IP)


def test_the_download_pin(limits, frozen):
    limits["IP_PER_MINUTE"] = 3
    gallery = GalleryFactory()
    access.gallery_set_download_pin(gallery=gallery, pin=" 4821 ")
    gallery = fresh(gallery)
    assert len(gallery.download_pin_hash) == 64  # a keyed hash, not the PIN

    access.download_pin_check(gallery=gallery, pin="4821", ip=IP)
    for _ in range(3):
        with pytest.raises(CodeRejected) as caught:
            access.download_pin_check(gallery=gallery, pin="1234", ip=IP)
        assert not caught.value.throttled
    with pytest.raises(CodeRejected) as caught:
        access.download_pin_check(gallery=gallery, pin="4821", ip=IP)
    assert caught.value.throttled

    frozen.shift(timedelta(seconds=61))
    access.download_pin_check(gallery=gallery, pin="4821", ip=IP)

    access.gallery_set_download_pin(gallery=gallery, pin="")
    access.download_pin_check(gallery=fresh(gallery), pin="", ip=IP)
