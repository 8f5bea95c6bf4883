"""The next-review shortcut of the simulator changes nothing: every day or only when due."""

from datetime import date
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from dunning import Money, Policy, ReminderStep
from dunning.calendars import WeekendCalendar
from dunning.invoices import Channel
from dunning.plans import PlanTerms
from dunning.policy.model import (
    DayKind,
    HandOff,
    MessageSpec,
    Pauses,
    QuietDays,
    RetrySchedule,
    Stage,
    StageTrigger,
)
from dunning.simulation import (
    AutomaticCharges,
    Behaviour,
    Disputes,
    PaymentHazard,
    Plans,
    PortfolioSpec,
    Promises,
    generate_portfolio,
    simulate,
)
from dunning.testing.strategies import engine_policies

portfolio_specs = st.builds(
    PortfolioSpec,
    customers=st.integers(1, 8),
    start=st.dates(date(2025, 1, 1), date(2027, 12, 31)),
    period_days=st.integers(1, 60),
    currencies=st.sampled_from([("COP",), ("CLP", "MXN"), ("USD",)]),
    seed=st.integers(0, 2**32),
)

# Payers who do everything the simulator models, often: partial payments, disputes, promises,
# plans accepted and missed, automatic charges failing softly and hard, retries succeeding.
behaviours = st.builds(
    Behaviour,
    hazards=st.fixed_dictionaries(
        {
            "default": st.builds(
                PaymentHazard,
                before_due=st.floats(0, 0.05),
                on_due=st.floats(0, 0.5),
                after_due=st.floats(0, 0.1),
                never_pay=st.floats(0, 0.5),
            )
        }
    ),
    disputes=st.builds(
        Disputes, probability=st.floats(0, 0.3), resolve_after_days=st.integers(1, 20)
    ),
    promises=st.builds(Promises, probability=st.floats(0, 0.5), within_days=st.integers(1, 10)),
    plans=st.builds(Plans, accept=st.floats(0, 1), miss=st.floats(0, 0.5)),
    charges=st.builds(
        AutomaticCharges,
        share=st.floats(0, 1),
        success=st.floats(0, 1),
        hard_share=st.floats(0, 1),
        retry_success=st.floats(0, 1),
    ),
)

_MINIMUM = [Money("5000", "COP"), Money("5000", "CLP"), Money("50", "MXN"), Money("2", "USD")]


@st.composite
def policies(draw: st.DrawFn) -> Policy:
    """The engine's policies (fees, interest, caps) with what they leave out added at random.

    Retries on paydays, quiet weekends, pauses below a minimum, business-day steps, stages
    entered on the customer's unpaid invoices or a failed charge, plan offers, and hand-offs
    and write-offs announced by a notice with clear days.
    """
    policy = draw(engine_policies(invoice_level_only=False))
    changes: dict[str, object] = {}
    if draw(st.booleans()):
        changes["retries"] = RetrySchedule(
            days_after_failure=draw(
                st.lists(st.integers(1, 20), min_size=1, max_size=3, unique=True).map(sorted)
            ),
            paydays=draw(st.sampled_from([(), (15, "last")])),
        )
    if draw(st.booleans()):
        changes["quiet_days"] = QuietDays(calendar=WeekendCalendar())
    if draw(st.booleans()):
        changes["pauses"] = Pauses(min_balance=_MINIMUM)
    if draw(st.booleans()):
        changes["steps"] = (
            *policy.steps,
            ReminderStep(
                id="business",
                offset_days=draw(st.integers(-5, 10)),
                day_kind=DayKind.BUSINESS,
                channels=[Channel.SMS, Channel.EMAIL],
                template="business",
            ),
        )
    if draw(st.booleans()):
        # A reminder that can fall before the invoice is issued (terms of up to 60 days),
        # repeated or not: a new invoice is first reviewed when one of them can fall due.
        early = ReminderStep(
            id="early",
            offset_days=draw(st.integers(-70, -10)),
            channels=[Channel.EMAIL],
            template="early",
            repeat=draw(st.none() | st.builds(dict, every_days=st.integers(1, 10))),
        )
        changes["steps"] = (*changes.get("steps", policy.steps), early)
    if draw(st.booleans()):
        days = draw(st.integers(1, 40))
        changes["stages"] = (
            *policy.stages,
            Stage(
                id="late",
                trigger=draw(
                    st.sampled_from(
                        [
                            StageTrigger(days_overdue=days),
                            StageTrigger(failed_payment=True),
                            StageTrigger(unpaid_invoices=2),
                            StageTrigger(
                                customer_overdue_balance=[Money(1, c) for c in ("COP", "USD")]
                            ),
                        ]
                    )
                ),
                message=MessageSpec(channels=[Channel.WHATSAPP, Channel.EMAIL], template="late"),
                offer_plan=PlanTerms(installments=draw(st.integers(2, 4))),
                hand_off=draw(st.none() | st.just(HandOff(agency="agency"))),
                propose_write_off=draw(st.booleans()),
                notice_days=draw(st.integers(0, 5)),
            ),
        )
    return Policy.model_validate({**policy.model_dump(), **changes}) if changes else policy


@settings(deadline=None)  # as many examples as the profile says (1,000 when thorough)
@given(portfolio_specs, policies(), behaviours, st.integers(0, 1000), st.integers(30, 150))
def test_reviewing_only_when_due_gives_the_same_run_as_every_day(
    spec, policy, behaviour, seed, days
):
    portfolio = generate_portfolio(spec)
    shortcut = simulate(policy, portfolio, behaviour, days=days, seed=seed)
    daily = simulate(policy, portfolio, behaviour, days=days, seed=seed, every_day=True)
    assert shortcut.messages == daily.messages
    assert shortcut.payments == daily.payments
    assert shortcut.actions == daily.actions
    assert shortcut == daily


def test_the_property_meets_every_rule_family():
    # The property is worth something only if its runs act: a fixed example with every
    # family present, where the two runs must agree on a non-trivial history.
    spec = PortfolioSpec(customers=20, start=date(2026, 1, 1), period_days=30, seed=7)
    policy = Policy.model_validate(
        {
            "id": "all",
            "steps": [
                {"id": "before", "offset_days": -3, "channels": ["email"], "template": "t"},
                {
                    "id": "weekly",
                    "offset_days": 5,
                    "channels": ["email"],
                    "template": "t",
                    "repeat": {"every_days": 7},
                },
            ],
            "stages": [
                {
                    "id": "fee",
                    "trigger": {"days_overdue": 10},
                    "fee": {
                        "rule": {"kind": "percent", "percent": "2"},
                        "every_days": 9,
                        "max_times": 4,
                    },
                    "message": {"channels": ["email"], "template": "m"},
                    "suspend_service": True,
                    "notice_days": 2,
                },
                {
                    "id": "plan",
                    "trigger": {"days_overdue": 40},
                    "offer_plan": {"installments": 3},
                },
            ],
            "interest": {"rule": {"annual_rate": "24"}},
            "retries": {"days_after_failure": [3, 7], "paydays": [15, "last"]},
            "frequency_cap": {"max_messages": 2, "days": 7},
            "quiet_days": {"calendar": {"weekend": [5, 6]}},
        }
    )
    behaviour = Behaviour(
        charges=AutomaticCharges(share=0.5, success=0.3),
        promises=Promises(probability=0.3),
        disputes=Disputes(probability=0.1),
        plans=Plans(accept=0.8),
    )
    portfolio = generate_portfolio(spec)
    shortcut = simulate(policy, portfolio, behaviour, days=150, seed=3)
    daily = simulate(policy, portfolio, behaviour, days=150, seed=3, every_day=True)
    assert shortcut == daily
    kinds = set(daily.actions)
    assert {"send_message", "charge_fee", "post_interest", "retry_charge", "offer_plan"} <= kinds
    assert {"suspend_service", "enter_stage"} <= kinds
    assert daily.charged[("COP", "interest")] > Decimal(0)
