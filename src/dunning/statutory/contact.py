"""Collections contact law as data: when, how often and on which channels a debtor may be reached.

A `ContactRules` holds one jurisdiction's rules, each with the `Citation` it comes from: weekday
windows in the debtor's local time, no contact on public holidays, caps per channel class over a
day or a week, a minimum spacing between contacts, a limit on the channels used in one week,
consent per channel, the conditions that stop collection and the content a message must carry.

- `next_allowed` gives the first instant at or after a wanted one that keeps every rule (or no
  instant, with the reason, when none ever will);
- `check` lists the contacts of a history that break a rule, each citing it;
- `strictest` merges a policy's own send window into the law, so configuration never loosens it;
- `cadence_findings` reports where a policy's reminder steps are denser than the law allows.

Presets by code in `CONTACT_RULES` (``co``, ``cl``, ``mx``, ``br_sp``):

>>> from datetime import date, datetime
>>> from zoneinfo import ZoneInfo
>>> from dunning.invoices import Channel
>>> bogota = ZoneInfo("America/Bogota")
>>> sunday = datetime(2024, 3, 10, 10, 0, tzinfo=bogota)
>>> allowed = next_allowed(get_contact_rules("co"), sunday, Channel.EMAIL, (), zone=bogota,
...                        consents={Channel.EMAIL: date(2024, 1, 15)})
>>> allowed.at.isoformat()
'2024-03-11T07:00:00-05:00'
>>> allowed.reason
'Ley 2300 de 2023, art. 3: no contact on Sundays, and on Saturdays only from 08:00 to 15:00'
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from functools import lru_cache
from itertools import pairwise
from types import MappingProxyType
from typing import Annotated, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, PositiveInt, model_validator
from pydantic_core import PydanticCustomError

from dunning._model import Model
from dunning.calendars import HolidayCalendar
from dunning.errors import ContactLawError, UnknownJurisdictionError
from dunning.invoices import Channel

__all__ = [
    "CONTACT_RULES",
    "Allowance",
    "CadenceFinding",
    "Cap",
    "ChannelClass",
    "ChannelMix",
    "Citation",
    "ContactLawError",
    "ContactRecord",
    "ContactRules",
    "Move",
    "Period",
    "RequiredContent",
    "Spacing",
    "StopCondition",
    "StopKind",
    "Verification",
    "Violation",
    "Window",
    "cadence_findings",
    "channel_class",
    "check",
    "get_contact_rules",
    "next_allowed",
    "strictest",
]


class ChannelClass(StrEnum):
    """How the law groups channels: voice (calls) and written (e-mail, SMS, apps, letters)."""

    VOICE = "voice"
    WRITTEN = "written"


_CLASS_OF: Mapping[Channel, ChannelClass] = MappingProxyType(
    {
        Channel.PHONE: ChannelClass.VOICE,
        Channel.EMAIL: ChannelClass.WRITTEN,
        Channel.SMS: ChannelClass.WRITTEN,
        Channel.WHATSAPP: ChannelClass.WRITTEN,
        Channel.POSTAL: ChannelClass.WRITTEN,
    }
)


def channel_class(channel: Channel | str) -> ChannelClass:
    """Return the class of `channel`: a phone call is voice, every other channel is written.

    >>> channel_class("whatsapp")
    <ChannelClass.WRITTEN: 'written'>
    """
    return _CLASS_OF[Channel(channel)]


class Period(StrEnum):
    """The span a cap counts over: the local day, the calendar week (Monday to Sunday) or 7 days."""

    DAY = "day"
    CALENDAR_WEEK = "calendar_week"
    ROLLING_WEEK = "rolling_week"


class StopKind(StrEnum):
    """A condition of the debtor that stops collection contact."""

    LEGAL_PROCEEDINGS = "legal_proceedings"
    INSOLVENCY = "insolvency"


_Date = date  # the field `Citation.date` would shadow the type in its own annotation


class Verification(StrEnum):
    """How far a rule was checked against what the law says, best first.

    - ``official_text``: read in the official text of the statute;
    - ``agency_guidance``: stated by the agency that enforces it (Chile's SERNAC, ...);
    - ``secondary_sources``: several independent law-firm or press summaries agree, the
      official text was not reached;
    - ``unverified``: taken from the issue that asked for it; to be checked.
    """

    OFFICIAL_TEXT = "official_text"
    AGENCY_GUIDANCE = "agency_guidance"
    SECONDARY_SOURCES = "secondary_sources"
    UNVERIFIED = "unverified"


class Citation(Model):
    """Where a rule comes from (law, article, date of the law) and what it says in plain words.

    >>> str(Citation(law="Ley 2300 de 2023", article="art. 3", date="2023-07-10",
    ...              text="no contact on Sundays"))
    'Ley 2300 de 2023, art. 3: no contact on Sundays'
    """

    law: str = Field(min_length=1, description="The statute, e.g. 'Ley 2300 de 2023'.")
    article: str = Field(min_length=1, description="The article, e.g. 'art. 3'.")
    date: _Date = Field(description="The date of the statute (or of the amending one).")
    text: str = Field(min_length=1, description="The rule in one line of plain words.")
    verification: Verification = Field(
        default=Verification.UNVERIFIED, description="How far the rule was checked."
    )
    source: str | None = Field(
        default=None, description="Where it was checked (a public address or a publication)."
    )

    def __str__(self) -> str:
        return f"{self.law}, {self.article}: {self.text}"


class Window(Model):
    """Contact is allowed on `weekday` (0 = Monday .. 6 = Sunday) from `start` up to `end`.

    >>> Window(weekday=5, start="08:00", end="15:00").end
    datetime.time(15, 0)
    """

    weekday: Annotated[int, Field(ge=0, le=6)]
    start: time
    end: time

    @model_validator(mode="after")
    def _not_empty(self) -> Window:
        if self.start >= self.end:
            raise PydanticCustomError(
                "dunning.contact_window",
                "window of weekday {weekday} is empty: start {start} must be before end {end}",
                {
                    "weekday": self.weekday,
                    "start": self.start.isoformat(),
                    "end": self.end.isoformat(),
                },
            )
        return self


class Cap(Model):
    """At most `limit` contacts of `channel_class` (None: of any class) per `period`."""

    channel_class: ChannelClass | None = None
    limit: PositiveInt
    period: Period
    citation: Citation


class Spacing(Model):
    """Two contacts of `channel_class` (None: of any class) at least `minimum` apart."""

    channel_class: ChannelClass | None = None
    minimum: timedelta = Field(gt=timedelta(0))
    citation: Citation


class ChannelMix(Model):
    """At most `limit` different channels used in one calendar week."""

    limit: PositiveInt
    citation: Citation


class StopCondition(Model):
    """A debtor condition (legal proceedings, insolvency) after which no contact is allowed."""

    kind: StopKind
    citation: Citation


class RequiredContent(Model):
    """A field that every collection message must carry (creditor's tax id, amount, ...).

    With `first_contact_only`, only the first message to a debtor must carry it.
    """

    field: str = Field(min_length=1)
    citation: Citation
    first_contact_only: bool = False


def _check_windows(windows: tuple[Window, ...]) -> None:
    if not windows:
        raise PydanticCustomError(
            "dunning.contact_windows",
            "windows is empty: no contact would ever be allowed; give at least one window",
        )
    ordered = sorted(windows, key=lambda window: (window.weekday, window.start))
    for before, after in pairwise(ordered):
        if before.weekday == after.weekday and after.start < before.end:
            raise PydanticCustomError(
                "dunning.contact_windows",
                "windows overlap on weekday {weekday}: {a} and {b}",
                {
                    "weekday": before.weekday,
                    "a": f"{before.start.isoformat()}-{before.end.isoformat()}",
                    "b": f"{after.start.isoformat()}-{after.end.isoformat()}",
                },
            )


class ContactRules(Model):
    """One jurisdiction's contact rules, each with its citation (see the module docstring).

    `windows` and the holiday rule apply to the channel classes in `window_classes` (São Paulo's
    law sets hours for calls only). Holidays are those of `country` and `subdivision` in the
    `holidays` package (``pip install "dunning[holidays]"``).

    >>> rules = get_contact_rules("cl")
    >>> [(cap.channel_class.value, cap.limit) for cap in rules.caps]
    [('voice', 1), ('written', 2)]

    Raises:
        pydantic.ValidationError: for empty or overlapping windows, or an unknown country or
            subdivision.
    """

    code: str = Field(min_length=1, description="The registry code, e.g. 'co'.")
    name: str = Field(min_length=1, description="The statutes, in one line.")
    country: str = Field(description="ISO 3166-1 alpha-2 code whose holidays apply.")
    subdivision: str | None = Field(default=None, description="ISO 3166-2 subdivision code.")
    windows: tuple[Window, ...]
    windows_citation: Citation
    window_classes: tuple[ChannelClass, ...] = (ChannelClass.VOICE, ChannelClass.WRITTEN)
    no_holidays: Citation | None = None
    caps: tuple[Cap, ...] = ()
    spacings: tuple[Spacing, ...] = ()
    channel_mix: ChannelMix | None = None
    consent: Citation | None = Field(
        default=None, description="When set, only channels the debtor consented to."
    )
    stops: tuple[StopCondition, ...] = ()
    required_content: tuple[RequiredContent, ...] = ()

    @model_validator(mode="after")
    def _valid(self) -> ContactRules:
        _check_windows(self.windows)
        if self.no_holidays is not None:
            # Validates country and subdivision against the holidays package.
            HolidayCalendar(country=self.country, subdivision=self.subdivision)
        return self


class ContactRecord(Model):
    """A contact made (or planned) at instant `at` (time-zone aware) on `channel`."""

    at: datetime
    channel: Channel

    @model_validator(mode="after")
    def _aware(self) -> ContactRecord:
        if self.at.tzinfo is None or self.at.utcoffset() is None:
            raise PydanticCustomError(
                "dunning.contact_at",
                "contact time {value} has no time zone: give an aware datetime",
                {"value": self.at.isoformat()},
            )
        return self


class Move(Model):
    """One step of `next_allowed`: the rule that moved a contact from `start` to `to`."""

    rule: Citation
    start: datetime
    to: datetime


class Allowance(Model):
    """The answer of `next_allowed`: the instant (None when never), and why it moved."""

    at: datetime | None
    reason: str | None = Field(
        default=None, description="The first rule that moved or refused the contact."
    )
    rule: Citation | None = None
    moves: tuple[Move, ...] = Field(
        default=(), description="Every move from the wanted instant to `at`, in order."
    )


class Violation(Model):
    """A contact of a history that breaks a rule: its index, the rule and what happened."""

    index: int
    contact: ContactRecord
    rule: Citation
    message: str


class CadenceFinding(Model):
    """A place where a policy's reminder steps are denser than a jurisdiction allows."""

    path: str
    step: str
    rule: Citation
    message: str


class _SendWindow(Protocol):
    # A policy's send window (`dunning.policy.model.SendWindow`); presets sit below policies.
    @property
    def start(self) -> time: ...
    @property
    def end(self) -> time: ...


class _Repeat(Protocol):
    @property
    def every_days(self) -> int: ...
    @property
    def max_times(self) -> int | None: ...


class _Step(Protocol):
    # A policy's reminder step (`dunning.policy.model.ReminderStep`).
    @property
    def id(self) -> str: ...
    @property
    def offset_days(self) -> int: ...
    @property
    def channels(self) -> tuple[Channel, ...]: ...
    @property
    def repeat(self) -> _Repeat | None: ...


# --- evaluation ---------------------------------------------------------------------------


_MAX_MOVES = 10_000
_WEEK = timedelta(days=7)


def _zone(zone: ZoneInfo | str | None) -> ZoneInfo:
    if zone is None or zone == "":
        raise ContactLawError(
            "zone is missing: contact rules count hours and days in the debtor's local time; "
            "give the customer's IANA time zone, such as 'America/Bogota'"
        )
    if isinstance(zone, ZoneInfo):
        return zone
    try:
        return ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ContactLawError(
            f"zone {zone!r} is not an IANA time zone (use a name such as 'America/Bogota')"
        ) from None


@lru_cache(maxsize=64)
def _holiday_dates(country: str, subdivision: str | None, year: int) -> frozenset[date]:
    calendar = _calendar(country, subdivision)
    return frozenset(calendar.holidays_in(year))


@lru_cache(maxsize=16)
def _calendar(country: str, subdivision: str | None) -> HolidayCalendar:
    return HolidayCalendar(country=country, subdivision=subdivision)


def _is_holiday(rules: ContactRules, day: date, holidays: Collection[date] | None) -> bool:
    if rules.no_holidays is None:
        return False
    if holidays is not None:
        return day in holidays
    return day in _holiday_dates(rules.country, rules.subdivision, day.year)


def _local(instant: datetime, zone: ZoneInfo) -> datetime:
    return instant.astimezone(zone)


def _at(day: date, moment: time, zone: ZoneInfo) -> datetime:
    # In UTC: arithmetic and comparison of two datetimes that share a ZoneInfo are on wall
    # time, which is wrong across a clock change; every instant is compared in UTC instead.
    return datetime.combine(day, moment, tzinfo=zone).astimezone(UTC)


def _utc(instant: datetime) -> datetime:
    return instant.astimezone(UTC)


def _week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _applies(cls: ChannelClass | None, channel: Channel) -> bool:
    return cls is None or _CLASS_OF[channel] is cls


_Move = tuple[Citation, str, datetime | None]


def _window_move(
    rules: ContactRules, local: datetime, zone: ZoneInfo, holidays: Collection[date] | None
) -> _Move | None:
    """None when `local` is inside a window on a working day, else the next window start."""
    by_day = sorted(rules.windows, key=lambda window: window.start)
    day = local.date()
    if not _is_holiday(rules, day, holidays):
        for window in by_day:
            if window.weekday == day.weekday() and window.start <= local.time() < window.end:
                return None
    holiday_seen = False
    for ahead in range(0, 800):
        candidate_day = day + timedelta(days=ahead)
        if _is_holiday(rules, candidate_day, holidays):
            holiday_seen = holiday_seen or ahead == 0
            continue
        for window in by_day:
            if window.weekday != candidate_day.weekday():
                continue
            start = _at(candidate_day, window.start, zone)
            if start > _utc(local):
                citation = rules.windows_citation
                if holiday_seen and rules.no_holidays is not None:
                    citation = rules.no_holidays
                return citation, str(citation), start
    return rules.windows_citation, "no window on any day within two years", None


def _period_bounds(period: Period, local: datetime, zone: ZoneInfo) -> tuple[datetime, datetime]:
    if period is Period.DAY:
        start_day = local.date()
        return _at(start_day, time(0), zone), _at(start_day + timedelta(days=1), time(0), zone)
    if period is Period.CALENDAR_WEEK:
        start_day = _week_start(local.date())
        return _at(start_day, time(0), zone), _at(start_day + _WEEK, time(0), zone)
    return _utc(local) - _WEEK, _utc(local)


def _cap_move(cap: Cap, local: datetime, zone: ZoneInfo, prior: Sequence[datetime]) -> _Move | None:
    low, high = _period_bounds(cap.period, local, zone)
    if cap.period is Period.ROLLING_WEEK:
        inside = sorted(at for at in prior if low < at <= high)
    else:
        inside = sorted(at for at in prior if low <= at < high)
    if len(inside) < cap.limit:
        return None
    # The first instant at which the period holds fewer than `limit` contacts.
    after = inside[len(inside) - cap.limit] + _WEEK if cap.period is Period.ROLLING_WEEK else high
    return cap.citation, str(cap.citation), after


def _blockers(
    rules: ContactRules,
    instant: datetime,
    channel: Channel,
    contacts: Sequence[ContactRecord],
    zone: ZoneInfo,
    holidays: Collection[date] | None,
) -> Iterable[_Move]:
    local = _local(instant, zone)
    now = _utc(instant)
    history = [(_utc(c.at), c.channel) for c in contacts]
    if _CLASS_OF[channel] in rules.window_classes:
        move = _window_move(rules, local, zone, holidays)
        if move is not None:
            yield move
    for cap in rules.caps:
        if _applies(cap.channel_class, channel):
            prior = [when for when, used in history if _applies(cap.channel_class, used)]
            move = _cap_move(cap, local, zone, prior)
            if move is not None:
                yield move
    for spacing in rules.spacings:
        if not _applies(spacing.channel_class, channel):
            continue
        close = [
            when
            for when, used in history
            if _applies(spacing.channel_class, used) and abs(when - now) < spacing.minimum
        ]
        if close:
            yield spacing.citation, str(spacing.citation), max(close) + spacing.minimum
    if rules.channel_mix is not None:
        low, high = _period_bounds(Period.CALENDAR_WEEK, local, zone)
        mix = {used for when, used in history if low <= when < high} - {channel}
        if len(mix) >= rules.channel_mix.limit:
            yield rules.channel_mix.citation, str(rules.channel_mix.citation), high


def _refusal(
    rules: ContactRules,
    instant: datetime,
    channel: Channel,
    zone: ZoneInfo,
    consents: Mapping[Channel, date] | None,
    stops: Collection[StopKind],
) -> _Move | None:
    for stop in rules.stops:
        if stop.kind in stops:
            return stop.citation, str(stop.citation), None
    if rules.consent is None:
        return None
    if consents is None:
        raise ContactLawError(
            f"consents is missing: {rules.code} allows only channels the debtor authorised "
            f"({rules.consent.law}, {rules.consent.article}); pass the consent date per channel"
        )
    today = _local(instant, zone).date()
    for consented, on in consents.items():
        if on > today:
            raise ContactLawError(
                f"consents[{Channel(consented).value!r}] is dated {on.isoformat()}, after the "
                f"contact day {today.isoformat()}: a consent cannot come from the future"
            )
    if channel not in consents:
        text = f"{rules.consent}; no consent for {channel.value}"
        return rules.consent, text, None
    return None


def next_allowed(
    rules: ContactRules,
    instant: datetime,
    channel: Channel | str,
    contacts_so_far: Iterable[ContactRecord],
    *,
    zone: ZoneInfo | str | None,
    holidays: Collection[date] | None = None,
    consents: Mapping[Channel, date] | None = None,
    stops: Collection[StopKind] = (),
) -> Allowance:
    """Return the first instant at or after `instant` when a contact on `channel` keeps every rule.

    Caps count the contacts of `contacts_so_far` in the period of the candidate instant (a
    calendar period counts all of them; a rolling week looks back seven days); spacing counts
    contacts on both sides. The answer's `reason` cites the first rule that moved the contact.

    Args:
        rules: the jurisdiction's rules (`get_contact_rules`).
        instant: the wanted instant, time-zone aware.
        channel: the channel of the contact.
        contacts_so_far: the contacts already made or planned with this debtor.
        zone: the debtor's time zone (windows and days are local to it).
        holidays: the public holidays to use; None for those of the rules' country and
            subdivision from the `holidays` package.
        consents: the debtor's consent date per channel (needed when the rules require consent).
        stops: the stop conditions the debtor is in (legal proceedings, insolvency).

    Returns:
        An `Allowance`; its `at` is None when the contact can never be allowed (no consent for
        the channel, a stop condition), with the reason.

    Raises:
        ContactLawError: for a missing or unknown zone, a naive `instant`, missing consents
            where the rules require them, or a consent dated after the contact day.
    """
    tz = _zone(zone)
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ContactLawError(f"instant {instant.isoformat()} has no time zone")
    wanted = Channel(channel)
    refused = _refusal(rules, instant, wanted, tz, consents, stops)
    if refused is not None:
        return Allowance(at=None, reason=refused[1], rule=refused[0])
    history = tuple(contacts_so_far)
    candidate = _utc(instant)
    first: _Move | None = None
    moves: list[Move] = []
    for _ in range(_MAX_MOVES):
        move = next(iter(_blockers(rules, candidate, wanted, history, tz, holidays)), None)
        if move is None:
            return Allowance._construct(
                at=_local(candidate, tz),
                reason=None if first is None else first[1],
                rule=None if first is None else first[0],
                moves=tuple(moves),
            )
        first = first or move
        if move[2] is None:
            return Allowance(at=None, reason=move[1], rule=move[0])
        moved = _utc(move[2])
        moves.append(
            Move._construct(rule=move[0], start=_local(candidate, tz), to=_local(moved, tz))
        )
        candidate = moved
    return Allowance(at=None, reason="no allowed instant found", rule=first[0] if first else None)


def check(
    rules: ContactRules,
    contacts: Iterable[ContactRecord],
    *,
    zone: ZoneInfo | str | None,
    holidays: Collection[date] | None = None,
    consents: Mapping[Channel, date] | None = None,
    stops: Collection[StopKind] = (),
) -> tuple[Violation, ...]:
    """List the contacts of a history that break a rule, in time order, each citing its rule.

    Each contact is judged against the contacts before it (the ones that would have blocked it).

    >>> from datetime import datetime
    >>> from zoneinfo import ZoneInfo
    >>> zone = ZoneInfo("America/Mexico_City")
    >>> late = ContactRecord(at=datetime(2024, 3, 5, 22, 30, tzinfo=zone), channel="sms")
    >>> [v.rule.article for v in check(get_contact_rules("mx"), [late], zone=zone)]
    ['hours of contact']

    Raises:
        ContactLawError: as `next_allowed`.
    """
    tz = _zone(zone)
    ordered = sorted(contacts, key=lambda contact: _utc(contact.at))
    found: list[Violation] = []
    for index, contact in enumerate(ordered):
        refused = _refusal(rules, contact.at, contact.channel, tz, consents, stops)
        moves = [refused] if refused is not None else []
        moves.extend(_blockers(rules, contact.at, contact.channel, ordered[:index], tz, holidays))
        for citation, text, _ in moves:
            found.append(Violation(index=index, contact=contact, rule=citation, message=text))
    return tuple(found)


def strictest(policy_window: _SendWindow | None, law: ContactRules) -> ContactRules:
    """Return `law` with every window cut to the policy's own send window (never widened).

    A weekday whose law window lies wholly outside the policy's window has no window left.

    >>> from datetime import time
    >>> from dunning.policy.model import SendWindow
    >>> merged = strictest(SendWindow(start=time(9), end=time(21)), get_contact_rules("mx"))
    >>> {(w.start.hour, w.end.hour) for w in merged.windows}
    {(9, 21)}

    Raises:
        ContactLawError: when no window is left at all.
    """
    if policy_window is None:
        return law
    windows = []
    for window in law.windows:
        start = max(window.start, policy_window.start)
        end = min(window.end, policy_window.end)
        if start < end:
            windows.append(Window(weekday=window.weekday, start=start, end=end))
    if not windows:
        raise ContactLawError(
            f"send_window {policy_window.start.isoformat()}-{policy_window.end.isoformat()} "
            f"leaves no time inside the windows of {law.code}: no contact would be allowed"
        )
    return law.evolve(windows=tuple(windows))


# --- lint ---------------------------------------------------------------------------------


def _step_days(steps: Sequence[_Step]) -> list[tuple[int, str, int, tuple[Channel, ...]]]:
    days: list[tuple[int, str, int, tuple[Channel, ...]]] = []
    for position, step in enumerate(steps):
        times = 1
        every = 0
        if step.repeat is not None:
            every = step.repeat.every_days
            times = step.repeat.max_times or 8
        days.extend(
            (step.offset_days + occurrence * every, step.id, position, step.channels)
            for occurrence in range(min(times, 8))
        )
    return sorted(days)


def cadence_findings(steps: Sequence[_Step], rules: ContactRules) -> tuple[CadenceFinding, ...]:
    """Report where a policy's reminder `steps` are denser than `rules` allow.

    A step is judged on its first channel (the one it sends on unless that fails), at its
    offset in days (a repeating step on its first 8 occurrences): two occurrences closer than a
    spacing, or more occurrences in one day or in 7 consecutive days than a cap allows, are
    reported once per step and rule. Business-day offsets are taken as calendar days.

    >>> from dunning.policy.model import ReminderStep
    >>> steps = [ReminderStep(id=name, offset_days=day, channels=["email"], template="t")
    ...          for name, day in (("a", 1), ("b", 2))]
    >>> [(f.step, f.rule.law) for f in cadence_findings(steps, get_contact_rules("cl"))]
    [('b', 'Ley 19.496')]
    """
    occurrences = _step_days(steps)
    found: dict[tuple[str, str], CadenceFinding] = {}

    def report(position: int, step: str, rule: Citation, message: str) -> None:
        key = (step, str(rule))
        if key not in found:
            path = f"steps[{position}].offset_days"
            found[key] = CadenceFinding(path=path, step=step, rule=rule, message=message)

    for index, (day, step, position, channels) in enumerate(occurrences):
        channel = channels[0]
        earlier = [
            (other_day, other_channels[0])
            for other_day, _, _, other_channels in occurrences[:index]
        ]
        for spacing in rules.spacings:
            if not _applies(spacing.channel_class, channel):
                continue
            close = [
                d
                for d, c in earlier
                if _applies(spacing.channel_class, c) and timedelta(days=day - d) < spacing.minimum
            ]
            if close:
                report(
                    position,
                    step,
                    spacing.citation,
                    f"step {step!r} on day {day} is {day - max(close)} day(s) after the previous "
                    f"{channel.value} message; {spacing.citation}",
                )
        for cap in rules.caps:
            if not _applies(cap.channel_class, channel):
                continue
            span = 1 if cap.period is Period.DAY else 7
            count = 1 + sum(
                1 for d, c in earlier if _applies(cap.channel_class, c) and day - d < span
            )
            if count > cap.limit:
                report(
                    position,
                    step,
                    cap.citation,
                    f"step {step!r} on day {day} is contact {count} within {span} day(s), above "
                    f"{cap.limit}; {cap.citation}",
                )
    return tuple(found.values())


# --- presets ------------------------------------------------------------------------------


def _windows(days: Iterable[int], start: time, end: time) -> tuple[Window, ...]:
    return tuple(Window(weekday=day, start=start, end=end) for day in days)


_MON_FRI = range(0, 5)
_SATURDAY = (5,)

# Ley 2300 de 2023 (10 July 2023, in force 10 October 2023), "por medio de la cual se
# establecen medidas que protejan el derecho a la intimidad de los consumidores".
_LEY_2300 = "Ley 2300 de 2023"
_LEY_2300_DATE = date(2023, 7, 10)


# Arts. 2 and 3 as summarised alike by law firms (accolombianlawyers.com, lonja.org.co,
# mazars.com.co) and the press; the official text of arts. 2-3 was not reached. Art. 1
# (scope: whoever collects, directly, through third parties or as assignee) was read in the
# text of the law (leyonline.co/laws/ley-2300-de-2023/articulo-1o-objeto).
_CO_SOURCES = (
    "accolombianlawyers.com/noticias/?p=31540; lonja.org.co; mazars.com.co (2024); "
    "the official text of arts. 2-3 not reached"
)


def _co(article: str, text: str) -> Citation:
    return Citation(
        law=_LEY_2300,
        article=article,
        date=_LEY_2300_DATE,
        text=text,
        verification=Verification.SECONDARY_SOURCES,
        source=_CO_SOURCES,
    )


CO = ContactRules(
    code="co",
    name="Colombia: Ley 2300 de 2023, arts. 1-3",
    country="CO",
    # Art. 3: Monday to Friday 07:00-19:00 and Saturday 08:00-15:00, in the consumer's time.
    windows=(
        *_windows(_MON_FRI, time(7), time(19)),
        *_windows(_SATURDAY, time(8), time(15)),
    ),
    windows_citation=_co(
        "art. 3", "no contact on Sundays, and on Saturdays only from 08:00 to 15:00"
    ),
    # Art. 3: Sundays and public holidays are excluded.
    no_holidays=_co("art. 3", "no contact on public holidays"),
    # Art. 3: no more than one contact on the same day (reading: any channel, any class).
    caps=(
        Cap(
            limit=1,
            period=Period.DAY,
            citation=_co("art. 3", "at most one contact a day"),
        ),
    ),
    # Art. 3: not through several channels in the same week (reading: one channel per
    # calendar week; see docs/statutory/contact/co.md).
    channel_mix=ChannelMix(
        limit=1, citation=_co("art. 3", "contacts of one week through one channel only")
    ),
    # Art. 2: only through the channels the consumer authorised.
    consent=_co("art. 2", "only channels the consumer authorised"),
)

# Ley 19.496 (7 March 1997) art. 37, as amended by Ley 21.320 (20 April 2021).
_LEY_19496 = "Ley 19.496"
_LEY_21320_DATE = date(2021, 4, 20)


# SERNAC (the agency that enforces Ley 19.496) states the hours, Monday to Saturday from 08:00
# to 20:00 except holidays (sernac.cl/portal/617/w3-propertyvalue-62993.html). The weekly caps
# and the 48 hours come from lawyers' summaries in the press (one call or visit a week; two
# written messages a week at least 48 hours apart); one summary reads "two contacts a week"
# over every channel. The stop conditions are unverified.
_SERNAC = "sernac.cl/portal/617/w3-propertyvalue-62993.html (SERNAC, cobranza extrajudicial)"
_CL_PRESS = "flanlate.com/2021/04 (Defensadeudores.cl); contactcentersonline.com (2021-05)"


def _cl(
    text: str, verification: Verification = Verification.UNVERIFIED, source: str | None = None
) -> Citation:
    return Citation(
        law=_LEY_19496,
        article="art. 37 (Ley 21.320)",
        date=_LEY_21320_DATE,
        text=text,
        verification=verification,
        source=source,
    )


CL = ContactRules(
    code="cl",
    name="Chile: Ley 19.496 art. 37, as amended by Ley 21.320 (2021)",
    country="CL",
    windows=_windows(range(0, 6), time(8), time(20)),
    windows_citation=_cl(
        "contact Monday to Saturday from 08:00 to 20:00 only",
        Verification.AGENCY_GUIDANCE,
        _SERNAC,
    ),
    no_holidays=_cl("no contact on public holidays", Verification.AGENCY_GUIDANCE, _SERNAC),
    caps=(
        Cap(
            channel_class=ChannelClass.VOICE,
            limit=1,
            period=Period.CALENDAR_WEEK,
            citation=_cl(
                "at most one call or visit a week", Verification.SECONDARY_SOURCES, _CL_PRESS
            ),
        ),
        Cap(
            channel_class=ChannelClass.WRITTEN,
            limit=2,
            period=Period.CALENDAR_WEEK,
            citation=_cl(
                "at most two written messages a week", Verification.SECONDARY_SOURCES, _CL_PRESS
            ),
        ),
    ),
    # "at least two days apart": read as 48 hours (the stricter reading).
    spacings=(
        Spacing(
            channel_class=ChannelClass.WRITTEN,
            minimum=timedelta(hours=48),
            citation=_cl(
                "written messages at least two days (48 hours) apart",
                Verification.SECONDARY_SOURCES,
                _CL_PRESS,
            ),
        ),
    ),
    stops=(
        StopCondition(
            kind=StopKind.LEGAL_PROCEEDINGS,
            citation=_cl("no out-of-court collection once a lawsuit has started"),
        ),
        StopCondition(
            kind=StopKind.INSOLVENCY,
            citation=_cl("no out-of-court collection once insolvency proceedings have started"),
        ),
    ),
)

# CONDUSEF, general provisions for financial entities on collection agencies (Despachos de
# Cobranza), DOF 7 October 2014, in force 8 October 2014. They bind financial entities and the
# agencies they hire; article numbers of the official text are not cited (not verified here):
# no official or agency text of these provisions was found, so every rule is `unverified`.
_CONDUSEF = "CONDUSEF, Disposiciones en materia de Despachos de Cobranza (DOF)"
_CONDUSEF_DATE = date(2014, 10, 7)


def _mx(article: str, text: str) -> Citation:
    return Citation(law=_CONDUSEF, article=article, date=_CONDUSEF_DATE, text=text)


_MX_FIRST_CONTACT = "first contact"

MX = ContactRules(
    code="mx",
    name="Mexico: CONDUSEF provisions on collection agencies (DOF 2014)",
    country="MX",
    # Calls and visits from 07:00 to 22:00 in the debtor's time zone, every day.
    windows=_windows(range(0, 7), time(7), time(22)),
    windows_citation=_mx(
        "hours of contact",
        "contact only from 07:00 to 22:00 in the debtor's time zone",
    ),
    required_content=tuple(
        RequiredContent(field=field, citation=_mx(_MX_FIRST_CONTACT, text), first_contact_only=True)
        for field, text in (
            ("collector_name", "the first contact names the collection agency"),
            ("collector_address", "the first contact gives the agency's address"),
            ("collector_phone", "the first contact gives the agency's telephone"),
            ("creditor_name", "the first contact names the creditor"),
            ("contract_reference", "the first contact names the contract"),
            ("amount", "the first contact states the amount owed"),
            ("computation_date", "the first contact states the date the amount was computed"),
            ("payment_conditions", "the first contact states the payment conditions"),
        )
    ),
)

# Lei estadual 15.426 (22 May 2014, DOE 23 May 2014), art. 2º; collection calls only.
_LEI_15426 = "Lei estadual 15.426 (São Paulo)"
_LEI_15426_DATE = date(2014, 5, 22)
_LEI_15426_SOURCE = "Lei estadual 15.426/2014 as published, DOE-SP 23 May 2014"
# Código de Defesa do Consumidor, Lei 8.078 (11 September 1990), art. 42-A.
_CDC = "Código de Defesa do Consumidor (Lei 8.078)"
_CDC_DATE = date(1990, 9, 11)

BR_SP = ContactRules(
    code="br_sp",
    name="Brazil, São Paulo: Lei 15.426/2014 art. 2 and CDC arts. 42, 42-A",
    country="BR",
    subdivision="SP",
    windows=(
        *_windows(_MON_FRI, time(8), time(20)),
        *_windows(_SATURDAY, time(8), time(14)),
    ),
    windows_citation=Citation(
        law=_LEI_15426,
        article="art. 2º",
        date=_LEI_15426_DATE,
        text="collection calls Monday to Friday 08:00-20:00 and Saturday 08:00-14:00 only",
        verification=Verification.OFFICIAL_TEXT,
        source=_LEI_15426_SOURCE,
    ),
    window_classes=(ChannelClass.VOICE,),
    no_holidays=Citation(
        law=_LEI_15426,
        article="art. 2º",
        date=_LEI_15426_DATE,
        text="no collection calls on holidays",
        verification=Verification.OFFICIAL_TEXT,
        source=_LEI_15426_SOURCE,
    ),
    required_content=tuple(
        RequiredContent(
            field=field,
            citation=Citation(
                law=_CDC,
                article="art. 42-A",
                date=_CDC_DATE,
                text=text,
                # Quoted alike by commentaries (aurum.com.br, juridicobrasil.com); the
                # official text (planalto.gov.br) was not reached.
                verification=Verification.SECONDARY_SOURCES,
                source="aurum.com.br/blog/cdc-comentado; juridicobrasil.com",
            ),
        )
        for field, text in (
            ("supplier_name", "every collection document names the supplier"),
            ("supplier_address", "every collection document gives the supplier's address"),
            ("supplier_tax_id", "every collection document gives the supplier's CPF or CNPJ"),
        )
    ),
)

#: Every contact-law preset by its code; a test checks it against the module's presets.
CONTACT_RULES: Mapping[str, ContactRules] = MappingProxyType(
    {"co": CO, "cl": CL, "mx": MX, "br_sp": BR_SP}
)


def get_contact_rules(code: str) -> ContactRules:
    """Return the contact-law preset of `code` ('co', 'cl', 'mx', 'br_sp'; case-insensitive).

    >>> get_contact_rules("BR_SP").subdivision
    'SP'

    Raises:
        UnknownJurisdictionError: when no preset has that code; the message lists the codes.
    """
    rules = CONTACT_RULES.get(code.lower()) if isinstance(code, str) else None
    if rules is None:
        known = ", ".join(CONTACT_RULES)
        raise UnknownJurisdictionError(
            f"jurisdiction {code!r} has no contact-law preset; the known codes are {known} "
            "(Brazilian states other than São Paulo are not covered)"
        )
    return rules
