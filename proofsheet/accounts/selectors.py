"""Account reads."""

from __future__ import annotations

from uuid import UUID

from proofsheet.accounts.models import User


def user_get_by_email(email: str) -> User | None:
    return User.objects.filter(email__iexact=email.strip()).first()


def user_get(public_id: UUID) -> User | None:
    return User.objects.filter(public_id=public_id).first()
