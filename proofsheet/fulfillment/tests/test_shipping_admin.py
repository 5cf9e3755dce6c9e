"""The photographer's shipping methods and rates (`fulfillment.shipping`): kinds, currencies,
countries, the one catch-all rate per method, amounts in the method's currency, per-owner reads."""

from decimal import Decimal

import pytest

from proofsheet.accounts.tests.factories import UserFactory
from proofsheet.core.errors import Forbidden, Invalid
from proofsheet.fulfillment import shipping
from proofsheet.fulfillment.models import ShippingMethod, ShippingRate
from proofsheet.galleries.tests.factories import PhotographerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner():
    return PhotographerFactory()


@pytest.fixture
def method(owner):
    return shipping.shipping_method_create(owner=owner, name="Post", currency="EUR")


def errors(exc) -> str:
    return exc.value.message


def test_create_method_with_kind_and_currency(owner):
    m = shipping.shipping_method_create(
        owner=owner, name="  Courier ", kind="EXPEDITED", currency="usd"
    )
    assert (m.name, m.kind, m.currency, m.active) == ("Courier", "expedited", "USD", True)
    pickup = shipping.shipping_method_create(owner=owner, name="At the studio", kind="pickup")
    assert pickup.currency == "EUR"


@pytest.mark.parametrize(
    ("fields", "field"),
    [({"name": ""}, "name"), ({"name": "x" * 81}, "name"), ({"kind": "drone"}, "kind"),
     ({"currency": "XYZ"}, "currency"), ({"currency": ""}, "currency")],
)  # fmt: skip
def test_method_rules(owner, fields, field):
    with pytest.raises(Invalid) as exc:
        shipping.shipping_method_create(owner=owner, **({"name": "Post"} | fields))
    assert field in exc.value.fields


def test_clients_cannot_make_methods():
    with pytest.raises(Forbidden):
        shipping.shipping_method_create(owner=UserFactory(), name="Post")


def test_rates_parse_countries_and_amounts(method):
    rate = shipping.shipping_rate_create(
        method=method, countries="fr, de be;FR", first_item="5", additional_item="1,50",
        per_kg="0.25",
    )  # fmt: skip
    assert rate.countries == ["BE", "DE", "FR"]
    assert (rate.first_item, rate.additional_item, rate.per_kg) == (
        Decimal("5"), Decimal("1.50"), Decimal("0.25"),
    )  # fmt: skip
    listed = shipping.shipping_rate_create(method=method, countries=["it", "ES"], first_item=7)
    assert listed.countries == ["ES", "IT"] and listed.additional_item == 0


@pytest.mark.parametrize("bad", ["FRA", "F", "12", "fr de-x", ["FR", "U$"]])
def test_countries_are_iso_alpha_2(method, bad):
    with pytest.raises(Invalid) as exc:
        shipping.shipping_rate_create(method=method, countries=bad)
    assert "two-letter country code" in errors(exc)


def test_one_catch_all_per_method_and_a_country_in_one_rate(method, owner):
    everywhere = shipping.shipping_rate_create(method=method, countries="", first_item="20")
    assert everywhere.countries == []
    with pytest.raises(Invalid) as exc:
        shipping.shipping_rate_create(method=method, countries=[], first_item="25")
    assert "already has a rate for everywhere else" in errors(exc)
    shipping.shipping_rate_create(method=method, countries="FR DE")
    with pytest.raises(Invalid) as exc:
        shipping.shipping_rate_create(method=method, countries="DE IT")
    assert "DE already in another rate" in errors(exc)
    # Another method (even the same owner's) has its own catch-all and countries.
    other = shipping.shipping_method_create(owner=owner, name="Courier", kind="expedited")
    shipping.shipping_rate_create(method=other, countries="")
    shipping.shipping_rate_create(method=other, countries="DE")
    assert method.rates.count() == 2 and other.rates.count() == 2


def test_amounts_in_the_methods_currency(owner):
    yen = shipping.shipping_method_create(owner=owner, name="Yu-Pack", currency="JPY")
    with pytest.raises(Invalid) as exc:
        shipping.shipping_rate_create(method=yen, first_item="800.5")
    assert "JPY amounts have at most 0 decimals" in errors(exc)
    for field in ("first_item", "additional_item", "per_kg"):
        with pytest.raises(Invalid) as exc:
            shipping.shipping_rate_create(method=yen, **{field: "-1"})
        assert field in exc.value.fields
        with pytest.raises(Invalid) as exc:
            shipping.shipping_rate_create(method=yen, **{field: "lots"})
        assert "Enter an amount" in errors(exc)
    assert not ShippingRate.objects.filter(method=yen).exists()


def test_update_rate_checks_again_and_keeps_it_on_failure(method):
    fr = shipping.shipping_rate_create(method=method, countries="FR", first_item="5")
    shipping.shipping_rate_create(method=method, countries="DE", first_item="6")
    shipping.shipping_rate_update(rate=fr, countries="fr be", per_kg="2")
    fr.refresh_from_db()
    assert fr.countries == ["BE", "FR"] and fr.per_kg == 2 and fr.first_item == 5
    with pytest.raises(Invalid) as exc:
        shipping.shipping_rate_update(rate=fr, countries="DE")
    assert "DE already" in errors(exc)
    assert fr.countries == ["BE", "FR"]  # the object is back to what is stored
    with pytest.raises(Invalid):
        shipping.shipping_rate_update(rate=fr, method=None)
    # A rate may keep its own countries when saved again (it does not clash with itself).
    shipping.shipping_rate_update(rate=fr, first_item="5.5")
    shipping.shipping_rate_delete(rate=fr)
    assert list(method.rates.values_list("countries", flat=True)) == [["DE"]]


def test_currency_change_needs_rates_that_fit(method):
    rate = shipping.shipping_rate_create(method=method, countries="", first_item="4.50")
    with pytest.raises(Invalid) as exc:
        shipping.shipping_method_update(method=method, currency="JPY", name="Renamed")
    assert "more decimals than JPY allows" in errors(exc)
    method.refresh_from_db()
    assert (method.currency, method.name) == ("EUR", "Post")
    shipping.shipping_rate_update(rate=rate, first_item="5")
    shipping.shipping_method_update(method=method, currency="JPY", kind="pickup", active=False)
    method.refresh_from_db()
    assert (method.currency, method.kind, method.active) == ("JPY", "pickup", False)
    with pytest.raises(Invalid) as exc:
        shipping.shipping_method_update(method=method, owner=None)
    assert "Unknown" in errors(exc)


def test_delete_method_takes_its_rates(method):
    shipping.shipping_rate_create(method=method, countries="")
    shipping.shipping_method_delete(method=method)
    assert not ShippingMethod.objects.exists() and not ShippingRate.objects.exists()


def test_selectors_are_per_owner(owner, method):
    fr = shipping.shipping_rate_create(method=method, countries="FR")
    empty = shipping.shipping_method_create(owner=owner, name="Courier")  # no rate yet
    dollars = shipping.shipping_method_create(owner=owner, name="US post", currency="USD")
    shipping.shipping_rate_create(method=dollars, countries="US")
    off = shipping.shipping_method_create(owner=owner, name="Old", active=False)
    shipping.shipping_rate_create(method=off, countries="")
    theirs = shipping.shipping_method_create(owner=PhotographerFactory(), name="Theirs")
    their_rate = shipping.shipping_rate_create(method=theirs, countries="")

    assert [m.name for m in shipping.shipping_methods_owned_by(owner)] == [
        "Courier", "Old", "Post", "US post",
    ]  # fmt: skip
    assert list(shipping.shipping_methods_for_sale(owner, "eur")) == [method]
    assert shipping.shipping_method_get_owned(owner, method.public_id) == method
    assert shipping.shipping_method_get_owned(owner, theirs.public_id) is None
    assert shipping.shipping_method_get_owned(owner, "nope") is None
    assert shipping.shipping_rate_get_owned(owner, fr.public_id) == fr
    assert shipping.shipping_rate_get_owned(owner, their_rate.public_id) is None
    assert shipping.shipping_rate_get_owned(owner, None) is None
    assert empty.rates.count() == 0
