from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from itertools import pairwise

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from dunning.calendars import (
    HolidayCalendar,
    RollConvention,
    WeekendCalendar,
    add_business_days,
    business_days_between,
    roll,
)
from dunning.daycount import DayCount, accrue, day_count, days_late, year_fraction
from dunning.rates import RateSegment, RateTable, ReferenceRate
from dunning.testing._time import (
    business_calendars,
    dates,
    day_count_bases,
    holiday_calendars,
    rate_tables,
    reference_rates,
    roll_conventions,
    weekend_calendars,
)

Calendar = WeekendCalendar | HolidayCalendar
ACTUAL = (DayCount.ACT_365F, DayCount.ACT_360, DayCount.ACT_ACT_ISDA)
MOVING = (
    RollConvention.FOLLOWING,
    RollConvention.PRECEDING,
    RollConvention.MODIFIED_FOLLOWING,
    RollConvention.MODIFIED_PRECEDING,
)


# -- calendars ------------------------------------------------------------------------------


@given(business_calendars(), dates(), st.sampled_from(MOVING))
def test_a_rolled_date_is_a_business_day(calendar: Calendar, day: date, convention: str) -> None:
    rolled = roll(day, convention, calendar)
    assert calendar.is_business_day(rolled)
    if calendar.is_business_day(day):
        assert rolled == day


@given(business_calendars(), dates(), roll_conventions())
def test_rolling_is_idempotent(calendar: Calendar, day: date, convention: RollConvention) -> None:
    rolled = roll(day, convention, calendar)
    assert roll(rolled, convention, calendar) == rolled


@given(business_calendars(), dates())
def test_following_and_preceding_are_the_nearest_business_days(
    calendar: Calendar, day: date
) -> None:
    after, before = roll(day, "following", calendar), roll(day, "preceding", calendar)
    assert before <= day <= after
    assert not any(
        calendar.is_business_day(day + timedelta(n)) for n in range(1, (after - day).days)
    )
    assert not any(
        calendar.is_business_day(day - timedelta(n)) for n in range(1, (day - before).days)
    )


def _month_business_days(calendar: Calendar, day: date) -> list[date]:
    first = day.replace(day=1)
    days = [first + timedelta(n) for n in range(31)]
    return [d for d in days if d.month == day.month and calendar.is_business_day(d)]


@given(business_calendars(), dates())
def test_modified_following_stays_in_the_month_when_possible(calendar: Calendar, day: date) -> None:
    rolled = roll(day, "modified_following", calendar)
    in_month = _month_business_days(calendar, day)
    if in_month:
        assert (rolled.year, rolled.month) == (day.year, day.month)
        later = [d for d in in_month if d >= day]
        assert rolled == (later[0] if later else in_month[-1])


@given(business_calendars(), dates())
def test_modified_preceding_stays_in_the_month_when_possible(calendar: Calendar, day: date) -> None:
    rolled = roll(day, "modified_preceding", calendar)
    in_month = _month_business_days(calendar, day)
    if in_month:
        earlier = [d for d in in_month if d <= day]
        assert rolled == (earlier[-1] if earlier else in_month[0])


@given(business_calendars(), dates(), st.integers(-40, 40))
def test_add_business_days_lands_on_a_business_day(
    calendar: Calendar, day: date, days: int
) -> None:
    result = add_business_days(day, days, calendar)
    assert calendar.is_business_day(result)
    if days > 0:
        assert result > day
        assert business_days_between(day, result, calendar) == days
    elif days < 0:
        assert result < day
    else:
        assert result == roll(day, "following", calendar)


@given(business_calendars(), dates(), st.integers(-30, 30), st.integers(0, 30))
def test_add_business_days_is_monotone_in_the_count(
    calendar: Calendar, day: date, days: int, more: int
) -> None:
    earlier = add_business_days(day, days, calendar)
    later = add_business_days(day, days + more, calendar)
    assert earlier <= later
    if more and (days >= 1 or days + more <= 0 or calendar.is_business_day(day)):
        assert earlier < later


@given(weekend_calendars(), dates(), st.integers(0, 30), st.integers(-30, 30))
def test_add_business_days_is_monotone_in_the_date(
    calendar: WeekendCalendar, day: date, later_by: int, days: int
) -> None:
    assert add_business_days(day, days, calendar) <= add_business_days(
        day + timedelta(later_by), days, calendar
    )


@given(business_calendars(), dates(), st.integers(-800, 800))
def test_business_days_between_is_antisymmetric_and_bounded(
    calendar: Calendar, start: date, offset: int
) -> None:
    end = start + timedelta(days=offset)
    count = business_days_between(start, end, calendar)
    assert count == -business_days_between(end, start, calendar)
    assert abs(count) <= abs((end - start).days)


# -- day counts -----------------------------------------------------------------------------


@given(dates(), dates(), dates(), st.sampled_from(ACTUAL))
def test_actual_fractions_add_up_over_adjacent_periods(
    first: date, middle: date, last: date, basis: DayCount
) -> None:
    assert year_fraction(first, middle, basis) + year_fraction(middle, last, basis) == (
        year_fraction(first, last, basis)
    )


@given(dates(), dates(), day_count_bases())
def test_fractions_are_antisymmetric(start: date, end: date, basis: DayCount) -> None:
    assert year_fraction(end, start, basis) == -year_fraction(start, end, basis)
    assert day_count(end, start, basis) == -day_count(start, end, basis)
    assert (year_fraction(start, end, basis) >= 0) == (end >= start)


@given(dates(), dates())
def test_act_act_isda_is_close_to_calendar_years(start: date, end: date) -> None:
    fraction = abs(year_fraction(start, end, DayCount.ACT_ACT_ISDA))
    days = abs((end - start).days)
    assert Fraction(days, 366) <= fraction <= Fraction(days, 365)


@given(dates(), dates(), st.sampled_from((DayCount.THIRTY_360, DayCount.THIRTY_E_360)))
def test_thirty_360_stays_near_actual_days(start: date, end: date, basis: DayCount) -> None:
    assume(start <= end)
    # Each month-end adjustment moves the count by at most 3 days (28 February to 30).
    months = (end.year - start.year) * 12 + end.month - start.month + 1
    assert abs(day_count(start, end, basis) - (end - start).days) <= 3 * months


@given(dates(), dates())
def test_days_late_is_never_negative(due: date, paid: date) -> None:
    late = days_late(due, paid)
    assert late >= 0
    assert late == max(0, day_count(due, paid, DayCount.ACT_365F))


@given(
    st.decimals(0, 10**9, places=2),
    st.decimals(0, 100, places=4),
    dates(),
    dates(),
    dates(),
    st.sampled_from(ACTUAL),
)
def test_accrual_is_additive_to_34_digits(
    amount: Decimal, rate: Decimal, first: date, middle: date, last: date, basis: DayCount
) -> None:
    whole = Fraction(accrue(amount, rate, first, last, basis))
    head = Fraction(accrue(amount, rate, first, middle, basis))
    tail = Fraction(accrue(amount, rate, middle, last, basis))
    # Each result is the exact value rounded to 34 significant digits: it is off by at most
    # half a unit in its 34th digit, which is less than its size / 10**33.
    assert abs(whole - (head + tail)) <= (abs(whole) + abs(head) + abs(tail)) / 10**33


# -- rates ----------------------------------------------------------------------------------


@st.composite
def _table_and_period(draw: st.DrawFn) -> tuple[RateTable, date, date]:
    table = draw(rate_tables())
    start = table.points[0].effective_from
    first = draw(dates(start, start + timedelta(days=3000)))
    last = draw(dates(first - timedelta(days=1), first + timedelta(days=3000)))
    return table, first, last


@given(_table_and_period())
def test_segments_cover_the_period_exactly(case: tuple[RateTable, date, date]) -> None:
    table, first, last = case
    segments = table.segments(first, last)
    if last < first:
        assert segments == ()
        return
    assert segments[0].first_day == first
    assert segments[-1].last_day == last
    for before, after in pairwise(segments):
        assert after.first_day == before.last_day + timedelta(days=1)
        assert after.rate != before.rate
    assert sum(segment.days for segment in segments) == (last - first).days + 1


@given(_table_and_period(), st.data())
def test_each_segment_rate_is_the_rate_on_its_days(
    case: tuple[RateTable, date, date], data: st.DataObject
) -> None:
    table, first, last = case
    for segment in table.segments(first, last):
        day = data.draw(dates(segment.first_day, segment.last_day))
        assert table.rate_on(day) == segment.rate
        assert table.rate_on(segment.first_day) == segment.rate
        assert table.rate_on(segment.last_day) == segment.rate


@given(reference_rates(), st.data())
def test_reference_rate_segments(rate: ReferenceRate, data: st.DataObject) -> None:
    start = rate.table.points[0].effective_from
    first = data.draw(dates(start, start + timedelta(days=2000)))
    last = data.draw(dates(first, first + timedelta(days=2000)))
    segments = rate.segments(first, last)
    assert sum(segment.days for segment in segments) == (last - first).days + 1
    if rate.fixing == "fixed":
        assert segments == (RateSegment(first_day=first, last_day=last, rate=rate.rate_on(first)),)
    else:
        for segment in segments:
            assert segment.rate == rate.rate_on(segment.first_day) == rate.rate_on(segment.last_day)


@given(rate_tables(), st.decimals(-5, 20, places=2))
def test_plus_shifts_every_rate(table: RateTable, spread: Decimal) -> None:
    shifted = table.plus(spread)
    for point in table.points:
        assert shifted.rate_on(point.effective_from) == point.rate + spread


@given(rate_tables())
def test_csv_round_trips(table: RateTable) -> None:
    assert RateTable.from_csv(table.to_csv()) == table


# -- every model: JSON round trip and immutability ------------------------------------------


MODELS = st.one_of(
    weekend_calendars(),
    holiday_calendars(),
    rate_tables(),
    reference_rates(),
    rate_tables().map(lambda table: table.points[0]),
    reference_rates().map(
        lambda rate: rate.segments(
            rate.table.points[0].effective_from,
            rate.table.points[0].effective_from + timedelta(days=400),
        )[0]
    ),
)


@given(MODELS, dates())
def test_models_round_trip_through_json(model: BaseModel, day: date) -> None:
    if isinstance(model, WeekendCalendar | HolidayCalendar):
        model.is_business_day(day)  # a filled cache must not change equality
    again = type(model).model_validate_json(model.model_dump_json())
    assert again == model
    assert again.model_dump_json() == model.model_dump_json()
    assert hash(again) == hash(model)


@given(MODELS)
def test_models_are_immutable(model: BaseModel) -> None:
    name = next(iter(type(model).model_fields))
    with pytest.raises(ValidationError, match="Instance is frozen"):
        setattr(model, name, getattr(model, name))
