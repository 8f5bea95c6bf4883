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
import time
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from decimal import Decimal
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
    step_offsets,
)
from dunning import (
    Customer,
    HistoryIndex,
    HistoryRecord,
    Invoice,
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
    from pyspark.sql import SparkSession

    from dunning.spark import evaluate_spark

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    policy, customers, invoices, history = build(size, "today", seed)
    people, bills = customers_table(customers), invoices_table(invoices)
    records = history_table(history)
    session = (
        SparkSession.builder.master("local[2]")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .getOrCreate()
    )
    try:
        frames = [session.createDataFrame(t).cache() for t in (bills, people, records)]
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
    single_s, single = _best(
        1, lambda: evaluate_table(bills, policy, AS_OF, customers=people, history=records)
    )
    assert found.actions.num_rows == single.actions.num_rows
    return {
        "size": size,
        "spark_wall_s": wall,
        "engine_s_summed_over_partitions": engine_s,
        "spark_overhead_s": wall - engine_s / 2,
        "single_process_s": single_s,
        "spark_us_per_invoice": wall / size * 1e6,
    }


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


def _worker(size: int, portfolio: str, seed: int) -> dict[str, Any]:
    command = [sys.executable, "-m", "benchmarks.columnar", "--worker", str(size), portfolio]
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
    parser.add_argument("--worker", nargs=2, metavar=("SIZE", "PORTFOLIO"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        size = int(args.worker[0])
        print(json.dumps(measure(size, args.worker[1], args.seed, objects=size <= 100_000)))
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
            f"{figures['single_process_s']:.1f} s"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
