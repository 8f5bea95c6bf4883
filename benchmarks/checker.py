"""Measure `check_policy` on the bundled B2C policy: `python -m benchmarks.checker`.

Runs `check_policy` on ``examples/policies/b2c.toml`` with its declared promises
(``b2c.promises.toml``), `--examples` examples (200) of `--days` days (by default those
`check_policy` picks for the promises: 90), seed 0, and
prints the wall time and the time per simulated day. Side by side, the floor: the engine
alone, evaluating the same number of generated portfolios day by day with each day's
actions fed back as history (no watchers, no Hypothesis), so the ratio shows what the
checker adds to the engine's own work.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from pathlib import Path

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as hypothesis_seed

from dunning.engine import HistoryIndex, evaluate, records_of
from dunning.policy.io import load_policy, load_promises
from dunning.policy.model import Policy
from dunning.testing import check_policy
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


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.checker")
    parser.add_argument("--examples", type=int, default=200)
    parser.add_argument("--days", type=int, default=None)
    args = parser.parse_args(argv)
    policy = load_policy(EXAMPLES / "b2c.toml")
    assert isinstance(policy, Policy)
    promises = load_promises(EXAMPLES / "b2c.promises.toml")

    started = time.perf_counter()
    report = check_policy(policy, promises, days=args.days, max_examples=args.examples, seed=SEED)
    checked = time.perf_counter() - started

    days = report.days
    drawn = _scenarios(policy, args.examples, days)
    started = time.perf_counter()
    actions = floor(policy, drawn)
    engine = time.perf_counter() - started

    simulated = args.examples * days
    print(f"check_policy b2c: {args.examples} examples x {days} days, seed {SEED}")
    print(f"  promises kept: {report.kept} ({len(report.broken)} broken)")
    print(f"  check_policy   {checked:8.2f} s  {checked / simulated * 1e3:6.3f} ms per day")
    print(
        f"  engine floor   {engine:8.2f} s  {engine / (len(drawn) * days) * 1e3:6.3f} ms "
        f"per day ({len(drawn)} portfolios, {actions} actions)"
    )
    print(f"  ratio          {checked / engine:8.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
