from decimal import Decimal

import factory

from proofsheet.catalog.models import PriceSheet, Product, ProductKind
from proofsheet.galleries.tests.factories import PhotographerFactory


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


class DownloadFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    sheet = factory.SubFactory(PriceSheetFactory)
    kind = ProductKind.DIGITAL
    name = factory.Sequence(lambda n: f"Download {n}")
    resolution = "full"
    licence = "personal"
    price = Decimal("35.00")
