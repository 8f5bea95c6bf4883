"""The stage rule, with its entry actions and escalations.

An invoice enters every stage whose trigger it met, each once, and catch-up finds
the same entry dates as daily runs; stages never step down while the invoice is unpaid.

On entry a stage may send a message, charge fees, create a task, hand the debt off or
propose a write-off; a lower stage's message and task are replaced by the top stage's
(DESIGN.md rule 5 and "What the policy can say": stages).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from decimal import Decimal

from dunning.engine.actions import EnterStage, HandOff, ProposeWriteOff, SkipReason
from dunning.engine.compiled import CompiledStage
from dunning.engine.rules.context import (
    ZERO,
    CustomerContext,
    Held,
    Message,
    Task,
    money,
    note_suspension,
    notice_keys,
    principal_on,
    reason,
    skip,
)
from dunning.engine.rules.fees import fees
from dunning.invoices import Invoice
from dunning.money import Money

__all__ = ["stages"]

_DAY = timedelta(days=1)


def stages(
    ctx: CustomerContext,
    invoice: Invoice,
    owed: Decimal,
    overdue_total: Mapping[str, Decimal],
    overdue_count: int,
    failed_on: date | None,
) -> Message | None:
    """Enter the stages `invoice` reached; return the top stage's message if it is due.

    Records the invoice's level, its suspension and whether its reminders stop; emits the
    entries, escalations and fees not yet done, and reports the lower stages' messages and
    tasks as replaced.
    """
    cp = ctx.compiled
    done = ctx.done
    if cp.quick_stages and _steady(ctx, invoice):
        return None
    candidates: list[tuple[date, int, CompiledStage, bool]] = []
    for stage in cp.stages:
        key = ctx.prefix + stage.key
        on = done.get(key)
        computed = _entry(ctx, stage, invoice, overdue_total, overdue_count, failed_on)
        if on is not None:
            # The date the trigger was first met when it still is (the host may have
            # executed the entry later), else the recorded date: stages are sticky.
            day = on if computed is None else min(on, computed)
            candidates.append((day, stage.level, stage, False))
        elif computed is not None:
            candidates.append((computed, stage.level, stage, True))
    # In date order, a stage is entered only above the level already reached that day:
    # a catch-up run never enters a milder stage after a more severe one, as daily runs
    # would not.
    candidates.sort(key=lambda item: (item[0], item[1]))
    entered: list[tuple[CompiledStage, date, bool]] = []
    reached = 0
    for day, level, stage, new in candidates:
        if not new or level > reached:
            entered.append((stage, day, new))
            reached = max(reached, level)
    if not entered:
        return None
    balance = money(owed, invoice.currency)
    entered.sort(key=lambda item: item[0].level)
    ctx.entries[invoice.id] = {stage.stage.id: entry for stage, entry, _ in entered}
    top = entered[-1][0]
    ctx.levels[invoice.id] = top.level
    days = (ctx.as_of - invoice.due_date).days
    for stage, entry, new in entered:
        rules = stage.stage
        if rules.suspend_service:
            above = [s for s, _, _ in entered if s.level >= stage.level]
            note_suspension(ctx, stage, entry, invoice.id, above)
        if rules.stop_reminders:
            ctx.reminders_stopped.add(invoice.id)
        if new:
            trigger = _trigger_text(stage, invoice, entry, overdue_total, overdue_count, failed_on)
            _enter(ctx, invoice, stage, entry, trigger)
        if rules.hand_off is not None or rules.propose_write_off:
            _escalate(ctx, invoice, stage, entry, balance, days, entered)
    fees(ctx, invoice, entered)
    stage, entry, _ = entered[-1]
    stage_spec = stage.stage
    message: Message | None = None
    # The top stage's message replaces the lower stages' messages; the task of the most
    # severe stage that has one replaces the lower stages' tasks (a stage without a task
    # replaces none, so a catch-up run creates the tasks daily runs would).
    tasked = [item for item in entered if item[0].stage.task is not None]
    task_stage, task_entry, _ = tasked[-1] if tasked else (None, entry, False)
    for lower, lower_entry, new in entered[:-1]:
        if not new:
            continue
        replaced: list[tuple[str, object, CompiledStage]]
        replaced = [("stage-message", lower.stage.message, stage)]
        if task_stage is not None and lower.level < task_stage.level:
            replaced.append(("task", lower.stage.task, task_stage))
        for what, present, by in replaced:
            key = f"{ctx.prefix}{what}:{lower.sid}"
            if present is not None and key not in done:
                ctx.skipped.append(
                    skip(
                        key,
                        invoice,
                        lower_entry,
                        SkipReason.SUPERSEDED,
                        f"stage:{lower.stage.id}",
                        f"the {what} of stage {lower.stage.id} is replaced by stage {by.stage.id}",
                    )
                )
    if task_stage is not None:
        key = f"{ctx.prefix}task:{task_stage.sid}"
        if key not in done:
            ctx.tasks.append(Task(invoice=invoice, key=key, stage=task_stage, due_on=task_entry))
    spec = stage_spec.message
    if spec is not None:
        key = f"{ctx.prefix}stage-message:{stage.sid}"
        late = (ctx.as_of - entry).days
        stale = spec.max_lateness_days is not None and late > spec.max_lateness_days
        if key in done:
            return None
        if stale:
            ctx.skipped.append(
                skip(
                    key,
                    invoice,
                    entry,
                    SkipReason.STALE,
                    f"stage:{stage_spec.id}",
                    f"the message of stage {stage_spec.id} entered on "
                    f"{entry.isoformat()} is {late} days late",
                )
            )
        else:
            message = Message(
                severity=(1, stage.level),
                invoice=invoice,
                key=key,
                rule=f"stage:{stage_spec.id}",
                template=spec.template,
                tone=spec.tone,
                channels=spec.channels,
                due_on=entry,
                owed=balance.amount,
                days=days,
                source=stage,
            )
    return message


def _entry(
    ctx: CustomerContext,
    stage: CompiledStage,
    invoice: Invoice,
    overdue_total: Mapping[str, Decimal],
    overdue_count: int,
    failed_on: date | None,
) -> date | None:
    """The day the invoice entered `stage`, or None when the trigger is not met."""
    due = invoice.due_date
    as_of = ctx.as_of
    if stage.days_only:
        entry = due + timedelta(days=stage.days_overdue or 0)
        return entry if entry <= as_of else None
    currency = invoice.currency
    first: list[date | None] = []
    if stage.days_overdue is not None:
        first.append(due + timedelta(days=stage.days_overdue))
    threshold = stage.invoice_balance.get(currency) if stage.invoice_balance else None
    if stage.invoice_balance:
        first.append(due + _DAY if threshold is not None else None)
    customer_level: list[bool] = []
    if stage.customer_balance:
        limit = stage.customer_balance.get(currency)
        customer_level.append(limit is not None and overdue_total.get(currency, ZERO) >= limit)
    if stage.unpaid_invoices is not None:
        customer_level.append(overdue_count >= stage.unpaid_invoices)
    if stage.failed_payment:
        first.append(failed_on)
    if stage.match_all:
        if None in first or not all(customer_level):
            return None
        dates = [d for d in first if d is not None]
        if customer_level:
            dates.append(as_of)
        entry = max(dates)
        if entry > as_of:
            return None
        if threshold is not None and principal_on(invoice, entry) < threshold:
            return None
        return entry
    candidates: list[date] = []
    for index, day in enumerate(first):
        if day is None or day > as_of:
            continue
        is_balance = stage.invoice_balance and index == (1 if stage.days_overdue is not None else 0)
        if is_balance and threshold is not None and principal_on(invoice, day) < threshold:
            continue
        candidates.append(day)
    if any(customer_level):
        candidates.append(as_of)
    return min(candidates) if candidates else None


def _steady(ctx: CustomerContext, invoice: Invoice) -> bool:
    """Whether nothing about stages is due: what daily runs did is all in the history.

    For policies whose stages are entered on days overdue alone (the common daily case),
    judged on the invoice's done keys by its `StagePlan`: every stage reached, its fees,
    escalations, the top stage's message and task. Records the invoice's level, entry days,
    suspensions and stopped reminders as the full rule would.
    """
    due = invoice.due_date
    plans = ctx.stage_plans
    plan = plans.get(due)
    if plan is None:
        try:
            plan = plans[due] = ctx.compiled.stage_plan(due, ctx.as_of)
        except ValueError:  # more fee occurrences than one evaluation works out: the rule says
            return False
    if not plan.steady(ctx.mine):
        return False
    level = plan.level
    if level:
        invoice_id = invoice.id
        ctx.levels[invoice_id] = level
        if ctx.compiled.interest is not None:  # interest posted on stage entry reads them
            ctx.entries[invoice_id] = dict(plan.entries)
        for stage, on, reached in plan.suspensions:
            note_suspension(ctx, stage, on, invoice_id, reached)
        if ctx.compiled.stage_stops[level]:
            ctx.reminders_stopped.add(invoice_id)
    return True


def _enter(
    ctx: CustomerContext, invoice: Invoice, stage: CompiledStage, entry: date, trigger: str
) -> None:
    """The entry into `stage` on `entry`, explained by `trigger`.

    Its installment-plan offer is noted, to be made once per customer (see `offers`).
    """
    spec = stage.stage
    ctx.actions.append(
        EnterStage._construct(
            key=ctx.prefix + stage.key,
            customer_id=invoice.customer_id,
            invoice_ids=(invoice.id,),
            due_on=entry,
            covers=(),
            reason=reason(
                f"stage:{spec.id}",
                f"entered stage {spec.id} on {entry.isoformat()}: {trigger}",
                days_overdue=(entry - invoice.due_date).days,
                principal=principal_on(invoice, entry),
            ),
            rule_id=f"stage:{spec.id}",
            stage_id=spec.id,
            level=stage.level,
        )
    )
    if spec.offer_plan is not None:
        slot = (invoice.currency, spec.id)
        known = ctx.offers.get(slot)
        if known is None or entry < known[1]:
            ctx.offers[slot] = (stage, entry)


def _escalate(
    ctx: CustomerContext,
    invoice: Invoice,
    stage: CompiledStage,
    entry: date,
    balance: Money,
    days: int,
    entered: Sequence[tuple[CompiledStage, date, bool]],
) -> None:
    """The hand-off and write-off proposal of `stage` not yet done.

    When a stage message announces them (the stage's own, or a more severe stage's), they
    are held until it has gone out (see `rules.notices`).
    """
    spec = stage.stage
    customer_id = invoice.customer_id
    ids = (invoice.id,)
    escalations: list[tuple[str, type[HandOff] | type[ProposeWriteOff], str, dict[str, str]]]
    escalations = []
    if spec.hand_off is not None:
        agency = spec.hand_off.agency
        text = f"hand {balance} over to {agency} on entering stage {spec.id}"
        escalations.append(("hand-off", HandOff, text, {"agency": agency}))
    if spec.propose_write_off:
        text = f"propose writing off {balance} ({days} days overdue)"
        escalations.append(("write-off", ProposeWriteOff, text, {}))
    notices = notice_keys(ctx, invoice.id, [s for s, _, _ in entered if s.level >= stage.level])
    rule = f"stage:{spec.id}"
    for what, action, text, extra in escalations:
        key = f"{ctx.prefix}{what}:{stage.sid}"
        if key in ctx.done:
            continue

        def build(
            due_on: date,
            key: str = key,
            action: type[HandOff] | type[ProposeWriteOff] = action,
            text: str = text,
            extra: dict[str, str] = extra,
        ) -> HandOff | ProposeWriteOff:
            return action._construct(
                key=key,
                customer_id=customer_id,
                invoice_ids=ids,
                due_on=due_on,
                covers=(),
                reason=reason(rule, text, days_overdue=days),
                rule_id=rule,
                stage_id=spec.id,
                amount=balance,
                **extra,
            )

        if notices:
            held = Held(invoice, key, entry, notices, spec.notice_days, rule, text, build)
            ctx.held.append(held)
        else:
            ctx.actions.append(build(entry))


def _trigger_text(
    stage: CompiledStage,
    invoice: Invoice,
    entry: date,
    overdue_total: Mapping[str, Decimal],
    overdue_count: int,
    failed_on: date | None,
) -> str:
    """The conditions of the trigger that explain the entry.

    All of them for ``match="all"``; else those that held on the entry day.
    """
    parts: list[tuple[bool, str]] = []
    trigger = stage.trigger
    currency = invoice.currency
    days = (entry - invoice.due_date).days
    if trigger.days_overdue is not None:
        text = f"{days} days overdue (>= {trigger.days_overdue})"
        parts.append((days >= trigger.days_overdue, text))
    if trigger.invoice_balance:
        threshold = stage.invoice_balance.get(currency)
        held = threshold is not None and days > 0 and principal_on(invoice, entry) >= threshold
        shown = "an unset threshold" if threshold is None else money(threshold, currency).amount
        parts.append((held, f"invoice balance at or above {shown}"))
    if trigger.customer_overdue_balance:
        limit = stage.customer_balance.get(currency)
        held = limit is not None and overdue_total.get(currency, ZERO) >= limit
        shown = "an unset threshold" if limit is None else money(limit, currency).amount
        parts.append((held, f"customer overdue balance at or above {shown}"))
    if trigger.unpaid_invoices is not None:
        text = f"at least {trigger.unpaid_invoices} unpaid invoices"
        parts.append((overdue_count >= trigger.unpaid_invoices, text))
    if trigger.failed_payment:
        parts.append((failed_on is not None and failed_on <= entry, "an automatic charge failed"))
    if trigger.match == "all":
        return " and ".join(text for _, text in parts)
    held_ones = [text for held, text in parts if held]
    return " or ".join(held_ones or [text for _, text in parts])
