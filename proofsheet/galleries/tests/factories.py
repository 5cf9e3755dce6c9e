import factory

from proofsheet.accounts.models import Role
from proofsheet.accounts.tests.factories import UserFactory
from proofsheet.galleries.models import Gallery


class PhotographerFactory(UserFactory):
    role = Role.PHOTOGRAPHER


class GalleryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Gallery

    owner = factory.SubFactory(PhotographerFactory)
    title = factory.Sequence(lambda n: f"Gallery {n}")
    slug = factory.Sequence(lambda n: f"gallery-{n}")
