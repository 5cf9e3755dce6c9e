"""The buy panel of a photo page: what is for sale and what the visitor has chosen so far.

Nothing is chosen until the visitor chooses it: no product is preselected and no option either
(a required group shows "Choose a paper…", an optional one "No frame"). What a choice costs, or
what is still missing, comes from `flows.buying.photo_quote` (the rule the API quotes with); the
browser never computes money, and no price or currency a visitor sends is read. Shared by the
photo page (gallery_views) and the cart views.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from proofsheet.cart.models import MAX_QUANTITY
from proofsheet.cart.services import a_group
from proofsheet.catalog.models import ProductOption
from proofsheet.catalog.selectors import (
    GalleryPackages,
    Offer,
    packages_for_gallery,
    products_for_photo,
    sheet_for_gallery,
)
from proofsheet.core.errors import DomainError
from proofsheet.core.models import as_public_id
from proofsheet.core.money import format_amount
from proofsheet.flows import buying
from proofsheet.orders.models import ships

CHOOSE_PRODUCT = "Choose a print or a download."


@dataclass
class OptionGroup:
    name: str
    field: str  # the form field: options-<product public id>
    options: list[ProductOption]
    chosen: int | None = None  # the visitor's choice (its pk); None until they make one
    optional: bool = False  # the visitor may choose none ("No frame")

    @property
    def ask(self) -> str:
        return a_group(self.name)


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
    chosen: OfferView | None  # the product the visitor chose (None until they choose one)
    product_id: str = ""  # as sent (the flow says if it is not one of the photo's)
    quantity: str = "1"  # as typed
    option_ids: list[str] = field(default_factory=list)  # the chosen product's, as sent
    error: str = ""  # why "Add to cart" was refused
    hint: str = CHOOSE_PRODUCT  # what the visitor still has to choose ("" once all is chosen)
    quote: str = ""  # the chosen line's price, formatted
    quote_quantity: int = 1
    max_quantity: int = MAX_QUANTITY

    @property
    def offers(self) -> list[OfferView]:
        return self.prints + self.downloads

    @property
    def kinds(self) -> list[tuple[str, list[OfferView]]]:
        return [("Prints", self.prints), ("Downloads", self.downloads)]

    @property
    def choice(self) -> dict:
        """What the visitor chose, as `flows.buying` takes it."""
        return {
            "product_id": self.product_id,
            "option_ids": self.option_ids,
            "quantity": self.quantity,
        }


def _getlist(data, key: str) -> list[str]:
    return data.getlist(key) if hasattr(data, "getlist") else list(data.get(key) or [])


def buy_panel(photo, data=None) -> BuyPanel | None:
    """The panel for `photo` (None when nothing is for sale) with the choices `data` holds."""
    offers = products_for_photo(photo)
    if not offers:
        return None
    data = data or {}
    wanted = as_public_id(data.get("product") or "")
    views, chosen, option_ids = [], None, []
    for offer in offers:
        name = f"options-{offer.product.public_id}"
        mine = offer.product.public_id == wanted
        sent = [value for value in _getlist(data, name) if value] if mine else []
        picked = {as_public_id(value) for value in sent}
        groups = [
            OptionGroup(
                name=group.name,
                field=name,
                options=group.options,
                optional=group.optional,
                chosen=next((o.pk for o in group.options if o.public_id in picked), None),
            )
            for group in offer.groups
        ]
        view = OfferView(offer=offer, groups=groups)
        if mine:
            chosen, option_ids = view, sent
        views.append(view)
    return BuyPanel(
        prints=[v for v in views if ships(v.product.kind)],
        downloads=[v for v in views if not ships(v.product.kind)],
        chosen=chosen,
        product_id=str(data.get("product") or "")[:40],
        quantity=str(data.get("quantity") or "1").strip()[:10],
        option_ids=option_ids,
    )


def panel_quote(panel: BuyPanel, *, access, photo) -> BuyPanel:
    """Fill in the price of the visitor's choice, or what they still have to choose."""
    panel.hint, panel.quote = "", ""
    if not panel.product_id:
        panel.hint = CHOOSE_PRODUCT
        return panel
    try:
        quote = buying.photo_quote(access=access, photo=photo, **panel.choice)
    except DomainError as refused:  # shown in the panel, where the visitor can change it
        if refused.code == "option_required":
            panel.hint = refused.message
        else:
            panel.error = refused.message
        return panel
    panel.quote = format_amount(quote.total, quote.currency)
    panel.quote_quantity = quote.quantity
    return panel


def sells_anything(gallery) -> bool:
    return sheet_for_gallery(gallery) is not None


def gallery_packages(gallery) -> GalleryPackages | None:
    """The gallery's whole-gallery offers and bundle deals, or None when there are none."""
    found = packages_for_gallery(gallery)
    return found or None
