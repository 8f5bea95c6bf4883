"""`next_review`: the first day on which evaluating a customer again can change anything.

A host (or the simulator) that evaluates a portfolio day after day spends most of its time on
customers for whom nothing can fall due: a reminder schedule of a few dates, stages weeks
apart. `next_review` tells, per customer, the earliest day after an evaluation on which the
engine may act for it again, *as long as its inputs stay as they are*: the same invoices
(no payment, credit note, dispute, promise or new invoice), the same customer record, the
same installment plans and no history other than what the engine itself decided. A host
that re-evaluates a customer on that day, and on the day after any change to its inputs,
gets exactly the actions and history of an evaluation every day (the simulator's property
tests prove it on random portfolios and policies).

The day is the earliest of, over ALL the customer's invoices (a customer's stage,
suspension, caps and consolidated messages depend on every one of them):

- for an invoice not yet issued, the first of these days on or after its issue date (no
  reminder falls due before an invoice is issued, and an invoice not yet overdue moves no
  customer total: being issued alone makes nothing due);
- its due date when stages are judged from it, and the day after when a stage is entered on
  the customer's overdue balance or unpaid invoices (the invoice becomes overdue and the
  customer's totals move);
- the next occurrence of every reminder step (its repetitions included), or, when it falls
  on one of the policy's quiet days, the next day that is not quiet: on a quiet day every
  message waits and nothing about it is recorded, so the evaluation that matters is the
  first one after;
- the entry day of every stage by days overdue, and the next occurrence of each recurring
  fee from any day its stage can have been entered;
- the next monthly interest posting, and any payment or credit note dated in the future;
- the next retry of a failed automatic charge;
- the day after a promise to pay ends;
- the next day, while an installment plan covers an invoice (its standing moves by date);
- the day a deferred occurrence may go (a quiet day, the frequency cap, a notice awaited:
  what an action starts, such as the clear days after a notice, is reported so).

What the engine decided is in the history the function reads (a stage entered on a day
dates its recurring fees); what the host did with it is an input: a failed delivery or
charge, a plan accepted, a fee posted to the invoice are changes after which the customer
is evaluated the next day.

The result errs on the early side: on some of these days nothing may be due (a stale
reminder, a fee cap reached), never the other way round.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta

from dunning.calendars import next_business_day
from dunning.engine.actions import HistoryRecord
from dunning.engine.compiled import CompiledPolicy, CompiledStage
from dunning.engine.evaluation import Evaluation
from dunning.engine.history import HistoryIndex
from dunning.engine.keys import escape
from dunning.engine.rules.context import Run
from dunning.engine.rules.retries import _snap
from dunning.invoices import Customer, Invoice, InvoiceStatus
from dunning.plans import InstallmentPlan
from dunning.policy.model import InterestPosting, Policy, PolicySet

__all__ = ["next_review"]

_DAY = timedelta(days=1)


def next_review(
    invoices: Iterable[Invoice],
    policy: Policy | PolicySet,
    as_of: date,
    *,
    customers: Iterable[Customer] | Mapping[str, Customer],
    history: Iterable[HistoryRecord] | HistoryIndex = (),
    plans: Iterable[InstallmentPlan] = (),
    evaluation: Evaluation | None = None,
) -> dict[str, date]:
    """Per customer, the first day after `as_of` on which evaluating it again may act.

    Args:
        invoices: every invoice of the customers to review, issued or not yet (an invoice
            issued later makes its issue date a review day); validated models.
        policy: the policy (or policy set) the evaluations use.
        as_of: the day of the last evaluation.
        customers: the customers of `invoices`.
        history: the history after the evaluation's actions were carried out (a kept
            `HistoryIndex` is read, never changed).
        plans: the installment plans, as given to `evaluate`.
        evaluation: the evaluation of `as_of`, if one was made: an occurrence it deferred
            is reviewed on the day it may go.

    Returns:
        Customer id -> review day (always after `as_of`); a customer missing from it has
        nothing that can fall due until one of its inputs changes. The inputs (invoices,
        customer record, plans) changing is the caller's to watch: re-evaluate the customer
        the day after any change.

    >>> from dunning import Customer, Invoice, Policy, ReminderStep
    >>> policy = Policy(id="p", steps=[
    ...     ReminderStep(id="before", offset_days=-3, channels=["email"], template="t"),
    ...     ReminderStep(id="after", offset_days=7, channels=["email"], template="t",
    ...                  repeat={"every_days": 14, "max_times": 2})])
    >>> customer = Customer(id="C", name="Ana", contacts=[{"channel": "email", "address": "a@x"}])
    >>> invoice = Invoice(id="I", customer_id="C", currency="USD", total="10.00",
    ...                   issue_date=date(2026, 1, 1), due_date=date(2026, 1, 31))
    >>> review = lambda day: next_review([invoice], policy, day, customers=[customer])["C"]
    >>> review(date(2026, 1, 2)), review(date(2026, 1, 28)), review(date(2026, 2, 1))
    (datetime.date(2026, 1, 28), datetime.date(2026, 2, 7), datetime.date(2026, 2, 7))
    >>> review(date(2026, 2, 7)), next_review([invoice], policy, date(2026, 2, 21),
    ...                                       customers=[customer])
    (datetime.date(2026, 2, 21), {})
    """
    return _next_review(invoices, policy, as_of, customers, history, plans, evaluation, {})


def _next_review(
    invoices: Iterable[Invoice],
    policy: Policy | PolicySet,
    as_of: date,
    customers: Iterable[Customer] | Mapping[str, Customer],
    history: Iterable[HistoryRecord] | HistoryIndex,
    plans: Iterable[InstallmentPlan],
    evaluation: Evaluation | None,
    compiled: dict[str, CompiledPolicy],
    memo: dict[str, _Memo] | None = None,
) -> dict[str, date]:
    """`next_review`, with the policies compiled once for a series of reviews.

    `compiled` holds the compiled policies by policy id (filled on demand), as for
    `dunning.engine.core._evaluate_compiled`: only ever the policies of `policy`.

    `memo`, kept by the caller between reviews of the same run (empty at first), holds
    each invoice's last review day with what it was worked out from: it is reused while
    the invoice object, its policy, its plan and what the history says of it are the same
    and the new `as_of` has not reached it.
    """
    index = history if isinstance(history, HistoryIndex) else HistoryIndex(history)
    by_id = (
        customers
        if isinstance(customers, Mapping)
        else {customer.id: customer for customer in customers}
    )
    planned: dict[str, list[InstallmentPlan]] = defaultdict(list)
    for plan in plans:
        for invoice_id in plan.invoice_ids:
            planned[invoice_id].append(plan)
    run = Run(policy, as_of, index, planned, compiled)
    tomorrow = as_of + _DAY
    review: dict[str, date] = {}

    def note(customer_id: str, day: date | None) -> None:
        if day is None:
            return
        day = max(day, tomorrow)
        known = review.get(customer_id)
        if known is None or day < known:
            review[customer_id] = day

    if evaluation is not None:
        for skipped in evaluation.skipped:
            note(skipped.customer_id, skipped.retry_on)
    policies: dict[str, CompiledPolicy] = {}
    # What depends on the policy, due date and day alone, shared by the invoices due alike.
    on_due: dict[tuple[int, date, date], tuple[date | None, date | None]] = {}
    recurring: dict[int, tuple[CompiledStage, ...]] = {}  # by policy: stages with such fees
    for invoice in invoices:
        customer_id = invoice.customer_id
        if review.get(customer_id) == tomorrow:
            continue  # nothing can be earlier
        cp = policies.get(customer_id)
        if cp is None:
            customer = by_id.get(customer_id)
            if customer is None:
                continue  # the evaluation rejects it; nothing to review
            cp = policies[customer_id] = run.compiled_for(customer)
        is_planned = invoice.id in planned
        if memo is None:
            day = _reviewed(cp, invoice, as_of, index, is_planned, tomorrow, on_due)[0]
        else:
            fees = recurring.get(id(cp))
            if fees is None:
                fees = recurring[id(cp)] = tuple(
                    s for s in cp.stages if s.fee is not None and s.fee_every
                )
            day = _remembered(memo, cp, invoice, as_of, index, is_planned, tomorrow, on_due, fees)
        note(customer_id, day)
    return review


#: What `_next_review` remembers of an invoice: the invoice object, its compiled policy,
#: whether a plan covered it, what the history said of it (`_marks`), the day of the review
#: the day was worked out on, the day itself and the first day on which the memo no longer
#: holds (see `_reviewed`).
_Memo = tuple[Invoice, CompiledPolicy, bool, object, date, date | None, date | None]


def _remembered(
    memo: dict[str, _Memo],
    cp: CompiledPolicy,
    invoice: Invoice,
    as_of: date,
    history: HistoryIndex,
    planned: bool,
    tomorrow: date,
    on_due: dict[tuple[int, date, date], tuple[date | None, date | None]],
    recurring: tuple[CompiledStage, ...],
) -> date | None:
    """`_invoice_review` through `memo` (see `_next_review`).

    `recurring`: the stages of `cp` with recurring fees.
    """
    marks = _marks(cp, invoice, history, recurring)
    known = memo.get(invoice.id)
    if (
        known is not None
        and known[0] is invoice
        and known[1] is cp
        and known[2] is planned
        and known[3] == marks
        and known[4] <= as_of
        and (known[6] is None or as_of < known[6])
    ):
        return known[5]
    day, until = _reviewed(cp, invoice, as_of, history, planned, tomorrow, on_due)
    memo[invoice.id] = (invoice, cp, planned, marks, as_of, day, until)
    return day


def _marks(
    cp: CompiledPolicy,
    invoice: Invoice,
    history: HistoryIndex,
    recurring: tuple[CompiledStage, ...],
) -> object:
    """What `_invoice_review` reads of the history for `invoice`.

    Its failed automatic charge, and the days its stages with recurring fees (`recurring`,
    those of `cp`) were entered.
    """
    failed_on = history.failed_charges.get(invoice.id) if history.failed_charges else None
    if not recurring:
        return failed_on
    prefix = f"{cp.prefix}{escape(invoice.customer_id)}:{escape(invoice.id)}:"
    return (failed_on, *[history.done_on(prefix + stage.key) for stage in recurring])


def _reviewed(
    cp: CompiledPolicy,
    invoice: Invoice,
    as_of: date,
    history: HistoryIndex,
    planned: bool,
    tomorrow: date,
    on_due: dict[tuple[int, date, date], tuple[date | None, date | None]],
) -> tuple[date | None, date | None]:
    """`_invoice_review`, and the first day after `as_of` on which it may give another day.

    Every day `_invoice_review` gathers is the first of a fixed series after `as_of`, so
    its answer holds for every later `as_of` before it; but a reminder moved off a quiet
    day is looked for again once its own day is passed (the evaluation then reports the
    occurrence it deferred).
    """
    try:
        day, first_step = _invoice_review(cp, invoice, as_of, history, planned, on_due)
    except (ArithmeticError, ValueError, OverflowError):
        return tomorrow, tomorrow  # a date out of range: the evaluation reports it, every day
    if first_step is not None and (day is None or first_step < day):
        return day, first_step
    return day, day


def _invoice_review(
    cp: CompiledPolicy,
    invoice: Invoice,
    as_of: date,
    history: HistoryIndex,
    planned: bool,
    on_due: dict[tuple[int, date, date], tuple[date | None, date | None]] | None = None,
) -> tuple[date | None, date | None]:
    """The first day after `as_of` on which something about `invoice` may fall due.

    Also the first day a reminder step falls due after `as_of` when the policy has quiet
    days (the day returned is then the first day after it that is not quiet), else None.
    What depends on the due date alone (`_due_review`) is kept in `on_due` for the other
    invoices due that day, if given.
    """
    if invoice.status is not InvoiceStatus.OPEN:
        return None, None
    if invoice.issue_date > as_of:
        # Nothing about it is due before its issue date: the first day from then on.
        as_of = invoice.issue_date - _DAY
    if planned:
        return as_of + _DAY, None  # a plan's standing moves with the installments' dates
    due = invoice.due_date
    if on_due is None:
        best, first = _due_review(cp, due, as_of)
    else:
        slot = (id(cp), due, as_of)
        known = on_due.get(slot)
        if known is None:
            known = on_due[slot] = _due_review(cp, due, as_of)
        best, first = known
    days: list[date] = [] if best is None else [best]
    add = days.append
    promise = invoice.promise_to_pay
    if promise is not None and promise >= as_of:
        add(promise + _DAY)
    for items in (invoice.payments, invoice.credit_notes, invoice.charges):
        for item in items:
            if item.date >= as_of:  # a balance changes on the day, a principal on the next
                add(item.date)
                add(item.date + _DAY)
    failed_on = history.failed_charges.get(invoice.id) if history.failed_charges else None
    prefix = ""
    for stage in cp.stages:
        every = stage.fee_every if stage.fee is not None else None
        if not every and not (stage.failed_payment and failed_on is not None):
            continue
        entries: list[date] = []
        if stage.failed_payment and failed_on is not None:
            entries.append(failed_on)
            if failed_on > as_of:
                add(failed_on)
        if every:
            if not prefix:
                prefix = f"{cp.prefix}{escape(invoice.customer_id)}:{escape(invoice.id)}:"
            recorded = history.done_on(prefix + stage.key)
            if recorded is not None:
                entries.append(recorded)
            for entry in entries:
                _add_next(days, entry, every, stage.fee_max, as_of)
    schedule = cp.policy.retries
    if failed_on is not None and schedule is not None:
        for after in schedule.days_after_failure[: schedule.tries]:
            attempt = _snap(failed_on + timedelta(days=after), schedule.paydays)
            if attempt > as_of:
                add(attempt)
    later = [day for day in days if day > as_of]
    return min(later) if later else None, first


def _due_review(cp: CompiledPolicy, due: date, as_of: date) -> tuple[date | None, date | None]:
    """What `_invoice_review` finds from the due date alone, for any invoice due on `due`.

    The first day after `as_of` given by the reminder steps, the stage entries by days
    overdue (and their recurring fees), the due date and monthly interest; and the first
    day a step falls due when the policy has quiet days and it is a quiet one, else None.
    """
    days: list[date] = []
    add = days.append
    if due >= as_of and cp.stages:
        if cp.stage_gate is None:
            add(due)  # stages not entered on days overdue alone are judged from the due date
        if _customer_level(cp):
            add(due + _DAY)  # overdue from the next day: the customer's totals move
    steps: list[date] = []
    for step in cp.steps:
        _add_next(steps, step.base(due, cp.calendar), step.every, step.max_times, as_of)
    quiet = cp.quiet
    first: date | None = None
    if steps and quiet is not None:
        # A message due on a quiet day waits for the next day that is not quiet (that day
        # rises with the day the message falls due: the earliest one is the first to go).
        first = min(steps)
        if quiet.is_business_day(first):
            add(first)
            first = None
        else:
            add(next_business_day(first, quiet))
    else:
        days.extend(steps)
    for stage in cp.stages:
        entries: list[date] = []
        if stage.days_overdue is not None:
            entries.append(due + timedelta(days=stage.days_overdue))
        if stage.invoice_balance:
            entries.append(due + _DAY)
        for entry in entries:
            if entry > as_of:
                add(entry)
        if stage.fee is not None and stage.fee_every:
            for entry in entries:
                _add_next(days, entry, stage.fee_every, stage.fee_max, as_of)
    if cp.interest is not None and cp.posting is InterestPosting.MONTHLY:
        add(max(due, as_of) + _DAY + relativedelta(day=31))
    later = [day for day in days if day > as_of]
    return min(later) if later else None, first


def _customer_level(cp: CompiledPolicy) -> bool:
    """Whether a stage is entered on the customer's overdue balance or unpaid invoices."""
    return any(s.customer_balance or s.unpaid_invoices is not None for s in cp.stages)


def _add_next(days: list[date], first: date, every: int, times: int | None, as_of: date) -> None:
    """Add to `days` the first of ``first + k * every`` (k below `times`) after `as_of`."""
    if first > as_of:
        days.append(first)
        return
    if not every:
        return
    number = (as_of - first).days // every + 1
    if times is None or number < times:
        days.append(first + timedelta(days=number * every))
