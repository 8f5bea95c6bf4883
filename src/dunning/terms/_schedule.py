"""Payment terms and the installments they schedule for one invoice."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
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
from typing import Literal

from pydantic import Field
from pydantic import model_validator as _model_validator
from pydantic_core import PydanticCustomError

from dunning._model import Model
from dunning.calendars import BusinessCalendar, RollConvention, WeekendCalendar
from dunning.errors import MoneyError, TermsError
from dunning.money import Money, Rounding
from dunning.terms._fields import _format_decimal, _ordinal, _Positive
from dunning.terms._lines import Deposit, DiscountTier, TermLine
from dunning.terms._rules import DayOfFollowingMonth, DaysAfter, DaysAfterMonthEnd

__all__ = ["CashRounding", "Convention", "DiscountWindow", "Installment", "PaymentTerms"]


class DiscountWindow(Model):
    """An early-payment discount of one installment: pay `amount_payable` by `last_day`."""

    last_day: date = Field(description="Last day (inclusive) the discount applies.")
    discount: Money = Field(description="The discount, rounded to the minor unit.")
    amount_payable: Money = Field(description="The installment less the discount.")


class Installment(Model):
    """An amount due on a date, with its early-payment discount windows.

    >>> from datetime import date
    >>> from dunning.terms import parse_terms
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
        >>> from dunning.terms import parse_terms
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

        >>> from dunning.terms import parse_terms
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
        >>> from dunning.terms import get_terms
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
