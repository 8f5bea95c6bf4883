"""The engine invariants `check_policy` watches each day catch what they are for."""

from datetime import date, time, timedelta
from decimal import Decimal
from typing import Any

import pytest

from dunning.engine import Evaluation, SendMessage, evaluate, records_of
from dunning.invoices import Contact, CreditNote, Customer, Invoice, Payment
from dunning.money import Money
from dunning.penalties import FixedFee, InterestRule
from dunning.plans import InstallmentPlan, PlanTerms, build_plan
from dunning.policy.model import (
    FrequencyCap,
    InterestPosting,
    InterestSettings,
    MessageSpec,
    Policy,
    ReminderStep,
    SendWindow,
    Stage,
    StageFee,
    StageTrigger,
    Task,
    TaskKind,
)
from dunning.policy.promises import (
    EscalationPromise,
    FeeLimit,
    FirstReminderPromise,
    InterestLimit,
    MessageLimit,
    NoContactPromise,
    QuietDaysPromise,
    ReminderLimit,
    SendWindowPromise,
    SuspensionNoticePromise,
)
from dunning.testing._checks import Day, Violation, invariant_watchers, watcher_for

DUE = date(2026, 3, 2)
POLICY = Policy(
    id="p",
    steps=[ReminderStep(id="due", offset_days=0, channels=["email"], template="due")],
)
CUSTOMER = Customer(id="C", name="Ana", contacts=[Contact(channel="email", address="a@x")])
INVOICE = Invoice(
    id="I",
    customer_id="C",
    currency="USD",
    total="10.00",
    issue_date=DUE - timedelta(days=30),
    due_date=DUE,
)
EVALUATION = evaluate([INVOICE], POLICY, DUE, customers=[CUSTOMER])


def day(invoices: dict[str, Invoice], policy: Policy = POLICY) -> Day:
    return Day(
        day=DUE,
        evaluation=EVALUATION,
        invoices=invoices,
        plans={},
        customers={"C": CUSTOMER},
        policies={"C": policy},
    )


def watch(name: str, state: Day) -> str | None:
    violation = invariant_watchers()[name]().observe(state)
    return None if violation is None else violation.text


def test_the_evaluation_sends_one_message() -> None:
    assert len(EVALUATION.actions) == 1


def test_a_message_about_a_paid_invoice_is_caught() -> None:
    paid = INVOICE.evolve(
        payments=[Payment(id="P", date=DUE, amount=Money(Decimal("10.00"), "USD"))]
    )
    name = "no message about a paid or void invoice"
    assert watch(name, day({"I": INVOICE})) is None
    assert watch(name, day({"I": paid})) == "a message about I, which is paid"


def test_an_invoice_missing_from_the_evaluation_is_caught() -> None:
    other = INVOICE.evolve(id="J")
    name = "every invoice is accounted for in each evaluation"
    assert watch(name, day({"I": INVOICE})) is None
    assert watch(name, day({"I": INVOICE, "J": other})) == "1 outcomes for 2 invoices"


def test_messages_above_the_policy_cap_are_caught() -> None:
    name = "the policy's frequency cap holds in every window"
    strict = POLICY.evolve(frequency_cap=FrequencyCap(max_messages=1, days=7))
    watcher = invariant_watchers()[name]()
    assert watcher.observe(day({"I": INVOICE}, strict)) is None
    again = watcher.observe(day({"I": INVOICE}, strict))
    assert again is not None
    assert again.text == (
        "2 messages from 2026-02-24 to 2026-03-02, above the policy's cap of 1 in 7 days"
    )


# -- the watchers of each kind of promise, one simulated day at a time ------------------------

LATE = DUE + timedelta(days=10)
STAGED = Policy(
    id="p",
    steps=[ReminderStep(id="due", offset_days=0, channels=["email"], template="due")],
    stages=[
        Stage(
            id="late",
            trigger=StageTrigger(days_overdue=10),
            fee=StageFee(rule=FixedFee(amounts=[Money("5.00", "USD")])),
            suspend_service=True,
            post_interest=True,
            message=MessageSpec(channels=["email"], template="late"),
        )
    ],
    interest=InterestSettings(
        rule=InterestRule(annual_rate=Decimal(24)), posting=InterestPosting.STAGE_ENTRY
    ),
)
#: On day 10 after the due date: enter the stage, a fee, interest, a message, a suspension.
STAGE_DAY = evaluate([INVOICE], STAGED, LATE, customers=[CUSTOMER])
#: Nothing due 20 days before the due date.
NOTHING = evaluate([INVOICE], POLICY, DUE - timedelta(days=20), customers=[CUSTOMER])


def on(
    when: date,
    evaluation: Evaluation = EVALUATION,
    invoice: Invoice = INVOICE,
    policy: Policy = POLICY,
    plans: dict[str, InstallmentPlan] | None = None,
    customer: Customer = CUSTOMER,
) -> Day:
    return Day(
        day=when,
        evaluation=evaluation,
        invoices={invoice.id: invoice},
        plans=plans or {},
        customers={customer.id: customer},
        policies={customer.id: policy},
    )


def texts(promise: object, *days: Day, **options: Any) -> list[str | None]:
    """What one watcher of `promise` says on each of `days`, in order."""
    watcher = watcher_for(promise, **options)
    found = [watcher.observe(state) for state in days]
    return [None if violation is None else violation.text for violation in found]


def test_the_stage_day_has_every_kind_of_action() -> None:
    kinds = [action.kind.value for action in STAGE_DAY.actions]
    assert kinds == [
        "enter_stage",
        "charge_fee",
        "post_interest",
        "send_message",
        "suspend_service",
    ]
    assert NOTHING.actions == ()


def test_message_limit_counts_every_message_in_the_window_and_no_other() -> None:
    limit = MessageLimit(max_messages=1, days=7)
    assert texts(limit, on(DUE), on(DUE + timedelta(days=6))) == [
        None,
        "2 messages in the 7 days 2026-03-02 to 2026-03-08: 2026-03-02, 2026-03-08",
    ]
    # A week later the first message has left the window; a quiet day says nothing.
    assert texts(limit, on(DUE), on(DUE + timedelta(days=7), NOTHING), on(DUE + timedelta(7))) == [
        None,
        None,
        None,
    ]
    two = MessageLimit(max_messages=2, days=7)
    assert texts(two, on(DUE), on(DUE + timedelta(days=1)))[1] is None


def test_quiet_days_are_judged_by_the_promise_calendar() -> None:
    saturday = date(2026, 3, 7)
    promise = QuietDaysPromise()
    assert texts(promise, on(saturday)) == ["a email message on Saturday 2026-03-07, a quiet day"]
    assert texts(promise, on(saturday, NOTHING)) == [None]
    assert texts(promise, on(DUE)) == [None]
    violation = watcher_for(promise).observe(on(saturday))
    assert violation is not None
    assert (violation.customer_id, violation.invoice_ids) == ("C", ("I",))


def test_send_window_compares_the_earliest_and_latest_sending_times() -> None:
    assert texts(SendWindowPromise(start=time(0, 0), end=time(23, 59, 59, 999999)), on(DUE)) == [
        None
    ]
    assert texts(SendWindowPromise(start=time(8), end=time(20)), on(DUE)) == [
        "a email message may go out from 00:00 to 23:59 (UTC), outside 08:00-20:00"
    ]
    windowed = POLICY.evolve(send_window=SendWindow(start=time(8), end=time(18)))
    sent = evaluate([INVOICE], windowed, DUE, customers=[CUSTOMER])
    assert texts(
        SendWindowPromise(start=time(8), end=time(18)), on(DUE, sent, policy=windowed)
    ) == [None]
    assert texts(
        SendWindowPromise(start=time(9), end=time(18)), on(DUE, sent, policy=windowed)
    ) == ["a email message may go out from 08:00 to 18:00 (UTC), outside 09:00-18:00"]
    assert texts(
        SendWindowPromise(start=time(8), end=time(17)), on(DUE, sent, policy=windowed)
    ) == ["a email message may go out from 08:00 to 18:00 (UTC), outside 08:00-17:00"]


def test_no_contact_names_the_pause_that_was_not_kept() -> None:
    disputed = INVOICE.evolve(disputed=True)
    promised = INVOICE.evolve(promise_to_pay=DUE)
    everything = NoContactPromise(during=("dispute", "promise_to_pay", "plan"))
    assert texts(everything, on(DUE)) == [None]
    assert texts(everything, on(DUE, invoice=disputed)) == [
        "a email message about I while it is disputed"
    ]
    assert texts(NoContactPromise(during=("plan",)), on(DUE, invoice=disputed)) == [None]
    assert texts(everything, on(DUE, invoice=promised)) == [
        "a email message about I while the customer promised to pay by 2026-03-02"
    ]
    # The promise is kept on the day after the date promised.
    late = on(DUE + timedelta(days=1), invoice=promised)
    assert texts(everything, late) == [None]
    assert texts(NoContactPromise(during=("dispute",)), on(DUE, invoice=promised)) == [None]
    plan = build_plan([INVOICE], PlanTerms(installments=2), id="PL", start_date=DUE)
    assert texts(everything, on(DUE, plans={"I": plan})) == [
        "a email message about I while installment plan PL is in good standing"
    ]
    assert texts(NoContactPromise(during=("dispute",)), on(DUE, plans={"I": plan})) == [None]


def test_suspension_notice_needs_a_notice_min_days_before() -> None:
    notice = on(DUE)
    suspended = on(LATE, STAGE_DAY, policy=STAGED)
    assert texts(SuspensionNoticePromise(min_days=10), notice, suspended) == [None, None]
    assert texts(SuspensionNoticePromise(min_days=11), notice, suspended) == [
        None,
        "service suspended on 2026-03-12 with no notice on or before 2026-03-01 "
        "(notices: 2026-03-02)",
    ]
    # Only the templates named are notices; the stage's own message comes too late.
    assert texts(SuspensionNoticePromise(min_days=1, templates=("late",)), notice, suspended) == [
        None,
        "service suspended on 2026-03-12 with no notice on or before 2026-03-11 (notices: none)",
    ]
    assert texts(SuspensionNoticePromise(min_days=1, templates=("due",)), notice, suspended) == [
        None,
        None,
    ]
    # No channel to send a notice on: nothing to promise.
    unreachable = Customer(id="C", name="Ana")
    assert texts(
        SuspensionNoticePromise(min_days=11), on(LATE, STAGE_DAY, customer=unreachable)
    ) == [None]


def test_fee_limit_takes_the_lowest_cap_of_the_promise() -> None:
    stage = on(LATE, STAGE_DAY, policy=STAGED)
    assert texts(FeeLimit(amounts=[Money("5.00", "USD")]), stage) == [None]
    assert texts(FeeLimit(amounts=[Money("4.99", "USD")]), stage) == [
        "fees of 5.00 USD on I (this one 5.00 USD, stage late) above 4.99 USD"
    ]
    assert texts(FeeLimit(amounts=[Money("1", "EUR")]), stage) == [None]
    assert texts(FeeLimit(percent_of_total=Decimal(50)), stage) == [None]
    assert texts(FeeLimit(percent_of_total=Decimal(49)), stage) == [
        "fees of 5.00 USD on I (this one 5.00 USD, stage late) above 49 % of 10.00 USD"
    ]
    both = FeeLimit(amounts=[Money("4.95", "USD")], percent_of_total=Decimal(49))
    assert texts(both, stage) == [
        "fees of 5.00 USD on I (this one 5.00 USD, stage late) above 49 % of 10.00 USD"
    ]
    # A second fee adds up.
    assert texts(FeeLimit(amounts=[Money("9.99", "USD")]), stage, stage) == [
        None,
        "fees of 10.00 USD on I (this one 5.00 USD, stage late) above 9.99 USD",
    ]


def test_fee_limit_by_a_statutory_compensation() -> None:
    stage = on(LATE, STAGE_DAY, policy=STAGED)
    days: list[int] = []

    def compensation(principal: Money, days_late: int) -> Money | None:
        days.append(days_late)
        return Money("4.00", principal.currency) if days_late >= 10 else None

    assert texts(FeeLimit(statutory=True), stage, compensation=compensation) == [
        "fees of 5.00 USD on I (this one 5.00 USD, stage late) above the statutory 4.00 USD"
    ]
    assert days == [10]
    early = on(LATE, STAGE_DAY, policy=STAGED, invoice=INVOICE.evolve(due_date=LATE))
    assert texts(FeeLimit(statutory=True), early, compensation=compensation) == [
        "fees of 5.00 USD on I (this one 5.00 USD, stage late) above no statutory compensation yet"
    ]


def test_interest_limit_by_rate_and_by_statutory_rule() -> None:
    stage = on(LATE, STAGE_DAY, policy=STAGED)
    assert texts(InterestLimit(max_annual_rate=Decimal(24)), stage) == [None]
    assert texts(InterestLimit(max_annual_rate=Decimal("23.9")), stage) == [
        "interest at 24 % a year from 2026-03-03 to 2026-03-12, above 23.9 %"
    ]
    same = InterestRule(annual_rate=Decimal(24))
    lower = InterestRule(annual_rate=Decimal(12))
    assert texts(InterestLimit(statutory=True), stage, statutory_interest=same) == [None]
    assert texts(InterestLimit(statutory=True), stage, statutory_interest=lower) == [
        "interest of 0.07 USD from 2026-03-03 to 2026-03-12, above the statutory 0.03 USD "
        "on 10.00 USD"
    ]
    # The principal is what was owed before the interest period: payments before it count.
    paid = INVOICE.evolve(payments=[Payment(id="P", date=DUE, amount=Money("5.00", "USD"))])
    assert texts(
        InterestLimit(statutory=True), on(LATE, STAGE_DAY, invoice=paid), statutory_interest=same
    ) == [
        "interest of 0.07 USD from 2026-03-03 to 2026-03-12, above the statutory 0.03 USD "
        "on 5.00 USD"
    ]


def test_first_reminder_is_judged_on_its_deadline_only() -> None:
    promise = FirstReminderPromise(within_days=0)
    assert texts(promise, on(DUE)) == [None]
    assert texts(promise, on(DUE, NOTHING)) == [
        "no message about I (balance 10.00 USD, due 2026-03-02) from its due date to 2026-03-02"
    ]
    # Before and after the deadline, nothing is judged.
    assert texts(FirstReminderPromise(within_days=1), on(DUE, NOTHING)) == [None]
    assert texts(promise, on(DUE + timedelta(days=1), NOTHING)) == [None]
    # A reminder on or after the due date counts; one before it does not.
    early = FirstReminderPromise(within_days=2)
    assert texts(early, on(DUE), on(DUE + timedelta(days=2), NOTHING)) == [None, None]
    before = POLICY.evolve(
        steps=[ReminderStep(id="before", offset_days=-1, channels=["email"], template="soon")]
    )
    reminded = evaluate([INVOICE], before, DUE - timedelta(days=1), customers=[CUSTOMER])
    message = reminded.actions[0]
    assert isinstance(message, SendMessage)
    assert [item.days_overdue for item in message.items] == [-1]
    assert texts(early, on(DUE - timedelta(days=1), reminded), on(DUE + timedelta(2), NOTHING)) == [
        None,
        "no message about I (balance 10.00 USD, due 2026-03-02) from its due date to 2026-03-04",
    ]
    # Paid, unreachable or paused from the due date on: nothing to promise.
    paid = INVOICE.evolve(payments=[Payment(id="P", date=DUE, amount=Money("10.00", "USD"))])
    assert texts(promise, on(DUE, NOTHING, invoice=paid)) == [None]
    assert texts(promise, on(DUE, NOTHING, customer=Customer(id="C", name="Ana"))) == [None]
    disputed = INVOICE.evolve(disputed=True)
    paused = evaluate([disputed], POLICY, DUE, customers=[CUSTOMER])
    assert texts(promise, on(DUE, paused, invoice=disputed)) == [None]
    paused_before = evaluate([disputed], POLICY, DUE - timedelta(days=1), customers=[CUSTOMER])
    assert texts(
        promise, on(DUE - timedelta(days=1), paused_before, invoice=disputed), on(DUE, NOTHING)
    ) == [
        None,
        "no message about I (balance 10.00 USD, due 2026-03-02) from its due date to 2026-03-02",
    ]


def test_escalation_is_judged_on_its_deadline_by_the_stage_reached() -> None:
    promise = EscalationPromise(stage="late", by_day=10)
    assert texts(promise, on(LATE, STAGE_DAY, policy=STAGED)) == [None]
    assert texts(promise, on(LATE, NOTHING, policy=STAGED)) == [
        "I (balance 10.00 USD, due 2026-03-02) is at no stage 10 days after its due date, "
        "not at 'late'"
    ]
    assert texts(promise, on(LATE, NOTHING, policy=POLICY)) == [None]
    assert texts(EscalationPromise(stage="late", by_day=11), on(LATE, NOTHING, policy=STAGED)) == [
        None
    ]
    two = STAGED.evolve(
        stages=[
            *STAGED.stages,
            Stage(id="agency", trigger=StageTrigger(days_overdue=10)),
        ]
    )
    assert texts(EscalationPromise(stage="agency", by_day=10), on(LATE, STAGE_DAY, policy=two)) == [
        "I (balance 10.00 USD, due 2026-03-02) is at stage 'late' 10 days after its due date, "
        "not at 'agency'"
    ]


def test_reminder_limit_counts_reminder_steps_per_invoice() -> None:
    promise = ReminderLimit(max_reminders=1)
    assert texts(promise, on(DUE), on(DUE)) == [None, "reminder 2 about I (template due)"]
    # A stage message is not a reminder.
    assert texts(promise, on(DUE), on(LATE, STAGE_DAY, policy=STAGED)) == [None, None]


def test_a_watcher_is_made_for_promises_only() -> None:
    with pytest.raises(TypeError, match=r"^'late' is not a promise$"):
        watcher_for("late")


# -- what a violation says besides its text, and the cases that pinned the mutants ------------

OTHER = Customer(id="D", name="Bea", contacts=[Contact(channel="email", address="b@x")])
OTHER_INVOICE = INVOICE.evolve(id="J", customer_id="D")
#: A message to D only, on the due date.
TO_OTHER = evaluate([OTHER_INVOICE], POLICY, DUE, customers=[OTHER])


def both(when: date, evaluation: Evaluation, policy: Policy = POLICY) -> Day:
    return Day(
        day=when,
        evaluation=evaluation,
        invoices={"I": INVOICE, "J": OTHER_INVOICE},
        plans={},
        customers={"C": CUSTOMER, "D": OTHER},
        policies={"C": policy, "D": policy},
    )


def last(promise: object, *days: Day, **options: Any) -> Violation:
    watcher = watcher_for(promise, **options)
    found = [watcher.observe(state) for state in days]
    violation = found[-1]
    assert violation is not None
    return violation


@pytest.mark.parametrize(
    ("promise", "state", "invoice_ids"),
    [
        (MessageLimit(max_messages=1, days=1), on(DUE), ()),
        (QuietDaysPromise(), on(date(2026, 3, 7)), ("I",)),
        (SendWindowPromise(start=time(8), end=time(20)), on(DUE), ("I",)),
        (NoContactPromise(), on(DUE, invoice=INVOICE.evolve(disputed=True)), ("I",)),
        (SuspensionNoticePromise(min_days=1), on(LATE, STAGE_DAY), ("I",)),
        (FeeLimit(amounts=[Money("1.00", "USD")]), on(LATE, STAGE_DAY), ("I",)),
        (InterestLimit(max_annual_rate=Decimal(1)), on(LATE, STAGE_DAY), ("I",)),
        (FirstReminderPromise(within_days=0), on(DUE, NOTHING), ("I",)),
        (EscalationPromise(stage="late", by_day=10), on(LATE, NOTHING, policy=STAGED), ("I",)),
        (ReminderLimit(max_reminders=1), on(DUE), ("I",)),
    ],
    ids=lambda value: getattr(value, "kind", None) or "",
)
def test_a_violation_names_the_day_customer_invoices_and_the_day_actions(
    promise: object, state: Day, invoice_ids: tuple[str, ...]
) -> None:
    days = [state, state] if isinstance(promise, (MessageLimit, ReminderLimit)) else [state]
    violation = last(promise, *days)
    assert (violation.day, violation.customer_id, violation.invoice_ids) == (
        state.day,
        "C",
        invoice_ids,
    )
    assert violation.actions == state.evaluation.actions_for("C")


def test_interest_statutory_violation_names_the_customer_and_invoice() -> None:
    lower = InterestRule(annual_rate=Decimal(12))
    violation = last(InterestLimit(statutory=True), on(LATE, STAGE_DAY), statutory_interest=lower)
    assert (violation.customer_id, violation.invoice_ids) == ("C", ("I",))


def test_limits_in_a_window_judge_each_customer_on_the_days_it_is_messaged() -> None:
    # C was messaged a day before; D twice in two days: D alone breaks the limit.
    sent = [
        both(DUE, EVALUATION),
        both(DUE + timedelta(1), TO_OTHER),
        both(DUE + timedelta(2), TO_OTHER),
    ]
    violation = last(MessageLimit(max_messages=1, days=7), *sent)
    assert (violation.customer_id, violation.day) == ("D", DUE + timedelta(2))
    capped = POLICY.evolve(frequency_cap=FrequencyCap(max_messages=1, days=7))
    watcher = invariant_watchers()["the policy's frequency cap holds in every window"]()
    found = [watcher.observe(both(d.day, d.evaluation, capped)) for d in sent]
    assert found[:2] == [None, None]
    assert found[2] is not None
    assert (found[2].customer_id, found[2].invoice_ids) == ("D", ())
    assert found[2].actions == TO_OTHER.actions_for("D")


def test_the_policy_cap_window_includes_its_first_day() -> None:
    capped = POLICY.evolve(frequency_cap=FrequencyCap(max_messages=1, days=7))
    watcher = invariant_watchers()["the policy's frequency cap holds in every window"]()
    assert watcher.observe(on(DUE, policy=capped)) is None
    violation = watcher.observe(on(DUE + timedelta(days=6), policy=capped))
    assert violation is not None
    assert violation.text == (
        "2 messages from 2026-03-02 to 2026-03-08, above the policy's cap of 1 in 7 days"
    )
    assert watcher.observe(on(DUE + timedelta(days=13), policy=capped)) is None


def test_deadlines_judge_every_invoice_whatever_comes_first() -> None:
    early = INVOICE.evolve(id="H", due_date=DUE + timedelta(days=5))
    state = Day(
        day=DUE,
        evaluation=NOTHING,
        invoices={
            "H": early,
            "J": OTHER_INVOICE.evolve(
                payments=[Payment(id="P", date=DUE, amount=Money("10.00", "USD"))]
            ),
            "I": INVOICE,
        },
        plans={},
        customers={"C": CUSTOMER, "D": OTHER},
        policies={"C": POLICY, "D": POLICY},
    )
    violation = last(FirstReminderPromise(within_days=0), state)
    assert (violation.customer_id, violation.invoice_ids) == ("C", ("I",))


def test_a_call_task_is_a_contact_and_a_review_is_not() -> None:
    calling = Policy(
        id="p", stages=[Stage(id="call", trigger=StageTrigger(days_overdue=10), task=Task())]
    )
    called = evaluate([INVOICE], calling, LATE, customers=[CUSTOMER])
    assert [action.kind.value for action in called.actions] == ["enter_stage", "create_task"]
    disputed = INVOICE.evolve(disputed=True)
    assert texts(NoContactPromise(), on(LATE, called, invoice=disputed)) == [
        "a call task about I while it is disputed"
    ]
    reviewing = Policy(
        id="p",
        stages=[
            Stage(
                id="call",
                trigger=StageTrigger(days_overdue=10),
                task=Task(kind=TaskKind.REVIEW),
            )
        ],
    )
    reviewed = evaluate([INVOICE], reviewing, LATE, customers=[CUSTOMER])
    assert texts(NoContactPromise(), on(LATE, reviewed, invoice=disputed)) == [None]


def test_suspension_notices_are_listed_and_forgotten_when_service_resumes() -> None:
    suspended = on(LATE, STAGE_DAY)
    notices = [on(DUE), on(DUE + timedelta(days=1)), suspended]
    assert texts(SuspensionNoticePromise(min_days=12), *notices)[-1] == (
        "service suspended on 2026-03-12 with no notice on or before 2026-02-28 "
        "(notices: 2026-03-02, 2026-03-03)"
    )
    paid = INVOICE.evolve(payments=[Payment(id="P", date=LATE, amount=Money("10.00", "USD"))])
    history = records_of(STAGE_DAY.actions, on=LATE)
    resumed = evaluate([paid], STAGED, LATE + timedelta(1), customers=[CUSTOMER], history=history)
    assert [action.kind.value for action in resumed.actions] == ["resume_service"]
    # A resumption without any notice before it is nothing to forget.
    assert texts(SuspensionNoticePromise(min_days=1), on(LATE + timedelta(1), resumed)) == [None]
    again = on(LATE + timedelta(days=30), STAGE_DAY)
    assert texts(
        SuspensionNoticePromise(min_days=1), on(DUE), on(LATE + timedelta(1), resumed), again
    ) == [
        None,
        None,
        "service suspended on 2026-04-11 with no notice on or before 2026-04-10 (notices: none)",
    ]


def test_no_statutory_compensation_yet_caps_any_fee() -> None:
    small = Policy(
        id="p",
        stages=[
            Stage(
                id="late",
                trigger=StageTrigger(days_overdue=10),
                fee=StageFee(rule=FixedFee(amounts=[Money("0.50", "USD")])),
            )
        ],
    )
    charged = evaluate([INVOICE], small, LATE, customers=[CUSTOMER])
    assert texts(
        FeeLimit(statutory=True), on(LATE, charged), compensation=lambda principal, days: None
    ) == [
        "fees of 0.50 USD on I (this one 0.50 USD, stage late) above no statutory compensation yet"
    ]


def test_the_interest_principal_counts_credit_notes_and_never_goes_below_zero() -> None:
    same = InterestRule(annual_rate=Decimal(12))
    credited = INVOICE.evolve(
        credit_notes=[CreditNote(id="CN", date=DUE, amount=Money("5.00", "USD"))]
    )
    assert texts(
        InterestLimit(statutory=True),
        on(LATE, STAGE_DAY, invoice=credited),
        statutory_interest=same,
    ) == [
        "interest of 0.07 USD from 2026-03-03 to 2026-03-12, above the statutory 0.02 USD "
        "on 5.00 USD"
    ]
    over = credited.evolve(payments=[Payment(id="P", date=DUE, amount=Money("10.00", "USD"))])
    assert texts(
        InterestLimit(statutory=True), on(LATE, STAGE_DAY, invoice=over), statutory_interest=same
    ) == [
        "interest of 0.07 USD from 2026-03-03 to 2026-03-12, above the statutory 0.00 USD on 0 USD"
    ]


def test_accounting_names_the_missing_invoice_and_its_customer_or_the_surplus() -> None:
    name = "every invoice is accounted for in each evaluation"
    missing = invariant_watchers()[name]().observe(both(DUE, EVALUATION))
    assert missing is not None
    assert (missing.customer_id, missing.invoice_ids, missing.text) == (
        "D",
        ("J",),
        "1 outcomes for 2 invoices",
    )
    assert missing.actions == ()
    surplus_day = Day(
        day=DUE,
        evaluation=EVALUATION,
        invoices={},
        plans={},
        customers={"D": OTHER, "C": CUSTOMER},
        policies={"C": POLICY, "D": POLICY},
    )
    surplus = invariant_watchers()[name]().observe(surplus_day)
    assert surplus is not None
    assert (surplus.customer_id, surplus.invoice_ids, surplus.text) == (
        "D",
        (),
        "1 outcomes for 0 invoices",
    )


def test_a_message_about_a_settled_invoice_names_it() -> None:
    paid = INVOICE.evolve(
        payments=[Payment(id="P", date=DUE, amount=Money(Decimal("10.00"), "USD"))]
    )
    name = "no message about a paid or void invoice"
    violation = invariant_watchers()[name]().observe(day({"I": paid}))
    assert violation is not None
    assert (violation.customer_id, violation.invoice_ids) == ("C", ("I",))


def test_a_pre_due_step_sent_on_or_after_the_due_date_is_caught() -> None:
    name = "no pre-due reminder on or after the due date"
    # As if the step sent on the due date were a step of one day before it.
    early = POLICY.evolve(
        steps=[ReminderStep(id="due", offset_days=-1, channels=["email"], template="due")]
    )
    violation = invariant_watchers()[name]().observe(on(DUE, policy=early))
    assert violation is not None
    assert (violation.customer_id, violation.invoice_ids, violation.text) == (
        "C",
        ("I",),
        "pre-due reminder due about I sent 0 days after its due date",
    )
    assert invariant_watchers()[name]().observe(on(DUE)) is None
    other = POLICY.evolve(
        steps=[
            *POLICY.steps,
            ReminderStep(id="du", offset_days=-1, channels=["email"], template="du"),
        ]
    )
    assert invariant_watchers()[name]().observe(on(DUE, policy=other)) is None
    before = POLICY.evolve(
        steps=[ReminderStep(id="before", offset_days=-1, channels=["email"], template="soon")]
    )
    reminded = evaluate([INVOICE], before, DUE - timedelta(days=1), customers=[CUSTOMER])
    state = on(DUE - timedelta(days=1), reminded, policy=before)
    assert invariant_watchers()[name]().observe(state) is None


def test_a_payment_on_the_interest_periods_first_day_still_bears_that_days_interest() -> None:
    # The engine charges interest for the day of a payment on what was owed that morning, so
    # the statutory bound must not count a payment dated the period's first day.
    paid = INVOICE.evolve(
        payments=[Payment(id="P", date=date(2026, 3, 3), amount=Money("5.00", "USD"))]
    )
    evaluation = evaluate([paid], STAGED, LATE, customers=[CUSTOMER])
    interest = [a for a in evaluation.actions if a.kind.value == "post_interest"]
    assert [(a.first_day, a.last_day, str(a.amount)) for a in interest] == [
        (date(2026, 3, 3), date(2026, 3, 12), "0.04 USD")
    ]
    same = InterestRule(annual_rate=Decimal(24))
    state = on(LATE, evaluation, invoice=paid, policy=STAGED)
    assert texts(InterestLimit(statutory=True), state, statutory_interest=same) == [None]
