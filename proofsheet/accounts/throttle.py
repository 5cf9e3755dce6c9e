"""Login throttling: lock an account after repeated failures, and throttle each client IP (R20).

A login attempt first *claims* a slot on the account's counter and on the IP's counter with a
conditional UPDATE, before any password is hashed. A failure keeps the claim (and locks the key once
the limit is reached); a success gives it back. So however many requests race, at most `limit`
passwords are checked per key and window.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from proofsheet.accounts.models import LoginThrottle


def account_key(email: str) -> str:
    """Return the throttle key of an account (a hash, so no address is stored twice)."""
    digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()[:40]
    return f"account:{digest}"


def ip_key(ip: str) -> str:
    return f"ip:{ip}"[:100]


def _window() -> timedelta:
    return timedelta(seconds=settings.LOGIN_THROTTLE["LOCKOUT_SECONDS"])


def _ensure_row(key: str) -> None:
    if LoginThrottle.objects.filter(key=key).exists():
        return
    try:
        with transaction.atomic():
            LoginThrottle.objects.create(key=key, window_started_at=timezone.now())
    except IntegrityError:
        pass  # another request created it first


def _claim(key: str, limit: int, window: timedelta | None = None) -> bool:
    """Take one attempt slot for `key`; False when the key is locked or its slots are taken."""
    _ensure_row(key)
    now = timezone.now()
    window = window or _window()
    # A lockout that has run out, or a quiet window that has passed, starts a fresh count.
    LoginThrottle.objects.filter(key=key).filter(
        Q(locked_until__lte=now) | Q(locked_until__isnull=True, window_started_at__lte=now - window)
    ).update(failures=0, locked_until=None, window_started_at=now)
    claimed = (
        LoginThrottle.objects.filter(key=key, failures__lt=limit)
        .filter(Q(locked_until__isnull=True) | Q(locked_until__lte=now))
        .update(failures=F("failures") + 1)
    )
    return claimed == 1


def _give_back(key: str) -> None:
    LoginThrottle.objects.filter(key=key, failures__gt=0).update(failures=F("failures") - 1)


def _lock_if_spent(key: str, limit: int, window: timedelta | None = None) -> None:
    now = timezone.now()
    LoginThrottle.objects.filter(key=key, failures__gte=limit, locked_until__isnull=True).update(
        locked_until=now + (window or _window())
    )


@dataclass(frozen=True)
class LoginClaim:
    """Slots taken for one login attempt; report the outcome exactly once."""

    account: str
    ip: str

    def succeeded(self) -> None:
        """Reset the account's consecutive failures and give the IP's slot back."""
        LoginThrottle.objects.filter(key=self.account).update(
            failures=0, locked_until=None, window_started_at=timezone.now()
        )
        _give_back(self.ip)

    def failed(self) -> None:
        """Keep both slots; lock a key whose limit is now reached."""
        limits = settings.LOGIN_THROTTLE
        _lock_if_spent(self.account, limits["ACCOUNT_FAILURES"])
        _lock_if_spent(self.ip, limits["IP_FAILURES"])


def login_attempt_claim(*, email: str, ip: str) -> LoginClaim | None:
    """Claim a login attempt for this account and IP, or None when either is locked out."""
    limits = settings.LOGIN_THROTTLE
    account, address = account_key(email), ip_key(ip)
    if not _claim(account, limits["ACCOUNT_FAILURES"]):
        return None
    if not _claim(address, limits["IP_FAILURES"]):
        _give_back(account)
        return None
    return LoginClaim(account=account, ip=address)


def login_lock_clear(*, email: str) -> None:
    """Unlock an account (used by admins)."""
    LoginThrottle.objects.filter(key=account_key(email)).delete()


# --- the same counters for other secrets (gallery access codes, download PINs) ------------


def attempt_claim(*, key: str, limit: int, window: timedelta) -> bool:
    """Claim one guess at a secret for `key`; False when `limit` failures already fill `window`."""
    return _claim(key, limit, window)


def attempt_failed(*, key: str, limit: int, window: timedelta) -> int:
    """Keep the claim (a failure); lock the key once spent. Return the failures so far."""
    _lock_if_spent(key, limit, window)
    return LoginThrottle.objects.filter(key=key).values_list("failures", flat=True).first() or 0


def attempt_succeeded(*, key: str) -> None:
    """Give a claimed slot back: only failures count."""
    _give_back(key)
