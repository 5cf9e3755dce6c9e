"""The product editor marks option groups optional ("the client may choose none")."""

import pytest
from django.urls import reverse

from proofsheet.catalog import products
from proofsheet.catalog.tests.factories import PriceSheetFactory, PrintFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]


def test_the_product_editor_saves_optional_groups(photographer_client):
    studio = photographer_client
    product = PrintFactory(sheet=PriceSheetFactory(owner=studio.user), name="8x10 print")
    edit = reverse("studio:product", args=[product.public_id])
    assert "Save groups" not in studio.get(edit).text  # no options, no groups to mark
    products.option_add(product=product, group="Paper", name="Glossy")
    products.option_add(product=product, group="Frame", name="Black oak", price_delta="30")

    page = studio.get(edit).text
    assert "Frame: optional — the client may choose none" in page
    assert "Paper: optional — the client may choose none" in page
    assert 'optional-group-1" checked' not in page and 'optional-group-2" checked' not in page

    saved = studio.post(
        reverse("studio:option_groups", args=[product.public_id]),
        {"optional_groups": ["Frame"]},
        follow=True,
    )
    product.refresh_from_db()
    assert product.optional_groups == ["Frame"]
    assert "Optional: Frame." in saved.text
    assert saved.redirect_chain[-1][0].endswith(f"{edit}#options")
    assert 'value="Frame" id="optional-group-1" checked>' in saved.text

    bad = studio.post(
        reverse("studio:option_groups", args=[product.public_id]),
        {"optional_groups": ["Frame", "Mat"]},
        follow=True,
    )
    assert "“Mat” is not an option group" in bad.text
    product.refresh_from_db()
    assert product.optional_groups == ["Frame"]

    studio.post(reverse("studio:option_groups", args=[product.public_id]))  # none ticked
    product.refresh_from_db()
    assert product.optional_groups == []


def test_another_photographers_product_is_404(photographer_client):
    product = PrintFactory()
    products.option_add(product=product, group="Frame", name="Oak")
    response = photographer_client.post(
        reverse("studio:option_groups", args=[product.public_id]), {"optional_groups": ["Frame"]}
    )
    assert response.status_code == 404
    product.refresh_from_db()
    assert product.optional_groups == []
