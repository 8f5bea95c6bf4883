"""Tables and charts of simulated runs, for notebooks (optional extra ``notebook``).

`daily_rows` gives plain rows (no dependency): per day and currency, the cash collected that
day and so far, the balance still open, and the messages sent per channel. `to_frame` turns
them (or a comparison) into a pandas DataFrame; the ``plot_*`` functions draw with matplotlib
and return the figure, so a notebook shows it and a script can save it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any, cast

from dunning.analytics import balance_on
from dunning.simulation.compare import Comparison
from dunning.simulation.metrics import BUCKETS
from dunning.simulation.run import SimulationResult

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

__all__ = [
    "aging_rows",
    "daily_rows",
    "plot_aging",
    "plot_cash",
    "plot_comparison",
    "plot_messages",
    "to_frame",
]


def daily_rows(result: SimulationResult) -> list[dict[str, Any]]:
    """One row per day and currency: collected that day and so far, open balance, messages.

    >>> from dunning.simulation import Behaviour, PortfolioSpec, generate_portfolio, simulate
    >>> from dunning import Policy
    >>> p = generate_portfolio(PortfolioSpec(customers=3, start=date(2026, 1, 1), seed=1))
    >>> rows = daily_rows(simulate(Policy(id="q"), p, Behaviour.always(1.0), days=90))
    >>> rows[-1]["collected_to_date"] == sum(i.total.amount for i in p.invoices)
    True
    """
    currencies = sorted({i.currency for i in result.final})
    channels = sorted({m.channel for m in result.messages})
    paid: defaultdict[tuple[date, str], Decimal] = defaultdict(Decimal)
    for payment in result.payments:
        paid[(payment.day, payment.currency)] += payment.amount
    sent: defaultdict[tuple[date, str], int] = defaultdict(int)
    for message in result.messages:
        sent[(message.day, message.channel)] += 1
    off = {invoice_id for invoice_id, _, _ in result.written_off}
    rows: list[dict[str, Any]] = []
    so_far = dict.fromkeys(currencies, Decimal(0))
    for offset in range(result.days):
        day = result.start + timedelta(days=offset)
        for currency in currencies:
            so_far[currency] += paid[(day, currency)]
            open_balance = sum(
                (
                    balance_on(i, day).amount
                    for i in result.final
                    if i.currency == currency and i.issue_date <= day and i.id not in off
                ),
                Decimal(0),
            )
            row: dict[str, Any] = {
                "policy": result.policy_id,
                "seed": result.seed,
                "day": day,
                "currency": currency,
                "collected": paid[(day, currency)],
                "collected_to_date": so_far[currency],
                "open_balance": open_balance,
            }
            row.update({f"messages_{ch}": sent[(day, ch)] for ch in channels})
            rows.append(row)
    return rows


def aging_rows(result: SimulationResult, every_days: int = 7) -> list[dict[str, Any]]:
    """The open balance per aging bucket, every `every_days` days, per currency."""
    currencies = sorted({i.currency for i in result.final})
    rows: list[dict[str, Any]] = []
    for offset in range(0, result.days, every_days):
        day = result.start + timedelta(days=offset)
        totals: defaultdict[tuple[str, str], Decimal] = defaultdict(Decimal)
        for invoice in result.final:
            if invoice.issue_date > day:
                continue
            owed = balance_on(invoice, day).amount
            if owed <= 0:
                continue
            overdue = (day - invoice.due_date).days
            label = next(name for name, low, high in BUCKETS if low <= overdue <= high)
            totals[(invoice.currency, label)] += owed
        for currency in currencies:
            row: dict[str, Any] = {"policy": result.policy_id, "day": day, "currency": currency}
            row.update({name: totals[(currency, name)] for name, _, _ in BUCKETS})
            rows.append(row)
    return rows


def _pandas() -> Any:
    try:
        import pandas  # type: ignore[import-untyped]  # pandas ships no type stubs
    except ImportError as error:  # pragma: no cover - depends on the environment
        from dunning.errors import missing_dependency

        raise missing_dependency("pandas", "notebook") from error
    return pandas


def _pyplot() -> Any:
    try:
        from matplotlib import pyplot
    except ImportError as error:  # pragma: no cover - depends on the environment
        from dunning.errors import missing_dependency

        raise missing_dependency("matplotlib", "notebook") from error
    return pyplot


def to_frame(
    data: SimulationResult | Sequence[SimulationResult] | Comparison,
) -> Any:
    """A pandas DataFrame of the daily rows of one or several runs, or of a comparison's rows."""
    pandas = _pandas()
    if isinstance(data, Comparison):
        return pandas.DataFrame([row.model_dump() for row in data.rows])
    results = [data] if isinstance(data, SimulationResult) else list(data)
    frame = pandas.DataFrame([row for result in results for row in daily_rows(result)])
    for column in ("collected", "collected_to_date", "open_balance"):
        frame[column] = frame[column].astype(float)
    return frame


def plot_cash(results: Mapping[str, SimulationResult], currency: str) -> Figure:
    """Cash collected over time, one line per policy, in one currency."""
    pyplot = _pyplot()
    figure, axes = pyplot.subplots(figsize=(8, 4))
    for name, result in results.items():
        rows = [r for r in daily_rows(result) if r["currency"] == currency]
        axes.plot(
            [r["day"] for r in rows], [float(r["collected_to_date"]) for r in rows], label=name
        )
    axes.set_title(f"Cash collected ({currency})")
    axes.set_ylabel(currency)
    axes.legend()
    figure.autofmt_xdate()
    return cast("Figure", figure)


def plot_aging(result: SimulationResult, currency: str, every_days: int = 7) -> Figure:
    """The open balance by aging bucket over time (stacked areas), in one currency."""
    pyplot = _pyplot()
    rows = [r for r in aging_rows(result, every_days) if r["currency"] == currency]
    figure, axes = pyplot.subplots(figsize=(8, 4))
    labels = [name for name, _, _ in BUCKETS]
    axes.stackplot(
        [r["day"] for r in rows],
        *[[float(r[name]) for r in rows] for name in labels],
        labels=labels,
    )
    axes.set_title(f"Receivables by age ({currency}), {result.policy_id}")
    axes.legend(loc="upper left")
    figure.autofmt_xdate()
    return cast("Figure", figure)


def plot_messages(result: SimulationResult) -> Figure:
    """Messages sent per day, stacked by channel."""
    pyplot = _pyplot()
    channels = sorted({m.channel for m in result.messages})
    counts: defaultdict[tuple[date, str], int] = defaultdict(int)
    for message in result.messages:
        counts[(message.day, message.channel)] += 1
    days = [result.start + timedelta(days=k) for k in range(result.days)]
    figure, axes = pyplot.subplots(figsize=(8, 4))
    bottom = [0] * len(days)
    for channel in channels:
        heights = [counts[(d, channel)] for d in days]
        axes.bar(days, heights, bottom=bottom, label=channel, width=1.0)
        bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
    axes.set_title(f"Messages per day, {result.policy_id}")
    if channels:
        axes.legend()
    figure.autofmt_xdate()
    return cast("Figure", figure)


def plot_comparison(comparison: Comparison, metrics: Sequence[str]) -> Figure:
    """The chosen metrics per policy, with their 95 % intervals as error bars."""
    pyplot = _pyplot()
    figure, all_axes = pyplot.subplots(1, len(metrics), figsize=(4 * len(metrics), 3.5))
    axes_list = [all_axes] if len(metrics) == 1 else list(all_axes)
    for axes, metric in zip(axes_list, metrics, strict=True):
        rows = [r for r in comparison.rows if r.metric == metric and r.mean is not None]
        if not rows:
            raise ValueError(
                f"metric {metric!r} is not in the comparison; it has"
                f" {sorted({r.metric for r in comparison.rows})}"
            )
        means = [r.mean or 0.0 for r in rows]
        errors = [
            [m - (r.low if r.low is not None else m) for m, r in zip(means, rows, strict=True)],
            [(r.high if r.high is not None else m) - m for m, r in zip(means, rows, strict=True)],
        ]
        axes.bar([r.policy for r in rows], means, yerr=errors, capsize=4)
        axes.set_title(metric)
    figure.tight_layout()
    return cast("Figure", figure)
