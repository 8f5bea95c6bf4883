"""The pause rule.

A disputed invoice, an installment plan in good standing, a promise to pay, a
do-not-contact customer or a balance below the minimum stop dunning of an invoice for now.

A paused invoice gets no action; it keeps the stage level its history shows (DESIGN.md,
"Pauses", and the invariant "stages never step down ... no plan is active").
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal

from dunning.engine.actions import PauseCause, PausedInvoice
from dunning.engine.rules.context import CustomerContext, note_suspension
from dunning.invoices import Invoice
from dunning.plans import InstallmentPlan

__all__ = ["pause"]


def pause(
    ctx: CustomerContext,
    customer_prefix: str,
    done_of: Mapping[str, Mapping[str, date]],
    invoice: Invoice,
    owed: Decimal,
    plans: Mapping[str, list[InstallmentPlan]] | None,
) -> bool:
    """Whether `invoice` is paused on the evaluation date.

    A paused invoice is listed as such and keeps the stage level its history shows (not
    under an installment plan).
    """
    cp = ctx.compiled
    causes = _causes(ctx, invoice, owed, plans)
    if not causes:
        return False
    ctx.paused.append(_paused(invoice, causes, owed))
    if PauseCause.INSTALLMENT_PLAN not in causes and cp.stages:
        ctx.focus(customer_prefix, done_of, invoice)
        for stage in reversed(cp.stages):
            on = ctx.mine.get(stage.key)
            if on is not None:
                ctx.levels[invoice.id] = stage.level
                if stage.stage.suspend_service:
                    note_suspension(ctx, stage, on, invoice.id, (stage,))
                break
    return True


def _causes(
    ctx: CustomerContext,
    invoice: Invoice,
    owed: Decimal,
    plans: Mapping[str, list[InstallmentPlan]] | None,
) -> list[PauseCause]:
    """Why dunning of `invoice` is paused on the evaluation date (empty when it is not)."""
    cp = ctx.compiled
    pauses = cp.policy.pauses
    as_of = ctx.as_of
    promise = invoice.promise_to_pay
    causes: list[PauseCause] = []
    if pauses.disputed and invoice.disputed:
        causes.append(PauseCause.DISPUTED)
    if plans and any(plan.in_good_standing(as_of) for plan in plans.get(invoice.id, ())):
        causes.append(PauseCause.INSTALLMENT_PLAN)
    if pauses.promise_to_pay and promise is not None and as_of <= promise:
        causes.append(PauseCause.PROMISE_TO_PAY)
    if pauses.do_not_contact and ctx.customer.do_not_contact:
        causes.append(PauseCause.DO_NOT_CONTACT)
    minimum = cp.pause_min.get(invoice.currency) if cp.pause_min else None
    if minimum is not None and owed < minimum:
        causes.append(PauseCause.BELOW_MINIMUM)
    return causes


def _paused(invoice: Invoice, causes: list[PauseCause], owed: Decimal) -> PausedInvoice:
    return PausedInvoice._construct(
        invoice_id=invoice.id,
        customer_id=invoice.customer_id,
        causes=tuple(causes),
        until=invoice.promise_to_pay if PauseCause.PROMISE_TO_PAY in causes else None,
        text="paused: " + "; ".join([_pause_text(cause, invoice, owed) for cause in causes]),
    )


def _pause_text(cause: PauseCause, invoice: Invoice, owed: Decimal) -> str:
    """Why `invoice` is paused, for one cause."""
    if cause is PauseCause.PROMISE_TO_PAY:
        return f"the customer promised to pay by {invoice.promise_to_pay}"
    if cause is PauseCause.BELOW_MINIMUM:
        return f"the balance {owed} {invoice.currency} is below the minimum"
    return _PAUSE_TEXTS[cause]


_PAUSE_TEXTS: Mapping[PauseCause, str] = {
    PauseCause.DISPUTED: "the invoice is disputed",
    PauseCause.INSTALLMENT_PLAN: "an installment plan in good standing covers it",
    PauseCause.DO_NOT_CONTACT: "the customer must not be contacted",
}
