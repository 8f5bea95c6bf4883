"""The late-fee rule.

A stage with a fee charges it on entry, once or every N days up to a maximum,
on the principal overdue on the day of each occurrence.

The policy's total cap (an amount per currency and/or a percentage of the invoice) reduces
or skips the occurrences that would exceed it, in date order (DESIGN.md "Late fees" and the
invariant "fees and interest never exceed their caps").
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from decimal import ROUND_DOWN, Decimal

from dunning.engine.actions import ChargeFee, SkipReason
from dunning.engine.compiled import CompiledStage
from dunning.engine.rules.context import (
    MAX_OCCURRENCES,
    ZERO,
    CustomerContext,
    TooManyOccurrencesError,
    money,
    principal_on,
    reason,
    skip,
)
from dunning.invoices import Invoice
from dunning.money import minor_unit, money_context
from dunning.policy.model import StatutoryCompensation

__all__ = ["fees"]


def fees(
    ctx: CustomerContext,
    invoice: Invoice,
    entered: Sequence[tuple[CompiledStage, date, bool]],
) -> None:
    """Charge the fees of the stages `invoice` entered that are due and not yet done."""
    cp = ctx.compiled
    occurrences: list[tuple[date, int, int, CompiledStage]] = []
    as_of = ctx.as_of
    for stage, entry, _ in entered:
        if stage.fee is None:
            continue
        count = stage.fee_count(entry, as_of)
        if count > MAX_OCCURRENCES:
            raise TooManyOccurrencesError(
                f"the recurring fee of stage {stage.stage.id}", count, as_of
            )
        for number in range(count):
            on = entry + timedelta(days=number * (stage.fee_every or 0))
            occurrences.append((on, stage.level, number, stage))
    if not occurrences:
        return
    occurrences.sort(key=lambda item: item[:3])
    currency = invoice.currency
    cap = cp.fee_cap.get(currency)
    if cp.fee_cap_percent is not None:
        # A cap rounds down: 10 % of 105 CLP allows 10 CLP, never 11.
        exact = invoice.total.percent(cp.fee_cap_percent).amount
        unit = Decimal(1).scaleb(-minor_unit(currency))
        by_percent = exact.quantize(unit, rounding=ROUND_DOWN, context=money_context())
        cap = by_percent if cap is None else min(cap, by_percent)
    charged = ZERO
    done = ctx.done
    for on, _, number, stage in occurrences:
        spec = stage.stage
        key = f"{ctx.prefix}fee:{stage.sid}:{number}"
        principal = money(max(principal_on(invoice, on), ZERO), currency)
        rule = stage.fee
        fee = (
            rule.compute(principal, (on - invoice.due_date).days)
            if isinstance(rule, StatutoryCompensation)
            else rule.compute(principal)
            if rule is not None
            else None
        )
        amount = fee.amount if fee is not None else ZERO
        capped = False
        if cap is not None and charged + amount > cap:
            amount = max(cap - charged, ZERO)
            capped = True
        charged += amount
        if key in done:
            continue
        if amount <= 0:
            cause = SkipReason.CAPPED if capped else SkipReason.NO_AMOUNT
            text = (
                f"the fee cap of {cap} {currency} is reached"
                if capped
                else f"the fee rule gives no amount in {currency}"
            )
            ctx.skipped.append(
                skip(key, invoice, on, cause, f"stage:{spec.id}", text, occurrence=number)
            )
            continue
        note = f" (reduced to the fee cap of {cap} {currency})" if capped else ""
        ctx.actions.append(
            ChargeFee._construct(
                key=key,
                customer_id=invoice.customer_id,
                invoice_ids=(invoice.id,),
                due_on=on,
                covers=(),
                reason=reason(
                    f"stage:{spec.id}",
                    f"late fee {number + 1} of stage {spec.id} on {principal} overdue{note}",
                    principal=principal.amount,
                    occurrence=number,
                ),
                rule_id=f"stage:{spec.id}",
                stage_id=spec.id,
                occurrence=number,
                amount=money(amount, currency),
            )
        )
