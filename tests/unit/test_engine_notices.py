"""The notice rule: what waits for a stage's notice, field by field, and until when."""

from __future__ import annotations

from datetime import date

import pytest
from test_engine import customer, cut_off, invoice, kinds, policy, run

from dunning import Contact, MessageSpec, SkipReason, Stage, StageTrigger
from dunning.policy import HandOff

ADDRESSES = {"sms": "+573001112233", "email": "ana@example.com"}
SMS_ONLY = customer(contacts=[Contact(channel="sms", address="+573001112233")])


def _waiting(key, due_on, text, retry_on):
    return {
        "key": key,
        "customer_id": "C1",
        "invoice_id": "I1",
        "due_on": due_on,
        "cause": SkipReason.AWAITING_NOTICE,
        "reason": {"rule": "stage:cut", "text": text, "figures": ()},
        "retry_on": retry_on,
        "rule_id": "stage:cut",
        "occurrence": None,
    }


def _cut(channels):
    message = MessageSpec(channels=channels, template="s", tone="final")
    stage = Stage(
        id="cut",
        trigger=StageTrigger(days_overdue=30),
        message=message,
        suspend_service=True,
        hand_off=HandOff(agency="A"),
        notice_days=2,
    )
    return policy(steps=[], stages=[stage])


def test_on_a_quiet_day_the_clear_days_count_from_the_next_business_day() -> None:
    # Stage entered on Saturday 2026-02-28; the notice may go out on Monday 2026-03-02, so two
    # clear days (Tuesday, Wednesday) put the effect on Thursday 2026-03-05.
    result = run([invoice(due_date=date(2026, 1, 29))], date(2026, 2, 28), cut_off(notice_days=2))
    (hand_off,) = [s for s in result.skipped if s.key == "b2c:C1:I1:hand-off:cut"]
    assert hand_off.model_dump() == _waiting(
        "b2c:C1:I1:hand-off:cut",
        date(2026, 2, 28),
        "hand 1000.00 USD over to Cobranzas SA on entering stage cut: waits for the notice of "
        "stage cut to go out",
        date(2026, 3, 5),
    )


def test_a_notice_that_cannot_go_out_holds_the_effect_from_the_next_day() -> None:
    # No quiet days, no email address: on Monday 2026-03-02 the notice cannot go out; the
    # earliest it may is Tuesday, and two clear days after put the effect on Friday 2026-03-06.
    result = run([invoice()], date(2026, 3, 2), _cut(["email"]), customers=[SMS_ONLY])
    assert kinds(result) == [("enter_stage", "b2c:C1:I1:stage:cut")]
    waiting = [s.model_dump() for s in result.skipped if s.cause is SkipReason.AWAITING_NOTICE]
    assert waiting == [
        _waiting(
            "b2c:C1:I1:hand-off:cut",
            date(2026, 3, 2),
            "hand 1000.00 USD over to A on entering stage cut: waits for the notice of stage "
            "cut to go out",
            date(2026, 3, 6),
        ),
        _waiting(
            "b2c:C1:suspend:1",
            date(2026, 3, 2),
            "suspend service: waits for the notice of stage cut to go out",
            date(2026, 3, 6),
        ),
    ]


@pytest.mark.parametrize("channel", ["sms", "email"])
def test_a_notice_out_on_one_channel_of_two_starts_the_clear_days(channel: str) -> None:
    reachable = customer(contacts=[Contact(channel=channel, address=ADDRESSES[channel])])
    result = run([invoice()], date(2026, 3, 2), _cut(["email", "sms"]), customers=[reachable])
    (hand_off,) = [s for s in result.skipped if s.key == "b2c:C1:I1:hand-off:cut"]
    assert hand_off.model_dump() == _waiting(
        "b2c:C1:I1:hand-off:cut",
        date(2026, 3, 2),
        "hand 1000.00 USD over to A on entering stage cut: waits for 2 clear days after the "
        "notice of stage cut (sent on 2026-03-02)",
        date(2026, 3, 5),
    )
