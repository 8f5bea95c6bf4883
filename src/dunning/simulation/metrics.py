"""Collection metrics of a simulated run, with their definitions.

Amounts are never added across currencies: every money metric is per currency. With ``S``
the credit sales of the horizon (totals of the invoices issued in it), ``BR`` the receivables
the day before it starts, ``ER`` those on its last day, ``ECR`` the part of ``ER`` not yet due,
and ``D`` the number of days simulated:

- **collection rate at N days**: of the invoices whose due date plus N days falls in the
  horizon, the share of their totals paid by then (payments beyond the total, i.e. fees, not
  counted);
- **DSO, standard**: ``ER / S * D``;
- **DSO, countback**: ``ER`` is matched against sales walking back from the last day in
  30-day periods; whole periods count 30 days and the last one its share;
- **best possible DSO**: ``ECR / S * D``; **average days beyond terms**: DSO minus it;
- **CEI** (collection effectiveness index): ``(BR + S - ER) / (BR + S - ECR) * 100``;
- **roll rate** from one aging bucket to the next: of the balance in a bucket on a day, the
  share found in the next bucket 30 days later (balance-weighted over the horizon);
- **annoyance**: the most messages one customer received in any 30 days, and the mean per
  customer per 30 days.

DSO, CEI and days beyond terms are those of `dunning.analytics.collection_figures` over the
horizon. Receivables on a day are balances as `dunning.analytics.balance_on` computes them,
less invoices written off by then.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping
from datetime import date, timedelta
from decimal import Decimal

from pydantic import Field

from dunning._model import Model
from dunning.analytics import balance_on, collection_figures
from dunning.invoices import Invoice, InvoiceStatus
from dunning.plans import PlanStatus
from dunning.simulation.run import SimulationResult

__all__ = ["BUCKETS", "Metrics"]

#: Aging buckets for roll rates: (label, fewest days overdue, most days overdue).
BUCKETS: tuple[tuple[str, int, int], ...] = (
    ("current", -100_000, 0),
    ("1-30", 1, 30),
    ("31-60", 31, 60),
    ("61-90", 61, 90),
    ("90+", 91, 100_000),
)
_PERIOD = 30


class Metrics(Model):
    """The headline figures of one run (definitions in the module docstring).

    Money figures are per currency (ISO 4217 code -> amount); ratios are floats, ``None`` where
    the horizon does not hold what they need (no sales, no invoice due N days before the end).
    """

    policy_id: str
    start: date
    end: date
    invoices: int
    customers: int
    rejected: int = Field(description="Rows or invoices that could not be simulated.")
    billed: dict[str, Decimal]
    collected: dict[str, Decimal]
    collection_rate: dict[int, dict[str, float | None]]
    dso_standard: dict[str, float | None]
    dso_countback: dict[str, float | None]
    best_possible_dso: dict[str, float | None]
    average_days_beyond_terms: dict[str, float | None]
    cei: dict[str, float | None]
    roll_rates: dict[str, dict[str, float | None]]
    messages: int
    messages_by_channel: dict[str, int]
    messages_per_invoice: float
    collected_per_message: dict[str, Decimal | None]
    max_messages_per_customer_30_days: int
    mean_messages_per_customer_30_days: float
    opt_outs: int
    fees_billed: dict[str, Decimal]
    interest_billed: dict[str, Decimal]
    charges_collected: dict[str, Decimal]
    write_offs: int
    written_off: dict[str, Decimal]
    plans_offered: int
    plans_accepted: int
    plans_defaulted: int
    charges_attempted: int = Field(description="Automatic charges on the due date.")
    charges_failed: int
    charges_recovered: int = Field(description="Failed charges a retry recovered.")
    tasks: int
    suspensions: int
    cost_by_channel: dict[str, Decimal]
    cost: Decimal

    @classmethod
    def of(cls, result: SimulationResult, *, costs: Mapping[str, Decimal] | None = None) -> Metrics:
        """Compute the metrics of `result`; `costs` prices one message per channel."""
        start, end, days = result.start, result.end, result.days
        written = {
            invoice_id: _write_off_day(result, invoice_id)
            for invoice_id, _, _ in result.written_off
        }

        def receivable(invoice: Invoice, on: date) -> Decimal:
            if invoice.issue_date > on:
                return Decimal(0)
            if invoice.status is InvoiceStatus.VOID and invoice.id not in written:
                return Decimal(0)
            off = written.get(invoice.id)
            if off is not None and on >= off:
                return Decimal(0)
            return balance_on(invoice, on).amount

        final = result.final
        currencies = sorted({i.currency for i in final})
        billed = _per(currencies)
        collected = _per(currencies)
        for invoice in final:
            billed[invoice.currency] += invoice.total.amount
        for payment in result.payments:
            collected[payment.currency] += payment.amount
        figures = {f.currency: f for f in collection_figures(final, start, end, closed=written)}
        dso = {c: figures[c].dso_standard for c in currencies}
        countback = {c: figures[c].dso_countback for c in currencies}
        best = {c: figures[c].best_possible_dso for c in currencies}
        beyond = {c: figures[c].average_days_beyond_terms for c in currencies}
        cei = {c: figures[c].cei for c in currencies}
        charges_collected = _per(currencies)
        for invoice in final:
            beyond_total = (
                sum((p.amount.amount for p in invoice.payments), Decimal(0))
                + invoice.credited.amount
                - invoice.total.amount
            )
            if beyond_total > 0:
                charges_collected[invoice.currency] += min(beyond_total, invoice.charged.amount)
        channels = Counter(m.channel for m in result.messages)
        prices = {k: Decimal(v) for k, v in (costs or {}).items()}
        cost_by_channel = {ch: prices.get(ch, Decimal(0)) * n for ch, n in sorted(channels.items())}
        written_off = _per(currencies)
        for _, currency, amount in result.written_off:
            written_off[currency] += amount
        customers = {i.customer_id for i in final}
        return cls(
            policy_id=result.policy_id,
            start=start,
            end=end,
            invoices=len(final),
            customers=len(customers),
            rejected=len(result.rejected),
            billed=billed,
            collected=collected,
            collection_rate={n: _collection_rate(final, currencies, n, end) for n in (30, 60, 90)},
            dso_standard=dso,
            dso_countback=countback,
            best_possible_dso=best,
            average_days_beyond_terms=beyond,
            cei=cei,
            roll_rates={c: _roll_rates(final, c, start, end, receivable) for c in currencies},
            messages=len(result.messages),
            messages_by_channel=dict(sorted(channels.items())),
            messages_per_invoice=len(result.messages) / len(final) if final else 0.0,
            collected_per_message={
                c: (collected[c] / len(result.messages)).quantize(Decimal("0.01"))
                if result.messages
                else None
                for c in currencies
            },
            max_messages_per_customer_30_days=_max_in_window(result),
            mean_messages_per_customer_30_days=(
                len(result.messages) / len(customers) / (days / _PERIOD) if customers else 0.0
            ),
            opt_outs=len(result.opt_outs),
            fees_billed={c: result.charged.get((c, "fee"), Decimal(0)) for c in currencies},
            interest_billed={
                c: result.charged.get((c, "interest"), Decimal(0)) for c in currencies
            },
            charges_collected=charges_collected,
            write_offs=len(result.written_off),
            written_off=written_off,
            plans_offered=result.actions.get("offer_plan", 0),
            plans_accepted=len(result.plans),
            plans_defaulted=sum(
                1 for plan in result.plans if plan.standing(end).status is PlanStatus.DEFAULTED
            ),
            charges_attempted=result.charges.get("attempted", 0),
            charges_failed=result.charges.get("failed", 0),
            charges_recovered=result.charges.get("recovered", 0),
            tasks=result.actions.get("create_task", 0),
            suspensions=result.actions.get("suspend_service", 0),
            cost_by_channel=cost_by_channel,
            cost=sum(cost_by_channel.values(), Decimal(0)),
        )


def _per(currencies: list[str]) -> dict[str, Decimal]:
    return dict.fromkeys(currencies, Decimal(0))


def _ratio(numerator: Decimal, denominator: Decimal) -> float | None:
    if denominator == 0:
        return None
    return round(float(numerator / denominator), 6)


def _write_off_day(result: SimulationResult, invoice_id: str) -> date:
    # The day the invoice turned void: its status changed then, and it received nothing after.
    final = next(i for i in result.final if i.id == invoice_id)
    dates = [p.date for p in final.payments] + [c.date for c in final.charges]
    return max([*dates, final.due_date]) + timedelta(days=1)


def _collection_rate(
    invoices: tuple[Invoice, ...], currencies: list[str], n: int, end: date
) -> dict[str, float | None]:
    totals = _per(currencies)
    paid = _per(currencies)
    for invoice in invoices:
        cutoff = invoice.due_date + timedelta(days=n)
        if cutoff > end:
            continue
        totals[invoice.currency] += invoice.total.amount
        received = sum((p.amount.amount for p in invoice.payments if p.date <= cutoff), Decimal(0))
        paid[invoice.currency] += min(received, invoice.total.amount)
    return {c: _ratio(paid[c], totals[c]) for c in currencies}


def _bucket(days_overdue: int) -> int:
    return next(k for k, (_, low, high) in enumerate(BUCKETS) if low <= days_overdue <= high)


def _roll_rates(
    invoices: tuple[Invoice, ...],
    currency: str,
    start: date,
    end: date,
    receivable: object,
) -> dict[str, float | None]:
    owed = receivable  # (invoice, day) -> Decimal
    moved: defaultdict[int, Decimal] = defaultdict(Decimal)
    base: defaultdict[int, Decimal] = defaultdict(Decimal)
    day = start
    while day + timedelta(days=_PERIOD) <= end:
        later = day + timedelta(days=_PERIOD)
        for invoice in invoices:
            if invoice.currency != currency:
                continue
            now = owed(invoice, day)  # type: ignore[operator]
            if now <= 0:
                continue
            k = _bucket((day - invoice.due_date).days)
            if k + 1 >= len(BUCKETS):
                continue
            base[k] += now
            then = owed(invoice, later)  # type: ignore[operator]
            if then > 0 and _bucket((later - invoice.due_date).days) == k + 1:
                moved[k] += then
        day = later
    return {
        f"{BUCKETS[k][0]}->{BUCKETS[k + 1][0]}": _ratio(moved[k], base[k])
        for k in range(len(BUCKETS) - 1)
    }


def _max_in_window(result: SimulationResult) -> int:
    per_customer: defaultdict[str, list[date]] = defaultdict(list)
    for message in result.messages:
        per_customer[message.customer_id].append(message.day)
    most = 0
    for days in per_customer.values():
        first = 0
        for last, day in enumerate(days):
            while (day - days[first]).days >= _PERIOD:
                first += 1
            most = max(most, last - first + 1)
    return most
