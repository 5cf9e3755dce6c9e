import uuid

import factory

from proofsheet.accounts.models import Role
from proofsheet.accounts.tests.factories import UserFactory
from proofsheet.galleries.models import Gallery, Photo, PhotoStatus


class PhotographerFactory(UserFactory):
    role = Role.PHOTOGRAPHER


class GalleryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Gallery

    owner = factory.SubFactory(PhotographerFactory)
    title = factory.Sequence(lambda n: f"Gallery {n}")
    slug = factory.Sequence(lambda n: f"gallery-{n}")


def make_photo(gallery: Gallery, name: str = "IMG_0001.jpg", **fields) -> Photo:
    """A photo row as processing leaves it (no files behind it: enough to list, price or pick)."""
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
