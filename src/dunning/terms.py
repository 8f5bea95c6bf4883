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
from collections.abc import Callable, Mapping
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal, localcontext
from types import MappingProxyType
from typing import Annotated, Literal

from dateutil.relativedelta import FR, MO, SA, SU, TH, TU, WE, relativedelta
from pydantic import AfterValidator, BeforeValidator, Field, ValidationError, ValidationInfo
from pydantic import model_validator as _model_validator
from pydantic_core import PydanticCustomError

from dunning._model import Model
from dunning.calendars import BusinessCalendar, RollConvention, WeekendCalendar
from dunning.calendars import roll as _roll_day
from dunning.errors import MoneyError, TermsParseError
from dunning.money import Amount, Money, Rounding, to_decimal

__all__ = [
    "TERMS",
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


#: One of the due rules, told apart by its ``kind`` field.
DueRule = Annotated[
    DaysAfter | DaysAfterMonthEnd | MonthsAfterMonthEnd | DayOfFollowingMonth | RelativeStep,
    Field(discriminator="kind"),
]


# -- amounts --------------------------------------------------------------------------------


class DiscountTier(Model):
    """An early-payment discount, such as the "2/10" of "2/10 net 30".

    `percent` of the installment, or a fixed `amount`, comes off when the installment is paid
    within `days` calendar days of the invoice date. The last day of the window is the
    invoice date plus `days`, inclusive. A fixed amount never takes more than the installment.

    >>> DiscountTier(days=10, percent="2")
    DiscountTier(days=10, percent=Decimal('2'), amount=None)
    """

    days: _Days = Field(description="Calendar days after the invoice date, inclusive.")
    percent: _DiscountPercent | None = Field(
        default=None, description="Percent of the installment taken off."
    )
    amount: _Positive | None = Field(
        default=None, description="Amount taken off, in the invoice currency."
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
        return self

    def _value(self) -> Decimal:
        return self.percent if self.percent is not None else self.amount  # type: ignore[return-value]  # one is set


class TermLine(Model):
    """One installment of the terms: how much, when, and with which discounts.

    Give exactly one of `percent` (of the invoice total), `fixed` (an amount in the invoice
    currency) or ``remainder=True`` (what the other lines leave). Discount tiers run in order
    of strictly increasing `days` and strictly decreasing discounts, all percents or all
    amounts; when the due rule is a number of days (`DaysAfter`, `DaysAfterMonthEnd`), every
    discount window must close before that number of days.

    >>> line = TermLine(remainder=True, due=DaysAfter(days=30),
    ...                 discounts=[DiscountTier(days=10, percent="2")])
    >>> line.due.days, line.discounts[0].percent
    (30, Decimal('2'))
    """

    percent: _Share | None = Field(default=None, description="Percent of the invoice total.")
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
                ("fixed", self.fixed),
                ("remainder", self.remainder or None),
            )
            if value is not None
        ]
        if len(given) != 1:
            raise PydanticCustomError(
                "dunning.terms_line",
                "a term line needs exactly one of percent, fixed or remainder=True; got {given}",
                {"given": " and ".join(given) or "none"},
            )
        net = self.due._minimum_days()
        for index, tier in enumerate(self.discounts):
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
            if tier.days <= previous.days:
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


class PaymentTerms(Model):
    """Named payment terms: an optional deposit and the lines of the schedule.

    The lines need at least one remainder line; remainder lines come after every other line
    and share what the deposit and the other lines leave equally (the first ones take the odd
    minor units), so ``n`` remainder lines give ``n`` equal installments. The percents of the
    deposit and the lines add up to at most 100.

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
        if not self.lines[-1].remainder:
            raise PydanticCustomError(
                "dunning.terms_remainder",
                "lines[{index}].remainder is false: the last line must be a remainder line, "
                "so that the installments always add up to the total",
                {"index": len(self.lines) - 1},
            )
        return self

    def __str__(self) -> str:
        return self.to_text() or self.name

    def to_text(self) -> str | None:
        """Return the canonical text `parse_terms` reads back to these lines and deposit.

        It is None for terms the short notation cannot write: several lines, fixed amounts,
        rolled due dates, and due rules other than days, days after the month end and the
        days of the next month.

        >>> parse_terms("1/10  2/5, N30").to_text()
        '2/5 1/10 net 30'
        """
        if len(self.lines) != 1:
            return None
        (line,) = self.lines
        parts: list[str] = []
        if self.deposit is not None:
            if self.deposit.percent is None:
                return None
            parts.append(f"{_format_decimal(self.deposit.percent)}% deposit")
        for tier in line.discounts:
            if tier.percent is None:
                return None
            parts.append(f"{_format_decimal(tier.percent)}/{tier.days}")
        due = line.due
        if due.roll is not RollConvention.NONE:
            return None
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
        """Return the due date of each installment (the deposit's first), without amounts.

        `calendar` rolls the due dates whose rule has a roll convention; when it is None, a
        Saturday/Sunday weekend calendar is used.
        """
        calendar = WeekendCalendar() if calendar is None else calendar
        dates = [line.due.due_date(issue_date, calendar) for line in self.lines]
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
        rounding: Rounding | str = Rounding.HALF_UP,
    ) -> tuple[Installment, ...]:
        """Return the installments of an invoice of `total` issued on `issue_date`.

        The installments sum exactly to `total`. The deposit comes first, due on the invoice
        date; then one installment per line, in the order of the lines. Fixed amounts are
        rounded to the currency's minor unit with `rounding`; the percent shares are rounded
        by the largest-remainder method (`Money.allocate`, ties to the earlier line), so each
        is within one minor unit of its exact value, and the remainder lines take what is
        left, split equally (`Money.split`). Discounts are rounded with `rounding`.

        `calendar` rolls the due dates whose rule has a roll convention; when it is None, a
        Saturday/Sunday weekend calendar is used.

        Args:
            total: The invoice total, in whole minor units of its currency.
            issue_date: The invoice date, from which every due date and discount counts.
            calendar: The business calendar for rolling due dates.
            rounding: How fixed amounts and discounts are rounded to the minor unit.

        Returns:
            The installments, numbered from 1.

        Raises:
            MoneyError: when `total` is negative or has more decimals than its minor unit, or
                the deposit and the fixed and percent lines add up to more than `total`.
        """
        mode = Rounding(rounding)
        if total.is_negative:
            raise MoneyError(f"total {total} must not be negative to schedule terms {self.name!r}")
        if not total.is_quantized():
            raise MoneyError(
                f"total {total} has more decimals than the {total.minor_unit()} of its minor "
                "unit; quantize it first"
            )
        currency = total.currency
        calendar = WeekendCalendar() if calendar is None else calendar
        dues = self.due_dates(issue_date, calendar)
        shares: list[Money] = []
        if self.deposit is not None:
            shares.append(self._share(self.deposit.percent, self.deposit.fixed, total, mode))
        remainder_lines = 0
        for line in self.lines:
            if line.remainder:
                remainder_lines += 1
            else:
                shares.append(self._share(line.percent, line.fixed, total, mode))
        rest = total - Money.sum(shares, currency)
        if rest.is_negative:
            raise MoneyError(
                f"the deposit and the fixed and percent lines of {self.name!r} add up to "
                f"{total - rest}, more than the total {total}"
            )
        if total.is_zero:
            amounts: tuple[Money, ...] = (total,) * (len(shares) + 1)
        else:
            amounts = total.allocate([share.amount for share in [*shares, rest]])
        amounts = (*amounts[:-1], *amounts[-1].split(remainder_lines))
        installments: list[Installment] = []
        offset = 0
        if self.deposit is not None:
            installments.append(
                Installment(sequence=1, due_date=issue_date, amount=amounts[0], deposit=True)
            )
            offset = 1
        for index, line in enumerate(self.lines, offset):
            amount = amounts[index]
            windows = tuple(self._window(tier, amount, issue_date, mode) for tier in line.discounts)
            installments.append(
                Installment(
                    sequence=index + 1, due_date=dues[index], amount=amount, discounts=windows
                )
            )
        return tuple(installments)

    @staticmethod
    def _share(
        percent: Decimal | None, fixed: Decimal | None, total: Money, rounding: Rounding
    ) -> Money:
        if percent is not None:
            return total.percent(percent)
        return Money(fixed, total.currency).quantize(rounding)

    @staticmethod
    def _window(
        tier: DiscountTier, amount: Money, issue_date: date, rounding: Rounding
    ) -> DiscountWindow:
        if tier.percent is not None:
            discount = amount.percent(tier.percent).quantize(rounding)
        else:
            discount = Money(tier.amount, amount.currency).quantize(rounding).min(amount)
        return DiscountWindow(
            last_day=issue_date + timedelta(days=tier.days),
            discount=discount,
            amount_payable=amount - discount,
        )


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
_DEPOSIT = re.compile(
    rf"(?P<percent>{_NUMBER})\s*%\s*(?:deposit|advance|upfront|down(?:\s+payment)?){_END}"
    rf"(?:\s+(?:balance|then|and){_END})?"
)
_TIER = re.compile(rf"(?P<percent>{_NUMBER})\s*%?\s*/\s*(?P<days>\d+){_END}")
_NET = re.compile(
    rf"(?:net|n)\s*/?\s*(?P<days>\d+)(?:\s*days?)?"
    rf"(?:\s+(?P<eom>eom|e\.o\.m\.?|end\s+of\s+(?:the\s+)?month))?{_END}"
)
_PROX = re.compile(rf"(?P<day>\d+)(?:st|nd|rd|th)?\s+prox(?:imo|\.)?{_END}")
_RECEIPT = re.compile(rf"(?:(?:due\s+)?(?:on|upon)\s+receipt|receipt|immediate(?:ly)?){_END}")
_CASH_ON_DELIVERY = re.compile(rf"(?:cod|c\.o\.d\.?|cash\s+on\s+delivery){_END}")

_EXPECTED = (
    "the net days ('net 30', 'n/30', 'N30', 'net 30 EOM'), 'due on receipt' or a day of the "
    "next month ('10th prox')"
)


def _parse_error(text: str, reason: str) -> TermsParseError:
    return TermsParseError(f"cannot read payment terms {text!r}: {reason}")


def parse_terms(text: str) -> PaymentTerms:
    """Read payment terms from their usual short notation.

    The text is, case-insensitively and with commas or extra spaces anywhere between words:

    - an optional deposit: ``50% deposit`` (or ``advance``, ``upfront``, ``down payment``),
      optionally followed by ``balance``;
    - any number of discount tiers ``percent/days`` (``2/10``; ``2%/10``), in any order; they
      are sorted by days and must earn smaller discounts as the days grow (``2/5 1/10``);
    - the due date: ``net 30`` (``n/30``, ``N30``, ``net 30 days``), ``net 30 EOM`` (30 days
      after the end of the invoice month), ``10th prox`` (the 10th of the next month) or
      ``due on receipt`` (``upon receipt``, ``immediate``, ``net 0``).

    "COD" is refused on purpose: cash on delivery depends on the delivery date, which the
    terms do not know; use "due on receipt" with the delivery date as the invoice date.
    The name of the result is its canonical text (`PaymentTerms.to_text`), so
    ``parse_terms(str(terms))`` gives back the same terms for every text it reads.

    >>> parse_terms("2/10, n/30").name
    '2/10 net 30'
    >>> parse_terms("Net 30 EOM").lines[0].due
    DaysAfterMonthEnd(roll=<RollConvention.NONE: 'none'>, kind='days_after_month_end', days=30)

    Raises:
        TermsParseError: when the text cannot be read; the message quotes it and says what
            was expected, e.g. "discount days 40 must be before the net days 30".
    """
    if not isinstance(text, str):
        raise TermsParseError(f"payment terms must be a str, not {type(text).__name__} {text!r}")
    normal = " ".join(text.replace(",", " ").replace(";", " ").lower().split())
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
    tiers = []
    while (found := take(_TIER)) is not None:
        tiers.append({"days": int(found["days"]), "percent": found["percent"]})
    tiers.sort(key=lambda tier: tier["days"])
    due: dict[str, object]
    if (found := take(_NET)) is not None:
        kind = "days_after_month_end" if found["eom"] else "days_after"
        due = {"kind": kind, "days": int(found["days"])}
    elif (found := take(_PROX)) is not None:
        due = {"kind": "day_of_following_month", "day": int(found["day"])}
    elif take(_RECEIPT) is not None:
        due = {"kind": "days_after", "days": 0}
    else:
        rest = normal[position:] or "the end of the text"
        raise _parse_error(text, f"expected {_EXPECTED} at {rest!r}")
    if position < len(normal):
        raise _parse_error(
            text, f"unexpected {normal[position:]!r} after {normal[:position].strip()!r}"
        )
    line = {"remainder": True, "due": due, "discounts": tiers}
    try:
        terms = PaymentTerms.model_validate(
            {"name": text.strip(), "lines": [line], "deposit": deposit}
        )
    except ValidationError as error:
        raise _parse_error(text, error.errors()[0]["msg"]) from None
    return terms.evolve(name=terms.to_text())


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
