from datetime import date
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from pydantic import ValidationError

from dunning.errors import (
    CurrencyMismatchError,
    InputError,
    RateNotFoundError,
    StaleRateError,
    StaleRateWarning,
)
from dunning.money import Money
from dunning.rates import (
    CSV_HEADER,
    RATE_PLACES,
    RatePoint,
    RateSegment,
    RateTable,
    ReferenceRate,
    UnitOfAccount,
    UnitValue,
    effective_annual_from_monthly,
    effective_annual_to_nominal,
    effective_annual_to_periodic,
    effective_monthly_from_annual,
    multiply_rate,
    nominal_to_effective_annual,
    periodic_to_effective_annual,
)

# ECB main refinancing operations rate, 2023-2024.
ECB = RateTable(
    name="ECB MRO",
    points=(
        RatePoint(effective_from=date(2023, 9, 20), rate=Decimal("4.50")),
        RatePoint(effective_from=date(2024, 6, 12), rate=Decimal("4.25")),
        RatePoint(effective_from=date(2024, 9, 18), rate=Decimal("3.65")),
        RatePoint(effective_from=date(2024, 10, 23), rate=Decimal("3.40")),
    ),
    source="European Central Bank",
    updated=date(2024, 12, 1),
)


# -- RatePoint, RateSegment -------------------------------------------------------------------


def test_rate_point_rejects_floats() -> None:
    with pytest.raises(
        ValidationError,
        match=r"rate\n  amount must be a Decimal, an int or a numeric string, not float 4.5: "
        r"binary floats cannot hold most decimal fractions exactly \[type=dunning.float",
    ):
        RatePoint(effective_from=date(2024, 1, 1), rate=4.5)  # type: ignore[arg-type]


def test_segment_days_and_order() -> None:
    assert (
        RateSegment(first_day=date(2024, 2, 1), last_day=date(2024, 2, 29), rate=Decimal(1)).days
        == 29
    )
    assert (
        RateSegment(first_day=date(2024, 2, 1), last_day=date(2024, 2, 1), rate=Decimal(1)).days
        == 1
    )
    with pytest.raises(
        ValidationError,
        match=r"last_day 2024-01-31 is before first_day 2024-02-01; a segment holds at least "
        r"one day \[type=dunning.segment",
    ):
        RateSegment(first_day=date(2024, 2, 1), last_day=date(2024, 1, 31), rate=Decimal(1))


# -- RateTable --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "rate"),
    [
        (date(2023, 9, 20), Decimal("4.50")),
        (date(2024, 6, 11), Decimal("4.50")),
        (date(2024, 6, 12), Decimal("4.25")),
        (date(2024, 9, 17), Decimal("4.25")),
        (date(2024, 9, 18), Decimal("3.65")),
        (date(2030, 1, 1), Decimal("3.40")),
    ],
)
def test_rate_on(day: date, rate: Decimal) -> None:
    assert ECB.rate_on(day) == rate


def test_rate_on_before_the_first_point() -> None:
    with pytest.raises(
        RateNotFoundError,
        match=r"^rate table 'ECB MRO' has no rate on 2023-09-19: it starts on 2023-09-20$",
    ):
        ECB.rate_on(date(2023, 9, 19))
    with pytest.raises(LookupError):
        ECB.segments(date(2023, 9, 1), date(2023, 12, 31))


def test_segments_across_changes() -> None:
    segments = ECB.segments(date(2024, 9, 1), date(2024, 10, 31))
    assert [(s.first_day, s.last_day, s.rate, s.days) for s in segments] == [
        (date(2024, 9, 1), date(2024, 9, 17), Decimal("4.25"), 17),
        (date(2024, 9, 18), date(2024, 10, 22), Decimal("3.65"), 35),
        (date(2024, 10, 23), date(2024, 10, 31), Decimal("3.40"), 9),
    ]
    assert sum(s.days for s in segments) == 61


def test_segments_within_one_rate_and_on_boundaries() -> None:
    assert ECB.segments(date(2024, 7, 1), date(2024, 7, 1)) == (
        RateSegment(first_day=date(2024, 7, 1), last_day=date(2024, 7, 1), rate=Decimal("4.25")),
    )
    # A period ending the day a new rate starts takes one day at the new rate.
    assert [s.days for s in ECB.segments(date(2024, 9, 1), date(2024, 9, 18))] == [17, 1]
    # A period starting on a change takes only the new rate.
    assert len(ECB.segments(date(2024, 9, 18), date(2024, 9, 30))) == 1


def test_segments_of_an_empty_period() -> None:
    assert ECB.segments(date(2024, 9, 2), date(2024, 9, 1)) == ()
    # No rate is needed for an empty period, even before the table starts.
    assert ECB.segments(date(2020, 1, 2), date(2020, 1, 1)) == ()


def test_segments_merge_equal_rates() -> None:
    table = RateTable.from_rows(
        [("2024-01-01", "10"), ("2024-02-01", "10.00"), ("2024-03-01", "12"), ("2024-04-01", "10")],
        name="steps",
    )
    assert [
        (s.first_day, s.last_day, s.rate)
        for s in table.segments(date(2024, 1, 15), date(2024, 4, 15))
    ] == [
        (date(2024, 1, 15), date(2024, 2, 29), Decimal("10")),
        (date(2024, 3, 1), date(2024, 3, 31), Decimal("12")),
        (date(2024, 4, 1), date(2024, 4, 15), Decimal("10")),
    ]


@pytest.mark.parametrize(
    ("points", "message"),
    [
        (
            (),
            r"points\n  points is empty; a rate table needs at least one point "
            r"\[type=dunning.rate_points",
        ),
        (
            (
                RatePoint(effective_from=date(2024, 1, 1), rate=Decimal(1)),
                RatePoint(effective_from=date(2024, 3, 1), rate=Decimal(2)),
                RatePoint(effective_from=date(2024, 2, 1), rate=Decimal(3)),
            ),
            r"points\n  points\[2\] takes effect on 2024-02-01, which is not after 2024-03-01 of "
            r"points\[1\]; points must be in strictly ascending order of effective_from "
            r"\[type=dunning.rate_points",
        ),
        (
            (
                RatePoint(effective_from=date(2024, 1, 1), rate=Decimal(1)),
                RatePoint(effective_from=date(2024, 1, 1), rate=Decimal(2)),
            ),
            r"points\[1\] takes effect on 2024-01-01, which is not after 2024-01-01 of points\[0\]",
        ),
    ],
)
def test_bad_points(points: tuple[RatePoint, ...], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        RateTable(name="bad", points=points)


def test_name_is_required() -> None:
    with pytest.raises(ValidationError, match=r"name\n  String should have at least 1 character"):
        RateTable(name="", points=ECB.points)


def test_plus_adds_a_spread() -> None:
    late = ECB.plus(Decimal("8"))
    assert late.name == "ECB MRO + 8"
    assert late.rate_on(date(2024, 10, 1)) == Decimal("11.65")
    assert [p.effective_from for p in late.points] == [p.effective_from for p in ECB.points]
    assert late.source == ECB.source
    assert ECB.plus("-0.5").name == "ECB MRO - 0.5"
    assert ECB.plus(-1).rate_on(date(2024, 10, 1)) == Decimal("2.65")
    with pytest.raises(TypeError, match=r"^spread must be a Decimal, .* not float 8.0"):
        ECB.plus(8.0)  # type: ignore[arg-type]


def test_table_is_frozen_and_round_trips() -> None:
    with pytest.raises(ValidationError, match="Instance is frozen"):
        ECB.name = "other"  # type: ignore[misc]
    text = ECB.model_dump_json()
    assert '"rate":"4.50"' in text
    again = RateTable.model_validate_json(text)
    assert again == ECB
    assert again.rate_on(date(2024, 9, 18)) == Decimal("3.65")
    assert RateTable.model_construct(**dict(ECB)).rate_on(date(2024, 9, 18)) == Decimal("3.65")


# -- CSV --------------------------------------------------------------------------------------

CSV = """\
# Certified by the Superintendencia Financiera de Colombia for consumer credit.
# source: Superintendencia Financiera de Colombia
# updated: 2024-12-27

effective_from, rate_percent
2024-10-01,26.79
2024-11-01,25.77
2024-12-01,25.27
"""


def test_from_csv_text() -> None:
    table = RateTable.from_csv(CSV, name="CO IBC consumo")
    assert table.name == "CO IBC consumo"
    assert table.source == "Superintendencia Financiera de Colombia"
    assert table.updated == date(2024, 12, 27)
    assert table.points[0] == RatePoint(effective_from=date(2024, 10, 1), rate=Decimal("26.79"))
    assert len(table.points) == 3


def test_from_csv_file_named_by_its_stem(tmp_path: Path) -> None:
    path = tmp_path / "co_ibc.csv"
    path.write_text(CSV, encoding="utf-8")
    assert RateTable.from_csv(path).name == "co_ibc"
    assert RateTable.from_csv(str(path)).name == "co_ibc"
    assert RateTable.from_csv(path, name="IBC").name == "IBC"


def test_name_comment_and_round_trip() -> None:
    text = "# name: IBC\n" + CSV
    table = RateTable.from_csv(text)
    assert table.name == "IBC"
    assert RateTable.from_csv(table.to_csv()) == table
    assert table.to_csv().splitlines()[:4] == [
        "# name: IBC",
        "# source: Superintendencia Financiera de Colombia",
        "# updated: 2024-12-27",
        CSV_HEADER,
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "2024-01-01,10\n",
            r"^line 1: expected the header 'effective_from,rate_percent', found '2024-01-01,10'$",
        ),
        ("# only a comment\n\n", r"^no header line 'effective_from,rate_percent' found$"),
        (f"{CSV_HEADER}\n", r"^rate table 'x' has no rows; it needs at least one$"),
        (
            f"{CSV_HEADER}\n2024-01-01\n",
            r"^line 2: expected 2 fields \(effective_from,rate_percent\), found 1$",
        ),
        (f"{CSV_HEADER}\n2024-01-01,1,2\n", r"^line 2: expected 2 fields .*found 3$"),
        (f"{CSV_HEADER}\n2024-13-01,10\n", r"^line 2: '2024-13-01' is not a date \(YYYY-MM-DD\)$"),
        (
            f"{CSV_HEADER}\n2024-01-01,ten\n",
            r"^line 2: rate_percent 'ten' is not a decimal number$",
        ),
        (
            f"{CSV_HEADER}\n2024-01-01,inf\n",
            r"^line 2: rate_percent must be a finite number, not Infinity$",
        ),
        (
            f"{CSV_HEADER}\n2024-02-01,10\n\n2024-01-01,11\n",
            r"^line 4: 2024-01-01 is not after 2024-02-01 of line 2; rows must be in strictly "
            r"ascending order of effective_from$",
        ),
        (
            f"# updated: yesterday\n{CSV_HEADER}\n2024-01-01,10\n",
            r"^'# updated: yesterday' is not a date \(YYYY-MM-DD\)$",
        ),
    ],
)
def test_bad_csv(text: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        RateTable.from_csv(text, name="x")


def test_minimal_csv_round_trip() -> None:
    table = RateTable.from_rows([(date(2024, 1, 1), Decimal("12.50"))], name="flat")
    assert table.to_csv() == f"# name: flat\n{CSV_HEADER}\n2024-01-01,12.50\n"
    assert RateTable.from_csv(table.to_csv()) == table


def test_csv_without_a_name() -> None:
    with pytest.raises(
        InputError, match=r"^the rate table has no name: pass name=\.\.\. or add '# name: \.\.\.'$"
    ):
        RateTable.from_csv(CSV)


def test_from_rows_reports_the_point() -> None:
    with pytest.raises(
        ValidationError, match=r"points\.0\.rate\n  amount 'x' is not a decimal number"
    ):
        RateTable.from_rows([("2024-01-01", "x")], name="bad")


# -- ReferenceRate ----------------------------------------------------------------------------


def test_variable_reference_rate() -> None:
    # EU Directive 2011/7/EU art. 2(6): the reference rate plus at least 8 points.
    late = ReferenceRate(table=ECB, spread=Decimal("8"))
    assert late.fixing == "variable"
    assert late.rate_on(date(2024, 9, 18)) == Decimal("11.65")
    assert [(s.days, s.rate) for s in late.segments(date(2024, 9, 1), date(2024, 10, 31))] == [
        (17, Decimal("12.25")),
        (35, Decimal("11.65")),
        (9, Decimal("11.40")),
    ]
    # The reference date only matters for fixed rates.
    assert late.segments(date(2024, 9, 1), date(2024, 9, 30), date(2024, 1, 1)) == late.segments(
        date(2024, 9, 1), date(2024, 9, 30)
    )


def test_fixed_reference_rate() -> None:
    # German BGB section 288 fixes the base rate of the half-year; here, for a simple fixed
    # example, the rate on the first day applies to the whole period.
    fixed = ReferenceRate(table=ECB, spread=Decimal("9"), fixing="fixed")
    assert fixed.segments(date(2024, 9, 1), date(2024, 10, 31)) == (
        RateSegment(first_day=date(2024, 9, 1), last_day=date(2024, 10, 31), rate=Decimal("13.25")),
    )
    assert fixed.segments(date(2024, 9, 1), date(2024, 10, 31), date(2024, 10, 23))[
        0
    ].rate == Decimal("12.40")
    assert fixed.segments(date(2024, 9, 2), date(2024, 9, 1)) == ()
    with pytest.raises(RateNotFoundError):
        fixed.segments(date(2024, 9, 1), date(2024, 9, 30), date(2020, 1, 1))


def test_reference_rate_validation_and_round_trip() -> None:
    with pytest.raises(ValidationError, match=r"fixing\n  Input should be 'variable' or 'fixed'"):
        ReferenceRate(table=ECB, fixing="floating")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match=r"spread\n  amount must be a Decimal.*not float 8.0"):
        ReferenceRate(table=ECB, spread=8.0)  # type: ignore[arg-type]
    rate = ReferenceRate(table=ECB, spread=Decimal("8"), fixing="fixed")
    assert ReferenceRate.model_validate_json(rate.model_dump_json()) == rate
    with pytest.raises(ValidationError, match="Instance is frozen"):
        rate.spread = Decimal(0)  # type: ignore[misc]
    assert ReferenceRate(table=ECB).spread == 0


# -- conversions ------------------------------------------------------------------------------


def _brackets(rounded: Decimal, exact_growth: Fraction, periods: int) -> bool:
    """Whether `rounded` percent per period is the correctly rounded rate of `exact_growth`."""
    half = Fraction(1, 2 * 10**RATE_PLACES)
    low = (1 + (Fraction(rounded) - half) / 100) ** periods
    high = (1 + (Fraction(rounded) + half) / 100) ** periods
    return low <= exact_growth <= high


def test_colombian_usury_ceiling_and_monthly_rate() -> None:
    # Usury ceiling = 1.5 x the certified bank current rate (C. Co. art. 884): exact.
    usury = multiply_rate(Decimal("18.91"), Decimal("1.5"))
    assert usury == Decimal("28.365")
    assert str(usury) == "28.365"
    # 28.365 % E.A. -> (1.28365)^(1/12) - 1 = 2.10269813237... % E.M.
    monthly = effective_monthly_from_annual(usury)
    assert monthly == Decimal("2.1026981324")
    assert _brackets(monthly, Fraction("1.28365"), 12)
    assert effective_annual_to_periodic(usury, 12) == monthly


def test_multiply_rate_is_exact_for_long_values() -> None:
    rate, factor = Decimal("12.3456789012345678901234567890123"), Decimal("1.5")
    assert Fraction(multiply_rate(rate, factor)) == Fraction(rate) * Fraction(factor)
    assert multiply_rate("2", 3) == 6
    with pytest.raises(TypeError, match=r"^factor must be a Decimal"):
        multiply_rate(Decimal("18.91"), 1.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"^rate 'abc' is not a decimal number$"):
        multiply_rate("abc", 1)


@pytest.mark.parametrize(
    ("annual", "periods", "expected"),
    [
        (Decimal("12"), 4, Decimal("2.8737344722")),
        (Decimal("12"), 12, Decimal("0.9488792935")),
        (Decimal("12"), 1, Decimal("12.0000000000")),
        (Decimal("0"), 12, Decimal("0E-10")),
        (Decimal("-50"), 2, Decimal("-29.2893218813")),
    ],
)
def test_effective_annual_to_periodic(annual: Decimal, periods: int, expected: Decimal) -> None:
    result = effective_annual_to_periodic(annual, periods)
    assert result == expected
    assert result.as_tuple().exponent == -RATE_PLACES
    assert _brackets(result, 1 + Fraction(annual) / 100, periods)


def test_periodic_and_nominal_to_effective_annual() -> None:
    # 1.02^12 = 1.268241794562545318301696 exactly.
    assert periodic_to_effective_annual(Decimal("2"), 12) == Decimal("26.8241794563")
    assert nominal_to_effective_annual(Decimal("24"), 12) == Decimal("26.8241794563")
    assert effective_annual_from_monthly("2") == Decimal("26.8241794563")
    assert periodic_to_effective_annual(Decimal("2"), 12, places=24) == Decimal(
        "26.824179456254531830169600"
    )
    assert effective_annual_to_nominal(Decimal("26.8241794562545318301696"), 12) == Decimal(
        "24.0000000000"
    )
    assert effective_annual_to_nominal(Decimal("12"), 12) == Decimal("11.3865515215")
    assert effective_monthly_from_annual(Decimal("12"), places=4) == Decimal("0.9489")


def test_round_trips_lose_only_the_rounding() -> None:
    monthly = effective_monthly_from_annual(Decimal("28.365"))
    assert effective_annual_from_monthly(monthly) == Decimal("28.3650000004")


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (
            lambda: effective_annual_to_periodic(Decimal("12"), 0),
            ValueError,
            r"^periods_per_year is 0; it must be at least 1$",
        ),
        (
            lambda: periodic_to_effective_annual(Decimal("2"), 1.0),  # type: ignore[arg-type]
            TypeError,
            r"^periods_per_year must be an int, not float 1.0$",
        ),
        (
            lambda: nominal_to_effective_annual(Decimal("24"), True),
            TypeError,
            r"^periods_per_year must be an int, not bool True$",
        ),
        (
            lambda: effective_annual_to_nominal(Decimal("-100"), 12),
            ValueError,
            r"^rate_percent is -100; a rate must be above -100 percent$",
        ),
        (
            lambda: nominal_to_effective_annual(Decimal("-1200"), 12),
            ValueError,
            r"^nominal_percent / periods_per_year is -100; a rate must be above -100 percent$",
        ),
        (
            lambda: effective_monthly_from_annual(28.365),  # type: ignore[arg-type]
            TypeError,
            r"^rate_percent must be a Decimal, .* not float 28.365",
        ),
    ],
)
def test_conversion_errors(call: object, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        call()  # type: ignore[operator]


# -- the last verified day ----------------------------------------------------------------------

VERIFIED = RateTable.from_rows(
    [("2024-01-01", "23.32"), ("2024-02-01", "23.31")],
    name="IBC",
    valid_until="2024-02-29",
)


def test_a_day_after_valid_until_is_an_error() -> None:
    assert VERIFIED.rate_on(date(2024, 2, 29)) == Decimal("23.31")
    with pytest.raises(StaleRateError) as error:
        VERIFIED.rate_on(date(2024, 3, 1))
    assert str(error.value) == (
        "rate table 'IBC' is verified until 2024-02-29 and has no rate for 2024-03-01: pass a "
        "newer table (see `dunning rates update`), or set beyond_valid_until='warn' to reuse "
        "its last rate"
    )
    assert isinstance(error.value, RateNotFoundError)
    with pytest.raises(StaleRateError, match="no rate for 2024-03-01"):
        VERIFIED.segments(date(2024, 2, 20), date(2024, 3, 1))
    assert [(s.days, s.rate) for s in VERIFIED.segments(date(2024, 1, 30), date(2024, 2, 29))] == [
        (2, Decimal("23.32")),
        (29, Decimal("23.31")),
    ]


def test_a_table_can_warn_and_reuse_its_last_rate() -> None:
    lenient = VERIFIED.evolve(beyond_valid_until="warn")
    with pytest.warns(StaleRateWarning, match=r"its last rate is reused") as caught:
        assert lenient.rate_on(date(2024, 3, 15)) == Decimal("23.31")
    assert caught[0].filename == __file__  # the warning points at the caller
    with pytest.warns(StaleRateWarning) as caught:
        segments = lenient.segments(date(2024, 2, 20), date(2024, 3, 1))
    assert caught[0].filename == __file__
    assert [(s.days, s.rate) for s in segments] == [(11, Decimal("23.31"))]
    # The spread keeps the last verified day.
    assert VERIFIED.plus(Decimal(1)).valid_until == date(2024, 2, 29)


def test_valid_until_in_csv_and_its_errors() -> None:
    text = VERIFIED.to_csv()
    assert "# valid_until: 2024-02-29\n" in text
    assert RateTable.from_csv(text) == VERIFIED
    with pytest.raises(InputError, match=r"^'# valid_until: 2024-13-01' is not a date"):
        RateTable.from_csv(text.replace("2024-02-29", "2024-13-01"))
    with pytest.raises(InputError, match=r"^'# valid_until: 2024-01-31' is before 2024-02-01 of"):
        RateTable.from_csv(text.replace("2024-02-29", "2024-01-31"))
    with pytest.raises(ValidationError, match=r"valid_until 2024-01-31 is before 2024-02-01"):
        VERIFIED.evolve(valid_until=date(2024, 1, 31))


# -- units of account ---------------------------------------------------------------------------

UF = UnitOfAccount(
    name="UF",
    currency="CLP",
    values=(
        UnitValue(day=date(2024, 12, 31), value=Decimal("38416.69")),
        UnitValue(day=date(2025, 1, 1), value=Decimal("38419.17")),
    ),
)


def test_unit_of_account_conversions() -> None:
    assert UF.valid_until == date(2025, 1, 1)
    assert UF.to_money(Decimal("2.5"), date(2024, 12, 31)) == Money(96_042, "CLP")  # 96041.725
    assert UF.from_money(Money(96_042, "CLP"), date(2024, 12, 31)) == Decimal("2.5000")
    assert UF.from_money(Money(-1_000, "CLP"), date(2025, 1, 1)) == Decimal("-0.0260")
    with pytest.raises(CurrencyMismatchError, match=r"^money is in USD; UF is valued in CLP$"):
        UF.from_money(Money("1.00", "USD"), date(2025, 1, 1))
    with pytest.raises(
        StaleRateError,
        match=r"^UF has no value on 2025-01-02: the table ends on 2025-01-01; pass a newer table "
        r"\(see `dunning rates update`\)$",
    ):
        UF.to_money(Decimal(1), date(2025, 1, 2))
    with pytest.raises(
        RateNotFoundError, match=r"^UF has no value on 2024-12-30: the table starts"
    ):
        UF.value_on(date(2024, 12, 30))
    with pytest.raises(TypeError, match=r"^units "):
        UF.to_money(1.5, date(2025, 1, 1))  # type: ignore[arg-type]


def test_unit_of_account_rounds_half_up() -> None:
    eight = UnitOfAccount(
        name="U", currency="CLP", values=(UnitValue(day=date(2025, 1, 1), value=Decimal(8)),)
    )
    # 1 / 8 = 0.125 units: half up to 0.13 (half even would give 0.12).
    assert eight.from_money(Money(1, "CLP"), date(2025, 1, 1), places=2) == Decimal("0.13")
    # 0.0625 x 8 = 0.5 CLP: half up to 1 (half even would give 0).
    assert eight.to_money("0.0625", date(2025, 1, 1)) == Money(1, "CLP")


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ((), "values is empty"),
        (
            (
                UnitValue(day=date(2025, 1, 1), value=Decimal(1)),
                UnitValue(day=date(2025, 1, 3), value=Decimal(1)),
            ),
            r"values\[1\] is for 2025-01-03, but the day after 2025-01-01 of values\[0\] is "
            "2025-01-02",
        ),
        (
            (
                UnitValue(day=date(2025, 1, 1), value=Decimal(1)),
                UnitValue(day=date(2025, 1, 1), value=Decimal(1)),
            ),
            r"values\[1\] is for 2025-01-01",
        ),
    ],
)
def test_unit_of_account_needs_one_value_a_day(values: tuple[UnitValue, ...], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        UnitOfAccount(name="UF", currency="CLP", values=values)


def test_unit_values_are_positive() -> None:
    with pytest.raises(ValidationError, match="greater than 0"):
        UnitValue(day=date(2025, 1, 1), value=Decimal(0))
