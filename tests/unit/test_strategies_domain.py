"""The broadened strategies: every CLDR currency, places, invoice stories, scenarios, and
`st.from_type` for every domain type."""

from dataclasses import dataclass
from datetime import date, timedelta

from babel.numbers import list_currencies
from hypothesis import given, settings
from hypothesis import strategies as st

from dunning.invoices import Customer, Invoice, Payment
from dunning.money import Money, minor_unit
from dunning.plans import InstallmentPlan
from dunning.policy.io import load_policy
from dunning.policy.model import Policy, PolicySet
from dunning.policy.promises import MessageLimit
from dunning.testing.strategies import (
    Scenario,
    currencies,
    invoice_stories,
    locales,
    mentioned_currencies,
    scenarios,
    time_zones,
)


def test_currencies_are_every_cldr_code_with_the_common_ones_first() -> None:
    codes = currencies().elements  # type: ignore[attr-defined]
    assert codes[:10] == ("USD", "EUR", "COP", "CLP", "MXN", "BRL", "GBP", "KWD", "JPY", "CLF")
    assert set(codes) == set(list_currencies())
    assert {minor_unit(code) for code in codes} == {0, 2, 3, 4}
    assert minor_unit("CLF") == 4
    assert len(currencies(common_only=True).elements) == 10  # type: ignore[attr-defined]


@given(currencies())
def test_every_drawn_currency_makes_money(code: str) -> None:
    assert Money(1, code).quantize().currency == code


@given(locales(), time_zones(every=True))
def test_places_make_valid_customers(locale: str, zone: str) -> None:
    customer = Customer(id="C", name="Ana", locale=locale, time_zone=zone)
    assert (customer.locale, customer.time_zone) == (locale, zone)


@given(invoice_stories(currencies=("CLP", "BRL"), days=60))
def test_invoice_stories_stay_in_their_currency_and_order(story: object) -> None:
    from dunning.testing.strategies import InvoiceStory

    assert isinstance(story, InvoiceStory)
    invoice = story.invoice
    assert invoice.currency in {"CLP", "BRL"}
    assert date(2026, 1, 5) <= invoice.issue_date <= date(2026, 1, 25)
    assert timedelta(0) <= invoice.due_date - invoice.issue_date <= timedelta(days=30)
    assert all(p.date >= invoice.issue_date for p in story.payments)
    # As known on a day: only what happened up to it.
    last = max(story.changes(), default=invoice.issue_date)
    known = story.on(last)
    assert known.payments == story.payments
    assert story.on(invoice.issue_date - timedelta(days=1)).payments == tuple(
        p for p in story.payments if p.date < invoice.issue_date
    )


def test_the_simplest_scenario_is_one_invoice_of_one_unit() -> None:
    policy = load_policy("examples/policies/b2c.toml")
    assert isinstance(policy, Policy)
    drawn = st.data()

    @settings(max_examples=1, database=None)
    @given(drawn)
    def first(data: st.DataObject) -> None:
        scenario = data.draw(scenarios(policy, days=30))
        assert isinstance(scenario, Scenario)

    first()
    assert mentioned_currencies(policy) == ("CLP", "COP", "MXN")


@given(scenarios(load_policy("examples/policies/portfolio.toml"), days=30))
def test_scenarios_of_a_policy_set_draw_its_segments(scenario: Scenario) -> None:
    assert {c.segment for c in scenario.customers} <= {None, "business"}
    assert {s.invoice.currency for s in scenario.stories} <= {"CLP", "COP", "MXN"}
    ids = [s.invoice.id for s in scenario.stories]
    assert len(ids) == len(set(ids))


def test_a_policy_set_is_what_mentioned_currencies_walks() -> None:
    portfolio = load_policy("examples/policies/portfolio.toml")
    assert isinstance(portfolio, PolicySet)
    assert mentioned_currencies(portfolio) == ("CLP", "COP", "MXN")
    assert mentioned_currencies(Policy(id="bare")) == ()


@dataclass(frozen=True)
class _Bundle:
    invoice: Invoice
    customer: Customer
    amount: Money
    payment: Payment
    policy: Policy
    promise: MessageLimit


@settings(max_examples=10, deadline=None)
@given(st.builds(_Bundle), st.from_type(InstallmentPlan))
def test_builds_and_from_type_draw_every_domain_type(
    bundle: _Bundle, plan: InstallmentPlan
) -> None:
    assert isinstance(bundle.invoice, Invoice)
    assert isinstance(bundle.customer, Customer)
    assert bundle.payment.amount.amount > 0
    assert 1 <= bundle.promise.max_messages <= 10
    assert plan.installments
