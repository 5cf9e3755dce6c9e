"""Prints on sale without a way to ship them: the studio and the API warn the photographer, who
would otherwise learn it from a client refused at checkout."""

from decimal import Decimal

import pytest
from django.urls import reverse

from proofsheet.catalog.models import GalleryPricing
from proofsheet.catalog.tests.factories import DownloadFactory, PriceSheetFactory, PrintFactory
from proofsheet.fulfillment.models import ShippingMethod, ShippingRate
from proofsheet.fulfillment.shipping import print_sales_without_shipping
from proofsheet.galleries.tests.factories import GalleryFactory

pytestmark = pytest.mark.django_db
WARNING = (
    "Your prints are on sale but you have no shipping method: clients cannot check out prints."
)


@pytest.fixture
def selling(photographer_client):
    """A sheet with an active print, used by a gallery; no shipping method yet."""
    owner = photographer_client.user
    sheet = PriceSheetFactory(owner=owner, name="Weddings", currency="EUR")
    PrintFactory(sheet=sheet)
    GalleryPricing.objects.create(gallery=GalleryFactory(owner=owner), sheet=sheet)
    return photographer_client, sheet


def method(owner, currency="EUR", *, rate=True, active=True):
    found = ShippingMethod.objects.create(
        owner=owner, name="Post", kind="standard", currency=currency, active=active
    )
    if rate:
        ShippingRate.objects.create(method=found, countries=[], first_item=Decimal("5"))
    return found


def test_prints_on_sale_without_any_shipping_method_are_a_gap(selling):
    client, sheet = selling
    [gap] = print_sales_without_shipping(client.user)
    assert gap.code == "no_shipping_method" and gap.sheets == (sheet,)
    assert gap.message == f"{WARNING} Add a shipping method."


def test_no_gap_once_a_method_with_a_rate_exists_in_the_sheets_currency(selling):
    client, _ = selling
    method(client.user, "USD")  # another currency does not ship EUR carts
    [gap] = print_sales_without_shipping(client.user)
    assert "no shipping method in EUR" in gap.message
    assert gap.action == "Add a shipping method in EUR"
    inactive = method(client.user, active=False)
    assert len(print_sales_without_shipping(client.user)) == 1
    rateless = method(client.user, rate=False)
    [gap] = print_sales_without_shipping(client.user)
    assert gap.code == "no_shipping_rate"
    assert "your shipping method in EUR has no rates" in gap.message
    ShippingRate.objects.create(method=rateless, countries=["FR"], first_item=Decimal("4"))
    assert print_sales_without_shipping(client.user) == []
    inactive.delete()
    assert print_sales_without_shipping(client.user) == []


def test_no_gap_when_no_print_is_on_sale(photographer_client):
    owner = photographer_client.user
    unused = PriceSheetFactory(owner=owner)  # prints, but no gallery sells from it
    PrintFactory(sheet=unused)
    digital = PriceSheetFactory(owner=owner)  # a gallery, but downloads only
    DownloadFactory(sheet=digital)
    PrintFactory(sheet=digital, active=False)
    GalleryPricing.objects.create(gallery=GalleryFactory(owner=owner), sheet=digital)
    assert print_sales_without_shipping(owner) == []
    other = PriceSheetFactory()  # another photographer's gap is not ours
    PrintFactory(sheet=other)
    GalleryPricing.objects.create(gallery=GalleryFactory(owner=other.owner), sheet=other)
    assert print_sales_without_shipping(owner) == []
    assert len(print_sales_without_shipping(other.owner)) == 1


def test_the_dashboard_and_the_sheet_page_warn_with_a_link(selling):
    client, sheet = selling
    link = f'<a href="{reverse("studio:shipping")}#new-method">Add a shipping method</a>'
    dashboard = client.get(reverse("studio:dashboard")).text
    assert f"{WARNING} {link}." in dashboard
    page = client.get(reverse("studio:price_sheet", args=[sheet.public_id])).text
    assert f"{WARNING} {link}." in page
    # A sheet that sells no prints says nothing, and the warning goes once shipping exists.
    quiet = PriceSheetFactory(owner=client.user)
    assert WARNING not in client.get(reverse("studio:price_sheet", args=[quiet.public_id])).text
    method(client.user)
    assert "prints are on sale" not in client.get(reverse("studio:dashboard")).text
    assert (
        "prints are on sale"
        not in client.get(reverse("studio:price_sheet", args=[sheet.public_id])).text
    )


def test_the_api_lists_the_warning_on_the_sheet(selling):
    client, sheet = selling
    url = f"/api/v1/price-sheets/{sheet.public_id}"
    assert client.get(url).json()["warnings"] == [
        {"code": "no_shipping_method", "message": f"{WARNING} Add a shipping method."}
    ]
    method(client.user)
    assert client.get(url).json()["warnings"] == []
