"""The engine invariants `check_policy` watches each day catch what they are for."""

from datetime import date, timedelta
from decimal import Decimal

from dunning.engine import evaluate
from dunning.invoices import Contact, Customer, Invoice, Payment
from dunning.money import Money
from dunning.policy.model import FrequencyCap, Policy, ReminderStep
from dunning.testing._checks import Day, invariant_watchers

DUE = date(2026, 3, 2)
POLICY = Policy(
    id="p",
    steps=[ReminderStep(id="due", offset_days=0, channels=["email"], template="due")],
)
CUSTOMER = Customer(id="C", name="Ana", contacts=[Contact(channel="email", address="a@x")])
INVOICE = Invoice(
    id="I",
    customer_id="C",
    currency="USD",
    total="10.00",
    issue_date=DUE - timedelta(days=30),
    due_date=DUE,
)
EVALUATION = evaluate([INVOICE], POLICY, DUE, customers=[CUSTOMER])


def day(invoices: dict[str, Invoice], policy: Policy = POLICY) -> Day:
    return Day(
        day=DUE,
        evaluation=EVALUATION,
        invoices=invoices,
        plans={},
        customers={"C": CUSTOMER},
        policies={"C": policy},
    )


def watch(name: str, state: Day) -> str | None:
    violation = invariant_watchers()[name]().observe(state)
    return None if violation is None else violation.text


def test_the_evaluation_sends_one_message() -> None:
    assert len(EVALUATION.actions) == 1


def test_a_message_about_a_paid_invoice_is_caught() -> None:
    paid = INVOICE.evolve(
        payments=[Payment(id="P", date=DUE, amount=Money(Decimal("10.00"), "USD"))]
    )
    name = "no message about a paid or void invoice"
    assert watch(name, day({"I": INVOICE})) is None
    assert watch(name, day({"I": paid})) == "a message about I, which is paid"


def test_an_invoice_missing_from_the_evaluation_is_caught() -> None:
    other = INVOICE.evolve(id="J")
    name = "every invoice is accounted for in each evaluation"
    assert watch(name, day({"I": INVOICE})) is None
    assert watch(name, day({"I": INVOICE, "J": other})) == "1 outcomes for 2 invoices"


def test_messages_above_the_policy_cap_are_caught() -> None:
    name = "the policy's frequency cap holds in every window"
    strict = POLICY.evolve(frequency_cap=FrequencyCap(max_messages=1, days=7))
    watcher = invariant_watchers()[name]()
    assert watcher.observe(day({"I": INVOICE}, strict)) is None
    again = watcher.observe(day({"I": INVOICE}, strict))
    assert again is not None
    assert again.text == (
        "2 messages from 2026-02-24 to 2026-03-02, above the policy's cap of 1 in 7 days"
    )
