"""Demo data so a newcomer can click through a fresh instance."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction

from proofsheet.accounts.models import Role, User
from proofsheet.accounts.services import user_create

DEMO_ACCOUNTS = [
    (Role.PHOTOGRAPHER, "photographer@demo.proofsheet", "Ada Lens (demo)"),
    (Role.CLIENT, "client@demo.proofsheet", "Carl Client (demo)"),
]


@transaction.atomic
def demo_populate() -> list[tuple[str, str, str]]:
    """Create the demo accounts; return (role, email, password) for each."""
    if settings.PRODUCTION:
        raise ValueError("demo data is not for production instances")
    emails = [email for _, email, _ in DEMO_ACCOUNTS]
    if User.objects.filter(email__in=emails).exists():
        raise ValueError(
            "demo data is already here (reset a password with "
            "`proofsheet manage changepassword EMAIL`)"
        )
    created = []
    for role, email, name in DEMO_ACCOUNTS:
        user, password = user_create(email=email, role=role, display_name=name)
        created.append((user.role, user.email, password))
    return created
