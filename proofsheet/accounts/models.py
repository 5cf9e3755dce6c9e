"""Users, their roles, and the login throttle."""

from __future__ import annotations

from typing import ClassVar

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models

from proofsheet.core.models import PublicIdModel


class Role(models.TextChoices):
    CLIENT = "client", "Client"
    PHOTOGRAPHER = "photographer", "Photographer"
    ADMIN = "admin", "Admin"


# Who may sell: run galleries, price sheets, a store (admins can do what photographers do).
SELLER_ROLES = (Role.PHOTOGRAPHER, Role.ADMIN)


class EmailUserManager(UserManager):
    """Users are identified by email; there is no username."""

    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An email address is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.update(is_staff=True, is_superuser=True, role=Role.ADMIN)
        return self._create_user(email, password, **extra_fields)


class User(PublicIdModel, AbstractUser):
    username = None  # type: ignore[assignment]  # no username: the email is the login
    email = models.EmailField("email address", unique=True)
    display_name = models.CharField(max_length=150, blank=True)
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.CLIENT)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    objects: ClassVar[EmailUserManager] = EmailUserManager()

    class Meta:
        ordering = ["email"]

    def __str__(self) -> str:
        return self.email

    @property
    def is_seller(self) -> bool:
        """Photographers and admins: the studio, galleries, price sheets, a store."""
        return self.role in SELLER_ROLES


class LoginThrottle(models.Model):
    """Failed-login counter for one account or one client IP (R20).

    Rows are updated only with conditional UPDATEs, so concurrent attempts cannot slip past the
    limit: a slot is claimed before the password is hashed.
    """

    key = models.CharField(max_length=100, unique=True)
    failures = models.PositiveIntegerField(default=0)
    window_started_at = models.DateTimeField()
    locked_until = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.key}: {self.failures} failures"
