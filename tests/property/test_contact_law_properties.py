from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from dunning.invoices import Channel
from dunning.statutory.contact import (
    CONTACT_RULES,
    ContactRecord,
    ContactRules,
    Period,
    channel_class,
    check,
    next_allowed,
)
from dunning.statutory.contact import _is_holiday as is_holiday

ZONES = {
    "co": ZoneInfo("America/Bogota"),
    "cl": ZoneInfo("America/Santiago"),
    "mx": ZoneInfo("America/Mexico_City"),
    "br_sp": ZoneInfo("America/Sao_Paulo"),
}
CONSENTS = {channel: date(2020, 1, 1) for channel in Channel}
STARTS = st.datetimes(datetime(2024, 1, 1), datetime(2026, 12, 31), timezones=st.just(UTC))
WANTS = st.lists(
    st.tuples(st.integers(0, 5 * 24 * 60), st.sampled_from(Channel)), min_size=1, max_size=12
)


def _inside_a_window(rules: ContactRules, local: datetime) -> bool:
    if is_holiday(rules, local.date(), None):
        return False
    return any(
        window.weekday == local.weekday() and window.start <= local.time() < window.end
        for window in rules.windows
    )


def _within_caps(rules: ContactRules, schedule: list[ContactRecord], zone: ZoneInfo) -> bool:
    for cap in rules.caps:
        assert cap.period is not Period.ROLLING_WEEK  # no preset uses one (yet)
        counts: dict[object, int] = {}
        for contact in schedule:
            if (
                cap.channel_class is not None
                and channel_class(contact.channel) != cap.channel_class
            ):
                continue
            local = contact.at.astimezone(zone).date()
            key = local if cap.period is Period.DAY else local - timedelta(days=local.weekday())
            counts[key] = counts.get(key, 0) + 1
        if any(count > cap.limit for count in counts.values()):
            return False
    return True


def _spaced(rules: ContactRules, schedule: list[ContactRecord]) -> bool:
    for spacing in rules.spacings:
        times = sorted(
            contact.at.astimezone(UTC)
            for contact in schedule
            if spacing.channel_class is None
            or channel_class(contact.channel) == spacing.channel_class
        )
        if any(later - earlier < spacing.minimum for earlier, later in pairwise(times)):
            return False
    return True


@given(st.sampled_from(sorted(CONTACT_RULES)), STARTS, WANTS)
def test_a_schedule_built_with_next_allowed_keeps_every_rule(
    code: str, start: datetime, wants: list[tuple[int, Channel]]
) -> None:
    rules, zone = CONTACT_RULES[code], ZONES[code]
    schedule: list[ContactRecord] = []
    wanted = start
    for minutes, channel in wants:
        wanted += timedelta(minutes=minutes)
        answer = next_allowed(rules, wanted, channel, schedule, zone=zone, consents=CONSENTS)
        assert answer.at is not None
        assert answer.at >= wanted
        assert (answer.at == wanted) is (answer.reason is None)
        if channel_class(channel) in rules.window_classes:
            assert _inside_a_window(rules, answer.at.astimezone(zone))
        schedule.append(ContactRecord(at=answer.at, channel=channel))
    assert _within_caps(rules, schedule, zone)
    assert _spaced(rules, schedule)
    assert check(rules, schedule, zone=zone, consents=CONSENTS) == ()


# --- the engine under a preset ---------------------------------------------------------------


def _engine_run(code: str, offsets: list[int], channel: Channel, first: date, due: date, days: int):  # type: ignore[no-untyped-def]
    from dunning import Customer, Invoice, Policy, ReminderStep, evaluate
    from dunning.engine.actions import HistoryRecord, SendMessage

    zone = ZONES[code]
    customer = Customer(
        id="C",
        name="Ana",
        time_zone=zone.key,
        jurisdiction=code,
        contacts=[
            {"channel": ch, "address": f"a-{ch.value}", "consented_on": date(2020, 1, 1)}
            for ch in Channel
        ],
    )
    steps = [
        ReminderStep(id=f"s{n}", offset_days=offset, channels=[channel], template="t")
        for n, offset in enumerate(sorted(set(offsets)))
    ]
    policy = Policy(id="p", steps=steps, consolidate=False)
    invoices = [
        Invoice(
            id=f"I{n}",
            customer_id="C",
            currency="USD",
            total="10.00",
            issue_date=first - timedelta(days=60),
            due_date=due + timedelta(days=n),
        )
        for n in range(2)
    ]
    history: list[HistoryRecord] = []
    sent: list[SendMessage] = []
    for offset in range(days):
        day = first + timedelta(days=offset)
        result = evaluate(invoices, policy, day, customers=[customer], history=history)
        assert {*result.acted, *result.quiet, *result.skipped_invoices} == {"I0", "I1"}
        day_messages = [a for a in result.actions if isinstance(a, SendMessage)]
        sent.extend(day_messages)
        history.extend(HistoryRecord.of(action, on=day) for action in result.actions)
    return zone, sent


@given(
    st.sampled_from(sorted(CONTACT_RULES)),
    st.lists(st.integers(-3, 12), min_size=1, max_size=6),
    st.sampled_from((Channel.EMAIL, Channel.PHONE, Channel.SMS)),
    st.dates(date(2024, 1, 1), date(2026, 12, 1)),
    st.integers(0, 6),
)
def test_engine_messages_under_a_preset_keep_every_rule(
    code: str, offsets: list[int], channel: Channel, first: date, due_in: int
) -> None:
    """Sent at `not_before`, no message breaks a window, a cap, a spacing or a consent."""
    rules = CONTACT_RULES[code]
    zone, sent = _engine_run(code, offsets, channel, first, first + timedelta(days=due_in), 16)
    contacts = [ContactRecord(at=m.not_before, channel=m.channel) for m in sent]
    assert check(rules, contacts, zone=zone, consents=CONSENTS) == ()
    for message in sent:
        assert message.not_after is None or message.not_before < message.not_after
    # Each occurrence goes out once, under its own key.
    assert len({m.key for m in sent}) == len(sent)
