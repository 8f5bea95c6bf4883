from datetime import date

import pytest

from dunning import Customer, Invoice, Policy
from dunning.engine import HistoryIndex, HistoryRecord, evaluate, next_review
from dunning.engine.compiled import CompiledPolicy
from dunning.engine.review import _Memo, _next_review
from dunning.plans import PlanTerms, build_plan

CUSTOMER = Customer(id="C", name="Ana", contacts=[{"channel": "email", "address": "a@x"}])
INVOICE = Invoice(
    id="I",
    customer_id="C",
    currency="USD",
    total="100.00",
    issue_date=date(2026, 1, 1),
    due_date=date(2026, 1, 31),
)


def review(policy: Policy, as_of: date, invoice: Invoice = INVOICE, **kwargs) -> date | None:
    return next_review([invoice], policy, as_of, customers=[CUSTOMER], **kwargs).get("C")


def policy(**fields) -> Policy:
    return Policy.model_validate({"id": "p", **fields})


def test_an_invoice_not_yet_issued_is_reviewed_when_something_about_it_can_fall_due():
    # Being issued alone makes nothing due: no reminder falls due before the issue date.
    assert review(policy(), date(2025, 12, 20)) is None
    steps = [
        {"id": "early", "offset_days": -40, "channels": ["email"], "template": "t"},
        {"id": "before", "offset_days": -5, "channels": ["email"], "template": "t"},
    ]
    assert review(policy(steps=steps), date(2025, 12, 20)) == date(2026, 1, 26)
    weekly = [{**steps[0], "repeat": {"every_days": 7}}]  # 2025-12-22, 29, then 2026-01-05
    assert review(policy(steps=weekly), date(2025, 12, 20)) == date(2026, 1, 5)
    on_issue = [{**steps[0], "offset_days": -30}]
    assert review(policy(steps=on_issue), date(2025, 12, 20)) == date(2026, 1, 1)


def test_without_rules_nothing_is_ever_due():
    assert review(policy(), date(2026, 1, 5)) is None


def test_stages_on_balances_are_judged_from_the_due_date_and_customer_totals_the_day_after():
    on_balance = policy(
        stages=[
            {"id": "big", "trigger": {"invoice_balance": [{"amount": "50", "currency": "USD"}]}}
        ]
    )
    assert review(on_balance, date(2026, 1, 5)) == date(2026, 1, 31)
    assert review(on_balance, date(2026, 1, 31)) == date(2026, 2, 1)  # its entry, overdue
    on_days = policy(stages=[{"id": "late", "trigger": {"days_overdue": 5}}])
    assert review(on_days, date(2026, 1, 5)) == date(2026, 2, 5)  # the entry alone
    on_count = policy(stages=[{"id": "many", "trigger": {"unpaid_invoices": 2}}])
    assert review(on_count, date(2026, 1, 31)) == date(2026, 2, 1)  # one more unpaid
    assert review(on_count, date(2026, 2, 1)) is None


def test_a_void_invoice_is_never_reviewed():
    p = policy(steps=[{"id": "due", "offset_days": 0, "channels": ["email"], "template": "t"}])
    assert review(p, date(2026, 1, 5)) == date(2026, 1, 31)
    assert review(p, date(2026, 1, 5), INVOICE.evolve(status="void")) is None


def test_recurring_fees_from_the_stage_entry_up_to_their_maximum():
    fee = {"kind": "fixed", "amounts": [{"amount": "5.00", "currency": "USD"}]}
    stages = [
        {
            "id": "late",
            "trigger": {"days_overdue": 10},
            "fee": {"rule": fee, "every_days": 7, "max_times": 3},
        }
    ]
    p = policy(stages=stages)
    assert review(p, date(2026, 2, 1)) == date(2026, 2, 10)  # entry: 10 days overdue
    assert review(p, date(2026, 2, 10)) == date(2026, 2, 17)
    assert review(p, date(2026, 2, 17)) == date(2026, 2, 24)
    assert review(p, date(2026, 2, 24)) is None  # the third and last fee


def test_monthly_interest_is_reviewed_at_each_month_end():
    p = policy(interest={"rule": {"annual_rate": "12"}})
    assert review(p, date(2026, 2, 1)) == date(2026, 2, 28)
    assert review(p, date(2026, 2, 28)) == date(2026, 3, 31)


def test_retries_fall_on_the_next_payday_after_the_failure():
    p = policy(retries={"days_after_failure": [3, 10], "paydays": [15, "last"]})
    failure = HistoryRecord(
        key="charge:I",
        kind="automatic_charge",
        customer_id="C",
        on=date(2026, 2, 3),
        status="failed",
        invoice_ids=("I",),
    )
    # 3 days after the failure is the 6th: the next payday is the 15th; 10 days: the 13th, 15th.
    assert review(p, date(2026, 2, 3), history=[failure]) == date(2026, 2, 15)
    assert review(p, date(2026, 2, 15), history=[failure]) is None


def test_a_promise_is_reviewed_the_day_after_it_ends():
    promised = INVOICE.evolve(promise_to_pay=date(2026, 2, 20))
    assert review(policy(), date(2026, 2, 5), promised) == date(2026, 2, 21)
    assert review(policy(), date(2026, 2, 20), promised) == date(2026, 2, 21)
    assert review(policy(), date(2026, 2, 21), promised) is None


def test_recurring_fees_count_from_the_recorded_entry_of_a_customer_level_stage():
    fee = {"kind": "fixed", "amounts": [{"amount": "5.00", "currency": "USD"}]}
    p = policy(
        stages=[
            {
                "id": "many",
                "trigger": {"unpaid_invoices": 2},
                "fee": {"rule": fee, "every_days": 10},
            }
        ]
    )
    entered = HistoryRecord(
        key="p:C:I:stage:many", kind="enter_stage", customer_id="C", on=date(2026, 2, 13)
    )
    assert review(p, date(2026, 2, 20), history=[entered]) == date(2026, 2, 23)
    assert review(p, date(2026, 2, 20)) is None


def test_an_invoice_under_a_plan_is_reviewed_every_day():
    plan = build_plan([INVOICE], PlanTerms(installments=3), id="plan", start_date=date(2026, 2, 1))
    assert review(policy(), date(2026, 2, 5), plans=[plan]) == date(2026, 2, 6)


def test_a_deferred_message_is_reviewed_on_the_day_it_may_go():
    p = policy(
        steps=[{"id": "late", "offset_days": 7, "channels": ["email"], "template": "t"}],
        quiet_days={"calendar": {"weekend": [5, 6]}},
    )
    saturday = date(2026, 2, 7)
    index = HistoryIndex()
    evaluation = evaluate([INVOICE], p, saturday, customers=[CUSTOMER], history=index)
    assert [s.cause.value for s in evaluation.skipped] == ["quiet_day"]
    assert review(p, saturday, history=index, evaluation=evaluation) == date(2026, 2, 9)
    assert review(p, saturday, history=index) is None  # without the evaluation: nothing known
    monday = date(2026, 2, 9)
    evaluation = evaluate([INVOICE], p, monday, customers=[CUSTOMER], history=index)
    index.add(evaluation.history(monday))
    assert [a.kind.value for a in evaluation.actions] == ["send_message"]
    assert review(p, monday, history=index, evaluation=evaluation) is None  # all done


def test_a_reminder_due_on_a_quiet_day_is_reviewed_on_the_next_day_that_is_not_quiet():
    steps = [{"id": "late", "offset_days": 7, "channels": ["email"], "template": "t"}]
    quiet = {"calendar": {"weekend": [5, 6]}}
    assert review(policy(steps=steps), date(2026, 2, 1)) == date(2026, 2, 7)  # a Saturday
    assert review(policy(steps=steps, quiet_days=quiet), date(2026, 2, 1)) == date(2026, 2, 9)
    # A stage entered on a quiet day acts on it (only its message waits): reviewed that day.
    stage = [{"id": "late", "trigger": {"days_overdue": 7}}]
    assert review(policy(stages=stage, quiet_days=quiet), date(2026, 2, 1)) == date(2026, 2, 7)
    # On the quiet day itself the evaluation of the day tells when the message may go.
    p = policy(steps=steps, quiet_days=quiet)
    saturday = date(2026, 2, 7)
    evaluation = evaluate([INVOICE], p, saturday, customers=[CUSTOMER])
    assert [a.kind.value for a in evaluation.actions] == []
    assert review(p, date(2026, 2, 6)) == date(2026, 2, 9)


@pytest.mark.parametrize("offset", [-3, 0, 5])
def test_business_day_steps_are_reviewed_on_their_business_day(offset):
    p = policy(
        steps=[{"id": "b", "offset_days": offset, "day_kind": "business", "channels": ["email"],
                "template": "t"}]
    )  # fmt: skip
    expected = {-3: date(2026, 1, 28), 0: date(2026, 1, 31), 5: date(2026, 2, 6)}[offset]
    assert review(p, date(2026, 1, 10)) == expected
    assert review(p, expected) is None


def test_a_payment_dated_later_is_reviewed_on_its_day_and_the_next():
    paid = INVOICE.evolve(
        payments=[
            {"id": "P", "date": date(2026, 2, 10), "amount": {"amount": "40", "currency": "USD"}}
        ]
    )
    assert review(policy(), date(2026, 2, 1), paid) == date(2026, 2, 10)
    assert review(policy(), date(2026, 2, 10), paid) == date(2026, 2, 11)
    assert review(policy(), date(2026, 2, 11), paid) is None


class TestRemembered:
    """A review day kept between reviews (`_next_review`'s memo) is the day worked out afresh."""

    @staticmethod
    def reviews(p: Policy, *days: tuple[date, tuple[HistoryRecord, ...]]) -> list[date | None]:
        memo: dict[str, _Memo] = {}
        compiled: dict[str, CompiledPolicy] = {}  # kept too, as a run keeps it
        found = []
        for day, history in days:
            args = ([INVOICE], p, day, [CUSTOMER], history, (), None)
            remembered = _next_review(*args, compiled, memo).get("C")
            assert remembered == _next_review(*args, {}).get("C")
            found.append(remembered)
        return found

    def test_the_day_is_kept_until_it_is_reached(self):
        p = policy(
            steps=[
                {"id": "before", "offset_days": -3, "channels": ["email"], "template": "t"},
                {"id": "after", "offset_days": 7, "channels": ["email"], "template": "t"},
            ]
        )
        days = [date(2026, 1, 2), date(2026, 1, 20), date(2026, 1, 28), date(2026, 2, 1)]
        # ... and worked out afresh for a day before the one it was worked out on.
        days.append(date(2026, 1, 2))
        assert self.reviews(p, *[(d, ()) for d in days]) == [
            date(2026, 1, 28),
            date(2026, 1, 28),
            date(2026, 2, 7),
            date(2026, 2, 7),
            date(2026, 1, 28),
        ]

    def test_a_reminder_moved_off_a_quiet_day_is_looked_for_again_once_its_day_is_passed(self):
        # Due on Saturday 31 January: the reminder waits for Monday. Reviewed on the Saturday,
        # the reminder's own day is passed: its deferral is the evaluation's to report.
        p = policy(
            steps=[{"id": "due", "offset_days": 0, "channels": ["email"], "template": "t"}],
            quiet_days={"calendar": {"weekend": [5, 6]}},
        )
        assert self.reviews(p, (date(2026, 1, 20), ()), (date(2026, 1, 31), ())) == [
            date(2026, 2, 2),
            None,
        ]

    def test_a_stage_entry_recorded_since_moves_its_recurring_fees(self):
        fee = {"kind": "fixed", "amounts": [{"amount": "5.00", "currency": "USD"}]}
        p = policy(
            stages=[
                {
                    "id": "many",
                    "trigger": {"unpaid_invoices": 1},
                    "fee": {"rule": fee, "every_days": 10},
                }
            ]
        )
        entered = HistoryRecord(
            key="p:C:I:stage:many", kind="enter_stage", customer_id="C", on=date(2026, 2, 13)
        )
        assert self.reviews(p, (date(2026, 2, 12), ()), (date(2026, 2, 20), (entered,))) == [
            None,
            date(2026, 2, 23),
        ]

    def test_a_failed_charge_recorded_since_brings_its_retries(self):
        p = policy(retries={"days_after_failure": [3, 10], "paydays": [15, "last"]})
        failure = HistoryRecord(
            key="charge:I",
            kind="automatic_charge",
            customer_id="C",
            on=date(2026, 2, 3),
            status="failed",
            invoice_ids=("I",),
        )
        assert self.reviews(p, (date(2026, 2, 2), ()), (date(2026, 2, 3), (failure,))) == [
            None,
            date(2026, 2, 15),
        ]
