"""The notice rule: what a stage's message announces never takes effect before it.

A suspension, hand-off or write-off proposal announced by a stage message (the notice) takes
effect no earlier than the day the notice goes out, and, when the stage asks for
`notice_days`, only after that many clear days (DESIGN.md "Stages": on entry, message,
suspension, hand-off; consumer rules commonly demand clear days). Until then it is reported
as waiting, with the day it may take effect when that is known.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from dunning.calendars import next_business_day
from dunning.engine.actions import SkippedOccurrence, SkipReason
from dunning.engine.rules.context import CustomerContext, reason

__all__ = ["effective_on", "release", "waiting"]


def _notice_day(ctx: CustomerContext, keys: Iterable[str]) -> date | None:
    """The first day one of the notices `keys` went out (today if it goes out today)."""
    first: date | None = None
    done = ctx.history.done
    for key in keys:
        day = ctx.as_of if key in ctx.sent else done.get(key)
        if day is not None and (first is None or day < first):
            first = day
    return first


def _after(day: date, clear_days: int) -> date:
    """The first day an action may take effect after a notice given on `day`."""
    return day + timedelta(days=clear_days + 1) if clear_days else day


def effective_on(
    ctx: CustomerContext, keys: Iterable[str], clear_days: int
) -> tuple[date | None, date]:
    """The day the notice went out (None if not yet) and the first day of effect.

    The first day the action may take effect is counted from the notice, or, while it has
    not gone out, from the next day it may.
    """
    notice = _notice_day(ctx, keys)
    if notice is not None:
        return notice, _after(notice, clear_days)
    as_of = ctx.as_of
    quiet = ctx.compiled.quiet
    if quiet is not None and not quiet.is_business_day(as_of):
        return None, _after(next_business_day(as_of, quiet), clear_days)
    return None, _after(as_of + timedelta(days=1), clear_days)


def waiting(
    ctx: CustomerContext,
    key: str,
    invoice_id: str,
    due_on: date,
    rule: str,
    what: str,
    stage_id: str,
    clear_days: int,
    notice: date | None,
    retry_on: date,
) -> None:
    """Report the action `key` as waiting for its notice until `retry_on`."""
    if notice is None:
        text = f"{what}: waits for the notice of stage {stage_id} to go out"
    else:
        text = (
            f"{what}: waits for {clear_days} clear days after the notice of stage "
            f"{stage_id} (sent on {notice.isoformat()})"
        )
    ctx.skipped.append(
        SkippedOccurrence._construct(
            key=key,
            customer_id=ctx.customer.id,
            invoice_id=invoice_id,
            due_on=due_on,
            cause=SkipReason.AWAITING_NOTICE,
            reason=reason(rule, text),
            retry_on=retry_on,
            rule_id=rule,
        )
    )


def release(ctx: CustomerContext) -> None:
    """Emit the held hand-offs and write-off proposals whose notice is out, report the rest."""
    as_of = ctx.as_of
    for held in ctx.held:
        notice, effect = effective_on(ctx, held.notices, held.clear_days)
        if notice is not None and effect <= as_of:
            ctx.actions.append(held.build(max(held.entry, effect)))
        else:
            stage_id = held.rule.removeprefix("stage:")
            waiting(
                ctx,
                held.key,
                held.invoice.id,
                held.entry,
                held.rule,
                held.text,
                stage_id,
                held.clear_days,
                notice,
                effect,
            )
