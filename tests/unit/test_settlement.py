from datetime import date
from decimal import Decimal

import pytest

from dunning.errors import CurrencyMismatchError
from dunning.invoices import Charge, CreditNote, Invoice, InvoiceStatus, Payment
from dunning.money import Money
from dunning.settlement import Settlement, amount_payable, settle, settles
from dunning.terms import DaysAfter, DiscountTier, PaymentTerms, TermLine, parse_terms


def usd(amount: str) -> Money:
    return Money(amount, "USD")


def invoice(terms: str | PaymentTerms | None = "2/10 net 30", **extra: object) -> Invoice:
    parsed = parse_terms(terms) if isinstance(terms, str) else terms
    data: dict[str, object] = {
        "id": "INV-1",
        "customer_id": "C-1",
        "currency": "USD",
        "total": "1000.00",
        "issue_date": date(2026, 1, 5),
        "terms": parsed,
    }
    if parsed is None:
        data["due_date"] = date(2026, 2, 4)
    data.update(extra)
    return Invoice.model_validate(data)


def pay(id: str, day: date, amount: str) -> Payment:
    return Payment(id=id, date=day, amount=usd(amount))


# -- amount payable ---------------------------------------------------------------------------


def test_discount_window_last_day_is_inclusive_and_the_day_after_is_not() -> None:
    bill = invoice()
    assert amount_payable(bill, date(2026, 1, 5)) == usd("980.00")
    assert amount_payable(bill, date(2026, 1, 15)) == usd("980.00")  # day 10: last day
    assert amount_payable(bill, date(2026, 1, 16)) == usd("1000.00")  # day 11: too late
    assert amount_payable(bill, date(2026, 3, 1)) == usd("1000.00")


def test_two_installments_with_tiers() -> None:
    terms = PaymentTerms(
        name="half now, half later",
        lines=[
            TermLine(
                percent=50, due=DaysAfter(days=30), discounts=[DiscountTier(days=10, percent=2)]
            ),
            TermLine(
                remainder=True,
                due=DaysAfter(days=60),
                discounts=[DiscountTier(days=20, percent=5), DiscountTier(days=40, percent=3)],
            ),
        ],
    )
    bill = invoice(terms)
    assert amount_payable(bill, date(2026, 1, 15)) == usd("965.00")  # 490 + 475
    assert amount_payable(bill, date(2026, 1, 16)) == usd("975.00")  # 500 + 475
    assert amount_payable(bill, date(2026, 1, 25)) == usd("975.00")
    assert amount_payable(bill, date(2026, 1, 26)) == usd("985.00")  # 500 + 485
    assert amount_payable(bill, date(2026, 2, 14)) == usd("985.00")
    assert amount_payable(bill, date(2026, 2, 15)) == usd("1000.00")
    # The first installment paid in full: only the second one is left.
    paid = bill.evolve(payments=[pay("P", date(2026, 1, 10), "500.00")])
    assert amount_payable(paid, date(2026, 1, 20)) == usd("475.00")


def test_partly_paid_installment_keeps_its_discount() -> None:
    bill = invoice(payments=[pay("P-1", date(2026, 1, 10), "300.00")])
    assert amount_payable(bill, date(2026, 1, 15)) == usd("680.00")
    assert amount_payable(bill, date(2026, 1, 16)) == usd("700.00")
    overpaid = invoice(payments=[pay("P-1", date(2026, 1, 10), "990.00")])
    assert amount_payable(overpaid, date(2026, 1, 15)) == usd("0.00")


def test_charges_are_owed_in_full() -> None:
    bill = invoice(
        charges=[Charge(id="F", date=date(2026, 1, 6), kind="fee", amount=usd("10.00"))],
        payments=[pay("P-1", date(2026, 1, 7), "4.00")],
    )
    # The 4.00 paid part of the fee; the discount stays on the untouched installment.
    assert amount_payable(bill, date(2026, 1, 15)) == usd("986.00")


def test_credit_notes_cover_the_installments() -> None:
    bill = invoice(credit_notes=[CreditNote(id="CN", date=date(2026, 1, 6), amount=usd("100.00"))])
    assert amount_payable(bill, date(2026, 1, 15)) == usd("880.00")


def test_without_terms_the_balance_is_payable() -> None:
    bill = invoice(None, payments=[pay("P", date(2026, 1, 10), "250.00")])
    assert amount_payable(bill, date(2026, 1, 6)) == usd("750.00")


@pytest.mark.parametrize("status", [InvoiceStatus.VOID, InvoiceStatus.PAID])
def test_void_or_paid_invoices_need_nothing(status: InvoiceStatus) -> None:
    assert amount_payable(invoice(status=status), date(2026, 1, 6)) == usd("0.00")


# -- settles ---------------------------------------------------------------------------------


def test_settles_with_and_without_tolerance() -> None:
    bill = invoice()
    assert settles(bill, usd("980.00"), date(2026, 1, 15))
    assert not settles(bill, usd("980.00"), date(2026, 1, 16))
    assert not settles(bill, usd("979.99"), date(2026, 1, 15))
    assert settles(bill, usd("979.99"), date(2026, 1, 15), tolerance=usd("0.01"))
    assert settles(bill, usd("979.99"), date(2026, 1, 15), tolerance=Decimal("0.01"))
    assert settles(bill, usd("979.99"), date(2026, 1, 15), tolerance=1)


@pytest.mark.parametrize(
    ("payment", "tolerance", "error", "message"),
    [
        (Money("980", "COP"), 0, CurrencyMismatchError,
         "the payment is in COP (980 COP) but invoice 'INV-1' is in USD"),
        (usd("980.00"), Money("1", "COP"), CurrencyMismatchError,
         "tolerance is in COP (1 COP) but the invoice is in USD"),
        (usd("980.00"), "-0.01", ValueError, "tolerance must not be negative, got -0.01 USD"),
    ],
)  # fmt: skip
def test_settles_errors(
    payment: Money, tolerance: object, error: type[Exception], message: str
) -> None:
    with pytest.raises(error) as raised:
        settles(invoice(), payment, date(2026, 1, 15), tolerance=tolerance)  # type: ignore[arg-type]
    assert str(raised.value) == message


# -- settle ----------------------------------------------------------------------------------


def test_settle_takes_the_discount_as_a_credit_note() -> None:
    bill = invoice()
    result = settle(bill, pay("P-9", date(2026, 1, 15), "980.00"))
    assert result == Settlement(
        invoice_id="INV-1",
        payment_id="P-9",
        settled=True,
        payable=usd("980.00"),
        discount_taken=usd("20.00"),
        written_off=usd("0.00"),
        short=usd("0.00"),
        credit_note=CreditNote(
            id="INV-1/P-9/discount",
            date=date(2026, 1, 15),
            amount=usd("20.00"),
            reason="early-payment discount",
        ),
    )
    # The invoice is not modified; recording payment and credit note closes it.
    assert bill.balance == usd("1000.00")
    assert result.credit_note is not None
    closed = bill.evolve(
        payments=[pay("P-9", date(2026, 1, 15), "980.00")], credit_notes=[result.credit_note]
    )
    assert closed.balance == usd("0.00")
    # The same answer once the payment is recorded.
    assert settle(closed.evolve(credit_notes=()), pay("P-9", date(2026, 1, 15), "980.00")) == (
        result
    )


def test_settle_late_is_short() -> None:
    result = settle(invoice(), pay("P", date(2026, 1, 16), "980.00"))
    assert (result.settled, result.short, result.discount_taken) == (
        False,
        usd("20.00"),
        usd("0.00"),
    )
    assert result.credit_note is None


def test_settle_within_tolerance_writes_the_shortfall_off() -> None:
    result = settle(
        invoice(), pay("P", date(2026, 1, 15), "979.95"), tolerance="0.05", credit_note_id="CN-7"
    )
    assert result.settled
    assert (result.discount_taken, result.written_off, result.short) == (
        usd("20.00"),
        usd("0.05"),
        usd("0.05"),
    )
    assert result.credit_note is not None
    assert (result.credit_note.id, result.credit_note.amount, result.credit_note.reason) == (
        "CN-7",
        usd("20.05"),
        "early-payment discount and short payment written off within tolerance",
    )
    late = settle(invoice(), pay("P", date(2026, 2, 1), "999.99"), tolerance="0.01")
    assert late.credit_note is not None
    assert late.credit_note.reason == "short payment written off within tolerance"
    assert late.discount_taken == usd("0.00")


def test_settle_paying_between_discounted_and_full_amount_takes_part_of_the_discount() -> None:
    result = settle(invoice(), pay("P", date(2026, 1, 15), "990.00"))
    assert result.discount_taken == usd("10.00")
    full = settle(invoice(), pay("P", date(2026, 1, 15), "1000.00"))
    assert (full.settled, full.discount_taken, full.credit_note) == (True, usd("0.00"), None)


def test_settle_void_invoice() -> None:
    result = settle(invoice(status=InvoiceStatus.VOID), pay("P", date(2026, 1, 15), "1.00"))
    assert (result.settled, result.payable, result.credit_note) == (True, usd("0.00"), None)


def test_settle_currency_mismatch() -> None:
    payment = Payment(id="P", date=date(2026, 1, 15), amount=Money("980", "COP"))
    with pytest.raises(CurrencyMismatchError) as raised:
        settle(invoice(), payment)
    assert str(raised.value) == "the payment is in COP (980 COP) but invoice 'INV-1' is in USD"
