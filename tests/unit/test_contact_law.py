from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from dunning.errors import ContactLawError, UnknownJurisdictionError
from dunning.invoices import Channel
from dunning.policy.model import ReminderStep, Repeat, SendWindow
from dunning.statutory import contact
from dunning.statutory.contact import (
    CONTACT_RULES,
    Cap,
    ContactRecord,
    ContactRules,
    Period,
    StopKind,
    Window,
    cadence_findings,
    check,
    get_contact_rules,
    next_allowed,
    strictest,
)

BOGOTA = ZoneInfo("America/Bogota")
SANTIAGO = ZoneInfo("America/Santiago")
MEXICO = ZoneInfo("America/Mexico_City")
SAO_PAULO = ZoneInfo("America/Sao_Paulo")
EVERY_CHANNEL = {channel: date(2020, 1, 1) for channel in Channel}
CO, CL, MX, BR_SP = (get_contact_rules(code) for code in ("co", "cl", "mx", "br_sp"))


def at(zone: ZoneInfo, *fields: int) -> datetime:
    return datetime(*fields, tzinfo=zone)  # type: ignore[misc]  # year, month, day, hour, minute


def made(zone: ZoneInfo, channel: str, *fields: int) -> ContactRecord:
    return ContactRecord(at=at(zone, *fields), channel=channel)


def allowed_at(rules: ContactRules, wanted: datetime, channel: str, history=(), **kw) -> str:
    zone = kw.pop("zone")
    kw.setdefault("consents", EVERY_CHANNEL)
    answer = next_allowed(rules, wanted, channel, history, zone=zone, **kw)
    assert answer.at is not None, answer.reason
    return answer.at.isoformat()


# --- registry ---------------------------------------------------------------------------


def test_registry_and_module_presets_agree() -> None:
    presets = {
        name: value
        for name, value in vars(contact).items()
        if isinstance(value, ContactRules) and not name.startswith("_")
    }
    assert {preset.code for preset in presets.values()} == set(CONTACT_RULES)
    for code, rules in CONTACT_RULES.items():
        assert rules.code == code
        assert presets[code.upper()] is rules


def test_every_rule_carries_a_dated_citation() -> None:
    for rules in CONTACT_RULES.values():
        citations = [rules.windows_citation, rules.no_holidays, rules.consent]
        citations += [cap.citation for cap in rules.caps]
        citations += [spacing.citation for spacing in rules.spacings]
        citations += [stop.citation for stop in rules.stops]
        citations += [content.citation for content in rules.required_content]
        for citation in filter(None, citations):
            assert citation.law and citation.article and citation.text
            assert date(1990, 1, 1) <= citation.date <= date(2024, 1, 1)


@pytest.mark.parametrize("code", ["CO", "cl", "Br_Sp"])
def test_codes_are_case_insensitive(code: str) -> None:
    assert get_contact_rules(code) is CONTACT_RULES[code.lower()]


def test_unknown_jurisdiction_names_the_known_codes() -> None:
    with pytest.raises(UnknownJurisdictionError, match=r"'br_rj' .* co, cl, mx, br_sp"):
        get_contact_rules("br_rj")


# --- worked examples, to the minute in the debtor's zone ----------------------------------


def test_bogota_sunday_moves_to_monday_seven() -> None:
    answer = next_allowed(
        CO, at(BOGOTA, 2024, 3, 10, 10, 0), "email", (), zone=BOGOTA, consents=EVERY_CHANNEL
    )
    assert answer.at == at(BOGOTA, 2024, 3, 11, 7, 0)
    assert answer.reason == (
        "Ley 2300 de 2023, art. 3: no contact on Sundays, and on Saturdays only from 08:00 to 15:00"
    )


def test_bogota_saturday_afternoon_moves_to_monday_seven() -> None:
    wanted = at(BOGOTA, 2024, 3, 9, 15, 30)
    assert allowed_at(CO, wanted, "sms", zone=BOGOTA) == "2024-03-11T07:00:00-05:00"
    # 14:59 is still inside Saturday's window.
    inside = at(BOGOTA, 2024, 3, 9, 14, 59)
    assert allowed_at(CO, inside, "sms", zone=BOGOTA) == "2024-03-09T14:59:00-05:00"


def test_colombian_holiday_monday_moves_to_tuesday() -> None:
    # 25 March 2024: San José, moved to Monday (Ley 51 de 1983).
    answer = next_allowed(
        CO, at(BOGOTA, 2024, 3, 25, 9, 0), "phone", (), zone=BOGOTA, consents=EVERY_CHANNEL
    )
    assert answer.at == at(BOGOTA, 2024, 3, 26, 7, 0)
    assert answer.rule is CO.no_holidays


def test_colombia_one_contact_a_day_and_one_channel_a_week() -> None:
    history = [made(BOGOTA, "email", 2024, 3, 4, 9, 0)]
    # A second contact that Monday waits for Tuesday 07:00.
    assert allowed_at(CO, at(BOGOTA, 2024, 3, 4, 10, 0), "email", history, zone=BOGOTA) == (
        "2024-03-05T07:00:00-05:00"
    )
    # Another channel in the same week waits for the next week.
    answer = next_allowed(
        CO, at(BOGOTA, 2024, 3, 5, 10, 0), "sms", history, zone=BOGOTA, consents=EVERY_CHANNEL
    )
    assert answer.at == at(BOGOTA, 2024, 3, 11, 7, 0)
    assert answer.rule is not None and "one channel" in answer.rule.text


def test_chile_third_written_message_moves_to_next_week_keeping_the_spacing() -> None:
    history = [made(SANTIAGO, "email", 2024, 3, 4, 10, 0), made(SANTIAGO, "sms", 2024, 3, 9, 19, 0)]
    answer = next_allowed(CL, at(SANTIAGO, 2024, 3, 9, 19, 30), "whatsapp", history, zone=SANTIAGO)
    # Next week opens Monday 08:00, but the Saturday 19:00 message needs 48 hours: 19:00.
    assert answer.at == at(SANTIAGO, 2024, 3, 11, 19, 0)
    assert answer.reason == "Ley 19.496, art. 37 (Ley 21.320): at most two written messages a week"


def test_chile_written_messages_two_days_apart() -> None:
    history = [made(SANTIAGO, "email", 2024, 3, 4, 10, 0)]
    answer = next_allowed(CL, at(SANTIAGO, 2024, 3, 5, 9, 0), "email", history, zone=SANTIAGO)
    assert answer.at == at(SANTIAGO, 2024, 3, 6, 10, 0)


def test_chile_second_call_in_a_week_waits_for_the_next_week() -> None:
    history = [made(SANTIAGO, "phone", 2024, 3, 5, 10, 0)]
    answer = next_allowed(CL, at(SANTIAGO, 2024, 3, 6, 10, 0), "phone", history, zone=SANTIAGO)
    assert answer.at == at(SANTIAGO, 2024, 3, 11, 8, 0)
    # A written message is a different class: it goes out at once.
    assert allowed_at(CL, at(SANTIAGO, 2024, 3, 6, 10, 0), "sms", history, zone=SANTIAGO) == (
        "2024-03-06T10:00:00-03:00"
    )


def test_mexico_city_late_evening_moves_to_seven_next_day() -> None:
    answer = next_allowed(MX, at(MEXICO, 2024, 3, 5, 22, 30), "phone", (), zone=MEXICO)
    assert answer.at == at(MEXICO, 2024, 3, 6, 7, 0)
    assert answer.rule is MX.windows_citation
    # Mexico's hours hold every day of the week, Sunday included.
    assert allowed_at(MX, at(MEXICO, 2024, 3, 10, 21, 59), "sms", zone=MEXICO) == (
        "2024-03-10T21:59:00-06:00"
    )


def test_sao_paulo_saturday_call_moves_to_monday_eight() -> None:
    answer = next_allowed(BR_SP, at(SAO_PAULO, 2024, 3, 9, 14, 30), "phone", (), zone=SAO_PAULO)
    assert answer.at == at(SAO_PAULO, 2024, 3, 11, 8, 0)
    # The state law sets hours for calls only: an e-mail goes out at once.
    assert allowed_at(BR_SP, at(SAO_PAULO, 2024, 3, 9, 14, 30), "email", zone=SAO_PAULO) == (
        "2024-03-09T14:30:00-03:00"
    )


def test_sao_paulo_state_holiday() -> None:
    # 9 July 2024 (Tuesday): Revolução Constitucionalista, a São Paulo state holiday.
    answer = next_allowed(BR_SP, at(SAO_PAULO, 2024, 7, 9, 10, 0), "phone", (), zone=SAO_PAULO)
    assert answer.at == at(SAO_PAULO, 2024, 7, 10, 8, 0)


def test_santiago_spring_forward_spacing_counts_elapsed_hours() -> None:
    # Clocks go from 24:00 on Saturday 7 September 2024 to 01:00 on Sunday (UTC-4 -> UTC-3).
    history = [made(SANTIAGO, "email", 2024, 9, 7, 10, 0)]
    answer = next_allowed(CL, at(SANTIAGO, 2024, 9, 7, 12, 0), "sms", history, zone=SANTIAGO)
    assert answer.at is not None
    assert answer.at.isoformat() == "2024-09-09T11:00:00-03:00"
    # In UTC: subtracting two datetimes that share a ZoneInfo would give wall-clock hours.
    assert answer.at.astimezone(UTC) - history[0].at.astimezone(UTC) == timedelta(hours=48)


def test_santiago_fall_back_spacing_counts_elapsed_hours() -> None:
    # Clocks go from 24:00 on Saturday 5 April 2025 back to 23:00 (UTC-3 -> UTC-4).
    history = [made(SANTIAGO, "email", 2025, 4, 5, 10, 0)]
    answer = next_allowed(CL, at(SANTIAGO, 2025, 4, 5, 12, 0), "sms", history, zone=SANTIAGO)
    assert answer.at is not None
    assert answer.at.isoformat() == "2025-04-07T09:00:00-04:00"


def test_santiago_sunday_of_the_clock_change_moves_to_monday_eight() -> None:
    answer = next_allowed(CL, at(SANTIAGO, 2024, 9, 7, 20, 30), "phone", (), zone=SANTIAGO)
    assert answer.at is not None
    assert answer.at.isoformat() == "2024-09-09T08:00:00-03:00"


def test_a_rolling_week_cap_waits_seven_days_from_the_oldest_contact() -> None:
    citation = CL.caps[0].citation
    rolling = CL.evolve(
        caps=(Cap(channel_class="voice", limit=1, period=Period.ROLLING_WEEK, citation=citation),)
    )
    history = [made(SANTIAGO, "phone", 2024, 3, 5, 10, 0)]
    answer = next_allowed(rolling, at(SANTIAGO, 2024, 3, 11, 8, 0), "phone", history, zone=SANTIAGO)
    assert answer.at == at(SANTIAGO, 2024, 3, 12, 10, 0)
    assert answer.rule is citation
    assert check(rolling, [*history, made(SANTIAGO, "phone", 2024, 3, 12, 9, 59)], zone=SANTIAGO)


# --- refusals: never allowed --------------------------------------------------------------


def test_channel_without_consent_is_never_allowed_in_colombia() -> None:
    answer = next_allowed(
        CO,
        at(BOGOTA, 2024, 3, 4, 9, 0),
        "whatsapp",
        (),
        zone=BOGOTA,
        consents={Channel.EMAIL: date(2024, 1, 1)},
    )
    assert answer.at is None
    assert answer.reason == (
        "Ley 2300 de 2023, art. 2: only channels the consumer authorised; no consent for whatsapp"
    )


@pytest.mark.parametrize("kind", list(StopKind))
def test_chilean_collection_stops_with_proceedings(kind: StopKind) -> None:
    answer = next_allowed(
        CL, at(SANTIAGO, 2024, 3, 4, 9, 0), "email", (), zone=SANTIAGO, stops={kind}
    )
    assert answer.at is None
    assert answer.rule is not None and answer.rule.article == "art. 37 (Ley 21.320)"


# --- bad input ----------------------------------------------------------------------------


def test_missing_zone_is_named() -> None:
    with pytest.raises(ContactLawError, match="zone is missing"):
        next_allowed(MX, at(MEXICO, 2024, 3, 5, 9, 0), "sms", (), zone=None)


def test_unknown_zone_is_named() -> None:
    with pytest.raises(ContactLawError, match="zone 'Mars/Olympus' is not an IANA time zone"):
        next_allowed(MX, at(MEXICO, 2024, 3, 5, 9, 0), "sms", (), zone="Mars/Olympus")


def test_consent_from_the_future_is_an_error() -> None:
    with pytest.raises(
        ContactLawError,
        match=r"consents\['email'\] is dated 2024-03-05, after the contact day 2024-03-04",
    ):
        next_allowed(
            CO,
            at(BOGOTA, 2024, 3, 4, 9, 0),
            "email",
            (),
            zone=BOGOTA,
            consents={Channel.EMAIL: date(2024, 3, 5)},
        )


def test_missing_consents_where_the_law_requires_them() -> None:
    with pytest.raises(ContactLawError, match="consents is missing: co allows only channels"):
        next_allowed(CO, at(BOGOTA, 2024, 3, 4, 9, 0), "email", (), zone=BOGOTA)


def test_naive_instants_are_refused() -> None:
    with pytest.raises(ContactLawError, match="has no time zone"):
        next_allowed(MX, datetime(2024, 3, 5, 9, 0), "sms", (), zone=MEXICO)
    with pytest.raises(ValidationError, match="contact time 2024-03-05T09:00:00 has no time zone"):
        ContactRecord(at=datetime(2024, 3, 5, 9, 0), channel="sms")


def _rules(**changes: object) -> dict[str, object]:
    values = MX.model_dump()
    values.update(changes)
    return values


def test_overlapping_windows_are_refused() -> None:
    windows = [
        Window(weekday=0, start=time(7), end=time(12)),
        Window(weekday=0, start=time(11), end=time(18)),
    ]
    with pytest.raises(ValidationError, match="windows overlap on weekday 0: 07:00:00-12:00:00"):
        ContactRules.model_validate(_rules(windows=windows))


def test_empty_windows_are_refused() -> None:
    with pytest.raises(ValidationError, match="window of weekday 2 is empty: start 18:00:00"):
        Window(weekday=2, start=time(18), end=time(8))
    with pytest.raises(ValidationError, match="windows is empty: no contact would ever be allowed"):
        ContactRules.model_validate(_rules(windows=[]))


def test_unknown_subdivision_is_named() -> None:
    values = BR_SP.model_dump()
    values["subdivision"] = "XX"
    with pytest.raises(ValidationError, match="subdivision 'XX' of BR is not supported"):
        ContactRules.model_validate(values)


# --- check ----------------------------------------------------------------------------------


def test_check_cites_each_broken_rule() -> None:
    history = [
        made(SANTIAGO, "email", 2024, 3, 4, 10, 0),
        made(SANTIAGO, "sms", 2024, 3, 6, 10, 0),
        made(SANTIAGO, "email", 2024, 3, 7, 21, 0),
    ]
    found = check(CL, history, zone=SANTIAGO)
    assert [(v.index, v.rule.text) for v in found] == [
        (2, "contact Monday to Saturday from 08:00 to 20:00 only"),
        (2, "at most two written messages a week"),
        (2, "written messages at least two days (48 hours) apart"),
    ]


def test_check_of_a_lawful_history_is_empty() -> None:
    history = [
        made(SANTIAGO, "email", 2024, 3, 4, 10, 0),
        made(SANTIAGO, "phone", 2024, 3, 5, 10, 0),
        made(SANTIAGO, "sms", 2024, 3, 6, 10, 0),
        made(SANTIAGO, "sms", 2024, 3, 11, 8, 0),
    ]
    assert check(CL, history, zone=SANTIAGO) == ()


# --- strictest ------------------------------------------------------------------------------


def test_a_policy_window_narrows_the_law_but_never_widens_it() -> None:
    wider = strictest(SendWindow(start=time(6), end=time(23)), MX)
    assert wider.windows == MX.windows
    narrower = strictest(SendWindow(start=time(9), end=time(18)), CO)
    assert {(w.weekday, w.start, w.end) for w in narrower.windows} == {
        *((day, time(9), time(18)) for day in range(5)),
        (5, time(9), time(15)),
    }
    assert strictest(None, CO) is CO


def test_a_policy_window_outside_the_law_is_an_error() -> None:
    with pytest.raises(ContactLawError, match="send_window 19:00:00-21:00:00 leaves no time"):
        strictest(SendWindow(start=time(19), end=time(21)), CO)


# --- cadence lint ---------------------------------------------------------------------------


def _step(
    name: str, day: int, channel: str = "email", repeat: Repeat | None = None
) -> ReminderStep:
    return ReminderStep(id=name, offset_days=day, channels=[channel], template="t", repeat=repeat)


def test_steps_one_day_apart_break_chilean_spacing() -> None:
    found = cadence_findings([_step("a", 1), _step("b", 2)], CL)
    assert [(f.path, f.step, f.rule.article) for f in found] == [
        ("steps[1].offset_days", "b", "art. 37 (Ley 21.320)")
    ]
    assert found[0].message.startswith("step 'b' on day 2 is 1 day(s) after the previous email")


def test_three_written_steps_in_a_week_break_the_chilean_cap() -> None:
    found = cadence_findings([_step("a", 0), _step("b", 2), _step("c", 4)], CL)
    assert [(f.step, f.rule.text) for f in found] == [("c", "at most two written messages a week")]


def test_a_repeating_step_is_judged_on_its_occurrences() -> None:
    found = cadence_findings([_step("daily", 0, "phone", Repeat(every_days=3, max_times=3))], CL)
    assert [(f.step, f.rule.text) for f in found] == [("daily", "at most one call or visit a week")]


def test_a_lawful_cadence_has_no_findings() -> None:
    assert cadence_findings([_step("a", 0), _step("b", 3), _step("c", 7)], CL) == ()
    assert cadence_findings([_step("a", 0), _step("b", 0, "sms")], MX) == ()
    assert [f.step for f in cadence_findings([_step("a", 0), _step("b", 0)], CO)] == ["b"]


# --- edges pinned by mutation testing ------------------------------------------------------


def test_window_end_is_exclusive() -> None:
    friday = at(BOGOTA, 2024, 3, 8, 19, 0)
    assert allowed_at(CO, friday, "sms", zone=BOGOTA) == "2024-03-09T08:00:00-05:00"


def test_the_daily_cap_counts_the_local_day() -> None:
    # Monday 18:30 in Bogota is Tuesday 00:30 UTC: it must not fill Tuesday's cap.
    history = [made(BOGOTA, "sms", 2024, 3, 4, 18, 30)]
    tuesday = at(BOGOTA, 2024, 3, 5, 7, 0)
    assert allowed_at(CO, tuesday, "sms", history, zone=BOGOTA) == "2024-03-05T07:00:00-05:00"


def test_explicit_holidays_replace_the_package() -> None:
    friday = at(BOGOTA, 2024, 3, 8, 9, 0)
    assert allowed_at(CO, friday, "sms", zone=BOGOTA, holidays={date(2024, 3, 8)}) == (
        "2024-03-09T08:00:00-05:00"
    )
    # 25 March 2024 is a holiday in the package, not in the set given.
    monday = at(BOGOTA, 2024, 3, 25, 9, 0)
    assert allowed_at(CO, monday, "sms", zone=BOGOTA, holidays=frozenset()) == (
        "2024-03-25T09:00:00-05:00"
    )


def test_no_window_left_within_two_years_is_never_allowed() -> None:
    start = date(2024, 3, 4)
    every_day = {start + timedelta(days=n) for n in range(900)}
    answer = next_allowed(
        CO,
        at(BOGOTA, 2024, 3, 4, 9, 0),
        "sms",
        (),
        zone=BOGOTA,
        consents=EVERY_CHANNEL,
        holidays=every_day,
    )
    assert (answer.at, answer.reason, answer.rule) == (
        None,
        "no window on any day within two years",
        CO.windows_citation,
    )


def test_consent_is_dated_in_the_debtors_local_day() -> None:
    # 20:00 on 4 March in Bogota is 01:00 on 5 March in UTC.
    evening = at(BOGOTA, 2024, 3, 4, 20, 0)
    same_day = {Channel.SMS: date(2024, 3, 4)}
    answer = next_allowed(CO, evening, "sms", (), zone=BOGOTA, consents=same_day)
    assert answer.at == at(BOGOTA, 2024, 3, 5, 7, 0)
    with pytest.raises(ContactLawError, match="dated 2024-03-05, after the contact day 2024-03-04"):
        next_allowed(CO, evening, "sms", (), zone=BOGOTA, consents={Channel.SMS: date(2024, 3, 5)})


def test_a_stop_gives_its_reason() -> None:
    answer = next_allowed(
        CL, at(SANTIAGO, 2024, 3, 4, 9, 0), "sms", (), zone=SANTIAGO, stops={StopKind.INSOLVENCY}
    )
    assert answer.reason == (
        "Ley 19.496, art. 37 (Ley 21.320): no out-of-court collection once insolvency "
        "proceedings have started"
    )


def test_spacing_and_channel_mix_give_their_reasons() -> None:
    history = [made(SANTIAGO, "email", 2024, 3, 4, 10, 0)]
    spaced = next_allowed(CL, at(SANTIAGO, 2024, 3, 5, 9, 0), "sms", history, zone=SANTIAGO)
    assert spaced.reason == (
        "Ley 19.496, art. 37 (Ley 21.320): written messages at least two days (48 hours) apart"
    )
    bogota = [made(BOGOTA, "email", 2024, 3, 4, 9, 0)]
    mixed = next_allowed(
        CO, at(BOGOTA, 2024, 3, 5, 9, 0), "sms", bogota, zone=BOGOTA, consents=EVERY_CHANNEL
    )
    assert mixed.reason == "Ley 2300 de 2023, art. 3: contacts of one week through one channel only"


def test_cadence_rules_bind_only_their_channel_class() -> None:
    assert cadence_findings([_step("mail", 0), _step("call", 1, "phone")], CL) == ()
    assert cadence_findings([_step("a", 0), _step("b", 1)], CO) == ()


def test_a_step_breaking_two_rules_is_reported_for_each() -> None:
    found = cadence_findings([_step("a", 0), _step("b", 2), _step("c", 3)], CL)
    assert [(f.step, f.rule.text) for f in found] == [
        ("c", "written messages at least two days (48 hours) apart"),
        ("c", "at most two written messages a week"),
    ]
    assert found[0].path == "steps[2].offset_days"


# --- verification status ----------------------------------------------------------------


def _citations(rules: ContactRules) -> list[contact.Citation]:
    found = [rules.windows_citation]
    found += [rules.no_holidays] if rules.no_holidays else []
    found += [cap.citation for cap in rules.caps]
    found += [spacing.citation for spacing in rules.spacings]
    found += [rules.channel_mix.citation] if rules.channel_mix else []
    found += [rules.consent] if rules.consent else []
    found += [stop.citation for stop in rules.stops]
    found += [item.citation for item in rules.required_content]
    return found


def test_every_rule_states_how_far_it_was_verified() -> None:
    statuses = {
        code: sorted({c.verification.value for c in _citations(rules)})
        for code, rules in CONTACT_RULES.items()
    }
    assert statuses == {
        "co": ["secondary_sources"],
        "cl": ["agency_guidance", "secondary_sources", "unverified"],
        "mx": ["unverified"],
        "br_sp": ["official_text", "secondary_sources"],
    }
    for rules in CONTACT_RULES.values():
        for citation in _citations(rules):
            verified = citation.verification is not contact.Verification.UNVERIFIED
            assert (citation.source is not None) == verified, citation


def test_chilean_hours_come_from_the_agency_and_the_caps_from_secondary_sources() -> None:
    assert CL.windows_citation.verification is contact.Verification.AGENCY_GUIDANCE
    assert CL.windows_citation.source is not None and "sernac.cl" in CL.windows_citation.source
    assert {cap.citation.verification for cap in CL.caps} == {
        contact.Verification.SECONDARY_SOURCES
    }
    assert {stop.citation.verification for stop in CL.stops} == {contact.Verification.UNVERIFIED}
