"""The runner's store: the outbox of due actions and the history the engine reads.

One `Store` protocol, two implementations that pass the same contract tests:
`dunning.runner.SQLiteStore` (embedded, the default) and `dunning.runner.PostgresStore`
(several runner processes on several machines). Both hold the same two tables, described in
``docs/runner/schema.md``:

- ``outbox``: one row per action the engine found due, keyed by its idempotency key, with its
  state (pending, claimed, done, failed, cancelled), attempts, next attempt time and lease;
- ``history``: one row per action carried out, failed for good, or acknowledged (adopted at
  go-live, imported, cancelled), keyed by the idempotency key; what `evaluate` reads back.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Sequence
from datetime import date, datetime
from enum import StrEnum
from functools import cache
from typing import Protocol

from pydantic import Field, TypeAdapter

from dunning._model import Model
from dunning.engine.actions import Action, ActionKind, HistoryRecord, SendMessage
from dunning.invoices import Channel

__all__ = [
    "Completion",
    "EntryStatus",
    "OutboxEntry",
    "Store",
    "entry_of",
]


class EntryStatus(StrEnum):
    """Where an outbox entry stands."""

    PENDING = "pending"
    """Waiting to be dispatched (now, or at its next attempt time)."""
    CLAIMED = "claimed"
    """Held by a runner process until its lease runs out."""
    DONE = "done"
    """Delivered, queued or executed; recorded in the history."""
    FAILED = "failed"
    """Failed for good; recorded in the history as failed."""
    CANCELLED = "cancelled"
    """Withdrawn by an operator; recorded in the history as skipped."""


class OutboxEntry(Model):
    """One due action in the outbox, keyed by the engine's idempotency key.

    >>> entry = OutboxEntry(key="p:C:I:stage:call", kind="enter_stage", customer_id="C",
    ...                     due_on=date(2026, 11, 20), run_on=date(2026, 11, 20), payload="{}")
    >>> entry.status, entry.attempts
    (<EntryStatus.PENDING: 'pending'>, 0)
    """

    key: str = Field(min_length=1)
    kind: ActionKind
    customer_id: str
    invoice_ids: tuple[str, ...] = ()
    covers: tuple[str, ...] = ()
    channel: Channel | None = None
    due_on: date
    run_on: date = Field(description="The run date that wrote the entry.")
    payload: str = Field(description="The action as JSON, as the engine gave it.")
    status: EntryStatus = EntryStatus.PENDING
    attempts: int = Field(default=0, description="Temporary failures so far.")
    next_attempt_at: datetime | None = None
    claimed_by: str | None = None
    lease_until: datetime | None = None
    last_error: str | None = None

    @property
    def action(self) -> Action:
        """The action the entry carries out, read back from its payload."""
        return _actions().validate_json(self.payload)

    def record(self) -> HistoryRecord:
        """The history record that counts the entry as done while it is open.

        The engine must count a pending or claimed entry as done: otherwise a rerun after a
        crash could group the same occurrences into a message with a new key.
        """
        return HistoryRecord._construct(
            key=self.key,
            kind=self.kind,
            customer_id=self.customer_id,
            on=self.run_on,
            invoice_ids=self.invoice_ids,
            covers=self.covers,
            channel=self.channel,
        )


@cache
def _actions() -> TypeAdapter[Action]:
    return TypeAdapter(Action)


def entry_of(action: Action, run_on: date, at: datetime) -> OutboxEntry:
    """The pending outbox entry of `action`, written by the run of `run_on` at `at`.

    A message the engine deferred (a send window, a collections contact law) is first
    claimed at its `not_before`: the outbox holds it until then.
    """
    first = at
    if isinstance(action, SendMessage):
        first = max(at, action.not_before)
    return OutboxEntry._construct(
        key=action.key,
        kind=action.kind,
        customer_id=action.customer_id,
        invoice_ids=action.invoice_ids,
        covers=action.covers,
        channel=action.channel if isinstance(action, SendMessage) else None,
        due_on=action.due_on,
        run_on=run_on,
        payload=action.model_dump_json(),
        status=EntryStatus.PENDING,
        attempts=0,
        next_attempt_at=first,
        claimed_by=None,
        lease_until=None,
        last_error=None,
    )


class Completion(Model):
    """The end of one claimed entry: its final status and the history record to keep.

    `record` is None only for a cancelled entry that needs no history.
    """

    key: str
    status: EntryStatus
    record: HistoryRecord
    detail: str | None = Field(default=None, description="Provider reference or error text.")


class Store(Protocol):
    """Where the runner keeps the outbox and the history; every write is one transaction.

    Times are timezone-aware datetimes from the runner's clock; a worker is the name of one
    runner process (``host:pid:token``), so a claim held by a process that no longer runs on
    the same host can be released at once.
    """

    def history(self, customers: Collection[str] | None = None) -> Iterator[HistoryRecord]:
        """Every history record, then a record for every pending or claimed outbox entry.

        With `customers`, only the records of those customers (partition invariance: the
        engine needs no other customer's history to evaluate them).
        """
        ...

    def enqueue(self, entries: Sequence[OutboxEntry]) -> int:
        """Write `entries` in one transaction, leaving out keys already in outbox or history.

        Returns:
            How many entries were written.
        """
        ...

    def claim(
        self, worker: str, now: datetime, lease_seconds: float, limit: int
    ) -> tuple[OutboxEntry, ...]:
        """Claim up to `limit` entries due at `now` (pending, or with an expired lease).

        A claim lasts `lease_seconds`; claims of dead processes on this host are released
        first. Two workers never hold the same entry at once.
        """
        ...

    def complete(self, worker: str, completions: Sequence[Completion]) -> int:
        """Close claimed entries and write their history records, in one transaction.

        Entries no longer claimed by `worker` (its lease ran out and another took them) are
        left alone. Returns how many were closed.
        """
        ...

    def postpone(self, worker: str, key: str, attempts: int, at: datetime, error: str) -> bool:
        """Put a claimed entry back to pending after a temporary failure, until `at`."""
        ...

    def release(self, worker: str) -> int:
        """Give back every claim `worker` holds (e.g. at the end of a dry or stopped run)."""
        ...

    def add_history(self, records: Iterable[HistoryRecord], source: str) -> int:
        """Write history records (adopted or imported) in one transaction; known keys stay.

        Returns:
            How many records were written.
        """
        ...

    def entries(self, statuses: Iterable[EntryStatus] = ()) -> tuple[OutboxEntry, ...]:
        """Outbox entries with one of `statuses` (all when empty), by key."""
        ...

    def history_details(self) -> tuple[tuple[HistoryRecord, str, str | None], ...]:
        """Every history record with its source and detail (provider reference, error), by key."""
        ...

    def retry(self, keys: Iterable[str], now: datetime) -> int:
        """Make failed or waiting entries due again at `now`, their attempts reset.

        A failed entry's failed history record is removed, so the engine no longer counts it.
        """
        ...

    def cancel(self, keys: Iterable[str], on: date) -> int:
        """Withdraw pending entries: they are recorded as skipped on `on` and never sent."""
        ...

    def close(self) -> None:
        """Close the connection."""
        ...
