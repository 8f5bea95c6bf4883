"""Batches at a cost in proportion to the batch: customers and history sliced or streamed,
and the customers evaluated in full built a bounded chunk at a time."""

import re
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal

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
    engine,
    evaluate_batches,
    evaluate_table,
    evaluation_tables,
    history_table,
    invoices_table,
)
from dunning.errors import TableSchemaError
from dunning.penalties import PercentFee

AS_OF = date(2026, 3, 10)
STEPS = (
    ReminderStep(id="soon", offset_days=-3, channels=["email"], template="soon"),
    ReminderStep(id="late", offset_days=5, channels=["email"], template="late"),
)
FEES = Policy(
    id="p",
    steps=STEPS,
    stages=[
        Stage(
            id="fee",
            trigger=StageTrigger(days_overdue=30),
            fee=StageFee(rule=PercentFee(percent=Decimal("1.5"))),
        )
    ],
)
# Without the fee stage, quiet invoices are found in bulk.
REMINDERS = Policy(id="p", steps=STEPS)
CUSTOMERS = [
    Customer(
        id=f"C{n:02}",
        name=f"Customer {n}",
        contacts=[{"channel": "email", "address": f"c{n}@example.com"}],
    )
    for n in range(30)
]
INVOICES = [
    Invoice(
        id=f"I{n:03}",
        customer_id=f"C{n % 30:02}",
        currency="USD",
        total=f"{100 + n}.00",
        issue_date=date(2026, 1, 1),
        due_date=date(2026, 1, 20) + timedelta(days=n % 53),
    )
    for n in range(120)
]


#: Actions due on AS_OF (history of runs every third day): without fees, with fees.
ACTIONS = {False: 7, True: 15}


def _daily(policy: Policy, last: date) -> list[HistoryRecord]:
    history: list[HistoryRecord] = []
    day = date(2026, 1, 10)
    while day <= last:
        done = evaluate(INVOICES, policy, day, customers=CUSTOMERS, history=history)
        history.extend(done.history())
        day += timedelta(days=3)  # every third day: some reminders are caught up today
    return history


def _stream(table: pa.Table, key: str, size: int, pulled: list[int]) -> Iterator[pa.RecordBatch]:
    for batch in table.sort_by(key).to_batches(max_chunksize=size):
        pulled.append(batch.num_rows)
        yield batch


@pytest.mark.parametrize("policy", [REMINDERS, FEES], ids=["bulk", "fees"])
def test_many_small_batches_with_streamed_customers_and_history_equal_one_call(
    policy: Policy,
) -> None:
    history = _daily(policy, AS_OF - timedelta(days=1))
    invoices = invoices_table(INVOICES).sort_by("customer_id")
    customers, records = customers_table(CUSTOMERS), history_table(history)
    whole = evaluate_table(invoices, policy, AS_OF, customers=customers, history=records)
    expected = evaluate(INVOICES, policy, AS_OF, customers=CUSTOMERS, history=history)
    assert whole.actions == evaluation_tables(expected, []).actions
    assert whole.actions.num_rows == ACTIONS[policy.stages != ()]
    pulled: list[int] = []
    parts = list(
        evaluate_batches(
            invoices.to_batches(max_chunksize=4),
            policy,
            AS_OF,
            customers=_stream(customers, "id", 3, pulled),
            history=_stream(records, "customer_id", 5, pulled),
        )
    )
    assert len(parts) == 30  # one customer per batch of 4 invoices: each waits for the next
    assert sum(pulled) == len(CUSTOMERS) + len(history)
    assert TableEvaluation.concat(AS_OF, parts) == whole
    # Held whole and in no order: sorted once and sliced per batch, the same result.
    shuffled = customers.take(pa.array([(7 * n) % 30 for n in range(30)]))
    reversed_history = records.take(pa.array(range(records.num_rows - 1, -1, -1)))
    sliced = evaluate_batches(
        invoices.to_batches(max_chunksize=4),
        policy,
        AS_OF,
        customers=shuffled,
        history=reversed_history,
    )
    assert TableEvaluation.concat(AS_OF, list(sliced)) == whole


def test_a_batch_reads_the_streams_only_as_far_as_its_customers() -> None:
    invoices = invoices_table(INVOICES).sort_by("customer_id")
    pulled: list[int] = []
    results = evaluate_batches(
        invoices.to_batches(max_chunksize=8),
        REMINDERS,
        AS_OF,
        customers=_stream(customers_table(CUSTOMERS), "id", 2, pulled),
    )
    first = next(results)
    # The first batch holds C00 and C01; C01 waits; C00 and the batch after it were read.
    assert first.outcomes.column("customer_id").to_pylist() == ["C00"] * 4
    assert pulled == [2]
    next(results)
    assert pulled == [2, 2]


def test_history_records_from_a_generator_are_read() -> None:
    history = _daily(REMINDERS, AS_OF - timedelta(days=1))
    invoices = invoices_table(INVOICES).sort_by("customer_id")
    customers = customers_table(CUSTOMERS)
    streamed = evaluate_batches(
        invoices.to_batches(max_chunksize=50),
        REMINDERS,
        AS_OF,
        customers=customers,
        history=(record for record in history),
    )
    whole = evaluate_table(invoices, REMINDERS, AS_OF, customers=customers, history=history)
    assert TableEvaluation.concat(AS_OF, list(streamed)) == whole


def test_a_customer_stream_out_of_order_is_refused() -> None:
    customers = customers_table(CUSTOMERS)
    batches = iter([customers.slice(5, 2).to_batches()[0], customers.slice(0, 2).to_batches()[0]])
    message = (
        "customers: batch 2 is not in ascending id order after 'C06'; sort the customers "
        "by id to stream them"
    )
    with pytest.raises(TableSchemaError, match=re.escape(message)):
        list(
            evaluate_batches(
                invoices_table(INVOICES).sort_by("customer_id").to_batches(max_chunksize=200),
                REMINDERS,
                AS_OF,
                customers=batches,
            )
        )


def test_a_history_stream_is_checked_batch_by_batch() -> None:
    bad = history_table(
        [HistoryRecord(key="k", kind="send_message", customer_id="C00", on=date(2026, 3, 1))]
    )
    bad = bad.set_column(1, "kind", pa.array(["sent"]))
    message = "history: column 'kind' in row 0 is 'sent'; it must be one of"
    with pytest.raises(TableSchemaError, match=re.escape(message)):
        list(
            evaluate_batches(
                invoices_table(INVOICES).sort_by("customer_id").to_batches(),
                REMINDERS,
                AS_OF,
                customers=customers_table(CUSTOMERS),
                history=iter(bad.to_batches()),
            )
        )


@pytest.mark.parametrize("chunk", [1, 7])
@pytest.mark.parametrize("policy", [REMINDERS, FEES], ids=["bulk", "fees"])
def test_customers_evaluated_in_full_by_chunks_give_one_evaluation(
    monkeypatch: pytest.MonkeyPatch, chunk: int, policy: Policy
) -> None:
    history = _daily(policy, AS_OF - timedelta(days=1))
    # An unknown customer and an invoice id given twice: rejected as `evaluate` rejects them.
    invoices = [
        *INVOICES,
        INVOICES[0].evolve(id="X", customer_id="nobody"),
        INVOICES[1].evolve(customer_id="C05"),
    ]
    expected = evaluation_tables(
        evaluate(invoices, policy, AS_OF, customers=CUSTOMERS, history=history),
        [(i.id, i.customer_id) for i in invoices],
    )
    table = invoices_table(invoices)
    people, records = customers_table(CUSTOMERS), history_table(history)
    unchunked = evaluate_table(table, policy, AS_OF, customers=people, history=records)
    monkeypatch.setattr(engine, "_CHUNK", chunk)
    chunked = evaluate_table(table, policy, AS_OF, customers=people, history=records)
    assert chunked == unchunked == expected
    assert chunked.counts()["rejected"] == 3
    # Without the repeated id, the chunks are many: one customer each for a chunk of one.
    result = evaluate_table(
        table.slice(0, len(INVOICES) + 1), policy, AS_OF, customers=people, history=records
    )
    assert result == evaluation_tables(
        evaluate(invoices[:-1], policy, AS_OF, customers=CUSTOMERS, history=history),
        [(i.id, i.customer_id) for i in invoices[:-1]],
    )
