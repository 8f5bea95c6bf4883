"""The compact evaluation equals the evaluation built at once, views and JSON included."""

from __future__ import annotations

from datetime import date

from benchmarks.lazy import built_at_once
from hypothesis import given
from hypothesis import strategies as st

from dunning import ActionKind, Evaluation, Policy, SendMessage, evaluate
from dunning.engine.compact import message_tone
from dunning.testing._engine import Portfolio, engine_policies, histories, portfolios

AS_OF = st.dates(min_value=date(2026, 1, 1), max_value=date(2026, 6, 30))


@given(st.data(), portfolios(), engine_policies(invoice_level_only=False), AS_OF)
def test_the_compact_evaluation_equals_the_one_built_at_once(
    data: st.DataObject, portfolio: Portfolio, policy: Policy, as_of: date
) -> None:
    history = tuple(r for r in data.draw(histories(portfolio, policy)) if r.on <= as_of)

    def run() -> Evaluation:
        return evaluate(
            portfolio.invoices, policy, as_of, customers=portfolio.customers, history=history
        )

    with built_at_once():
        eager = run()
        eager_json = eager.model_dump_json()
    # The reference: every field built, and views that read the fields only.
    reference = Evaluation.model_validate_json(eager_json)
    lazy = run()
    # The views first, while nothing is built.
    assert lazy.count() == len(reference.actions)
    for kind in ActionKind:
        assert lazy.count(kind=kind) == sum(a.kind is kind for a in reference.actions)
    customers = reference.customers()
    assert lazy.customers() == customers
    assert lazy.history() == reference.history()
    # The entries give what a caller reads of an action without building it.
    entries = lazy.entries()
    assert len(entries) == len(reference.actions)
    for entry, action in zip(entries, reference.actions, strict=True):
        assert (entry.kind, entry.key, entry.customer_id) == (
            action.kind,
            action.key,
            action.customer_id,
        )
        assert (entry.invoice_ids, entry.due_on, entry.covers) == (
            action.invoice_ids,
            action.due_on,
            action.covers,
        )
        if isinstance(action, SendMessage):
            assert (entry.channel, message_tone(entry)) == (action.channel, action.tone)
    for customer_id in (*customers, "absent"):
        assert lazy.count(customer_id=customer_id) == len(reference.actions_for(customer_id))
        assert lazy.actions_for(customer_id) == reference.actions_for(customer_id)
    if customers:
        assert lazy.explain(customers[0]) == reference.explain(customers[0])
    assert run().explain() == reference.explain()
    assert run().model_dump_json() == eager_json
    assert "".join(run().iter_json()) == eager_json
    assert "".join(run().iter_json(indent=2)) == reference.model_dump_json(indent=2)
    assert lazy == reference
    assert lazy.model_dump_json() == reference.model_dump_json()
