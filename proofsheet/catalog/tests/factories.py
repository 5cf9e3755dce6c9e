from dataclasses import dataclass
from decimal import Decimal

import factory

from proofsheet.catalog import packages, products, store
from proofsheet.catalog.models import (
    Package,
    PriceSheet,
    Product,
    ProductKind,
    ProductOption,
    TaxRule,
)
from proofsheet.galleries.models import Photo
from proofsheet.galleries.tests.factories import GalleryFactory, PhotographerFactory, make_photo


class PriceSheetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PriceSheet

    owner = factory.SubFactory(PhotographerFactory)
    name = factory.Sequence(lambda n: f"Sheet {n}")
    currency = "EUR"


class PrintFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    sheet = factory.SubFactory(PriceSheetFactory)
    kind = ProductKind.PRINT
    name = factory.Sequence(lambda n: f"Print {n}")
    finish = "paper"
    width_in = Decimal(8)
    height_in = Decimal(10)
    price = Decimal("15.00")


class DownloadFactory(PrintFactory):
    kind = ProductKind.DIGITAL
    name = factory.Sequence(lambda n: f"Download {n}")
    finish = ""
    width_in = height_in = None
    resolution = "full"
    licence = "personal"
    price = Decimal("35.00")


@dataclass(frozen=True)
class Catalogue:
    """Another photographer's whole catalogue: what a 404 test tries to reach."""

    sheet: PriceSheet
    product: Product
    option: ProductOption
    package: Package
    rule: TaxRule
    photo: Photo


def foreign_catalogue() -> Catalogue:
    sheet = PriceSheetFactory()
    product = PrintFactory(sheet=sheet)
    return Catalogue(
        sheet=sheet,
        product=product,
        option=products.option_add(product=product, group="Paper", name="Matte"),
        package=packages.package_create(
            sheet=sheet, name="P", price="1", items=[(product.public_id, 1)]
        ),
        rule=store.tax_rule_create(owner=sheet.owner, country="DE", physical_rate="19"),
        photo=make_photo(GalleryFactory(owner=sheet.owner)),
    )
