from decimal import Decimal, Inexact, Rounded, localcontext

import pytest
from pydantic import ValidationError

from dunning.errors import CurrencyError, CurrencyMismatchError, MoneyError
from dunning.money import (
    MINOR_UNIT_OVERRIDES,
    Money,
    Rounding,
    minor_unit,
    money_context,
    plain,
    to_decimal,
)


def _error(exc: pytest.ExceptionInfo[ValidationError]) -> tuple[str, str, str]:
    (entry,) = exc.value.errors()
    return ".".join(map(str, entry["loc"])), entry["type"], entry["msg"]


class TestConstruction:
    def test_positional_and_keyword_agree(self) -> None:
        assert Money("10.50", "USD") == Money(amount=Decimal("10.50"), currency="USD")

    def test_int_and_string_amounts(self) -> None:
        assert Money(5, "COP").amount == Decimal(5)
        assert Money(" 1.25 ", "EUR").amount == Decimal("1.25")

    @pytest.mark.parametrize(
        ("value", "error_type", "message"),
        [
            (
                1.5,
                "dunning.float",
                "amount must be a Decimal, an int or a numeric string, not float 1.5",
            ),
            (True, "dunning.float", "not bool True"),
            ("nan", "dunning.not_finite", "amount must be a finite number, not NaN"),
            (Decimal("-Infinity"), "dunning.not_finite", "not -Infinity"),
            ("12,50", "dunning.decimal", "amount '12,50' is not a decimal number"),
            ([1], "dunning.decimal", "not list"),
        ],
    )
    def test_bad_amounts(self, value: object, error_type: str, message: str) -> None:
        with pytest.raises(ValidationError) as exc:
            Money(value, "USD")
        field, kind, text = _error(exc)
        assert (field, kind) == ("amount", error_type)
        assert message in text

    @pytest.mark.parametrize("code", ["ZZZ", "usd", "", "US"])
    def test_unknown_currency(self, code: str) -> None:
        with pytest.raises(ValidationError) as exc:
            Money("1", code)
        field, kind, text = _error(exc)
        assert (field, kind) == ("currency", "dunning.currency")
        assert text.startswith(f"{code!r} is not a known ISO 4217 currency code")

    def test_missing_amount(self) -> None:
        with pytest.raises(ValidationError, match="amount"):
            Money(currency="USD")

    def test_immutable(self) -> None:
        money = Money("1.00", "USD")
        with pytest.raises(ValidationError, match="frozen"):
            money.amount = Decimal(2)  # type: ignore[misc]

    def test_json_round_trip_keeps_every_digit(self) -> None:
        money = Money("1234.5678", "KWD")
        text = money.model_dump_json()
        assert text == '{"amount":"1234.5678","currency":"KWD"}'
        assert Money.model_validate_json(text) == money

    def test_zero_and_minor_units(self) -> None:
        assert Money.zero("CLP").is_zero
        assert Money.from_minor_units(1999, "USD") == Money("19.99", "USD")
        assert Money.from_minor_units(1999, "KWD") == Money("1.999", "KWD")
        assert Money.from_minor_units(1999, "COP") == Money("1999", "COP")
        assert Money("19.99", "USD").to_minor_units() == 1999

    def test_to_minor_units_refuses_fractions(self) -> None:
        with pytest.raises(MoneyError, match=r"10\.005 USD has more decimals than the 2"):
            Money("10.005", "USD").to_minor_units()

    def test_repr_and_str(self) -> None:
        assert str(Money("3.10", "USD")) == "3.10 USD"
        assert repr(Money("3.10", "USD")) == "Money(amount=Decimal('3.10'), currency='USD')"


class TestMinorUnit:
    def test_cldr_and_overrides(self) -> None:
        assert minor_unit("USD") == 2
        assert minor_unit("JPY") == 0
        assert minor_unit("COP") == 0
        assert minor_unit("CLP") == 0
        assert minor_unit("KWD") == 3
        # An empty table leaves CLDR's figure, whichever release of CLDR babel ships.
        assert minor_unit("USD", overrides={}) == 2
        assert minor_unit("USD", overrides={"USD": 4}) == 4
        assert minor_unit("USD", overrides={"COP": 0}) == 2
        assert MINOR_UNIT_OVERRIDES["COP"] == 0

    def test_unknown(self) -> None:
        with pytest.raises(CurrencyError, match="'XYZ' is not a known ISO 4217"):
            minor_unit("XYZ")


class TestRounding:
    @pytest.mark.parametrize(
        ("amount", "currency", "rounding", "expected"),
        [
            ("2.675", "USD", Rounding.HALF_UP, "2.68"),
            ("2.665", "USD", Rounding.HALF_EVEN, "2.66"),
            ("2.675", "USD", Rounding.HALF_EVEN, "2.68"),
            ("-2.675", "USD", Rounding.HALF_UP, "-2.68"),
            ("1234.5", "COP", Rounding.HALF_UP, "1235"),
            ("1234.5", "COP", Rounding.HALF_EVEN, "1234"),
            ("1.2345", "KWD", Rounding.HALF_UP, "1.235"),
        ],
    )
    def test_quantize(self, amount: str, currency: str, rounding: Rounding, expected: str) -> None:
        result = Money(amount, currency).quantize(rounding)
        assert result.amount == Decimal(expected)
        assert str(result.amount) == expected

    def test_places_and_overrides(self) -> None:
        assert Money("1.005", "USD").quantize(overrides={}).amount == Decimal("1.01")
        assert Money("1.005", "USD").quantize(overrides={"USD": 0}).amount == Decimal("1")
        assert Money("1.00549", "USD").quantize(places=3).amount == Decimal("1.005")

    def test_rounding_by_name(self) -> None:
        assert Money("0.125", "USD").quantize("ROUND_HALF_EVEN").amount == Decimal("0.12")

    def test_is_quantized(self) -> None:
        assert Money("1.10", "USD").is_quantized()
        assert not Money("1.105", "USD").is_quantized()
        assert Money("1.105", "USD").is_quantized(places=3)


class TestArithmetic:
    def test_add_sub_neg_abs(self) -> None:
        a, b = Money("10.25", "USD"), Money("0.75", "USD")
        assert a + b == Money("11.00", "USD")
        assert a - b == Money("9.50", "USD")
        assert -a == Money("-10.25", "USD")
        assert abs(-a) == a
        assert +a is a

    def test_multiply_exact(self) -> None:
        assert Money("18.91", "USD") * Decimal("1.5") == Money("28.365", "USD")
        assert 3 * Money("0.10", "USD") == Money("0.30", "USD")

    @pytest.mark.parametrize("factor", [1.5, "2", True])
    def test_multiply_refuses(self, factor: object) -> None:
        with pytest.raises(TypeError, match="multiplied by a Decimal or an int"):
            Money("1", "USD") * factor  # type: ignore[operator]

    def test_percent(self) -> None:
        assert Money("250.00", "USD").percent("1.5") == Money("3.75", "USD")
        assert Money("1000", "COP").percent(Decimal("2")).amount == Decimal(20)

    def test_mixing_currencies_raises(self) -> None:
        with pytest.raises(
            CurrencyMismatchError, match=r"cannot add USD and EUR amounts \(1 USD and 1 EUR\)"
        ):
            Money(1, "USD") + Money(1, "EUR")
        with pytest.raises(CurrencyMismatchError, match="cannot compare USD and EUR"):
            _ = Money(1, "USD") < Money(1, "EUR")

    def test_adding_a_number_raises(self) -> None:
        with pytest.raises(TypeError, match=r"cannot add Money and int; use Money\(1, 'USD'\)"):
            Money(1, "USD") + 1  # type: ignore[operator]

    def test_comparisons(self) -> None:
        a, b = Money("1.00", "USD"), Money("2", "USD")
        assert a < b and a <= b and b > a and b >= a
        assert Money("1.0", "USD") == Money("1.00", "USD")
        assert hash(Money("1.0", "USD")) == hash(Money("1.00", "USD"))
        assert Money("1", "USD") != Money("1", "EUR")
        assert Money("1", "USD") != 1
        assert a.min(b) == a and a.max(b) == b and b.min(a) == a and b.max(a) == b

    def test_sign_properties(self) -> None:
        assert Money("1", "USD").is_positive and not Money("1", "USD").is_negative
        assert Money("-1", "USD").is_negative
        assert not Money("0", "USD") and Money("0.01", "USD")

    def test_sum(self) -> None:
        amounts = [Money("1.10", "USD"), Money("2.20", "USD")]
        assert Money.sum(amounts, "USD") == Money("3.30", "USD")
        assert Money.sum([], "CLP") == Money.zero("CLP")


class TestSplit:
    def test_remainder_first_and_last(self) -> None:
        total = Money("100.00", "USD")
        assert [p.amount for p in total.split(3)] == [
            Decimal("33.34"),
            Decimal("33.33"),
            Decimal("33.33"),
        ]
        assert [p.amount for p in total.split(3, remainder="last")] == [
            Decimal("33.33"),
            Decimal("33.33"),
            Decimal("33.34"),
        ]

    def test_zero_decimal_currency(self) -> None:
        parts = Money(1_000_000, "COP").split(3)
        assert [p.amount for p in parts] == [Decimal(333_334), Decimal(333_333), Decimal(333_333)]

    def test_negative_amount(self) -> None:
        assert [p.amount for p in Money("-0.05", "USD").split(2)] == [
            Decimal("-0.03"),
            Decimal("-0.02"),
        ]

    def test_more_parts_than_units(self) -> None:
        assert [p.amount for p in Money("0.02", "USD").split(3)] == [
            Decimal("0.01"),
            Decimal("0.01"),
            Decimal("0.00"),
        ]

    @pytest.mark.parametrize("parts", [0, -1, True, 1.0])
    def test_bad_parts(self, parts: object) -> None:
        with pytest.raises(MoneyError, match="parts must be a whole number of at least 1"):
            Money("1", "USD").split(parts)  # type: ignore[arg-type]

    def test_bad_remainder(self) -> None:
        with pytest.raises(MoneyError, match="remainder must be 'first' or 'last', not 'middle'"):
            Money("1", "USD").split(2, remainder="middle")  # type: ignore[arg-type]

    def test_unquantized_amount(self) -> None:
        with pytest.raises(MoneyError, match="quantize it first"):
            Money("1.001", "USD").split(2)


class TestAllocate:
    def test_largest_remainder(self) -> None:
        parts = Money("100.00", "USD").allocate([Decimal("0.5"), Decimal("0.3"), Decimal("0.2")])
        assert [p.amount for p in parts] == [Decimal("50.00"), Decimal("30.00"), Decimal("20.00")]
        # 1000 cents in 3:3:1 -> 428.571.., 428.571.., 142.857..: floors 428, 428, 142 (998);
        # the two cents left go to the largest remainders: .857 (third), then .571 (first of
        # the two tied, by position).
        parts = Money("10.00", "USD").allocate([3, 3, 1])
        assert [p.amount for p in parts] == [Decimal("4.29"), Decimal("4.28"), Decimal("1.43")]

    def test_tie_break(self) -> None:
        assert [p.amount for p in Money("0.05", "USD").allocate([1, 1])] == [
            Decimal("0.03"),
            Decimal("0.02"),
        ]
        assert [p.amount for p in Money("0.05", "USD").allocate([1, 1], tie_break="last")] == [
            Decimal("0.02"),
            Decimal("0.03"),
        ]

    def test_zero_ratio_gets_zero(self) -> None:
        parts = Money("1.00", "USD").allocate([0, 1, 0])
        assert [p.amount for p in parts] == [Decimal(0), Decimal("1.00"), Decimal(0)]

    def test_negative_amount(self) -> None:
        parts = Money("-1.00", "USD").allocate([1, 2])
        assert [p.amount for p in parts] == [Decimal("-0.33"), Decimal("-0.67")]

    @pytest.mark.parametrize(
        ("ratios", "message"),
        [
            ([], "allocate needs at least one ratio"),
            ([1, -1], r"ratios\[1\] is -1; ratios must not be negative"),
            ([0, 0], "ratios sum to zero"),
            ([1, 0.5], r"ratios\[1\] must be a Decimal"),
        ],
    )
    def test_bad_ratios(self, ratios: list[object], message: str) -> None:
        with pytest.raises(MoneyError, match=message):
            Money("1", "USD").allocate(ratios)  # type: ignore[arg-type]

    def test_bad_tie_break(self) -> None:
        with pytest.raises(MoneyError, match="tie_break must be 'first' or 'last'"):
            Money("1", "USD").allocate([1], tie_break="random")  # type: ignore[arg-type]


class TestFormat:
    @pytest.mark.parametrize(
        ("amount", "currency", "locale", "expected"),
        [
            ("1234567.5", "USD", "en_US", "$1,234,567.50"),
            ("1234567", "COP", "es_CO", "$1.234.567"),
            ("1234567.6", "COP", "es_CO", "$1.234.568"),
            ("1234567", "CLP", "es_CL", "$1.234.567"),
            ("1234.5", "MXN", "es_MX", "$1,234.50"),
            ("1234.5", "BRL", "pt_BR", "R$\xa01.234,50"),
            ("1.5", "KWD", "en_US", "KWD1.500"),
        ],
    )
    def test_locales(self, amount: str, currency: str, locale: str, expected: str) -> None:
        assert Money(amount, currency).format(locale) == expected

    def test_places(self) -> None:
        assert Money("1234", "COP").format("es_CO", places=2) == "$1.234,00"

    def test_unknown_locale(self) -> None:
        with pytest.raises(CurrencyError, match="unknown locale 'xx_YY'"):
            Money("1", "USD").format("xx_YY")


def test_to_decimal_names_the_field() -> None:
    from pydantic_core import PydanticCustomError

    with pytest.raises(PydanticCustomError, match="percent must be a Decimal"):
        to_decimal(0.1, what="percent")
    assert to_decimal(7) == Decimal(7)


class TestOwnDecimalContext:
    """Money gives the same figures whatever the caller's decimal context."""

    def test_split_sums_with_a_six_digit_caller_context(self) -> None:
        with localcontext() as context:
            context.prec = 6
            parts = Money("1234567.89", "USD").split(3)
            assert [str(part) for part in parts] == [
                "411522.63 USD",
                "411522.63 USD",
                "411522.63 USD",
            ]
            assert Money.sum(parts, "USD") == Money("1234567.89", "USD")
            assert str(Money("999999.99", "USD") + Money("0.02", "USD")) == "1000000.01 USD"

    def test_a_31_digit_amount_split_in_two_keeps_every_cent(self) -> None:
        whole = Money("12345678901234567890123456789.01", "USD")
        first, second = whole.split(2)
        assert str(first) == "6172839450617283945061728394.51 USD"
        assert str(second) == "6172839450617283945061728394.50 USD"
        assert first + second == whole
        assert whole.to_minor_units() == 1234567890123456789012345678901

    def test_a_caller_trapping_inexact_changes_nothing(self) -> None:
        with localcontext() as context:
            context.traps[Inexact] = True
            context.traps[Rounded] = True
            assert str(Money("100.00", "USD").percent("33.333")) == "33.33300 USD"
            assert str((Money("10.00", "USD") * Decimal("0.333")).quantize()) == "3.33 USD"
            assert str(Money("2.675", "USD").quantize()) == "2.68 USD"
            assert [str(p) for p in Money("0.05", "USD").allocate([3, 7])] == [
                "0.02 USD",
                "0.03 USD",
            ]

    def test_money_context_is_a_fresh_copy(self) -> None:
        context = money_context()
        assert context.prec == 100 and not context.traps[Inexact]
        context.prec = 3
        assert money_context().prec == 100


class TestLimits:
    def test_not_finite_factors_are_refused(self) -> None:
        for factor in (Decimal("NaN"), Decimal("sNaN"), Decimal("Infinity"), Decimal("-Inf")):
            with pytest.raises(MoneyError, match="money is always finite"):
                Money("1.00", "USD") * factor
        with pytest.raises(MoneyError, match="percent must be a finite number, not NaN"):
            Money("1.00", "USD").percent("NaN")

    def test_more_than_34_digits_are_refused(self) -> None:
        assert Money("99999999999999999999999999999999.99", "USD").amount.adjusted() == 31
        with pytest.raises(ValidationError) as exc:
            Money("100000000000000000000000000000000", "USD")
        _, kind, text = _error(exc)
        assert kind == "dunning.too_many_digits"
        assert text == (
            "amount 100000000000000000000000000000000 has more than 34 digits "
            "(at most 99999999999999999999999999999999.99 USD)"
        )
        with pytest.raises(ValidationError, match="at most 9999999999999999999999999999999999 COP"):
            Money("1e34", "COP")

    def test_absurd_exponents_are_refused_before_any_arithmetic(self) -> None:
        with pytest.raises(ValidationError) as exc:
            Money("1e999999999", "USD")
        assert _error(exc)[1:] == (
            "dunning.too_many_digits",
            "amount 1E+999999999 needs more than 100 digits in plain notation",
        )
        with pytest.raises(ValidationError, match=r"dunning\.too_many_digits"):
            Money("1e-101", "USD")

    def test_exponent_notation_is_written_plain(self) -> None:
        money = Money("1e3", "USD")
        assert money.amount == Decimal(1000) and str(money.amount) == "1000"
        assert money.model_dump_json() == '{"amount":"1000","currency":"USD"}'
        assert str(Money("1.5E+2", "USD")) == "150 USD"
        assert str(Money("-0", "USD")) == "0 USD"
        # Results of arithmetic are written plain too.
        assert str(Money("1000", "USD") * Decimal("1E+3")) == "1000000 USD"
        assert plain(Decimal("2E+5")) == "200000"

    def test_rounded_is_the_explicit_way_to_round_a_fraction_of_a_minor_unit(self) -> None:
        assert Money.rounded("10.005", "USD") == Money("10.01", "USD")
        assert Money.rounded("10.005", "USD", Rounding.HALF_EVEN) == Money("10.00", "USD")
        assert Money.rounded("0.001", "COP") == Money("0", "COP")

    def test_minor_unit_overrides_are_read_only(self) -> None:
        with pytest.raises(TypeError, match="does not support item assignment"):
            MINOR_UNIT_OVERRIDES["USD"] = 0  # type: ignore[index]
        assert minor_unit("USD") == 2
        assert minor_unit("USD", overrides={"USD": 0}) == 0


@pytest.mark.parametrize("text", ["1_000", "١٢٣", "１２３", "1.5.0", "0x10", "1e", ""])
def test_amounts_are_ascii_decimal_numbers(text: str) -> None:
    with pytest.raises(ValidationError) as exc:
        Money(text, "USD")
    assert _error(exc)[1] == "dunning.decimal"


@pytest.mark.parametrize(("text", "expected"), [("+1.5", "1.5"), (".5", "0.5"), ("1.", "1")])
def test_plain_forms_of_a_number(text: str, expected: str) -> None:
    assert Money(text, "USD").amount == Decimal(expected)
