"""The Arrow tables of an evaluation (`dunning.columnar.tables`)."""

from datetime import date
from decimal import Decimal
from typing import Any

from dunning import Customer, Invoice, Policy, ReminderStep, Stage, StageFee, StageTrigger, evaluate
from dunning.columnar import evaluation_tables
from dunning.engine.actions import Action, SendMessage
from dunning.penalties import PercentFee

AS_OF = date(2026, 3, 10)
POLICY = Policy(
    id="p",
    steps=[
        ReminderStep(id="soon", offset_days=-3, channels=["email"], template="soon"),
        ReminderStep(id="late", offset_days=5, channels=["sms", "email"], template="late"),
    ],
    stages=[
        Stage(
            id="fee",
            trigger=StageTrigger(days_overdue=30),
            fee=StageFee(rule=PercentFee(percent=Decimal("1.5"))),
        )
    ],
)
CUSTOMERS = [
    Customer(id="C0", name="Ana", contacts=[{"channel": "email", "address": "ana@example.com"}]),
    Customer(id="C1", name="Luis", contacts=[{"channel": "sms", "address": "+573001234567"}]),
]
INVOICES = [
    Invoice(id="A", customer_id="C0", currency="USD", total="200.00",
            issue_date=date(2026, 2, 1), due_date=date(2026, 3, 13)),
    Invoice(id="B", customer_id="C1", currency="COP", total="250000",
            issue_date=date(2026, 1, 1), due_date=date(2026, 1, 31)),
    Invoice(id="B2", customer_id="C1", currency="COP", total="1000",
            issue_date=date(2026, 1, 1), due_date=date(2026, 1, 31)),
]  # fmt: skip


def _row(action: Action) -> dict[str, Any]:
    """The row of `action`, field by field (what the table must hold)."""
    amount = action.total if isinstance(action, SendMessage) else getattr(action, "amount", None)
    message = action if isinstance(action, SendMessage) else None
    return {
        "key": action.key,
        "kind": action.kind.value,
        "customer_id": action.customer_id,
        "invoice_ids": list(action.invoice_ids),
        "due_on": action.due_on,
        "rule_id": action.rule_id,
        "occurrence": action.occurrence,
        "stage_id": getattr(action, "stage_id", None),
        "channel": None if message is None else message.channel.value,
        "address": None if message is None else message.address,
        "template": None if message is None else message.template,
        "amount": None if amount is None else str(amount.amount),
        "currency": None if amount is None else amount.currency,
        "covers": list(action.covers),
        "reason_rule": action.reason.rule,
        "reason_text": action.reason.text,
        "reason_figures": [{"name": n, "value": v} for n, v in action.reason.figures],
    }


def test_every_field_of_every_action_skip_and_stage_is_in_its_table() -> None:
    evaluation = evaluate(INVOICES, POLICY, AS_OF, customers=CUSTOMERS)
    tables = evaluation_tables(evaluation, [(i.id, i.customer_id) for i in INVOICES])
    assert len(evaluation.actions) >= 4
    assert any(a.reason.figures for a in evaluation.actions)
    assert evaluation.skipped
    assert tables.actions.to_pylist() == [_row(a) for a in evaluation.actions]
    message = tables.actions.to_pylist()[1]
    assert (message["kind"], message["channel"], message["address"], message["amount"]) == (
        "send_message", "sms", "+573001234567", "251000"
    )  # fmt: skip
    assert message["invoice_ids"] == ["B", "B2"]
    assert message["covers"] == ["p:C1:B2:step:late:0", "p:C1:B:step:late:0"]
    assert message["reason_figures"] == [
        {"name": "days_overdue", "value": "38"},
        {"name": "balance", "value": "250000"},
    ]
    fee = tables.actions.to_pylist()[-1]
    assert (fee["kind"], fee["stage_id"], fee["amount"], fee["currency"], fee["channel"]) == (
        "charge_fee", "fee", "3750", "COP", None
    )  # fmt: skip
    assert tables.skipped.to_pylist() == [
        {
            "key": s.key,
            "customer_id": s.customer_id,
            "invoice_id": s.invoice_id,
            "due_on": s.due_on,
            "cause": s.cause.value,
            "retry_on": s.retry_on,
            "rule_id": s.rule_id,
            "occurrence": s.occurrence,
            "reason_rule": s.reason.rule,
            "reason_text": s.reason.text,
            "reason_figures": [{"name": n, "value": v} for n, v in s.reason.figures],
        }
        for s in evaluation.skipped
    ]
    assert tables.stages.to_pylist() == [
        {"customer_id": "C1", "policy_id": "p", "stage_id": "fee", "level": 1,
         "invoice_ids": ["B", "B2"]}
    ]  # fmt: skip


def test_an_evaluation_without_actions_gives_empty_tables_of_the_schema() -> None:
    evaluation = evaluate([], POLICY, AS_OF, customers=CUSTOMERS)
    tables = evaluation_tables(evaluation, [])
    assert (tables.actions.num_rows, tables.skipped.num_rows, tables.stages.num_rows) == (0, 0, 0)
    assert tables.actions.schema.field("reason_figures").type.value_type.num_fields == 2
