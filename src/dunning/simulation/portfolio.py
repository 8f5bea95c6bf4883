"""Portfolios to simulate: generated from a seed with the knobs an analyst needs, or real data.

`generate_portfolio(PortfolioSpec(...))` draws customers and invoices from one seed, so the same
spec gives the same portfolio on every machine. `Portfolio.from_records` and
`Portfolio.from_files` take real data (the CLI's readers); rows that fail validation are kept
in `Portfolio.rejected` with their reason and counted in every simulation result, never
silently dropped.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError, model_validator

from dunning._model import Model
from dunning.invoices import Channel, Contact, Customer, Invoice
from dunning.money import Money, minor_unit

__all__ = [
    "DEFAULT_SEGMENTS",
    "TYPICAL_AMOUNTS",
    "Portfolio",
    "PortfolioSpec",
    "RejectedRow",
    "SegmentSpec",
    "generate_portfolio",
]

#: A typical consumer invoice per currency, in major units (the median of the amounts drawn
#: for a segment with ``amount_scale=1``).
TYPICAL_AMOUNTS: Mapping[str, Decimal] = {
    "COP": Decimal(120_000),
    "CLP": Decimal(35_000),
    "MXN": Decimal(850),
    "BRL": Decimal(180),
    "USD": Decimal(45),
    "EUR": Decimal(40),
}

#: Currency -> (locale, time zone, phone prefix) for generated customers.
_COUNTRIES: Mapping[str, tuple[str, str, str]] = {
    "COP": ("es_CO", "America/Bogota", "+57"),
    "CLP": ("es_CL", "America/Santiago", "+56"),
    "MXN": ("es_MX", "America/Mexico_City", "+52"),
    "BRL": ("pt_BR", "America/Sao_Paulo", "+55"),
    "USD": ("en_US", "America/New_York", "+1"),
    "EUR": ("es_ES", "Europe/Madrid", "+34"),
}


class SegmentSpec(Model):
    """One kind of customer in a generated portfolio.

    >>> SegmentSpec(name="smb", weight=0.3, amount_scale=8).amount_scale
    8.0
    """

    name: str = Field(min_length=1)
    weight: float = Field(gt=0, description="Relative share of customers in this segment.")
    amount_scale: float = Field(
        default=1.0, gt=0, description="Median invoice as a multiple of the typical amount."
    )
    amount_spread: float = Field(
        default=0.8, ge=0, le=3, description="Sigma of the log-normal amounts."
    )
    net_days: tuple[int, ...] = Field(
        default=(30,), min_length=1, description="Payment terms drawn uniformly (net days)."
    )
    channels: tuple[Channel, ...] = Field(
        default=(Channel.WHATSAPP, Channel.SMS, Channel.EMAIL),
        min_length=1,
        description="Contacts every customer of the segment has, in order of preference.",
    )

    @model_validator(mode="after")
    def _terms(self) -> SegmentSpec:
        if any(days < 0 or days > 365 for days in self.net_days):
            raise ValueError(f"net_days must be between 0 and 365, got {self.net_days}")
        return self


#: Consumers, small businesses and enterprises, as a Latin American SMB portfolio has them.
DEFAULT_SEGMENTS: tuple[SegmentSpec, ...] = (
    SegmentSpec(name="consumer", weight=0.7, amount_scale=1, net_days=(15, 30)),
    SegmentSpec(name="smb", weight=0.25, amount_scale=8, net_days=(30, 45)),
    SegmentSpec(
        name="enterprise",
        weight=0.05,
        amount_scale=60,
        net_days=(30, 60, 90),
        channels=(Channel.EMAIL, Channel.PHONE),
    ),
)


class PortfolioSpec(Model):
    """The knobs of a generated portfolio.

    Invoices are issued uniformly over ``period_days`` from ``start``; each customer has between
    ``invoices_per_customer[0]`` and ``invoices_per_customer[1]`` of them, in one currency
    drawn from ``currencies``.

    >>> spec = PortfolioSpec(customers=10, start=date(2026, 1, 1), currencies=("COP",))
    >>> spec.period_days
    60
    """

    customers: int = Field(ge=1, le=10_000_000)
    invoices_per_customer: tuple[int, int] = (1, 3)
    start: date
    period_days: int = Field(default=60, ge=1, le=3660)
    currencies: tuple[str, ...] = Field(default=("COP",), min_length=1)
    segments: tuple[SegmentSpec, ...] = Field(default=DEFAULT_SEGMENTS, min_length=1)
    seed: int = 0

    @model_validator(mode="after")
    def _check(self) -> PortfolioSpec:
        low, high = self.invoices_per_customer
        if not 1 <= low <= high <= 1000:
            raise ValueError(
                f"invoices_per_customer must be (low, high) with 1 <= low <= high <= 1000,"
                f" got {self.invoices_per_customer}"
            )
        unknown = [c for c in self.currencies if c not in TYPICAL_AMOUNTS]
        if unknown:
            raise ValueError(
                f"currencies {unknown} have no typical amount; use one of {sorted(TYPICAL_AMOUNTS)}"
            )
        names = [s.name for s in self.segments]
        if len(set(names)) != len(names):
            raise ValueError(f"segment names must be unique, got {names}")
        return self


class RejectedRow(Model):
    """A row of real data that failed validation, with where and why."""

    what: str = Field(description="'invoice' or 'customer'.")
    id: str | None = None
    error: str


class Portfolio(Model):
    """Customers and their invoices, ready to simulate.

    >>> p = generate_portfolio(PortfolioSpec(customers=3, start=date(2026, 1, 1), seed=1))
    >>> len(p.customers), p.segments()
    (3, ('consumer',))
    """

    customers: tuple[Customer, ...]
    invoices: tuple[Invoice, ...]
    rejected: tuple[RejectedRow, ...] = ()

    @model_validator(mode="after")
    def _known_customers(self) -> Portfolio:
        ids = {c.id for c in self.customers}
        if len(ids) != len(self.customers):
            raise ValueError("customer ids must be unique")
        missing = sorted({i.customer_id for i in self.invoices} - ids)
        if missing:
            raise ValueError(f"invoices refer to unknown customers: {missing[:5]}")
        invoice_ids = [i.id for i in self.invoices]
        if len(set(invoice_ids)) != len(invoice_ids):
            raise ValueError("invoice ids must be unique")
        return self

    def segments(self) -> tuple[str, ...]:
        """The segments of the customers, sorted (customers without one count as 'default')."""
        return tuple(sorted({c.segment or "default" for c in self.customers}))

    def currencies(self) -> tuple[str, ...]:
        """The currencies of the invoices, sorted."""
        return tuple(sorted({i.currency for i in self.invoices}))

    @classmethod
    def from_records(
        cls,
        invoices: Iterable[Invoice | Mapping[str, Any]],
        customers: Iterable[Customer | Mapping[str, Any]],
    ) -> Portfolio:
        """Validate real rows; those that fail are kept in `rejected` with their error.

        Invoices of a rejected or missing customer are rejected too, naming the customer.
        """
        rejected: list[RejectedRow] = []
        kept_customers: list[Customer] = []
        for row in customers:
            try:
                kept_customers.append(
                    row if isinstance(row, Customer) else Customer.model_validate(row)
                )
            except ValidationError as error:
                rejected.append(RejectedRow(what="customer", id=_row_id(row), error=_short(error)))
        known = {c.id for c in kept_customers}
        kept_invoices: list[Invoice] = []
        for item in invoices:
            try:
                invoice = item if isinstance(item, Invoice) else Invoice.model_validate(item)
            except ValidationError as error:
                rejected.append(RejectedRow(what="invoice", id=_row_id(item), error=_short(error)))
                continue
            if invoice.customer_id not in known:
                rejected.append(
                    RejectedRow(
                        what="invoice",
                        id=invoice.id,
                        error=f"customer {invoice.customer_id!r} is missing or was rejected",
                    )
                )
                continue
            kept_invoices.append(invoice)
        return cls(
            customers=tuple(kept_customers), invoices=tuple(kept_invoices), rejected=tuple(rejected)
        )

    @classmethod
    def from_files(cls, invoices: str | Path, customers: str | Path) -> Portfolio:
        """Read invoices and customers with the CLI's readers (CSV or JSON)."""
        from dunning.io import read_customers, read_invoices

        read_i = read_invoices(invoices)
        read_c = read_customers(customers)
        portfolio = cls.from_records(read_i.items, read_c.items)
        unread = [
            RejectedRow(what=what, id=None, error=str(error))
            for what, errors in (("invoice", read_i.errors), ("customer", read_c.errors))
            for error in errors
        ]
        return cls(
            customers=portfolio.customers,
            invoices=portfolio.invoices,
            rejected=(*unread, *portfolio.rejected),
        )


def _row_id(row: object) -> str | None:
    value = row.get("id") if isinstance(row, Mapping) else getattr(row, "id", None)
    return str(value)[:80] if value is not None else None


def _short(error: ValidationError) -> str:
    first = error.errors()[0]
    path = ".".join(str(p) for p in first["loc"]) or "(row)"
    return f"{path}: {first['msg']} ({error.error_count()} error(s))"


def generate_portfolio(spec: PortfolioSpec) -> Portfolio:
    """Draw a portfolio from `spec` (the same spec always gives the same portfolio).

    Amounts are log-normal around the segment's median, rounded to the currency's minor unit
    (CLP and COP to whole pesos); due dates follow the segment's net days.
    """
    rng = random.Random(spec.seed)
    weights = [s.weight for s in spec.segments]
    customers: list[Customer] = []
    invoices: list[Invoice] = []
    width = len(str(spec.customers))
    for n in range(spec.customers):
        segment = rng.choices(spec.segments, weights)[0]
        currency = spec.currencies[rng.randrange(len(spec.currencies))]
        locale, zone, prefix = _COUNTRIES[currency]
        cid = f"C{n + 1:0{width}d}"
        contacts = [
            Contact(channel=channel, address=_address(channel, cid, prefix, n))
            for channel in segment.channels
        ]
        customers.append(
            Customer(
                id=cid,
                name=f"Customer {n + 1}",
                locale=locale,
                time_zone=zone,
                contacts=contacts,
                preferred_channels=segment.channels,
                segment=segment.name,
            )
        )
        places = minor_unit(currency)
        median = TYPICAL_AMOUNTS[currency] * Decimal(str(segment.amount_scale))
        for k in range(rng.randint(*spec.invoices_per_customer)):
            issued = spec.start + timedelta(days=rng.randrange(spec.period_days))
            net = segment.net_days[rng.randrange(len(segment.net_days))]
            factor = Decimal(str(round(math.exp(rng.gauss(0, segment.amount_spread)), 6)))
            total = max(median * factor, Decimal(1)).quantize(Decimal(1).scaleb(-places))
            invoices.append(
                Invoice.trusted(
                    id=f"{cid}-{k + 1}",
                    customer_id=cid,
                    currency=currency,
                    issue_date=issued,
                    due_date=issued + timedelta(days=net),
                    total=Money(total, currency),
                )
            )
    return Portfolio(customers=tuple(customers), invoices=tuple(invoices))


def _address(channel: Channel, cid: str, prefix: str, n: int) -> str:
    if channel is Channel.EMAIL:
        return f"{cid.lower()}@example.com"
    if channel is Channel.POSTAL:
        return f"Calle {n + 1}"
    return f"{prefix}300{n:07d}"
