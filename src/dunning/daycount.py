"""Day counts: how many days a period has and which fraction of a year it is.

Fractions are exact (`fractions.Fraction`), so the actual-day bases add up exactly over
adjacent periods: interest for January plus interest for February is interest for both.
The bases follow the 2006 ISDA Definitions, section 4.16.

>>> from datetime import date
>>> from decimal import Decimal
>>> year_fraction(date(2024, 1, 31), date(2024, 3, 31), DayCount.THIRTY_360)
Fraction(1, 6)
>>> accrue(Decimal("1000"), Decimal("24"), date(2024, 1, 31), date(2024, 3, 31), "30/360")
Decimal('40')
>>> days_late(date(2024, 3, 15), date(2024, 3, 20))
5
"""

from __future__ import annotations

from datetime import date
from decimal import (
    Decimal,
)
from enum import StrEnum
from fractions import Fraction

from pydantic_core import PydanticCustomError

from dunning.errors import CalendarError
from dunning.money import EXACT_PRECISION, exact_context, to_decimal

__all__ = [
    "ACCRUAL_PRECISION",
    "DayCount",
    "accrue",
    "day_count",
    "days_late",
    "year_fraction",
]

#: Significant digits of the `Decimal` that `accrue` returns (IEEE 754 decimal128).
ACCRUAL_PRECISION = EXACT_PRECISION


class DayCount(StrEnum):
    """A day-count basis (2006 ISDA Definitions, section 4.16).

    >>> DayCount("ACT/360")
    <DayCount.ACT_360: 'ACT/360'>
    """

    ACT_365F = "ACT/365F"
    """Actual days / 365, also in leap years (4.16(d), "Actual/365 (Fixed)")."""
    ACT_360 = "ACT/360"
    """Actual days / 360 (4.16(e), "Actual/360")."""
    THIRTY_360 = "30/360"
    """Bond basis (4.16(f)): 31st as 30th; an end on the 31st counts as 30th only when the
    start is the 30th or 31st. No end-of-February rule (that is the US "30/360 SIA")."""
    THIRTY_E_360 = "30E/360"
    """Eurobond basis (4.16(g)): every 31st counts as the 30th; February is left as it is."""
    ACT_ACT_ISDA = "ACT/ACT ISDA"
    """Days in leap years / 366 plus days in other years / 365 (4.16(b))."""


def _basis(basis: DayCount | str) -> DayCount:
    try:
        return DayCount(basis)
    except ValueError:
        known = ", ".join(repr(member.value) for member in DayCount)
        raise CalendarError(f"{basis!r} is not a day-count basis; use one of {known}") from None


def _year_days(year: int) -> int:
    return 366 if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) else 365


def _thirty_days(start: date, end: date, *, european: bool) -> int:
    """The 30/360 day count of ``start <= end`` (ISDA 4.16(f) or, if `european`, 4.16(g))."""
    d1 = min(start.day, 30)
    d2 = end.day
    if d2 == 31 and (european or d1 == 30):
        d2 = 30
    return 360 * (end.year - start.year) + 30 * (end.month - start.month) + (d2 - d1)


def day_count(start: date, end: date, basis: DayCount | str) -> int:
    """Return the days from `start` to `end` under `basis`: the numerator of its fraction.

    The actual-day bases count calendar days (`start` excluded, `end` included); the 30/360
    bases count 30-day months. When `end` is before `start` the count is negative:
    ``day_count(a, b) == -day_count(b, a)`` for every basis.

    >>> from datetime import date
    >>> day_count(date(2024, 1, 31), date(2024, 3, 31), "ACT/360")
    60
    >>> day_count(date(2024, 2, 29), date(2024, 8, 31), "30E/360")
    181

    Raises:
        CalendarError: when `basis` is not a `DayCount`.
    """
    basis = _basis(basis)
    if end < start:
        return -day_count(end, start, basis)
    if basis is DayCount.THIRTY_360:
        return _thirty_days(start, end, european=False)
    if basis is DayCount.THIRTY_E_360:
        return _thirty_days(start, end, european=True)
    return (end - start).days


def year_fraction(start: date, end: date, basis: DayCount | str) -> Fraction:
    """Return the exact fraction of a year from `start` to `end` under `basis`.

    When `end` is before `start` the fraction is negative,
    ``year_fraction(a, b) == -year_fraction(b, a)``, so that reversing a period reverses its
    interest. ACT/ACT ISDA splits the period at each 1 January: the days falling in a leap
    year count 1/366 each, the others 1/365.

    >>> from datetime import date
    >>> year_fraction(date(2023, 12, 15), date(2024, 1, 15), "ACT/ACT ISDA")
    Fraction(5666, 66795)
    >>> year_fraction(date(2024, 1, 1), date(2025, 1, 1), "ACT/365F")
    Fraction(366, 365)

    Raises:
        CalendarError: when `basis` is not a `DayCount`.
    """
    basis = _basis(basis)
    if end < start:
        return -year_fraction(end, start, basis)
    if basis is DayCount.ACT_365F:
        return Fraction((end - start).days, 365)
    if basis is DayCount.ACT_360:
        return Fraction((end - start).days, 360)
    if basis is DayCount.ACT_ACT_ISDA:
        if start.year == end.year:
            return Fraction((end - start).days, _year_days(start.year))
        head = date(start.year + 1, 1, 1) - start
        tail = end - date(end.year, 1, 1)
        # Whole years in between count exactly 1 each, whatever their length.
        return (
            Fraction(head.days, _year_days(start.year))
            + (end.year - start.year - 1)
            + Fraction(tail.days, _year_days(end.year))
        )
    return Fraction(day_count(start, end, basis), 360)


def days_late(due_date: date, payment_date: date) -> int:
    """Return the days a payment is late: from the day after `due_date` to `payment_date`.

    Paying on or before the due date is 0 days late, never a negative number.

    >>> from datetime import date
    >>> due = date(2024, 3, 15)
    >>> days_late(due, date(2024, 3, 10)), days_late(due, due), days_late(due, date(2024, 4, 1))
    (0, 0, 17)
    """
    return max(0, (payment_date - due_date).days)


def _number(value: object, what: str) -> Decimal:
    try:
        return to_decimal(value, what=what)
    except PydanticCustomError as error:
        if error.type == "dunning.float" or not isinstance(value, str | Decimal):
            raise TypeError(error.message()) from None
        raise ValueError(error.message()) from None


def accrue(
    amount: Decimal | int | str,
    annual_rate_percent: Decimal | int | str,
    start: date,
    end: date,
    basis: DayCount | str,
) -> Decimal:
    """Return the simple interest on `amount` at `annual_rate_percent` from `start` to `end`.

    The interest is ``amount * rate / 100 * year_fraction(start, end, basis)``, computed
    exactly with fractions and converted once to a `Decimal` of `ACCRUAL_PRECISION` (34)
    significant digits, rounding half to even. A result with 34 digits or fewer (the usual
    case for 30/360 and for amounts that divide evenly) is therefore exact; otherwise it is
    the exact value correctly rounded to 34 digits. It is *not* rounded to a currency: quantise
    it with `dunning.money.Money.quantize` when it is charged. A period that ends before it
    starts gives negative interest (see `year_fraction`).

    >>> from datetime import date
    >>> from decimal import Decimal
    >>> accrue(Decimal("1000000"), Decimal("25"), date(2024, 1, 1), date(2024, 1, 31), "ACT/365F")
    Decimal('20547.94520547945205479452054794521')
    >>> accrue(Decimal("1000000"), Decimal("18"), date(2024, 1, 1), date(2024, 1, 31), "ACT/360")
    Decimal('15000')

    Raises:
        TypeError: when `amount` or the rate is a float (or not a number at all).
        ValueError: when `amount` or the rate is a string that is not a finite number.
        CalendarError: when `basis` is not a `DayCount`.
    """
    exact = (
        Fraction(_number(amount, "amount"))
        * Fraction(_number(annual_rate_percent, "annual_rate_percent"))
        / 100
        * year_fraction(start, end, basis)
    )
    context = exact_context()
    return context.divide(Decimal(exact.numerator), Decimal(exact.denominator))
