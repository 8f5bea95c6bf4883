"""The reminder rule.

For each invoice only the latest reminder occurrence that fell due is a
candidate; earlier ones not carried out are reported as superseded, never sent late.

A pre-due reminder is stale once the due date has come, and any occurrence older than its
step's `max_lateness_days` is stale (DESIGN.md rule 5).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Mapping
from datetime import date, timedelta
from decimal import Decimal

from dunning.engine.actions import SkipReason
from dunning.engine.compiled import CompiledPolicy, CompiledStep
from dunning.engine.rules.context import (
    CustomerContext,
    Message,
    ReminderPlan,
    exact,
    money,
    skip,
)
from dunning.invoices import Invoice

__all__ = ["reminder"]

_DAY = timedelta(days=1)


def reminder(ctx: CustomerContext, invoice: Invoice, owed: Decimal) -> Message | None:
    """The reminder of `invoice` due on the evaluation date and not yet done, if any.

    Earlier occurrences not carried out are reported as superseded; a stale or
    below-minimum occurrence is reported as skipped instead of returned.
    """
    cp = ctx.compiled
    due = invoice.due_date
    if cp.step_offsets is not None:
        # Calendar-day steps only: which occurrence is due depends on the due date alone,
        # worked out once per due date.
        plans = ctx.reminder_plans
        if due in plans:
            plan = plans[due]
        else:
            plan = plans[due] = _plan(cp, due, ctx.as_of)
        if plan is None:
            return None
    else:
        plan = _business_plan(cp, due, ctx.as_of)
        if plan is None:
            return None
    position, step, base, number, on, tail, stale, prior = plan
    if on < invoice.issue_date:
        return None  # nothing fell due before the invoice was issued
    mine = ctx.mine
    if tail in mine:
        return None
    key = ctx.prefix + tail
    currency = invoice.currency
    amount = exact(owed, currency)
    if prior is None or prior not in mine:
        _superseded(ctx, invoice, position, base, number)
    if stale:
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
    minimum = step.min_balance.get(currency) if step.min_balance else None
    if minimum is not None and amount < minimum:
        ctx.skipped.append(
            skip(
                key,
                invoice,
                on,
                SkipReason.BELOW_MINIMUM,
                step.rule,
                f"balance {money(amount, currency)} is below the minimum of reminder "
                f"{step.step.id}",
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
        owed=amount,
        days=(ctx.as_of - due).days,
        source=step,
        number=number,
    )


def _plan(cp: CompiledPolicy, due: date, as_of: date) -> ReminderPlan | None:
    """The `ReminderPlan` of an invoice due on `due`, for calendar-day steps.

    None before the first step is due.
    """
    days = (as_of - due).days
    position = bisect_right(cp.step_offsets or (), days) - 1
    if position < 0:
        return None
    step = cp.steps[position]
    plan = _occurrence(position, step, due + timedelta(days=step.offset), due, as_of)
    number = plan[3]
    if number:
        prior: str | None = step.tail(number - 1)
    elif (
        position
        and not (previous := cp.steps[position - 1]).every
        and previous.offset < step.offset
    ):
        prior = previous.tail(0)  # the single occurrence of the step before, on an earlier day
    else:
        return plan  # `_superseded` walks back through the steps
    return (*plan[:7], prior)


def _business_plan(cp: CompiledPolicy, due: date, as_of: date) -> ReminderPlan | None:
    """`_plan` for policies with business-day steps: the steps' days walked back."""
    steps = cp.steps
    position = len(steps) - 1
    base = steps[position].base(due, cp.calendar)
    while base > as_of:
        position -= 1
        if position < 0:
            return None
        base = steps[position].base(due, cp.calendar)
    return _occurrence(position, steps[position], base, due, as_of)


def _occurrence(
    position: int, step: CompiledStep, base: date, due: date, as_of: date
) -> ReminderPlan:
    """The `ReminderPlan` of `step` (at `position`), whose first occurrence is on `base`."""
    number = step.occurrence((as_of - base).days)
    on = base + timedelta(days=number * step.every)
    stale = (step.offset < 0 and as_of >= due) or (
        step.max_lateness is not None and (as_of - on).days > step.max_lateness
    )
    return position, step, base, number, on, step.tail(number), stale, None


def _superseded(
    ctx: CustomerContext, invoice: Invoice, position: int, base: date, number: int
) -> None:
    """Report earlier occurrences not carried out, back to the last one that was.

    Occurrences are counted, never walked one by one: each step's run of superseded
    occurrences is one entry (a summary when there are several), so the work and the output
    are bounded by the number of steps and the invoice's history, not by the days since the
    due date (an evaluation in the year 9999 reports a weekly reminder's run in one entry).
    """
    cp = ctx.compiled
    mine = ctx.mine
    steps = cp.steps
    due = invoice.due_date
    issued = invoice.issue_date
    last = number - 1
    while position >= 0:
        step = steps[position]
        if last >= 0:
            first = _first_issued(step, base, issued)
            if first > last:
                return  # earlier occurrences never fell due
            done = _last_done(mine, step, first, last)
            if done is not None:
                if done < last:
                    _report(ctx, invoice, step, base, done + 1, last)
                return
            _report(ctx, invoice, step, base, first, last)
            if first > 0:
                return  # the earlier ones fell before the invoice was issued
        position -= 1
        if position >= 0:
            previous = steps[position]
            limit = base
            base = previous.base(due, cp.calendar)
            count = 1
            if previous.every:
                count = (limit - base - _DAY).days // previous.every + 1
                if previous.max_times is not None:
                    count = min(count, previous.max_times)
            last = count - 1


def _first_issued(step: CompiledStep, base: date, issued: date) -> int:
    """The number of `step`'s first occurrence on or after the issue date."""
    if base >= issued:
        return 0
    if not step.every:
        return 1
    return -((base - issued).days // step.every)


def _last_done(mine: Mapping[str, date], step: CompiledStep, first: int, last: int) -> int | None:
    """The highest occurrence number of `step` in [first, last] that was done, or None.

    Looks the numbers up while there are fewer of them than done keys, else reads the done
    keys once: the cost is the smaller of the two. The latest number is looked up first: a
    daily run carried it out.
    """
    if step.tail(last) in mine:
        return last
    if last - first < max(len(mine), 8):
        for number in range(last, first - 1, -1):
            if step.tail(number) in mine:
                return number
        return None
    prefix = step.key
    length = len(prefix)
    found: int | None = None
    for tail in mine:
        if tail.startswith(prefix):
            digits = tail[length:]
            # Only the key of an occurrence counts: ``step:<id>:<n>`` as the engine writes it.
            if 0 < len(digits) <= 19 and digits.isascii() and digits.isdigit():
                value = int(digits)
                newer = found is None or value > found
                if newer and first <= value <= last and str(value) == digits:
                    found = value
    return found


def _report(
    ctx: CustomerContext, invoice: Invoice, step: CompiledStep, base: date, first: int, last: int
) -> None:
    """Report occurrences `first` to `last` of `step` as superseded, in one entry."""
    on = base + timedelta(days=last * step.every)
    key = ctx.prefix + step.tail(last)
    if first == last:
        text = f"reminder {step.step.id} of {on.isoformat()} replaced by a later one"
        figures: tuple[tuple[str, str], ...] = ()
    else:
        start = base + timedelta(days=first * step.every)
        count = last - first + 1
        text = (
            f"reminder {step.step.id}: {count} occurrences from {start.isoformat()} to "
            f"{on.isoformat()} replaced by a later one"
        )
        figures = (
            ("count", str(count)),
            ("first_due_on", start.isoformat()),
            ("first_occurrence", str(first)),
        )
    ctx.skipped.append(
        skip(
            key,
            invoice,
            on,
            SkipReason.SUPERSEDED,
            step.rule,
            text,
            occurrence=last,
            figures=figures,
        )
    )
