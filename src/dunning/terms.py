"""Payment terms: when an invoice falls due, in how many installments, with which discounts.

`PaymentTerms` are data: an optional `Deposit` due on the invoice date, then term lines
(`TermLine`), each an amount (a `percent` of the total, a `fixed` amount or the `remainder`),
a `DueRule` and early-payment discount tiers (`DiscountTier`). `PaymentTerms.schedule` turns
them, for one invoice total and issue date, into installments (`Installment`) that always sum
exactly to the total. `parse_terms` reads the usual short notation ("2/10 net 30") and `TERMS`
holds the common named terms.

The due rules follow what ERPs offer (Odoo's ``account.payment.term`` lines, Tryton's
relativedelta lines, ERPNext's "due date based on"): days after the invoice date, days after
the end of the invoice month ("net 30 EOM"), months after the end of the invoice month, a day
of the following month ("10th prox") and a free relativedelta step.

>>> from datetime import date
>>> terms = parse_terms("2/10 net 30")
>>> (installment,) = terms.schedule(Money("1000.00", "USD"), date(2026, 1, 31))
>>> installment.due_date, str(installment.amount)
(datetime.date(2026, 3, 2), '1000.00 USD')
>>> window = installment.discounts[0]
>>> window.last_day, str(window.discount), str(window.amount_payable)
(datetime.date(2026, 2, 10), '20.00 USD', '980.00 USD')
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Callable, Mapping
from datetime import date, timedelta
from decimal import (
    ROUND_DOWN,
    ROUND_HALF_DOWN,
    ROUND_HALF_EVEN,
    ROUND_HALF_UP,
    ROUND_UP,
    Decimal,
    localcontext,
)
from types import MappingProxyType
from typing import Annotated, Literal

from dateutil.relativedelta import FR, MO, SA, SU, TH, TU, WE, relativedelta
from pydantic import AfterValidator, BeforeValidator, Field, ValidationError, ValidationInfo
from pydantic import model_validator as _model_validator
from pydantic_core import PydanticCustomError

from dunning._model import Model
from dunning.calendars import BusinessCalendar, RollConvention, WeekendCalendar
from dunning.calendars import roll as _roll_day
from dunning.errors import MoneyError, TermsError, TermsParseError
from dunning.money import Amount, Money, Rounding, to_decimal

__all__ = [
    "TERMS",
    "CashRounding",
    "ChainedSteps",
    "Convention",
    "DateStep",
    "DayOfFollowingMonth",
    "DaysAfter",
    "DaysAfterMonthEnd",
    "Deposit",
    "DiscountCost",
    "DiscountTier",
    "DiscountWindow",
    "DueRule",
    "Installment",
    "MonthsAfterMonthEnd",
    "PaymentTerms",
    "RelativeStep",
    "TermLine",
    "discount_cost",
    "get_terms",
    "parse_terms",
]

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


# -- due rules ------------------------------------------------------------------------------


class _BaseDueRule(Model):
    roll: RollConvention = Field(
        default=RollConvention.NONE,
        description="How a due date that is not a business day moves; 'none' keeps it.",
    )

    def unadjusted_due_date(self, issue_date: date) -> date:
        """Return the due date for an invoice issued on `issue_date`, before any roll."""
        raise NotImplementedError

    def due_date(self, issue_date: date, calendar: BusinessCalendar | None = None) -> date:
        """Return the due date for an invoice issued on `issue_date`, rolled by `roll`.

        Rolling uses `calendar`, or a Saturday/Sunday weekend calendar when it is None. A
        rolled due date is never before the issue date: when rolling *preceding* would move it
        there, it rolls *following* instead.
        """
        return _rolled(self.unadjusted_due_date(issue_date), self.roll, issue_date, calendar)

    def _minimum_days(self) -> int | None:
        """Return a lower bound of the days from issue to due date, when the rule has one."""
        return None


class DaysAfter(_BaseDueRule):
    """Due `days` calendar days after the invoice date ("net 30"); 0 is due on receipt.

    >>> from datetime import date
    >>> DaysAfter(days=30).due_date(date(2026, 1, 31))
    datetime.date(2026, 3, 2)
    >>> DaysAfter(days=30, roll="following").due_date(date(2026, 1, 30))  # Sun 1 March
    datetime.date(2026, 3, 2)
    """

    kind: Literal["days_after"] = "days_after"
    days: _Days = Field(description="Calendar days after the invoice date.")

    def unadjusted_due_date(self, issue_date: date) -> date:
        """Return `issue_date` plus `days`."""
        return issue_date + timedelta(days=self.days)

    def _minimum_days(self) -> int:
        return self.days


class DaysAfterMonthEnd(_BaseDueRule):
    """Due `days` days after the last day of the invoice month ("net 30 EOM").

    >>> from datetime import date
    >>> DaysAfterMonthEnd(days=30).due_date(date(2026, 1, 15))
    datetime.date(2026, 3, 2)
    """

    kind: Literal["days_after_month_end"] = "days_after_month_end"
    days: _Days = Field(description="Calendar days after the end of the invoice month.")

    def unadjusted_due_date(self, issue_date: date) -> date:
        """Return the last day of the invoice month plus `days`."""
        return issue_date + relativedelta(day=31) + timedelta(days=self.days)

    def _minimum_days(self) -> int:
        return self.days


class MonthsAfterMonthEnd(_BaseDueRule):
    """Due at the end of the month `months` after the invoice month, or on its `day`.

    This is ERPNext's "month(s) after the end of the invoice month". A `day` beyond the
    month's length means its last day.

    >>> from datetime import date
    >>> MonthsAfterMonthEnd(months=1).due_date(date(2026, 1, 15))
    datetime.date(2026, 2, 28)
    >>> MonthsAfterMonthEnd(months=2, day=5).due_date(date(2026, 1, 15))
    datetime.date(2026, 3, 5)
    """

    kind: Literal["months_after_month_end"] = "months_after_month_end"
    months: _MonthsAhead = Field(description="Months after the invoice month, 1 or more.")
    day: _DayOfMonth | None = Field(
        default=None, description="Day of that month; None for its last day."
    )

    def unadjusted_due_date(self, issue_date: date) -> date:
        """Return `day` (or the last day) of the month `months` after the invoice month."""
        return issue_date + relativedelta(months=self.months, day=self.day or 31)


class DayOfFollowingMonth(_BaseDueRule):
    """Due on day `day` of the next month ("10th prox"), or of the month `months` ahead.

    The day is clamped to the month's length: the 31st prox of a January invoice is the last
    day of February.

    >>> from datetime import date
    >>> DayOfFollowingMonth(day=10).due_date(date(2026, 1, 31))
    datetime.date(2026, 2, 10)
    >>> DayOfFollowingMonth(day=31).due_date(date(2026, 1, 5))
    datetime.date(2026, 2, 28)
    """

    kind: Literal["day_of_following_month"] = "day_of_following_month"
    day: _DayOfMonth = Field(description="Day of the month, clamped to the month's length.")
    months: _MonthsAhead = Field(default=1, description="Months after the invoice month.")

    def unadjusted_due_date(self, issue_date: date) -> date:
        """Return day `day` of the month `months` after the invoice month."""
        return issue_date + relativedelta(months=self.months, day=self.day)


class RelativeStep(_BaseDueRule):
    """Due after a relativedelta step from the invoice date (Tryton's payment-term deltas).

    The step is applied as `dateutil.relativedelta.relativedelta` applies it: first
    ``months`` (and ``day``, clamped to the month's length), then ``weeks`` and ``days``,
    then ``weekday`` moves forward to the `nth` such weekday on or after the date. So that a
    due date never precedes the issue date, ``day`` needs ``months`` of at least 1.

    >>> from datetime import date
    >>> RelativeStep(days=30, weekday="FR").due_date(date(2026, 1, 5))  # first Friday after
    datetime.date(2026, 2, 6)
    >>> RelativeStep(months=1, day=15).due_date(date(2026, 1, 31))
    datetime.date(2026, 2, 15)
    """

    kind: Literal["relative"] = "relative"
    months: _Months = Field(default=0, description="Months to add.")
    weeks: _Weeks = Field(default=0, description="Weeks to add.")
    days: _Days = Field(default=0, description="Days to add.")
    day: _DayOfMonth | None = Field(
        default=None, description="Day of the month to land on (needs months >= 1)."
    )
    weekday: _WeekdayName | None = Field(
        default=None, description="Weekday to move forward to: 'MO' .. 'SU'."
    )
    nth: _Nth = Field(default=1, description="Which such weekday on or after the date, 1-5.")

    @_model_validator(mode="after")
    def _check(self) -> RelativeStep:
        if self.day is not None and self.months == 0:
            raise PydanticCustomError(
                "dunning.terms_relative",
                "day {day} needs months of at least 1: with months 0 the due date could fall "
                "before the issue date",
                {"day": self.day},
            )
        if self.weekday is None and self.nth != 1:
            raise PydanticCustomError(
                "dunning.terms_relative",
                "nth {nth} needs a weekday: it counts weekdays on or after the date",
                {"nth": self.nth},
            )
        return self

    def unadjusted_due_date(self, issue_date: date) -> date:
        """Return `issue_date` moved by the step."""
        weekday = None if self.weekday is None else _WEEKDAYS[self.weekday](self.nth)
        step = relativedelta(
            months=self.months, weeks=self.weeks, days=self.days, day=self.day, weekday=weekday
        )
        return issue_date + step

    def _minimum_days(self) -> int | None:
        return None if self.months else self.weeks * 7 + self.days


#: The most steps one `ChainedSteps` rule applies; more is almost always a mistake.
_MAX_STEPS = 12


class DateStep(Model):
    """One relativedelta-like step of a `ChainedSteps` due rule (a row of Tryton's deltas).

    The fields are applied in `dateutil.relativedelta` order: first the absolute `month`
    (the same year), then the relative `months`; then the absolute `day`, clipped to the
    length of the month reached; then `weeks` and `days`; last, `weekday` moves forward to
    the `nth` such weekday on or after the date. Offsets may be negative ("5 days before the
    end of the month": ``day=31`` then ``days=-5``), so a step can move a date backwards;
    the chain as a whole must not end before the invoice date.

    >>> from datetime import date
    >>> DateStep(month=3, day=15).apply(date(2026, 1, 20))  # the 15th of March
    datetime.date(2026, 3, 15)
    >>> DateStep(day=31).apply(date(2026, 2, 3))  # the end of the same month, clipped
    datetime.date(2026, 2, 28)
    >>> DateStep(days=1, weekday="FR").apply(date(2026, 1, 2))  # Friday: the next Friday
    datetime.date(2026, 1, 9)
    """

    month: _MonthOfYear | None = Field(
        default=None, description="Month of the year to set (1-12), in the same year."
    )
    day: _DayOfMonth | None = Field(
        default=None, description="Day of the month to set, clipped to the month's length."
    )
    weekday: _WeekdayName | None = Field(
        default=None, description="Weekday to move forward to, on or after: 'MO' .. 'SU'."
    )
    nth: _Nth = Field(default=1, description="Which such weekday on or after the date, 1-5.")
    months: _SignedMonths = Field(default=0, description="Months to add (negative: back).")
    weeks: _SignedWeeks = Field(default=0, description="Weeks to add (negative: back).")
    days: _SignedDays = Field(default=0, description="Days to add (negative: back).")

    @_model_validator(mode="after")
    def _check(self) -> DateStep:
        if self.weekday is None and self.nth != 1:
            raise PydanticCustomError(
                "dunning.terms_relative",
                "nth {nth} needs a weekday: it counts weekdays on or after the date",
                {"nth": self.nth},
            )
        return self

    def apply(self, day: date) -> date:
        """Return `day` moved by this step (see the class documentation for the order)."""
        weekday = None if self.weekday is None else _WEEKDAYS[self.weekday](self.nth)
        step = relativedelta(
            month=self.month,
            months=self.months,
            day=self.day,
            weeks=self.weeks,
            days=self.days,
            weekday=weekday,
        )
        return day + step


class ChainedSteps(_BaseDueRule):
    """Due after several `DateStep`s applied one after the other (Tryton's delta sequence).

    Each step starts from the date the previous one reached, so "60 days, then the end of
    that month, then the next Friday" is three steps. The result must not fall before the
    invoice date; `due_date` raises `TermsError` when it does.

    >>> from datetime import date
    >>> rule = ChainedSteps(steps=[DateStep(days=60), DateStep(day=31), DateStep(weekday="FR")])
    >>> rule.due_date(date(2026, 1, 10))  # 11 March, 31 March (a Tuesday), Friday 3 April
    datetime.date(2026, 4, 3)
    """

    kind: Literal["steps"] = "steps"
    steps: tuple[DateStep, ...] = Field(
        min_length=1,
        max_length=_MAX_STEPS,
        description="The steps, applied in order from the invoice date.",
    )

    def unadjusted_due_date(self, issue_date: date) -> date:
        """Return `issue_date` moved by every step in turn.

        Raises:
            TermsError: when the steps end before `issue_date` or beyond the dates Python
                supports.
        """
        day = issue_date
        for index, step in enumerate(self.steps):
            try:
                day = step.apply(day)
            except (OverflowError, ValueError):
                raise TermsError(
                    f"steps[{index}] moves {day} beyond the dates Python supports"
                ) from None
        if day < issue_date:
            raise TermsError(
                f"the steps end on {day}, before the invoice date {issue_date}: an invoice "
                "cannot fall due before it is issued"
            )
        return day


#: One of the due rules, told apart by its ``kind`` field.
DueRule = Annotated[
    DaysAfter
    | DaysAfterMonthEnd
    | MonthsAfterMonthEnd
    | DayOfFollowingMonth
    | RelativeStep
    | ChainedSteps,
    Field(discriminator="kind"),
]


# -- amounts --------------------------------------------------------------------------------


class DiscountTier(Model):
    """An early-payment discount, such as the "2/10" of "2/10 net 30".

    `percent` of the installment, or a fixed `amount`, comes off when the installment is paid
    by the last day of the window: `days` calendar days after its anchor, inclusive. The
    anchor (`based_on`) is the invoice date (the default, as in "2/10 net 30"), or the end of
    the invoice month (``based_on="month_end"``, as in "2/10 EOM" and "2/10 prox", where the
    discount runs to the 10th of the following month), or the end of the month `months`
    after the invoice month (ERPNext's "month(s) after the end of the invoice month"). A fixed
    amount never takes more than the installment.

    >>> DiscountTier(days=10, percent="2")
    DiscountTier(days=10, percent=Decimal('2'), amount=None, based_on='invoice_date', months=0)
    >>> from datetime import date
    >>> DiscountTier(days=10, percent="2", based_on="month_end").last_day(date(2026, 1, 20))
    datetime.date(2026, 2, 10)
    """

    days: _Days = Field(description="Calendar days after the anchor, inclusive.")
    percent: _DiscountPercent | None = Field(
        default=None, description="Percent of the installment taken off."
    )
    amount: _Positive | None = Field(
        default=None, description="Amount taken off, in the invoice currency."
    )
    based_on: Literal["invoice_date", "month_end"] = Field(
        default="invoice_date",
        description="What the days count from: the invoice date or the end of a month.",
    )
    months: _Months = Field(
        default=0,
        description="With based_on='month_end': months after the invoice month (0: its end).",
    )

    @_model_validator(mode="after")
    def _check(self) -> DiscountTier:
        if (self.percent is None) == (self.amount is None):
            raise PydanticCustomError(
                "dunning.terms_discount",
                "a discount tier needs exactly one of percent or amount; got percent {percent} "
                "and amount {amount}",
                {"percent": str(self.percent), "amount": str(self.amount)},
            )
        if self.months and self.based_on != "month_end":
            raise PydanticCustomError(
                "dunning.terms_discount",
                "months {months} needs based_on='month_end': it counts months after the "
                "invoice month, whose end anchors the window",
                {"months": self.months},
            )
        return self

    def last_day(self, issue_date: date) -> date:
        """Return the last day (inclusive) of the window for an invoice of `issue_date`."""
        if self.based_on == "month_end":
            anchor = issue_date + relativedelta(months=self.months, day=31)
        else:
            anchor = issue_date
        return anchor + timedelta(days=self.days)

    def _value(self) -> Decimal:
        return self.percent if self.percent is not None else self.amount  # type: ignore[return-value]  # one is set

    def _net_days(self, due: DueRule) -> int | None:
        """Days after the tier's anchor that the line's due date is at least, when known."""
        if self.based_on == "invoice_date":
            return due._minimum_days()
        if isinstance(due, DaysAfterMonthEnd) and not self.months:
            return due.days
        return None


class TermLine(Model):
    """One installment of the terms: how much, when, and with which discounts.

    Give exactly one of `percent` (of the invoice total), `percent_of_remainder` (of what
    the lines before leave: Tryton's "percentage on remainder"), `fixed` (an amount in the
    invoice currency) or ``remainder=True`` (what the other lines leave). Discount tiers run
    in order of strictly increasing `days` (and `months`) and strictly decreasing
    discounts, all percents or all amounts, all from the same anchor; a window counted in
    days like the due date (`DaysAfter`, `DaysAfterMonthEnd`) must close before it.

    >>> line = TermLine(remainder=True, due=DaysAfter(days=30),
    ...                 discounts=[DiscountTier(days=10, percent="2")])
    >>> line.due.days, line.discounts[0].percent
    (30, Decimal('2'))
    """

    percent: _Share | None = Field(default=None, description="Percent of the invoice total.")
    percent_of_remainder: _Share | None = Field(
        default=None, description="Percent of what the lines before this one leave."
    )
    fixed: _Positive | None = Field(default=None, description="Amount in the invoice currency.")
    remainder: bool = Field(default=False, description="What the other lines leave.")
    due: DueRule = Field(description="When the line falls due.")
    discounts: tuple[DiscountTier, ...] = Field(
        default=(), description="Early-payment discount tiers, by increasing days."
    )

    @_model_validator(mode="after")
    def _check(self) -> TermLine:
        given = [
            f"{name} {value}"
            for name, value in (
                ("percent", self.percent),
                ("percent_of_remainder", self.percent_of_remainder),
                ("fixed", self.fixed),
                ("remainder", self.remainder or None),
            )
            if value is not None
        ]
        if len(given) != 1:
            raise PydanticCustomError(
                "dunning.terms_line",
                "a term line needs exactly one of percent, percent_of_remainder, fixed or "
                "remainder=True; got {given}",
                {"given": " and ".join(given) or "none"},
            )
        for index, tier in enumerate(self.discounts):
            net = tier._net_days(self.due)
            if net is not None and tier.days >= net:
                raise PydanticCustomError(
                    "dunning.terms_discount",
                    "discount days {days} must be before the net days {net} "
                    "(discounts[{index}].days)",
                    {"days": tier.days, "net": net, "index": index},
                )
            if index == 0:
                continue
            previous = self.discounts[index - 1]
            if tier.based_on != previous.based_on:
                raise PydanticCustomError(
                    "dunning.terms_discount",
                    "discounts[{index}].based_on {based_on} differs from discounts[{before}]"
                    ".based_on {previous}: the tiers of a line count from the same anchor",
                    {
                        "index": index,
                        "based_on": tier.based_on,
                        "before": index - 1,
                        "previous": previous.based_on,
                    },
                )
            if (tier.months, tier.days) <= (previous.months, previous.days):
                raise PydanticCustomError(
                    "dunning.terms_discount",
                    "discounts[{index}].days {days} must be after discounts[{before}].days "
                    "{previous}: tiers run in order of increasing days",
                    {
                        "index": index,
                        "days": tier.days,
                        "before": index - 1,
                        "previous": previous.days,
                    },
                )
            if (tier.percent is None) != (previous.percent is None):
                raise PydanticCustomError(
                    "dunning.terms_discount",
                    "discounts[{index}] mixes percent and amount tiers: the tiers of a line "
                    "are all percents or all amounts",
                    {"index": index},
                )
            if tier._value() >= previous._value():
                raise PydanticCustomError(
                    "dunning.terms_discount",
                    "discounts[{index}].{field} {value} must be below "
                    "discounts[{before}].{field} {previous}: a later payment earns a smaller "
                    "discount",
                    {
                        "field": "amount" if tier.percent is None else "percent",
                        "index": index,
                        "value": str(tier._value()),
                        "before": index - 1,
                        "previous": str(previous._value()),
                    },
                )
        return self

    def _describe(self) -> str:
        for name in ("percent", "percent_of_remainder", "fixed"):
            value = getattr(self, name)
            if value is not None:
                return f"{name} {_format_decimal(value)}"
        return "remainder"


class Deposit(Model):
    """A deposit (advance) due on the invoice date: a `percent` of the total or a `fixed` amount.

    >>> Deposit(percent="30")
    Deposit(percent=Decimal('30'), fixed=None)
    """

    percent: _Share | None = Field(default=None, description="Percent of the invoice total.")
    fixed: _Positive | None = Field(default=None, description="Amount in the invoice currency.")

    @_model_validator(mode="after")
    def _check(self) -> Deposit:
        if (self.percent is None) == (self.fixed is None):
            raise PydanticCustomError(
                "dunning.terms_deposit",
                "a deposit needs exactly one of percent or fixed; got percent {percent} and "
                "fixed {fixed}",
                {"percent": str(self.percent), "fixed": str(self.fixed)},
            )
        return self

    def _describe(self) -> str:
        if self.percent is not None:
            return f"percent {_format_decimal(self.percent)}"
        return f"fixed {_format_decimal(self.fixed)}"  # type: ignore[arg-type]  # one is set


# -- schedules ------------------------------------------------------------------------------


class DiscountWindow(Model):
    """An early-payment discount of one installment: pay `amount_payable` by `last_day`."""

    last_day: date = Field(description="Last day (inclusive) the discount applies.")
    discount: Money = Field(description="The discount, rounded to the minor unit.")
    amount_payable: Money = Field(description="The installment less the discount.")


class Installment(Model):
    """An amount due on a date, with its early-payment discount windows.

    >>> from datetime import date
    >>> (deposit, rest) = parse_terms("50% deposit net 30").schedule(
    ...     Money("99.99", "USD"), date(2026, 1, 5))
    >>> deposit.deposit, deposit.due_date, str(deposit.amount), str(rest.amount)
    (True, datetime.date(2026, 1, 5), '50.00 USD', '49.99 USD')
    """

    sequence: int = Field(ge=1, description="1 for the first installment, then 2, 3, ...")
    due_date: date
    amount: Money
    discounts: tuple[DiscountWindow, ...] = Field(
        default=(), description="Discount windows, by increasing last day."
    )
    deposit: bool = Field(default=False, description="Whether this is the deposit.")

    def amount_payable(self, on: date) -> Money:
        """Return what settles the installment when paid on `on`.

        That is the amount less the discount of the first window still open on that day.

        >>> from datetime import date
        >>> (installment,) = parse_terms("2/10 net 30").schedule(
        ...     Money("500.00", "USD"), date(2026, 1, 5))
        >>> str(installment.amount_payable(date(2026, 1, 15)))
        '490.00 USD'
        >>> str(installment.amount_payable(date(2026, 1, 16)))
        '500.00 USD'
        """
        for window in self.discounts:
            if on <= window.last_day:
                return window.amount_payable
        return self.amount


def _format_decimal(value: Decimal) -> str:
    return format(value.normalize(), "f")


_ORDINAL_SUFFIXES = {1: "st", 2: "nd", 3: "rd"}


def _ordinal(day: int) -> str:
    suffix = "th" if 10 <= day % 100 <= 20 else _ORDINAL_SUFFIXES.get(day % 10, "th")
    return f"{day}{suffix}"


#: How a convention computes a schedule: which ERP's rules it follows. See `PaymentTerms`.
Convention = Literal["dunning", "tryton", "odoo", "erpnext"]

#: The rounding of each convention's line amounts and discounts, when `schedule` is given
#: none: Tryton's ``Currency.round`` and Frappe's ``flt`` round half to even, Odoo's
#: ``float_round`` half up; dunning's own default splits by largest remainder and rounds
#: fixed amounts and discounts half up.
_CONVENTION_ROUNDING: Mapping[str, Rounding] = MappingProxyType(
    {
        "dunning": Rounding.HALF_UP,
        "tryton": Rounding.HALF_EVEN,
        "odoo": Rounding.HALF_UP,
        "erpnext": Rounding.HALF_EVEN,
    }
)

_CASH_METHODS: Mapping[str, str] = MappingProxyType(
    {
        "half_up": ROUND_HALF_UP,
        "half_down": ROUND_HALF_DOWN,
        "half_even": ROUND_HALF_EVEN,
        "up": ROUND_UP,
        "down": ROUND_DOWN,
    }
)


class CashRounding(Model):
    """Rounding of amounts paid in cash to a coarser `step` than the minor unit.

    Odoo's ``account.cash.rounding`` (a rounding precision and a method: up, down, half up);
    Chile rounds cash payments to the nearest 10 pesos, amounts ending in 1 to 5 down and 6
    to 9 up (Ley 20.956, art. 2): ``CashRounding(step=10, method="half_down")``. ``up`` and
    ``down`` move away from and towards zero, so credit notes round like invoices.

    >>> chile = CashRounding(step="10", method="half_down")
    >>> str(chile.round(Money(1235, "CLP"))), str(chile.round(Money(1236, "CLP")))
    ('1230 CLP', '1240 CLP')
    """

    step: _Positive = Field(description="The cash step, e.g. 10 (CLP) or 0.05 (CHF).")
    method: Literal["half_up", "half_down", "half_even", "up", "down"] = Field(
        default="half_up", description="How an amount between two steps is rounded."
    )

    def round(self, amount: Money) -> Money:
        """Return `amount` rounded to a whole number of steps.

        Raises:
            TermsError: when the step has more decimals than the currency's minor unit.
        """
        step = Money._trusted(self.step, amount.currency)
        if not step.is_quantized():
            raise TermsError(
                f"cash rounding step {_format_decimal(self.step)} has more decimals than the "
                f"{amount.minor_unit()} of the {amount.currency} minor unit"
            )
        with localcontext() as context:
            context.prec = 34
            steps = (amount.amount / self.step).to_integral_value(_CASH_METHODS[self.method])
            rounded = steps * self.step
        return Money._trusted(rounded, amount.currency).quantize()


class PaymentTerms(Model):
    """Named payment terms: an optional deposit and the lines of the schedule.

    How the lines turn into amounts follows a `convention`, named after the ERP whose rules
    it reproduces (see the payment terms page of the documentation for the full table):

    - ``"dunning"`` (the default): the lines end with one or more remainder lines, which
      share what the deposit and the other lines leave equally (the first ones take the odd
      minor units), so ``n`` remainder lines give ``n`` equal installments; the percents of
      the total add up to at most 100; a line asking for more than is left is an error.
    - ``"tryton"``: lines in order, each rounded; the last line is a remainder line; a
      remainder line takes everything left, so the lines after it get nothing; a line asking
      for more than is left gets what is left and the schedule stops there; zero
      installments are dropped.
    - ``"odoo"``: percent and fixed lines; the last line takes what is left whatever its
      type, and the percents add up to 100 unless a remainder (balance) line ends the terms;
      a line asking for more than is left is an error (Odoo would post a negative one).
    - ``"erpnext"``: every line is a percent of the total (an invoice portion), they add up to
      100, and the last line takes the rounding difference.

    `discount_base` says what an early-payment discount is a percent of (Odoo's "cash
    discount tax reduction"): the ``"total"`` with taxes, the ``"untaxed"`` amount only, or
    ``"mixed"`` (also the untaxed amount, the invoice's tax having been computed on the
    discounted base already). `cash_rounding` rounds every installment but the last, and
    every discounted amount, to a cash step.

    >>> from datetime import date
    >>> thirds = PaymentTerms(name="30/60/90", lines=[
    ...     TermLine(remainder=True, due=DaysAfter(days=days)) for days in (30, 60, 90)])
    >>> [str(i.amount) for i in thirds.schedule(Money(1_000_000, "COP"), date(2026, 1, 5))]
    ['333334 COP', '333333 COP', '333333 COP']
    """

    name: str = Field(description="What the terms are called, e.g. 'net 30'.")
    lines: tuple[TermLine, ...] = Field(description="The installments, remainder lines last.")
    deposit: Deposit | None = Field(default=None, description="Due on the invoice date.")
    description: str = Field(default="", description="What the terms mean, for people.")
    convention: Convention = Field(
        default="dunning", description="Whose rules turn the lines into amounts."
    )
    discount_base: Literal["total", "untaxed", "mixed"] = Field(
        default="total", description="What early-payment discount percents apply to."
    )
    cash_rounding: CashRounding | None = Field(
        default=None, description="Rounding of the installments to a cash step."
    )

    @_model_validator(mode="after")
    def _check(self) -> PaymentTerms:
        if not self.name.strip():
            raise PydanticCustomError(
                "dunning.terms_name", "name {value} must not be blank", {"value": repr(self.name)}
            )
        if not self.lines:
            raise PydanticCustomError(
                "dunning.terms_lines",
                "lines must not be empty: the terms need at least one remainder line",
                {},
            )
        {
            "dunning": self._check_dunning,
            "tryton": self._check_tryton,
            "odoo": self._check_odoo,
            "erpnext": self._check_erpnext,
        }[self.convention]()
        return self

    def _percents(self) -> Decimal:
        percent = self.deposit.percent if self.deposit and self.deposit.percent else Decimal(0)
        return percent + sum((line.percent or Decimal(0) for line in self.lines), Decimal(0))

    def _check_dunning(self) -> None:
        percent = self.deposit.percent if self.deposit and self.deposit.percent else Decimal(0)
        for index, line in enumerate(self.lines):
            if line.percent is not None:
                percent += line.percent
                if percent > 100:
                    raise PydanticCustomError(
                        "dunning.terms_percent",
                        "lines[{index}].percent {value} brings the percents of the deposit and "
                        "the lines to {total}, above 100",
                        {"index": index, "value": str(line.percent), "total": str(percent)},
                    )
            if not line.remainder and index and self.lines[index - 1].remainder:
                raise PydanticCustomError(
                    "dunning.terms_remainder",
                    "lines[{before}].remainder is followed by lines[{index}], which is not a "
                    "remainder line: remainder lines come last",
                    {"before": index - 1, "index": index},
                )
        self._check_last_remainder("so that the installments always add up to the total")

    def _check_last_remainder(self, why: str) -> None:
        if not self.lines[-1].remainder:
            raise PydanticCustomError(
                "dunning.terms_remainder",
                "lines[{index}].remainder is false: the last line must be a remainder line, {why}",
                {"index": len(self.lines) - 1, "why": why},
            )

    def _check_tryton(self) -> None:
        self._check_last_remainder("as Tryton requires")

    def _refuse(self, index: int, line: TermLine, rule: str) -> None:
        raise PydanticCustomError(
            "dunning.terms_convention",
            "lines[{index}] is a {kind} line, which the {convention} convention does not "
            "have: {rule}",
            {
                "index": index,
                "kind": line._describe().split(" ")[0],
                "convention": self.convention,
                "rule": rule,
            },
        )

    def _check_sum(self, why: str) -> None:
        total = self._percents()
        if total != 100:
            raise PydanticCustomError(
                "dunning.terms_percent",
                "the percents of the deposit and the lines add up to {total}, not 100: {why}",
                {"total": _format_decimal(total), "why": why},
            )

    def _check_odoo(self) -> None:
        rule = "its lines are percents of the total and fixed amounts, and a last balance line"
        for index, line in enumerate(self.lines):
            if line.percent_of_remainder is not None:
                self._refuse(index, line, rule)
            if line.remainder and index != len(self.lines) - 1:
                raise PydanticCustomError(
                    "dunning.terms_remainder",
                    "lines[{index}] is a remainder (balance) line before the last line: under "
                    "the odoo convention only the last line takes the balance",
                    {"index": index},
                )
        if self.lines[-1].remainder:
            if self._percents() > 100:
                self._check_sum("under the odoo convention they add up to at most 100")
        else:
            self._check_sum("under the odoo convention they add up to exactly 100")

    def _check_erpnext(self) -> None:
        rule = "every line is a percent of the total (an invoice portion)"
        for index, line in enumerate(self.lines):
            if line.percent is None:
                self._refuse(index, line, rule)
        if self.deposit is not None and self.deposit.percent is None:
            raise PydanticCustomError(
                "dunning.terms_convention",
                "deposit is a fixed amount, which the erpnext convention does not have: {rule}",
                {"rule": rule},
            )
        self._check_sum("the invoice portions of an erpnext payment terms template add up to 100")

    def __str__(self) -> str:
        return self.to_text() or self.name

    def to_text(self) -> str | None:
        """Return the canonical text `parse_terms` reads back to these lines and deposit.

        It is None for terms the short notation cannot write: conventions other than
        ``"dunning"``, cash rounding, discounts on the untaxed amount, fixed amounts, rolled
        due dates, several lines other than equal installments ("30/60/90"), and due rules
        other than days, days after the month end and the days of the next month.

        >>> parse_terms("1/10  2/5, N30").to_text()
        '2/5 1/10 net 30'
        >>> parse_terms("crédito 30/60/90 días").to_text()
        '30/60/90'
        """
        if self.convention != "dunning" or self.cash_rounding or self.discount_base != "total":
            return None
        parts: list[str] = []
        if self.deposit is not None:
            if self.deposit.percent is None:
                return None
            parts.append(f"{_format_decimal(self.deposit.percent)}% deposit")
        if len(self.lines) != 1:
            days = _equal_installment_days(self.lines)
            if days is None:
                return None
            # Two numbers alone would read as a discount tier ("30/60"): say "days".
            suffix = " days" if len(days) == 2 else ""
            return " ".join([*parts, "/".join(str(day) for day in days) + suffix])
        (line,) = self.lines
        due = line.due
        if due.roll is not RollConvention.NONE:
            return None
        month_end = isinstance(due, DaysAfterMonthEnd | DayOfFollowingMonth)
        for tier in line.discounts:
            if tier.percent is None or tier.months or (tier.based_on == "month_end") != month_end:
                return None
            parts.append(f"{_format_decimal(tier.percent)}/{tier.days}")
        if isinstance(due, DaysAfter):
            parts.append(f"net {due.days}" if due.days else "due on receipt")
        elif isinstance(due, DaysAfterMonthEnd):
            parts.append(f"net {due.days} EOM")
        elif isinstance(due, DayOfFollowingMonth) and due.months == 1:
            parts.append(f"{_ordinal(due.day)} prox")
        else:
            return None
        return " ".join(parts)

    def due_dates(
        self, issue_date: date, calendar: BusinessCalendar | None = None
    ) -> tuple[date, ...]:
        """Return the due date of each line (the deposit's first), without amounts.

        `calendar` rolls the due dates whose rule has a roll convention; when it is None, a
        Saturday/Sunday weekend calendar is used.

        Raises:
            TermsError: when a line's steps end before `issue_date`; the message names it.
        """
        calendar = WeekendCalendar() if calendar is None else calendar
        dates = []
        for index, line in enumerate(self.lines):
            try:
                dates.append(line.due.due_date(issue_date, calendar))
            except TermsError as error:
                raise TermsError(f"lines[{index}].due of {self.name!r}: {error}") from None
        return (issue_date, *dates) if self.deposit is not None else tuple(dates)

    def net_due_date(self, issue_date: date, calendar: BusinessCalendar | None = None) -> date:
        """Return the last due date of the schedule (the "net" date of the terms).

        >>> from datetime import date
        >>> get_terms("net 30 EOM").net_due_date(date(2026, 1, 15))
        datetime.date(2026, 3, 2)
        """
        return max(self.due_dates(issue_date, calendar))

    def schedule(
        self,
        total: Money,
        issue_date: date,
        calendar: BusinessCalendar | None = None,
        *,
        rounding: Rounding | str | None = None,
        untaxed: Money | None = None,
    ) -> tuple[Installment, ...]:
        """Return the installments of an invoice of `total` issued on `issue_date`.

        The installments sum exactly to `total`. The deposit comes first, due on the invoice
        date; then one installment per line, in the order of the lines (under the tryton
        convention, the lines that come to zero are left out).

        With `rounding` None, each convention rounds its own way: ``"dunning"`` shares the
        total by the largest-remainder method (`Money.allocate`, ties to the earlier line), so
        each percent is within one minor unit of its exact value, and rounds fixed amounts
        and discounts half up; ``"tryton"`` and ``"erpnext"`` round each line and discount
        half to even, ``"odoo"`` half up. With a `rounding` mode, every line and every
        discount is rounded to the minor unit with that mode, in the order of the lines, and
        the last line takes what is left. Odoo rounds the discounted amount rather than the
        discount; the odoo convention does the same.

        A negative total (a credit note) schedules like its opposite, every sign reversed.

        Args:
            total: The invoice total, in whole minor units of its currency.
            issue_date: The invoice date, from which every due date and discount counts.
            calendar: The business calendar for rolling due dates.
            rounding: How every amount is rounded to the minor unit (see above).
            untaxed: The untaxed part of `total`, needed when `discount_base` is not
                ``"total"`` and a line has a percent discount.

        Returns:
            The installments, numbered from 1.

        Raises:
            MoneyError: when `total` has more decimals than its minor unit, or a line asks
                for more than the lines before it leave (the message names the line).
            TermsError: when a line's steps end before the issue date, `untaxed` is missing
                or does not fit in `total`, or a cash step is finer than the minor unit.
        """
        mode = None if rounding is None else Rounding(rounding)
        if not total.is_quantized():
            raise MoneyError(
                f"total {total} has more decimals than the {total.minor_unit()} of its minor "
                "unit; quantize it first"
            )
        share = self._untaxed_share(total, untaxed)
        dues = self.due_dates(issue_date, calendar)
        magnitude = abs(total)
        if self.convention == "dunning" and mode is None:
            amounts: list[Money | None] = list(self._split(magnitude))
        else:
            amounts = self._per_line(magnitude, mode or _CONVENTION_ROUNDING[self.convention])
        discount_mode = mode or _CONVENTION_ROUNDING[self.convention]
        lines: list[TermLine | None] = [None] if self.deposit is not None else []
        lines.extend(self.lines)
        installments: list[Installment] = []
        for amount, line, due in zip(amounts, lines, dues, strict=True):
            if amount is None:
                continue
            windows: tuple[DiscountWindow, ...] = ()
            if line is not None:
                windows = tuple(
                    self._window(tier, amount, share, issue_date, discount_mode)
                    for tier in line.discounts
                )
            if total.is_negative:
                amount = -amount
                windows = tuple(
                    DiscountWindow(
                        last_day=window.last_day,
                        discount=-window.discount,
                        amount_payable=-window.amount_payable,
                    )
                    for window in windows
                )
            installments.append(
                Installment(
                    sequence=len(installments) + 1,
                    due_date=due,
                    amount=amount,
                    discounts=windows,
                    deposit=line is None,
                )
            )
        if not installments:
            # Every line came to zero (tryton): one zero installment on the invoice date, as
            # Tryton's ``compute`` returns.
            installments.append(Installment(sequence=1, due_date=issue_date, amount=total))
        return tuple(installments)

    def _untaxed_share(self, total: Money, untaxed: Money | None) -> Decimal | None:
        """Return the untaxed fraction of `total`, when the discounts need it."""
        if self.discount_base == "total":
            return None
        if untaxed is None:
            if any(tier.percent is not None for line in self.lines for tier in line.discounts):
                raise TermsError(
                    f"terms {self.name!r} discount the untaxed amount (discount_base "
                    f"{self.discount_base!r}): give the untaxed part of the total {total}"
                )
            return None
        if untaxed.currency != total.currency:
            raise TermsError(
                f"untaxed {untaxed} is not in the currency of the total {total.currency}"
            )
        if abs(untaxed) > abs(total) or (untaxed.is_negative != total.is_negative and untaxed):
            raise TermsError(
                f"untaxed {untaxed} must lie between zero and the total {total}, with its sign"
            )
        if total.is_zero:
            return Decimal(0)
        with localcontext() as context:
            context.prec = 34
            return untaxed.amount / total.amount

    def _parts(self) -> list[tuple[str, Deposit | TermLine]]:
        parts: list[tuple[str, Deposit | TermLine]] = []
        if self.deposit is not None:
            parts.append(("the deposit", self.deposit))
        parts.extend((f"lines[{index}]", line) for index, line in enumerate(self.lines))
        return parts

    def _overshoot(
        self, label: str, part: Deposit | TermLine, asked: Money, left: Money, total: Money
    ) -> None:
        what = part._describe()
        raise MoneyError(
            f"{label} ({what}) of {self.name!r} asks for {asked}, but only {left} of the total "
            f"{total} is left"
        )

    def _split(self, total: Money) -> tuple[Money, ...]:
        """Share `total` by largest remainder among exact shares (the dunning default)."""
        currency = total.currency
        exact_left = total.amount
        shares: list[Decimal] = []
        remainders = 0
        for label, part in self._parts():
            if isinstance(part, TermLine) and part.remainder:
                remainders += 1
                continue
            if part.percent is not None:
                exact = total.amount * part.percent / 100
            elif isinstance(part, TermLine) and part.percent_of_remainder is not None:
                exact = exact_left * part.percent_of_remainder / 100
            else:
                exact = Money(part.fixed, currency).quantize(Rounding.HALF_UP).amount
            if exact > exact_left:
                self._overshoot(
                    label,
                    part,
                    Money._trusted(exact, currency).quantize(),
                    Money._trusted(exact_left, currency).quantize(),
                    total,
                )
            exact_left -= exact
            shares.append(exact)
        if total.is_zero:
            amounts: tuple[Money, ...] = (total,) * (len(shares) + 1)
        else:
            amounts = total.allocate([*shares, exact_left])
        amounts = (*amounts[:-1], *amounts[-1].split(remainders))
        if self.cash_rounding is not None:
            cash = tuple(self.cash_rounding.round(amount) for amount in amounts[:-1])
            last = total - Money.sum(cash, currency)
            if last.is_negative:
                raise MoneyError(
                    f"lines[{len(self.lines) - 1}] of {self.name!r} would come to {last} once "
                    "the lines before it are rounded to the cash step"
                )
            amounts = (*cash, last)
        return amounts

    def _per_line(self, total: Money, mode: Rounding) -> list[Money | None]:
        """Round each line in turn with `mode`; the last line takes what is left."""
        currency = total.currency
        parts = self._parts()
        remainders = sum(1 for _, part in parts if isinstance(part, TermLine) and part.remainder)
        left = total
        amounts: list[Money | None] = []
        stopped = False
        stop = -1
        for position, (label, part) in enumerate(parts):
            if stopped:
                amounts.append(None)
                continue
            is_remainder = isinstance(part, TermLine) and part.remainder
            if position == len(parts) - 1:
                value = left
            else:
                if is_remainder and self.convention == "dunning":
                    exact = left.amount / remainders
                elif is_remainder:
                    exact = left.amount
                elif part.percent is not None:
                    exact = total.amount * part.percent / 100
                elif isinstance(part, TermLine) and part.percent_of_remainder is not None:
                    exact = left.amount * part.percent_of_remainder / 100
                else:
                    exact = part.fixed  # type: ignore[assignment]  # the one amount left
                value = Money._trusted(exact, currency).quantize(mode)
                if self.cash_rounding is not None:
                    value = self.cash_rounding.round(value)
            if is_remainder:
                remainders -= 1
            if value > left:
                if self.convention != "tryton":
                    self._overshoot(label, part, value, left, total)
                value = left
                stopped = True
                stop = position
            left = left - value
            amounts.append(value)
        if self.convention == "tryton":
            # Tryton leaves out the lines that come to zero, but keeps the line it stopped
            # at, which takes what is left even when that is nothing.
            return [
                None if amount is None or (amount.is_zero and position != stop) else amount
                for position, amount in enumerate(amounts)
            ]
        return amounts

    def _window(
        self,
        tier: DiscountTier,
        amount: Money,
        untaxed_share: Decimal | None,
        issue_date: date,
        rounding: Rounding,
    ) -> DiscountWindow:
        if tier.percent is not None:
            base = amount.amount if untaxed_share is None else amount.amount * untaxed_share
            exact = Money._trusted(base * tier.percent / 100, amount.currency)
            if self.convention == "odoo":
                payable = (amount - exact).quantize(rounding)
            else:
                payable = amount - exact.quantize(rounding)
        else:
            payable = amount - Money(tier.amount, amount.currency).quantize(rounding).min(amount)
        if self.cash_rounding is not None:
            payable = self.cash_rounding.round(payable).min(amount)
        return DiscountWindow(
            last_day=tier.last_day(issue_date),
            discount=amount - payable,
            amount_payable=payable,
        )


def _equal_installment_days(lines: tuple[TermLine, ...]) -> tuple[int, ...] | None:
    """Return the days of equal installments ("30/60/90"), when the lines are only that."""
    days: list[int] = []
    for line in lines:
        due = line.due
        if (
            not line.remainder
            or line.discounts
            or not isinstance(due, DaysAfter)
            or due.roll is not RollConvention.NONE
            or (days and due.days <= days[-1])
        ):
            return None
        days.append(due.days)
    return tuple(days)


# -- the cost of forgoing a discount --------------------------------------------------------


class DiscountCost(Model):
    """The annual cost of not taking an early-payment discount, in percent.

    Paying on the net date instead of the last discount day borrows the discounted amount for
    ``net_days - discount_days`` days at the price of the discount.
    """

    nominal_annual_percent: Decimal = Field(
        description="Simple annual rate: d/(100-d) * basis/(net - discount days) * 100."
    )
    effective_annual_percent: Decimal = Field(
        description="Compound annual rate: ((1 + d/(100-d)) ** (basis/(net - discount days)) - 1)"
        " * 100."
    )


def discount_cost(
    discount_percent: Decimal | int | str,
    discount_days: int,
    net_days: int,
    *,
    basis: Literal[360, 365] = 365,
    places: int = 2,
) -> DiscountCost:
    """Return the annual cost of forgoing a `discount_percent` / `discount_days` discount.

    With d the discount percent and n the days gained (``net_days - discount_days``):
    nominal = d / (100 - d) * basis / n * 100 and effective = ((1 + d / (100 - d)) **
    (basis / n) - 1) * 100. Both are computed with 34 significant digits and rounded half up
    to `places` decimals.

    >>> discount_cost("2", 10, 30)  # 2/10 net 30
    DiscountCost(nominal_annual_percent=Decimal('37.24'), effective_annual_percent=Decimal('44.59'))
    >>> discount_cost("2", 10, 30, basis=360).nominal_annual_percent
    Decimal('36.73')

    Raises:
        ValueError: when the percent is not above 0 and below 100, the days are not whole
            numbers with ``0 <= discount_days < net_days``, or the basis is not 360 or 365.
    """
    try:
        percent = to_decimal(discount_percent, what="discount_percent")
    except PydanticCustomError as error:
        raise ValueError(error.message()) from None
    if not 0 < percent < 100:
        raise ValueError(f"discount_percent {percent} must be above 0 and below 100")
    for what, days in (("discount_days", discount_days), ("net_days", net_days)):
        if isinstance(days, bool) or not isinstance(days, int):
            raise ValueError(f"{what} must be a whole number of days, not {days!r}")
    if not 0 <= discount_days < net_days:
        raise ValueError(
            f"discount days {discount_days} must be before the net days {net_days} "
            "(and not negative)"
        )
    if basis not in (360, 365):
        raise ValueError(f"basis {basis!r} must be 360 or 365 days a year")
    with localcontext() as context:
        context.prec = 34
        rate = percent / (100 - percent)
        periods = Decimal(basis) / (net_days - discount_days)
        nominal = rate * periods * 100
        effective = ((1 + rate) ** periods - 1) * 100
    exponent = Decimal(1).scaleb(-places)
    return DiscountCost(
        nominal_annual_percent=nominal.quantize(exponent, rounding=ROUND_HALF_UP),
        effective_annual_percent=effective.quantize(exponent, rounding=ROUND_HALF_UP),
    )


# -- parsing --------------------------------------------------------------------------------

_NUMBER = r"\d+(?:\.\d+)?"
_END = r"(?=\s|$)"
_DAYS_WORD = r"(?:days?|dias)"
_MONTH_END = (
    r"(?:eom|e\.o\.m\.?|end\s+of\s+(?:the\s+)?month|fora\s+(?:o\s+|do\s+)?mes|fim\s+do\s+mes"
    r"|fin\s+de\s+mes|fecha\s+factura\s+fin\s+de\s+mes)"
)
_DEPOSIT = re.compile(
    rf"(?P<percent>{_NUMBER})\s*%\s*(?:deposit|advance|upfront|down(?:\s+payment)?|anticipo"
    rf"|adelanto|entrada|sinal){_END}(?:\s+(?:balance|then|and|saldo|y|e){_END})?"
)
_INSTALLMENTS = re.compile(
    rf"(?P<credit>credito\s+(?:a\s+)?)?(?P<days>\d+(?:\s*/\s*\d+)+)"
    rf"(?:\s*(?P<word>{_DAYS_WORD}))?{_END}"
)
_TIER = re.compile(rf"(?P<percent>{_NUMBER})\s*%?\s*/\s*(?P<days>\d+){_END}")
_ANCHOR = re.compile(rf"(?:{_MONTH_END}|prox(?:imo|\.)?){_END}")
_NET = re.compile(
    rf"(?:(?:net|n|neto)\s*/?\s*(?P<days>\d+)(?:\s*{_DAYS_WORD})?"
    rf"|(?:credito\s+(?:a\s+)?|a\s+)?(?P<plain>\d+)\s*{_DAYS_WORD})"
    rf"(?:\s+(?P<eom>{_MONTH_END}))?{_END}"
)
_PROX = re.compile(rf"(?P<day>\d+)(?:st|nd|rd|th)?\s+prox(?:imo|\.)?{_END}")
_RECEIPT = re.compile(
    rf"(?:(?:due\s+)?(?:on|upon)\s+receipt|receipt|immediate(?:ly)?"
    rf"|(?:pago\s+)?(?:de\s+|al\s+)?contado|(?:pagamento\s+)?a\s+vista){_END}"
)
_CASH_ON_DELIVERY = re.compile(rf"(?:cod|c\.o\.d\.?|cash\s+on\s+delivery){_END}")

#: Days from the end of a discount window to the net date when "2/10 EOM" gives no net days:
#: the textbook reading of the notation (net 30 days after the end of the month).
_NET_AFTER_WINDOW = 20

_EXPECTED = (
    "the net days ('net 30', 'n/30', 'N30', 'net 30 EOM', '30 días', 'neto 30', '30 dias fora "
    "o mês'), 'due on receipt' ('contado'), a day of the next month ('10th prox') or equal "
    "installments ('30/60/90', 'crédito 30/60/90 días')"
)

#: Notations offered as suggestions for a text the parser cannot read.
_KNOWN_TEXTS = (
    "net 30",
    "n/30",
    "2/10 net 30",
    "net 30 eom",
    "2/10 eom",
    "2/10 prox",
    "10th prox",
    "due on receipt",
    "50% deposit net 30",
    "30/60/90",
    "neto 30",
    "30 dias",
    "contado",
    "credito 30/60/90 dias",
    "30 dias fora o mes",
    "a vista",
)


def _parse_error(text: str, reason: str) -> TermsParseError:
    return TermsParseError(f"cannot read payment terms {text!r}: {reason}")


def _plain(text: str) -> str:
    """Lower case, accents dropped, commas and semicolons as spaces, single spaces."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    letters = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(letters.replace(",", " ").replace(";", " ").split())


def _suggestion(normal: str) -> str:
    close = difflib.get_close_matches(normal, _KNOWN_TEXTS, n=1, cutoff=0.5)
    return f"; did you mean {close[0]!r}?" if close else ""


def parse_terms(text: str) -> PaymentTerms:
    """Read payment terms from their usual short notation, in English, Spanish or Portuguese.

    The text is, case-insensitively, accents optional, and with commas or extra spaces
    anywhere between words:

    - an optional deposit: ``50% deposit`` (or ``advance``, ``upfront``, ``down payment``,
      ``anticipo``, ``entrada``), optionally followed by ``balance``;
    - any number of discount tiers ``percent/days`` (``2/10``; ``2%/10``), in any order; they
      are sorted by days and must earn smaller discounts as the days grow (``2/5 1/10``);
      followed by ``EOM`` or ``prox`` they count from the end of the invoice month
      ("2/10 EOM": 2% off until the 10th of the next month), and when no net days follow,
      the net date is 20 days after the window (``net 30 EOM``);
    - the due date: ``net 30`` (``n/30``, ``N30``, ``net 30 days``, ``neto 30``, ``30 días``,
      ``crédito 30 días``), ``net 30 EOM`` (30 days after the end of the invoice month;
      ``30 dias fora o mês``, ``30 días fin de mes``), ``10th prox`` (the 10th of the next
      month) or ``due on receipt`` (``upon receipt``, ``immediate``, ``net 0``,
      ``contado``, ``à vista``); discount tiers count from the same anchor as the net days;
    - or, instead, equal installments: ``30/60/90`` (``crédito 30/60/90 días``): one equal
      remainder line due 30, 60 and 90 days after the invoice date.

    "COD" is refused on purpose: cash on delivery depends on the delivery date, which the
    terms do not know; use "due on receipt" with the delivery date as the invoice date.
    The name of the result is its canonical text (`PaymentTerms.to_text`), so
    ``parse_terms(str(terms))`` gives back the same terms for every text it reads.

    >>> parse_terms("2/10, n/30").name
    '2/10 net 30'
    >>> parse_terms("Net 30 EOM").lines[0].due
    DaysAfterMonthEnd(roll=<RollConvention.NONE: 'none'>, kind='days_after_month_end', days=30)
    >>> parse_terms("30 dias fora o mês").name, parse_terms("contado").name
    ('net 30 EOM', 'due on receipt')

    Raises:
        TermsParseError: when the text cannot be read; the message quotes it, says what
            was expected and suggests the closest notation it knows.
    """
    if not isinstance(text, str):
        raise TermsParseError(f"payment terms must be a str, not {type(text).__name__} {text!r}")
    normal = _plain(text)
    if not normal:
        raise _parse_error(text, f"the text is empty; expected {_EXPECTED}")
    if _CASH_ON_DELIVERY.fullmatch(normal):
        raise _parse_error(
            text,
            "cash on delivery depends on the delivery date, which payment terms do not know; "
            "use 'due on receipt' with the delivery date as the invoice date",
        )
    position = 0

    def take(pattern: re.Pattern[str]) -> re.Match[str] | None:
        nonlocal position
        found = pattern.match(normal, position)
        if found is not None:
            position = found.end()
            while position < len(normal) and normal[position] == " ":
                position += 1
        return found

    deposit = None
    found = take(_DEPOSIT)
    if found is not None:
        deposit = {"percent": found["percent"]}
    lines: list[dict[str, object]]
    start = position
    found = take(_INSTALLMENTS)
    days = [] if found is None else [int(part) for part in found["days"].split("/")]
    if found is not None and (found["credit"] or found["word"] or len(days) > 2):
        if days != sorted(set(days)):
            raise _parse_error(text, f"installment days {found['days']!r} must increase")
        lines = [{"remainder": True, "due": {"kind": "days_after", "days": day}} for day in days]
    else:
        position = start
        lines = [_single_line(text, normal, take)]
    if position < len(normal):
        raise _parse_error(
            text,
            f"unexpected {normal[position:]!r} after {normal[:position].strip()!r}"
            + _suggestion(normal),
        )
    try:
        terms = PaymentTerms.model_validate(
            {"name": text.strip(), "lines": lines, "deposit": deposit}
        )
    except ValidationError as error:
        raise _parse_error(text, error.errors()[0]["msg"]) from None
    return terms.evolve(name=terms.to_text())


def _single_line(
    text: str, normal: str, take: Callable[[re.Pattern[str]], re.Match[str] | None]
) -> dict[str, object]:
    """Read the discount tiers and the due date of a one-line text (see `parse_terms`)."""
    tiers: list[dict[str, object]] = []
    while (found := take(_TIER)) is not None:
        tiers.append({"days": int(found["days"]), "percent": found["percent"]})
    tiers.sort(key=lambda tier: int(str(tier["days"])))
    month_end = tiers and take(_ANCHOR) is not None
    due: dict[str, object]
    if (found := take(_NET)) is not None:
        days = int(found["days"] or found["plain"])
        month_end = month_end or found["eom"] is not None
        due = {"kind": "days_after_month_end" if month_end else "days_after", "days": days}
    elif (found := take(_PROX)) is not None:
        month_end = True
        due = {"kind": "day_of_following_month", "day": int(found["day"])}
    elif not month_end and take(_RECEIPT) is not None:
        due = {"kind": "days_after", "days": 0}
    elif month_end:
        last = int(str(tiers[-1]["days"]))
        due = {"kind": "days_after_month_end", "days": last + _NET_AFTER_WINDOW}
    else:
        raise _parse_error(text, f"expected {_EXPECTED} at {_rest(take)!r}{_suggestion(normal)}")
    if month_end:
        tiers = [{**tier, "based_on": "month_end"} for tier in tiers]
    return {"remainder": True, "due": due, "discounts": tiers}


def _rest(take: Callable[[re.Pattern[str]], re.Match[str] | None]) -> str:
    found = take(re.compile(r".*"))
    return found.group() if found is not None and found.group() else "the end of the text"


# -- the registry ---------------------------------------------------------------------------


def _terms(
    name: str,
    due: DueRule,
    description: str,
    *,
    discounts: tuple[DiscountTier, ...] = (),
    deposit: Deposit | None = None,
) -> PaymentTerms:
    return PaymentTerms(
        name=name,
        lines=(TermLine(remainder=True, due=due, discounts=discounts),),
        deposit=deposit,
        description=description,
    )


def _net(days: int) -> PaymentTerms:
    return _terms(
        f"net {days}",
        DaysAfter(days=days),
        f"The whole amount is due {days} days after the invoice date.",
    )


def _two_part_discount(percent: int, days: int, net: int) -> PaymentTerms:
    return _terms(
        f"{percent}/{days} net {net}",
        DaysAfter(days=net),
        f"{percent}% off when paid within {days} days of the invoice date; otherwise the whole "
        f"amount is due {net} days after it.",
        discounts=(DiscountTier(days=days, percent=Decimal(percent)),),
    )


_REGISTRY = (
    _terms("due on receipt", DaysAfter(days=0), "The whole amount is due on the invoice date."),
    *(_net(days) for days in (7, 10, 15, 30, 45, 60, 90)),
    _two_part_discount(1, 10, 30),
    _two_part_discount(2, 10, 30),
    _two_part_discount(2, 10, 60),
    _terms(
        "net 30 EOM",
        DaysAfterMonthEnd(days=30),
        "The whole amount is due 30 days after the end of the invoice month.",
    ),
    _terms(
        "net 60 EOM",
        DaysAfterMonthEnd(days=60),
        "The whole amount is due 60 days after the end of the invoice month.",
    ),
    _terms(
        "10th prox",
        DayOfFollowingMonth(day=10),
        "The whole amount is due on the 10th of the month after the invoice month.",
    ),
    _terms(
        "15th prox",
        DayOfFollowingMonth(day=15),
        "The whole amount is due on the 15th of the month after the invoice month.",
    ),
    _terms(
        "50% deposit net 30",
        DaysAfter(days=30),
        "Half is due on the invoice date; the rest 30 days after it.",
        deposit=Deposit(percent=Decimal(50)),
    ),
    _terms(
        "30% deposit net 30",
        DaysAfter(days=30),
        "30% is due on the invoice date; the rest 30 days after it.",
        deposit=Deposit(percent=Decimal(30)),
    ),
    PaymentTerms(
        name="30/60/90",
        lines=tuple(TermLine(remainder=True, due=DaysAfter(days=days)) for days in (30, 60, 90)),
        description="Three equal installments, due 30, 60 and 90 days after the invoice date.",
    ),
    PaymentTerms(
        name="end of next month",
        lines=(TermLine(remainder=True, due=MonthsAfterMonthEnd(months=1)),),
        description="The whole amount is due on the last day of the month after the invoice month.",
    ),
)

#: Common named payment terms, read-only, by name. Names are lower case except "EOM"; look
#: them up with `get_terms`, which ignores case and extra spaces.
TERMS: Mapping[str, PaymentTerms] = MappingProxyType({terms.name: terms for terms in _REGISTRY})

_KEYS = MappingProxyType({" ".join(name.lower().split()): name for name in TERMS})


def get_terms(name: str) -> PaymentTerms:
    """Return the registered terms called `name` (case and extra spaces do not matter).

    >>> get_terms("Net 30").lines[0].due.days
    30

    Raises:
        KeyError: when no terms have that name; the message lists the closest names.
    """
    key = " ".join(str(name).lower().split())
    if key in _KEYS:
        return TERMS[_KEYS[key]]
    close = difflib.get_close_matches(key, list(_KEYS), n=3, cutoff=0.6)
    hint = (
        f"did you mean {', '.join(repr(_KEYS[match]) for match in close)}?"
        if close
        else f"known terms: {', '.join(repr(known) for known in TERMS)}"
    )
    raise KeyError(f"no payment terms named {name!r}; {hint} (parse_terms reads other texts)")
