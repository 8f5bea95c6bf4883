"""Scale-out on Apache Spark: the columnar engine on each partition of customers.

Customers are independent (DESIGN.md, partition invariance): evaluating each group of
customers with their invoices and history gives exactly the slice of the whole evaluation
for them. `evaluate_spark` brings each customer's invoices, record and history into one
partition (by customer id), runs `dunning.columnar.evaluate_table` there through
``mapInArrow`` with the policy shipped as JSON, and returns Spark DataFrames of actions,
skipped occurrences, outcomes and stages, in the schemas of `dunning.columnar`.

Install with ``pip install "dunning[spark]"`` (pyspark and a Java 17+ runtime).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Final

from dunning.errors import missing_dependency
from dunning.policy.model import Policy, PolicySet

__all__ = ["SparkEvaluation", "evaluate_spark"]

#: The output columns of every table, one type per name (a table leaves the others null).
_COLUMNS: Final = (
    ("table", "string"),
    ("key", "string"),
    ("kind", "string"),
    ("customer_id", "string"),
    ("invoice_id", "string"),
    ("invoice_ids", "array<string>"),
    ("due_on", "date"),
    ("rule_id", "string"),
    ("occurrence", "bigint"),
    ("stage_id", "string"),
    ("channel", "string"),
    ("address", "string"),
    ("template", "string"),
    ("amount", "string"),
    ("currency", "string"),
    ("covers", "array<string>"),
    ("cause", "string"),
    ("retry_on", "date"),
    ("reason_rule", "string"),
    ("reason_text", "string"),
    ("reason_figures", "array<struct<name:string,value:string>>"),
    ("outcome", "string"),
    ("detail", "string"),
    ("policy_id", "string"),
    ("level", "int"),
    ("seconds", "double"),
)
_TABLES: Final = ("actions", "skipped", "outcomes", "stages")


@dataclass(frozen=True)
class SparkEvaluation:
    """What a Spark evaluation decided: a DataFrame per table of `dunning.columnar`.

    The DataFrames read one cached result, computed once: `actions` (`ACTION_SCHEMA`),
    `skipped` (`SKIP_SCHEMA`), `outcomes` (`OUTCOME_SCHEMA`, one row per invoice) and
    `stages` (`STAGE_SCHEMA`). Call `unpersist` when done with them.
    """

    result: Any
    as_of: date

    def _table(self, name: str) -> Any:
        from dunning.columnar.tables import (
            ACTION_SCHEMA,
            OUTCOME_SCHEMA,
            SKIP_SCHEMA,
            STAGE_SCHEMA,
        )

        schema = {
            "actions": ACTION_SCHEMA,
            "skipped": SKIP_SCHEMA,
            "outcomes": OUTCOME_SCHEMA,
            "stages": STAGE_SCHEMA,
        }[name]
        return self.result.filter(self.result["table"] == name).select(*schema.names)

    @property
    def actions(self) -> Any:
        """The actions, one row each (`dunning.columnar.ACTION_SCHEMA`)."""
        return self._table("actions")

    @property
    def skipped(self) -> Any:
        """The skipped occurrences (`dunning.columnar.SKIP_SCHEMA`)."""
        return self._table("skipped")

    @property
    def outcomes(self) -> Any:
        """One row per invoice: where it ended up (`dunning.columnar.OUTCOME_SCHEMA`)."""
        return self._table("outcomes")

    @property
    def stages(self) -> Any:
        """The customers' stages (`dunning.columnar.STAGE_SCHEMA`)."""
        return self._table("stages")

    def engine_seconds(self) -> float:
        """Seconds the columnar engine ran, summed over the partitions (the rest is Spark's)."""
        timing = self.result.filter(self.result["table"] == "timing")
        total = timing.agg({"seconds": "sum"}).collect()[0][0]
        return float(total or 0.0)

    def collect(self) -> tuple[Any, float]:
        """The whole result, brought to the driver in one job (for results that fit in memory).

        Returns:
            A `dunning.columnar.TableEvaluation`, and the engine's seconds summed over the
            partitions.
        """
        from dunning.columnar._arrow import pa, pc
        from dunning.columnar.tables import (
            ACTION_SCHEMA,
            OUTCOME_SCHEMA,
            SKIP_SCHEMA,
            STAGE_SCHEMA,
            TableEvaluation,
        )

        whole = self.result.toArrow()
        kinds = whole.column("table")

        def part(name: str, schema: Any) -> Any:
            rows = whole.filter(pc.equal(kinds, name)).select(schema.names)
            return pa.Table.from_arrays(
                [rows.column(c).cast(schema.field(c).type) for c in schema.names], schema=schema
            )

        timing = whole.filter(pc.equal(kinds, "timing")).column("seconds")
        return (
            TableEvaluation(
                as_of=self.as_of,
                actions=part("actions", ACTION_SCHEMA),
                skipped=part("skipped", SKIP_SCHEMA),
                outcomes=part("outcomes", OUTCOME_SCHEMA),
                stages=part("stages", STAGE_SCHEMA),
            ),
            float(pc.sum(timing).as_py() or 0.0),
        )

    def unpersist(self) -> None:
        """Release the cached result."""
        self.result.unpersist()


def _policy_json(policy: Policy | PolicySet) -> str:
    kind = "set" if isinstance(policy, PolicySet) else "policy"
    return json.dumps({"kind": kind, "policy": policy.model_dump(mode="json")})


def _policy_of(text: str) -> Policy | PolicySet:
    data = json.loads(text)
    model = PolicySet if data["kind"] == "set" else Policy
    return model.model_validate(data["policy"])


def _evaluator(
    policy_json: str, as_of: date, invoice_columns: tuple[str, ...]
) -> Any:  # pragma: no cover - runs in the Spark workers, measured by the Spark test
    """The function each partition runs: its batches in, the result batches out."""

    def run(batches: Iterator[Any]) -> Iterator[Any]:
        from dunning.columnar._arrow import pa, pc
        from dunning.columnar.engine import evaluate_table
        from dunning.engine.actions import HistoryRecord

        started = time.perf_counter()
        policy = _policy_of(policy_json)
        table = pa.Table.from_batches(list(batches))
        if table.num_rows == 0:
            return
        people = table.column("_customer")
        records = table.column("_history")
        invoices = table.filter(pc.and_(pc.is_null(people), pc.is_null(records))).select(
            list(invoice_columns)
        )
        customers = _customers([_loads(text) for text in people.drop_null().to_pylist()])
        history = [
            HistoryRecord.model_validate(_loads(text)) for text in records.drop_null().to_pylist()
        ]
        result = evaluate_table(invoices, policy, as_of, customers=customers, history=history)
        seconds = time.perf_counter() - started
        out = [(name, getattr(result, name)) for name in _TABLES]
        out.append(("timing", pa.table({"seconds": pa.array([seconds], pa.float64())})))
        for name, part in out:
            if part.num_rows == 0:
                continue
            columns = []
            for column, _ in _COLUMNS:
                if column == "table":
                    columns.append(pa.repeat(name, part.num_rows).cast(pa.string()))
                elif column in part.column_names:
                    columns.append(part.column(column).combine_chunks())
                else:
                    columns.append(None)
            yield from _batch(columns, part.num_rows, pa)

    return run


def _batch(columns: list[Any], rows: int, pa: Any) -> Iterator[Any]:
    arrays = [
        pa.nulls(rows, _arrow_type(kind, pa))
        if array is None
        else array.cast(_arrow_type(kind, pa))
        for array, (_, kind) in zip(columns, _COLUMNS, strict=True)
    ]
    yield from pa.Table.from_arrays(arrays, names=[name for name, _ in _COLUMNS]).to_batches()


def _arrow_type(kind: str, pa: Any) -> Any:
    figures = pa.list_(pa.struct([("name", pa.string()), ("value", pa.string())]))
    return {
        "string": pa.string(),
        "array<string>": pa.list_(pa.string()),
        "date": pa.date32(),
        "bigint": pa.int64(),
        "int": pa.int32(),
        "double": pa.float64(),
        "array<struct<name:string,value:string>>": figures,
    }[kind]


def _customers(rows: list[dict[str, Any]]) -> Any:  # pragma: no cover - in the workers
    """The customer table of a partition's records (every field a column, nulls kept)."""
    from dunning.columnar._arrow import pa
    from dunning.columnar.schema import CUSTOMER_COLUMNS, customers_table

    if not rows:
        return customers_table(())
    names = sorted({name for row in rows for name in row})
    columns: dict[str, Any] = {}
    for name in names:
        values = [row.get(name) for row in rows]
        column = CUSTOMER_COLUMNS.get(name)
        # JSON writes a date as its ISO text: read back as the date it is.
        kind = pa.date32() if column is not None and column.kind == "date" else None
        columns[name] = values if kind is None else pa.array(values, pa.string()).cast(kind)
    return pa.Table.from_pydict(columns)


def _loads(text: str) -> dict[str, Any]:
    data = json.loads(text, parse_float=Decimal)
    return {name: value for name, value in data.items() if value is not None}


def evaluate_spark(
    invoices: Any,
    policy: Policy | PolicySet,
    as_of: date,
    *,
    customers: Any,
    history: Any = None,
    partitions: int | None = None,
) -> SparkEvaluation:
    """Evaluate Spark DataFrames of invoices, customers and history, customer by customer.

    The invoices take the columns of `dunning.columnar.INVOICE_COLUMNS` (money as a decimal
    or a string, dates as dates); customers those of `CUSTOMER_COLUMNS`, history those of
    `HISTORY_COLUMNS`. Each partition holds whole customers, so the result is exactly the
    single-process evaluation (partition invariance).

    Args:
        invoices: a DataFrame of invoices.
        policy: a `Policy` or `PolicySet`, shipped to the workers as JSON.
        as_of: the evaluation date.
        customers: a DataFrame of customers.
        history: a DataFrame of history records, or None.
        partitions: how many partitions of customers (default: Spark's shuffle partitions).

    Returns:
        A `SparkEvaluation` whose DataFrames read one cached result.

    Raises:
        MissingDependencyError: when pyspark is not installed.
    """
    try:
        from pyspark.sql import functions as F  # noqa: N812  (Spark's own convention)
    except ImportError:  # pragma: no cover - the dev extra installs it
        raise missing_dependency("pyspark", "spark") from None
    parts = [
        invoices.withColumn("_customer", F.lit(None).cast("string")).withColumn(
            "_history", F.lit(None).cast("string")
        ),
        customers.select(
            F.col("id").alias("customer_id"),
            F.to_json(F.struct(*[F.col(c) for c in customers.columns])).alias("_customer"),
        ),
    ]
    if history is not None:
        parts.append(
            history.select(
                F.col("customer_id"),
                F.to_json(F.struct(*[F.col(c) for c in history.columns])).alias("_history"),
            )
        )
    merged = parts[0]
    for part in parts[1:]:
        merged = merged.unionByName(part, allowMissingColumns=True)
    grouped = (
        merged.repartition(partitions, "customer_id")
        if partitions is not None
        else merged.repartition("customer_id")
    )
    schema = ", ".join(f"`{name}` {kind}" for name, kind in _COLUMNS)
    run = _evaluator(_policy_json(policy), as_of, tuple(invoices.columns))
    result = grouped.mapInArrow(run, schema).persist()
    return SparkEvaluation(result, as_of)
