"""`evaluate(invoices, policy, as_of, ...)`: what is due, as a pure function.

The engine reads its inputs and returns an `Evaluation`; it never reads the clock, the
environment, random state or the network, and the output does not depend on the order of the
inputs (customers, invoices and actions are processed and listed in sorted order).

This module is the pipeline; the rules live in `dunning.engine.rules`, one module per rule
family, and the fast paths in `dunning.engine.fast`:

1. screen: the first pass files each invoice under its customer, quiet or to evaluate;
2. per customer, in id order: pauses, then per invoice stages (with their fees), the
   reminder due, interest and retries; then the customer-level rules: offers, tasks,
   messages (quiet days, caps, consolidation, channels, send windows), and last what a
   notice announces (suspension, hand-offs, write-offs: `rules.notices`);
3. the evaluation: every invoice in exactly one outcome (DESIGN.md rule 7).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal, localcontext
from operator import attrgetter
from typing import Any

from dunning.engine.actions import (
    HistoryRecord,
    Rejection,
)
from dunning.engine.compact import Deferred
from dunning.engine.compiled import CompiledPolicy
from dunning.engine.evaluation import Evaluation
from dunning.engine.fast import Screened, first_pass, index_customers, reject_unfiled
from dunning.engine.history import HistoryIndex
from dunning.engine.outcomes import Outcomes
from dunning.engine.rules.contact import contact_law
from dunning.engine.rules.context import (
    CustomerContext,
    Run,
    balance_on,
    money,
    principal_on,
)
from dunning.engine.rules.interest import interest
from dunning.engine.rules.messages import messages
from dunning.engine.rules.notices import release
from dunning.engine.rules.offers import offers, tasks
from dunning.engine.rules.pauses import pause
from dunning.engine.rules.reminders import reminder
from dunning.engine.rules.retries import retries
from dunning.engine.rules.service import service, service_change
from dunning.engine.rules.stages import stages
from dunning.errors import ArgumentTypeError, RateNotFoundError
from dunning.invoices import Customer, Invoice, InvoiceStatus
from dunning.money import money_context
from dunning.plans import InstallmentPlan
from dunning.policy.model import Policy, PolicySet

__all__ = ["evaluate"]


def evaluate(
    invoices: Iterable[Invoice | Mapping[str, Any]],
    policy: Policy | PolicySet,
    as_of: date,
    *,
    customers: Iterable[Customer | Mapping[str, Any]] | Mapping[str, Customer],
    history: Iterable[HistoryRecord] | HistoryIndex = (),
    plans: Iterable[InstallmentPlan] = (),
) -> Evaluation:
    """Decide what is due on `as_of` for `invoices` under `policy`.

    Args:
        invoices: `Invoice` models (trusted as validated) or mappings (validated here; an
            invalid one is rejected with its error, never aborting the batch).
        policy: a `Policy`, or a `PolicySet` that picks one per customer.
        as_of: the evaluation date.
        customers: every customer the invoices refer to (models or mappings).
        history: what was done already, by idempotency key (see `HistoryRecord`), or a
            `HistoryIndex` of it kept between runs (indexing is then not repeated).
        plans: installment plans; a plan in good standing pauses dunning of its invoices.

    Raises:
        ArgumentTypeError: when `as_of` is not a `datetime.date` (a datetime, a text).

    Returns:
        The `Evaluation`: actions, skipped occurrences, paused and rejected invoices, and the
        quiet ones; every input invoice appears in exactly one outcome.

    >>> from datetime import date
    >>> from dunning import Customer, Invoice, Policy, ReminderStep
    >>> policy = Policy(id="p", steps=[ReminderStep(
    ...     id="due", offset_days=0, channels=["email"], template="due")])
    >>> customer = Customer(id="C", name="Ana", contacts=[{"channel": "email", "address": "a@x"}])
    >>> invoice = Invoice(id="I", customer_id="C", currency="USD", total="10.00",
    ...                   issue_date=date(2026, 1, 1), due_date=date(2026, 1, 31))
    >>> result = evaluate([invoice], policy, date(2026, 1, 31), customers=[customer])
    >>> [(a.kind.value, a.key) for a in result.actions]
    [('send_message', 'p:C:I:step:due:0@email')]
    """
    if as_of.__class__ is not date:
        # A datetime is a date to Python but compares with none: refused here, not deep
        # inside a rule (and a text or None likewise).
        raise ArgumentTypeError(
            f"as_of must be a datetime.date, not {type(as_of).__name__} ({as_of!r})"
            + ("; take its .date() in the business's time zone" if isinstance(as_of, date) else "")
        )
    # No process-wide state is touched (the garbage collector included): other threads of
    # the host run on while an evaluation does. Decimal arithmetic runs in the library's own
    # context, whatever precision or traps the caller's thread has set.
    with localcontext(money_context()):
        return _evaluate(invoices, policy, as_of, customers, history, plans)


def _evaluate_compiled(
    compiled: dict[str, CompiledPolicy],
    invoices: Iterable[Invoice | Mapping[str, Any]],
    policy: Policy | PolicySet,
    as_of: date,
    *,
    customers: Iterable[Customer | Mapping[str, Any]] | Mapping[str, Customer],
    history: Iterable[HistoryRecord] | HistoryIndex = (),
    plans: Iterable[InstallmentPlan] = (),
) -> Evaluation:
    """`evaluate`, with the policies compiled once for a series of evaluations.

    `compiled` holds the compiled policies by policy id; the policies missing from it are
    compiled and added. It must only ever hold the policies of `policy`, and be used by one
    thread at a time (compiled steps memoise their key tails). `dunning.testing` evaluates
    the same policy thousands of times a check and compiles it once this way.
    """
    with localcontext(money_context()):
        return _evaluate(invoices, policy, as_of, customers, history, plans, compiled)


def _evaluate(
    invoices: Iterable[Invoice | Mapping[str, Any]],
    policy: Policy | PolicySet,
    as_of: date,
    customers: Iterable[Customer | Mapping[str, Any]] | Mapping[str, Customer],
    history: Iterable[HistoryRecord] | HistoryIndex,
    plans: Iterable[InstallmentPlan],
    compiled: dict[str, CompiledPolicy] | None = None,
) -> Evaluation:
    rejected: list[Rejection] = []
    customer_index, customer_problems = index_customers(customers, rejected)
    plan_index: dict[str, list[InstallmentPlan]] = defaultdict(list)
    for plan in plans:
        for invoice_id in plan.invoice_ids:
            plan_index[invoice_id].append(plan)
    index = history if isinstance(history, HistoryIndex) else HistoryIndex(history)
    run = Run(policy, as_of, index, plan_index, compiled)
    # 1. Screen: file every invoice under its customer, quiet or to evaluate in full.
    slots, unknown, copies = first_pass(run, invoices, customer_index, customer_problems, rejected)
    reject_unfiled(slots, unknown, copies, customer_index, customer_problems, rejected)
    # 2. Per customer in id order: the invoices left and the customer-level rules.
    out = Outcomes(as_of)
    suspended = index.suspends
    resumed = index.resumes
    for customer_id in sorted(slots):
        slot = slots[customer_id]
        rest = slot.rest
        if not rest and not slot.quiet:
            continue  # every invoice of the customer was rejected
        ctx: CustomerContext | None = None
        # With every invoice quiet, only a change of service can be due.
        if rest or service_change(
            bool(slot.suspending), suspended.get(customer_id, 0), resumed.get(customer_id, 0)
        ):
            if len(rest) > 1:
                rest.sort(key=_ID)
            ctx = _customer(run, slot)
        out.file(slot, ctx)
    rejected.extend(out.rejected)
    # 3. The evaluation, in its compact form: models are built when they are read.
    rejected.sort(key=lambda r: (r.customer_id or "", r.invoice_id or "", r.error))
    compact = out.compact
    compact.rejected = rejected
    return Evaluation._of(compact)


def _customer(run: Run, screened: Screened) -> CustomerContext:
    """Evaluate the invoices the first pass left, then the customer-level rules."""
    customer = screened.customer
    cp = screened.compiled
    ctx = CustomerContext(run, cp, customer, screened.levels, screened.suspending)
    as_of = run.as_of
    active: list[tuple[Invoice, Decimal, Decimal]] = []
    overdue_total: dict[str, Decimal] = defaultdict(Decimal)
    overdue_count = 0
    outlive = cp.policy.charges_outlive_principal
    pauses = cp.policy.pauses
    settled: list[Invoice] = []
    customer_prefix = ctx.customer_prefix
    open_status = InvoiceStatus.OPEN
    check_disputed = pauses.disputed
    plans = run.plans if pauses.installment_plan else None
    check_promise = pauses.promise_to_pay
    do_not_contact = pauses.do_not_contact and customer.do_not_contact
    pause_min = cp.pause_min
    done_of = screened.done_of
    for invoice in screened.rest:
        if invoice.status is not open_status or invoice.issue_date > as_of:
            continue  # nothing is due before the invoice is issued
        if invoice.payments or invoice.credit_notes:
            principal = principal_on(invoice, as_of)
        else:
            principal = invoice.total.amount
        charges = invoice.charges
        owed = balance_on(invoice, as_of) if outlive or charges else principal
        if (owed if outlive else principal) <= 0:
            if outlive and cp.interest is not None and as_of > invoice.due_date:
                settled.append(invoice)  # interest up to the final payment still posts
            continue
        if principal > 0 and as_of > invoice.due_date:
            overdue_total[invoice.currency] += principal
            overdue_count += 1
        promise = invoice.promise_to_pay
        if (
            (check_disputed and invoice.disputed)
            or (plans and invoice.id in plans)
            or (check_promise and promise is not None and as_of <= promise)
            or do_not_contact
            or pause_min
        ) and pause(ctx, customer_prefix, done_of, invoice, owed, plans):
            continue
        active.append((invoice, principal, owed))
    actions, skipped, messages_due, tasks_due, held = (
        ctx.actions,
        ctx.skipped,
        ctx.messages,
        ctx.tasks,
        ctx.held,
    )
    for invoice, _, owed in active:
        ctx.focus(customer_prefix, done_of, invoice)
        # What the rules produced so far (`CustomerContext.marks`), to undo on a rejection.
        marks = (len(actions), len(skipped), len(messages_due), len(tasks_due), len(held))
        try:
            _invoice(ctx, cp, invoice, owed, overdue_total, overdue_count)
        except (OverflowError, ValueError, RateNotFoundError) as error:
            ctx.reject(invoice, marks, error)  # one hostile invoice never aborts the batch
    for invoice in settled:
        ctx.focus(customer_prefix, done_of, invoice)
        marks = ctx.marks()
        try:
            interest(ctx, invoice)
        except (OverflowError, ValueError, RateNotFoundError) as error:
            ctx.reject(invoice, marks, error)
    try:
        if ctx.offers:
            offers(ctx, active)
        if ctx.tasks:
            tasks(ctx)
        if ctx.messages:
            messages(ctx)
            if customer.jurisdiction or cp.policy.jurisdiction:
                # The contact law moves or refuses messages: it reads them built.
                ctx.actions[:] = [a.build() if isinstance(a, Deferred) else a for a in ctx.actions]
                contact_law(ctx)  # after the messages are decided, before what a notice announces
        # After the messages: what a notice announces waits until the notice goes out.
        if ctx.suspend_stage is not None or customer.id in run.history.suspends:
            service(ctx)
        if ctx.held:
            release(ctx)
    except (OverflowError, ValueError) as error:
        # A day the customer-level rules reach is past the calendar (a deferral from
        # 9999-12-31): the customer's invoices are rejected, never the batch.
        ctx.reject_all([item[0] for item in active] + settled, error)
    return ctx


def _invoice(
    ctx: CustomerContext,
    cp: CompiledPolicy,
    invoice: Invoice,
    owed: Decimal,
    overdue_total: Mapping[str, Decimal],
    overdue_count: int,
) -> None:
    """The invoice-level rules, in order: stages (and fees), reminder, interest, retries."""
    as_of = ctx.as_of
    due = invoice.due_date
    history = ctx.history
    stage_message = None
    failed_on = history.failed_charges.get(invoice.id) if history.failed_charges else None
    gate = cp.stage_gate
    if cp.stages and (
        failed_on is not None or ((as_of - due).days >= gate if gate is not None else as_of >= due)
    ):
        stage_message = stages(ctx, invoice, owed, overdue_total, overdue_count, failed_on)
    due_reminder = (
        reminder(ctx, invoice, owed)
        if cp.steps and invoice.id not in ctx.reminders_stopped
        else None
    )
    if cp.interest is not None and as_of > due:
        interest(ctx, invoice)
    if failed_on is not None and cp.policy.retries is not None:
        retries(ctx, invoice, money(owed, invoice.currency), failed_on)
    if stage_message is not None:
        # The stage message carries the reminder out (one message, not two) if it can be
        # delivered: `messages` decides, once the channels are known.
        stage_message.fallback = due_reminder
        ctx.messages.append(stage_message)
    elif due_reminder is not None:
        ctx.messages.append(due_reminder)


_ID = attrgetter("id")
