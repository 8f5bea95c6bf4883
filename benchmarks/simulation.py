"""Cost of a simulated run, per invoice-day, beside a floor loop measured in the same run.

    python -m benchmarks.simulation [customers] [days] [--every-day]

Generates a portfolio from a fixed seed, simulates the B2C example policy over it with the
default payer model, and prints the time per invoice-day beside a floor loop over the same
invoice-days (a date subtraction and a comparison each). The run evaluates a customer only
on its `next_review` days and the day after a change; ``--every-day`` also times the
reference run that evaluates every open invoice every day, and checks both agree.
"""

from __future__ import annotations

import resource
import sys
import time
from datetime import date, timedelta

from dunning.policy.io import load_policy
from dunning.simulation import Behaviour, PortfolioSpec, generate_portfolio, simulate

SEED = 20261203


def main(customers: int = 1_000, days: int = 180, every_day: bool = False) -> None:
    portfolio = generate_portfolio(
        PortfolioSpec(customers=customers, start=date(2026, 1, 1), period_days=90, seed=SEED)
    )
    policy = load_policy("examples/policies/b2c.toml")
    invoice_days = len(portfolio.invoices) * days

    started = time.perf_counter()
    hits = 0
    first = date(2026, 1, 1)
    for offset in range(days):
        day = first + timedelta(days=offset)
        for invoice in portfolio.invoices:
            hits += (day - invoice.due_date).days > 0
    floor = time.perf_counter() - started

    reference = None
    if every_day:
        started = time.perf_counter()
        reference = simulate(policy, portfolio, Behaviour(), days=days, seed=1, every_day=True)
        daily = time.perf_counter() - started
    started = time.perf_counter()
    run = simulate(policy, portfolio, Behaviour(), days=days, seed=1)
    elapsed = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux: KiB
    open_days = sum(
        1
        for offset in range(days)
        for invoice in run.final
        if invoice.issue_date <= first + timedelta(days=offset)
    )
    print(f"{len(portfolio.invoices):,} invoices x {days} days = {invoice_days:,} invoice-days")
    print(f"floor loop      {floor * 1e6 / invoice_days:8.3f} us per invoice-day")
    if reference is not None:
        print(
            f"every day       {daily * 1e6 / invoice_days:8.3f} us per invoice-day"
            f"  ({daily / floor:,.0f}x the floor; {daily:.1f} s)"
            f"  same result: {reference == run}"
        )
    print(
        f"simulation      {elapsed * 1e6 / invoice_days:8.3f} us per invoice-day"
        f"  ({elapsed / floor:,.0f}x the floor; {elapsed:.1f} s; peak RSS {peak / 2**20:.0f} MiB)"
    )
    print(
        f"messages {len(run.messages):,}, payments {len(run.payments):,}, issued days {open_days:,}"
    )


if __name__ == "__main__":
    numbers = [int(arg) for arg in sys.argv[1:] if not arg.startswith("--")]
    main(*numbers[:2], every_day="--every-day" in sys.argv)
