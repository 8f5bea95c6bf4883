import re
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from decimal import Decimal

import pandas as pd
import pyarrow as pa
import pytest

from dunning import (
    Customer,
    HistoryRecord,
    Invoice,
    Policy,
    ReminderStep,
    Stage,
    StageFee,
    StageTrigger,
    evaluate,
)
from dunning.columnar import (
    TableEvaluation,
    customers_table,
    evaluate_batches,
    evaluate_table,
    evaluation_tables,
    history_table,
    invoices_table,
)
from dunning.errors import TableSchemaError
from dunning.penalties import PercentFee

AS_OF = date(2026, 3, 10)

POLICY = Policy(
    id="p",
    steps=[
        ReminderStep(id="soon", offset_days=-3, channels=["email"], template="soon"),
        ReminderStep(id="late", offset_days=5, channels=["email"], template="late"),
    ],
    stages=[
        Stage(
            id="fee",
            trigger=StageTrigger(days_overdue=30),
            fee=StageFee(rule=PercentFee(percent=Decimal("1.5"))),
        )
    ],
)
# The same reminders without the fee stage: quiet invoices are then found in bulk.
REMINDERS = Policy(id="p", steps=POLICY.steps)


def _customer(number: int) -> Customer:
    return Customer(
        id=f"C{number}",
        name=f"Customer {number}",
        contacts=[{"channel": "email", "address": f"c{number}@example.com"}],
    )


CUSTOMERS = [_customer(n) for n in range(3)]
INVOICES = [
    # Due in three days: the "soon" reminder.
    Invoice(id="A", customer_id="C0", currency="USD", total="200.00",
            issue_date=date(2026, 2, 1), due_date=date(2026, 3, 13)),
    # 38 days overdue: the fee stage (1.5% of 250.00 = 3.75) and the "late" reminder.
    Invoice(id="B", customer_id="C1", currency="USD", total="250.00",
            issue_date=date(2026, 1, 1), due_date=date(2026, 1, 31)),
    # Not due for a month: quiet.
    Invoice(id="C", customer_id="C2", currency="USD", total="99.99",
            issue_date=date(2026, 3, 1), due_date=date(2026, 4, 10)),
    # Paid in full: quiet.
    Invoice(id="D", customer_id="C2", currency="USD", total="10.00", status="paid",
            issue_date=date(2026, 1, 1), due_date=date(2026, 1, 31)),
]  # fmt: skip


def _expected(policy: Policy, history: tuple[HistoryRecord, ...] = ()) -> TableEvaluation:
    evaluation = evaluate(INVOICES, policy, AS_OF, customers=CUSTOMERS, history=history)
    return evaluation_tables(evaluation, [(i.id, i.customer_id) for i in INVOICES])


def test_actions_outcomes_and_figures_to_the_cent() -> None:
    result = evaluate_table(
        invoices_table(INVOICES), POLICY, AS_OF, customers=customers_table(CUSTOMERS)
    )
    assert result.actions.select(["kind", "key", "amount", "currency", "due_on"]).to_pylist() == [
        {"kind": "send_message", "key": "p:C0:A:step:soon:0@email", "amount": "200.00",
         "currency": "USD", "due_on": date(2026, 3, 10)},
        {"kind": "send_message", "key": "p:C1:B:step:late:0@email", "amount": "250.00",
         "currency": "USD", "due_on": date(2026, 2, 5)},
        {"kind": "enter_stage", "key": "p:C1:B:stage:fee", "amount": None, "currency": None,
         "due_on": date(2026, 3, 2)},
        {"kind": "charge_fee", "key": "p:C1:B:fee:fee:0", "amount": "3.75", "currency": "USD",
         "due_on": date(2026, 3, 2)},
    ]  # fmt: skip
    assert result.outcomes.to_pylist() == [
        {"invoice_id": "A", "customer_id": "C0", "outcome": "acted", "detail": None},
        {"invoice_id": "B", "customer_id": "C1", "outcome": "acted", "detail": None},
        {"invoice_id": "C", "customer_id": "C2", "outcome": "quiet", "detail": None},
        {"invoice_id": "D", "customer_id": "C2", "outcome": "quiet", "detail": None},
    ]
    fee = result.actions.filter(pa.compute.equal(result.actions["kind"], "charge_fee"))
    assert fee["reason_rule"].to_pylist() == ["stage:fee"]
    assert result.stages.to_pylist() == [
        {"customer_id": "C1", "policy_id": "p", "stage_id": "fee", "level": 1,
         "invoice_ids": ["B"]}
    ]  # fmt: skip
    assert result == _expected(POLICY)
    assert result.counts() == {"acted": 2, "skipped": 0, "paused": 0, "quiet": 2, "rejected": 0}


def test_quiet_customers_are_found_in_bulk_with_their_history() -> None:
    done = evaluate(INVOICES, REMINDERS, AS_OF, customers=CUSTOMERS)
    history = done.history()
    result = evaluate_table(
        invoices_table(INVOICES),
        REMINDERS,
        AS_OF,
        customers=customers_table(CUSTOMERS),
        history=history_table(history),
    )
    # Every reminder due is in the history: no invoice needs the full evaluation.
    assert result.evaluated == 0
    assert result.actions.num_rows == 0
    assert result.counts()["quiet"] == 4
    assert result == _expected(REMINDERS, history)
    # Without the history, the two customers with a reminder due take the full evaluation.
    again = evaluate_table(
        invoices_table(INVOICES), REMINDERS, AS_OF, customers=customers_table(CUSTOMERS)
    )
    assert again.evaluated == 2
    assert again == _expected(REMINDERS)


def test_history_records_are_accepted_as_models() -> None:
    history = evaluate(INVOICES, POLICY, AS_OF, customers=CUSTOMERS).history()
    result = evaluate_table(
        invoices_table(INVOICES), POLICY, AS_OF, customers=customers_table(CUSTOMERS),
        history=history,
    )  # fmt: skip
    assert result.actions.num_rows == 0
    assert result == _expected(POLICY, history)


def test_unknown_customers_and_repeated_ids_are_rejected_as_evaluate_rejects_them() -> None:
    extra = [
        INVOICES[2].evolve(customer_id="NOBODY", id="X"),
        INVOICES[2].evolve(id="A"),  # "A" is C0's too: every copy is rejected
    ]
    invoices = [*INVOICES, *extra]
    result = evaluate_table(
        invoices_table(invoices), REMINDERS, AS_OF, customers=customers_table(CUSTOMERS)
    )
    rows = {(r["invoice_id"], r["customer_id"]): r for r in result.outcomes.to_pylist()}
    assert rows[("X", "NOBODY")]["detail"] == "customer 'NOBODY' is not among the customers given"
    assert rows[("A", "C0")]["outcome"] == rows[("A", "C2")]["outcome"] == "rejected"
    assert rows[("A", "C2")]["detail"] == "invoice id 'A' is given 2 times"
    assert result.outcomes.num_rows == len(invoices)
    evaluation = evaluate(invoices, REMINDERS, AS_OF, customers=CUSTOMERS)
    assert result == evaluation_tables(evaluation, [(i.id, i.customer_id) for i in invoices])


def test_an_invalid_row_is_rejected_with_its_error_and_the_batch_goes_on() -> None:
    table = invoices_table(INVOICES)
    totals = table["total"].to_pylist()
    totals[1] = "250.001"  # more decimals than the dollar has
    table = table.set_column(table.schema.get_field_index("total"), "total", pa.array(totals))
    result = evaluate_table(table, POLICY, AS_OF, customers=customers_table(CUSTOMERS))
    row = result.outcomes.to_pylist()[1]
    assert row["outcome"] == "rejected"
    assert "250.001 has more decimals than the 2 of the USD minor unit" in row["detail"]
    assert result.outcomes["outcome"].to_pylist() == ["acted", "rejected", "quiet", "quiet"]


def test_pandas_frames_and_decimal_columns_give_the_same_result() -> None:
    frame = invoices_table(INVOICES).to_pandas()
    frame["total"] = [Decimal(t) for t in frame["total"]]
    people = customers_table(CUSTOMERS).to_pandas()
    assert isinstance(frame, pd.DataFrame)
    result = evaluate_table(frame, POLICY, AS_OF, customers=people)
    assert result == _expected(POLICY)


def _batches(table: pa.Table, size: int) -> Iterator[pa.RecordBatch]:
    yield from table.sort_by("customer_id").to_batches(max_chunksize=size)


def test_streamed_batches_give_the_one_shot_result() -> None:
    customers = [_customer(n) for n in range(40)]
    invoices = [
        INVOICES[n % 3].evolve(
            id=f"I{n:03}",
            customer_id=f"C{n % 40}",
            due_date=INVOICES[n % 3].due_date + timedelta(days=n % 17),
        )
        for n in range(200)
    ]
    table = invoices_table(invoices)
    whole = evaluate_table(table, POLICY, AS_OF, customers=customers_table(customers))
    parts = list(
        evaluate_batches(_batches(table, 7), POLICY, AS_OF, customers=customers_table(customers))
    )
    assert len(parts) > 20  # customers split across batches wait for the next one
    streamed = TableEvaluation.concat(AS_OF, parts)
    # The streamed outcomes come in customer order; the rest is in the same order.
    order = ["customer_id", "invoice_id"]
    assert streamed.outcomes.sort_by([(c, "ascending") for c in order]) == whole.outcomes.sort_by(
        [(c, "ascending") for c in order]
    )
    assert (streamed.actions, streamed.skipped, streamed.stages) == (
        whole.actions,
        whole.skipped,
        whole.stages,
    )
    assert whole.actions.num_rows > 100


def test_batches_out_of_customer_order_are_refused() -> None:
    table = invoices_table(INVOICES)
    batches = [table.slice(1, 1).to_batches()[0], table.slice(0, 1).to_batches()[0]]
    message = (
        "invoices: batch 2 is not in ascending customer_id order after 'C1'; sort the "
        "invoices by customer_id to stream them"
    )
    with pytest.raises(TableSchemaError, match=re.escape(message)):
        list(evaluate_batches(batches, POLICY, AS_OF, customers=customers_table(CUSTOMERS)))


def _replace(table: pa.Table, name: str, values: pa.Array) -> pa.Table:
    return table.set_column(table.schema.get_field_index(name), name, values)


_TABLE = invoices_table(INVOICES)


@pytest.mark.parametrize(
    ("table", "message"),
    [
        (
            _TABLE.drop_columns(["due_date"]),
            "invoices: required column 'due_date' is missing (required: id, customer_id, "
            "currency, total, issue_date, due_date)",
        ),
        (
            _replace(_TABLE, "total", pa.array([200.0, 250.0, 99.99, 10.0])),
            "invoices: column 'total' has Arrow type double; it must be decimal128 or string "
            "(exact; never a float)",
        ),
        (
            _replace(_TABLE, "due_date", pa.array([datetime(2026, 3, 13)] * 4, pa.timestamp("s"))),
            "invoices: column 'due_date' has Arrow type timestamp[s]; it must be date32",
        ),
        (
            _replace(_TABLE, "id", pa.array(["A", None, "C", "D"], pa.string())),
            "invoices: column 'id' is null in row 1; it is required",
        ),
        (
            _TABLE.append_column("amount_due", pa.array(["1"] * 4)),
            "invoices: unknown column 'amount_due'; the columns are id, customer_id, currency, "
            "total, issue_date, due_date, status, disputed, promise_to_pay, number, terms, "
            "untaxed, payments, credit_notes, charges, tags (see dunning.columnar.schema)",
        ),
    ],
    ids=["missing", "float", "timestamp", "null", "unknown"],
)
def test_a_wrong_schema_is_refused_with_the_column_and_the_rule(
    table: pa.Table, message: str
) -> None:
    with pytest.raises(TableSchemaError, match=re.escape(message)):
        evaluate_table(table, POLICY, AS_OF, customers=customers_table(CUSTOMERS))


def test_history_values_are_checked_in_bulk() -> None:
    history = history_table(evaluate(INVOICES, POLICY, AS_OF, customers=CUSTOMERS).history())
    kinds = history["kind"].to_pylist()
    kinds[2] = "send_email"
    history = _replace(history, "kind", pa.array(kinds))
    message = "history: column 'kind' in row 2 is 'send_email'; it must be one of enter_stage"
    with pytest.raises(TableSchemaError, match=re.escape(message)):
        evaluate_table(_TABLE, POLICY, AS_OF, customers=customers_table(CUSTOMERS), history=history)


def test_anything_but_a_table_or_a_frame_is_refused() -> None:
    message = "invoices: expected a pyarrow Table, RecordBatch or batches, or a pandas or polars"
    with pytest.raises(TableSchemaError, match=re.escape(message)):
        evaluate_table([1, 2], POLICY, AS_OF, customers=customers_table(CUSTOMERS))


def _daily(policy: Policy, invoices: list[Invoice]) -> list[HistoryRecord]:
    history: list[HistoryRecord] = []
    day = date(2026, 2, 1)
    while day <= AS_OF:
        done = evaluate(invoices, policy, day, customers=CUSTOMERS, history=history)
        history.extend(done.history())
        day += timedelta(days=1)
    return history


def _both(
    policy: Policy, invoices: list[Invoice], history: list[HistoryRecord]
) -> tuple[TableEvaluation, TableEvaluation]:
    result = evaluate_table(
        invoices_table(invoices), policy, AS_OF, customers=customers_table(CUSTOMERS),
        history=history_table(history),
    )  # fmt: skip
    evaluation = evaluate(invoices, policy, AS_OF, customers=CUSTOMERS, history=history)
    return result, evaluation_tables(evaluation, [(i.id, i.customer_id) for i in invoices])


@pytest.mark.parametrize("suspend", [False, True], ids=["stage", "suspending-stage"])
def test_customers_at_a_stage_keep_their_stage_in_bulk(suspend: bool) -> None:
    stage = Stage(id="call", trigger=StageTrigger(days_overdue=10), suspend_service=suspend)
    policy = REMINDERS.evolve(stages=[stage])
    history = _daily(policy, INVOICES)
    assert any(r.kind == "suspend_service" for r in history) is suspend
    result, expected = _both(policy, INVOICES, history)
    assert result.stages.to_pylist() == [
        {"customer_id": "C1", "policy_id": "p", "stage_id": "call", "level": 1,
         "invoice_ids": ["B"]}
    ]  # fmt: skip
    # Already suspended, still at the suspending stage: nothing changes. A suspending stage's
    # entry day counts (its notices and suspension date from it): entered on the day daily
    # runs enter it, the customer is found quiet in bulk.
    assert result.evaluated == 0
    assert result == expected


def test_a_stage_entered_earlier_than_daily_runs_enter_it_takes_the_full_evaluation() -> None:
    """Its suspension counts from the day recorded, which the keys alone do not say."""
    stage = Stage(id="call", trigger=StageTrigger(days_overdue=10), suspend_service=True)
    policy = REMINDERS.evolve(stages=[stage])
    history = _daily(policy, INVOICES)
    (entered,) = [r for r in history if r.kind == "enter_stage"]
    assert entered.on == date(2026, 2, 10)  # B is due on 2026-01-31
    early = entered.evolve(on=date(2026, 2, 9))
    history = [early if r is entered else r for r in history]
    result, expected = _both(policy, INVOICES, history)
    assert result.evaluated == 1
    assert result == expected


def test_a_change_of_service_takes_the_full_evaluation() -> None:
    stage = Stage(id="cut", trigger=StageTrigger(days_overdue=10), suspend_service=True)
    policy = REMINDERS.evolve(stages=[stage])
    history = _daily(policy, INVOICES)
    # The suspension record lost: the suspension is due again.
    lost = [r for r in history if r.kind != "suspend_service"]
    result, expected = _both(policy, INVOICES, lost)
    assert result.evaluated == 1
    assert result.actions["kind"].to_pylist() == ["suspend_service"]
    assert result == expected
    # The invoice paid since: the service resumes.
    paid = [i.evolve(status="paid") if i.id == "B" else i for i in INVOICES]
    result, expected = _both(policy, paid, history)
    assert result.evaluated == 1
    assert result.actions["kind"].to_pylist() == ["resume_service"]
    assert result == expected


def test_a_quiet_customer_takes_its_highest_stage_with_the_invoices_at_it() -> None:
    stages = [
        Stage(id="first", trigger=StageTrigger(days_overdue=10)),
        Stage(id="second", trigger=StageTrigger(days_overdue=20)),
    ]
    policy = REMINDERS.evolve(stages=stages)
    invoices = [
        *INVOICES,
        INVOICES[1].evolve(id="B2", due_date=date(2026, 2, 23)),  # 15 days overdue
        INVOICES[1].evolve(id="B0", due_date=date(2026, 2, 1)),  # 37 days overdue
    ]
    history: list[HistoryRecord] = []
    day = date(2026, 2, 1)
    while day <= AS_OF:
        done = evaluate(invoices, policy, day, customers=CUSTOMERS, history=history)
        history.extend(done.history())
        day += timedelta(days=1)
    result = evaluate_table(
        invoices_table(invoices), policy, AS_OF, customers=customers_table(CUSTOMERS),
        history=history_table(history),
    )  # fmt: skip
    assert result.evaluated == 0
    assert result.stages.to_pylist() == [
        {"customer_id": "C1", "policy_id": "p", "stage_id": "second", "level": 2,
         "invoice_ids": ["B", "B0"]}
    ]  # fmt: skip
    evaluation = evaluate(invoices, policy, AS_OF, customers=CUSTOMERS, history=history)
    assert result == evaluation_tables(evaluation, [(i.id, i.customer_id) for i in invoices])


def test_batches_dictionaries_and_date64_columns_are_read_as_their_values() -> None:
    table = invoices_table(INVOICES)
    table = _replace(table, "currency", table["currency"].dictionary_encode())
    table = _replace(table, "due_date", table["due_date"].cast(pa.date64()))
    result = evaluate_table(
        table.to_batches(max_chunksize=2), POLICY, AS_OF, customers=customers_table(CUSTOMERS)
    )
    assert result == _expected(POLICY)


def test_payments_settling_an_invoice_make_it_quiet_in_bulk() -> None:
    paid = INVOICES[0].evolve(
        payments=[
            {
                "id": "P1",
                "date": date(2026, 3, 1),
                "amount": {"amount": "200.00", "currency": "USD"},
            }
        ]
    )
    later = INVOICES[0].evolve(
        id="A2",
        customer_id="C1",
        payments=[
            {"id": "P2", "date": date(2026, 3, 11), "amount": {"amount": "200", "currency": "USD"}}
        ],
    )
    invoices = [paid, later, *INVOICES[2:]]
    result = evaluate_table(
        invoices_table(invoices), REMINDERS, AS_OF, customers=customers_table(CUSTOMERS)
    )
    # A2 is paid after the evaluation date: still owed, its reminder is due.
    assert result.outcomes["outcome"].to_pylist() == ["quiet", "acted", "quiet", "quiet"]
    assert result.evaluated == 1  # only A2's customer: A is settled, found quiet in bulk
    evaluation = evaluate(invoices, REMINDERS, AS_OF, customers=CUSTOMERS)
    assert result == evaluation_tables(evaluation, [(i.id, i.customer_id) for i in invoices])


@pytest.mark.parametrize(
    ("payments", "outcome"),
    [
        ('[{"id": "P", "date": "2026-03-01", "amount": {"amount": "1", "currency": "EUR"}}]',
         "rejected"),
        ('[{"id": "P", "date": "not a date", "amount": "1.00"}]', "rejected"),
    ],
)  # fmt: skip
def test_payments_the_bulk_path_cannot_read_take_the_full_evaluation(
    payments: str, outcome: str
) -> None:
    table = invoices_table(INVOICES)
    cells = table["payments"].to_pylist()
    cells[0] = payments
    table = _replace(table, "payments", pa.array(cells, pa.string()))
    result = evaluate_table(table, REMINDERS, AS_OF, customers=customers_table(CUSTOMERS))
    assert result.outcomes["outcome"].to_pylist()[0] == outcome


def test_a_cell_of_invalid_json_is_located() -> None:
    table = invoices_table(INVOICES)
    cells = table["payments"].to_pylist()
    cells[1] = "[{"
    table = _replace(table, "payments", pa.array(cells, pa.string()))
    message = "invoices: column 'payments' of 'B' is not valid JSON"
    with pytest.raises(TableSchemaError, match=re.escape(message)):
        evaluate_table(table, POLICY, AS_OF, customers=customers_table(CUSTOMERS))


def test_a_column_given_twice_is_refused() -> None:
    table = pa.Table.from_arrays([_TABLE["id"], _TABLE["id"]], names=["id", "id"])
    with pytest.raises(TableSchemaError, match="invoices: column 'id' is given twice"):
        evaluate_table(table, POLICY, AS_OF, customers=customers_table(CUSTOMERS))
