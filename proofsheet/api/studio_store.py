"""/api/v1 endpoints for the photographer's shop: discount codes, shipping methods and rates,
store settings (tax-inclusive prices, payment instructions) and tax rules.

Amounts go out as strings quantised to the currency ("7.50", "800" for JPY) and come in as
numbers or strings; `cart.discounts` and `fulfillment.shipping` check them. Another
photographer's code, gallery, method or rate is a 404.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal
from uuid import UUID

from ninja import Router, Schema, Status
from pydantic import AwareDatetime, Field

from proofsheet.api import common
from proofsheet.api.common import ErrorOut, Input, seller
from proofsheet.cart import discounts
from proofsheet.cart.models import Discount, DiscountKind
from proofsheet.catalog import selectors as catalog_selectors
from proofsheet.catalog import store
from proofsheet.catalog.models import TaxRule
from proofsheet.core.money import CURRENCIES
from proofsheet.fulfillment import shipping
from proofsheet.fulfillment.models import ShippingMethod, ShippingRate
from proofsheet.payments import selectors as payment_selectors
from proofsheet.payments import services as payment_services

router = Router(tags=["discounts, shipping and tax"])

Currency = Literal[CURRENCIES]  # type: ignore[valid-type]
Amount = Annotated[Decimal, Field(description='An amount such as 12.50 (or "12.50").')]
KindValue = Literal["percent", "fixed", "free_shipping"]
ProductKindValue = Literal["print", "digital"]
Limit = Annotated[int, Field(ge=1, le=discounts.MAX_LIMIT)]
Code = Annotated[str, Field(max_length=40)]
ShippingKindValue = Literal["standard", "expedited", "pickup"]
Countries = Annotated[
    list[Annotated[str, Field(max_length=2)]],
    Field(
        max_length=shipping.MAX_COUNTRIES, description="ISO 3166-1 alpha-2; [] = everywhere else"
    ),
]
W = common.errors(403, 404, 422)


owned_discount = common.owned(discounts.discount_get_owned)
owned_method = common.owned(shipping.shipping_method_get_owned)
owned_rate = common.owned(shipping.shipping_rate_get_owned)
owned_rule = common.owned(catalog_selectors.tax_rule_get_owned)


# --- schemas -------------------------------------------------------------------------------------


class DiscountOut(Schema):
    id: UUID
    code: str
    kind: str
    value: str = Field(description="Percent for `percent`, an amount in `currency` for `fixed`")
    currency: str | None
    min_order: str
    starts_at: dt.datetime | None
    ends_at: dt.datetime | None
    max_uses: int | None
    max_uses_per_customer: int | None
    uses: int
    uses_left: int | None
    gallery_id: UUID | None
    product_kinds: list[str] = Field(description="[] = prints and downloads")
    active: bool
    created_at: dt.datetime


class DiscountIn(Input):
    code: Code
    kind: KindValue
    value: Amount = Decimal(0)
    currency: Currency | None = None
    min_order: Amount = Decimal(0)
    starts_at: AwareDatetime | None = None
    ends_at: AwareDatetime | None = None
    max_uses: Limit | None = None
    max_uses_per_customer: Limit | None = None
    gallery_id: UUID | None = Field(None, description="One of your galleries; null: all")
    product_kinds: list[ProductKindValue] = Field(default_factory=list, max_length=2)
    active: bool = True


class DiscountPatch(Input):
    code: Code | None = None
    kind: KindValue | None = None
    value: Amount | None = None
    currency: Currency | None = None
    min_order: Amount | None = None
    starts_at: AwareDatetime | None = None
    ends_at: AwareDatetime | None = None
    max_uses: Limit | None = None
    max_uses_per_customer: Limit | None = None
    gallery_id: UUID | None = None
    product_kinds: list[ProductKindValue] | None = Field(None, max_length=2)
    active: bool | None = None


class RateOut(Schema):
    id: UUID
    countries: list[str]
    first_item: str
    additional_item: str
    per_kg: str


class MethodOut(Schema):
    id: UUID
    name: str
    kind: str
    currency: str
    active: bool
    rates: list[RateOut]


class MethodIn(Input):
    name: Annotated[str, Field(max_length=80)]
    kind: ShippingKindValue = "standard"
    currency: Currency = "EUR"
    active: bool = True


class MethodPatch(Input):
    name: Annotated[str, Field(max_length=80)] | None = None
    kind: ShippingKindValue | None = None
    currency: Currency | None = None
    active: bool | None = None


class RateIn(Input):
    countries: Countries = Field(default_factory=list)
    first_item: Amount = Decimal(0)
    additional_item: Amount = Decimal(0)
    per_kg: Amount = Decimal(0)


class RatePatch(Input):
    countries: Countries | None = None
    first_item: Amount | None = None
    additional_item: Amount | None = None
    per_kg: Amount | None = None


# --- rendering -----------------------------------------------------------------------------------


def discount_out(discount: Discount) -> DiscountOut:
    currency = discount.currency or None
    if discount.kind == DiscountKind.FIXED and currency:
        value = common.money_text(discount.value, currency)
    else:
        value = common.plain_number(discount.value)
    return DiscountOut(
        id=discount.public_id,
        code=discount.code,
        kind=discount.kind,
        value=value,
        currency=currency,
        min_order=common.money_text(discount.min_order, currency) if currency else "0",
        starts_at=discount.starts_at,
        ends_at=discount.ends_at,
        max_uses=discount.max_uses,
        max_uses_per_customer=discount.max_uses_per_customer,
        uses=discount.uses,
        uses_left=discounts.discount_uses_left(discount),
        gallery_id=discount.gallery.public_id if discount.gallery_id else None,
        product_kinds=list(discount.product_kinds or []),
        active=discount.active,
        created_at=discount.created_at,
    )


def rate_out(rate: ShippingRate, currency: str) -> RateOut:
    return RateOut(
        id=rate.public_id,
        countries=list(rate.countries),
        first_item=common.money_text(rate.first_item, currency),
        additional_item=common.money_text(rate.additional_item, currency),
        per_kg=common.money_text(rate.per_kg, currency),
    )


def method_out(method: ShippingMethod) -> MethodOut:
    return MethodOut(
        id=method.public_id,
        name=method.name,
        kind=method.kind,
        currency=method.currency,
        active=method.active,
        rates=[rate_out(r, method.currency) for r in method.rates.order_by("created_at", "id")],
    )


def _discount_fields(payload: Input, *, partial: bool) -> dict:
    fields = payload.dict(exclude_unset=partial)
    if "gallery_id" in fields:
        fields["gallery"] = fields.pop("gallery_id")
    if partial:
        # null for a limit, a date, the gallery or the currency clears it; null elsewhere means
        # "leave as it is".
        clearable = {
            "starts_at", "ends_at", "max_uses", "max_uses_per_customer", "gallery", "currency",
        }  # fmt: skip
        fields = {k: v for k, v in fields.items() if v is not None or k in clearable}
    return fields


# --- discount codes ------------------------------------------------------------------------------


@router.get("/discounts", response={200: list[DiscountOut], 403: ErrorOut}, summary="Your codes")
def list_discounts(request):
    return [discount_out(d) for d in discounts.discounts_owned_by(seller(request))]


@router.post(
    "/discounts",
    response={201: DiscountOut} | W,
    summary="Create a discount code: percent, fixed amount or free shipping",
)
def create_discount(request, payload: DiscountIn):
    owner = seller(request)
    discount = discounts.discount_create(owner=owner, **_discount_fields(payload, partial=False))
    return Status(201, discount_out(discount))


@router.get("/discounts/{discount_id}", response={200: DiscountOut, 403: ErrorOut, 404: ErrorOut})
def get_discount(request, discount_id: UUID):
    return discount_out(owned_discount(request, discount_id))


@router.patch(
    "/discounts/{discount_id}",
    response={200: DiscountOut} | W,
    summary="Change some fields of a code (null clears a date, a limit or the gallery)",
)
def update_discount(request, discount_id: UUID, payload: DiscountPatch):
    discount = owned_discount(request, discount_id)
    discounts.discount_update(discount=discount, **_discount_fields(payload, partial=True))
    return discount_out(discount)


@router.post(
    "/discounts/{discount_id}/disable",
    response={200: DiscountOut} | W,
    summary="Stop a code working (PATCH active: true enables it again)",
)
def disable_discount(request, discount_id: UUID):
    discount = owned_discount(request, discount_id)
    discounts.discount_disable(discount=discount)
    return discount_out(discount)


@router.delete(
    "/discounts/{discount_id}",
    response={204: None, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    summary="Delete a code never used (409 for a used code: disable it instead)",
)
def delete_discount(request, discount_id: UUID):
    discounts.discount_delete(discount=owned_discount(request, discount_id))
    return Status(204, None)


# --- shipping ------------------------------------------------------------------------------------


@router.get(
    "/shipping-methods",
    response={200: list[MethodOut], 403: ErrorOut},
    summary="Your shipping methods with their rates",
)
def list_methods(request):
    return [method_out(m) for m in shipping.shipping_methods_owned_by(seller(request))]


@router.post(
    "/shipping-methods",
    response={201: MethodOut, 422: ErrorOut, 403: ErrorOut},
    summary="Create a shipping method (standard, expedited or pickup) in one currency",
)
def create_method(request, payload: MethodIn):
    method = shipping.shipping_method_create(owner=seller(request), **payload.dict())
    return Status(201, method_out(method))


@router.get(
    "/shipping-methods/{method_id}", response={200: MethodOut, 403: ErrorOut, 404: ErrorOut}
)
def get_method(request, method_id: UUID):
    return method_out(owned_method(request, method_id))


@router.patch(
    "/shipping-methods/{method_id}",
    response={200: MethodOut} | W,
    summary="Rename, change kind or currency (its rates must fit it), or switch it on or off",
)
def update_method(request, method_id: UUID, payload: MethodPatch):
    method = owned_method(request, method_id)
    fields = {k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None}
    shipping.shipping_method_update(method=method, **fields)
    return method_out(method)


@router.delete(
    "/shipping-methods/{method_id}",
    response={204: None, 403: ErrorOut, 404: ErrorOut},
    summary="Delete a method and its rates (placed orders keep its name)",
)
def delete_method(request, method_id: UUID):
    shipping.shipping_method_delete(method=owned_method(request, method_id))
    return Status(204, None)


@router.post(
    "/shipping-methods/{method_id}/rates",
    response={201: RateOut} | W,
    summary="Add a rate for some countries ([] = everywhere else, once per method)",
)
def create_rate(request, method_id: UUID, payload: RateIn):
    method = owned_method(request, method_id)
    rate = shipping.shipping_rate_create(method=method, **payload.dict())
    return Status(201, rate_out(rate, method.currency))


@router.patch("/shipping-rates/{rate_id}", response={200: RateOut} | W, summary="Change a rate")
def update_rate(request, rate_id: UUID, payload: RatePatch):
    rate = owned_rate(request, rate_id)
    fields = {k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None}
    shipping.shipping_rate_update(rate=rate, **fields)
    return rate_out(rate, rate.method.currency)


@router.delete("/shipping-rates/{rate_id}", response={204: None, 403: ErrorOut, 404: ErrorOut})
def delete_rate(request, rate_id: UUID):
    shipping.shipping_rate_delete(rate=owned_rate(request, rate_id))
    return Status(204, None)


# --- store settings and tax rules ----------------------------------------------------------------


ClientPaymentIn = Literal["", "offline", "card", "both"]


class StoreOut(Schema):
    prices_include_tax: bool
    payment_instructions: str
    client_payment: str = Field(
        description='How clients pay as set: "offline", "card", "both", or "" (the default: '
        "card when the site has a card provider, else offline)."
    )
    client_payment_now: str = Field(
        description='How clients pay now: "offline", "card" or "both" (offline when the site '
        "has no card provider)."
    )
    cards_available: bool = Field(description="Whether the site has a card provider (Stripe).")


class StoreIn(Input):
    prices_include_tax: bool | None = None
    payment_instructions: Annotated[str, Field(max_length=store.MAX_INSTRUCTIONS)] | None = None
    client_payment: ClientPaymentIn | None = Field(
        None, description='"card" and "both" are refused (422) without a card provider.'
    )


Rate = Annotated[Decimal, Field(ge=0, le=100, description="Percent, such as 19 or 8.875.")]


class TaxRuleIn(Input):
    country: Annotated[str, Field(max_length=2)]
    region: Annotated[str, Field(max_length=10)] = ""
    physical_rate: Rate = Decimal(0)
    digital_rate: Rate = Decimal(0)


class TaxRulePatch(Input):
    country: Annotated[str, Field(max_length=2)] | None = None
    region: Annotated[str, Field(max_length=10)] | None = None
    physical_rate: Rate | None = None
    digital_rate: Rate | None = None


class TaxRuleOut(Schema):
    id: UUID
    country: str
    region: str
    physical_rate: str
    digital_rate: str


def rule_out(rule: TaxRule) -> TaxRuleOut:
    return TaxRuleOut(
        id=rule.public_id,
        country=rule.country,
        region=rule.region,
        physical_rate=common.plain_number(rule.physical_rate),
        digital_rate=common.plain_number(rule.digital_rate),
    )


def _store_out(settings) -> StoreOut:
    return StoreOut(
        prices_include_tax=settings.prices_include_tax,
        payment_instructions=settings.payment_instructions,
        client_payment=settings.client_payment,
        client_payment_now=payment_selectors.client_payment_mode(settings.owner),
        cards_available=bool(payment_selectors.card_provider_name()),
    )


@router.get("/store/settings", response={200: StoreOut, 403: ErrorOut})
def get_store(request):
    return _store_out(catalog_selectors.store_settings_for(seller(request)))


@router.put(
    "/store/settings",
    response={200: StoreOut, 422: ErrorOut, 403: ErrorOut},
    summary="Tax-inclusive prices, how clients pay and the offline payment instructions",
)
def put_store(request, payload: StoreIn):
    settings = payment_services.store_settings_update(
        owner=seller(request), **payload.dict(exclude_unset=True)
    )
    return _store_out(settings)


@router.get("/store/tax-rules", response={200: list[TaxRuleOut], 403: ErrorOut})
def list_tax_rules(request):
    return [rule_out(r) for r in catalog_selectors.tax_rules_of(seller(request))]


@router.post(
    "/store/tax-rules",
    response={201: TaxRuleOut, 422: ErrorOut, 403: ErrorOut},
    summary="A tax rate for a country (ISO alpha-2) or one of its regions",
)
def create_tax_rule(request, payload: TaxRuleIn):
    rule = store.tax_rule_create(owner=seller(request), **payload.dict())
    return Status(201, rule_out(rule))


@router.patch("/store/tax-rules/{rule_id}", response={200: TaxRuleOut} | W)
def update_tax_rule(request, rule_id: UUID, payload: TaxRulePatch):
    rule = owned_rule(request, rule_id)
    store.tax_rule_update(rule=rule, **payload.dict(exclude_unset=True))
    return rule_out(rule)


@router.delete("/store/tax-rules/{rule_id}", response={204: None, 403: ErrorOut, 404: ErrorOut})
def delete_tax_rule(request, rule_id: UUID):
    store.tax_rule_delete(rule=owned_rule(request, rule_id))
    return Status(204, None)
