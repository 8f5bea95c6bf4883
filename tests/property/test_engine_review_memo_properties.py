"""Remembering each invoice's review day between reviews changes no review day."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given
from hypothesis import strategies as st

from dunning import Money, Payment, Policy
from dunning.calendars import WeekendCalendar
from dunning.engine.compiled import CompiledPolicy
from dunning.engine.review import _Memo, _next_review
from dunning.invoices import Invoice
from dunning.policy.model import QuietDays
from dunning.testing._engine import Portfolio, engine_policies, histories, portfolios


@st.composite
def policies(draw: st.DrawFn) -> Policy:
    """The engine's policies, with quiet weekends half of the time."""
    policy = draw(engine_policies(invoice_level_only=False))
    if draw(st.booleans()):
        return policy.evolve(quiet_days=QuietDays(calendar=WeekendCalendar()))
    return policy


@given(st.data(), portfolios(), policies())
def test_a_remembered_review_day_is_the_day_worked_out_afresh(
    data: st.DataObject, portfolio: Portfolio, policy: Policy
) -> None:
    # Reviews on later and later days, the history growing and invoices paid in between:
    # the review with the memo kept across them gives the days of a review without one.
    history = data.draw(histories(portfolio, policy))
    invoices = {i.id: i for i in portfolio.invoices}
    memo: dict[str, _Memo] = {}
    compiled: dict[str, CompiledPolicy] = {}  # kept too, as a run keeps it
    day = portfolio.start
    for _ in range(data.draw(st.integers(1, 25))):
        day += timedelta(days=data.draw(st.integers(0, 5)))
        if data.draw(st.booleans()):
            paid: Invoice = invoices[data.draw(st.sampled_from(sorted(invoices)))]
            share = paid.total.amount / 2 if paid.currency != "COP" else paid.total.amount // 2
            if share.quantize(paid.total.amount) > 0:
                invoices[paid.id] = paid.with_payment(
                    Payment(
                        id=f"P{len(paid.payments) + 1}",
                        date=day + timedelta(days=data.draw(st.integers(0, 3))),
                        amount=Money(share.quantize(paid.total.amount), paid.currency),
                    )
                )
        known = tuple(r for r in history if r.on <= day)
        args = (list(invoices.values()), policy, day, portfolio.customers, known, (), None)
        assert _next_review(*args, compiled, memo) == _next_review(*args, {})
