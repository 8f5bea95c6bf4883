from datetime import date, timedelta

from hypothesis import find, given
from hypothesis import strategies as st

from dunning.money import Money
from dunning.plans import InstallmentPlan, PlanStatus, PlanTerms
from dunning.testing._money import currencies, money
from dunning.testing._plans import installment_plans, payments_for, plan_terms


@given(st.data(), currencies())
def test_schedules_sum_exactly_and_are_never_negative(data: st.DataObject, currency: str) -> None:
    terms = data.draw(plan_terms(currency))
    principal = data.draw(money(currency, min_units=10**4))
    start = data.draw(st.dates(date(2020, 1, 1), date(2030, 12, 31)))
    rows = terms.schedule(principal, start)
    down = 1 if terms.down_payment_percent and rows[0].due_date == start else 0
    assert len(rows) == terms.installments + down
    assert Money.sum((r.principal for r in rows), currency) == principal
    for row in rows:
        assert not row.amount.is_negative
        assert row.amount == row.principal + row.interest + row.fee
    assert [r.due_date for r in rows] == sorted(r.due_date for r in rows)
    assert all(r.due_date >= start for r in rows)
    assert [r.sequence for r in rows] == list(range(1, len(rows) + 1))
    if terms.setup_fee is not None:
        assert rows[0].fee == terms.setup_fee


@given(installment_plans())
def test_plan_totals(plan: InstallmentPlan) -> None:
    assert plan.total == plan.principal + plan.interest + plan.fees
    assert plan.principal == Money.sum((row.principal for row in plan.installments), plan.currency)


@given(st.data(), installment_plans())
def test_a_plan_paid_on_schedule_never_defaults(data: st.DataObject, plan: InstallmentPlan) -> None:
    payments = data.draw(payments_for(plan))
    offset = data.draw(st.integers(0, (plan.end_date - plan.start_date).days + 60))
    on = plan.start_date + timedelta(days=offset)
    standing = plan.standing(on, payments)
    assert standing.status in (PlanStatus.CURRENT, PlanStatus.COMPLETED)
    assert standing.overdue_installments == ()
    assert plan.in_good_standing(on, payments)
    assert plan.standing(plan.end_date, payments).status is PlanStatus.COMPLETED


@given(st.data(), installment_plans())
def test_standing_figures_add_up_and_ignore_payment_order(
    data: st.DataObject, plan: InstallmentPlan
) -> None:
    payments = data.draw(payments_for(plan, on_time=False))
    on = plan.start_date + timedelta(days=data.draw(st.integers(0, 800)))
    standing = plan.standing(on, payments)
    assert standing == plan.standing(on, payments[::-1])
    assert standing.paid - standing.credit + standing.remaining == plan.total
    assert standing.overdue <= standing.owed_now <= standing.remaining
    for amount in (standing.paid, standing.remaining, standing.credit, standing.owed_now):
        assert not amount.is_negative
    assert standing.in_good_standing == (standing.status is not PlanStatus.DEFAULTED)
    if standing.status in (PlanStatus.CURRENT, PlanStatus.COMPLETED):
        assert standing.overdue_installments == ()
    if standing.status is PlanStatus.LATE:
        assert standing.overdue_installments


@given(st.data(), installment_plans())
def test_payments_after_default_do_not_bring_the_plan_back(
    data: st.DataObject, plan: InstallmentPlan
) -> None:
    payments = data.draw(payments_for(plan, on_time=False))
    standing = plan.standing(plan.end_date + timedelta(days=400), payments)
    if standing.defaulted_on is None:
        return
    later = data.draw(payments_for(plan, on_time=False))
    extra = tuple(
        p.evolve(id=f"L-{p.id}", date=max(p.date, standing.defaulted_on + timedelta(days=1)))
        for p in later
    )
    after = plan.standing(plan.end_date + timedelta(days=400), (*payments, *extra))
    assert after.status is PlanStatus.DEFAULTED
    assert after.defaulted_on == standing.defaulted_on


@given(st.data(), installment_plans())
def test_reschedule_sums_exactly(data: st.DataObject, plan: InstallmentPlan) -> None:
    payments = data.draw(payments_for(plan, on_time=False))
    on = plan.start_date + timedelta(days=data.draw(st.integers(0, 400)))
    left = plan.outstanding(on, payments)
    assert not left.is_negative
    assert left <= plan.total
    if not left.is_positive:
        return
    terms = data.draw(plan_terms(plan.currency))
    new = plan.reschedule(on, terms, id="PLAN-2", payments=payments)
    assert new.principal == left
    assert new.replaces == plan.id
    assert new.total == new.principal + new.interest + new.fees


def test_terms_strategy_shrinks_to_the_simplest_terms() -> None:
    found = find(plan_terms(), lambda terms: True)
    assert found == PlanTerms(installments=1)
