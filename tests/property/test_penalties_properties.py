from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from dunning.daycount import DayCount, year_fraction
from dunning.money import Money
from dunning.penalties import (
    InterestComputation,
    InterestRule,
    LateFee,
    RateFixing,
    amount_in,
)
from dunning.rates import RateTable
from dunning.testing._money import currencies, money
from dunning.testing._penalties import interest_rules, late_fees, tiered_fees
from dunning.testing._time import dates

LATE_FEE: TypeAdapter[Any] = TypeAdapter(LateFee)
ACTUAL = (DayCount.ACT_365F, DayCount.ACT_360, DayCount.ACT_ACT_ISDA)

periods = st.tuples(dates(date(1990, 1, 2), date(2060, 1, 1)), st.integers(0, 800))


def _limit_on(limit: Decimal | RateTable | None, day: date) -> Decimal | None:
    if limit is None or isinstance(limit, Decimal):
        return limit
    return limit.rate_on(day)


@given(interest_rules(), money(min_units=1, max_units=10**10), periods)
def test_interest_rate_within_ceiling_and_floor_per_segment(
    rule: InterestRule, principal: Money, period: tuple[date, int]
) -> None:
    due, length = period
    result = rule.compute(principal, due, due + timedelta(days=length))
    for segment in result.segments:
        assert segment.annual_rate >= 0
        for day in (segment.first_day, segment.last_day):
            ceiling = _limit_on(rule.ceiling, day)
            if ceiling is not None:
                assert segment.annual_rate <= ceiling
            floor = _limit_on(rule.floor, day)
            if floor is not None and (ceiling is None or floor <= ceiling):
                assert segment.annual_rate >= floor


@given(
    interest_rules(),
    st.decimals(min_value=0, max_value=60, places=2),
    st.sampled_from(ACTUAL),
    money(min_units=1, max_units=10**10),
    periods,
)
def test_total_interest_within_principal_times_ceiling(
    rule: InterestRule,
    ceiling: Decimal,
    basis: DayCount,
    principal: Money,
    period: tuple[date, int],
) -> None:
    rule = rule.evolve(ceiling=ceiling, basis=basis)
    due, length = period
    until = due + timedelta(days=length)
    result = rule.compute(principal, due, until)
    start = due + timedelta(days=rule.grace_days)
    fraction = max(Fraction(0), year_fraction(start, until, basis))
    bound = Fraction(principal.amount) * Fraction(ceiling) / 100 * fraction
    places = principal.minor_unit()
    limit = (Decimal(bound.numerator) / Decimal(bound.denominator)).quantize(
        Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP
    )
    assert result.amount.amount <= limit + Decimal(1).scaleb(-places)
    assert Fraction(sum((s.amount for s in result.segments), Decimal(0))) <= bound * (
        1 + Fraction(1, 10**20)
    )


@given(late_fees(), money(min_units=1, max_units=10**10))
def test_fees_stay_within_min_and_max(fee: Any, balance: Money) -> None:
    result = fee.compute(balance)
    if result is None:
        return
    assert result.currency == balance.currency
    assert result.is_quantized()
    assert result.amount >= 0
    low = amount_in(getattr(fee, "minimum", ()), balance.currency)
    high = amount_in(getattr(fee, "maximum", ()), balance.currency)
    if high is not None:
        assert result <= high
    if low is not None:
        assert result >= low


@given(tiered_fees(mode="marginal"), st.integers(0, 10**9), st.integers(0, 10**9))
def test_marginal_fee_is_monotone(fee: Any, first: int, second: int) -> None:
    low, high = sorted((first, second))
    places = Money.zero(fee.currency).minor_unit()
    smaller = fee.compute(Money(Decimal(low).scaleb(-places), fee.currency))
    larger = fee.compute(Money(Decimal(high).scaleb(-places), fee.currency))
    assert smaller <= larger


@given(
    interest_rules(),
    st.sampled_from(ACTUAL),
    money(min_units=1, max_units=10**10),
    dates(date(1990, 1, 2), date(2060, 1, 1)),
    st.integers(0, 400),
    st.integers(0, 400),
)
def test_interest_is_additive_over_adjacent_periods(
    rule: InterestRule, basis: DayCount, principal: Money, due: date, first: int, second: int
) -> None:
    # Fixed-for-life fixings depend on when interest starts, so a split period is a new debt.
    assume(rule.effective_fixing not in (RateFixing.FIXED, RateFixing.REFERENCE_DATE))
    rule = rule.evolve(grace_days=0, basis=basis)
    middle = due + timedelta(days=first)
    until = middle + timedelta(days=second)
    whole = rule.compute(principal, due, until)
    head = rule.compute(principal, due, middle)
    tail = rule.compute(principal, middle, until)
    unit = Decimal(1).scaleb(-principal.minor_unit())
    assert abs((head.amount + tail.amount - whole.amount).amount) <= unit
    assert head.days + tail.days == whole.days


@given(late_fees())
def test_late_fees_round_trip_and_are_frozen(fee: Any) -> None:
    assert LATE_FEE.validate_json(LATE_FEE.dump_json(fee)) == fee
    assert LATE_FEE.validate_python(LATE_FEE.dump_python(fee)) == fee
    with pytest.raises(ValidationError, match="frozen"):
        fee.kind = "fixed"


@given(interest_rules(), money(min_units=1, max_units=10**8), periods)
def test_interest_models_round_trip_and_are_frozen(
    rule: InterestRule, principal: Money, period: tuple[date, int]
) -> None:
    assert InterestRule.model_validate_json(rule.model_dump_json()) == rule
    due, length = period
    result = rule.compute(principal, due, due + timedelta(days=length))
    again = InterestComputation.model_validate_json(result.model_dump_json())
    assert again == result
    with pytest.raises(ValidationError, match="frozen"):
        rule.grace_days = 1  # type: ignore[misc]
    with pytest.raises(ValidationError, match="frozen"):
        result.amount = principal  # type: ignore[misc]


@given(interest_rules(), currencies(), periods)
def test_segments_cover_the_late_period(
    rule: InterestRule, currency: str, period: tuple[date, int]
) -> None:
    due, length = period
    until = due + timedelta(days=length)
    result = rule.compute(Money(1000, currency), due, until)
    if not result.segments:
        assert until <= due + timedelta(days=rule.grace_days)
        return
    assert result.segments[0].first_day == due + timedelta(days=rule.grace_days + 1)
    assert result.segments[-1].last_day == until
    for before, after in zip(result.segments, result.segments[1:], strict=False):
        assert before.last_day + timedelta(days=1) == after.first_day
    assert sum(s.days for s in result.segments) == result.days
