"""check_policy: each kind of promise caught broken with a minimal counterexample, kept when
the policy keeps it; unverifiable promises refused before any example runs."""

from datetime import date, time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis.database import DirectoryBasedExampleDatabase

from dunning.errors import UnverifiablePromiseError
from dunning.invoices import Channel
from dunning.money import Money
from dunning.penalties import FixedFee, InterestRule
from dunning.policy.model import (
    FeeCap,
    FrequencyCap,
    InterestPosting,
    InterestSettings,
    MessageSpec,
    Pauses,
    Policy,
    QuietDays,
    ReminderStep,
    Repeat,
    SendWindow,
    Stage,
    StageFee,
    StageTrigger,
)
from dunning.policy.promises import (
    ContactLawPromise,
    EscalationPromise,
    FeeLimit,
    FirstReminderPromise,
    InterestLimit,
    MessageLimit,
    NoContactPromise,
    Promise,
    Promises,
    QuietDaysPromise,
    ReminderLimit,
    SendWindowPromise,
    SuspensionNoticePromise,
)
from dunning.testing import CheckReport, check_policy

EMAIL = (Channel.EMAIL, Channel.SMS, Channel.WHATSAPP)


def step(offset: int, *, every: int | None = None, times: int | None = None) -> ReminderStep:
    return ReminderStep(
        id=f"at{offset}".replace("-", "m"),
        offset_days=offset,
        channels=EMAIL,
        template=f"t{offset}".replace("-", "m"),
        repeat=None if every is None else Repeat(every_days=every, max_times=times),
    )


def policy(**fields: Any) -> Policy:
    return Policy(id="p", **fields)


def check(target: Policy, promise: Promise, **options: Any) -> CheckReport:
    options.setdefault("days", 40)
    options.setdefault("max_examples", 25)
    options.setdefault("currencies", ["USD"])
    return check_policy(target, [promise], **options)


def assert_minimal_break(report: CheckReport) -> str:
    """The promise is broken, by one customer with one invoice; returns the violation text."""
    first = report.results[0]
    assert not first.kept, str(report)
    counterexample = first.counterexample
    assert counterexample is not None
    assert len(counterexample.scenario.customers) == 1
    assert len(counterexample.scenario.stories) == 1
    # The engine's own invariants hold whatever the policy.
    assert all(result.kept for result in report.results[1:]), str(report)
    return counterexample.violation.text


def assert_kept(report: CheckReport) -> None:
    assert report.kept, str(report)
    assert "BROKEN" not in str(report)


DAILY = (step(0, every=1),)


# -- message_limit ----------------------------------------------------------------------------


def test_message_limit_broken_by_daily_reminders() -> None:
    report = check(policy(steps=DAILY), MessageLimit(max_messages=2, days=7))
    text = assert_minimal_break(report)
    # The third daily reminder of the only invoice, on the day after the second.
    dates = text.split(": ")[1].split(", ")
    assert text.startswith("3 messages in the 7 days ")
    assert len(dates) == 3
    assert [date.fromisoformat(d).toordinal() for d in dates] == [
        date.fromisoformat(dates[0]).toordinal() + n for n in range(3)
    ]


def test_message_limit_kept_with_a_frequency_cap() -> None:
    capped = policy(steps=DAILY, frequency_cap=FrequencyCap(max_messages=2, days=7))
    assert_kept(check(capped, MessageLimit(max_messages=2, days=7)))


# -- quiet_days and send_window ---------------------------------------------------------------


def test_quiet_days_broken_without_quiet_days() -> None:
    text = assert_minimal_break(check(policy(steps=DAILY), QuietDaysPromise()))
    # 2026-01-10 is the first Saturday of a run from Monday 2026-01-05.
    assert text == "a email message on Saturday 2026-01-10, a quiet day"


def test_quiet_days_kept_with_quiet_weekends() -> None:
    assert_kept(check(policy(steps=DAILY, quiet_days=QuietDays()), QuietDaysPromise()))


def test_send_window_broken_without_a_send_window() -> None:
    promise = SendWindowPromise(start=time(9), end=time(18))
    text = assert_minimal_break(check(policy(steps=DAILY), promise))
    assert text == "a email message may go out from 00:00 to 23:59 (UTC), outside 09:00-18:00"


def test_send_window_broken_by_a_window_that_ends_late() -> None:
    late = policy(steps=DAILY, send_window=SendWindow(start=time(9), end=time(20)))
    text = assert_minimal_break(check(late, SendWindowPromise(start=time(9), end=time(18))))
    assert "from 09:00 to 20:00" in text


def test_send_window_kept_inside_the_window() -> None:
    inside = policy(steps=DAILY, send_window=SendWindow(start=time(9), end=time(17)))
    assert_kept(check(inside, SendWindowPromise(start=time(9), end=time(18))))


# -- no_contact -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pause", "cause", "words"),
    [
        ("disputed", "dispute", "while it is disputed"),
        ("promise_to_pay", "promise_to_pay", "while the customer promised to pay by"),
        ("installment_plan", "plan", "is in good standing"),
    ],
)
def test_no_contact_broken_when_the_pause_is_off(pause: str, cause: str, words: str) -> None:
    loose = policy(steps=DAILY, pauses=Pauses(**{pause: False}))
    report = check(loose, NoContactPromise(during=[cause]), days=30, max_examples=60)
    assert words in assert_minimal_break(report)


def test_no_contact_kept_with_the_default_pauses() -> None:
    assert_kept(check(policy(steps=DAILY), NoContactPromise(), max_examples=40))


# -- suspension_notice ------------------------------------------------------------------------


def _suspending(notice_at: int | None, suspend_at: int) -> Policy:
    stages = []
    if notice_at is not None:
        stages.append(
            Stage(
                id="notice",
                trigger=StageTrigger(days_overdue=notice_at),
                message=MessageSpec(channels=EMAIL, template="notice"),
            )
        )
    stages.append(
        Stage(
            id="suspend",
            trigger=StageTrigger(days_overdue=suspend_at),
            message=MessageSpec(channels=EMAIL, template="suspended"),
            suspend_service=True,
        )
    )
    return policy(stages=stages)


def test_suspension_notice_broken_without_a_notice_stage() -> None:
    promise = SuspensionNoticePromise(min_days=5, templates=["notice"])
    text = assert_minimal_break(check(_suspending(None, 10), promise))
    assert text.startswith("service suspended on ")
    assert text.endswith("(notices: none)")


def test_suspension_notice_broken_by_a_notice_too_late() -> None:
    promise = SuspensionNoticePromise(min_days=10, templates=["notice"])
    text = assert_minimal_break(check(_suspending(8, 10), promise))
    assert "with no notice on or before" in text


def test_suspension_notice_kept_with_a_notice_ahead() -> None:
    promise = SuspensionNoticePromise(min_days=10, templates=["notice"])
    assert_kept(check(_suspending(5, 15), promise))


# -- fee_limit --------------------------------------------------------------------------------


def _fees(*amounts: str, currency: str = "USD", cap: str | None = None) -> Policy:
    stages = [
        Stage(
            id=f"fee{n}",
            trigger=StageTrigger(days_overdue=n * 5),
            fee=StageFee(rule=FixedFee(amounts=[Money(amount, currency)])),
        )
        for n, amount in enumerate(amounts, 1)
    ]
    fee_cap = None if cap is None else FeeCap(amounts=[Money(cap, currency)])
    return policy(stages=stages, fee_cap=fee_cap)


def test_fee_limit_broken_by_two_fees() -> None:
    promise = FeeLimit(amounts=[Money("60.00", "USD")])
    text = assert_minimal_break(check(_fees("50.00", "50.00"), promise))
    assert text.startswith("fees of 100.00 USD on I0-0 (this one 50.00 USD, stage fee2) above")
    assert text.endswith("above 60.00 USD")


def test_fee_limit_kept_with_a_fee_cap() -> None:
    promise = FeeLimit(amounts=[Money("60.00", "USD")])
    assert_kept(check(_fees("50.00", "50.00", cap="60.00"), promise))


def test_fee_limit_statutory_broken_above_the_german_compensation() -> None:
    report = check(
        _fees("50.00", currency="EUR"),
        FeeLimit(statutory=True),
        jurisdiction="DE",
        currencies=["EUR"],
    )
    assert assert_minimal_break(report).endswith("above the statutory 40.00 EUR")


def test_fee_limit_statutory_kept_at_the_german_compensation() -> None:
    report = check(
        _fees("40.00", currency="EUR"),
        FeeLimit(statutory=True, jurisdiction="DE"),
        currencies=["EUR"],
    )
    assert_kept(report)


# -- interest_limit ---------------------------------------------------------------------------


def _interest(rate: str, ceiling: str | None = None) -> Policy:
    rule = InterestRule(
        annual_rate=Decimal(rate), ceiling=None if ceiling is None else Decimal(ceiling)
    )
    return policy(
        stages=[Stage(id="post", trigger=StageTrigger(days_overdue=10), post_interest=True)],
        interest=InterestSettings(rule=rule, posting=InterestPosting.STAGE_ENTRY),
    )


def test_interest_limit_broken_above_the_rate() -> None:
    text = assert_minimal_break(check(_interest("30"), InterestLimit(max_annual_rate=25)))
    assert text.startswith("interest at 30 % a year from ")
    assert text.endswith("above 25 %")


def test_interest_limit_kept_with_a_ceiling() -> None:
    assert_kept(check(_interest("30", ceiling="25"), InterestLimit(max_annual_rate=25)))


def test_interest_limit_statutory_broken_above_the_mexican_legal_rate() -> None:
    report = check(_interest("18"), InterestLimit(statutory=True), jurisdiction="MX")
    text = assert_minimal_break(report)
    assert "above the statutory" in text


def test_interest_limit_statutory_kept_at_the_mexican_legal_rate() -> None:
    report = check(_interest("6"), InterestLimit(statutory=True, jurisdiction="MX"))
    assert_kept(report)


# -- first_reminder ---------------------------------------------------------------------------


def test_first_reminder_broken_by_a_late_first_step() -> None:
    report = check(policy(steps=[step(5)]), FirstReminderPromise(within_days=2))
    text = assert_minimal_break(report)
    assert text.startswith("no message about I0-0 (balance ")
    counterexample = report.results[0].counterexample
    assert counterexample is not None
    due = counterexample.scenario.stories[0].invoice.due_date
    assert counterexample.violation.day == date.fromordinal(due.toordinal() + 2)


def test_first_reminder_kept_by_a_reminder_on_the_due_date() -> None:
    assert_kept(check(policy(steps=[step(0)]), FirstReminderPromise(within_days=0)))


# -- escalation -------------------------------------------------------------------------------


def _staged(days: int) -> Policy:
    return policy(stages=[Stage(id="call", trigger=StageTrigger(days_overdue=days))])


def test_escalation_broken_by_a_late_stage() -> None:
    report = check(_staged(12), EscalationPromise(stage="call", by_day=10))
    text = assert_minimal_break(report)
    assert text.endswith("is at no stage 10 days after its due date, not at 'call'")


def test_escalation_kept_by_a_stage_on_time() -> None:
    assert_kept(check(_staged(10), EscalationPromise(stage="call", by_day=10)))


# -- reminder_limit ---------------------------------------------------------------------------


def test_reminder_limit_broken_by_an_unbounded_repeat() -> None:
    report = check(policy(steps=[step(0, every=3)]), ReminderLimit(max_reminders=3))
    assert assert_minimal_break(report) == "reminder 4 about I0-0 (template t0)"


def test_reminder_limit_kept_by_a_bounded_repeat() -> None:
    bounded = policy(steps=[step(-2), step(0, every=3, times=2)])
    assert_kept(check(bounded, ReminderLimit(max_reminders=3)))


# -- the report -------------------------------------------------------------------------------


def test_a_report_lists_every_promise_and_invariant_and_reproduces_from_its_seed() -> None:
    target = policy(steps=DAILY)
    promises = [MessageLimit(max_messages=2, days=7), ReminderLimit(max_reminders=50)]
    first = check_policy(target, promises, days=20, max_examples=10, seed=7)
    again = check_policy(target, promises, days=20, max_examples=10, seed=7)
    assert str(first) == str(again)
    lines = str(first).splitlines()
    assert lines[0] == "policy p: 10 examples of 20 days from 2026-01-05, seed 7"
    assert lines[1:10] == [
        "  BROKEN  at most 2 messages to a customer in any 7 days",
        "  kept    at most 50 reminders per invoice",
        "  kept    every invoice is accounted for in each evaluation",
        "  kept    the policy's frequency cap holds in every window",
        "  kept    no message about a paid or void invoice",
        "  kept    no pre-due reminder on or after the due date",
        "  kept    re-evaluation with the day's actions as history adds nothing",
        "  kept    the evaluation does not depend on the order of the invoices",
        "  kept    the engine never raises",
    ]
    assert lines[-1] == "reproduce with check_policy(..., days=20, max_examples=10, seed=7)"
    assert [r.name for r in first.broken] == ["at most 2 messages to a customer in any 7 days"]


# -- unverifiable promises --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "promise", "options", "message"),
    [
        (
            _interest("6"),
            InterestLimit(statutory=True),
            {"jurisdiction": "XX"},
            "no statutory preset for jurisdiction 'XX'",
        ),
        (
            _interest("6"),
            InterestLimit(statutory=True),
            {},
            "is statutory but names no jurisdiction",
        ),
        (
            _interest("6"),
            # Chile's preset needs its `rate` option (Colombia's reads the shipped table).
            InterestLimit(statutory=True, jurisdiction="CL"),
            {},
            "the statutory interest of CL cannot be worked out",
        ),
        (
            _fees("5.00"),
            FeeLimit(amounts=[Money("60.00", "EUR")]),
            {},
            "the cap 60.00 EUR is in a currency the check does not simulate (USD)",
        ),
        (
            _fees("5.00"),
            FeeLimit(statutory=True, jurisdiction="MX"),
            {},
            "MX grants no fixed compensation for an invoice in USD",
        ),
        (
            policy(steps=DAILY),
            MessageLimit(max_messages=3, days=60),
            {},
            "needs at least 60 simulated days to be broken, but the check runs 40",
        ),
        (
            _staged(10),
            EscalationPromise(stage="agency", by_day=10),
            {},
            "the policy has no stage 'agency' (stages: call)",
        ),
    ],
)
def test_unverifiable_promises_are_refused_before_any_example(
    target: Policy, promise: Promise, options: dict[str, Any], message: str
) -> None:
    with pytest.raises(UnverifiablePromiseError, match=r"^promise ") as raised:
        check(target, promise, max_examples=1, **options)
    assert message in str(raised.value)


def test_a_jurisdiction_adds_its_statutory_limits_to_what_the_policy_charges() -> None:
    report = check(_interest("18"), MessageLimit(max_messages=9, days=7), jurisdiction="MX")
    names = [result.name for result in report.results]
    assert "interest never above the statutory maximum of the jurisdiction checked" in names
    assert not report.kept


def test_days_and_examples_must_be_positive() -> None:
    with pytest.raises(ValueError, match=r"days \(0\) and max_examples \(5\)"):
        check_policy(policy(), [], days=0, max_examples=5)


def test_promises_of_another_policy_are_refused() -> None:
    promises = Promises(policy="b2c", promises=[ReminderLimit(max_reminders=3)])
    with pytest.raises(
        UnverifiablePromiseError,
        match="the promises are those of policy 'b2c', but the policy checked is 'p'",
    ):
        check_policy(policy(), promises, days=5, max_examples=1)


def test_assert_keeps_raises_an_assertion_error_with_the_report() -> None:
    from dunning.errors import PromiseBrokenError
    from dunning.testing import assert_keeps

    with pytest.raises(PromiseBrokenError) as raised:
        assert_keeps(policy(steps=DAILY), [ReminderLimit(max_reminders=2)], days=10)
    assert isinstance(raised.value, AssertionError)
    text = str(raised.value)
    assert text.startswith("policy p: 100 examples of 10 days from 2026-01-05, seed 0\n")
    assert "  reminder 3 about I0-0 (template t0)" in text.splitlines()


def _colombian_ceiling() -> dict[str, Any]:
    from dunning.rates import RateTable

    ibc = RateTable.from_rows([("2025-01-01", "26.79")], name="IBC consumo y ordinario")
    return {"jurisdiction": "CO", "options": {"certified_rate": ibc}}


def test_interest_above_the_colombian_usury_ceiling_is_caught() -> None:
    promise = InterestLimit(statutory=True, **_colombian_ceiling())
    report = check(_interest("60"), promise, currencies=["COP"])
    text = assert_minimal_break(report)
    assert "above the statutory" in text
    assert text.endswith("COP")


def test_interest_below_the_colombian_usury_ceiling_is_kept() -> None:
    promise = InterestLimit(statutory=True, **_colombian_ceiling())
    assert_kept(check(_interest("20"), promise, currencies=["COP"]))


# -- reproduction from an example database ----------------------------------------------------


def test_a_counterexample_is_replayed_from_the_example_database_whatever_the_seed(
    tmp_path: Path,
) -> None:
    target = policy(steps=[step(0, every=3)])
    promises = [ReminderLimit(max_reminders=3)]
    database = DirectoryBasedExampleDatabase(tmp_path / "examples")
    first = check_policy(target, promises, days=20, max_examples=25, seed=1, database=database)
    assert not first.results[0].kept
    # One example with another seed is the simplest portfolio (a customer without contacts),
    # which keeps the promise: alone it finds nothing ...
    alone = check_policy(target, promises, days=20, max_examples=1, seed=2)
    assert alone.kept, str(alone)
    # ... but the database replays the saved counterexample first, already minimal.
    again = check_policy(target, promises, days=20, max_examples=1, seed=2, database=database)
    assert again.results[0].counterexample == first.results[0].counterexample
    assert str(again.results[0].counterexample) == str(first.results[0].counterexample)


def test_a_saved_counterexample_runs_again_after_a_change_and_goes_once_kept(
    tmp_path: Path,
) -> None:
    database = DirectoryBasedExampleDatabase(tmp_path / "examples")
    promises = [ReminderLimit(max_reminders=3)]
    unbounded = policy(steps=[step(0, every=3)])
    check_policy(unbounded, promises, days=20, max_examples=25, database=database)
    # Another question (more days): its own search, which one example does not break.
    longer = check_policy(unbounded, promises, days=21, max_examples=1, database=database)
    assert longer.kept, str(longer)
    # The policy changed but still breaks the promise on the saved portfolio.
    faster = check_policy(
        policy(steps=[step(0, every=2)]), promises, days=20, max_examples=1, database=database
    )
    assert faster.results[0].counterexample is not None
    assert faster.results[0].counterexample.violation.text == "reminder 4 about I0-0 (template t0)"
    # Fixed: the saved portfolio keeps the promise and is deleted ...
    fixed = policy(steps=[step(0, every=3, times=3)])
    assert check_policy(fixed, promises, days=20, max_examples=1, database=database).kept
    # ... so one example of the unbounded policy finds nothing any more.
    assert check_policy(unbounded, promises, days=20, max_examples=1, database=database).kept


# -- contact_law ------------------------------------------------------------------------------


def test_contact_law_broken_by_daily_reminders_without_the_law() -> None:
    text = assert_minimal_break(check(policy(steps=DAILY), ContactLawPromise(jurisdiction="cl")))
    # Midnight is outside Chile's 08:00-20:00 on the first day of the run.
    assert text == (
        "a email message at Monday 2026-01-05 00:00 (UTC) breaks Ley 19.496, art. 37 "
        "(Ley 21.320): contact Monday to Saturday from 08:00 to 20:00 only"
    )


def test_contact_law_kept_by_the_same_policy_under_the_law() -> None:
    assert_kept(check(policy(steps=DAILY, jurisdiction="cl"), ContactLawPromise(jurisdiction="cl")))


def test_contact_law_of_another_country_is_not_kept_by_the_first() -> None:
    # Mexico's hours (07:00-22:00 every day) allow a Sunday message that Chile forbids.
    report = check(policy(steps=DAILY, jurisdiction="mx"), ContactLawPromise(jurisdiction="cl"))
    assert not report.kept


def test_contact_law_promise_refuses_an_unknown_code() -> None:
    with pytest.raises(ValueError, match="'pe' is not a jurisdiction with a contact-law preset"):
        ContactLawPromise(jurisdiction="pe")
