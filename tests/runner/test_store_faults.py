"""Faults of the store: a locked file, a damaged file, a full disk, an unreachable server."""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

import pytest

from dunning import Customer, Invoice, Policy, ReminderStep
from dunning.errors import StoreError, StoreLockedError, StoreSchemaError
from dunning.runner import EntryStatus, Outcome, PostgresStore, Runner, SQLiteStore
from dunning.testing.fakes import FakeSender

DAY = date(2026, 11, 20)


def portfolio(size: int) -> tuple[Policy, list[Invoice], list[Customer]]:
    policy = Policy(
        id="p",
        consolidate=False,
        steps=[ReminderStep(id="due", offset_days=0, channels=["email"], template="due")],
    )
    customers = [
        Customer(
            id=f"C{n}",
            name=f"Customer {n}",
            contacts=[{"channel": "email", "address": f"c{n}@example.com"}],
        )
        for n in range(size)
    ]
    invoices = [
        Invoice(
            id=f"I{n}",
            customer_id=f"C{n}",
            currency="USD",
            total="10.00",
            issue_date=date(2026, 10, 1),
            due_date=DAY,
        )
        for n in range(size)
    ]
    return policy, invoices, customers


def test_a_locked_file_is_reported_with_its_name(tmp_path: Path) -> None:
    path = tmp_path / "outbox.sqlite"
    SQLiteStore(path).close()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(StoreLockedError) as raised:
            SQLiteStore(path, timeout=0.1)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert str(raised.value) == (
        f"SQLite store {str(path)!r}: cannot write: the database is locked by another "
        "process (waited 0.1 s); try again when it has finished"
    )


def test_a_damaged_file_is_refused_with_its_name(tmp_path: Path) -> None:
    path = tmp_path / "outbox.sqlite"
    path.write_bytes(b"this is not a database\n" * 100)
    with pytest.raises(StoreSchemaError) as raised:
        SQLiteStore(path)
    assert str(raised.value).startswith(f"SQLite store {str(path)!r}: cannot open: file is not")
    assert "damaged or is not a dunning store" in str(raised.value)


def test_a_missing_folder_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "no" / "such" / "outbox.sqlite"
    with pytest.raises(StoreError, match=r"cannot open: unable to open database file"):
        SQLiteStore(path)


def test_a_full_disk_mid_run_leaves_the_store_consistent(tmp_path: Path) -> None:
    policy, invoices, customers = portfolio(400)

    class FillingUp(SQLiteStore):
        full = True

        def enqueue(self, entries):
            written = super().enqueue(entries)
            if not self.full:
                return written
            # SQLite's page limit stands in for a disk that fills up once the outbox is
            # written: recording the results fails with SQLITE_FULL after a few batches.
            pages = self._connection.execute("PRAGMA page_count").fetchone()[0]
            self._connection.execute(f"PRAGMA max_page_count = {pages + 8}")
            return written

    store = FillingUp(tmp_path / "outbox.sqlite")
    email = FakeSender("email")
    runner = Runner(store, policy, {"email": email}, batch_size=50)
    with pytest.raises(StoreError, match=r"cannot write: database or disk is full"):
        runner.run(DAY, invoices, customers)
    sent_before = len(email.sent)
    recorded = len(store.entries([EntryStatus.DONE]))
    assert 0 < recorded < sent_before < 400
    assert len(store.entries()) == 400
    store.full = False
    store._connection.execute("PRAGMA max_page_count = 1073741823")
    # Claims of this (living) process stand until their lease ends; a new process would
    # take them at once.
    runner.store.release(runner.worker)
    report = runner.run(DAY, invoices, customers)
    # Nothing recorded is sent again; what was sent but not recorded goes again with its
    # key, and the provider answers it from its first send.
    assert len(email.sent) == 400
    assert report.count(outcome=Outcome.DELIVERED) == 400 - recorded
    assert len(email.calls) == 400 + sent_before - recorded
    assert {e.status for e in store.entries()} == {EntryStatus.DONE}
    assert len(store.entries()) == 400


def test_an_unreachable_postgresql_server_is_named() -> None:
    with pytest.raises(StoreError) as raised:
        PostgresStore("host=127.0.0.1 port=1 user=dunning password=secret connect_timeout=2")
    assert str(raised.value).startswith(
        "PostgreSQL store 'host=127.0.0.1 port=1 user=dunning password=*** connect_timeout=2': "
        "cannot connect:"
    )
    assert "secret" not in str(raised.value)
