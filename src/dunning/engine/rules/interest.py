"""The interest rule.

Late interest accrues day by day on the principal owed at the start of each
day, from the day after the due date (after any grace days), and is posted monthly, on
each payment or on entering a stage, rounded once per posting.

Every posting period that ended and is not in the history is posted, back to the last one
that was (DESIGN.md rule 5, and "Interest": annual rate or rate table, day count, cap).
"""

from __future__ import annotations

from calendar import monthrange
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

from dunning.engine.actions import PostInterest
from dunning.engine.keys import escape
from dunning.engine.rules.context import (
    MAX_OCCURRENCES,
    CustomerContext,
    TooManyOccurrencesError,
    money,
    principal_on,
    reason,
)
from dunning.invoices import Invoice
from dunning.money import minor_unit
from dunning.penalties import InterestRule, InterestSegment
from dunning.policy.model import InterestPosting

__all__ = ["interest"]

_DAY = timedelta(days=1)


def interest(ctx: CustomerContext, invoice: Invoice) -> None:
    """Post the interest of `invoice` for every posting period ended and not yet done."""
    cp = ctx.compiled
    rule = cp.interest
    assert rule is not None
    as_of = ctx.as_of
    due = invoice.due_date
    ends: list[tuple[date, str]] = []
    if cp.posting is InterestPosting.MONTHLY:
        months = (as_of.year - due.year) * 12 + as_of.month - due.month
        if months > MAX_OCCURRENCES:
            raise TooManyOccurrencesError("the monthly interest posting", months, as_of)
        end = _month_end(due + _DAY)
        while end <= as_of:
            ends.append((end, end.strftime("%Y-%m")))
            end = _month_end(end + _DAY)
    elif cp.posting is InterestPosting.PAYMENT:
        days = sorted({p.date for p in invoice.payments if due < p.date <= as_of})
        ends = [(day, day.isoformat()) for day in days]
    else:
        entries = ctx.entries.get(invoice.id, {})
        for stage in cp.stages:
            entry = entries.get(stage.stage.id)
            if stage.stage.post_interest and entry is not None:
                ends.append((entry, f"stage-{stage.stage.id}"))
        ends.sort()
    done = ctx.done
    if not ends or f"{ctx.prefix}interest:{escape(ends[-1][1])}" in done:
        # The latest posting is done, and the earlier ones with it (they are posted back
        # to the last one done): nothing to accrue, as the quick check judges it too.
        return
    start = due + _DAY
    pending: list[tuple[date, date, str]] = []
    for end, label in ends:
        pending.append((start, end, label))
        start = end + _DAY
    # Posted amounts are differences of the running total rounded once (and never above what
    # a ceiling permits over the whole period), so the postings of a year add up exactly to
    # the year's interest instead of gaining up to half a unit each (DESIGN.md: caps).
    places = minor_unit(invoice.currency)
    exact = Fraction(0)
    permitted: Fraction | None = None if rule.ceiling is None else Fraction(0)
    posted = Decimal(0)
    due_now: list[tuple[date, date, str, Decimal, tuple[InterestSegment, ...]]] = []
    changes = _changes(invoice)  # once per invoice, not once per period
    for first, last, label in pending:
        accrued, segments, allowed = _accrue(rule, invoice, first, last, changes)
        exact += accrued
        if permitted is not None and allowed is not None:
            permitted += allowed
        total = rule.capped_total(exact, permitted, places)
        due_now.append((first, last, label, total - posted, segments))
        posted = total
    for first, last, label, amount, segments in reversed(due_now):
        key = f"{ctx.prefix}interest:{escape(label)}"
        if key in done:
            break
        if amount <= 0:
            continue
        posting = money(amount, invoice.currency)
        ctx.actions.append(
            PostInterest._construct(
                key=key,
                customer_id=invoice.customer_id,
                invoice_ids=(invoice.id,),
                due_on=last,
                covers=(),
                reason=reason(
                    f"interest:{cp.posting}",
                    f"interest from {first.isoformat()} to {last.isoformat()}: {posting}",
                    days=(last - first).days + 1,
                ),
                rule_id=f"interest:{cp.posting}",
                amount=posting,
                first_day=first,
                last_day=last,
                segments=segments,
            )
        )


def _month_end(day: date) -> date:
    return date(day.year, day.month, monthrange(day.year, day.month)[1])


def _changes(invoice: Invoice) -> list[date]:
    """The days the principal changes: the day after each payment or credit note, sorted.

    Interest for a day accrues on what was owed at the start of that day, so a payment on day
    p still bears interest for p itself (days late run to the payment date inclusive).
    """
    return sorted(
        {p.date + _DAY for p in invoice.payments} | {c.date + _DAY for c in invoice.credit_notes}
    )


def _principal_runs(
    invoice: Invoice, first: date, last: date, changes: list[date]
) -> list[tuple[date, date, Decimal]]:
    """Runs of days in [first, last] with a constant principal (see `_changes`)."""
    runs: list[tuple[date, date, Decimal]] = []
    starts = [first, *[day for day in changes if first < day <= last]]
    for index, start in enumerate(starts):
        end = starts[index + 1] - _DAY if index + 1 < len(starts) else last
        runs.append((start, end, principal_on(invoice, start - _DAY)))
    return runs


def _accrue(
    rule: InterestRule,
    invoice: Invoice,
    first: date,
    last: date,
    changes: list[date] | None = None,
) -> tuple[Fraction, tuple[InterestSegment, ...], Fraction | None]:
    """Exact interest on the invoice's varying principal over [first, last], and its segments.

    The third figure is what a ceiling permits over those days (None without a ceiling).
    `changes` are the invoice's `_changes`, when the caller has them already.
    """
    if changes is None:
        changes = _changes(invoice)
    first = max(first, rule.first_day(invoice.due_date))
    total = Fraction(0)
    allowed: Fraction | None = None if rule.ceiling is None else Fraction(0)
    segments: list[InterestSegment] = []
    if first <= last:
        for start, end, principal in _principal_runs(invoice, first, last, changes):
            exact, pieces = rule.accrue(principal, start, end)
            total += exact
            segments.extend(pieces)
            if allowed is not None:
                allowed += rule.permitted(principal, start, end) or 0
    return total, tuple(segments), allowed
