"""The quick check of quiet invoices under policies with fees and interest.

Each case builds the history of daily runs, then changes one record the quick check plans
for (a fee occurrence or an interest posting lost, a stage above the level reached, a stage
entry recorded early, a payment) and checks three things: whether the first pass finds the
invoice quiet on its done keys; the exact actions due; and that the evaluation equals the
full evaluation of every invoice.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from unittest.mock import patch

import pytest

from dunning import (
    Customer,
    Evaluation,
    FixedFee,
    HistoryIndex,
    HistoryRecord,
    InterestRule,
    InterestSettings,
    Invoice,
    Money,
    Payment,
    Policy,
    ReminderStep,
    Stage,
    StageFee,
    StageTrigger,
    evaluate,
)
from dunning.engine.compiled import CompiledPolicy, compile_policy
from dunning.engine.fast import first_pass, quick_plan
from dunning.engine.rules.context import Run
from dunning.policy import InterestPosting
from dunning.testing._engine import Portfolio, daily_history

CUSTOMER = Customer(id="C", name="Ana", contacts=[{"channel": "email", "address": "a@x"}])
DUE = date(2026, 1, 31)
AS_OF = date(2026, 3, 10)  # 38 days overdue


def _policy(
    posting: InterestPosting = InterestPosting.STAGE_ENTRY, max_times: int | None = 3
) -> Policy:
    """A reminder on the due date; a fee of 5.00 at 10 days overdue, again every 7 days (at
    most `max_times`); at 20 days a stage that posts interest and suspends service; one at
    60 days."""
    return Policy(
        id="p",
        steps=[ReminderStep(id="due", offset_days=0, channels=["email"], template="due")],
        stages=[
            Stage(
                id="late",
                trigger=StageTrigger(days_overdue=10),
                fee=StageFee(
                    rule=FixedFee(amounts=[Money("5.00", "USD")]),
                    every_days=7,
                    max_times=max_times,
                ),
            ),
            Stage(
                id="firm",
                trigger=StageTrigger(days_overdue=20),
                post_interest=True,
                suspend_service=True,
            ),
            Stage(id="agency", trigger=StageTrigger(days_overdue=60)),
        ],
        interest=InterestSettings(rule=InterestRule(annual_rate=Decimal(12)), posting=posting),
    )


def _invoice(**changes: object) -> Invoice:
    data: dict[str, object] = {
        "id": "I",
        "customer_id": "C",
        "currency": "USD",
        "total": "1000.00",
        "issue_date": date(2026, 1, 1),
        "due_date": DUE,
    }
    return Invoice.model_validate({**data, **changes})


def _history(policy: Policy, invoice: Invoice, as_of: date = AS_OF) -> list[HistoryRecord]:
    """What daily runs up to the day before `as_of` did, every action carried out."""
    portfolio = Portfolio(customers=(CUSTOMER,), invoices=(invoice,), start=DUE)
    return list(daily_history(portfolio, policy, DUE - timedelta(days=3), as_of - timedelta(1)))


def _quick(
    policy: Policy, invoice: Invoice, history: list[HistoryRecord], as_of: date = AS_OF
) -> bool:
    """Whether the first pass finds `invoice` quiet on its done keys."""
    run = Run(policy, as_of, HistoryIndex(history), {})
    slots, _, _ = first_pass(run, [invoice], {"C": CUSTOMER}, {}, [])
    return slots["C"].quiet == ["I"]


def _evaluate(
    policy: Policy, invoice: Invoice, history: list[HistoryRecord], as_of: date = AS_OF
) -> Evaluation:
    """The evaluation, checked against the full evaluation of every invoice."""
    result = evaluate([invoice], policy, as_of, customers=[CUSTOMER], history=history)

    def in_full(p: Policy) -> CompiledPolicy:
        return replace(compile_policy(p), fast=False, quick_stages=False)

    with patch("dunning.engine.rules.context.compile_policy", in_full):
        full = evaluate([invoice], policy, as_of, customers=[CUSTOMER], history=history)
    assert result.model_dump_json() == full.model_dump_json()
    return result


def _without(history: list[HistoryRecord], key: str) -> list[HistoryRecord]:
    kept = [record for record in history if record.key != key]
    assert len(kept) == len(history) - 1
    return kept


def test_a_policy_with_fees_and_interest_is_judged_on_the_quick_path() -> None:
    compiled = compile_policy(_policy())
    assert compiled.fast and compiled.quick_stages
    needs, level, suspensions, absent, dated = quick_plan(compiled, DUE, AS_OF)
    # 38 days overdue: the fee stage entered on 2026-02-10 with fees then, on the 17th and
    # the 24th (3 at most); the interest posted on entering "firm" on 2026-02-20.
    assert needs == {
        "step:due:0",
        "stage:late",
        "stage:firm",
        "fee:late:0",
        "fee:late:1",
        "fee:late:2",
        "interest:stage-firm",
    }
    assert level == 2
    assert absent == {"stage:agency"}
    assert dated == (("stage:late", date(2026, 2, 10)), ("stage:firm", date(2026, 2, 20)))
    [(stage, on, reached)] = suspensions
    assert (stage.stage.id, on, [s.stage.id for s in reached]) == (
        "firm",
        date(2026, 2, 20),
        ["firm"],
    )


def test_quiet_with_every_fee_and_posting_done() -> None:
    policy, invoice = _policy(), _invoice()
    history = _history(policy, invoice)
    assert _quick(policy, invoice, history)
    result = _evaluate(policy, invoice, history)
    assert result.actions == ()
    assert result.quiet == ("I",)
    [stage] = result.stages
    assert (stage.stage_id, stage.level) == ("firm", 2)


def test_a_lost_fee_occurrence_is_charged() -> None:
    policy, invoice = _policy(), _invoice()
    history = _without(_history(policy, invoice), "p:C:I:fee:late:1")
    assert not _quick(policy, invoice, history)
    [fee] = _evaluate(policy, invoice, history).actions
    assert (fee.key, fee.due_on, fee.amount) == (
        "p:C:I:fee:late:1",
        date(2026, 2, 17),
        Money("5.00", "USD"),
    )


def test_a_lost_interest_posting_is_posted() -> None:
    policy, invoice = _policy(), _invoice()
    history = _without(_history(policy, invoice), "p:C:I:interest:stage-firm")
    assert not _quick(policy, invoice, history)
    [posting] = _evaluate(policy, invoice, history).actions
    # 1,000.00 at 12 % from 2026-02-01 to 2026-02-20: 20 days of 365, 6.5753... -> 6.58.
    assert (posting.key, posting.due_on, posting.amount) == (
        "p:C:I:interest:stage-firm",
        date(2026, 2, 20),
        Money("6.58", "USD"),
    )


def test_the_last_month_end_is_planned_for_monthly_interest() -> None:
    policy, invoice = _policy(InterestPosting.MONTHLY), _invoice()
    needs, *_ = quick_plan(compile_policy(policy), DUE, AS_OF)
    assert "interest:2026-02" in needs and "interest:2026-01" not in needs
    history = _history(policy, invoice)
    assert _quick(policy, invoice, history)
    assert _evaluate(policy, invoice, history).actions == ()
    history = _without(history, "p:C:I:interest:2026-02")
    assert not _quick(policy, invoice, history)
    [posting] = _evaluate(policy, invoice, history).actions
    # February, 28 days: 1,000.00 x 12 % x 28 / 365 = 9.2054... -> 9.21.
    assert (posting.due_on, posting.amount) == (date(2026, 2, 28), Money("9.21", "USD"))


@pytest.mark.parametrize(
    ("as_of_day", "expected"),
    [
        (date(2026, 2, 27), set()),  # due on Jan 31: the first posting is for February
        (date(2026, 2, 28), {"interest:2026-02"}),  # the month end on the day itself
        (date(2026, 3, 31), {"interest:2026-03"}),
        (date(2026, 4, 29), {"interest:2026-03"}),
    ],
)
def test_the_latest_month_end_is_planned(as_of_day: date, expected: set[str]) -> None:
    compiled = compile_policy(_policy(InterestPosting.MONTHLY))
    needs, *_ = quick_plan(compiled, DUE, as_of_day)
    assert {n for n in needs if n.startswith("interest:")} == expected


def test_payments_leave_interest_posted_on_payments_to_the_full_evaluation() -> None:
    policy = _policy(InterestPosting.PAYMENT)
    paid = {"id": "P", "date": date(2026, 2, 15), "amount": Money("400.00", "USD")}
    invoice = _invoice(payments=[Payment.model_validate(paid)])
    history = _history(policy, invoice)
    assert not _quick(policy, invoice, history)
    assert _evaluate(policy, invoice, history).actions == ()
    history = _without(history, "p:C:I:interest:2026-02-15")
    [posting] = _evaluate(policy, invoice, history).actions
    # 1,000.00 at 12 % from 2026-02-01 to 2026-02-15: 15 days, 4.9315... -> 4.93.
    assert (posting.due_on, posting.amount) == (date(2026, 2, 15), Money("4.93", "USD"))
    # Without payments nothing is posted, and the invoice is quiet on the quick path.
    plain = _invoice()
    assert _quick(policy, plain, _history(policy, plain))


def test_a_stage_recorded_above_the_level_reached_is_left_to_the_full_evaluation() -> None:
    # The host recorded the agency stage (a due date moved later, a policy changed): stages
    # stick once entered, so the full evaluation keeps it.
    policy, invoice = _policy(), _invoice()
    agency = HistoryRecord(key="p:C:I:stage:agency", kind="enter_stage", customer_id="C",
                           on=date(2026, 3, 1), invoice_ids=["I"])  # fmt: skip
    history = [*_history(policy, invoice), agency]
    assert not _quick(policy, invoice, history)
    result = _evaluate(policy, invoice, history)
    assert result.actions == ()
    [stage] = result.stages
    assert (stage.stage_id, stage.level) == ("agency", 3)


def test_a_stage_recorded_before_its_trigger_moves_the_fees() -> None:
    # Fees every 7 days without a maximum: on 2026-03-08 (36 days overdue) daily runs charged
    # the fee stage's 4 occurrences (Feb 10, 17, 24, Mar 3).
    policy, invoice, as_of = _policy(max_times=None), _invoice(), date(2026, 3, 8)
    history = _history(policy, invoice, as_of)
    assert _quick(policy, invoice, history, as_of)
    assert _evaluate(policy, invoice, history, as_of).actions == ()
    # Recorded on Feb 6 instead: fees count from the record, so a fifth fell due on Mar 6.
    history = [
        record.evolve(on=date(2026, 2, 6)) if record.key == "p:C:I:stage:late" else record
        for record in history
    ]
    assert not _quick(policy, invoice, history, as_of)
    [fee] = _evaluate(policy, invoice, history, as_of).actions
    assert (fee.key, fee.due_on) == ("p:C:I:fee:late:4", date(2026, 3, 6))


def test_a_suspension_stage_recorded_early_suspends_from_the_record() -> None:
    policy, invoice = _policy(), _invoice()
    history = [
        record.evolve(on=date(2026, 2, 12)) if record.key == "p:C:I:stage:firm" else record
        for record in _history(policy, invoice)
        if record.kind.value != "suspend_service"
    ]
    assert not _quick(policy, invoice, history)
    [suspend] = _evaluate(policy, invoice, history).actions
    assert (suspend.kind.value, suspend.due_on) == ("suspend_service", date(2026, 2, 12))


def test_the_latest_stage_entry_that_posts_interest_is_planned() -> None:
    policy = _policy()
    late, firm, agency = policy.stages
    policy = policy.evolve(stages=[late.evolve(post_interest=True), firm, agency])
    needs, *_ = quick_plan(compile_policy(policy), DUE, AS_OF)
    assert {n for n in needs if n.startswith("interest:")} == {"interest:stage-firm"}
    needs, *_ = quick_plan(compile_policy(policy), DUE, DUE + timedelta(days=15))
    assert {n for n in needs if n.startswith("interest:")} == {"interest:stage-late"}


def test_without_fees_a_stage_recorded_above_the_level_reached_sticks_too() -> None:
    # Stages without fees or interest once judged their quiet invoices on the days overdue
    # alone, dropping a more severe stage the history holds; the full rule keeps it.
    policy = _policy()
    policy = policy.evolve(
        stages=[stage.evolve(fee=None, post_interest=False) for stage in policy.stages],
        interest=None,
    )
    invoice = _invoice()
    agency = HistoryRecord(key="p:C:I:stage:agency", kind="enter_stage", customer_id="C",
                           on=date(2026, 3, 1), invoice_ids=["I"])  # fmt: skip
    history = [*_history(policy, invoice), agency]
    result = evaluate([invoice], policy, AS_OF, customers=[CUSTOMER], history=history)
    [stage] = result.stages
    assert (stage.stage_id, stage.level) == ("agency", 3)
    assert result.actions == ()


@pytest.mark.parametrize(
    ("payments", "quick", "paused"),
    [
        ((), True, None),  # 1,000.00 owed: above the minimum, judged quiet
        ((("2026-02-01", "999.99"),), False, "0.01"),  # paused, evaluated in full
        ((("2026-02-01", "500.01"),), False, "499.99"),  # a cent below the minimum
        ((("2026-02-01", "500.00"),), True, None),  # the minimum itself
        ((("2026-03-11", "999.99"),), True, None),  # paid after the evaluation date
    ],
)
def test_a_minimum_balance_pause_keeps_the_quick_path_above_the_minimum(
    payments: tuple[tuple[str, str], ...], quick: bool, paused: str | None
) -> None:
    policy = _policy()
    policy = policy.evolve(pauses=policy.pauses.evolve(min_balance=[Money("500.00", "USD")]))
    history = _history(_policy(), _invoice())
    invoice = _invoice(
        payments=[
            {"id": f"P{n}", "date": on, "amount": Money(amount, "USD")}
            for n, (on, amount) in enumerate(payments)
        ]
    )
    assert _quick(policy, invoice, history) is quick
    result = _evaluate(policy, invoice, history)
    assert result.actions == ()
    if paused:
        [pause] = result.paused
        assert pause.text == f"paused: the balance {paused} USD is below the minimum"
    else:
        assert result.paused == ()
        assert result.quiet == ("I",)
