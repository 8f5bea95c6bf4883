"""The evaluation assembled customer by customer: every invoice in exactly one outcome.

Acted on, skipped, paused or quiet, with the customer's actions and skips in their
documented order (DESIGN.md rule 7: nothing is lost silently; rule 4: the same output
whatever the order of the inputs). What is filed goes into the evaluation's compact form
(`dunning.engine.compact`): the customers' stages are not built here.
"""

from __future__ import annotations

from datetime import date

from dunning.engine.actions import ActionKind
from dunning.engine.compact import Compact, Entry
from dunning.engine.compiled import CompiledPolicy
from dunning.engine.fast import Screened
from dunning.engine.rules.context import CustomerContext

__all__ = ["Outcomes"]

_KIND_ORDER = {kind: index for index, kind in enumerate(ActionKind)}


class Outcomes:
    """The evaluation being assembled, customer by customer, in its compact form."""

    def __init__(self, as_of: date) -> None:
        self.compact = compact = Compact(as_of)
        self.actions = compact.actions
        self.skipped = compact.skipped
        self.paused = compact.paused
        self.quiet = compact.quiet
        self.acted = compact.acted
        self.skipped_only = compact.skipped_invoices
        self.rejected = compact.rejected
        self._stage_ids: dict[str, tuple[str, ...]] = {}

    def file(self, slot: Screened, ctx: CustomerContext | None) -> None:
        """File every invoice of one customer in exactly one outcome."""
        rest = slot.rest
        still = slot.quiet
        if ctx is None or not (ctx.actions or ctx.skipped or ctx.paused or ctx.rejected):
            still.extend(invoice.id for invoice in rest)
        else:
            actions = ctx.actions
            if len(actions) > 1:
                actions.sort(key=_action_order)
            if len(ctx.skipped) > 1:
                ctx.skipped.sort(key=lambda s: (s.invoice_id, s.due_on, s.key, s.cause))
            touched = {i for a in actions for i in a.invoice_ids}
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
            if actions:
                start = len(self.actions)
                self.actions.extend(actions)
                self.compact.spans[slot.customer.id] = (start, len(self.actions))
            self.skipped.extend(ctx.skipped)
            self.paused.extend(ctx.paused)
        if len(still) > 1:
            still.sort()
        self.quiet.extend(still)
        if slot.levels:
            cp = slot.compiled
            self.compact.stages.append((slot.customer.id, cp.id, self._stages_of(cp), slot.levels))

    def _stages_of(self, cp: CompiledPolicy) -> tuple[str, ...]:
        """The stage ids of `cp`, by level (level 1 first)."""
        ids = self._stage_ids.get(cp.id)
        if ids is None:
            ids = self._stage_ids[cp.id] = tuple(stage.stage.id for stage in cp.stages)
        return ids


def _action_order(action: Entry) -> tuple[date, int, str]:
    return (action.due_on, _KIND_ORDER[action.kind], action.key)
