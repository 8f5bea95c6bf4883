"""The stage rule (engine/rules/stages.py) at its boundaries: exactly at a threshold enters."""

from __future__ import annotations

from datetime import date

from dunning import (
    Customer,
    Evaluation,
    Invoice,
    Money,
    Policy,
    Stage,
    StageTrigger,
    evaluate,
)
from dunning.policy import HandOff

CUSTOMER = Customer(id="C", name="Ana")


def invoice(invoice_id: str, total: str) -> Invoice:
    return Invoice(
        id=invoice_id,
        customer_id="C",
        currency="USD",
        total=total,
        issue_date=date(2026, 1, 1),
        due_date=date(2026, 1, 31),
    )


def run(invoices: list[Invoice], stage: Stage, as_of: date) -> Evaluation:
    return evaluate(invoices, Policy(id="p", stages=[stage]), as_of, customers=[CUSTOMER])


def actions(result: Evaluation) -> list[tuple[str, str, date, str]]:
    return [(a.kind.value, a.key, a.due_on, a.reason.text) for a in result.actions]


def test_an_invoice_balance_exactly_at_the_threshold_enters() -> None:
    # Entered by its balance (500.00, the threshold) a day after the due date, long before
    # its 10 days overdue; 499.99 is below and is not.
    trigger = StageTrigger(days_overdue=10, invoice_balance=[Money("500.00", "USD")], match="any")
    stage = Stage(id="big", trigger=trigger)
    result = run([invoice("I1", "500.00"), invoice("I2", "499.99")], stage, date(2026, 2, 1))
    assert actions(result) == [
        (
            "enter_stage",
            "p:C:I1:stage:big",
            date(2026, 2, 1),
            "entered stage big on 2026-02-01: invoice balance at or above 500.00",
        )
    ]


def test_a_customer_overdue_balance_exactly_at_the_threshold_enters() -> None:
    stage = Stage(id="acct", trigger=StageTrigger(customer_overdue_balance=[Money(800, "USD")]))
    at = run([invoice("I1", "500.00"), invoice("I2", "300.00")], stage, date(2026, 2, 1))
    assert [key for _, key, _, _ in actions(at)] == ["p:C:I1:stage:acct", "p:C:I2:stage:acct"]
    assert actions(at)[0][3] == (
        "entered stage acct on 2026-02-01: customer overdue balance at or above 800.00"
    )
    below = run([invoice("I1", "500.00"), invoice("I2", "299.99")], stage, date(2026, 2, 1))
    assert below.actions == ()


def test_a_hand_off_alone_is_emitted_on_the_day_the_days_are_reached() -> None:
    stage = Stage(id="d30", trigger=StageTrigger(days_overdue=30), hand_off=HandOff(agency="Ag"))
    assert run([invoice("I1", "500.00")], stage, date(2026, 3, 1)).actions == ()
    result = run([invoice("I1", "500.00")], stage, date(2026, 3, 2))
    assert actions(result) == [
        (
            "enter_stage",
            "p:C:I1:stage:d30",
            date(2026, 3, 2),
            "entered stage d30 on 2026-03-02: 30 days overdue (>= 30)",
        ),
        (
            "hand_off",
            "p:C:I1:hand-off:d30",
            date(2026, 3, 2),
            "hand 500.00 USD over to Ag on entering stage d30",
        ),
    ]
    assert result.actions[0].reason.figures == (("days_overdue", "30"), ("principal", "500.00"))
    assert result.actions[1].reason.figures == (("days_overdue", "30"),)


def test_match_all_enters_with_the_balance_exactly_at_the_threshold() -> None:
    trigger = StageTrigger(days_overdue=10, invoice_balance=[Money("500.00", "USD")])
    stage = Stage(id="both", trigger=trigger)
    result = run([invoice("I1", "500.00"), invoice("I2", "499.99")], stage, date(2026, 2, 10))
    assert [(key, on) for _, key, on, _ in actions(result)] == [
        ("p:C:I1:stage:both", date(2026, 2, 10))
    ]


def test_match_any_names_the_days_when_they_held_exactly() -> None:
    trigger = StageTrigger(days_overdue=30, invoice_balance=[Money(10_000, "USD")], match="any")
    result = run([invoice("I1", "500.00")], Stage(id="d30", trigger=trigger), date(2026, 3, 2))
    assert actions(result) == [
        (
            "enter_stage",
            "p:C:I1:stage:d30",
            date(2026, 3, 2),
            "entered stage d30 on 2026-03-02: 30 days overdue (>= 30)",
        )
    ]
