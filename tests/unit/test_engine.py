"""The engine's rules, one by one, with exact dates and amounts."""

from __future__ import annotations

import hashlib
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from dunning import (
    ActionKind,
    ArgumentTypeError,
    Channel,
    Contact,
    Customer,
    Evaluation,
    FeeCap,
    FixedFee,
    FrequencyCap,
    HistoryRecord,
    HistoryStatus,
    InterestPosting,
    InterestRule,
    InterestSettings,
    Invoice,
    InvoiceOutcome,
    InvoiceStatus,
    MessageSpec,
    Money,
    PauseCause,
    Pauses,
    Payment,
    PercentFee,
    PlanTerms,
    Policy,
    PolicyRule,
    PolicySet,
    QuietDays,
    ReminderStep,
    Repeat,
    RetrySchedule,
    SendWindow,
    SkipReason,
    Stage,
    StageFee,
    StageTrigger,
    Task,
    build_plan,
    evaluate,
)
from dunning.engine import HandOff as HandOffAction
from dunning.policy import HandOff

DUE = date(2026, 1, 31)  # a Saturday


def customer(customer_id: str = "C1", **changes: Any) -> Customer:
    data: dict[str, Any] = {
        "id": customer_id,
        "name": "Ana Gómez",
        "locale": "es_CO",
        "time_zone": "America/Bogota",
        "contacts": [
            Contact(channel=Channel.EMAIL, address="ana@example.com"),
            Contact(channel=Channel.SMS, address="+573001112233"),
        ],
    }
    data.update(changes)
    return Customer(**data)


def invoice(invoice_id: str = "I1", customer_id: str = "C1", **changes: Any) -> Invoice:
    data: dict[str, Any] = {
        "id": invoice_id,
        "customer_id": customer_id,
        "currency": "USD",
        "total": "1000.00",
        "issue_date": date(2026, 1, 1),
        "due_date": DUE,
    }
    data.update(changes)
    return Invoice(**data)


def pay(amount: str, day: date, payment_id: str = "P1") -> Payment:
    return Payment(id=payment_id, date=day, amount=Money(amount, "USD"))


CADENCE = (
    ReminderStep(id="before", offset_days=-3, channels=["email"], template="soon"),
    ReminderStep(id="due", offset_days=0, channels=["email"], template="due"),
    ReminderStep(
        id="after",
        offset_days=2,
        channels=["sms", "email"],
        template="late",
        repeat=Repeat(every_days=7, max_times=4),
    ),
)


def policy(**changes: Any) -> Policy:
    data: dict[str, Any] = {"id": "b2c", "steps": CADENCE}
    data.update(changes)
    return Policy(**data)


def run(
    invoices: list[Invoice],
    as_of: date,
    pol: Policy | PolicySet | None = None,
    customers: list[Customer] | None = None,
    **kwargs: Any,
) -> Evaluation:
    return evaluate(
        invoices,
        pol if pol is not None else policy(),
        as_of,
        customers=customers if customers is not None else [customer()],
        **kwargs,
    )


def kinds(result: Evaluation) -> list[tuple[str, str]]:
    return [(a.kind.value, a.key) for a in result.actions]


class TestReminders:
    def test_nothing_before_the_first_step(self) -> None:
        result = run([invoice()], date(2026, 1, 27))
        assert result.actions == ()
        assert result.quiet == ("I1",)
        assert result.outcome("I1") is InvoiceOutcome.QUIET

    def test_pre_due_reminder_on_its_day(self) -> None:
        result = run([invoice()], date(2026, 1, 28))
        (message,) = result.actions
        assert message.key == "b2c:C1:I1:step:before:0@email"
        assert message.kind is ActionKind.SEND_MESSAGE
        assert message.template == "soon"
        assert message.address == "ana@example.com"
        assert message.total == Money("1000.00", "USD")
        assert message.covers == ("b2c:C1:I1:step:before:0",)
        assert message.not_before == datetime(2026, 1, 28, tzinfo=ZoneInfo("America/Bogota"))
        assert message.locale == "es_CO"

    def test_send_window_gives_a_local_not_before(self) -> None:
        result = run([invoice()], date(2026, 1, 28), policy(send_window=SendWindow()))
        (message,) = result.actions
        assert message.not_before == datetime(2026, 1, 28, 9, 0, tzinfo=ZoneInfo("America/Bogota"))
        assert message.not_before.utcoffset() is not None

    def test_catch_up_sends_only_the_latest_and_reports_the_rest(self) -> None:
        # Runs missed from before the due date until 2026-02-10: the latest occurrence is
        # "after" #1 (2026-02-09 = due + 2 + 7); "before", "due" and "after" #0 are superseded.
        result = run([invoice()], date(2026, 2, 10))
        (message,) = result.actions
        assert message.key == "b2c:C1:I1:step:after:1@sms"
        assert message.due_on == date(2026, 2, 9)
        skipped = {(s.key, s.cause) for s in result.skipped}
        assert skipped == {
            ("b2c:C1:I1:step:before:0", SkipReason.SUPERSEDED),
            ("b2c:C1:I1:step:due:0", SkipReason.SUPERSEDED),
            ("b2c:C1:I1:step:after:0", SkipReason.SUPERSEDED),
        }
        assert result.outcome("I1") is InvoiceOutcome.ACTED

    def test_re_evaluation_with_history_yields_nothing(self) -> None:
        first = run([invoice()], date(2026, 2, 10))
        again = run([invoice()], date(2026, 2, 10), history=first.history())
        assert again.actions == ()
        assert again.skipped == ()
        assert again.quiet == ("I1",)

    def test_superseded_walk_stops_at_the_last_one_done(self) -> None:
        done = HistoryRecord(
            key="b2c:C1:I1:step:due:0@email",
            kind=ActionKind.SEND_MESSAGE,
            customer_id="C1",
            on=DUE,
            covers=("b2c:C1:I1:step:due:0",),
        )
        result = run([invoice()], date(2026, 2, 10), history=[done])
        assert [s.key for s in result.skipped] == ["b2c:C1:I1:step:after:0"]

    def test_repeat_stops_after_max_times(self) -> None:
        # after: 2026-02-02, 02-09, 02-16, 02-23 (4 times); on 2026-03-30 the last is #3.
        result = run([invoice()], date(2026, 3, 30))
        (message,) = result.actions
        assert message.key == "b2c:C1:I1:step:after:3@sms"
        assert message.due_on == date(2026, 2, 23)

    def test_pre_due_reminder_is_stale_on_the_due_date(self) -> None:
        only_before = policy(steps=[CADENCE[0]])
        result = run([invoice()], DUE, only_before)
        assert result.actions == ()
        (skip,) = result.skipped
        assert skip.cause is SkipReason.STALE
        assert result.outcome("I1") is InvoiceOutcome.SKIPPED

    def test_max_lateness(self) -> None:
        step = ReminderStep(
            id="due", offset_days=0, channels=["email"], template="due", max_lateness_days=2
        )
        assert run([invoice()], date(2026, 2, 2), policy(steps=[step])).actions != ()
        late = run([invoice()], date(2026, 2, 3), policy(steps=[step]))
        assert late.actions == ()
        assert [s.cause for s in late.skipped] == [SkipReason.STALE]

    def test_business_day_offsets(self) -> None:
        # Due Saturday 2026-01-31; 1 business day after is Monday 2026-02-02.
        step = ReminderStep(
            id="b1", offset_days=1, day_kind="business", channels=["email"], template="x"
        )
        assert run([invoice()], date(2026, 2, 1), policy(steps=[step])).actions == ()
        (message,) = run([invoice()], date(2026, 2, 2), policy(steps=[step])).actions
        assert message.due_on == date(2026, 2, 2)

    def test_minimum_balance(self) -> None:
        step = ReminderStep(
            id="due",
            offset_days=0,
            channels=["email"],
            template="due",
            min_balance=[Money("5000.00", "USD")],
        )
        result = run([invoice()], DUE, policy(steps=[step]))
        assert [s.cause for s in result.skipped] == [SkipReason.BELOW_MINIMUM]

    def test_partial_payment_keeps_dunning_with_the_new_balance(self) -> None:
        result = run([invoice(payments=[pay("400.00", date(2026, 1, 20))])], DUE)
        (message,) = result.actions
        assert message.total == Money("600.00", "USD")

    @pytest.mark.parametrize(
        "changes",
        [
            {"status": InvoiceStatus.VOID},
            {"status": InvoiceStatus.PAID},
            {"payments": [Payment(id="P", date=DUE, amount=Money("1000.00", "USD"))]},
        ],
    )
    def test_paid_or_void_gets_nothing(self, changes: dict[str, Any]) -> None:
        result = run([invoice(**changes)], date(2026, 2, 10))
        assert result.actions == ()
        assert result.skipped == ()
        assert result.quiet == ("I1",)


class TestChannels:
    def test_fallback_when_the_customer_lacks_the_first_channel(self) -> None:
        only_email = customer(contacts=[Contact(channel="email", address="a@x.example")])
        (message,) = run([invoice()], date(2026, 2, 2), customers=[only_email]).actions
        assert message.channel is Channel.EMAIL

    def test_customer_preference_wins_within_the_policy_channels(self) -> None:
        prefers_email = customer(preferred_channels=["email"])
        (message,) = run([invoice()], date(2026, 2, 2), customers=[prefers_email]).actions
        assert message.channel is Channel.EMAIL

    def test_opted_out_channel_is_passed_over(self) -> None:
        opted = customer(opted_out=["sms"])
        (message,) = run([invoice()], date(2026, 2, 2), customers=[opted]).actions
        assert message.channel is Channel.EMAIL

    def test_failed_channel_falls_back_to_the_next(self) -> None:
        failed = HistoryRecord(
            key="b2c:C1:I1:step:after:0@sms",
            kind=ActionKind.SEND_MESSAGE,
            customer_id="C1",
            on=date(2026, 2, 2),
            status=HistoryStatus.FAILED,
            covers=("b2c:C1:I1:step:after:0",),
            channel=Channel.SMS,
        )
        (message,) = run([invoice()], date(2026, 2, 2), history=[failed]).actions
        assert message.key == "b2c:C1:I1:step:after:0@email"

    def test_no_usable_channel(self) -> None:
        nobody = customer(contacts=[Contact(channel="postal", address="Calle 1")])
        result = run([invoice()], date(2026, 2, 2), customers=[nobody])
        assert result.actions == ()
        causes = {s.key: s.cause for s in result.skipped}
        assert causes["b2c:C1:I1:step:after:0"] is SkipReason.NO_CHANNEL


def staged(**changes: Any) -> Policy:
    stages = [
        Stage(
            id="fee",
            trigger=StageTrigger(days_overdue=15),
            fee=StageFee(rule=PercentFee(percent="5", minimum=[Money("10.00", "USD")])),
        ),
        Stage(
            id="call",
            trigger=StageTrigger(days_overdue=30),
            task=Task(kind="call", queue="collections"),
            message=MessageSpec(channels=["email"], template="final", tone="final"),
        ),
        Stage(
            id="agency",
            trigger=StageTrigger(days_overdue=90),
            hand_off=HandOff(agency="Cobranzas SA"),
            suspend_service=True,
            propose_write_off=True,
        ),
    ]
    data: dict[str, Any] = {"id": "b2c", "steps": CADENCE, "stages": stages}
    data.update(changes)
    return Policy(**data)


class TestStages:
    def test_entry_with_a_percent_fee_on_the_principal_of_that_day(self) -> None:
        # 15 days overdue on 2026-02-15; 400.00 paid on 02-10 leaves 600.00; 5 % = 30.00.
        inv = invoice(payments=[pay("400.00", date(2026, 2, 10))])
        result = run([inv], date(2026, 2, 15), staged())
        fee = next(a for a in result.actions if a.kind is ActionKind.CHARGE_FEE)
        assert fee.amount == Money("30.00", "USD")
        assert fee.key == "b2c:C1:I1:fee:fee:0"
        enter = next(a for a in result.actions if a.kind is ActionKind.ENTER_STAGE)
        assert (enter.stage_id, enter.level, enter.due_on) == ("fee", 1, date(2026, 2, 15))
        assert result.stages[0].stage_id == "fee"

    def test_catch_up_emits_every_stage_once_and_only_the_top_message(self) -> None:
        result = run([invoice()], date(2026, 5, 5), staged())  # 94 days overdue
        entered = [
            (a.stage_id, a.due_on) for a in result.actions if a.kind is ActionKind.ENTER_STAGE
        ]
        assert entered == [
            ("fee", date(2026, 2, 15)),
            ("call", date(2026, 3, 2)),
            ("agency", date(2026, 5, 1)),
        ]
        by_kind = {a.kind for a in result.actions}
        assert ActionKind.HAND_OFF in by_kind
        assert ActionKind.PROPOSE_WRITE_OFF in by_kind
        assert ActionKind.SUSPEND_SERVICE in by_kind
        # The call stage's message is superseded by the agency stage, which has no message of
        # its own: the last reminder of the cadence goes instead. The agency stage has no
        # task, so the call stage's task is created, as daily runs would have on 03-02.
        (task,) = [a for a in result.actions if a.kind is ActionKind.CREATE_TASK]
        assert (task.key, task.due_on) == ("b2c:C1:I1:task:call", date(2026, 3, 2))
        superseded = {s.key for s in result.skipped if s.cause is SkipReason.SUPERSEDED}
        assert "b2c:C1:I1:stage-message:call" in superseded
        assert "b2c:C1:I1:task:call" not in superseded
        again = run([invoice()], date(2026, 5, 5), staged(), history=result.history())
        assert again.actions == ()

    def test_stage_message_replaces_the_reminder_of_the_same_day(self) -> None:
        # On 2026-03-02 (30 days) the call stage message and reminder "after" #3 is not due
        # (max 4: 02-23 was the last) -- use a weekly unlimited repeat instead.
        steps = [
            ReminderStep(
                id="weekly",
                offset_days=2,
                channels=["email"],
                template="late",
                repeat=Repeat(every_days=7),
            )
        ]
        result = run([invoice()], date(2026, 3, 2), staged(steps=steps))
        messages = [a for a in result.actions if a.kind is ActionKind.SEND_MESSAGE]
        assert len(messages) == 1
        assert messages[0].template == "final"
        assert "b2c:C1:I1:step:weekly:4" in messages[0].covers
        tasks = [a for a in result.actions if a.kind is ActionKind.CREATE_TASK]
        assert [t.key for t in tasks] == ["b2c:C1:I1:task:call"]

    def test_stages_never_step_down(self) -> None:
        entered = run([invoice()], date(2026, 3, 2), staged())
        # A payment leaves 1.00 owed; the invoice stays at stage "call".
        paid = invoice(payments=[pay("999.00", date(2026, 3, 5))])
        later = run([paid], date(2026, 3, 20), staged(), history=entered.history())
        assert later.stages[0].stage_id == "call"
        assert not [a for a in later.actions if a.kind is ActionKind.ENTER_STAGE]

    def test_invoice_balance_threshold_judged_on_dated_payments(self) -> None:
        big = Stage(
            id="big",
            trigger=StageTrigger(days_overdue=10, invoice_balance=[Money("800.00", "USD")]),
        )
        pol = policy(stages=[big])
        paid_early = invoice(payments=[pay("300.00", date(2026, 2, 5))])
        assert run([paid_early], date(2026, 2, 20), pol).stages == ()
        paid_late = invoice(payments=[pay("300.00", date(2026, 2, 15))])
        result = run([paid_late], date(2026, 2, 20), pol)
        assert result.stages[0].stage_id == "big"

    def test_any_of_the_conditions(self) -> None:
        stage = Stage(
            id="either",
            trigger=StageTrigger(
                days_overdue=60, invoice_balance=[Money("500.00", "USD")], match="any"
            ),
        )
        result = run([invoice()], date(2026, 2, 3), policy(stages=[stage]))
        (enter,) = [a for a in result.actions if a.kind is ActionKind.ENTER_STAGE]
        assert enter.due_on == date(2026, 2, 1)
        # Entered by its balance: the reason names the condition that held, not every one.
        assert enter.reason.text == (
            "entered stage either on 2026-02-01: invoice balance at or above 500.00"
        )
        later = run([invoice()], date(2026, 4, 2), policy(stages=[stage]))
        (enter,) = [a for a in later.actions if a.kind is ActionKind.ENTER_STAGE]
        assert enter.reason.text.endswith(": invoice balance at or above 500.00")

    def test_customer_level_unpaid_invoices(self) -> None:
        stage = Stage(id="many", trigger=StageTrigger(unpaid_invoices=2))
        one = run([invoice()], date(2026, 2, 3), policy(stages=[stage]))
        assert one.stages == ()
        two = run(
            [invoice(), invoice("I2", due_date=date(2026, 1, 25))],
            date(2026, 2, 3),
            policy(stages=[stage]),
        )
        assert [s.invoice_ids for s in two.stages] == [("I1", "I2")]

    def test_recurring_fee_up_to_the_cap(self) -> None:
        stage = Stage(
            id="late",
            trigger=StageTrigger(days_overdue=30),
            fee=StageFee(rule=FixedFee(amounts=[Money("25.00", "USD")]), every_days=30),
        )
        pol = policy(stages=[stage], fee_cap=FeeCap(amounts=[Money("60.00", "USD")]))
        result = run([invoice()], date(2026, 5, 15), pol)
        fees = [
            (a.due_on, a.amount.amount) for a in result.actions if a.kind is ActionKind.CHARGE_FEE
        ]
        assert fees == [
            (date(2026, 3, 2), Decimal("25.00")),
            (date(2026, 4, 1), Decimal("25.00")),
            (date(2026, 5, 1), Decimal("10.00")),
        ]
        later = run([invoice()], date(2026, 6, 1), pol, history=result.history())
        assert [s.cause for s in later.skipped if "fee" in s.key] == [SkipReason.CAPPED]

    def test_fee_without_an_amount_in_the_currency(self) -> None:
        stage = Stage(
            id="late",
            trigger=StageTrigger(days_overdue=1),
            fee=StageFee(rule=FixedFee(amounts=[Money("20000", "COP")])),
        )
        result = run([invoice()], date(2026, 2, 1), policy(steps=[], stages=[stage]))
        assert [s.cause for s in result.skipped] == [SkipReason.NO_AMOUNT]

    def test_suspension_and_resumption(self) -> None:
        first = run([invoice()], date(2026, 5, 5), staged())
        suspend = next(a for a in first.actions if a.kind is ActionKind.SUSPEND_SERVICE)
        assert suspend.key == "b2c:C1:suspend:1"
        paid = invoice(payments=[pay("1000.00", date(2026, 5, 10))])
        second = run([paid], date(2026, 5, 11), staged(), history=first.history())
        assert kinds(second) == [("resume_service", "b2c:C1:resume:1")]
        third = run(
            [paid], date(2026, 5, 12), staged(), history=[*first.history(), *second.history()]
        )
        assert third.actions == ()

    def test_hand_off_amount(self) -> None:
        result = run([invoice()], date(2026, 5, 5), staged())
        hand_off = next(a for a in result.actions if isinstance(a, HandOffAction))
        assert (hand_off.agency, hand_off.amount) == ("Cobranzas SA", Money("1000.00", "USD"))

    def test_offer_plan(self) -> None:
        stage = Stage(
            id="plan",
            trigger=StageTrigger(days_overdue=20),
            offer_plan=PlanTerms(installments=3),
        )
        invoices = [invoice(), invoice("I2", total="500.00")]
        result = run(invoices, date(2026, 2, 25), policy(stages=[stage]))
        (offer,) = [a for a in result.actions if a.kind is ActionKind.OFFER_PLAN]
        assert offer.amount == Money("1500.00", "USD")
        assert offer.invoice_ids == ("I1", "I2")
        assert offer.key == "b2c:C1:offer:USD:plan"


class TestInterest:
    def test_monthly_postings_on_a_varying_principal(self) -> None:
        # 12 % a year, ACT/365F. February: 10,000.00 x 0.12 x 28/365 = 92.0548 -> 92.05.
        # March: 10 days on 10,000.00 (the payment day bears interest) = 32.8767, then 21
        # days on 6,000.00 = 41.4247; together 74.3014. The running total is rounded once:
        # 166.3562 -> 166.36, so March posts 166.36 - 92.05 = 74.31.
        inv = invoice(total="10000.00", payments=[pay("4000.00", date(2026, 3, 10))])
        pol = policy(steps=[], interest=InterestSettings(rule=InterestRule(annual_rate="12")))
        result = run([inv], date(2026, 3, 31), pol)
        posts = [(a.first_day, a.last_day, a.amount.amount) for a in result.actions]
        assert posts == [
            (date(2026, 2, 1), date(2026, 2, 28), Decimal("92.05")),
            (date(2026, 3, 1), date(2026, 3, 31), Decimal("74.31")),
        ]
        march = result.actions[1]
        assert [(s.days, s.annual_rate) for s in march.segments] == [
            (10, Decimal("12")),
            (21, Decimal("12")),
        ]

    def test_posting_on_payment(self) -> None:
        inv = invoice(total="10000.00", payments=[pay("4000.00", date(2026, 3, 10))])
        pol = policy(
            steps=[],
            interest=InterestSettings(
                rule=InterestRule(annual_rate="12"), posting=InterestPosting.PAYMENT
            ),
        )
        (post,) = run([inv], date(2026, 3, 31), pol).actions
        # 38 days (02-01..03-10) on 10,000.00 at 12 %: 124.9315 -> 124.93.
        assert (post.first_day, post.last_day, post.amount.amount) == (
            date(2026, 2, 1),
            date(2026, 3, 10),
            Decimal("124.93"),
        )

    def test_posting_on_stage_entry(self) -> None:
        stage = Stage(id="s", trigger=StageTrigger(days_overdue=30), post_interest=True)
        pol = policy(
            steps=[],
            stages=[stage],
            interest=InterestSettings(
                rule=InterestRule(annual_rate="12"), posting=InterestPosting.STAGE_ENTRY
            ),
        )
        result = run([invoice(total="10000.00")], date(2026, 3, 5), pol)
        (post,) = [a for a in result.actions if a.kind is ActionKind.POST_INTEREST]
        # 30 days on 10,000.00 at 12 %: 98.6301 -> 98.63.
        assert (post.last_day, post.amount.amount) == (date(2026, 3, 2), Decimal("98.63"))

    def test_interest_to_the_final_payment_when_charges_outlive_the_principal(self) -> None:
        inv = invoice(total="10000.00", payments=[pay("10000.00", date(2026, 3, 10))])
        rule = InterestSettings(
            rule=InterestRule(annual_rate="12"), posting=InterestPosting.PAYMENT
        )
        assert run([inv], date(2026, 3, 31), policy(steps=[], interest=rule)).actions == ()
        outlive = policy(steps=[], interest=rule, charges_outlive_principal=True)
        (post,) = run([inv], date(2026, 3, 31), outlive).actions
        assert (post.last_day, post.amount.amount) == (date(2026, 3, 10), Decimal("124.93"))


class TestPauses:
    @pytest.mark.parametrize(
        ("changes", "cause"),
        [
            ({"disputed": True}, PauseCause.DISPUTED),
            ({"promise_to_pay": date(2026, 2, 15)}, PauseCause.PROMISE_TO_PAY),
        ],
    )
    def test_invoice_pauses(self, changes: dict[str, Any], cause: PauseCause) -> None:
        result = run([invoice(**changes)], date(2026, 2, 10), staged())
        assert result.actions == ()
        (paused,) = result.paused
        assert paused.causes == (cause,)
        assert result.outcome("I1") is InvoiceOutcome.PAUSED

    def test_broken_promise_resumes_dunning(self) -> None:
        result = run([invoice(promise_to_pay=date(2026, 2, 5))], date(2026, 2, 10))
        assert result.paused == ()
        assert len(result.actions) == 1

    def test_do_not_contact_and_minimum(self) -> None:
        result = run(
            [invoice(total="5.00")],
            date(2026, 2, 10),
            policy(pauses=Pauses(min_balance=[Money("10.00", "USD")])),
            customers=[customer(do_not_contact=True)],
        )
        assert result.paused[0].causes == (PauseCause.DO_NOT_CONTACT, PauseCause.BELOW_MINIMUM)

    def test_pause_rules_can_be_switched_off(self) -> None:
        result = run(
            [invoice(disputed=True)], date(2026, 2, 10), policy(pauses=Pauses(disputed=False))
        )
        assert result.paused == ()

    def test_installment_plan_in_good_standing(self) -> None:
        inv = invoice()
        plan = build_plan([inv], PlanTerms(installments=2), id="PL", start_date=date(2026, 2, 5))
        good = run([inv], date(2026, 2, 10), plans=[plan])
        assert good.paused[0].causes == (PauseCause.INSTALLMENT_PLAN,)
        defaulted = run([inv], date(2026, 4, 10), plans=[plan])
        assert defaulted.paused == ()
        assert defaulted.actions != ()


class TestCustomerRules:
    def test_consolidation_into_one_message_per_channel(self) -> None:
        invoices = [invoice(), invoice("I2", total="250.50")]
        (message,) = run(invoices, DUE).actions
        assert message.invoice_ids == ("I1", "I2")
        assert message.total == Money("1250.50", "USD")
        assert message.covers == ("b2c:C1:I1:step:due:0", "b2c:C1:I2:step:due:0")
        digest = hashlib.sha256("\n".join(message.covers).encode()).hexdigest()[:16]
        assert message.key == f"b2c:C1:message:email:{digest}"
        again = run(invoices, DUE, history=run(invoices, DUE).history())
        assert again.actions == ()

    def test_without_consolidation(self) -> None:
        invoices = [invoice(), invoice("I2")]
        result = run(invoices, DUE, policy(consolidate=False))
        assert [a.key for a in result.actions] == [
            "b2c:C1:I1:step:due:0@email",
            "b2c:C1:I2:step:due:0@email",
        ]

    def test_one_message_per_currency(self) -> None:
        invoices = [invoice(), invoice("I2", currency="COP", total="50000")]
        result = run(invoices, DUE)
        assert sorted(a.total.currency for a in result.actions) == ["COP", "USD"]

    def test_frequency_cap(self) -> None:
        sent = [
            HistoryRecord(key=f"k{i}", kind="send_message", customer_id="C1", on=day)
            for i, day in enumerate([date(2026, 1, 26), date(2026, 1, 28)])
        ]
        pol = policy(frequency_cap=FrequencyCap(max_messages=2, days=7))
        result = run([invoice()], DUE, pol, history=sent)
        assert result.actions == ()
        (skip,) = [s for s in result.skipped if s.cause is not SkipReason.SUPERSEDED]
        assert skip.cause is SkipReason.CAPPED
        # The window (2026-01-25..01-31) frees up when the 01-26 message leaves it.
        assert skip.retry_on == date(2026, 2, 2)
        assert run([invoice()], date(2026, 2, 2), pol, history=sent).actions != ()

    def test_quiet_days_defer_messages(self) -> None:
        pol = policy(quiet_days=QuietDays())
        saturday = run([invoice()], DUE, pol)
        assert saturday.actions == ()
        assert [(s.cause, s.retry_on) for s in saturday.skipped if s.deferred] == [
            (SkipReason.QUIET_DAY, date(2026, 2, 2))
        ]
        (monday,) = run([invoice()], date(2026, 2, 2), pol).actions
        assert monday.key == "b2c:C1:I1:step:after:0@sms"


class TestRetries:
    def test_retry_schedule_snapped_to_paydays(self) -> None:
        failure = HistoryRecord(
            key="gateway-1",
            kind=ActionKind.AUTOMATIC_CHARGE,
            customer_id="C1",
            on=date(2026, 3, 3),
            status=HistoryStatus.FAILED,
            invoice_ids=("I1",),
        )
        pol = policy(
            steps=[],
            retries=RetrySchedule(days_after_failure=[3, 7, 14], paydays=[15, "last"]),
        )
        inv = invoice(due_date=date(2026, 3, 3))
        assert run([inv], date(2026, 3, 14), pol, history=[failure]).actions == ()
        result = run([inv], date(2026, 3, 20), pol, history=[failure])
        # Retries on 03-06 and 03-10 both snap to the 15th; the second replaces the first.
        (retry,) = result.actions
        assert (retry.attempt, retry.due_on) == (2, date(2026, 3, 15))
        assert [s.key for s in result.skipped] == ["b2c:C1:I1:retry:attempt:1"]
        failed_retry = HistoryRecord.of(retry, HistoryStatus.FAILED, on=date(2026, 3, 20))
        end = run([inv], date(2026, 3, 31), pol, history=[failure, failed_retry])
        (last,) = end.actions
        assert (last.attempt, last.due_on) == (3, date(2026, 3, 31))

    def test_failed_payment_stage(self) -> None:
        failure = HistoryRecord(
            key="g",
            kind=ActionKind.AUTOMATIC_CHARGE,
            customer_id="C1",
            on=date(2026, 1, 20),
            status=HistoryStatus.FAILED,
            invoice_ids=("I1",),
        )
        stage = Stage(id="card", trigger=StageTrigger(failed_payment=True))
        result = run(
            [invoice()], date(2026, 1, 21), policy(steps=[], stages=[stage]), history=[failure]
        )
        (enter,) = result.actions
        assert (enter.stage_id, enter.due_on) == ("card", date(2026, 1, 20))


class TestInputs:
    def test_rejections_never_abort_the_batch(self) -> None:
        bad = {
            "id": "BAD",
            "customer_id": "C1",
            "currency": "USD",
            "total": 1.5,
            "issue_date": "2026-01-01",
            "due_date": "2026-01-31",
        }
        invoices: list[Any] = [
            invoice(),
            bad,
            invoice("I9", customer_id="NOPE"),
            invoice("D"),
            invoice("D"),
        ]
        result = run(invoices, DUE)
        errors = {(r.invoice_id, r.error.split(":")[0]) for r in result.rejected}
        assert ("BAD", "total.amount") in errors
        assert ("I9", "customer 'NOPE' is not among the customers given") in errors
        assert [r.invoice_id for r in result.rejected].count("D") == 2
        assert result.outcome("I1") is InvoiceOutcome.ACTED
        assert result.invoice_count == 5

    def test_every_copy_of_a_repeated_id_is_rejected_in_any_order(self) -> None:
        # A quiet copy (paid), a copy to act on, and a copy under another customer.
        copies = [
            invoice("D", status="paid"),
            invoice("D"),
            invoice("D", customer_id="C2"),
        ]
        customers = [customer(), customer("C2")]
        results = [
            run([*order, invoice("I1")], DUE, customers=customers)
            for order in (copies, copies[::-1], [copies[1], copies[2], copies[0]])
        ]
        for result in results:
            rejected = sorted((r.customer_id, r.invoice_id, r.error) for r in result.rejected)
            assert rejected == [
                ("C1", "D", "invoice id 'D' is given 3 times"),
                ("C1", "D", "invoice id 'D' is given 3 times"),
                ("C2", "D", "invoice id 'D' is given 3 times"),
            ]
            assert result.acted == ("I1",)
            assert result.invoice_count == 4
            # The customer whose only invoice was a rejected copy gets nothing.
            assert result.actions_for("C2") == ()
        assert results[0] == results[1] == results[2]

    def test_invoices_can_be_streamed(self) -> None:
        # A generator is read once; only the invoices that need the full evaluation are kept.
        made = [invoice(f"I{n}", due_date=date(2026, 3, n)) for n in range(1, 9)]
        history = run(made, date(2026, 3, 3)).history()
        streamed = run((i for i in made), date(2026, 3, 4), history=history)
        assert streamed == run(made, date(2026, 3, 4), history=history)
        assert streamed.acted == ("I2", "I4", "I7")  # after:0, due:0 and before:0 fall due
        assert streamed.quiet == ("I1", "I3", "I5", "I6", "I8")

    def test_mapping_invoices_are_validated(self) -> None:
        data = invoice().model_dump()
        result = run([data], DUE)
        assert result.acted == ("I1",)

    def test_ambiguous_customers(self) -> None:
        result = run([invoice()], DUE, customers=[customer(), customer(name="Other")])
        assert "given twice with different data" in result.rejected[0].error

    def test_order_of_inputs_does_not_matter(self) -> None:
        invoices = [invoice(f"I{i}", due_date=date(2026, 1, 20 + i)) for i in range(8)]
        customers = [customer(), customer("C2")]
        invoices += [invoice("X1", customer_id="C2")]
        a = evaluate(invoices, staged(), date(2026, 3, 1), customers=customers)
        b = evaluate(invoices[::-1], staged(), date(2026, 3, 1), customers=customers[::-1])
        assert a.model_dump_json() == b.model_dump_json()


class TestEvaluation:
    def test_json_round_trip(self) -> None:
        result = run([invoice(), invoice("I2", disputed=True)], date(2026, 5, 5), staged())
        text = result.model_dump_json()
        assert Evaluation.model_validate_json(text).model_dump_json() == text

    def test_explain(self) -> None:
        result = run([invoice(), invoice("I2", disputed=True)], date(2026, 3, 2), staged())
        text = result.explain()
        assert "Customer C1:" in text
        assert "entered stage call on 2026-03-02: 30 days overdue (>= 30)" in text
        assert "paused [I2] paused: the invoice is disputed" in text
        assert text.endswith("invoices: 1 acted on, 0 skipped, 1 paused, 0 quiet, 0 rejected")
        assert result.explain("nobody").splitlines()[1:-1] == []

    def test_policy_set_picks_per_customer(self) -> None:
        b2b = Policy(
            id="b2b",
            steps=[ReminderStep(id="d", offset_days=0, channels=["email"], template="b2b")],
        )
        policies = PolicySet(
            rules=[PolicyRule(policy=b2b, segments=["business"])], default=policy()
        )
        customers = [customer(), customer("C2", segment="business")]
        result = evaluate(
            [invoice(), invoice("I2", customer_id="C2")], policies, DUE, customers=customers
        )
        assert sorted(a.key for a in result.actions) == [
            "b2b:C2:I2:step:d:0@email",
            "b2c:C1:I1:step:due:0@email",
        ]


def test_send_window_must_be_ordered() -> None:
    from pydantic import ValidationError

    with pytest.raises(
        ValidationError, match="send window start 18:00:00 must be before its end 09:00:00"
    ):
        SendWindow(start=time(18), end=time(9))


class TestMoreBranches:
    def test_skipped_records_silence_stale_reports(self) -> None:
        only_before = policy(steps=[CADENCE[0]])
        first = run([invoice()], DUE, only_before)
        (stale,) = first.skipped
        ack = HistoryRecord.skipped(stale, on=DUE)
        assert ack.status is HistoryStatus.SKIPPED
        assert run([invoice()], DUE, only_before, history=[ack]).skipped == ()
        (deferred,) = [
            s for s in run([invoice()], DUE, policy(quiet_days=QuietDays())).skipped if s.deferred
        ]
        with pytest.raises(ValueError, match="is deferred to 2026-02-02"):
            HistoryRecord.skipped(deferred, on=DUE)

    def test_failed_record_without_channel_is_ignored(self) -> None:
        failed = HistoryRecord(
            key="b2c:C1:I1:step:due:0@email",
            kind="send_message",
            customer_id="C1",
            on=DUE,
            status="failed",
        )
        (message,) = run([invoice()], DUE, history=[failed]).actions
        assert message.channel is Channel.EMAIL

    def test_credit_notes_and_charges_count_by_date(self) -> None:
        from dunning import Charge, CreditNote

        inv = invoice(
            credit_notes=[
                CreditNote(id="N", date=date(2026, 1, 10), amount=Money("100.00", "USD"))
            ],
            charges=[
                Charge(id="F", date=date(2026, 1, 20), kind="fee", amount=Money("10.00", "USD")),
                Charge(id="G", date=date(2026, 3, 1), kind="fee", amount=Money("5.00", "USD")),
            ],
        )
        (message,) = run([inv], DUE).actions
        assert message.total == Money("910.00", "USD")

    def test_customer_overdue_balance_trigger(self) -> None:
        stage = Stage(
            id="exposure",
            trigger=StageTrigger(customer_overdue_balance=[Money("1500.00", "USD")]),
        )
        pol = policy(steps=[], stages=[stage])
        assert run([invoice()], date(2026, 2, 3), pol).stages == ()
        two = run([invoice(), invoice("I2")], date(2026, 2, 3), pol)
        assert [a.due_on for a in two.actions] == [date(2026, 2, 3), date(2026, 2, 3)]
        cop = Stage(id="cop", trigger=StageTrigger(customer_overdue_balance=[Money(1, "COP")]))
        assert run([invoice()], date(2026, 2, 3), policy(steps=[], stages=[cop])).stages == ()

    def test_paused_invoice_keeps_its_stage_for_the_suspension(self) -> None:
        first = run([invoice()], date(2026, 5, 5), staged())
        disputed = invoice(disputed=True)
        later = run([disputed], date(2026, 5, 6), staged(), history=first.history())
        assert later.actions == ()
        assert later.stages[0].stage_id == "agency"

    def test_fee_max_times(self) -> None:
        stage = Stage(
            id="late",
            trigger=StageTrigger(days_overdue=1),
            fee=StageFee(rule=FixedFee(amounts=[Money("5.00", "USD")]), every_days=10, max_times=2),
        )
        result = run([invoice()], date(2026, 5, 1), policy(steps=[], stages=[stage]))
        assert [a.occurrence for a in result.actions if a.kind is ActionKind.CHARGE_FEE] == [0, 1]

    def test_interest_already_posted_stops_the_walk(self) -> None:
        pol = policy(steps=[], interest=InterestSettings(rule=InterestRule(annual_rate="12")))
        first = run([invoice()], date(2026, 3, 31), pol)
        assert len(first.actions) == 2
        later = run([invoice()], date(2026, 4, 30), pol, history=first.history())
        assert [a.first_day for a in later.actions] == [date(2026, 4, 1)]

    def test_customer_actions_already_done(self) -> None:
        stage = Stage(
            id="both",
            trigger=StageTrigger(days_overdue=5),
            suspend_service=True,
            offer_plan=PlanTerms(installments=2),
        )
        pol = policy(steps=[], stages=[stage])
        first = run([invoice()], date(2026, 2, 10), pol)
        executed = [r for r in first.history() if r.kind is not ActionKind.SUSPEND_SERVICE]
        failed_suspend = [
            HistoryRecord.of(a, HistoryStatus.SKIPPED)
            for a in first.actions
            if a.kind is ActionKind.SUSPEND_SERVICE
        ]
        again = run([invoice()], date(2026, 2, 11), pol, history=[*executed, *failed_suspend])
        assert again.actions == ()

    def test_resume_already_recorded(self) -> None:
        first = run([invoice()], date(2026, 5, 5), staged())
        paid = invoice(payments=[pay("1000.00", date(2026, 5, 10))])
        resume = run([paid], date(2026, 5, 11), staged(), history=first.history())
        skipped_resume = [HistoryRecord.of(a, HistoryStatus.SKIPPED) for a in resume.actions]
        assert (
            run(
                [paid], date(2026, 5, 12), staged(), history=[*first.history(), *skipped_resume]
            ).actions
            == ()
        )

    def test_stage_message_and_task_already_done(self) -> None:
        first = run([invoice()], date(2026, 3, 2), staged())
        history = [r for r in first.history() if r.kind is not ActionKind.ENTER_STAGE]
        again = run([invoice()], date(2026, 3, 2), staged(), history=history)
        assert {a.kind for a in again.actions} == {ActionKind.ENTER_STAGE}

    def test_retry_without_paydays_and_all_done(self) -> None:
        failure = HistoryRecord(
            key="g",
            kind="automatic_charge",
            customer_id="C1",
            on=date(2026, 2, 1),
            status="failed",
            invoice_ids=("I1",),
        )
        pol = policy(steps=[], retries=RetrySchedule(days_after_failure=[2], max_tries=1))
        (retry,) = run([invoice()], date(2026, 2, 5), pol, history=[failure]).actions
        assert retry.due_on == date(2026, 2, 3)
        done = HistoryRecord.of(retry)
        assert run([invoice()], date(2026, 2, 5), pol, history=[failure, done]).actions == ()

    def test_explain_lists_rejections_and_deferrals(self) -> None:
        pol = policy(quiet_days=QuietDays())
        result = run([invoice(), invoice("I9", customer_id="X")], DUE, pol)
        text = result.explain()
        assert "rejected [I9] customer 'X' is not among the customers given" in text
        assert "(may go on 2026-02-02)" in text

    def test_trigger_text_names_every_condition(self) -> None:
        stage = Stage(
            id="all",
            trigger=StageTrigger(
                days_overdue=1,
                invoice_balance=[Money("1.00", "USD")],
                customer_overdue_balance=[Money("1.00", "USD")],
                unpaid_invoices=1,
            ),
        )
        result = run([invoice()], date(2026, 2, 2), policy(steps=[], stages=[stage]))
        (enter,) = result.actions
        assert enter.reason.text == (
            "entered stage all on 2026-02-02: 2 days overdue (>= 1) and invoice balance at or "
            "above 1.00 and customer overdue balance at or above 1.00 and at least 1 "
            "unpaid invoices"
        )
        assert enter.reason.figure("days_overdue") == "2"
        assert enter.reason.figure("missing") is None


class TestStageOptions:
    def test_stale_stage_message_is_skipped(self) -> None:
        stage = Stage(
            id="final",
            trigger=StageTrigger(days_overdue=30),
            message=MessageSpec(channels=["email"], template="final", max_lateness_days=5),
        )
        pol = policy(steps=[], stages=[stage])
        on_time = run([invoice()], date(2026, 3, 7), pol)
        assert [a.kind for a in on_time.actions] == [
            ActionKind.ENTER_STAGE,
            ActionKind.SEND_MESSAGE,
        ]
        late = run([invoice()], date(2026, 3, 8), pol)
        assert [a.kind for a in late.actions] == [ActionKind.ENTER_STAGE]
        (skip,) = late.skipped
        assert (skip.cause, skip.key) == (SkipReason.STALE, "b2c:C1:I1:stage-message:final")
        assert skip.reason.text == "the message of stage final entered on 2026-03-02 is 6 days late"

    def test_reminders_stop_after_a_hand_off(self) -> None:
        weekly = ReminderStep(
            id="weekly",
            offset_days=1,
            channels=["email"],
            template="w",
            repeat=Repeat(every_days=7),
        )
        stage = Stage(
            id="agency",
            trigger=StageTrigger(days_overdue=20),
            hand_off=HandOff(agency="Cobranzas SA"),
            stop_reminders=True,
        )
        pol = policy(steps=[weekly], stages=[stage])
        first = run([invoice()], date(2026, 2, 20), pol)
        history = first.history()
        later = run([invoice()], date(2026, 3, 1), pol, history=history)
        assert later.actions == ()
        assert later.quiet == ("I1",)

    def test_suspension_is_dated_by_the_stage_entry(self) -> None:
        result = run([invoice()], date(2026, 5, 5), staged())
        suspend = next(a for a in result.actions if a.kind is ActionKind.SUSPEND_SERVICE)
        assert suspend.due_on == date(2026, 5, 1)


class TestQuietCustomers:
    """A customer whose invoices are all quiet: only a change of service can be due."""

    CUT = Stage(id="cut", trigger=StageTrigger(days_overdue=10), suspend_service=True)

    def daily(self, until: date) -> list[HistoryRecord]:
        history: list[HistoryRecord] = []
        day = date(2026, 1, 28)
        while day <= until:
            result = run([invoice()], day, policy(stages=[self.CUT]), history=history)
            history.extend(result.history())
            day = date.fromordinal(day.toordinal() + 1)
        return history

    def test_suspended_and_still_at_the_stage(self) -> None:
        history = self.daily(date(2026, 3, 9))
        assert [r.key for r in history if r.kind is ActionKind.SUSPEND_SERVICE] == [
            "b2c:C1:suspend:1"
        ]
        # Every reminder (the last on 23 February) and the stage are done: nothing is due.
        result = run([invoice()], date(2026, 3, 10), policy(stages=[self.CUT]), history=history)
        assert result.actions == ()
        assert result.quiet == ("I1",)
        (stage,) = result.stages
        assert (stage.stage_id, stage.invoice_ids) == ("cut", ("I1",))

    def test_resumed_by_the_host_while_still_at_the_stage(self) -> None:
        history = self.daily(date(2026, 3, 9))
        resumed = HistoryRecord(
            key="b2c:C1:resume:1",
            kind=ActionKind.RESUME_SERVICE,
            customer_id="C1",
            on=date(2026, 3, 1),
        )
        result = run(
            [invoice()], date(2026, 3, 10), policy(stages=[self.CUT]), history=[*history, resumed]
        )
        assert kinds(result) == [("suspend_service", "b2c:C1:suspend:2")]
        assert result.actions[0].due_on == date(2026, 2, 10)

    def test_a_quiet_invoice_named_by_a_suspension_is_acted_on(self) -> None:
        # The stage entries are in the history, the suspension is not: the quick path finds
        # the invoice quiet, and the suspension names it.
        history = [
            r for r in self.daily(date(2026, 3, 9)) if r.kind is not ActionKind.SUSPEND_SERVICE
        ]
        result = run([invoice()], date(2026, 3, 10), policy(stages=[self.CUT]), history=history)
        assert kinds(result) == [("suspend_service", "b2c:C1:suspend:1")]
        assert result.actions[0].invoice_ids == ("I1",)
        assert (result.acted, result.quiet) == (("I1",), ())
        assert result.outcome("I1") is InvoiceOutcome.ACTED
        assert "1 acted on" in result.explain()

    def test_paid_while_suspended(self) -> None:
        history = self.daily(date(2026, 3, 9))
        paid = invoice(status=InvoiceStatus.PAID, payments=[pay("1000.00", date(2026, 3, 5))])
        result = run([paid], date(2026, 3, 10), policy(stages=[self.CUT]), history=history)
        assert kinds(result) == [("resume_service", "b2c:C1:resume:1")]
        assert result.quiet == ("I1",)


def test_a_kept_history_index_gives_the_same_result() -> None:
    from dunning import HistoryIndex

    first = run([invoice()], date(2026, 2, 10), staged())
    index = HistoryIndex(first.history())
    assert len(index) == len(first.actions)
    again = run([invoice()], date(2026, 2, 10), staged(), history=index)
    assert again == run([invoice()], date(2026, 2, 10), staged(), history=first.history())
    assert again.actions == ()
    later = run([invoice()], date(2026, 3, 2), staged(), history=index)
    index.add(later.history())
    assert index.done_on("b2c:C1:I1:stage:call") == date(2026, 3, 2)
    assert index.done_on("nope") is None


WEEKLY = [
    ReminderStep(
        id="weekly", offset_days=2, channels=["email"], template="late", repeat=Repeat(every_days=7)
    )
]


def executed_but_messages_failed(result: Evaluation, on: date) -> list[HistoryRecord]:
    """The host's records of `result`: every message attempted and failed, the rest done."""
    return [
        HistoryRecord.of(
            a, HistoryStatus.FAILED if a.kind is ActionKind.SEND_MESSAGE else "executed", on
        )
        for a in result.actions
    ]


class TestFailedDeliveries:
    def test_a_failed_stage_message_supersedes_nothing(self) -> None:
        # Email is the customer's only channel; the stage message of 2026-03-02 failed on it.
        only_email = customer(contacts=[Contact(channel="email", address="a@x.example")])
        pol = staged(steps=WEEKLY)
        first = run([invoice()], date(2026, 3, 2), pol, customers=[only_email])
        history = executed_but_messages_failed(first, date(2026, 3, 2))
        later = run([invoice()], date(2026, 3, 9), pol, customers=[only_email], history=history)
        (message,) = [a for a in later.actions if a.kind is ActionKind.SEND_MESSAGE]
        assert message.key == "b2c:C1:I1:step:weekly:5@email"
        assert message.covers == ("b2c:C1:I1:step:weekly:5",)
        assert message.reason.text == (
            "reminder weekly (2 days after the due date, repetition 6) for 1000.00 USD due "
            "2026-01-31; in place of the message of stage call, which failed on every channel"
        )
        (skip,) = [s for s in later.skipped if s.cause is not SkipReason.SUPERSEDED]
        assert (skip.key, skip.cause) == ("b2c:C1:I1:stage-message:call", SkipReason.NO_CHANNEL)
        assert skip.reason.text == (
            "delivery failed on email; no other usable address on email; the next reminder "
            "due goes instead"
        )

    def test_a_failed_stage_message_goes_on_the_next_channel(self) -> None:
        spec = MessageSpec(channels=["email", "sms"], template="final", tone="final")
        pol = staged(steps=WEEKLY)
        call = pol.stages[1].model_dump() | {"message": spec}
        pol = staged(steps=WEEKLY, stages=[pol.stages[0], Stage(**call), pol.stages[2]])
        first = run([invoice()], date(2026, 3, 2), pol)
        (sent,) = [a for a in first.actions if a.kind is ActionKind.SEND_MESSAGE]
        assert sent.channel is Channel.EMAIL
        history = executed_but_messages_failed(first, date(2026, 3, 2))
        later = run([invoice()], date(2026, 3, 3), pol, history=history)
        (message,) = later.actions
        assert (message.key, message.channel) == ("b2c:C1:I1:stage-message:call@sms", "sms")
        assert message.reason.text.endswith("; delivery failed before on email")


class TestKeys:
    def test_a_consolidated_message_keeps_its_key_on_a_rerun_the_next_day(self) -> None:
        # The run of 2026-01-31 crashed before recording anything; the re-run of 02-01 covers
        # the same occurrences, so a provider that de-duplicates by key sends it once.
        invoices = [invoice(), invoice("I2", total="250.50")]
        (first,) = run(invoices, DUE).actions
        (rerun,) = run(invoices, date(2026, 2, 1)).actions
        assert rerun.covers == first.covers
        assert rerun.key == first.key

    def test_a_consolidated_task_keeps_its_key_on_a_rerun_the_next_day(self) -> None:
        invoices = [invoice(), invoice("I2", total="250.50")]
        tasks = [
            [a for a in run(invoices, day, staged()).actions if a.kind is ActionKind.CREATE_TASK]
            for day in (date(2026, 3, 2), date(2026, 3, 3))
        ]
        ((first,), (rerun,)) = tasks
        assert first.covers == ("b2c:C1:I1:task:call", "b2c:C1:I2:task:call")
        assert rerun.key == first.key
        assert "2026" not in first.key


class TestHistoryDates:
    def test_the_history_of_an_evaluation_is_dated_the_day_of_the_run(self) -> None:
        # The reminder due on Saturday 2026-01-31 waits for Monday 02-02 (quiet days).
        pol = policy(steps=CADENCE[1:2], quiet_days=QuietDays())
        monday = run([invoice()], date(2026, 2, 2), pol)
        (message,) = monday.actions
        assert message.due_on == DUE
        (record,) = monday.history()
        assert record.on == date(2026, 2, 2)
        assert [r.on for r in monday.history(on=date(2026, 2, 3))] == [date(2026, 2, 3)]


def test_a_catch_up_replaces_a_task_only_by_a_later_stage_task() -> None:
    visit = Stage(id="visit", trigger=StageTrigger(days_overdue=60), task=Task(kind="visit"))
    pol = staged()
    pol = staged(stages=[*pol.stages[:2], visit, pol.stages[2]])
    result = run([invoice()], date(2026, 5, 5), pol)
    (task,) = [a for a in result.actions if a.kind is ActionKind.CREATE_TASK]
    assert (task.key, task.due_on) == ("b2c:C1:I1:task:visit", date(2026, 4, 1))
    (skip,) = [s for s in result.skipped if s.key == "b2c:C1:I1:task:call"]
    assert skip.reason.text == "the task of stage call is replaced by stage visit"


def cut_off(**changes: Any) -> Policy:
    """Suspension at 30 days overdue, announced by the stage's message; weekends quiet."""
    data: dict[str, Any] = {
        "id": "cut",
        "trigger": StageTrigger(days_overdue=30),
        "message": MessageSpec(channels=["email"], template="suspension", tone="final"),
        "suspend_service": True,
        "hand_off": HandOff(agency="Cobranzas SA"),
        "propose_write_off": True,
    }
    data.update(changes)
    return policy(steps=[], stages=[Stage(**data)], quiet_days=QuietDays())


def executed(result: Evaluation) -> list[HistoryRecord]:
    return list(result.history())


class TestNoticeBeforeSuspension:
    # Due 2026-01-31; 30 days overdue on Monday 2026-03-02. Due 2026-01-29 reaches the stage
    # on Saturday 2026-02-28.
    SATURDAY_DUE = date(2026, 1, 29)

    def test_nothing_takes_effect_before_the_notice_can_go_out(self) -> None:
        inv = invoice(due_date=self.SATURDAY_DUE)
        saturday = run([inv], date(2026, 2, 28), cut_off())
        assert kinds(saturday) == [("enter_stage", "b2c:C1:I1:stage:cut")]
        waiting = {s.key: (s.cause, s.retry_on) for s in saturday.skipped}
        monday = date(2026, 3, 2)
        assert waiting == {
            "b2c:C1:I1:stage-message:cut": (SkipReason.QUIET_DAY, monday),
            "b2c:C1:I1:hand-off:cut": (SkipReason.AWAITING_NOTICE, monday),
            "b2c:C1:I1:write-off:cut": (SkipReason.AWAITING_NOTICE, monday),
            "b2c:C1:suspend:1": (SkipReason.AWAITING_NOTICE, monday),
        }
        history = executed(saturday)
        sunday = run([inv], date(2026, 3, 1), cut_off(), history=history)
        assert sunday.actions == ()
        on_monday = run([inv], monday, cut_off(), history=history)
        assert [(a.kind.value, a.due_on) for a in on_monday.actions] == [
            ("send_message", date(2026, 2, 28)),
            ("suspend_service", monday),
            ("hand_off", monday),
            ("propose_write_off", monday),
        ]

    def test_clear_days_between_notice_and_suspension(self) -> None:
        pol = cut_off(notice_days=2)
        monday = date(2026, 3, 2)
        first = run([invoice()], monday, pol)
        assert [a.kind.value for a in first.actions] == ["enter_stage", "send_message"]
        (suspend,) = [s for s in first.skipped if s.key == "b2c:C1:suspend:1"]
        assert suspend.retry_on == date(2026, 3, 5)
        assert suspend.reason.text == (
            "suspend service: waits for 2 clear days after the notice of stage cut "
            "(sent on 2026-03-02)"
        )
        history = executed(first)
        wednesday = run([invoice()], date(2026, 3, 4), pol, history=history)
        assert wednesday.actions == ()
        thursday = run([invoice()], date(2026, 3, 5), pol, history=history)
        assert [(a.kind.value, a.due_on) for a in thursday.actions] == [
            ("suspend_service", date(2026, 3, 5)),
            ("hand_off", date(2026, 3, 5)),
            ("propose_write_off", date(2026, 3, 5)),
        ]
        done = run([invoice()], date(2026, 3, 5), pol, history=history + executed(thursday))
        assert done.actions == ()

    def test_a_stage_without_a_message_suspends_on_entry(self) -> None:
        pol = cut_off(message=None)
        result = run([invoice(due_date=self.SATURDAY_DUE)], date(2026, 2, 28), pol)
        assert ("suspend_service", "b2c:C1:suspend:1") in kinds(result)


class TestSendWindows:
    def test_both_bounds_of_the_window_in_the_customer_time_zone(self) -> None:
        pol = policy(send_window=SendWindow(start=time(8, 0), end=time(17, 30)))
        (message,) = run([invoice()], date(2026, 1, 28), pol).actions
        assert message.not_before.isoformat() == "2026-01-28T08:00:00-05:00"
        assert message.not_after is not None
        assert message.not_after.isoformat() == "2026-01-28T17:30:00-05:00"

    def test_without_a_window_there_is_no_end(self) -> None:
        (message,) = run([invoice()], date(2026, 1, 28)).actions
        assert message.not_after is None

    def test_a_start_in_a_daylight_saving_gap_is_the_first_valid_instant(self) -> None:
        # New York skips 02:00-03:00 on 2026-03-08: 02:30 does not exist that day.
        york = customer(time_zone="America/New_York")
        pol = policy(send_window=SendWindow(start=time(2, 30), end=time(2, 45)))
        inv = invoice(due_date=date(2026, 3, 8))
        (message,) = run([inv], date(2026, 3, 8), pol, customers=[york]).actions
        assert message.not_before.isoformat() == "2026-03-08T03:00:00-04:00"
        assert message.not_after is not None
        assert message.not_after.isoformat() == "2026-03-08T03:00:00-04:00"
        # The day after, the same window is an ordinary one.
        (later,) = run([inv], date(2026, 3, 9), pol, customers=[york]).actions
        assert later.not_before.isoformat() == "2026-03-09T02:30:00-04:00"


class TestOccurrenceFields:
    def test_actions_and_skips_name_their_rule_and_occurrence(self) -> None:
        result = run([invoice()], date(2026, 2, 16), staged())
        fields = {a.key: (a.rule_id, a.occurrence) for a in result.actions}
        assert fields == {
            "b2c:C1:I1:stage:fee": ("stage:fee", None),
            "b2c:C1:I1:fee:fee:0": ("stage:fee", 0),
            "b2c:C1:I1:step:after:2@sms": ("step:after", 2),
        }
        skipped = {s.key: (s.rule_id, s.occurrence, s.count) for s in result.skipped}
        # Occurrences 0 and 1 of "after" are one entry: the latest, standing for two.
        assert skipped == {
            "b2c:C1:I1:step:after:1": ("step:after", 1, 2),
            "b2c:C1:I1:step:due:0": ("step:due", 0, 1),
            "b2c:C1:I1:step:before:0": ("step:before", 0, 1),
        }

    def test_a_capped_message_keeps_its_own_rule(self) -> None:
        sent = [HistoryRecord(key="k", kind="send_message", customer_id="C1", on=DUE)]
        pol = policy(frequency_cap=FrequencyCap(max_messages=1, days=7))
        result = run([invoice()], DUE, pol, history=sent)
        (capped,) = [s for s in result.skipped if s.cause is SkipReason.CAPPED]
        assert (capped.reason.rule, capped.rule_id, capped.occurrence) == (
            "frequency_cap",
            "step:due",
            0,
        )

    def test_a_retry_and_a_suspension_count_their_occurrences(self) -> None:
        first = run([invoice()], date(2026, 5, 5), staged())
        (suspend,) = [a for a in first.actions if a.kind is ActionKind.SUSPEND_SERVICE]
        assert (suspend.rule_id, suspend.occurrence) == ("stage:agency", 1)


class TestProcessState:
    def test_evaluate_leaves_the_garbage_collector_alone(self) -> None:
        import gc

        seen: list[bool] = []

        def invoices() -> Any:
            # Read while the evaluation consumes its input.
            seen.append(gc.isenabled())
            yield invoice()
            seen.append(gc.isenabled())

        assert gc.isenabled()
        run(invoices(), date(2026, 2, 2))  # type: ignore[arg-type]
        assert seen == [True, True]
        assert gc.isenabled()

    def test_history_occurrences_are_read_only_views(self) -> None:
        from dunning import HistoryIndex

        index = HistoryIndex(run([invoice()], DUE).history())
        done = index.occurrences("b2c:C1")
        assert dict(done["I1"]) == {"step:due:0": DUE}
        with pytest.raises(TypeError):
            done["I1"]["step:due:0"] = date(2099, 1, 1)  # type: ignore[index]
        with pytest.raises(TypeError):
            index.occurrences("b2c:nobody")["I1"] = {}  # type: ignore[index]
        assert index.done_on("b2c:C1:I1:step:due:0") == DUE
        assert run([invoice()], DUE, history=index).actions == ()


class TestIssueDate:
    def test_nothing_is_due_before_the_invoice_is_issued(self) -> None:
        # Issued 2026-01-29, due 01-31: the "3 days before" reminder would fall on 01-28.
        late_issue = invoice(issue_date=date(2026, 1, 29))
        before = run([late_issue], date(2026, 1, 28))
        assert (before.actions, before.skipped, before.quiet) == ((), (), ("I1",))
        issued = run([late_issue], date(2026, 1, 29))
        assert (issued.actions, issued.skipped, issued.quiet) == ((), (), ("I1",))
        on_due = run([late_issue], DUE)
        assert [a.key for a in on_due.actions] == ["b2c:C1:I1:step:due:0@email"]
        assert on_due.skipped == ()

    def test_the_full_evaluation_agrees(self) -> None:
        late_issue = invoice(issue_date=date(2026, 1, 29), disputed=True)
        result = run([late_issue], date(2026, 1, 28), policy(pauses=Pauses(disputed=False)))
        assert (result.actions, result.quiet) == ((), ("I1",))


class TestBadCustomers:
    def test_one_bad_customer_record_rejects_its_invoices_only(self) -> None:
        bad = {"id": "C9", "name": "Mars", "time_zone": "Mars/Olympus"}
        invoices = [invoice(), invoice("I9", customer_id="C9")]
        result = run(invoices, DUE, customers=[bad, customer()])  # type: ignore[list-item]
        assert [a.key for a in result.actions] == ["b2c:C1:I1:step:due:0@email"]
        (rejected,) = result.rejected
        assert (rejected.invoice_id, rejected.customer_id) == ("I9", "C9")
        assert rejected.error == (
            "customer 'C9': time_zone: 'Mars/Olympus' is not an IANA time zone (use a name "
            "such as 'America/Bogota')"
        )

    def test_a_customer_record_without_an_id_is_reported_with_the_batch_going_on(self) -> None:
        result = run([invoice()], DUE, customers=[{"name": "nobody"}, customer()])  # type: ignore[list-item]
        assert [a.key for a in result.actions] == ["b2c:C1:I1:step:due:0@email"]


class TestHostileInvoices:
    INTEREST = InterestSettings(rule=InterestRule(annual_rate=Decimal(24)))

    @pytest.mark.parametrize(
        ("hostile", "pol", "why"),
        [
            (
                {"issue_date": date(1, 1, 1), "due_date": date(1, 1, 2)},
                "staged",
                "a date its rules reach falls outside the calendar (years 1 to 9999)",
            ),
            (
                {"payments": [pay("10.00", date(9999, 12, 31))]},
                "interest",
                "a date its rules reach falls outside the calendar (years 1 to 9999)",
            ),
        ],
    )
    def test_one_hostile_invoice_is_rejected_and_the_batch_goes_on(
        self, hostile: dict[str, Any], pol: str, why: str
    ) -> None:
        chosen = staged() if pol == "staged" else policy(interest=self.INTEREST)
        calm = invoice("I2")
        alone = run([calm], date(2026, 5, 5), chosen)
        result = run([invoice(**hostile), calm], date(2026, 5, 5), chosen)
        (rejected,) = result.rejected
        assert rejected.invoice_id == "I1"
        assert rejected.error.startswith(f"invoice 'I1' cannot be evaluated: {why} (due date")
        assert result.outcome("I1") is InvoiceOutcome.REJECTED
        assert [a for a in result.actions if "I1" in a.invoice_ids] == []
        assert [a.key for a in result.actions if a.kind is not ActionKind.SUSPEND_SERVICE] == [
            a.key for a in alone.actions if a.kind is not ActionKind.SUSPEND_SERVICE
        ]

    def test_a_huge_amount_is_evaluated_exactly_whatever_the_callers_context(self) -> None:
        # 1e30 USD under a 5 % fee: the library's own 100-digit context computes it exactly
        # (the caller's 28-digit default used to raise InvalidOperation and reject it).
        result = run([invoice(total="1e30")], date(2026, 5, 5), staged())
        assert result.rejected == ()
        fees = [a for a in result.actions if a.kind is ActionKind.CHARGE_FEE]
        assert fees and fees[0].amount == Money("5e28", "USD")

    def test_an_amount_past_the_input_bound_is_rejected_at_the_input(self) -> None:
        # 10**32 USD has 35 digits with its cents: refused where the invoice comes in, with
        # the field and the bound, before any rule computes with it.
        data = invoice().model_dump() | {"total": "1e32"}
        result = run([data, invoice("I2")], date(2026, 5, 5), staged())  # type: ignore[list-item]
        (rejected,) = result.rejected
        assert rejected.invoice_id == "I1"
        assert rejected.error == (
            "total: amount 100000000000000000000000000000000 has more than 34 digits "
            "(at most 99999999999999999999999999999999.99 USD)"
        )
        assert result.outcome("I2") is InvoiceOutcome.ACTED

    def test_the_largest_amount_under_the_largest_rates_is_evaluated_exactly(self) -> None:
        # The largest amount an invoice may carry, a 1,000 % fee every day and 1,000 % a year
        # of interest for ten years: every figure fits the money context, nothing is rejected.
        largest = "99999999999999999999999999999999.99"
        fee = StageFee(rule=PercentFee(percent="1000"), every_days=1, max_times=100)
        stage = Stage(id="fee", trigger=StageTrigger(days_overdue=1), fee=fee)
        interest = InterestSettings(rule=InterestRule(annual_rate=Decimal(1000)))
        pol = policy(stages=[stage], interest=interest)
        result = run([invoice(total=largest)], date(2036, 1, 31), pol)
        assert result.rejected == ()
        fees = [a for a in result.actions if a.kind is ActionKind.CHARGE_FEE]
        assert len(fees) == 100
        # Ten times the largest input amount: beyond what an input may carry, yet exact.
        assert fees[0].amount.amount == Decimal("999999999999999999999999999999999.90")
        posted = [a for a in result.actions if a.kind is ActionKind.POST_INTEREST]
        assert len(posted) == 120
        assert posted[0].amount.amount == Decimal("76712328767123287671232876712328.76")  # 28 days


class TestEvaluationDate:
    @pytest.mark.parametrize(
        ("as_of", "message"),
        [
            (
                datetime(2026, 2, 1, 10),
                "as_of must be a datetime.date, not datetime (datetime.datetime(2026, 2, 1, 10, "
                "0)); take its .date() in the business's time zone",
            ),
            ("2026-02-01", "as_of must be a datetime.date, not str ('2026-02-01')"),
            (None, "as_of must be a datetime.date, not NoneType (None)"),
        ],
    )
    def test_an_evaluation_date_that_is_not_a_date_is_refused_up_front(
        self, as_of: object, message: str
    ) -> None:
        with pytest.raises(ArgumentTypeError) as caught:
            run([invoice()], as_of)  # type: ignore[arg-type]
        assert str(caught.value) == message
        assert isinstance(caught.value, TypeError)
