"""Late fees and late-payment interest as data, computed exactly.

A late fee is fixed (`FixedFee`), a percentage of the overdue balance (`PercentFee`) or tiered
by balance bands (`TieredFee`); `LateFee` is their union, told apart by `kind` so that a policy
file can say ``{"kind": "percent", "percent": "1.5"}``. Fees are quantised to the minor unit of
the balance's currency, half up, before their minimum and maximum apply.

An `InterestRule` charges simple interest at a fixed annual rate or at a reference rate plus a
spread, on a day-count basis, with grace days, a ceiling (a usury cap) and a floor. Its
`compute` cuts the late period into segments of one rate and returns an `InterestComputation`
that shows every segment; the total is the sum of the exact segment amounts, rounded once.

>>> from datetime import date
>>> from decimal import Decimal
>>> fee = PercentFee(percent=Decimal("1.5"), minimum=(Money("5.00", "USD"),))
>>> fee.compute(Money("250.00", "USD")), fee.compute(Money("1000.00", "USD"))
(Money(amount=Decimal('5.00'), currency='USD'), Money(amount=Decimal('15.00'), currency='USD'))
>>> rule = InterestRule(annual_rate=Decimal("12"))
>>> rule.compute(Money("1000.00", "USD"), date(2024, 1, 31), date(2024, 3, 1)).amount
Money(amount=Decimal('9.86'), currency='USD')
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from decimal import (
    ROUND_HALF_UP,
    Decimal,
)
from enum import StrEnum
from fractions import Fraction
from functools import lru_cache
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, ValidationInfo, model_validator
from pydantic_core import PydanticCustomError

from dunning._model import Model
from dunning.daycount import DayCount, year_fraction
from dunning.money import Amount, Currency, Money, exact_context, minor_unit, round_half_up
from dunning.rates import RateTable, ReferenceRate, effective_monthly_from_annual

__all__ = [
    "FeeBand",
    "FixedFee",
    "InterestComputation",
    "InterestRule",
    "InterestSegment",
    "LateFee",
    "PerCurrency",
    "PercentFee",
    "RateFixing",
    "RateQuote",
    "RateRun",
    "TieredFee",
    "amount_in",
]

_ONE_DAY = timedelta(days=1)
_ZERO = Decimal(0)


# -- amounts per currency ---------------------------------------------------------------------


def _check_per_currency(value: tuple[Money, ...], info: ValidationInfo) -> tuple[Money, ...]:
    field = info.field_name or "amounts"
    seen: dict[str, int] = {}
    for index, money in enumerate(value):
        if money.currency in seen:
            raise PydanticCustomError(
                "dunning.per_currency",
                "{field}[{index}] is a second amount in {currency} (after {field}[{first}]); "
                "give at most one amount per currency",
                {
                    "field": field,
                    "index": index,
                    "first": seen[money.currency],
                    "currency": money.currency,
                },
            )
        seen[money.currency] = index
        if money.amount < 0:
            raise PydanticCustomError(
                "dunning.negative_fee",
                "{field}[{index}] is {value}; a fee amount must not be negative",
                {"field": field, "index": index, "value": str(money)},
            )
        if not money.is_quantized():
            raise PydanticCustomError(
                "dunning.not_quantized",
                "{field}[{index}] is {value}, which has more decimals than the {places} of "
                "the minor unit of {currency}",
                {
                    "field": field,
                    "index": index,
                    "value": str(money),
                    "places": money.minor_unit(),
                    "currency": money.currency,
                },
            )
    return value


#: Amounts in whole minor units, at most one per currency, none negative: a fee, a minimum or
#: a maximum stated for each currency a policy bills in.
PerCurrency = Annotated[tuple[Money, ...], AfterValidator(_check_per_currency)]


def amount_in(per_currency: tuple[Money, ...], currency: str) -> Money | None:
    """Return the amount of `per_currency` in `currency`, or None when it has none.

    >>> amount_in((Money("5.00", "USD"), Money("4.50", "EUR")), "EUR")
    Money(amount=Decimal('4.50'), currency='EUR')
    >>> amount_in((Money("5.00", "USD"),), "COP") is None
    True
    """
    for money in per_currency:
        if money.currency == currency:
            return money
    return None


def _check_bounds(minimum: tuple[Money, ...], maximum: tuple[Money, ...]) -> None:
    for low in minimum:
        high = amount_in(maximum, low.currency)
        if high is not None and high < low:
            raise PydanticCustomError(
                "dunning.fee_bounds",
                "maximum {high} is below minimum {low}; the maximum must be at least the minimum",
                {"high": str(high), "low": str(low)},
            )


def _trusted(amount: Decimal, currency: str) -> Money:
    # Results computed from validated inputs are valid by construction (and a late fee is
    # computed per invoice in the engine: the library's own constructor, not pydantic's).
    return Money._trusted(amount, currency)


def _quantize(amount: Decimal, currency: str) -> Money:
    places = minor_unit(currency)
    return _trusted(amount.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP), currency)


def _bounded(fee: Money, minimum: tuple[Money, ...], maximum: tuple[Money, ...]) -> Money:
    low = amount_in(minimum, fee.currency)
    if low is not None and fee < low:
        fee = low
    high = amount_in(maximum, fee.currency)
    if high is not None and fee > high:
        fee = high
    return fee


def _percent(value: Decimal, field: str) -> Decimal:
    if value < 0:
        raise PydanticCustomError(
            "dunning.negative_percent",
            "{field} is {value}; a percentage must not be negative",
            {"field": field, "value": str(value)},
        )
    return value


# -- late fees --------------------------------------------------------------------------------


class FixedFee(Model):
    """A fixed amount per currency, whatever the balance.

    A balance in a currency the fee has no amount for gets None (nothing to charge); a zero or
    negative balance gets zero.

    >>> fee = FixedFee(amounts=(Money("40.00", "EUR"), Money("35.00", "GBP")))
    >>> fee.compute(Money("1234.56", "EUR"))
    Money(amount=Decimal('40.00'), currency='EUR')
    >>> fee.compute(Money("100", "COP")) is None
    True
    """

    kind: Literal["fixed"] = "fixed"
    amounts: PerCurrency = Field(description="The fee in each currency it applies to.")

    def compute(self, balance: Money) -> Money | None:
        """Return the fee for an overdue `balance`; None when it has no amount in that currency."""
        fee = amount_in(self.amounts, balance.currency)
        if fee is None:
            return None
        if balance.amount <= 0:
            return _quantize(_ZERO, balance.currency)
        return fee


class PercentFee(Model):
    """A percentage of the overdue balance, quantised half up, then held within min and max.

    A balance in a currency without a minimum or a maximum is simply not bounded on that side;
    the fee applies in every currency. A zero or negative balance gets zero (no minimum).

    >>> fee = PercentFee(percent=Decimal("2"), maximum=(Money("50000", "COP"),))
    >>> fee.compute(Money("1234567", "COP")), fee.compute(Money("9000000", "COP"))
    (Money(amount=Decimal('24691'), currency='COP'), Money(amount=Decimal('50000'), currency='COP'))
    """

    kind: Literal["percent"] = "percent"
    percent: Amount = Field(description="Percent of the overdue balance (1.5 means 1.5 %).")
    minimum: PerCurrency = Field(default=(), description="Smallest fee, per currency.")
    maximum: PerCurrency = Field(default=(), description="Largest fee, per currency.")

    @model_validator(mode="after")
    def _check(self) -> PercentFee:
        _percent(self.percent, "percent")
        _check_bounds(self.minimum, self.maximum)
        return self

    def compute(self, balance: Money) -> Money | None:
        """Return the fee for an overdue `balance` (never None: a percentage fits any currency)."""
        if balance.amount <= 0:
            return _quantize(_ZERO, balance.currency)
        fee = _quantize(balance.amount * self.percent / 100, balance.currency)
        return _bounded(fee, self.minimum, self.maximum)


class FeeBand(Model):
    """A band of balances up to `up_to` (included) with a percentage or a fixed amount.

    The band starts just above the previous band's `up_to` (or above zero for the first);
    the last band has ``up_to=None`` and is open above.

    >>> FeeBand(up_to=Decimal("1000"), amount=Decimal("40")).up_to
    Decimal('1000')
    """

    up_to: Amount | None = Field(
        default=None, description="Largest balance in the band; None (left out) for the last."
    )
    percent: Amount | None = Field(default=None, description="Percent of the balance (or slice).")
    amount: Amount | None = Field(default=None, description="A fixed amount for the band.")

    def charge(self, base: Decimal) -> Decimal:
        """Return the band's percentage of `base`, or its fixed amount, unrounded.

        >>> FeeBand(up_to=None, percent=Decimal("3")).charge(Decimal("1000"))
        Decimal('30')
        """
        if self.percent is not None:
            return base * self.percent / 100
        return self.amount if self.amount is not None else _ZERO


def _band_error(index: int, field: str, rule: str, value: object) -> PydanticCustomError:
    return PydanticCustomError(
        "dunning.fee_band",
        "bands[{index}].{field} is {value}; {rule}",
        {"index": index, "field": field, "value": str(value), "rule": rule},
    )


class TieredFee(Model):
    """A fee by bands of the overdue balance in one currency.

    ``mode="marginal"`` charges each band's percentage on the slice of the balance inside the
    band (as income tax does) and a band's fixed amount once the balance reaches into it;
    ``mode="flat"`` takes the one band the whole balance falls in and charges its percentage of
    the whole balance, or its amount. A balance equal to a band's `up_to` falls in that band.
    The result is quantised half up, then held within `minimum` and `maximum`. A balance in
    another currency gets None; a zero or negative balance gets zero.

    >>> chile = TieredFee(mode="marginal", currency="CLP", bands=(
    ...     FeeBand(up_to=Decimal("370000"), percent=Decimal("9")),
    ...     FeeBand(up_to=Decimal("1850000"), percent=Decimal("6")),
    ...     FeeBand(up_to=None, percent=Decimal("3")),
    ... ))
    >>> chile.compute(Money("1000000", "CLP"))  # 9 % x 370000 + 6 % x 630000
    Money(amount=Decimal('71100'), currency='CLP')
    """

    kind: Literal["tiered"] = "tiered"
    mode: Literal["marginal", "flat"] = Field(description="Per slice, or the balance's band.")
    currency: Currency = Field(description="The currency the bands are stated in.")
    bands: tuple[FeeBand, ...] = Field(description="Bands in ascending order of `up_to`.")
    minimum: PerCurrency = Field(default=(), description="Smallest fee, per currency.")
    maximum: PerCurrency = Field(default=(), description="Largest fee, per currency.")

    @model_validator(mode="after")
    def _check(self) -> TieredFee:
        if not self.bands:
            raise PydanticCustomError(
                "dunning.fee_band", "bands is empty; a tiered fee needs at least one band"
            )
        last = len(self.bands) - 1
        previous = _ZERO
        for index, band in enumerate(self.bands):
            if (band.percent is None) == (band.amount is None):
                raise _band_error(
                    index,
                    "percent",
                    "give exactly one of percent and amount",
                    band.percent,
                )
            if band.percent is not None:
                _percent(band.percent, f"bands[{index}].percent")
            if band.amount is not None and band.amount < 0:
                raise _band_error(index, "amount", "a fee amount must not be negative", band.amount)
            if index == last:
                if band.up_to is not None:
                    raise _band_error(
                        index, "up_to", "the last band must be open (up_to None)", band.up_to
                    )
            elif band.up_to is None:
                raise _band_error(index, "up_to", "only the last band may be open", None)
            elif band.up_to <= previous:
                rule = (
                    "bands must be in strictly ascending order of up_to, after "
                    f"bands[{index - 1}].up_to {previous}"
                    if index
                    else "the first band must end above zero"
                )
                raise _band_error(index, "up_to", rule, band.up_to)
            else:
                previous = band.up_to
        _check_bounds(self.minimum, self.maximum)
        return self

    def compute(self, balance: Money) -> Money | None:
        """Return the fee for an overdue `balance`, or None when it is in another currency."""
        if balance.currency != self.currency:
            return None
        value = balance.amount
        if value <= 0:
            return _quantize(_ZERO, self.currency)
        raw = self._flat(value) if self.mode == "flat" else self._marginal(value)
        return _bounded(_quantize(raw, self.currency), self.minimum, self.maximum)

    def _flat(self, value: Decimal) -> Decimal:
        for band in self.bands:
            if band.up_to is None or value <= band.up_to:
                return band.charge(value)
        raise AssertionError("unreachable: the last band is open")  # pragma: no cover

    def _marginal(self, value: Decimal) -> Decimal:
        total = _ZERO
        lower = _ZERO
        for band in self.bands:
            if value > lower:
                top = value if band.up_to is None else min(value, band.up_to)
                total += band.charge(top - lower)
            lower = band.up_to or lower
        return total


#: A late fee of any kind, told apart by its `kind` field.
LateFee = Annotated[FixedFee | PercentFee | TieredFee, Field(discriminator="kind")]


# -- interest ---------------------------------------------------------------------------------


class RateFixing(StrEnum):
    """When the reference rate of an `InterestRule` is read."""

    VARIABLE = "variable"
    """Each day accrues at the reference rate in force that day."""
    FIXED = "fixed"
    """The rate in force on the first day of interest applies for the life of the debt."""
    HALF_YEARLY = "half-yearly"
    """The rate in force on 1 January applies from January to June, the rate in force on
    1 July from July to December (EU Directive 2011/7/EU art. 3(2))."""
    REFERENCE_DATE = "reference-date"
    """The rate in force on the last 31 December or 30 June before the first day of interest
    applies for the life of the debt (UK Late Payment of Commercial Debts (Rate of Interest)
    (No. 3) Order 2002, art. 4)."""


class InterestSegment(Model):
    """A run of late days, both ends included, at one annual rate.

    `amount` is the exact interest of the segment (up to 34 significant digits), not rounded
    to a currency.
    """

    first_day: date = Field(description="First day of the run (included).")
    last_day: date = Field(description="Last day of the run (included).")
    days: int = Field(description="Calendar days of the run, both ends included.")
    annual_rate: Amount = Field(description="Annual rate in percent applied to the run.")
    capped: bool = Field(default=False, description="Whether the ceiling lowered the rate.")
    floored: bool = Field(default=False, description="Whether the floor raised the rate.")
    amount: Amount = Field(description="Exact interest of the run, not rounded.")


class InterestComputation(Model):
    """The interest on a principal over a late period, segment by segment.

    The period runs from `first_day` to `last_day`, both included; when nothing accrues it is
    empty (`last_day` is the day before `first_day`) and has no segments. `amount` is the sum
    of the exact segment amounts, rounded once to the minor unit, half up.
    """

    principal: Money = Field(description="The amount interest accrues on.")
    first_day: date = Field(description="First day of interest (the day after due date + grace).")
    last_day: date = Field(description="Last day of interest (included).")
    segments: tuple[InterestSegment, ...] = Field(default=(), description="Runs of one rate.")
    amount: Money = Field(description="Total interest, rounded once to the minor unit.")

    @property
    def days(self) -> int:
        """The number of days of interest."""
        return max(0, (self.last_day - self.first_day).days + 1)


def _half_years(first_day: date, last_day: date) -> Iterator[tuple[date, date, date]]:
    """Yield ``(start, end, half-year start)`` for each half-year the period touches."""
    start = first_day
    while start <= last_day:
        if start.month <= 6:
            opening, closing = date(start.year, 1, 1), date(start.year, 6, 30)
        else:
            opening, closing = date(start.year, 7, 1), date(start.year, 12, 31)
        end = min(closing, last_day)
        yield start, end, opening
        start = end + _ONE_DAY


def _reference_date_before(day: date) -> date:
    """Return the last 30 June or 31 December strictly before `day`.

    >>> _reference_date_before(date(2024, 7, 1)), _reference_date_before(date(2024, 6, 30))
    (datetime.date(2024, 6, 30), datetime.date(2023, 12, 31))
    """
    middle = date(day.year, 6, 30)
    return middle if day > middle else date(day.year - 1, 12, 31)


#: A run of days (first, last, rate, limit) where the limit is a ceiling or floor, or None.
_Run = tuple[date, date, Decimal, Decimal | None]


def _limited(
    pieces: list[tuple[date, date, Decimal]], limit: Decimal | RateTable | None
) -> list[_Run]:
    """Pair each run with the limit in force, splitting runs where a limit table changes."""
    if limit is None or isinstance(limit, Decimal):
        return [(first, last, rate, limit) for first, last, rate in pieces]
    runs: list[_Run] = []
    for first, last, rate in pieces:
        runs.extend((s.first_day, s.last_day, rate, s.rate) for s in limit.segments(first, last))
    return runs


#: A run of one rate: first day, last day, annual rate, capped, floored.
RateRun = tuple[date, date, Decimal, bool, bool]


class RateQuote(StrEnum):
    """How the rates of an `InterestRule` (rate, reference, spread, ceiling, floor) are quoted.

    Interest always accrues day by day as simple interest at a nominal annual rate on the
    rule's day count; an effective quote is converted to that rate first.
    """

    NOMINAL_ANNUAL = "nominal_annual"
    """A nominal annual percentage, accrued as given on the day count (the default)."""
    EFFECTIVE_ANNUAL = "effective_annual"
    """An effective annual rate (E.A., as Colombia and Chile quote them): converted to its
    effective monthly rate ``(1 + EA)^(1/12) - 1`` (10 decimals of percent), accrued as 12
    times that on ACT/360, so a 30-day month costs exactly the effective monthly rate."""
    EFFECTIVE_MONTHLY = "effective_monthly"
    """An effective monthly rate (tasa mensual): accrued as 12 times it on ACT/360."""


#: The day counts an effective quote accrues on: a 30-day month is one twelfth of the year.
_MONTHLY_BASES = (DayCount.ACT_360, DayCount.THIRTY_360)


@lru_cache(maxsize=1024)
def _nominal_of_effective_annual(rate: Decimal) -> Decimal:
    # A pure function of the rate (a fractional power, the costliest step of accruing):
    # remembered, since an evaluation converts the same few rates for every period of every
    # invoice. Bounded, and it cannot change a figure.
    return 12 * effective_monthly_from_annual(rate)


class InterestRule(Model):
    """Simple late-payment interest: a rate, a day count, grace days, a ceiling and a floor.

    Give either a fixed `annual_rate` or a `reference` rate (a table plus a spread). Interest
    accrues from the day after ``due_date + grace_days`` up to and including the evaluation
    day, so paying on the due date (or within the grace days) costs nothing, and once the
    grace days are over interest runs from the day after that, not from the due date. Each
    segment's rate is raised to the `floor` and then lowered to the `ceiling` (the ceiling
    wins when they cross: a usury cap is the law) and never goes below zero. Interest is
    simple: it never accrues on interest.

    With a reference rate, `fixing` says when the rate is read (see `RateFixing`); when it is
    None the reference rate's own ``fixing`` applies ("variable" or "fixed").

    >>> from dunning.rates import RateTable, ReferenceRate
    >>> table = RateTable.from_rows([("2024-01-01", "3.62"), ("2024-07-01", "3.37")], name="DE")
    >>> rule = InterestRule(reference=ReferenceRate(table=table, spread=Decimal("9")))
    >>> result = rule.compute(Money("10000.00", "EUR"), date(2024, 6, 20), date(2024, 7, 10))
    >>> [(s.days, s.annual_rate) for s in result.segments], result.amount
    ([(10, Decimal('12.62')), (10, Decimal('12.37'))], Money(amount=Decimal('68.47'), currency='EUR'))
    """  # noqa: E501 -- a doctest line shows the whole result

    annual_rate: Amount | None = Field(default=None, description="Fixed annual rate, percent.")
    reference: ReferenceRate | None = Field(default=None, description="Reference rate + spread.")
    basis: DayCount = Field(default=DayCount.ACT_365F, description="Day-count basis.")
    fixing: RateFixing | None = Field(
        default=None, description="When a reference rate is read; None: the reference's own."
    )
    grace_days: int = Field(default=0, description="Days after the due date without interest.")
    ceiling: RateTable | Amount | None = Field(
        default=None, description="Annual percent never exceeded (e.g. a usury cap)."
    )
    floor: RateTable | Amount | None = Field(
        default=None, description="Annual percent the rate is raised to at least."
    )
    quoted: RateQuote = Field(
        default=RateQuote.NOMINAL_ANNUAL,
        description="How every rate of the rule is quoted; effective quotes accrue on ACT/360.",
    )

    @model_validator(mode="before")
    @classmethod
    def _monthly_basis(cls, data: Any) -> Any:
        # An effective quote is a monthly convention: default its day count to ACT/360 rather
        # than silently accruing it on ACT/365F.
        if (
            isinstance(data, dict)
            and data.get("quoted") in (RateQuote.EFFECTIVE_ANNUAL, RateQuote.EFFECTIVE_MONTHLY)
            and "basis" not in data
        ):
            return {**data, "basis": DayCount.ACT_360}
        return data

    @model_validator(mode="after")
    def _check(self) -> InterestRule:
        if (self.annual_rate is None) == (self.reference is None):
            raise PydanticCustomError(
                "dunning.interest_rate",
                "annual_rate is {annual_rate} and reference is {reference}; give exactly one "
                "of them",
                {
                    "annual_rate": str(self.annual_rate),
                    "reference": "None" if self.reference is None else "set",
                },
            )
        if self.annual_rate is not None:
            _percent(self.annual_rate, "annual_rate")
            if self.fixing is not None:
                raise PydanticCustomError(
                    "dunning.fixing",
                    "fixing is {fixing} but the rule has a fixed annual_rate; fixing applies "
                    "only to a reference rate",
                    {"fixing": repr(self.fixing.value)},
                )
        if self.grace_days < 0:
            raise PydanticCustomError(
                "dunning.grace_days",
                "grace_days is {value}; it must not be negative",
                {"value": self.grace_days},
            )
        for field in ("ceiling", "floor"):
            value = getattr(self, field)
            if isinstance(value, Decimal):
                _percent(value, field)
        if self.quoted is not RateQuote.NOMINAL_ANNUAL and self.basis not in _MONTHLY_BASES:
            raise PydanticCustomError(
                "dunning.quoted_basis",
                "quoted is {quoted} but basis is {basis}; an effective rate accrues by 30-day "
                "months, on ACT/360 or 30/360 (leave basis out for ACT/360)",
                {"quoted": self.quoted.value, "basis": self.basis.value},
            )
        return self

    def accrual_rate(self, rate: Decimal) -> Decimal:
        """The nominal annual percent that accrues a rate quoted as `quoted`.

        >>> InterestRule(annual_rate=Decimal("28.37"), quoted="effective_annual").accrual_rate(
        ...     Decimal("28.37"))
        Decimal('25.2363545628')
        """
        if self.quoted is RateQuote.EFFECTIVE_ANNUAL:
            return _nominal_of_effective_annual(rate)
        if self.quoted is RateQuote.EFFECTIVE_MONTHLY:
            return 12 * rate
        return rate

    @property
    def effective_fixing(self) -> RateFixing | None:
        """The fixing that applies: None for a fixed annual rate."""
        if self.reference is None:
            return None
        if self.fixing is not None:
            return self.fixing
        return RateFixing(self.reference.fixing)

    def first_day(self, due_date: date) -> date:
        """Return the first day of interest for a debt due on `due_date`."""
        return due_date + timedelta(days=self.grace_days + 1)

    def _pieces(self, first: date, last: date) -> list[tuple[date, date, Decimal]]:
        if self.reference is None:
            assert self.annual_rate is not None  # validated: exactly one is set
            return [(first, last, self.annual_rate)]
        reference = self.reference
        fixing = self.effective_fixing
        if fixing is RateFixing.VARIABLE:
            return [
                (s.first_day, s.last_day, s.rate + reference.spread)
                for s in reference.table.segments(first, last)
            ]
        if fixing is RateFixing.HALF_YEARLY:
            return [
                (start, end, reference.table.rate_on(opening) + reference.spread)
                for start, end, opening in _half_years(first, last)
            ]
        day = first if fixing is RateFixing.FIXED else _reference_date_before(first)
        return [(first, last, reference.table.rate_on(day) + reference.spread)]

    def rates(self, first_day: date, last_day: date) -> tuple[RateRun, ...]:
        """Return the runs of one rate, ``(first, last, rate, capped, floored)``, of a period.

        The runs cover the days from `first_day` to `last_day`, both included; adjacent runs
        with the same rate and flags are merged.

        Raises:
            RateNotFoundError: when a reference, ceiling or floor table has no rate on a day.
        """
        runs: list[RateRun] = []
        convert = self.accrual_rate
        pieces = [(f, t, convert(r)) for f, t, r in self._pieces(first_day, last_day)]
        for first, last, rate, quoted_low in _limited(pieces, self.floor):
            low = None if quoted_low is None else convert(quoted_low)
            floored = low is not None and rate < low
            lifted = low if low is not None and floored else rate
            for start, end, value, quoted_high in _limited([(first, last, lifted)], self.ceiling):
                high = None if quoted_high is None else convert(quoted_high)
                capped = high is not None and value > high
                final = max(high if high is not None and capped else value, _ZERO)
                if (
                    runs
                    and runs[-1][1] + _ONE_DAY == start
                    and runs[-1][2:]
                    == (
                        final,
                        capped,
                        floored,
                    )
                ):
                    runs[-1] = (runs[-1][0], end, final, capped, floored)
                else:
                    runs.append((start, end, final, capped, floored))
        return tuple(runs)

    def accrue(
        self, principal: Decimal, first_day: date, last_day: date
    ) -> tuple[Fraction, tuple[InterestSegment, ...]]:
        """Return the exact interest on `principal` for the days `first_day`..`last_day`.

        Grace days are not applied here (see `first_day` and `compute`); each run of one rate
        accrues ``principal x rate / 100 x year_fraction`` exactly, the year fraction taken
        from the day before the run's first day to its last day on `basis`. Returns the exact
        total and the segments (their amounts to 34 significant digits).

        Raises:
            RateNotFoundError: when a reference, ceiling or floor table has no rate on a day.
        """
        if last_day < first_day or principal <= 0:
            return Fraction(0), ()
        context = exact_context()
        base = Fraction(principal)
        total = Fraction(0)
        segments: list[InterestSegment] = []
        for start, end, rate, capped, floored in self.rates(first_day, last_day):
            exact = base * Fraction(rate) / 100 * year_fraction(start - _ONE_DAY, end, self.basis)
            total += exact
            segments.append(
                InterestSegment._construct(
                    first_day=start,
                    last_day=end,
                    days=(end - start).days + 1,
                    annual_rate=rate,
                    capped=capped,
                    floored=floored,
                    amount=context.divide(Decimal(exact.numerator), Decimal(exact.denominator)),
                )
            )
        return total, tuple(segments)

    def permitted(self, principal: Decimal, first_day: date, last_day: date) -> Fraction | None:
        """The exact interest the ceiling allows on `principal` over the days, or None.

        What a usury ceiling permits is an amount, not only a rate: the sum of every posting
        of a debt stays within this figure for the whole period (see `capped_total`).

        Raises:
            RateNotFoundError: when a ceiling table has no rate on a day.
        """
        if self.ceiling is None:
            return None
        if last_day < first_day or principal <= 0:
            return Fraction(0)
        base = Fraction(principal)
        total = Fraction(0)
        for start, end, _, high in _limited([(first_day, last_day, _ZERO)], self.ceiling):
            assert high is not None  # a ceiling is set
            rate = max(self.accrual_rate(high), _ZERO)
            total += base * Fraction(rate) / 100 * year_fraction(start - _ONE_DAY, end, self.basis)
        return total

    def capped_total(self, exact: Fraction, permitted: Fraction | None, places: int) -> Decimal:
        """Round a cumulative interest `exact` (half up) without passing what is `permitted`.

        Rounding each posting half up could add up to more than a ceiling allows (twelve
        monthly postings, each up to half a unit over); rounding the running total instead,
        and never above the permitted amount rounded down, keeps every partial sum within it.

        >>> rule = InterestRule(annual_rate=Decimal("30"), ceiling=Decimal("28"))
        >>> rule.capped_total(Fraction(28370_6, 10), Fraction(28370_6, 10), 0)
        Decimal('28370')
        """
        total = round_half_up(exact, places)
        if permitted is not None:
            scaled = permitted * 10**places
            allowed = Decimal(max(scaled.numerator // scaled.denominator, 0)).scaleb(-places)
            total = min(total, allowed)
        return total

    def compute(self, principal: Money, due_date: date, until: date) -> InterestComputation:
        """Return the interest on `principal`, due on `due_date`, accrued up to `until`.

        The late period runs from `first_day` (the day after ``due_date + grace_days``) to
        `until`, both included; with ``grace_days=0`` it has ``days_late(due_date, until)``
        days. Each segment accrues ``principal x rate / 100 x year_fraction`` exactly, the
        year fraction taken from the day before the segment's first day to its last day on
        `basis`; the total is rounded once, half up. Nothing accrues on or before the due date
        (or within the grace days), nor on a principal of zero or less.

        Raises:
            RateNotFoundError: when a reference, ceiling or floor table has no rate on a day.
        """
        first = self.first_day(due_date)
        currency = principal.currency
        places = minor_unit(currency)
        if until < first or principal.amount <= 0:
            return InterestComputation.model_construct(
                principal=principal,
                first_day=first,
                last_day=first - _ONE_DAY,
                segments=(),
                amount=_trusted(Decimal(0).scaleb(-places), currency),
            )
        total, segments = self.accrue(principal.amount, first, until)
        permitted = self.permitted(principal.amount, first, until)
        return InterestComputation.model_construct(
            principal=principal,
            first_day=first,
            last_day=until,
            segments=segments,
            amount=_trusted(self.capped_total(total, permitted, places), currency),
        )
