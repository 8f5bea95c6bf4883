"""Cost of a simulated run, per invoice-day, beside a floor loop measured in the same run.

    python -m benchmarks.simulation [customers] [days] [--every-day] [--profile]

Generates a portfolio from a fixed seed, simulates the B2C example policy over it with the
default payer model, and prints the time per invoice-day beside a floor loop over the same
invoice-days (a date subtraction and a comparison each). The run evaluates a customer only
on its `next_review` days and the day after a change; ``--every-day`` also times the
reference run that evaluates every open invoice every day, and checks both agree.

Each figure is given twice: CPU time of this process (`time.process_time`), which is what
the run costs on one core whatever else the machine does, and wall time. ``--profile`` runs
the simulation under cProfile instead and prints the 30 functions with the most own time.
"""

from __future__ import annotations

import cProfile
import pstats
import resource
import sys
import time
from collections.abc import Callable
from datetime import date, timedelta
from typing import TypeVar

from dunning.policy.io import load_policy
from dunning.simulation import Behaviour, PortfolioSpec, generate_portfolio, simulate

SEED = 20261203

_T = TypeVar("_T")


def _timed(work: Callable[[], _T]) -> tuple[_T, float, float]:
    """`work()`, its CPU seconds and its wall seconds."""
    cpu, wall = time.process_time(), time.perf_counter()
    result = work()
    return result, time.process_time() - cpu, time.perf_counter() - wall


def _floor(invoices: tuple[object, ...], first: date, days: int) -> int:
    hits = 0
    for offset in range(days):
        day = first + timedelta(days=offset)
        for invoice in invoices:
            hits += (day - invoice.due_date).days > 0  # type: ignore[attr-defined]
    return hits


def _line(name: str, cpu: float, wall: float, floor: tuple[float, float], units: int) -> str:
    return (
        f"{name:<15} {cpu * 1e6 / units:8.3f} us CPU per invoice-day ({cpu / floor[0]:,.0f}x the"
        f" floor; {cpu:.1f} s CPU)  {wall * 1e6 / units:8.3f} us wall ({wall / floor[1]:,.0f}x;"
        f" {wall:.1f} s)"
    )


def main(
    customers: int = 1_000, days: int = 180, every_day: bool = False, profile: bool = False
) -> None:
    portfolio = generate_portfolio(
        PortfolioSpec(customers=customers, start=date(2026, 1, 1), period_days=90, seed=SEED)
    )
    policy = load_policy("examples/policies/b2c.toml")
    invoice_days = len(portfolio.invoices) * days
    first = date(2026, 1, 1)
    print(f"{len(portfolio.invoices):,} invoices x {days} days = {invoice_days:,} invoice-days")
    if profile:
        profiler = cProfile.Profile()
        profiler.runcall(simulate, policy, portfolio, Behaviour(), days=days, seed=1)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(30)
        return

    _, floor_cpu, floor_wall = _timed(lambda: _floor(portfolio.invoices, first, days))
    floor = (floor_cpu, floor_wall)
    print(
        f"floor loop      {floor_cpu * 1e6 / invoice_days:8.3f} us CPU per invoice-day"
        f" ({floor_cpu:.2f} s CPU)  {floor_wall * 1e6 / invoice_days:8.3f} us wall"
        f" ({floor_wall:.2f} s)"
    )
    reference = None
    if every_day:
        reference, cpu, wall = _timed(
            lambda: simulate(policy, portfolio, Behaviour(), days=days, seed=1, every_day=True)
        )
        print(_line("every day", cpu, wall, floor, invoice_days))
    run, cpu, wall = _timed(lambda: simulate(policy, portfolio, Behaviour(), days=days, seed=1))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux: KiB
    print(_line("simulation", cpu, wall, floor, invoice_days))
    if reference is not None:
        print(f"same result as every day: {reference == run}")
    print(f"peak RSS {peak / 2**20:.0f} MiB")
    open_days = sum(
        1
        for offset in range(days)
        for invoice in run.final
        if invoice.issue_date <= first + timedelta(days=offset)
    )
    print(
        f"messages {len(run.messages):,}, payments {len(run.payments):,}, issued days {open_days:,}"
    )


if __name__ == "__main__":
    numbers = [int(arg) for arg in sys.argv[1:] if not arg.startswith("--")]
    main(*numbers[:2], every_day="--every-day" in sys.argv, profile="--profile" in sys.argv)
