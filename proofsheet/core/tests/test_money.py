"""What a seller types, cleaned once for the studio, the API and the CLI: amounts per currency,
currencies, percentages, numbers, whole numbers, text and field names. Each refusal names its
field, so a form shows it beside that field and the API in `fields`."""

from decimal import Decimal

import pytest

from proofsheet.core.cleaning import fields_check, number_parse, text_clean, whole_clean
from proofsheet.core.errors import Invalid
from proofsheet.core.money import (
    amount_clean,
    amount_text,
    currency_change_check,
    currency_clean,
    number_text,
    percent_clean,
)


def refusal(call, *args, **kwargs) -> dict[str, list[str]]:
    with pytest.raises(Invalid) as caught:
        call(*args, **kwargs)
    return caught.value.fields


@pytest.mark.parametrize(
    ("value", "currency", "amount"),
    [("12.50", "EUR", "12.50"), ("12,5", "EUR", "12.5"), (" 8 ", "EUR", "8"), (1500, "JPY", "1500"),
     (Decimal("1.125"), "KWD", "1.125"), ("1000000", "EUR", "1000000"), ("0", "EUR", "0")],
)  # fmt: skip
def test_amounts_a_seller_may_type(value, currency, amount):
    assert amount_clean(value, currency, field="price") == Decimal(amount)


@pytest.mark.parametrize(
    ("value", "currency", "message"),
    [("12.505", "EUR", "EUR amounts have at most 2 decimals."),
     ("1500.5", "JPY", "JPY amounts have at most 0 decimals."),
     ("1.1255", "KWD", "KWD amounts have at most 3 decimals."),
     ("-1", "EUR", "Enter an amount between 0 and 1000000."),
     ("1000000.01", "EUR", "Enter an amount between 0 and 1000000."),
     ("abc", "EUR", "Enter an amount such as 12.50."),
     ("NaN", "EUR", "Enter an amount such as 12.50."),
     ("Infinity", "EUR", "Enter an amount such as 12.50."),
     ("", "EUR", "Enter an amount such as 12.50."),
     (None, "EUR", "Enter an amount such as 12.50.")],
)  # fmt: skip
def test_amounts_refused_name_their_field(value, currency, message):
    assert refusal(amount_clean, value, currency, field="first_item") == {"first_item": [message]}


def test_nothing_typed_is_zero_where_the_caller_says_so():
    assert amount_clean("", "EUR", field="per_kg", empty_is_zero=True) == 0
    assert amount_clean(None, "JPY", field="per_kg", empty_is_zero=True) == 0
    assert "per_kg" in refusal(amount_clean, "x", "EUR", field="per_kg", empty_is_zero=True)


def test_currencies():
    assert currency_clean(" jpy ") == "JPY"
    assert currency_clean("", optional=True) == currency_clean(None, optional=True) == ""
    for value in ("", "XYZ", None):
        assert refusal(currency_clean, value)["currency"][0].startswith("Choose one of EUR, USD")
    assert "currency" in refusal(currency_clean, "XYZ", optional=True)


def test_a_currency_change_must_fit_the_amounts_already_stored():
    currency_change_check([Decimal("12"), Decimal("1500")], "JPY", what="rates")
    fields = refusal(currency_change_check, [Decimal("12.50")], "JPY", what="rates")
    assert fields == {
        "currency": ["Some rates have more decimals than JPY allows: change them first."]
    }


def test_percentages_have_their_bounds_and_decimals():
    assert percent_clean("12,5", field="value") == Decimal("12.5")
    assert percent_clean("0", field="rate") == 0  # a 0 % tax rate is a rate
    assert refusal(percent_clean, "0", field="value", above_low=True) == {
        "value": ["A percentage is more than 0 and at most 100."]
    }
    assert refusal(percent_clean, "101", field="value") == {
        "value": ["A percentage is at least 0 and at most 100."]
    }
    assert refusal(percent_clean, "7.0001", field="rate", what="a tax rate", places=3) == {
        "rate": ["A tax rate has at most 3 decimals."]
    }
    assert refusal(percent_clean, "ten", field="value") == {
        "value": ["Enter a percentage such as 10 or 12.5."]
    }
    markup = {"low": -100, "high": 1000, "above_low": True, "places": None}
    assert percent_clean("-99.999", field="percent", **markup) == Decimal("-99.999")
    assert "percent" in refusal(percent_clean, "-100", field="percent", **markup)


def test_amounts_and_numbers_as_text():
    assert amount_text(Decimal("12.5"), "EUR") == "12.50"
    assert amount_text(Decimal("1500.0000"), "JPY") == "1500"
    assert amount_text(Decimal("1.1250"), "KWD") == "1.125"
    assert number_text(Decimal("19.000")) == "19"
    assert number_text(Decimal("8.50")) == "8.5"
    assert number_text(Decimal("1E+2")) == "100"


def test_numbers_whole_numbers_text_and_field_names():
    assert number_parse("12,5") == Decimal("12.5")
    assert number_parse("NaN") is None and number_parse(None) is None
    assert whole_clean(" 12 ", field="stock", label="Stock") == 12
    for value in ("1.5", True, None, "x"):
        assert refusal(whole_clean, value, field="stock", label="Stock") == {
            "stock": ["Stock must be a whole number."]
        }
    assert refusal(whole_clean, "0", field="max_uses", label="A limit", low=1, high=10**6) == {
        "max_uses": ["A limit must be between 1 and 1,000,000."]
    }
    assert text_clean("  Weddings ", field="name", label="The name", max_length=10) == "Weddings"
    assert refusal(text_clean, " ", field="name", label="The name", max_length=10) == {
        "name": ["The name cannot be empty."]
    }
    assert "name" in refusal(text_clean, "x" * 11, field="name", label="The name", max_length=10)
    fields_check({"name"}, {"name", "kind"}, "shipping method")
    with pytest.raises(Invalid, match="Unknown shipping method fields: colour, size"):
        fields_check({"name", "size", "colour"}, {"name"}, "shipping method")
