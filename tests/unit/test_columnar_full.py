"""Which invoices of a customer evaluated in full the object engine is given."""

from datetime import date, timedelta

import pyarrow as pa

from dunning import Customer, HistoryRecord, Invoice, Policy, ReminderStep, Stage, StageTrigger
from dunning import evaluate as evaluate_objects
from dunning.columnar import (
    KeptHistory,
    customers_table,
    evaluate_table,
    evaluation_tables,
    invoices_table,
)
from dunning.columnar.schema import records

AS_OF = date(2026, 3, 10)
POLICY = Policy(
    id="p",
    steps=[ReminderStep(id="late", offset_days=5, channels=["email"], template="late")],
    stages=[Stage(id="call", trigger=StageTrigger(days_overdue=20))],
)
CUSTOMER = Customer(id="C", name="Ana", contacts=[{"channel": "email", "address": "a@x"}])


def _invoice(ident: str, due: date) -> Invoice:
    return Invoice(id=ident, customer_id="C", currency="USD", total="80.00",
                   issue_date=date(2026, 1, 1), due_date=due)  # fmt: skip


#: Due: the reminder of "due" 5 days ago; at the stage: entered and reminded in the history;
#: below it: not due yet.
INVOICES = [
    _invoice("due", AS_OF - timedelta(days=5)),
    _invoice("staged", AS_OF - timedelta(days=25)),
    _invoice("later", AS_OF + timedelta(days=20)),
]
HISTORY = [
    HistoryRecord(key="p:C:staged:step:late:0", kind="send_message", customer_id="C",
                  on=AS_OF - timedelta(days=20)),
    HistoryRecord(key="p:C:staged:stage:call", kind="enter_stage", customer_id="C",
                  on=AS_OF - timedelta(days=5)),
]  # fmt: skip


def _expected(customers: list[Customer | dict[str, object]]) -> object:
    evaluation = evaluate_objects(INVOICES, POLICY, AS_OF, customers=customers, history=HISTORY)
    return evaluation_tables(evaluation, [(i.id, "C") for i in INVOICES])


def test_an_invoice_quiet_below_every_stage_stays_out_of_the_full_evaluation() -> None:
    result = evaluate_table(
        invoices_table(INVOICES), POLICY, AS_OF,
        customers=customers_table([CUSTOMER]), history=KeptHistory(HISTORY),
    )  # fmt: skip
    # "due" needs its reminder and "staged" is at a stage: both go; "later" is quiet.
    assert result.evaluated == 2
    assert result.actions.column("key").to_pylist() == ["p:C:due:step:late:0@email"]
    assert result.outcomes.column("outcome").to_pylist() == ["acted", "quiet", "quiet"]
    assert result.stages.to_pylist() == [
        {"customer_id": "C", "policy_id": "p", "stage_id": "call", "level": 1,
         "invoice_ids": ["staged"]}
    ]  # fmt: skip
    assert result == _expected([CUSTOMER])


def test_a_customer_record_validation_refuses_takes_all_its_invoices_to_rejection() -> None:
    customers = customers_table([CUSTOMER])
    refused = customers.set_column(
        customers.schema.get_field_index("name"), "name", pa.array(["Ana\x00"])
    )
    result = evaluate_table(
        invoices_table(INVOICES), POLICY, AS_OF, customers=refused, history=KeptHistory(HISTORY)
    )
    assert result.evaluated == 3
    assert result.counts()["rejected"] == 3
    details = result.outcomes.column("detail").to_pylist()
    assert len(set(details)) == 1
    assert "name" in details[0]
    assert result == _expected(records(refused, "customers"))


def test_under_a_minimum_balance_only_invoices_below_it_are_evaluated_in_full() -> None:
    from dunning import Money, Payment

    policy = POLICY.evolve(pauses=POLICY.pauses.evolve(min_balance=[Money("50.00", "USD")]))
    paid = Payment(id="P", date=AS_OF - timedelta(days=1), amount=Money("30.01", "USD"))
    later_paid = Payment(id="Q", date=AS_OF + timedelta(days=1), amount=Money("79.00", "USD"))
    # Not due yet, all three: 80.00 owed, 49.99 owed (paused), and 80.00 owed on the day.
    invoices = [
        _invoice("whole", AS_OF + timedelta(days=20)),
        _invoice("small", AS_OF + timedelta(days=20)).evolve(payments=[paid]),
        _invoice("paid-later", AS_OF + timedelta(days=20)).evolve(payments=[later_paid]),
    ]
    result = evaluate_table(
        invoices_table(invoices), policy, AS_OF, customers=customers_table([CUSTOMER])
    )
    assert result.evaluated == 1
    assert result.outcomes.column("outcome").to_pylist() == ["quiet", "paused", "quiet"]
    assert result.outcomes.column("detail").to_pylist()[1] == (
        "paused: the balance 49.99 USD is below the minimum"
    )
    expected = evaluate_objects(invoices, policy, AS_OF, customers=[CUSTOMER])
    assert result == evaluation_tables(expected, [(i.id, "C") for i in invoices])
