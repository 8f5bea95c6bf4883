"""`SQLiteStore`: the runner's embedded store, one SQLite file in WAL mode."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from dunning.errors import StoreError, StoreLockedError, StoreSchemaError
from dunning.runner._sql import _Cursor, _SQLStore
from dunning.runner.store import EntryStatus

__all__ = ["SQLiteStore"]


class SQLiteStore(_SQLStore):
    """The outbox and history in one SQLite file (Python's `sqlite3`, WAL mode).

    The schema is created on first use and migrated by versioned steps; a file written by a
    newer version of the library is refused. Every write is one ``BEGIN IMMEDIATE``
    transaction, committed with ``synchronous=FULL``, so a crash or a power cut never leaves
    an action marked sent that was not recorded, nor loses a written outbox entry. Several
    processes may share the file: SQLite serialises their writes and the claims keep them
    from dispatching the same entry.

    Args:
        path: the database file (created when missing), or ``":memory:"``.
        timeout: seconds to wait for another process's write lock before
            `StoreLockedError`.

    Raises:
        StoreLockedError: another process held the file locked for longer than `timeout`.
        StoreSchemaError: the file is not a SQLite database, or was written by a newer version.
        StoreError: any other failure to open the file (a missing folder, no permission).

    >>> store = SQLiteStore(":memory:")
    >>> store.entries(), list(store.history())
    ((), [])
    >>> store.close()
    """

    def __init__(self, path: str | Path, *, timeout: float = 10.0) -> None:
        self.path = str(path)
        self._name = f"SQLite store {self.path!r}"
        self.timeout = timeout
        with self._errors("open"):
            self._connection = sqlite3.connect(
                self.path, timeout=timeout, isolation_level=None, check_same_thread=False
            )
        try:
            with self._errors("open"):
                self._write_ahead()
                self._connection.execute("PRAGMA synchronous = FULL")
            with self._transaction() as cursor:
                cursor.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table' AND name = "
                    "'dunning_schema'"
                )
                known: int | None = None
                if cursor.fetchone() is not None:
                    cursor.execute("SELECT version FROM dunning_schema")
                    known = int(cursor.fetchone()[0])
                self._migrate(cursor, known)
        except BaseException:
            self._connection.close()
            raise

    def __repr__(self) -> str:
        return f"SQLiteStore({self.path!r})"

    def _write_ahead(self) -> None:
        """Put the file in WAL mode, waiting up to `timeout` for other processes opening it.

        Two processes opening a new file at once both ask to switch its journal; SQLite
        answers one of them "locked" at once, without waiting, because waiting could
        deadlock. The switch is retried, with growing pauses, until `timeout` has passed.
        """
        deadline = time.monotonic() + self.timeout
        pause = 0.001
        while True:
            try:
                self._connection.execute("PRAGMA journal_mode = WAL")
                return
            except sqlite3.OperationalError as error:
                if "locked" not in str(error) or time.monotonic() + pause > deadline:
                    raise
            time.sleep(pause)
            pause = min(pause * 2, 0.1)

    @contextmanager
    def _errors(self, doing: str) -> Iterator[None]:
        try:
            yield
        except sqlite3.OperationalError as error:
            text = str(error)
            if "locked" in text or "busy" in text:
                raise StoreLockedError(
                    f"{self._name}: cannot {doing}: the database is locked by another process "
                    f"(waited {self.timeout:g} s); try again when it has finished"
                ) from error
            raise StoreError(f"{self._name}: cannot {doing}: {text}") from error
        except sqlite3.DatabaseError as error:
            raise StoreSchemaError(
                f"{self._name}: cannot {doing}: {error} (the file is damaged or is not a "
                "dunning store)"
            ) from error

    @contextmanager
    def _transaction(self) -> Iterator[_Cursor]:
        with self._errors("write"):
            cursor = self._connection.cursor()
            cursor.execute("BEGIN IMMEDIATE")
            try:
                yield cursor
            except BaseException:
                # SQLite has already rolled back after some errors (a full disk): only roll
                # back what is still open, so that the first error is the one reported.
                if self._connection.in_transaction:
                    cursor.execute("ROLLBACK")
                raise
            cursor.execute("COMMIT")

    @contextmanager
    def _reading(self) -> Iterator[_Cursor]:
        with self._errors("read"):
            cursor = self._connection.cursor()
            cursor.execute("BEGIN")
            try:
                yield cursor
            finally:
                cursor.execute("COMMIT")

    def _claim_keys(
        self, cursor: _Cursor, now: float, lease_until: float, worker: str, limit: int
    ) -> list[Any]:
        # BEGIN IMMEDIATE holds the write lock: no other process claims between the two
        # statements.
        cursor.execute(
            "SELECT key FROM outbox WHERE (status = ? AND next_attempt_at <= ?) "
            "OR (status = ? AND lease_until <= ?) ORDER BY next_attempt_at, key LIMIT ?",
            (EntryStatus.PENDING.value, now, EntryStatus.CLAIMED.value, now, limit),
        )
        keys = [row[0] for row in cursor.fetchall()]
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            marks = ", ".join("?" * len(chunk))
            cursor.execute(
                f"UPDATE outbox SET status = ?, claimed_by = ?, lease_until = ? "
                f"WHERE key IN ({marks})",
                (EntryStatus.CLAIMED.value, worker, lease_until, *chunk),
            )
        return keys

    def close(self) -> None:
        """Close the connection to the file."""
        self._connection.close()
