"""The reminder rule.

For each invoice only the latest reminder occurrence that fell due is a
candidate; earlier ones not carried out are reported as superseded, never sent late.

A pre-due reminder is stale once the due date has come, and any occurrence older than its
step's `max_lateness_days` is stale (DESIGN.md rule 5).
"""

from __future__ import annotations

from bisect import bisect_right
from datetime import date, timedelta
from decimal import Decimal

from dunning.engine.actions import SkipReason
from dunning.engine.compiled import below
from dunning.engine.rules.context import CustomerContext, Message, money, skip
from dunning.invoices import Invoice

__all__ = ["reminder"]

_DAY = timedelta(days=1)


def reminder(ctx: CustomerContext, invoice: Invoice, owed: Decimal) -> Message | None:
    """The reminder of `invoice` due on the evaluation date and not yet done, if any.

    Earlier occurrences not carried out are reported as superseded; a stale or
    below-minimum occurrence is reported as skipped instead of returned.
    """
    cp = ctx.compiled
    as_of = ctx.as_of
    due = invoice.due_date
    days = (as_of - due).days
    steps = cp.steps
    if cp.step_offsets is not None:
        # Calendar-day steps only: the latest step due is found on the integer offsets.
        position = bisect_right(cp.step_offsets, days) - 1
        if position < 0:
            return None
        base = due + timedelta(days=steps[position].offset)
    else:
        position = len(steps) - 1
        base = steps[position].base(due, cp.calendar)
        while base > as_of:
            position -= 1
            if position < 0:
                return None
            base = steps[position].base(due, cp.calendar)
    step = steps[position]
    number = step.occurrence((as_of - base).days)
    on = base + timedelta(days=number * step.every)
    if on < invoice.issue_date:
        return None  # nothing fell due before the invoice was issued
    tail = step.tail(number)
    if tail in ctx.mine:
        return None
    key = ctx.prefix + tail
    balance = money(owed, invoice.currency)
    _superseded(ctx, invoice, position, base, number)
    if (step.offset < 0 and as_of >= due) or (
        step.max_lateness is not None and (as_of - on).days > step.max_lateness
    ):
        ctx.skipped.append(
            skip(
                key,
                invoice,
                on,
                SkipReason.STALE,
                step.rule,
                f"reminder {step.step.id} of {on.isoformat()} is too late to send",
                occurrence=number,
            )
        )
        return None
    if below(balance, step.min_balance):
        ctx.skipped.append(
            skip(
                key,
                invoice,
                on,
                SkipReason.BELOW_MINIMUM,
                step.rule,
                f"balance {balance} is below the minimum of reminder {step.step.id}",
                occurrence=number,
            )
        )
        return None
    return Message(
        severity=(0, step.tone_rank),
        invoice=invoice,
        key=key,
        rule=step.rule,
        template=step.step.template,
        tone=step.step.tone,
        channels=step.channels,
        due_on=on,
        balance=balance,
        days=days,
        source=step,
        number=number,
    )


def _superseded(
    ctx: CustomerContext, invoice: Invoice, position: int, base: date, number: int
) -> None:
    """Report earlier occurrences not carried out, back to the last one that was."""
    cp = ctx.compiled
    mine = ctx.mine
    steps = cp.steps
    due = invoice.due_date
    issued = invoice.issue_date
    number -= 1
    while position >= 0:
        step = steps[position]
        while number >= 0:
            tail = step.tail(number)
            if tail in mine:
                return
            key = ctx.prefix + tail
            on = base + timedelta(days=number * step.every)
            if on < issued:
                return  # earlier occurrences never fell due
            ctx.skipped.append(
                skip(
                    key,
                    invoice,
                    on,
                    SkipReason.SUPERSEDED,
                    step.rule,
                    f"reminder {step.step.id} of {on.isoformat()} replaced by a later one",
                    occurrence=number,
                )
            )
            number -= 1
        position -= 1
        if position >= 0:
            previous = steps[position]
            base = previous.base(due, cp.calendar)
            limit = step.base(due, cp.calendar)
            count = 1
            if previous.every:
                count = (limit - base - _DAY).days // previous.every + 1
                if previous.max_times is not None:
                    count = min(count, previous.max_times)
            number = count - 1
