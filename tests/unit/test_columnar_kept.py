from datetime import date

import pyarrow as pa
import pytest

from dunning import Customer, HistoryRecord, Invoice, Policy, ReminderStep, evaluate
from dunning.columnar import (
    KeptHistory,
    customers_table,
    evaluate_table,
    history_table,
    invoices_table,
)
from dunning.columnar.kept import day_records
from dunning.errors import TableSchemaError

POLICY = Policy(
    id="p",
    steps=[
        ReminderStep(id="due", offset_days=0, channels=["email"], template="due"),
        ReminderStep(id="late", offset_days=5, channels=["email"], template="late"),
    ],
)
CUSTOMERS = [
    Customer(id=f"C{n}", name=f"Customer {n}", contacts=[{"channel": "email", "address": "a@x"}])
    for n in range(2)
]
INVOICES = [
    Invoice(id="A", customer_id="C0", currency="USD", total="200.00",
            issue_date=date(2026, 2, 1), due_date=date(2026, 3, 1)),
    Invoice(id="B", customer_id="C1", currency="USD", total="50.00",
            issue_date=date(2026, 2, 1), due_date=date(2026, 3, 6)),
]  # fmt: skip


def _record(key: str, on: date, **fields: object) -> HistoryRecord:
    values: dict[str, object] = {"kind": "send_message", "customer_id": "C0"} | fields
    return HistoryRecord(key=key, on=on, **values)  # type: ignore[arg-type]


def test_an_occurrence_done_twice_counts_from_its_first_day_whatever_the_order() -> None:
    key = "p:C0:A:step:due:0@email"
    records = [_record(key, date(2026, 3, 4)), _record(key, date(2026, 3, 1))]
    kept = KeptHistory(records)
    assert kept.done_on(key) == date(2026, 3, 1)
    assert len(kept) == 2
    # A record covering occurrences counts for them, not for its own key.
    covering = _record("p:C0:msg:email:1", date(2026, 2, 27), covers=[key, "p:C0:B:step:x:0"])
    again = KeptHistory([*records, covering])
    assert again.done_on(key) == date(2026, 2, 27)
    assert again.done_on("p:C0:B:step:x:0") == date(2026, 2, 27)
    assert again.done_on("p:C0:msg:email:1") is None
    # A failed record, a charge and a key the engine did not make count for nothing.
    failed = _record("p:C0:A:step:late:0@email", date(2026, 3, 6), status="failed", channel="sms")
    other = KeptHistory([failed, _record("manual", date(2026, 3, 6))])
    assert other.done_on("p:C0:A:step:late:0@email") is None
    assert other.done_on("manual") is None
    assert len(other) == 2


def test_advance_keeps_the_first_day_and_leaves_the_old_state_as_it_was() -> None:
    key = "p:C0:A:step:due:0"
    start = KeptHistory([_record(key, date(2026, 3, 1))])
    result = evaluate_table(
        invoices_table(INVOICES), POLICY, date(2026, 3, 6),
        customers=customers_table(CUSTOMERS), history=start,
    )  # fmt: skip
    assert sorted(result.actions.column("key").to_pylist()) == [
        "p:C0:A:step:late:0@email",
        "p:C1:B:step:due:0@email",
    ]
    later = start.advance(result, date(2026, 3, 7))
    assert later.done_on("p:C1:B:step:due:0") == date(2026, 3, 7)
    assert later.done_on("p:C0:A:step:late:0") == date(2026, 3, 7)
    assert later.done_on(key) == date(2026, 3, 1)
    assert later.last_message_on("C1") == date(2026, 3, 7)
    assert (len(start), len(later)) == (1, 3)
    assert start.done_on("p:C1:B:step:due:0") is None
    assert start.last_message_on("C1") is None
    # The same occurrences carried out again on a later day (a re-run) keep their first day.
    rerun = later.advance(result, date(2026, 3, 9))
    assert rerun.done_on("p:C1:B:step:due:0") == date(2026, 3, 7)
    assert rerun.last_message_on("C1") == date(2026, 3, 9)
    assert rerun == KeptHistory(
        pa.concat_tables([later.table, day_records(result, date(2026, 3, 9))])
    )
    assert rerun != later
    # Nothing new on the same day once advanced.
    again = evaluate_table(
        invoices_table(INVOICES), POLICY, date(2026, 3, 6),
        customers=customers_table(CUSTOMERS), history=later,
    )  # fmt: skip
    assert again.actions.num_rows == 0


def test_the_records_of_a_day_are_the_runners() -> None:
    """Executed actions and final skips, as `Evaluation.history` and `HistoryRecord.skipped`."""
    stale = Policy(
        id="p",
        steps=[
            ReminderStep(id="soon", offset_days=-3, channels=["email"], template="soon"),
            ReminderStep(id="due", offset_days=0, channels=["email"], template="due"),
        ],
    )
    on = date(2026, 3, 6)
    evaluation = evaluate(INVOICES, stale, on, customers=CUSTOMERS)
    result = evaluate_table(
        invoices_table(INVOICES), stale, on, customers=customers_table(CUSTOMERS)
    )
    records = [
        *evaluation.history(on),
        *(HistoryRecord.skipped(s, on) for s in evaluation.skipped if not s.deferred),
    ]
    assert [r.status.value for r in records] == ["executed", "executed", "skipped", "skipped"]
    assert day_records(result, on).equals(history_table(records))


def test_service_counts_and_charges() -> None:
    records = [
        _record("p:C0:suspend:1", date(2026, 3, 1), kind="suspend_service"),
        _record("p:C0:resume:1", date(2026, 3, 2), kind="resume_service"),
        _record("p:C0:suspend:2", date(2026, 3, 3), kind="suspend_service"),
        _record("p:C0:suspend:3", date(2026, 3, 4), kind="suspend_service", status="failed"),
        _record("p:C1:A:charge", date(2026, 3, 4), kind="automatic_charge", customer_id="C1"),
    ]
    kept = KeptHistory(records)
    assert kept.executed("suspend_service", "C0") == 2
    assert kept.executed("resume_service", "C0") == 1
    assert kept.executed("resume_service", "C1") == 0
    with pytest.raises(ValueError, match="kind 'send_message' is not counted"):
        kept.executed("send_message", "C0")
    assert kept.done_on("p:C1:A:charge") is None  # a charge is the full evaluation's
    # A customer with a charge in its history is always evaluated in full.
    result = evaluate_table(
        invoices_table(INVOICES), POLICY, date(2026, 2, 2),
        customers=customers_table(CUSTOMERS), history=kept,
    )  # fmt: skip
    # And one suspended more often than resumed has its service resumed.
    assert result.evaluated == 2
    assert result.actions.column("key").to_pylist() == ["p:C0:resume:2"]


def test_a_bad_history_is_refused_naming_the_column_and_the_row() -> None:
    table = history_table([_record("k", date(2026, 3, 1)), _record("k2", date(2026, 3, 1))])
    bad = table.set_column(1, "kind", pa.array(["send_message", "shout"]))
    with pytest.raises(TableSchemaError, match=r"history: column 'kind' in row 1 is 'shout'"):
        KeptHistory(bad)
    with pytest.raises(TableSchemaError, match=r"history: unknown column 'when'"):
        KeptHistory(pa.table({"when": [1]}))
    assert len(KeptHistory()) == 0
    assert repr(KeptHistory(table)) == "KeptHistory(2 records, 0 occurrences done)"


def test_a_history_of_the_required_columns_or_a_frame_reads_the_same() -> None:
    """Missing optional columns are nulls (a record with no status is executed); pandas
    frames and record batches are read through Arrow."""
    bare = pa.table(
        {
            "key": ["p:C0:A:step:due:0", "p:C0:suspend:1", "p:C0:A:charge"],
            "kind": ["send_message", "suspend_service", "automatic_charge"],
            "customer_id": ["C0", "C0", "C0"],
            "on": pa.array([date(2026, 3, 1), date(2026, 3, 2), date(2026, 3, 3)], pa.date32()),
        }
    )
    kept = KeptHistory(bare)
    assert kept.table.column_names == list(history_table(()).column_names)
    assert kept.last_message_on("C0") == date(2026, 3, 1)
    assert kept.executed("suspend_service", "C0") == 1
    assert kept.done_on("p:C0:A:step:due:0") == date(2026, 3, 1)
    assert KeptHistory(bare.to_pandas()) == kept
    assert KeptHistory(bare.to_batches()[0]) == kept
    declined = bare.append_column("decline", pa.array([None, None, "soft"]))
    assert KeptHistory(declined).done_on("p:C0:A:step:due:0") == date(2026, 3, 1)
