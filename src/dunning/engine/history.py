"""The history of what was done, indexed once for the engine."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date

from dunning.engine.actions import ActionKind, HistoryRecord, HistoryStatus
from dunning.invoices import Channel

__all__ = ["HistoryIndex"]


class HistoryIndex:
    """History records indexed for the engine: done keys, failed channels, message dates.

    `evaluate` builds one from the records it is given; a host or a simulator that evaluates
    day after day can keep one and `add` each day's records to it, so the history is indexed
    once instead of on every run. It is the one mutable object of the engine: it belongs to
    the caller, and `evaluate` only reads it.

    >>> from datetime import date
    >>> index = HistoryIndex()
    >>> index.add([HistoryRecord(key="k", kind="send_message", customer_id="C",
    ...                          on=date(2026, 1, 2))])
    >>> index.done_on("k"), len(index)
    (datetime.date(2026, 1, 2), 1)
    """

    def __init__(self, records: Iterable[HistoryRecord] = ()) -> None:
        self.done: dict[str, date] = {}
        self.failed_channels: dict[str, set[Channel]] = defaultdict(set)
        self.messages: dict[str, list[date]] = defaultdict(list)
        self.suspends: dict[str, int] = defaultdict(int)
        self.resumes: dict[str, int] = defaultdict(int)
        self.failed_charges: dict[str, date] = {}
        self.records = 0
        self.add(records)

    def __len__(self) -> int:
        return self.records

    def done_on(self, key: str) -> date | None:
        """The first day the occurrence `key` was carried out (or skipped), or None."""
        return self.done.get(key)

    def add(self, records: Iterable[HistoryRecord]) -> None:
        """Index more records (e.g. the actions a run executed)."""
        done = self.done
        executed = HistoryStatus.EXECUTED
        message = ActionKind.SEND_MESSAGE
        charges = (ActionKind.AUTOMATIC_CHARGE, ActionKind.RETRY_CHARGE)
        for record in records:
            self.records += 1
            kind = record.kind
            on = record.on
            status = record.status
            if kind in charges:
                self._charge(record)
                continue
            if status is HistoryStatus.FAILED:
                if record.channel is not None:
                    for key in record.covers or (record.key,):
                        self.failed_channels[key].add(record.channel)
                continue
            # A key carried out twice (a re-run) counts from its first date. A record that
            # covers occurrences (a message, a consolidated task) is looked up by them, never
            # by its own key, which is left out to save memory on large histories.
            for key in record.covers or (record.key,):
                known = done.get(key)
                if known is None or on < known:
                    done[key] = on
            if status is not executed:
                continue
            if kind is message:
                self.messages[record.customer_id].append(on)
            elif kind is ActionKind.SUSPEND_SERVICE:
                self.suspends[record.customer_id] += 1
            elif kind is ActionKind.RESUME_SERVICE:
                self.resumes[record.customer_id] += 1

    def _charge(self, record: HistoryRecord) -> None:
        kind = record.kind
        if record.status is HistoryStatus.FAILED and kind is ActionKind.AUTOMATIC_CHARGE:
            for invoice_id in record.invoice_ids:
                known = self.failed_charges.get(invoice_id)
                if known is None or record.on < known:
                    self.failed_charges[invoice_id] = record.on
        if kind is ActionKind.RETRY_CHARGE:
            self.done.setdefault(record.key, record.on)
