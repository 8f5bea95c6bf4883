"""Comparing policies on the same customers and the same luck (common random numbers).

`compare` simulates every policy over the same portfolio with the same seeds: run ``r`` of
each policy draws exactly the same numbers, so the paired difference of a metric between two
policies is the policy's effect plus far less noise than two independent runs would have. Each
row gives the mean over the runs with a 95 % confidence interval (Student's t over the runs;
over the paired differences for the comparison with the first policy).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Mapping
from datetime import date
from decimal import Decimal

from pydantic import Field

from dunning._model import Model
from dunning.policy import Policy, PolicySet
from dunning.simulation._random import subject_seed
from dunning.simulation.behaviour import Behaviour
from dunning.simulation.metrics import Metrics
from dunning.simulation.portfolio import Portfolio
from dunning.simulation.run import simulate

__all__ = ["HEADLINE", "Comparison", "ComparisonRow", "compare"]

# Two-sided 95 % quantiles of Student's t for 1 to 30 degrees of freedom.
_T975 = (
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
    2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
    2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
)  # fmt: skip


def _headline(metrics: Metrics) -> dict[str, float | None]:
    """The metrics a comparison reports, by name (per currency where money is involved)."""
    values: dict[str, float | None] = {}
    for currency, amount in metrics.collected.items():
        values[f"collected {currency}"] = float(amount)
    for days, rates in metrics.collection_rate.items():
        for currency, rate in rates.items():
            values[f"collection rate {days}d {currency}"] = rate
    for currency, dso in metrics.dso_standard.items():
        values[f"DSO {currency}"] = dso
    for currency, cei in metrics.cei.items():
        values[f"CEI {currency}"] = cei
    values["messages"] = metrics.messages
    values["messages per invoice"] = metrics.messages_per_invoice
    values["max messages per customer in 30 days"] = metrics.max_messages_per_customer_30_days
    values["opt-outs"] = metrics.opt_outs
    values["cost"] = float(metrics.cost)
    return values


#: The metrics a comparison reports, by name, from a run's `Metrics`.
HEADLINE: Callable[[Metrics], dict[str, float | None]] = _headline


class ComparisonRow(Model):
    """One metric of one policy: the mean over the runs and its 95 % interval.

    Against the first policy: the mean paired difference and its interval (None for the first
    policy itself).
    """

    metric: str
    policy: str
    mean: float | None
    low: float | None
    high: float | None
    difference: float | None = None
    difference_low: float | None = None
    difference_high: float | None = None


class Comparison(Model):
    """The result of `compare`: rows per metric and policy, and every run's metrics."""

    policies: tuple[str, ...]
    runs: int
    rows: tuple[ComparisonRow, ...]
    metrics: dict[str, tuple[Metrics, ...]] = Field(description="Per policy, one per run.")

    def table(self) -> str:
        """The rows as a plain-text table."""
        lines = [
            f"{'metric':<40} {'policy':<12} {'mean':>14} {'95% interval':>29} {'vs first':>14}"
        ]
        for row in self.rows:
            interval = f"[{_fmt(row.low)}, {_fmt(row.high)}]" if row.low is not None else ""
            lines.append(
                f"{row.metric:<40} {row.policy:<12} {_fmt(row.mean):>14} {interval:>29}"
                f" {_fmt(row.difference, signed=True):>14}"
            )
        return "\n".join(lines)


def _fmt(value: float | None, *, signed: bool = False) -> str:
    if value is None:
        return ""
    return f"{value:+,.4g}" if signed else f"{value:,.4g}"


def _interval(values: list[float]) -> tuple[float, float, float]:
    mean = statistics.fmean(values)
    if len(values) < 2:
        return mean, mean, mean
    df = len(values) - 1
    t = _T975[df - 1] if df <= len(_T975) else 1.96
    half = t * statistics.stdev(values) / math.sqrt(len(values))
    return mean, mean - half, mean + half


def compare(
    policies: Mapping[str, Policy | PolicySet],
    portfolio: Portfolio,
    behaviour: Behaviour,
    *,
    days: int,
    runs: int = 10,
    seed: int = 0,
    start: date | None = None,
    costs: Mapping[str, Decimal] | None = None,
    progress: Callable[[int, int], object] | None = None,
) -> Comparison:
    """Simulate each policy `runs` times on the same portfolio and draws; compare them.

    Args:
        policies: name -> policy; the first is the baseline of the differences.
        portfolio: the customers and invoices, as for `simulate`.
        behaviour: the payer model, as for `simulate`.
        days: the horizon, as for `simulate`.
        start: the first day, as for `simulate`.
        runs: how many seeds (1 to 1,000); run ``r`` uses the same seed for every policy.
        seed: the seed the runs' seeds derive from.
        costs: price of one message per channel, for the cost metric.
        progress: called with (runs done, runs in all) before the first run and after each
            one, for a progress bar.

    Raises:
        ValueError: no policy, or `runs` out of range.
    """
    if not policies:
        raise ValueError("compare needs at least one policy")
    if not 1 <= runs <= 1000:
        raise ValueError(f"runs must be between 1 and 1000, got {runs}")
    seeds = [subject_seed(seed, f"run:{r}") for r in range(runs)]
    names = tuple(policies)
    total = len(names) * runs
    done = 0
    if progress is not None:
        progress(done, total)
    per_policy: dict[str, tuple[Metrics, ...]] = {}
    for name in names:
        results: list[Metrics] = []
        for s in seeds:
            result = simulate(policies[name], portfolio, behaviour, days=days, start=start, seed=s)
            results.append(result.metrics(costs))
            done += 1
            if progress is not None:
                progress(done, total)
        per_policy[name] = tuple(results)
    headlines = {name: [_headline(m) for m in per_policy[name]] for name in names}
    metric_names: list[str] = []
    for name in names:
        for run in headlines[name]:
            metric_names.extend(k for k in run if k not in metric_names)
    rows: list[ComparisonRow] = []
    baseline = headlines[names[0]]
    for metric in metric_names:
        for name in names:
            values = [run.get(metric) for run in headlines[name]]
            known = [v for v in values if v is not None]
            if not known:
                rows.append(
                    ComparisonRow(metric=metric, policy=name, mean=None, low=None, high=None)
                )
                continue
            mean, low, high = _interval(known)
            row = ComparisonRow(metric=metric, policy=name, mean=mean, low=low, high=high)
            if name != names[0]:
                pairs = [
                    v - b
                    for v, b in zip(values, (run.get(metric) for run in baseline), strict=True)
                    if v is not None and b is not None
                ]
                if pairs:
                    d, d_low, d_high = _interval(pairs)
                    row = row.evolve(difference=d, difference_low=d_low, difference_high=d_high)
            rows.append(row)
    return Comparison(policies=names, runs=runs, rows=tuple(rows), metrics=per_policy)
