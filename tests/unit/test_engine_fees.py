"""The late-fee rule (engine/rules/fees.py): occurrences, caps and their reasons, exactly."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from dunning import (
    ChargeFee,
    Customer,
    Evaluation,
    FeeCap,
    FixedFee,
    Invoice,
    Money,
    Policy,
    SkipReason,
    Stage,
    StageFee,
    StageTrigger,
    evaluate,
)
from dunning.policy.model import StatutoryCompensation

DUE = date(2026, 1, 31)
CUSTOMER = Customer(id="C", name="Ana")


def run(stages: list[Stage], as_of: date, currency: str = "USD", **changes: Any) -> Evaluation:
    invoice = Invoice(
        id="I",
        customer_id="C",
        currency=currency,
        total="1000.00",
        issue_date=date(2026, 1, 1),
        due_date=DUE,
    )
    policy = Policy(**({"id": "p", "stages": stages} | changes))
    return evaluate([invoice], policy, as_of, customers=[CUSTOMER])


def weekly(amount: str, stage_id: str = "late", days: int = 1) -> Stage:
    fee = StageFee(rule=FixedFee(amounts=[Money(amount, "USD")]), every_days=7, max_times=5)
    return Stage(id=stage_id, trigger=StageTrigger(days_overdue=days), fee=fee)


def fees(result: Evaluation) -> list[tuple[int, date, str, str]]:
    return [
        (a.occurrence, a.due_on, str(a.amount.amount), a.reason.text)
        for a in result.actions
        if isinstance(a, ChargeFee)
    ]


class TestFeeCaps:
    def test_a_fee_reaching_the_cap_exactly_is_not_reduced(self) -> None:
        # 20 + 20 = 40, the cap: the second is whole (no note), the third is capped.
        result = run(
            [weekly("20.00")], date(2026, 2, 20), fee_cap=FeeCap(amounts=[Money(40, "USD")])
        )
        assert fees(result) == [
            (0, date(2026, 2, 1), "20.00", "late fee 1 of stage late on 1000.00 USD overdue"),
            (1, date(2026, 2, 8), "20.00", "late fee 2 of stage late on 1000.00 USD overdue"),
        ]
        (capped,) = result.skipped
        assert (capped.key, capped.due_on, capped.cause, capped.occurrence) == (
            "p:C:I:fee:late:2",
            date(2026, 2, 15),
            SkipReason.CAPPED,
            2,
        )
        assert (capped.reason.rule, capped.reason.text) == (
            "stage:late",
            "the fee cap of 40 USD is reached",
        )
        first = result.actions[1]
        assert isinstance(first, ChargeFee)
        assert first.reason.figures == (("principal", "1000.00"), ("occurrence", "0"))

    def test_the_lower_of_an_amount_cap_and_a_percent_cap_holds(self) -> None:
        # 10 % of 1,000.00 is 100.00; the amount cap of 50 is lower and wins (and the other
        # way round, the percent cap wins over an amount cap of 500).
        low = FeeCap(amounts=[Money(50, "USD")], percent_of_total=10)
        result = run([weekly("20.00")], date(2026, 2, 20), fee_cap=low)
        assert [amount for _, _, amount, _ in fees(result)] == ["20.00", "20.00", "10.00"]
        assert fees(result)[2][3] == (
            "late fee 3 of stage late on 1000.00 USD overdue (reduced to the fee cap of 50 USD)"
        )
        high = FeeCap(amounts=[Money(500, "USD")], percent_of_total=5)
        result = run([weekly("20.00")], date(2026, 2, 20), fee_cap=high)
        assert [amount for _, _, amount, _ in fees(result)] == ["20.00", "20.00", "10.00"]

    def test_a_stage_without_a_fee_does_not_stop_a_later_stage_s_fee(self) -> None:
        quiet = Stage(id="notice", trigger=StageTrigger(days_overdue=1))
        result = run([quiet, weekly("20.00", "late", days=5)], date(2026, 2, 6))
        assert fees(result) == [
            (0, date(2026, 2, 5), "20.00", "late fee 1 of stage late on 1000.00 USD overdue")
        ]

    def test_a_statutory_compensation_is_charged_in_the_invoice_s_currency(self) -> None:
        fee = StageFee(rule=StatutoryCompensation(jurisdiction="DE"))
        stage = Stage(id="late", trigger=StageTrigger(days_overdue=1), fee=fee)
        result = run([stage], date(2026, 2, 2), currency="EUR")
        (charge,) = [a for a in result.actions if isinstance(a, ChargeFee)]
        assert charge.amount == Money("40.00", "EUR")

    @pytest.mark.parametrize(("allowed", "rejected"), [(3, 0), (2, 1)])
    def test_the_bound_on_occurrences_is_inclusive(
        self, allowed: int, rejected: int, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        # Three weekly fees by 2026-02-15: allowed at a bound of 3, rejected at 2.
        monkeypatch.setattr("dunning.engine.rules.fees.MAX_OCCURRENCES", allowed)
        result = run([weekly("1.00")], date(2026, 2, 15))
        assert len(result.rejected) == rejected
        assert len(fees(result)) == 3 - 3 * rejected
