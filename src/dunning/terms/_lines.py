"""Term lines, their early-payment discount tiers, and deposits."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import (
    Decimal,
)
from typing import Literal

from dateutil.relativedelta import relativedelta
from pydantic import Field
from pydantic import model_validator as _model_validator
from pydantic_core import PydanticCustomError

from dunning._model import Model
from dunning.terms._fields import (
    _Days,
    _DiscountPercent,
    _format_decimal,
    _Months,
    _Positive,
    _Share,
)
from dunning.terms._rules import DaysAfterMonthEnd, DueRule

__all__ = ["Deposit", "DiscountTier", "TermLine"]

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

    >>> from dunning.terms import DaysAfter
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
