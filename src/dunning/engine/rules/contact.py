"""The contact-law rule: messages wait for the first instant the debtor's contact law allows.

When the customer (or else the policy) names a `jurisdiction`, each message the earlier rules
decided to send is judged by `dunning.statutory.contact.next_allowed` against the contacts of
the history and the messages already planned in this evaluation:

- allowed at its `not_before`: it goes out then, its `not_after` cut to the law's window;
- allowed later (a Sunday in Colombia, 22:30 in Mexico City, a third written message in a week
  in Chile): it is deferred, keeping its idempotency key; `not_before` becomes the instant
  allowed, `not_after` the end of the window that instant falls in, and the reason cites the
  article and says where the message moved;
- never allowed (no consent for the channel, `Contact.consented_on` on or before the
  evaluation date; a stop condition of the rules in force on the day it would go out:
  `Customer.legal_proceedings_since`, `Customer.insolvency_since`): each occurrence it carries
  is skipped with `SkipReason.CONTACT_LAW` and the article. A customer who authorised none of
  the channels it can be reached on is said to have no lawful channel, in every such skip.

Under rules that ask for consent, a consent dated after the evaluation day is bad data: the
customer's invoices are rejected, naming the contact (`contacts[1].consented_on`), never
read as "no consent yet".

The law is merged with the policy's own send window (`strictest`): the stricter wins, and a
send window that leaves no time inside the law's windows is ignored, never the law (the linter
reports it). A past message counts at the latest instant it may have gone out: its record's
`sent_by` (the end of its window), else the end of the law's hours on the day it was recorded,
so spacing and caps are never under-counted.
"""

from __future__ import annotations

from contextlib import suppress
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from math import ceil
from zoneinfo import ZoneInfo

from dunning.engine.actions import Reason, SendMessage, SkippedOccurrence, SkipReason
from dunning.engine.compact import Entry
from dunning.engine.rules.context import CustomerContext
from dunning.errors import ContactLawError
from dunning.invoices import Channel, Customer
from dunning.statutory.contact import (
    ContactRecord,
    ContactRules,
    Move,
    StopKind,
    channel_class,
    get_contact_rules,
    next_allowed,
    strictest,
)

__all__ = ["contact_law"]

_LATEST = time(23, 59, 59)
_DAY = timedelta(days=1)
_WEEK = timedelta(days=7)


def contact_law(ctx: CustomerContext) -> None:
    """Defer or skip the customer's messages that its jurisdiction's contact law forbids now."""
    customer = ctx.customer
    code = customer.jurisdiction or ctx.compiled.policy.jurisdiction
    if code is None or not any(isinstance(action, SendMessage) for action in ctx.actions):
        return
    window = ctx.compiled.policy.send_window
    rules, horizon, latest = _rules(
        code, None if window is None else window.start, None if window is None else window.end
    )
    as_of = ctx.as_of
    if rules.consent is not None:
        _no_future_consent(customer, as_of, code)
    if "time_zone" not in customer.model_fields_set:
        # Hours and days are the debtor's: without a zone no instant can be judged.
        why = (
            f"time_zone of customer {customer.id!r} is missing: the contact law {code} counts "
            "hours and days in the debtor's local time"
        )
        _refuse_all(ctx, why, code)
        return
    zone = ZoneInfo(customer.time_zone)
    consents = customer.consents(as_of) if rules.consent is not None else None
    stops = _stops(rules, customer)
    # Older contacts fall outside every period and spacing of the rules from `as_of` on.
    oldest = as_of - horizon
    contacts = [
        ContactRecord._construct(
            at=datetime.combine(day, latest[day.weekday()], tzinfo=zone)
            if sent_by is None
            else sent_by,
            channel=channel or Channel.EMAIL,
        )
        for day, channel, sent_by in ctx.history.contacts.get(customer.id, ())
        if day >= oldest or (sent_by is not None and sent_by.date() >= oldest)
    ]
    kept: list[Entry] = []
    changed = False
    for action in ctx.actions:
        if not isinstance(action, SendMessage):
            kept.append(action)
            continue
        stopped = _stopped(stops, action.not_before, zone) if stops else None
        if stopped is None:
            allowance = next_allowed(
                rules, action.not_before, action.channel, contacts, zone=zone, consents=consents
            )
            if allowance.at is None:
                stopped = allowance.reason or ""
                if consents is not None and not any(
                    channel in consents for channel in customer.reachable_channels()
                ):
                    stopped += (
                        f"; customer {customer.id!r} authorised none of the channels it can be "
                        f"reached on (no Contact.consented_on on or before {as_of.isoformat()}): "
                        f"it has no lawful channel under {code}"
                    )
            elif stops:
                stopped = _stopped(stops, allowance.at, zone)
        if stopped is not None or allowance.at is None:
            changed = True
            ctx.skipped.extend(_refused(action, stopped or "", code))
            ctx.sent.difference_update(action.covers)
            continue
        at = allowance.at
        end = _window_end(rules, at, action.channel, zone) or action.not_after
        if at != action.not_before or end != action.not_after:
            changed = True
            reasons = _reasons(rules, allowance.moves)
            action = _moved(action, at, end, reasons, zone, code)
        contacts.append(ContactRecord._construct(at=action.not_before, channel=action.channel))
        kept.append(action)
    if changed:
        ctx.actions[:] = kept


def _no_future_consent(customer: Customer, as_of: date, code: str) -> None:
    """Refuse a consent record dated after the evaluation day: bad data, never ignored."""
    for position, contact in enumerate(customer.contacts):
        if contact.consented_on is not None and contact.consented_on > as_of:
            raise ContactLawError(
                f"customer {customer.id!r}: contacts[{position}].consented_on is "
                f"{contact.consented_on.isoformat()}, after the evaluation day "
                f"{as_of.isoformat()}: a consent cannot come from the future (contact law {code})"
            )


def _stops(rules: ContactRules, customer: Customer) -> tuple[tuple[date, str, str], ...]:
    """The stop conditions of `rules` the customer is in: the day each started, its field, why.

    Ordered by day, so the first one in force is the one cited.
    """
    started = {
        StopKind.LEGAL_PROCEEDINGS: ("legal_proceedings_since", customer.legal_proceedings_since),
        StopKind.INSOLVENCY: ("insolvency_since", customer.insolvency_since),
    }
    found = []
    for stop in rules.stops:
        field, day = started[stop.kind]
        if day is not None:
            found.append((day, field, str(stop.citation)))
    return tuple(sorted(found))


def _stopped(stops: tuple[tuple[date, str, str], ...], at: datetime, zone: ZoneInfo) -> str | None:
    """Why a contact at `at` is never allowed: a stop condition in force on its local day."""
    day = at.astimezone(zone).date()
    for started, field, why in stops:
        if started <= day:
            return (
                f"{why}; Customer.{field} is {started.isoformat()}, on or before the contact "
                f"day {day.isoformat()}"
            )
    return None


def _refuse_all(ctx: CustomerContext, why: str, code: str) -> None:
    kept = []
    for action in ctx.actions:
        if isinstance(action, SendMessage):
            ctx.skipped.extend(_refused(action, why, code))
            ctx.sent.difference_update(action.covers)
        else:
            kept.append(action)
    ctx.actions[:] = kept


@lru_cache(maxsize=256)
def _rules(
    code: str, start: time | None, end: time | None
) -> tuple[ContactRules, timedelta, tuple[time, ...]]:
    """The law of `code` cut to the policy's send window (the law alone when none is left).

    With how far back a past contact can still matter (a week and a day, or the longest
    spacing and a day), and per weekday the latest instant of its hours (where a past contact
    recorded without one counts).
    """
    rules = get_contact_rules(code)
    if start is not None and end is not None:
        # A send window outside the law is ignored here and reported by the linter (DUN031).
        with suppress(ContactLawError):
            rules = strictest(_Window(start, end), rules)
    longest = max([_WEEK, *(spacing.minimum for spacing in rules.spacings)])
    latest = tuple(
        max((w.end for w in rules.windows if w.weekday == weekday), default=_LATEST)
        for weekday in range(7)
    )
    return rules, timedelta(days=ceil(longest / _DAY) + 1), latest


class _Window:
    # The two bounds `strictest` reads of a policy's send window.
    __slots__ = ("end", "start")

    def __init__(self, start: time, end: time) -> None:
        self.start = start
        self.end = end


def _window_end(
    rules: ContactRules, at: datetime, channel: Channel, zone: ZoneInfo
) -> datetime | None:
    """The end of the law's window that `at` falls in (None for a channel without windows)."""
    if channel_class(channel) not in rules.window_classes:
        return None
    local = at.astimezone(zone)
    for window in rules.windows:
        if window.weekday == local.weekday() and window.start <= local.time() < window.end:
            end = datetime.combine(local.date(), window.end, tzinfo=zone)
            return end.astimezone(UTC).astimezone(zone)
    return None


def _reasons(rules: ContactRules, moves: tuple[Move, ...]) -> tuple[str, ...]:
    """The rules that deferred a contact, each once, in order.

    A window that opens later on the same day only narrows the send window: it is no deferral.
    """
    found: list[str] = []
    for move in moves:
        if move.rule == rules.windows_citation and move.start.date() == move.to.date():
            continue
        text = str(move.rule)
        if text not in found:
            found.append(text)
    return tuple(found)


def _moved(
    action: SendMessage,
    at: datetime,
    end: datetime | None,
    why: tuple[str, ...],
    zone: ZoneInfo,
    code: str,
) -> SendMessage:
    """`action` moved to `at` (until `end`), with the same key; a deferral cites every rule."""
    local = at.astimezone(zone)
    values = dict(action.__dict__)
    if why:
        moved = f"{local:%A} {local:%Y-%m-%d %H:%M} {zone.key}"
        values["reason"] = Reason._construct(
            rule=action.reason.rule,
            text=f"{action.reason.text}; deferred: {'; '.join(why)}; moved to {moved}",
            figures=(
                *action.reason.figures,
                ("contact_law", code),
                ("deferred_to", local.isoformat()),
            ),
        )
    values["not_before"] = local
    values["not_after"] = end
    return SendMessage._from_values(values)


def _refused(action: SendMessage, why: str, code: str) -> list[SkippedOccurrence]:
    """One skip per occurrence `action` carries, citing the rule that never allows it."""
    reason = Reason._construct(
        rule="contact_law",
        text=why,
        figures=(("contact_law", code), ("channel", action.channel.value)),
    )
    return [
        SkippedOccurrence._construct(
            key=item.occurrence,
            customer_id=action.customer_id,
            invoice_id=item.invoice_id,
            due_on=action.due_on,
            cause=SkipReason.CONTACT_LAW,
            reason=reason,
            retry_on=None,
            rule_id=action.rule_id,
            occurrence=action.occurrence if len(action.items) == 1 else None,
        )
        for item in action.items
    ]
