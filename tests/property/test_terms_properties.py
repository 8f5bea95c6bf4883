from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from dunning.calendars import RollConvention, WeekendCalendar
from dunning.errors import MoneyError, TermsParseError
from dunning.money import Money, Rounding
from dunning.terms import Deposit, DueRule, PaymentTerms, TermLine, parse_terms
from dunning.testing._terms import (
    deposits,
    discount_tiers,
    due_rules,
    payment_terms,
    term_lines,
)

CURRENCIES = ("USD", "COP", "KWD", "JPY", "EUR")
issue_dates = st.dates(date(2000, 1, 1), date(2100, 12, 31))
roundings = st.sampled_from(Rounding)


@st.composite
def totals(draw: st.DrawFn) -> Money:
    currency = draw(st.sampled_from(CURRENCIES))
    units = draw(st.integers(0, 10**12) | st.integers(0, 100))
    return Money.from_minor_units(units, currency)


# Closures of a few days around month ends, so that modified conventions have work to do.
calendars = st.none() | st.builds(
    WeekendCalendar,
    closures=st.lists(st.dates(date(2000, 1, 1), date(2101, 12, 31)), max_size=20).map(tuple),
)


def fits(terms: PaymentTerms, total: Money, rounding: Rounding | None) -> bool:
    """Whether the deposit and the fixed and percent lines stay within `total`.

    Without a rounding, the shares are exact (largest-remainder split); with one, each share
    is rounded with it before it is taken from what is left.
    """
    parts: list[Deposit | TermLine] = [terms.deposit] if terms.deposit else []
    parts += [line for line in terms.lines if not line.remainder]
    taken = Money.zero(total.currency)
    for part in parts:
        if part.percent is not None:
            share = total.percent(part.percent)
            taken += share if rounding is None else share.quantize(rounding)
        else:
            taken += Money(part.fixed, total.currency).quantize(rounding or Rounding.HALF_UP)
    return taken <= total


@given(payment_terms(), totals(), issue_dates, calendars, st.none() | roundings)
def test_schedules_sum_exactly_to_the_total(
    terms: PaymentTerms,
    total: Money,
    issue: date,
    calendar: WeekendCalendar | None,
    rounding: Rounding | None,
) -> None:
    if not fits(terms, total, rounding):
        with pytest.raises(MoneyError, match=r"asks for .*, but only .* of the total .* is left"):
            terms.schedule(total, issue, calendar, rounding=rounding)
        return
    schedule = terms.schedule(total, issue, calendar, rounding=rounding)
    assert Money.sum((i.amount for i in schedule), total.currency) == total
    assert len(schedule) == len(terms.lines) + (terms.deposit is not None)
    assert [i.sequence for i in schedule] == list(range(1, len(schedule) + 1))
    for installment in schedule:
        assert not installment.amount.is_negative
        assert installment.amount.is_quantized()
        assert installment.due_date >= issue
        assert installment.due_date <= terms.net_due_date(issue, calendar)
        for window in installment.discounts:
            assert not window.discount.is_negative
            assert window.discount <= installment.amount
            assert window.discount.is_quantized()
            assert window.discount + window.amount_payable == installment.amount
            assert window.last_day >= issue
        last_days = [window.last_day for window in installment.discounts]
        assert last_days == sorted(set(last_days))
    if terms.deposit is not None:
        assert schedule[0].deposit
        assert schedule[0].due_date == issue


@given(payment_terms(), totals(), issue_dates)
def test_shares_are_within_one_minor_unit_of_their_exact_value(
    terms: PaymentTerms, total: Money, issue: date
) -> None:
    try:
        schedule = terms.schedule(total, issue)
    except MoneyError:
        return
    unit = Money.from_minor_units(1, total.currency)
    parts = [(terms.deposit.percent, terms.deposit.fixed)] if terms.deposit else []
    parts += [(line.percent, line.fixed) for line in terms.lines]
    for (percent, fixed), installment in zip(parts, schedule, strict=True):
        if percent is not None:
            assert abs(installment.amount - total.percent(percent)) < unit
        elif fixed is not None:
            assert installment.amount == Money(fixed, total.currency).quantize()


@given(payment_terms(), totals(), issue_dates)
def test_remainder_lines_differ_by_at_most_one_minor_unit(
    terms: PaymentTerms, total: Money, issue: date
) -> None:
    try:
        schedule = terms.schedule(total, issue)
    except MoneyError:
        return
    remainders = [
        installment.amount
        for line, installment in zip(terms.lines, schedule[-len(terms.lines) :], strict=True)
        if line.remainder
    ]
    assert max(remainders) - min(remainders) <= Money.from_minor_units(1, total.currency)
    assert remainders == sorted(remainders, reverse=True)


@given(due_rules(), issue_dates, calendars)
def test_due_dates_are_never_before_the_issue_date(
    rule: DueRule, issue: date, calendar: WeekendCalendar | None
) -> None:
    assert rule.unadjusted_due_date(issue) >= issue
    assert rule.due_date(issue, calendar) >= issue


@given(due_rules(), issue_dates, calendars)
def test_rolled_due_dates_are_business_days(
    rule: DueRule, issue: date, calendar: WeekendCalendar | None
) -> None:
    due = rule.due_date(issue, calendar)
    if rule.roll is RollConvention.NONE:
        assert due == rule.unadjusted_due_date(issue)
    else:
        assert (calendar or WeekendCalendar()).is_business_day(due)
        # Rolling moves to the nearest business day in one direction: never over one.
        unadjusted = rule.unadjusted_due_date(issue)
        low, high = sorted((due, unadjusted))
        inner = (low + timedelta(days=n) for n in range(1, (high - low).days))
        assert not any((calendar or WeekendCalendar()).is_business_day(day) for day in inner)


@given(payment_terms())
def test_terms_round_trip_through_json(terms: PaymentTerms) -> None:
    assert PaymentTerms.model_validate_json(terms.model_dump_json()) == terms
    assert PaymentTerms.model_validate(terms.model_dump()) == terms


@given(payment_terms())
def test_terms_survive_evolve_unchanged(terms: PaymentTerms) -> None:
    assert terms.evolve() == terms


@given(payment_terms(), st.sampled_from(["name", "lines", "deposit", "description"]))
def test_terms_are_immutable(terms: PaymentTerms, field: str) -> None:
    with pytest.raises(ValidationError, match="Instance is frozen"):
        setattr(terms, field, None)


@given(payment_terms())
def test_canonical_text_round_trips(terms: PaymentTerms) -> None:
    text = terms.to_text()
    if text is None:
        assert str(terms) == terms.name
        return
    assert str(terms) == text
    parsed = parse_terms(text)
    assert parsed.name == text
    assert parsed.lines == terms.lines
    assert parsed.deposit == terms.deposit
    assert parse_terms(text.upper().replace(" ", "  ")) == parsed


@given(st.text(max_size=30))
def test_parse_terms_reads_or_refuses_with_a_parse_error(text: str) -> None:
    try:
        terms = parse_terms(text)
    except TermsParseError as error:
        message = str(error)
    else:
        assert parse_terms(terms.name) == terms
        return
    assert message.startswith(f"cannot read payment terms {text!r}")


@given(discount_tiers(), deposits(), term_lines())
def test_strategies_draw_valid_values(tier: object, deposit: object, line: object) -> None:
    for value in (tier, deposit, line):
        assert type(value).model_validate(value.model_dump()) == value  # type: ignore[attr-defined]
