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
        if key not in history.done:
            ctx.actions.append(
                SuspendService._construct(
                    key=key,
                    customer_id=customer.id,
                    invoice_ids=tuple(
                        sorted(i for i, level in ctx.levels.items() if level >= stage.level)
                    ),
                    due_on=ctx.suspend_on or ctx.as_of,
                    covers=(),
                    reason=reason(
                        f"stage:{stage.stage.id}",
                        f"suspend service: an invoice is at stage {stage.stage.id}",
                    ),
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
                )
            )
