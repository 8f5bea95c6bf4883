"""Hypothesis strategies for dates, calendars, day-count bases and rate tables."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import strategies as st

from dunning.calendars import HolidayCalendar, RollConvention, WeekendCalendar
from dunning.daycount import DayCount
from dunning.rates import RatePoint, RateTable, ReferenceRate

__all__ = [
    "business_calendars",
    "dates",
    "day_count_bases",
    "holiday_calendars",
    "rate_percents",
    "rate_tables",
    "reference_rates",
    "roll_conventions",
    "weekend_calendars",
    "weekends",
]

#: The span that billing data lives in; far enough from `date.min` and `date.max` that
#: adding a few years of business days never overflows.
_FIRST = date(1990, 1, 1)
_LAST = date(2100, 12, 31)

#: Countries whose holidays the library's users meet most (Latin America, Europe, the US).
_COUNTRIES = ("CO", "CL", "MX", "US", "DE", "BR", "ES", "PE", "AR", "GB")


def dates(min_value: date = _FIRST, max_value: date = _LAST) -> st.SearchStrategy[date]:
    """Dates from `min_value` to `max_value` (1990 to 2100); shrinks towards 2000-01-01.

    (Hypothesis shrinks dates towards 1 January 2000, or the bound nearest to it.)
    """
    return st.dates(min_value=min_value, max_value=max_value)


def weekends() -> st.SearchStrategy[tuple[int, ...]]:
    """Weekends of 0 to 6 weekdays as sorted tuples; shrinks towards Saturday and Sunday."""
    return st.one_of(
        st.just((5, 6)),
        st.sets(st.integers(0, 6), max_size=6).map(lambda days: tuple(sorted(days))),
    )


def weekend_calendars(
    min_value: date = _FIRST, max_value: date = _LAST, *, max_closures: int = 10
) -> st.SearchStrategy[WeekendCalendar]:
    """`WeekendCalendar`s with any weekend and up to `max_closures` closure dates.

    Shrinks towards a Saturday-and-Sunday weekend with no closures.
    """
    return st.builds(
        WeekendCalendar,
        weekend=weekends(),
        closures=st.lists(dates(min_value, max_value), max_size=max_closures).map(tuple),
    )


def holiday_calendars(
    countries: tuple[str, ...] = _COUNTRIES,
    *,
    min_value: date = _FIRST,
    max_value: date = _LAST,
    max_closures: int = 5,
) -> st.SearchStrategy[HolidayCalendar]:
    """`HolidayCalendar`s of `countries` (national holidays, no subdivision).

    Needs the `holidays` package (``pip install "dunning[holidays]"``). Shrinks towards the
    first country (Colombia by default) with a Saturday-and-Sunday weekend and no closures.
    """
    return st.builds(
        HolidayCalendar,
        country=st.sampled_from(countries),
        weekend=weekends(),
        closures=st.lists(dates(min_value, max_value), max_size=max_closures).map(tuple),
    )


def business_calendars(
    *, holidays: bool = True
) -> st.SearchStrategy[WeekendCalendar | HolidayCalendar]:
    """`weekend_calendars()` and, if `holidays`, `holiday_calendars()` too.

    Shrinks towards a `WeekendCalendar` with a Saturday-and-Sunday weekend and no closures.
    Pass ``holidays=False`` where the `holidays` package is not installed.
    """
    if not holidays:
        return weekend_calendars()
    return st.one_of(weekend_calendars(), holiday_calendars())


def roll_conventions() -> st.SearchStrategy[RollConvention]:
    """Every `RollConvention`; shrinks towards `RollConvention.FOLLOWING`."""
    return st.sampled_from(RollConvention)


def day_count_bases() -> st.SearchStrategy[DayCount]:
    """Every `DayCount` basis; shrinks towards `DayCount.ACT_365F`."""
    return st.sampled_from(DayCount)


def rate_percents(
    min_value: Decimal | str = "0", max_value: Decimal | str = "60", *, places: int = 4
) -> st.SearchStrategy[Decimal]:
    """Annual rates in percent with up to `places` decimals; shrinks towards `min_value` (0)."""
    return st.decimals(
        min_value=Decimal(min_value),
        max_value=Decimal(max_value),
        places=places,
        allow_nan=False,
        allow_infinity=False,
    )


@st.composite
def _rate_tables(
    draw: st.DrawFn,
    min_points: int,
    max_points: int,
    min_value: date,
    max_value: date,
    rates: st.SearchStrategy[Decimal],
) -> RateTable:
    first = draw(dates(min_value, max_value))
    gaps = draw(st.lists(st.integers(1, 400), min_size=min_points - 1, max_size=max_points - 1))
    days = [first]
    for gap in gaps:
        days.append(days[-1] + timedelta(days=gap))
    values = draw(st.lists(rates, min_size=len(days), max_size=len(days)))
    return RateTable(
        name=draw(st.sampled_from(("reference", "ECB MRO", "CO IBC consumo", "Banxico TIIE"))),
        points=tuple(
            RatePoint(effective_from=day, rate=value)
            for day, value in zip(days, values, strict=True)
        ),
    )


def rate_tables(
    *,
    min_points: int = 1,
    max_points: int = 8,
    min_value: date = _FIRST,
    max_value: date = date(2060, 12, 31),
    rates: st.SearchStrategy[Decimal] | None = None,
) -> st.SearchStrategy[RateTable]:
    """`RateTable`s of `min_points` to `max_points` points, 1 to 400 days apart.

    The first point falls between `min_value` and `max_value`; rates come from `rates`
    (default `rate_percents()`). Shrinks towards a single point at 2000-01-01 with rate 0.
    """
    return _rate_tables(
        min_points, max_points, min_value, max_value, rate_percents() if rates is None else rates
    )


def reference_rates(
    tables: st.SearchStrategy[RateTable] | None = None,
) -> st.SearchStrategy[ReferenceRate]:
    """`ReferenceRate`s over `tables` (default `rate_tables()`) with a spread of -5 to 20 points.

    Shrinks towards a variable rate with a spread of 0 over the smallest table.
    """
    return st.builds(
        ReferenceRate,
        table=rate_tables() if tables is None else tables,
        spread=rate_percents("-5", "20", places=2),
        fixing=st.sampled_from(("variable", "fixed")),
    )
