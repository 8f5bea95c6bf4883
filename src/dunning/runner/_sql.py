"""The SQL both stores share: schema steps, reads and writes over a DB-API cursor.

Statements are written with ``?`` placeholders; a store whose driver takes another style
rewrites them once (`_SQLStore._sql`). Times are stored as seconds since the epoch (UTC),
dates as ISO 8601 text and tuples as JSON arrays, so the tables read well in any SQL tool.
"""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Collection, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from datetime import UTC, date, datetime
from typing import Any, Final, Protocol

from dunning.engine.actions import ActionKind, HistoryRecord, HistoryStatus
from dunning.engine.history import HistoryIndex, _Occurrences
from dunning.errors import StoreSchemaError
from dunning.invoices import Channel
from dunning.runner.store import Completion, EntryStatus, OutboxEntry, Store

__all__: list[str] = []

#: The schema, in versioned steps; a store is migrated by running the steps it lacks.
#: Never edit a released step: add a new one.
_STEPS: Final[tuple[tuple[str, ...], ...]] = (
    (
        """CREATE TABLE outbox (
            key TEXT PRIMARY KEY,
            kind TEXT NOT NULL,
            customer_id TEXT NOT NULL,
            invoice_ids TEXT NOT NULL,
            covers TEXT NOT NULL,
            channel TEXT,
            due_on TEXT NOT NULL,
            run_on TEXT NOT NULL,
            payload TEXT NOT NULL,
            status TEXT NOT NULL,
            attempts INTEGER NOT NULL,
            next_attempt_at DOUBLE PRECISION,
            claimed_by TEXT,
            lease_until DOUBLE PRECISION,
            last_error TEXT,
            updated_at DOUBLE PRECISION NOT NULL
        )""",
        "CREATE INDEX outbox_due ON outbox (status, next_attempt_at)",
        """CREATE TABLE history (
            key TEXT PRIMARY KEY,
            kind TEXT NOT NULL,
            customer_id TEXT NOT NULL,
            on_date TEXT NOT NULL,
            status TEXT NOT NULL,
            invoice_ids TEXT NOT NULL,
            covers TEXT NOT NULL,
            channel TEXT,
            source TEXT NOT NULL,
            detail TEXT,
            recorded_at DOUBLE PRECISION NOT NULL
        )""",
    ),
    (
        # Reading one customer's history (the fallback after a failed message).
        "CREATE INDEX history_customer ON history (customer_id)",
        "CREATE INDEX outbox_customer ON outbox (customer_id)",
    ),
    (
        # How a failed charge was declined: a hard decline stops the engine's retries.
        "ALTER TABLE history ADD COLUMN decline TEXT",
        "ALTER TABLE history ADD COLUMN decline_code TEXT",
    ),
)

#: The schema version this release writes.
SCHEMA_VERSION: Final = len(_STEPS)

_OPEN = (EntryStatus.PENDING.value, EntryStatus.CLAIMED.value)
_ENTRY_COLUMNS = (
    "key, kind, customer_id, invoice_ids, covers, channel, due_on, run_on, payload, status, "
    "attempts, next_attempt_at, claimed_by, lease_until, last_error"
)
_HISTORY_COLUMNS = (
    "key, kind, customer_id, on_date, status, invoice_ids, covers, channel, decline, decline_code"
)
_OPENED_COLUMNS = (
    "key, kind, customer_id, run_on, 'executed', invoice_ids, covers, channel, NULL, NULL"
)
_OCCURRENCE_COLUMNS = "key, kind, customer_id, on_date, status, covers, channel"
_CHARGE_KINDS = f"'{ActionKind.AUTOMATIC_CHARGE.value}', '{ActionKind.RETRY_CHARGE.value}'"
_PLAIN_STATUSES = f"'{HistoryStatus.EXECUTED.value}', '{HistoryStatus.SKIPPED.value}'"
_OPEN_STATUSES = "status IN (?, ?)"
# The history, and the open outbox entries (which count as executed), whole or in two parts:
# the occurrences `HistoryIndex._add_occurrences` takes as plain rows, and the rest.
_HISTORY_SELECT = f"SELECT {_HISTORY_COLUMNS} FROM history WHERE 1 = 1"
_OPENED_SELECT = f"SELECT {_OPENED_COLUMNS} FROM outbox WHERE {_OPEN_STATUSES}"
_PLAIN_SELECT = (
    f"SELECT {_OCCURRENCE_COLUMNS} FROM history "
    f"WHERE kind NOT IN ({_CHARGE_KINDS}) AND status IN ({_PLAIN_STATUSES})"
)
_PLAIN_OPENED_SELECT = (
    "SELECT key, kind, customer_id, run_on, 'executed', covers, channel FROM outbox "
    f"WHERE {_OPEN_STATUSES} AND kind NOT IN ({_CHARGE_KINDS})"
)
_OTHER_SELECT = (
    f"SELECT {_HISTORY_COLUMNS} FROM history "
    f"WHERE (kind IN ({_CHARGE_KINDS}) OR status NOT IN ({_PLAIN_STATUSES}))"
)
_OTHER_OPENED_SELECT = (
    f"SELECT {_OPENED_COLUMNS} FROM outbox WHERE {_OPEN_STATUSES} AND kind IN ({_CHARGE_KINDS})"
)


def _open_values(select: str) -> tuple[str, ...]:
    """The values of a query's placeholders before the customers: the open statuses."""
    return _OPEN if _OPEN_STATUSES in select else ()


#: The placeholders of a history row: its columns, then source, detail and recorded_at.
_HISTORY_VALUES = ", ".join("?" * (_HISTORY_COLUMNS.count(",") + 4))


class _Cursor(Protocol):
    @property
    def rowcount(self) -> int: ...

    def execute(self, sql: Any, params: Sequence[Any] = ..., /) -> Any: ...

    def executemany(self, sql: Any, params: Iterable[Sequence[Any]], /) -> Any: ...

    def fetchall(self) -> list[Any]: ...

    def fetchone(self) -> Any: ...


def _seconds(moment: datetime) -> float:
    if moment.tzinfo is None:
        raise ValueError(f"store times must be timezone-aware, got {moment!r}")
    return moment.timestamp()


def _moment(seconds: float | None) -> datetime | None:
    return None if seconds is None else datetime.fromtimestamp(seconds, UTC)


_KINDS: Final = {kind.value: kind for kind in ActionKind}
_STATUSES: Final = {status.value: status for status in HistoryStatus}
_CHANNELS: Final[dict[str | None, Channel | None]] = {None: None}
_CHANNELS.update((channel.value, channel) for channel in Channel)
_DECLINES: Final[dict[str | None, str | None]] = {None: None, "soft": "soft", "hard": "hard"}


def _tuple(text: str) -> tuple[str, ...]:
    """A JSON array of strings, read back.

    The arrays `json.dumps` writes without escapes (the common case: ASCII ids and keys) are
    split directly, which is several times faster than the JSON parser.
    """
    if text == "[]":
        return ()
    if "\\" not in text:
        return tuple(text[2:-2].split('", "'))
    return tuple(json.loads(text))


def _entry(row: Sequence[Any]) -> OutboxEntry:
    return OutboxEntry._construct(
        key=row[0],
        kind=ActionKind(row[1]),
        customer_id=row[2],
        invoice_ids=_tuple(row[3]),
        covers=_tuple(row[4]),
        channel=None if row[5] is None else Channel(row[5]),
        due_on=date.fromisoformat(row[6]),
        run_on=date.fromisoformat(row[7]),
        payload=row[8],
        status=EntryStatus(row[9]),
        attempts=row[10],
        next_attempt_at=_moment(row[11]),
        claimed_by=row[12],
        lease_until=_moment(row[13]),
        last_error=row[14],
    )


def _history_record(row: Sequence[Any]) -> HistoryRecord:
    # Every field, in order: the rows were written from valid records.
    return HistoryRecord._from_values(
        {
            "key": row[0],
            "kind": _KINDS[row[1]],
            "customer_id": row[2],
            "on": date.fromisoformat(row[3]),
            "status": _STATUSES[row[4]],
            "invoice_ids": _tuple(row[5]),
            "covers": _tuple(row[6]),
            "channel": _CHANNELS[row[7]],
            "decline": _DECLINES[row[8]],
            "decline_code": row[9],
            "sent_by": None,  # not stored: a contact law counts the message at the end of `on`
        }
    )


def _occurrences(rows: Iterable[Sequence[Any]]) -> Iterator[_Occurrences]:
    """Rows of `_OCCURRENCE_COLUMNS` with their date and covers read back."""
    dates: dict[str, date] = {}
    for key, kind, customer_id, on_date, status, covers, channel in rows:
        on = dates.get(on_date)
        if on is None:
            on = dates[on_date] = date.fromisoformat(on_date)
        # `_tuple`, inlined for the two common cases: no covers, and one plain key.
        if covers == "[]":
            yield key, kind, customer_id, on, status, (), channel
        elif '"' not in covers[2:-2] and "\\" not in covers:
            yield key, kind, customer_id, on, status, (covers[2:-2],), channel
        else:
            yield key, kind, customer_id, on, status, _tuple(covers), channel


def _history_row(
    record: HistoryRecord, source: str, detail: str | None, at: float
) -> tuple[Any, ...]:
    return (
        record.key,
        record.kind.value,
        record.customer_id,
        record.on.isoformat(),
        record.status.value,
        json.dumps(record.invoice_ids),
        json.dumps(record.covers),
        None if record.channel is None else record.channel.value,
        record.decline,
        record.decline_code,
        source,
        detail,
        at,
    )


def history_index(store: Store, customers: Collection[str] | None = None) -> HistoryIndex:
    """The engine's index of `store`'s history (of `customers` only, when given).

    The stores of this module hand their rows to the index as plain values; any other
    `Store` gives `HistoryRecord`s.
    """
    index = HistoryIndex()
    if isinstance(store, _SQLStore):
        occurrences, others = store._history_parts(customers)
        index._add_occurrences(occurrences)
        index.add(others)
    else:
        index.add(store.history(customers))
    return index


def worker_name() -> str:
    """The name of this runner process: ``host:pid:token`` (token tells runners apart)."""
    return f"{socket.gethostname()}:{os.getpid()}:{os.urandom(4).hex()}"


def _dead_here(worker: str, host: str) -> bool:
    """Whether `worker` names a process of this host that no longer runs."""
    parts = worker.rsplit(":", 2)
    if len(parts) != 3 or parts[0] != host or not parts[1].isdigit():
        return False
    try:
        os.kill(int(parts[1]), 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, run by another user
        return False
    return False


class _SQLStore:
    """Reads and writes shared by the stores; subclasses give the connection and the claim."""

    _name: str
    #: What a ``SELECT`` ends with to lock the rows it reads until the transaction ends
    #: (nothing where a write transaction locks the whole database).
    _lock_rows: str = ""

    def _transaction(self) -> AbstractContextManager[_Cursor]:
        raise NotImplementedError

    def _reading(self) -> AbstractContextManager[_Cursor]:
        raise NotImplementedError

    def _sql(self, statement: str) -> str:
        return statement

    def _claim_keys(
        self, cursor: _Cursor, now: float, lease_until: float, worker: str, limit: int
    ) -> list[Any]:
        raise NotImplementedError

    # -- schema --------------------------------------------------------------------------------

    def _migrate(self, cursor: _Cursor, known: int | None) -> None:
        if known is None:
            cursor.execute("CREATE TABLE dunning_schema (version INTEGER NOT NULL)")
            cursor.execute("INSERT INTO dunning_schema (version) VALUES (0)")
            known = 0
        if known > SCHEMA_VERSION:
            raise StoreSchemaError(
                f"{self._name}: the store has schema version {known}, written by a newer "
                f"version of dunning; this one reads up to version {SCHEMA_VERSION}. "
                "Upgrade dunning to use it."
            )
        for steps in _STEPS[known:]:
            for statement in steps:
                cursor.execute(statement)
        if known < SCHEMA_VERSION:
            cursor.execute(self._sql("UPDATE dunning_schema SET version = ?"), (SCHEMA_VERSION,))

    # -- reads -----------------------------------------------------------------------------------

    def history(self, customers: Collection[str] | None = None) -> Iterator[HistoryRecord]:
        """Every history record, then a record for every pending or claimed outbox entry.

        With `customers`, only the records of those customers.
        """
        (rows,) = self._history_fetch(customers, ((_HISTORY_SELECT, _OPENED_SELECT),))
        return map(_history_record, rows)

    def _history_parts(
        self, customers: Collection[str] | None = None
    ) -> tuple[Iterator[_Occurrences], Iterator[HistoryRecord]]:
        """`history` in two parts, read at one moment, that the engine indexes separately.

        First the executed and skipped occurrences of every kind but the charges (nearly all
        of a history), as the plain rows `HistoryIndex._add_occurrences` takes, with no
        record per row; then every other record (failures, charges).
        """
        plain, others = self._history_fetch(
            customers,
            (
                (_PLAIN_SELECT, _PLAIN_OPENED_SELECT),
                (_OTHER_SELECT, _OTHER_OPENED_SELECT),
            ),
        )
        return _occurrences(plain), map(_history_record, others)

    def _history_fetch(
        self, customers: Collection[str] | None, queries: Sequence[tuple[str, str]]
    ) -> list[list[Any]]:
        """The rows of each pair of queries (of the history, of the open outbox entries).

        Read in one transaction, so that an entry finished by another runner meanwhile is
        read once, from the outbox or from the history. Every query ends in a ``WHERE``
        condition, to which the choice of `customers` is added.
        """
        found: list[list[Any]] = []
        with self._reading() as cursor:
            for selects in queries:
                rows: list[Any] = []
                for select in selects:
                    if customers is None:
                        cursor.execute(self._sql(select), _open_values(select))
                        rows.extend(cursor.fetchall())
                        continue
                    wanted = sorted(customers)
                    for start in range(0, len(wanted), 500):
                        chunk = wanted[start : start + 500]
                        marks = ", ".join("?" * len(chunk))
                        cursor.execute(
                            self._sql(f"{select} AND customer_id IN ({marks})"),
                            (*_open_values(select), *chunk),
                        )
                        rows.extend(cursor.fetchall())
                found.append(rows)
        return found

    def entries(self, statuses: Iterable[EntryStatus] = ()) -> tuple[OutboxEntry, ...]:
        """Outbox entries with one of `statuses` (all when empty), by key."""
        wanted = tuple(EntryStatus(status).value for status in statuses)
        with self._reading() as cursor:
            if wanted:
                marks = ", ".join("?" * len(wanted))
                cursor.execute(
                    self._sql(
                        f"SELECT {_ENTRY_COLUMNS} FROM outbox WHERE status IN ({marks}) "
                        "ORDER BY key"
                    ),
                    wanted,
                )
            else:
                cursor.execute(f"SELECT {_ENTRY_COLUMNS} FROM outbox ORDER BY key")
            return tuple(map(_entry, cursor.fetchall()))

    def history_details(self) -> tuple[tuple[HistoryRecord, str, str | None], ...]:
        """Every history record with its source and detail, by key."""
        with self._reading() as cursor:
            cursor.execute(f"SELECT {_HISTORY_COLUMNS}, source, detail FROM history ORDER BY key")
            return tuple((_history_record(row), row[10], row[11]) for row in cursor.fetchall())

    # -- writes ----------------------------------------------------------------------------------

    def enqueue(self, entries: Sequence[OutboxEntry]) -> int:
        """Write `entries` in one transaction, leaving out keys already in outbox or history."""
        if not entries:
            return 0
        rows = [
            (
                entry.key,
                entry.kind.value,
                entry.customer_id,
                json.dumps(entry.invoice_ids),
                json.dumps(entry.covers),
                None if entry.channel is None else entry.channel.value,
                entry.due_on.isoformat(),
                entry.run_on.isoformat(),
                entry.payload,
                entry.status.value,
                entry.attempts,
                None if entry.next_attempt_at is None else _seconds(entry.next_attempt_at),
                None if entry.next_attempt_at is None else _seconds(entry.next_attempt_at),
                entry.key,
            )
            for entry in entries
        ]
        insert = self._sql(
            f"INSERT INTO outbox ({_ENTRY_COLUMNS}, updated_at) "
            "SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, NULL, ? "
            "WHERE NOT EXISTS (SELECT 1 FROM history WHERE key = ?) "
            "ON CONFLICT (key) DO NOTHING"
        )
        with self._transaction() as cursor:
            cursor.executemany(insert, rows)
            return int(cursor.rowcount)

    def claim(
        self, worker: str, now: datetime, lease_seconds: float, limit: int
    ) -> tuple[OutboxEntry, ...]:
        """Claim up to `limit` entries due at `now` (pending, or with an expired lease)."""
        at = _seconds(now)
        with self._transaction() as cursor:
            self._release_dead(cursor, at)
            keys = self._claim_keys(cursor, at, at + lease_seconds, worker, limit)
            if not keys:
                return ()
            marks = ", ".join("?" * len(keys))
            cursor.execute(
                self._sql(f"SELECT {_ENTRY_COLUMNS} FROM outbox WHERE key IN ({marks})"), keys
            )
            return tuple(sorted(map(_entry, cursor.fetchall()), key=_by_due))

    def _release_dead(self, cursor: _Cursor, at: float) -> None:
        cursor.execute(
            self._sql(
                "SELECT DISTINCT claimed_by FROM outbox WHERE status = ? AND lease_until > ?"
            ),
            (EntryStatus.CLAIMED.value, at),
        )
        host = socket.gethostname()
        dead = [row[0] for row in cursor.fetchall() if _dead_here(row[0], host)]
        for worker in dead:
            # The lease is set to now: the claim query takes these entries as expired.
            cursor.execute(
                self._sql("UPDATE outbox SET lease_until = ? WHERE status = ? AND claimed_by = ?"),
                (at, EntryStatus.CLAIMED.value, worker),
            )

    def complete(self, worker: str, completions: Sequence[Completion]) -> int:
        """Close claimed entries and write their history records, in one transaction."""
        if not completions:
            return 0
        now = datetime.now(UTC).timestamp()
        close = self._sql(
            "UPDATE outbox SET status = ?, claimed_by = NULL, lease_until = NULL, "
            "last_error = ?, updated_at = ? WHERE key = ? AND status = ? AND claimed_by = ?"
        )
        insert = self._sql(
            f"INSERT INTO history ({_HISTORY_COLUMNS}, source, detail, recorded_at) "
            f"VALUES ({_HISTORY_VALUES}) ON CONFLICT (key) DO NOTHING"
        )
        claimed = EntryStatus.CLAIMED.value
        with self._transaction() as cursor:
            # The entries `worker` still holds (locked until the end of the transaction):
            # one whose lease ran out and that another runner took is left alone.
            held: set[str] = set()
            keys = list(dict.fromkeys(done.key for done in completions))
            for start in range(0, len(keys), 500):
                chunk = keys[start : start + 500]
                marks = ", ".join("?" * len(chunk))
                cursor.execute(
                    self._sql(
                        f"SELECT key FROM outbox WHERE key IN ({marks}) AND status = ? "
                        f"AND claimed_by = ?{self._lock_rows}"
                    ),
                    (*chunk, claimed, worker),
                )
                held.update(row[0] for row in cursor.fetchall())
            closing = []
            for done in completions:
                if done.key in held:
                    held.discard(done.key)  # a key given twice is closed once
                    closing.append(done)
            if not closing:
                return 0
            cursor.executemany(
                close,
                [
                    (
                        done.status.value,
                        done.detail if done.status is EntryStatus.FAILED else None,
                        now,
                        done.key,
                        claimed,
                        worker,
                    )
                    for done in closing
                ],
            )
            cursor.executemany(
                insert, [_history_row(done.record, "runner", done.detail, now) for done in closing]
            )
        return len(closing)

    def postpone(self, worker: str, key: str, attempts: int, at: datetime, error: str) -> bool:
        """Put a claimed entry back to pending after a temporary failure, until `at`."""
        with self._transaction() as cursor:
            cursor.execute(
                self._sql(
                    "UPDATE outbox SET status = ?, attempts = ?, next_attempt_at = ?, "
                    "claimed_by = NULL, lease_until = NULL, last_error = ?, updated_at = ? "
                    "WHERE key = ? AND status = ? AND claimed_by = ?"
                ),
                (
                    EntryStatus.PENDING.value,
                    attempts,
                    _seconds(at),
                    error,
                    datetime.now(UTC).timestamp(),
                    key,
                    EntryStatus.CLAIMED.value,
                    worker,
                ),
            )
            return cursor.rowcount == 1

    def release(self, worker: str) -> int:
        """Give back every claim `worker` holds."""
        with self._transaction() as cursor:
            cursor.execute(
                self._sql(
                    "UPDATE outbox SET status = ?, claimed_by = NULL, lease_until = NULL "
                    "WHERE status = ? AND claimed_by = ?"
                ),
                (EntryStatus.PENDING.value, EntryStatus.CLAIMED.value, worker),
            )
            return int(cursor.rowcount)

    def add_history(self, records: Iterable[HistoryRecord], source: str) -> int:
        """Write history records in one transaction; keys already known are left as they are."""
        now = datetime.now(UTC).timestamp()
        rows = [_history_row(record, source, None, now) for record in records]
        if not rows:
            return 0
        insert = self._sql(
            f"INSERT INTO history ({_HISTORY_COLUMNS}, source, detail, recorded_at) "
            f"SELECT {_HISTORY_VALUES} "
            "WHERE NOT EXISTS (SELECT 1 FROM outbox WHERE key = ?) "
            "ON CONFLICT (key) DO NOTHING"
        )
        with self._transaction() as cursor:
            cursor.executemany(insert, [(*row, row[0]) for row in rows])
            return int(cursor.rowcount)

    def retry(self, keys: Iterable[str], now: datetime) -> int:
        """Make failed or waiting entries due again at `now`, their attempts reset."""
        at = _seconds(now)
        changed = 0
        with self._transaction() as cursor:
            for key in keys:
                cursor.execute(
                    self._sql(
                        "UPDATE outbox SET status = ?, attempts = 0, next_attempt_at = ?, "
                        "last_error = NULL, updated_at = ? WHERE key = ? AND status IN (?, ?)"
                    ),
                    (
                        EntryStatus.PENDING.value,
                        at,
                        at,
                        key,
                        EntryStatus.PENDING.value,
                        EntryStatus.FAILED.value,
                    ),
                )
                if cursor.rowcount == 1:
                    changed += 1
                    cursor.execute(
                        self._sql("DELETE FROM history WHERE key = ? AND status = ?"),
                        (key, HistoryStatus.FAILED.value),
                    )
        return changed

    def cancel(self, keys: Iterable[str], on: date) -> int:
        """Withdraw pending entries: recorded as skipped on `on`, never sent."""
        now = datetime.now(UTC).timestamp()
        changed = 0
        with self._transaction() as cursor:
            for key in keys:
                cursor.execute(
                    self._sql(
                        "UPDATE outbox SET status = ?, updated_at = ? WHERE key = ? AND status = ?"
                    ),
                    (EntryStatus.CANCELLED.value, now, key, EntryStatus.PENDING.value),
                )
                if cursor.rowcount != 1:
                    continue
                changed += 1
                cursor.execute(
                    self._sql(f"SELECT {_ENTRY_COLUMNS} FROM outbox WHERE key = ?"), (key,)
                )
                entry = _entry(cursor.fetchone())
                record = entry.record().evolve(on=on, status=HistoryStatus.SKIPPED)
                cursor.execute(
                    self._sql(
                        f"INSERT INTO history ({_HISTORY_COLUMNS}, source, detail, recorded_at) "
                        f"VALUES ({_HISTORY_VALUES}) ON CONFLICT (key) DO NOTHING"
                    ),
                    _history_row(record, "cancelled", None, now),
                )
        return changed


def _by_due(entry: OutboxEntry) -> tuple[float, str]:
    at = entry.next_attempt_at
    return (0.0 if at is None else at.timestamp(), entry.key)
