from datetime import date

import pytest

from dunning import Policy, ReminderStep
from dunning.simulation import Behaviour, PortfolioSpec, compare, generate_portfolio, simulate
from dunning.simulation.frames import (
    aging_rows,
    daily_rows,
    plot_aging,
    plot_cash,
    plot_comparison,
    plot_messages,
    to_frame,
)

POLICY = Policy(
    id="due",
    steps=[ReminderStep(id="due", offset_days=0, channels=["whatsapp", "email"], template="due")],
)


@pytest.fixture(scope="module")
def run():
    portfolio = generate_portfolio(PortfolioSpec(customers=15, start=date(2026, 1, 1), seed=4))
    return simulate(POLICY, portfolio, Behaviour(), days=60, seed=2, start=date(2026, 1, 1))


def test_daily_rows_add_up_to_the_payments_and_messages(run):
    rows = daily_rows(run)
    assert len(rows) == 60  # one currency
    assert sum(r["collected"] for r in rows) == sum(p.amount for p in run.payments)
    assert rows[-1]["collected_to_date"] == sum(p.amount for p in run.payments)
    sent = sum(v for r in rows for k, v in r.items() if k.startswith("messages_"))
    assert sent == len(run.messages)
    first = rows[0]
    issued = [i for i in run.final if i.issue_date <= first["day"]]
    paid_first_day = sum(p.amount for p in run.payments if p.day == first["day"])
    assert first["open_balance"] == sum(i.total.amount for i in issued) - paid_first_day


def test_aging_rows_hold_every_open_balance(run):
    rows = aging_rows(run, every_days=30)
    assert [r["day"] for r in rows] == [date(2026, 1, 1), date(2026, 1, 31)]
    day = rows[1]
    buckets = ("current", "1-30", "31-60", "61-90", "90+")
    open_rows = [r for r in daily_rows(run) if r["day"] == day["day"]]
    assert sum(day[b] for b in buckets) == open_rows[0]["open_balance"]


def test_frames_and_charts(run):
    frame = to_frame(run)
    assert list(frame.columns[:4]) == ["policy", "seed", "day", "currency"]
    assert frame["collected"].sum() == pytest.approx(float(sum(p.amount for p in run.payments)))
    figure = plot_cash({"due": run}, "COP")
    (line,) = figure.axes[0].get_lines()
    assert line.get_ydata()[-1] == pytest.approx(float(sum(p.amount for p in run.payments)))
    assert plot_aging(run, "COP").axes[0].get_title() == "Receivables by age (COP), due"
    bars = plot_messages(run).axes[0].patches
    assert sum(b.get_height() for b in bars) == len(run.messages)


def test_comparison_frame_and_chart():
    portfolio = generate_portfolio(PortfolioSpec(customers=10, start=date(2026, 1, 1), seed=4))
    comparison = compare(
        {"due": POLICY, "quiet": Policy(id="quiet")}, portfolio, Behaviour(), days=40, runs=2
    )
    frame = to_frame(comparison)
    assert set(frame["policy"]) == {"due", "quiet"}
    figure = plot_comparison(comparison, ["messages", "collected COP"])
    assert [a.get_title() for a in figure.axes] == ["messages", "collected COP"]
    with pytest.raises(ValueError, match="metric 'nope' is not in the comparison"):
        plot_comparison(comparison, ["nope"])
