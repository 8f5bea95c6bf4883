"""The message rules: quiet days, caps, consolidation, channels and send windows.

The reminders and stage messages due for a customer wait on quiet days, go out
on the first channel of the customer that has an address and did not fail before, are
consolidated per channel and currency when the policy says so, and respect the frequency
cap (the most severe first), with the send window's start as `not_before`.

A capped, quiet-day or unreachable message is reported as skipped, with when to retry
(DESIGN.md "Pauses": frequency caps, consolidation, quiet days and send windows).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from dunning.calendars import next_business_day
from dunning.engine.actions import (
    ActionKind,
    MessageItem,
    Reason,
    SendMessage,
    SkippedOccurrence,
    SkipReason,
)
from dunning.engine.compact import Deferred
from dunning.engine.compiled import CompiledStage, CompiledStep
from dunning.engine.keys import digest
from dunning.engine.rules.context import (
    ZERO,
    CustomerContext,
    Message,
    message_figures,
    message_text,
    money,
    skip,
)
from dunning.invoices import Channel, Customer
from dunning.money import Money

__all__ = ["messages"]

_DAY = timedelta(days=1)
_SECOND = timedelta(seconds=1)


def messages(ctx: CustomerContext) -> None:
    """Send, consolidate, cap or hold back the customer's messages due."""
    cp = ctx.compiled
    customer = ctx.customer
    as_of = ctx.as_of
    history = ctx.history
    if cp.quiet is not None and not cp.quiet.is_business_day(as_of):
        next_day = next_business_day(as_of, cp.quiet)
        for message in ctx.messages:
            if message.fallback is not None:
                _supersede(ctx, message, message.fallback)
            ctx.skipped.append(
                skip(
                    message.key,
                    message.invoice,
                    message.due_on,
                    SkipReason.QUIET_DAY,
                    message.rule,
                    f"{as_of.isoformat()} is a quiet day; the message waits",
                    retry_on=next_day,
                    occurrence=message.number,
                )
            )
        return
    # The frequency cap first: with no room left, every message that has a channel is
    # capped, and nothing needs grouping or ranking.
    allowed: int | None = None
    retry: date | None = None
    cap = cp.policy.frequency_cap
    capped = ""
    if cap is not None:
        window_start = as_of - timedelta(days=cap.days - 1)
        recent = [d for d in history.messages.get(customer.id, ()) if window_start <= d <= as_of]
        recent.sort()
        allowed = max(cap.max_messages - len(recent), 0)
        # The day room opens again; None past the calendar's end (from 9999-12-31 on). A
        # message capped while others go out today waits for the oldest message of the
        # window, today's when the window held none, to leave it.
        retry = _later(
            recent[max(len(recent) - cap.max_messages, 0)] if recent else as_of, cap.days
        )
        capped = f"at most {cap.max_messages} messages in {cap.days} days"
    groups: dict[tuple[Channel, str, str], list[Message]] = defaultdict(list)
    consolidate = cp.policy.consolidate
    pending = ctx.messages
    picked: dict[tuple[Channel, ...], Channel | None] = {}
    index = 0
    while index < len(pending):
        message = pending[index]
        index += 1
        failed = history.failed_channels.get(message.key) if history.failed_channels else None
        channels = message.channels
        if failed:
            channels = tuple(c for c in channels if c not in failed)
            message.note += "; delivery failed before on " + _names(sorted(failed))
        # The customer's choice among the same channels is made once.
        if channels in picked:
            channel = picked[channels]
        else:
            channel = picked[channels] = customer.pick_channel(channels)
        fallback = message.fallback
        if channel is None:
            text = f"no usable address on {_names(message.channels)}"
            if failed:
                text = f"delivery failed on {_names(sorted(failed))}; no other {text[3:]}"
            if fallback is not None:
                # A message that was not delivered supersedes nothing: the reminder due
                # today goes in its place, on its own channels.
                text += "; the next reminder due goes instead"
                fallback.note = (
                    f"; in place of the message of {message.rule.replace(':', ' ', 1)}, "
                    "which failed on every channel"
                )
                pending.append(fallback)
            ctx.skipped.append(
                skip(
                    message.key,
                    message.invoice,
                    message.due_on,
                    SkipReason.NO_CHANNEL,
                    message.rule,
                    text,
                    occurrence=message.number,
                )
            )
            continue
        if fallback is not None:
            _supersede(ctx, message, fallback)
        if allowed == 0:
            ctx.skipped.append(_capped(message, capped, retry))
        else:
            slot = "" if consolidate else message.key
            groups[(channel, message.invoice.currency, slot)].append(message)
    if not groups:
        return
    # Each group is one message; the most severe go first when the frequency cap leaves
    # room for only some. Messages are built only for the groups that go out.
    ranked: list[tuple[tuple[int, ...], str, tuple[str, ...], Channel, str, list[Message]]]
    ranked = []
    for (channel, currency, _), members in groups.items():
        members.sort(key=_severity_order)
        lead = members[0]
        if len(members) == 1:
            key = f"{lead.key}@{channel.value}"
            covers: tuple[str, ...] = tuple(sorted((lead.key, *lead.replaces)))
        else:
            covers = tuple(sorted([k for m in members for k in (m.key, *m.replaces)]))
            # `consolidated_key(cp.id, customer.id, "message", channel.value, covers)`, from
            # the customer's part of the keys, escaped once per customer.
            key = f"{ctx.customer_prefix}message:{channel.value}:{digest(covers)}"
        severity = (-lead.severity[0], -lead.severity[1])
        ranked.append((severity, key, covers, channel, currency, members))
    if allowed is None:
        allowed = len(ranked)
    if len(ranked) > 1:
        ranked.sort(key=lambda item: (item[0], item[1]))
    window = _window(ctx)
    for index, (_, key, covers, channel, currency, members) in enumerate(ranked):
        if index < allowed:
            ctx.actions.append(
                _send(ctx, customer, key, covers, channel, currency, members, window)
            )
            ctx.sent.update(covers)
        else:
            ctx.skipped.extend(_capped(message, capped, retry) for message in members)


def _later(day: date, days: int) -> date | None:
    """`days` after `day`, or None when that is past the last day of the calendar."""
    if (date.max - day).days < days:
        return None
    return day + timedelta(days=days)


def _names(channels: Iterable[Channel]) -> str:
    return ", ".join(c.value for c in channels)


def _supersede(ctx: CustomerContext, message: Message, reminder: Message) -> None:
    """The stage `message` carries `reminder` out: one message, not two."""
    message.replaces = (reminder.key,)
    ctx.skipped.append(
        skip(
            reminder.key,
            reminder.invoice,
            reminder.due_on,
            SkipReason.SUPERSEDED,
            reminder.rule,
            f"reminder replaced by the message of {message.rule}",
            occurrence=reminder.number,
        )
    )


def _capped(message: Message, text: str, retry: date | None) -> SkippedOccurrence:
    """`message` held back by the frequency cap until `retry`."""
    return skip(
        message.key,
        message.invoice,
        message.due_on,
        SkipReason.CAPPED,
        "frequency_cap",
        text,
        retry_on=retry,
        occurrence=message.number,
        rule_id=message.rule,
    )


def _window(ctx: CustomerContext) -> tuple[datetime, datetime | None]:
    """The send window on the evaluation date, in the customer's time zone.

    Its start (midnight without a window) and its end (None without a window); a bound that
    falls in a daylight-saving gap is the first valid instant after it.
    """
    cp = ctx.compiled
    zone = ctx.customer.time_zone
    windows = ctx.run.windows
    slot = (zone, cp.window_start, cp.window_end)
    known = windows.get(slot)
    if known is None:
        tz = ZoneInfo(zone)
        end = cp.window_end
        known = windows[slot] = (
            _local(ctx.as_of, cp.window_start, tz),
            None if end is None else _local(ctx.as_of, end, tz),
        )
    return known


def _local(day: date, at: time, tz: ZoneInfo) -> datetime:
    """`at` on `day` in `tz`, or, when the clocks skip it, the first instant after the gap."""
    wall = datetime.combine(day, at, tzinfo=tz)
    try:
        utc = wall.astimezone(UTC)
    except OverflowError:
        return wall  # on 9999-12-31 west of UTC the instant is past the calendar in UTC
    if utc.astimezone(tz).replace(tzinfo=None) == wall.replace(tzinfo=None):
        return wall
    # In a gap: the offset before the change puts `utc` after it, the offset after the change
    # (fold=1) puts it before; the change is the first instant with the new offset.
    low = wall.replace(fold=1).astimezone(UTC)
    high = utc
    after = high.astimezone(tz).utcoffset()
    while high - low > _SECOND:
        middle = low + (high - low) / 2
        if middle.astimezone(tz).utcoffset() == after:
            high = middle
        else:
            low = middle
    return high.astimezone(tz).replace(microsecond=0)


def _send(
    ctx: CustomerContext,
    customer: Customer,
    key: str,
    covers: tuple[str, ...],
    channel: Channel,
    currency: str,
    members: list[Message],
    window: tuple[datetime, datetime | None],
) -> Deferred:
    """One message (consolidated when it has several members) to `customer`.

    Decided now, built when it is read: its items, total and reason text are only output.
    What it is built from holds no invoice, so an evaluation keeps none of them alive.
    """
    as_of = ctx.as_of
    lead = members[0]
    ordered = members if len(members) == 1 else sorted(members, key=_invoice_of)
    items = tuple(
        [
            (
                m.invoice.id,
                m.key,
                m.template,
                m.tone,
                m.owed,
                (as_of - m.invoice.due_date).days,
                m.invoice.due_date,
            )
            for m in ordered
        ]
    )
    lead_facts = (
        lead.source,
        lead.due_on,
        lead.days,
        lead.owed,
        lead.number,
        lead.invoice.due_date,
        lead.note,
    )
    due_on = min(m.due_on for m in members)
    return Deferred(
        ActionKind.SEND_MESSAGE,
        key,
        customer.id,
        tuple([item[0] for item in items]),
        due_on,
        covers,
        partial(
            _message,
            customer,
            key,
            covers,
            channel,
            currency,
            due_on,
            items,
            (lead.rule, lead.template, lead.tone),
            lead_facts,
            window,
        ),
        channel,
        window[1],
        lead.tone,
    )


def _message(
    customer: Customer,
    key: str,
    covers: tuple[str, ...],
    channel: Channel,
    currency: str,
    due_on: date,
    items: tuple[tuple[str, str, str, Any, Decimal, int, date], ...],
    lead: tuple[str, str, Any],
    lead_facts: tuple[CompiledStep | CompiledStage, date, int, Decimal, int | None, date, str],
    window: tuple[datetime, datetime | None],
) -> SendMessage:
    """The message model `_send` decided.

    Its amounts, exact to the minor unit of `currency`, become `Money` here.
    """
    rule, template, tone = lead
    address = customer.address(channel)
    assert address is not None  # pick_channel only returns channels with an address
    source, lead_due_on, days, owed, number, invoice_due, note = lead_facts
    balance = Money._trusted(owed, currency)
    text = message_text(source, lead_due_on, days, balance, number, invoice_due, note)
    if len(items) > 1:
        text = f"{len(items)} invoices in one {channel.value} message; led by {text}"
    return SendMessage._construct(
        key=key,
        customer_id=customer.id,
        invoice_ids=tuple([item[0] for item in items]),
        due_on=due_on,
        covers=covers,
        reason=Reason._construct(rule=rule, text=text, figures=message_figures(days, balance)),
        rule_id=rule,
        occurrence=number,
        channel=channel,
        address=address,
        template=template,
        tone=tone,
        locale=customer.locale,
        not_before=window[0],
        not_after=window[1],
        total=money(sum([item[4] for item in items], ZERO), currency),
        items=tuple(
            [
                MessageItem._construct(
                    invoice_id=invoice_id,
                    occurrence=occurrence,
                    template=item_template,
                    tone=item_tone,
                    balance=Money._trusted(item_owed, currency),
                    days_overdue=days_overdue,
                    due_date=due_date,
                )
                for (
                    invoice_id,
                    occurrence,
                    item_template,
                    item_tone,
                    item_owed,
                    days_overdue,
                    due_date,
                ) in items
            ]
        ),
    )


def _severity_order(message: Message) -> tuple[int, int, str, str]:
    """Most severe first, then by invoice and key."""
    return (-message.severity[0], -message.severity[1], message.invoice.id, message.key)


def _invoice_of(message: Message) -> str:
    return message.invoice.id
