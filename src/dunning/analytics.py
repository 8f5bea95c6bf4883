"""Receivables at a glance: the aging report (cartera por edades).

`aging` sorts what each customer owes on a date into buckets of days overdue (by default
current, 1-30, 31-60, 61-90 and over 90 days), per customer and in total, always per currency:
amounts in different currencies are never added together. Paid and void invoices are left
out, and balances are those of the date: payments, credit notes and charges dated after it
are not counted, and invoices issued after it are not there yet.

>>> from datetime import date
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
from collections.abc import Iterable
from datetime import date
from decimal import Decimal

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
    "aging",
    "balance_on",
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
