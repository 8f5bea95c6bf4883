"""Interest rates: effective-dated rate tables, reference rates with a spread, conversions.

A `RateTable` lists the annual rates (in percent) in force from given dates, such as a central
bank's reference rate or Colombia's certified bank current rate. `RateTable.segments` cuts a
period into runs of days with the same rate, which is what interest accrual needs.
`ReferenceRate` adds a spread ("reference rate + 8 points") and a fixing rule.

The conversions between effective annual, periodic and nominal rates work in `Decimal` with a
34-digit context and round their result to `RATE_PLACES` (10) decimals of percent, half to
even, so that every machine gives the same digits.

>>> from datetime import date
>>> from decimal import Decimal
>>> table = RateTable(
...     name="ECB MRO",
...     points=(
...         RatePoint(effective_from=date(2024, 6, 12), rate=Decimal("4.25")),
...         RatePoint(effective_from=date(2024, 9, 18), rate=Decimal("3.65")),
...     ),
... )
>>> table.rate_on(date(2024, 9, 30))
Decimal('3.65')
>>> [(s.days, s.rate) for s in table.segments(date(2024, 9, 1), date(2024, 9, 30))]
[(17, Decimal('4.25')), (13, Decimal('3.65'))]
>>> effective_monthly_from_annual(Decimal("28.365"))
Decimal('2.1026981324')
"""

from __future__ import annotations

import csv
import os
import warnings
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from decimal import (
    MAX_EMAX,
    MIN_EMIN,
    ROUND_HALF_EVEN,
    ROUND_HALF_UP,
    Context,
    Decimal,
    InvalidOperation,
    Overflow,
)
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, PrivateAttr, field_validator, model_validator
from pydantic_core import PydanticCustomError

from dunning._model import Model
from dunning.errors import (
    CurrencyMismatchError,
    InputError,
    RateNotFoundError,
    StaleRateError,
    StaleRateWarning,
)
from dunning.money import Amount, Currency, Money, exact_context, to_decimal

__all__ = [
    "CSV_HEADER",
    "RATE_PLACES",
    "RatePoint",
    "RateSegment",
    "RateTable",
    "ReferenceRate",
    "UnitOfAccount",
    "UnitValue",
    "effective_annual_from_monthly",
    "effective_annual_to_nominal",
    "effective_annual_to_periodic",
    "effective_monthly_from_annual",
    "multiply_rate",
    "nominal_to_effective_annual",
    "periodic_to_effective_annual",
]

#: Decimals of percent that the rate conversions round to (half to even).
RATE_PLACES = 10

#: The header line of a rate table in CSV.
CSV_HEADER = "effective_from,rate_percent"

_ONE_DAY = timedelta(days=1)


class RatePoint(Model):
    """An annual rate, in percent, in force from `effective_from` until the next point.

    >>> from datetime import date
    >>> RatePoint(effective_from=date(2024, 1, 1), rate="28.08").rate
    Decimal('28.08')
    """

    effective_from: date = Field(description="First day on which the rate applies.")
    rate: Amount = Field(description="Annual rate in percent (28.08 means 28.08 %).")


class RateSegment(Model):
    """A run of days, both ends included, with one annual rate in percent.

    >>> from datetime import date
    >>> segment = RateSegment(first_day=date(2024, 9, 1), last_day=date(2024, 9, 17), rate="4.25")
    >>> segment.days
    17
    """

    first_day: date = Field(description="First day of the run (included).")
    last_day: date = Field(description="Last day of the run (included).")
    rate: Amount = Field(description="Annual rate in percent.")

    @model_validator(mode="after")
    def _check_order(self) -> RateSegment:
        if self.last_day < self.first_day:
            raise PydanticCustomError(
                "dunning.segment",
                "last_day {last_day} is before first_day {first_day}; a segment holds at "
                "least one day",
                {"first_day": str(self.first_day), "last_day": str(self.last_day)},
            )
        return self

    @property
    def days(self) -> int:
        """The number of days of the segment, both ends included."""
        return (self.last_day - self.first_day).days + 1


def _segment(first_day: date, last_day: date, rate: Decimal) -> RateSegment:
    # Segments cut from a validated table are valid by construction.
    return RateSegment.model_construct(first_day=first_day, last_day=last_day, rate=rate)


def _signed(spread: Decimal) -> str:
    return f"+ {spread}" if spread >= 0 else f"- {-spread}"


class RateTable(Model):
    """Annual rates in percent, each in force from its date until the next one.

    Points are in strictly ascending order of `effective_from`; the last one stays in force
    indefinitely, unless the table states `valid_until`, the last day its figures are known to
    hold: a later day raises `StaleRateError` (or, with ``beyond_valid_until="warn"``, issues a
    `StaleRateWarning` and reuses the last rate). There is no rate before the first point.

    >>> from datetime import date
    >>> table = RateTable.from_csv('''
    ... # source: Superintendencia Financiera de Colombia, interés bancario corriente
    ... # updated: 2024-12-27
    ... effective_from,rate_percent
    ... 2024-10-01,26.79
    ... 2024-11-01,25.77
    ... 2024-12-01,25.27
    ... ''', name="CO IBC consumo")
    >>> table.rate_on(date(2024, 11, 15)), table.updated
    (Decimal('25.77'), datetime.date(2024, 12, 27))
    >>> table.plus(Decimal("2")).rate_on(date(2024, 11, 15))
    Decimal('27.77')
    """

    name: str = Field(min_length=1, description="What the table is, e.g. 'ECB MRO'.")
    points: tuple[RatePoint, ...] = Field(description="Rate points in ascending date order.")
    source: str | None = Field(default=None, description="Where the rates come from.")
    updated: date | None = Field(default=None, description="When the table was last checked.")
    valid_until: date | None = Field(
        default=None,
        description="Last day the rates are known to hold; None: the last point holds for ever.",
    )
    beyond_valid_until: Literal["error", "warn"] = Field(
        default="error",
        description="After valid_until: 'error' raises StaleRateError; 'warn' reuses the last "
        "rate with a StaleRateWarning.",
    )

    _dates: tuple[date, ...] = PrivateAttr(default=())
    _rates: tuple[Decimal, ...] = PrivateAttr(default=())

    @field_validator("points")
    @classmethod
    def _check_points(cls, points: tuple[RatePoint, ...]) -> tuple[RatePoint, ...]:
        if not points:
            raise PydanticCustomError(
                "dunning.rate_points", "points is empty; a rate table needs at least one point"
            )
        for index in range(1, len(points)):
            before, after = points[index - 1].effective_from, points[index].effective_from
            if after <= before:
                raise PydanticCustomError(
                    "dunning.rate_points",
                    "points[{index}] takes effect on {after}, which is not after {before} of "
                    "points[{previous}]; points must be in strictly ascending order of "
                    "effective_from",
                    {
                        "index": index,
                        "previous": index - 1,
                        "after": str(after),
                        "before": str(before),
                    },
                )
        return points

    @model_validator(mode="after")
    def _check_valid_until(self) -> RateTable:
        last = self.points[-1].effective_from
        if self.valid_until is not None and self.valid_until < last:
            raise PydanticCustomError(
                "dunning.valid_until",
                "valid_until {valid_until} is before {last}, the date of the last point; the "
                "last verified day cannot precede the last rate",
                {"valid_until": str(self.valid_until), "last": str(last)},
            )
        return self

    def _check_fresh(self, day: date) -> None:
        """Refuse (or warn about) a day after `valid_until`."""
        if self.valid_until is None or day <= self.valid_until:
            return
        message = (
            f"rate table {self.name!r} is verified until {self.valid_until} and has no rate for "
            f"{day}: pass a newer table (see `dunning rates update`)"
        )
        if self.beyond_valid_until == "warn":
            warnings.warn(
                f"{message}; its last rate is reused as beyond_valid_until='warn' asks",
                StaleRateWarning,
                stacklevel=3,
            )
            return
        raise StaleRateError(f"{message}, or set beyond_valid_until='warn' to reuse its last rate")

    def model_post_init(self, context: Any, /) -> None:
        """Index the dates and rates for the bisection of `rate_on`."""
        private = self.__pydantic_private__
        private["_dates"] = tuple(point.effective_from for point in self.points)  # type: ignore[index]  # always set
        private["_rates"] = tuple(point.rate for point in self.points)  # type: ignore[index]  # always set

    def _not_found(self, day: date) -> RateNotFoundError:
        return RateNotFoundError(
            f"rate table {self.name!r} has no rate on {day}: it starts on "
            f"{self.points[0].effective_from}"
        )

    def rate_on(self, day: date) -> Decimal:
        """Return the annual rate in percent in force on `day`.

        Raises:
            RateNotFoundError: when `day` is before the first point of the table.
            StaleRateError: when `day` is after `valid_until` (unless the table warns).
        """
        private = self.__pydantic_private__
        index = bisect_right(private["_dates"], day) - 1  # type: ignore[index]  # always set
        if index < 0:
            raise self._not_found(day)
        self._check_fresh(day)
        rate: Decimal = private["_rates"][index]  # type: ignore[index]  # always set
        return rate

    def segments(self, first_day: date, last_day: date) -> tuple[RateSegment, ...]:
        """Cut the days from `first_day` to `last_day` (both included) into runs of one rate.

        The segments follow each other without gaps or overlaps and cover the period exactly;
        consecutive points with equal rates give one segment. An empty period (`last_day`
        before `first_day`, as when a payment is made on its due date) gives no segments.

        >>> from datetime import date
        >>> table = RateTable(name="flat", points=(
        ...     RatePoint(effective_from=date(2024, 1, 1), rate=Decimal("10")),
        ...     RatePoint(effective_from=date(2024, 2, 1), rate=Decimal("10")),
        ... ))
        >>> [(s.first_day, s.last_day) for s in table.segments(date(2024, 1, 20), date(2024, 2, 9))]
        [(datetime.date(2024, 1, 20), datetime.date(2024, 2, 9))]

        Raises:
            RateNotFoundError: when `first_day` is before the first point of the table.
            StaleRateError: when `last_day` is after `valid_until` (unless the table warns).
        """
        if last_day < first_day:
            return ()
        private = self.__pydantic_private__
        dates: tuple[date, ...] = private["_dates"]  # type: ignore[index]  # always set
        rates: tuple[Decimal, ...] = private["_rates"]  # type: ignore[index]  # always set
        index = bisect_right(dates, first_day) - 1
        if index < 0:
            raise self._not_found(first_day)
        self._check_fresh(last_day)
        segments: list[RateSegment] = []
        start, rate = first_day, rates[index]
        for later in range(index + 1, len(dates)):
            if dates[later] > last_day:
                break
            if rates[later] != rate:
                segments.append(_segment(start, dates[later] - _ONE_DAY, rate))
                start, rate = dates[later], rates[later]
        segments.append(_segment(start, last_day, rate))
        return tuple(segments)

    def plus(self, spread: Decimal | int | str) -> RateTable:
        """Return the table with `spread` points added to every rate.

        The new table is named after this one and the spread, e.g. ``"ECB MRO + 8"``.

        Raises:
            TypeError: when `spread` is a float.
        """
        points = _number(spread, "spread")
        return self.evolve(
            name=f"{self.name} {_signed(points)}",
            points=tuple(point.evolve(rate=point.rate + points) for point in self.points),
        )

    # -- reading and writing ---------------------------------------------------------------

    @classmethod
    def from_rows(
        cls,
        rows: Iterable[Sequence[object]],
        *,
        name: str,
        source: str | None = None,
        updated: date | str | None = None,
        valid_until: date | str | None = None,
    ) -> RateTable:
        """Build a table from ``(effective_from, rate_percent)`` pairs.

        Dates may be `date` objects or ``YYYY-MM-DD`` strings; rates are `Decimal`, `int` or
        numeric strings.

        >>> RateTable.from_rows([("2024-01-01", "12.5")], name="flat").rate_on(date(2024, 5, 1))
        Decimal('12.5')

        Raises:
            pydantic.ValidationError: for a bad date or rate, or dates out of order (the error
                names the index of the point).
        """
        points = [{"effective_from": row[0], "rate": row[1]} for row in rows]
        return cls.model_validate(
            {
                "name": name,
                "points": points,
                "source": source,
                "updated": updated,
                "valid_until": valid_until,
            }
        )

    @classmethod
    def from_csv(
        cls, text_or_path: str | os.PathLike[str], *, name: str | None = None
    ) -> RateTable:
        """Read a table from CSV text or from a CSV file.

        A `str` containing a line break is CSV text; any other `str` or path is a file name.
        The format::

            # name: ECB MRO                       (optional)
            # source: European Central Bank       (optional)
            # updated: 2024-12-27                 (optional)
            # valid_until: 2024-12-31             (optional: the last verified day)
            effective_from,rate_percent
            2024-06-12,4.25
            2024-09-18,3.65

        Other lines starting with ``#`` and blank lines are ignored. The table is named by
        `name`, else by the ``# name:`` comment, else by the file's stem.

        Raises:
            InputError: for a missing header, a bad row (with its line number), rows out of
                order, or no name.
            OSError: when the file cannot be read.
        """
        stem: str | None = None
        if isinstance(text_or_path, str) and "\n" in text_or_path:
            text = text_or_path
        else:
            path = Path(text_or_path)
            stem = path.stem
            text = path.read_text(encoding="utf-8")
        meta: dict[str, str] = {}
        header_seen = False
        rows: list[tuple[date, Decimal]] = []
        lines: list[int] = []
        for number, line in enumerate(text.splitlines(), 1):
            stripped = line.strip()
            if not stripped:
                continue
            if stripped.startswith("#"):
                key, colon, value = stripped[1:].partition(":")
                if colon and key.strip().lower() in ("name", "source", "updated", "valid_until"):
                    meta[key.strip().lower()] = value.strip()
                continue
            fields = [field.strip() for field in next(csv.reader([stripped]))]
            if not header_seen:
                if ",".join(fields) != CSV_HEADER:
                    raise InputError(
                        f"line {number}: expected the header {CSV_HEADER!r}, found {stripped!r}"
                    )
                header_seen = True
                continue
            rows.append(_csv_row(number, fields))
            lines.append(number)
        if not header_seen:
            raise InputError(f"no header line {CSV_HEADER!r} found")
        for index in range(1, len(rows)):
            if rows[index][0] <= rows[index - 1][0]:
                raise InputError(
                    f"line {lines[index]}: {rows[index][0]} is not after {rows[index - 1][0]} "
                    f"of line {lines[index - 1]}; rows must be in strictly ascending order of "
                    "effective_from"
                )
        title = name or meta.get("name") or stem
        if not title:
            raise InputError("the rate table has no name: pass name=... or add '# name: ...'")
        updated_day = _meta_date(meta, "updated")
        valid_until = _meta_date(meta, "valid_until")
        if not rows:
            raise InputError(f"rate table {title!r} has no rows; it needs at least one")
        if valid_until is not None and valid_until < rows[-1][0]:
            raise InputError(
                f"'# valid_until: {valid_until}' is before {rows[-1][0]} of line {lines[-1]}, "
                "the last row; the last verified day cannot precede the last rate"
            )
        return cls.from_rows(
            rows,
            name=title,
            source=meta.get("source"),
            updated=updated_day,
            valid_until=valid_until,
        )

    def to_csv(self) -> str:
        """Write the table in the format that `from_csv` reads.

        >>> text = RateTable.from_rows([("2024-01-01", "12.5")], name="flat").to_csv()
        >>> print(text, end="")
        # name: flat
        effective_from,rate_percent
        2024-01-01,12.5
        >>> RateTable.from_csv(text) == RateTable.from_rows([("2024-01-01", "12.5")], name="flat")
        True
        """
        lines = [f"# name: {self.name}"]
        if self.source is not None:
            lines.append(f"# source: {self.source}")
        if self.updated is not None:
            lines.append(f"# updated: {self.updated.isoformat()}")
        if self.valid_until is not None:
            lines.append(f"# valid_until: {self.valid_until.isoformat()}")
        lines.append(CSV_HEADER)
        lines.extend(f"{point.effective_from.isoformat()},{point.rate}" for point in self.points)
        return "\n".join(lines) + "\n"


def _meta_date(meta: dict[str, str], key: str) -> date | None:
    text = meta.get(key)
    try:
        return None if text is None else date.fromisoformat(text)
    except ValueError:
        raise InputError(f"'# {key}: {text}' is not a date (YYYY-MM-DD)") from None


def _csv_row(number: int, fields: list[str]) -> tuple[date, Decimal]:
    if len(fields) != 2:
        raise InputError(
            f"line {number}: expected 2 fields (effective_from,rate_percent), found {len(fields)}"
        )
    try:
        day = date.fromisoformat(fields[0])
    except ValueError:
        raise InputError(f"line {number}: {fields[0]!r} is not a date (YYYY-MM-DD)") from None
    try:
        rate = to_decimal(fields[1], what="rate_percent")
    except PydanticCustomError as error:
        raise InputError(f"line {number}: {error.message()}") from None
    return day, rate


class ReferenceRate(Model):
    """A reference rate table plus a spread in points, fixed or variable.

    With ``fixing="variable"`` each day accrues at the table's rate of that day plus the
    spread; with ``fixing="fixed"`` the rate in force on a reference date (by default the first
    day of the period) applies to the whole period.

    >>> from datetime import date
    >>> table = RateTable.from_rows(
    ...     [("2024-06-12", "4.25"), ("2024-09-18", "3.65")], name="ECB MRO"
    ... )
    >>> # EU Directive 2011/7/EU art. 2(6): late interest is the reference rate + 8 points.
    >>> late = ReferenceRate(table=table, spread=Decimal("8"))
    >>> late.rate_on(date(2024, 10, 1))
    Decimal('11.65')
    >>> fixed = late.evolve(fixing="fixed")
    >>> [(s.days, s.rate) for s in fixed.segments(date(2024, 9, 1), date(2024, 9, 30))]
    [(30, Decimal('12.25'))]
    """

    table: RateTable = Field(description="The reference rates.")
    spread: Amount = Field(default=Decimal(0), description="Points added to the reference rate.")
    fixing: Literal["variable", "fixed"] = Field(
        default="variable",
        description="'variable': each day's rate; 'fixed': the rate on the reference date.",
    )

    def rate_on(self, day: date) -> Decimal:
        """Return the reference rate in force on `day` plus the spread.

        Raises:
            RateNotFoundError: when `day` is before the first point of the table.
        """
        return self.table.rate_on(day) + self.spread

    def segments(
        self, first_day: date, last_day: date, reference_date: date | None = None
    ) -> tuple[RateSegment, ...]:
        """Cut the period into runs of one rate (spread included), as `RateTable.segments`.

        With ``fixing="fixed"`` the whole period is one segment at the rate on
        `reference_date` (by default `first_day`); with ``"variable"`` `reference_date` is
        ignored. An empty period gives no segments.

        Raises:
            RateNotFoundError: when a day needed is before the first point of the table.
        """
        if last_day < first_day:
            return ()
        if self.fixing == "fixed":
            day = first_day if reference_date is None else reference_date
            return (_segment(first_day, last_day, self.rate_on(day)),)
        return tuple(
            _segment(segment.first_day, segment.last_day, segment.rate + self.spread)
            for segment in self.table.segments(first_day, last_day)
        )


# -- units of account ------------------------------------------------------------------------


class UnitValue(Model):
    """The value of one unit of account, in its currency, on one day.

    >>> from datetime import date
    >>> UnitValue(day=date(2024, 12, 31), value="38416.69").value
    Decimal('38416.69')
    """

    day: date = Field(description="The day the value holds.")
    value: Amount = Field(gt=0, description="Value of one unit in the table's currency.")


class UnitOfAccount(Model):
    """A unit of account with a value per day, such as Chile's unidad de fomento (UF).

    Every day from the first value to `valid_until` must have its value: a conversion takes
    the value of its day, never the value of another day. A day outside the table raises
    `RateNotFoundError` (`StaleRateError` after `valid_until`).

    >>> from datetime import date
    >>> uf = UnitOfAccount(name="UF", currency="CLP", values=(
    ...     UnitValue(day=date(2024, 12, 31), value="38416.69"),
    ...     UnitValue(day=date(2025, 1, 1), value="38419.17"),
    ... ))
    >>> uf.to_money(Decimal("10"), date(2025, 1, 1))
    Money(amount=Decimal('384192'), currency='CLP')
    >>> uf.from_money(Money(384192, "CLP"), date(2025, 1, 1))
    Decimal('10.0000')
    """

    name: str = Field(min_length=1, description="The unit, e.g. 'UF'.")
    currency: Currency = Field(description="ISO 4217 code of the values.")
    values: tuple[UnitValue, ...] = Field(description="One value per day, consecutive days.")
    source: str | None = Field(default=None, description="Where the values come from.")
    updated: date | None = Field(default=None, description="When the table was last checked.")

    _first: date = PrivateAttr()
    _values: tuple[Decimal, ...] = PrivateAttr(default=())

    @field_validator("values")
    @classmethod
    def _check_days(cls, values: tuple[UnitValue, ...]) -> tuple[UnitValue, ...]:
        if not values:
            raise PydanticCustomError(
                "dunning.unit_values", "values is empty; a unit of account needs at least one day"
            )
        for index in range(1, len(values)):
            before, after = values[index - 1].day, values[index].day
            if after != before + _ONE_DAY:
                raise PydanticCustomError(
                    "dunning.unit_values",
                    "values[{index}] is for {after}, but the day after {before} of "
                    "values[{previous}] is {expected}; a unit of account needs one value per "
                    "day, without gaps or repeats",
                    {
                        "index": index,
                        "previous": index - 1,
                        "after": str(after),
                        "before": str(before),
                        "expected": str(before + _ONE_DAY),
                    },
                )
        return values

    def model_post_init(self, context: Any, /) -> None:
        """Index the values by their offset from the first day."""
        private = self.__pydantic_private__
        private["_first"] = self.values[0].day  # type: ignore[index]  # always set
        private["_values"] = tuple(value.value for value in self.values)  # type: ignore[index]  # always set

    @property
    def valid_until(self) -> date:
        """The last day with a value."""
        return self.values[-1].day

    def value_on(self, day: date) -> Decimal:
        """Return the value of one unit on `day`, in the table's currency.

        Raises:
            RateNotFoundError: when `day` is before the first day of the table.
            StaleRateError: when `day` is after the last day of the table.
        """
        private = self.__pydantic_private__
        offset = (day - private["_first"]).days  # type: ignore[index]  # always set
        values: tuple[Decimal, ...] = private["_values"]  # type: ignore[index]  # always set
        if offset < 0:
            raise RateNotFoundError(
                f"{self.name} has no value on {day}: the table starts on {self.values[0].day}"
            )
        if offset >= len(values):
            raise StaleRateError(
                f"{self.name} has no value on {day}: the table ends on {self.valid_until}; "
                "pass a newer table (see `dunning rates update`)"
            )
        value: Decimal = values[offset]
        return value

    def to_money(self, units: Decimal | int | str, day: date) -> Money:
        """Return `units` of the unit in the currency at the value of `day`.

        The amount is rounded half up to the currency's minor unit.

        Raises:
            TypeError: when `units` is a float.
            RateNotFoundError: when the table has no value on `day`.
        """
        amount = _number(units, "units") * self.value_on(day)
        return Money(amount, self.currency).quantize()

    def from_money(self, money: Money, day: date, *, places: int = 4) -> Decimal:
        """Return how many units `money` is worth at the value of `day`.

        The number of units is rounded half up to `places` decimals.

        Raises:
            CurrencyMismatchError: when `money` is not in the table's currency.
            RateNotFoundError: when the table has no value on `day`.
        """
        if money.currency != self.currency:
            raise CurrencyMismatchError(
                f"money is in {money.currency}; {self.name} is valued in {self.currency}"
            )
        context = exact_context()
        units = context.divide(money.amount, self.value_on(day))
        return units.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP, context=context)


# -- conversions ------------------------------------------------------------------------------


def _number(value: object, what: str) -> Decimal:
    try:
        return to_decimal(value, what=what)
    except PydanticCustomError as error:
        if error.type == "dunning.float" or not isinstance(value, str | Decimal):
            raise TypeError(error.message()) from None
        raise ValueError(error.message()) from None


def _periods(periods_per_year: int) -> int:
    if isinstance(periods_per_year, bool) or not isinstance(periods_per_year, int):
        raise TypeError(
            f"periods_per_year must be an int, not {type(periods_per_year).__name__} "
            f"{periods_per_year!r}"
        )
    if periods_per_year < 1:
        raise ValueError(f"periods_per_year is {periods_per_year}; it must be at least 1")
    return periods_per_year


def _growth(context: Context, rate_percent: object, what: str) -> Decimal:
    """Return ``1 + rate / 100``, which must be above zero."""
    rate = _number(rate_percent, what)
    if rate <= -100:
        raise ValueError(f"{what} is {rate}; a rate must be above -100 percent")
    return context.add(1, context.divide(rate, 100))


def _percent(context: Context, factor: Decimal, places: int) -> Decimal:
    """Return ``factor`` as a percent rounded to `places` decimals, half to even."""
    return context.multiply(factor, 100).quantize(
        Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN, context=context
    )


def effective_annual_to_periodic(
    rate_percent: Decimal | int | str, periods_per_year: int, *, places: int = RATE_PLACES
) -> Decimal:
    """Return the rate per period equivalent to an effective annual rate: (1 + EA)^(1/n) - 1.

    Rates are in percent; the result is rounded to `places` decimals, half to even.

    >>> effective_annual_to_periodic(Decimal("12"), 4)
    Decimal('2.8737344722')

    Raises:
        TypeError: when the rate is a float or `periods_per_year` is not an int.
        ValueError: when `periods_per_year` is below 1 or the rate is -100 or less.
    """
    n = _periods(periods_per_year)
    context = exact_context()
    growth = _growth(context, rate_percent, "rate_percent")
    periodic = context.power(growth, context.divide(1, n))
    return _percent(context, context.subtract(periodic, 1), places)


def periodic_to_effective_annual(
    rate_percent: Decimal | int | str, periods_per_year: int, *, places: int = RATE_PLACES
) -> Decimal:
    """Return the effective annual rate of a rate per period: (1 + i)^n - 1.

    >>> periodic_to_effective_annual(Decimal("2"), 12)
    Decimal('26.8241794563')

    Raises:
        TypeError: when the rate is a float or `periods_per_year` is not an int.
        ValueError: when `periods_per_year` is below 1 or the rate is -100 or less.
    """
    n = _periods(periods_per_year)
    context = exact_context()
    growth = _growth(context, rate_percent, "rate_percent")
    return _percent(context, context.subtract(context.power(growth, n), 1), places)


def nominal_to_effective_annual(
    nominal_percent: Decimal | int | str, periods_per_year: int, *, places: int = RATE_PLACES
) -> Decimal:
    """Return the effective annual rate of a nominal rate compounded n times: (1 + j/n)^n - 1.

    >>> nominal_to_effective_annual(Decimal("24"), 12)  # 24 % nominal monthly = 2 % a month
    Decimal('26.8241794563')

    Raises:
        TypeError: when the rate is a float or `periods_per_year` is not an int.
        ValueError: when `periods_per_year` is below 1 or the rate per period is -100 or less.
    """
    n = _periods(periods_per_year)
    context = exact_context()
    nominal = _number(nominal_percent, "nominal_percent")
    growth = _growth(context, context.divide(nominal, n), "nominal_percent / periods_per_year")
    return _percent(context, context.subtract(context.power(growth, n), 1), places)


def effective_annual_to_nominal(
    rate_percent: Decimal | int | str, periods_per_year: int, *, places: int = RATE_PLACES
) -> Decimal:
    """Return the nominal rate compounded n times a year of an effective annual rate.

    That is n x ((1 + EA)^(1/n) - 1), computed at full precision before rounding.

    >>> effective_annual_to_nominal(Decimal("26.8241794562545318301696"), 12)  # 1.02 ** 12
    Decimal('24.0000000000')

    Raises:
        TypeError: when the rate is a float or `periods_per_year` is not an int.
        ValueError: when `periods_per_year` is below 1 or the rate is -100 or less.
    """
    n = _periods(periods_per_year)
    context = exact_context()
    growth = _growth(context, rate_percent, "rate_percent")
    periodic = context.subtract(context.power(growth, context.divide(1, n)), 1)
    return _percent(context, context.multiply(periodic, n), places)


def effective_monthly_from_annual(
    rate_percent: Decimal | int | str, *, places: int = RATE_PLACES
) -> Decimal:
    """Return the effective monthly rate of an effective annual rate (EA to EM).

    Colombia certifies its rates as effective annual (E.A.) and bills interest monthly:

    >>> effective_monthly_from_annual(Decimal("28.365"))
    Decimal('2.1026981324')

    Raises:
        TypeError: when the rate is a float.
        ValueError: when the rate is -100 or less.
    """
    return effective_annual_to_periodic(rate_percent, 12, places=places)


def effective_annual_from_monthly(
    rate_percent: Decimal | int | str, *, places: int = RATE_PLACES
) -> Decimal:
    """Return the effective annual rate of an effective monthly rate (EM to EA).

    >>> effective_annual_from_monthly(Decimal("2"))
    Decimal('26.8241794563')

    Converting a rounded rate back does not give the original digits exactly:

    >>> effective_annual_from_monthly(effective_monthly_from_annual(Decimal("28.365")))
    Decimal('28.3650000004')

    Raises:
        TypeError: when the rate is a float.
        ValueError: when the rate is -100 or less.
    """
    return periodic_to_effective_annual(rate_percent, 12, places=places)


def multiply_rate(rate: Decimal | int | str, factor: Decimal | int | str) -> Decimal:
    """Return ``rate * factor`` exactly, with no rounding at all.

    Colombia's usury ceiling is 1.5 times the certified bank current rate (Código de Comercio
    art. 884, as amended by Ley 510 de 1999 art. 111; Código Penal art. 305):

    >>> multiply_rate(Decimal("18.91"), Decimal("1.5"))
    Decimal('28.365')

    Raises:
        TypeError: when a value is a float.
        ValueError: when a value is a string that is not a finite number.
    """
    left, right = _number(rate, "rate"), _number(factor, "factor")
    # Enough digits for the exact product, so that no rounding can happen.
    digits = len(left.as_tuple().digits) + len(right.as_tuple().digits)
    context = Context(prec=digits, Emin=MIN_EMIN, Emax=MAX_EMAX, traps=[InvalidOperation, Overflow])
    return context.multiply(left, right)
