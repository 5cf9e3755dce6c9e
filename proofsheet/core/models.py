"""Base models shared by every app."""

import uuid

from django.db import models, transaction

from proofsheet.core.errors import Conflict


def as_public_id(value) -> uuid.UUID | None:
    """A public id from user input, or None when it is not one (so lookups simply miss)."""
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except ValueError:
        return None


def as_public_ids(values) -> set[uuid.UUID] | None:
    """Public ids from user input, or None when any of them is not one (the caller's 404)."""
    found = {as_public_id(value) for value in values}
    return None if None in found else {public_id for public_id in found if public_id}


def public_id_get(queryset, value):
    """The row of `queryset` with this public id, or None (no such row, or `value` is no id)."""
    public_id = as_public_id(value)
    return None if public_id is None else queryset.filter(public_id=public_id).first()


def money_field(**kwargs) -> models.DecimalField:
    """A column for an amount of money: 4 decimal places, quantised per currency on use
    (`core.money`), wide enough for any shop's totals."""
    return models.DecimalField(max_digits=14, decimal_places=4, **kwargs)


def delete_unless_protected(obj: models.Model, refusal: str) -> None:
    """Delete `obj`, or refuse with `refusal` (409 `in_use`) while rows that must stay, such as
    orders, refer to it (`on_delete=PROTECT`); nothing is deleted then."""
    try:
        with transaction.atomic():
            obj.delete()
    except models.ProtectedError:
        raise Conflict(refusal, code="in_use") from None


class PublicIdModel(models.Model):
    """A model with a random public id for URLs and APIs; integer keys stay internal (R02)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class WorkerHeartbeat(models.Model):
    """A running worker process, refreshed every few seconds (see proofsheet.core.worker)."""

    worker_id = models.CharField(max_length=64, unique=True)
    hostname = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    started_at = models.DateTimeField(auto_now_add=True)
    seen_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.worker_id} on {self.hostname}:{self.pid}"


class HousekeepingRun(models.Model):
    """When the housekeeping jobs last ran, claimed by one worker at a time (core.housekeeping)."""

    name = models.CharField(max_length=64, unique=True)
    last_run_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} at {self.last_run_at}"
