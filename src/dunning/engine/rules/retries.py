"""The retry rule for failed automatic charges.

After an automatic charge fails, it is retried on the policy's schedule (days
after the failure, optionally moved to the next payday), up to the maximum number of tries.

Only the latest retry due is emitted; earlier ones not carried out are superseded, as for
reminders (DESIGN.md rule 5 and "Retries of failed automatic charges"). A charge declined for
good (a history record with ``decline="hard"``) is never retried: the retry due is skipped,
citing the decline.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta

from dunning.engine.actions import RetryCharge, SkipReason
from dunning.engine.rules.context import CustomerContext, reason, skip
from dunning.invoices import Invoice
from dunning.money import Money

__all__ = ["retries"]


def retries(ctx: CustomerContext, invoice: Invoice, balance: Money, failed_on: date) -> None:
    """Retry the charge of `invoice` that failed on `failed_on`, if a retry is due."""
    schedule = ctx.compiled.policy.retries
    assert schedule is not None
    done = ctx.done
    attempts = [
        _snap(failed_on + timedelta(days=days), schedule.paydays)
        for days in schedule.days_after_failure[: schedule.tries]
    ]
    latest = -1
    for number, on in enumerate(attempts):
        if on <= ctx.as_of:
            latest = number
    if latest < 0:
        return
    keys = [f"{ctx.prefix}retry:attempt:{number + 1}" for number in range(latest + 1)]
    if keys[latest] in done:
        return
    hard = ctx.history.hard_declines.get(invoice.id)
    if hard is not None:
        # Retrying a hard decline only repeats the refusal (and card networks penalise it).
        declined_on, code = hard
        ctx.skipped.append(
            skip(
                keys[latest],
                invoice,
                attempts[latest],
                SkipReason.HARD_DECLINE,
                "retry",
                f"no retry {latest + 1}: the charge was declined for good on "
                f"{declined_on.isoformat()}" + (f" ({code})" if code else ""),
                occurrence=latest + 1,
            )
        )
        return
    for number in range(latest - 1, -1, -1):
        if keys[number] in done:
            break
        ctx.skipped.append(
            skip(
                keys[number],
                invoice,
                attempts[number],
                SkipReason.SUPERSEDED,
                "retry",
                f"retry {number + 1} of {attempts[number].isoformat()} replaced by a later one",
                occurrence=number + 1,
            )
        )
    ctx.actions.append(
        RetryCharge._construct(
            key=keys[latest],
            customer_id=invoice.customer_id,
            invoice_ids=(invoice.id,),
            due_on=attempts[latest],
            covers=(),
            reason=reason(
                "retry",
                f"retry {latest + 1} of {len(attempts)} of the automatic charge that "
                f"failed on {failed_on.isoformat()}",
                failed_on=failed_on,
                attempt=latest + 1,
            ),
            rule_id="retry",
            occurrence=latest + 1,
            attempt=latest + 1,
            amount=balance,
        )
    )


def _snap(day: date, paydays: Sequence[int | str]) -> date:
    """The first payday on or after `day` (a day of the month, or 'last')."""
    if not paydays:
        return day
    best: date | None = None
    for month in (0, 1):
        anchor = day + relativedelta(months=month, day=1)
        for payday in paydays:
            candidate = anchor + relativedelta(day=31 if payday == "last" else int(payday))
            if candidate >= day and (best is None or candidate < best):
                best = candidate
    assert best is not None  # a payday exists in the month or the next one
    return best
