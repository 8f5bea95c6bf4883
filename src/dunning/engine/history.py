"""The history of what was done, indexed once for the engine."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from types import MappingProxyType
from typing import Final

from dunning.engine.actions import ActionKind, HistoryRecord, HistoryStatus
from dunning.invoices import Channel

__all__ = ["HistoryIndex"]

#: An executed or skipped occurrence as plain values, the enums as their text: (key, kind,
#: customer_id, on, status, covers), the fields of its `HistoryRecord` that the index reads
#: for any kind but the charges. What a store reads back, indexed without a record per row.
_Occurrences = tuple[str, str, str, date, str, tuple[str, ...], str | None]

_CHARGES: Final = frozenset({ActionKind.AUTOMATIC_CHARGE.value, ActionKind.RETRY_CHARGE.value})
#: The kinds whose rows the plain path indexes itself (every kind but the charges).
_PLAIN_KINDS: Final = frozenset(kind.value for kind in ActionKind) - _CHARGES

#: What an owner without any record maps to (never mutated).
_NOTHING: Final[dict[str, dict[str, date]]] = {}
_EMPTY: Final[Mapping[str, Mapping[str, date]]] = MappingProxyType({})


def _split(key: str) -> tuple[str, str, str] | None:
    """A key as (``policy:customer``, the invoice or customer-level kind, the rest).

    Keys join escaped parts with ``:`` (see `dunning.engine.keys`), so the split is exact.
    Keys of fewer than four parts (not made by the engine) are not split.
    """
    parts = key.split(":", 3)
    if len(parts) < 4:
        return None
    return f"{parts[0]}:{parts[1]}", parts[2], parts[3]


class _Done:
    """A read-only view of the done keys, looked up by whole key."""

    __slots__ = ("_index",)

    def __init__(self, index: HistoryIndex) -> None:
        self._index = index

    def get(self, key: str) -> date | None:
        split = _split(key)
        if split is None:
            return self._index._flat.get(key)
        owner, part, rest = split
        return self._index._owners.get(owner, _NOTHING).get(part, _NOTHING_TAILS).get(rest)

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self.get(key) is not None

    def __getitem__(self, key: str) -> date:
        on = self.get(key)
        if on is None:
            raise KeyError(key)
        return on


_NOTHING_TAILS: Final[dict[str, date]] = {}


class HistoryIndex:
    """History records indexed for the engine: done keys, failed channels, message dates.

    `evaluate` builds one from the records it is given; a host or a simulator that evaluates
    day after day can keep one and `add` each day's records to it, so the history is indexed
    once instead of on every run. It is the one mutable object of the engine: it belongs to
    the caller, and `evaluate` only reads it.

    Keys are stored split into their owner (policy and customer), the invoice (or the kind of
    a customer-level occurrence) and the rest, so the engine finds everything done for one
    invoice with one lookup, and the repeated parts (rule names, occurrence numbers, dates)
    are stored once however many records share them.

    >>> from datetime import date
    >>> index = HistoryIndex()
    >>> index.add([HistoryRecord(key="p:C:I:stage:call", kind="enter_stage", customer_id="C",
    ...                          on=date(2026, 1, 2))])
    >>> index.done_on("p:C:I:stage:call"), index.done_on("p:C:I:stage:other"), len(index)
    (datetime.date(2026, 1, 2), None, 1)
    >>> {part: dict(tails) for part, tails in index.occurrences("p:C").items()}
    {'I': {'stage:call': datetime.date(2026, 1, 2)}}
    """

    def __init__(self, records: Iterable[HistoryRecord] = ()) -> None:
        self._owners: dict[str, dict[str, dict[str, date]]] = {}
        self._flat: dict[str, date] = {}
        self._shared: dict[object, object] = {}
        self.done = _Done(self)
        self.failed_channels: dict[str, set[Channel]] = defaultdict(set)
        self.messages: dict[str, list[date]] = defaultdict(list)
        #: Per customer, the day, channel and latest instant of each message sent (what
        #: contact laws count).
        self.contacts: dict[str, list[tuple[date, Channel | None, datetime | None]]] = defaultdict(
            list
        )
        self.suspends: dict[str, int] = defaultdict(int)
        self.resumes: dict[str, int] = defaultdict(int)
        self.failed_charges: dict[str, date] = {}
        #: Invoices whose automatic charge or retry was declined for good: day and code.
        self.hard_declines: dict[str, tuple[date, str | None]] = {}
        self.records = 0
        self.add(records)

    def __len__(self) -> int:
        return self.records

    def done_on(self, key: str) -> date | None:
        """The first day the occurrence `key` was carried out (or skipped), or None."""
        return self.done.get(key)

    def occurrences(self, owner: str) -> Mapping[str, Mapping[str, date]]:
        """Everything done for one policy and customer (``policy:customer``, escaped).

        Maps each invoice id (escaped) to the rest of its done keys and their first dates;
        customer-level occurrences are under their kind (``suspend``, ``offer``, ...).
        A read-only view: changing it raises `TypeError`, so no caller can hide an
        occurrence from the index (or from another caller).
        """
        parts = self._owners.get(owner)
        if parts is None:
            return _EMPTY
        return MappingProxyType({part: MappingProxyType(tails) for part, tails in parts.items()})

    def _occurrences(self, owner: str) -> Mapping[str, Mapping[str, date]]:
        """`occurrences` without the views, for the engine, which only reads it."""
        return self._owners.get(owner, _NOTHING)

    def _mark(self, key: str, on: date) -> None:
        split = _split(key)
        if split is None:
            known = self._flat.get(key)
            if known is None or on < known:
                self._flat[key] = on
            return
        owner, part, rest = split
        shared = self._shared
        rest = shared.setdefault(rest, rest)  # type: ignore[assignment]
        on = shared.setdefault(on, on)  # type: ignore[assignment]
        parts = self._owners.get(owner)
        if parts is None:
            parts = self._owners[owner] = {}
        tails = parts.get(part)
        if tails is None:
            tails = parts[part] = {}
        # A key carried out twice (a re-run) counts from its first date.
        known = tails.get(rest)
        if known is None or on < known:
            tails[rest] = on

    def add(self, records: Iterable[HistoryRecord]) -> None:
        """Index more records (e.g. the actions a run executed)."""
        executed = HistoryStatus.EXECUTED
        message = ActionKind.SEND_MESSAGE
        charges = (ActionKind.AUTOMATIC_CHARGE, ActionKind.RETRY_CHARGE)
        mark = self._mark
        shared = self._shared
        for record in records:
            self.records += 1
            kind = record.kind
            status = record.status
            if kind in charges:
                self._charge(record)
                continue
            if status is HistoryStatus.FAILED:
                if record.channel is not None:
                    for key in record.covers or (record.key,):
                        self.failed_channels[key].add(record.channel)
                continue
            # A record that covers occurrences (a message, a consolidated task) is looked up
            # by them, never by its own key, which is left out to save memory.
            on = record.on
            for key in record.covers or (record.key,):
                mark(key, on)
            if status is not executed:
                continue
            if kind is message:
                self.messages[record.customer_id].append(shared.setdefault(on, on))  # type: ignore[arg-type]
                self.contacts[record.customer_id].append((on, record.channel, record.sent_by))
            elif kind is ActionKind.SUSPEND_SERVICE:
                self.suspends[record.customer_id] += 1
            elif kind is ActionKind.RESUME_SERVICE:
                self.resumes[record.customer_id] += 1

    def _add_occurrences(self, rows: Iterable[_Occurrences]) -> None:
        """`add` for executed or skipped records of any kind but the charges, as plain rows.

        Each row is ``(key, kind, customer_id, on, status, covers, channel)``. No
        `HistoryRecord` is built per row: the index ends exactly as `add` of the records
        leaves it, for records without `sent_by` (the other fields of those records are never
        read). Records of other kinds and statuses (failures, charges) go through `add`.

        Raises:
            ValueError: a row of a charge, a failure, or an unknown kind or status.
        """
        executed = HistoryStatus.EXECUTED.value
        channels: dict[str | None, Channel | None] = {None: None, **{c.value: c for c in Channel}}
        contacts = self.contacts
        plain_statuses = (executed, HistoryStatus.SKIPPED.value)
        plain_kinds = _PLAIN_KINDS
        message = ActionKind.SEND_MESSAGE.value
        suspend = ActionKind.SUSPEND_SERVICE.value
        resume = ActionKind.RESUME_SERVICE.value
        owners = self._owners
        shared = self._shared
        messages = self.messages
        count = 0
        try:
            for key, kind, customer_id, on, status, covers, channel in rows:
                if kind not in plain_kinds or status not in plain_statuses:
                    raise ValueError(
                        f"history record {key!r} ({kind!r}, {status!r}) is not an executed or "
                        "skipped occurrence of a kind other than the charges; add it as a "
                        "HistoryRecord"
                    )
                count += 1
                on = shared.setdefault(on, on)  # type: ignore[assignment]
                # `_mark`, inlined: this loop runs once per occurrence of the whole history.
                for occurrence in covers or (key,):
                    parts = occurrence.split(":", 3)
                    if len(parts) < 4:
                        self._mark(occurrence, on)
                        continue
                    owner = f"{parts[0]}:{parts[1]}"
                    rest = parts[3]
                    rest = shared.setdefault(rest, rest)  # type: ignore[assignment]
                    found = owners.get(owner)
                    if found is None:
                        found = owners[owner] = {}
                    tails = found.get(parts[2])
                    if tails is None:
                        tails = found[parts[2]] = {}
                    known = tails.get(rest)
                    if known is None or on < known:
                        tails[rest] = on
                if status != executed:
                    continue
                if kind == message:
                    messages[customer_id].append(on)
                    # Not stored with the row: a contact law counts it at the end of `on`.
                    contacts[customer_id].append((on, channels[channel], None))
                elif kind == suspend:
                    self.suspends[customer_id] += 1
                elif kind == resume:
                    self.resumes[customer_id] += 1
        finally:
            self.records += count

    def _charge(self, record: HistoryRecord) -> None:
        kind = record.kind
        if record.status is HistoryStatus.FAILED and record.decline == "hard":
            for invoice_id in record.invoice_ids:
                declined = self.hard_declines.get(invoice_id)
                if declined is None or record.on < declined[0]:
                    self.hard_declines[invoice_id] = (record.on, record.decline_code)
        if record.status is HistoryStatus.FAILED and kind is ActionKind.AUTOMATIC_CHARGE:
            for invoice_id in record.invoice_ids:
                known = self.failed_charges.get(invoice_id)
                if known is None or record.on < known:
                    self.failed_charges[invoice_id] = record.on
        if kind is ActionKind.RETRY_CHARGE:
            # Like any occurrence, from its first date, whatever the order of the records.
            self._mark(record.key, record.on)
