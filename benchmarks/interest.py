"""Measure the interest rule: `python -m benchmarks.interest [--invoices N] [--months M]`.

A seeded portfolio of overdue invoices (a third with partial payments) under monthly interest
with a usury ceiling, evaluated `months` months after the due dates with every earlier
posting in the history (what a daily host has): the interest rule works out the cumulative
totals of every period and posts the last. Printed: the evaluation (best of 3), the floor
loop of `benchmarks.__main__` over the same invoices, and their ratio.
"""

from __future__ import annotations

import argparse
import time
from datetime import date, timedelta
from decimal import Decimal
from random import Random

from benchmarks.__main__ import floor
from dunning import (
    Customer,
    HistoryRecord,
    InterestRule,
    InterestSettings,
    Invoice,
    Money,
    Payment,
    Policy,
    ReminderStep,
    evaluate,
)
from dunning.engine.keys import escape

__all__ = ["main"]

SEED = 20261203
DUE = date(2024, 1, 31)


def _portfolio(count: int) -> tuple[list[Customer], list[Invoice]]:
    random = Random(SEED)
    customers = [Customer(id=f"C{n}", name=f"Customer {n}") for n in range(count // 4 + 1)]
    invoices = []
    for n in range(count):
        due = DUE + timedelta(days=random.randrange(0, 28))
        total = Decimal(random.randrange(100_000, 5_000_000))
        payments = []
        if n % 3 == 0:
            paid = (total * Decimal(random.randrange(10, 60)) / 100).quantize(Decimal(1))
            on = due + timedelta(days=random.randrange(5, 200))
            payments.append(Payment(id=f"P{n}", date=on, amount=Money(paid, "COP")))
        invoices.append(
            Invoice(
                id=f"I{n}",
                customer_id=f"C{n // 4}",
                currency="COP",
                total=Money(total, "COP"),
                issue_date=due - timedelta(days=30),
                due_date=due,
                payments=payments,
            )
        )
    return customers, invoices


def _policy() -> Policy:
    rule = InterestRule(
        annual_rate=Decimal("31.2"), ceiling=Decimal("28.37"), quoted="effective_annual"
    )
    return Policy(
        id="p",
        steps=[ReminderStep(id="due", offset_days=0, channels=["email"], template="due")],
        interest=InterestSettings(rule=rule, posting="monthly"),
    )


def _history(invoices: list[Invoice], as_of: date) -> list[HistoryRecord]:
    """Every monthly posting before the month of `as_of`, and the reminder, as done."""
    records = []
    for invoice in invoices:
        prefix = f"p:{escape(invoice.customer_id)}:{escape(invoice.id)}:"
        records.append(
            HistoryRecord(
                key=prefix + "step:due:0@email",
                kind="send_message",
                customer_id=invoice.customer_id,
                on=invoice.due_date,
                covers=(prefix + "step:due:0",),
            )
        )
        month = date(invoice.due_date.year, invoice.due_date.month, 1)
        while month < date(as_of.year, as_of.month, 1) - timedelta(days=31):
            records.append(
                HistoryRecord(
                    key=f"{prefix}interest:{month.strftime('%Y-%m')}",
                    kind="post_interest",
                    customer_id=invoice.customer_id,
                    on=month,
                )
            )
            month = (month + timedelta(days=32)).replace(day=1)
    return records


def main() -> None:
    """Run the measurement and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--invoices", type=int, default=2000)
    parser.add_argument("--months", type=int, default=24)
    args = parser.parse_args()
    customers, invoices = _portfolio(args.invoices)
    as_of = DUE + timedelta(days=round(args.months * 30.44) + 30)
    history = _history(invoices, as_of)
    policy = _policy()
    best = best_floor = float("inf")
    result = None
    for _ in range(3):
        start = time.perf_counter()
        result = evaluate(invoices, policy, as_of, customers=customers, history=history)
        best = min(best, time.perf_counter() - start)
        start = time.perf_counter()
        floor(invoices, (0,), as_of)
        best_floor = min(best_floor, time.perf_counter() - start)
    assert result is not None
    posted = sum(1 for a in result.actions if a.kind == "post_interest")
    total = sum(a.amount.amount for a in result.actions if a.kind == "post_interest")  # type: ignore[union-attr]
    print(f"invoices {len(invoices)}, months {args.months}, as of {as_of}, postings {posted}")
    print(f"posted total {total} COP (unchanged figures give the same total)")
    print(
        f"evaluate {best * 1000:.1f} ms, floor {best_floor * 1000:.3f} ms, "
        f"ratio {best / best_floor:.0f}"
    )


if __name__ == "__main__":
    main()
