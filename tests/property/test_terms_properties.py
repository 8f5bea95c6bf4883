import calendar
import re
from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal

import dateutil.relativedelta as relativedelta_weekdays
import pytest
from dateutil.relativedelta import relativedelta
from hypothesis import assume, given
from hypothesis import strategies as st
from pydantic import ValidationError

from dunning.calendars import RollConvention, WeekendCalendar
from dunning.errors import MoneyError, TermsError, TermsParseError
from dunning.money import Money, Rounding
from dunning.terms import (
    ChainedSteps,
    DateStep,
    DayOfFollowingMonth,
    DaysAfter,
    DaysAfterMonthEnd,
    Deposit,
    DiscountTier,
    DueRule,
    MonthsAfterMonthEnd,
    PaymentTerms,
    TermLine,
    parse_terms,
)
from dunning.testing._terms import (
    date_steps,
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


# -- conventions against independent models of the ERPs' computations -------------------------

signed_totals = st.builds(
    lambda total, negative: -total if negative else total, totals(), st.booleans()
)


def _exponent(currency: str) -> Decimal:
    return Decimal(1).scaleb(-Money.zero(currency).minor_unit())


def tryton_model(terms: PaymentTerms, total: Money, issue: date) -> list[tuple[date, Decimal]]:
    """Tryton's ``PaymentTerm.compute``, as its source reads, on the terms' lines."""
    exponent = _exponent(total.currency)

    def rounded(value: Decimal) -> Decimal:
        return value.quantize(exponent, rounding=ROUND_HALF_EVEN)

    amount = total.amount
    sign = 1 if amount >= 0 else -1
    remainder = amount
    rows: list[tuple[date, Decimal]] = []
    for line in terms.lines:
        if line.fixed is not None:
            value = rounded(line.fixed).copy_sign(amount)
        elif line.percent_of_remainder is not None:
            value = rounded(remainder * line.percent_of_remainder / 100)
        elif line.percent is not None:
            value = rounded(amount * line.percent / 100)
        else:
            value = rounded(remainder)
        when = line.due.due_date(issue)
        if (remainder - value) * sign < 0:
            rows.append((when, remainder))
            remainder = Decimal(0)
            break
        if value:
            rows.append((when, value))
        remainder -= value
    if not rows:
        rows.append((issue, Decimal(0)))
    assert not remainder
    return rows


@given(payment_terms(convention="tryton", rolls=False), signed_totals, issue_dates)
def test_tryton_convention_matches_trytons_computation(
    terms: PaymentTerms, total: Money, issue: date
) -> None:
    schedule = terms.schedule(total, issue)
    assert [(i.due_date, i.amount.amount) for i in schedule] == tryton_model(terms, total, issue)


def cash_step_fits(terms: PaymentTerms, total: Money) -> bool:
    """Whether the cash step of `terms` is a whole number of `total`'s minor units."""
    step = terms.cash_rounding.step if terms.cash_rounding else Decimal(0)
    return Money(step, total.currency).is_quantized()


def odoo_model(terms: PaymentTerms, total: Money) -> list[Decimal]:
    """Odoo's ``account.payment.term._compute_terms`` (one currency), as its source reads."""
    exponent = _exponent(total.currency)
    sign = -1 if total.is_negative else 1
    residual = total.amount
    rows = []
    for index, line in enumerate(terms.lines):
        if index == len(terms.lines) - 1:
            value = residual
        else:
            if line.fixed is not None:
                value = sign * line.fixed.quantize(exponent, rounding=ROUND_HALF_UP)
            else:
                assert line.percent is not None
                value = (total.amount * line.percent / 100).quantize(exponent, ROUND_HALF_UP)
            if terms.cash_rounding is not None:
                value = terms.cash_rounding.round(Money(value, total.currency)).amount
        residual -= value
        rows.append(value)
    return rows


@given(payment_terms(convention="odoo", cash_rounding=True), signed_totals, issue_dates)
def test_odoo_convention_matches_odoos_computation(
    terms: PaymentTerms, total: Money, issue: date
) -> None:
    assume(cash_step_fits(terms, total))
    expected = odoo_model(terms, total)
    if expected[-1] * (-1 if total.is_negative else 1) < 0:
        # Odoo would post a negative last installment (a fixed line, or a line rounded up to
        # the cash step, beyond what is left): refused, naming the line.
        with pytest.raises(MoneyError, match=r"lines\[\d+\] \((fixed|percent) .*\) .* asks for"):
            terms.schedule(total, issue)
        return
    schedule = terms.schedule(total, issue)
    assert [i.amount.amount for i in schedule] == expected
    for installment, line in zip(schedule, terms.lines, strict=True):
        for window, tier in zip(installment.discounts, line.discounts, strict=True):
            if tier.percent is not None:
                exact = installment.amount.amount * (100 - tier.percent) / 100
                payable = exact.quantize(_exponent(total.currency), ROUND_HALF_UP)
                if terms.cash_rounding is None:
                    assert window.amount_payable.amount == payable


@given(payment_terms(convention="erpnext"), signed_totals, issue_dates)
def test_erpnext_convention_matches_erpnexts_computation(
    terms: PaymentTerms, total: Money, issue: date
) -> None:
    exponent = _exponent(total.currency)
    portions = [
        (total.amount * line.percent / 100).quantize(exponent, ROUND_HALF_EVEN)  # type: ignore[operator]
        for line in terms.lines
    ]
    portions[-1] += total.amount - sum(portions)
    assert [i.amount.amount for i in terms.schedule(total, issue)] == portions


conventions = st.sampled_from(["dunning", "tryton", "odoo", "erpnext"])


@st.composite
def any_terms(draw: st.DrawFn) -> PaymentTerms:
    return draw(payment_terms(convention=draw(conventions), cash_rounding=True))


@given(any_terms(), signed_totals, issue_dates, st.none() | roundings)
def test_every_convention_sums_to_the_total_with_signs_preserved(
    terms: PaymentTerms, total: Money, issue: date, rounding: Rounding | None
) -> None:
    assume(cash_step_fits(terms, total))
    try:
        schedule = terms.schedule(total, issue, rounding=rounding)
    except MoneyError as error:
        message = str(error)
    else:
        message = ""
    if message:
        assert re.search(r"asks for .*, but only .* is left|would come to", message)
        return
    assert Money.sum((i.amount for i in schedule), total.currency) == total
    assert [i.sequence for i in schedule] == list(range(1, len(schedule) + 1))
    for position, installment in enumerate(schedule):
        assert not (installment.amount.is_negative and total.is_positive)
        assert not (installment.amount.is_positive and total.is_negative)
        assert installment.amount.is_quantized()
        assert installment.due_date >= issue
        if terms.cash_rounding is not None and position < len(schedule) - 1:
            steps = installment.amount.amount / terms.cash_rounding.step
            assert steps == steps.to_integral_value()
        for window in installment.discounts:
            assert window.discount + window.amount_payable == installment.amount
            assert abs(window.discount) <= abs(installment.amount)
            assert window.last_day >= issue
    # A credit note is the same schedule with every sign reversed.
    assert terms.schedule(-total, issue, rounding=rounding) == tuple(
        installment.evolve(
            amount=-installment.amount,
            discounts=[
                window.evolve(discount=-window.discount, amount_payable=-window.amount_payable)
                for window in installment.discounts
            ],
        )
        for installment in schedule
    )


@given(st.lists(date_steps(backwards=True), min_size=1, max_size=4), issue_dates)
def test_chained_steps_never_end_before_the_issue_date(steps: list[DateStep], issue: date) -> None:
    rule = ChainedSteps(steps=steps)
    expected = issue
    for step in steps:
        expected += relativedelta(
            month=step.month,
            months=step.months,
            day=step.day,
            weeks=step.weeks,
            days=step.days,
            weekday=None
            if step.weekday is None
            else getattr(relativedelta_weekdays, step.weekday)(step.nth),
        )
    if expected < issue:
        with pytest.raises(
            TermsError, match=f"the steps end on {expected}, before the invoice date"
        ):
            rule.due_date(issue)
    else:
        assert rule.due_date(issue) == expected


@given(date_steps(), issue_dates)
def test_forward_steps_never_move_a_date_back(step: DateStep, issue: date) -> None:
    assert step.apply(issue) >= issue


# -- every notation the parser prints reads back ------------------------------------------------


@st.composite
def printable_terms(draw: st.DrawFn) -> PaymentTerms:
    deposit = draw(st.none() | st.builds(Deposit, percent=st.decimals("0.5", "90", places=1)))
    kind = draw(st.sampled_from(["net", "eom", "prox", "receipt", "installments"]))
    if kind == "installments":
        days = sorted(draw(st.sets(st.integers(1, 365), min_size=2, max_size=5)))
        lines = [TermLine(remainder=True, due=DaysAfter(days=day)) for day in days]
        return PaymentTerms(name="x", deposit=deposit, lines=lines)
    if kind == "receipt":
        return PaymentTerms(
            name="x", deposit=deposit, lines=[TermLine(remainder=True, due=DaysAfter(days=0))]
        )
    net = draw(st.integers(1, 120))
    due: DaysAfter | DaysAfterMonthEnd | DayOfFollowingMonth = {
        "net": DaysAfter(days=net),
        "eom": DaysAfterMonthEnd(days=net),
        "prox": DayOfFollowingMonth(day=draw(st.integers(1, 31))),
    }[kind]
    limit = net if kind != "prox" else 31
    count = draw(st.integers(0, min(3, limit)))
    days = sorted(draw(st.sets(st.integers(0, limit - 1), min_size=count, max_size=count)))
    percents = sorted(
        draw(st.sets(st.decimals("0.1", "20", places=1), min_size=count, max_size=count)),
        reverse=True,
    )
    based_on = "invoice_date" if kind == "net" else "month_end"
    tiers = [
        DiscountTier(days=day, percent=percent, based_on=based_on)
        for day, percent in zip(days, percents, strict=True)
    ]
    return PaymentTerms(
        name="x", deposit=deposit, lines=[TermLine(remainder=True, due=due, discounts=tiers)]
    )


@given(printable_terms())
def test_every_printable_notation_reads_back(terms: PaymentTerms) -> None:
    text = terms.to_text()
    assert text is not None
    assert str(terms) == text
    assert parse_terms(text) == terms.evolve(name=text)


# -- the rows of the "ERP construct -> dunning" table give the ERPs' dates ----------------------


def _end_of_month(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def _add_months(day: date, months: int) -> date:
    year, month = divmod(day.month - 1 + months, 12)
    year += day.year
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


@given(issue_dates, st.integers(0, 400), st.integers(0, 31))
def test_odoo_delay_types_map_to_dunning_rules(issue: date, days: int, day_next: int) -> None:
    """Odoo 17's ``account.payment.term.line._get_due_date``, case by case."""
    plus = timedelta(days=days)
    assert DaysAfter(days=days).due_date(issue) == issue + plus
    assert DaysAfterMonthEnd(days=days).due_date(issue) == _end_of_month(issue) + plus
    next_month_end = ChainedSteps(steps=[DateStep(months=1, day=31), DateStep(days=days)])
    assert next_month_end.due_date(issue) == _end_of_month(_add_months(issue, 1)) + plus
    if day_next:
        on_the = ChainedSteps(steps=[DateStep(days=days), DateStep(months=1, day=day_next)])
        later = _add_months(issue + plus, 1)
        expected = later.replace(day=min(day_next, calendar.monthrange(later.year, later.month)[1]))
    else:
        on_the = ChainedSteps(steps=[DateStep(days=days), DateStep(day=31)])
        expected = _end_of_month(issue + plus)
    assert on_the.due_date(issue) == expected


@given(issue_dates, st.integers(0, 400), st.integers(1, 24))
def test_erpnext_due_date_bases_map_to_dunning_rules(issue: date, days: int, months: int) -> None:
    """ERPNext's ``get_due_date`` and ``get_discount_date``, case by case."""
    plus = timedelta(days=days)
    assert DaysAfter(days=days).due_date(issue) == issue + plus
    assert DaysAfterMonthEnd(days=days).due_date(issue) == _end_of_month(issue) + plus
    month_end = _end_of_month(_add_months(issue, months))
    assert MonthsAfterMonthEnd(months=months).due_date(issue) == month_end
    assert DiscountTier(days=days, percent="2").last_day(issue) == issue + plus
    tier = DiscountTier(days=days, percent="2", based_on="month_end")
    assert tier.last_day(issue) == _end_of_month(issue) + plus
    tier = DiscountTier(days=0, percent="2", based_on="month_end", months=months)
    assert tier.last_day(issue) == month_end
