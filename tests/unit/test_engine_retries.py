from datetime import date
from decimal import Decimal

from dunning import Customer, Invoice, Policy, RetrySchedule, evaluate
from dunning.engine.actions import (
    ActionKind,
    HistoryRecord,
    HistoryStatus,
    RetryCharge,
    SkipReason,
)

POLICY = Policy(id="p", retries=RetrySchedule(days_after_failure=(3, 7)))
CUSTOMER = Customer(id="C", name="Ana")
INVOICE = Invoice(
    id="I", customer_id="C", currency="USD", total="50.00",
    issue_date=date(2026, 1, 1), due_date=date(2026, 1, 31),
)  # fmt: skip


def _failed(decline=None, code=None):
    return HistoryRecord(
        key="charge:I", kind=ActionKind.AUTOMATIC_CHARGE, customer_id="C", on=date(2026, 1, 31),
        status=HistoryStatus.FAILED, invoice_ids=("I",), decline=decline, decline_code=code,
    )  # fmt: skip


def test_a_soft_decline_is_retried_on_schedule():
    result = evaluate(
        [INVOICE], POLICY, date(2026, 2, 3), customers=[CUSTOMER], history=[_failed("soft")]
    )
    (retry,) = result.actions
    assert isinstance(retry, RetryCharge) and retry.attempt == 1


def test_a_hard_decline_is_never_retried_and_says_why():
    history = [_failed("hard", "stolen_card")]
    for day in (date(2026, 2, 3), date(2026, 2, 7)):
        result = evaluate([INVOICE], POLICY, day, customers=[CUSTOMER], history=history)
        assert result.actions == ()
        (skipped,) = result.skipped
        assert skipped.cause is SkipReason.HARD_DECLINE
        assert "declined for good on 2026-01-31 (stolen_card)" in skipped.reason.text
    # Before the first retry falls due there is nothing to say.
    early = evaluate([INVOICE], POLICY, date(2026, 2, 2), customers=[CUSTOMER], history=history)
    assert early.actions == () and early.skipped == ()


def test_a_hard_decline_on_a_retry_stops_the_later_retries():
    retried = HistoryRecord(
        key="p:C:I:retry:attempt:1", kind=ActionKind.RETRY_CHARGE, customer_id="C",
        on=date(2026, 2, 3), status=HistoryStatus.FAILED, invoice_ids=("I",), decline="hard",
    )  # fmt: skip
    result = evaluate(
        [INVOICE],
        POLICY,
        date(2026, 2, 7),
        customers=[CUSTOMER],
        history=[_failed("soft"), retried],
    )
    assert result.actions == ()
    assert [s.cause for s in result.skipped] == [SkipReason.HARD_DECLINE]


def test_the_latest_retry_due_supersedes_the_earlier_ones_field_by_field():
    policy = Policy(id="p", retries=RetrySchedule(days_after_failure=(3, 7, 14)))
    result = evaluate(
        [INVOICE], policy, date(2026, 2, 14), customers=[CUSTOMER], history=[_failed("soft")]
    )
    (retry,) = result.actions
    assert retry.model_dump() == {
        "key": "p:C:I:retry:attempt:3",
        "customer_id": "C",
        "invoice_ids": ("I",),
        "due_on": date(2026, 2, 14),
        "covers": (),
        "reason": {
            "rule": "retry",
            "text": "retry 3 of 3 of the automatic charge that failed on 2026-01-31",
            "figures": (("failed_on", "2026-01-31"), ("attempt", "3")),
        },
        "rule_id": "retry",
        "occurrence": 3,
        "kind": ActionKind.RETRY_CHARGE,
        "attempt": 3,
        "amount": {"amount": Decimal("50.00"), "currency": "USD"},
    }
    assert [s.model_dump() for s in result.skipped] == [
        {
            "key": f"p:C:I:retry:attempt:{n}",
            "customer_id": "C",
            "invoice_id": "I",
            "due_on": on,
            "cause": SkipReason.SUPERSEDED,
            "reason": {
                "rule": "retry",
                "text": f"retry {n} of {on.isoformat()} replaced by a later one",
                "figures": (),
            },
            "retry_on": None,
            "rule_id": "retry",
            "occurrence": n,
        }
        for n, on in ((1, date(2026, 2, 3)), (2, date(2026, 2, 7)))
    ]


def test_a_hard_decline_without_a_code_skips_the_latest_retry_field_by_field():
    result = evaluate(
        [INVOICE], POLICY, date(2026, 2, 9), customers=[CUSTOMER], history=[_failed("hard")]
    )
    assert result.actions == ()
    (skipped,) = result.skipped
    assert skipped.model_dump() == {
        "key": "p:C:I:retry:attempt:2",
        "customer_id": "C",
        "invoice_id": "I",
        "due_on": date(2026, 2, 7),
        "cause": SkipReason.HARD_DECLINE,
        "reason": {
            "rule": "retry",
            "text": "no retry 2: the charge was declined for good on 2026-01-31",
            "figures": (),
        },
        "retry_on": None,
        "rule_id": "retry",
        "occurrence": 2,
    }


def test_retries_move_to_the_next_payday_on_or_after_their_day():
    # Failed on Saturday 2026-01-31: 5 days later is 2026-02-05, a payday itself; 20 days
    # later is 2026-02-20, past February's payday, so it waits for 2026-03-05.
    policy = Policy(id="p", retries=RetrySchedule(days_after_failure=(5, 20), paydays=(5,)))

    def due(as_of):
        history = [_failed("soft")]
        return [a.due_on for a in evaluate(
            [INVOICE], policy, as_of, customers=[CUSTOMER], history=history
        ).actions]  # fmt: skip

    assert due(date(2026, 2, 4)) == []
    assert due(date(2026, 2, 5)) == [date(2026, 2, 5)]
    assert due(date(2026, 3, 4)) == [date(2026, 2, 5)]
    assert due(date(2026, 3, 5)) == [date(2026, 3, 5)]
    last = Policy(id="p", retries=RetrySchedule(days_after_failure=(3,), paydays=("last", 30)))
    result = evaluate(
        [INVOICE], last, date(2026, 3, 1), customers=[CUSTOMER], history=[_failed("soft")]
    )
    assert [a.due_on for a in result.actions] == [date(2026, 2, 28)]
