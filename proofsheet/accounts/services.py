"""Account services: the only code that creates users or changes their role."""

from __future__ import annotations

import secrets

from allauth.account.models import EmailAddress
from django.contrib.auth.password_validation import validate_password
from django.db import transaction

from proofsheet.accounts.models import Role, User
from proofsheet.core.errors import Forbidden


def seller_required(user) -> None:
    """Refuse (`seller_only`) anyone who may not sell: clients and visitors."""
    if not getattr(user, "is_seller", False):
        raise Forbidden("Only photographers can do this.", code="seller_only")


def generate_password() -> str:
    """Return a random password that passes every validator (about 128 bits)."""
    return secrets.token_urlsafe(16) + "-" + secrets.token_urlsafe(6)


@transaction.atomic
def user_create(
    *,
    email: str,
    role: str,
    password: str | None = None,
    verified: bool = True,
    display_name: str = "",
) -> tuple[User, str]:
    """Create a user with a role and a verified primary email; return it with its password."""
    if role not in Role.values:
        raise ValueError(f"role must be one of {', '.join(Role.values)}")
    email = User.objects.normalize_email(email.strip()).lower()
    if User.objects.filter(email__iexact=email).exists():
        raise ValueError(f"a user with the email {email} already exists")
    user = User(email=email, role=role, display_name=display_name)
    if password:
        validate_password(password, user)
    else:
        password = generate_password()
    user.set_password(password)
    _apply_role_flags(user)
    user.save()
    EmailAddress.objects.create(user=user, email=email, primary=True, verified=verified)
    return user, password


def user_set_role(*, user: User, role: str) -> User:
    """Change a user's role; admins get the Django admin, others lose it."""
    if role not in Role.values:
        raise ValueError(f"role must be one of {', '.join(Role.values)}")
    user.role = role
    _apply_role_flags(user)
    user.save(update_fields=["role", "is_staff", "is_superuser", "updated_at"])
    return user


def _apply_role_flags(user: User) -> None:
    user.is_staff = user.is_superuser = user.role == Role.ADMIN
