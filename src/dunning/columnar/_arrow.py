"""pyarrow, imported once, with the install hint when the optional extra is missing."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from dunning.errors import TableSchemaError, missing_dependency

__all__ = ["as_table", "column", "is_frame", "np", "pa", "pc"]

try:
    import numpy
    import pyarrow  # type: ignore[import-untyped]  # pyarrow ships no type information
    import pyarrow.compute  # type: ignore[import-untyped]  # (same)
except ImportError:  # pragma: no cover - the dev extra installs it
    raise missing_dependency("pyarrow", "arrow") from None

np: Any = numpy
pa: Any = pyarrow
pc: Any = pyarrow.compute


def column(table: Any, name: str) -> Any:
    """One column of `table` as a single array."""
    return table.column(name).combine_chunks()


def is_frame(data: Any) -> bool:
    """Whether `data` is a pandas or polars frame, or exports an Arrow stream."""
    return type(data).__module__.split(".")[0] in {"pandas", "polars"} or hasattr(
        data, "__arrow_c_stream__"
    )


def as_table(data: Any, what: str) -> Any:
    """`data` as a ``pyarrow.Table``.

    Accepts a ``pyarrow.Table``, a ``RecordBatch``, an iterable of record batches, a pandas or
    polars frame (through Arrow), or any object exporting an Arrow stream.

    Raises:
        TableSchemaError: for anything else, naming the table.
    """
    if isinstance(data, pa.Table):
        return data
    if isinstance(data, pa.RecordBatch):
        return pa.Table.from_batches([data])
    module = type(data).__module__.split(".")[0]
    if module == "pandas":
        return pa.Table.from_pandas(data, preserve_index=False)
    if module == "polars":
        return data.to_arrow()
    if hasattr(data, "__arrow_c_stream__"):
        return pa.table(data)
    if isinstance(data, Iterable) and not isinstance(data, str | bytes):
        batches = list(data)
        if all(isinstance(batch, pa.RecordBatch) for batch in batches) and batches:
            return pa.Table.from_batches(batches)
    raise TableSchemaError(
        f"{what}: expected a pyarrow Table, RecordBatch or batches, or a pandas or polars "
        f"frame; got {type(data).__name__}"
    )
