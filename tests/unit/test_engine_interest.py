from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from dunning import Customer, InterestRule, Invoice, Policy, RateQuote, evaluate
from dunning.engine.actions import PostInterest
from dunning.policy.model import InterestSettings

CUSTOMER = Customer(id="C", name="Ana")


def _postings(rule: InterestRule, total: str, due: date, as_of: date, payments=()):
    invoice = Invoice(
        id="I", customer_id="C", currency="COP", total=total, issue_date=date(2023, 12, 1),
        due_date=due, payments=list(payments),
    )  # fmt: skip
    policy = Policy(id="p", interest=InterestSettings(rule=rule))
    result = evaluate([invoice], policy, as_of, customers=[CUSTOMER])
    return [a for a in result.actions if isinstance(a, PostInterest)]


def test_monthly_postings_at_the_usury_ceiling_add_up_to_what_it_permits():
    # 100,000 COP charged at the ceiling for a year (2024, a leap year: 366 days on ACT/365F):
    # 28.37 % x 366 / 365 = 28,447.73 permitted. Rounding each of the 12 postings half up
    # used to post 28,452, more than the law allows.
    rule = InterestRule(annual_rate=Decimal("35"), ceiling=Decimal("28.37"))
    postings = _postings(rule, "100000", date(2023, 12, 31), date(2024, 12, 31))
    assert len(postings) == 12
    posted = sum(p.amount.amount for p in postings)
    permitted = rule.permitted(Decimal(100000), date(2024, 1, 1), date(2024, 12, 31))
    assert permitted == Fraction(100000) * Fraction("28.37") / 100 * Fraction(366, 365)
    assert posted == 28447  # floor(28,447.73): never above the ceiling's amount
    assert all(p.segments[0].capped for p in postings)
    # The first month alone: 31 days at the ceiling, 2,409.51 permitted, 2,409 posted.
    january = next(p for p in postings if p.last_day == date(2024, 1, 31))
    assert january.amount.amount == 2409


def test_below_the_ceiling_the_running_total_is_rounded_once():
    rule = InterestRule(annual_rate=Decimal("12"))
    postings = _postings(rule, "100001", date(2023, 12, 31), date(2024, 12, 31))
    exact = Fraction(100001) * Fraction(12, 100) * Fraction(366, 365)
    assert sum(p.amount.amount for p in postings) == round(exact)  # 12,032 (12,032.24 exact)


@settings(max_examples=150)
@given(
    total=st.integers(1, 10**9),
    rate=st.decimals("0.5", "80", places=2),
    ceiling=st.decimals("0.5", "60", places=2),
    months=st.integers(1, 30),
    paid=st.lists(st.tuples(st.integers(1, 900), st.integers(1, 10**8)), max_size=3),
    quoted=st.sampled_from(list(RateQuote)),
)
def test_no_sequence_of_postings_exceeds_what_the_ceiling_permits(
    total, rate, ceiling, months, paid, quoted
):
    rule = InterestRule(annual_rate=rate, ceiling=ceiling, quoted=quoted)
    due = date(2024, 1, 31)
    as_of = date(2024 + (months // 12), 1 + months % 12, 1)
    payments = [
        {"id": f"P{n}", "date": date.fromordinal(due.toordinal() + day),
         "amount": {"amount": str(amount), "currency": "COP"}}
        for n, (day, amount) in enumerate(paid)
    ]  # fmt: skip
    postings = sorted(_postings(rule, str(total), due, as_of, payments), key=lambda p: p.last_day)
    invoice = Invoice(
        id="I", customer_id="C", currency="COP", total=str(total), issue_date=date(2023, 12, 1),
        due_date=due, payments=payments,
    )  # fmt: skip
    from dunning.engine.rules.interest import _accrue

    running = Decimal(0)
    for posting in postings:
        assert posting.amount.amount > 0
        running += posting.amount.amount
        _, _, allowed = _accrue(rule, invoice, rule.first_day(due), posting.last_day)
        assert allowed is not None and running <= allowed


def test_effective_annual_rates_convert_to_their_monthly_rate():
    rule = InterestRule(annual_rate=Decimal("26.8241794563"), quoted="effective_annual")
    assert rule.basis.value == "ACT/360"
    # (1 + 26.8241794563 %)^(1/12) - 1 = 2 % a month: 30 days on 100,000 cost 2,000.
    computed = rule.compute(
        __import__("dunning").Money("100000", "COP"), date(2024, 1, 1), date(2024, 1, 31)
    )
    assert computed.amount.amount == 2000
    monthly = InterestRule(annual_rate=Decimal("2"), quoted="effective_monthly")
    assert monthly.accrual_rate(Decimal("2")) == Decimal("24")
    # A ceiling quoted E.A. caps an E.A. rate on the same scale.
    capped = InterestRule(
        annual_rate=Decimal("40"), ceiling=Decimal("26.8241794563"), quoted="effective_annual"
    )
    assert capped.rates(date(2024, 1, 1), date(2024, 1, 30))[0][2:4] == (
        Decimal("24.0000000000"),
        True,
    )


def test_an_effective_rate_on_a_365_day_basis_is_refused():
    with pytest.raises(ValidationError, match="quoted is effective_annual but basis is ACT/365F"):
        InterestRule(annual_rate=Decimal("25"), quoted="effective_annual", basis="ACT/365F")


def test_a_day_the_rate_table_has_no_rate_for_rejects_that_invoice_only():
    # The table starts on 2026-06-01: interest of February 2026 cannot be worked out for the
    # first invoice, which is rejected with the table's reason; the second is posted.
    from dunning.rates import RateTable, ReferenceRate

    table = RateTable.from_rows([("2026-06-01", "10")], name="X")
    rule = InterestRule(reference=ReferenceRate(table=table, spread=Decimal(2)))
    policy = Policy(id="p", interest=InterestSettings(rule=rule))
    invoices = [
        Invoice(
            id=f"I{n}",
            customer_id=CUSTOMER.id,
            currency="USD",
            total="100.00",
            issue_date=date(2026, 1, 1),
            due_date=due,
        )
        for n, due in enumerate([date(2026, 1, 31), date(2026, 7, 1)])
    ]
    result = evaluate(invoices, policy, date(2026, 9, 1), customers=[CUSTOMER])
    (rejected,) = result.rejected
    assert rejected.error == (
        "invoice 'I0' cannot be evaluated: rate table 'X' has no rate on 2026-02-01: it starts "
        "on 2026-06-01 (due date 2026-01-31, total 100.00 USD)"
    )
    posted = [(a.key, a.amount.amount) for a in result.actions if isinstance(a, PostInterest)]
    # July 2 to 31 (30 days) and August (31 days) at 12 % on ACT/365F.
    assert posted == [
        ("p:C:I1:interest:2026-07", Decimal("0.99")),
        ("p:C:I1:interest:2026-08", Decimal("1.02")),
    ]


def test_an_invoice_whose_latest_posting_is_done_accrues_nothing_again():
    # Postings are made back to the last one done: once the latest period is in the history
    # nothing is due, and the periods before it are not worked out again, so a rate table
    # that no longer covers them rejects nothing (as the quick check judges it). Here the
    # invoice is evaluated in full (its reminder is due), not found quiet.
    from dunning import HistoryRecord, ReminderStep
    from dunning.rates import RateTable, ReferenceRate

    table = RateTable.from_rows([("2026-06-01", "10")], name="X")
    rule = InterestRule(reference=ReferenceRate(table=table, spread=Decimal(2)))
    policy = Policy(
        id="p",
        interest=InterestSettings(rule=rule),
        steps=[ReminderStep(id="late", offset_days=213, channels=["email"], template="t")],
    )
    customer = Customer(id="C", name="Ana", contacts=[{"channel": "email", "address": "a@x"}])
    invoice = Invoice(
        id="I0", customer_id="C", currency="USD", total="100.00",
        issue_date=date(2026, 1, 1), due_date=date(2026, 1, 31),
    )  # fmt: skip
    done = HistoryRecord(
        key="p:C:I0:interest:2026-08", kind="post_interest", customer_id="C",
        on=date(2026, 8, 31), invoice_ids=["I0"],
    )  # fmt: skip
    result = evaluate([invoice], policy, date(2026, 9, 1), customers=[customer], history=[done])
    assert result.rejected == ()
    assert [a.key for a in result.actions] == ["p:C:I0:step:late:0@email"]
    # Without that record every month is worked out, and February has no rate.
    result = evaluate([invoice], policy, date(2026, 9, 1), customers=[customer])
    assert [r.invoice_id for r in result.rejected] == ["I0"]
    assert "has no rate on 2026-02-01" in result.rejected[0].error


# 36.5 % a year on ACT/365F is 0.1 % a day: 10.00 USD a day on 10,000.00 USD.
_DAILY = InterestRule(annual_rate=Decimal("36.5"))


def _usd(**changes):
    data = {
        "id": "I", "customer_id": "C", "currency": "USD", "total": "10000.00",
        "issue_date": date(2026, 1, 1), "due_date": date(2026, 1, 31),
    }  # fmt: skip
    data.update(changes)
    return Invoice(**data)


def _paid(payment_id, day, amount):
    return {"id": payment_id, "date": day, "amount": {"amount": amount, "currency": "USD"}}


def _posted(invoice, as_of, **settings):
    policy = Policy(id="p", interest=InterestSettings(rule=_DAILY, **settings.pop("interest", {})),
                    **settings)  # fmt: skip
    result = evaluate([invoice], policy, as_of, customers=[CUSTOMER])
    assert result.rejected == ()
    return [
        (a.key, a.first_day, a.last_day, a.amount.amount)
        for a in result.actions
        if isinstance(a, PostInterest)
    ]


def test_a_monthly_posting_field_by_field():
    result = evaluate(
        [_usd()],
        Policy(id="p", interest=InterestSettings(rule=_DAILY)),
        date(2026, 2, 28),
        customers=[CUSTOMER],
    )
    (posting,) = result.actions
    assert posting.model_dump() == {
        "key": "p:C:I:interest:2026-02",
        "customer_id": "C",
        "invoice_ids": ("I",),
        "due_on": date(2026, 2, 28),
        "covers": (),
        "reason": {
            "rule": "interest:monthly",
            "text": "interest from 2026-02-01 to 2026-02-28: 280.00 USD",
            "figures": (("days", "28"),),
        },
        "rule_id": "interest:monthly",
        "occurrence": None,
        "kind": PostInterest.model_fields["kind"].default,
        "amount": {"amount": Decimal("280.00"), "currency": "USD"},
        "first_day": date(2026, 2, 1),
        "last_day": date(2026, 2, 28),
        "segments": (
            {
                "first_day": date(2026, 2, 1),
                "last_day": date(2026, 2, 28),
                "days": 28,
                "annual_rate": Decimal("36.5"),
                "capped": False,
                "floored": False,
                "amount": Decimal("280"),
            },
        ),
    }


def test_each_day_bears_interest_on_what_was_owed_at_its_start():
    # Feb 1 on 10,000 (paid 4,000 that day) 10.00; Feb 2 on 6,000 (paid 1,000) 6.00;
    # Feb 3-27 on 5,000 25 x 5.00; Feb 28 on 4,000 (paid 1,000 on Feb 27) 4.00: 145.00.
    payments = [
        _paid("P1", date(2026, 2, 1), "4000.00"),
        _paid("P2", date(2026, 2, 2), "1000.00"),
        _paid("P3", date(2026, 2, 27), "1000.00"),
    ]
    assert _posted(_usd(payments=payments), date(2026, 2, 28)) == [
        ("p:C:I:interest:2026-02", date(2026, 2, 1), date(2026, 2, 28), Decimal("145.00"))
    ]


def test_a_credit_note_lowers_the_principal_from_the_next_day():
    # Feb 1-10 on 10,000 (100.00), Feb 11-28 on 5,000 (18 x 5.00 = 90.00).
    notes = [_paid("N1", date(2026, 2, 10), "5000.00")]
    assert _posted(_usd(credit_notes=notes), date(2026, 2, 28)) == [
        ("p:C:I:interest:2026-02", date(2026, 2, 1), date(2026, 2, 28), Decimal("190.00"))
    ]


def test_a_month_with_nothing_to_post_does_not_hide_the_months_before_it():
    # Paid in full on Feb 15: February posts 15 days, March nothing; the walk back from March
    # goes on to February.
    paid = _usd(payments=[_paid("P1", date(2026, 2, 15), "10000.00")])
    assert _posted(paid, date(2026, 3, 31), charges_outlive_principal=True) == [
        ("p:C:I:interest:2026-02", date(2026, 2, 1), date(2026, 2, 28), Decimal("150.00"))
    ]


def test_payment_postings_cover_the_days_up_to_each_payment_after_the_due_date():
    # The payment on the due date lowers the principal but posts nothing; Feb 1 is a posting
    # of one day on 9,000, and a payment on the day of the evaluation is posted that day.
    payments = [
        _paid("P0", date(2026, 1, 31), "1000.00"),
        _paid("P1", date(2026, 2, 1), "1000.00"),
        _paid("P2", date(2026, 2, 20), "1000.00"),
    ]
    assert _posted(_usd(payments=payments), date(2026, 2, 20), interest={"posting": "payment"}) == [
        ("p:C:I:interest:2026-02-01", date(2026, 2, 1), date(2026, 2, 1), Decimal("9.00")),
        ("p:C:I:interest:2026-02-20", date(2026, 2, 2), date(2026, 2, 20), Decimal("152.00")),
    ]


def test_stage_postings_come_only_from_stages_that_post_interest():
    from dunning import Stage, StageTrigger

    stages = [
        Stage(id="a", trigger=StageTrigger(days_overdue=10)),
        Stage(id="b", trigger=StageTrigger(days_overdue=20), post_interest=True),
    ]
    settings = {"stages": stages, "interest": {"posting": "stage_entry"}}
    assert _posted(_usd(), date(2026, 2, 5), **settings) == []
    assert _posted(_usd(), date(2026, 2, 25), **settings) == [
        ("p:C:I:interest:stage-b", date(2026, 2, 1), date(2026, 2, 20), Decimal("200.00"))
    ]


def test_without_a_ceiling_nothing_is_permitted_or_capped():
    from dunning.engine.rules.interest import _accrue

    total, _, allowed = _accrue(_DAILY, _usd(), date(2026, 2, 1), date(2026, 2, 10))
    assert (total, allowed) == (Fraction(100), None)


def test_days_on_no_principal_permit_nothing_more_under_a_ceiling():
    # Paid in full on 2024-01-15 with charges outliving the principal: January posts the
    # ceiling's 100,000 x 28.37 % x 15 / 365 = 1,165.89, floored to 1,165; February, on no
    # principal, adds nothing to what the ceiling permits, so nothing is posted for it.
    rule = InterestRule(annual_rate=Decimal("35"), ceiling=Decimal("28.37"))
    paid = Invoice(
        id="I", customer_id="C", currency="COP", total="100000", issue_date=date(2023, 12, 1),
        due_date=date(2023, 12, 31),
        payments=[{"id": "P", "date": date(2024, 1, 15),
                   "amount": {"amount": "100000", "currency": "COP"}}],
    )  # fmt: skip
    policy = Policy(id="p", interest=InterestSettings(rule=rule), charges_outlive_principal=True)
    result = evaluate([paid], policy, date(2024, 2, 29), customers=[CUSTOMER])
    assert [(a.key, a.amount.amount) for a in result.actions] == [
        ("p:C:I:interest:2024-01", Decimal("1165"))
    ]
