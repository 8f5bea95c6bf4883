"""A kept history answers as the history table it stands for, day after day."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from dunning import HistoryIndex, HistoryRecord, Policy, StageTrigger, evaluate
from dunning.columnar import (
    KeptHistory,
    TableEvaluation,
    customers_table,
    evaluate_batches,
    evaluate_table,
    evaluation_tables,
    history_table,
    invoices_table,
)
from dunning.columnar._build import history_index
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


def _records(evaluation: object, on: date) -> list[HistoryRecord]:
    """What the runner records of a day: the actions executed, final skips acknowledged."""
    records = list(evaluation.history(on))  # type: ignore[attr-defined]
    records += [
        HistoryRecord.skipped(skip, on)
        for skip in evaluation.skipped  # type: ignore[attr-defined]
        if not skip.deferred
    ]
    return records


@given(
    st.data(),
    portfolios(max_customers=4),
    engine_policies(invoice_level_only=False),
    st.booleans(),
    st.integers(0, 20),
)
def test_a_kept_history_evaluates_as_its_table(
    data: st.DataObject, portfolio: Portfolio, policy: Policy, simple: bool, later: int
) -> None:
    """`history=KeptHistory(table)` gives what `history=table` and `evaluate` give, whole or
    streamed, on histories of daily runs with records lost."""
    if simple:
        policy = _simple(policy)
    first = portfolio.start + timedelta(days=data.draw(st.integers(0, 30)))
    history = daily_history(
        portfolio, policy, first, first + timedelta(days=data.draw(st.integers(0, 40)))
    )
    lost = data.draw(st.sets(st.integers(0, max(len(history) - 1, 0)), max_size=len(history)))
    history = tuple(r for n, r in enumerate(history) if n not in lost)
    as_of = max((r.on for r in history), default=portfolio.start) + timedelta(days=later)
    invoices = invoices_table(portfolio.invoices)
    customers = customers_table(portfolio.customers)
    records = history_table(history)
    kept = KeptHistory(records)
    assert kept == KeptHistory(history)
    result = evaluate_table(invoices, policy, as_of, customers=customers, history=kept)
    assert result == evaluate_table(invoices, policy, as_of, customers=customers, history=records)
    assert result == evaluation_tables(
        evaluate(portfolio.invoices, policy, as_of, customers=portfolio.customers, history=history),
        [(i.id, i.customer_id) for i in portfolio.invoices],
    )
    ordered = invoices.sort_by("customer_id")
    size = data.draw(st.integers(1, 5))
    streamed = TableEvaluation.concat(
        as_of,
        list(
            evaluate_batches(
                ordered.to_batches(max_chunksize=size),
                policy,
                as_of,
                customers=customers,
                history=kept,
            )
        ),
    )
    assert streamed == evaluate_table(ordered, policy, as_of, customers=customers, history=kept)
    for record in history:  # every occurrence done is kept from its first day
        for key in record.covers or (record.key,):
            if record.status.value != "failed" and key.count(":") >= 3:
                first_on = min(
                    r.on
                    for r in history
                    if key in (r.covers or (r.key,)) and r.status.value != "failed"
                )
                assert kept.done_on(key) == first_on


@given(
    st.data(),
    portfolios(max_customers=3),
    engine_policies(invoice_level_only=False),
    st.booleans(),
    st.integers(1, 8),
)
def test_advancing_a_kept_history_equals_building_it_again(
    data: st.DataObject, portfolio: Portfolio, policy: Policy, simple: bool, days: int
) -> None:
    """Day after day, the kept history advanced by the day's result equals the one built
    from the whole history with the runner's records of that day appended, and the columnar
    result equals the object engine's on the same history."""
    if simple:
        policy = _simple(policy)
    first = portfolio.start + timedelta(days=data.draw(st.integers(0, 30)))
    history = list(
        daily_history(
            portfolio, policy, first, first + timedelta(days=data.draw(st.integers(0, 20)))
        )
    )
    invoices = invoices_table(portfolio.invoices)
    customers = customers_table(portfolio.customers)
    kept = KeptHistory(history_table(history))
    day = max((r.on for r in history), default=portfolio.start) + timedelta(days=1)
    for _ in range(days):
        expected = evaluate(
            portfolio.invoices, policy, day, customers=portfolio.customers, history=history
        )
        result = evaluate_table(invoices, policy, day, customers=customers, history=kept)
        assert result == evaluation_tables(
            expected, [(i.id, i.customer_id) for i in portfolio.invoices]
        )
        # Carried out on the day or a later one (a host catching up).
        on = day + timedelta(days=data.draw(st.integers(0, 2)))
        before = kept
        kept = kept.advance(result, on)
        history += _records(expected, on)
        assert kept == KeptHistory(history_table(history))
        assert len(before) == len(history) - len(_records(expected, on))  # left as it was
        day = on + timedelta(days=data.draw(st.integers(1, 3)))


_STATE = (
    "_owners",
    "_flat",
    "failed_channels",
    "messages",
    "contacts",
    "suspends",
    "resumes",
    "failed_charges",
    "hard_declines",
    "records",
)


@given(
    st.data(),
    portfolios(max_customers=4),
    engine_policies(invoice_level_only=False),
    st.integers(0, 40),
)
def test_the_index_built_from_columns_equals_the_one_from_records(
    data: st.DataObject, portfolio: Portfolio, policy: Policy, days: int
) -> None:
    """Whatever the history (runs repeated, records failed or skipped, keys the engine did
    not make), the full evaluation's index from the columns is the index of the records."""
    first = portfolio.start + timedelta(days=data.draw(st.integers(0, 30)))
    history = list(daily_history(portfolio, policy, first, first + timedelta(days=days)))
    changed = []
    for record in history:
        choice = data.draw(st.sampled_from(["as is", "failed", "skipped", "again", "odd"]))
        if choice == "failed":
            record = record.evolve(status="failed")
        elif choice == "skipped":
            record = record.evolve(status="skipped")
        elif choice == "again":  # carried out again, later
            changed.append(record.evolve(on=record.on + timedelta(days=3)))
        elif choice == "odd":
            record = record.evolve(key="manual\n" + record.key, covers=())
        changed.append(record)
    order = data.draw(st.permutations(range(len(changed))))
    shuffled = [changed[n] for n in order]
    built = history_index(history_table(shuffled))
    expected = HistoryIndex(shuffled)
    for name in _STATE:
        assert getattr(built, name) == getattr(expected, name), name
