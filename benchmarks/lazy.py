"""What the compact evaluation saves: `python -m benchmarks.lazy [--sizes 10k] [--runs 5]`.

On the seeded portfolios of `benchmarks.portfolio` (kept history index), in one process and
one run, round after round (best of `--runs` for each):

- floor: the plain loop of `benchmarks.__main__.floor`;
- built at once: `evaluate` with every output model built as soon as it is decided (the
  engine's messages and customer stages, as before the compact form; see `built_at_once`);
- compact: `evaluate` as it is, nothing read;
- compact + count: `evaluate`, then `count(kind=...)` for every kind and `customers()`;
- compact + actions: `evaluate`, then every action model read (`len(result.actions)`);
- compact + JSON / built at once + JSON: then `model_dump_json()`.

Each figure is printed in microseconds per invoice and as a ratio to the floor of the same
round, so that the load of a shared machine cancels out. `--cpu` times the process's CPU
time instead of the wall clock (steadier when other processes share the cores).
"""

from __future__ import annotations

import argparse
import gc
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any
from unittest.mock import patch

from benchmarks.__main__ import _sizes, build, floor
from benchmarks.portfolio import AS_OF, PORTFOLIOS, SEED, by_id, step_offsets
from dunning import ActionKind, Evaluation, HistoryIndex, evaluate
from dunning.engine import evaluation, outcomes
from dunning.engine.evaluation import CustomerStage, _stage
from dunning.engine.fast import Screened
from dunning.engine.rules import messages
from dunning.engine.rules.context import CustomerContext

__all__ = ["built_at_once", "main"]

_send = messages._send
_file = outcomes.Outcomes.file


def _send_built(*args: Any) -> Any:
    return _send(*args).build()  # the message model, built when it is decided


def _file_built(self: outcomes.Outcomes, slot: Screened, ctx: CustomerContext | None) -> None:
    stages = len(self.compact.stages)
    _file(self, slot, ctx)
    if len(self.compact.stages) > stages:
        # The customer's stage built when the customer is filed; `_stage` passes it on.
        self.compact.stages[-1] = _stage(self.compact.stages[-1])  # type: ignore[call-overload]


def _stage_built(row: Any) -> CustomerStage:
    return row if isinstance(row, CustomerStage) else _stage(row)


@contextmanager
def built_at_once() -> Iterator[None]:
    """Within it, the engine builds every output model as soon as it decides it.

    The reference the compact form is measured and tested against: the same decisions, the
    models built eagerly (messages when they are decided, each customer's stage when it is
    filed). Read the evaluations within it too.
    """
    with (
        patch.object(messages, "_send", _send_built),
        patch.object(outcomes.Outcomes, "file", _file_built),
        patch.object(evaluation, "_stage", _stage_built),
    ):
        yield


def _count(result: Evaluation) -> int:
    return sum(result.count(kind=kind) for kind in ActionKind) + len(result.customers())


def _measure(
    size: int, portfolio: str, runs: int, seed: int, clock: Callable[[], float] = time.perf_counter
) -> dict[str, float]:
    policy, customers, invoices, history, _, _ = build(size, seed, portfolio=portfolio)
    assert invoices is not None
    assert history is not None
    index = HistoryIndex(history)
    customer_index = by_id(customers)
    offsets = step_offsets(policy)

    def run() -> Evaluation:
        return evaluate(invoices, policy, AS_OF, customers=customer_index, history=index)

    def eager(read: Callable[[Evaluation], object]) -> object:
        with built_at_once():
            return read(run())

    cases: dict[str, Callable[[], object]] = {
        "floor": lambda: floor(invoices, offsets, AS_OF),
        "built at once": lambda: eager(id),
        "compact": run,
        "compact + count": lambda: _count(run()),
        "compact + actions": lambda: len(run().actions),
        "built at once + JSON": lambda: eager(Evaluation.model_dump_json),
        "compact + JSON": lambda: run().model_dump_json(),
    }
    best = dict.fromkeys(cases, float("inf"))
    for _ in range(runs):
        for name, work in cases.items():
            gc.collect()
            start = clock()
            work()
            best[name] = min(best[name], clock() - start)
    return best


def main(argv: Sequence[str] | None = None) -> int:
    """Measure and print the table."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.lazy", description=__doc__)
    parser.add_argument("--sizes", type=_sizes, default=(10_000,))
    parser.add_argument("--portfolios", default=",".join(PORTFOLIOS))
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument(
        "--cpu", action="store_true", help="time CPU time (time.process_time), not wall time"
    )
    args = parser.parse_args(argv)
    clock = time.process_time if args.cpu else time.perf_counter
    for size in args.sizes:
        for portfolio in args.portfolios.split(","):
            best = _measure(size, portfolio, args.runs, args.seed, clock)
            floor_s = best["floor"]
            what = "CPU time" if args.cpu else "wall time"
            print(f"{portfolio}, {size:,} invoices (best of {args.runs}, {what})")
            for name, seconds in best.items():
                print(
                    f"  {name:<22} {seconds / size * 1e6:8.2f} us/invoice"
                    f"  {seconds / floor_s:7.1f}x floor"
                )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
