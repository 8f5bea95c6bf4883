"""The service suspension and resumption rule.

A customer with an open invoice at a suspending stage has its service suspended,
once per suspension; when none is left there, the service is resumed.

Suspensions and resumptions are counted in the history per customer, so a customer who
falls back in after a resumption is suspended again (DESIGN.md "Stages": service suspension).
"""

from __future__ import annotations

from dunning.engine.actions import ResumeService, SuspendService
from dunning.engine.keys import customer_key
from dunning.engine.rules.context import CustomerContext, reason
from dunning.engine.rules.notices import effective_on, waiting

__all__ = ["service", "service_change"]


def service_change(at_suspending_stage: bool, suspends: int, resumes: int) -> str | None:
    """The change of service a customer needs: ``"suspend"``, ``"resume"`` or None.

    `suspends` and `resumes` count the suspensions and resumptions executed so far.
    """
    if at_suspending_stage and suspends <= resumes:
        return "suspend"
    if not at_suspending_stage and suspends > resumes:
        return "resume"
    return None


def service(ctx: CustomerContext) -> None:
    """Suspend or resume the customer's service when its stages call for a change."""
    cp = ctx.compiled
    customer = ctx.customer
    history = ctx.history
    suspends = history.suspends.get(customer.id, 0)
    resumes = history.resumes.get(customer.id, 0)
    stage = ctx.suspend_stage
    change = service_change(stage is not None, suspends, resumes)
    if change == "suspend":
        assert stage is not None
        key = customer_key(cp.id, customer.id, "suspend", suspends + 1)
        if key in history.done:
            return
        due_on = ctx.suspend_on or ctx.as_of
        rule = f"stage:{stage.stage.id}"
        # Announced by a stage message for every invoice at a suspending stage: it takes
        # effect once one of them has gone out (and the stage's clear days have passed).
        if ctx.notices and all(keys for _, keys in ctx.notices):
            clear_days = stage.stage.notice_days
            keys = [key for _, keys in ctx.notices for key in keys]
            notice, effect = effective_on(ctx, keys, clear_days)
            if notice is None or effect > ctx.as_of:
                first = min(invoice_id for invoice_id, _ in ctx.notices)
                waiting(
                    ctx,
                    key,
                    first,
                    due_on,
                    rule,
                    "suspend service",
                    stage.stage.id,
                    clear_days,
                    notice,
                    effect,
                )
                return
            due_on = max(due_on, effect)
        ctx.actions.append(
            SuspendService._construct(
                key=key,
                customer_id=customer.id,
                invoice_ids=tuple(
                    sorted(i for i, level in ctx.levels.items() if level >= stage.level)
                ),
                due_on=due_on,
                covers=(),
                reason=reason(rule, f"suspend service: an invoice is at stage {stage.stage.id}"),
                rule_id=rule,
                occurrence=suspends + 1,
                stage_id=stage.stage.id,
            )
        )
    elif change == "resume":
        key = customer_key(cp.id, customer.id, "resume", resumes + 1)
        if key not in history.done:
            ctx.actions.append(
                ResumeService._construct(
                    key=key,
                    customer_id=customer.id,
                    invoice_ids=(),
                    due_on=ctx.as_of,
                    covers=(),
                    reason=reason(
                        "resume",
                        "resume service: no open invoice is at a suspending stage any more",
                    ),
                    rule_id="resume",
                    occurrence=resumes + 1,
                )
            )
