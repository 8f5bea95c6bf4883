"""Early-payment settlement: what settles an invoice on a date, discounts included.

Payment terms such as "2/10 net 30" give a discount to a customer who pays early.
`amount_payable` says what settles an invoice on a given day; `settles` whether a payment
does; `settle` returns the figures of a settlement, with the discount taken as a
`CreditNote` for the host to record. The invoice itself is never modified: record the payment
and the credit note on it (``invoice.evolve(...)``) to close it.

>>> from datetime import date
>>> from dunning.invoices import Invoice, Payment
>>> from dunning.terms import parse_terms
>>> invoice = Invoice(
...     id="INV-9", customer_id="C-1", currency="USD", total="1000.00",
...     issue_date=date(2026, 1, 5), terms=parse_terms("2/10 net 30"),
... )
>>> str(amount_payable(invoice, date(2026, 1, 15))), str(amount_payable(invoice, date(2026, 1, 16)))
('980.00 USD', '1000.00 USD')
>>> result = settle(invoice, Payment(id="P-9", date=date(2026, 1, 15), amount=Money("980.00", "USD")))
>>> result.settled, str(result.discount_taken), str(result.credit_note.amount)
(True, '20.00 USD', '20.00 USD')

How the amount is worked out: the invoice's credit notes and payments (all of them, whatever
their dates) pay its charges first and then its principal (see
`dunning.allocation.outstanding_components`, costs-interest-principal order); the principal
paid covers the installments of the terms in order, oldest first. Charges are owed in full.
Each installment not fully covered owes what its terms ask on that day (the amount less the
discount of its first window still open; the last day of a window is included) less what
already covers it: an installment paid in part keeps its discount when the rest is paid
within the window. Without terms, the balance is payable.
"""  # noqa: E501 -- doctest lines show whole results

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from pydantic import Field

from dunning._model import Model
from dunning.allocation import Component, ComponentOrder, outstanding_components
from dunning.errors import CurrencyMismatchError
from dunning.invoices import CreditNote, Identifier, Invoice, InvoiceStatus, Payment
from dunning.money import Money, minor_unit, to_decimal

if TYPE_CHECKING:
    from dunning.calendars import BusinessCalendar

__all__ = ["Settlement", "amount_payable", "settle", "settles"]


def _zero(currency: str) -> Money:
    return Money._trusted(Decimal(0).scaleb(-minor_unit(currency)), currency)


def amount_payable(invoice: Invoice, on: date, calendar: BusinessCalendar | None = None) -> Money:
    """Return what settles `invoice` when paid on `on` (see the module documentation).

    A void invoice, or one marked paid, needs nothing.

    Args:
        invoice: the invoice as it stands, with its payments and credit notes.
        on: the day of payment.
        calendar: the business days the terms roll their dates on (see
            `PaymentTerms.schedule`).
    """
    if invoice.status is not InvoiceStatus.OPEN:
        return _zero(invoice.currency)
    owed = outstanding_components(invoice, ComponentOrder.COSTS_INTEREST_PRINCIPAL)
    if invoice.terms is None:
        return invoice.balance
    principal_left = owed.pop(Component.PRINCIPAL)
    payable = Money.sum(owed.values(), invoice.currency)
    covered = invoice.total - principal_left
    for installment in invoice.installments(calendar):
        part = covered.min(installment.amount)
        covered = covered - part
        if part != installment.amount:
            payable = payable + (installment.amount_payable(on) - part).max(_zero(invoice.currency))
    return payable


def _tolerance(tolerance: Money | Decimal | int | str, currency: str) -> Money:
    if isinstance(tolerance, Money):
        if tolerance.currency != currency:
            raise CurrencyMismatchError(
                f"tolerance is in {tolerance.currency} ({tolerance}) but the invoice is in "
                f"{currency}"
            )
        value = tolerance
    else:
        value = Money._trusted(to_decimal(tolerance, what="tolerance"), currency)
    if value.is_negative:
        raise ValueError(f"tolerance must not be negative, got {value}")
    return value


def _check_currency(invoice: Invoice, amount: Money) -> None:
    if amount.currency != invoice.currency:
        raise CurrencyMismatchError(
            f"the payment is in {amount.currency} ({amount}) but invoice {invoice.id!r} is in "
            f"{invoice.currency}"
        )


def settles(
    invoice: Invoice,
    payment: Money,
    on: date,
    *,
    tolerance: Money | Decimal | int | str = 0,
    calendar: BusinessCalendar | None = None,
) -> bool:
    """Whether `payment`, received on `on`, settles `invoice` (within `tolerance`).

    >>> from datetime import date
    >>> from dunning.invoices import Invoice
    >>> from dunning.terms import parse_terms
    >>> invoice = Invoice(
    ...     id="INV-10", customer_id="C-1", currency="USD", total="500.00",
    ...     issue_date=date(2026, 1, 5), terms=parse_terms("2/10 net 30"),
    ... )
    >>> settles(invoice, Money("489.99", "USD"), date(2026, 1, 15))
    False
    >>> settles(invoice, Money("489.99", "USD"), date(2026, 1, 15), tolerance="0.01")
    True

    Raises:
        CurrencyMismatchError: when the payment or tolerance is in another currency.
        ValueError: for a negative tolerance, or one that is a float.
    """
    _check_currency(invoice, payment)
    allowed = _tolerance(tolerance, invoice.currency)
    return payment + allowed >= amount_payable(invoice, on, calendar)


class Settlement(Model):
    """The figures of a payment received against an invoice.

    When the payment settles the invoice, `credit_note` credits the discount taken plus the
    shortfall written off within the tolerance, so that payment + credit note clear the
    invoice; otherwise no discount is taken and `short` is what is missing.
    """

    invoice_id: Identifier
    payment_id: Identifier
    settled: bool
    payable: Money = Field(description="What settled the invoice on the payment date.")
    discount_taken: Money
    written_off: Money = Field(description="Shortfall forgiven within the tolerance.")
    short: Money = Field(description="payable - payment, when the payment is below it.")
    credit_note: CreditNote | None = Field(
        description="discount_taken + written_off, to record on the invoice; None for zero."
    )


def settle(
    invoice: Invoice,
    payment: Payment,
    *,
    tolerance: Money | Decimal | int | str = 0,
    calendar: BusinessCalendar | None = None,
    credit_note_id: str | None = None,
) -> Settlement:
    """Work out how `payment` settles `invoice`; the invoice is not modified.

    A payment already recorded on the invoice (same id) is left out when the amount payable
    is worked out, so `settle` gives the same answer before and after the host records it.

    Args:
        invoice: the invoice as it stands.
        payment: the payment received; its date decides which discount applies.
        tolerance: a shortfall that still settles the invoice (written off).
        calendar: the business days the terms roll their dates on.
        credit_note_id: the id of the credit note; by default
            ``"<invoice id>/<payment id>/discount"``.

    Raises:
        CurrencyMismatchError: when the payment or tolerance is in another currency.
        ValueError: for a negative tolerance.
    """
    _check_currency(invoice, payment.amount)
    allowed = _tolerance(tolerance, invoice.currency)
    if any(recorded.id == payment.id for recorded in invoice.payments):
        invoice = invoice.evolve(payments=tuple(p for p in invoice.payments if p.id != payment.id))
    zero = _zero(invoice.currency)
    payable = amount_payable(invoice, payment.date, calendar)
    balance = invoice.balance if invoice.status is InvoiceStatus.OPEN else zero
    short = (payable - payment.amount).max(zero)
    settled = short <= allowed
    discount = written_off = zero
    credit_note = None
    if settled:
        written_off = short
        discount = (balance - payable).max(zero).min((balance - payment.amount).max(zero))
        credited = discount + written_off
        if credited.is_positive:
            reasons = ["early-payment discount"] if discount.is_positive else []
            if written_off.is_positive:
                reasons.append("short payment written off within tolerance")
            credit_note = CreditNote(
                id=credit_note_id or f"{invoice.id}/{payment.id}/discount",
                date=payment.date,
                amount=credited,
                reason=" and ".join(reasons),
            )
    return Settlement(
        invoice_id=invoice.id,
        payment_id=payment.id,
        settled=settled,
        payable=payable,
        discount_taken=discount,
        written_off=written_off,
        short=short,
        credit_note=credit_note,
    )
