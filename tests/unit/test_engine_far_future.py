"""Evaluation days far from the due date: work and output bounded by the rules, not the span."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import pytest

from dunning import (
    Channel,
    Contact,
    Customer,
    Evaluation,
    FixedFee,
    FrequencyCap,
    HistoryRecord,
    InterestRule,
    InterestSettings,
    Invoice,
    InvoiceOutcome,
    Policy,
    ReminderStep,
    Repeat,
    SendWindow,
    SkipReason,
    Stage,
    StageFee,
    StageTrigger,
    evaluate,
)
from dunning.calendars import WeekendCalendar
from dunning.engine.rules.context import MAX_OCCURRENCES

DUE = date(2026, 1, 31)
END = date.max  # 9999-12-31, a Friday
STEPS = (
    ReminderStep(id="due", offset_days=0, channels=["email"], template="due"),
    ReminderStep(
        id="weekly", offset_days=7, channels=["email"], template="w", repeat=Repeat(every_days=7)
    ),
)
CUSTOMER = Customer(
    id="C",
    name="Ana",
    time_zone="America/Bogota",
    contacts=[Contact(channel=Channel.EMAIL, address="ana@example.com")],
)


def invoice(invoice_id: str = "I", **changes: Any) -> Invoice:
    data: dict[str, Any] = {
        "id": invoice_id,
        "customer_id": "C",
        "currency": "USD",
        "total": "10.00",
        "issue_date": date(2026, 1, 1),
        "due_date": DUE,
    }
    return Invoice(**(data | changes))


def run(as_of: date, history: tuple[HistoryRecord, ...] = (), **changes: Any) -> Evaluation:
    policy = Policy(**({"id": "p", "steps": STEPS} | changes))
    return evaluate([invoice()], policy, as_of, customers=[CUSTOMER], history=history)


def done(*tails: str) -> tuple[HistoryRecord, ...]:
    return tuple(
        HistoryRecord(
            key=f"p:C:I:{tail}@email",
            kind="send_message",
            customer_id="C",
            on=DUE,
            covers=(f"p:C:I:{tail}",),
        )
        for tail in tails
    )


def summary(result: Evaluation) -> list[tuple[str, date, date, int, int | None]]:
    return [
        (s.key, s.first_due_on, s.due_on, s.count, s.occurrence)
        for s in result.skipped
        if s.cause is SkipReason.SUPERSEDED
    ]


class TestSupersededRuns:
    def test_a_run_of_one_step_is_one_entry_with_its_count_and_dates(self) -> None:
        # Weekly from 2026-02-07: 02-07, 02-14, 02-21, 02-28 and 03-07 (#4, the one sent).
        result = run(date(2026, 3, 10))
        assert [a.key for a in result.actions] == ["p:C:I:step:weekly:4@email"]
        assert summary(result) == [
            ("p:C:I:step:due:0", DUE, DUE, 1, 0),
            ("p:C:I:step:weekly:3", date(2026, 2, 7), date(2026, 2, 28), 4, 3),
        ]
        run_entry = result.skipped[1]
        assert run_entry.reason.text == (
            "reminder weekly: 4 occurrences from 2026-02-07 to 2026-02-28 replaced by a later one"
        )
        assert run_entry.reason.figures == (
            ("count", "4"),
            ("first_due_on", "2026-02-07"),
            ("first_occurrence", "0"),
        )
        assert run_entry.rule_id == "step:weekly"

    def test_a_single_occurrence_keeps_its_plain_entry(self) -> None:
        (entry,) = run(date(2026, 2, 8)).skipped
        assert (entry.key, entry.count, entry.first_due_on) == ("p:C:I:step:due:0", 1, DUE)
        assert entry.reason.text == "reminder due of 2026-01-31 replaced by a later one"
        assert entry.reason.figures == ()

    def test_the_run_starts_after_the_last_one_done(self) -> None:
        result = run(date(2026, 3, 10), history=done("step:weekly:1"))
        assert summary(result) == [
            ("p:C:I:step:weekly:3", date(2026, 2, 21), date(2026, 2, 28), 2, 3)
        ]

    def test_acknowledging_the_entry_acknowledges_the_run(self) -> None:
        first = run(date(2026, 3, 10))
        acks = tuple(HistoryRecord.skipped(s, date(2026, 3, 10)) for s in first.skipped)
        again = run(date(2026, 3, 10), history=first.history() + acks)
        assert again.skipped == ()
        assert again.actions == ()
        assert again.outcome("I") is InvoiceOutcome.QUIET

    def test_occurrences_before_the_issue_date_never_fell_due(self) -> None:
        # Weekly from 28 days before the due date: 01-03 (#0, before the issue on 01-05),
        # 01-10, 01-17, 01-24, 01-31 and 02-07 (#5, stale: a pre-due step after the due date).
        early = ReminderStep(
            id="early",
            offset_days=-28,
            channels=["email"],
            template="e",
            repeat=Repeat(every_days=7),
        )
        issued = invoice(issue_date=date(2026, 1, 5))
        policy = Policy(id="p", steps=[early])
        result = evaluate([issued], policy, date(2026, 2, 10), customers=[CUSTOMER])
        assert summary(result) == [
            ("p:C:I:step:early:4", date(2026, 1, 10), date(2026, 1, 31), 4, 4)
        ]
        assert [(s.key, s.cause) for s in result.skipped][-1] == (
            "p:C:I:step:early:5",
            SkipReason.STALE,
        )


class TestFarFutureEvaluationDay:
    def test_the_year_9999_reports_the_weekly_run_in_one_entry(self) -> None:
        result = run(END)
        (action,) = result.actions
        assert action.key == "p:C:I:step:weekly:416057@email"
        assert action.due_on == date(9999, 12, 25)
        assert summary(result) == [
            ("p:C:I:step:due:0", DUE, DUE, 1, 0),
            ("p:C:I:step:weekly:416056", date(2026, 2, 7), date(9999, 12, 18), 416057, 416056),
        ]

    def test_a_done_occurrence_far_back_is_found_among_the_done_keys(self) -> None:
        # Occurrence #100 was sent: the run starts at #101 (found without counting up to it).
        result = run(END, history=done("step:due:0", "step:weekly:100"))
        (entry,) = result.skipped
        assert (entry.occurrence, entry.count, entry.first_due_on) == (
            416056,
            415956,
            date(2026, 2, 7) + timedelta(days=7 * 101),
        )

    def test_foreign_keys_in_the_history_are_ignored(self) -> None:
        # A number too long to be an occurrence, a leading zero, a suffix: none was done.
        foreign = done("step:weekly:" + "9" * 5000, "step:weekly:0100", "step:weekly:7x")
        result = run(END, history=foreign)
        assert [s.count for s in result.skipped] == [1, 416057]

    def test_a_frequency_cap_on_the_last_day_defers_to_no_day(self) -> None:
        cap = FrequencyCap(max_messages=1, days=7)
        history = done("step:weekly:416056")
        sent = tuple(r.evolve(on=date(9999, 12, 30)) for r in history)
        result = run(END, history=sent, frequency_cap=cap)
        (capped,) = [s for s in result.skipped if s.cause is SkipReason.CAPPED]
        assert capped.retry_on is None
        assert result.rejected == ()

    def test_a_send_window_on_the_last_day_is_its_local_time(self) -> None:
        # 20:00 in Bogota on 9999-12-31 is 10000-01-01 in UTC: the local time is kept.
        result = run(END, send_window=SendWindow(start=time(8), end=time(20)))
        (action,) = result.actions
        assert action.not_after == datetime(9999, 12, 31, 20, tzinfo=action.not_before.tzinfo)
        assert action.not_before.isoformat() == "9999-12-31T08:00:00-05:00"

    def test_the_weekend_calendar_knows_the_year_9999(self) -> None:
        calendar = WeekendCalendar()
        assert calendar.is_business_day(END)
        assert not calendar.is_business_day(date(9999, 12, 26))  # a Sunday


class TestPeriodicRulesAreBounded:
    def test_a_daily_fee_past_the_bound_rejects_its_invoice_only(self) -> None:
        fee = StageFee(rule=FixedFee(amounts=[{"amount": "1.00", "currency": "USD"}]), every_days=1)
        stage = Stage(id="late", trigger=StageTrigger(days_overdue=1), fee=fee)
        policy = Policy(id="p", steps=STEPS, stages=[stage])
        recent = invoice("J", due_date=date(9999, 12, 1), issue_date=date(9999, 11, 1))
        result = evaluate([invoice(), recent], policy, END, customers=[CUSTOMER])
        (rejected,) = result.rejected
        assert rejected.error == (
            "invoice 'I' cannot be evaluated: the recurring fee of stage late would come to "
            "2,912,412 occurrences by 9999-12-31, more than the 10,000 one evaluation works "
            "out per invoice (due date 2026-01-31, total 10.00 USD)"
        )
        fees = [a for a in result.actions if a.kind == "charge_fee"]
        assert len(fees) == 30  # 9999-12-02 to 9999-12-31 for the recent invoice

    def test_monthly_interest_past_the_bound_rejects_its_invoice(self) -> None:
        interest = InterestSettings(rule=InterestRule(annual_rate=24))
        result = run(END, interest=interest)
        (rejected,) = result.rejected
        assert "the monthly interest posting would come to 95,687 occurrences" in rejected.error

    @pytest.mark.parametrize(("months", "rejected"), [(12, 0), (13, 1)])
    def test_the_bound_is_inclusive(
        self, months: int, rejected: int, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr("dunning.engine.rules.interest.MAX_OCCURRENCES", 12)
        as_of = date(2027, months - 11, 1)  # 12 or 13 months after January 2026
        result = run(as_of, interest=InterestSettings(rule=InterestRule(annual_rate=24)))
        assert len(result.rejected) == rejected
        assert MAX_OCCURRENCES == 10_000


def test_a_trusted_amount_finer_than_the_minor_unit_rejects_its_invoice_only() -> None:
    # `Invoice.trusted` checks nothing: 10.005 USD reaches the engine, which cannot write it
    # to the cent without losing a digit, so it rejects that invoice and goes on.
    fine = Invoice.trusted(
        id="I9",
        customer_id="C",
        currency="USD",
        issue_date=date(2026, 1, 1),
        due_date=DUE,
        total=Decimal("10.005"),
    )
    policy = Policy(id="p", steps=STEPS)
    result = evaluate([fine, invoice()], policy, DUE, customers=[CUSTOMER])
    (rejected,) = result.rejected
    assert rejected.error == (
        "invoice 'I9' cannot be evaluated: amount 10.005 is finer than the minor unit of USD "
        "(2 decimals) (due date 2026-01-31, total 10.005 USD)"
    )
    assert [a.key for a in result.actions] == ["p:C:I:step:due:0@email"]
