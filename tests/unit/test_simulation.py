from datetime import date
from decimal import Decimal

import pytest
from pydantic import ValidationError

from dunning import Customer, Invoice, Policy, ReminderStep
from dunning.simulation import (
    Behaviour,
    PaymentHazard,
    Portfolio,
    PortfolioSpec,
    ReminderResponse,
    SegmentSpec,
    compare,
    generate_portfolio,
    simulate,
)

QUIET = Policy(id="quiet")
DUE = Policy(
    id="due",
    steps=[
        ReminderStep(id="due", offset_days=0, channels=["whatsapp"], template="due"),
        ReminderStep(id="late", offset_days=3, channels=["sms"], template="late"),
    ],
)


def _customer(cid: str, segment: str) -> Customer:
    return Customer(
        id=cid,
        name=cid,
        segment=segment,
        contacts=[
            {"channel": "whatsapp", "address": "+573000000000"},
            {"channel": "sms", "address": "+573000000000"},
        ],
    )


def _invoice(iid: str, cid: str, total: str, issued: date, due: date) -> Invoice:
    return Invoice(
        id=iid, customer_id=cid, currency="COP", total=total, issue_date=issued, due_date=due
    )


def _tiny() -> Portfolio:
    return Portfolio(
        customers=(_customer("C1", "good"), _customer("C2", "bad")),
        invoices=(
            _invoice("A", "C1", "1000", date(2026, 1, 1), date(2026, 1, 11)),
            _invoice("B", "C2", "3000", date(2026, 1, 5), date(2026, 1, 20)),
            _invoice("D", "C2", "2000", date(2026, 1, 25), date(2026, 2, 24)),
        ),
    )


ON_DUE = PaymentHazard(before_due=0, on_due=1, after_due=0, never_pay=0)
NEVER = PaymentHazard(before_due=0, on_due=0, after_due=0, never_pay=0)
SILENT = ReminderResponse(uplift={}, opt_out_probability=0)


def _tiny_behaviour() -> Behaviour:
    return Behaviour(
        hazards={"good": ON_DUE, "bad": NEVER},
        response=SILENT,
        partial={"probability": 0},
        disputes={"probability": 0},
        promises={"probability": 0},
    )


def test_metrics_of_a_tiny_portfolio_worked_by_hand():
    run = simulate(QUIET, _tiny(), _tiny_behaviour(), days=31, start=date(2026, 1, 1))
    assert run.end == date(2026, 1, 31)
    assert [(p.invoice_id, p.day, p.amount) for p in run.payments] == [
        ("A", date(2026, 1, 11), Decimal(1000))
    ]
    m = run.metrics()
    # S = 6000 (all three issued in the horizon), BR = 0, ER = 3000 + 2000, ECR = 2000 (D).
    assert m.billed == {"COP": Decimal(6000)}
    assert m.collected == {"COP": Decimal(1000)}
    assert m.dso_standard == {"COP": round(5000 / 6000 * 31, 6)}  # 25.833333
    assert m.best_possible_dso == {"COP": round(2000 / 6000 * 31, 6)}  # 10.333333
    assert m.average_days_beyond_terms["COP"] == pytest.approx(15.5)
    assert m.cei == {"COP": 25.0}  # (0 + 6000 - 5000) / (0 + 6000 - 2000) * 100
    # Countback: the last 30 days (Jan 2 to 31) sold B and D, 5000, which covers ER exactly.
    assert m.dso_countback == {"COP": 30.0}
    assert m.collection_rate[30] == {"COP": None}  # nothing was due 30 days before the end
    assert m.roll_rates["COP"]["current->1-30"] == 0.0  # A was current on Jan 1, paid by Jan 31
    assert m.roll_rates["COP"]["1-30->31-60"] is None
    assert m.messages == 0 and m.max_messages_per_customer_30_days == 0


def test_countback_walks_back_over_whole_periods():
    portfolio = Portfolio(
        customers=(_customer("C2", "bad"),),
        invoices=(
            _invoice("B", "C2", "3000", date(2026, 1, 5), date(2026, 1, 20)),
            _invoice("E", "C2", "1000", date(2026, 2, 10), date(2026, 2, 20)),
        ),
    )
    behaviour = Behaviour(hazards={"bad": NEVER}, response=SILENT)
    m = simulate(QUIET, portfolio, behaviour, days=60, start=date(2026, 1, 1)).metrics()
    # End Mar 1. ER = 4000. Last 30 days (Jan 31 - Mar 1) sold 1000: 30 days, 3000 left;
    # the 30 before (Jan 1 - Jan 30) sold 3000: all of it. 30 + 30 = 60.
    assert m.dso_countback == {"COP": 60.0}
    assert m.dso_standard == {"COP": 60.0}
    assert m.collection_rate[30] == {"COP": 0.0}  # B was due Jan 20, nothing by Feb 19


def test_probability_one_on_the_due_date_collects_everything_on_the_due_date():
    portfolio = generate_portfolio(PortfolioSpec(customers=30, start=date(2026, 1, 1), seed=5))
    run = simulate(DUE, portfolio, Behaviour.always(1.0), days=200)
    due = {i.id: i.due_date for i in portfolio.invoices}
    assert {p.invoice_id for p in run.payments} == set(due)
    assert all(p.day == due[p.invoice_id] and not p.partial for p in run.payments)
    assert not any(i.is_open for i in run.final)
    m = run.metrics()
    assert m.collected == m.billed
    assert all(rate == 1.0 for rates in m.collection_rate.values() for rate in rates.values())


def test_messages_are_taken_as_sent_and_counted_by_channel():
    run = simulate(DUE, _tiny(), _tiny_behaviour(), days=31, start=date(2026, 1, 1))
    # A is paid on its due date after the reminder that morning; B gets both reminders.
    assert [(m.day, m.customer_id, m.channel) for m in run.messages] == [
        (date(2026, 1, 11), "C1", "whatsapp"),
        (date(2026, 1, 20), "C2", "whatsapp"),
        (date(2026, 1, 23), "C2", "sms"),
    ]
    m = run.metrics(costs={"whatsapp": Decimal("0.05"), "sms": Decimal("0.02")})
    assert m.messages_by_channel == {"sms": 1, "whatsapp": 2}
    assert m.cost == Decimal("0.12")
    assert m.messages_per_invoice == 1.0
    assert m.collected_per_message == {"COP": Decimal("333.33")}


def test_a_reminder_lifts_the_hazard_and_fatigue_lessens_the_next():
    response = ReminderResponse(uplift={"sms": 1.0}, half_life_days=2, fatigue=0.5)
    assert response.lift("sms", "friendly", age=0, rank=1) == 1.0
    assert response.lift("sms", "friendly", age=2, rank=1) == 0.5
    assert response.lift("sms", "friendly", age=0, rank=2) == 0.5
    assert response.lift("whatsapp", "friendly", age=0, rank=1) == 0.0
    toned = ReminderResponse(uplift={"sms": 1.0}, tone={"firm": 2.0})
    assert toned.lift("sms", "firm", age=0, rank=1) == 2.0


def test_reminders_raise_collections_against_no_reminders():
    portfolio = generate_portfolio(PortfolioSpec(customers=150, start=date(2026, 1, 1), seed=2))
    behaviour = Behaviour(
        hazards={"default": PaymentHazard(on_due=0.1, after_due=0.03, never_pay=0)},
        response=ReminderResponse(uplift={"whatsapp": 3.0, "sms": 3.0}),
    )
    quiet = simulate(QUIET, portfolio, behaviour, days=90, seed=4).metrics()
    nudged = simulate(DUE, portfolio, behaviour, days=90, seed=4).metrics()
    assert nudged.messages > 0 and quiet.messages == 0
    assert sum(nudged.collected.values()) > sum(quiet.collected.values())


def test_the_same_seed_gives_the_same_run_and_another_seed_another():
    portfolio = generate_portfolio(PortfolioSpec(customers=40, start=date(2026, 1, 1), seed=1))
    one = simulate(DUE, portfolio, Behaviour(), days=60, seed=9)
    assert one == simulate(DUE, portfolio, Behaviour(), days=60, seed=9)
    assert one.payments != simulate(DUE, portfolio, Behaviour(), days=60, seed=10).payments


def test_generated_portfolios_follow_their_spec():
    spec = PortfolioSpec(
        customers=50,
        invoices_per_customer=(2, 2),
        start=date(2026, 3, 1),
        period_days=10,
        currencies=("CLP",),
        segments=(SegmentSpec(name="smb", weight=1, net_days=(45,)),),
        seed=11,
    )
    p = generate_portfolio(spec)
    assert p == generate_portfolio(spec)
    assert len(p.customers) == 50 and len(p.invoices) == 100
    assert p.segments() == ("smb",) and p.currencies() == ("CLP",)
    assert all(date(2026, 3, 1) <= i.issue_date <= date(2026, 3, 10) for i in p.invoices)
    assert all((i.due_date - i.issue_date).days == 45 for i in p.invoices)
    assert all(i.total.amount == i.total.amount.to_integral_value() for i in p.invoices)
    assert {c.locale for c in p.customers} == {"es_CL"}


def test_compare_on_common_random_numbers():
    portfolio = generate_portfolio(PortfolioSpec(customers=30, start=date(2026, 1, 1), seed=8))
    result = compare({"A": DUE, "B": DUE, "C": QUIET}, portfolio, Behaviour(), days=60, runs=3)
    rows = {(r.metric, r.policy): r for r in result.rows}
    # The same policy on the same draws: exactly no difference, whatever the noise.
    assert rows[("collected COP", "B")].difference == 0.0
    assert rows[("collected COP", "B")].difference_low == 0.0
    assert rows[("messages", "C")].mean == 0.0
    assert rows[("messages", "C")].difference == -rows[("messages", "A")].mean
    assert rows[("collected COP", "A")].difference is None
    assert "collected COP" in result.table()
    assert len(result.metrics["A"]) == 3


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: PaymentHazard(on_due=1.5), "on_due"),
        (lambda: PaymentHazard(decay=-0.1), "decay"),
        (lambda: ReminderResponse(uplift={"pigeon": 1.0}), "uplift.pigeon"),
        (lambda: ReminderResponse(uplift={"sms": -1.0}), "uplift[sms]"),
        (lambda: Behaviour(partial={"min_share": 0.8, "max_share": 0.2}), "min_share"),
        (lambda: PortfolioSpec(customers=0, start=date(2026, 1, 1)), "customers"),
        (lambda: PortfolioSpec(customers=1, start=date(2026, 1, 1), currencies=("XYZ",)), "XYZ"),
    ],
)
def test_bad_parameters_name_their_path(build, message):
    with pytest.raises(ValidationError, match=message.replace("[", r"\[").replace("]", r"\]")):
        build()


def test_bad_horizons_and_unknown_segments_are_refused():
    portfolio = _tiny()
    with pytest.raises(ValueError, match="days must be between 1 and 3660, got -5"):
        simulate(QUIET, portfolio, _tiny_behaviour(), days=-5)
    with pytest.raises(ValueError, match=r"segments the portfolio does not have: \['vip'\]"):
        simulate(QUIET, portfolio, Behaviour(hazards={"vip": ON_DUE, "default": NEVER}), days=5)
    with pytest.raises(ValueError, match=r"no entry for segments \['bad'\] and no 'default'"):
        simulate(QUIET, portfolio, Behaviour(hazards={"good": ON_DUE}), days=5)


def test_rejected_rows_are_counted_in_the_result():
    portfolio = Portfolio.from_records(
        invoices=[
            {"id": "OK", "customer_id": "C1", "currency": "COP", "total": "100",
             "issue_date": "2026-01-01", "due_date": "2026-01-10"},
            {"id": "BAD", "customer_id": "C1", "currency": "COP", "total": 1.5,
             "issue_date": "2026-01-01", "due_date": "2026-01-10"},
            {"id": "LOST", "customer_id": "C9", "currency": "COP", "total": "100",
             "issue_date": "2026-01-01", "due_date": "2026-01-10"},
        ],
        customers=[{"id": "C1", "name": "Ana"}, {"id": "", "name": "nobody"}],
    )  # fmt: skip
    assert [i.id for i in portfolio.invoices] == ["OK"]
    assert [(r.what, r.id) for r in portfolio.rejected] == [
        ("customer", ""),
        ("invoice", "BAD"),
        ("invoice", "LOST"),
    ]
    assert "customer 'C9' is missing" in portfolio.rejected[2].error
    run = simulate(QUIET, portfolio, Behaviour.always(1.0), days=20)
    assert run.metrics().rejected == 3


def test_a_portfolio_from_the_bundled_files(tmp_path):
    portfolio = Portfolio.from_files("examples/invoices.csv", "examples/customers.csv")
    assert len(portfolio.invoices) > 100
    assert not portfolio.rejected


# -- plans and automatic charges -----------------------------------------------------------------

from dunning import RetrySchedule, Stage, StageTrigger  # noqa: E402
from dunning.plans import PlanStatus, PlanTerms  # noqa: E402
from dunning.simulation import AutomaticCharges, Plans  # noqa: E402

OFFER = Policy(
    id="offer",
    stages=[
        Stage(
            id="plan",
            trigger=StageTrigger(days_overdue=5),
            offer_plan=PlanTerms(installments=2, frequency={"kind": "weekly"}),
        )
    ],
)


def _stubborn(**changes):
    # Never pays on its own: only a plan or a charge can collect.
    return Behaviour(
        hazards={"good": NEVER, "bad": NEVER},
        response=SILENT,
        partial={"probability": 0},
        disputes={"probability": 0},
        promises={"probability": 0},
        **changes,
    )


def test_an_accepted_plan_is_paid_installment_by_installment():
    run = simulate(
        OFFER, _tiny(), _stubborn(plans=Plans(accept=1.0, miss=0.0)), days=60,
        start=date(2026, 1, 1),
    )  # fmt: skip
    plans = {plan.invoice_ids: plan for plan in run.plans}
    # A is due Jan 11: 5 days overdue on Jan 16, the offer is accepted, paid in two weeks.
    plan_a = plans[("A",)]
    assert plan_a.start_date == date(2026, 1, 16)
    assert [p.date for p in plan_a.payments] == [date(2026, 1, 23), date(2026, 1, 30)]
    assert plan_a.standing(run.end).status is PlanStatus.COMPLETED
    assert [(p.day, p.amount) for p in run.payments if p.invoice_id == "A"] == [
        (date(2026, 1, 23), Decimal(500)),
        (date(2026, 1, 30), Decimal(500)),
    ]
    assert {p.source for p in run.payments} == {"plan"}
    m = run.metrics()
    assert (m.plans_offered, m.plans_accepted, m.plans_defaulted) == (2, 2, 0)


def test_a_missed_installment_defaults_the_plan_and_collection_resumes():
    run = simulate(
        OFFER, _tiny(), _stubborn(plans=Plans(accept=1.0, miss=1.0)), days=60,
        start=date(2026, 1, 1),
    )  # fmt: skip
    assert run.payments == ()
    m = run.metrics()
    assert m.plans_accepted == 2 and m.plans_defaulted == 2


RETRY = Policy(id="retry", retries=RetrySchedule(days_after_failure=(3, 6)))


@pytest.mark.parametrize(
    ("charges", "sources", "figures"),
    [
        # Every charge succeeds on the due date.
        (AutomaticCharges(share=1, success=1), {"charge"}, {"attempted": 3}),
        # Every charge fails softly; the first retry (3 days later) succeeds.
        (
            AutomaticCharges(share=1, success=0, hard_share=0, retry_success=1),
            {"retry"},
            {"attempted": 3, "failed": 3, "recovered": 3, "retries": 3},
        ),
        # Hard declines: the retries the policy schedules never succeed. Two per invoice, but
        # D's second (Mar 2, six days after its due date) falls after the horizon (Mar 1).
        (
            AutomaticCharges(share=1, success=0, hard_share=1, retry_success=1),
            set(),
            {"attempted": 3, "failed": 3, "hard_declines": 3, "retries": 5},
        ),
    ],
)
def test_automatic_charges_and_their_retries(charges, sources, figures):
    run = simulate(RETRY, _tiny(), _stubborn(charges=charges), days=60, start=date(2026, 1, 1))
    assert {p.source for p in run.payments} == sources
    assert dict(run.charges) == figures
    if sources == {"retry"}:
        assert [(p.invoice_id, p.day) for p in run.payments if p.invoice_id == "A"] == [
            ("A", date(2026, 1, 14))
        ]


def test_a_payment_that_clears_a_suspended_customer_resumes_its_service_the_next_day():
    # A fails its automatic charge on its due date, the customer is suspended ten days later,
    # the retry twenty days after the failure pays A: the service resumes the next day, while
    # B (issued, not yet due) keeps the customer under evaluation. The run that evaluates only
    # when something can fall due must see it as the run that evaluates every day does.
    policy = Policy.model_validate(
        {
            "id": "suspend",
            "stages": [{"id": "cut", "trigger": {"days_overdue": 10}, "suspend_service": True}],
            "retries": {"days_after_failure": [20]},
        }
    )
    portfolio = Portfolio(
        customers=(_customer("C1", "consumer"),),
        invoices=(
            _invoice("A", "C1", "1000", date(2026, 1, 1), date(2026, 1, 10)),
            _invoice("B", "C1", "2000", date(2026, 1, 1), date(2026, 3, 31)),
        ),
    )
    behaviour = Behaviour(
        hazards={"default": NEVER},
        charges=AutomaticCharges(share=1.0, success=0.0, hard_share=0.0, retry_success=1.0),
    )
    shortcut = simulate(policy, portfolio, behaviour, days=40, seed=1)
    daily = simulate(policy, portfolio, behaviour, days=40, seed=1, every_day=True)
    assert [(p.day, p.invoice_id, p.source) for p in shortcut.payments] == [
        (date(2026, 1, 30), "A", "retry")
    ]
    assert (
        shortcut.actions
        == daily.actions
        == {
            "enter_stage": 1,
            "resume_service": 1,
            "retry_charge": 1,
            "suspend_service": 1,
        }
    )
    assert shortcut == daily


def test_a_run_pauses_the_cyclic_collector_and_sets_it_back():
    import gc

    portfolio = generate_portfolio(PortfolioSpec(customers=20, start=date(2026, 1, 1), seed=1))
    collections: list[int] = []

    def note(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            collections.append(info["generation"])

    was_enabled = gc.isenabled()
    gc.enable()
    gc.callbacks.append(note)
    try:
        result = simulate(DUE, portfolio, Behaviour(), days=60, seed=1)
        assert result.messages  # the run did its work, without one collection
        assert collections == []
        assert gc.isenabled()
        gc.disable()
        simulate(DUE, portfolio, Behaviour(), days=5, seed=1)
        assert not gc.isenabled()  # a host's own choice is left as it was
    finally:
        gc.callbacks.remove(note)
        if was_enabled:
            gc.enable()
