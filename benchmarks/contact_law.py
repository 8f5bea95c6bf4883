"""Cost of the collections contact law: the same evaluation with and without it.

    python -m benchmarks.contact_law [invoices]

Builds the seeded B2C portfolio of `benchmarks.portfolio` (COP, CLP and MXN customers, every
channel consented since 2020), evaluates it on `AS_OF` with the past runs' history, once with
no jurisdiction and once with each customer under its country's contact law (COP: ``co``,
CLP: ``cl``, MXN: ``mx``), best of 5 runs each, and prints both beside a floor loop over the
same invoices measured in the same run, with the ratio of the two evaluations.
"""

from __future__ import annotations

import gc
import sys
import time
from collections.abc import Callable
from typing import Any, TypeVar

from benchmarks.__main__ import floor
from benchmarks.portfolio import (
    AS_OF,
    SEED,
    b2c_policy,
    by_id,
    currency_of,
    customer_rows,
    history_for,
    invoice_rows,
    step_offsets,
)
from dunning import Customer, Invoice, evaluate
from dunning.engine.actions import SendMessage

__all__ = ["JURISDICTION_OF", "main"]

T = TypeVar("T")

#: The contact law each currency's customers are under.
JURISDICTION_OF = {"COP": "co", "CLP": "cl", "MXN": "mx"}
_CONSENTED = "2020-01-01"


def _customers(count: int, under_law: bool) -> list[Customer]:
    customers = []
    for number, row in enumerate(customer_rows(count, SEED)):
        row = dict(row)
        row["contacts"] = [{**contact, "consented_on": _CONSENTED} for contact in row["contacts"]]
        if under_law:
            row["jurisdiction"] = JURISDICTION_OF[currency_of(number)]
        customers.append(Customer.model_validate(row))
    return customers


def _best(runs: int, work: Callable[[], T]) -> tuple[float, T]:
    best = float("inf")
    result: Any = None
    for _ in range(runs):
        result = None
        gc.collect()
        started = time.perf_counter()
        result = work()
        best = min(best, time.perf_counter() - started)
    return best, result


def main(size: int = 20_000) -> None:
    """Print the floor, both evaluations and their ratio for `size` invoices."""
    count = max(size // 5, 1)
    policy = b2c_policy()
    plain = _customers(count, under_law=False)
    lawful = _customers(count, under_law=True)
    invoices = [Invoice.model_validate(row) for row in invoice_rows(size, count, SEED)]
    history = history_for(invoices, by_id(plain), policy, AS_OF, SEED)
    offsets = step_offsets(policy)

    floor_s, _ = _best(5, lambda: floor(invoices, offsets, AS_OF))
    without_s, without = _best(
        5, lambda: evaluate(invoices, policy, AS_OF, customers=plain, history=history)
    )
    with_s, with_law = _best(
        5, lambda: evaluate(invoices, policy, AS_OF, customers=lawful, history=history)
    )
    messages = sum(isinstance(a, SendMessage) for a in with_law.actions)
    deferred = sum(
        isinstance(a, SendMessage) and a.reason.figure("deferred_to") is not None
        for a in with_law.actions
    )
    skipped = len(with_law.skipped) - len(without.skipped)
    print(f"{size:,} invoices, {count:,} customers, {len(history):,} history records")
    print(f"floor loop            {floor_s * 1e3:9.2f} ms")
    print(f"without contact law   {without_s * 1e3:9.2f} ms  ({without_s / floor_s:,.0f}x floor)")
    print(f"with contact law      {with_s * 1e3:9.2f} ms  ({with_s / floor_s:,.0f}x floor)")
    print(f"with / without        {with_s / without_s:9.3f}")
    print(f"messages {messages:,}, deferred {deferred:,}, more skipped {skipped:,}")


if __name__ == "__main__":
    main(*(int(arg) for arg in sys.argv[1:2]))
