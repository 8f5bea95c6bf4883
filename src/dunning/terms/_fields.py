"""Field types and helpers shared by the payment-terms models (not API)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import (
    Decimal,
)
from typing import Annotated, Literal

from dateutil.relativedelta import FR, MO, SA, SU, TH, TU, WE
from pydantic import AfterValidator, BeforeValidator, ValidationInfo
from pydantic_core import PydanticCustomError

from dunning.calendars import BusinessCalendar, RollConvention, WeekendCalendar
from dunning.calendars import roll as _roll_day
from dunning.money import Amount, to_decimal

__all__: list[str] = []


#: Terms longer than ten years are refused: they are almost always a typo, and keeping the
#: offsets bounded keeps every due date inside the dates Python supports.
_MAX_DAYS = 3660
_MAX_MONTHS = 120
_MAX_WEEKS = 522


# -- field types ----------------------------------------------------------------------------


def _ranged(low: int, high: int, rule: str) -> Callable[[int, ValidationInfo], int]:
    def check(value: int, info: ValidationInfo) -> int:
        if not low <= value <= high:
            raise PydanticCustomError(
                "dunning.terms_range",
                "{field} {value} must be between {low} and {high}: {rule}",
                {"field": info.field_name, "value": value, "low": low, "high": high, "rule": rule},
            )
        return value

    return check


def _whole(value: object, info: ValidationInfo) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise PydanticCustomError(
            "dunning.terms_integer",
            "{field} must be a whole number (an int), not {type} {value}",
            {"field": info.field_name, "type": type(value).__name__, "value": repr(value)},
        )
    return value


_Days = Annotated[
    int,
    BeforeValidator(_whole),
    AfterValidator(_ranged(0, _MAX_DAYS, "days count from 0 up to ten years")),
]
_Weeks = Annotated[
    int,
    BeforeValidator(_whole),
    AfterValidator(_ranged(0, _MAX_WEEKS, "weeks count from 0 up to ten years")),
]
_MonthsAhead = Annotated[
    int,
    BeforeValidator(_whole),
    AfterValidator(_ranged(1, _MAX_MONTHS, "months count from 1 (the next month) up to 120")),
]
_Months = Annotated[
    int,
    BeforeValidator(_whole),
    AfterValidator(_ranged(0, _MAX_MONTHS, "months count from 0 up to 120")),
]
_DayOfMonth = Annotated[
    int,
    BeforeValidator(_whole),
    AfterValidator(_ranged(1, 31, "a day of the month (clamped to the month's length)")),
]
_SignedDays = Annotated[
    int,
    BeforeValidator(_whole),
    AfterValidator(_ranged(-_MAX_DAYS, _MAX_DAYS, "days count up to ten years either way")),
]
_SignedWeeks = Annotated[
    int,
    BeforeValidator(_whole),
    AfterValidator(_ranged(-_MAX_WEEKS, _MAX_WEEKS, "weeks count up to ten years either way")),
]
_SignedMonths = Annotated[
    int,
    BeforeValidator(_whole),
    AfterValidator(_ranged(-_MAX_MONTHS, _MAX_MONTHS, "months count up to 120 either way")),
]
_MonthOfYear = Annotated[
    int,
    BeforeValidator(_whole),
    AfterValidator(_ranged(1, 12, "a month of the year, 1 for January to 12 for December")),
]
_Nth = Annotated[
    int,
    BeforeValidator(_whole),
    AfterValidator(_ranged(1, 5, "the 1st to 5th such weekday on or after")),
]


def _named_decimal(value: object, info: ValidationInfo) -> Decimal:
    return to_decimal(value, what=str(info.field_name))


def _check_share(value: Decimal, info: ValidationInfo) -> Decimal:
    if not 0 < value <= 100:
        raise PydanticCustomError(
            "dunning.terms_percent",
            "{field} {value} must be above 0 and at most 100 (a percent of the invoice total)",
            {"field": info.field_name, "value": str(value)},
        )
    return value


def _check_discount_percent(value: Decimal, info: ValidationInfo) -> Decimal:
    if not 0 < value < 100:
        raise PydanticCustomError(
            "dunning.terms_percent",
            "{field} {value} must be above 0 and below 100 (a discount percent of the installment)",
            {"field": info.field_name, "value": str(value)},
        )
    return value


def _check_positive(value: Decimal, info: ValidationInfo) -> Decimal:
    if value <= 0:
        raise PydanticCustomError(
            "dunning.terms_amount",
            "{field} {value} must be above 0 (an amount in the invoice currency)",
            {"field": info.field_name, "value": str(value)},
        )
    return value


# The field's own before-validator runs first, so that a bad value is reported by field name.
_Share = Annotated[Amount, BeforeValidator(_named_decimal), AfterValidator(_check_share)]
_DiscountPercent = Annotated[
    Amount, BeforeValidator(_named_decimal), AfterValidator(_check_discount_percent)
]
_Positive = Annotated[Amount, BeforeValidator(_named_decimal), AfterValidator(_check_positive)]

#: dateutil weekdays by their two-letter iCalendar names (RFC 5545 BYDAY).
_WEEKDAYS = {"MO": MO, "TU": TU, "WE": WE, "TH": TH, "FR": FR, "SA": SA, "SU": SU}
_WeekdayName = Literal["MO", "TU", "WE", "TH", "FR", "SA", "SU"]


def _rolled(
    day: date, convention: RollConvention, issue_date: date, calendar: BusinessCalendar | None
) -> date:
    if convention is RollConvention.NONE:
        return day
    calendar = WeekendCalendar() if calendar is None else calendar
    rolled = _roll_day(day, convention, calendar)
    if rolled < issue_date:
        # A due date never precedes the issue date: when the preceding business day is
        # before it, the following one is used instead.
        rolled = _roll_day(day, RollConvention.FOLLOWING, calendar)
    return rolled


def _format_decimal(value: Decimal) -> str:
    return format(value.normalize(), "f")


_ORDINAL_SUFFIXES = {1: "st", 2: "nd", 3: "rd"}


def _ordinal(day: int) -> str:
    suffix = "th" if 10 <= day % 100 <= 20 else _ORDINAL_SUFFIXES.get(day % 10, "th")
    return f"{day}{suffix}"
