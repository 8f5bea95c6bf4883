from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError

from dunning.daycount import DayCount, days_late
from dunning.errors import RateNotFoundError
from dunning.money import Money
from dunning.penalties import (
    FeeBand,
    FixedFee,
    InterestComputation,
    InterestRule,
    LateFee,
    PercentFee,
    RateFixing,
    TieredFee,
    amount_in,
)
from dunning.rates import RateTable, ReferenceRate

LATE_FEE: TypeAdapter[Any] = TypeAdapter(LateFee)


def _error(exc: pytest.ExceptionInfo[ValidationError]) -> tuple[str, str, str]:
    (entry,) = exc.value.errors()
    return ".".join(map(str, entry["loc"])), entry["type"], entry["msg"]


def usd(amount: str) -> Money:
    return Money(amount, "USD")


# -- PerCurrency ------------------------------------------------------------------------------


class TestPerCurrency:
    def test_amount_in(self) -> None:
        amounts = (usd("5.00"), Money("4", "EUR"))
        assert amount_in(amounts, "EUR") == Money("4", "EUR")
        assert amount_in(amounts, "GBP") is None
        assert amount_in((), "USD") is None

    @pytest.mark.parametrize(
        ("amounts", "error_type", "message"),
        [
            (
                (usd("5.00"), Money("1", "EUR"), usd("6.00")),
                "dunning.per_currency",
                "amounts[2] is a second amount in USD (after amounts[0]); give at most one "
                "amount per currency",
            ),
            (
                (usd("-1.00"),),
                "dunning.negative_fee",
                "amounts[0] is -1.00 USD; a fee amount must not be negative",
            ),
            (
                (Money("1.5", "COP"),),
                "dunning.not_quantized",
                "amounts[0] is 1.5 COP, which has more decimals than the 0 of the minor unit "
                "of COP",
            ),
        ],
    )
    def test_bad_amounts(self, amounts: tuple[Money, ...], error_type: str, message: str) -> None:
        with pytest.raises(ValidationError) as exc:
            FixedFee(amounts=amounts)
        assert _error(exc) == ("amounts", error_type, message)

    def test_field_name_in_message(self) -> None:
        with pytest.raises(ValidationError) as exc:
            PercentFee(percent=Decimal(1), maximum=(usd("1.00"), usd("2.00")))
        assert _error(exc) == (
            "maximum",
            "dunning.per_currency",
            "maximum[1] is a second amount in USD (after maximum[0]); give at most one amount "
            "per currency",
        )


# -- fees -------------------------------------------------------------------------------------


class TestFixedFee:
    def test_compute(self) -> None:
        fee = FixedFee(amounts=(Money("40.00", "EUR"),))
        assert fee.compute(Money("1.00", "EUR")) == Money("40.00", "EUR")
        assert fee.compute(usd("100.00")) is None

    def test_zero_balance_is_zero(self) -> None:
        fee = FixedFee(amounts=(Money("40.00", "EUR"),))
        result = fee.compute(Money("0", "EUR"))
        assert result == Money("0", "EUR")
        assert result is not None
        assert str(result.amount) == "0.00"


class TestPercentFee:
    def test_rounds_half_up_then_bounds(self) -> None:
        fee = PercentFee(percent=Decimal("1.5"), minimum=(usd("5.00"),), maximum=(usd("100.00"),))
        assert fee.compute(usd("1000.00")) == usd("15.00")
        # 1.5 % of 1000.30 = 15.0045 -> 15.00; of 1000.34 = 15.0051 -> 15.01
        assert fee.compute(usd("1000.30")) == usd("15.00")
        assert fee.compute(usd("1000.34")) == usd("15.01")
        # 1.5 % of 1001.00 = 15.015 -> 15.02 (half up, not half even)
        assert fee.compute(usd("1001.00")) == usd("15.02")
        assert fee.compute(usd("100.00")) == usd("5.00")
        assert fee.compute(usd("100000.00")) == usd("100.00")

    def test_unbounded_currency(self) -> None:
        fee = PercentFee(percent=Decimal("2"), minimum=(usd("5.00"),))
        assert fee.compute(Money("1234567", "COP")) == Money("24691", "COP")

    def test_non_positive_balance(self) -> None:
        fee = PercentFee(percent=Decimal("2"), minimum=(usd("5.00"),))
        assert fee.compute(usd("0")) == usd("0.00")
        assert fee.compute(usd("-10")) == usd("0.00")

    def test_negative_percent(self) -> None:
        with pytest.raises(ValidationError) as exc:
            PercentFee(percent=Decimal("-1"))
        assert _error(exc) == (
            "",
            "dunning.negative_percent",
            "percent is -1; a percentage must not be negative",
        )

    def test_maximum_below_minimum(self) -> None:
        with pytest.raises(ValidationError) as exc:
            PercentFee(percent=Decimal(1), minimum=(usd("10.00"),), maximum=(usd("5.00"),))
        assert _error(exc) == (
            "",
            "dunning.fee_bounds",
            "maximum 5.00 USD is below minimum 10.00 USD; the maximum must be at least the minimum",
        )

    def test_float_percent(self) -> None:
        with pytest.raises(ValidationError) as exc:
            PercentFee(percent=1.5)  # type: ignore[arg-type]
        assert _error(exc)[:2] == ("percent", "dunning.float")


def _bands(*spec: tuple[str | None, str | None, str | None]) -> tuple[FeeBand, ...]:
    return tuple(
        FeeBand(
            up_to=None if up_to is None else Decimal(up_to),
            percent=None if percent is None else Decimal(percent),
            amount=None if amount is None else Decimal(amount),
        )
        for up_to, percent, amount in spec
    )


class TestTieredFee:
    def test_marginal(self) -> None:
        fee = TieredFee(
            mode="marginal",
            currency="USD",
            bands=_bands(("100", "10", None), ("1000", "5", None), (None, None, "7")),
        )
        # 10 % x 100 + 5 % x 400 = 30.00
        assert fee.compute(usd("500.00")) == usd("30.00")
        # 10 % x 100 + 5 % x 900 + 7 (the open band is reached) = 62.00
        assert fee.compute(usd("1000.01")) == usd("62.00")
        assert fee.compute(usd("1000.00")) == usd("55.00")
        assert fee.compute(usd("50.00")) == usd("5.00")

    def test_flat(self) -> None:
        fee = TieredFee(
            mode="flat",
            currency="USD",
            bands=_bands(("100", None, "5"), ("1000", "2", None), (None, "1", None)),
            maximum=(usd("15.00"),),
        )
        assert fee.compute(usd("100.00")) == usd("5")
        assert fee.compute(usd("100.01")) == usd("2.00")
        assert fee.compute(usd("1000.00")) == usd("15.00")
        assert fee.compute(usd("1200.00")) == usd("12.00")
        assert fee.compute(usd("2000.00")) == usd("15.00")

    def test_other_currency_and_zero(self) -> None:
        fee = TieredFee(mode="flat", currency="USD", bands=_bands((None, None, "5")))
        assert fee.compute(Money("10", "EUR")) is None
        assert fee.compute(usd("0")) == usd("0.00")

    def test_minimum(self) -> None:
        fee = TieredFee(
            mode="marginal",
            currency="USD",
            bands=_bands((None, "1", None)),
            minimum=(usd("3.00"),),
        )
        assert fee.compute(usd("10.00")) == usd("3.00")

    @pytest.mark.parametrize(
        ("bands", "message"),
        [
            ((), "bands is empty; a tiered fee needs at least one band"),
            (
                _bands(("100", "1", "2"), (None, "1", None)),
                "bands[0].percent is 1; give exactly one of percent and amount",
            ),
            (
                _bands(("100", "1", None), (None, None, None)),
                "bands[1].percent is None; give exactly one of percent and amount",
            ),
            (
                _bands(("100", "-1", None), (None, "1", None)),
                "bands[0].percent is -1; a percentage must not be negative",
            ),
            (
                _bands(("100", None, "-1"), (None, "1", None)),
                "bands[0].amount is -1; a fee amount must not be negative",
            ),
            (
                _bands(("100", "1", None), ("200", "1", None)),
                "bands[1].up_to is 200; the last band must be open (up_to None)",
            ),
            (
                _bands((None, "1", None), (None, "1", None)),
                "bands[0].up_to is None; only the last band may be open",
            ),
            (
                _bands(("0", "1", None), (None, "1", None)),
                "bands[0].up_to is 0; the first band must end above zero",
            ),
            (
                _bands(("100", "1", None), ("100", "1", None), (None, "1", None)),
                "bands[1].up_to is 100; bands must be in strictly ascending order of up_to, "
                "after bands[0].up_to 100",
            ),
        ],
    )
    def test_bad_bands(self, bands: tuple[FeeBand, ...], message: str) -> None:
        with pytest.raises(ValidationError) as exc:
            TieredFee(mode="marginal", currency="USD", bands=bands)
        (entry,) = exc.value.errors()
        assert entry["msg"] == message
        assert entry["type"] in ("dunning.fee_band", "dunning.negative_percent")

    def test_bounds_checked(self) -> None:
        with pytest.raises(ValidationError, match=r"maximum 1\.00 USD is below minimum 2\.00 USD"):
            TieredFee(
                mode="flat",
                currency="USD",
                bands=_bands((None, "1", None)),
                minimum=(usd("2.00"),),
                maximum=(usd("1.00"),),
            )

    def test_band_charge(self) -> None:
        assert FeeBand(up_to=None, amount=Decimal(3)).charge(Decimal(100)) == Decimal(3)
        assert FeeBand(up_to=None).charge(Decimal(100)) == Decimal(0)


class TestLateFeeUnion:
    @pytest.mark.parametrize(
        "fee",
        [
            FixedFee(amounts=(Money("40.00", "EUR"),)),
            PercentFee(percent=Decimal("1.5"), minimum=(usd("1.00"),)),
            TieredFee(
                mode="flat",
                currency="GBP",
                bands=_bands(("999.99", None, "40"), (None, None, "70")),
            ),
        ],
    )
    def test_round_trip(self, fee: FixedFee | PercentFee | TieredFee) -> None:
        text = LATE_FEE.dump_json(fee)
        assert LATE_FEE.validate_json(text) == fee

    def test_from_mapping(self) -> None:
        fee = LATE_FEE.validate_python({"kind": "percent", "percent": "1.5"})
        assert fee == PercentFee(percent=Decimal("1.5"))

    def test_nested_band_error_path(self) -> None:
        with pytest.raises(ValidationError) as exc:
            LATE_FEE.validate_python(
                {
                    "kind": "tiered",
                    "mode": "flat",
                    "currency": "USD",
                    "bands": [{"up_to": "10", "percent": "1"}, {"up_to": "5", "percent": "1"}],
                }
            )
        (entry,) = exc.value.errors()
        assert entry["loc"] == ("tiered",)
        assert entry["msg"].startswith("bands[1].up_to is 5; ")

    def test_unknown_kind(self) -> None:
        with pytest.raises(ValidationError) as exc:
            LATE_FEE.validate_python({"kind": "daily"})
        assert exc.value.errors()[0]["type"] == "union_tag_invalid"


# -- interest ---------------------------------------------------------------------------------

TABLE = RateTable.from_rows(
    [("2024-01-01", "3.62"), ("2024-07-01", "3.37"), ("2025-01-01", "2.27")], name="DE"
)
#: A table that changes mid half-year, to tell the fixings apart.
ECB = RateTable.from_rows(
    [("2023-09-20", "4.50"), ("2024-06-12", "4.25"), ("2024-09-18", "3.65")], name="ECB"
)


class TestInterestRuleValidation:
    def test_needs_exactly_one_rate(self) -> None:
        with pytest.raises(ValidationError) as exc:
            InterestRule()
        assert _error(exc) == (
            "",
            "dunning.interest_rate",
            "annual_rate is None and reference is None; give exactly one of them",
        )
        with pytest.raises(ValidationError) as exc:
            InterestRule(annual_rate=Decimal(5), reference=ReferenceRate(table=TABLE))
        assert _error(exc)[2] == "annual_rate is 5 and reference is set; give exactly one of them"

    def test_negative_rate(self) -> None:
        with pytest.raises(ValidationError) as exc:
            InterestRule(annual_rate=Decimal("-0.5"))
        assert _error(exc)[2] == "annual_rate is -0.5; a percentage must not be negative"

    def test_fixing_needs_reference(self) -> None:
        with pytest.raises(ValidationError) as exc:
            InterestRule(annual_rate=Decimal(5), fixing=RateFixing.HALF_YEARLY)
        assert _error(exc) == (
            "",
            "dunning.fixing",
            "fixing is 'half-yearly' but the rule has a fixed annual_rate; fixing applies only "
            "to a reference rate",
        )

    def test_negative_grace_days(self) -> None:
        with pytest.raises(ValidationError) as exc:
            InterestRule(annual_rate=Decimal(5), grace_days=-1)
        assert _error(exc) == (
            "",
            "dunning.grace_days",
            "grace_days is -1; it must not be negative",
        )

    @pytest.mark.parametrize("field", ["ceiling", "floor"])
    def test_negative_limits(self, field: str) -> None:
        with pytest.raises(ValidationError) as exc:
            InterestRule.model_validate({"annual_rate": Decimal(5), field: Decimal(-1)})
        assert _error(exc)[2] == f"{field} is -1; a percentage must not be negative"

    def test_immutable(self) -> None:
        rule = InterestRule(annual_rate=Decimal(5))
        with pytest.raises(ValidationError, match="frozen"):
            rule.grace_days = 3  # type: ignore[misc]

    def test_effective_fixing(self) -> None:
        assert InterestRule(annual_rate=Decimal(5)).effective_fixing is None
        fixed = InterestRule(reference=ReferenceRate(table=TABLE, fixing="fixed"))
        assert fixed.effective_fixing is RateFixing.FIXED
        assert fixed.evolve(fixing="half-yearly").effective_fixing is RateFixing.HALF_YEARLY


class TestInterestCompute:
    def test_fixed_rate(self) -> None:
        rule = InterestRule(annual_rate=Decimal(12))
        result = rule.compute(usd("1000.00"), date(2024, 1, 31), date(2024, 3, 1))
        # 1000 x 12 % x 30 / 365 = 9.863... -> 9.86
        assert result.amount == usd("9.86")
        assert (result.first_day, result.last_day, result.days) == (
            date(2024, 2, 1),
            date(2024, 3, 1),
            30,
        )
        assert result.days == days_late(date(2024, 1, 31), date(2024, 3, 1))
        (segment,) = result.segments
        assert segment.days == 30
        assert segment.amount == Decimal("9.863013698630136986301369863013699")

    @pytest.mark.parametrize("until", [date(2024, 1, 31), date(2024, 1, 1)])
    def test_nothing_on_or_before_due_date(self, until: date) -> None:
        rule = InterestRule(annual_rate=Decimal(12))
        result = rule.compute(usd("1000.00"), date(2024, 1, 31), until)
        assert result.segments == ()
        assert result.amount == usd("0.00")
        assert str(result.amount.amount) == "0.00"
        assert result.days == 0
        assert result.first_day == date(2024, 2, 1)
        assert result.last_day == date(2024, 1, 31)

    def test_zero_principal(self) -> None:
        rule = InterestRule(annual_rate=Decimal(12))
        result = rule.compute(Money(0, "COP"), date(2024, 1, 31), date(2024, 3, 1))
        assert result.segments == ()
        assert result.amount == Money(0, "COP")

    def test_grace_days(self) -> None:
        rule = InterestRule(annual_rate=Decimal(12), grace_days=5)
        due = date(2024, 1, 31)
        assert rule.compute(usd("1000.00"), due, date(2024, 2, 5)).segments == ()
        result = rule.compute(usd("1000.00"), due, date(2024, 2, 6))
        # interest runs from 6 February, the day after due date + 5 grace days: 1 day
        assert (result.first_day, result.days) == (date(2024, 2, 6), 1)
        # 1000 x 12 % / 365 = 0.3287... -> 0.33
        assert result.amount == usd("0.33")

    def test_variable_splits_at_rate_changes(self) -> None:
        rule = InterestRule(reference=ReferenceRate(table=TABLE, spread=Decimal(9)))
        result = rule.compute(Money("10000.00", "EUR"), date(2024, 6, 20), date(2024, 7, 10))
        assert [(s.first_day, s.days, s.annual_rate) for s in result.segments] == [
            (date(2024, 6, 21), 10, Decimal("12.62")),
            (date(2024, 7, 1), 10, Decimal("12.37")),
        ]
        # 10000 x (12.62 x 10 + 12.37 x 10) / 100 / 365 = 68.4657... -> 68.47
        assert result.amount == Money("68.47", "EUR")

    def test_fixings(self) -> None:
        principal = Money("10000.00", "EUR")
        due, until = date(2024, 6, 5), date(2024, 9, 30)

        def rates(fixing: str | None, reference_fixing: str = "variable") -> list[Any]:
            rule = InterestRule.model_validate(
                {
                    "reference": ReferenceRate.model_validate(
                        {"table": ECB, "spread": Decimal(8), "fixing": reference_fixing}
                    ),
                    "fixing": fixing,
                }
            )
            result = rule.compute(principal, due, until)
            return [(s.first_day, s.last_day, s.annual_rate) for s in result.segments]

        assert rates(None) == [
            (date(2024, 6, 6), date(2024, 6, 11), Decimal("12.50")),
            (date(2024, 6, 12), date(2024, 9, 17), Decimal("12.25")),
            (date(2024, 9, 18), date(2024, 9, 30), Decimal("11.65")),
        ]
        assert rates("variable", "fixed") == rates(None)
        # rate in force on the first day of interest, 6 June 2024
        assert rates(None, "fixed") == [(date(2024, 6, 6), until, Decimal("12.50"))]
        assert rates("fixed") == rates(None, "fixed")
        # the rates in force on 1 January and 1 July 2024
        assert rates("half-yearly") == [
            (date(2024, 6, 6), date(2024, 6, 30), Decimal("12.50")),
            (date(2024, 7, 1), until, Decimal("12.25")),
        ]
        # the rate in force on 31 December 2023, the reference date before 6 June 2024
        assert rates("reference-date") == [(date(2024, 6, 6), until, Decimal("12.50"))]

    def test_half_yearly_merges_equal_half_years(self) -> None:
        flat = RateTable.from_rows([("2020-01-01", "1")], name="flat")
        rule = InterestRule(reference=ReferenceRate(table=flat), fixing=RateFixing.HALF_YEARLY)
        result = rule.compute(usd("100.00"), date(2020, 3, 1), date(2021, 8, 1))
        assert [(s.first_day, s.last_day) for s in result.segments] == [
            (date(2020, 3, 2), date(2021, 8, 1))
        ]

    def test_reference_date_at_half_year_edges(self) -> None:
        boe = RateTable.from_rows(
            [("2023-08-03", "5.25"), ("2024-08-01", "5.00"), ("2024-11-07", "4.75")], name="BoE"
        )
        rule = InterestRule(
            reference=ReferenceRate(table=boe, spread=Decimal(8)), fixing=RateFixing.REFERENCE_DATE
        )

        def rate(due: date) -> Decimal:
            return rule.compute(usd("1.00"), due, date(2025, 6, 1)).segments[0].annual_rate

        # due 29 June: interest starts 30 June -> 31 December 2023
        assert rate(date(2024, 6, 29)) == Decimal("13.25")
        # due 30 June: interest starts 1 July -> 30 June 2024 (still 5.25)
        assert rate(date(2024, 6, 30)) == Decimal("13.25")
        # due 31 December 2024: interest starts 1 January 2025 -> 31 December 2024
        assert rate(date(2024, 12, 31)) == Decimal("12.75")
        # due 30 December 2024: interest starts 31 December -> 30 June 2024
        assert rate(date(2024, 12, 30)) == Decimal("13.25")

    def test_decimal_ceiling_caps(self) -> None:
        rule = InterestRule(annual_rate=Decimal(30), ceiling=Decimal(24), basis=DayCount.ACT_360)
        result = rule.compute(Money(1_000_000, "CLP"), date(2025, 1, 10), date(2025, 2, 9))
        (segment,) = result.segments
        assert (segment.annual_rate, segment.capped, segment.floored) == (Decimal(24), True, False)
        # 1000000 x 24 % x 30 / 360 = 20000
        assert result.amount == Money(20000, "CLP")

    def test_ceiling_table_splits(self) -> None:
        ceiling = RateTable.from_rows([("2024-01-01", "20"), ("2024-02-01", "10")], name="cap")
        rule = InterestRule(annual_rate=Decimal(15), ceiling=ceiling, basis=DayCount.ACT_360)
        result = rule.compute(usd("3600.00"), date(2024, 1, 20), date(2024, 2, 9))
        assert [(s.days, s.annual_rate, s.capped) for s in result.segments] == [
            (11, Decimal(15), False),
            (9, Decimal(10), True),
        ]
        # 3600 x (15 % x 11 + 10 % x 9) / 360 = 16.50 + 9.00
        assert result.amount == usd("25.50")

    def test_floor_table_and_decimal(self) -> None:
        floor = RateTable.from_rows([("2024-01-01", "15.21")], name="3 x TIL")
        rule = InterestRule(annual_rate=Decimal(10), floor=floor)
        (segment,) = rule.compute(usd("1000.00"), date(2024, 1, 31), date(2024, 3, 1)).segments
        assert (segment.annual_rate, segment.floored, segment.capped) == (
            Decimal("15.21"),
            True,
            False,
        )
        rule = InterestRule(annual_rate=Decimal(10), floor=Decimal(5))
        (segment,) = rule.compute(usd("1000.00"), date(2024, 1, 31), date(2024, 3, 1)).segments
        assert (segment.annual_rate, segment.floored) == (Decimal(10), False)

    def test_ceiling_wins_over_floor(self) -> None:
        rule = InterestRule(annual_rate=Decimal(1), floor=Decimal(20), ceiling=Decimal(12))
        (segment,) = rule.compute(usd("1000.00"), date(2024, 1, 31), date(2024, 3, 1)).segments
        assert (segment.annual_rate, segment.floored, segment.capped) == (Decimal(12), True, True)

    def test_negative_reference_rate_accrues_nothing(self) -> None:
        negative = RateTable.from_rows([("2020-01-01", "-0.88")], name="Basiszins")
        rule = InterestRule(reference=ReferenceRate(table=negative, spread=Decimal("0.5")))
        result = rule.compute(usd("1000.00"), date(2020, 1, 31), date(2020, 3, 1))
        assert result.segments[0].annual_rate == Decimal(0)
        assert result.amount == usd("0.00")

    def test_no_rate_before_table(self) -> None:
        rule = InterestRule(reference=ReferenceRate(table=TABLE))
        with pytest.raises(RateNotFoundError, match="has no rate on 2023-12-01"):
            rule.compute(usd("1.00"), date(2023, 11, 30), date(2024, 1, 5))

    def test_thirty_360_basis(self) -> None:
        rule = InterestRule(annual_rate=Decimal(12), basis=DayCount.THIRTY_360)
        # 30/360 from 31 January to 31 March counts 60 days: 1000 x 12 % x 60/360 = 20.00
        result = rule.compute(usd("1000.00"), date(2024, 1, 31), date(2024, 3, 31))
        assert result.amount == usd("20.00")

    def test_sum_is_rounded_once(self) -> None:
        table = RateTable.from_rows([("2024-01-01", "29.2"), ("2024-01-03", "32.12")], name="t")
        rule = InterestRule(reference=ReferenceRate(table=table))
        result = rule.compute(usd("5.00"), date(2024, 1, 1), date(2024, 1, 3))
        # 2 January: 5 x 29.2 % / 365 = 0.004; 3 January: 5 x 32.12 % / 365 = 0.0044.
        # Rounded once: 0.0084 -> 0.01; rounding each segment would give 0.00 + 0.00.
        assert [s.amount for s in result.segments] == [Decimal("0.004"), Decimal("0.0044")]
        assert result.amount == usd("0.01")

    def test_rounds_half_up(self) -> None:
        rule = InterestRule(annual_rate=Decimal("36.5"))
        # 0.50 x 36.5 % / 365 x 1 day = 0.0005 -> 0.00; 10 days: 0.005 -> 0.01 (half up)
        assert rule.compute(usd("0.50"), date(2024, 1, 1), date(2024, 1, 2)).amount == usd("0.00")
        assert rule.compute(usd("0.50"), date(2024, 1, 1), date(2024, 1, 11)).amount == usd("0.01")

    def test_computation_round_trips(self) -> None:
        rule = InterestRule(reference=ReferenceRate(table=TABLE, spread=Decimal(9)))
        result = rule.compute(Money("10000.00", "EUR"), date(2024, 6, 20), date(2024, 7, 10))
        again = InterestComputation.model_validate_json(result.model_dump_json())
        assert again == result
        assert InterestRule.model_validate_json(rule.model_dump_json()) == rule
