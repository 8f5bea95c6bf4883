"""The message rule: quiet days, stage messages in place of reminders, the frequency cap."""

from __future__ import annotations

from datetime import date

from test_engine import Contact, FrequencyCap, QuietDays, customer, invoice, kinds, policy, run

from dunning import MessageSpec, SkipReason, Stage, StageTrigger

LATE = Stage(
    id="late",
    trigger=StageTrigger(days_overdue=2),
    message=MessageSpec(channels=["email"], template="late", tone="firm"),
)


def _skip(key, invoice_id, due_on, cause, rule, text, retry_on=None, rule_id=None):
    return {
        "key": key,
        "customer_id": "C1",
        "invoice_id": invoice_id,
        "due_on": due_on,
        "cause": cause,
        "reason": {"rule": rule, "text": text, "figures": ()},
        "retry_on": retry_on,
        "rule_id": rule_id or rule,
        "occurrence": None if key.startswith("b2c:C1:I1:stage") else 0,
    }


def test_on_a_quiet_day_the_stage_message_waits_and_still_replaces_the_reminder() -> None:
    # Due Thursday 2026-01-29: two days overdue on Saturday, when the stage message and the
    # "after" reminder both fall due.
    pol = policy(stages=[LATE], quiet_days=QuietDays())
    result = run([invoice(due_date=date(2026, 1, 29))], date(2026, 1, 31), pol)
    assert kinds(result) == [("enter_stage", "b2c:C1:I1:stage:late")]
    skipped = [s.model_dump() for s in result.skipped if s.due_on == date(2026, 1, 31)]
    assert skipped == [
        _skip(
            "b2c:C1:I1:stage-message:late",
            "I1",
            date(2026, 1, 31),
            SkipReason.QUIET_DAY,
            "stage:late",
            "2026-01-31 is a quiet day; the message waits",
            retry_on=date(2026, 2, 2),
        ),
        _skip(
            "b2c:C1:I1:step:after:0",
            "I1",
            date(2026, 1, 31),
            SkipReason.SUPERSEDED,
            "step:after",
            "reminder replaced by the message of stage:late",
        ),
    ]


def test_the_frequency_cap_lets_the_most_severe_messages_out_first() -> None:
    # At most 2 messages in 7 days, one sent on 2026-01-30: on 2026-02-02 there is room for
    # one, the stage message of I2; the reminders of I1 and I3 wait until 2026-02-06, when
    # the message of 2026-01-30 leaves the window.
    pol = policy(
        stages=[LATE], frequency_cap=FrequencyCap(max_messages=2, days=7), consolidate=False
    )
    history = run([invoice("I0", due_date=date(2026, 1, 30))], date(2026, 1, 30), pol).history()
    invoices = [
        invoice("I1", due_date=date(2026, 2, 2)),
        invoice("I2"),
        invoice("I3", due_date=date(2026, 2, 2)),
    ]
    result = run(invoices, date(2026, 2, 2), pol, history=history)
    assert [key for kind, key in kinds(result) if kind == "send_message"] == [
        "b2c:C1:I2:stage-message:late@email"
    ]

    def capped(result):
        return [s.model_dump() for s in result.skipped if s.cause is SkipReason.CAPPED]

    text = "at most 2 messages in 7 days"
    assert capped(result) == [
        _skip(
            f"b2c:C1:{i}:step:due:0",
            i,
            date(2026, 2, 2),
            SkipReason.CAPPED,
            "frequency_cap",
            text,
            retry_on=date(2026, 2, 6),
            rule_id="step:due",
        )
        for i in ("I1", "I3")
    ]
    # On 2026-02-05 I1 and I3 enter the stage; both messages sent (2026-01-30, the first day
    # of the window, and 2026-02-02) still count, so their stage messages wait for 2026-02-06.
    history = [*history, *result.history()]
    later = run(invoices, date(2026, 2, 5), pol, history=history)
    assert [kind for kind, _ in kinds(later)] == ["enter_stage", "enter_stage"]
    assert {(s["key"], s["reason"]["text"], s["retry_on"]) for s in capped(later)} == {
        ("b2c:C1:I1:stage-message:late", text, date(2026, 2, 6)),
        ("b2c:C1:I3:stage-message:late", text, date(2026, 2, 6)),
    }


def test_a_reminder_held_back_keeps_its_rule_and_occurrence() -> None:
    # The "due" reminder of Saturday 2026-01-31: on a quiet day it waits for Monday; for a
    # customer without an email address it has no channel.
    quiet = run([invoice()], date(2026, 1, 31), policy(quiet_days=QuietDays()))
    sms_only = customer(contacts=[Contact(channel="sms", address="+573001112233")])
    unreachable = run([invoice()], date(2026, 1, 31), policy(), customers=[sms_only])
    due = "b2c:C1:I1:step:due:0"
    assert [s.model_dump() for r in (quiet, unreachable) for s in r.skipped if s.key == due] == [
        _skip(
            due,
            "I1",
            date(2026, 1, 31),
            SkipReason.QUIET_DAY,
            "step:due",
            "2026-01-31 is a quiet day; the message waits",
            retry_on=date(2026, 2, 2),
        ),
        _skip(
            due,
            "I1",
            date(2026, 1, 31),
            SkipReason.NO_CHANNEL,
            "step:due",
            "no usable address on email",
        ),
    ]


def test_a_consolidated_message_is_led_by_the_most_severe_and_lists_invoices_in_order() -> None:
    # On 2026-02-02 I2 enters stage `late` (due 2026-01-31) and I1 falls due: one email,
    # led by the stage message, its items in invoice order.
    invoices = [
        invoice("I2", total="500.00"),
        invoice("I1", total="200.00", due_date=date(2026, 2, 2)),
    ]
    result = run(invoices, date(2026, 2, 2), policy(stages=[LATE]))
    (message,) = [a for a in result.actions if a.kind.value == "send_message"]
    assert message.reason.model_dump() == {
        "rule": "stage:late",
        "text": "2 invoices in one email message; led by stage late entered on 2026-02-02 "
        "(2 days overdue, balance 500.00 USD)",
        "figures": (("days_overdue", "2"), ("balance", "500.00")),
    }
    assert (message.rule_id, message.template, str(message.total)) == (
        "stage:late",
        "late",
        "700.00 USD",
    )
    assert message.invoice_ids == ("I1", "I2")
    assert [(i.invoice_id, i.days_overdue, str(i.balance)) for i in message.items] == [
        ("I1", 0, "200.00 USD"),
        ("I2", 2, "500.00 USD"),
    ]


def test_a_message_capped_behind_one_sent_today_waits_for_it_to_leave_the_window() -> None:
    # One message in 7 days and none before: on 2026-02-02 I1's reminder goes out and I2's
    # waits until 2026-02-09 (it used to say 2026-02-03, when it was capped again).
    pol = policy(frequency_cap=FrequencyCap(max_messages=1, days=7), consolidate=False)
    invoices = [invoice(i, due_date=date(2026, 2, 2)) for i in ("I1", "I2")]
    first = run(invoices, date(2026, 2, 2), pol)
    assert [key for kind, key in kinds(first) if kind == "send_message"] == [
        "b2c:C1:I1:step:due:0@email"
    ]

    def waits(result):
        return [(s.key, s.retry_on) for s in result.skipped if s.cause is SkipReason.CAPPED]

    assert waits(first) == [("b2c:C1:I2:step:due:0", date(2026, 2, 9))]
    again = run(invoices, date(2026, 2, 3), pol, history=first.history())
    assert waits(again) == [("b2c:C1:I2:step:due:0", date(2026, 2, 9))]


def test_the_higher_stage_goes_first_and_leads() -> None:
    # On 2026-02-02 I1 is 2 days overdue (stage `late`), I2 5 days (stage `later`).
    later = Stage(
        id="later",
        trigger=StageTrigger(days_overdue=5),
        message=MessageSpec(channels=["email"], template="later", tone="firm"),
    )
    invoices = [invoice("I1"), invoice("I2", due_date=date(2026, 1, 28))]
    cap = FrequencyCap(max_messages=1, days=7)
    capped = run(
        invoices,
        date(2026, 2, 2),
        policy(steps=[], stages=[LATE, later], frequency_cap=cap, consolidate=False),
    )
    assert [key for kind, key in kinds(capped) if kind == "send_message"] == [
        "b2c:C1:I2:stage-message:later@email"
    ]
    assert [s.key for s in capped.skipped if s.cause is SkipReason.CAPPED] == [
        "b2c:C1:I1:stage-message:late"
    ]
    together = run(invoices, date(2026, 2, 2), policy(steps=[], stages=[LATE, later]))
    assert [a.reason.text for a in together.actions if a.kind.value == "send_message"] == [
        "2 invoices in one email message; led by stage later entered on 2026-02-02 "
        "(5 days overdue, balance 1000.00 USD)"
    ]
