"""Payment allocation: which invoices, and which parts of them, a payment pays.

A customer's payment that does not name what it pays is shared among the customer's open
invoices by an `AllocationStrategy`, and within each invoice among its components (collection
costs, fees, interest, principal) by a `ComponentOrder`. The result says to the minor unit
what went where; what is left over is `unapplied` (a customer credit). The sums are exact:
applied + unapplied == payment, always.

>>> from datetime import date
>>> from dunning.invoices import Charge, Invoice
>>> old = Invoice(
...     id="INV-1", customer_id="C-1", currency="USD", total="100.00",
...     issue_date=date(2026, 1, 1), due_date=date(2026, 1, 31),
...     charges=[Charge(id="F-1", date=date(2026, 2, 5), kind="fee", amount=Money("5.00", "USD"))],
... )
>>> new = Invoice(
...     id="INV-2", customer_id="C-1", currency="USD", total="200.00",
...     issue_date=date(2026, 2, 1), due_date=date(2026, 3, 3),
... )
>>> result = allocate_payment(Money("150.00", "USD"), [new, old], "oldest_first")
>>> [(line.invoice_id, line.component.value, str(line.amount)) for line in result.lines]
[('INV-1', 'fees', '5.00 USD'), ('INV-1', 'principal', '100.00 USD'), ('INV-2', 'principal', '45.00 USD')]
>>> str(result.unapplied)
'0.00 USD'

How the payments already recorded on an invoice were applied: the library does not know, so
it assumes the same component order as the allocation. Credit notes first reduce the
principal (they correct the invoice total); a credit note above the total, and every
payment, then pays the components in the component order, as if all were received together
after every charge. `outstanding_components` gives the result; its parts always add up to
`Invoice.balance`.
"""  # noqa: E501 -- a doctest line shows the whole allocation

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal
from enum import StrEnum
from functools import cached_property
from itertools import groupby

from pydantic import Field, model_validator
from pydantic_core import PydanticCustomError

from dunning._model import Model
from dunning.errors import AllocationError, CurrencyMismatchError
from dunning.invoices import ChargeKind, Identifier, Invoice, InvoiceStatus, Payment
from dunning.money import Money, minor_unit

__all__ = [
    "AllocationLine",
    "AllocationResult",
    "AllocationStrategy",
    "Component",
    "ComponentOrder",
    "allocate_payment",
    "outstanding_components",
]


class Component(StrEnum):
    """A part of what an invoice asks for."""

    COSTS = "costs"
    """Collection costs (charges of kind ``cost``: agency, legal)."""
    FEES = "fees"
    """Late fees and fixed compensation (charges of kind ``fee``)."""
    INTEREST = "interest"
    """Late-payment interest (charges of kind ``interest``)."""
    PRINCIPAL = "principal"
    """The invoice total less its credit notes."""


_CHARGE_COMPONENT = {
    ChargeKind.COST: Component.COSTS,
    ChargeKind.FEE: Component.FEES,
    ChargeKind.INTEREST: Component.INTEREST,
}


class ComponentOrder(StrEnum):
    """The order in which a payment pays the components of one invoice.

    The legal orders speak of costs, interest and principal; late fees are compensation for
    the creditor's costs of recovery, so they count as costs here and are paid right after
    the collection costs. Give a sequence of all four `Component` members to allocate in
    another order.

    >>> [c.value for c in ComponentOrder.COSTS_INTEREST_PRINCIPAL.components]
    ['costs', 'fees', 'interest', 'principal']
    """

    # Germany, BGB §367(1): "auf die Kosten, dann auf die Zinsen und zuletzt auf die
    # Hauptleistung"; Spain, Código Civil art. 1173: no payment goes to principal while
    # interest is unpaid; Colombia, Código Civil art. 1653: a payment goes first to interest,
    # unless the creditor expressly agrees to principal.
    COSTS_INTEREST_PRINCIPAL = "costs_interest_principal"
    """Costs, fees, interest, then principal: the default of the civil codes."""
    # Germany, BGB §497(3) (consumer credit in default): payments go to the costs of
    # recovery, then to the outstanding principal, and only then to the interest.
    COSTS_PRINCIPAL_INTEREST = "costs_principal_interest"
    """Costs, fees, principal, then interest: German consumer credit in default."""
    # What many billing systems do (and what `Invoice.principal_balance` assumes): the
    # invoice itself first, charges last.
    PRINCIPAL_FIRST = "principal_first"
    """Principal, interest, costs, then fees."""

    @property
    def components(self) -> tuple[Component, ...]:
        """The components in the order they are paid."""
        return _ORDERS[self]


_ORDERS = {
    ComponentOrder.COSTS_INTEREST_PRINCIPAL: (
        Component.COSTS,
        Component.FEES,
        Component.INTEREST,
        Component.PRINCIPAL,
    ),
    ComponentOrder.COSTS_PRINCIPAL_INTEREST: (
        Component.COSTS,
        Component.FEES,
        Component.PRINCIPAL,
        Component.INTEREST,
    ),
    ComponentOrder.PRINCIPAL_FIRST: (
        Component.PRINCIPAL,
        Component.INTEREST,
        Component.COSTS,
        Component.FEES,
    ),
}


class AllocationStrategy(StrEnum):
    """How a payment is shared among invoices.

    Invoices that are void, marked paid, or owe nothing receive nothing. Ties of the ordered
    strategies are broken by invoice id, so the result does not depend on the order the
    invoices are given in.
    """

    OLDEST_FIRST = "oldest_first"
    """By due date, oldest first (then issue date, then invoice id)."""
    NEWEST_FIRST = "newest_first"
    """By due date, newest first (then the later issue date, then invoice id)."""
    NAMED = "named"
    """The invoices of `invoice_ids`, in that order; other invoices receive nothing."""
    PROPORTIONAL = "proportional"
    """All open invoices pro rata to their balances (largest remainder, ties by invoice id)."""
    # Germany, BGB §366(2): without a choice by the debtor, a payment goes first to the debt
    # that is due; among due debts to the one that gives the creditor less security; among
    # equally secure ones to the one more burdensome for the debtor; among equally
    # burdensome ones to the older; and among equally old ones pro rata. Security and burden
    # are not in the invoice data, so they are taken as equal for every invoice.
    BGB_366 = "bgb_366"
    """BGB §366(2): due before not yet due on `on`, then older due date, then pro rata."""


def _components(order: ComponentOrder | str | Sequence[Component | str]) -> tuple[Component, ...]:
    if isinstance(order, str):
        try:
            return ComponentOrder(order).components
        except ValueError:
            known = ", ".join(repr(member.value) for member in ComponentOrder)
            raise AllocationError(
                f"component_order {order!r} is not a component order; use one of {known} "
                "or a sequence of the four components"
            ) from None
    try:
        components = tuple(Component(item) for item in order)
    except ValueError:
        components = ()
    if sorted(components) != sorted(Component):
        names = ", ".join(repr(member.value) for member in Component)
        raise AllocationError(
            f"component_order {tuple(order)!r} must name each of {names} exactly once"
        )
    return components


def outstanding_components(
    invoice: Invoice,
    component_order: ComponentOrder | str | Sequence[Component | str] = (
        ComponentOrder.COSTS_INTEREST_PRINCIPAL
    ),
) -> dict[Component, Money]:
    """Return what is still owed of each component of `invoice`, in `component_order`.

    The invoice's credit notes and payments are taken as applied in that order (see the
    module documentation); the parts add up to `invoice.balance`.

    >>> from datetime import date
    >>> from dunning.invoices import Charge, Invoice, Payment
    >>> invoice = Invoice(
    ...     id="INV-3", customer_id="C-1", currency="EUR", total="500.00",
    ...     issue_date=date(2026, 1, 1), due_date=date(2026, 1, 31),
    ...     charges=[Charge(id="I-1", date=date(2026, 3, 1), kind="interest",
    ...                     amount=Money("12.50", "EUR"))],
    ...     payments=[Payment(id="P-1", date=date(2026, 3, 2), amount=Money("20.00", "EUR"))],
    ... )
    >>> {c.value: str(m) for c, m in outstanding_components(invoice).items()}
    {'costs': '0.00 EUR', 'fees': '0.00 EUR', 'interest': '0.00 EUR', 'principal': '492.50 EUR'}

    Raises:
        AllocationError: for an unknown or incomplete component order.
    """
    return _outstanding(invoice, _components(component_order))


def _outstanding(invoice: Invoice, order: tuple[Component, ...]) -> dict[Component, Money]:
    owed = dict.fromkeys(Component, _zero(invoice.currency).amount)
    for charge in invoice.charges:
        owed[_CHARGE_COMPONENT[charge.kind]] += charge.amount.amount
    total = invoice.total.amount
    credited = invoice.credited.amount
    owed[Component.PRINCIPAL] = max(total - credited, Decimal(0))
    pool = invoice.paid.amount + max(credited - total, Decimal(0))
    result: dict[Component, Money] = {}
    for component in order:
        taken = min(pool, owed[component])
        pool -= taken
        result[component] = Money._trusted(owed[component] - taken, invoice.currency)
    return result


def _zero(currency: str) -> Money:
    """Zero with the currency's decimals ("0.00 USD", "0 COP")."""
    return Money._trusted(Decimal(0).scaleb(-minor_unit(currency)), currency)


class AllocationLine(Model):
    """What a payment paid of one component of one invoice."""

    invoice_id: Identifier
    component: Component
    amount: Money = Field(description="Above zero.")


class AllocationResult(Model):
    """Where a payment went: lines per invoice and component, and what was left over.

    >>> result = allocate_payment(Money("10.00", "USD"), [], "oldest_first")
    >>> str(result.applied), str(result.unapplied)
    ('0.00 USD', '10.00 USD')
    """

    payment: Money = Field(description="The amount allocated.")
    strategy: AllocationStrategy
    component_order: tuple[Component, ...]
    lines: tuple[AllocationLine, ...] = Field(description="In the order they were applied.")
    unapplied: Money = Field(description="Left over: a credit of the customer.")
    payment_id: Identifier | None = Field(default=None, description="Of an allocated Payment.")
    on: date | None = Field(default=None, description="The date of an allocated Payment.")

    @model_validator(mode="after")
    def _check(self) -> AllocationResult:
        currency = self.payment.currency
        amounts = [("unapplied", self.unapplied)]
        amounts += [(f"lines[{i}].amount", line.amount) for i, line in enumerate(self.lines)]
        seen: set[tuple[str, Component]] = set()
        for field, amount in amounts:
            if amount.currency != currency:
                raise PydanticCustomError(
                    "dunning.currency_mismatch",
                    "{field} is in {got} ({amount}) but the payment is in {expected}",
                    {"field": field, "got": amount.currency, "amount": str(amount),
                     "expected": currency},
                )  # fmt: skip
            if amount.is_negative:
                raise PydanticCustomError(
                    "dunning.negative",
                    "{field} must not be negative, got {amount}",
                    {"field": field, "amount": str(amount)},
                )
        for line in self.lines:
            key = (line.invoice_id, line.component)
            if key in seen:
                raise PydanticCustomError(
                    "dunning.duplicate",
                    "invoice {invoice} has two lines for {component}",
                    {"invoice": repr(line.invoice_id), "component": line.component.value},
                )
            seen.add(key)
        if self.applied + self.unapplied != self.payment:
            raise PydanticCustomError(
                "dunning.allocation_sum",
                "the lines ({applied}) and unapplied ({unapplied}) do not add up to the "
                "payment {payment}",
                {"applied": str(self.applied), "unapplied": str(self.unapplied),
                 "payment": str(self.payment)},
            )  # fmt: skip
        return self

    @cached_property
    def applied(self) -> Money:
        """The part of the payment applied to invoices."""
        return _zero(self.payment.currency) + Money.sum(
            (line.amount for line in self.lines), self.payment.currency
        )

    def by_invoice(self) -> dict[str, Money]:
        """What each invoice received, in the order the invoices were paid."""
        totals: dict[str, Money] = {}
        for line in self.lines:
            before = totals.get(line.invoice_id, Money.zero(self.payment.currency))
            totals[line.invoice_id] = before + line.amount
        return totals

    def applied_to(self, invoice_id: str, component: Component | str | None = None) -> Money:
        """What `invoice_id` received (of `component` only, when given)."""
        wanted = None if component is None else Component(component)
        return _zero(self.payment.currency) + Money.sum(
            (
                line.amount
                for line in self.lines
                if line.invoice_id == invoice_id and wanted in (None, line.component)
            ),
            self.payment.currency,
        )

    def apply(
        self,
        invoices: Iterable[Invoice],
        *,
        payment_id: str | None = None,
        on: date | None = None,
    ) -> tuple[Invoice, ...]:
        """Return `invoices` with a `Payment` recorded on each one the allocation paid.

        Each recorded payment has the id and date of the allocated `Payment` (or
        `payment_id` and `on`) and the amount the invoice received; the other invoices come
        back unchanged, all in the order given. Allocating again with the same component
        order sees exactly what this allocation left.

        Raises:
            AllocationError: without a payment id and date, when an invoice of the lines is
                not among `invoices`, or an invoice already records that payment id.
        """
        payment_id = self.payment_id if payment_id is None else payment_id
        on = self.on if on is None else on
        if payment_id is None or on is None:
            raise AllocationError(
                "apply needs a payment id and a date: allocate a Payment, or pass payment_id and on"
            )
        given = tuple(invoices)
        received = self.by_invoice()
        missing = sorted(set(received) - {invoice.id for invoice in given})
        if missing:
            raise AllocationError(
                f"the allocation paid invoices {', '.join(map(repr, missing))}, which are not "
                "among the invoices given"
            )
        updated: list[Invoice] = []
        for invoice in given:
            amount = received.get(invoice.id)
            if amount is None:
                updated.append(invoice)
                continue
            if any(payment.id == payment_id for payment in invoice.payments):
                raise AllocationError(
                    f"invoice {invoice.id!r} already records payment {payment_id!r}"
                )
            payment = Payment(id=payment_id, date=on, amount=amount)
            updated.append(invoice.evolve(payments=(*invoice.payments, payment)))
        return tuple(updated)


def _strategy(strategy: AllocationStrategy | str) -> AllocationStrategy:
    try:
        return AllocationStrategy(strategy)
    except ValueError:
        known = ", ".join(repr(member.value) for member in AllocationStrategy)
        raise AllocationError(
            f"{strategy!r} is not an allocation strategy; use one of {known}"
        ) from None


def _groups(
    strategy: AllocationStrategy,
    invoices: list[Invoice],
    invoice_ids: Sequence[str] | None,
    on: date | None,
) -> list[list[Invoice]]:
    """The invoices in the order they are paid; each group is shared pro rata."""
    if strategy is AllocationStrategy.OLDEST_FIRST:
        invoices.sort(key=lambda i: (i.due_date, i.issue_date, i.id))
        return [[invoice] for invoice in invoices]
    if strategy is AllocationStrategy.NEWEST_FIRST:
        invoices.sort(key=lambda i: (-i.due_date.toordinal(), -i.issue_date.toordinal(), i.id))
        return [[invoice] for invoice in invoices]
    if strategy is AllocationStrategy.NAMED:
        by_id = {invoice.id: invoice for invoice in invoices}
        return [[by_id[name]] for name in invoice_ids or () if name in by_id]
    invoices.sort(key=lambda invoice: invoice.id)
    if strategy is AllocationStrategy.PROPORTIONAL:
        return [invoices]
    assert on is not None  # checked by allocate_payment
    invoices.sort(key=lambda invoice: (invoice.due_date > on, invoice.due_date))
    return [
        list(group) for _, group in groupby(invoices, key=lambda i: (i.due_date > on, i.due_date))
    ]


def _check_names(
    strategy: AllocationStrategy, invoice_ids: Sequence[str] | None, known: set[str]
) -> None:
    if strategy is not AllocationStrategy.NAMED:
        if invoice_ids is not None:
            raise AllocationError(
                f"invoice_ids is for the 'named' strategy, not {strategy.value!r}"
            )
        return
    if not invoice_ids:
        raise AllocationError("the 'named' strategy needs invoice_ids, the invoices to pay")
    if isinstance(invoice_ids, str):
        raise AllocationError(
            f"invoice_ids must be a sequence of invoice ids, not the string {invoice_ids!r}"
        )
    if len(set(invoice_ids)) != len(invoice_ids):
        raise AllocationError(f"invoice_ids {tuple(invoice_ids)!r} names an invoice twice")
    missing = [name for name in invoice_ids if name not in known]
    if missing:
        raise AllocationError(
            f"invoice_ids names {', '.join(map(repr, missing))}, not among the invoices given"
        )


def allocate_payment(
    payment: Money | Payment,
    invoices: Sequence[Invoice],
    strategy: AllocationStrategy | str = AllocationStrategy.OLDEST_FIRST,
    *,
    component_order: ComponentOrder | str | Sequence[Component | str] = (
        ComponentOrder.COSTS_INTEREST_PRINCIPAL
    ),
    invoice_ids: Sequence[str] | None = None,
    on: date | None = None,
) -> AllocationResult:
    """Share `payment` among `invoices` by `strategy`, each invoice by `component_order`.

    Args:
        payment: the amount received, or a `Payment` (whose date is the default `on`).
        invoices: the customer's invoices; they are not changed (see `AllocationResult.apply`).
        strategy: an `AllocationStrategy` or its value.
        component_order: a `ComponentOrder`, its value, or a sequence of the four components.
        invoice_ids: the invoices to pay, in order, for the 'named' strategy only.
        on: the day the payment is received; the 'bgb_366' strategy needs it (or a Payment)
            to tell due invoices from the others.

    Returns:
        The allocation: a line per invoice and component paid, and the unapplied rest.

    Raises:
        AllocationError: for a negative amount or one with more decimals than the minor
            unit, an unknown strategy or component order, an invoice given twice,
            `invoice_ids` missing or misused, or 'bgb_366' without a date.
        CurrencyMismatchError: when an invoice is in another currency than the payment.
    """
    payment_id: str | None = None
    if isinstance(payment, Payment):
        payment_id = payment.id
        on = payment.date if on is None else on
        amount = payment.amount
    else:
        amount = payment
    if not isinstance(amount, Money):
        raise TypeError(f"payment must be Money or a Payment, not {type(amount).__name__}")
    if amount.is_negative:
        raise AllocationError(f"cannot allocate a negative payment, got {amount}")
    if not amount.is_quantized():
        raise AllocationError(
            f"the payment {amount} has more decimals than the {amount.minor_unit()} of "
            f"{amount.currency}; quantize it first"
        )
    chosen = _strategy(strategy)
    order = _components(component_order)
    if chosen is AllocationStrategy.BGB_366 and on is None:
        raise AllocationError("the 'bgb_366' strategy needs the payment date: pass on=...")
    known: set[str] = set()
    for invoice in invoices:
        if invoice.id in known:
            raise AllocationError(f"invoice {invoice.id!r} is given twice")
        known.add(invoice.id)
        if invoice.currency != amount.currency:
            raise CurrencyMismatchError(
                f"cannot allocate a {amount.currency} payment ({amount}) to invoice "
                f"{invoice.id!r} in {invoice.currency}"
            )
    _check_names(chosen, invoice_ids, known)
    owed: dict[str, dict[Component, Money]] = {}
    candidates: list[Invoice] = []
    for invoice in invoices:
        if invoice.status is InvoiceStatus.OPEN and invoice.balance.is_positive:
            owed[invoice.id] = _outstanding(invoice, order)
            candidates.append(invoice)
    lines: list[AllocationLine] = []
    left = amount
    for group in _groups(chosen, candidates, invoice_ids, on):
        if left.is_zero:
            break
        balances = [invoice.balance for invoice in group]
        whole = Money.sum(balances, amount.currency)
        shares = balances if left >= whole else left.allocate([b.amount for b in balances])
        for invoice, share in zip(group, shares, strict=True):
            lines.extend(_pay_components(invoice.id, share, owed[invoice.id]))
            left = left - share
    return AllocationResult(
        payment=amount,
        strategy=chosen,
        component_order=order,
        lines=tuple(lines),
        unapplied=left,
        payment_id=payment_id,
        on=on if payment_id is not None else None,
    )


def _pay_components(
    invoice_id: str, share: Money, owed: dict[Component, Money]
) -> list[AllocationLine]:
    lines: list[AllocationLine] = []
    for component, open_amount in owed.items():
        if share.is_zero:
            break
        paid = share.min(open_amount)
        if paid.is_positive:
            lines.append(AllocationLine(invoice_id=invoice_id, component=component, amount=paid))
            share = share - paid
    return lines
