"""The evaluation assembled customer by customer: every invoice in exactly one outcome.

Acted on, skipped, paused or quiet, with the customer's actions and skips in their
documented order (DESIGN.md rule 7: nothing is lost silently; rule 4: the same output
whatever the order of the inputs).
"""

from __future__ import annotations

from dunning.engine.actions import (
    Action,
    ActionKind,
    PausedInvoice,
    Rejection,
    SkippedOccurrence,
)
from dunning.engine.compiled import CompiledPolicy
from dunning.engine.evaluation import CustomerStage
from dunning.engine.fast import Screened
from dunning.engine.rules.context import CustomerContext

__all__ = ["Outcomes"]

_KIND_ORDER = {kind: index for index, kind in enumerate(ActionKind)}


class Outcomes:
    """The evaluation being assembled, customer by customer."""

    def __init__(self) -> None:
        self.actions: list[Action] = []
        self.skipped: list[SkippedOccurrence] = []
        self.paused: list[PausedInvoice] = []
        self.quiet: list[str] = []
        self.acted: list[str] = []
        self.skipped_only: list[str] = []
        self.stages: list[CustomerStage] = []
        self.rejected: list[Rejection] = []

    def file(self, slot: Screened, ctx: CustomerContext | None) -> None:
        """File every invoice of one customer in exactly one outcome."""
        rest = slot.rest
        still = slot.quiet
        if ctx is None or not (ctx.actions or ctx.skipped or ctx.paused or ctx.rejected):
            still.extend(invoice.id for invoice in rest)
        else:
            if len(ctx.actions) > 1:
                ctx.actions.sort(key=lambda a: (a.due_on, _KIND_ORDER[a.kind], a.key))
            if len(ctx.skipped) > 1:
                ctx.skipped.sort(key=lambda s: (s.invoice_id, s.due_on, s.key, s.cause))
            touched = {i for a in ctx.actions for i in a.invoice_ids}
            skipped_ids = {s.invoice_id for s in ctx.skipped}
            paused_ids = {p.invoice_id for p in ctx.paused}
            if ctx.rejected:
                self.rejected.extend(ctx.rejected)
                paused_ids.update(r.invoice_id or "" for r in ctx.rejected)
            ids = [invoice.id for invoice in rest]
            # An invoice the quick check found quiet may still be named by a customer-level
            # action or skip (a suspension): it is then acted on (or skipped), as the full
            # evaluation would file it.
            named = [i for i in still if i in touched or i in skipped_ids] if still else ()
            if named:
                still = [i for i in still if not (i in touched or i in skipped_ids)]
                ids = sorted([*ids, *named])
            for invoice_id in ids:
                if invoice_id in paused_ids:
                    continue
                if invoice_id in touched:
                    self.acted.append(invoice_id)
                elif invoice_id in skipped_ids:
                    self.skipped_only.append(invoice_id)
                else:
                    still.append(invoice_id)
            self.actions.extend(ctx.actions)
            self.skipped.extend(ctx.skipped)
            self.paused.extend(ctx.paused)
        if len(still) > 1:
            still.sort()
        self.quiet.extend(still)
        if slot.levels:
            self.stages.append(_customer_stage(slot.compiled, slot.customer.id, slot.levels))


def _customer_stage(cp: CompiledPolicy, customer_id: str, levels: dict[str, int]) -> CustomerStage:
    level = max(levels.values())
    return CustomerStage._construct(
        customer_id=customer_id,
        policy_id=cp.id,
        stage_id=cp.stages[level - 1].stage.id,
        level=level,
        invoice_ids=tuple(sorted([i for i, v in levels.items() if v == level])),
    )
