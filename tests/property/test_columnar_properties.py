"""The columnar engine and the object engine agree on every portfolio, policy and history."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from dunning import Customer, Money, Policy, StageTrigger, evaluate
from dunning.columnar import (
    TableEvaluation,
    customers_table,
    engine,
    evaluate_batches,
    evaluate_table,
    evaluation_tables,
    history_table,
    invoices_table,
)
from dunning.testing._engine import Portfolio, daily_history, engine_policies, portfolios


def _simple(policy: Policy) -> Policy:
    """`policy` in the shape whose quiet invoices are found in bulk (no fees, no interest)."""
    stages = [
        stage.evolve(
            trigger=StageTrigger(days_overdue=stage.trigger.days_overdue),
            fee=None,
            post_interest=False,
        )
        for stage in policy.stages
    ]
    return policy.evolve(stages=stages, interest=None, fee_cap=None)


_LAWS = st.sampled_from([None, "co", "cl", "mx", "br_sp"])


@st.composite
def _under_law(draw: st.DrawFn, customer: Customer, start: date) -> Customer:
    """`customer` with what a contact law reads: its jurisdiction, consents, proceedings.

    Shrinks towards the customer as drawn (no law, no consents, no proceedings).
    """
    dates = st.none() | st.integers(0, 80).map(lambda days: start + timedelta(days=days))
    consents = st.none() | st.just(date(2025, 6, 1)) | dates
    jurisdiction = draw(_LAWS)
    data = customer.model_dump(exclude={"contacts"})
    data["contacts"] = [
        contact.model_dump() | {"consented_on": draw(consents)} for contact in customer.contacts
    ]
    data |= {
        "jurisdiction": jurisdiction,
        "legal_proceedings_since": draw(dates),
        "insolvency_since": draw(dates),
    }
    if jurisdiction is None and draw(st.booleans()):
        del data["time_zone"]  # left to its default: a law of the policy refuses it
    return Customer.model_validate(data)


@given(
    st.data(),
    portfolios(max_customers=4),
    engine_policies(invoice_level_only=False),
    st.booleans(),
    st.integers(0, 20),
)
def test_evaluate_table_equals_evaluate(
    data: st.DataObject, portfolio: Portfolio, policy: Policy, simple: bool, later: int
) -> None:
    """Same actions (keys, figures, reasons), skips, stages and outcome of every invoice,
    with histories of daily runs with records lost, so that both the quick check and the
    full evaluation are taken."""
    if simple:
        policy = _simple(policy)
    # A pause below a minimum balance: the bulk check judges the invoices above it.
    minimum = data.draw(st.sampled_from([None, Decimal(10), Decimal(1000), Decimal(50000)]))
    if minimum is not None:
        floors = [Money(minimum, "USD"), Money(minimum, "MXN"), Money(minimum * 100, "COP")]
        policy = policy.evolve(pauses=policy.pauses.evolve(min_balance=floors))
    # A contact law, the policy's or the customers' own, with consents and proceedings.
    policy = policy.evolve(jurisdiction=data.draw(_LAWS))
    people = tuple(data.draw(_under_law(c, portfolio.start)) for c in portfolio.customers)
    portfolio = Portfolio(customers=people, invoices=portfolio.invoices, start=portfolio.start)
    # Sometimes the day a reminder of an invoice falls due, so that a law has work to do.
    target = None
    if data.draw(st.integers(0, 2)):
        invoice = data.draw(st.sampled_from(portfolio.invoices))
        step = data.draw(st.sampled_from(policy.steps))
        target = invoice.due_date + timedelta(days=step.offset_days)
    first = portfolio.start + timedelta(days=data.draw(st.integers(0, 30)))
    last = first + timedelta(days=data.draw(st.integers(0, 40)))
    if target is not None:
        last = min(last, target - timedelta(days=1))
    history = daily_history(portfolio, policy, first, last)
    lost = data.draw(st.sets(st.integers(0, max(len(history) - 1, 0)), max_size=len(history)))
    # The history table records the day a message went out, not its instant (`sent_by`):
    # both engines are given the same records.
    history = tuple(
        r.evolve(sent_by=None) if r.sent_by is not None else r
        for n, r in enumerate(history)
        if n not in lost
    )
    as_of = target or max((r.on for r in history), default=portfolio.start) + timedelta(days=later)
    expected = evaluation_tables(
        evaluate(portfolio.invoices, policy, as_of, customers=portfolio.customers, history=history),
        [(i.id, i.customer_id) for i in portfolio.invoices],
    )
    invoices = invoices_table(portfolio.invoices)
    customers = customers_table(portfolio.customers)
    records = history_table(history)
    result = evaluate_table(invoices, policy, as_of, customers=customers, history=records)
    assert result == expected
    cited = [
        pair["value"]
        for table in (expected.actions, expected.skipped)
        for figures in table.column("reason_figures").to_pylist()
        for pair in figures
        if pair["name"] == "contact_law"
    ]
    event(f"a contact law moved or refused a message: {bool(cited)}")
    # The customers evaluated in full, a few at a time: the same.
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(engine, "_CHUNK", data.draw(st.integers(1, 4)))
        chunked = evaluate_table(invoices, policy, as_of, customers=customers, history=records)
    assert chunked == expected
    # Streamed in batches of any size, customers in order: the same, outcomes in that order.
    size = data.draw(st.integers(1, 5))
    ordered = invoices.sort_by("customer_id")
    streams = data.draw(st.booleans())
    streamed = TableEvaluation.concat(
        as_of,
        list(
            evaluate_batches(
                ordered.to_batches(max_chunksize=size),
                policy,
                as_of,
                # Held whole (sliced per batch), or streamed alongside in batches of any size.
                customers=iter(customers.sort_by("id").to_batches(max_chunksize=size))
                if streams
                else customers,
                history=iter(records.sort_by("customer_id").to_batches(max_chunksize=size))
                if streams
                else records,
            )
        ),
    )
    assert streamed == evaluate_table(ordered, policy, as_of, customers=customers, history=records)
