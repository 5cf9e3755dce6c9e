"""What a cart costs: unit prices, package deals, the discount, shipping and tax (R30, R31).

Two halves. `compute()` is pure: it takes plain inputs (`LineInput`, `PackageDeal`, `DiscountInput`,
`ShippingInput`, tax rates) and returns a `CartPricing`; the property tests drive it directly.
`price_cart()` reads a cart and the seller's catalogue, shipping and tax rules from the database
and calls `compute()`. Nothing here trusts a number from the client: every price is re-read.

Rounding: each unit price is quantised to the currency's minor unit once (`core.money.quantize`,
half away from zero); everything after that is sums of quantised amounts, shares made by
`core.money.allocate` (which adds up exactly) and one quantised tax per line, so

    Σ line totals − discount + shipping + tax (exclusive prices only) == total

holds to the minor unit. Conventions the order keeps (`orders.LineSpec`):

- a line's `total` is what it costs after package deals and before the discount code;
- its `discount` is its share of the code's amount;
- its `tax` is the tax inside (tax-inclusive prices) or on top of (exclusive) `total − discount`;
  a line with no destination yet has none, and `tax_calculated` says so when a rule could apply.

Package deals: a package's units cost the package price (shared over them in proportion to their
regular prices) instead of their own; option surcharges (a frame, a paper) stay on top. Deals are
applied greedily, the biggest saving first, as long as one saves the customer something, and on
the most expensive matching units. Shipping is charged per destination (a line can go to its own
address) on physical lines only, and is not taxed here: the seller's shipping rates are final.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone

from proofsheet.cart.models import Cart, Discount
from proofsheet.catalog.models import Package, PhotoPrice, StoreSettings, TaxRule
from proofsheet.core.errors import Invalid
from proofsheet.core.money import allocate, quantize
from proofsheet.orders.models import ships

ZERO = Decimal(0)

Destination = tuple[str, str]  # (country, region); region may be ""


# --- inputs -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class LineInput:
    """One cart line, with its prices as the catalogue says today."""

    key: Any  # the cart line's id
    product_id: int
    name: str
    kind: str  # catalog.ProductKind
    base_price: Decimal  # the photo's own price if it has one, else the product's
    quantity: int
    option_deltas: tuple[Decimal, ...] = ()
    option_names: tuple[str, ...] = ()
    weight_grams: int = 0
    photo_id: int | None = None
    gallery_id: int | None = None
    resolution: str = ""
    licence: str = ""
    package_line: bool = False  # a whole-gallery package: priced as it is, never in a deal
    destination: Destination | None = None  # its own address, else the order's


@dataclass(frozen=True)
class PackageDeal:
    package_id: int
    name: str
    price: Decimal
    items: tuple[tuple[int, int], ...]  # (product id, quantity)


@dataclass(frozen=True)
class DiscountInput:
    code: str
    kind: str  # cart.DiscountKind
    value: Decimal = ZERO
    min_order: Decimal = ZERO
    gallery_id: int | None = None
    product_kinds: tuple[str, ...] = ()


@dataclass(frozen=True)
class ShippingInput:
    """A method's rates, already matched to each destination country: country → rate."""

    name: str
    rates: dict[str, tuple[Decimal, Decimal, Decimal]]  # (first item, each more, per kg)
    fallback: tuple[Decimal, Decimal, Decimal] | None = None  # the rate with no countries

    def rate_for(self, country: str) -> tuple[Decimal, Decimal, Decimal] | None:
        return self.rates.get(country.upper(), self.fallback)


TaxRates = dict[Destination, tuple[Decimal, Decimal]]  # (country, region) → (physical, digital)


class PricingError(Invalid):
    """The cart cannot be priced as asked (a destination the method does not ship to…)."""


# --- outputs ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PricedLine:
    key: Any
    name: str
    kind: str
    quantity: int
    unit_price: Decimal  # regular price of one unit, options included
    subtotal: Decimal  # unit_price × quantity
    package_saving: Decimal
    total: Decimal  # subtotal − package_saving
    discount: Decimal
    tax: Decimal
    tax_rate: Decimal
    amount: Decimal  # what the line adds to the order total (before shipping)
    options: tuple[str, ...] = ()
    packages: tuple[str, ...] = ()
    photo_id: int | None = None
    gallery_id: int | None = None
    resolution: str = ""
    licence: str = ""
    destination: Destination | None = None
    product_id: int | None = None  # the catalogue product (a package line: its own product)
    covered_by: str = ""  # a whole-gallery package in the cart that already delivers this file

    @property
    def ships(self) -> bool:
        return ships(self.kind)


@dataclass(frozen=True)
class AppliedPackage:
    package_id: int
    name: str
    price: Decimal
    times: int
    saving: Decimal


@dataclass(frozen=True)
class CartPricing:
    currency: str
    prices_include_tax: bool
    lines: tuple[PricedLine, ...]
    packages: tuple[AppliedPackage, ...]
    subtotal: Decimal  # Σ line totals (after package deals)
    package_savings: Decimal
    discount_code: str
    discount_total: Decimal
    free_shipping: bool
    shipping_before_discount: Decimal
    shipping_total: Decimal
    tax_total: Decimal
    total: Decimal
    discount_problem: str = ""  # why a code in the cart gives nothing right now
    needs_shipping: bool = False
    shipping_method: str = ""
    notes: tuple[str, ...] = field(default=())
    # False while a tax rule could still apply to a line whose destination is not known yet:
    # `tax_total` then counts no tax for it, so it is not a number to show.
    tax_calculated: bool = True

    @property
    def is_empty(self) -> bool:
        return not self.lines


# --- the engine -------------------------------------------------------------------------------


def unit_price(line: LineInput, currency: str) -> Decimal:
    return quantize(line.base_price + sum(line.option_deltas, ZERO), currency)


def compute(
    *,
    currency: str,
    lines: list[LineInput],
    prices_include_tax: bool = True,
    packages: Sequence[PackageDeal] = (),
    discount: DiscountInput | None = None,
    shipping: ShippingInput | None = None,
    destination: Destination | None = None,
    tax_rates: TaxRates | None = None,
) -> CartPricing:
    """Price `lines` in `currency`; see the module docstring for the rules."""
    tax_rates = tax_rates or {}
    priced, applied = _line_prices(lines, currency, packages)
    code = _code_effect(discount, lines, [line.total for line in priced], currency)
    where = [line.destination or destination for line in lines]  # its own address, else the order's
    shipping_before = _shipping_cost(shipping, lines, where, currency)
    priced = [
        _with_code_and_tax(
            line, share, _tax_rate(tax_rates, to, line.kind), prices_include_tax, currency
        )
        for line, share, to in zip(priced, code.shares, where, strict=True)
    ]
    needs_shipping = any(ships(line.kind) for line in lines)
    return _cart_pricing(
        priced,
        currency=currency,
        prices_include_tax=prices_include_tax,
        applied=applied,
        code=code,
        shipping_before=shipping_before,
        needs_shipping=needs_shipping,
        shipping_method=shipping.name if shipping is not None and needs_shipping else "",
        tax_calculated=not tax_rates or all(to is not None for to in where),
    )


def _line_prices(
    lines: list[LineInput], currency: str, packages: Sequence[PackageDeal]
) -> tuple[list[PricedLine], list[AppliedPackage]]:
    """Each line at its regular price less its package savings; and the package deals applied."""
    units = [unit_price(line, currency) for line in lines]
    savings, deal_names, applied = _apply_packages(lines, currency, packages)
    covered = _covered_by_whole_gallery(lines)
    priced = [
        _priced_line(line, unit, saving, tuple(names), covered_by)
        for line, unit, saving, names, covered_by in zip(
            lines, units, savings, deal_names, covered, strict=True
        )
    ]
    return priced, applied


def _priced_line(
    line: LineInput, unit: Decimal, saving: Decimal, deals: tuple[str, ...], covered_by: str
) -> PricedLine:
    """`line` after its package deals, before the code and tax (`_with_code_and_tax` adds them)."""
    subtotal = unit * line.quantity
    total = subtotal - saving
    return PricedLine(
        key=line.key,
        name=line.name,
        kind=line.kind,
        quantity=line.quantity,
        unit_price=unit,
        subtotal=subtotal,
        package_saving=saving,
        total=total,
        discount=ZERO,
        tax=ZERO,
        tax_rate=ZERO,
        amount=total,
        options=line.option_names,
        packages=deals,
        photo_id=line.photo_id,
        gallery_id=line.gallery_id,
        resolution=line.resolution,
        licence=line.licence,
        destination=line.destination,
        product_id=line.product_id,
        covered_by=covered_by,
    )


@dataclass(frozen=True)
class _CodeEffect:
    """What the discount code does to a cart: each line's share of it, free shipping, or why
    it gives nothing."""

    code: str
    shares: list[Decimal]
    free_shipping: bool = False
    problem: str = ""


def _code_effect(
    discount: DiscountInput | None, lines: list[LineInput], totals: list[Decimal], currency: str
) -> _CodeEffect:
    """The code's amount shared over the lines it applies to, in proportion to their totals."""
    nothing = [ZERO] * len(lines)
    if discount is None:
        return _CodeEffect("", nothing)
    eligible = [_eligible(line, discount) for line in lines]
    if not any(eligible):
        problem = f"The code {discount.code} does not apply to anything in your cart."
        return _CodeEffect(discount.code, nothing, problem=problem)
    if sum(totals, ZERO) < discount.min_order:
        minimum = quantize(discount.min_order, currency)
        problem = f"The code {discount.code} needs an order of at least {minimum} {currency}."
        return _CodeEffect(discount.code, nothing, problem=problem)
    if discount.kind == "free_shipping":
        return _CodeEffect(discount.code, nothing, free_shipping=True)
    base = sum((total for total, ok in zip(totals, eligible, strict=True) if ok), ZERO)
    amount = _code_amount(discount, base, currency)
    if amount <= 0:
        return _CodeEffect(discount.code, nothing)
    weights = [total if ok else ZERO for total, ok in zip(totals, eligible, strict=True)]
    return _CodeEffect(discount.code, allocate(amount, weights, currency))


def _code_amount(discount: DiscountInput, base: Decimal, currency: str) -> Decimal:
    """A percentage (0 to 100) of `base`, or a fixed amount, never more than `base`."""
    if discount.kind == "percent":
        rate = min(max(discount.value, ZERO), Decimal(100))
        return quantize(base * rate / 100, currency)
    return min(quantize(max(discount.value, ZERO), currency), base)


def _shipping_cost(
    shipping: ShippingInput | None,
    lines: list[LineInput],
    where: list[Destination | None],
    currency: str,
) -> Decimal:
    """What `shipping` charges for the physical lines: one shipment per destination."""
    if shipping is None:
        return ZERO
    shipments: dict[Destination | None, list[LineInput]] = defaultdict(list)
    for line, to in zip(lines, where, strict=True):
        if ships(line.kind):
            shipments[to].append(line)
    costs = (_shipment_cost(shipping, to, group, currency) for to, group in shipments.items())
    return sum(costs, ZERO)


def _shipment_cost(
    shipping: ShippingInput, to: Destination | None, group: list[LineInput], currency: str
) -> Decimal:
    """The first item, each further one and the weight, at the rate for `to`'s country."""
    if to is None:
        raise PricingError("Enter a shipping address.")
    rate = shipping.rate_for(to[0])
    if rate is None:
        raise PricingError(
            f"{shipping.name} does not ship to {to[0].upper()}.", code="shipping_unavailable"
        )
    first, more, per_kg = rate
    count = sum(line.quantity for line in group)
    grams = sum(line.weight_grams * line.quantity for line in group)
    return quantize(first + more * (count - 1) + per_kg * Decimal(grams) / 1000, currency)


def _with_code_and_tax(
    line: PricedLine, share: Decimal, rate: Decimal, prices_include_tax: bool, currency: str
) -> PricedLine:
    """`line` with its share of the code and its tax on what it costs after that share."""
    taxable = line.total - share
    if prices_include_tax:
        tax = quantize(taxable * rate / (100 + rate), currency)
    else:
        tax = quantize(taxable * rate / 100, currency)
    amount = taxable + (ZERO if prices_include_tax else tax)
    return replace(line, discount=share, tax=tax, tax_rate=rate, amount=amount)


def _cart_pricing(
    lines: list[PricedLine],
    *,
    currency: str,
    prices_include_tax: bool,
    applied: list[AppliedPackage],
    code: _CodeEffect,
    shipping_before: Decimal,
    needs_shipping: bool,
    shipping_method: str,
    tax_calculated: bool,
) -> CartPricing:
    """The cart's sums over its priced lines, so that the module docstring's equation holds."""
    subtotal = sum((line.total for line in lines), ZERO)
    discount_total = sum((line.discount for line in lines), ZERO)
    tax_total = sum((line.tax for line in lines), ZERO)
    shipping_total = ZERO if code.free_shipping else shipping_before
    return CartPricing(
        currency=currency,
        prices_include_tax=prices_include_tax,
        lines=tuple(lines),
        packages=tuple(applied),
        subtotal=subtotal,
        package_savings=sum((line.package_saving for line in lines), ZERO),
        discount_code=code.code,
        discount_total=discount_total,
        free_shipping=code.free_shipping,
        shipping_before_discount=shipping_before,
        shipping_total=shipping_total,
        tax_total=tax_total,
        total=subtotal
        - discount_total
        + shipping_total
        + (ZERO if prices_include_tax else tax_total),
        discount_problem=code.problem,
        needs_shipping=needs_shipping,
        shipping_method=shipping_method,
        tax_calculated=tax_calculated,
    )


# A bigger file or a broader licence delivers everything a smaller or narrower one does.
_RESOLUTION_RANK = {"web": 0, "print": 1, "full": 2}
_LICENCE_RANK = {"personal": 0, "commercial": 1}


def _covered_by_whole_gallery(lines: list[LineInput]) -> list[str]:
    """Per line: the name of a whole-gallery package in the cart that already delivers it.

    A single download of a photo is paid twice when the same cart buys its whole gallery at the
    same or a bigger size and licence. It is shown, not silently dropped: the buyer decides.
    """
    wholes = [line for line in lines if line.package_line and not ships(line.kind)]

    def covers(whole: LineInput, line: LineInput) -> bool:
        return (
            whole.gallery_id == line.gallery_id
            and _RESOLUTION_RANK.get(whole.resolution, -1)
            >= _RESOLUTION_RANK.get(line.resolution, 99)
            and _LICENCE_RANK.get(whole.licence, -1) >= _LICENCE_RANK.get(line.licence, 99)
        )

    return [
        next((whole.name for whole in wholes if covers(whole, line)), "")
        if line.photo_id is not None and not ships(line.kind) and not line.package_line
        else ""
        for line in lines
    ]


def _eligible(line: LineInput, discount: DiscountInput) -> bool:
    if discount.gallery_id is not None and line.gallery_id != discount.gallery_id:
        return False
    return not discount.product_kinds or line.kind in discount.product_kinds


def _tax_rate(rates: TaxRates, where: Destination | None, kind: str) -> Decimal:
    """The region's rule beats the country's; no rule, no tax."""
    if where is None:
        return ZERO
    country, region = where[0].upper(), (where[1] or "").upper()
    rule = (region and rates.get((country, region))) or rates.get((country, ""))
    if not rule:
        return ZERO
    return max(rule[0] if ships(kind) else rule[1], ZERO)


def _apply_packages(
    lines: list[LineInput], currency: str, packages: Sequence[PackageDeal]
) -> tuple[list[Decimal], list[list[str]], list[AppliedPackage]]:
    """Per line: the package saving and the deals used; and the deals applied overall."""
    savings = [ZERO] * len(lines)
    names: list[list[str]] = [[] for _ in lines]
    deals = [p for p in packages if p.items and all(q > 0 for _, q in p.items)]
    if not deals:
        return savings, names, []
    # Free units per product, the dearest first (a deal on them saves the customer the most);
    # a unit is (regular base price incl. nothing else, line index).
    free: dict[int, list[tuple[Decimal, int]]] = defaultdict(list)
    for i, line in enumerate(lines):
        if line.package_line:
            continue
        base = quantize(line.base_price, currency)
        free[line.product_id].extend([(base, i)] * line.quantity)
    for stack in free.values():
        stack.sort(key=lambda unit: (-unit[0], unit[1]))
    applied: dict[int, list] = {}
    while True:
        best, best_saving = None, ZERO
        for deal in deals:
            if all(len(free.get(pid, ())) >= qty for pid, qty in deal.items):
                regular = sum(
                    (price for pid, qty in deal.items for price, _ in free[pid][:qty]), ZERO
                )
                saving = regular - quantize(deal.price, currency)
                if saving > best_saving:
                    best, best_saving = deal, saving
        if best is None:
            break
        taken = [unit for pid, qty in best.items for unit in free[pid][:qty]]
        for pid, qty in best.items:
            del free[pid][:qty]
        # Each taken unit now costs its share of the package price instead of its base price.
        shares = allocate(best.price, [price for price, _ in taken], currency)
        for (price, i), share in zip(taken, shares, strict=True):
            savings[i] += price - share
            if best.name not in names[i]:
                names[i].append(best.name)
        entry = applied.setdefault(best.package_id, [best, 0, ZERO])
        entry[1] += 1
        entry[2] += best_saving
    return (
        savings,
        names,
        [
            AppliedPackage(deal.package_id, deal.name, quantize(deal.price, currency), n, saved)
            for deal, n, saved in applied.values()
        ],
    )


# --- reading a cart from the database ---------------------------------------------------------

_CART_CODE = object()  # price_cart's default: the code saved on the cart


def address_destination(address: dict | None) -> Destination | None:
    if not address or not str(address.get("country", "")).strip():
        return None
    return (str(address["country"]).strip().upper(), str(address.get("region", "")).strip().upper())


def discount_static_problem(discount, *, currency: str, now) -> str:
    """Why `discount` cannot be used at all right now ("" if it can), uses aside."""
    if discount is None or not discount.active:
        return "That code is not valid."
    if discount.starts_at and now < discount.starts_at:
        return f"The code {discount.code} is not valid yet."
    if discount.ends_at and now >= discount.ends_at:
        return f"The code {discount.code} has expired."
    # A fixed amount or a minimum order is money in the code's currency.
    in_money = discount.kind == "fixed" or discount.min_order > 0
    if in_money and discount.currency and discount.currency != currency:
        return f"The code {discount.code} is for {discount.currency} orders."
    if discount.max_uses is not None and discount.uses >= discount.max_uses:
        return f"The code {discount.code} has been used up."
    return ""


def discount_input(discount) -> DiscountInput:
    return DiscountInput(
        code=discount.code,
        kind=discount.kind,
        value=discount.value,
        min_order=discount.min_order,
        gallery_id=discount.gallery_id,
        product_kinds=tuple(discount.product_kinds or ()),
    )


def shipping_input(method) -> ShippingInput:
    rates: dict[str, tuple[Decimal, Decimal, Decimal]] = {}
    fallback = None
    for rate in sorted(method.rates.all(), key=lambda r: r.pk):
        amounts = (rate.first_item, rate.additional_item, rate.per_kg)
        if not rate.countries:
            fallback = fallback or amounts
        for country in rate.countries:
            rates.setdefault(str(country).upper(), amounts)
    return ShippingInput(name=method.name, rates=rates, fallback=fallback)


def cart_line_inputs(cart, *, line_destinations: dict | None = None) -> list[LineInput]:
    """The cart's active lines with today's catalogue prices (photo prices beat product prices)."""
    line_destinations = line_destinations or {}
    lines = list(
        cart.lines.filter(saved_for_later=False)
        .select_related("product", "package")
        .prefetch_related("options")
        .order_by("created_at", "id")
    )
    overrides = {
        (p.product_id, p.photo_id): p.price
        for p in PhotoPrice.objects.filter(
            product_id__in={line.product_id for line in lines},
            photo_id__in={line.photo_id for line in lines if line.photo_id},
        )
    }
    inputs = []
    for line in lines:
        product, options = line.product, sorted(line.options.all(), key=lambda o: (o.group, o.pk))
        if line.package_id:
            name, base = line.package.name, line.package.price
        else:
            name, base = product.name, overrides.get((product.pk, line.photo_id), product.price)
        inputs.append(
            LineInput(
                key=line.pk,
                product_id=product.pk,
                name=name,
                kind=product.kind,
                base_price=base,
                quantity=line.quantity,
                option_deltas=tuple(o.price_delta for o in options),
                option_names=tuple(f"{o.group}: {o.name}" for o in options),
                weight_grams=product.weight_grams,
                photo_id=line.photo_id,
                gallery_id=line.gallery_id,
                resolution=product.resolution,
                licence=product.licence,
                package_line=bool(line.package_id),
                destination=address_destination(line_destinations.get(line.pk)),
            )
        )
    return inputs


def price_cart(
    cart,
    *,
    shipping_method=None,
    address: dict | None = None,
    line_addresses: dict | None = None,
    discount: Any = _CART_CODE,
    now=None,
) -> CartPricing:
    """Price `cart` from the database as it is now (the one way a cart's prices are made).

    `discount` defaults to the code saved on the cart; a code that does not hold any more is
    left out and its reason given in `discount_problem`. `address` (and per-line addresses)
    choose shipping rates and tax rules.
    """
    now = now or timezone.now()
    currency = cart.currency or "EUR"
    lines = cart_line_inputs(cart, line_destinations=line_addresses)
    store = StoreSettings.objects.filter(owner_id=cart.seller_id).first()
    deals = _package_deals(lines)
    tax_rates = _seller_tax_rates(cart.seller_id)
    problem = ""
    if discount is _CART_CODE:
        discount, problem = _saved_code(cart, currency=currency, now=now)
    pricing = compute(
        currency=currency,
        lines=lines,
        prices_include_tax=store.prices_include_tax if store else True,
        packages=deals,
        discount=discount_input(discount) if discount is not None else None,
        shipping=shipping_input(shipping_method) if shipping_method is not None else None,
        destination=address_destination(address),
        tax_rates=tax_rates,
    )
    if problem:
        pricing = replace(pricing, discount_code=cart.discount_code, discount_problem=problem)
    return pricing


def _package_deals(lines: list[LineInput]) -> list[PackageDeal]:
    """The active deals (whole-gallery packages aside) on the sheets of the cart's products."""
    product_ids = {line.product_id for line in lines if not line.package_line}
    return [
        PackageDeal(
            package_id=p.pk,
            name=p.name,
            price=p.price,
            items=tuple((item.product_id, item.quantity) for item in p.items.all()),
        )
        for p in Package.objects.filter(
            active=True,
            whole_gallery__isnull=True,
            sheet__products__in=product_ids,
        )
        .distinct()
        .prefetch_related("items")
    ]


def _seller_tax_rates(seller_id: int | None) -> TaxRates:
    """The seller's tax rules by (country, region), upper-cased as destinations are."""
    return {
        (rule.country.upper(), rule.region.upper()): (rule.physical_rate, rule.digital_rate)
        for rule in TaxRule.objects.filter(owner_id=seller_id)
    }


def _saved_code(cart: Cart, *, currency: str, now: datetime) -> tuple[Discount | None, str]:
    """The code saved on `cart` if it can be used now, else None and why not ("" for no code)."""
    if not cart.discount_code:
        return None, ""
    discount = Discount.objects.filter(owner_id=cart.seller_id, code=cart.discount_code).first()
    problem = discount_static_problem(discount, currency=currency, now=now)
    return (None, problem) if problem else (discount, "")
