"""Base models shared by every app."""

import uuid

from django.db import models


class PublicIdModel(models.Model):
    """A model with a random public id for URLs and APIs; integer keys stay internal (R02)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True
