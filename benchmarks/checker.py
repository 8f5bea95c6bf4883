"""Measure `check_policy` on the bundled B2C policy: `python -m benchmarks.checker`.

Runs `check_policy` on ``examples/policies/b2c.toml`` with its declared promises
(``b2c.promises.toml``), `--examples` examples (200) of `--days` days (by default those
`check_policy` picks for the promises: 90), seed 0, `--repeat` times (3), and prints the
best wall and CPU times, the time per simulated day, and where the CPU time goes: in the
engine (`evaluate`, every call the checker makes) and in drawing the portfolios
(Hypothesis generation, measured by drawing the same number of scenarios alone). A run
that compiles the policy on every evaluation, as a plain `evaluate` does, shows what the
checker's compile-once saves. Side by side, the floor: the engine alone, evaluating the
same number of generated portfolios day by day with each day's actions fed back as history
(no watchers, no Hypothesis), so the ratio shows what the checker adds to the engine's own
work. Other processes on the machine inflate wall times; CPU times are steadier.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as hypothesis_seed

from dunning.engine import HistoryIndex, evaluate, records_of
from dunning.policy.io import load_policy, load_promises
from dunning.policy.model import Policy
from dunning.testing import CheckReport, check_policy
from dunning.testing import checker as checker_module
from dunning.testing.strategies import Scenario, scenarios

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "policies"
SEED = 0


def _scenarios(policy: Policy, count: int, days: int) -> list[Scenario]:
    drawn: list[Scenario] = []

    @hypothesis_seed(SEED)
    @settings(
        max_examples=count,
        database=None,
        deadline=None,
        phases=(Phase.generate,),
        suppress_health_check=list(HealthCheck),
    )
    @given(scenarios(policy, days=days))
    def collect(scenario: Scenario) -> None:
        drawn.append(scenario)

    collect()
    return drawn


def floor(policy: Policy, drawn: Sequence[Scenario]) -> int:
    """Evaluate every scenario day by day, as the checker does, without checking anything."""
    actions = 0
    for scenario in drawn:
        history = HistoryIndex()
        for day in scenario.dates():
            invoices = [story.on(day) for story in scenario.stories]
            issued = [invoice for invoice in invoices if invoice.issue_date <= day]
            result = evaluate(issued, policy, day, customers=scenario.customers, history=history)
            history.add(records_of(result.actions, on=day))
            actions += len(result.actions)
    return actions


@contextmanager
def _timed_engine(seconds: list[float], *, compile_once: bool = True) -> Iterator[None]:
    """Add the CPU time of every evaluation of the checker to `seconds`.

    With `compile_once` False, every evaluation compiles the policy again, as `evaluate`
    does, to show what the checker's compile-once saves.
    """
    # The checker's own engine entry, not re-exported: the benchmark wraps it to time it.
    original: Callable[..., Any] = checker_module._evaluate_compiled  # type: ignore[attr-defined]

    def timed(compiled: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        started = time.process_time()
        try:
            return original(compiled if compile_once else {}, *args, **kwargs)
        finally:
            seconds.append(time.process_time() - started)

    checker_module._evaluate_compiled = timed  # type: ignore[attr-defined]
    try:
        yield
    finally:
        checker_module._evaluate_compiled = original  # type: ignore[attr-defined]


def _check(
    policy: Policy, promises: Any, examples: int, days: int | None, compile_once: bool
) -> tuple[float, float, float, CheckReport]:
    """One check: wall seconds, CPU seconds, CPU seconds in the engine, and the report."""
    engine: list[float] = []
    with _timed_engine(engine, compile_once=compile_once):
        wall, cpu = time.perf_counter(), time.process_time()
        report = check_policy(policy, promises, days=days, max_examples=examples, seed=SEED)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return wall, cpu, sum(engine), report


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.checker")
    parser.add_argument("--examples", type=int, default=200)
    parser.add_argument("--days", type=int, default=None)
    parser.add_argument("--repeat", type=int, default=3, help="best of this many checks")
    args = parser.parse_args(argv)
    policy = load_policy(EXAMPLES / "b2c.toml")
    assert isinstance(policy, Policy)
    promises = load_promises(EXAMPLES / "b2c.promises.toml")

    runs = [_check(policy, promises, args.examples, args.days, True) for _ in range(args.repeat)]
    report = runs[0][3]
    wall = min(run[0] for run in runs)
    cpu, engine_cpu = min((run[1], run[2]) for run in runs)
    recompiling = min(
        (_check(policy, promises, args.examples, args.days, False) for _ in range(args.repeat)),
        key=lambda run: run[1],
    )

    days = report.days
    started = time.process_time()
    drawn = _scenarios(policy, args.examples, days)
    drawing = time.process_time() - started
    started = time.perf_counter()
    actions = floor(policy, drawn)
    engine = time.perf_counter() - started

    simulated = args.examples * days
    print(f"check_policy b2c: {args.examples} examples x {days} days, seed {SEED}")
    print(f"  promises kept: {report.kept} ({len(report.broken)} broken)")
    print(f"  best of {args.repeat}:")
    print(
        f"  check_policy   {wall:8.2f} s wall  {cpu:6.2f} s CPU  "
        f"{cpu / simulated * 1e3:6.3f} ms per day"
    )
    print(f"    in evaluate  {engine_cpu:8.2f} s CPU  {engine_cpu / cpu:6.1%}")
    print(
        f"    drawing      {drawing:8.2f} s CPU  {drawing / cpu:6.1%}  "
        f"({len(drawn)} scenarios alone)"
    )
    print(
        f"  compiling on every evaluation  {recompiling[1]:6.2f} s CPU, "
        f"{recompiling[2]:6.2f} s in evaluate"
    )
    print(
        f"  engine floor   {engine:8.2f} s wall  {engine / (len(drawn) * days) * 1e3:6.3f} ms "
        f"per day ({len(drawn)} portfolios, {actions} actions)"
    )
    print(f"  ratio          {wall / engine:8.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
