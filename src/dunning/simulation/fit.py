"""Fitting the payer model to a user's own history: the baseline hazard and the reminder uplift.

`fit(invoices, messages, as_of=...)` reads invoices with their payments and the messages that
were sent, and estimates:

- per segment (or one ``default``), the `PaymentHazard`: the daily probability of being paid in
  full before the due date, on it, the day after and its daily decay, and the share never paid.
  Days are counted from the due date; an invoice is at risk from its issue date until the day
  it is settled (its balance reaches zero) or ``as_of`` (censored). Only days without a message
  in the ``window_days`` before count for the baseline. The decaying tail is fitted by maximum
  likelihood under the Poisson approximation of a small daily hazard (``a * decay ** (d - 1)``
  on day ``d`` after the due date); ``never_pay`` comes from a cure model fitted by
  expectation-maximisation: an invoice unpaid at ``as_of`` is a never-payer's or a payer's not
  paid yet, in proportion to how likely a payer was to last that long, and only the payer's
  share of it counts at risk in the hazard;
- per channel, the uplift: on days within ``window_days`` of a message on that channel,
  observed settlements divided by those the baseline hazard expects, minus one.

Every estimate comes with a 95 % interval from a bootstrap over invoices (seeded), so an analyst
sees how much the history says. The result's `behaviour` plugs straight into `simulate`.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import Field

from dunning._model import Model
from dunning.invoices import Channel, Customer, Invoice
from dunning.simulation.behaviour import Behaviour, PaymentHazard, ReminderResponse

__all__ = ["Estimate", "FitResult", "fit"]


class Estimate(Model):
    """One fitted parameter, its 95 % bootstrap interval and how many observations it rests on."""

    name: str
    value: float | None
    low: float | None
    high: float | None
    observations: int


class FitResult(Model):
    """What `fit` found: the payer model and each estimate with its interval."""

    behaviour: Behaviour
    estimates: tuple[Estimate, ...] = Field(description="Sorted by name.")

    def table(self) -> str:
        """The estimates as a plain-text table."""
        lines = [f"{'parameter':<32} {'value':>10} {'95% interval':>24} {'n':>8}"]
        for e in self.estimates:
            value = "" if e.value is None else f"{e.value:.4f}"
            interval = "" if e.low is None else f"[{e.low:.4f}, {e.high:.4f}]"
            lines.append(f"{e.name:<32} {value:>10} {interval:>24} {e.observations:>8}")
        return "\n".join(lines)


@dataclass(frozen=True, slots=True)
class _Case:
    """One invoice reduced to what the likelihood needs."""

    group: str
    issued: int  # days relative to the due date
    settled: int | None  # the day it was settled, relative to the due date
    last: int  # the last observed day, relative to the due date
    message_days: tuple[tuple[int, str], ...]  # (day relative to due, channel)


def _settled_on(invoice: Invoice) -> date | None:
    owed = invoice.total.amount + invoice.charged.amount - invoice.credited.amount
    paid = Decimal(0)
    for payment in sorted(invoice.payments, key=lambda p: p.date):
        paid += payment.amount.amount
        if paid >= owed:
            return payment.date
    return None


def _message_rows(messages: Iterable[Any]) -> list[tuple[date, str, str]]:
    if hasattr(messages, "to_dict"):  # a pandas DataFrame
        messages = messages.to_dict("records")
    rows = []
    for number, row in enumerate(messages):
        get = row.get if isinstance(row, Mapping) else lambda name, r=row: getattr(r, name, None)
        day, customer, channel = get("day"), get("customer_id"), get("channel")
        if isinstance(day, datetime):  # pandas reads dates as Timestamps, a datetime
            day = day.date()
        if not isinstance(day, date) or not customer or channel is None:
            raise ValueError(
                f"messages[{number}] needs 'day' (a date), 'customer_id' and 'channel',"
                f" got {row!r:.120}"
            )
        rows.append((day, str(customer), Channel(str(channel)).value))
    return rows


def fit(
    invoices: Iterable[Invoice],
    messages: Iterable[Any] = (),
    *,
    as_of: date,
    customers: Iterable[Customer] = (),
    window_days: int = 2,
    bootstrap: int = 50,
    seed: int = 0,
) -> FitResult:
    """Estimate a `Behaviour` from invoices with their payments and the messages sent.

    Args:
        invoices: the invoices, with every payment and credit note up to `as_of`.
        messages: the messages sent: `MessageEvent`s, mappings or a pandas DataFrame with
            ``day``, ``customer_id`` and ``channel``.
        as_of: the last day the history covers; later invoices and payments are ignored.
        customers: give them to fit one hazard per segment (else one ``default``).
        window_days: how long after a message a settlement counts towards its uplift.
        bootstrap: resamples for the intervals (0: none).
        seed: the seed of the bootstrap.

    Raises:
        ValueError: no invoice due before `as_of`, or a message row without its fields.
    """
    segments = {c.id: c.segment or "default" for c in customers}
    sent: defaultdict[str, list[tuple[date, str]]] = defaultdict(list)
    for day, customer, channel in _message_rows(messages):
        if day <= as_of:
            sent[customer].append((day, channel))
    cases: list[_Case] = []
    for invoice in invoices:
        if invoice.issue_date > as_of:
            continue
        due = invoice.due_date
        settled = _settled_on(invoice)
        if settled is not None and settled > as_of:
            settled = None
        cases.append(
            _Case(
                group=segments.get(invoice.customer_id, "default") if segments else "default",
                issued=(invoice.issue_date - due).days,
                settled=None if settled is None else (settled - due).days,
                last=(as_of - due).days,
                message_days=tuple(
                    ((day - due).days, channel)
                    for day, channel in sent.get(invoice.customer_id, ())
                    if invoice.issue_date <= day
                ),
            )
        )
    if not any(case.last >= 0 for case in cases):
        raise ValueError(f"no invoice is due on or before {as_of}: nothing to fit")
    point = _estimate(cases, window_days)
    rng = random.Random(seed)
    samples = [_estimate([rng.choice(cases) for _ in cases], window_days) for _ in range(bootstrap)]
    estimates = []
    for name, (value, n) in sorted(point.items()):
        drawn = sorted(
            drawn_value for s in samples if name in s and (drawn_value := s[name][0]) is not None
        )
        low = drawn[int(0.025 * (len(drawn) - 1))] if drawn else None
        high = drawn[math.ceil(0.975 * (len(drawn) - 1))] if drawn else None
        estimates.append(Estimate(name=name, value=value, low=low, high=high, observations=n))
    hazards = {}
    for group in sorted({c.group for c in cases}):
        values = {
            field: point.get(f"{group}.{field}", (None, 0))[0]
            for field in ("before_due", "on_due", "after_due", "decay", "never_pay")
        }
        defaults = PaymentHazard()
        hazards[group] = PaymentHazard(
            **{k: getattr(defaults, k) if v is None else v for k, v in values.items()}
        )
    uplift = {
        Channel(name.split(".", 1)[1]): max(0.0, value)
        for name, (value, _) in point.items()
        if name.startswith("uplift.") and value is not None
    }
    behaviour = Behaviour(
        hazards=hazards,
        response=ReminderResponse(uplift=uplift, half_life_days=max(1.0, window_days / 2)),
    )
    return FitResult(behaviour=behaviour, estimates=tuple(estimates))


def _estimate(
    cases: list[_Case], window_days: int, iterations: int = 25
) -> dict[str, tuple[float | None, int]]:
    # A cure model fitted by expectation-maximisation: an invoice still unpaid at the end of
    # the history is either a never-payer's or a payer's not paid yet, in proportion to how
    # likely a payer was to last that long; only the payer's share of it is at risk in the
    # hazard. Counting never-payers at risk would bias the tail (by 60 days overdue most of
    # those at risk never pay).
    baseline_days: list[list[int]] = []
    nudged: list[list[tuple[int, str]]] = []
    for case in cases:
        end = case.last if case.settled is None else case.settled
        days: list[int] = []
        pushed: list[tuple[int, str]] = []
        for day in range(case.issued, end + 1):
            channels = {ch for d, ch in case.message_days if day - window_days < d <= day}
            if channels:
                pushed.extend((day, ch) for ch in sorted(channels))
            else:
                days.append(day)
        baseline_days.append(days)
        nudged.append(pushed)
    groups = sorted({c.group for c in cases})
    # Start from "every unpaid invoice is a never-payer's": the iterations move the share down.
    never = {
        group: sum(1 for c in cases if c.group == group and c.settled is None)
        / sum(1 for c in cases if c.group == group)
        for group in groups
    }
    weights = [1.0 if c.settled is not None else 0.0 for c in cases]
    counts = _Counts(cases, baseline_days)
    for _ in range(iterations):
        out = counts.hazards(weights, groups)
        rates = _rates(out, groups, cases)
        changed = 0.0
        for group in groups:
            members = [i for i, c in enumerate(cases) if c.group == group]
            # E step: the chance each unpaid invoice belongs to a payer, from the log of the
            # payer's survival summed over its at-risk days (prefix sums, less the exceptions).
            low = min(c.issued for c in cases)
            high = max(c.last for c in cases)
            prefix = [0.0]
            for d in range(low, high + 1):
                prefix.append(prefix[-1] + math.log(max(1.0 - rates[(group, d)], 1e-12)))
            for i, owner, first, last, skipped in counts.open:
                if owner != group:
                    continue
                log_survive = prefix[last - low + 1] - prefix[first - low]
                log_survive -= sum(math.log(max(1.0 - rates[(group, d)], 1e-12)) for d in skipped)
                survive = math.exp(log_survive)
                payer = (1.0 - never[group]) * survive
                weights[i] = payer / (payer + never[group]) if payer + never[group] else 0.0
            share = sum(1.0 - weights[i] for i in members) / len(members)
            changed = max(changed, abs(share - never[group]))
            never[group] = share
        if changed < 1e-4:
            break
    out = counts.hazards(weights, groups)
    for group in groups:
        out[f"{group}.never_pay"] = (
            round(never[group], 6),
            sum(1 for c in cases if c.group == group),
        )
    rates = _rates(out, groups, cases)
    observed: defaultdict[str, float] = defaultdict(float)
    expected: defaultdict[str, float] = defaultdict(float)
    exposure: defaultdict[str, int] = defaultdict(int)
    for case, weight, pushed in zip(cases, weights, nudged, strict=True):
        for day, channel in pushed:
            observed[channel] += case.settled == day
            expected[channel] += weight * rates[(case.group, day)]
            exposure[channel] += 1
    for channel in sorted(exposure):
        value = observed[channel] / expected[channel] - 1 if expected[channel] > 0 else None
        out[f"uplift.{channel}"] = (None if value is None else round(value, 6), exposure[channel])
    return out


class _Counts:
    """At-risk days and settlements: the settled invoices' once, the unpaid ones' by weight."""

    def __init__(self, cases: list[_Case], baseline_days: list[list[int]]) -> None:
        self.fixed: defaultdict[tuple[str, int], float] = defaultdict(float)
        self.count: defaultdict[tuple[str, int], int] = defaultdict(int)
        self.events: defaultdict[tuple[str, int], int] = defaultdict(int)
        # An unpaid invoice is at risk on every day from issue to the end of the history but
        # the days a message covered: kept as that range and its exceptions, so that weighted
        # sums take a difference array instead of a loop over every day.
        self.open: list[tuple[int, str, int, int, list[int]]] = []
        for i, (case, days) in enumerate(zip(cases, baseline_days, strict=True)):
            for day in days:
                self.count[(case.group, day)] += 1
            if case.settled is None:
                kept = set(days)
                skipped = [d for d in range(case.issued, case.last + 1) if d not in kept]
                self.open.append((i, case.group, case.issued, case.last, skipped))
                continue
            for day in days:
                self.fixed[(case.group, day)] += 1
            if days and days[-1] == case.settled:
                self.events[(case.group, case.settled)] += 1

    def hazards(
        self, weights: list[float], groups: list[str]
    ) -> dict[str, tuple[float | None, int]]:
        at_risk = self.fixed.copy()
        steps: defaultdict[tuple[str, int], float] = defaultdict(float)
        for i, group, first, last, skipped in self.open:
            weight = weights[i]
            if weight:
                steps[(group, first)] += weight
                steps[(group, last + 1)] -= weight
                for day in skipped:
                    at_risk[(group, day)] -= weight
        for group in groups:
            running = 0.0
            marks = sorted(d for g, d in steps if g == group)
            for k, day in enumerate(marks):
                running += steps[(group, day)]
                following = marks[k + 1] if k + 1 < len(marks) else day
                if running > 1e-12:
                    for d in range(day, following):
                        at_risk[(group, d)] += running
        count, events = self.count, self.events
        out: dict[str, tuple[float | None, int]] = {}
        for group in groups:
            days = sorted(d for g, d in count if g == group)
            before_n = sum(at_risk[(group, d)] for d in days if d < 0)
            before_e = sum(events[(group, d)] for d in days if d < 0)
            on_n, on_e = at_risk[(group, 0)], events[(group, 0)]
            after = [(d, at_risk[(group, d)], events[(group, d)]) for d in days if d > 0]
            out[f"{group}.before_due"] = (
                round(before_e / before_n, 6) if before_n else None,
                sum(count[(group, d)] for d in days if d < 0),
            )
            out[f"{group}.on_due"] = (round(on_e / on_n, 6) if on_n else None, count[(group, 0)])
            a, decay = _tail(after)
            observations = sum(count[(group, d)] for d in days if d > 0)
            out[f"{group}.after_due"] = (a, observations)
            out[f"{group}.decay"] = (decay, observations)
        return out


def _rates(
    out: dict[str, tuple[float | None, int]], groups: list[str], cases: list[_Case]
) -> dict[tuple[str, int], float]:
    low = min((c.issued for c in cases), default=0)
    high = max((c.last for c in cases), default=0)
    rates: dict[tuple[str, int], float] = {}
    for group in groups:
        before = out[f"{group}.before_due"][0] or 0.0
        on = out[f"{group}.on_due"][0] or 0.0
        a = out[f"{group}.after_due"][0] or 0.0
        decay = out[f"{group}.decay"][0] or 0.0
        for d in range(low, high + 1):
            rate = before if d < 0 else on if d == 0 else a * decay ** (d - 1)
            rates[(group, d)] = min(rate, 1.0)
    return rates


def _tail(after: list[tuple[int, float, int]]) -> tuple[float | None, float | None]:
    """Maximum likelihood of ``a * decay ** (d - 1)`` under the Poisson approximation.

    For a given decay the best ``a`` is settlements over weighted exposure; the decay is then
    found by golden-section search on the profile likelihood over [0.5, 1].
    """
    total_events = sum(e for _, _, e in after)
    if not after:
        return None, None
    if total_events == 0:
        return 0.0, 1.0

    def profile(decay: float) -> tuple[float, float]:
        weight = sum(n * decay ** (d - 1) for d, n, _ in after)
        a = min(total_events / weight, 1.0)
        value = sum(e * math.log(a * decay ** (d - 1)) for d, _, e in after if e) - a * weight
        return value, a

    low, high = 0.5, 1.0
    ratio = (math.sqrt(5) - 1) / 2
    for _ in range(40):
        left = high - ratio * (high - low)
        right = low + ratio * (high - low)
        if profile(left)[0] < profile(right)[0]:
            low = left
        else:
            high = right
    decay = (low + high) / 2
    return round(profile(decay)[1], 6), round(decay, 4)
