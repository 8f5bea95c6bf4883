"""Measure the columnar engine: `python -m benchmarks.columnar [--sizes 10000,100000] [--spark N]`.

Three seeded portfolios (see docs/performance.md and docs/columnar.md):

- today: the portfolio and history of `python -m benchmarks` (the B2C cadence, stages at 30
  and 60 days, a history of daily runs up to the day before);
- fees: the same with a 1.5% late fee on the first stage (a fee takes every invoice of the
  policy to the full evaluation);
- active: every invoice 10 days overdue, a daily reminder due and a 1.5% fee stage.

For each size and portfolio, in a fresh subprocess (so that its peak memory is its own):
`evaluate_table` on Arrow tables built beforehand (best of 3; 1 at 1M), given the history as a
table and as a `KeptHistory` built beforehand ("kept": what a caller keeping it between days
pays; "advance": the CPU time to advance it by the day's result), the object engine
`evaluate` on the same portfolio (kept history index), and two floors measured in the same
run: the object floor loop of `python -m benchmarks` (days overdue and the latest step over
`Invoice` objects) and a numpy floor (the same over the due-date column). Figures are
µs per invoice, invoices per second and ratios to the floors; `evaluated` counts the invoices
that took the full rule evaluation. `--spark N` runs the today portfolio of N invoices on a
local[2] Spark and splits the wall time into engine time (summed over the partitions) and
Spark's overhead. `--profile N` profiles `evaluate_table` on N invoices of the first of
`--portfolios`, its history kept (`KeptHistory`). Times are wall and CPU
(`time.process_time`): on a shared machine other processes stretch the first, not the
second.

At scale, without the object portfolio (so that peak memory is the columnar path's):

- `--columnar-only N`: a separate process writes the portfolio as Parquet files, chunk by
  chunk; the measuring process reads them as Arrow tables, runs `evaluate_table` once and
  reports CPU µs per invoice, its peak RSS (`getrusage`), the RSS of the tables alone, and
  the ratios to the numpy floor (over all N due dates) and to the object floor (over the
  first 200,000 invoices built as objects after the peak was read) of the same run.
- `--stream N [--batch B]`: N invoices generated B at a time (with the customers and history
  of each block, customer ids ascending from block to block) and streamed through
  `evaluate_batches`, the customers and history streamed alongside; prints RSS after every
  100,000 invoices, the peak, the throughput and the generator's share of the CPU.
- `--spark N`: with `--columnar-only`-style Parquet files read by Spark itself.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import resource
import subprocess
import sys
import tempfile
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from benchmarks.__main__ import floor
from benchmarks.portfolio import (
    AS_OF,
    SEED,
    b2c_policy,
    by_id,
    customer_rows,
    history_for,
    invoice_rows,
    iter_history,
    split_rows,
    step_offsets,
)
from dunning import (
    Customer,
    HistoryIndex,
    HistoryRecord,
    Invoice,
    InvoiceStatus,
    Policy,
    ReminderStep,
    Repeat,
    Stage,
    StageFee,
    StageTrigger,
    evaluate,
)
from dunning.columnar import (
    KeptHistory,
    customers_table,
    evaluate_table,
    history_table,
    invoices_table,
)
from dunning.penalties import PercentFee

T = TypeVar("T")
PORTFOLIOS = ("today", "fees", "active")


def _best(runs: int, work: Callable[[], T]) -> tuple[float, T]:
    best, _, result = _timed(runs, work)
    return best, result


def _timed(runs: int, work: Callable[[], T]) -> tuple[float, float, T]:
    """The best wall time of `runs` calls of `work`, the CPU time of that call, its result.

    CPU time (`time.process_time`) is what to read on a shared machine: other processes
    stretch the wall time, not the CPU time of this one.
    """
    best = cpu = float("inf")
    result: Any = None
    for _ in range(runs):
        result = None
        start, start_cpu = time.perf_counter(), time.process_time()
        result = work()
        wall = time.perf_counter() - start
        if wall < best:
            best, cpu = wall, time.process_time() - start_cpu
    return best, cpu, result


def _fees(policy: Policy) -> Policy:
    first, *rest = policy.stages
    fee = StageFee(rule=PercentFee(percent=Decimal("1.5")))
    return policy.evolve(stages=[first.evolve(fee=fee), *rest])


def _active_policy() -> Policy:
    return Policy(
        id="active",
        steps=[
            ReminderStep(
                id="daily",
                offset_days=1,
                channels=["email"],
                template="overdue",
                repeat=Repeat(every_days=1),
            )
        ],
        stages=[
            Stage(
                id="late-fee",
                trigger=StageTrigger(days_overdue=5),
                fee=StageFee(rule=PercentFee(percent=Decimal("1.5"))),
            )
        ],
    )


def build(
    size: int, portfolio: str, seed: int
) -> tuple[Policy, list[Customer], list[Invoice], list[HistoryRecord]]:
    """The policy, customers, invoices and history of one portfolio."""
    count = max(size // 5, 1)
    customers = [Customer.model_validate(row) for row in customer_rows(count, seed)]
    if portfolio == "active":
        due = AS_OF - timedelta(days=10)
        invoices = [
            Invoice.model_validate(
                row
                | {
                    "status": "open",
                    "payments": [],
                    "disputed": False,
                    "promise_to_pay": None,
                    "due_date": due.isoformat(),
                    "issue_date": (due - timedelta(days=30)).isoformat(),
                }
            )
            for row in invoice_rows(size, count, seed)
        ]
        return _active_policy(), customers, invoices, []
    invoices = [Invoice.model_validate(row) for row in invoice_rows(size, count, seed)]
    policy = b2c_policy()
    history = history_for(invoices, by_id(customers), policy, AS_OF, seed)
    return (_fees(policy) if portfolio == "fees" else policy), customers, invoices, history


def _invoice_rows(size: int, customers: int, portfolio: str, seed: int) -> Iterator[dict[str, Any]]:
    """The invoice rows of `build`, one at a time."""
    rows = invoice_rows(size, customers, seed)
    if portfolio != "active":
        yield from rows
        return
    due = AS_OF - timedelta(days=10)
    for row in rows:
        yield row | {
            "status": "open",
            "payments": [],
            "disputed": False,
            "promise_to_pay": None,
            "due_date": due.isoformat(),
            "issue_date": (due - timedelta(days=30)).isoformat(),
        }


def _policy(portfolio: str) -> Policy:
    if portfolio == "active":
        return _active_policy()
    return _fees(b2c_policy()) if portfolio == "fees" else b2c_policy()


#: The files of a portfolio written by `write_portfolio`.
_FILES = {
    "invoices": "invoices.parquet",
    "customers": "customers.parquet",
    "history": "history.parquet",
}


@dataclass(frozen=True, slots=True)
class _Bill:
    """What `iter_history` reads of an invoice, without building the `Invoice`."""

    id: str
    customer_id: str
    due_date: date
    status: InvoiceStatus
    payments: tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class _Paid:
    date: date


def _bills_and_table(rows: list[dict[str, Any]]) -> tuple[list[_Bill], Any]:
    """The invoice table of generated rows (as `invoices_table` writes it) and their `_Bill`s."""
    pa = _arrow()
    columns: dict[str, list[Any]] = {
        name: []
        for name in (
            "id", "customer_id", "number", "currency", "issue_date", "due_date", "total",
            "status", "payments", "disputed", "promise_to_pay",
        )
    }  # fmt: skip
    bills = []
    for row in rows:
        for name, values in columns.items():
            value = row.get(name)
            values.append(json.dumps(value) if name == "payments" and value else value or None)
        payments = tuple(_Paid(date.fromisoformat(p["date"])) for p in row.get("payments") or ())
        bills.append(
            _Bill(
                row["id"],
                row["customer_id"],
                date.fromisoformat(row["due_date"]),
                InvoiceStatus(row.get("status") or "open"),
                payments,
            )
        )
    arrays = {
        name: pa.array(values, pa.string()).cast(pa.date32())
        if name in {"issue_date", "due_date", "promise_to_pay"}
        else pa.array(values, pa.bool_() if name == "disputed" else pa.string())
        for name, values in columns.items()
    }
    return bills, pa.table(arrays)


def write_portfolio(size: int, portfolio: str, seed: int, folder: Path) -> None:
    """Write the portfolio of `build` as Parquet files, 100,000 invoices at a time.

    Only the customers are held whole (as objects, for the history's choice of channel);
    invoice rows and history records exist one chunk at a time, and no `Invoice` is built.
    """
    pq = _parquet()
    count = max(size // 5, 1)
    customers = [Customer.model_validate(row) for row in customer_rows(count, seed)]
    pq.write_table(customers_table(customers), folder / _FILES["customers"])
    policy = _policy(portfolio)
    writers: dict[str, Any] = {}

    def write(name: str, table: Any) -> None:
        if name not in writers:
            writers[name] = pq.ParquetWriter(folder / _FILES[name], table.schema)
        writers[name].write_table(table)

    def invoices() -> Iterator[Any]:
        for chunk in split_rows(_invoice_rows(size, count, portfolio, seed), 100_000):
            bills, table = _bills_and_table(chunk)
            write("invoices", table)
            yield from bills

    if portfolio == "active":
        for _ in invoices():
            pass
        write("history", history_table(()))
    else:
        records = iter_history(invoices(), by_id(customers), policy, AS_OF, seed)
        for chunk in _chunks(records, 200_000):
            write("history", history_table(chunk))
    for writer in writers.values():
        writer.close()


def _arrow() -> Any:
    import pyarrow  # type: ignore[import-untyped]  # no type stubs

    return pyarrow


def _parquet() -> Any:
    import pyarrow.parquet  # type: ignore[import-untyped]  # no type stubs

    return pyarrow.parquet


def _chunks(items: Iterator[HistoryRecord], size: int) -> Iterator[list[HistoryRecord]]:
    chunk: list[HistoryRecord] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _rss_mb() -> float:
    """The resident memory of this process now, in MB."""
    with open("/proc/self/statm") as status:
        pages = int(status.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def measure_columnar(size: int, portfolio: str, seed: int) -> dict[str, Any]:
    """`evaluate_table` on Parquet files of the portfolio, without its objects."""
    pq = _parquet()
    rss_start = _rss_mb()

    with tempfile.TemporaryDirectory(prefix="dunning-bench-") as folder:
        started = time.perf_counter()
        command = [sys.executable, "-m", "benchmarks.columnar", "--write", str(size), portfolio]
        subprocess.run([*command, folder, "--seed", str(seed)], check=True)
        written_s = time.perf_counter() - started
        read = [pq.read_table(Path(folder) / _FILES[name]) for name in _FILES]
    bills, people, records = read
    del read
    rss_tables = _rss_mb()
    policy = _policy(portfolio)
    offsets = step_offsets(policy)
    due = bills.column("due_date").combine_chunks().to_numpy(zero_copy_only=False)
    due = due.astype("datetime64[D]")
    _, numpy_floor_cpu_s, _ = _timed(1, lambda: _numpy_floor(due, offsets, AS_OF))
    table_s, table_cpu_s, result = _timed(
        1, lambda: evaluate_table(bills, policy, AS_OF, customers=people, history=records)
    )
    peak = _peak_mb()
    figures: dict[str, Any] = {
        "size": size,
        "portfolio": portfolio,
        "customers": people.num_rows,
        "history_records": records.num_rows,
        "evaluated_in_full": result.evaluated,
        "actions": result.actions.num_rows,
        "skipped": result.skipped.num_rows,
        "outcomes": result.counts(),
        "written_s": written_s,
        "table_s": table_s,
        "table_cpu_s": table_cpu_s,
        "table_us_per_invoice": table_s / size * 1e6,
        "table_cpu_us_per_invoice": table_cpu_s / size * 1e6,
        "table_invoices_per_s": size / table_s,
        "numpy_floor_cpu_us_per_invoice": numpy_floor_cpu_s / size * 1e6,
        "table_cpu_over_numpy_floor_cpu": table_cpu_s / max(numpy_floor_cpu_s, 1e-9),
        "rss_mb_start": rss_start,
        "rss_mb_tables_read": rss_tables,
        "peak_rss_mb": peak,
    }
    sample = min(size, 200_000)
    count = max(size // 5, 1)
    objects = [
        Invoice.model_validate(row)
        for row, _ in zip(_invoice_rows(size, count, portfolio, seed), range(sample), strict=False)
    ]
    _, floor_cpu_s, _ = _timed(3, lambda: floor(objects, offsets, AS_OF))
    figures |= {
        "object_floor_sample": sample,
        "object_floor_cpu_us_per_invoice": floor_cpu_s / sample * 1e6,
        "table_cpu_over_object_floor_cpu": (table_cpu_s / size) / (floor_cpu_s / sample),
    }
    return figures


class _Blocks:
    """A portfolio generated block by block: invoices, customers and history of each block.

    One seeded block of `block` invoices over `block // 5` customers (with the history of
    daily runs for them) is made once; block k is that block with every customer and
    invoice id (and the keys, covers and invoice ids of its history) prefixed by
    ``B{k:05d}-``, so that the three streams ascend by customer id from block to block,
    as `evaluate_batches` reads them. Each block is built when a stream asks for it.
    """

    def __init__(self, size: int, block: int, portfolio: str, seed: int) -> None:
        start = time.process_time()
        self.blocks = -(-size // block)
        self.size, self.block = size, block
        self.policy = _policy(portfolio)
        count = max(block // 5, 1)
        customers = [Customer.model_validate(row) for row in customer_rows(count, seed)]
        bills, table = _bills_and_table(list(_invoice_rows(block, count, portfolio, seed)))
        if portfolio == "active":
            history = history_table(())
        else:
            history = history_table(
                iter_history(iter(bills), by_id(customers), self.policy, AS_OF, seed)  # type: ignore[arg-type]  # what it reads of an invoice
            )
        self.template = {
            "invoices": table.sort_by("customer_id"),
            "customers": customers_table(customers),
            "history": history.sort_by("customer_id"),
        }
        self.made = 0
        self.cpu_s = time.process_time() - start
        self.queues: dict[str, deque[Any]] = {name: deque() for name in _FILES}

    def _make(self) -> None:
        start = time.process_time()
        pa, pc = _arrow(), _arrow().compute
        prefix = f"B{self.made:05d}-"
        rows = min(self.block, self.size - self.made * self.block)

        def ids(values: Any) -> Any:
            return pc.binary_join_element_wise(prefix, values, "")

        def keys(values: Any) -> Any:
            values = pc.replace_substring(values, ":C", f":{prefix}C")
            return pc.replace_substring(values, ":INV-", f":{prefix}INV-")

        def lists(values: Any, change: Callable[[Any], Any]) -> Any:
            values = values.combine_chunks()
            return pa.ListArray.from_arrays(values.offsets, change(values.flatten()))

        invoices = self.template["invoices"].slice(0, rows)
        invoices = invoices.set_column(0, "id", ids(invoices.column("id")))
        invoices = invoices.set_column(1, "customer_id", ids(invoices.column("customer_id")))
        customers = self.template["customers"]
        customers = customers.set_column(0, "id", ids(customers.column("id")))
        history = self.template["history"]
        for name, change in (
            ("key", keys),
            ("customer_id", ids),
            ("invoice_ids", lambda v: lists(v, ids)),
            ("covers", lambda v: lists(v, keys)),
        ):
            at = history.schema.get_field_index(name)
            history = history.set_column(at, name, change(history.column(name)))
        self.queues["invoices"].append(invoices)
        self.queues["customers"].append(customers)
        self.queues["history"].append(history)
        self.made += 1
        self.cpu_s += time.process_time() - start

    def stream(self, name: str) -> Iterator[Any]:
        """The tables of one of the three streams, made as they are asked for."""
        queue = self.queues[name]
        while True:
            if not queue:
                if self.made >= self.blocks:
                    return
                self._make()
            yield queue.popleft()


def measure_stream(size: int, portfolio: str, seed: int, block: int) -> dict[str, Any]:
    """`evaluate_batches` over `size` invoices generated `block` at a time."""
    from dunning.columnar import evaluate_batches

    blocks = _Blocks(size, block, portfolio, seed)
    start, start_cpu = time.perf_counter(), time.process_time()
    done = actions = full = 0
    mark = 100_000
    marks: list[tuple[int, float]] = []
    for part in evaluate_batches(
        blocks.stream("invoices"),
        blocks.policy,
        AS_OF,
        customers=blocks.stream("customers"),
        history=blocks.stream("history"),
    ):
        done += part.outcomes.num_rows
        actions += part.actions.num_rows
        full += part.evaluated
        while done >= mark:
            marks.append((mark, _rss_mb()))
            print(f"{mark:>11,} invoices  RSS {marks[-1][1]:7.0f} MB", file=sys.stderr, flush=True)
            mark += 100_000
    wall = time.perf_counter() - start
    cpu = time.process_time() - start_cpu
    engine_cpu = cpu - blocks.cpu_s
    return {
        "size": size,
        "portfolio": portfolio,
        "block": block,
        "invoices": done,
        "actions": actions,
        "evaluated_in_full": full,
        "wall_s": wall,
        "cpu_s": cpu,
        "generator_cpu_s": blocks.cpu_s,
        "engine_cpu_s": engine_cpu,
        "engine_cpu_us_per_invoice": engine_cpu / done * 1e6,
        "engine_invoices_per_cpu_s": done / engine_cpu,
        "rss_mb_by_invoices": marks,
        "peak_rss_mb": _peak_mb(),
    }


def _numpy_floor(due: Any, offsets: tuple[int, ...], as_of: date) -> int:
    days = (np.datetime64(as_of, "D") - due).astype(np.int64)
    return int((np.searchsorted(np.array(offsets), days, side="right") > 0).sum())


def measure(size: int, portfolio: str, seed: int, *, objects: bool = True) -> dict[str, Any]:
    """One size and portfolio: the columnar engine, the object engine and the floors."""
    policy, customers, invoices, history = build(size, portfolio, seed)
    people = customers_table(customers)
    bills = invoices_table(invoices)
    records = history_table(history)
    offsets = step_offsets(policy)
    runs = 1 if size >= 1_000_000 else 3
    floor_s, floor_cpu_s, _ = _timed(runs, lambda: floor(invoices, offsets, AS_OF))
    due = bills.column("due_date").combine_chunks().to_numpy(zero_copy_only=False)
    due = due.astype("datetime64[D]")
    numpy_floor_s, _ = _best(runs, lambda: _numpy_floor(due, offsets, AS_OF))
    rss_before = _peak_mb()
    table_s, table_cpu_s, result = _timed(
        runs, lambda: evaluate_table(bills, policy, AS_OF, customers=people, history=records)
    )
    # The history kept between days (`KeptHistory`): built once, then advanced by each day.
    _, kept_build_cpu_s, kept = _timed(1, lambda: KeptHistory(records))
    kept_s, kept_cpu_s, kept_result = _timed(
        runs, lambda: evaluate_table(bills, policy, AS_OF, customers=people, history=kept)
    )
    assert kept_result == result
    _, advance_cpu_s, _ = _timed(runs, lambda: kept.advance(kept_result))
    figures: dict[str, Any] = {
        "size": size,
        "kept_us_per_invoice": kept_s / size * 1e6,
        "kept_cpu_us_per_invoice": kept_cpu_s / size * 1e6,
        "kept_cpu_over_floor_cpu": kept_cpu_s / floor_cpu_s,
        "kept_build_cpu_s": kept_build_cpu_s,
        "advance_cpu_s": advance_cpu_s,
        "portfolio": portfolio,
        "customers": len(customers),
        "history_records": len(history),
        "evaluated_in_full": result.evaluated,
        "actions": result.actions.num_rows,
        "table_s": table_s,
        "table_us_per_invoice": table_s / size * 1e6,
        "table_cpu_us_per_invoice": table_cpu_s / size * 1e6,
        "table_cpu_over_floor_cpu": table_cpu_s / floor_cpu_s,
        "table_invoices_per_s": size / table_s,
        "floor_s": floor_s,
        "floor_cpu_s": floor_cpu_s,
        "numpy_floor_s": numpy_floor_s,
        "table_over_floor": table_s / floor_s,
        "table_over_numpy_floor": table_s / numpy_floor_s,
        "peak_rss_mb_before_engine": rss_before,
    }
    if objects:
        index = HistoryIndex(history)
        object_s, object_cpu_s, evaluation = _timed(
            1, lambda: evaluate(invoices, policy, AS_OF, customers=customers, history=index)
        )
        assert len(evaluation.actions) == result.actions.num_rows
        figures |= {
            "object_us_per_invoice": object_s / size * 1e6,
            "object_cpu_us_per_invoice": object_cpu_s / size * 1e6,
            "object_over_floor": object_s / floor_s,
            "table_speedup_over_object": object_s / table_s,
        }
    figures["peak_rss_mb"] = _peak_mb()
    return figures


def _peak_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024 / (1024 if sys.platform == "darwin" else 1)


def spark(size: int, seed: int) -> dict[str, Any]:
    """Today's portfolio of `size` invoices on a local[2] Spark: wall, engine and overhead."""
    pq = _parquet()
    from pyspark.sql import SparkSession

    from dunning.spark import evaluate_spark

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    policy = _policy("today")
    folder = tempfile.TemporaryDirectory(prefix="dunning-bench-")
    paths = {name: str(Path(folder.name) / file) for name, file in _FILES.items()}
    command = [sys.executable, "-m", "benchmarks.columnar", "--write", str(size), "today"]
    subprocess.run([*command, folder.name, "--seed", str(seed)], check=True)
    session = (
        SparkSession.builder.master("local[2]")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "4")
        # The result is collected whole on the driver (1M outcomes and more): room for it.
        .config("spark.driver.memory", "6g")
        .getOrCreate()
    )
    try:
        names = ("invoices", "customers", "history")
        frames = [session.read.parquet(paths[name]).cache() for name in names]
        for frame in frames:
            frame.count()  # loaded before the clock starts
        start = time.perf_counter()
        result = evaluate_spark(
            frames[0], policy, AS_OF, customers=frames[1], history=frames[2], partitions=4
        )
        found, engine_s = result.collect()
        wall = time.perf_counter() - start
        result.unpersist()
    finally:
        session.stop()
    figures = {
        "size": size,
        "spark_wall_s": wall,
        "engine_s_summed_over_partitions": engine_s,
        "spark_overhead_s": wall - engine_s / 2,
        "spark_us_per_invoice": wall / size * 1e6,
        "actions": found.actions.num_rows,
        "outcomes": found.outcomes.num_rows,
        "single_process_s": float("nan"),
    }
    if size <= 200_000:  # at 1M, --columnar-only gives the single-process figures
        bills, people, records = (pq.read_table(paths[name]) for name in names)
        single_s, single = _best(
            1, lambda: evaluate_table(bills, policy, AS_OF, customers=people, history=records)
        )
        assert found.actions.num_rows == single.actions.num_rows
        figures["single_process_s"] = single_s
    folder.cleanup()
    return figures


def profile(size: int, seed: int, portfolio: str = "today", top: int = 30) -> None:
    """Profile `evaluate_table` on a portfolio of `size` invoices (today's by default)."""
    policy, customers, invoices, history = build(size, portfolio, seed)
    people, bills = customers_table(customers), invoices_table(invoices)
    records = KeptHistory(history_table(history))  # kept between days, as a host keeps it
    evaluate_table(bills, policy, AS_OF, customers=people, history=records)  # warm caches
    start, start_cpu = time.perf_counter(), time.process_time()
    evaluate_table(bills, policy, AS_OF, customers=people, history=records)
    wall, cpu = time.perf_counter() - start, time.process_time() - start_cpu
    print(f"unprofiled: {wall / size * 1e6:.1f} µs per invoice, CPU {cpu / size * 1e6:.1f} µs")
    profiler = cProfile.Profile()
    profiler.enable()
    evaluate_table(bills, policy, AS_OF, customers=people, history=records)
    profiler.disable()
    stats = pstats.Stats(profiler)
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)


def _worker(size: int, portfolio: str, seed: int, mode: str = "--worker") -> dict[str, Any]:
    command = [sys.executable, "-m", "benchmarks.columnar", mode, str(size), portfolio]
    command += ["--seed", str(seed)]
    done = subprocess.run(command, check=True, capture_output=True, text=True)
    figures: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


def _sizes(text: str) -> tuple[int, ...]:
    return tuple(int(part.replace("_", "")) for part in text.split(",") if part)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.columnar")
    parser.add_argument("--sizes", type=_sizes, default=(10_000, 100_000))
    parser.add_argument("--portfolios", default=",".join(PORTFOLIOS))
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--spark", type=int, metavar="N", help="also run N invoices on Spark")
    parser.add_argument("--profile", type=int, metavar="N", help="profile N invoices instead")
    parser.add_argument(
        "--columnar-only", type=int, metavar="N", help="evaluate_table on N, without objects"
    )
    parser.add_argument("--stream", type=int, metavar="N", help="stream N through batches")
    parser.add_argument("--batch", type=int, default=100_000, help="invoices per streamed block")
    parser.add_argument("--worker", nargs=2, metavar=("SIZE", "PORTFOLIO"), help=argparse.SUPPRESS)
    parser.add_argument("--columnar-worker", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--write", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        size = int(args.worker[0])
        print(json.dumps(measure(size, args.worker[1], args.seed, objects=size <= 100_000)))
        return 0
    if args.write:
        write_portfolio(int(args.write[0]), args.write[1], args.seed, Path(args.write[2]))
        return 0
    if args.columnar_worker:
        size, portfolio = int(args.columnar_worker[0]), args.columnar_worker[1]
        print(json.dumps(measure_columnar(size, portfolio, args.seed)))
        return 0
    if args.columnar_only:
        for portfolio in args.portfolios.split(","):
            r = _worker(args.columnar_only, portfolio, args.seed, "--columnar-worker")
            print(json.dumps(r), flush=True)
            print(
                f"{portfolio:7} {r['size']:>11,} full {r['evaluated_in_full']:>9,} "
                f"wall {r['table_us_per_invoice']:.2f} µs, CPU {r['table_cpu_us_per_invoice']:.2f} "
                f"µs/invoice; CPU ÷ numpy floor {r['table_cpu_over_numpy_floor_cpu']:,.0f}, "
                f"÷ object floor {r['table_cpu_over_object_floor_cpu']:,.0f}; peak RSS "
                f"{r['peak_rss_mb']:,.0f} MB (at start {r['rss_mb_start']:,.0f} MB, tables read "
                f"{r['rss_mb_tables_read']:,.0f} MB)",
                flush=True,
            )
        return 0
    if args.stream:
        portfolio = args.portfolios.split(",")[0]
        r = measure_stream(args.stream, portfolio, args.seed, args.batch)
        print(json.dumps(r), flush=True)
        print(
            f"{portfolio} streamed, {r['invoices']:,} invoices in blocks of {args.batch:,}: "
            f"engine CPU {r['engine_cpu_us_per_invoice']:.2f} µs/invoice "
            f"({r['engine_invoices_per_cpu_s']:,.0f} invoices per CPU second), generator CPU "
            f"{r['generator_cpu_s']:.0f} s, wall {r['wall_s']:.0f} s; peak RSS "
            f"{r['peak_rss_mb']:,.0f} MB",
            flush=True,
        )
        return 0
    if args.profile:
        profile(args.profile, args.seed, args.portfolios.split(",")[0])
        return 0
    header = (
        f"{'portfolio':9} {'size':>9} {'full':>8} {'µs/inv':>7} {'cpu µs':>7} {'inv/s':>10} "
        f"{'÷floor':>7} {'cpu÷floor':>9} {'÷np floor':>9} {'object µs':>9} {'obj cpu':>7} "
        f"{'×object':>7} {'peak MB':>8} {'kept cpu':>8} {'kept÷fl':>7} {'advance':>7}"
    )
    if args.sizes:
        print(header)
    for size in args.sizes:
        for portfolio in args.portfolios.split(","):
            r = _worker(size, portfolio, args.seed)
            print(
                f"{portfolio:9} {size:>9,} {r['evaluated_in_full']:>8,} "
                f"{r['table_us_per_invoice']:>7.2f} {r['table_cpu_us_per_invoice']:>7.2f} "
                f"{r['table_invoices_per_s']:>10,.0f} "
                f"{r['table_over_floor']:>7.1f} {r['table_cpu_over_floor_cpu']:>9.1f} "
                f"{r['table_over_numpy_floor']:>9.0f} "
                f"{r.get('object_us_per_invoice', float('nan')):>9.2f} "
                f"{r.get('object_cpu_us_per_invoice', float('nan')):>7.2f} "
                f"{r.get('table_speedup_over_object', float('nan')):>7.1f} "
                f"{r['peak_rss_mb']:>8.0f} {r['kept_cpu_us_per_invoice']:>8.2f} "
                f"{r['kept_cpu_over_floor_cpu']:>7.1f} {r['advance_cpu_s'] * 1e3:>5.0f}ms",
                flush=True,
            )
    if args.spark:
        figures = spark(args.spark, args.seed)
        print(
            f"spark local[2], {figures['size']:,} invoices: wall {figures['spark_wall_s']:.1f} s "
            f"= engine {figures['engine_s_summed_over_partitions']:.1f} s over 2 cores "
            f"+ Spark overhead {figures['spark_overhead_s']:.1f} s; single process "
            f"{figures['single_process_s']:.1f} s; {figures['actions']:,} actions, "
            f"{figures['outcomes']:,} outcomes"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
