"""A photographer's galleries made before their first price sheet sell nothing: the sheet can be
given to them afterwards, in the studio and through the API (one service for both)."""

import uuid

import pytest
from django.urls import reverse

from proofsheet.catalog import sheets
from proofsheet.catalog.models import GalleryPricing, PriceSheet
from proofsheet.catalog.tests.factories import PriceSheetFactory
from proofsheet.core.errors import NotFound
from proofsheet.galleries.tests.factories import GalleryFactory

pytestmark = pytest.mark.django_db
J = {"content_type": "application/json"}


def sheet_of(gallery):
    pricing = GalleryPricing.objects.filter(gallery=gallery).first()
    return pricing.sheet if pricing else None


@pytest.fixture
def owner_with_galleries(photographer_client):
    """Two galleries made before any sheet, one selling from an older sheet; another's gallery."""
    owner = photographer_client.user
    bare = [GalleryFactory(owner=owner, title=t) for t in ("Smith wedding", "Jones party")]
    older = PriceSheetFactory(owner=owner, name="Older")
    selling = GalleryFactory(owner=owner, title="Selling")
    GalleryPricing.objects.create(gallery=selling, sheet=older)
    foreign = GalleryFactory()
    return photographer_client, bare, selling, foreign


def test_the_service_gives_the_sheet_to_galleries_without_one_and_only_those(
    owner_with_galleries,
):
    _, bare, selling, foreign = owner_with_galleries
    sheet = PriceSheetFactory(owner=bare[0].owner, name="New")
    assert sheets.price_sheet_apply_to_galleries(sheet=sheet) == 2
    assert [sheet_of(g) for g in bare] == [sheet, sheet]
    assert sheet_of(selling).name == "Older" and sheet_of(foreign) is None
    assert sheets.price_sheet_apply_to_galleries(sheet=sheet) == 0  # a rerun changes nothing


def test_the_service_takes_a_list_and_refuses_a_gallery_not_yours(owner_with_galleries):
    _, bare, selling, foreign = owner_with_galleries
    sheet = PriceSheetFactory(owner=bare[0].owner)
    with pytest.raises(NotFound):
        sheets.price_sheet_apply_to_galleries(
            sheet=sheet, gallery_ids=[bare[0].public_id, foreign.public_id]
        )
    with pytest.raises(NotFound):
        sheets.price_sheet_apply_to_galleries(sheet=sheet, gallery_ids=["not-an-id"])
    assert sheet_of(bare[0]) is None  # nothing changed
    applied = sheets.price_sheet_apply_to_galleries(
        sheet=sheet, gallery_ids=[str(bare[0].public_id), selling.public_id]
    )
    assert applied == 1
    assert sheet_of(bare[0]) == sheet and sheet_of(bare[1]) is None
    assert sheet_of(selling).name == "Older"


def test_the_studio_offers_the_sheet_to_galleries_that_sell_nothing(owner_with_galleries):
    studio, bare, selling, _ = owner_with_galleries
    created = studio.post(
        reverse("studio:price_sheets"),
        {"name": "Weddings", "currency": "EUR", "start": "starter"},
        follow=True,
    )
    assert "2 galleries of yours sell nothing yet" in created.text
    sheet = PriceSheet.objects.get(owner=studio.user, name="Weddings")
    assert "Used by 0 galleries." in created.text
    assert "2 galleries sell nothing — use this sheet for them" in created.text
    assert "“Smith wedding”" in created.text and "“Jones party”" in created.text

    applied = studio.post(reverse("studio:price_sheet_apply", args=[sheet.public_id]), follow=True)
    assert "2 galleries now sell from “Weddings”." in applied.text
    assert "Used by 2 galleries." in applied.text and "sell nothing" not in applied.text
    assert [sheet_of(g) for g in bare] == [sheet, sheet]
    assert sheet_of(selling).name == "Older"


def test_a_sheet_page_without_galleries_to_offer_says_nothing(photographer_client):
    sheet = PriceSheetFactory(owner=photographer_client.user)
    page = photographer_client.get(reverse("studio:price_sheet", args=[sheet.public_id]))
    assert "sell nothing" not in page.text and "sells nothing" not in page.text
    GalleryFactory(owner=photographer_client.user)
    page = photographer_client.get(reverse("studio:price_sheet", args=[sheet.public_id]))
    assert "1 gallery sells nothing — use this sheet for it" in page.text


def test_the_api_applies_to_all_without_a_sheet_or_to_a_list(owner_with_galleries):
    client, bare, selling, foreign = owner_with_galleries
    created = client.post("/api/v1/price-sheets", {"name": "Weddings"}, **J).json()
    assert created["galleries_selling_nothing"] == 2
    url = f"/api/v1/price-sheets/{created['id']}/apply-to-galleries"

    assert client.post(url, {}, **J).status_code == 422
    both = {"all_without_sheet": True, "gallery_ids": [str(bare[0].public_id)]}
    assert client.post(url, both, **J).status_code == 422
    not_yours = client.post(url, {"gallery_ids": [str(foreign.public_id)]}, **J)
    assert not_yours.status_code == 404
    unknown = client.post(url, {"gallery_ids": [str(uuid.uuid4())]}, **J)
    assert unknown.status_code == 404

    one = client.post(url, {"gallery_ids": [str(bare[0].public_id), str(selling.public_id)]}, **J)
    assert one.status_code == 200
    assert one.json() == {"applied": 1, "galleries_selling_nothing": 1, "warnings": []}
    rest = client.post(url, {"all_without_sheet": True}, **J)
    assert rest.json() == {"applied": 1, "galleries_selling_nothing": 0, "warnings": []}
    assert sheet_of(bare[1]).name == "Weddings" and sheet_of(selling).name == "Older"
    assert sheet_of(foreign) is None
    detail = client.get(f"/api/v1/price-sheets/{created['id']}").json()
    assert detail["gallery_count"] == 2 and detail["galleries_selling_nothing"] == 0

    other = PriceSheetFactory()  # another photographer's sheet
    foreign_sheet = f"/api/v1/price-sheets/{other.public_id}/apply-to-galleries"
    assert client.post(foreign_sheet, {"all_without_sheet": True}, **J).status_code == 404


def test_applying_a_sheet_of_prints_says_when_nothing_ships_them(owner_with_galleries):
    """Prints now on sale in galleries, and no shipping method: the answer says so at once."""
    client, _bare, _selling, _foreign = owner_with_galleries
    created = client.post("/api/v1/price-sheets", {"name": "Prints", "starter": True}, **J).json()
    url = f"/api/v1/price-sheets/{created['id']}/apply-to-galleries"
    applied = client.post(url, {"all_without_sheet": True}, **J).json()
    assert applied["applied"] == 2
    assert [w["code"] for w in applied["warnings"]] == ["no_shipping_method"]
