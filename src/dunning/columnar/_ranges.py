"""Rows of a table sorted by customer id, handed out in ascending ranges of customers.

`evaluate_batches` reads the customers and the history of each batch of invoices from here:
a table held whole is sorted by customer id once (unless it already is) and each batch takes
a zero-copy slice found by binary search, so that a batch costs in proportion to its own
customers, never to the whole portfolio. A stream of record batches sorted by customer id
(a generator, a ``RecordBatchReader``, ``ParquetFile.iter_batches``) is read as far as the
batch needs and no further, so that neither table is ever held whole.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from dunning.columnar._arrow import pa, pc
from dunning.errors import TableSchemaError

__all__ = ["CustomerRanges"]


class CustomerRanges:
    """The rows of a table of customers or history, taken customer range by customer range.

    Args:
        source: a table (held whole), or an iterator of record batches or tables sorted by
            the `key` column (read as the ranges need it).
        key: the customer id column (``id`` for customers, ``customer_id`` for history).
        what: the table's name in error messages.
        conform: checks a table (or a batch read from the stream) and returns it conformed.
        empty: the conformed table of no rows, for a stream that gives none.
    """

    def __init__(
        self, source: Any, key: str, what: str, conform: Callable[[Any], Any], empty: Any
    ) -> None:
        self._key = key
        self._empty = empty
        self._what = what
        self._conform = conform
        self._stream: Iterator[Any] | None = None
        self._table: Any = None
        self._position = 0
        self._held: list[Any] = []  # streamed rows read but not taken yet
        self._last: str | None = None  # the last key read from the stream
        self._number = 0
        if isinstance(source, Iterator) and not isinstance(source, pa.Table):
            self._stream = source
            return
        table = conform(source)
        ids = table.column(key)
        if table.num_rows > 1 and not _ascending(ids):
            table = table.take(pc.sort_indices(ids))  # stable: equal ids keep their order
        self._table = table.combine_chunks()
        self._ids = self._table.column(key)

    def through(self, last: str) -> Any:
        """The rows not taken yet whose customer id is at most `last` (a conformed table).

        Raises:
            TableSchemaError: for a streamed batch out of ascending customer id order.
        """
        if self._stream is None:
            end = self._bisect(last)
            part = self._table.slice(self._position, end - self._position)
            self._position = end
            return part
        while self._last is None or self._last <= last:
            if not self._read():
                break
        return self._take(last)

    def _bisect(self, last: str) -> int:
        """The position after the last row whose id is at most `last`, from `_position`."""
        ids = self._ids
        low, high = self._position, len(ids)
        while low < high:
            middle = (low + high) // 2
            if ids[middle].as_py() <= last:
                low = middle + 1
            else:
                high = middle
        return low

    def _read(self) -> bool:
        """Read one more batch of the stream; False when it is exhausted."""
        assert self._stream is not None
        batch = next(self._stream, None)
        if batch is None:
            return False
        self._number += 1
        if isinstance(batch, pa.RecordBatch):
            batch = pa.Table.from_batches([batch])
        table = self._conform(batch)
        if table.num_rows == 0:
            return True
        ids = table.column(self._key)
        first = ids[0].as_py()
        if (self._last is not None and first < self._last) or not _ascending(ids):
            raise TableSchemaError(
                f"{self._what}: batch {self._number} is not in ascending {self._key} order "
                f"after {self._last!r}; sort the {self._what} by {self._key} to stream them"
            )
        self._last = ids[-1].as_py()
        self._held.append(table)
        return True

    def _joined(self) -> Any:
        if not self._held:
            return self._empty
        if len(self._held) == 1:
            return self._held[0]
        # Batches of one stream may leave out different optional columns.
        return pa.concat_tables(self._held, promote_options="default")

    def _take(self, last: str) -> Any:
        """The held rows with ids at most `last`; the others stay held."""
        table = self._joined()
        if table.num_rows == 0:
            self._held = []
            return table
        ids = table.column(self._key).combine_chunks()
        beyond = pc.greater(ids, pa.scalar(last, pa.string()))
        if not pc.any(beyond).as_py():
            self._held = []
            return table
        cut = pc.index(beyond, True).as_py()  # the ids ascend: the rest is beyond too
        self._held = [table.slice(cut)]
        return table.slice(0, cut)


def _ascending(ids: Any) -> bool:
    column = ids.combine_chunks() if hasattr(ids, "combine_chunks") else ids
    return bool(pc.all(pc.greater_equal(column[1:], column[:-1])).as_py() is not False)
