"""Recording a payment without validating again gives the validated invoice, or its error."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from dunning import Charge, ChargeKind, CreditNote, Invoice, Money, Payment
from dunning.testing._engine import invoices

_DERIVED = (
    "paid",
    "credited",
    "charged",
    "balance",
    "credit",
    "principal_balance",
    "is_open",
    "effective_status",
)


@st.composite
def payments(draw: st.DrawFn, invoice: Invoice, currency: str | None = None) -> Payment:
    """A payment of up to twice the invoice total, in its currency unless told otherwise."""
    currency = currency or invoice.currency
    places = 0 if currency in ("COP", "CLP") else 2
    amount = Decimal(draw(st.integers(1, 2 * 10**7))).scaleb(-places)
    return Payment(
        id=f"P{len(invoice.payments) + 1}",
        date=invoice.issue_date + timedelta(days=draw(st.integers(0, 120))),
        amount=Money(amount, currency),
    )


@st.composite
def worked_invoices(draw: st.DrawFn) -> Invoice:
    """An invoice with payments, maybe charges and credit notes, maybe its sums worked out."""
    invoice = draw(invoices())
    one = Decimal(1) if invoice.currency == "COP" else Decimal("0.01")
    if draw(st.booleans()):
        invoice = invoice.evolve(
            charges=[
                Charge(
                    id="F1",
                    date=invoice.due_date,
                    kind=ChargeKind.FEE,
                    amount=Money(one * draw(st.integers(1, 10**5)), invoice.currency),
                )
            ]
        )
    if draw(st.booleans()):
        invoice = invoice.evolve(
            credit_notes=[
                CreditNote(
                    id="N1",
                    date=invoice.due_date,
                    amount=Money(one * draw(st.integers(1, 10**5)), invoice.currency),
                )
            ]
        )
    for name in draw(st.lists(st.sampled_from(_DERIVED), unique=True)):
        getattr(invoice, name)  # the sums it carries over, or not
    return invoice


@given(st.data(), worked_invoices(), st.integers(1, 3))
def test_with_payment_equals_the_validated_evolve(
    data: st.DataObject, invoice: Invoice, count: int
) -> None:
    fast = slow = invoice
    for _ in range(count):
        payment = data.draw(payments(fast))
        fast = fast.with_payment(payment)
        slow = slow.evolve(payments=(*slow.payments, payment))
        assert type(fast) is Invoice
        assert fast == slow
        assert fast.model_dump_json() == slow.model_dump_json()
        for name in data.draw(st.permutations(_DERIVED)):
            assert getattr(fast, name) == getattr(slow, name), name
            assert str(getattr(fast, name)) == str(getattr(slow, name)), name


@given(st.data(), worked_invoices())
def test_a_payment_in_another_currency_gets_the_error_evolve_gives(
    data: st.DataObject, invoice: Invoice
) -> None:
    other = data.draw(st.sampled_from([c for c in ("USD", "COP", "MXN") if c != invoice.currency]))
    payment = data.draw(payments(invoice, other))
    with pytest.raises(ValidationError) as fast:
        invoice.with_payment(payment)
    with pytest.raises(ValidationError) as slow:
        invoice.evolve(payments=(*invoice.payments, payment))
    assert fast.value.errors() == slow.value.errors()
    assert f"payments[{len(invoice.payments)}].amount is in {other}" in str(fast.value)


def test_a_payment_at_the_start_of_a_run() -> None:
    invoice = Invoice(
        id="I",
        customer_id="C",
        currency="COP",
        total="150000",
        issue_date=date(2026, 1, 1),
        due_date=date(2026, 1, 31),
    )
    assert str(invoice.balance) == "150000 COP"
    paid = invoice.with_payment(
        Payment(id="P1", date=date(2026, 2, 3), amount=Money("40000", "COP"))
    )
    assert (str(paid.paid), str(paid.balance), paid.is_open) == ("40000 COP", "110000 COP", True)
    settled = paid.with_payment(
        Payment(id="P2", date=date(2026, 2, 9), amount=Money("120000", "COP"))
    )
    assert (str(settled.balance), str(settled.credit), settled.is_open) == (
        "0 COP",
        "10000 COP",
        False,
    )
    assert [p.id for p in settled.payments] == ["P1", "P2"]
    assert invoice.payments == ()  # the invoice it came from is unchanged
