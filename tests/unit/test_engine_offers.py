"""The installment-plan offer and task rules, field by field."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from test_engine import executed, invoice, policy, run

from dunning import ActionKind, PlanTerms, Stage, StageTrigger, Task

STAGES = [
    Stage(id="plan", trigger=StageTrigger(days_overdue=10), offer_plan=PlanTerms(installments=3)),
    Stage(id="call", trigger=StageTrigger(days_overdue=20), task=Task(kind="call", queue="q")),
]
# Two USD invoices (due 2026-01-31 and 2026-01-25) and one EUR invoice.
INVOICES = [
    invoice("I1"),
    invoice("I2", total="500.00", due_date=date(2026, 1, 25)),
    invoice("I3", currency="EUR", total="300.00"),
]


def _of(kind, options):
    result = run(INVOICES, date(2026, 2, 25), policy(steps=[], stages=STAGES), **options)
    return [a for a in result.actions if a.kind is kind]


def test_one_offer_per_currency_covers_its_invoices() -> None:
    usd, eur = _of(ActionKind.OFFER_PLAN, {})
    dumped = usd.model_dump()
    assert dumped.pop("terms") == PlanTerms(installments=3).model_dump()
    assert dumped == {
        "key": "b2c:C1:offer:USD:plan",
        "customer_id": "C1",
        "invoice_ids": ("I1", "I2"),
        "due_on": date(2026, 2, 4),  # I2 entered the stage first
        "covers": (),
        "reason": {
            "rule": "stage:plan",
            "text": "offer an installment plan of 3 installments for 1500.00 USD",
            "figures": (),
        },
        "rule_id": "stage:plan",
        "occurrence": None,
        "kind": ActionKind.OFFER_PLAN,
        "stage_id": "plan",
        "amount": {"amount": Decimal("1500.00"), "currency": "USD"},
    }
    assert (eur.key, eur.invoice_ids, eur.due_on, str(eur.amount)) == (
        "b2c:C1:offer:EUR:plan",
        ("I3",),
        date(2026, 2, 10),
        "300.00 EUR",
    )


def test_an_offer_made_is_not_repeated_and_does_not_hold_back_the_others() -> None:
    first = run(INVOICES, date(2026, 2, 25), policy(steps=[], stages=STAGES))
    history = [h for h in executed(first) if h.key == "b2c:C1:offer:EUR:plan"]
    offers = _of(ActionKind.OFFER_PLAN, {"history": history})
    assert [a.key for a in offers] == ["b2c:C1:offer:USD:plan"]


def test_the_tasks_of_a_stage_are_one_task_covering_each_invoice() -> None:
    (task,) = _of(ActionKind.CREATE_TASK, {})
    assert task.model_dump() == {
        "key": "b2c:C1:task:call:4da6fcc2dd71f7a1",
        "customer_id": "C1",
        "invoice_ids": ("I1", "I2", "I3"),
        "due_on": date(2026, 2, 14),
        "covers": ("b2c:C1:I1:task:call", "b2c:C1:I2:task:call", "b2c:C1:I3:task:call"),
        "reason": {
            "rule": "stage:call",
            "text": "call Ana Gómez about 3 invoice(s) at stage call",
            "figures": (),
        },
        "rule_id": "stage:call",
        "occurrence": None,
        "kind": ActionKind.CREATE_TASK,
        "stage_id": "call",
        "task": {"kind": "call", "queue": "q", "description": ""},
    }
    alone = run(INVOICES[:1], date(2026, 2, 25), policy(steps=[], stages=STAGES))
    assert [(a.key, a.covers) for a in alone.actions if a.kind is ActionKind.CREATE_TASK] == [
        ("b2c:C1:I1:task:call", ())
    ]
