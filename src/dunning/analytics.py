"""Receivables at a glance: the aging report (cartera por edades), DSO, CEI and customer risk.

`aging` sorts what each customer owes on a date into buckets of days overdue (by default
current, 1-30, 31-60, 61-90 and over 90 days), per customer and in total, always per currency:
amounts in different currencies are never added together. Paid and void invoices are left
out, and balances are those of the date: payments, credit notes and charges dated after it
are not counted, and invoices issued after it are not there yet.

>>> from datetime import date, timedelta
>>> from dunning.invoices import Invoice
>>> invoices = [
...     Invoice(id="A", customer_id="C1", currency="COP", total="500000",
...             issue_date=date(2026, 9, 1), due_date=date(2026, 10, 1)),
...     Invoice(id="B", customer_id="C1", currency="COP", total="250000",
...             issue_date=date(2026, 11, 1), due_date=date(2026, 12, 1)),
... ]
>>> report = aging(invoices, date(2026, 11, 20))
>>> [(line.customer_id, [str(a.amount) for a in line.amounts]) for line in report.lines]
[('C1', ['250000', '0', '500000', '0', '0'])]
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from pydantic import Field, field_validator
from pydantic_core import PydanticCustomError

from dunning._model import Model
from dunning.invoices import Invoice, InvoiceStatus
from dunning.money import Money

__all__ = [
    "DEFAULT_BUCKETS",
    "AgingBucket",
    "AgingLine",
    "AgingReport",
    "CollectionFigures",
    "RiskScore",
    "aging",
    "balance_on",
    "collection_figures",
    "risk_scores",
]


class AgingBucket(Model):
    """A range of days overdue, both ends included; None leaves an end open.

    Days overdue are negative before the due date and 0 on it, so "current" (not yet late)
    is ``AgingBucket(label="current", min_days=None, max_days=0)``.

    >>> AgingBucket(label="1-30", min_days=1, max_days=30).holds(30)
    True
    """

    label: str = Field(min_length=1)
    min_days: int | None = Field(description="Fewest days overdue; None: no lower end.")
    max_days: int | None = Field(description="Most days overdue; None: no upper end.")

    def holds(self, days: int) -> bool:
        """Whether an invoice `days` overdue falls in this bucket."""
        return (self.min_days is None or days >= self.min_days) and (
            self.max_days is None or days <= self.max_days
        )


#: Current (not yet overdue, or due today), 1-30, 31-60, 61-90 and over 90 days overdue.
DEFAULT_BUCKETS: tuple[AgingBucket, ...] = (
    AgingBucket(label="current", min_days=None, max_days=0),
    AgingBucket(label="1-30", min_days=1, max_days=30),
    AgingBucket(label="31-60", min_days=31, max_days=60),
    AgingBucket(label="61-90", min_days=61, max_days=90),
    AgingBucket(label="over 90", min_days=91, max_days=None),
)


def _bucket_error(index: int, rule: str, **values: object) -> PydanticCustomError:
    return PydanticCustomError(
        "dunning.aging_buckets", "buckets[{index}] " + rule, {"index": index, **values}
    )


def _check_buckets(buckets: tuple[AgingBucket, ...]) -> tuple[AgingBucket, ...]:
    """Check that `buckets` cover every number of days once, in order, without gaps.

    The first bucket is open below, the last open above, and each starts the day after the
    previous one ends.

    Raises:
        pydantic_core.PydanticCustomError: ``dunning.aging_buckets`` naming the bucket.
    """
    if not buckets:
        raise PydanticCustomError(
            "dunning.aging_buckets", "buckets is empty; give at least one bucket"
        )
    labels: set[str] = set()
    last = len(buckets) - 1
    for index, bucket in enumerate(buckets):
        if bucket.label in labels:
            raise _bucket_error(index, "label {label} is used twice", label=repr(bucket.label))
        labels.add(bucket.label)
        if index == 0 and bucket.min_days is not None:
            raise _bucket_error(
                index,
                "min_days is {value}; the first bucket must be open below (None) so that "
                "every invoice falls in a bucket",
                value=bucket.min_days,
            )
        if index == last and bucket.max_days is not None:
            raise _bucket_error(
                index,
                "max_days is {value}; the last bucket must be open above (None) so that "
                "every invoice falls in a bucket",
                value=bucket.max_days,
            )
        if index < last and bucket.max_days is None:
            raise _bucket_error(index, "max_days is None; only the last bucket is open above")
        if index and bucket.min_days is None:
            raise _bucket_error(index, "min_days is None; only the first bucket is open below")
        low, high = bucket.min_days, bucket.max_days
        if low is not None and high is not None and high < low:
            raise _bucket_error(
                index, "max_days {high} is below min_days {low}", high=high, low=low
            )
        previous = buckets[index - 1].max_days if index else None
        if previous is not None and low != previous + 1:
            raise _bucket_error(
                index,
                "min_days is {value} but buckets[{before}] ends at {previous}; buckets "
                "must be contiguous (min_days {expected})",
                value=bucket.min_days,
                before=index - 1,
                previous=previous,
                expected=previous + 1,
            )
    return buckets


class AgingLine(Model):
    """What one customer (or, with ``customer_id=None``, everyone) owes in one currency.

    `amounts` and `counts` follow the report's buckets.
    """

    customer_id: str | None = Field(description="None for the total of the currency.")
    currency: str
    amounts: tuple[Money, ...]
    counts: tuple[int, ...]
    total: Money
    count: int


class AgingReport(Model):
    """Balances by bucket of days overdue, per customer and per currency.

    `lines` are sorted by currency, then customer; `totals` hold one line per currency.
    """

    as_of: date
    buckets: tuple[AgingBucket, ...]
    lines: tuple[AgingLine, ...] = ()
    totals: tuple[AgingLine, ...] = ()

    _buckets = field_validator("buckets")(_check_buckets)

    @property
    def currencies(self) -> tuple[str, ...]:
        """The currencies of the report, sorted."""
        return tuple(line.currency for line in self.totals)

    def total(self, currency: str) -> AgingLine:
        """The total line of `currency`.

        Raises:
            KeyError: when nothing is owed in `currency`.
        """
        for line in self.totals:
            if line.currency == currency:
                return line
        raise KeyError(currency)

    def for_customer(self, customer_id: str) -> tuple[AgingLine, ...]:
        """The lines of one customer, one per currency it owes in."""
        return tuple(line for line in self.lines if line.customer_id == customer_id)

    def to_rows(self, *, totals: bool = True) -> tuple[tuple[str, ...], ...]:
        """The report as rows of text: a header, then the customer lines and totals.

        Each currency's customer lines are followed by its total (customer ``TOTAL``) when
        `totals` is true. Amounts are plain decimals in the currency's minor unit.
        """
        header = ("customer", "currency", *(b.label for b in self.buckets), "total", "invoices")
        rows: list[tuple[str, ...]] = [header]
        for currency in self.currencies:
            lines = [line for line in self.lines if line.currency == currency]
            if totals:
                lines.append(self.total(currency))
            rows.extend(
                (
                    line.customer_id or "TOTAL",
                    currency,
                    *(str(amount.amount) for amount in line.amounts),
                    str(line.total.amount),
                    str(line.count),
                )
                for line in lines
            )
        return tuple(rows)

    def to_frame(self) -> Any:
        """The report as a pandas DataFrame (extra ``notebook``): one row per line and currency.

        Amounts are floats for plotting and arithmetic in pandas; the report keeps the exact
        Decimals.
        """
        pandas = _optional("pandas")
        labels = [bucket.label for bucket in self.buckets]
        return pandas.DataFrame(
            [
                {
                    "customer": line.customer_id or "TOTAL",
                    "currency": line.currency,
                    **{
                        label: float(a.amount)
                        for label, a in zip(labels, line.amounts, strict=True)
                    },
                    "total": float(line.total.amount),
                    "invoices": line.count,
                }
                for line in (*self.lines, *self.totals)
            ]
        )

    def plot(self, currency: str) -> Any:
        """A bar chart of the total per bucket in `currency` (extra ``notebook``; a Figure)."""
        pyplot = _optional("matplotlib.pyplot")
        line = self.total(currency)
        figure, axes = pyplot.subplots(figsize=(7, 3.5))
        axes.bar([b.label for b in self.buckets], [float(a.amount) for a in line.amounts])
        axes.set_title(f"Receivables by age on {self.as_of} ({currency})")
        axes.set_ylabel(currency)
        return figure

    def to_text(self, *, totals_only: bool = False) -> str:
        """The report as an aligned text table (only the currency totals if `totals_only`)."""
        rows = self.to_rows()
        if totals_only:
            rows = (rows[0], *(row for row in rows[1:] if row[0] == "TOTAL"))
        widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
        lines = []
        for number, row in enumerate(rows):
            cells = [
                cell.ljust(width) if column < 2 else cell.rjust(width)
                for column, (cell, width) in enumerate(zip(row, widths, strict=True))
            ]
            lines.append("  ".join(cells).rstrip())
            if number == 0:
                lines.append("  ".join("-" * width for width in widths))
        return "\n".join(lines)


def balance_on(invoice: Invoice, as_of: date) -> Money:
    """What `invoice` owed at the end of `as_of`: only items dated on or before it count.

    >>> from dunning.invoices import Payment
    >>> invoice = Invoice(id="A", customer_id="C", currency="USD", total="100.00",
    ...                   issue_date=date(2026, 1, 1), due_date=date(2026, 1, 31),
    ...                   payments=[Payment(id="P", date=date(2026, 2, 5), amount=Money("40.00", "USD"))])
    >>> str(balance_on(invoice, date(2026, 2, 4))), str(balance_on(invoice, date(2026, 2, 5)))
    ('100.00 USD', '60.00 USD')
    """  # noqa: E501 -- a doctest line builds a whole payment
    net = invoice.total.amount
    net += sum((c.amount.amount for c in invoice.charges if c.date <= as_of), Decimal(0))
    net -= sum((p.amount.amount for p in invoice.payments if p.date <= as_of), Decimal(0))
    net -= sum((n.amount.amount for n in invoice.credit_notes if n.date <= as_of), Decimal(0))
    return Money(max(net, Decimal(0)), invoice.currency)


def aging(
    invoices: Iterable[Invoice],
    as_of: date,
    buckets: Iterable[AgingBucket] = DEFAULT_BUCKETS,
) -> AgingReport:
    """Age the open balances of `invoices` on `as_of`, per customer and currency.

    Args:
        invoices: the invoices; paid and void ones, those issued after `as_of` and those
            with nothing owed on `as_of` are left out.
        as_of: the date of the report; an invoice is ``(as_of - due_date).days`` overdue.
        buckets: contiguous buckets, the first open below and the last open above.

    Returns:
        The `AgingReport`; amounts in different currencies are never added together.

    Raises:
        pydantic.ValidationError: when the buckets leave a gap, overlap or leave an end
            closed; the error names the bucket (``buckets[2]``).
    """
    chosen = AgingReport(as_of=as_of, buckets=tuple(buckets)).buckets
    size = len(chosen)
    amounts: dict[tuple[str, str], list[Decimal]] = {}
    counts: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0] * size)
    for invoice in invoices:
        if invoice.status is not InvoiceStatus.OPEN or invoice.issue_date > as_of:
            continue
        balance = balance_on(invoice, as_of)
        if not balance.is_positive:
            continue
        days = (as_of - invoice.due_date).days
        slot = next(i for i, bucket in enumerate(chosen) if bucket.holds(days))
        key = (invoice.currency, invoice.customer_id)
        if key not in amounts:
            # Start from zero in the minor unit, so that an empty bucket reads 0.00 in USD.
            amounts[key] = [Money.zero(invoice.currency).quantize().amount] * size
        amounts[key][slot] += balance.amount
        counts[key][slot] += 1
    lines = [
        _line(customer, currency, amounts[(currency, customer)], counts[(currency, customer)])
        for currency, customer in sorted(amounts)
    ]
    totals = []
    for currency in sorted({currency for currency, _ in amounts}):
        mine = [line for line in lines if line.currency == currency]
        totals.append(
            _line(
                None,
                currency,
                [
                    sum((line.amounts[i].amount for line in mine[1:]), mine[0].amounts[i].amount)
                    for i in range(size)
                ],
                [sum(line.counts[i] for line in mine) for i in range(size)],
            )
        )
    return AgingReport(as_of=as_of, buckets=chosen, lines=tuple(lines), totals=tuple(totals))


def _line(
    customer_id: str | None, currency: str, amounts: list[Decimal], counts: list[int]
) -> AgingLine:
    money = tuple(Money(amount, currency) for amount in amounts)
    return AgingLine(
        customer_id=customer_id,
        currency=currency,
        amounts=money,
        counts=tuple(counts),
        total=Money.sum(money, currency),
        count=sum(counts),
    )


def _optional(module: str) -> Any:
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as error:  # pragma: no cover - depends on the environment
        from dunning.errors import missing_dependency

        raise missing_dependency(module.split(".")[0], "notebook") from error


# -- DSO and CEI --------------------------------------------------------------------------------

_PERIOD = 30


class CollectionFigures(Model):
    """DSO and CEI of one currency over a period (see `collection_figures` for definitions).

    Ratios are None where the period holds no sales.
    """

    currency: str
    start: date
    end: date
    sales: Money = Field(description="S: totals of the invoices issued in the period.")
    beginning: Money = Field(description="BR: receivables at the end of the day before start.")
    ending: Money = Field(description="ER: receivables at the end of the last day.")
    ending_current: Money = Field(description="ECR: the part of ER not yet due.")
    dso_standard: float | None
    dso_countback: float | None
    best_possible_dso: float | None
    average_days_beyond_terms: float | None
    cei: float | None


def collection_figures(
    invoices: Iterable[Invoice],
    start: date,
    end: date,
    *,
    closed: Mapping[str, date] | None = None,
) -> tuple[CollectionFigures, ...]:
    """DSO (standard and countback), best possible DSO, days beyond terms and CEI, per currency.

    With ``S`` the credit sales of the period (totals of the invoices issued in it), ``BR`` the
    receivables the day before it starts, ``ER`` those on its last day, ``ECR`` the part of
    ``ER`` not yet due, and ``D`` the days of the period: DSO standard is ``ER / S * D``; DSO
    countback matches ``ER`` against sales walking back from the last day in 30-day periods
    (whole periods count their days, the last one its share; None if the period's sales do
    not cover ``ER``); best possible DSO is ``ECR / S * D`` and days beyond terms DSO minus
    it; CEI is ``(BR + S - ER) / (BR + S - ECR) * 100``. Receivables are balances as
    `balance_on` gives them; an invoice in `closed` (id -> day written off) counts as nothing
    from that day on, and any other void invoice as nothing at all.

    >>> invoices = [
    ...     Invoice(id="A", customer_id="C", currency="COP", total="3000",
    ...             issue_date=date(2026, 1, 5), due_date=date(2026, 1, 20)),
    ...     Invoice(id="B", customer_id="C", currency="COP", total="1000",
    ...             issue_date=date(2026, 1, 25), due_date=date(2026, 2, 24)),
    ... ]
    >>> (figures,) = collection_figures(invoices, date(2026, 1, 1), date(2026, 1, 31))
    >>> figures.dso_standard, figures.cei
    (31.0, 0.0)

    Raises:
        ValueError: when `end` is before `start`.
    """
    if end < start:
        raise ValueError(f"end {end} is before start {start}")
    closed = closed or {}
    days = (end - start).days + 1
    chosen = list(invoices)

    def owed(invoice: Invoice, on: date) -> Decimal:
        if invoice.issue_date > on:
            return Decimal(0)
        off = closed.get(invoice.id)
        if off is not None:
            if on >= off:
                return Decimal(0)
        elif invoice.status is InvoiceStatus.VOID:
            return Decimal(0)
        return balance_on(invoice, on).amount

    figures = []
    for currency in sorted({i.currency for i in chosen}):
        # A voided invoice was never a sale; one written off (in `closed`) was.
        mine = [
            i
            for i in chosen
            if i.currency == currency and (i.status is not InvoiceStatus.VOID or i.id in closed)
        ]
        sales = sum((i.total.amount for i in mine if start <= i.issue_date <= end), Decimal(0))
        begin = sum((owed(i, start - timedelta(days=1)) for i in mine), Decimal(0))
        ending = sum((owed(i, end) for i in mine), Decimal(0))
        current = sum((owed(i, end) for i in mine if i.due_date >= end), Decimal(0))
        dso = _ratio(ending * days, sales)
        best = _ratio(current * days, sales)
        figures.append(
            CollectionFigures(
                currency=currency,
                start=start,
                end=end,
                sales=Money(sales, currency),
                beginning=Money(begin, currency),
                ending=Money(ending, currency),
                ending_current=Money(current, currency),
                dso_standard=dso,
                dso_countback=_countback(mine, ending, start, end),
                best_possible_dso=best,
                average_days_beyond_terms=(
                    None if dso is None or best is None else round(dso - best, 6)
                ),
                cei=_ratio((begin + sales - ending) * 100, begin + sales - current),
            )
        )
    return tuple(figures)


def _ratio(numerator: Decimal, denominator: Decimal) -> float | None:
    if denominator == 0:
        return None
    return round(float(numerator / denominator), 6)


def _countback(invoices: list[Invoice], ending: Decimal, start: date, end: date) -> float | None:
    if ending == 0:
        return 0.0
    left, counted, period_end = ending, 0.0, end
    while period_end >= start:
        period_start = max(start, period_end - timedelta(days=_PERIOD - 1))
        length = (period_end - period_start).days + 1
        sales = sum(
            (i.total.amount for i in invoices if period_start <= i.issue_date <= period_end),
            Decimal(0),
        )
        if sales >= left and sales > 0:
            share: float = counted + length * float(left / sales)
            return round(share, 6)
        left -= sales
        counted += length
        period_end = period_start - timedelta(days=1)
    return None


# -- risk ---------------------------------------------------------------------------------------


class RiskScore(Model):
    """How risky a customer is to collect from, 0 (no sign of risk) to 100, with its reasons.

    The score adds, each capped: up to 40 points for the average days late of the invoices it
    settled (a point per day), up to 30 for the share of its settled invoices paid late, up to
    20 for broken promises to pay (10 each), and up to 10 for the share of what it owes now that
    is overdue. `reasons` say which figures made the score, largest first.
    """

    customer_id: str
    score: int = Field(ge=0, le=100)
    average_days_late: float | None
    share_paid_late: float | None
    broken_promises: int
    overdue_share: float | None
    reasons: tuple[str, ...]


def risk_scores(
    invoices: Iterable[Invoice],
    as_of: date,
    *,
    broken_promises: Mapping[str, int] | None = None,
) -> tuple[RiskScore, ...]:
    """Score every customer of `invoices` on its payment history up to `as_of`, riskiest first.

    An invoice is settled on the day its payments and credit notes first cover what it owes;
    it was late by the days from its due date to then. `broken_promises` counts, per customer,
    the promises to pay the host saw broken (the invoices only hold the current one).

    >>> invoices = [
    ...     Invoice(id="A", customer_id="C", currency="USD", total="10.00",
    ...             issue_date=date(2026, 1, 1), due_date=date(2026, 1, 31),
    ...             payments=[{"id": "P", "date": date(2026, 2, 20),
    ...                        "amount": {"amount": "10.00", "currency": "USD"}}]),
    ... ]
    >>> (risk,) = risk_scores(invoices, date(2026, 3, 1), broken_promises={"C": 1})
    >>> risk.score, risk.average_days_late, risk.reasons[0]
    (60, 20.0, 'paid 100% of settled invoices late (30 points)')
    """
    promises = broken_promises or {}
    late_days: defaultdict[str, list[int]] = defaultdict(list)
    owed: defaultdict[str, Decimal] = defaultdict(Decimal)
    overdue: defaultdict[str, Decimal] = defaultdict(Decimal)
    customers: set[str] = set(promises)
    for invoice in invoices:
        if invoice.issue_date > as_of or invoice.status is InvoiceStatus.VOID:
            continue
        customers.add(invoice.customer_id)
        settled = _settled_on(invoice, as_of)
        if settled is not None:
            late_days[invoice.customer_id].append(max((settled - invoice.due_date).days, 0))
            continue
        # Amounts in several currencies are compared as shares, never added across currencies.
        balance = balance_on(invoice, as_of).amount
        share = balance / (invoice.total.amount or 1)
        owed[invoice.customer_id] += share
        if invoice.due_date < as_of:
            overdue[invoice.customer_id] += share
    scores = []
    for customer in sorted(customers):
        lates = late_days.get(customer, [])
        average = round(sum(lates) / len(lates), 2) if lates else None
        late_share = round(sum(1 for d in lates if d > 0) / len(lates), 4) if lates else None
        over_share = round(float(overdue[customer] / owed[customer]), 4) if owed[customer] else None
        broken = promises.get(customer, 0)
        parts = [
            (min(40.0, average or 0.0), f"{average} days late on average (settled invoices)"),
            (30.0 * (late_share or 0.0), f"paid {late_share:.0%} of settled invoices late"
             if late_share is not None else ""),
            (min(20.0, 10.0 * broken), f"{broken} broken promise(s) to pay"),
            (10.0 * (over_share or 0.0), f"{over_share:.0%} of what is owed is overdue"
             if over_share is not None else ""),
        ]  # fmt: skip
        score = min(100, round(sum(points for points, _ in parts)))
        reasons = tuple(
            f"{text} ({round(points)} points)"
            for points, text in sorted(parts, key=lambda part: -part[0])
            if points > 0
        )
        scores.append(
            RiskScore(
                customer_id=customer,
                score=score,
                average_days_late=average,
                share_paid_late=late_share,
                broken_promises=broken,
                overdue_share=over_share,
                reasons=reasons,
            )
        )
    return tuple(sorted(scores, key=lambda r: (-r.score, r.customer_id)))


def _settled_on(invoice: Invoice, as_of: date) -> date | None:
    owed = invoice.total.amount
    covered = Decimal(0)
    events = sorted(
        [(p.date, p.amount.amount) for p in invoice.payments if p.date <= as_of]
        + [(n.date, n.amount.amount) for n in invoice.credit_notes if n.date <= as_of]
    )
    for day, amount in events:
        covered += amount
        if covered >= owed:
            return day
    return None
