"""The studio's price sheets, products, packages, photo prices, store settings and tax rules in the
Django test client: the pages work, the rules show as messages, foreign objects are 404."""

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from proofsheet.accounts.tests.factories import UserFactory
from proofsheet.catalog import products, selectors, sheets
from proofsheet.catalog.models import (
    GalleryPricing,
    Package,
    PhotoPrice,
    PriceSheet,
    Product,
    StoreSettings,
    TaxRule,
)
from proofsheet.catalog.tests.factories import (
    DownloadFactory,
    PriceSheetFactory,
    PrintFactory,
    foreign_catalogue,
)
from proofsheet.galleries.models import Gallery
from proofsheet.galleries.tests.factories import GalleryFactory, make_photo

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]


@pytest.fixture
def studio(photographer_client):
    return photographer_client


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_create_a_starter_sheet_and_see_its_products(studio):
    assert studio.get(reverse("studio:dashboard")).text.count(reverse("studio:price_sheets")) == 1
    page = studio.get(reverse("studio:price_sheets"))
    assert page.status_code == 200 and "No price sheets yet" in page.text

    response = studio.post(
        reverse("studio:price_sheets"),
        {"name": "Weddings", "currency": "EUR", "start": "starter"},
        follow=True,
    )
    sheet = PriceSheet.objects.get(owner=studio.user)
    assert sheet.is_default and sheet.products.count() == 12
    assert response.request["PATH_INFO"] == reverse("studio:price_sheet", args=[sheet.public_id])
    assert "16x20 canvas" in response.text and "10 web downloads" in response.text
    assert "Default" in studio.get(reverse("studio:price_sheets")).text


def test_add_edit_toggle_and_remove_products_with_currency_rules(studio):
    sheet = PriceSheetFactory(owner=studio.user, currency="JPY")
    url = reverse("studio:product_create", args=[sheet.public_id])
    assert "Download size" not in studio.get(url + "?kind=print").text

    too_precise = studio.post(
        url,
        {"kind": "print", "name": "8x10", "finish": "paper", "size": "8x10",
         "weight_grams": 60, "price": "1500.5", "active": "on"},
    )  # fmt: skip
    assert too_precise.status_code == 200
    assert "JPY amounts have at most 0 decimals." in too_precise.text
    assert not Product.objects.exists()

    studio.post(
        url,
        {"kind": "print", "name": "Custom", "finish": "canvas", "size": "custom",
         "width_in": "12", "height_in": "36", "weight_grams": 900, "price": "20000",
         "active": "on"},
    )  # fmt: skip
    product = Product.objects.get()
    assert (product.width_in, product.height_in, product.price) == (12, 36, 20000)

    edit = reverse("studio:product", args=[product.public_id])
    assert 'value="custom" selected' in studio.get(edit).text
    studio.post(
        edit,
        {"name": "Panorama", "finish": "canvas", "size": "16x20", "weight_grams": 900,
         "price": "-5", "active": "on"},
    )  # fmt: skip
    product.refresh_from_db()
    assert product.price == 20000  # a negative price is refused
    studio.post(
        edit,
        {"name": "Panorama", "finish": "canvas", "size": "16x20", "weight_grams": 900,
         "price": "25000", "active": "on"},
    )  # fmt: skip
    product.refresh_from_db()
    assert (product.name, product.width_in, product.price) == ("Panorama", 16, 25000)

    studio.post(reverse("studio:option_add", args=[product.public_id]),
                {"group": "Frame", "name": "Oak", "price_delta": "3000"})  # fmt: skip
    assert product.options.get().price_delta == 3000

    studio.post(reverse("studio:product_toggle", args=[product.public_id]))
    product.refresh_from_db()
    assert not product.active
    page = studio.get(reverse("studio:price_sheet", args=[sheet.public_id]))
    assert "Put on sale" in page.text

    studio.post(reverse("studio:option_remove", args=[product.options.get().public_id]))
    studio.post(reverse("studio:product_delete", args=[product.public_id]))
    assert not Product.objects.exists()


def test_downloads_need_resolution_and_licence(studio):
    sheet = PriceSheetFactory(owner=studio.user)
    url = reverse("studio:product_create", args=[sheet.public_id]) + "?kind=digital"
    response = studio.post(url, {"kind": "digital", "name": "Full", "price": "35"})
    assert response.status_code == 200 and not Product.objects.exists()
    studio.post(
        url,
        {"kind": "digital", "name": "Full", "resolution": "full", "licence": "commercial",
         "price": "150.00", "active": "on"},
    )  # fmt: skip
    assert Product.objects.get().licence == "commercial"


def test_packages_markup_default_duplicate_and_delete(studio):
    sheet = PriceSheetFactory(owner=studio.user)
    small = PrintFactory(sheet=sheet, name="5x7", price="10.05")
    large = PrintFactory(sheet=sheet, name="8x10", price="15")
    full = DownloadFactory(sheet=sheet, name="Full")

    url = reverse("studio:package_create", args=[sheet.public_id])
    studio.post(url, {"name": "Deal", "price": "30", "active": "on",
                      f"qty-{small.public_id}": "2", f"qty-{large.public_id}": "1"})  # fmt: skip
    package = Package.objects.get()
    assert {(i.product_id, i.quantity) for i in package.items.all()} == {
        (small.pk, 2),
        (large.pk, 1),
    }
    empty = studio.post(url, {"name": "Nothing", "price": "1"})
    assert empty.status_code == 200 and "Put at least one product" in empty.text
    studio.post(url, {"name": "All", "price": "300", "whole_gallery": str(full.public_id)})
    assert Package.objects.get(name="All").whole_gallery == full

    response = studio.post(
        reverse("studio:price_sheet_markup", args=[sheet.public_id]),
        {"mode": "percent", "value": "10"},
        follow=True,
    )
    assert "Changed 3 prices." in messages_of(response)
    small.refresh_from_db()
    assert small.price == Decimal("11.06")  # 11.055 rounded half up

    other = PriceSheetFactory(owner=studio.user, is_default=True)
    studio.post(reverse("studio:price_sheet_default", args=[sheet.public_id]))
    assert list(PriceSheet.objects.filter(owner=studio.user, is_default=True)) == [sheet]
    other.refresh_from_db()
    assert not other.is_default

    studio.post(reverse("studio:price_sheet_duplicate", args=[sheet.public_id]))
    copy = PriceSheet.objects.get(name=f"{sheet.name} (copy)")
    assert copy.products.count() == 3 and copy.packages.count() == 2

    gallery = GalleryFactory(owner=studio.user)
    sheets.gallery_pricing_set(gallery=gallery, sheet=sheet)
    refused = studio.post(reverse("studio:price_sheet_delete", args=[sheet.public_id]), follow=True)
    assert any("used by 1 gallery" in m for m in messages_of(refused))
    assert PriceSheet.objects.filter(pk=sheet.pk).exists()
    studio.post(reverse("studio:price_sheet_delete", args=[copy.public_id]))
    assert not PriceSheet.objects.filter(pk=copy.pk).exists()


def test_gallery_form_chooses_the_price_sheet(studio):
    default = PriceSheetFactory(owner=studio.user, name="Default one", is_default=True)
    other = PriceSheetFactory(owner=studio.user, name="Other one")
    PriceSheetFactory(name="Someone else's")
    form = studio.get(reverse("studio:gallery_create")).text
    assert "Default one" in form and "Someone else" not in form
    assert f'value="{default.public_id}" selected' in form

    base = {"visibility": "public", "photo_order": "captured"}
    studio.post(reverse("studio:gallery_create"), base | {"title": "Old page"})
    assert selectors.sheet_for_gallery(Gallery.objects.get(title="Old page")) == default
    studio.post(
        reverse("studio:gallery_create"), base | {"title": "Chosen", "price_sheet": other.public_id}
    )
    assert selectors.sheet_for_gallery(Gallery.objects.get(title="Chosen")) == other
    studio.post(reverse("studio:gallery_create"), base | {"title": "None", "price_sheet": ""})
    assert selectors.sheet_for_gallery(Gallery.objects.get(title="None")) is None

    gallery = Gallery.objects.get(title="Chosen")
    foreign = PriceSheet.objects.get(name="Someone else's")
    response = studio.post(
        reverse("studio:gallery_edit", args=[gallery.public_id]),
        base | {"title": "Chosen", "price_sheet": foreign.public_id},
    )
    assert response.status_code == 200  # not one of the choices
    assert selectors.sheet_for_gallery(gallery) == other
    studio.post(
        reverse("studio:gallery_edit", args=[gallery.public_id]),
        base | {"title": "Chosen", "price_sheet": default.public_id},
    )
    assert selectors.sheet_for_gallery(gallery) == default


def test_per_photo_prices_on_the_photo_page(studio):
    sheet = PriceSheetFactory(owner=studio.user)
    product = PrintFactory(sheet=sheet, name="8x10", price="15")
    gallery = GalleryFactory(owner=studio.user)
    photo = make_photo(gallery)
    page = studio.get(reverse("studio:photo", args=[photo.public_id]))
    assert "This gallery sells nothing yet" in page.text

    sheets.gallery_pricing_set(gallery=gallery, sheet=sheet)
    assert "Sheet: 15.00 EUR" in studio.get(reverse("studio:photo", args=[photo.public_id])).text
    url = reverse("studio:photo_prices", args=[photo.public_id])
    key = f"price-{product.public_id}"
    bad = studio.post(url, {key: "12.345"}, follow=True)
    assert any("at most 2 decimals" in m for m in messages_of(bad))
    studio.post(url, {key: "40"})
    assert PhotoPrice.objects.get().price == 40
    assert selectors.products_for_photo(photo)[0].price == Decimal("40.00")
    studio.post(url, {key: ""})
    assert not PhotoPrice.objects.exists()


def test_store_settings_and_tax_rules(studio):
    page = studio.get(reverse("studio:store"))
    assert page.status_code == 200 and "No tax rules" in page.text
    studio.post(
        reverse("studio:store"),
        {"payment_instructions": "IBAN DE00 0000"},  # unchecked box: tax is added at checkout
    )
    store = StoreSettings.objects.get(owner=studio.user)
    assert not store.prices_include_tax and store.payment_instructions == "IBAN DE00 0000"

    add = reverse("studio:tax_rule_create")
    studio.post(add, {"rule-country": "de", "rule-physical_rate": "19", "rule-digital_rate": "19"})
    # A refused rule shows beside the form on the store page, with what was typed kept.
    refused = studio.post(
        add, {"rule-country": "DE", "rule-physical_rate": "7", "rule-digital_rate": "7"}
    )
    assert refused.status_code == 200 and "The rule was not added" in refused.text
    assert "already a rule for DE" in refused.text and 'value="7"' in refused.text
    bad = studio.post(
        add, {"rule-country": "D1", "rule-physical_rate": "7", "rule-digital_rate": "7"}
    )
    assert bad.status_code == 200 and "two-letter code" in bad.text
    bad_rate = studio.post(
        add, {"rule-country": "AT", "rule-physical_rate": "7.0001", "rule-digital_rate": "7"}
    )
    assert "A tax rate has at most 3 decimals." in bad_rate.text
    rule = TaxRule.objects.get()
    assert (rule.country, rule.physical_rate) == ("DE", 19)
    assert "19 %" in studio.get(reverse("studio:store")).text

    edit = reverse("studio:tax_rule", args=[rule.public_id])
    assert 'value="19"' in studio.get(edit).text
    studio.post(edit, {"country": "DE", "region": "", "physical_rate": "7", "digital_rate": "19"})
    rule.refresh_from_db()
    assert rule.physical_rate == 7
    studio.post(reverse("studio:tax_rule_delete", args=[rule.public_id]))
    assert not TaxRule.objects.exists()


def test_another_photographers_catalogue_is_404(studio):
    theirs = foreign_catalogue()
    sheet, product, option, package = theirs.sheet, theirs.product, theirs.option, theirs.package
    rule, photo = theirs.rule, theirs.photo

    for name, obj in [("price_sheet", sheet), ("product_create", sheet), ("package_create", sheet),
                      ("product", product), ("package", package), ("tax_rule", rule)]:  # fmt: skip
        assert studio.get(reverse(f"studio:{name}", args=[obj.public_id])).status_code == 404, name
    for name, obj in [("price_sheet_default", sheet), ("price_sheet_duplicate", sheet),
                      ("price_sheet_delete", sheet), ("price_sheet_markup", sheet),
                      ("product_toggle", product), ("product_delete", product),
                      ("option_add", product), ("option_remove", option),
                      ("package_delete", package), ("tax_rule_delete", rule),
                      ("photo_prices", photo)]:  # fmt: skip
        assert studio.post(reverse(f"studio:{name}", args=[obj.public_id])).status_code == 404, name
    assert PriceSheet.objects.filter(pk=sheet.pk).exists() and product.options.exists()
    assert Package.objects.exists() and TaxRule.objects.exists()
    assert not GalleryPricing.objects.exists()

    client = Client()
    client.force_login(UserFactory())
    assert client.get(reverse("studio:price_sheets")).status_code == 403
    assert client.get(reverse("studio:store")).status_code == 403


def test_amounts_show_in_their_currencys_minor_unit(studio):
    sheet = PriceSheetFactory(owner=studio.user, currency="KWD")
    product = PrintFactory(sheet=sheet, name="8x10", price="1.125")
    products.option_add(product=product, group="Frame", name="Oak", price_delta="0.375")
    page = studio.get(reverse("studio:price_sheet", args=[sheet.public_id])).text
    assert "1.125 KWD" in page
    edit = studio.get(reverse("studio:product", args=[product.public_id])).text
    assert 'value="1.125"' in edit and "+0.375 KWD" in edit

    yen = PriceSheetFactory(owner=studio.user, currency="JPY")
    PrintFactory(sheet=yen, name="Yen print", price="1500")
    assert "1,500 JPY" in studio.get(reverse("studio:price_sheet", args=[yen.public_id])).text


def test_refusals_show_beside_the_form_that_caused_them(studio):
    sheet = PriceSheetFactory(owner=studio.user, name="Weddings", currency="EUR")
    product = PrintFactory(sheet=sheet, name="8x10", price="12.50")
    sheet_url = reverse("studio:price_sheet", args=[sheet.public_id])

    markup = studio.post(
        reverse("studio:price_sheet_markup", args=[sheet.public_id]),
        {"mode": "percent", "value": "-100"},
    )
    assert markup.status_code == 200 and "The prices were not changed" in markup.text
    assert "A percentage is more than -100 and at most 1000." in markup.text
    assert 'value="-100"' in markup.text  # what was typed stays
    assert f'action="{sheet_url}"' in markup.text  # the settings still save the sheet
    product.refresh_from_db()
    assert product.price == Decimal("12.50")

    option = studio.post(
        reverse("studio:option_add", args=[product.public_id]),
        {"group": "Frame", "name": "Oak", "price_delta": "3.333"},
    )
    assert option.status_code == 200 and "The option was not added" in option.text
    assert "EUR amounts have at most 2 decimals." in option.text and 'value="Oak"' in option.text
    assert f'action="{reverse("studio:product", args=[product.public_id])}"' in option.text
    assert not product.options.exists()

    refused = studio.post(sheet_url, {"name": "Portraits", "currency": "JPY"})
    assert refused.status_code == 200 and "more decimals than JPY allows" in refused.text
    assert "<h1>Weddings " in refused.text  # the stored sheet, not the refused name
    sheet.refresh_from_db()
    assert (sheet.name, sheet.currency) == ("Weddings", "EUR")
