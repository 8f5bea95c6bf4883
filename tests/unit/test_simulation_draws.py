"""The payer model's skipping draws pay each day with exactly the model's daily probability."""

from datetime import date, timedelta
from math import sqrt

import pytest

from dunning import Customer, Invoice, Policy, ReminderStep
from dunning.simulation import (
    Behaviour,
    Disputes,
    PartialPayments,
    PaymentHazard,
    Portfolio,
    Promises,
    ReminderResponse,
    simulate,
)
from dunning.simulation._random import _GOLDEN, _SCALE, _mix, uniform

ISSUED, DUE = date(2026, 1, 1), date(2026, 1, 11)
HAZARD = PaymentHazard(before_due=0.02, on_due=0.3, after_due=0.1, decay=0.9, never_pay=0)
BEHAVIOUR = Behaviour(
    hazards={"default": HAZARD},
    response=ReminderResponse(uplift={"whatsapp": 0.8}, half_life_days=2, opt_out_probability=0),
    partial=PartialPayments(probability=0),
    disputes=Disputes(probability=0),
    promises=Promises(probability=0),
)
CUSTOMERS = 4000


def _portfolio() -> Portfolio:
    return Portfolio(
        customers=tuple(
            Customer(
                id=f"C{n}",
                name=f"C{n}",
                contacts=[{"channel": "whatsapp", "address": "+573000000000"}],
            )
            for n in range(CUSTOMERS)
        ),
        invoices=tuple(
            Invoice(
                id=f"I{n}",
                customer_id=f"C{n}",
                currency="COP",
                total="1000",
                issue_date=ISSUED,
                due_date=DUE,
            )
            for n in range(CUSTOMERS)
        ),
    )


def _expected_paid_by(days_from_due: int, reminder: int | None) -> float:
    """The share paid by the end of a day, from the daily hazard worked day by day."""
    unpaid = 1.0
    day = ISSUED
    while (day - DUE).days <= days_from_due:
        k = (day - DUE).days
        lift = 0.8 * 0.5 ** ((k - reminder) / 2) if reminder is not None and k >= reminder else 0
        unpaid *= 1 - min(HAZARD.on(k) * (1 + lift), 1.0)
        day += timedelta(days=1)
    return 1 - unpaid


@pytest.mark.parametrize("reminder", [None, 2])
def test_the_share_paid_by_each_day_follows_the_daily_hazard(reminder):
    steps = (
        []
        if reminder is None
        else [ReminderStep(id="r", offset_days=reminder, channels=["whatsapp"], template="r")]
    )
    run = simulate(Policy(id="p", steps=steps), _portfolio(), BEHAVIOUR, days=60, seed=11)
    assert all(not p.partial and p.source == "payer" for p in run.payments)
    for days_from_due in (-3, -1, 0, 2, 3, 6, 15, 40):
        expected = _expected_paid_by(days_from_due, reminder)
        paid = sum(1 for p in run.payments if (p.day - DUE).days <= days_from_due) / CUSTOMERS
        # Four standard deviations of a binomial share: a wrong daily probability (a missing
        # correction on candidate days, a bound below the hazard) moves these figures by more.
        assert abs(paid - expected) < 4 * sqrt(expected * (1 - expected) / CUSTOMERS), (
            days_from_due,
            paid,
            expected,
        )
    if reminder is not None:
        assert len(run.messages) == CUSTOMERS - sum(
            1 for p in run.payments if (p.day - DUE).days < reminder
        )


def test_a_draw_is_splitmix64_of_the_subject_day_and_slot():
    # The written-out draw is the splitmix64 finaliser of the counter, to the bit: the draws
    # of every run (and the figures the tests pin) stay what they were.
    assert uniform(0, 0, 0) == (_mix(_GOLDEN) >> 11) * _SCALE
    assert (
        uniform(2**64 - 1, 3659, 10)
        == (_mix((2**64 - 1 + (3659 * 64 + 11) * _GOLDEN) & (2**64 - 1)) >> 11) * _SCALE
    )
    assert uniform(12345, 7, 3) == 0.9001981982974712  # as the draw has always given
