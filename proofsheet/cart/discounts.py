"""The photographer's discount codes: create, change, disable, delete, and the reads behind them.

The buying side (`cart.services`, `cart.pricing`, `cart.checkout`) applies the codes; this module
only keeps them valid. Writes never touch `uses`: checkout counts a use with a conditional
`UPDATE … uses = uses + 1` (R32), so a change saved here locks the row and leaves that column
alone rather than writing back a count read earlier.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, QuerySet

from proofsheet.accounts.models import User
from proofsheet.accounts.services import seller_required
from proofsheet.cart.models import Discount, DiscountKind, DiscountUse
from proofsheet.catalog.models import ProductKind
from proofsheet.core.cleaning import fields_check, number_parse, whole_clean
from proofsheet.core.dates import as_utc
from proofsheet.core.errors import Conflict, Invalid, NotFound
from proofsheet.core.models import public_id_get
from proofsheet.core.money import amount_clean, currency_clean, percent_clean
from proofsheet.galleries.models import Gallery
from proofsheet.galleries.selectors import gallery_get_owned

CODE = re.compile(r"^[A-Z0-9][A-Z0-9_-]{1,39}$")
MAX_LIMIT = 1_000_000
FIELDS = {
    "code", "kind", "value", "currency", "min_order", "starts_at", "ends_at", "max_uses",
    "max_uses_per_customer", "gallery", "product_kinds", "active",
}  # fmt: skip


# --- cleaning ------------------------------------------------------------------------------------


def _code(value) -> str:
    code = str(value or "").strip().upper()
    if not code:
        raise Invalid({"code": "Enter a code, such as SUMMER10."})
    if not CODE.match(code):
        raise Invalid(
            {
                "code": "A code has 2 to 40 characters: letters A–Z, digits, “-” and “_”, "
                "starting with a letter or digit."
            }
        )
    return code


def _is_zero(value) -> bool:
    return value in (None, "") or number_parse(value) == 0


def _limit(value, field: str) -> int | None:
    if value in (None, ""):
        return None
    return whole_clean(value, field=field, label="A limit", low=1, high=MAX_LIMIT)


def _product_kinds(value) -> list[str]:
    if value in (None, ""):
        return []
    if isinstance(value, str):
        value = [value]
    kinds = []
    for kind in value:
        kind = str(kind).strip().lower()
        if kind not in ProductKind.values:
            raise Invalid(
                {"product_kinds": f"Product kinds are {' and '.join(ProductKind.values)}."}
            )
        if kind not in kinds:
            kinds.append(kind)
    # Both kinds is everything: store it as "all" so new kinds are covered too.
    return [] if set(kinds) == set(ProductKind.values) else sorted(kinds)


def _gallery(owner: User, value) -> Gallery | None:
    """The owner's gallery for a scope: a Gallery or its public id; anyone else's is a 404."""
    if value in (None, ""):
        return None
    if isinstance(value, Gallery):
        if value.owner_id != owner.pk:
            raise NotFound("No such gallery.")
        return value
    gallery = gallery_get_owned(owner, value)
    if gallery is None:
        raise NotFound("No such gallery.")
    return gallery


def _clean(discount: Discount) -> None:
    """Normalise and check every field of `discount` (not `uses`, which checkout owns)."""
    discount.code = _code(discount.code)
    if discount.kind not in DiscountKind.values:
        raise Invalid({"kind": "Choose percentage off, a fixed amount off or free shipping."})
    discount.currency = currency_clean(discount.currency, optional=True)
    min_order = discount.min_order
    needs_currency = discount.kind == DiscountKind.FIXED or not _is_zero(min_order)
    if needs_currency and not discount.currency:
        what = "the amount off" if discount.kind == DiscountKind.FIXED else "the minimum order"
        raise Invalid({"currency": f"Choose the currency of {what}."})
    if discount.kind == DiscountKind.PERCENT:
        discount.value = percent_clean(discount.value, field="value", above_low=True)
    elif discount.kind == DiscountKind.FIXED:
        discount.value = amount_clean(
            discount.value, discount.currency, field="value", empty_is_zero=True
        )
        if discount.value <= 0:
            raise Invalid({"value": "A fixed amount off is more than 0."})
    else:
        discount.value = Decimal(0)
    discount.min_order = amount_clean(
        min_order, discount.currency or "EUR", field="min_order", empty_is_zero=True
    )
    if discount.kind != DiscountKind.FIXED and discount.min_order == 0:
        # A currency only means something beside an amount: drop it so no order trips on it.
        discount.currency = ""
    discount.starts_at = as_utc(discount.starts_at, "starts_at")
    discount.ends_at = as_utc(discount.ends_at, "ends_at")
    if discount.starts_at and discount.ends_at and discount.starts_at >= discount.ends_at:
        raise Invalid({"ends_at": "The code must end after it starts."})
    discount.max_uses = _limit(discount.max_uses, "max_uses")
    discount.max_uses_per_customer = _limit(discount.max_uses_per_customer, "max_uses_per_customer")
    if (
        discount.max_uses is not None
        and discount.max_uses_per_customer is not None
        and discount.max_uses_per_customer > discount.max_uses
    ):
        raise Invalid(
            {"max_uses_per_customer": "The limit per customer cannot be above the total limit."}
        )
    discount.product_kinds = _product_kinds(discount.product_kinds)
    discount.active = bool(discount.active)


def _clash(owner_id: int, code: str, exclude_pk=None) -> None:
    clash = Discount.objects.filter(owner_id=owner_id, code=code)
    if exclude_pk is not None:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        raise Invalid({"code": f"You already have a code {code}: choose another."})


def _used(discount: Discount) -> bool:
    return discount.uses > 0 or DiscountUse.objects.filter(discount=discount).exists()


# --- writes --------------------------------------------------------------------------------------


def discount_create(
    *,
    owner: User,
    code: str,
    kind: str,
    value=0,
    currency: str = "",
    min_order=0,
    starts_at=None,
    ends_at=None,
    max_uses=None,
    max_uses_per_customer=None,
    gallery=None,
    product_kinds=(),
    active: bool = True,
) -> Discount:
    """Create a discount code (stored upper-case, unique among the owner's codes)."""
    seller_required(owner)
    discount = Discount(
        owner=owner,
        code=code,
        kind=kind,
        value=value,
        currency=currency,
        min_order=min_order,
        starts_at=starts_at,
        ends_at=ends_at,
        max_uses=max_uses,
        max_uses_per_customer=max_uses_per_customer,
        gallery=_gallery(owner, gallery),
        product_kinds=list(product_kinds or ()),
        active=active,
    )
    _clean(discount)
    _clash(owner.pk, discount.code)
    try:
        with transaction.atomic():
            discount.save()
    except IntegrityError:  # a concurrent create with the same code
        raise Invalid(
            {"code": f"You already have a code {discount.code}: choose another."}
        ) from None
    return discount


def discount_update(*, discount: Discount, **fields: Any) -> Discount:
    """Change some of a code's fields; the others keep their values. `uses` is never written."""
    fields_check(fields, FIELDS, "discount")
    owner = discount.owner
    if "gallery" in fields:
        fields["gallery"] = _gallery(owner, fields["gallery"])
    if "product_kinds" in fields:
        fields["product_kinds"] = list(fields["product_kinds"] or ())
    try:
        with transaction.atomic():
            locked = Discount.objects.select_for_update().get(pk=discount.pk)
            original_code, original_kind = locked.code, locked.kind
            for name, value in fields.items():
                setattr(locked, name, value)
            if (
                locked.kind != original_kind
                and locked.kind != DiscountKind.FREE_SHIPPING
                and "value" not in fields
            ):
                # The old kind's value under a new kind (10 % → 10 EUR off) is rarely meant.
                raise Invalid({"value": "Give the value for the new kind of code."})
            _clean(locked)
            if locked.code != original_code:
                if _used(locked):
                    raise Invalid(
                        {
                            "code": f"{original_code} has been used, and orders refer to it: "
                            "its text cannot change. Create a new code instead."
                        }
                    )
                _clash(locked.owner_id, locked.code, exclude_pk=locked.pk)
            if locked.max_uses is not None and locked.max_uses < locked.uses:
                raise Invalid(
                    {
                        "max_uses": f"The code has been used {locked.uses} times: the limit "
                        f"cannot be lower."
                    }
                )
            locked.save(update_fields=sorted(FIELDS | {"updated_at"}))
    except IntegrityError:
        raise Invalid({"code": "You already have a code like that: choose another."}) from None
    for name in FIELDS | {"uses", "updated_at"}:
        setattr(discount, name, getattr(locked, name))
    return discount


def discount_disable(*, discount: Discount) -> Discount:
    """Stop a code working from now on (carts holding it lose it at checkout); keeps its history."""
    return discount_update(discount=discount, active=False)


def discount_enable(*, discount: Discount) -> Discount:
    return discount_update(discount=discount, active=True)


def discount_delete(*, discount: Discount) -> None:
    """Delete a code never used; a used code is disabled instead (its orders refer to it)."""
    with transaction.atomic():
        locked = Discount.objects.select_for_update().filter(pk=discount.pk).first()
        if locked is None:
            return
        if _used(locked):
            raise Conflict(
                f"{locked.code} has been used in orders, so it cannot be deleted: "
                "disable it instead.",
                code="in_use",
            )
        locked.delete()


# --- reads ---------------------------------------------------------------------------------------


def discounts_owned_by(user: User) -> QuerySet[Discount]:
    """The user's codes, active first then by code, with their gallery and use counts."""
    return (
        Discount.objects.filter(owner=user)
        .select_related("gallery")
        .annotate(use_count=Count("uses_log"))
        .order_by("-active", "code", "id")
    )


def discount_get_owned(user: User, public_id) -> Discount | None:
    """One of the user's codes by public id (anyone else's, or no such id: None, a 404)."""
    return public_id_get(Discount.objects.filter(owner=user).select_related("gallery"), public_id)


def discount_uses_left(discount: Discount) -> int | None:
    """How many more orders can use the code (None: no total limit)."""
    if discount.max_uses is None:
        return None
    return max(discount.max_uses - discount.uses, 0)


def discount_gallery_choices(user: User) -> QuerySet[Gallery]:
    """The galleries a code of this user can be limited to (their own), by title."""
    return Gallery.objects.filter(owner=user).only("public_id", "title").order_by("title", "id")
