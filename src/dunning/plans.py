"""Installment plans: payment agreements for customers in difficulty.

A collections team offers a customer who cannot pay at once to clear the balance of one or
several invoices in installments. `PlanTerms` is what a policy stores to make that offer (down
payment, number and frequency of installments, interest, set-up fee, grace days, how many
installments may be missed); `build_plan` turns the terms and the invoices into an
`InstallmentPlan` with every installment dated and priced to the minor unit; and
`InstallmentPlan.standing` says, on a date and given the payments received, whether the
customer keeps to the agreement.

>>> from datetime import date
>>> from dunning.invoices import Invoice
>>> invoice = Invoice(
...     id="INV-7", customer_id="C-1", currency="COP", total="1234567",
...     issue_date=date(2026, 1, 2), due_date=date(2026, 2, 1),
... )
>>> terms = PlanTerms(installments=6, frequency=Frequency.monthly(day=5))
>>> plan = build_plan([invoice], terms, id="PLAN-1", start_date=date(2026, 3, 2))
>>> [(i.due_date.isoformat(), str(i.amount)) for i in plan.installments[:2]]
[('2026-03-05', '205762 COP'), ('2026-04-05', '205761 COP')]
>>> plan.standing(date(2026, 3, 6)).status
<PlanStatus.DEFAULTED: 'defaulted'>

The status is one of `PlanStatus`:

- CURRENT: every installment due before the date is paid.
- LATE: an installment is unpaid after its due date, but for no more than `grace_days` days,
  and no more than `max_missed` installments are unpaid after their due dates.
- DEFAULTED: at some date up to the one asked about, an installment was unpaid for more than
  `grace_days` days after its due date, or more than `max_missed` installments were unpaid
  after their due dates at once. A default is final: later payments do not bring the plan
  back (they still count in `paid` and `remaining`; reschedule the plan to make a new
  agreement). On default the remaining balance returns to normal dunning.
- COMPLETED: everything was paid before the plan defaulted.

`InstallmentPlan.in_good_standing` is true for CURRENT, LATE and COMPLETED: the engine keeps
dunning of the plan's invoices paused while the plan is honoured, and a plan honoured to the
end keeps them paused (the host closes the invoices with the plan's payments).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Sequence
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from functools import cached_property
from typing import TYPE_CHECKING, Annotated, Any

from dateutil.relativedelta import relativedelta
from dateutil.rrule import MONTHLY, WEEKLY, rrule
from pydantic import AfterValidator, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from dunning._model import Model
from dunning.calendars import RollConvention, WeekendCalendar, roll
from dunning.errors import CurrencyMismatchError, PlanError
from dunning.invoices import Identifier, Invoice, InvoiceStatus, Payment
from dunning.money import Amount, Currency, Money, minor_unit, round_half_up

if TYPE_CHECKING:
    from dunning.calendars import BusinessCalendar

__all__ = [
    "Frequency",
    "FrequencyKind",
    "InstallmentPlan",
    "InterestMethod",
    "PlanInstallment",
    "PlanStanding",
    "PlanStatus",
    "PlanTerms",
    "build_plan",
]


def _at_least(value: int, minimum: int, field: str) -> int:
    if value < minimum:
        raise PydanticCustomError(
            "dunning.too_small",
            "{field} must be at least {minimum}, got {value}",
            {"field": field, "minimum": minimum, "value": value},
        )
    return value


def _not_negative(value: Decimal, field: str) -> Decimal:
    if value < 0:
        raise PydanticCustomError(
            "dunning.negative",
            "{field} must not be negative, got {value}",
            {"field": field, "value": str(value)},
        )
    return value


def _round_half_up(value: Fraction) -> int:
    """Round a non-negative exact amount of minor units to a whole unit, ties away from zero."""
    return int(round_half_up(value))


# -- frequency -----------------------------------------------------------------------------


class FrequencyKind(StrEnum):
    """How often installments fall due."""

    WEEKLY = "weekly"
    """Every seven days from the first due date."""
    BIWEEKLY = "biweekly"
    """Every fourteen days from the first due date."""
    SEMIMONTHLY = "semimonthly"
    """Twice a month, on the 15th and on the last day of the month (common paydays)."""
    MONTHLY = "monthly"
    """Once a month on a day of the month, clamped to the month's length."""
    STEP = "step"
    """Every fixed step of years, months, weeks and days (a `relativedelta`)."""


_PERIODS_PER_YEAR = {
    FrequencyKind.WEEKLY: Fraction(52),
    FrequencyKind.BIWEEKLY: Fraction(26),
    FrequencyKind.SEMIMONTHLY: Fraction(24),
    FrequencyKind.MONTHLY: Fraction(12),
}

_RRULE: dict[FrequencyKind, dict[str, Any]] = {
    FrequencyKind.WEEKLY: {"freq": WEEKLY, "interval": 1},
    FrequencyKind.BIWEEKLY: {"freq": WEEKLY, "interval": 2},
    FrequencyKind.SEMIMONTHLY: {"freq": MONTHLY, "bymonthday": (15, -1)},
}

_RELATIVE_ABSOLUTES = ("year", "month", "day", "weekday")
_RELATIVE_TIMES = ("hours", "minutes", "seconds", "microseconds", "leapdays")


class Frequency(Model):
    """How often the installments of a plan fall due.

    Build one with the class methods, a kind name, or a `relativedelta` step:

    >>> from datetime import date
    >>> from dateutil.relativedelta import relativedelta
    >>> Frequency.monthly(day=31).dates(date(2024, 1, 31), 3)
    (datetime.date(2024, 1, 31), datetime.date(2024, 2, 29), datetime.date(2024, 3, 31))
    >>> Frequency.twice_a_month().dates(date(2024, 2, 1), 2)
    (datetime.date(2024, 2, 15), datetime.date(2024, 2, 29))
    >>> Frequency.model_validate("weekly").dates(date(2024, 2, 26), 2)
    (datetime.date(2024, 2, 26), datetime.date(2024, 3, 4))
    >>> Frequency.every(relativedelta(months=2)).dates(date(2024, 1, 31), 2)
    (datetime.date(2024, 1, 31), datetime.date(2024, 3, 31))
    """

    kind: FrequencyKind
    day: int | None = Field(
        default=None,
        description="MONTHLY only: the day of the month (1-31, clamped to the month's "
        "length); None for the day of the first due date.",
    )
    years: int = Field(default=0, description="STEP only.")
    months: int = Field(default=0, description="STEP only.")
    weeks: int = Field(default=0, description="STEP only.")
    days: int = Field(default=0, description="STEP only.")

    @model_validator(mode="before")
    @classmethod
    def _coerce(cls, data: Any) -> Any:
        if isinstance(data, str):
            return {"kind": data}
        if isinstance(data, relativedelta):
            return _from_relativedelta(data)
        return data

    @model_validator(mode="after")
    def _check(self) -> Frequency:
        step = (self.years, self.months, self.weeks, self.days)
        if self.kind is FrequencyKind.STEP:
            if any(part < 0 for part in step) or not any(step):
                raise PydanticCustomError(
                    "dunning.frequency_step",
                    "a step frequency needs years, months, weeks or days above zero and none "
                    "below zero, got years={years}, months={months}, weeks={weeks}, "
                    "days={days}",
                    dict(zip(("years", "months", "weeks", "days"), step, strict=True)),
                )
        elif any(step):
            raise PydanticCustomError(
                "dunning.frequency_step",
                "years, months, weeks and days are for a 'step' frequency, not {kind}",
                {"kind": repr(self.kind.value)},
            )
        if self.day is not None:
            if self.kind is not FrequencyKind.MONTHLY:
                raise PydanticCustomError(
                    "dunning.frequency_day",
                    "day is for a 'monthly' frequency, not {kind}",
                    {"kind": repr(self.kind.value)},
                )
            if not 1 <= self.day <= 31:
                raise PydanticCustomError(
                    "dunning.frequency_day",
                    "day must be a day of the month from 1 to 31, got {value}",
                    {"value": self.day},
                )
        return self

    # -- construction -----------------------------------------------------------------------

    @classmethod
    def weekly(cls) -> Frequency:
        """Every seven days."""
        return cls(kind=FrequencyKind.WEEKLY)

    @classmethod
    def every_two_weeks(cls) -> Frequency:
        """Every fourteen days."""
        return cls(kind=FrequencyKind.BIWEEKLY)

    @classmethod
    def twice_a_month(cls) -> Frequency:
        """On the 15th and the last day of every month."""
        return cls(kind=FrequencyKind.SEMIMONTHLY)

    @classmethod
    def monthly(cls, day: int | None = None) -> Frequency:
        """Monthly on `day` (clamped to the month's length), or on the first due date's day."""
        return cls(kind=FrequencyKind.MONTHLY, day=day)

    @classmethod
    def every(cls, step: relativedelta) -> Frequency:
        """Every `step`, a `relativedelta` of years, months, weeks and days only."""
        return cls.model_validate(step)

    # -- use --------------------------------------------------------------------------------

    @property
    def step(self) -> relativedelta:
        """The step of a STEP frequency as a `relativedelta`."""
        return relativedelta(years=self.years, months=self.months, weeks=self.weeks, days=self.days)

    @property
    def periods_per_year(self) -> Fraction:
        """How many installments fall due in a year, for interest rates per period.

        Weekly is 52, every two weeks 26, twice a month 24, monthly 12; a step of whole
        months is 12 / months, a step of whole weeks 52 / weeks, any other step of days
        365 / days.

        Raises:
            PlanError: for a step that mixes months with weeks or days.
        """
        if self.kind is not FrequencyKind.STEP:
            return _PERIODS_PER_YEAR[self.kind]
        months = 12 * self.years + self.months
        days = 7 * self.weeks + self.days
        if months and days:
            raise PlanError(
                f"a step of {months} months and {days} days has no whole number of periods "
                "per year; use a step of months only or of days only when the plan bears "
                "interest"
            )
        if months:
            return Fraction(12, months)
        if self.days == 0:
            return Fraction(52, self.weeks)
        return Fraction(365, days)

    def dates(self, first: date, count: int) -> tuple[date, ...]:
        """Return the first `count` due dates on or after `first`.

        WEEKLY, BIWEEKLY and STEP start on `first`; SEMIMONTHLY on the first 15th or last day
        of a month on or after `first`; MONTHLY on the first occurrence of its day (clamped)
        on or after `first`.
        """
        if self.kind in _RRULE:
            start = datetime.combine(first, time())
            rule = rrule(dtstart=start, count=count, **_RRULE[self.kind])
            return tuple(moment.date() for moment in rule)
        if self.kind is FrequencyKind.MONTHLY:
            day = first.day if self.day is None else self.day
            anchor = first + relativedelta(day=day)
            if anchor < first:
                anchor = first + relativedelta(months=1, day=day)
            # Each date is counted from the anchor, not from the previous date, so that a
            # 31st clamped to February 29 goes back to March 31.
            return tuple(anchor + relativedelta(months=n, day=day) for n in range(count))
        step = self.step
        return tuple(first + step * n for n in range(count))

    def dates_after(self, start: date, count: int) -> tuple[date, ...]:
        """Return the first `count` due dates strictly after `start`."""
        found = self.dates(start, count + 1)
        return found[1:] if found[0] == start else found[:count]


def _from_relativedelta(step: relativedelta) -> dict[str, Any]:
    for name in (*_RELATIVE_ABSOLUTES, *_RELATIVE_TIMES):
        if getattr(step, name):
            raise PydanticCustomError(
                "dunning.frequency_step",
                "a frequency step may hold years, months, weeks and days only, not {name} "
                "(in {value})",
                {"name": name, "value": repr(step)},
            )
    weeks, days = divmod(step.days, 7) if step.days % 7 == 0 else (0, step.days)
    return {
        "kind": FrequencyKind.STEP,
        "years": step.years,
        "months": step.months,
        "weeks": weeks,
        "days": days,
    }


# -- terms -----------------------------------------------------------------------------------


class InterestMethod(StrEnum):
    """How a plan charges interest on the financed balance."""

    NONE = "none"
    """No interest."""
    FLAT = "flat"
    """Financed balance x annual rate x years, spread evenly over the installments."""
    FRENCH = "french"
    """French amortization: equal installments (an annuity) at the rate per period."""


class PlanTerms(Model):
    """What a policy stores to offer an installment plan.

    The financed balance is the balance less the down payment. The down payment (an amount,
    or a percent of the balance rounded half up to the minor unit) is due on the plan's start
    date; the `installments` regular installments follow at `frequency`. `annual_rate` is a
    percent: ``"24"`` is 24 % a year, nominal, so French amortization monthly uses 2 % a
    month. The set-up fee is added to the first installment (the down payment when there is
    one). A plan defaults when an installment is unpaid more than `grace_days` days after its
    due date, or when more than `max_missed` installments are unpaid after their due dates.

    >>> from decimal import Decimal
    >>> terms = PlanTerms(installments=12, interest="french", annual_rate="24")
    >>> terms.frequency.kind, terms.annual_rate
    (<FrequencyKind.MONTHLY: 'monthly'>, Decimal('24'))
    """

    installments: int = Field(description="Number of regular installments (down payment apart).")
    frequency: Frequency = Field(default_factory=Frequency.monthly)
    interest: InterestMethod = InterestMethod.NONE
    annual_rate: Amount = Field(default=Decimal(0), description="Percent a year; 24 is 24 %.")
    down_payment: Money | None = Field(default=None, description="A fixed down payment.")
    down_payment_percent: Amount | None = Field(
        default=None, description="A down payment as a percent of the balance (0 <= p < 100)."
    )
    setup_fee: Money | None = Field(default=None, description="Added to the first installment.")
    grace_days: int = Field(default=0, description="Days an installment may be late.")
    max_missed: int = Field(
        default=1, description="Installments that may be late at once without a default."
    )

    @field_validator("installments")
    @classmethod
    def _check_installments(cls, value: int) -> int:
        return _at_least(value, 1, "installments")

    @field_validator("grace_days")
    @classmethod
    def _check_grace(cls, value: int) -> int:
        return _at_least(value, 0, "grace_days")

    @field_validator("max_missed")
    @classmethod
    def _check_missed(cls, value: int) -> int:
        return _at_least(value, 0, "max_missed")

    @field_validator("annual_rate")
    @classmethod
    def _check_rate(cls, value: Decimal) -> Decimal:
        return _not_negative(value, "annual_rate")

    @model_validator(mode="after")
    def _check(self) -> PlanTerms:
        if self.interest is InterestMethod.NONE and self.annual_rate:
            raise PydanticCustomError(
                "dunning.plan_rate",
                "annual_rate is {value} but interest is 'none'; choose 'flat' or 'french' "
                "or leave the rate at 0",
                {"value": str(self.annual_rate)},
            )
        if self.interest is not InterestMethod.NONE:
            try:
                self.frequency.periods_per_year  # noqa: B018  # raises for a mixed step
            except PlanError as error:
                raise PydanticCustomError(
                    "dunning.frequency_step", "{message}", {"message": str(error)}
                ) from None
        if self.down_payment is not None and self.down_payment_percent is not None:
            raise PydanticCustomError(
                "dunning.down_payment",
                "give down_payment ({amount}) or down_payment_percent ({percent}), not both",
                {"amount": str(self.down_payment), "percent": str(self.down_payment_percent)},
            )
        if self.down_payment is not None and not self.down_payment.is_positive:
            raise PydanticCustomError(
                "dunning.down_payment",
                "down_payment must be above zero, got {value}",
                {"value": str(self.down_payment)},
            )
        percent = self.down_payment_percent
        if percent is not None and not 0 <= percent < 100:
            raise PydanticCustomError(
                "dunning.down_payment",
                "down_payment_percent must be from 0 up to (not including) 100, got {value}",
                {"value": str(percent)},
            )
        if self.setup_fee is not None and self.setup_fee.is_negative:
            raise PydanticCustomError(
                "dunning.negative",
                "setup_fee must not be negative, got {value}",
                {"value": str(self.setup_fee)},
            )
        return self

    def schedule(
        self,
        principal: Money,
        start_date: date,
        *,
        first_due: date | None = None,
        convention: RollConvention | str | None = None,
        calendar: BusinessCalendar | None = None,
    ) -> tuple[PlanInstallment, ...]:
        """Price and date the installments of a plan for `principal` agreed on `start_date`.

        The regular installments fall due at `frequency` from `first_due` (by default the
        first due date of the frequency strictly after `start_date`), each moved to a
        business day of `calendar` by `convention` when one of them is given (the calendar
        defaults to a Saturday/Sunday weekend, the convention to following). A down payment
        is due on `start_date` itself, which is not rolled. The installments sum exactly to
        principal + interest + set-up fee.

        >>> from datetime import date
        >>> terms = PlanTerms(installments=3, down_payment_percent="10")
        >>> rows = terms.schedule(Money("1000.00", "USD"), date(2026, 1, 10))
        >>> [(r.due_date.isoformat(), str(r.amount)) for r in rows]
        [('2026-01-10', '100.00 USD'), ('2026-02-10', '300.00 USD'), ('2026-03-10', '300.00 USD'), ('2026-04-10', '300.00 USD')]

        Raises:
            PlanError: when the principal is not above zero or not in whole minor units, the
                down payment is not below the principal, or `first_due` is before
                `start_date`.
            CurrencyMismatchError: when the down payment or set-up fee is in another
                currency than the principal.
            CalendarError: for an unknown roll convention.
        """  # noqa: E501 -- a doctest line shows the whole schedule
        currency = principal.currency
        if not principal.is_positive:
            raise PlanError(f"a plan needs a balance above zero, got {principal}")
        if not principal.is_quantized():
            raise PlanError(
                f"the balance {principal} has more decimals than the {principal.minor_unit()} "
                f"of {currency}; quantize it first"
            )
        for name in ("down_payment", "setup_fee"):
            amount: Money | None = getattr(self, name)
            if amount is not None and amount.currency != currency:
                raise CurrencyMismatchError(
                    f"{name} is in {amount.currency} ({amount}) but the balance is in "
                    f"{currency} ({principal})"
                )
        if first_due is not None and first_due < start_date:
            raise PlanError(
                f"first_due {first_due.isoformat()} is before the start date "
                f"{start_date.isoformat()}"
            )
        down = self._down_payment(principal)
        places = minor_unit(currency)
        financed = principal.to_minor_units() - down
        rows = self._amortize(financed)
        if first_due is None:
            dates = self.frequency.dates_after(start_date, self.installments)
        else:
            dates = self.frequency.dates(first_due, self.installments)
        if convention is not None or calendar is not None:
            rule = RollConvention.FOLLOWING if convention is None else convention
            used: BusinessCalendar = WeekendCalendar() if calendar is None else calendar
            dates = tuple(roll(day, rule, used) for day in dates)
        parts: list[tuple[date, int, int]] = [
            (day, part, interest) for day, (part, interest) in zip(dates, rows, strict=True)
        ]
        if down:
            parts.insert(0, (start_date, down, 0))
        fee = 0 if self.setup_fee is None else self.setup_fee.to_minor_units(places=places)

        def money(units: int) -> Money:
            return Money._trusted(Decimal(units).scaleb(-places), currency)

        return tuple(
            PlanInstallment(
                sequence=number,
                due_date=day,
                amount=money(part + interest + (fee if number == 1 else 0)),
                principal=money(part),
                interest=money(interest),
                fee=money(fee if number == 1 else 0),
            )
            for number, (day, part, interest) in enumerate(parts, 1)
        )

    def _down_payment(self, principal: Money) -> int:
        if self.down_payment is not None:
            down = self.down_payment
        elif self.down_payment_percent:
            down = principal.percent(self.down_payment_percent).quantize()
        else:
            return 0
        if down >= principal:
            raise PlanError(
                f"the down payment {down} must be below the balance {principal}; "
                "a plan needs something left to pay in installments"
            )
        return down.to_minor_units()

    def _amortize(self, financed: int) -> list[tuple[int, int]]:
        """Return (principal, interest) in minor units for each regular installment."""
        count = self.installments
        rate = Fraction(self.annual_rate) / 100
        if self.interest is InterestMethod.FRENCH and rate:
            return _french(financed, count, rate / self.frequency.periods_per_year)
        principal = _even(financed, count)
        if self.interest is InterestMethod.FLAT:
            years = Fraction(count) / self.frequency.periods_per_year
            interest = _even(_round_half_up(financed * rate * years), count)
        else:
            interest = [0] * count
        return list(zip(principal, interest, strict=True))


def _even(units: int, count: int) -> list[int]:
    """Split `units` into `count` parts differing by at most one, larger parts first."""
    base, extra = divmod(units, count)
    return [base + 1 if index < extra else base for index in range(count)]


def _french(financed: int, count: int, rate: Fraction) -> list[tuple[int, int]]:
    """French amortization of `financed` minor units at `rate` per period.

    The annuity P x i / (1 - (1 + i)^-n) is rounded half up to the minor unit; each period's
    interest is the open balance x i rounded half up, its principal the annuity less that
    interest; the last installment repays the balance left, so the principal parts sum
    exactly to the amount financed.
    """
    annuity = _round_half_up(financed * rate / (1 - (1 + rate) ** -count))
    rows: list[tuple[int, int]] = []
    balance = financed
    for number in range(1, count + 1):
        interest = _round_half_up(balance * rate)
        part = balance if number == count else min(annuity - interest, balance)
        rows.append((part, interest))
        balance -= part
    return rows


# -- the plan ----------------------------------------------------------------------------------


class PlanInstallment(Model):
    """One installment of a plan: what is due on a date, and what it pays for.

    >>> from datetime import date
    >>> row = PlanInstallment(
    ...     sequence=1, due_date=date(2026, 2, 5), amount=Money("945.60", "USD"),
    ...     principal=Money("745.60", "USD"), interest=Money("200.00", "USD"),
    ...     fee=Money("0.00", "USD"),
    ... )
    >>> str(row.amount - row.interest)
    '745.60 USD'
    """

    sequence: int = Field(description="1 for the first installment (the down payment, if any).")
    due_date: date
    amount: Money = Field(description="principal + interest + fee.")
    principal: Money
    interest: Money
    fee: Money

    @model_validator(mode="after")
    def _check(self) -> PlanInstallment:
        _at_least(self.sequence, 1, "sequence")
        for name in ("amount", "principal", "interest", "fee"):
            value: Money = getattr(self, name)
            if value.currency != self.amount.currency:
                raise PydanticCustomError(
                    "dunning.currency_mismatch",
                    "{field} is in {got} ({value}) but the installment amount is in "
                    "{expected}",
                    {"field": name, "got": value.currency, "value": str(value),
                     "expected": self.amount.currency},
                )  # fmt: skip
            if value.is_negative:
                raise PydanticCustomError(
                    "dunning.negative",
                    "{field} of installment {sequence} must not be negative, got {value}",
                    {"field": name, "sequence": self.sequence, "value": str(value)},
                )
        if self.principal + self.interest + self.fee != self.amount:
            raise PydanticCustomError(
                "dunning.installment_sum",
                "amount {amount} of installment {sequence} is not principal {principal} + "
                "interest {interest} + fee {fee}",
                {"amount": str(self.amount), "sequence": self.sequence,
                 "principal": str(self.principal), "interest": str(self.interest),
                 "fee": str(self.fee)},
            )  # fmt: skip
        return self


class PlanStatus(StrEnum):
    """Whether a customer keeps to an installment plan (see the module documentation)."""

    CURRENT = "current"
    """Every installment due before the date is paid."""
    LATE = "late"
    """An installment is unpaid after its due date, within the grace days."""
    DEFAULTED = "defaulted"
    """The plan was broken; final."""
    COMPLETED = "completed"
    """Everything was paid before any default."""


class PlanStanding(Model):
    """Where a plan stands on a date.

    Payments are applied to the installments in order, oldest first, whatever their dates;
    within an installment they pay the fee, then the interest, then the principal.
    """

    plan_id: str
    on: date
    status: PlanStatus
    paid: Money = Field(description="Payments received up to `on`.")
    remaining: Money = Field(description="What is left to pay of the whole plan.")
    credit: Money = Field(description="Paid beyond the whole plan.")
    owed_now: Money = Field(description="Unpaid part of the installments due up to `on`.")
    overdue: Money = Field(description="Unpaid part of the installments due before `on`.")
    overdue_installments: tuple[int, ...] = Field(
        description="Sequence numbers of the installments unpaid after their due dates."
    )
    days_late: int = Field(description="Days since the oldest overdue installment fell due.")
    paid_installments: int = Field(description="How many installments are paid in full.")
    next_due: date | None = Field(
        description="Due date of the first unpaid installment due on or after `on`."
    )
    defaulted_on: date | None = Field(description="The day the plan defaulted.")
    completed_on: date | None = Field(description="The day the last payment completed it.")

    @property
    def in_good_standing(self) -> bool:
        """CURRENT, LATE or COMPLETED: dunning of the plan's invoices stays paused."""
        return self.status is not PlanStatus.DEFAULTED


def _unique(values: tuple[str, ...]) -> tuple[str, ...]:
    seen: set[str] = set()
    for value in values:
        if value in seen:
            raise PydanticCustomError(
                "dunning.duplicate", "{value} is given twice", {"value": repr(value)}
            )
        seen.add(value)
    return values


class InstallmentPlan(Model):
    """An agreement to pay the balance of a customer's invoices in installments.

    Build one with `build_plan` (or `InstallmentPlan.create`); see the module documentation
    for the statuses.

    >>> from datetime import date
    >>> plan = InstallmentPlan(
    ...     id="PLAN-2", customer_id="C-1", currency="USD", invoice_ids=["INV-1"],
    ...     start_date=date(2026, 1, 5), principal=Money("100.00", "USD"),
    ...     installments=PlanTerms(installments=2).schedule(
    ...         Money("100.00", "USD"), date(2026, 1, 5)),
    ... )
    >>> paid = [Payment(id="P-1", date=date(2026, 2, 5), amount=Money("50.00", "USD"))]
    >>> standing = plan.standing(date(2026, 2, 20), paid)
    >>> standing.status, str(standing.remaining), standing.next_due
    (<PlanStatus.CURRENT: 'current'>, '50.00 USD', datetime.date(2026, 3, 5))
    """

    id: Identifier
    customer_id: Identifier
    currency: Currency
    invoice_ids: Annotated[tuple[Identifier, ...], AfterValidator(_unique)]
    start_date: date = Field(description="The day the plan was agreed.")
    principal: Money = Field(description="The balance the plan clears, charges included.")
    installments: tuple[PlanInstallment, ...]
    grace_days: int = 0
    max_missed: int = 1
    payments: tuple[Payment, ...] = Field(default=(), description="Payments under the plan.")
    replaces: Identifier | None = Field(default=None, description="The plan rescheduled.")

    @model_validator(mode="after")
    def _check(self) -> InstallmentPlan:
        _at_least(self.grace_days, 0, "grace_days")
        _at_least(self.max_missed, 0, "max_missed")
        if not self.invoice_ids:
            raise PydanticCustomError(
                "dunning.plan_invoices", "invoice_ids must name at least one invoice", {}
            )
        if not self.installments:
            raise PydanticCustomError(
                "dunning.plan_installments", "a plan needs at least one installment", {}
            )
        amounts = [("principal", self.principal)]
        amounts += [
            (f"installments[{i}].amount", r.amount) for i, r in enumerate(self.installments)
        ]
        amounts += [(f"payments[{i}].amount", p.amount) for i, p in enumerate(self.payments)]
        for field, amount in amounts:
            if amount.currency != self.currency:
                raise PydanticCustomError(
                    "dunning.currency_mismatch",
                    "{field} is in {got} ({amount}) but the plan is in {expected}",
                    {"field": field, "got": amount.currency, "amount": str(amount),
                     "expected": self.currency},
                )  # fmt: skip
        previous: date | None = None
        for index, row in enumerate(self.installments):
            if row.sequence != index + 1:
                raise PydanticCustomError(
                    "dunning.plan_sequence",
                    "installments[{index}] has sequence {sequence}; installments are numbered "
                    "1, 2, 3, ... in order",
                    {"index": index, "sequence": row.sequence},
                )
            if previous is not None and row.due_date < previous:
                raise PydanticCustomError(
                    "dunning.plan_dates",
                    "installment {sequence} is due on {due}, before the installment ahead of "
                    "it ({previous}); due dates must not go backwards",
                    {"sequence": row.sequence, "due": row.due_date.isoformat(),
                     "previous": previous.isoformat()},
                )  # fmt: skip
            previous = row.due_date
        planned = Money.sum((row.principal for row in self.installments), self.currency)
        if planned != self.principal:
            raise PydanticCustomError(
                "dunning.plan_principal",
                "the installments repay {planned} of principal but the plan's principal is "
                "{principal}",
                {"planned": str(planned), "principal": str(self.principal)},
            )
        _unique(tuple(payment.id for payment in self.payments))
        return self

    @classmethod
    def create(
        cls,
        invoices: Sequence[Invoice],
        terms: PlanTerms,
        *,
        id: str,
        start_date: date,
        first_due: date | None = None,
        convention: RollConvention | str | None = None,
        calendar: BusinessCalendar | None = None,
        replaces: str | None = None,
    ) -> InstallmentPlan:
        """Build a plan for the balance of `invoices`; the same as `build_plan`."""
        return build_plan(
            invoices,
            terms,
            id=id,
            start_date=start_date,
            first_due=first_due,
            convention=convention,
            calendar=calendar,
            replaces=replaces,
        )

    # -- totals -------------------------------------------------------------------------------

    @cached_property
    def total(self) -> Money:
        """What the whole plan asks for: principal + interest + fees."""
        return Money.sum((row.amount for row in self.installments), self.currency)

    @cached_property
    def interest(self) -> Money:
        """The interest of the whole plan."""
        return Money.sum((row.interest for row in self.installments), self.currency)

    @cached_property
    def fees(self) -> Money:
        """The set-up fee of the plan (zero without one)."""
        return Money.sum((row.fee for row in self.installments), self.currency)

    @property
    def end_date(self) -> date:
        """The due date of the last installment."""
        return self.installments[-1].due_date

    @cached_property
    def _cumulative(self) -> list[Decimal]:
        total = Decimal(0)
        sums: list[Decimal] = []
        for row in self.installments:
            total += row.amount.amount
            sums.append(total)
        return sums

    @cached_property
    def _due_dates(self) -> list[date]:
        return [row.due_date for row in self.installments]

    # -- standing -----------------------------------------------------------------------------

    def _payments(self, payments: Sequence[Payment] | None) -> tuple[Payment, ...]:
        every = (*self.payments, *(payments or ()))
        seen: set[str] = set()
        for payment in every:
            if payment.id in seen:
                raise PlanError(
                    f"payment {payment.id!r} of plan {self.id!r} is given twice; each payment "
                    "counts once"
                )
            seen.add(payment.id)
            if payment.amount.currency != self.currency:
                raise CurrencyMismatchError(
                    f"payment {payment.id!r} is in {payment.amount.currency} "
                    f"({payment.amount}) but plan {self.id!r} is in {self.currency}"
                )
        return tuple(sorted(every, key=lambda payment: (payment.date, payment.id)))

    def standing(self, on: date, payments: Sequence[Payment] | None = None) -> PlanStanding:
        """Return where the plan stands on `on`.

        Args:
            on: the day to look at; payments dated after it are left out.
            payments: payments to count besides the plan's own `payments`.

        Raises:
            PlanError: when a payment id is given twice.
            CurrencyMismatchError: when a payment is in another currency than the plan.
        """
        ordered = self._payments(payments)
        dates = [payment.date for payment in ordered]
        paid_by: list[Decimal] = []
        running = Decimal(0)
        for payment in ordered:
            running += payment.amount.amount
            paid_by.append(running)

        def paid_on(day: date) -> Decimal:
            index = bisect_right(dates, day)
            return paid_by[index - 1] if index else Decimal(0)

        cumulative = self._cumulative
        dues = self._due_dates
        total = cumulative[-1]

        def overdue_on(day: date, paid: Decimal) -> tuple[int, int]:
            """Indexes [first, stop) of the installments unpaid after their due dates."""
            return bisect_right(cumulative, paid), bisect_left(dues, day)

        completed_on = next(
            (day for day, sum_ in zip(dates, paid_by, strict=True) if sum_ >= total), None
        )
        defaulted_on = self._default_day(on, paid_on, overdue_on)
        if completed_on is not None and completed_on > on:
            completed_on = None
        paid = paid_on(on)
        first, stop = overdue_on(on, paid)
        due_now = bisect_right(dues, on)
        owed_before = cumulative[stop - 1] if stop else Decimal(0)
        owed_up_to = cumulative[due_now - 1] if due_now else Decimal(0)
        if defaulted_on is not None:
            status = PlanStatus.DEFAULTED
        elif completed_on is not None:
            status = PlanStatus.COMPLETED
        elif first < stop:
            status = PlanStatus.LATE
        else:
            status = PlanStatus.CURRENT
        next_index = max(first, bisect_left(dues, on))

        zero = Decimal(0).scaleb(-minor_unit(self.currency))

        def money(amount: Decimal) -> Money:
            return Money._trusted(amount if amount > 0 else zero, self.currency)

        return PlanStanding(
            plan_id=self.id,
            on=on,
            status=status,
            paid=money(paid),
            remaining=money(total - paid),
            credit=money(paid - total),
            owed_now=money(owed_up_to - paid),
            overdue=money(owed_before - paid),
            overdue_installments=tuple(range(first + 1, stop + 1)),
            days_late=(on - dues[first]).days if first < stop else 0,
            paid_installments=first,
            next_due=dues[next_index] if next_index < len(dues) else None,
            defaulted_on=defaulted_on,
            completed_on=completed_on,
        )

    def _default_day(
        self,
        on: date,
        paid_on: Callable[[date], Decimal],
        overdue_on: Callable[[date, Decimal], tuple[int, int]],
    ) -> date | None:
        """The first day up to `on` on which the plan broke its terms, or None."""
        # The overdue installments only grow the day after a due date, and an installment
        # only passes its grace the day after due date + grace days; payments only shrink
        # both, so checking those days finds the first default.
        candidates: set[date] = set()
        for due in self._due_dates:
            candidates.add(due + timedelta(days=1))
            candidates.add(due + timedelta(days=self.grace_days + 1))
        for day in sorted(candidates):
            if day > on:
                break
            first, stop = overdue_on(day, paid_on(day))
            if first < stop and (
                stop - first > self.max_missed
                or (day - self._due_dates[first]).days > self.grace_days
            ):
                return day
        return None

    def in_good_standing(self, on: date, payments: Sequence[Payment] | None = None) -> bool:
        """Whether the plan is CURRENT, LATE or COMPLETED on `on` (not DEFAULTED).

        The engine keeps dunning of the plan's invoices paused while this is true.
        """
        return self.standing(on, payments).in_good_standing

    # -- reschedule ---------------------------------------------------------------------------

    def outstanding(self, on: date, payments: Sequence[Payment] | None = None) -> Money:
        """What a new agreement on `on` starts from.

        Payments up to `on` are applied to the installments in order (fee, then interest,
        then principal within each). What is left is the unpaid principal of every
        installment plus the unpaid interest and fees of the installments due up to `on`;
        interest of installments not yet due is not owed, because it was not yet earned.
        """
        ordered = self._payments(payments)
        pool = sum((p.amount.amount for p in ordered if p.date <= on), Decimal(0))
        left = Decimal(0)
        for row in self.installments:
            earned = row.due_date <= on
            parts = ((row.fee, earned), (row.interest, earned), (row.principal, True))
            for part, owed in parts:
                applied = min(pool, part.amount)
                pool -= applied
                if owed:
                    left += part.amount - applied
        return Money._trusted(left, self.currency)

    def reschedule(
        self,
        on: date,
        terms: PlanTerms,
        *,
        id: str,
        payments: Sequence[Payment] | None = None,
        first_due: date | None = None,
        convention: RollConvention | str | None = None,
        calendar: BusinessCalendar | None = None,
    ) -> InstallmentPlan:
        """Return a new plan, agreed on `on` under `terms`, for what is left of this one.

        The new plan's principal is `outstanding(on)`; it covers the same customer and
        invoices and names this plan in `replaces`. This plan is left as it is (a host marks
        it replaced).

        >>> from datetime import date
        >>> old = InstallmentPlan(
        ...     id="PLAN-3", customer_id="C-1", currency="USD", invoice_ids=["INV-1"],
        ...     start_date=date(2026, 1, 5), principal=Money("300.00", "USD"),
        ...     installments=PlanTerms(installments=3).schedule(
        ...         Money("300.00", "USD"), date(2026, 1, 5)),
        ... )
        >>> new = old.reschedule(date(2026, 3, 20), PlanTerms(installments=6), id="PLAN-4")
        >>> new.replaces, str(new.principal), str(new.installments[0].amount)
        ('PLAN-3', '300.00 USD', '50.00 USD')

        Raises:
            PlanError: when nothing is left to pay, or `on` is before the plan's start.
        """
        if on < self.start_date:
            raise PlanError(
                f"cannot reschedule plan {self.id!r} on {on.isoformat()}, before its start "
                f"date {self.start_date.isoformat()}"
            )
        left = self.outstanding(on, payments)
        if not left.is_positive:
            raise PlanError(f"plan {self.id!r} has nothing left to pay on {on.isoformat()}")
        rows = terms.schedule(
            left, on, first_due=first_due, convention=convention, calendar=calendar
        )
        return InstallmentPlan(
            id=id,
            customer_id=self.customer_id,
            currency=self.currency,
            invoice_ids=self.invoice_ids,
            start_date=on,
            principal=left,
            installments=rows,
            grace_days=terms.grace_days,
            max_missed=terms.max_missed,
            replaces=self.id,
        )


def build_plan(
    invoices: Sequence[Invoice],
    terms: PlanTerms,
    *,
    id: str,
    start_date: date,
    first_due: date | None = None,
    convention: RollConvention | str | None = None,
    calendar: BusinessCalendar | None = None,
    replaces: str | None = None,
) -> InstallmentPlan:
    """Build an installment plan for the balance of `invoices` under `terms`.

    The principal is the sum of the invoices' balances (charges posted to them included).
    The invoices must belong to one customer and be in one currency, and each must still be
    open.

    Args:
        invoices: the invoices the plan clears.
        terms: the terms offered.
        id: the plan's identifier.
        start_date: the day the plan is agreed; a down payment is due that day.
        first_due: the first regular due date; by default the frequency's first date after
            `start_date`.
        convention: how due dates move off non-business days (not stored in the plan).
        calendar: the business days (default: Saturday and Sunday off when `convention` is
            given).
        replaces: the id of a plan this one reschedules.

    Raises:
        PlanError: for no invoices, invoices of several customers, an invoice given twice, an
            invoice with nothing owed, or terms that do not fit the balance.
        CurrencyMismatchError: for invoices in several currencies.
    """
    if not invoices:
        raise PlanError("a plan needs at least one invoice")
    customers = sorted({invoice.customer_id for invoice in invoices})
    if len(customers) > 1:
        raise PlanError(
            f"a plan is for one customer, but the invoices belong to {', '.join(customers)}"
        )
    currencies = sorted({invoice.currency for invoice in invoices})
    if len(currencies) > 1:
        raise CurrencyMismatchError(
            f"a plan is in one currency, but the invoices are in {', '.join(currencies)}"
        )
    ids: set[str] = set()
    for invoice in invoices:
        if invoice.id in ids:
            raise PlanError(f"invoice {invoice.id!r} is given twice")
        ids.add(invoice.id)
        if invoice.effective_status is not InvoiceStatus.OPEN:
            raise PlanError(
                f"invoice {invoice.id!r} has nothing owed to put in a plan "
                f"(status {invoice.effective_status.value}, balance {invoice.balance})"
            )
    currency = currencies[0]
    principal = Money.sum((invoice.balance for invoice in invoices), currency)
    rows = terms.schedule(
        principal, start_date, first_due=first_due, convention=convention, calendar=calendar
    )
    return InstallmentPlan(
        id=id,
        customer_id=customers[0],
        currency=currency,
        invoice_ids=tuple(sorted(ids)),
        start_date=start_date,
        principal=principal,
        installments=rows,
        grace_days=terms.grace_days,
        max_missed=terms.max_missed,
        replaces=replaces,
    )
