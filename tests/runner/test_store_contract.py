"""The contract every store passes: SQLite and PostgreSQL run the same tests."""

from __future__ import annotations

import random
import socket
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta

import pytest
from tests.runner.conftest import open_store

from dunning.engine.actions import ActionKind, HistoryRecord, HistoryStatus
from dunning.errors import StoreError, StoreSchemaError
from dunning.invoices import Channel
from dunning.runner import Completion, EntryStatus, OutboxEntry, PostgresStore, SQLiteStore
from dunning.runner._sql import _STEPS, SCHEMA_VERSION

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
DAY = date(2026, 11, 20)


def entry(
    key: str, *, at: datetime = NOW, kind: ActionKind = ActionKind.SEND_MESSAGE
) -> OutboxEntry:
    return OutboxEntry(
        key=key,
        kind=kind,
        customer_id="C1",
        invoice_ids=("I1", "I2"),
        covers=(f"{key}/a", f"{key}/b"),
        channel=Channel.EMAIL if kind is ActionKind.SEND_MESSAGE else None,
        due_on=date(2026, 11, 18),
        run_on=DAY,
        payload="{}",
        next_attempt_at=at,
    )


def done(key: str, status: EntryStatus = EntryStatus.DONE) -> Completion:
    record = HistoryRecord(
        key=key,
        kind=ActionKind.SEND_MESSAGE,
        customer_id="C1",
        on=DAY,
        status=HistoryStatus.FAILED if status is EntryStatus.FAILED else HistoryStatus.EXECUTED,
        invoice_ids=("I1", "I2"),
        covers=(f"{key}/a", f"{key}/b"),
        channel=Channel.EMAIL,
    )
    return Completion(key=key, status=status, record=record, detail="ref-1")


def test_enqueue_writes_each_key_once_and_counts_open_entries_as_history(store) -> None:
    assert store.enqueue([entry("k1"), entry("k2")]) == 2
    assert store.enqueue([entry("k1"), entry("k3")]) == 1
    assert [e.key for e in store.entries()] == ["k1", "k2", "k3"]
    first = store.entries()[0]
    assert first == entry("k1")
    history = sorted(store.history(), key=lambda r: r.key)
    assert [(r.key, r.status, r.on, r.covers, r.channel) for r in history] == [
        (k, HistoryStatus.EXECUTED, DAY, (f"{k}/a", f"{k}/b"), Channel.EMAIL)
        for k in ("k1", "k2", "k3")
    ]


def test_a_key_in_the_history_is_not_enqueued(store) -> None:
    record = HistoryRecord(key="k1", kind="send_message", customer_id="C1", on=DAY)
    assert store.add_history([record], source="adopt") == 1
    assert store.add_history([record], source="adopt") == 0
    assert store.enqueue([entry("k1"), entry("k2")]) == 1
    assert [e.key for e in store.entries()] == ["k2"]
    # An adopted record for a key already in the outbox is left out too.
    assert store.add_history([record.evolve(key="k2")], source="adopt") == 0


def test_claims_take_due_entries_once(store) -> None:
    store.enqueue([entry("k1"), entry("k2"), entry("later", at=NOW + timedelta(hours=1))])
    first = store.claim("host:1:a", NOW, lease_seconds=30, limit=1)
    second = store.claim("host:2:b", NOW, lease_seconds=30, limit=10)
    third = store.claim("host:2:b", NOW, lease_seconds=30, limit=10)
    assert [e.key for e in first] == ["k1"]
    assert [e.key for e in second] == ["k2"]
    assert third == ()
    assert first[0].status is EntryStatus.CLAIMED
    assert first[0].claimed_by == "host:1:a"
    assert first[0].lease_until == NOW + timedelta(seconds=30)
    # Claimed entries still count as done for the engine.
    assert {r.key for r in store.history()} == {"k1", "k2", "later"}


def test_an_expired_lease_lets_another_worker_claim(store) -> None:
    store.enqueue([entry("k1")])
    assert store.claim("host:1:a", NOW, lease_seconds=30, limit=10)
    assert store.claim("host:2:b", NOW + timedelta(seconds=29), 30, 10) == ()
    taken = store.claim("host:2:b", NOW + timedelta(seconds=30), 30, 10)
    assert [e.claimed_by for e in taken] == ["host:2:b"]
    # The first worker's late result is ignored: the entry is no longer its own.
    assert store.complete("host:1:a", [done("k1")]) == 0
    assert store.complete("host:2:b", [done("k1")]) == 1


def test_a_dead_process_on_this_host_loses_its_claims_at_once(store) -> None:
    finished = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    dead = f"{socket.gethostname()}:{int(finished.stdout)}:ab"
    store.enqueue([entry("k1")])
    assert store.claim(dead, NOW, lease_seconds=3600, limit=10)
    taken = store.claim("other:1:cd", NOW, 30, 10)
    assert [e.key for e in taken] == ["k1"]


def test_a_live_process_or_another_host_keeps_its_claims_until_the_lease_ends(store) -> None:
    import os

    store.enqueue([entry("k1"), entry("k2")])
    assert store.claim(f"{socket.gethostname()}:{os.getpid()}:ab", NOW, 3600, 1)
    assert store.claim("elsewhere:999999:ab", NOW, 3600, 1)
    assert store.claim("other:1:cd", NOW, 30, 10) == ()


def test_complete_closes_the_entry_and_writes_its_history(store) -> None:
    store.enqueue([entry("k1"), entry("k2")])
    store.claim("w:1:a", NOW, 30, 10)
    assert store.complete("w:1:a", [done("k1"), done("k2", EntryStatus.FAILED)]) == 2
    statuses = {e.key: (e.status, e.claimed_by, e.last_error) for e in store.entries()}
    assert statuses == {
        "k1": (EntryStatus.DONE, None, None),
        "k2": (EntryStatus.FAILED, None, "ref-1"),
    }
    records = sorted(store.history(), key=lambda r: r.key)
    assert [(r.key, r.status) for r in records] == [
        ("k1", HistoryStatus.EXECUTED),
        ("k2", HistoryStatus.FAILED),
    ]
    assert store.claim("w:1:a", NOW + timedelta(days=1), 30, 10) == ()
    assert [(r.key, source, detail) for r, source, detail in store.history_details()] == [
        ("k1", "runner", "ref-1"),
        ("k2", "runner", "ref-1"),
    ]


def test_postpone_waits_until_the_next_attempt(store) -> None:
    store.enqueue([entry("k1")])
    store.claim("w:1:a", NOW, 30, 10)
    later = NOW + timedelta(minutes=2)
    assert store.postpone("w:1:a", "k1", 1, later, "503 from provider")
    assert not store.postpone("w:1:a", "k1", 1, later, "twice")
    (waiting,) = store.entries([EntryStatus.PENDING])
    assert (waiting.attempts, waiting.next_attempt_at, waiting.last_error) == (
        1,
        later,
        "503 from provider",
    )
    assert store.claim("w:1:a", later - timedelta(seconds=1), 30, 10) == ()
    assert [e.attempts for e in store.claim("w:1:a", later, 30, 10)] == [1]


def test_release_gives_back_claims(store) -> None:
    store.enqueue([entry("k1"), entry("k2")])
    store.claim("w:1:a", NOW, 3600, 10)
    assert store.release("w:1:a") == 2
    assert len(store.claim("w:2:b", NOW, 30, 10)) == 2


def test_retry_makes_a_failed_entry_due_again_and_forgets_its_failure(store) -> None:
    store.enqueue([entry("k1"), entry("k2")])
    store.claim("w:1:a", NOW, 30, 10)
    store.complete("w:1:a", [done("k1", EntryStatus.FAILED), done("k2")])
    later = NOW + timedelta(days=1)
    assert store.retry(["k1", "k2", "unknown"], later) == 1
    (again,) = store.entries([EntryStatus.PENDING])
    assert (again.key, again.attempts, again.next_attempt_at) == ("k1", 0, later)
    assert {(r.key, r.status) for r in store.history()} == {
        ("k1", HistoryStatus.EXECUTED),  # open again: counted as done
        ("k2", HistoryStatus.EXECUTED),
    }


def test_cancel_records_a_pending_entry_as_skipped(store) -> None:
    store.enqueue([entry("k1"), entry("k2")])
    store.claim("w:1:a", NOW, 30, 1)
    assert store.cancel(["k1", "k2"], DAY) == 1  # k1 is claimed: too late to cancel
    assert {e.key: e.status for e in store.entries()} == {
        "k1": EntryStatus.CLAIMED,
        "k2": EntryStatus.CANCELLED,
    }
    assert {(r.key, r.status) for r in store.history()} == {
        ("k1", HistoryStatus.EXECUTED),
        ("k2", HistoryStatus.SKIPPED),
    }


def test_a_reopened_store_keeps_everything(store, reopen) -> None:
    store.enqueue([entry("k1")])
    again = reopen()
    try:
        assert [e.key for e in again.entries()] == ["k1"]
    finally:
        again.close()


def test_a_schema_written_by_a_newer_version_is_refused(store, reopen) -> None:
    if isinstance(store, SQLiteStore):
        store._connection.execute("UPDATE dunning_schema SET version = 99")
    else:
        assert isinstance(store, PostgresStore)
        store._connection.execute("UPDATE dunning_schema SET version = 99")
    with pytest.raises(StoreSchemaError, match=r"schema version 99, written by a newer version"):
        reopen()


def test_the_history_of_some_customers(store) -> None:
    other = entry("k2").evolve(customer_id="C2")
    store.enqueue([entry("k1"), other])
    record = HistoryRecord(key="k3", kind="enter_stage", customer_id="C2", on=DAY)
    store.add_history([record], source="adopt")
    assert sorted(r.key for r in store.history({"C2"})) == ["k2", "k3"]
    assert sorted(r.key for r in store.history({"C1", "nobody"})) == ["k1"]
    assert list(store.history(())) == []
    many = {f"C{n}" for n in range(1200)}  # more than one statement's worth of names
    assert sorted(r.key for r in store.history(many)) == ["k1", "k2", "k3"]


def _old_store(kind: str, where: str, version: int) -> None:
    """Write the store of `version` at `where` as that release did, with one row of each table."""
    statements = [
        "CREATE TABLE dunning_schema (version INTEGER NOT NULL)",
        f"INSERT INTO dunning_schema (version) VALUES ({version})",
        *(statement for step in _STEPS[:version] for statement in step),
        "INSERT INTO outbox VALUES ('k1', 'send_message', 'C1', '[\"I1\"]', '[]', 'email', "
        "'2026-11-18', '2026-11-20', '{}', 'pending', 0, 1.0, NULL, NULL, NULL, 1.0)",
        "INSERT INTO history VALUES ('old', 'retry_charge', 'C1', '2026-11-19', 'failed', "
        "'[\"I1\"]', '[]', NULL, 'runner', 'declined for good: stolen_card', 1.0)",
    ]
    if kind == "sqlite":
        import sqlite3

        with sqlite3.connect(where) as connection:
            for statement in statements:
                connection.execute(statement)
        connection.close()
    else:
        import psycopg

        with psycopg.connect(where, autocommit=True) as connection:
            for statement in statements:
                connection.execute(statement)


@pytest.mark.parametrize("version", [1, 2])
def test_a_store_of_an_older_version_is_migrated_when_opened(store_place, version) -> None:
    _old_store(*store_place, version)
    again = open_store(*store_place)
    try:
        assert [e.key for e in again.entries()] == ["k1"]
        (row,) = again._connection.execute("SELECT version FROM dunning_schema").fetchall()
        assert row[0] == SCHEMA_VERSION == 3
        # A record written before declines were kept reads back without one.
        ((old, source, detail),) = again.history_details()
        assert (old.key, old.status, old.decline, old.decline_code) == (
            "old",
            HistoryStatus.FAILED,
            None,
            None,
        )
        assert (source, detail) == ("runner", "declined for good: stolen_card")
        # The new columns are written and read back in the upgraded store.
        again.enqueue([entry("k2", kind=ActionKind.RETRY_CHARGE)])
        again.claim("w:1:a", NOW, 30, 10)
        assert again.complete("w:1:a", [declined("k2")]) == 1
        records = {r.key: r for r in again.history()}
        assert (records["k2"].decline, records["k2"].decline_code) == ("hard", "stolen_card")
        # The step's indexes exist: creating one of them again fails.
        with pytest.raises(StoreError), again._transaction() as cursor:
            cursor.execute("CREATE INDEX history_customer ON history (customer_id)")
    finally:
        again.close()
    # Opening the upgraded store again runs no step twice.
    open_store(*store_place).close()


def declined(key: str, decline: str = "hard", code: str | None = "stolen_card") -> Completion:
    record = HistoryRecord(
        key=key,
        kind=ActionKind.RETRY_CHARGE,
        customer_id="C1",
        on=DAY,
        status=HistoryStatus.FAILED,
        invoice_ids=("I1", "I2"),
        decline=decline,
        decline_code=code,
    )
    return Completion(key=key, status=EntryStatus.FAILED, record=record, detail="declined")


@pytest.mark.parametrize(("decline", "code"), [("hard", "stolen_card"), ("soft", None)])
def test_declines_are_kept_in_the_history(store, decline, code) -> None:
    store.enqueue([entry("k1", kind=ActionKind.RETRY_CHARGE)])
    assert store.history_details() == ()
    store.claim("w:1:a", NOW, 30, 10)
    assert store.complete("w:1:a", [declined("k1", decline, code)]) == 1
    adopted = declined("k2", decline, code).record
    assert store.add_history([adopted], source="import") == 1
    expected = {"k1": declined("k1", decline, code).record, "k2": adopted}
    assert {r.key: r for r in store.history()} == expected
    assert {r.key: r for r, _, _ in store.history_details()} == expected
    # A cancelled entry's record carries no decline.
    store.enqueue([entry("k3")])
    assert store.cancel(["k3"], DAY) == 1
    skipped = {r.key: r for r in store.history()}["k3"]
    assert (skipped.status, skipped.decline, skipped.decline_code) == (
        HistoryStatus.SKIPPED,
        None,
        None,
    )


def _varied_history(seed: int, count: int) -> list[HistoryRecord]:
    """Records of every kind and status, with covers and keys shared between them."""
    chooser = random.Random(seed)
    keys = [f"p:C{c}:I{i}:{rest}" for c in range(3) for i in range(3) for rest in ("a", "b:1")]
    keys += ["flat", "a:b:c", "p:C1:suspend:s"]
    records = []
    for number in range(count):
        kind = chooser.choice(list(ActionKind))
        status = chooser.choice(list(HistoryStatus))
        charge = kind in (ActionKind.AUTOMATIC_CHARGE, ActionKind.RETRY_CHARGE)
        decline = chooser.choice([None, "soft", "hard"]) if charge else None
        records.append(
            HistoryRecord(
                key=chooser.choice(keys) + f"#{number}" if number % 3 else chooser.choice(keys),
                kind=kind,
                customer_id=f"C{chooser.randrange(3)}",
                on=DAY - timedelta(days=chooser.randrange(4)),
                status=status,
                invoice_ids=tuple(chooser.sample(["I0", "I1", "I2"], chooser.randrange(3))),
                covers=tuple(chooser.sample(keys, chooser.randrange(3))),
                channel=chooser.choice([None, *Channel]),
                decline=decline,
                decline_code=chooser.choice([None, "stolen_card", 'a "quoted" code'])
                if decline
                else None,
            )
        )
    return records


def test_the_index_of_the_history_is_that_of_its_records(store) -> None:
    from tests.unit.test_engine_history import state

    from dunning.engine.history import HistoryIndex
    from dunning.runner._sql import history_index

    records = _varied_history(seed=11, count=400)
    store.add_history(records, source="import")
    kept = list(store.history())  # repeated keys are written once
    assert len(kept) < len(records)
    opened = [entry(f"p:C{n % 3}:I{n}:open:{n}", kind=kind) for n, kind in enumerate(ActionKind)]
    store.enqueue(opened)
    expected = state(HistoryIndex([*kept, *(item.record() for item in opened)]))
    assert state(history_index(store)) == expected
    assert state(HistoryIndex(store.history())) == expected

    class Wrapped:  # a host's own store: indexed from its `HistoryRecord`s
        def history(self, customers=None):
            return store.history(customers)

    assert state(history_index(Wrapped())) == expected  # type: ignore[arg-type]
    assert expected["hard_declines"] and expected["failed_channels"] and expected["suspends"]
    # The history of some customers only: their records, nothing of the others.
    some = [r for r in [*kept, *(item.record() for item in opened)] if r.customer_id == "C1"]
    assert state(history_index(store, {"C1"})) == state(HistoryIndex(some))


def test_complete_closes_a_key_given_twice_once_and_takes_many_at_once(store) -> None:
    keys = [f"k{n:04}" for n in range(620)]  # more than one statement's worth of keys
    store.enqueue([entry(key) for key in keys])
    assert len(store.claim("w:1:a", NOW, 30, 1000)) == 620
    assert store.complete("w:1:a", [done("k0000"), done("k0000", EntryStatus.FAILED)]) == 1
    assert store.complete("w:1:a", [done(key) for key in keys]) == 619
    assert {e.status for e in store.entries()} == {EntryStatus.DONE}
    assert len(store.history_details()) == 620
    assert store.history_details()[0][0].status is HistoryStatus.EXECUTED


def test_cancel_counts_each_entry_dates_it_and_names_its_source(store) -> None:
    store.enqueue([entry("k1"), entry("k2"), entry("k3")])
    later = DAY + timedelta(days=2)
    assert store.cancel(["k1", "k2"], later) == 2
    assert [e.key for e in store.entries([EntryStatus.CANCELLED, EntryStatus.PENDING])] == [
        "k1",
        "k2",
        "k3",
    ]
    details = [(r.key, r.on, r.status, source) for r, source, _ in store.history_details()]
    assert details == [
        ("k1", later, HistoryStatus.SKIPPED, "cancelled"),
        ("k2", later, HistoryStatus.SKIPPED, "cancelled"),
    ]


def test_a_dead_process_is_told_by_its_host_even_with_colons_in_the_name() -> None:
    from dunning.runner._sql import _dead_here

    finished = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    pid = int(finished.stdout)
    assert _dead_here(f"fe80::1:{pid}:ab", "fe80::1")
    assert not _dead_here(f"fe80::1:{pid}:ab", "fe80::2")
    assert not _dead_here(f"fe80::1:x{pid}:ab", "fe80::1")


def test_covered_keys_with_escapes_read_back_whole(store) -> None:
    from dunning.runner._sql import history_index

    odd = ('p:C1:Iñ:step:"due":0', "p:C1:I\\2:stage:late")
    record = HistoryRecord(
        key="k1", kind="send_message", customer_id="C1", on=DAY, invoice_ids=("Iñ",), covers=odd
    )
    # One covered key each, escaped in JSON (a non-ASCII letter, a backslash), no quotes.
    singles = [
        record.evolve(key=f"k{n}", covers=(key,), on=DAY - timedelta(days=n))
        for n, key in enumerate(("p:C1:Iñ:step:due:0", odd[1]), 2)
    ]
    store.add_history([record, *singles], source="import")
    assert {r.key: r.covers for r in store.history()} == {
        "k1": odd,
        "k2": ("p:C1:Iñ:step:due:0",),
        "k3": (odd[1],),
    }
    index = history_index(store)
    assert [index.done_on(key) for key in odd] == [DAY, DAY - timedelta(days=3)]
    assert index.done_on("p:C1:Iñ:step:due:0") == DAY - timedelta(days=2)
