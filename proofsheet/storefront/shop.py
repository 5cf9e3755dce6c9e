"""The buy panel of a photo page: what is for sale, what the visitor chose, and the price quote.

Shared by the photo page (gallery_views) and the shop views. Every price shown here comes from
`catalog.selectors` (the server); the browser never computes money, and no price or currency a
visitor sends is read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from proofsheet.cart.models import MAX_QUANTITY
from proofsheet.catalog.models import ProductKind, ProductOption
from proofsheet.catalog.selectors import (
    GalleryPackages,
    Offer,
    packages_for_gallery,
    price_for,
    products_for_photo,
    sheet_for_gallery,
)
from proofsheet.core.money import format_amount
from proofsheet.galleries.selectors import as_public_id


@dataclass
class OptionGroup:
    name: str
    field: str  # the form field: options-<product public id>
    options: list[ProductOption]
    chosen: int | None = None  # the chosen option's pk (None: nothing, in an optional group)
    optional: bool = False  # the client may choose none ("No frame")


@dataclass
class OfferView:
    offer: Offer
    groups: list[OptionGroup]

    @property
    def product(self):
        return self.offer.product

    @property
    def price_text(self) -> str:
        return format_amount(self.offer.price, self.offer.currency)


@dataclass
class BuyPanel:
    prints: list[OfferView]
    downloads: list[OfferView]
    chosen: OfferView | None
    quantity: int = 1
    error: str = ""
    quote: str = ""  # the chosen line's price, formatted
    max_quantity: int = MAX_QUANTITY
    extra: dict = field(default_factory=dict)

    @property
    def offers(self) -> list[OfferView]:
        return self.prints + self.downloads

    @property
    def kinds(self) -> list[tuple[str, list[OfferView]]]:
        return [("Prints", self.prints), ("Downloads", self.downloads)]


class BuyInvalid(ValueError):
    """What the visitor chose cannot be bought as asked (the message is for them)."""


def _groups(offer: Offer, chosen_ids: set[int]) -> list[OptionGroup]:
    """The offer's groups with the visitor's choices; a required group starts at its first
    option, an optional one at nothing."""
    groups = []
    for found in offer.groups:
        group = OptionGroup(
            name=found.name,
            field=f"options-{offer.product.public_id}",
            options=found.options,
            optional=found.optional,
        )
        group.chosen = next((o.pk for o in found.options if o.pk in chosen_ids), None)
        if group.chosen is None and not group.optional and group.options:
            group.chosen = group.options[0].pk
        groups.append(group)
    return groups


def buy_panel(photo, data=None) -> BuyPanel | None:
    """The panel for `photo` (None when nothing is for sale), with `data`'s choices if given."""
    offers = products_for_photo(photo)
    if not offers:
        return None
    data = data or {}
    wanted = as_public_id(data.get("product") or "")
    chosen_option_ids: set[int] = set()
    views = []
    chosen = None
    for offer in offers:
        if wanted and offer.product.public_id == wanted:
            picked = {as_public_id(v) for v in _getlist(data, f"options-{offer.product.public_id}")}
            chosen_option_ids = {o.pk for o in offer.options if o.public_id in picked}
        view = OfferView(offer=offer, groups=_groups(offer, chosen_option_ids))
        if wanted and offer.product.public_id == wanted:
            chosen = view
        views.append(view)
    if chosen is None:
        chosen = next((v for v in views if v.offer.available), None)
    panel = BuyPanel(
        prints=[v for v in views if v.product.kind == ProductKind.PRINT],
        downloads=[v for v in views if v.product.kind != ProductKind.PRINT],
        chosen=chosen,
    )
    raw_quantity = data.get("quantity")
    if raw_quantity not in (None, ""):
        try:
            panel.quantity = quantity_parse(raw_quantity)
        except BuyInvalid as error:
            panel.error = str(error)
            panel.quantity = 1
    if chosen is not None and not panel.error:
        options = chosen_options(chosen)
        unit = price_for(chosen.product, photo, options)
        panel.quote = format_amount(unit * panel.quantity, chosen.offer.currency)
    return panel


def _getlist(data, key: str) -> list[str]:
    return data.getlist(key) if hasattr(data, "getlist") else list(data.get(key) or [])


def chosen_options(view: OfferView) -> list[ProductOption]:
    by_pk = {o.pk: o for o in view.offer.options}
    return [by_pk[g.chosen] for g in view.groups if g.chosen in by_pk]


def quantity_parse(value) -> int:
    """A typed quantity: a whole number 1..MAX_QUANTITY, or BuyInvalid with a clear message."""
    text = str(value).strip()
    if not text.isdigit():
        raise BuyInvalid(f"Enter a quantity from 1 to {MAX_QUANTITY}.")
    quantity = int(text)
    if not 1 <= quantity <= MAX_QUANTITY:
        raise BuyInvalid(f"The quantity must be between 1 and {MAX_QUANTITY}.")
    return quantity


def money(amount: Decimal, currency: str) -> str:
    return format_amount(amount, currency)


def sells_anything(gallery) -> bool:
    return sheet_for_gallery(gallery) is not None


def gallery_packages(gallery) -> GalleryPackages | None:
    """The gallery's whole-gallery offers and bundle deals, or None when there are none."""
    found = packages_for_gallery(gallery)
    return found or None
