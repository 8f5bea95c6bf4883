"""Parquet in and out: invoices streamed from a file, the result tables streamed to files.

`evaluate_parquet` reads the invoices in batches and writes ``actions.parquet``,
``skipped.parquet``, ``outcomes.parquet`` and ``stages.parquet`` batch by batch, so memory
stays flat in the number of invoices (the customers and the history are held whole). A file
sorted by ``customer_id`` is streamed as it is; any other is sorted in memory first.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any, Final

from dunning.columnar._arrow import pa, pc
from dunning.columnar.engine import as_table, evaluate_batches
from dunning.columnar.tables import (
    ACTION_SCHEMA,
    OUTCOME_SCHEMA,
    SKIP_SCHEMA,
    STAGE_SCHEMA,
    TableEvaluation,
)
from dunning.engine.evaluation import InvoiceOutcome
from dunning.errors import TableSchemaError
from dunning.policy.model import Policy, PolicySet

__all__ = ["OUTPUT_FILES", "evaluate_parquet", "read_table"]

#: The files `evaluate_parquet` writes, and the schema of each.
OUTPUT_FILES: Final = {
    "actions": ("actions.parquet", ACTION_SCHEMA),
    "skipped": ("skipped.parquet", SKIP_SCHEMA),
    "outcomes": ("outcomes.parquet", OUTCOME_SCHEMA),
    "stages": ("stages.parquet", STAGE_SCHEMA),
}


def _parquet() -> Any:
    import pyarrow.parquet  # type: ignore[import-untyped]  # pyarrow ships no type information

    return pyarrow.parquet


def read_table(path: str | Path, what: str) -> Any:
    """A whole Parquet file as a table.

    Raises:
        TableSchemaError: when the file cannot be read as Parquet, naming it.
    """
    try:
        return _parquet().read_table(path)
    except (OSError, pa.ArrowException) as error:
        raise TableSchemaError(f"{what}: {path} cannot be read as Parquet: {error}") from None


def _sorted(file: Any) -> bool:
    """Whether the file lists the invoices in ascending ``customer_id`` order.

    One column is read, batch by batch.
    """
    last = None
    for batch in file.iter_batches(columns=["customer_id"]):
        ids = batch.column(0)
        if len(ids) == 0:
            continue
        if last is not None and ids[0].as_py() < last:
            return False
        if len(ids) > 1 and not pc.all(pc.greater_equal(ids[1:], ids[:-1])).as_py():
            return False
        last = ids[-1].as_py()
    return True


def _batches(path: Path, batch_size: int) -> Iterator[Any]:
    try:
        file = _parquet().ParquetFile(path)
    except (OSError, pa.ArrowException) as error:
        raise TableSchemaError(f"invoices: {path} cannot be read as Parquet: {error}") from None
    if "customer_id" not in file.schema_arrow.names:
        raise TableSchemaError("invoices: required column 'customer_id' is missing")
    if _sorted(file):
        yield from file.iter_batches(batch_size=batch_size)
    else:
        table = file.read().sort_by("customer_id")
        yield from table.to_batches(max_chunksize=batch_size)


def evaluate_parquet(
    invoices: Any,
    policy: Policy | PolicySet,
    as_of: date,
    *,
    customers: Any,
    output: str | Path,
    history: Any = None,
    batch_size: int = 65_536,
) -> dict[str, int]:
    """Evaluate a Parquet file of invoices and write the result tables as Parquet files.

    Args:
        invoices: the invoice file (`INVOICE_COLUMNS`), or a table of them.
        policy: a `Policy` or `PolicySet`.
        as_of: the evaluation date.
        customers: the customer table (or a Parquet file of it).
        output: the directory the files of `OUTPUT_FILES` are written to (made if missing).
        history: the history table, a Parquet file of it, records, or None.
        batch_size: invoices read at a time.

    Returns:
        How many invoices ended up in each outcome, and the actions written (``actions``).

    Raises:
        TableSchemaError: for a file that cannot be read or breaks the schema.
    """
    if isinstance(customers, str | Path):
        customers = read_table(customers, "customers")
    if isinstance(history, str | Path):
        history = read_table(history, "history")
    folder = Path(output)
    folder.mkdir(parents=True, exist_ok=True)
    parquet = _parquet()
    writers = {
        name: parquet.ParquetWriter(folder / file, schema)
        for name, (file, schema) in OUTPUT_FILES.items()
    }
    counts = {outcome.value: 0 for outcome in InvoiceOutcome}
    actions = 0
    if isinstance(invoices, str | Path):
        batches = _batches(Path(invoices), batch_size)
    else:
        table = as_table(invoices, "invoices").sort_by("customer_id")
        batches = iter(table.to_batches(max_chunksize=batch_size))
    try:
        for part in evaluate_batches(
            batches,
            policy,
            as_of,
            customers=customers,
            history=history,
        ):
            _write(writers, part)
            actions += part.actions.num_rows
            for outcome, count in part.counts().items():
                counts[outcome] += count
    finally:
        for writer in writers.values():
            writer.close()
    return {**counts, "actions": actions}


def _write(writers: dict[str, Any], part: TableEvaluation) -> None:
    for name, writer in writers.items():
        table = getattr(part, name)
        if table.num_rows:
            writer.write_table(table)
