"""The engine under a collections contact law: deferrals to the minute, keys kept, skips cited."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from dunning import Customer, Invoice, Policy, ReminderStep, evaluate
from dunning.engine.actions import HistoryRecord, SendMessage, SkipReason
from dunning.policy.model import SendWindow

BOGOTA = ZoneInfo("America/Bogota")
MEXICO = ZoneInfo("America/Mexico_City")
SANTIAGO = ZoneInfo("America/Santiago")
SAO_PAULO = ZoneInfo("America/Sao_Paulo")


def customer(zone: str, jurisdiction: str | None = None, consent: bool = True, **kw) -> Customer:
    contacts = [
        {
            "channel": channel,
            "address": address,
            "consented_on": date(2020, 1, 1) if consent else None,
        }
        for channel, address in (("email", "a@x.example"), ("phone", "+570000000"))
    ]
    return Customer(
        id="C", name="Ana", time_zone=zone, jurisdiction=jurisdiction, contacts=contacts, **kw
    )


def invoice(due: date, number: str = "I") -> Invoice:
    return Invoice(
        id=number,
        customer_id="C",
        currency="USD",
        total="100.00",
        issue_date=date(2023, 12, 1),
        due_date=due,
    )


def policy(jurisdiction: str | None = None, channel: str = "email", **kw) -> Policy:
    step = ReminderStep(id="due", offset_days=0, channels=[channel], template="due")
    return Policy(id="p", steps=[step], jurisdiction=jurisdiction, **kw)


def send(
    as_of: date, pol: Policy, cust: Customer, history=(), invoices=None
) -> tuple[list[SendMessage], object]:
    result = evaluate(invoices or [invoice(as_of)], pol, as_of, customers=[cust], history=history)
    return [a for a in result.actions if isinstance(a, SendMessage)], result


def test_without_a_jurisdiction_nothing_moves() -> None:
    [action], _ = send(date(2024, 3, 10), policy(), customer("America/Bogota"))
    assert action.not_before.isoformat() == "2024-03-10T00:00:00-05:00"
    assert "deferred" not in action.reason.text


def test_a_sunday_in_bogota_moves_to_monday_0700_with_its_key() -> None:
    sunday = date(2024, 3, 10)
    [plain], _ = send(sunday, policy(), customer("America/Bogota"))
    [action], _ = send(sunday, policy("co"), customer("America/Bogota"))
    assert action.key == plain.key == "p:C:I:step:due:0@email"
    assert action.not_before.isoformat() == "2024-03-11T07:00:00-05:00"
    assert action.not_after is not None
    assert action.not_after.isoformat() == "2024-03-11T19:00:00-05:00"
    assert action.reason.text.endswith(
        "deferred: Ley 2300 de 2023, art. 3: no contact on Sundays, and on Saturdays only "
        "from 08:00 to 15:00; moved to Monday 2024-03-11 07:00 America/Bogota"
    )
    assert action.reason.figure("deferred_to") == "2024-03-11T07:00:00-05:00"
    assert action.reason.figure("contact_law") == "co"
    assert action.due_on == sunday


def test_the_customer_jurisdiction_wins_over_the_policy() -> None:
    [action], _ = send(date(2024, 3, 10), policy("mx"), customer("America/Bogota", "co"))
    assert action.not_before.isoformat() == "2024-03-11T07:00:00-05:00"


def test_a_colombian_public_holiday_monday_moves_to_tuesday() -> None:
    # 25 March 2024 is Día de San José (moved to Monday) in Colombia.
    [action], _ = send(date(2024, 3, 25), policy("co"), customer("America/Bogota"))
    assert action.not_before.isoformat() == "2024-03-26T07:00:00-05:00"
    assert "Ley 2300 de 2023, art. 3: no contact on public holidays" in action.reason.text


def test_saturday_inside_the_policy_window_is_cut_to_the_law() -> None:
    window = SendWindow(start=time(14), end=time(18))
    [action], _ = send(
        date(2024, 3, 9), policy("co", send_window=window), customer("America/Bogota")
    )
    # Saturday: the law allows 08:00-15:00, the policy 14:00-18:00: 14:00-15:00 is left.
    assert action.not_before.isoformat() == "2024-03-09T14:00:00-05:00"
    assert "deferred" not in action.reason.text


def test_a_second_contact_the_same_day_in_colombia_waits_a_day() -> None:
    history = [
        HistoryRecord(
            key="p:C:X:step:due:0@email",
            kind="send_message",
            customer_id="C",
            on=date(2024, 3, 12),
            channel="email",
        )
    ]
    [action], _ = send(date(2024, 3, 12), policy("co"), customer("America/Bogota"), history)
    assert action.not_before.isoformat() == "2024-03-13T07:00:00-05:00"
    assert "Ley 2300 de 2023, art. 3: at most one contact a day" in action.reason.text


def test_no_consent_for_the_channel_skips_with_the_article() -> None:
    actions, result = send(
        date(2024, 3, 12), policy("co"), customer("America/Bogota", consent=False)
    )
    assert actions == []
    [skipped] = result.skipped
    assert skipped.key == "p:C:I:step:due:0"
    assert (skipped.occurrence, skipped.rule_id) == (0, "step:due")
    assert skipped.cause is SkipReason.CONTACT_LAW
    assert skipped.reason.text.startswith(
        "Ley 2300 de 2023, art. 2: only channels the consumer authorised; no consent for email"
    )
    assert result.skipped_invoices == ("I",)


def test_a_consent_dated_after_the_evaluation_day_rejects_the_customer() -> None:
    cust = Customer(
        id="C",
        name="Ana",
        time_zone="America/Bogota",
        contacts=[
            {"channel": "phone", "address": "+570000000", "consented_on": date(2020, 1, 1)},
            {"channel": "email", "address": "a@x", "consented_on": date(2024, 3, 13)},
        ],
    )
    actions, result = send(date(2024, 3, 12), policy("co"), cust)
    assert actions == [] and result.skipped == ()
    [rejection] = result.rejected
    assert (rejection.customer_id, rejection.invoice_id) == ("C", "I")
    assert rejection.error == (
        "invoice 'I' cannot be evaluated: customer 'C': contacts[1].consented_on is 2024-03-13, "
        "after the evaluation day 2024-03-12: a consent cannot come from the future (contact "
        "law co) (due date 2024-03-12, total 100.00 USD)"
    )
    # On the day of the consent the record is valid and the message goes out.
    [action], result = send(date(2024, 3, 13), policy("co"), cust)
    assert result.rejected == ()
    assert action.not_before.isoformat() == "2024-03-13T07:00:00-05:00"


def test_a_future_consent_is_not_read_under_a_law_without_consent() -> None:
    cust = Customer(
        id="C",
        name="Ana",
        time_zone="America/Mexico_City",
        contacts=[{"channel": "email", "address": "a@x", "consented_on": date(2024, 3, 13)}],
    )
    [action], result = send(date(2024, 3, 12), policy("mx"), cust)
    assert result.rejected == ()
    assert action.not_before.isoformat() == "2024-03-12T07:00:00-06:00"


def test_a_customer_without_any_lawful_channel_is_reported_in_the_skip() -> None:
    _, result = send(date(2024, 3, 12), policy("co"), customer("America/Bogota", consent=False))
    [skipped] = result.skipped
    assert skipped.cause is SkipReason.CONTACT_LAW
    assert skipped.reason.text == (
        "Ley 2300 de 2023, art. 2: only channels the consumer authorised; no consent for email; "
        "customer 'C' authorised none of the channels it can be reached on (no "
        "Contact.consented_on on or before 2024-03-12): it has no lawful channel under co"
    )


def test_a_channel_without_consent_beside_a_lawful_one_is_not_called_unlawful_contact() -> None:
    cust = Customer(
        id="C",
        name="Ana",
        time_zone="America/Bogota",
        contacts=[
            {"channel": "email", "address": "a@x"},
            {"channel": "phone", "address": "+570000000", "consented_on": date(2020, 1, 1)},
        ],
    )
    _, result = send(date(2024, 3, 12), policy("co"), cust)
    [skipped] = result.skipped
    assert skipped.reason.text == (
        "Ley 2300 de 2023, art. 2: only channels the consumer authorised; no consent for email"
    )


_CL_LAWSUIT = (
    "Ley 19.496, art. 37 (Ley 21.320): no out-of-court collection once a lawsuit has started"
)
_CL_INSOLVENCY = (
    "Ley 19.496, art. 37 (Ley 21.320): no out-of-court collection once insolvency "
    "proceedings have started"
)


def test_a_chilean_debtor_in_legal_proceedings_is_not_contacted_from_that_day() -> None:
    cust = customer("America/Santiago", legal_proceedings_since=date(2024, 3, 5))
    # Monday 4 March 2024: before the lawsuit, the message goes out at 08:00.
    [action], result = send(date(2024, 3, 4), policy("cl"), cust)
    assert action.not_before.isoformat() == "2024-03-04T08:00:00-03:00"
    assert result.skipped == ()
    # Tuesday 5 March, the day the lawsuit started: skipped, citing the article.
    actions, result = send(date(2024, 3, 5), policy("cl"), cust)
    assert actions == []
    [skipped] = result.skipped
    assert skipped.key == "p:C:I:step:due:0"
    assert skipped.cause is SkipReason.CONTACT_LAW
    assert skipped.reason.text == (
        f"{_CL_LAWSUIT}; Customer.legal_proceedings_since is 2024-03-05, on or before the "
        "contact day 2024-03-05"
    )
    assert skipped.reason.figure("contact_law") == "cl"


def test_a_chilean_message_deferred_into_the_proceedings_is_skipped() -> None:
    # Sunday 10 March 2024 moves to Monday 11 March 08:00, the day insolvency started.
    cust = customer("America/Santiago", insolvency_since=date(2024, 3, 11))
    actions, result = send(date(2024, 3, 10), policy("cl"), cust)
    assert actions == []
    [skipped] = result.skipped
    assert skipped.reason.text == (
        f"{_CL_INSOLVENCY}; Customer.insolvency_since is 2024-03-11, on or before the contact "
        "day 2024-03-11"
    )


def test_the_earliest_proceeding_in_force_is_cited() -> None:
    cust = customer(
        "America/Santiago",
        legal_proceedings_since=date(2024, 3, 1),
        insolvency_since=date(2024, 2, 1),
    )
    _, result = send(date(2024, 3, 5), policy("cl"), cust)
    assert result.skipped[0].reason.text.startswith(f"{_CL_INSOLVENCY}; ")
    assert "insolvency_since is 2024-02-01" in result.skipped[0].reason.text


def test_proceedings_do_not_stop_contact_under_a_law_without_stop_conditions() -> None:
    cust = customer("America/Bogota", legal_proceedings_since=date(2024, 1, 1))
    [action], result = send(date(2024, 3, 12), policy("co"), cust)
    assert result.skipped == ()
    assert action.not_before.isoformat() == "2024-03-12T07:00:00-05:00"


def test_night_time_in_mexico_city_moves_to_0700_the_next_day() -> None:
    window = SendWindow(start=time(22, 30), end=time(23, 30))
    [action], _ = send(
        date(2024, 3, 5), policy("mx", send_window=window), customer("America/Mexico_City")
    )
    assert action.not_before.isoformat() == "2024-03-06T07:00:00-06:00"
    assert action.not_after is not None
    assert action.not_after.isoformat() == "2024-03-06T22:00:00-06:00"
    assert "contact only from 07:00 to 22:00 in the debtor's time zone" in action.reason.text
    assert "moved to Wednesday 2024-03-06 07:00 America/Mexico_City" in action.reason.text


def test_mexico_inside_the_window_is_not_deferred() -> None:
    window = SendWindow(start=time(9), end=time(17))
    [action], _ = send(
        date(2024, 3, 5), policy("mx", send_window=window), customer("America/Mexico_City")
    )
    assert action.not_before.isoformat() == "2024-03-05T09:00:00-06:00"
    assert action.not_after is not None and action.not_after.hour == 17
    assert "deferred" not in action.reason.text


def written(on: date, number: str) -> HistoryRecord:
    return HistoryRecord(
        key=f"p:C:{number}:step:due:0@email",
        kind="send_message",
        customer_id="C",
        on=on,
        channel="email",
    )


def test_a_third_written_message_in_a_chilean_week_moves_to_the_next_week() -> None:
    # Monday 4 and Wednesday 6 March 2024: two written messages; Friday's is the third.
    history = [written(date(2024, 3, 4), "A"), written(date(2024, 3, 6), "B")]
    [action], _ = send(date(2024, 3, 8), policy("cl"), customer("America/Santiago"), history)
    assert action.not_before.isoformat() == "2024-03-11T08:00:00-03:00"
    assert "at most two written messages a week" in action.reason.text


def test_chilean_spacing_counts_a_past_message_at_the_end_of_its_day() -> None:
    # Monday's message may have gone at 19:59; 48 hours later is Wednesday 20:00, after the
    # window closes: Thursday 08:00.
    history = [written(date(2024, 3, 4), "A")]
    [action], _ = send(date(2024, 3, 6), policy("cl"), customer("America/Santiago"), history)
    assert action.not_before.isoformat() == "2024-03-07T08:00:00-03:00"
    assert "written messages at least two days (48 hours) apart" in action.reason.text


def test_a_second_call_in_a_chilean_week_waits_for_monday() -> None:
    history = [
        HistoryRecord(
            key="p:C:A:step:due:0@phone",
            kind="send_message",
            customer_id="C",
            on=date(2024, 3, 5),
            channel="phone",
        )
    ]
    [action], _ = send(
        date(2024, 3, 7), policy("cl", channel="phone"), customer("America/Santiago"), history
    )
    assert action.not_before.isoformat() == "2024-03-11T08:00:00-03:00"
    assert "at most one call or visit a week" in action.reason.text


def test_santiago_across_the_clock_change() -> None:
    # Clocks went back on Sunday 7 April 2024 (UTC-3 to UTC-4): Sunday moves to Monday 08:00.
    [action], _ = send(date(2024, 4, 7), policy("cl"), customer("America/Santiago"))
    assert action.not_before.isoformat() == "2024-04-08T08:00:00-04:00"


def test_a_sao_paulo_saturday_afternoon_call_moves_to_monday_0800() -> None:
    window = SendWindow(start=time(14, 30), end=time(18))
    [action], _ = send(
        date(2024, 3, 9),
        policy("br_sp", channel="phone", send_window=window),
        customer("America/Sao_Paulo"),
    )
    assert action.not_before.isoformat() == "2024-03-11T14:30:00-03:00"
    assert "Lei estadual 15.426 (São Paulo), art. 2º" in action.reason.text


def test_sao_paulo_sets_no_hours_for_e_mail() -> None:
    [action], _ = send(date(2024, 3, 10), policy("br_sp"), customer("America/Sao_Paulo"))
    assert action.not_before.isoformat() == "2024-03-10T00:00:00-03:00"


def test_two_messages_of_one_run_are_spaced_by_the_law() -> None:
    pol = policy("co", consolidate=False)
    invoices = [invoice(date(2024, 3, 12), "I1"), invoice(date(2024, 3, 12), "I2")]
    actions, _ = send(date(2024, 3, 12), pol, customer("America/Bogota"), invoices=invoices)
    assert sorted(a.not_before.isoformat() for a in actions) == [
        "2024-03-12T07:00:00-05:00",
        "2024-03-13T07:00:00-05:00",
    ]


def test_deferred_actions_as_history_yield_nothing_new() -> None:
    sunday = date(2024, 3, 10)
    actions, result = send(sunday, policy("co"), customer("America/Bogota"))
    history = [HistoryRecord.of(action) for action in result.actions]
    again, _ = send(sunday, policy("co"), customer("America/Bogota"), history)
    assert actions and again == []


def test_a_policy_jurisdiction_needs_the_customer_time_zone() -> None:
    cust = Customer(id="C", name="Ana", contacts=[{"channel": "email", "address": "a@x"}])
    actions, result = send(date(2024, 3, 12), policy("mx"), cust)
    assert actions == []
    assert result.skipped[0].reason.text == (
        "time_zone of customer 'C' is missing: the contact law mx counts hours and days in the "
        "debtor's local time"
    )


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            {"jurisdiction": "pe", "time_zone": "America/Lima"},
            "'pe' is not a jurisdiction with a contact-law preset; known: co, cl, mx, br_sp",
        ),
        ({"jurisdiction": "co"}, "time_zone is missing: jurisdiction co counts contact hours"),
    ],
)
def test_customer_jurisdiction_errors(fields: dict[str, str], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Customer(id="C", name="Ana", **fields)


def test_jurisdiction_codes_are_case_insensitive() -> None:
    assert Customer(id="C", name="A", jurisdiction="BR_SP", time_zone="UTC").jurisdiction == "br_sp"
    assert Policy(id="p", jurisdiction="CO").jurisdiction == "co"
    with pytest.raises(ValidationError, match="jurisdiction"):
        Policy(id="p", jurisdiction="xx")


def test_time_of_a_deferred_action_is_in_the_debtor_zone() -> None:
    [action], _ = send(date(2024, 3, 10), policy("co"), customer("America/Bogota"))
    assert action.not_before.tzinfo is not None
    assert action.not_before.utcoffset() == datetime(2024, 3, 11, tzinfo=BOGOTA).utcoffset()


def test_a_policy_window_past_the_law_is_cut_at_the_law_end() -> None:
    window = SendWindow(start=time(9), end=time(23))
    pol = policy("mx", send_window=window)
    [action], _ = send(date(2024, 3, 5), pol, customer("America/Mexico_City"))
    assert action.not_before.isoformat() == "2024-03-05T09:00:00-06:00"
    assert action.not_after is not None
    assert action.not_after.isoformat() == "2024-03-05T22:00:00-06:00"
    assert "deferred" not in action.reason.text


def test_a_deferred_message_counts_where_it_goes_out() -> None:
    # Sunday's message goes on Monday 07:00-19:00; Monday's own message waits for Tuesday.
    pol, cust = policy("co"), customer("America/Bogota")
    sunday = date(2024, 3, 10)
    _, result = send(sunday, pol, cust)
    history = [HistoryRecord.of(action, on=sunday) for action in result.actions]
    assert history[0].sent_by is not None
    assert history[0].sent_by.isoformat() == "2024-03-11T19:00:00-05:00"
    [action], _ = send(
        date(2024, 3, 11), pol, cust, history, invoices=[invoice(date(2024, 3, 11), "J")]
    )
    assert action.not_before.isoformat() == "2024-03-12T07:00:00-05:00"
    assert "at most one contact a day" in action.reason.text


def test_a_suspension_waits_for_a_notice_the_law_refused() -> None:
    from dunning.engine.actions import SuspendService
    from dunning.policy.model import MessageSpec, Stage, StageTrigger

    stage = Stage(
        id="cut",
        trigger=StageTrigger(days_overdue=10),
        message=MessageSpec(channels=["email"], template="notice"),
        suspend_service=True,
    )
    pol = Policy(id="p", stages=[stage], jurisdiction="co")
    due = date(2024, 3, 1)
    _, refused = send(
        date(2024, 3, 12), pol, customer("America/Bogota", consent=False), invoices=[invoice(due)]
    )
    assert [s.cause for s in refused.skipped] == [
        SkipReason.CONTACT_LAW,
        SkipReason.AWAITING_NOTICE,
    ]
    assert not any(isinstance(a, SuspendService) for a in refused.actions)
    _, told = send(date(2024, 3, 12), pol, customer("America/Bogota"), invoices=[invoice(due)])
    assert any(isinstance(a, SuspendService) for a in told.actions)


def test_a_past_message_recorded_without_a_time_counts_at_the_end_of_its_day() -> None:
    # Chile has no hours on Sundays: a message recorded that day counts at 23:59:59, and the
    # 48 hours run until Tuesday 23:59:59, after Tuesday's window: Wednesday 08:00.
    history = [written(date(2024, 3, 10), "A")]
    [action], _ = send(date(2024, 3, 12), policy("cl"), customer("America/Santiago"), history)
    assert action.not_before.isoformat() == "2024-03-13T08:00:00-03:00"


def test_a_past_message_without_a_channel_counts_as_written() -> None:
    record = HistoryRecord(
        key="p:C:A:step:due:0", kind="send_message", customer_id="C", on=date(2024, 3, 11)
    )
    [action], _ = send(date(2024, 3, 12), policy("cl"), customer("America/Santiago"), [record])
    assert "written messages at least two days (48 hours) apart" in action.reason.text


def test_sao_paulo_e_mail_keeps_the_policy_window() -> None:
    # The law's hours (to 20:00 on weekdays) bind calls only: e-mail keeps the policy's 22:00.
    window = SendWindow(start=time(9), end=time(22))
    [action], _ = send(
        date(2024, 3, 11), policy("br_sp", send_window=window), customer("America/Sao_Paulo")
    )
    assert action.not_before.isoformat() == "2024-03-11T09:00:00-03:00"
    assert action.not_after is not None
    assert action.not_after.isoformat() == "2024-03-11T22:00:00-03:00"


def test_each_rule_that_moved_a_message_is_cited_once() -> None:
    # A message went on Saturday at 18:00; another is planned for Wednesday at 10:00. Monday's
    # waits 48 hours after Saturday's (Monday 18:00), is then within 48 hours of Wednesday's,
    # and waits 48 hours after it: Friday 10:00. The spacing moved it twice; it is cited once.
    zone = ZoneInfo("America/Santiago")
    history = [
        written(date(2024, 3, 9), "A").evolve(sent_by=datetime(2024, 3, 9, 18, tzinfo=zone)),
        written(date(2024, 3, 11), "B").evolve(sent_by=datetime(2024, 3, 13, 10, tzinfo=zone)),
    ]
    [action], _ = send(date(2024, 3, 11), policy("cl"), customer("America/Santiago"), history)
    assert action.not_before.isoformat() == "2024-03-15T10:00:00-03:00"
    assert action.reason.text.endswith(
        "deferred: Ley 19.496, art. 37 (Ley 21.320): written messages at least two days "
        "(48 hours) apart; moved to Friday 2024-03-15 10:00 America/Santiago"
    )


@pytest.mark.parametrize("fmt", ["toml", "yaml", "json"])
def test_a_policy_jurisdiction_survives_dump_and_load(fmt: str) -> None:
    from dunning.policy.io import dump_policy, load_policy

    pol = policy("BR_SP")
    text = dump_policy(pol, fmt)
    assert "br_sp" in text
    assert load_policy(text, format=fmt) == pol
