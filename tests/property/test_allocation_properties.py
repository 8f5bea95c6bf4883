from datetime import date
from random import Random

from hypothesis import given
from hypothesis import strategies as st

from dunning.allocation import (
    AllocationResult,
    AllocationStrategy,
    ComponentOrder,
    allocate_payment,
    outstanding_components,
)
from dunning.invoices import Invoice
from dunning.money import Money
from dunning.settlement import amount_payable
from dunning.testing._money import currencies, money
from dunning.testing._plans import customer_invoices

Case = tuple[Money, tuple[Invoice, ...], AllocationStrategy, ComponentOrder, date, list[str]]
ORDERS = st.sampled_from(ComponentOrder)
STRATEGIES = st.sampled_from(AllocationStrategy)
DAYS = st.dates(date(2024, 1, 1), date(2024, 6, 30))


def allocate(
    payment: Money,
    invoices: tuple[Invoice, ...],
    strategy: AllocationStrategy,
    order: ComponentOrder,
    on: date,
    named: list[str],
) -> AllocationResult:
    return allocate_payment(
        payment,
        invoices,
        strategy,
        component_order=order,
        invoice_ids=named if strategy is AllocationStrategy.NAMED else None,
        on=on,
    )


@st.composite
def cases(draw: st.DrawFn) -> Case:
    currency = draw(currencies())
    invoices = draw(customer_invoices(currency))
    payment = draw(money(currency, max_units=2 * 10**7))
    named = draw(st.permutations([i.id for i in invoices]))
    named = named[: draw(st.integers(1, len(named)))]
    return (
        payment,
        invoices,
        draw(STRATEGIES),
        draw(ORDERS),
        draw(DAYS),
        named,
    )


@given(cases())
def test_allocations_sum_exactly_and_are_never_negative(case: Case) -> None:
    payment, invoices, strategy, order, on, named = case
    result = allocate(payment, invoices, strategy, order, on, named)
    assert result.applied + result.unapplied == payment
    assert all(line.amount.is_positive for line in result.lines)
    assert not result.unapplied.is_negative
    by_id = {invoice.id: invoice for invoice in invoices}
    for line in result.lines:
        owed = outstanding_components(by_id[line.invoice_id], order)
        assert line.amount <= owed[line.component]
    for invoice_id, received in result.by_invoice().items():
        assert received <= by_id[invoice_id].balance
    open_total = Money.sum(
        (i.balance for i in invoices if strategy is not AllocationStrategy.NAMED or i.id in named),
        payment.currency,
    )
    assert result.applied == payment.min(open_total)


@given(cases(), st.randoms(use_true_random=False))
def test_allocations_do_not_depend_on_the_input_order(case: Case, random: Random) -> None:
    payment, invoices, strategy, order, on, named = case
    shuffled = list(invoices)
    random.shuffle(shuffled)
    assert allocate(payment, invoices, strategy, order, on, named) == allocate(
        payment, tuple(shuffled), strategy, order, on, named
    )


@given(cases())
def test_applying_an_allocation_lowers_the_balances_by_what_was_applied(case: Case) -> None:
    payment, invoices, strategy, order, on, named = case
    result = allocate(payment, invoices, strategy, order, on, named)
    updated = result.apply(invoices, payment_id="NEW", on=on)
    before = Money.sum((i.balance for i in invoices), payment.currency)
    after = Money.sum((i.balance for i in updated), payment.currency)
    assert before - after == result.applied
    for old, new in zip(invoices, updated, strict=True):
        paid = result.applied_to(old.id)
        owed_before = outstanding_components(old, order)
        owed_after = outstanding_components(new, order)
        assert (
            sum((owed_before[c] - owed_after[c] for c in owed_before), Money.zero(payment.currency))
            == paid
        )
        for component, amount in owed_after.items():
            assert amount == owed_before[component] - result.applied_to(old.id, component)


@given(customer_invoices(), st.sampled_from(ComponentOrder))
def test_components_add_up_to_the_balance(
    invoices: tuple[Invoice, ...], order: ComponentOrder
) -> None:
    for invoice in invoices:
        owed = outstanding_components(invoice, order)
        assert all(not amount.is_negative for amount in owed.values())
        assert Money.sum(owed.values(), invoice.currency) == invoice.balance
        assert amount_payable(invoice, invoice.due_date) == invoice.balance
