"""`st.from_type` for every domain type: the strategies registered with Hypothesis.

`register_domain_types()` (run when `dunning.testing.strategies` is imported) registers a
strategy for each domain and policy model, so ``st.from_type(Invoice)`` draws valid invoices
and ``st.builds(f)`` fills every parameter of `f` annotated with a domain type.
"""

from __future__ import annotations

from datetime import date

from hypothesis import strategies as st

from dunning.calendars import HolidayCalendar, WeekendCalendar
from dunning.invoices import CreditNote, Customer, Invoice, Payment
from dunning.money import Money
from dunning.penalties import FixedFee, InterestRule, PercentFee, TieredFee
from dunning.plans import Frequency, InstallmentPlan, PlanTerms
from dunning.policy.model import (
    FeeCap,
    FrequencyCap,
    Policy,
    PolicySet,
    ReminderStep,
    SendWindow,
    Stage,
    StageFee,
)
from dunning.policy.promises import (
    EscalationPromise,
    FirstReminderPromise,
    MessageLimit,
    ReminderLimit,
    SuspensionNoticePromise,
)
from dunning.rates import RateTable, ReferenceRate
from dunning.terms import PaymentTerms
from dunning.testing._engine import customers, invoices
from dunning.testing._money import money
from dunning.testing._penalties import fixed_fees, interest_rules, percent_fees, tiered_fees
from dunning.testing._plans import frequencies, installment_plans, plan_terms
from dunning.testing._policies import (
    fee_caps,
    frequency_caps,
    policies,
    policy_sets,
    reminder_steps,
    send_windows,
    stage_fees,
    stages,
)
from dunning.testing._terms import payment_terms
from dunning.testing._time import (
    dates,
    holiday_calendars,
    rate_tables,
    reference_rates,
    weekend_calendars,
)

__all__ = ["register_domain_types"]


def _received(kind: type[Payment] | type[CreditNote]) -> st.SearchStrategy[object]:
    return st.builds(
        kind,
        id=st.sampled_from(("P-1", "P-2", "CN-1")),
        date=dates(date(2020, 1, 1), date(2030, 12, 31)),
        amount=money(min_units=1),
    )


def register_domain_types() -> None:
    """Register a strategy for every domain type with `st.register_type_strategy`.

    Ask for a domain type with ``st.from_type(T)``, or let ``st.builds(f)`` fill the
    parameters of `f` annotated with domain types. ``st.builds(T)`` itself calls ``T(...)``
    with each required field drawn from its annotation alone, independently of the other
    fields, so it cannot satisfy the checks a model makes across fields (an invoice due
    after its issue date, in the currency of its total).

    Registering again replaces the same strategies, so calling it twice is harmless.

    >>> from hypothesis import given, settings, strategies as st
    >>> register_domain_types()
    >>> @settings(max_examples=10)
    ... @given(st.from_type(Invoice))
    ... def test_an_invoice_is_never_due_before_it_is_issued(invoice):
    ...     assert invoice.due_date >= invoice.issue_date
    >>> test_an_invoice_is_never_due_before_it_is_issued()
    """
    for kind, strategy in _domain_strategies().items():
        st.register_type_strategy(kind, strategy)


def _domain_strategies() -> dict[type[object], st.SearchStrategy[object]]:
    """The strategy of each domain type, as registered."""
    return {
        Money: money(),
        Payment: _received(Payment),
        CreditNote: _received(CreditNote),
        Invoice: invoices(),
        Customer: customers(),
        WeekendCalendar: weekend_calendars(),
        HolidayCalendar: holiday_calendars(),
        RateTable: rate_tables(),
        ReferenceRate: reference_rates(),
        InterestRule: interest_rules(),
        FixedFee: fixed_fees(),
        PercentFee: percent_fees(),
        TieredFee: tiered_fees(),
        PaymentTerms: payment_terms(),
        Frequency: frequencies(),
        PlanTerms: plan_terms(),
        InstallmentPlan: installment_plans(),
        ReminderStep: reminder_steps(),
        Stage: stages(),
        StageFee: stage_fees(),
        FrequencyCap: frequency_caps(),
        FeeCap: fee_caps(),
        SendWindow: send_windows(),
        Policy: policies(),
        PolicySet: policy_sets(),
        MessageLimit: st.builds(
            MessageLimit, max_messages=st.integers(1, 10), days=st.integers(1, 31)
        ),
        ReminderLimit: st.builds(ReminderLimit, max_reminders=st.integers(1, 20)),
        FirstReminderPromise: st.builds(FirstReminderPromise, within_days=st.integers(0, 30)),
        EscalationPromise: st.builds(
            EscalationPromise, stage=st.just("call"), by_day=st.integers(0, 90)
        ),
        SuspensionNoticePromise: st.builds(SuspensionNoticePromise, min_days=st.integers(1, 30)),
    }
