from datetime import date
from decimal import Decimal, Inexact, localcontext
from fractions import Fraction

import pytest

from dunning.daycount import (
    ACCRUAL_PRECISION,
    DayCount,
    accrue,
    day_count,
    days_late,
    year_fraction,
)
from dunning.errors import CalendarError

ALL = tuple(DayCount)


def test_basis_names_are_the_market_names() -> None:
    assert [basis.value for basis in DayCount] == [
        "ACT/365F",
        "ACT/360",
        "30/360",
        "30E/360",
        "ACT/ACT ISDA",
    ]


# -- worked examples, from the definitions of the 2006 ISDA Definitions 4.16 ----------------


@pytest.mark.parametrize(
    ("start", "end", "basis", "days", "fraction"),
    [
        # 30/360 (4.16(f)): D1 = 31 -> 30; D2 = 31 and D1 > 29 -> 30.
        # 360*0 + 30*(3-1) + (30-30) = 60.
        (date(2024, 1, 31), date(2024, 3, 31), DayCount.THIRTY_360, 60, Fraction(1, 6)),
        # D1 = 15 (not > 29), so D2 stays 31: 30*2 + (31-15) = 76.
        (date(2024, 1, 15), date(2024, 3, 31), DayCount.THIRTY_360, 76, Fraction(76, 360)),
        # No February end-of-month rule: 28 Feb 2023 to 31 Mar 2023 = 30 + (31-28) = 33.
        (date(2023, 2, 28), date(2023, 3, 31), DayCount.THIRTY_360, 33, Fraction(33, 360)),
        # 30E/360 (4.16(g)): D1 = 29 stays (no February rule), D2 = 31 -> 30.
        # 30*(8-2) + (30-29) = 181.
        (date(2024, 2, 29), date(2024, 8, 31), DayCount.THIRTY_E_360, 181, Fraction(181, 360)),
        # Here 30E differs from 30/360: D1 = 15 but D2 = 31 -> 30 anyway: 60 + 15 = 75.
        (date(2024, 1, 15), date(2024, 3, 31), DayCount.THIRTY_E_360, 75, Fraction(75, 360)),
        # A year: 360 under both.
        (date(2023, 5, 31), date(2024, 5, 31), DayCount.THIRTY_360, 360, Fraction(1)),
        (date(2023, 5, 31), date(2024, 5, 31), DayCount.THIRTY_E_360, 360, Fraction(1)),
        # ACT/ACT ISDA (4.16(b)) across the year end: 17 days of 2023 (15 Dec .. 31 Dec) over
        # 365, plus 14 days of leap 2024 (1 Jan .. 14 Jan) over 366.
        (
            date(2023, 12, 15),
            date(2024, 1, 15),
            DayCount.ACT_ACT_ISDA,
            31,
            Fraction(17, 365) + Fraction(14, 366),
        ),
        # Inside one leap year.
        (date(2024, 1, 1), date(2024, 7, 1), DayCount.ACT_ACT_ISDA, 182, Fraction(182, 366)),
        # Whole years count 1 each, whatever their length.
        (
            date(2023, 7, 1),
            date(2026, 7, 1),
            DayCount.ACT_ACT_ISDA,
            1096,
            Fraction(184, 365) + 2 + Fraction(181, 365),
        ),
        (date(2024, 1, 1), date(2025, 1, 1), DayCount.ACT_ACT_ISDA, 366, Fraction(1)),
        # ACT/365F over the leap year 2024: 366 days, over 365.
        (date(2024, 1, 1), date(2025, 1, 1), DayCount.ACT_365F, 366, Fraction(366, 365)),
        (date(2023, 1, 1), date(2024, 1, 1), DayCount.ACT_365F, 365, Fraction(1)),
        # ACT/360: a 365-day year is more than one year.
        (date(2023, 1, 1), date(2024, 1, 1), DayCount.ACT_360, 365, Fraction(73, 72)),
        # An empty period.
        (date(2024, 1, 1), date(2024, 1, 1), DayCount.ACT_ACT_ISDA, 0, Fraction(0)),
    ],
)
def test_worked_examples(
    start: date, end: date, basis: DayCount, days: int, fraction: Fraction
) -> None:
    assert day_count(start, end, basis) == days
    assert year_fraction(start, end, basis) == fraction
    assert year_fraction(start, end, basis.value) == fraction


def test_act_act_isda_value_of_the_cross_year_example() -> None:
    assert year_fraction(date(2023, 12, 15), date(2024, 1, 15), "ACT/ACT ISDA") == Fraction(
        5666, 66795
    )


def test_century_years_are_leap_only_every_400() -> None:
    assert year_fraction(date(1900, 1, 1), date(1900, 7, 1), "ACT/ACT ISDA") == Fraction(181, 365)
    assert year_fraction(date(2000, 1, 1), date(2000, 7, 1), "ACT/ACT ISDA") == Fraction(182, 366)


@pytest.mark.parametrize("basis", ALL)
def test_reversed_periods_are_negative(basis: DayCount) -> None:
    start, end = date(2023, 12, 15), date(2024, 3, 31)
    assert year_fraction(end, start, basis) == -year_fraction(start, end, basis)
    assert day_count(end, start, basis) == -day_count(start, end, basis)
    assert year_fraction(end, start, basis) < 0


def test_unknown_basis() -> None:
    message = (
        r"^'ACT/365' is not a day-count basis; use one of 'ACT/365F', 'ACT/360', '30/360', "
        r"'30E/360', 'ACT/ACT ISDA'$"
    )
    with pytest.raises(CalendarError, match=message):
        year_fraction(date(2024, 1, 1), date(2024, 2, 1), "ACT/365")
    with pytest.raises(CalendarError, match=message):
        day_count(date(2024, 1, 1), date(2024, 2, 1), "ACT/365")


# -- days_late ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("payment", "expected"),
    [
        (date(2024, 3, 1), 0),
        (date(2024, 3, 14), 0),
        (date(2024, 3, 15), 0),
        (date(2024, 3, 16), 1),
        (date(2024, 4, 15), 31),
        (date(2025, 3, 15), 365),
    ],
)
def test_days_late(payment: date, expected: int) -> None:
    assert days_late(date(2024, 3, 15), payment) == expected


# -- accrue -------------------------------------------------------------------------------------


def test_accrue_is_exact_when_the_result_terminates() -> None:
    # 1,000 at 24 % for 60/360 of a year: 1000 * 0.24 / 6 = 40.
    assert (
        accrue(Decimal("1000"), Decimal("24"), date(2024, 1, 31), date(2024, 3, 31), "30/360") == 40
    )
    # 1,000,000 at 18 % for 30 days ACT/360: 15,000.
    assert accrue(
        Decimal("1000000"), Decimal("18"), date(2024, 1, 1), date(2024, 1, 31), DayCount.ACT_360
    ) == Decimal("15000")
    # ACT/365F for a whole leap year: 366/365 of a year.
    assert accrue(
        Decimal("365"), Decimal("10"), date(2024, 1, 1), date(2025, 1, 1), "ACT/365F"
    ) == Decimal("36.6")


def test_accrue_rounds_to_34_significant_digits_half_even() -> None:
    result = accrue(
        Decimal("1000000"), Decimal("25"), date(2024, 1, 1), date(2024, 1, 31), "ACT/365F"
    )
    exact = Fraction(1000000) * Fraction(25, 100) * Fraction(30, 365)
    assert ACCRUAL_PRECISION == 34
    assert result == Decimal("20547.94520547945205479452054794521")
    assert len(result.as_tuple().digits) == 34
    assert abs(Fraction(result) - exact) <= Fraction(1, 10**29) / 2


def test_accrue_ignores_the_callers_decimal_context() -> None:
    args = (Decimal("1000000"), Decimal("25"), date(2024, 1, 1), date(2024, 1, 31), "ACT/365F")
    expected = accrue(*args)
    with localcontext() as context:
        context.prec = 5
        context.traps[Inexact] = True
        assert accrue(*args) == expected


def test_accrue_accepts_ints_and_strings_and_reverses() -> None:
    start, end = date(2024, 1, 1), date(2024, 7, 1)
    assert accrue(1000, "12", start, end, "ACT/ACT ISDA") == Decimal(
        "59.67213114754098360655737704918033"
    )
    # copy_negate, not unary minus: the minus would round to the default 28 digits.
    assert (
        accrue("1000", 12, end, start, "ACT/ACT ISDA")
        == accrue(1000, 12, start, end, "ACT/ACT ISDA").copy_negate()
    )


@pytest.mark.parametrize(
    ("amount", "rate", "error", "message"),
    [
        (
            1000.0,
            Decimal("12"),
            TypeError,
            r"^amount must be a Decimal, an int or a numeric string, not float 1000.0: "
            r"binary floats cannot hold most decimal fractions exactly$",
        ),
        (Decimal("1000"), 0.12, TypeError, r"^annual_rate_percent must be a Decimal, .* not float"),
        (
            Decimal("1000"),
            None,
            TypeError,
            r"^annual_rate_percent must be a Decimal, an int or a "
            r"numeric string, not NoneType$",
        ),
        (
            Decimal("1000"),
            "twelve",
            ValueError,
            r"^annual_rate_percent 'twelve' is not a decimal number$",
        ),
        (Decimal("NaN"), Decimal("12"), ValueError, r"^amount must be a finite number, not NaN$"),
    ],
)
def test_accrue_rejects_bad_numbers(
    amount: object, rate: object, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        accrue(amount, rate, date(2024, 1, 1), date(2024, 2, 1), "ACT/360")  # type: ignore[arg-type]
