"""Optional option groups: which groups a client may leave unchosen, kept in step with options."""

import pytest

from proofsheet.catalog import products, selectors, sheets
from proofsheet.catalog.models import Product
from proofsheet.catalog.tests.factories import PriceSheetFactory, PrintFactory
from proofsheet.core.errors import Invalid

pytestmark = pytest.mark.django_db


@pytest.fixture
def framed():
    product = PrintFactory(sheet=PriceSheetFactory(currency="EUR"), name="8x10 print")
    products.option_add(product=product, group="Paper", name="Glossy")
    products.option_add(product=product, group="Paper", name="Lustre", price_delta="1")
    products.option_add(product=product, group="Frame", name="Black oak", price_delta="30")
    return product


def test_optional_groups_name_the_products_own_groups_in_their_spelling(framed):
    products.product_update(product=framed, optional_groups=[" frame ", "Frame", ""])
    framed.refresh_from_db()
    assert framed.optional_groups == ["Frame"]
    assert [(g.name, g.optional) for g in selectors.option_groups(framed)] == [
        ("Frame", True),
        ("Paper", False),
    ]

    with pytest.raises(Invalid, match="“Mat” is not an option group"):
        products.product_update(product=framed, optional_groups=["Frame", "Mat"])
    with pytest.raises(Invalid, match="list of names"):
        products.product_update(product=framed, optional_groups="Frame")
    framed.refresh_from_db()
    assert framed.optional_groups == ["Frame"]

    products.product_update(product=framed, optional_groups=[])
    framed.refresh_from_db()
    assert framed.optional_groups == []


def test_a_new_product_has_no_groups_to_make_optional():
    sheet = PriceSheetFactory()
    fields = {"kind": "print", "name": "5x7", "finish": "paper", "width_in": "5",
              "height_in": "7", "price": "8"}  # fmt: skip
    with pytest.raises(Invalid, match="add its options first"):
        products.product_create(sheet=sheet, optional_groups=["Frame"], **fields)
    assert products.product_create(sheet=sheet, **fields).optional_groups == []


def test_missing_groups_are_the_required_ones_left_out(framed):
    products.product_update(product=framed, optional_groups=["Frame"])
    glossy = framed.options.get(name="Glossy")
    assert selectors.missing_groups(framed, []) == ["Paper"]
    assert selectors.missing_groups(framed, [glossy]) == []


def test_removing_or_renaming_options_keeps_the_marks_in_step(framed):
    products.product_update(product=framed, optional_groups=["Frame"])
    frame = framed.options.get(group="Frame")

    # A group renamed whole stays optional.
    products.option_update(option=frame, group="Frames")
    assert Product.objects.get(pk=framed.pk).optional_groups == ["Frames"]

    # Its last option gone, the group is gone, and so is its mark.
    products.option_remove(option=frame)
    assert Product.objects.get(pk=framed.pk).optional_groups == []

    # A group that is added again is required until marked optional.
    products.option_add(product=framed, group="Frames", name="White")
    assert selectors.missing_groups(Product.objects.get(pk=framed.pk), []) == ["Frames", "Paper"]


def test_moving_one_option_into_another_group_keeps_the_old_groups_mark(framed):
    products.product_update(product=framed, optional_groups=["Paper"])
    lustre = framed.options.get(name="Lustre")
    products.option_update(option=lustre, group="Finish")  # Glossy is still a Paper
    framed.refresh_from_db()
    assert framed.optional_groups == ["Paper"]
    assert selectors.missing_groups(framed, []) == ["Finish", "Frame"]


def test_copies_keep_the_optional_groups(framed):
    products.product_update(product=framed, optional_groups=["Frame"])
    copy = sheets.price_sheet_duplicate(sheet=framed.sheet)
    assert copy.products.get().optional_groups == ["Frame"]


def test_the_starter_sheet_requires_its_paper_and_frame():
    sheet = sheets.price_sheet_starter(owner=PriceSheetFactory().owner)
    framed = sheet.products.get(name="8x10 framed print")
    paper = sheet.products.get(name="8x10 print")
    assert selectors.missing_groups(framed, []) == ["Frame"]
    assert selectors.missing_groups(paper, []) == ["Paper"]
    copy = sheets.price_sheet_duplicate(sheet=sheet)
    assert selectors.missing_groups(copy.products.get(name="8x10 framed print"), []) == ["Frame"]
