"""Catalogue rules: prices per currency, one default sheet, sheets in use, markup rounding,
photo overrides, packages, tax rule precedence."""

from decimal import Decimal

import pytest

from proofsheet.accounts.tests.factories import UserFactory
from proofsheet.catalog import packages, products, selectors, sheets, store
from proofsheet.catalog.models import (
    Package,
    PhotoPrice,
    PriceSheet,
    Product,
    ProductOption,
)
from proofsheet.catalog.tests.factories import (
    DownloadFactory,
    PriceSheetFactory,
    PrintFactory,
)
from proofsheet.core.errors import Conflict, Forbidden, Invalid, NotFound
from proofsheet.core.models import delete_unless_protected
from proofsheet.galleries.tests.factories import GalleryFactory, PhotographerFactory, make_photo

pytestmark = pytest.mark.django_db


PRINT = {"kind": "print", "name": "8x10 print", "finish": "paper", "width_in": "8",
         "height_in": "10", "price": "15.00"}  # fmt: skip
DOWNLOAD = {"kind": "digital", "name": "Full resolution", "resolution": "full",
            "licence": "personal", "price": "35"}  # fmt: skip


def a_print(sheet, **fields):
    return products.product_create(sheet=sheet, **(PRINT | fields))


def a_download(sheet, **fields):
    return products.product_create(sheet=sheet, **(DOWNLOAD | fields))


# --- prices -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("currency", "price", "ok"),
    [
        ("EUR", "12.50", True),
        ("EUR", "12,5", True),
        ("EUR", "12.505", False),
        ("EUR", "-1", False),
        ("EUR", "NaN", False),
        ("EUR", "abc", False),
        ("EUR", "1000001", False),
        ("JPY", "1500", True),
        ("JPY", "1500.5", False),
        ("KWD", "1.125", True),
        ("KWD", "1.1255", False),
    ],
)
def test_prices_follow_the_currency_exponent(currency, price, ok):
    sheet = PriceSheetFactory(currency=currency)
    if ok:
        product = a_print(sheet, price=price)
        product.refresh_from_db()
        assert product.price == Decimal(price.replace(",", "."))
    else:
        with pytest.raises(Invalid) as caught:
            a_print(sheet, price=price)
        assert "price" in caught.value.fields
        assert not Product.objects.exists()


def test_prints_need_finish_and_size_downloads_need_resolution_and_licence():
    sheet = PriceSheetFactory()
    with pytest.raises(Invalid) as caught:
        a_print(sheet, finish="")
    assert "finish" in caught.value.fields
    with pytest.raises(Invalid) as caught:
        a_print(sheet, width_in=None)
    assert "width_in" in caught.value.fields
    with pytest.raises(Invalid) as caught:
        a_print(sheet, height_in="0")
    assert "height_in" in caught.value.fields
    with pytest.raises(Invalid) as caught:
        a_download(sheet, licence="")
    assert "licence" in caught.value.fields
    with pytest.raises(Invalid) as caught:
        a_download(sheet, resolution="huge")
    assert "resolution" in caught.value.fields

    # Fields of the other kind are dropped, not stored half-way.
    download = a_download(sheet, finish="canvas", width_in="8")
    assert download.finish == "" and download.width_in is None
    product = a_print(sheet, resolution="full")
    assert product.resolution == ""
    products.product_update(product=product, kind="digital", resolution="web", licence="personal")
    product.refresh_from_db()
    assert product.kind == "digital" and product.finish == "" and product.width_in is None


def test_option_deltas_are_prices_too_and_unique_per_group():
    product = a_print(PriceSheetFactory(currency="JPY"), price="2000")
    products.option_add(product=product, group="Paper", name="Lustre", price_delta="100")
    with pytest.raises(Invalid):
        products.option_add(product=product, group="Paper", name="Lustre")
    with pytest.raises(Invalid):
        products.option_add(product=product, group="Paper", name="Matte", price_delta="0.5")
    with pytest.raises(Invalid):
        products.option_add(product=product, group="Paper", name="Matte", price_delta="-1")
    option = products.option_add(product=product, group="Paper", name="Matte")
    products.option_remove(option=option)
    assert list(product.options.values_list("name", flat=True)) == ["Lustre"]


def test_clients_cannot_make_sheets():
    with pytest.raises(Forbidden):
        sheets.price_sheet_create(owner=UserFactory(), name="Mine")


def test_currency_change_refused_when_prices_do_not_fit():
    sheet = PriceSheetFactory(currency="EUR")
    a_print(sheet, price="12.50")
    with pytest.raises(Invalid):
        sheets.price_sheet_update(sheet=sheet, currency="JPY")
    sheets.price_sheet_update(sheet=sheet, currency="USD")
    assert PriceSheet.objects.get().currency == "USD"
    with pytest.raises(Invalid):
        sheets.price_sheet_update(sheet=sheet, currency="XYZ")


def test_one_call_makes_a_sheet_empty_or_the_starter_and_the_default():
    owner = PhotographerFactory()
    blank = sheets.price_sheet_create(owner=owner, name="Blank")
    assert not blank.is_default and not blank.products.exists()
    starter = sheets.price_sheet_create(owner=owner, name="Start", currency="JPY", starter=True)
    assert starter.is_default and starter.products.count() == 12  # the owner had no default
    again = sheets.price_sheet_create(owner=owner, name="Again", starter=True)
    assert not again.is_default
    chosen = sheets.price_sheet_create(owner=owner, name="Chosen", starter=True, is_default=True)
    assert list(PriceSheet.objects.filter(owner=owner, is_default=True)) == [chosen]
    with pytest.raises(Invalid):
        sheets.price_sheet_create(owner=owner, name=" ", starter=True, is_default=True)
    assert PriceSheet.objects.filter(owner=owner).count() == 4


def test_an_update_changes_the_default_with_the_rest_or_nothing():
    owner = PhotographerFactory()
    first = sheets.price_sheet_create(owner=owner, name="First", is_default=True)
    second = PriceSheetFactory(owner=owner, name="Second", currency="EUR")
    a_print(second, price="12.50")
    with pytest.raises(Invalid) as caught:
        sheets.price_sheet_update(sheet=second, name="Yen", currency="JPY", is_default=True)
    assert "currency" in caught.value.fields
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.is_default and not second.is_default and second.name == "Second"
    sheets.price_sheet_update(sheet=second, is_default=True)
    assert list(PriceSheet.objects.filter(owner=owner, is_default=True)) == [second]


# --- default sheet and galleries ---------------------------------------------------------------


def test_one_default_sheet_per_photographer_and_new_galleries_get_it():
    owner = PhotographerFactory()
    first = sheets.price_sheet_create(owner=owner, name="Weddings", is_default=True)
    second = sheets.price_sheet_create(owner=owner, name="Portraits")
    other = sheets.price_sheet_create(owner=PhotographerFactory(), name="Theirs", is_default=True)

    sheets.price_sheet_set_default(sheet=second)
    assert list(PriceSheet.objects.filter(owner=owner, is_default=True)) == [second]
    other.refresh_from_db()
    assert other.is_default  # someone else's default is untouched

    gallery = GalleryFactory(owner=owner)
    assert sheets.gallery_pricing_assign_default(gallery) == second
    assert selectors.sheet_for_gallery(gallery) == second
    # Assigning again keeps what the gallery has.
    sheets.gallery_pricing_set(gallery=gallery, sheet=first)
    assert sheets.gallery_pricing_assign_default(gallery) is None
    assert selectors.sheet_for_gallery(gallery) == first

    sheets.price_sheet_set_default(sheet=second, is_default=False)
    assert sheets.gallery_pricing_assign_default(GalleryFactory(owner=owner)) is None


def test_a_gallery_sells_only_from_its_owners_sheets():
    gallery = GalleryFactory()
    with pytest.raises(Invalid):
        sheets.gallery_pricing_set(gallery=gallery, sheet=PriceSheetFactory())
    sheets.gallery_pricing_set(gallery=gallery, sheet=PriceSheetFactory(owner=gallery.owner))
    sheets.gallery_pricing_set(gallery=gallery, sheet=None)
    assert selectors.sheet_for_gallery(gallery) is None


def test_a_sheet_in_use_cannot_be_deleted():
    sheet = PriceSheetFactory()
    gallery = GalleryFactory(owner=sheet.owner)
    sheets.gallery_pricing_set(gallery=gallery, sheet=sheet)
    with pytest.raises(Conflict) as caught:
        sheets.price_sheet_delete(sheet=sheet)
    assert "used by 1 gallery" in caught.value.message
    assert caught.value.code == "in_use"
    # A gallery that takes the sheet between the count and the delete still keeps it.
    with pytest.raises(Conflict) as caught:
        delete_unless_protected(sheet, "Still sold from.")
    assert (caught.value.code, caught.value.message) == ("in_use", "Still sold from.")
    assert PriceSheet.objects.filter(pk=sheet.pk).exists()
    sheets.gallery_pricing_set(gallery=gallery, sheet=None)
    sheets.price_sheet_delete(sheet=sheet)
    assert not PriceSheet.objects.exists()


# --- starter and duplicate -------------------------------------------------------------------


def test_the_starter_sheet_has_prints_canvas_metal_framed_downloads_and_packages():
    owner = PhotographerFactory()
    sheet = sheets.price_sheet_starter(owner=owner, currency="EUR")
    assert sheet.is_default  # the first sheet becomes the default
    products = {p.name: p for p in sheet.products.all()}
    sizes = {(p.width_in, p.height_in) for p in products.values() if p.finish == "paper"}
    assert sizes == {
        (Decimal(w), Decimal(h)) for w, h in [(4, 6), (5, 7), (8, 10), (11, 14), (16, 20)]
    }
    assert {p.finish for p in products.values() if p.kind == "print"} == {
        "paper",
        "canvas",
        "metal",
        "framed",
    }
    papers = ProductOption.objects.filter(product=products["8x10 print"], group="Paper")
    assert sorted(papers.values_list("name", flat=True)) == ["Glossy", "Lustre", "Matte"]
    assert (
        ProductOption.objects.filter(product=products["8x10 framed print"], group="Frame").count()
        == 3
    )
    digital = {(p.resolution, p.licence) for p in products.values() if p.kind == "digital"}
    assert digital == {
        ("web", "personal"),
        ("print", "personal"),
        ("full", "personal"),
        ("full", "commercial"),
    }
    packages = {p.name: p for p in sheet.packages.all()}
    assert packages["The whole gallery (digital)"].whole_gallery.resolution == "full"
    assert packages["10 web downloads"].items.get().quantity == 10

    # In yen the prices are whole numbers of a sensible size; the second starter is no default.
    yen = sheets.price_sheet_starter(owner=owner, currency="JPY")
    assert not yen.is_default
    web = yen.products.get(resolution="web")
    assert web.price == Decimal(1500)
    assert all(p.price == p.price.to_integral() for p in yen.products.all())


def test_duplicate_copies_products_options_overrides_and_packages():
    owner = PhotographerFactory()
    sheet = sheets.price_sheet_starter(owner=owner, currency="EUR")
    gallery = GalleryFactory(owner=owner)
    photo = make_photo(gallery)
    product = sheet.products.get(name="8x10 print")
    products.photo_price_set(product=product, photo=photo, price="25")

    copy = sheets.price_sheet_duplicate(sheet=sheet)
    assert copy.name == "Starter prices (copy)" and not copy.is_default
    assert copy.products.count() == sheet.products.count()
    assert (
        ProductOption.objects.filter(product__sheet=copy).count()
        == ProductOption.objects.filter(product__sheet=sheet).count()
    )
    copied = copy.products.get(name="8x10 print")
    assert copied.pk != product.pk and copied.public_id != product.public_id
    assert PhotoPrice.objects.get(product=copied).price == Decimal(25)
    whole = copy.packages.get(name="The whole gallery (digital)")
    assert whole.whole_gallery.sheet == copy
    assert copy.packages.get(name="10 web downloads").items.get().product.sheet == copy


# --- packages ----------------------------------------------------------------------------------


def test_packages_hold_products_of_their_sheet_or_the_whole_gallery():
    sheet = PriceSheetFactory()
    small, large = PrintFactory(sheet=sheet, name="5x7"), PrintFactory(sheet=sheet, name="8x10")
    full = DownloadFactory(sheet=sheet)
    package = packages.package_create(
        sheet=sheet,
        name="1 8x10 + 2 5x7",
        price="30",
        items=[(large.public_id, 1), (small.public_id, "1"), (str(small.public_id), 1)],
    )  # the same product twice: the quantities add up
    assert {(i.product.name, i.quantity) for i in package.items.all()} == {("8x10", 1), ("5x7", 2)}

    def create(**fields):
        return packages.package_create(sheet=sheet, name="P", price="1", **fields)

    with pytest.raises(Invalid):
        create()
    with pytest.raises(NotFound):  # another sheet's product, or no product at all
        create(items=[(PrintFactory().public_id, 1)])
    with pytest.raises(NotFound):
        create(items=[("not-an-id", 1)])
    for quantity in (0, "two", 1001):
        with pytest.raises(Invalid) as caught:
            create(items=[(small.public_id, quantity)])
        assert "items" in caught.value.fields
    with pytest.raises(Invalid) as caught:
        create(whole_gallery=large.public_id)
    assert "whole_gallery" in caught.value.fields
    with pytest.raises(NotFound):
        create(whole_gallery=DownloadFactory().public_id)
    whole = packages.package_create(
        sheet=sheet, name="Everything", price="300", whole_gallery=str(full.public_id)
    )
    assert whole.whole_gallery == full

    packages.package_update(package=package, items=[(small.public_id, 10)], price="40")
    package.refresh_from_db()
    assert package.price == Decimal(40)
    assert [(i.product, i.quantity) for i in package.items.all()] == [(small, 10)]
    packages.package_delete(package=package)
    assert Package.objects.count() == 1


# --- bulk markup -------------------------------------------------------------------------------


def test_markup_by_percent_rounds_half_up_per_currency_and_counts_changes():
    sheet = PriceSheetFactory(currency="EUR")
    a_print(sheet, name="a", price="10.05")  # +10 % = 11.055 → 11.06
    a_print(sheet, name="b", price="0")  # stays 0: not a change
    a_print(sheet, name="c", price="3.33")  # 3.663 → 3.66
    assert sheets.price_sheet_markup(sheet=sheet, percent="10") == 2
    assert dict(sheet.products.values_list("name", "price")) == {
        "a": Decimal("11.06"),
        "b": Decimal("0"),
        "c": Decimal("3.66"),
    }

    yen = PriceSheetFactory(currency="JPY")
    a_print(yen, name="y", price="1005")
    sheets.price_sheet_markup(sheet=yen, percent="5")  # 1055.25 → 1055
    assert yen.products.get().price == Decimal(1055)


def test_markup_from_cost_skips_products_without_cost():
    sheet = PriceSheetFactory(currency="EUR")
    with pytest.raises(Invalid):
        a_print(sheet, name="bad cost", price="10", cost="3.335")
    a_print(sheet, name="with", price="10", cost="3.33")
    a_print(sheet, name="without", price="10")
    assert sheets.price_sheet_markup(sheet=sheet, cost_factor="2.5") == 1  # 8.325 → 8.33
    assert dict(sheet.products.values_list("name", "price")) == {
        "with": Decimal("8.33"),
        "without": Decimal("10"),
    }
    for bad in (
        {"percent": "-100"},
        {"cost_factor": "0"},
        {},
        {"percent": "1", "cost_factor": "2"},
    ):
        with pytest.raises(Invalid):
            sheets.price_sheet_markup(sheet=sheet, **bad)


# --- what clients see ----------------------------------------------------------------------------


def test_products_for_photo_apply_overrides_and_hide_inactive_products():
    sheet = PriceSheetFactory(currency="EUR")
    gallery = GalleryFactory(owner=sheet.owner)
    photo, other = make_photo(gallery, "a.jpg"), make_photo(gallery, "b.jpg")
    assert selectors.products_for_photo(photo) == []  # no sheet: nothing for sale

    sheets.gallery_pricing_set(gallery=gallery, sheet=sheet)
    shown = a_print(sheet, name="8x10", price="15")
    products.option_add(product=shown, group="Paper", name="Lustre", price_delta="1.50")
    a_print(sheet, name="hidden", price="5", active=False)
    products.photo_price_set(product=shown, photo=photo, price="40")

    offers = selectors.products_for_photo(photo)
    assert [(o.product.name, o.price, o.overridden) for o in offers] == [
        ("8x10", Decimal("40.00"), True)
    ]
    assert [o.name for o in offers[0].options] == ["Lustre"]
    assert selectors.products_for_photo(other)[0].price == Decimal("15.00")
    lustre = shown.options.get()
    assert selectors.price_for(shown, photo, [lustre]) == Decimal("41.50")

    assert products.photo_price_clear(product=shown, photo=photo)
    assert selectors.products_for_photo(photo)[0].price == Decimal("15.00")


def test_photo_prices_only_for_own_photos_and_in_the_sheets_currency():
    sheet = PriceSheetFactory(currency="JPY")
    product = a_print(sheet, price="2000")
    foreign = make_photo(GalleryFactory())
    with pytest.raises(Invalid):
        products.photo_price_set(product=product, photo=foreign, price="3000")
    mine = make_photo(GalleryFactory(owner=sheet.owner))
    with pytest.raises(Invalid):
        products.photo_price_set(product=product, photo=mine, price="3000.50")
    assert not PhotoPrice.objects.exists()


def test_a_photos_own_prices_are_saved_together_or_not_at_all():
    sheet = PriceSheetFactory(currency="EUR")
    small, large = a_print(sheet, name="5x7", price="8"), a_print(sheet, name="8x10", price="15")
    photo = make_photo(GalleryFactory(owner=sheet.owner))

    def saved():
        return dict(PhotoPrice.objects.values_list("product__name", "price"))

    products.photo_prices_set(
        photo=photo, prices={small.public_id: "10", str(large.public_id): "20"}
    )
    assert saved() == {"5x7": 10, "8x10": 20}
    with pytest.raises(Invalid) as caught:  # clearing the 5x7 is undone with the bad 8x10
        products.photo_prices_set(
            photo=photo, prices={small.public_id: "", large.public_id: "20.005"}
        )
    assert "price" in caught.value.fields and saved() == {"5x7": 10, "8x10": 20}
    for foreign in (PrintFactory().public_id, "not-an-id"):
        with pytest.raises(NotFound):
            products.photo_prices_set(photo=photo, prices={small.public_id: "", foreign: "5"})
        assert saved() == {"5x7": 10, "8x10": 20}
    products.photo_prices_set(photo=photo, prices={small.public_id: " ", large.public_id: None})
    assert saved() == {}


# --- store settings and tax -------------------------------------------------------------------


def test_store_settings_have_defaults_until_changed():
    owner = PhotographerFactory()
    assert selectors.store_settings_for(owner).prices_include_tax is True
    store.store_settings_update(
        owner=owner, prices_include_tax=False, payment_instructions="  IBAN DE00 1234  "
    )
    saved = selectors.store_settings_for(owner)
    assert saved.pk and not saved.prices_include_tax
    assert saved.payment_instructions == "IBAN DE00 1234"


def test_tax_rules_region_beats_country_and_none_is_zero():
    owner = PhotographerFactory()
    store.tax_rule_create(owner=owner, country="us", physical_rate="5", digital_rate="0")
    store.tax_rule_create(
        owner=owner, country="US", region="US-CA", physical_rate="8.875", digital_rate="2"
    )
    store.tax_rule_create(owner=PhotographerFactory(), country="DE", physical_rate="19")

    assert selectors.tax_rate_for(owner, "US", "CA", "print") == Decimal("8.875")
    assert selectors.tax_rate_for(owner, "us", "ca", "digital") == Decimal("2")
    assert selectors.tax_rate_for(owner, "US", "NY", "print") == Decimal("5")
    assert selectors.tax_rate_for(owner, "US", "", "digital") == Decimal("0")
    assert selectors.tax_rate_for(owner, "DE", "", "print") == Decimal("0")  # someone else's rule


@pytest.mark.parametrize(
    "fields",
    [
        {"country": "Germany"},
        {"country": "D1"},
        {"country": ""},
        {"country": "DE", "region": "BAVARIA"},
        {"country": "DE", "physical_rate": "101"},
        {"country": "DE", "digital_rate": "-1"},
        {"country": "DE", "digital_rate": "7.0001"},
    ],
)
def test_tax_rules_reject_bad_places_and_rates(fields):
    with pytest.raises(Invalid):
        store.tax_rule_create(owner=PhotographerFactory(), **fields)


def test_one_tax_rule_per_place():
    owner = PhotographerFactory()
    rule = store.tax_rule_create(owner=owner, country="DE", physical_rate="19")
    with pytest.raises(Invalid):
        store.tax_rule_create(owner=owner, country="de", digital_rate="19")
    other = store.tax_rule_create(owner=owner, country="AT", physical_rate="20")
    with pytest.raises(Invalid):
        store.tax_rule_update(rule=other, country="DE")
    store.tax_rule_update(rule=rule, physical_rate="7")
    rule.refresh_from_db()
    assert rule.physical_rate == Decimal(7)
    store.tax_rule_delete(rule=rule)
    assert list(selectors.tax_rules_of(owner)) == [other]
