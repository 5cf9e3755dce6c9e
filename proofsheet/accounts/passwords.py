"""Breached-password check behind a pluggable checker (R18).

The default checker asks the Pwned Passwords range API with k-anonymity (only the first five hex
characters of the SHA-1 leave the machine). When the service cannot be reached the password is
allowed and the event logged: an outage must never block sign-up or cause a 500.
"""

from __future__ import annotations

import hashlib
import logging
import urllib.error
import urllib.request
from typing import Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


class BreachChecker(Protocol):
    def breach_count(self, password: str) -> int | None:
        """Return how often the password was seen in breaches, or None when unknown."""


class PwnedPasswordsChecker:
    """Query a Pwned-Passwords-compatible range API (`GET {url}{first five hex of SHA-1}`)."""

    def __init__(self, *, url: str, timeout: float = 2.0) -> None:
        self.url = url
        self.timeout = timeout

    def breach_count(self, password: str) -> int | None:
        digest = hashlib.sha1(password.encode(), usedforsecurity=False).hexdigest().upper()
        prefix, suffix = digest[:5], digest[5:]
        request = urllib.request.Request(  # noqa: S310  (URL is from settings, http(s) only)
            self.url + prefix, headers={"Add-Padding": "true", "User-Agent": "Proofsheet"}
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                body = response.read().decode("ascii", errors="replace")
        except (OSError, urllib.error.URLError, ValueError) as exc:
            logger.warning("breached-password check unavailable, password allowed: %s", exc)
            return None
        for line in body.splitlines():
            candidate, _, count = line.strip().partition(":")
            if candidate.upper() == suffix:
                try:
                    return int(count)
                except ValueError:
                    return None
        return 0


def breach_checker() -> BreachChecker | None:
    """Build the configured checker, or None when the check is off."""
    config = settings.BREACHED_PASSWORDS
    if config["BACKEND"] == "none":
        return None
    if not str(config["OPTIONS"].get("url", "")).startswith(("http://", "https://")):
        raise ImproperlyConfigured("BREACHED_PASSWORD_URL must be an http(s) URL")
    return import_string(config["BACKEND"])(**config["OPTIONS"])


class BreachedPasswordValidator:
    """Reject passwords known from data breaches."""

    def validate(self, password: str, user=None) -> None:
        checker = breach_checker()
        count = checker.breach_count(password) if checker else None
        if count:
            raise ValidationError(
                "This password has appeared in a data breach and is not safe to use. "
                "Please choose another.",
                code="password_breached",
            )

    def get_help_text(self) -> str:
        return "Your password must not appear in known data breaches."
