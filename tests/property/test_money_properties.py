import json
from decimal import Decimal, Inexact, Rounded, localcontext

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from dunning.errors import MoneyError
from dunning.money import MAX_DIGITS, Money, minor_unit, plain
from dunning.testing._money import money


@given(money(), st.integers(1, 50), st.sampled_from(["first", "last"]))
def test_split_sums_exactly_and_is_fair(total: Money, parts: int, remainder: str) -> None:
    pieces = total.split(parts, remainder=remainder)  # type: ignore[arg-type]
    assert len(pieces) == parts
    assert Money.sum(pieces, total.currency) == total
    assert all(not p.is_negative for p in pieces)
    units = [p.to_minor_units() for p in pieces]
    assert max(units) - min(units) <= 1


@given(
    money(),
    st.lists(st.decimals(min_value=0, max_value=1000, places=3), min_size=1, max_size=12).filter(
        lambda ratios: sum(ratios) > 0
    ),
    st.sampled_from(["first", "last"]),
)
def test_allocate_sums_exactly_and_is_never_negative(
    total: Money, ratios: list[Decimal], tie_break: str
) -> None:
    parts = total.allocate(ratios, tie_break=tie_break)  # type: ignore[arg-type]
    assert Money.sum(parts, total.currency) == total
    assert all(not p.is_negative for p in parts)
    for ratio, part in zip(ratios, parts, strict=True):
        if ratio == 0:
            assert part.is_zero
    # Largest remainder: every part is within one minor unit of its exact share.
    whole = total.to_minor_units()
    for ratio, part in zip(ratios, parts, strict=True):
        exact = Decimal(whole) * ratio / sum(ratios)
        assert abs(part.to_minor_units() - exact) < 1


@given(money())
def test_json_round_trip(value: Money) -> None:
    assert Money.model_validate_json(value.model_dump_json()) == value


@given(money(), money())
def test_addition_is_exact_when_currencies_agree(a: Money, b: Money) -> None:
    if a.currency == b.currency:
        assert (a + b) - b == a


_CURRENCIES = st.sampled_from(["USD", "COP", "KWD", "JPY", "EUR"])


@st.composite
def _long_amounts(draw: st.DrawFn) -> Money:
    # Up to MAX_DIGITS digits in the currency's minor unit, either sign.
    currency = draw(_CURRENCIES)
    units = draw(st.integers(-(10**MAX_DIGITS) + 1, 10**MAX_DIGITS - 1))
    return Money.from_minor_units(units, currency)


@given(
    _long_amounts(),
    st.integers(1, 40),
    st.integers(1, 27),
    st.sampled_from([None, Inexact, Rounded]),
)
def test_split_is_exact_whatever_the_callers_context(
    total: Money, parts: int, precision: int, trap: type[Exception] | None
) -> None:
    expected = total.split(parts)
    with localcontext() as context:
        context.prec = precision
        if trap is not None:
            context.traps[trap] = True  # type: ignore[index]
        pieces = total.split(parts)
        assert pieces == expected
        assert Money.sum(pieces, total.currency) == total
        assert (total + total - total) == total
        assert (total - total - total).__neg__() == total
        assert str(total) == plain(total.amount) + " " + total.currency
    assert sum(p.to_minor_units() for p in pieces) == total.to_minor_units()


@given(_long_amounts(), st.decimals(allow_nan=True, allow_infinity=True))
def test_money_is_always_finite(total: Money, factor: Decimal) -> None:
    if factor.is_finite():
        assert (total * factor).amount.is_finite()
    else:
        with pytest.raises(MoneyError, match="money is always finite"):
            total * factor


@given(st.decimals(allow_nan=False, allow_infinity=False), _CURRENCIES)
def test_construction_refuses_or_keeps_every_digit(value: Decimal, currency: str) -> None:
    try:
        money_value = Money(value, currency)
    except ValidationError as error:
        kinds = {entry["type"] for entry in error.errors()}
        assert kinds <= {"dunning.too_many_digits"}
        assert abs(value) >= Decimal(10) ** (MAX_DIGITS - minor_unit(currency)) or (
            value.adjusted() >= 100 or value.as_tuple().exponent < -100  # type: ignore[operator]
        )
    else:
        assert money_value.amount == value
        text = money_value.model_dump_json()
        written = json.loads(text)["amount"]
        assert "E" not in written and "e" not in written
        assert Decimal(written) == value
        assert Money.model_validate_json(text) == money_value
