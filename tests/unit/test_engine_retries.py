from datetime import date

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
