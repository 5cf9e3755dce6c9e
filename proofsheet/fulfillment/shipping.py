"""The photographer's shipping methods and their rates: writes and the reads behind them.

A method (standard, expedited, pickup) has one currency; each rate covers some countries (ISO
3166-1 alpha-2, upper-case) or, with no countries, everywhere the other rates do not — at most
one such catch-all per method. A country sits in at most one rate of a method, so what a parcel
costs never depends on which rate happens to be read first. Orders keep the method's name, not a
link to it, so a method can always be deleted.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Prefetch, QuerySet

from proofsheet.accounts.models import User
from proofsheet.accounts.services import seller_required
from proofsheet.catalog.models import PriceSheet, ProductKind
from proofsheet.core.cleaning import fields_check
from proofsheet.core.errors import Invalid
from proofsheet.core.models import public_id_get
from proofsheet.core.money import amount_clean, currency_change_check, currency_clean
from proofsheet.fulfillment.models import ShippingKind, ShippingMethod, ShippingRate

COUNTRY = re.compile(r"^[A-Z]{2}$")
MAX_COUNTRIES = 250
METHOD_FIELDS = {"name", "kind", "currency", "active"}
RATE_FIELDS = {"countries", "first_item", "additional_item", "per_kg"}
AMOUNTS = ("first_item", "additional_item", "per_kg")


# --- cleaning ------------------------------------------------------------------------------------


def _name(value) -> str:
    name = str(value or "").strip()
    if not name:
        raise Invalid({"name": "Give the method a name, such as “Standard post”."})
    if len(name) > 80:
        raise Invalid({"name": "A name has at most 80 characters."})
    return name


def _kind(value) -> str:
    kind = str(value or "").strip().lower()
    if kind not in ShippingKind.values:
        raise Invalid({"kind": "Choose standard, expedited or pickup."})
    return kind


def parse_countries(value) -> list[str]:
    """`"fr, de BE"` or `["fr", "DE"]` → `["BE", "DE", "FR"]`; nothing → `[]` (everywhere else)."""
    if value is None:
        return []
    items = re.split(r"[\s,;]+", value) if isinstance(value, str) else list(value)
    countries = set()
    for item in items:
        code = str(item).strip().upper()
        if not code:
            continue
        if not COUNTRY.match(code):
            raise Invalid(
                {"countries": f"“{item}” is not a two-letter country code (such as FR or US)."}
            )
        countries.add(code)
    if len(countries) > MAX_COUNTRIES:
        raise Invalid({"countries": f"At most {MAX_COUNTRIES} countries in one rate."})
    return sorted(countries)


def _clean_rate(rate: ShippingRate, currency: str) -> None:
    rate.countries = parse_countries(rate.countries)
    for field in AMOUNTS:
        amount = amount_clean(getattr(rate, field), currency, field=field, empty_is_zero=True)
        setattr(rate, field, amount)
    others = ShippingRate.objects.filter(method_id=rate.method_id).exclude(pk=rate.pk)
    if not rate.countries:
        if any(not other for other in others.values_list("countries", flat=True)):
            raise Invalid(
                {
                    "countries": "This method already has a rate for everywhere else: "
                    "give this one its countries, or change that one."
                }
            )
        return
    taken = sorted(
        {c for other in others.values_list("countries", flat=True) for c in other}
        & set(rate.countries)
    )
    if taken:
        raise Invalid({"countries": f"{', '.join(taken)} already in another rate of this method."})


# --- methods -------------------------------------------------------------------------------------


def shipping_method_create(
    *, owner: User, name: str, kind: str = ShippingKind.STANDARD, currency: str = "EUR",
    active: bool = True,
) -> ShippingMethod:  # fmt: skip
    """A shipping method in one currency (add its rates next: without one it ships nowhere)."""
    seller_required(owner)
    return ShippingMethod.objects.create(
        owner=owner,
        name=_name(name),
        kind=_kind(kind),
        currency=currency_clean(currency),
        active=bool(active),
    )


def shipping_method_update(*, method: ShippingMethod, **fields: Any) -> ShippingMethod:
    """Rename, change kind or currency (its rates must fit the currency), or switch it on/off."""
    fields_check(fields, METHOD_FIELDS, "shipping method")
    clean: dict[str, Any] = {}
    if "name" in fields:
        clean["name"] = _name(fields["name"])
    if "kind" in fields:
        clean["kind"] = _kind(fields["kind"])
    if "currency" in fields:
        clean["currency"] = currency_clean(fields["currency"])
        if clean["currency"] != method.currency:
            amounts = [getattr(rate, f) for rate in method.rates.all() for f in AMOUNTS]
            currency_change_check(amounts, clean["currency"], what="rates")
    if "active" in fields:
        clean["active"] = bool(fields["active"])
    for name, value in clean.items():
        setattr(method, name, value)
    method.save()
    return method


def shipping_method_delete(*, method: ShippingMethod) -> None:
    """Delete a method and its rates (orders keep the method's name, not a link)."""
    method.delete()


# --- rates ---------------------------------------------------------------------------------------


def shipping_rate_create(
    *, method: ShippingMethod, countries=(), first_item=0, additional_item=0, per_kg=0
) -> ShippingRate:
    """A rate for some countries (none: everywhere else), in the method's currency."""
    rate = ShippingRate(
        method=method,
        countries=countries,
        first_item=first_item,
        additional_item=additional_item,
        per_kg=per_kg,
    )
    with transaction.atomic():
        # Lock the method so two concurrent rates cannot both take a country or the catch-all.
        ShippingMethod.objects.select_for_update().filter(pk=method.pk).first()
        _clean_rate(rate, method.currency)
        rate.save()
    return rate


def shipping_rate_update(*, rate: ShippingRate, **fields: Any) -> ShippingRate:
    fields_check(fields, RATE_FIELDS, "shipping rate")
    method = rate.method
    with transaction.atomic():
        ShippingMethod.objects.select_for_update().filter(pk=method.pk).first()
        for name, value in fields.items():
            setattr(rate, name, value)
        try:
            _clean_rate(rate, method.currency)
        except Invalid:
            rate.refresh_from_db()
            raise
        rate.save()
    return rate


def shipping_rate_delete(*, rate: ShippingRate) -> None:
    rate.delete()


# --- reads ---------------------------------------------------------------------------------------


def _rates_in_order() -> Prefetch:
    return Prefetch("rates", queryset=ShippingRate.objects.order_by("created_at", "id"))


def shipping_methods_owned_by(user: User) -> QuerySet[ShippingMethod]:
    """The user's methods (by name) with their rates prefetched."""
    return ShippingMethod.objects.filter(owner=user).prefetch_related(_rates_in_order())


def shipping_methods_for_sale(owner: User, currency: str) -> QuerySet[ShippingMethod]:
    """The seller's methods a cart in `currency` can use: active, same currency, with a rate."""
    return (
        ShippingMethod.objects.filter(owner=owner, active=True, currency=currency.upper())
        .filter(rates__isnull=False)
        .distinct()
        .prefetch_related(_rates_in_order())
    )


@dataclass(frozen=True)
class ShippingGap:
    """Prints on sale in a currency no shipping method can deliver in: checkout refuses them."""

    code: str  # "no_shipping_method", or "no_shipping_rate" (a method but no rate)
    currency: str
    sheets: tuple[PriceSheet, ...]  # the sheets, used by galleries, with active prints
    problem: str
    action: str  # what to do, the link's words

    @property
    def message(self) -> str:
        return f"{self.problem} {self.action}."


def print_sales_without_shipping(owner: User) -> list[ShippingGap]:
    """Per currency: the owner's sheets selling prints (an active print, used by a gallery)
    while no active method with a rate in that currency exists, so clients cannot check out."""
    on_sale = (
        PriceSheet.objects.filter(
            owner=owner,
            galleries__isnull=False,
            products__kind=ProductKind.PRINT,
            products__active=True,
        )
        .distinct()
        .order_by("currency", "name", "id")
    )
    by_currency: dict[str, list[PriceSheet]] = {}
    for sheet in on_sale:
        by_currency.setdefault(sheet.currency, []).append(sheet)
    if not by_currency:
        return []
    active = ShippingMethod.objects.filter(owner=owner, active=True)
    usable = set(active.filter(rates__isnull=False).values_list("currency", flat=True))
    rateless = Counter(active.filter(rates__isnull=True).values_list("currency", flat=True))
    missing = [currency for currency in by_currency if currency not in usable]
    # Name the currency only when it is not the whole story ("no method" while one exists).
    named = bool(usable) or len(missing) > 1
    gaps = []
    for currency in missing:
        sheets = tuple(by_currency[currency])
        if currency in rateless:
            gaps.append(
                ShippingGap(
                    code="no_shipping_rate",
                    currency=currency,
                    sheets=sheets,
                    problem="Your prints are on sale but your shipping "
                    + ("methods" if rateless[currency] > 1 else "method")
                    + f" in {currency} "
                    + ("have" if rateless[currency] > 1 else "has")
                    + " no rates: clients cannot check out prints.",
                    action="Add a shipping rate",
                )
            )
            continue
        where = f" in {currency}" if named else ""
        gaps.append(
            ShippingGap(
                code="no_shipping_method",
                currency=currency,
                sheets=sheets,
                problem=f"Your prints are on sale but you have no shipping method{where}: "
                "clients cannot check out prints.",
                action=f"Add a shipping method{where}",
            )
        )
    return gaps


def print_sales_without_shipping_for_sheet(sheet: PriceSheet) -> list[ShippingGap]:
    """The gaps above that concern `sheet` (at most one: its currency's)."""
    return [
        gap
        for gap in print_sales_without_shipping(sheet.owner)
        if any(s.pk == sheet.pk for s in gap.sheets)
    ]


def shipping_method_get_owned(user: User, public_id) -> ShippingMethod | None:
    return public_id_get(shipping_methods_owned_by(user), public_id)


def shipping_rate_get_owned(user: User, public_id) -> ShippingRate | None:
    rates = ShippingRate.objects.filter(method__owner=user).select_related("method")
    return public_id_get(rates, public_id)
