"""Who may see a gallery, and with which rights (R05).

A visitor's access is a *grant*: a small dict {"gallery", "role", "stamp", "email"} kept in the
session (web) or inside a signed token (API). `stamp` is the gallery's code-rotation time when the
grant was made, so rotating a code revokes every grant made before it at once.

Roles: "owner" (the photographer previewing as a client), "client" (full rights: favourites,
comments, selection, downloads), "guest" (view only).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from proofsheet.accounts import throttle
from proofsheet.core.errors import DomainError
from proofsheet.galleries.models import Gallery, Visibility
from proofsheet.galleries.processing import gallery_media_salt_rotate
from proofsheet.notifications.services import email_queue_message, notification_create

OWNER, CLIENT, GUEST = "owner", "client", "guest"
TOKEN_SALT = "proofsheet.gallery-access"  # noqa: S105 (a signing salt, not a secret)
TOKEN_MAX_AGE = 30 * 24 * 3600  # an API access token lives 30 days unless a code is rotated

ACCESS_CODE_ALPHABET = (
    "ABCDEFGHJKMNPQRSTVWXYZ23456789"  # no 0/O, 1/I/L: read aloud, typed on phones
)


class AccessDenied(DomainError):
    """Why a visitor cannot see a gallery: `reason` "code", "email", "expired" or "missing"."""

    CODES = {
        "code": "access_code_required",
        "email": "email_required",
        "expired": "gallery_expired",
        "missing": "not_found",
    }

    def __init__(self, reason: str):
        super().__init__(code=self.CODES[reason])
        self.reason = reason


class CodeRejected(DomainError):
    """A wrong access code or PIN. `throttled` when the guesses are used up for now."""

    def __init__(self, message: str, *, throttled: bool = False, pin: bool = False):
        code = "rate_limited" if throttled else "download_pin_rejected" if pin else None
        super().__init__(message, code=code or "access_code_rejected")
        self.throttled = throttled


@dataclass(frozen=True)
class Access:
    gallery: Gallery
    role: str
    email: str = ""
    user_id: int | None = None

    @property
    def can_interact(self) -> bool:
        """Favourite, comment, submit a selection, download (not guests)."""
        return self.role in (OWNER, CLIENT)

    @property
    def is_owner(self) -> bool:
        return self.role == OWNER


# --- codes ------------------------------------------------------------------------------


def code_hash(code: str) -> str:
    """Keyed hash of a normalised code (codes and PINs are stored only like this)."""
    normalised = "".join(ch for ch in code.upper() if ch.isalnum())
    return hmac.new(settings.SECRET_KEY.encode(), normalised.encode(), hashlib.sha256).hexdigest()


def new_code() -> str:
    raw = "".join(secrets.choice(ACCESS_CODE_ALPHABET) for _ in range(14))  # ≈ 68 bits
    return f"{raw[:4]}-{raw[4:9]}-{raw[9:]}"


def gallery_rotate_access_code(*, gallery: Gallery, kind: str = CLIENT) -> str:
    """Give the gallery a new client (or guest) code and return it.

    Every access granted so far, by either code, stops working: the photographer rotates because
    a code leaked, and cannot know which visitors came through the leak.
    """
    code = new_code()
    field = "guest_code_hash" if kind == GUEST else "client_code_hash"
    # The first code of a new gallery revokes nothing; later ones also move the photos' URLs.
    had_access = bool(gallery.client_code_hash or gallery.guest_code_hash)
    setattr(gallery, field, code_hash(code))
    gallery.codes_rotated_at = timezone.now()
    gallery.save(update_fields=[field, "codes_rotated_at", "updated_at"])
    if had_access:
        gallery_media_salt_rotate(gallery=gallery)
    return code


def gallery_remove_guest_code(*, gallery: Gallery) -> None:
    gallery.guest_code_hash = ""
    gallery.codes_rotated_at = timezone.now()
    gallery.save(update_fields=["guest_code_hash", "codes_rotated_at", "updated_at"])
    gallery_media_salt_rotate(gallery=gallery)


def _stamp(gallery: Gallery) -> str:
    return gallery.codes_rotated_at.isoformat() if gallery.codes_rotated_at else ""


def _limits() -> dict:
    return settings.GALLERY_CODE_THROTTLE


def _ip_key(ip: str) -> str:
    return f"code-ip:{ip}"[:100]


def _gallery_key(gallery: Gallery) -> str:
    return f"code-gallery:{gallery.pk}"


def _claim_guess(ip: str, gallery: Gallery | None) -> None:
    limits = _limits()
    if not throttle.attempt_claim(
        key=_ip_key(ip), limit=limits["IP_PER_MINUTE"], window=timedelta(minutes=1)
    ):
        raise CodeRejected("Too many attempts. Wait a minute and try again.", throttled=True)
    if gallery is not None and not throttle.attempt_claim(
        key=_gallery_key(gallery), limit=limits["GALLERY_PER_HOUR"], window=timedelta(hours=1)
    ):
        throttle.attempt_succeeded(key=_ip_key(ip))  # the IP's slot was not used
        raise CodeRejected(
            "This gallery is locked after too many wrong codes. Try again in an hour, or ask "
            "your photographer.",
            throttled=True,
        )


def _guess_failed(ip: str, gallery: Gallery | None) -> None:
    limits = _limits()
    throttle.attempt_failed(
        key=_ip_key(ip), limit=limits["IP_PER_MINUTE"], window=timedelta(minutes=1)
    )
    if gallery is None:
        return
    failures = throttle.attempt_failed(
        key=_gallery_key(gallery), limit=limits["GALLERY_PER_HOUR"], window=timedelta(hours=1)
    )
    if failures >= limits["ALERT_AFTER"]:
        _alert_photographer(gallery, failures)


def _guess_succeeded(ip: str, gallery: Gallery | None) -> None:
    throttle.attempt_succeeded(key=_ip_key(ip))
    if gallery is not None:
        throttle.attempt_succeeded(key=_gallery_key(gallery))


def _alert_photographer(gallery: Gallery, failures: int) -> None:
    """Tell the photographer (once an hour at most) that someone is guessing the gallery's code."""
    now = timezone.now()
    claimed = (
        Gallery.objects.filter(pk=gallery.pk)
        .exclude(code_alert_sent_at__gt=now - timedelta(hours=1))
        .update(code_alert_sent_at=now)
    )
    if not claimed:
        return
    owner = gallery.owner
    path = reverse("studio:gallery", args=[gallery.public_id])
    message = (
        f"{failures} wrong access codes were tried on “{gallery.title}” in the last hour. "
        "If you did not expect this, rotate the gallery's codes."
    )
    with transaction.atomic():
        notification_create(user=owner, message=message, url=path)
        email_queue_message(
            EmailMessage(
                subject=f"Wrong access codes on “{gallery.title}”",
                body=f"{message}\n\n{settings.SITE_URL}{path}\n",
                to=[owner.email],
            )
        )


def _role_for(gallery: Gallery, digest: str) -> str | None:
    for role, stored in ((CLIENT, gallery.client_code_hash), (GUEST, gallery.guest_code_hash)):
        if stored and hmac.compare_digest(stored, digest):
            return role
    return None


def gallery_code_exchange(*, gallery: Gallery | None, code: str, ip: str) -> dict:
    """Check an access code and return the grant it gives.

    With `gallery` None the code alone finds its gallery (the "I have a code" box). Guesses are
    throttled per IP and per gallery before the code is compared; failures keep their slot.
    """
    _claim_guess(ip, gallery)
    claimed = gallery  # only a gallery whose slot was claimed gets one back
    digest = code_hash(code) if code.strip() else ""
    if digest and gallery is None:
        gallery_q = Q(client_code_hash=digest) | Q(guest_code_hash=digest)
        gallery = Gallery.objects.filter(gallery_q, visibility=Visibility.PRIVATE).first()
    role = _role_for(gallery, digest) if digest and gallery is not None else None
    found = gallery if role else None
    if found is None:
        _guess_failed(ip, gallery)
        raise CodeRejected("That code is not right. Check it and try again.")
    _guess_succeeded(ip, claimed)
    return {"gallery": str(found.public_id), "role": role, "stamp": _stamp(found), "email": ""}


def grant_with_email(grant: dict | None, gallery: Gallery, email: str) -> dict:
    """Add the visitor's email to a grant (public galleries get a grant of their own).

    A private gallery's grant comes only from its code: without one, the email gives nothing.
    """
    if grant is None and gallery.visibility == Visibility.PRIVATE:
        raise AccessDenied("code")
    base = grant or {"gallery": str(gallery.public_id), "role": CLIENT, "stamp": _stamp(gallery)}
    return base | {"email": email.strip().lower()}


def gallery_access(*, gallery: Gallery, user=None, grant: dict | None = None) -> Access:
    """What this visitor may do in the gallery, or AccessDenied saying what is missing."""
    if (
        user is not None
        and user.is_authenticated
        and (user.pk == gallery.owner_id or user.is_staff)
    ):
        return Access(gallery=gallery, role=OWNER, email=user.email, user_id=user.pk)
    if gallery.expires_at and gallery.expires_at <= timezone.now():
        raise AccessDenied("expired")
    # A grant counts only for this gallery and since its codes last changed.
    held = grant or {}
    valid = held.get("gallery") == str(gallery.public_id) and held.get("stamp", "") == _stamp(
        gallery
    )
    if gallery.visibility == Visibility.PRIVATE:
        if not valid:
            raise AccessDenied("code")
        role = held["role"] if held.get("role") in (CLIENT, GUEST) else GUEST
    else:
        role = held["role"] if valid and held.get("role") in (CLIENT, GUEST) else CLIENT
    email = held.get("email", "") if valid else ""
    if user is not None and user.is_authenticated:
        email = user.email
    if gallery.require_email and not email:
        raise AccessDenied("email")
    return Access(
        gallery=gallery,
        role=role,
        email=email,
        user_id=user.pk if user is not None and user.is_authenticated else None,
    )


# --- API tokens -------------------------------------------------------------------------


def grant_token(grant: dict) -> str:
    return signing.dumps(grant, salt=TOKEN_SALT, compress=True)


def grant_from_token(token: str) -> dict | None:
    try:
        grant = signing.loads(token, salt=TOKEN_SALT, max_age=TOKEN_MAX_AGE)
    except signing.BadSignature:
        return None
    return grant if isinstance(grant, dict) else None


# --- download PIN -----------------------------------------------------------------------


def gallery_set_download_pin(*, gallery: Gallery, pin: str) -> None:
    pin = pin.strip()
    gallery.download_pin_hash = code_hash(pin) if pin else ""
    gallery.save(update_fields=["download_pin_hash", "updated_at"])


def download_pin_check(*, gallery: Gallery, pin: str, ip: str) -> None:
    """Raise CodeRejected unless `pin` is the gallery's download PIN (throttled like codes)."""
    if not gallery.download_pin_hash:
        return
    _claim_guess(ip, gallery)
    if not hmac.compare_digest(gallery.download_pin_hash, code_hash(pin)):
        _guess_failed(ip, gallery)
        raise CodeRejected("That PIN is not right.", pin=True)
    _guess_succeeded(ip, gallery)
