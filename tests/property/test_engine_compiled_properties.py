"""An evaluation with the policy compiled once for many evaluations is the evaluation."""

from datetime import timedelta

from hypothesis import HealthCheck, given, settings

from dunning.engine import HistoryIndex, evaluate, records_of
from dunning.engine.compiled import CompiledPolicy
from dunning.engine.core import _evaluate_compiled
from dunning.policy.model import Policy
from dunning.testing.strategies import Portfolio, engine_policies, portfolios


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(engine_policies(), portfolios())
def test_daily_runs_with_one_compiled_policy_equal_plain_evaluations(
    policy: Policy, portfolio: Portfolio
) -> None:
    compiled: dict[str, CompiledPolicy] = {}
    plain_history, cached_history = HistoryIndex(), HistoryIndex()
    for offset in range(0, 80, 3):
        day = portfolio.start + timedelta(days=offset)
        plain = evaluate(
            portfolio.invoices, policy, day, customers=portfolio.customers, history=plain_history
        )
        cached = _evaluate_compiled(
            compiled,
            portfolio.invoices,
            policy,
            day,
            customers=portfolio.customers,
            history=cached_history,
        )
        assert cached == plain
        plain_history.add(records_of(plain.actions, on=day))
        cached_history.add(records_of(cached.actions, on=day))
    assert list(compiled) == [policy.id]
