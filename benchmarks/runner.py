"""Measure a daily run of the runner end to end: `python -m benchmarks.runner [--size N]`.

The seeded b2c portfolio of `benchmarks.portfolio` (N invoices, N/5 customers) is built with
the history a daily run up to the day before would have left, and that history is written
to a fresh SQLite store (not timed). Then one `Runner.run` on the benchmark date is timed
end to end: the history read back from the store, the evaluation, the outbox written in one
transaction, every due action dispatched to a no-op sender (and the stage entries, fees and
tasks recorded), and the results recorded in the history. Printed: invoices per second
(of wall time, and of the process's CPU time, steadier on a shared machine), the share of
each phase (of wall time), memory (resident before and after the run, and the peak of the
whole process, ``ru_maxrss``, which includes building the portfolio), and the floor loop of
`benchmarks.__main__` over the same invoices in the same run (best of three), as a ratio of
wall times and of CPU times.
"""

from __future__ import annotations

import argparse
import gc
import multiprocessing
import resource
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

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
from dunning import Customer, Invoice
from dunning.adapters import Delivery, DeliveryStatus, OutgoingMessage
from dunning.invoices import Channel
from dunning.runner import Runner, SQLiteStore


class NoopSender:
    """Takes every message and does nothing: the provider's cost is not the runner's."""

    def send(self, message: OutgoingMessage, *, idempotency_key: str) -> Delivery:
        return Delivery._construct(
            status=DeliveryStatus.DELIVERED,
            idempotency_key=idempotency_key,
            channel=message.channel,
        )


def _rss_mb() -> float:
    """The resident memory now (Linux), in MB."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize() / 2**20


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _seed(path: Path, size: int, seed: int) -> int:
    """Write the history of the portfolio's earlier days to the store at `path`."""
    policy = b2c_policy()
    count = max(size // 5, 1)
    customers = [Customer.model_validate(row) for row in customer_rows(count, seed)]
    invoices = [Invoice.model_validate(row) for row in invoice_rows(size, count, seed)]
    history = history_for(invoices, by_id(customers), policy, AS_OF, seed)
    store = SQLiteStore(path)
    store.add_history(history, source="seed")
    store.close()
    return len(history)


def measure(size: int, seed: int = SEED) -> dict[str, float | int | str]:
    policy = b2c_policy()
    count = max(size // 5, 1)
    with tempfile.TemporaryDirectory(prefix="dunning-bench-") as folder:
        # The history of earlier runs is written by another process, as earlier days' runs
        # wrote it: this process holds what a daily run holds (the invoices, the customers).
        with multiprocessing.get_context("spawn").Pool(1) as pool:
            records = pool.apply(_seed, (Path(folder) / "outbox.sqlite", size, seed))
        customers = [Customer.model_validate(row) for row in customer_rows(count, seed)]
        invoices = [Invoice.model_validate(row) for row in invoice_rows(size, count, seed)]
        gc.collect()
        store = SQLiteStore(Path(folder) / "outbox.sqlite")
        runner = Runner(store, policy, dict.fromkeys(Channel, NoopSender()))
        before_mb = _rss_mb()
        start, cpu = time.perf_counter(), time.process_time()
        report = runner.run(AS_OF, invoices, customers)
        elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
        after_mb = _rss_mb()
        again = time.perf_counter()
        second = runner.run(AS_OF, invoices, customers)
        rerun = time.perf_counter() - again
        database_mb = (Path(folder) / "outbox.sqlite").stat().st_size / 2**20
        store.close()
    offsets = step_offsets(policy)
    # Best of three; in CPU time too, the ratio to trust on a shared machine.
    floor_s = floor_cpu = float("inf")
    for _ in range(3):
        start, started_cpu = time.perf_counter(), time.process_time()
        floor(invoices, offsets, AS_OF)
        floor_s = min(floor_s, time.perf_counter() - start)
        floor_cpu = min(floor_cpu, time.process_time() - started_cpu)
    figures: dict[str, float | int | str] = {
        "invoices": size,
        "customers": count,
        "history_records": records,
        "actions_due": report.due,
        "dispatched": report.dispatched,
        "recorded": report.count(outcome="recorded"),
        "run_s": elapsed,
        "invoices_per_s": size / elapsed,
        "run_cpu_s": cpu,
        "invoices_per_cpu_s": size / cpu,
        "rerun_s": rerun,
        "rerun_due": second.due,
        "floor_s": floor_s,
        "run_over_floor": elapsed / floor_s,
        "floor_cpu_s": floor_cpu,
        "run_cpu_over_floor_cpu": cpu / floor_cpu,
        "rss_before_run_mb": before_mb,
        "rss_after_run_mb": after_mb,
        "peak_mb": _peak_mb(),
        "database_mb": database_mb,
    }
    for name, seconds in report.phases:
        figures[f"{name}_share"] = seconds / elapsed
    return figures


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.runner", description=__doc__)
    parser.add_argument("--size", type=int, default=100_000, help="invoices (default 100k)")
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    figures = measure(args.size, args.seed)
    width = max(map(len, figures))
    for name, value in figures.items():
        shown = f"{value:,.3f}" if isinstance(value, float) else f"{value:,}"
        print(f"{name:<{width}}  {shown}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
