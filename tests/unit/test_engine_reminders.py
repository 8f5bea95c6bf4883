"""The reminder rule (engine/rules/reminders.py): business days, runs across steps, edges."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from dunning import (
    Contact,
    Customer,
    Evaluation,
    HistoryRecord,
    Invoice,
    Money,
    Policy,
    ReminderStep,
    Repeat,
    SkipReason,
    evaluate,
)

DUE = date(2026, 1, 31)  # a Saturday
CUSTOMER = Customer(id="C", name="Ana", contacts=[Contact(channel="email", address="a@x")])


def run(steps: list[ReminderStep], as_of: date, **changes: Any) -> Evaluation:
    data: dict[str, Any] = {
        "id": "I",
        "customer_id": "C",
        "currency": "USD",
        "total": "100.00",
        "issue_date": date(2026, 1, 1),
        "due_date": DUE,
    }
    history = changes.pop("history", ())
    invoice = Invoice(**(data | changes))
    return evaluate(
        [invoice], Policy(id="p", steps=steps), as_of, customers=[CUSTOMER], history=history
    )


def step(step_id: str, offset: int, **changes: Any) -> ReminderStep:
    return ReminderStep(
        **({"id": step_id, "offset_days": offset, "channels": ["email"], "template": "t"} | changes)
    )


def sent(result: Evaluation) -> list[tuple[str, date]]:
    return [(a.key, a.due_on) for a in result.actions]


def runs(result: Evaluation) -> list[tuple[str, int, date, date]]:
    return [(s.key, s.count, s.first_due_on, s.due_on) for s in result.skipped]


@pytest.mark.parametrize(
    ("as_of", "expected", "superseded"),
    [
        # 2 business days after Saturday 2026-01-31: Tuesday 02-03; 5: Friday 02-06.
        (date(2026, 2, 2), [], []),
        (date(2026, 2, 3), [("p:C:I:step:b2:0@email", date(2026, 2, 3))], []),
        (date(2026, 2, 5), [("p:C:I:step:b2:0@email", date(2026, 2, 3))], []),
        (
            date(2026, 2, 7),
            [("p:C:I:step:b5:0@email", date(2026, 2, 6))],
            [("p:C:I:step:b2:0", 1, date(2026, 2, 3), date(2026, 2, 3))],
        ),
    ],
)
def test_business_day_steps(
    as_of: date, expected: list[tuple[str, date]], superseded: list[tuple[str, int, date, date]]
) -> None:
    steps = [step("b2", 2, day_kind="business"), step("b5", 5, day_kind="business")]
    result = run(steps, as_of)
    assert sent(result) == expected
    assert runs(result) == superseded


@pytest.mark.parametrize(
    ("max_times", "count", "last"),
    [(10, 4, date(2026, 2, 28)), (2, 2, date(2026, 2, 14))],
)
def test_a_repeating_step_before_a_later_one_is_counted_up_to_it(
    max_times: int, count: int, last: date
) -> None:
    # Weekly from 02-07 until the final step of 03-02 (02-07, 14, 21, 28), or twice only.
    weekly = step("weekly", 7, repeat=Repeat(every_days=7, max_times=max_times))
    result = run([weekly, step("final", 30)], date(2026, 3, 12))
    assert sent(result) == [("p:C:I:step:final:0@email", date(2026, 3, 2))]
    assert runs(result) == [(f"p:C:I:step:weekly:{count - 1}", count, date(2026, 2, 7), last)]


@pytest.mark.parametrize(("done", "first"), [(2, None), (0, 1), (4, None), (5, 6)])
def test_the_walk_back_finds_any_done_occurrence(done: int, first: int | None) -> None:
    # Weekly #0 to #6 fell due by 2026-03-24 (#6 is sent); #3 to #5 are superseded unless done.
    weekly = step("weekly", 7, repeat=Repeat(every_days=7))
    record = HistoryRecord(
        key=f"p:C:I:step:weekly:{done}@email",
        kind="send_message",
        customer_id="C",
        on=DUE,
        covers=(f"p:C:I:step:weekly:{done}",),
    )
    result = run([weekly], date(2026, 3, 24), history=[record])
    assert sent(result) == [("p:C:I:step:weekly:6@email", date(2026, 3, 21))]
    numbers = [(s.occurrence, s.count) for s in result.skipped]
    expected = [] if done == 5 else [(5, 5 - done)]
    assert numbers == expected
    if first is not None and expected:
        assert result.skipped[0].reason.figure("first_occurrence") == str(first)


def test_a_reminder_due_on_the_issue_date_is_sent() -> None:
    result = run([step("pre", -30)], date(2026, 1, 1))
    assert sent(result) == [("p:C:I:step:pre:0@email", date(2026, 1, 1))]


def test_a_stale_reminder_is_reported_with_its_rule_and_occurrence() -> None:
    result = run([step("late", 3, max_lateness_days=2)], date(2026, 2, 7))
    assert result.actions == ()
    (skip,) = result.skipped
    assert (skip.key, skip.cause, skip.due_on, skip.rule_id, skip.occurrence) == (
        "p:C:I:step:late:0",
        SkipReason.STALE,
        date(2026, 2, 3),
        "step:late",
        0,
    )
    assert (skip.reason.rule, skip.reason.text) == (
        "step:late",
        "reminder late of 2026-02-03 is too late to send",
    )


def _sent_before(*keys: str) -> list[HistoryRecord]:
    """What daily runs sent: one message per occurrence key, on the due date."""
    return [
        HistoryRecord(
            key=f"{key}@email", kind="send_message", customer_id="C", on=DUE, covers=(key,)
        )
        for key in keys
    ]


@pytest.mark.parametrize(
    ("done", "superseded"),
    [
        # The step just before (due) was not sent, the one before it (pre) was.
        (("p:C:I:step:pre:0",), [("p:C:I:step:due:0", 1, DUE, DUE)]),
        (("p:C:I:step:pre:0", "p:C:I:step:due:0"), []),
    ],
)
def test_the_step_just_before_decides_what_is_superseded(
    done: tuple[str, ...], superseded: list[tuple[str, int, date, date]]
) -> None:
    steps = [step("pre", -3), step("due", 0), step("after", 2)]
    result = run(steps, date(2026, 2, 2), history=_sent_before(*done))
    assert sent(result) == [("p:C:I:step:after:0@email", date(2026, 2, 2))]
    assert runs(result) == superseded


@pytest.mark.parametrize(
    ("done", "superseded"),
    [
        # Weekly #0 (01-31) was sent, #1 and #2 (02-07, 02-14) were not.
        ("p:C:I:step:weekly:0", [("p:C:I:step:weekly:2", 2, date(2026, 2, 7), date(2026, 2, 14))]),
        ("p:C:I:step:weekly:2", []),
    ],
)
def test_a_repeating_step_just_before_is_walked_back(
    done: str, superseded: list[tuple[str, int, date, date]]
) -> None:
    weekly = step("weekly", 0, repeat=Repeat(every_days=7, max_times=3))
    result = run([weekly, step("final", 20)], date(2026, 2, 20), history=_sent_before(done))
    assert sent(result) == [("p:C:I:step:final:0@email", date(2026, 2, 20))]
    assert runs(result) == superseded


def test_a_balance_at_the_minimum_is_reminded_and_one_below_is_skipped() -> None:
    reminder = step("due", 0, min_balance=[Money("100.00", "USD")])
    assert sent(run([reminder], DUE)) == [("p:C:I:step:due:0@email", DUE)]
    result = run([reminder], DUE, total="99.99")
    assert result.actions == ()
    (skip,) = result.skipped
    assert (skip.key, skip.cause, skip.due_on, skip.rule_id, skip.occurrence) == (
        "p:C:I:step:due:0",
        SkipReason.BELOW_MINIMUM,
        DUE,
        "step:due",
        0,
    )
    assert (skip.reason.rule, skip.reason.text) == (
        "step:due",
        "balance 99.99 USD is below the minimum of reminder due",
    )


def test_a_reminder_states_the_days_overdue_and_the_balance() -> None:
    (message,) = run([step("after", 2)], date(2026, 2, 2)).actions
    assert message.reason.figures == (("days_overdue", "2"), ("balance", "100.00"))
    assert (
        message.reason.text
        == "reminder after (2 days after the due date) for 100.00 USD due 2026-01-31"
    )


def test_a_business_day_reminder_before_the_due_date_is_stale_after_it() -> None:
    # 2 business days before Saturday 01-31: Thursday 01-29; on Monday 02-02 it is stale.
    result = run([step("pre", -2, day_kind="business")], date(2026, 2, 2))
    assert result.actions == ()
    assert [(s.key, s.cause, s.due_on) for s in result.skipped] == [
        ("p:C:I:step:pre:0", SkipReason.STALE, date(2026, 1, 29))
    ]


def test_a_repeating_step_stops_counting_on_the_day_of_the_next_step() -> None:
    # Weekly from the due date (01-31, 02-07, ...) until the step of 02-14: the weekly
    # occurrence that would fall on 02-14 is the next step's day and is not counted.
    weekly = step("weekly", 0, repeat=Repeat(every_days=7))
    result = run([weekly, step("final", 14)], date(2026, 2, 14))
    assert sent(result) == [("p:C:I:step:final:0@email", date(2026, 2, 14))]
    assert runs(result) == [("p:C:I:step:weekly:1", 2, DUE, date(2026, 2, 7))]
