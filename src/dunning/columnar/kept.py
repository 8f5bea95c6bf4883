"""`KeptHistory`: the history in the form the columnar engine reads, kept between days.

The columnar engine's quick check asks, per invoice, which occurrences were done and on
which day they first were; its customer-level checks ask how many suspensions and lifts of
service each customer had executed and whether a charge was ever recorded for it. Worked
out from a table of records, those answers cost a pass over the whole history on every
evaluation. A `KeptHistory` holds them:

- every occurrence done (executed or skipped), as a code per invoice and key tail: the
  invoice (``policy:customer:invoice``, escaped as keys are) numbered in a vocabulary, the
  tail (``step:due:0``, ``stage:late``) in another, and the first day it was recorded;
- per customer, the suspensions and lifts of service executed, the day of the last message
  sent, and whether its history holds a charge (a charge starts retries: such a customer is
  always evaluated in full);
- the records themselves, from which the full evaluation indexes the customers it takes
  (only those, on each evaluation).

A host evaluating day after day builds it once and, after each day, `advance` it with that
day's result, as the runner records it: each action executed on the day, each occurrence
skipped for good acknowledged. The day's records are merged in (the occurrences into the
sorted codes, the counts per customer updated); nothing is worked out again from the whole
history.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Final

from dunning.columnar._arrow import as_table, is_frame, np, pa, pc
from dunning.columnar._arrow import column as _column
from dunning.columnar.schema import HISTORY_COLUMNS, _schema, conform, history_table
from dunning.columnar.tables import TableEvaluation
from dunning.engine.actions import ActionKind, HistoryStatus
from dunning.errors import TableSchemaError
from dunning.invoices import Channel

__all__ = ["NOT_DONE", "KeptHistory", "conformed_history", "day_records"]

#: The day `KeptHistory` gives an occurrence never done (days count from 1970-01-01 and may
#: be negative, so -1 will not do).
NOT_DONE: Final = -(1 << 62)

_EPOCH: Final = date(1970, 1, 1)
#: A code is ``invoice * _TAILS + tail``: room for 2**24 distinct key tails.
_TAILS: Final = 1 << 24
#: History kinds whose customers are evaluated in full: failed charges start retries.
_CHARGES: Final = (ActionKind.AUTOMATIC_CHARGE.value, ActionKind.RETRY_CHARGE.value)
#: A key as the engine makes it: ``policy:customer:invoice`` and the tail (which may hold ``:``).
_KEY: Final = r"(?s)^(?P<invoice>[^:]*:[^:]*:[^:]*):(?P<tail>.*)$"
_SCHEMA: Final = _schema(HISTORY_COLUMNS)
_NO_CODES: Final = np.zeros(0, dtype=np.int64)
_NO_DAYS: Final = np.zeros(0, dtype=np.int32)


def _check_values(table: Any, name: str, allowed: list[str]) -> None:
    column = table.column(name)
    bad = pc.and_(pc.is_valid(column), pc.invert(pc.is_in(column, pa.array(allowed))))
    if pc.any(bad).as_py():
        row = pc.index(bad, True).as_py()
        raise TableSchemaError(
            f"history: column {name!r} in row {row} is {column[row].as_py()!r}; it must be "
            f"one of {', '.join(allowed)}"
        )


def _full(table: Any) -> Any:
    """A conformed history table with every column of `HISTORY_COLUMNS`, in order."""
    rows = table.num_rows
    arrays = [
        table.column(field.name) if field.name in table.column_names else pa.nulls(rows, field.type)
        for field in _SCHEMA
    ]
    return pa.Table.from_arrays(arrays, schema=_SCHEMA)


def _counts(values: Any, counts: Any) -> dict[str, int]:
    return dict(zip(values.to_pylist(), counts.tolist(), strict=True))


class KeptHistory:
    """A portfolio's history as the columnar engine reads it, kept from one day to the next.

    Build it once from a history table (`HISTORY_COLUMNS`; record batches, pandas or polars
    frames, or `HistoryRecord` objects also do) and pass it as ``history=`` to `evaluate_table` or
    `evaluate_batches`; after the day's actions are carried out, `advance` it with that
    day's result. Evaluating with it gives exactly what evaluating with the equivalent
    history table gives (a property test proves it), without reading the whole history on
    each evaluation.

    It is immutable by contract: `advance` returns a new one and leaves this one as it was,
    so a caller can keep the state of any day. Two are equal when they hold the same records
    in the same order.

    Raises:
        TableSchemaError: for a history table that breaks the schema, or a kind, status or
            channel that is not known (naming the column and the row).

    >>> from datetime import date
    >>> from dunning import HistoryRecord
    >>> kept = KeptHistory([HistoryRecord(key="p:C:I:stage:late", kind="enter_stage",
    ...                                   customer_id="C", on=date(2026, 2, 1))])
    >>> kept.done_on("p:C:I:stage:late"), kept.done_on("p:C:I:stage:other"), len(kept)
    (datetime.date(2026, 2, 1), None, 1)
    """

    __slots__ = (
        "_charged",
        "_codes",
        "_customers",
        "_first",
        "_invoices",
        "_messages",
        "_resumes",
        "_suspends",
        "_table",
        "_tail_ids",
    )

    _table: Any
    _customers: Any
    _invoices: Any
    _tail_ids: dict[str, int]
    _codes: Any
    _first: Any
    _charged: Any
    _suspends: dict[str, int]
    _resumes: dict[str, int]
    _messages: dict[str, int]

    def __init__(self, history: Any = None) -> None:
        table = _full(conformed_history(history))
        _check_values(table, "kind", [k.value for k in ActionKind])
        _check_values(table, "status", [s.value for s in HistoryStatus])
        _check_values(table, "channel", [c.value for c in Channel])
        _check_values(table, "decline", ["soft", "hard"])
        self._table = table
        self._customers = _column(table, "customer_id")
        self._invoices = pa.array([], pa.string())
        self._tail_ids = {}
        self._codes, self._first = _NO_CODES, _NO_DAYS
        self._charged = pa.array([], pa.string())
        self._suspends, self._resumes, self._messages = {}, {}, {}
        self._take(table)

    def __len__(self) -> int:
        return int(self._table.num_rows)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, KeptHistory):
            return NotImplemented
        return bool(self._table.equals(other._table)) and self._answers() == other._answers()

    __hash__ = None  # type: ignore[assignment]  # equal by value, and holds tables

    def __repr__(self) -> str:
        return f"KeptHistory({len(self)} records, {len(self._codes)} occurrences done)"

    @property
    def table(self) -> Any:
        """The records, as a history table with every column of `HISTORY_COLUMNS`."""
        return self._table

    def done_on(self, key: str) -> date | None:
        """The first day the occurrence `key` was done (executed or skipped), or None.

        Only keys the engine makes (``policy:customer:invoice:tail``) are kept this way.
        """
        parts = key.split(":", 3)
        if len(parts) < 4:
            return None
        invoice, tail = ":".join(parts[:3]), parts[3]
        at = self._numbers(pa.array([invoice], pa.string()))
        day = int(self._days(at, np.array([self._tail_ids.get(tail, -1)], dtype=np.int64))[0])
        return None if day == NOT_DONE else date.fromordinal(_EPOCH.toordinal() + day)

    def executed(self, kind: ActionKind | str, customer_id: str) -> int:
        """How many records of `kind` were executed for `customer_id`.

        Kept for the suspensions and lifts of service, which the engine counts.

        Raises:
            ValueError: for another kind.
        """
        kind = ActionKind(kind)
        if kind is ActionKind.SUSPEND_SERVICE:
            return self._suspends.get(customer_id, 0)
        if kind is ActionKind.RESUME_SERVICE:
            return self._resumes.get(customer_id, 0)
        raise ValueError(
            f"kind {kind.value!r} is not counted; the kept counts are of "
            f"{ActionKind.SUSPEND_SERVICE.value} and {ActionKind.RESUME_SERVICE.value}"
        )

    def last_message_on(self, customer_id: str) -> date | None:
        """The day of the last message executed for `customer_id`, or None."""
        day = self._messages.get(customer_id)
        return None if day is None else date.fromordinal(_EPOCH.toordinal() + day)

    def advance(self, result: TableEvaluation, on: date | None = None) -> KeptHistory:
        """The history after `result` was carried out on `on` (by default its date).

        As the runner records a day: every action executed on `on`, every skipped occurrence
        that is not deferred (no ``retry_on``) acknowledged as skipped on `on`. The result
        equals a `KeptHistory` of this history's records with those appended; this one is
        left as it was.
        """
        records = day_records(result, result.as_of if on is None else on)
        kept = object.__new__(KeptHistory)
        kept._table = pa.concat_tables([self._table, records])
        kept._customers = pa.concat_arrays([self._customers, _column(records, "customer_id")])
        kept._invoices = self._invoices
        kept._tail_ids = dict(self._tail_ids)
        kept._codes, kept._first = self._codes, self._first
        kept._charged = self._charged
        kept._suspends = dict(self._suspends)
        kept._resumes = dict(self._resumes)
        kept._messages = dict(self._messages)
        kept._take(records)
        return kept

    def _answers(self) -> tuple[Any, ...]:
        """What the engine reads of this history, independent of how it was built."""
        tails = list(self._tail_ids)
        invoices = self._invoices.to_pylist()
        done = sorted(
            (invoices[code // _TAILS], tails[code % _TAILS], day)
            for code, day in zip(self._codes.tolist(), self._first.tolist(), strict=True)
        )
        return (
            done,
            sorted(self._charged.to_pylist()),
            self._suspends,
            self._resumes,
            self._messages,
        )

    def _take(self, records: Any) -> None:
        """Add the answers of `records` (a full history table) to this one being built."""
        if records.num_rows == 0:
            return
        kinds = _column(records, "kind")
        status = pc.fill_null(_column(records, "status"), HistoryStatus.EXECUTED.value)
        customers = _column(records, "customer_id")
        days = _column(records, "on").cast(pa.int32())
        charge = pc.is_in(kinds, pa.array(_CHARGES))
        if pc.any(charge).as_py():
            self._charged = pc.unique(pa.concat_arrays([self._charged, customers.filter(charge)]))
        executed = pc.equal(status, HistoryStatus.EXECUTED.value)
        for kind, counts in (
            (ActionKind.SUSPEND_SERVICE, self._suspends),
            (ActionKind.RESUME_SERVICE, self._resumes),
        ):
            chosen = pc.and_(executed, pc.equal(kinds, kind.value))
            counted = pc.value_counts(customers.filter(chosen))
            for customer, count in _counts(
                counted.field("values"), counted.field("counts").to_numpy(zero_copy_only=False)
            ).items():
                counts[customer] = counts.get(customer, 0) + count
        sent = pc.and_(executed, pc.equal(kinds, ActionKind.SEND_MESSAGE.value))
        if pc.any(sent).as_py():
            last = (
                pa.table({"customer_id": customers.filter(sent), "on": days.filter(sent)})
                .group_by("customer_id")
                .aggregate([("on", "max")])
            )
            messages = self._messages
            for customer, day in zip(
                last["customer_id"].to_pylist(), last["on_max"].to_pylist(), strict=True
            ):
                known = messages.get(customer)
                if known is None or day > known:
                    messages[customer] = day
        self._done(records, charge, status, days)

    def _done(self, records: Any, charge: Any, status: Any, days: Any) -> None:
        """Add the occurrences `records` did: a record covering some counts for them."""
        keep = pc.and_(pc.invert(charge), pc.not_equal(status, HistoryStatus.FAILED.value))
        covers = _column(records, "covers")
        lengths = pc.fill_null(pc.list_value_length(covers), 0)
        own = pc.and_(keep, pc.equal(lengths, 0))
        many = pc.and_(keep, pc.greater(lengths, 0))
        chosen = covers.filter(many)
        keys = pa.concat_arrays(
            [_column(records, "key").filter(own), pc.list_flatten(chosen).cast(pa.string())]
        )
        on = pa.concat_arrays(
            [days.filter(own), days.filter(many).take(pc.list_parent_indices(chosen))]
        )
        split = pc.extract_regex(keys, _KEY)
        made = pc.is_valid(split)  # a key the engine did not make is never looked up here
        invoices = split.field("invoice").filter(made)
        tails = split.field("tail").filter(made)
        on = on.filter(made)
        if len(invoices) == 0:
            return
        at = pc.index_in(invoices, value_set=self._invoices)
        new = pc.unique(invoices.filter(pc.is_null(at)))
        if len(new):
            self._invoices = pa.concat_arrays([self._invoices, new])
            at = pc.index_in(invoices, value_set=self._invoices)
        unique = pc.unique(tails)
        ids = self._tail_ids
        numbers = np.array(
            [ids.setdefault(tail, len(ids)) for tail in unique.to_pylist()], dtype=np.int64
        )
        if len(ids) > _TAILS:
            raise TableSchemaError(
                f"history: {len(ids)} distinct key tails; at most {_TAILS} are kept"
            )
        tail_at = numbers[pc.index_in(tails, value_set=unique).to_numpy(zero_copy_only=False)]
        codes = at.to_numpy(zero_copy_only=False).astype(np.int64) * _TAILS + tail_at
        first = on.to_numpy(zero_copy_only=False).astype(np.int32)
        codes = np.concatenate([self._codes, codes])
        first = np.concatenate([self._first, first])
        # Stable: the kept codes are sorted, so this merges two runs.
        order = np.argsort(codes, kind="stable")
        codes, first = codes[order], first[order]
        starts = np.flatnonzero(np.concatenate([[True], codes[1:] != codes[:-1]]))
        # An occurrence done twice (a re-run) counts from its first day.
        self._codes = codes[starts]
        self._first = np.minimum.reduceat(first, starts) if len(first) else first

    def _numbers(self, invoices: Any) -> Any:
        """The number of each ``policy:customer:invoice`` text (escaped as in keys), or -1."""
        at = pc.index_in(invoices, value_set=self._invoices)
        return pc.fill_null(at, -1).to_numpy(zero_copy_only=False).astype(np.int64)

    def _counted(self, kind: ActionKind) -> tuple[Any, Any]:
        """The customers with executed records of `kind`, and how many each (numpy)."""
        counts = self._suspends if kind is ActionKind.SUSPEND_SERVICE else self._resumes
        return pa.array(list(counts), pa.string()), np.array(list(counts.values()), np.int64)

    def _days(self, invoice_at: Any, tail_at: Any) -> Any:
        """The first day of each (invoice number, tail number), `NOT_DONE` where not done."""
        found = np.full(len(invoice_at), NOT_DONE, dtype=np.int64)
        known = (invoice_at >= 0) & (tail_at >= 0)
        if not known.any() or not len(self._codes):
            return found
        codes = invoice_at[known] * _TAILS + tail_at[known]
        where = np.searchsorted(self._codes, codes)
        where = np.minimum(where, len(self._codes) - 1)
        hit = self._codes[where] == codes
        days = np.where(hit, self._first[where].astype(np.int64), NOT_DONE)
        found[known] = days
        return found


def conformed_history(history: Any) -> Any:
    """The history table (from a table, batches, a frame, records or None), conformed.

    Conformed to `HISTORY_COLUMNS`; `KeptHistory` checks its values.
    """
    if history is None:
        history = history_table(())
    elif not isinstance(history, pa.Table | pa.RecordBatch) and not is_frame(history):
        history = history_table(history)
    return conform(as_table(history, "history"), HISTORY_COLUMNS, "history")


def day_records(result: TableEvaluation, on: date) -> Any:
    """The history records of a day's `result` carried out on `on`, as a history table.

    Each action executed on `on` (its key, kind, customer, invoices, covered occurrences and
    channel), then each skipped occurrence without a ``retry_on`` acknowledged as skipped
    (`HistoryRecord.skipped`).
    """
    actions, skipped = result.actions, result.skipped
    final = skipped.filter(pc.is_null(skipped.column("retry_on")))
    count, skips = actions.num_rows, final.num_rows
    day = pa.scalar(on, pa.date32())
    executed = pa.table(
        {
            "key": actions.column("key"),
            "kind": actions.column("kind"),
            "customer_id": actions.column("customer_id"),
            "on": pa.repeat(day, count),
            "status": pa.repeat(pa.scalar(HistoryStatus.EXECUTED.value), count),
            "invoice_ids": actions.column("invoice_ids"),
            "covers": actions.column("covers"),
            "channel": actions.column("channel"),
            "decline": pa.nulls(count, pa.string()),
            "decline_code": pa.nulls(count, pa.string()),
        },
        schema=_SCHEMA,
    )
    invoice_ids = pa.ListArray.from_arrays(
        pa.array(np.arange(skips + 1, dtype=np.int32)),
        _column(final, "invoice_id") if skips else pa.array([], pa.string()),
    )
    acknowledged = pa.table(
        {
            "key": final.column("key"),
            "kind": pa.repeat(pa.scalar(ActionKind.SEND_MESSAGE.value), skips),
            "customer_id": final.column("customer_id"),
            "on": pa.repeat(day, skips),
            "status": pa.repeat(pa.scalar(HistoryStatus.SKIPPED.value), skips),
            "invoice_ids": invoice_ids,
            "covers": pa.ListArray.from_arrays(
                pa.array(np.zeros(skips + 1, dtype=np.int32)), pa.array([], pa.string())
            ),
            "channel": pa.nulls(skips, pa.string()),
            "decline": pa.nulls(skips, pa.string()),
            "decline_code": pa.nulls(skips, pa.string()),
        },
        schema=_SCHEMA,
    )
    return pa.concat_tables([executed, acknowledged])
