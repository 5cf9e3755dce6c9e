"""The starter sheet's products: paper prints, canvas, metal, framed prints, digital downloads and
two packages, priced in euros and scaled to the sheet's currency, for a photographer to edit."""

from __future__ import annotations

from decimal import Decimal

from proofsheet.catalog.models import (
    Finish,
    Licence,
    Package,
    PackageItem,
    PriceSheet,
    Product,
    ProductKind,
    ProductOption,
    Resolution,
)
from proofsheet.core.money import quantize

# Rough units of each currency per euro, so a starter sheet in yen is not priced at 5 yen.
SCALE = {
    "USD": 1, "GBP": 1, "CHF": 1, "CAD": 1.5, "AUD": 1.5, "NZD": 1.5, "SEK": 10, "NOK": 10,
    "DKK": 7, "PLN": 4, "CZK": 25, "HUF": 400, "JPY": 150, "KRW": 1400, "ISK": 150,
    "KWD": 0.3, "BHD": 0.4, "JOD": 0.8, "OMR": 0.4, "BRL": 5, "MXN": 20, "ZAR": 20,
    "INR": 90, "SGD": 1.5,
}  # fmt: skip

# (name, finish, width, height, grams, price, cost) in euros.
PRINTS = [
    ("4x6 print", Finish.PAPER, 4, 6, 20, "5", "0.50"),
    ("5x7 print", Finish.PAPER, 5, 7, 30, "8", "1"),
    ("8x10 print", Finish.PAPER, 8, 10, 60, "15", "3"),
    ("11x14 print", Finish.PAPER, 11, 14, 120, "30", "8"),
    ("16x20 print", Finish.PAPER, 16, 20, 250, "50", "15"),
    ("16x20 canvas", Finish.CANVAS, 16, 20, 1500, "150", "60"),
    ("11x14 metal print", Finish.METAL, 11, 14, 1200, "120", "50"),
    ("8x10 framed print", Finish.FRAMED, 8, 10, 900, "70", "25"),
]
DOWNLOADS = [
    ("Web-size download", Resolution.WEB, Licence.PERSONAL, "10"),
    ("Print-size download", Resolution.PRINT, Licence.PERSONAL, "20"),
    ("Full-resolution download", Resolution.FULL, Licence.PERSONAL, "35"),
    ("Full-resolution download, commercial licence", Resolution.FULL, Licence.COMMERCIAL, "150"),
]
# The option group each finish offers, with its choices and their extra prices in euros.
OPTIONS = {
    Finish.PAPER: ("Paper", [("Glossy", "0"), ("Matte", "0"), ("Lustre", "1")]),
    Finish.FRAMED: ("Frame", [("Black", "0"), ("White", "0"), ("Natural oak", "10")]),
}


def _scaled(euros: str, currency: str) -> Decimal:
    scale = Decimal(str(SCALE.get(currency, 1)))
    amount = Decimal(euros) * scale
    if scale >= 5:  # whole units read better than 37.50 kr or 1,234 yen… round to a whole unit
        amount = amount.quantize(Decimal(1))
    return quantize(amount, currency)


def starter_products_add(sheet: PriceSheet) -> None:
    """Fill a new sheet with the starter products, options and packages in its currency."""
    currency = sheet.currency
    for position, (name, finish, w, h, grams, price, cost) in enumerate(PRINTS, 1):
        product = Product.objects.create(
            sheet=sheet,
            kind=ProductKind.PRINT,
            name=name,
            finish=finish,
            width_in=Decimal(w),
            height_in=Decimal(h),
            weight_grams=grams,
            price=_scaled(price, currency),
            cost=_scaled(cost, currency),
            position=position,
        )
        if finish in OPTIONS:
            group, choices = OPTIONS[finish]
            ProductOption.objects.bulk_create(
                ProductOption(
                    product=product,
                    group=group,
                    name=choice,
                    price_delta=_scaled(delta, currency),
                    position=i,
                )
                for i, (choice, delta) in enumerate(choices, 1)
            )
    downloads: dict[str, Product] = {}
    for position, (name, resolution, licence, price) in enumerate(DOWNLOADS, len(PRINTS) + 1):
        downloads[f"{resolution}-{licence}"] = Product.objects.create(
            sheet=sheet,
            kind=ProductKind.DIGITAL,
            name=name,
            resolution=resolution,
            licence=licence,
            price=_scaled(price, currency),
            position=position,
        )
    Package.objects.create(
        sheet=sheet,
        name="The whole gallery (digital)",
        price=_scaled("300", currency),
        whole_gallery=downloads["full-personal"],
    )
    package = Package.objects.create(
        sheet=sheet, name="10 web downloads", price=_scaled("60", currency)
    )
    PackageItem.objects.create(package=package, product=downloads["web-personal"], quantity=10)
