"""The pause rule: causes, the paused invoice's text, and the stage level it keeps."""

from __future__ import annotations

from datetime import date

from test_engine import cut_off, executed, invoice, kinds, policy, run

from dunning import (
    Money,
    PauseCause,
    Pauses,
    PlanTerms,
    QuietDays,
    build_plan,
)
from dunning.engine import CustomerStage


def test_a_paused_invoice_lists_every_cause_and_keeps_its_stage() -> None:
    # Stage `cut` entered on 2026-03-02; on 2026-03-10 the invoice is disputed, promised for
    # that very day (a promise holds through its day) and below the minimum.
    staged = cut_off()
    history = executed(run([invoice()], date(2026, 3, 2), staged))
    paused_policy = policy(
        steps=[],
        stages=staged.stages,
        quiet_days=QuietDays(),
        pauses=Pauses(min_balance=[Money("10.00", "USD")]),
    )
    changes = {"disputed": True, "promise_to_pay": date(2026, 3, 10), "total": "5.00"}
    result = run([invoice(**changes)], date(2026, 3, 10), paused_policy, history=history)
    assert (result.actions, result.skipped) == ((), ())
    (paused,) = result.paused
    assert paused.model_dump() == {
        "invoice_id": "I1",
        "customer_id": "C1",
        "causes": (
            PauseCause.DISPUTED,
            PauseCause.PROMISE_TO_PAY,
            PauseCause.BELOW_MINIMUM,
        ),
        "until": date(2026, 3, 10),
        "text": "paused: the invoice is disputed; the customer promised to pay by 2026-03-10; "
        "the balance 5.00 USD is below the minimum",
    }
    assert result.stages == (
        CustomerStage(
            customer_id="C1", policy_id="b2c", stage_id="cut", level=1, invoice_ids=("I1",)
        ),
    )


def test_a_balance_at_the_minimum_is_not_below_it() -> None:
    minimum = policy(pauses=Pauses(min_balance=[Money("10.00", "USD")]))
    at = run([invoice(total="10.00")], date(2026, 2, 10), minimum)
    assert at.paused == ()
    below = run([invoice(total="9.99")], date(2026, 2, 10), minimum)
    assert [p.text for p in below.paused] == ["paused: the balance 9.99 USD is below the minimum"]


def test_a_plan_pauses_only_the_invoices_it_covers() -> None:
    covered = invoice("I2")
    plan = build_plan([covered], PlanTerms(installments=2), id="PL", start_date=date(2026, 2, 5))
    result = run([invoice(), covered], date(2026, 2, 10), plans=[plan])
    assert [(p.invoice_id, p.causes, p.until) for p in result.paused] == [
        ("I2", (PauseCause.INSTALLMENT_PLAN,), None)
    ]
    assert {a.invoice_ids for a in result.actions} == {("I1",)}


def test_a_broken_promise_sets_no_end_to_a_pause_for_another_cause() -> None:
    disputed = invoice(disputed=True, promise_to_pay=date(2026, 2, 5))
    (paused,) = run([disputed], date(2026, 2, 10)).paused
    assert (paused.causes, paused.until) == ((PauseCause.DISPUTED,), None)


def test_a_plan_steps_the_stage_down_and_resumes_service() -> None:
    # Suspended on entering stage `cut` on 2026-03-02; a plan in good standing from
    # 2026-03-05 covers the invoice: no stage is kept and service resumes.
    history = executed(run([invoice()], date(2026, 3, 2), cut_off()))
    plan = build_plan([invoice()], PlanTerms(installments=2), id="PL", start_date=date(2026, 3, 5))
    result = run([invoice()], date(2026, 3, 10), cut_off(), history=history, plans=[plan])
    assert kinds(result) == [("resume_service", "b2c:C1:resume:1")]
    assert result.stages == ()


def test_a_paused_invoice_at_a_suspending_stage_keeps_the_suspension_pending() -> None:
    # Stage `cut` entered on Saturday 2026-02-28, its notice held by the weekend; disputed on
    # Monday, the invoice is paused but still at the stage, so the suspension waits for the
    # notice from the day of entry.
    due = date(2026, 1, 29)
    history = executed(run([invoice(due_date=due)], date(2026, 2, 28), cut_off()))
    result = run(
        [invoice(due_date=due, disputed=True)], date(2026, 3, 2), cut_off(), history=history
    )
    assert result.actions == ()
    (waiting,) = result.skipped
    assert (waiting.key, waiting.due_on, waiting.retry_on) == (
        "b2c:C1:suspend:1",
        date(2026, 2, 28),
        date(2026, 3, 3),
    )
