"""The installment-plan offer and task rules.

A stage that offers an installment plan makes one offer per customer,
currency and stage, covering the customer's active invoices in that currency; tasks for a
person (a call) are grouped per stage into one task listing the invoices it covers.

Both are customer-level actions keyed by what they cover (DESIGN.md "Stages": task for a
person, and "Early-payment discounts ... installment plans").
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal

from dunning.engine.actions import CreateTask, OfferPlan
from dunning.engine.keys import consolidated_key, customer_key
from dunning.engine.rules.context import ZERO, CustomerContext, Task, money, reason
from dunning.invoices import Invoice

__all__ = ["offers", "tasks"]


def offers(ctx: CustomerContext, active: Sequence[tuple[Invoice, Decimal, Decimal]]) -> None:
    """Offer the installment plans of the stages entered, once per currency and stage."""
    cp = ctx.compiled
    customer = ctx.customer
    for (currency, stage_id), (stage, entry) in sorted(ctx.offers.items()):
        key = customer_key(cp.id, customer.id, "offer", currency, stage_id)
        if key in ctx.history.done:
            continue
        invoices = [(i, owed) for i, _, owed in active if i.currency == currency]
        terms = stage.stage.offer_plan
        assert terms is not None
        amount = money(sum((owed for _, owed in invoices), ZERO), currency)
        ctx.actions.append(
            OfferPlan._construct(
                key=key,
                customer_id=customer.id,
                invoice_ids=tuple(i.id for i, _ in invoices),
                due_on=entry,
                covers=(),
                reason=reason(
                    f"stage:{stage_id}",
                    f"offer an installment plan of {terms.installments} installments for {amount}",
                ),
                rule_id=f"stage:{stage_id}",
                stage_id=stage_id,
                amount=amount,
                terms=terms,
            )
        )


def tasks(ctx: CustomerContext) -> None:
    """One task per stage for the invoices whose stage task is due."""
    cp = ctx.compiled
    customer = ctx.customer
    groups: dict[str, list[Task]] = defaultdict(list)
    for task in ctx.tasks:
        groups[task.stage.stage.id].append(task)
    for stage_id in sorted(groups):
        members = sorted(groups[stage_id], key=lambda t: t.key)
        stage = members[0].stage
        spec = stage.stage.task
        assert spec is not None
        covers = tuple(t.key for t in members)
        key = (
            covers[0]
            if len(covers) == 1
            else consolidated_key(cp.id, customer.id, "task", stage_id, covers)
        )
        ids = tuple(t.invoice.id for t in members)
        ctx.actions.append(
            CreateTask._construct(
                key=key,
                customer_id=customer.id,
                invoice_ids=ids,
                due_on=min(t.due_on for t in members),
                covers=covers if len(covers) > 1 else (),
                reason=reason(
                    f"stage:{stage_id}",
                    f"{spec.kind.value} {customer.name} about {len(ids)} invoice(s) at "
                    f"stage {stage_id}",
                ),
                rule_id=f"stage:{stage_id}",
                stage_id=stage_id,
                task=spec,
            )
        )
