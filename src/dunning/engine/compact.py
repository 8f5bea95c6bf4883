"""The compact form of an evaluation: what the engine decided, in plain lists.

The engine files its decisions here, customer by customer (`dunning.engine.outcomes`), and
`Evaluation` builds the frozen models from it when they are read. What is only output is
kept unbuilt: a message's items, total and reason text (`Deferred`), and each customer's
stage (`StageRow`). Counting, filtering by kind or customer and history records read the
plain fields of the entries and never build a model.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from dunning.engine.actions import (
    Action,
    ActionKind,
    HistoryRecord,
    HistoryStatus,
    PausedInvoice,
    Rejection,
    SendMessage,
    SkippedOccurrence,
)
from dunning.invoices import Channel
from dunning.policy.model import Tone

__all__ = ["Compact", "Deferred", "Entry", "StageRow", "message_tone", "record_of"]


class Deferred:
    """An action decided but not built yet.

    It holds what the engine and the cheap views read (key, kind, customer, invoices, day,
    the occurrences it carries out, the channel and end of the send window of a message) and
    a function that builds the frozen model, with exactly the values it would have had if it
    had been built at once. The function must only read values that no rule changes later.
    """

    __slots__ = (
        "_build",
        "channel",
        "covers",
        "customer_id",
        "due_on",
        "invoice_ids",
        "key",
        "kind",
        "not_after",
        "tone",
    )

    def __init__(
        self,
        kind: ActionKind,
        key: str,
        customer_id: str,
        invoice_ids: tuple[str, ...],
        due_on: date,
        covers: tuple[str, ...],
        build: Callable[[], Action],
        channel: Channel | None = None,
        not_after: datetime | None = None,
        tone: Tone | None = None,
    ) -> None:
        self.kind = kind
        self.key = key
        self.customer_id = customer_id
        self.invoice_ids = invoice_ids
        self.due_on = due_on
        self.covers = covers
        self.channel = channel
        self.not_after = not_after
        self.tone = tone
        self._build = build

    def build(self) -> Action:
        """The frozen action model."""
        return self._build()


def message_tone(entry: Entry) -> Tone:
    """The tone of the message `entry` (a `SendMessage` built or not), without building it.

    A deferred message gives the tone the engine filed it with; only an entry filed
    without one is built to read it.

    Raises:
        ValueError: when `entry` is not a message.
    """
    if isinstance(entry, SendMessage):
        return entry.tone
    if not isinstance(entry, Deferred) or entry.kind is not ActionKind.SEND_MESSAGE:
        raise ValueError(f"{entry.key} is a {entry.kind.value} action, not a message")
    if entry.tone is not None:
        return entry.tone
    return entry.build().tone  # type: ignore[union-attr]  # a SendMessage: its kind says so


#: What the engine lists as an action: a model already built, or one it can build.
Entry = Action | Deferred

#: A customer's stage before it is built: customer id, policy id, the stage ids of the
#: policy by level (level 1 first), and the stage level of each open invoice. The customer
#: is at the highest level; the invoices at that level are listed, sorted.
StageRow = tuple[str, str, tuple[str, ...], dict[str, int]]


class Compact:
    """Everything an evaluation decided, in the order `Evaluation` lists it.

    `spans` gives, per customer with actions, the range of its entries in `actions` (the
    engine lists a customer's actions together).
    """

    __slots__ = (
        "acted",
        "actions",
        "as_of",
        "paused",
        "quiet",
        "rejected",
        "skipped",
        "skipped_invoices",
        "spans",
        "stages",
    )

    def __init__(self, as_of: date) -> None:
        self.as_of = as_of
        self.actions: list[Entry] = []
        self.skipped: list[SkippedOccurrence] = []
        self.paused: list[PausedInvoice] = []
        self.rejected: list[Rejection] = []
        self.acted: list[str] = []
        self.skipped_invoices: list[str] = []
        self.quiet: list[str] = []
        self.stages: list[StageRow] = []
        self.spans: dict[str, tuple[int, int]] = {}

    def action(self, position: int) -> Action:
        """The action at `position`, built once: the model replaces the entry."""
        entry = self.actions[position]
        if isinstance(entry, Deferred):
            entry = self.actions[position] = entry.build()
        return entry

    def field(self, name: str) -> tuple[Any, ...]:
        """The value of the `Evaluation` field `name` (but `stages`) from the compact form."""
        if name == "actions":
            return tuple([self.action(i) for i in range(len(self.actions))])
        values: list[Any] = getattr(self, name)
        return tuple(values)


def record_of(entry: Entry, on: date) -> HistoryRecord:
    """The history record of `entry` executed on `on`, without building its model.

    The same record as `HistoryRecord.of(action, on=on)`.
    """
    if not isinstance(entry, Deferred):
        return HistoryRecord.of(entry, on=on)
    return HistoryRecord._construct(
        key=entry.key,
        kind=entry.kind,
        customer_id=entry.customer_id,
        on=on,
        status=HistoryStatus.EXECUTED,
        invoice_ids=entry.invoice_ids,
        covers=entry.covers,
        channel=entry.channel,
        decline=None,
        decline_code=None,
        sent_by=entry.not_after,
    )
