"""The benchmark portfolio, small: streaming it gives what evaluating a list gives."""

from __future__ import annotations

from benchmarks.__main__ import streamed
from benchmarks.portfolio import AS_OF, b2c_policy, by_id, customer_rows, iter_history

from dunning import Customer, HistoryIndex, InvoiceOutcome, evaluate

SIZE = 2_000
SEED = 7


def test_a_streamed_portfolio_evaluates_like_a_list() -> None:
    policy = b2c_policy()
    customers = by_id([Customer.model_validate(row) for row in customer_rows(SIZE // 5, SEED)])
    index = HistoryIndex(iter_history(streamed(SIZE, SEED), customers, policy, AS_OF, SEED))
    listed = list(streamed(SIZE, SEED))
    whole = evaluate(listed, policy, AS_OF, customers=customers, history=index)
    assert evaluate(streamed(SIZE, SEED), policy, AS_OF, customers=customers, history=index) == (
        whole
    )
    assert whole.invoice_count == SIZE
    # As on a daily run: most invoices are quiet, and every action is new to the history.
    assert len(whole.quiet) > SIZE * 3 // 4
    assert all(index.done_on(key) is None for a in whole.actions for key in a.covers or (a.key,))
    assert {whole.outcome(i.id) for i in listed} == set(InvoiceOutcome) - {InvoiceOutcome.REJECTED}
