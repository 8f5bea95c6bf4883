"""Exact money: a `Decimal` amount with an ISO 4217 currency.

Amounts are never floats. Arithmetic is exact; rounding happens only when asked for, with
`Money.quantize`, to the currency's minor unit (babel's CLDR data, with the overrides that
billing practice uses: COP and CLP are billed without decimals, KWD with three) and an explicit
rounding mode. `split` and `allocate` work in whole minor units and always sum back exactly.

Money never depends on the caller's decimal context: every operation runs in the library's
own context (`MONEY_PRECISION` digits, no traps but invalid operations), so a thread that set
``getcontext().prec = 6`` or traps `decimal.Inexact` gets the same results as any other. An
amount has at most `MAX_DIGITS` digits and is always finite, and it is written in plain
decimal notation (``1E+3`` is stored and written as ``1000``). `Money` itself is exact and may
hold fractions of a cent (an interest accrual); what an invoice holds (`MinorUnitMoney`) has
no more decimals than its currency's minor unit: ``10.005 USD`` is refused there, unless the
``round_to_minor_unit`` validation context (or `Money.rounded`) rounds it explicitly.

>>> from decimal import Decimal
>>> price = Money("100.00", "USD")
>>> [str(part) for part in price.split(3)]
['33.34 USD', '33.33 USD', '33.33 USD']
>>> (price * Decimal("0.015")).quantize()
Money(amount=Decimal('1.50'), currency='USD')
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from decimal import (
    MAX_EMAX,
    MIN_EMIN,
    ROUND_HALF_EVEN,
    ROUND_HALF_UP,
    Context,
    Decimal,
    DivisionByZero,
    InvalidOperation,
    Overflow,
)
from enum import StrEnum
from fractions import Fraction
from functools import lru_cache
from types import MappingProxyType
from typing import Annotated, Any, Literal

from babel import Locale
from babel.core import UnknownLocaleError
from babel.numbers import format_currency, get_currency_precision, list_currencies
from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    PlainSerializer,
    ValidationInfo,
    model_validator,
)
from pydantic_core import PydanticCustomError

from dunning._model import Model
from dunning.errors import CurrencyError, CurrencyMismatchError, MoneyError

__all__ = [
    "EXACT_PRECISION",
    "MAX_DIGITS",
    "MINOR_UNIT_OVERRIDES",
    "MONEY_PRECISION",
    "ROUND_TO_MINOR_UNIT",
    "Amount",
    "Currency",
    "MinorUnitMoney",
    "Money",
    "Rounding",
    "exact_context",
    "minor_unit",
    "money_context",
    "plain",
    "round_half_up",
    "to_decimal",
]


class Rounding(StrEnum):
    """How an amount is rounded to its minor unit."""

    HALF_UP = ROUND_HALF_UP
    """Ties away from zero (0.005 -> 0.01): the common commercial rule, the default."""
    HALF_EVEN = ROUND_HALF_EVEN
    """Ties to the even digit (0.005 -> 0.00, 0.015 -> 0.02): banker's rounding."""


#: Minor units that billing practice uses whatever CLDR release babel ships: Colombian pesos
#: are invoiced without cents although ISO 4217 lists two decimals (older CLDR releases give
#: COP 2 decimals, CLDR 49 gives 0). CLDR gives CLP 0 and KWD 3; they are stated here
#: too so that the table documents every currency the library relies on. The table is
#: read-only; pass your own mapping as ``overrides`` where a function takes one.
MINOR_UNIT_OVERRIDES: Mapping[str, int] = MappingProxyType({"COP": 0, "CLP": 0, "KWD": 3})

#: The most digits an amount given from outside may have, written in plain notation to its
#: currency's minor unit (34: the precision of IEEE 754 decimal128; 10**32 - 0.01 USD).
MAX_DIGITS = 34

#: Significant digits of the library's money context: products of two `MAX_DIGITS` numbers
#: and sums of millions of amounts stay exact.
MONEY_PRECISION = 100

#: The key of a pydantic validation context that makes amounts finer than their currency's
#: minor unit be rounded (with this `Rounding`) instead of refused:
#: ``Invoice.model_validate(data, context={ROUND_TO_MINOR_UNIT: Rounding.HALF_UP})``.
ROUND_TO_MINOR_UNIT = "round_to_minor_unit"

# The library's own context for money arithmetic. Shared, and never read for its flags: only
# the traps matter, and none of them depends on what an earlier operation did.
_MONEY = Context(
    prec=MONEY_PRECISION,
    rounding=ROUND_HALF_EVEN,
    Emin=MIN_EMIN,
    Emax=MAX_EMAX,
    traps=[InvalidOperation, DivisionByZero, Overflow],
)

_CURRENCIES = frozenset(list_currencies())

#: Significant digits of the exact intermediate results (interest, rate conversions).
EXACT_PRECISION = 34


def exact_context() -> Context:
    """A fresh 34-digit decimal context (half even) for exact intermediate results.

    Fresh on every call: neither the caller's thread context (its precision, its traps) nor
    flags left by an earlier call can change a result.
    """
    return Context(
        prec=EXACT_PRECISION,
        rounding=ROUND_HALF_EVEN,
        Emin=MIN_EMIN,
        Emax=MAX_EMAX,
        traps=[InvalidOperation, DivisionByZero, Overflow],
    )


def money_context() -> Context:
    """A fresh copy of the decimal context all money arithmetic of the library runs in.

    `MONEY_PRECISION` digits, half even, traps only invalid operations, division by zero and
    overflow. Wrap decimal arithmetic on amounts in ``decimal.localcontext(money_context())``
    so that the caller's context (a precision of 6, a trap on `decimal.Inexact`) cannot
    change a figure.

    >>> from decimal import localcontext
    >>> with localcontext(money_context()):
    ...     Decimal("1234567.89") * 3
    Decimal('3703703.67')
    """
    context = _MONEY.copy()
    context.clear_flags()
    return context


def round_half_up(value: Fraction, places: int = 0) -> Decimal:
    """Round an exact non-negative fraction to `places` decimals, ties away from zero.

    >>> round_half_up(Fraction(5, 8), 2), round_half_up(Fraction(1, 2))
    (Decimal('0.63'), Decimal('1'))
    """
    scaled = value * 10**places
    units = (scaled.numerator * 2 + scaled.denominator) // (scaled.denominator * 2)
    return Decimal(units).scaleb(-places, _MONEY)


def _check_currency(code: str) -> str:
    if code not in _CURRENCIES:
        raise PydanticCustomError(
            "dunning.currency",
            "{value} is not a known ISO 4217 currency code (three upper-case letters, "
            "such as 'USD', 'COP' or 'EUR')",
            {"value": repr(code)},
        )
    return code


#: An ISO 4217 currency code known to CLDR, e.g. ``"COP"``.
Currency = Annotated[str, AfterValidator(_check_currency)]


def to_decimal(value: object, *, what: str = "amount") -> Decimal:
    """Convert `value` (a `Decimal`, `int` or numeric `str`) to a finite `Decimal`.

    Floats are refused because they cannot hold most decimal fractions exactly.

    Raises:
        pydantic_core.PydanticCustomError: `dunning.float`, `dunning.not_finite` or
            `dunning.decimal` with a message naming `what` and the value.
    """
    if isinstance(value, bool | float):
        raise PydanticCustomError(
            "dunning.float",
            "{what} must be a Decimal, an int or a numeric string, not {type} {value}: "
            "binary floats cannot hold most decimal fractions exactly",
            {"what": what, "type": type(value).__name__, "value": repr(value)},
        )
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, str):
        text = value.strip()
        try:
            if not _NUMBER.fullmatch(text) and text.lower() not in _SPECIAL:
                # Decimal would also read "1_000", Arabic-Indic or full-width digits.
                raise InvalidOperation
            result = Decimal(text)
        except InvalidOperation:
            raise PydanticCustomError(
                "dunning.decimal",
                "{what} {value} is not a decimal number",
                {"what": what, "value": _cut(repr(value))},
            ) from None
    else:
        raise PydanticCustomError(
            "dunning.decimal",
            "{what} must be a Decimal, an int or a numeric string, not {type}",
            {"what": what, "type": type(value).__name__},
        )
    if not result.is_finite():
        raise PydanticCustomError(
            "dunning.not_finite",
            "{what} must be a finite number, not {value}",
            {"what": what, "value": str(result)},
        )
    exponent: int = result.as_tuple().exponent  # type: ignore[assignment]  # finite: an int
    if result.adjusted() >= MONEY_PRECISION or exponent < -MONEY_PRECISION:
        raise PydanticCustomError(
            "dunning.too_many_digits",
            "{what} {value} needs more than {limit} digits in plain notation",
            {"what": what, "value": _cut(str(result)), "limit": MONEY_PRECISION},
        )
    return _plain(result)


def _cut(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _plain(value: Decimal) -> Decimal:
    # 1E+3 is stored as 1000 so that it is written back as 1000; -0 as 0.
    if value.is_zero():
        return value.copy_abs() if value.is_signed() else value
    if value.as_tuple().exponent > 0:  # type: ignore[operator]  # finite: an int
        return value.quantize(_ONE, context=_MONEY)  # at most MONEY_PRECISION digits: exact
    return value


_ONE = Decimal(1)
# A decimal number in ASCII digits, as written in files: 1500, -12.50, .5, 1e3, 1.5E+2.
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
# Refused below with their own message (not finite), not as "not a decimal number".
_SPECIAL = frozenset(
    {
        "nan",
        "-nan",
        "+nan",
        "snan",
        "-snan",
        "+snan",
        "inf",
        "-inf",
        "+inf",
        "infinity",
        "-infinity",
        "+infinity",
    }
)
_HUNDRED = Decimal(100)


def plain(value: Decimal) -> str:
    """Write `value` in plain decimal notation, never in exponent form.

    >>> plain(Decimal("1E+3")), plain(Decimal("1.50")), plain(Decimal("-0"))
    ('1000', '1.50', '0')
    """
    return format(_plain(value), "f")


def _amount(value: object) -> Decimal:
    return to_decimal(value)


#: A finite `Decimal` given as a Decimal, int or numeric string (never a float); pydantic
#: serialises it to JSON as a string in plain notation, so no digit is lost.
Amount = Annotated[
    Decimal, BeforeValidator(_amount), PlainSerializer(plain, when_used="json", return_type=str)
]


@lru_cache(maxsize=512)
def _cldr_minor_unit(currency: str) -> int:
    return int(get_currency_precision(currency))


def minor_unit(currency: str, overrides: Mapping[str, int] | None = None) -> int:
    """Return the number of decimals of `currency`'s minor unit.

    `overrides` (or, when it is None, `MINOR_UNIT_OVERRIDES`) wins over CLDR.

    >>> minor_unit("USD"), minor_unit("COP"), minor_unit("KWD")
    (2, 0, 3)
    >>> minor_unit("USD", overrides={"USD": 0})
    0

    Raises:
        CurrencyError: when `currency` is not a known ISO 4217 code.
    """
    if currency not in _CURRENCIES:
        raise CurrencyError(f"{currency!r} is not a known ISO 4217 currency code")
    table = MINOR_UNIT_OVERRIDES if overrides is None else overrides
    if currency in table:
        return table[currency]
    return _cldr_minor_unit(currency)


@lru_cache(maxsize=64)
def _exponent(places: int) -> Decimal:
    return Decimal(1).scaleb(-places, _MONEY)


class _Limits(dict[int, Decimal]):
    # The first amount refused for a minor unit of `places` decimals: 10**(MAX_DIGITS - places).
    def __missing__(self, places: int) -> Decimal:
        limit = Decimal(1).scaleb(MAX_DIGITS - places, _MONEY)
        self[places] = limit
        return limit


_LIMITS = _Limits()


_FRACTION = re.compile(r"\.0+")


class Money(Model):
    """An exact amount of one currency.

    Construct it positionally or by keyword: ``Money("10.50", "USD")`` or
    ``Money(amount=Decimal("10.50"), currency="USD")``. The amount may be a `Decimal`, an `int`
    or a numeric string; floats, NaN and infinities are rejected.

    >>> Money("10.50", "USD") + Money("0.25", "USD")
    Money(amount=Decimal('10.75'), currency='USD')
    >>> Money(1500, "COP").format("es_CO")
    '$1.500'
    """

    amount: Amount = Field(description="The exact amount; never a float.")
    currency: Currency = Field(description="ISO 4217 currency code.")

    def __init__(self, amount: Any = None, currency: Any = None, /, **data: Any) -> None:
        if amount is not None:
            data["amount"] = amount
        if currency is not None:
            data["currency"] = currency
        super().__init__(**data)

    # Validation (`model_validate`, a Money inside another model) need not go through this
    # `__init__`, which only maps positional arguments; it is faster without.
    __init__.__pydantic_base_init__ = True  # type: ignore[attr-defined]

    @model_validator(mode="before")
    @classmethod
    def _not_too_long(cls, data: Any) -> Any:
        # Refuse amounts of more than MAX_DIGITS digits. A value the field validators refuse
        # anyway (no amount, an unknown currency) is left to them.
        if not isinstance(data, dict):
            return data
        raw, currency = data.get("amount"), data.get("currency")
        if raw is None or not isinstance(currency, str) or currency not in _CURRENCIES:
            return data
        try:
            amount = to_decimal(raw)
        except PydanticCustomError:
            return data
        places = minor_unit(currency)
        if amount.copy_abs() >= _LIMITS[places]:
            raise PydanticCustomError(
                "dunning.too_many_digits",
                "amount {value} has more than {limit} digits (at most {largest} {currency})",
                {
                    "value": _cut(plain(amount)),
                    "limit": MAX_DIGITS,
                    "largest": plain(_MONEY.subtract(_LIMITS[places], _exponent(places))),
                    "currency": currency,
                },
            )
        return data

    # -- construction -----------------------------------------------------------------------

    @classmethod
    def zero(cls, currency: str) -> Money:
        """Return zero in `currency`."""
        return cls(Decimal(0), currency)

    @classmethod
    def rounded(
        cls, amount: Decimal | int | str, currency: str, rounding: Rounding | str = Rounding.HALF_UP
    ) -> Money:
        """Return `amount` rounded to the minor unit of `currency` with `rounding`.

        The explicit way to accept an amount finer than the minor unit where a
        `MinorUnitMoney` (an invoice total, a payment) refuses it.

        >>> Money.rounded("10.005", "USD"), Money.rounded("0.4", "COP")
        (Money(amount=Decimal('10.01'), currency='USD'), Money(amount=Decimal('0'), currency='COP'))
        """
        return cls(amount, currency).quantize(rounding)

    @staticmethod
    def _trusted(amount: Decimal, currency: str) -> Money:
        # Results of arithmetic on validated values are valid by construction.
        return Money._from_values({"amount": amount, "currency": currency})

    @classmethod
    def from_minor_units(
        cls, units: int, currency: str, *, overrides: Mapping[str, int] | None = None
    ) -> Money:
        """Return the amount of `units` minor units (cents, for USD) of `currency`.

        >>> Money.from_minor_units(1999, "USD")
        Money(amount=Decimal('19.99'), currency='USD')
        """
        places = minor_unit(currency, overrides)
        return cls(Decimal(units).scaleb(-places, _MONEY), currency)

    # -- inspection -------------------------------------------------------------------------

    def __str__(self) -> str:
        return f"{plain(self.amount)} {self.currency}"

    def __repr__(self) -> str:
        return f"Money(amount={self.amount!r}, currency={self.currency!r})"

    @property
    def is_zero(self) -> bool:
        """Whether the amount is zero."""
        return not self.amount

    @property
    def is_positive(self) -> bool:
        """Whether the amount is above zero."""
        return self.amount > 0

    @property
    def is_negative(self) -> bool:
        """Whether the amount is below zero."""
        return self.amount < 0

    def minor_unit(self, overrides: Mapping[str, int] | None = None) -> int:
        """Return the number of decimals of this currency's minor unit (see `minor_unit`)."""
        return minor_unit(self.currency, overrides)

    def to_minor_units(self, *, places: int | None = None) -> int:
        """Return the amount as a whole number of minor units.

        Raises:
            MoneyError: when the amount has more decimals than the minor unit.
        """
        places = self.minor_unit() if places is None else places
        scaled = self.amount.scaleb(places, _MONEY)
        if scaled != scaled.to_integral_value(context=_MONEY):
            raise MoneyError(
                f"{self} has more decimals than the {places} of its minor unit; quantize it first"
            )
        return int(scaled)

    def is_quantized(self, places: int | None = None) -> bool:
        """Whether the amount has no more decimals than the minor unit (or `places`)."""
        places = self.minor_unit() if places is None else places
        return self.amount == self.amount.quantize(
            _exponent(places), rounding=ROUND_HALF_UP, context=_MONEY
        )

    # -- rounding ---------------------------------------------------------------------------

    def quantize(
        self,
        rounding: Rounding | str = Rounding.HALF_UP,
        *,
        places: int | None = None,
        overrides: Mapping[str, int] | None = None,
    ) -> Money:
        """Round to the currency's minor unit (or to `places` decimals).

        >>> Money("2.675", "USD").quantize()
        Money(amount=Decimal('2.68'), currency='USD')
        >>> Money("2.665", "USD").quantize(Rounding.HALF_EVEN)
        Money(amount=Decimal('2.66'), currency='USD')
        >>> Money("1234.5", "COP").quantize()
        Money(amount=Decimal('1235'), currency='COP')
        """
        mode = Rounding(rounding)
        places = minor_unit(self.currency, overrides) if places is None else places
        try:
            rounded = self.amount.quantize(_exponent(places), rounding=mode.value, context=_MONEY)
        except InvalidOperation:
            raise MoneyError(
                f"{_cut(str(self))} has too many digits to round to {places} decimals"
            ) from None
        return Money._trusted(rounded, self.currency)

    # -- arithmetic -------------------------------------------------------------------------

    def _same(self, other: object, operation: str) -> Money:
        if not isinstance(other, Money):
            raise TypeError(
                f"cannot {operation} Money and {type(other).__name__}; "
                f"use Money({other!r}, {self.currency!r})"
            )
        if other.currency != self.currency:
            raise CurrencyMismatchError(
                f"cannot {operation} {self.currency} and {other.currency} amounts "
                f"({self} and {other})"
            )
        return other

    def __add__(self, other: Money) -> Money:
        return Money._trusted(
            _MONEY.add(self.amount, self._same(other, "add").amount), self.currency
        )

    def __sub__(self, other: Money) -> Money:
        return Money._trusted(
            _MONEY.subtract(self.amount, self._same(other, "subtract").amount), self.currency
        )

    def __neg__(self) -> Money:
        return Money._trusted(_MONEY.minus(self.amount), self.currency)

    def __pos__(self) -> Money:
        return self

    def __abs__(self) -> Money:
        return Money._trusted(_MONEY.abs(self.amount), self.currency)

    def __mul__(self, factor: Decimal | int) -> Money:
        if isinstance(factor, bool) or not isinstance(factor, Decimal | int):
            raise TypeError(
                f"Money can be multiplied by a Decimal or an int, not {type(factor).__name__} "
                f"{factor!r}"
            )
        if isinstance(factor, Decimal) and not factor.is_finite():
            raise MoneyError(f"cannot multiply {self} by {factor}: money is always finite")
        return Money._trusted(_MONEY.multiply(self.amount, factor), self.currency)

    __rmul__ = __mul__

    def percent(self, rate: Decimal | int | str) -> Money:
        """Return `rate` percent of this amount, exactly (not rounded).

        >>> Money("250.00", "USD").percent("1.5")
        Money(amount=Decimal('3.750'), currency='USD')
        """
        try:
            factor = to_decimal(rate, what="percent")
        except PydanticCustomError as error:
            raise MoneyError(error.message()) from None
        return Money._trusted(
            _MONEY.divide(_MONEY.multiply(self.amount, factor), _HUNDRED), self.currency
        )

    def __lt__(self, other: Money) -> bool:
        return self.amount < self._same(other, "compare").amount

    def __le__(self, other: Money) -> bool:
        return self.amount <= self._same(other, "compare").amount

    def __gt__(self, other: Money) -> bool:
        return self.amount > self._same(other, "compare").amount

    def __ge__(self, other: Money) -> bool:
        return self.amount >= self._same(other, "compare").amount

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        return self.currency == other.currency and self.amount == other.amount

    def __hash__(self) -> int:
        return hash((self.amount, self.currency))

    def __bool__(self) -> bool:
        return bool(self.amount)

    def min(self, other: Money) -> Money:
        """Return the smaller of this amount and `other` (same currency)."""
        return self if self <= other else other

    def max(self, other: Money) -> Money:
        """Return the larger of this amount and `other` (same currency)."""
        return self if self >= other else other

    @staticmethod
    def sum(amounts: Iterable[Money], currency: str) -> Money:
        """Add `amounts` (all in `currency`); the sum of nothing is zero in `currency`.

        Raises:
            CurrencyMismatchError: when an amount is in another currency.
        """
        total = Money.zero(currency)
        for amount in amounts:
            total = total + amount
        return total

    # -- splitting --------------------------------------------------------------------------

    def _units(self, places: int | None) -> tuple[int, int]:
        places = self.minor_unit() if places is None else places
        return self.to_minor_units(places=places), places

    def split(
        self,
        parts: int,
        *,
        remainder: Literal["first", "last"] = "first",
        places: int | None = None,
    ) -> tuple[Money, ...]:
        """Split into `parts` amounts that differ by at most one minor unit and sum exactly.

        The leftover minor units go one each to the first parts (``remainder="first"``, the
        default) or to the last ones.

        >>> [str(p) for p in Money("10.00", "USD").split(3, remainder="last")]
        ['3.33 USD', '3.33 USD', '3.34 USD']

        Raises:
            MoneyError: when `parts` is below 1 or the amount is not in whole minor units.
        """
        if isinstance(parts, bool) or not isinstance(parts, int) or parts < 1:
            raise MoneyError(f"parts must be a whole number of at least 1, not {parts!r}")
        if remainder not in ("first", "last"):
            raise MoneyError(f"remainder must be 'first' or 'last', not {remainder!r}")
        units, places = self._units(places)
        sign = -1 if units < 0 else 1
        base, extra = divmod(abs(units), parts)
        counts = [base + 1 if i < extra else base for i in range(parts)]
        if remainder == "last":
            counts.reverse()
        return tuple(
            Money._trusted(Decimal(sign * count).scaleb(-places, _MONEY), self.currency)
            for count in counts
        )

    def allocate(
        self,
        ratios: Sequence[Decimal | int | str],
        *,
        tie_break: Literal["first", "last"] = "first",
        places: int | None = None,
    ) -> tuple[Money, ...]:
        """Share the amount in proportion to `ratios` by the largest-remainder method.

        Each part first gets the whole minor units of its exact share; the units left over go,
        one each, to the parts with the largest fractional remainders. Equal remainders are
        broken by position: the earlier part first (``tie_break="first"``) or the later one.
        The parts always sum exactly to the whole; a zero ratio gets zero.

        >>> [str(p) for p in Money("100.00", "USD").allocate([1, 1, 1])]
        ['33.34 USD', '33.33 USD', '33.33 USD']
        >>> [str(p) for p in Money("0.05", "USD").allocate([3, 7])]
        ['0.02 USD', '0.03 USD']

        Raises:
            MoneyError: when there are no ratios, a ratio is negative, they sum to zero, or
                the amount is not in whole minor units.
        """
        if tie_break not in ("first", "last"):
            raise MoneyError(f"tie_break must be 'first' or 'last', not {tie_break!r}")
        if not ratios:
            raise MoneyError("allocate needs at least one ratio")
        weights: list[Fraction] = []
        for index, ratio in enumerate(ratios):
            try:
                value = to_decimal(ratio, what=f"ratios[{index}]")
            except PydanticCustomError as error:
                raise MoneyError(error.message()) from None
            if value < 0:
                raise MoneyError(f"ratios[{index}] is {value}; ratios must not be negative")
            weights.append(Fraction(value))
        total_weight = sum(weights, Fraction(0))
        if total_weight == 0:
            raise MoneyError("ratios sum to zero; at least one ratio must be above zero")
        units, places = self._units(places)
        sign = -1 if units < 0 else 1
        whole = abs(units)
        shares = [whole * weight / total_weight for weight in weights]
        counts = [share.numerator // share.denominator for share in shares]
        leftover = whole - sum(counts)
        order = sorted(
            range(len(shares)),
            key=lambda i: (-(shares[i] - counts[i]), i if tie_break == "first" else -i),
        )
        for i in order[:leftover]:
            counts[i] += 1
        return tuple(
            Money._trusted(Decimal(sign * count).scaleb(-places, _MONEY), self.currency)
            for count in counts
        )

    # -- formatting -------------------------------------------------------------------------

    def format(
        self,
        locale: str = "en_US",
        *,
        places: int | None = None,
        overrides: Mapping[str, int] | None = None,
    ) -> str:
        r"""Format for `locale` with babel, showing the minor unit's decimals (or `places`).

        >>> Money("1234567.5", "USD").format("en_US")
        '$1,234,567.50'
        >>> Money("1234567", "COP").format("es_CO")
        '$1.234.567'
        >>> Money("1234.5", "BRL").format("pt_BR")
        'R$\xa01.234,50'

        Raises:
            CurrencyError: when `locale` is not a locale babel knows.
        """
        places = minor_unit(self.currency, overrides) if places is None else places
        try:
            pattern = _currency_pattern(locale, places)
        except (UnknownLocaleError, ValueError) as error:
            raise CurrencyError(f"unknown locale {locale!r}: {error}") from None
        rounded = self.amount.quantize(_exponent(places), rounding=ROUND_HALF_UP, context=_MONEY)
        return format_currency(
            rounded, self.currency, format=pattern, locale=locale, currency_digits=False
        )


def _in_minor_units(value: Money, info: ValidationInfo) -> Money:
    places = minor_unit(value.currency)
    rounded = value.amount.quantize(_exponent(places), rounding=ROUND_HALF_UP, context=_MONEY)
    if rounded == value.amount:
        return value
    context = info.context
    mode = context.get(ROUND_TO_MINOR_UNIT) if isinstance(context, Mapping) else None
    if mode is None:
        raise PydanticCustomError(
            "dunning.sub_minor_unit",
            "amount {value} has more decimals than the {places} of the {currency} minor unit; "
            "round it first (Money.rounded, or the readers' round_to_minor_unit option)",
            {"value": _cut(plain(value.amount)), "places": places, "currency": value.currency},
        )
    return value.quantize(Rounding(mode))


#: `Money` with no more decimals than its currency's minor unit: what an invoice, a payment,
#: a credit note or a charge holds. ``10.005 USD`` or ``0.5 COP`` is refused (error type
#: ``dunning.sub_minor_unit``) unless the validation context asks for rounding:
#: ``Invoice.model_validate(data, context={ROUND_TO_MINOR_UNIT: "ROUND_HALF_UP"})``.
MinorUnitMoney = Annotated[Money, AfterValidator(_in_minor_units)]


@lru_cache(maxsize=256)
def _currency_pattern(locale: str, places: int) -> str:
    pattern = Locale.parse(locale).currency_formats["standard"].pattern
    fraction = "." + "0" * places if places else ""
    return _FRACTION.sub(fraction, pattern)
