"""Money properties (T6): one rounding rule, allocations that add up (R31)."""

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from proofsheet.core.money import allocate, exponent, quantize

CURRENCIES = st.sampled_from(["EUR", "USD", "JPY", "KWD"])
AMOUNTS = st.decimals(min_value=Decimal("0"), max_value=Decimal("100000"), places=4)


@settings(max_examples=500)
@given(amount=AMOUNTS, currency=CURRENCIES)
def test_quantize_is_idempotent_and_respects_the_exponent(amount, currency):
    once = quantize(amount, currency)
    assert quantize(once, currency) == once
    assert -once.as_tuple().exponent == exponent(currency)
    assert abs(once - amount) <= Decimal(1).scaleb(-exponent(currency)) / 2


@settings(max_examples=500)
@given(
    total=AMOUNTS,
    weights=st.lists(
        st.decimals(min_value=Decimal("0"), max_value=Decimal("5000"), places=2),
        min_size=1,
        max_size=12,
    ),
    currency=CURRENCIES,
)
def test_allocate_adds_up_exactly_and_is_never_negative(total, weights, currency):
    parts = allocate(total, weights, currency)
    assert len(parts) == len(weights)
    assert sum(parts, Decimal(0)) == quantize(total, currency)
    assert all(part >= 0 for part in parts)
    assert all(quantize(part, currency) == part for part in parts)


@settings(max_examples=300)
@given(
    weights=st.lists(
        st.decimals(min_value=Decimal("0.01"), max_value=Decimal("5000"), places=2),
        min_size=1,
        max_size=12,
    ),
    share=st.decimals(min_value=Decimal("0"), max_value=Decimal("1"), places=3),
    currency=st.sampled_from(["EUR", "USD"]),
)
def test_allocating_part_of_the_weights_never_gives_a_line_more_than_its_weight(
    weights, share, currency
):
    total = quantize(sum(weights, Decimal(0)) * share, currency)
    parts = allocate(total, weights, currency)
    assert all(part <= weight for part, weight in zip(parts, weights, strict=True))


def test_jpy_has_no_minor_unit():
    assert quantize(Decimal("1234.5"), "JPY") == Decimal("1235")
    assert allocate(Decimal("100"), [Decimal(1)] * 3, "JPY") == [
        Decimal(34),
        Decimal(33),
        Decimal(33),
    ]
