"""The seller's store settings (tax-inclusive prices, payment instructions) and tax rules (a rate
per country or region, physical and digital goods apart). `cart.pricing` reads them."""

from __future__ import annotations

import re
from typing import Any

from django.db import IntegrityError, transaction

from proofsheet.accounts.models import User
from proofsheet.accounts.services import seller_required
from proofsheet.catalog.models import ClientPayment, StoreSettings, TaxRule
from proofsheet.core.cleaning import fields_check
from proofsheet.core.errors import Invalid
from proofsheet.core.money import percent_clean

MAX_INSTRUCTIONS = 5000
COUNTRY = re.compile(r"^[A-Z]{2}$")
REGION = re.compile(r"^[A-Z0-9]{1,3}$")
TAX_RULE_FIELDS = {"country", "region", "physical_rate", "digital_rate"}


def store_settings_update(
    *,
    owner: User,
    prices_include_tax: bool | None = None,
    payment_instructions: str | None = None,
    client_payment: str | None = None,
) -> StoreSettings:
    """Change the seller's shop-wide choices.

    Whether a card choice (`client_payment` "card" or "both") can work is the payments layer's
    question: interfaces go through `payments.services.store_settings_update`, which asks it.
    """
    seller_required(owner)
    store, _ = StoreSettings.objects.get_or_create(owner=owner)
    if client_payment is not None:
        if client_payment not in ClientPayment.values:
            raise Invalid(
                {"client_payment": "Choose offline, card, both, or nothing for the default."}
            )
        store.client_payment = client_payment
    if prices_include_tax is not None:
        store.prices_include_tax = bool(prices_include_tax)
    if payment_instructions is not None:
        text = payment_instructions.strip()
        if len(text) > MAX_INSTRUCTIONS:
            raise Invalid({"payment_instructions": f"At most {MAX_INSTRUCTIONS} characters."})
        store.payment_instructions = text
    store.save()
    return store


# --- tax rules -----------------------------------------------------------------------------------


def _clean_tax_rule(rule: TaxRule) -> None:
    rule.country = (rule.country or "").strip().upper()
    if not COUNTRY.match(rule.country):
        raise Invalid({"country": "Give the country as its two-letter code, such as DE."})
    rule.region = (rule.region or "").strip().upper()
    if rule.region.startswith(f"{rule.country}-"):
        rule.region = rule.region[3:]
    if rule.region and not REGION.match(rule.region):
        raise Invalid(
            {"region": "Give the region as its ISO 3166-2 code, such as CA for US-CA, or nothing."}
        )
    for field in ("physical_rate", "digital_rate"):
        rate = percent_clean(getattr(rule, field), field=field, what="a tax rate", places=3)
        setattr(rule, field, rate)
    clash = TaxRule.objects.filter(
        owner_id=rule.owner_id, country=rule.country, region=rule.region
    ).exclude(pk=rule.pk)
    if clash.exists():
        where = rule.country + (f"-{rule.region}" if rule.region else "")
        raise Invalid({"country": f"There is already a rule for {where}."})


def _save_tax_rule(rule: TaxRule) -> TaxRule:
    _clean_tax_rule(rule)
    try:
        with transaction.atomic():
            rule.save()
    except IntegrityError:  # a concurrent twin slipped past the check
        raise Invalid({"country": "There is already a rule for that place."}) from None
    return rule


def tax_rule_create(
    *, owner: User, country: str, region: str = "", physical_rate=0, digital_rate=0
) -> TaxRule:
    """A tax rate for a country (or one of its regions), physical and digital goods apart."""
    seller_required(owner)
    rule = TaxRule(
        owner=owner,
        country=country,
        region=region,
        physical_rate=physical_rate,
        digital_rate=digital_rate,
    )
    return _save_tax_rule(rule)


def tax_rule_update(*, rule: TaxRule, **fields: Any) -> TaxRule:
    """Change some of a rule's fields; the rule is checked whole."""
    fields_check(fields, TAX_RULE_FIELDS, "tax rule")
    for name, value in fields.items():
        setattr(rule, name, value)
    return _save_tax_rule(rule)


def tax_rule_delete(*, rule: TaxRule) -> None:
    rule.delete()
