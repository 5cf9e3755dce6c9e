"""The photographer's discount codes (`cart.discounts`): every rule a code must keep, the refusal
to delete a used code, and that another photographer's codes and galleries are out of reach."""

import uuid
from datetime import UTC, datetime, timedelta
from datetime import timezone as dt_timezone
from decimal import Decimal

import pytest
from django.db.models import F
from django.utils import timezone

from proofsheet.accounts.tests.factories import UserFactory
from proofsheet.cart import discounts
from proofsheet.cart.models import Discount, DiscountUse
from proofsheet.core.errors import Conflict, Forbidden, Invalid, NotFound
from proofsheet.galleries.tests.factories import GalleryFactory, PhotographerFactory
from proofsheet.orders.models import Order

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner():
    return PhotographerFactory()


def create(owner, **fields):
    fields.setdefault("code", "summer10")
    fields.setdefault("kind", "percent")
    fields.setdefault("value", "10")
    return discounts.discount_create(owner=owner, **fields)


def errors(exc) -> str:
    return exc.value.message


def test_code_is_stored_upper_case_and_unique_per_owner(owner):
    code = create(owner, code="  summer10 ")
    assert code.code == "SUMMER10" and code.value == Decimal("10") and code.active
    with pytest.raises(Invalid) as exc:
        create(owner, code="Summer10")
    assert "already have a code SUMMER10" in errors(exc)
    # Another photographer may use the same text.
    assert create(PhotographerFactory(), code="SUMMER10").code == "SUMMER10"
    assert Discount.objects.filter(code="SUMMER10").count() == 2


@pytest.mark.parametrize("bad", ["", "   ", "A", "has space", "ÉTÉ", "-LEAD", "X" * 41, "a!b"])
def test_malformed_codes_are_refused(owner, bad):
    with pytest.raises(Invalid) as exc:
        create(owner, code=bad)
    assert "code" in exc.value.fields


@pytest.mark.parametrize(
    ("value", "message"),
    [("0", "more than 0"), ("100.01", "at most 100"), ("-5", "more than 0"),
     ("abc", "percentage such as"), ("12.345", "2 decimals"), (None, "percentage such as")],
)  # fmt: skip
def test_percentage_is_above_0_and_at_most_100(owner, value, message):
    with pytest.raises(Invalid) as exc:
        create(owner, value=value)
    assert message in errors(exc)


def test_percentage_bounds_and_comma(owner):
    assert create(owner, code="ALL", value="100").value == 100
    assert create(owner, code="HALF", value="12,5").value == Decimal("12.5")


def test_fixed_amount_needs_a_currency_and_fits_its_decimals(owner):
    with pytest.raises(Invalid) as exc:
        create(owner, kind="fixed", value="5")
    assert "currency" in exc.value.fields
    with pytest.raises(Invalid) as exc:
        create(owner, kind="fixed", value="500.5", currency="JPY")
    assert "JPY amounts have at most 0 decimals" in errors(exc)
    with pytest.raises(Invalid) as exc:
        create(owner, kind="fixed", value="0", currency="EUR")
    assert "more than 0" in errors(exc)
    with pytest.raises(Invalid) as exc:
        create(owner, kind="fixed", value="5", currency="XYZ")
    assert "currency" in exc.value.fields
    with pytest.raises(Invalid) as exc:
        create(owner, kind="fixed", value="2000000", currency="EUR")
    assert "between 0 and" in errors(exc)
    fixed = create(owner, kind="fixed", value="7.5", currency="eur")
    assert (fixed.value, fixed.currency) == (Decimal("7.5"), "EUR")


def test_free_shipping_has_no_value_and_a_minimum_order_needs_a_currency(owner):
    free = create(owner, kind="free_shipping", value="99", currency="USD")
    assert free.value == 0 and free.currency == ""  # no amount, no currency to trip on
    with pytest.raises(Invalid) as exc:
        create(owner, code="MIN", min_order="50")
    assert "currency of the minimum order" in errors(exc)
    with pytest.raises(Invalid) as exc:
        create(owner, code="MIN", min_order="-1", currency="EUR")
    assert "min_order" in exc.value.fields
    with pytest.raises(Invalid) as exc:
        create(owner, code="MIN", min_order="10.001", currency="EUR")
    assert "2 decimals" in errors(exc)
    with_min = create(owner, code="MIN", min_order="50", currency="EUR")
    assert with_min.min_order == 50 and with_min.currency == "EUR"


def test_unknown_kind_is_refused(owner):
    with pytest.raises(Invalid) as exc:
        create(owner, kind="bogo")
    assert "kind" in exc.value.fields


def test_validity_window_must_end_after_it_starts(owner):
    now = timezone.now()
    with pytest.raises(Invalid) as exc:
        create(owner, starts_at=now, ends_at=now)
    assert "end after it starts" in errors(exc)
    with pytest.raises(Invalid):
        create(owner, starts_at=now, ends_at=now - timedelta(days=1))
    ok = create(owner, starts_at=now, ends_at=now + timedelta(days=7))
    assert ok.ends_at - ok.starts_at == timedelta(days=7)
    assert create(owner, code="OPEN", ends_at=now).starts_at is None  # open start is fine


def test_use_limits(owner):
    with pytest.raises(Invalid) as exc:
        create(owner, max_uses=0)
    assert "max_uses" in exc.value.fields
    with pytest.raises(Invalid) as exc:
        create(owner, max_uses_per_customer="two")
    assert "whole number" in errors(exc)
    with pytest.raises(Invalid) as exc:
        create(owner, max_uses=2, max_uses_per_customer=3)
    assert "cannot be above the total" in errors(exc)
    code = create(owner, max_uses="3", max_uses_per_customer="1")
    assert (code.max_uses, code.max_uses_per_customer) == (3, 1)
    assert discounts.discount_uses_left(code) == 3
    assert discounts.discount_uses_left(create(owner, code="NOLIMIT")) is None


def test_scope_gallery_must_be_the_owners_own(owner):
    mine = GalleryFactory(owner=owner)
    theirs = GalleryFactory()
    assert create(owner, gallery=mine).gallery == mine
    assert create(owner, code="BYID", gallery=str(mine.public_id)).gallery == mine
    with pytest.raises(NotFound):
        create(owner, code="X1", gallery=theirs)
    with pytest.raises(NotFound):
        create(owner, code="X2", gallery=theirs.public_id)
    with pytest.raises(NotFound):
        create(owner, code="X3", gallery="not-a-uuid")
    assert not Discount.objects.filter(code__startswith="X").exists()


def test_scope_product_kinds(owner):
    assert create(owner, product_kinds=["print"]).product_kinds == ["print"]
    assert create(owner, code="DL", product_kinds=["DIGITAL", "digital"]).product_kinds == [
        "digital"
    ]
    # Both kinds is everything.
    assert create(owner, code="BOTH", product_kinds=["print", "digital"]).product_kinds == []
    with pytest.raises(Invalid) as exc:
        create(owner, code="BAD", product_kinds=["mug"])
    assert "product_kinds" in exc.value.fields


def test_clients_cannot_make_codes():
    with pytest.raises(Forbidden):
        create(UserFactory())


def test_update_changes_only_what_is_given_and_keeps_uses(owner):
    code = create(owner, max_uses=5)
    # Checkout counts a use meanwhile (conditional UPDATE): the update must not write it back.
    Discount.objects.filter(pk=code.pk).update(uses=F("uses") + 2)
    discounts.discount_update(discount=code, value="15")
    assert code.uses == 2  # the object passed in is refreshed too
    code.refresh_from_db()
    assert (code.code, code.value, code.uses, code.max_uses) == ("SUMMER10", 15, 2, 5)
    with pytest.raises(Invalid) as exc:
        discounts.discount_update(discount=code, max_uses=1)
    assert "used 2 times" in errors(exc)
    with pytest.raises(Invalid) as exc:
        discounts.discount_update(discount=code, colour="red")
    assert "Unknown" in errors(exc)


def test_update_refuses_a_clash_and_a_broken_rule_leaving_the_code_as_it_was(owner):
    create(owner, code="TAKEN")
    code = create(owner)
    with pytest.raises(Invalid) as exc:
        discounts.discount_update(discount=code, code="taken")
    assert "already have a code TAKEN" in errors(exc)
    with pytest.raises(Invalid):
        discounts.discount_update(discount=code, value="150")
    code.refresh_from_db()
    assert (code.code, code.value) == ("SUMMER10", 10)
    discounts.discount_update(discount=code, code="autumn-5")  # unused: its text may change
    assert Discount.objects.get(pk=code.pk).code == "AUTUMN-5"


def test_update_kind_needs_a_new_value(owner):
    code = create(owner)
    with pytest.raises(Invalid) as exc:
        discounts.discount_update(discount=code, kind="fixed", currency="EUR")
    assert "value for the new kind" in errors(exc)
    discounts.discount_update(discount=code, kind="fixed", currency="EUR", value="4")
    assert (code.kind, code.value, code.currency) == ("fixed", 4, "EUR")
    discounts.discount_update(discount=code, kind="free_shipping")
    assert (code.kind, code.value, code.currency) == ("free_shipping", 0, "")


def test_update_scope_to_a_foreign_gallery_is_404(owner):
    code = create(owner)
    with pytest.raises(NotFound):
        discounts.discount_update(discount=code, gallery=GalleryFactory())
    mine = GalleryFactory(owner=owner)
    discounts.discount_update(discount=code, gallery=mine)
    assert Discount.objects.get(pk=code.pk).gallery == mine
    discounts.discount_update(discount=code, gallery=None)
    assert Discount.objects.get(pk=code.pk).gallery is None


def _use(code, owner):
    order = Order.objects.create(
        number=f"T-{uuid.uuid4().hex[:12]}", seller=owner, email="ann@example.test",
        currency="EUR", subtotal=0, total=0,
    )  # fmt: skip
    Discount.objects.filter(pk=code.pk).update(uses=F("uses") + 1)
    return DiscountUse.objects.create(discount=code, order=order, email="ann@example.test")


def test_disable_and_enable(owner):
    code = create(owner)
    discounts.discount_disable(discount=code)
    assert Discount.objects.get(pk=code.pk).active is False
    discounts.discount_enable(discount=code)
    assert Discount.objects.get(pk=code.pk).active is True


def test_delete_unused_code_but_refuse_a_used_one(owner):
    unused = create(owner, code="UNUSED")
    discounts.discount_delete(discount=unused)
    assert not Discount.objects.filter(code="UNUSED").exists()

    used = create(owner)
    _use(used, owner)
    with pytest.raises(Conflict) as exc:
        discounts.discount_delete(discount=used)
    assert "disable it instead" in errors(exc) and exc.value.code == "in_use"
    assert Discount.objects.filter(pk=used.pk).exists()
    with pytest.raises(Invalid) as exc:
        discounts.discount_update(discount=used, code="OTHER")
    assert "cannot change" in errors(exc)
    discounts.discount_update(discount=used, value="20")  # other fields still change


def test_selectors_are_per_owner(owner):
    a = create(owner, code="B-CODE")
    b = create(owner, code="A-CODE")
    off = create(owner, code="OFF", active=False)
    theirs = create(PhotographerFactory(), code="THEIRS")
    _use(a, owner)
    listed = list(discounts.discounts_owned_by(owner))
    assert listed == [b, a, off]  # active first, then by code
    assert listed[1].use_count == 1
    assert discounts.discount_get_owned(owner, a.public_id) == a
    assert discounts.discount_get_owned(owner, str(a.public_id)) == a
    assert discounts.discount_get_owned(owner, theirs.public_id) is None
    assert discounts.discount_get_owned(owner, "nope") is None


def test_validity_dates_are_stored_in_utc_and_must_be_dates(owner):
    odd = dt_timezone(timedelta(hours=23, minutes=42))
    code = create(owner, starts_at=datetime(2030, 1, 2, 0, 0, tzinfo=odd))
    assert code.starts_at.utcoffset() == timedelta(0)
    assert code.starts_at == datetime(2030, 1, 1, 0, 18, tzinfo=UTC)
    with pytest.raises(Invalid) as exc:
        create(owner, code="WHEN", ends_at="next week")
    assert "ends_at" in exc.value.fields
