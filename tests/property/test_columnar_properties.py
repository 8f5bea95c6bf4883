"""The columnar engine and the object engine agree on every portfolio, policy and history."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given
from hypothesis import strategies as st

from dunning import Policy, StageTrigger, evaluate
from dunning.columnar import (
    TableEvaluation,
    customers_table,
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
    first = portfolio.start + timedelta(days=data.draw(st.integers(0, 30)))
    history = daily_history(
        portfolio, policy, first, first + timedelta(days=data.draw(st.integers(0, 40)))
    )
    lost = data.draw(st.sets(st.integers(0, max(len(history) - 1, 0)), max_size=len(history)))
    history = tuple(r for n, r in enumerate(history) if n not in lost)
    as_of = max((r.on for r in history), default=portfolio.start) + timedelta(days=later)
    expected = evaluation_tables(
        evaluate(portfolio.invoices, policy, as_of, customers=portfolio.customers, history=history),
        [(i.id, i.customer_id) for i in portfolio.invoices],
    )
    invoices = invoices_table(portfolio.invoices)
    customers = customers_table(portfolio.customers)
    records = history_table(history)
    result = evaluate_table(invoices, policy, as_of, customers=customers, history=records)
    assert result == expected
    # Streamed in batches of any size, customers in order: the same, outcomes in that order.
    size = data.draw(st.integers(1, 5))
    ordered = invoices.sort_by("customer_id")
    streamed = TableEvaluation.concat(
        as_of,
        list(
            evaluate_batches(
                ordered.to_batches(max_chunksize=size),
                policy,
                as_of,
                customers=customers,
                history=records,
            )
        ),
    )
    assert streamed == evaluate_table(ordered, policy, as_of, customers=customers, history=records)
