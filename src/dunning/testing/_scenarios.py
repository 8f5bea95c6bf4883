"""Generated portfolios with their future: payments, credit notes, disputes, promises, plans.

A `Scenario` is what `check_policy` runs a policy over: customers, their invoices as issued,
and what happens to each invoice on which day. `Scenario.invoices_on(day)` gives the
invoices as a host would know them that day (only the payments and credit notes dated up to
it, disputed from the day the dispute is opened, ...).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import strategies as st
from pydantic import BaseModel

from dunning.errors import DunningError
from dunning.invoices import Channel, Contact, CreditNote, Customer, Invoice, Payment
from dunning.money import Money, minor_unit
from dunning.plans import InstallmentPlan, PlanTerms, build_plan
from dunning.policy.model import Policy, PolicySet

__all__ = [
    "InvoiceStory",
    "Scenario",
    "invoice_stories",
    "mentioned_currencies",
    "scenarios",
]

#: Locales and time zones of the customers the library's users bill, the first one simplest.
_PLACES = (
    ("en_US", "UTC"),
    ("es_CO", "America/Bogota"),
    ("es_CL", "America/Santiago"),
    ("es_MX", "America/Mexico_City"),
    ("pt_BR", "America/Sao_Paulo"),
    ("en_GB", "Europe/London"),
)
_CHANNELS = (Channel.EMAIL, Channel.SMS, Channel.WHATSAPP)
#: One chance in four, shrinking towards False: most invoices have no dispute, no promise,
#: no plan, and most customers may be contacted, so that the policy's cadence shows.
_SOMETIMES = st.sampled_from((False, False, False, True))


@dataclass(frozen=True)
class InvoiceStory:
    """An invoice as issued, and what happens to it later.

    Attributes:
        invoice: the invoice on its issue date: no payments, not disputed.
        payments: payments, each on its own date.
        credit_notes: credit notes, each on its own date.
        disputed_on: the day the customer disputes it, or None.
        promise: ``(made_on, until)``: the day the customer promises to pay, and by when.
        plan: ``(start, installments, paid)``: an installment plan agreed on `start` for
            the balance then, of `installments` installments of which the first `paid` are
            paid on their due dates.
    """

    invoice: Invoice
    payments: tuple[Payment, ...] = ()
    credit_notes: tuple[CreditNote, ...] = ()
    disputed_on: date | None = None
    promise: tuple[date, date] | None = None
    plan: tuple[date, int, int] | None = None

    def on(self, day: date) -> Invoice:
        """The invoice as known on `day`."""
        invoice = self.invoice
        promise = self.promise
        return Invoice.trusted(
            id=invoice.id,
            customer_id=invoice.customer_id,
            currency=invoice.currency,
            issue_date=invoice.issue_date,
            due_date=invoice.due_date,
            total=invoice.total,
            payments=tuple(p for p in self.payments if p.date <= day),
            credit_notes=tuple(c for c in self.credit_notes if c.date <= day),
            disputed=self.disputed_on is not None and self.disputed_on <= day,
            promise_to_pay=promise[1] if promise is not None and promise[0] <= day else None,
        )

    def changes(self) -> tuple[date, ...]:
        """The days on which the invoice as known changes."""
        days = {p.date for p in self.payments} | {c.date for c in self.credit_notes}
        if self.disputed_on is not None:
            days.add(self.disputed_on)
        if self.promise is not None:
            days.add(self.promise[0])
        return tuple(sorted(days))

    def build_plan(self) -> InstallmentPlan | None:
        """The installment plan, built on its start day; None when there is nothing owed."""
        if self.plan is None:
            return None
        start, count, paid = self.plan
        try:
            plan = build_plan(
                [self.on(start)],
                PlanTerms(installments=count),
                id=f"{self.invoice.id}-plan",
                start_date=start,
            )
        except DunningError:
            return None
        payments = tuple(
            Payment(id=f"{plan.id}-{row.sequence}", date=row.due_date, amount=row.amount)
            for row in plan.installments[:paid]
            if row.amount.amount > 0
        )
        return plan.evolve(payments=payments) if payments else plan

    def describe(self) -> str:
        """The invoice and its events, in one line."""
        invoice = self.invoice
        parts = [
            f"invoice {invoice.id}: {invoice.total}, issued {invoice.issue_date}, "
            f"due {invoice.due_date}"
        ]
        parts.extend(f"paid {p.amount} on {p.date}" for p in self.payments)
        parts.extend(f"credit note {c.amount} on {c.date}" for c in self.credit_notes)
        if self.disputed_on is not None:
            parts.append(f"disputed from {self.disputed_on}")
        if self.promise is not None:
            parts.append(f"promise made on {self.promise[0]} to pay by {self.promise[1]}")
        if self.plan is not None:
            start, count, paid = self.plan
            parts.append(f"plan of {count} installments agreed on {start}, {paid} paid")
        return "; ".join(parts)


@dataclass(frozen=True)
class Scenario:
    """Customers and the stories of their invoices over `days` days from `start`."""

    start: date
    days: int
    customers: tuple[Customer, ...]
    stories: tuple[InvoiceStory, ...]

    @property
    def last(self) -> date:
        """The last simulated day."""
        return self.start + timedelta(days=self.days - 1)

    def dates(self) -> Iterator[date]:
        """Every simulated day, in order."""
        day = self.start
        for _ in range(self.days):
            yield day
            day += timedelta(days=1)

    def describe(self) -> str:
        """The scenario in readable lines: each customer, then each of its invoices."""
        lines = [f"portfolio over {self.days} days from {self.start}:"]
        for customer in self.customers:
            channels = ", ".join(c.channel.value for c in customer.contacts) or "no contact"
            extra = []
            if customer.segment is not None:
                extra.append(f"segment {customer.segment}")
            if customer.do_not_contact:
                extra.append("do not contact")
            lines.append(
                f"  customer {customer.id} ({customer.locale}, {customer.time_zone}; "
                + "; ".join([channels, *extra])
                + ")"
            )
            lines.extend(
                f"    {story.describe()}"
                for story in self.stories
                if story.invoice.customer_id == customer.id
            )
        return "\n".join(lines)


def mentioned_currencies(policy: Policy | PolicySet) -> tuple[str, ...]:
    """The currencies in which `policy` states an amount (fees, minimums, caps), sorted."""
    found: set[str] = set()

    def walk(value: object) -> None:
        if isinstance(value, Money):
            found.add(value.currency)
        elif isinstance(value, BaseModel):
            for name in type(value).model_fields:
                walk(getattr(value, name))
        elif isinstance(value, tuple | list):
            for item in value:
                walk(item)

    walk(policy)
    return tuple(sorted(found))


def _segments(policy: Policy | PolicySet) -> tuple[str | None, ...]:
    if isinstance(policy, Policy):
        return (None,)
    return (None, *sorted({s for rule in policy.rules for s in rule.segments}))


#: Every set of contact channels, in every order of preference, the empty one first; one
#: draw instead of a list and a permutation keeps generation cheap.
_CONTACTS = tuple(
    order for size in range(len(_CHANNELS) + 1) for order in itertools.permutations(_CHANNELS, size)
)


@st.composite
def _customers(draw: st.DrawFn, customer_id: str, segments: Sequence[str | None]) -> Customer:
    channels = draw(st.sampled_from(_CONTACTS))
    locale, zone = draw(st.sampled_from(_PLACES))
    return Customer(
        id=customer_id,
        name=f"Customer {customer_id}",
        locale=locale,
        time_zone=zone,
        contacts=[Contact(channel=ch, address=f"{customer_id}-{ch.value}") for ch in channels],
        preferred_channels=channels,
        do_not_contact=draw(_SOMETIMES),
        segment=draw(st.sampled_from(tuple(segments))) if len(segments) > 1 else segments[0],
    )


def _amount(units: int, currency: str) -> Money:
    return Money(Decimal(units).scaleb(-minor_unit(currency)), currency)


@st.composite
def invoice_stories(
    draw: st.DrawFn,
    customer_id: str = "C0",
    invoice_id: str = "I0",
    currencies: Sequence[str] = ("USD",),
    start: date = date(2026, 1, 5),
    days: int = 90,
) -> InvoiceStory:
    """`InvoiceStory`s: an invoice, and what happens to it over `days` days from `start`.

    It is issued in the first third of the run and due 0 to 30 days later; its total is 1 to
    1,000,000 whole units of one of `currencies`. Then up to two payments (each 1 to 100 % of
    the total, from 5 days before to 90 days after the due date), a credit note, a dispute, a
    promise to pay (for 1 to 30 days) and an installment plan (2 to 6 installments, some
    paid), each one time in four, on days within the run where the run is long enough.
    Shrinks towards an invoice of one unit of the first currency, issued and due on `start`,
    to which nothing happens.
    """
    currency = draw(st.sampled_from(tuple(currencies)))
    scale = 10 ** minor_unit(currency)
    # Totals from 1 to 1,000,000 whole units, 0 decimals for COP and CLP: about a dollar up.
    units = draw(st.integers(1, 10**6)) * scale
    total = _amount(units, currency)
    # Issued in the first third of the run, so that most invoices live long enough to
    # reach the later steps and stages.
    issue = start + timedelta(days=draw(st.integers(0, days // 3)))
    due = issue + timedelta(days=draw(st.integers(0, 30)))

    # Events fall within the run where they can: a short run gets its events early.
    left = (start + timedelta(days=days - 1) - due).days

    def day_after_due(low: int, high: int) -> date:
        return due + timedelta(days=draw(st.integers(low, max(low, min(high, left)))))

    payments = []
    for number in range(draw(st.sampled_from((0, 0, 1, 2)))):
        share = draw(st.integers(1, 100))
        amount = units * share // 100
        if amount > 0:
            payments.append(
                Payment(
                    id=f"{invoice_id}-P{number}",
                    date=max(issue, day_after_due(-5, 90)),
                    amount=_amount(amount, currency),
                )
            )
    credit_notes = []
    if draw(_SOMETIMES):
        amount = units * draw(st.integers(1, 50)) // 100
        if amount > 0:
            credit_notes.append(
                CreditNote(
                    id=f"{invoice_id}-CN",
                    date=max(issue, day_after_due(-5, 60)),
                    amount=_amount(amount, currency),
                )
            )
    disputed_on = None
    if draw(_SOMETIMES):
        disputed_on = max(issue, day_after_due(-5, 60))
    promise = None
    if draw(_SOMETIMES):
        made = max(issue, day_after_due(-3, 60))
        promise = (made, made + timedelta(days=draw(st.integers(1, 30))))
    plan = None
    if draw(_SOMETIMES):
        plan_start = day_after_due(1, 60)
        count = draw(st.integers(2, 6))
        plan = (plan_start, count, draw(st.integers(0, count)))
    return InvoiceStory(
        invoice=Invoice(
            id=invoice_id,
            customer_id=customer_id,
            currency=currency,
            total=total,
            issue_date=issue,
            due_date=due,
        ),
        payments=tuple(payments),
        credit_notes=tuple(credit_notes),
        disputed_on=disputed_on,
        promise=promise,
        plan=plan,
    )


@st.composite
def _scenarios(
    draw: st.DrawFn,
    currencies: tuple[str, ...],
    segments: tuple[str | None, ...],
    start: date,
    days: int,
    max_customers: int,
    max_invoices: int,
) -> Scenario:
    customers = []
    stories: list[InvoiceStory] = []
    for c in range(draw(st.integers(1, max_customers))):
        customer = draw(_customers(f"C{c}", segments))
        customers.append(customer)
        count = draw(st.integers(1, max_invoices))
        stories.extend(
            draw(invoice_stories(customer.id, f"I{c}-{n}", currencies, start, days))
            for n in range(count)
        )
    return Scenario(start=start, days=days, customers=tuple(customers), stories=tuple(stories))


def scenarios(
    policy: Policy | PolicySet,
    *,
    start: date = date(2026, 1, 5),
    days: int = 120,
    currencies: Sequence[str] | None = None,
    max_customers: int = 3,
    max_invoices: int = 3,
) -> st.SearchStrategy[Scenario]:
    """`Scenario`s to run `policy` over for `days` days from `start`.

    Up to `max_customers` customers (locales es_CO, es_CL, es_MX, pt_BR, en; their time
    zones; some of email, SMS and WhatsApp; sometimes do-not-contact; the segments of a
    `PolicySet`), each with 1 to `max_invoices` invoices in `currencies` (by default those
    the policy states amounts in, else USD; so a customer may owe in several currencies),
    issued in the first third of the run and due 0 to 30 days later, with up to two
    payments, a credit note, a dispute, a promise to pay and an installment plan each (each
    of these one time in four).

    Shrinks towards one customer without contacts, in en_US and UTC, with one invoice of one
    whole unit of the first currency issued and due on `start`, and nothing happening to it.
    """
    chosen = tuple(currencies) if currencies else (mentioned_currencies(policy) or ("USD",))
    return _scenarios(chosen, _segments(policy), start, days, max_customers, max_invoices)
