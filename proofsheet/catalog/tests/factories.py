import uuid
from decimal import Decimal

import factory

from proofsheet.catalog.models import PriceSheet, Product, ProductKind
from proofsheet.galleries.models import Gallery, Photo, PhotoStatus
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


def make_photo(gallery: Gallery, name: str = "IMG_0001.jpg", **fields) -> Photo:
    """A photo row as processing leaves it (no files are needed to price it)."""
    fields.setdefault("status", PhotoStatus.READY)
    key = uuid.uuid4().hex
    return Photo.objects.create(
        gallery=gallery,
        owner=gallery.owner,
        original_key=f"originals/test/{key}.jpg",
        original_name=name,
        sha256=key * 2,
        size=1234,
        format="jpeg",
        width=3000,
        height=2000,
        renditions={"grid": {"webp": f"renditions/{key}/v1/grid.webp", "w": 600, "h": 400}},
        **fields,
    )
