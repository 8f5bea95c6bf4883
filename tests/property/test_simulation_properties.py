from datetime import date
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from dunning.simulation import (
    Behaviour,
    PaymentHazard,
    PortfolioSpec,
    generate_portfolio,
    simulate,
)
from dunning.testing.strategies import engine_policies

# Each example simulates a whole portfolio day by day: fewer examples than the cheap properties.
HEAVY = settings(max_examples=25)

portfolio_specs = st.builds(
    PortfolioSpec,
    customers=st.integers(1, 12),
    start=st.dates(date(2025, 1, 1), date(2027, 12, 31)),
    period_days=st.integers(1, 60),
    currencies=st.sampled_from([("COP",), ("CLP", "MXN"), ("USD",)]),
    seed=st.integers(0, 2**32),
)

behaviours = st.builds(
    Behaviour,
    hazards=st.fixed_dictionaries(
        {
            "default": st.builds(
                PaymentHazard,
                before_due=st.floats(0, 0.2),
                on_due=st.floats(0, 1),
                after_due=st.floats(0, 0.5),
                decay=st.floats(0.5, 1),
                never_pay=st.floats(0, 1),
            )
        }
    ),
)


@HEAVY
@given(portfolio_specs, engine_policies(), st.integers(0, 1000))
def test_a_payer_who_never_pays_collects_nothing(spec, policy, seed):
    run = simulate(policy, generate_portfolio(spec), Behaviour.always(0.0), days=90, seed=seed)
    assert run.payments == ()
    assert all(v == 0 for v in run.metrics().collected.values())


@HEAVY
@given(portfolio_specs, engine_policies(), behaviours, st.integers(0, 1000))
def test_payments_never_exceed_what_is_owed_and_every_invoice_is_kept(
    spec, policy, behaviour, seed
):
    portfolio = generate_portfolio(spec)
    run = simulate(policy, portfolio, behaviour, days=120, seed=seed)
    assert [i.id for i in run.final] == [i.id for i in portfolio.invoices]
    for invoice in run.final:
        assert invoice.paid.amount + invoice.credited.amount <= (
            invoice.total.amount + invoice.charged.amount
        )
        assert all(p.amount.amount > 0 for p in invoice.payments)
    paid = sum((p.amount for p in run.payments), Decimal(0))
    assert paid == sum((i.paid.amount for i in run.final), Decimal(0))
    assert all(run.start <= p.day <= run.end for p in run.payments)


@HEAVY
@given(portfolio_specs, engine_policies(), behaviours, st.integers(0, 1000))
def test_the_same_seed_gives_the_same_result(spec, policy, behaviour, seed):
    portfolio = generate_portfolio(spec)
    assert simulate(policy, portfolio, behaviour, days=60, seed=seed) == simulate(
        policy, portfolio, behaviour, days=60, seed=seed
    )


@HEAVY
@given(portfolio_specs, behaviours, st.integers(0, 1000))
def test_without_messages_the_response_model_changes_nothing(spec, behaviour, seed):
    from dunning import Policy

    portfolio = generate_portfolio(spec)
    silent = behaviour.evolve(response=behaviour.response.evolve(uplift={}))
    quiet = Policy(id="quiet")
    assert (
        simulate(quiet, portfolio, behaviour, days=60, seed=seed).payments
        == simulate(quiet, portfolio, silent, days=60, seed=seed).payments
    )
