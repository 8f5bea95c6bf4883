"""Hypothesis strategies for payment terms: due rules, discount tiers, lines, deposits, terms.

Every value drawn is valid: it constructs without error and schedules any total large enough
to cover its fixed amounts.

>>> from hypothesis import given
>>> @given(payment_terms())
... def test_terms_have_a_remainder_line(terms):
...     assert terms.lines[-1].remainder
>>> test_terms_have_a_remainder_line()
"""

from __future__ import annotations

from decimal import Decimal
from itertools import pairwise
from typing import Literal

from hypothesis import strategies as st

from dunning.calendars import RollConvention
from dunning.terms import (
    CashRounding,
    ChainedSteps,
    Convention,
    DateStep,
    DayOfFollowingMonth,
    DaysAfter,
    DaysAfterMonthEnd,
    Deposit,
    DiscountTier,
    DueRule,
    MonthsAfterMonthEnd,
    PaymentTerms,
    RelativeStep,
    TermLine,
)

__all__ = [
    "cash_roundings",
    "date_steps",
    "deposits",
    "discount_tiers",
    "due_rules",
    "payment_terms",
    "term_lines",
]

# NONE first, so that rolls shrink to "no roll".
_ROLLS = (
    RollConvention.NONE,
    RollConvention.FOLLOWING,
    RollConvention.PRECEDING,
    RollConvention.MODIFIED_FOLLOWING,
    RollConvention.MODIFIED_PRECEDING,
)
_WEEKDAYS: tuple[Literal["MO", "TU", "WE", "TH", "FR", "SA", "SU"], ...] = (
    "MO",
    "TU",
    "WE",
    "TH",
    "FR",
    "SA",
    "SU",
)
_CENT = Decimal("0.01")


def _rolls(rolls: bool) -> st.SearchStrategy[RollConvention]:
    return st.sampled_from(_ROLLS) if rolls else st.just(RollConvention.NONE)


def due_rules(*, max_days: int = 120, rolls: bool = True) -> st.SearchStrategy[DueRule]:
    """Draw any kind of due rule, with offsets up to about `max_days` days.

    With ``rolls=False`` every rule keeps its date (`RollConvention.NONE`).

    Shrinks towards ``DaysAfter(days=0)``: due on the invoice date, not rolled.
    """
    days = st.integers(0, max_days)
    months = st.integers(1, max(1, max_days // 30))
    roll = _rolls(rolls)
    return st.one_of(
        st.builds(DaysAfter, days=days, roll=roll),
        st.builds(DaysAfterMonthEnd, days=days, roll=roll),
        st.builds(
            MonthsAfterMonthEnd, months=months, day=st.none() | st.integers(1, 31), roll=roll
        ),
        st.builds(DayOfFollowingMonth, day=st.integers(1, 31), months=months, roll=roll),
        _relative_steps(max_days, roll),
        st.builds(
            ChainedSteps,
            steps=st.lists(date_steps(max_days=max_days // 2), min_size=1, max_size=3).map(tuple),
            roll=roll,
        ),
    )


@st.composite
def _forward_steps(draw: st.DrawFn, max_days: int) -> DateStep:
    months = draw(st.integers(0, max(1, max_days // 30)))
    weekday = draw(st.none() | st.sampled_from(_WEEKDAYS))
    return DateStep(
        months=months,
        weeks=draw(st.integers(0, max(0, max_days // 7))),
        days=draw(st.integers(0, max_days)),
        day=draw(st.none() | st.integers(1, 31)) if months else None,
        weekday=weekday,
        nth=draw(st.integers(1, 3)) if weekday is not None else 1,
    )


def date_steps(*, max_days: int = 60, backwards: bool = False) -> st.SearchStrategy[DateStep]:
    """Draw one step of a `ChainedSteps` rule, with offsets up to about `max_days` days.

    By default every step moves a date forward or keeps it: absolute days only come with a
    month added, and there is no absolute month. With ``backwards=True`` any field may be
    set, negative offsets and absolute months included, so the step may move a date back.

    Shrinks towards ``DateStep()``, the step that keeps the date.
    """
    if not backwards:
        return _forward_steps(max_days)
    months = max(1, max_days // 30)
    return st.builds(
        DateStep,
        month=st.none() | st.integers(1, 12),
        day=st.none() | st.integers(1, 31),
        weekday=st.none() | st.sampled_from(_WEEKDAYS),
        months=st.integers(-months, months),
        weeks=st.integers(-(max_days // 7), max_days // 7),
        days=st.integers(-max_days, max_days),
    )


@st.composite
def _relative_steps(
    draw: st.DrawFn, max_days: int, roll: st.SearchStrategy[RollConvention]
) -> RelativeStep:
    months = draw(st.integers(0, max(1, max_days // 30)))
    weekday = draw(st.none() | st.sampled_from(_WEEKDAYS))
    return RelativeStep(
        months=months,
        weeks=draw(st.integers(0, max(0, max_days // 7))),
        days=draw(st.integers(0, max_days)),
        day=draw(st.none() | st.integers(1, 31)) if months else None,
        weekday=weekday,
        nth=draw(st.integers(1, 3)) if weekday is not None else 1,
        roll=draw(roll),
    )


def _percents(low: str, high: str) -> st.SearchStrategy[Decimal]:
    return st.decimals(min_value=Decimal(low), max_value=Decimal(high), places=2)


def discount_tiers(*, max_days: int = 60) -> st.SearchStrategy[DiscountTier]:
    """Draw one early-payment discount tier: a percent (0.01 to 99.99) or an amount.

    Shrinks towards ``DiscountTier(days=0, percent=Decimal("0.01"))``.
    """
    days = st.integers(0, max_days)
    return st.one_of(
        st.builds(DiscountTier, days=days, percent=_percents("0.01", "99.99")),
        st.builds(DiscountTier, days=days, amount=_percents("0.01", "500")),
    )


def _before(rule: DueRule) -> int | None:
    """Return the days every discount window of a line with `rule` must stay below."""
    if isinstance(rule, DaysAfter | DaysAfterMonthEnd):
        return rule.days
    if isinstance(rule, RelativeStep) and not rule.months:
        return rule.weeks * 7 + rule.days
    return None


@st.composite
def _ladders(draw: st.DrawFn, below: int | None) -> tuple[DiscountTier, ...]:
    """Draw valid tiers for a line: increasing days (below `below`), decreasing discounts."""
    limit = 60 if below is None else below
    if limit <= 0:
        return ()
    count = draw(st.integers(0, min(3, limit)))
    days = sorted(draw(st.sets(st.integers(0, limit - 1), min_size=count, max_size=count)))
    values = draw(st.sets(_percents("0.01", "20"), min_size=count, max_size=count))
    field = draw(st.sampled_from(("percent", "amount")))
    return tuple(
        DiscountTier.model_validate({"days": day, field: value})
        for day, value in zip(days, sorted(values, reverse=True), strict=True)
    )


@st.composite
def _lines(draw: st.DrawFn, amount: st.SearchStrategy[dict[str, object]], rolls: bool) -> TermLine:
    due = draw(due_rules(rolls=rolls))
    discounts = draw(_ladders(_before(due)))
    return TermLine.model_validate({**draw(amount), "due": due, "discounts": discounts})


def term_lines(*, rolls: bool = True) -> st.SearchStrategy[TermLine]:
    """Draw one term line: a remainder, a percent (up to 20) or a fixed amount (up to 500).

    Shrinks towards a remainder line due on the invoice date without discounts.
    """
    return _lines(
        st.one_of(
            st.just({"remainder": True}),
            _percents("0.01", "20").map(lambda percent: {"percent": percent}),
            _percents("0.01", "500").map(lambda fixed: {"fixed": fixed}),
        ),
        rolls,
    )


def deposits(*, max_percent: int = 40) -> st.SearchStrategy[Deposit]:
    """Draw a deposit: a percent (0.01 to `max_percent`) or a fixed amount (up to 500).

    Shrinks towards ``Deposit(percent=Decimal("0.01"))``.
    """
    return st.one_of(
        st.builds(Deposit, percent=_percents("0.01", str(max_percent))),
        st.builds(Deposit, fixed=_percents("0.01", "500")),
    )


def cash_roundings() -> st.SearchStrategy[CashRounding]:
    """Draw a cash rounding: a step of 0.05, 0.10, 1 or 10 and any rounding method.

    Shrinks towards ``CashRounding(step=Decimal("0.05"), method="half_up")``.
    """
    return st.builds(
        CashRounding,
        step=st.sampled_from([Decimal("0.05"), Decimal("0.10"), Decimal(1), Decimal(10)]),
        method=st.sampled_from(["half_up", "half_down", "half_even", "up", "down"]),
    )


@st.composite
def _portions(draw: st.DrawFn, count: int) -> list[Decimal]:
    """Draw `count` percents of at least 0.01 that add up to exactly 100."""
    cents = sorted(draw(st.sets(st.integers(1, 9_999), min_size=count - 1, max_size=count - 1)))
    bounds = [0, *cents, 10_000]
    return [Decimal(high - low).scaleb(-2) for low, high in pairwise(bounds)]


@st.composite
def _payment_terms(
    draw: st.DrawFn, rolls: bool, max_lines: int, convention: Convention, cash: bool
) -> PaymentTerms:
    name = draw(st.text(st.characters(codec="ascii", categories=("L", "N")), min_size=1))
    cash_rounding = draw(st.none() | cash_roundings()) if cash else None
    deposit = None
    if convention == "dunning":
        deposit = draw(st.none() | deposits())
        # At most three lines of at most 20 percent each, so that with a deposit of at most
        # 40 percent the percents stay within 100.
        others = draw(st.lists(term_lines(rolls=rolls), max_size=min(3, max_lines - 1)))
        others = [line for line in others if not line.remainder]
        lines = [
            *others,
            *draw(
                st.lists(
                    _lines(st.just({"remainder": True}), rolls),
                    min_size=1,
                    max_size=max(1, max_lines - len(others)),
                )
            ),
        ]
    elif convention == "tryton":
        amounts: st.SearchStrategy[dict[str, object]] = st.one_of(
            st.just({"remainder": True}),
            _percents("0.01", "100").map(lambda percent: {"percent": percent}),
            _percents("0.01", "100").map(lambda percent: {"percent_of_remainder": percent}),
            _percents("0.01", "500").map(lambda fixed: {"fixed": fixed}),
        )
        lines = draw(st.lists(_lines(amounts, rolls), max_size=max_lines - 1))
        lines.append(draw(_lines(st.just({"remainder": True}), rolls)))
    else:
        count = draw(st.integers(1, max_lines))
        lines = [
            draw(_lines(st.just({"percent": portion}), rolls)) for portion in draw(_portions(count))
        ]
        if convention == "odoo" and count < max_lines:
            fixed = st.builds(lambda value: {"fixed": value}, _percents("0.01", "50"))
            extra = draw(st.lists(_lines(fixed, rolls), max_size=max_lines - count))
            lines = [*extra, *lines]
    return PaymentTerms(
        name=name,
        deposit=deposit,
        lines=tuple(lines),
        convention=convention,
        cash_rounding=cash_rounding,
    )


def payment_terms(
    *,
    rolls: bool = True,
    max_lines: int = 4,
    convention: Convention = "dunning",
    cash_rounding: bool = False,
) -> st.SearchStrategy[PaymentTerms]:
    """Draw valid payment terms of a `convention`: an optional deposit, up to `max_lines` lines.

    Under ``"dunning"``, the percents of the deposit (at most 40) and the lines (at most 20
    each, three lines) stay within 100, then one or more remainder lines; under ``"tryton"``,
    lines of every kind (percents of the total or of the remainder up to 100, fixed
    amounts) in any order, ending with a remainder line; under ``"odoo"`` and ``"erpnext"``,
    percent lines adding up to exactly 100 (Odoo's may follow fixed lines). Fixed amounts are
    at most 500 each. With ``rolls=False`` no due date is rolled; with
    ``cash_rounding=True`` the terms may round to a cash step.

    Shrinks towards a single remainder (or 100 percent) line due on the invoice date: no
    deposit, no discounts, no roll.
    """
    return _payment_terms(rolls, max(1, max_lines), convention, cash_rounding)
