from datetime import date

import pytest
from pydantic import ValidationError

from dunning.allocation import (
    AllocationLine,
    AllocationResult,
    AllocationStrategy,
    Component,
    ComponentOrder,
    allocate_payment,
    outstanding_components,
)
from dunning.errors import AllocationError, CurrencyMismatchError
from dunning.invoices import Charge, CreditNote, Invoice, InvoiceStatus, Payment
from dunning.money import Money


def usd(amount: str) -> Money:
    return Money(amount, "USD")


def invoice(id: str, total: str, due: date, **extra: object) -> Invoice:
    return Invoice(
        id=id,
        customer_id="C-1",
        currency="USD",
        total=total,
        issue_date=date(2025, 12, 1),
        due_date=due,
        **extra,
    )


def charge(id: str, kind: str, amount: str) -> Charge:
    return Charge(id=id, date=date(2026, 2, 1), kind=kind, amount=usd(amount))


def table(result: AllocationResult) -> list[tuple[str, str, str]]:
    return [
        (line.invoice_id, line.component.value, str(line.amount.amount)) for line in result.lines
    ]


@pytest.fixture
def three() -> list[Invoice]:
    a = invoice(
        "INV-A",
        "1000.00",
        date(2026, 1, 10),
        charges=[
            charge("K", "cost", "50.00"),
            charge("I", "interest", "12.34"),
            charge("F", "fee", "10.00"),
        ],
        payments=[Payment(id="P-0", date=date(2026, 1, 20), amount=usd("20.00"))],
    )
    b = invoice("INV-B", "500.00", date(2026, 2, 10), charges=[charge("I2", "interest", "5.00")])
    c = invoice("INV-C", "800.00", date(2026, 3, 10))
    return [c, a, b]


# -- worked examples -------------------------------------------------------------------------


def test_oldest_first_costs_interest_principal(three: list[Invoice]) -> None:
    result = allocate_payment(usd("1200.00"), three, "oldest_first")
    # INV-A's earlier 20.00 paid 20.00 of its 50.00 costs.
    assert table(result) == [
        ("INV-A", "costs", "30.00"),
        ("INV-A", "fees", "10.00"),
        ("INV-A", "interest", "12.34"),
        ("INV-A", "principal", "1000.00"),
        ("INV-B", "interest", "5.00"),
        ("INV-B", "principal", "142.66"),
    ]
    assert result.unapplied == usd("0.00")
    assert result.applied == usd("1200.00")
    assert result.by_invoice() == {"INV-A": usd("1052.34"), "INV-B": usd("147.66")}
    assert result.applied_to("INV-B", "principal") == usd("142.66")
    assert result.applied_to("INV-C") == usd("0.00")
    assert result.strategy is AllocationStrategy.OLDEST_FIRST
    assert result.component_order == ComponentOrder.COSTS_INTEREST_PRINCIPAL.components


def test_costs_principal_interest(three: list[Invoice]) -> None:
    result = allocate_payment(
        usd("1200.00"), three, component_order=ComponentOrder.COSTS_PRINCIPAL_INTEREST
    )
    assert table(result)[-1] == ("INV-B", "principal", "147.66")
    assert result.applied_to("INV-B", Component.INTEREST) == usd("0.00")


def test_principal_first(three: list[Invoice]) -> None:
    result = allocate_payment(usd("1200.00"), three, component_order="principal_first")
    # The earlier 20.00 went to INV-A's principal this time.
    assert table(result) == [
        ("INV-A", "principal", "980.00"),
        ("INV-A", "interest", "12.34"),
        ("INV-A", "costs", "50.00"),
        ("INV-A", "fees", "10.00"),
        ("INV-B", "principal", "147.66"),
    ]


def test_custom_component_order(three: list[Invoice]) -> None:
    order = ["interest", "fees", "costs", "principal"]
    result = allocate_payment(usd("20.00"), three, component_order=order)
    # INV-A's earlier 20.00 is taken to have paid the same way: interest 12.34, fees 7.66.
    assert table(result) == [("INV-A", "fees", "2.34"), ("INV-A", "costs", "17.66")]


def test_newest_first(three: list[Invoice]) -> None:
    result = allocate_payment(usd("1200.00"), three, AllocationStrategy.NEWEST_FIRST)
    assert table(result) == [
        ("INV-C", "principal", "800.00"),
        ("INV-B", "interest", "5.00"),
        ("INV-B", "principal", "395.00"),
    ]


def test_named_invoices_in_the_order_given(three: list[Invoice]) -> None:
    result = allocate_payment(usd("900.00"), three, "named", invoice_ids=["INV-C", "INV-B"])
    assert result.by_invoice() == {"INV-C": usd("800.00"), "INV-B": usd("100.00")}
    everything = allocate_payment(usd("3000.00"), three, "named", invoice_ids=["INV-B"])
    assert everything.unapplied == usd("2495.00")


def test_overpayment_is_unapplied(three: list[Invoice]) -> None:
    result = allocate_payment(usd("3000.00"), three)
    assert result.applied == usd("2357.34")
    assert result.unapplied == usd("642.66")


def test_proportional_by_largest_remainder_with_a_tie() -> None:
    invoices = [
        invoice("INV-3", "200.00", date(2026, 1, 1)),
        invoice("INV-1", "200.00", date(2026, 3, 1)),
        invoice("INV-2", "200.00", date(2026, 2, 1)),
    ]
    result = allocate_payment(usd("100.00"), invoices, "proportional")
    # 33.333... each: the odd cent goes to the first invoice id.
    assert result.by_invoice() == {
        "INV-1": usd("33.34"),
        "INV-2": usd("33.33"),
        "INV-3": usd("33.33"),
    }


def test_proportional_largest_remainder() -> None:
    invoices = [
        invoice("INV-1", "100.00", date(2026, 1, 1)),
        invoice("INV-2", "200.00", date(2026, 1, 1)),
        invoice("INV-3", "300.00", date(2026, 1, 1)),
    ]
    result = allocate_payment(usd("100.00"), invoices, "proportional")
    # 16.666.., 33.333.., 50: the leftover cent goes to the largest remainder (INV-1).
    assert [str(v) for v in result.by_invoice().values()] == [
        "16.67 USD",
        "33.33 USD",
        "50.00 USD",
    ]
    full = allocate_payment(usd("700.00"), invoices, "proportional")
    assert full.unapplied == usd("100.00")


def test_bgb_366_due_first_then_older_then_pro_rata() -> None:
    invoices = [
        invoice("D4", "50.00", date(2026, 3, 15)),  # not yet due on March 1
        invoice("D3", "100.00", date(2026, 2, 1)),
        invoice("D2", "300.00", date(2026, 2, 1)),
        invoice("D1", "100.00", date(2026, 1, 15)),
        invoice("D5", "40.00", date(2026, 3, 1)),  # due on the day of payment
    ]
    on = date(2026, 3, 1)
    result = allocate_payment(usd("300.00"), invoices, "bgb_366", on=on)
    # D1 is the oldest due debt; D2 and D3 are equally old and share the rest pro rata.
    assert result.by_invoice() == {"D1": usd("100.00"), "D2": usd("150.00"), "D3": usd("50.00")}
    more = allocate_payment(usd("550.00"), invoices, "bgb_366", on=on)
    assert more.by_invoice() == {
        "D1": usd("100.00"),
        "D2": usd("300.00"),
        "D3": usd("100.00"),
        "D5": usd("40.00"),
        "D4": usd("10.00"),
    }
    payment = Payment(id="P", date=on, amount=usd("300.00"))
    assert allocate_payment(payment, invoices, "bgb_366").lines == result.lines


def test_void_paid_and_settled_invoices_receive_nothing() -> None:
    invoices = [
        invoice("V", "100.00", date(2026, 1, 1), status=InvoiceStatus.VOID),
        invoice("M", "100.00", date(2026, 1, 2), status=InvoiceStatus.PAID),
        invoice("Z", "100.00", date(2026, 1, 3), credit_notes=[
            CreditNote(id="CN", date=date(2026, 1, 4), amount=usd("100.00"))]),
        invoice("O", "100.00", date(2026, 1, 4)),
    ]  # fmt: skip
    result = allocate_payment(usd("150.00"), invoices)
    assert result.by_invoice() == {"O": usd("100.00")}
    assert allocate_payment(usd("0.00"), invoices).lines == ()


def test_result_does_not_depend_on_the_input_order(three: list[Invoice]) -> None:
    for strategy in ("oldest_first", "newest_first", "proportional"):
        forward = allocate_payment(usd("700.00"), three, strategy)
        backward = allocate_payment(usd("700.00"), three[::-1], strategy)
        assert forward == backward


# -- outstanding components -------------------------------------------------------------------


def test_outstanding_components_with_credit_notes_above_the_total() -> None:
    credited = invoice(
        "X",
        "100.00",
        date(2026, 1, 1),
        charges=[charge("F", "fee", "30.00"), charge("I", "interest", "10.00")],
        credit_notes=[CreditNote(id="CN", date=date(2026, 1, 2), amount=usd("120.00"))],
        payments=[Payment(id="P", date=date(2026, 1, 3), amount=usd("5.00"))],
    )
    owed = outstanding_components(credited)
    # 20.00 of credit beyond the total, plus the 5.00 paid, pay the fee first.
    assert {c.value: str(m.amount) for c, m in owed.items()} == {
        "costs": "0.00",
        "fees": "5.00",
        "interest": "10.00",
        "principal": "0.00",
    }
    assert sum(m.amount for m in owed.values()) == credited.balance.amount


def test_apply_records_the_payment_and_leaves_the_rest(three: list[Invoice]) -> None:
    payment = Payment(id="P-9", date=date(2026, 3, 1), amount=usd("1100.00"))
    result = allocate_payment(payment, three)
    assert (result.payment_id, result.on) == ("P-9", date(2026, 3, 1))
    updated = result.apply(three)
    assert [i.id for i in updated] == ["INV-C", "INV-A", "INV-B"]
    assert updated[0] is three[0]
    assert updated[1].balance == usd("0.00")
    assert updated[2].payments[-1] == Payment(id="P-9", date=date(2026, 3, 1), amount=usd("47.66"))
    owed = outstanding_components(updated[2])
    assert owed[Component.INTEREST] == usd("0.00")
    assert owed[Component.PRINCIPAL] == usd("457.34")
    # The invoices given are untouched.
    assert three[1].balance == usd("1052.34")
    money_only = allocate_payment(usd("10.00"), three)
    assert money_only.payment_id is None
    assert money_only.on is None
    recorded = money_only.apply(three, payment_id="P-10", on=date(2026, 3, 2))
    assert recorded[1].payments[-1].id == "P-10"


def test_apply_errors(three: list[Invoice]) -> None:
    result = allocate_payment(usd("10.00"), three)
    with pytest.raises(AllocationError) as missing_id:
        result.apply(three)
    assert str(missing_id.value) == (
        "apply needs a payment id and a date: allocate a Payment, or pass payment_id and on"
    )
    with pytest.raises(AllocationError) as missing_invoice:
        result.apply(three[:1], payment_id="P", on=date(2026, 3, 1))
    assert str(missing_invoice.value) == (
        "the allocation paid invoices 'INV-A', which are not among the invoices given"
    )
    with pytest.raises(AllocationError) as twice:
        result.apply(three, payment_id="P-0", on=date(2026, 3, 1))
    assert str(twice.value) == "invoice 'INV-A' already records payment 'P-0'"


# -- errors ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"payment": usd("-1.00")}, AllocationError,
         "cannot allocate a negative payment, got -1.00 USD"),
        ({"payment": usd("1.001")}, AllocationError,
         "the payment 1.001 USD has more decimals than the 2 of USD; quantize it first"),
        ({"strategy": "fifo"}, AllocationError,
         "'fifo' is not an allocation strategy; use one of 'oldest_first', 'newest_first', "
         "'named', 'proportional', 'bgb_366'"),
        ({"component_order": "interest_first"}, AllocationError,
         "component_order 'interest_first' is not a component order; use one of "
         "'costs_interest_principal', 'costs_principal_interest', 'principal_first' or a "
         "sequence of the four components"),
        ({"component_order": ["costs", "interest", "principal"]}, AllocationError,
         "component_order ('costs', 'interest', 'principal') must name each of 'costs', "
         "'fees', 'interest', 'principal' exactly once"),
        ({"component_order": ["costs", "fees", "interest", "capital"]}, AllocationError,
         "component_order ('costs', 'fees', 'interest', 'capital') must name each of "
         "'costs', 'fees', 'interest', 'principal' exactly once"),
        ({"strategy": "bgb_366"}, AllocationError,
         "the 'bgb_366' strategy needs the payment date: pass on=..."),
        ({"invoice_ids": ["INV-A"]}, AllocationError,
         "invoice_ids is for the 'named' strategy, not 'oldest_first'"),
        ({"strategy": "named"}, AllocationError,
         "the 'named' strategy needs invoice_ids, the invoices to pay"),
        ({"strategy": "named", "invoice_ids": "INV-A"}, AllocationError,
         "invoice_ids must be a sequence of invoice ids, not the string 'INV-A'"),
        ({"strategy": "named", "invoice_ids": ["INV-A", "INV-A"]}, AllocationError,
         "invoice_ids ('INV-A', 'INV-A') names an invoice twice"),
        ({"strategy": "named", "invoice_ids": ["INV-A", "INV-X"]}, AllocationError,
         "invoice_ids names 'INV-X', not among the invoices given"),
        ({"payment": Money("100", "COP")}, CurrencyMismatchError,
         "cannot allocate a COP payment (100 COP) to invoice 'INV-C' in USD"),
    ],
)  # fmt: skip
def test_bad_allocations(
    three: list[Invoice], kwargs: dict[str, object], error: type[Exception], message: str
) -> None:
    arguments: dict[str, object] = {"payment": usd("10.00"), "invoices": three}
    arguments.update(kwargs)
    with pytest.raises(error) as raised:
        allocate_payment(**arguments)  # type: ignore[arg-type]
    assert str(raised.value) == message


def test_invoice_given_twice_and_not_money(three: list[Invoice]) -> None:
    with pytest.raises(AllocationError) as raised:
        allocate_payment(usd("1.00"), [three[0], three[0]])
    assert str(raised.value) == "invoice 'INV-C' is given twice"
    with pytest.raises(TypeError) as wrong:
        allocate_payment("1.00", three)  # type: ignore[arg-type]
    assert str(wrong.value) == "payment must be Money or a Payment, not str"


def result_data(**changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "payment": usd("10.00"),
        "strategy": "oldest_first",
        "component_order": ComponentOrder.COSTS_INTEREST_PRINCIPAL.components,
        "lines": [AllocationLine(invoice_id="A", component="principal", amount=usd("4.00"))],
        "unapplied": usd("6.00"),
    }
    data.update(changes)
    return data


@pytest.mark.parametrize(
    ("changes", "kind", "message"),
    [
        ({"unapplied": usd("5.00")}, "dunning.allocation_sum",
         "the lines (4.00 USD) and unapplied (5.00 USD) do not add up to the payment 10.00 USD"),
        ({"unapplied": Money("6", "COP")}, "dunning.currency_mismatch",
         "unapplied is in COP (6 COP) but the payment is in USD"),
        ({"lines": [AllocationLine(invoice_id="A", component="fees", amount=usd("14.00"))],
          "unapplied": usd("-4.00")}, "dunning.negative",
         "unapplied must not be negative, got -4.00 USD"),
        ({"lines": [AllocationLine(invoice_id="A", component="fees", amount=usd("2.00")),
                    AllocationLine(invoice_id="A", component="fees", amount=usd("2.00"))]},
         "dunning.duplicate", "invoice 'A' has two lines for fees"),
    ],
)  # fmt: skip
def test_bad_results(changes: dict[str, object], kind: str, message: str) -> None:
    with pytest.raises(ValidationError) as raised:
        AllocationResult.model_validate(result_data(**changes))
    (entry,) = raised.value.errors()
    assert (entry["type"], entry["msg"]) == (kind, message)
