"""Due rules: when a term line falls due, from the invoice date."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Literal

from dateutil.relativedelta import relativedelta
from pydantic import Field
from pydantic import model_validator as _model_validator
from pydantic_core import PydanticCustomError

from dunning._model import Model
from dunning.calendars import BusinessCalendar, RollConvention
from dunning.errors import TermsError
from dunning.terms._fields import (
    _WEEKDAYS,
    _DayOfMonth,
    _Days,
    _MonthOfYear,
    _Months,
    _MonthsAhead,
    _Nth,
    _rolled,
    _SignedDays,
    _SignedMonths,
    _SignedWeeks,
    _WeekdayName,
    _Weeks,
)

__all__ = [
    "ChainedSteps",
    "DateStep",
    "DayOfFollowingMonth",
    "DaysAfter",
    "DaysAfterMonthEnd",
    "DueRule",
    "MonthsAfterMonthEnd",
    "RelativeStep",
]

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
