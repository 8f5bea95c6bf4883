"""The engine's fast paths: the first pass and the quick check.

The first pass files each invoice under its customer; the quick check calls an invoice
quiet on its done keys alone.

A quiet invoice must cost close to the floor (DESIGN.md "Performance shape"): for policies
whose shape allows it, what must be done for an invoice to be quiet is worked out once per
due date (`quick_plan`) and checked with one subset test. Fees and interest are planned the
same way: the fee occurrences and the latest interest posting that fell due depend on the
due date alone, so a quiet invoice costs about the same with or without them. Failing the
check means "evaluate in full", never "something is due": both paths give the same
evaluation.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from pydantic import ValidationError

from dunning.engine.actions import Rejection
from dunning.engine.compiled import CompiledPolicy, Suspensions
from dunning.engine.keys import escape
from dunning.engine.rules.context import NO_TAILS, Run, principal_on
from dunning.invoices import Customer, Invoice, InvoiceStatus
from dunning.policy.model import InterestPosting

__all__ = [
    "QuickPlan",
    "Screened",
    "first_pass",
    "index_customers",
    "quick_plan",
    "reject_unfiled",
    "screen",
]


class Screened:
    """One customer's invoices after the first pass: the quiet ones, and the rest."""

    __slots__ = (
        "compiled",
        "customer",
        "done_of",
        "levels",
        "quick",
        "quiet",
        "rest",
        "suspending",
    )

    def __init__(
        self,
        customer: Customer,
        compiled: CompiledPolicy,
        done_of: Mapping[str, Mapping[str, date]],
        quick: bool,
    ) -> None:
        self.customer = customer
        self.compiled = compiled
        self.done_of = done_of
        self.quick = quick
        self.quiet: list[str] = []
        self.rest: list[Invoice] = []
        self.levels: dict[str, int] = {}
        self.suspending: dict[str, Suspensions] = {}
        """Quiet invoices at a suspending stage, with what the stage rule notes of them."""

    def drop(self, invoice_ids: set[str]) -> None:
        """Forget the invoices `invoice_ids` (copies of a repeated id, all rejected)."""
        self.quiet = [i for i in self.quiet if i not in invoice_ids]
        self.rest = [i for i in self.rest if i.id not in invoice_ids]
        for invoice_id in invoice_ids:
            self.levels.pop(invoice_id, None)
            self.suspending.pop(invoice_id, None)


def screen(run: Run, customer: Customer) -> Screened:
    """A new `Screened` for `customer`, with what the first pass needs to know of it."""
    cp = run.compiled_for(customer)
    pauses = cp.policy.pauses
    quick = cp.fast and not (pauses.do_not_contact and customer.do_not_contact)
    done_of = run.history._occurrences(cp.prefix + escape(customer.id))
    return Screened(customer, cp, done_of, quick)


#: For the quick check, by due date: the key tails that must be done for the invoice to be
#: quiet; the stage level it has reached; the suspensions that level brings (empty if none);
#: the key tails that must not be done (stages above the level, which stick once entered);
#: and the key tails whose recorded date must be no earlier than the day given (the stage
#: entries whose day fees, interest and suspensions count from). See `StagePlan`.
QuickPlan = tuple[frozenset[str], int, Suspensions, frozenset[str], tuple[tuple[str, date], ...]]


def quick_plan(cp: CompiledPolicy, due: date, as_of: date) -> QuickPlan:
    """What the quick check needs of an invoice due on `due` (see `first_pass`).

    For stages entered on days overdue alone, what daily runs did is known from the due date
    (`CompiledPolicy.stage_plan`): the stages reached and the fee occurrences of each; so is
    the latest interest posting (the last month end, the last stage entry that posts
    interest) and the latest reminder occurrence.
    """
    days = (as_of - due).days
    needs: set[str] = set()
    level = 0
    suspensions: Suspensions = ()
    absent: frozenset[str] = frozenset()
    dated: tuple[tuple[str, date], ...] = ()
    if cp.stage_days:
        plan = cp.stage_plan(due, as_of)
        level, suspensions, dated = plan.level, plan.suspensions, plan.dated
        needs.update(plan.needs)
        # Below the first stage the full evaluation does not look at stages at all.
        absent = plan.absent if level else frozenset()
    if not cp.stage_stops[level]:
        offsets = cp.step_offsets or ()
        position = bisect_right(offsets, days) - 1
        if position >= 0:
            step = cp.steps[position]
            needs.add(step.tail(step.occurrence(days - step.offset)))
    if cp.interest is not None and days > 0:
        posted = _last_posting(cp, due, as_of, level)
        if posted is not None:
            needs.add(posted)
    return frozenset(needs), level, suspensions, absent, dated


def _last_posting(cp: CompiledPolicy, due: date, as_of: date, level: int) -> str | None:
    """The key tail of the latest interest posting due by `as_of` (None if none is).

    As `rules.interest` labels them: ``interest:<YYYY-MM>`` for the last month end after the
    due date, ``interest:stage-<id>`` for the last stage entered that posts interest. Postings
    on payments are not planned: the first pass leaves invoices with payments to the full
    evaluation.
    """
    if cp.posting is InterestPosting.MONTHLY:
        following = as_of + timedelta(days=1)
        month_end = as_of if following.day == 1 else as_of - timedelta(days=as_of.day)
        return f"interest:{month_end.year:04d}-{month_end.month:02d}" if month_end > due else None
    if cp.posting is InterestPosting.STAGE_ENTRY:
        posting = [
            (stage.days_overdue or 0, f"stage-{stage.stage.id}")
            for stage in cp.stages[:level]
            if stage.stage.post_interest
        ]
        return f"interest:{escape(max(posting)[1])}" if posting else None
    return None


def first_pass(
    run: Run,
    invoices: Iterable[Invoice | Mapping[str, Any]],
    customer_index: Mapping[str, Customer],
    customer_problems: Mapping[str, str],
    rejected: list[Rejection],
) -> tuple[dict[str, Screened], dict[str, list[Invoice]], dict[str, list[str]]]:
    """File each invoice, in input order, under its customer: quiet, or to evaluate in full.

    The quick check of a quiet invoice, judged on its done keys alone (only for policies whose
    shape allows it, `CompiledPolicy.fast`): the latest reminder occurrence due (found on the
    offsets, like the floor) and every stage reached, with the top stage's message and task,
    are in the history. Then nothing else can be due: earlier reminders were superseded by one
    that was carried out, and the stages need no catch-up. Invoices that a pause, a charge or
    a failed payment might concern are left to the full evaluation, and so is any invoice
    that fails the check: failing it means "evaluate in full", never "something is due".

    The pass consumes `invoices` once, in input order, and keeps only the ids of the quiet
    ones: a host can stream a large portfolio through it (a generator reading its database),
    and only the invoices left for the full evaluation stay in memory. Mappings are validated
    here (a failure goes to `rejected`); invoices of unknown or ambiguous customers are kept
    apart. Returns the customers' files, those invoices, and for each id given more than once
    the customers of its copies after the first (which is left filed).
    """
    slots: dict[str, Screened] = {}
    unknown: dict[str, list[Invoice]] = defaultdict(list)
    ids: set[str] = set()
    remember = ids.add
    copies: dict[str, list[str]] = {}
    as_of = run.as_of
    plans = run.plans
    failed = run.history.failed_charges
    open_status = InvoiceStatus.OPEN
    cp: CompiledPolicy | None = None
    # What must be done for an invoice to be quiet depends on its due date alone (for a
    # `fast` policy): worked out once per policy and due date, then a subset test per invoice.
    plans_of: dict[str, dict[date, QuickPlan]] = {}
    plan_of: dict[date, QuickPlan] = {}
    check_promise = check_disputed = check_payments = False
    minimum_of: Mapping[str, Decimal] = {}
    for item in invoices:
        if item.__class__ is Invoice or isinstance(item, Invoice):
            invoice = item
        else:
            try:
                invoice = Invoice.model_validate(item)
            except ValidationError as error:
                data = item if isinstance(item, Mapping) else {}
                rejected.append(
                    Rejection._construct(
                        invoice_id=_str_or_none(data.get("id")),
                        customer_id=_str_or_none(data.get("customer_id")),
                        error=_one_line(error),
                    )
                )
                continue
        invoice_id = invoice.id
        customer_id = invoice.customer_id
        if invoice_id in ids:
            copies.setdefault(invoice_id, []).append(customer_id)
            continue
        remember(invoice_id)
        slot = slots.get(customer_id)
        if slot is None:
            customer = customer_index.get(customer_id)
            if customer is None or customer_id in customer_problems:
                unknown[customer_id].append(invoice)
                continue
            slot = slots[customer_id] = screen(run, customer)
        if not slot.quick:
            slot.rest.append(invoice)
            continue
        if slot.compiled is not cp:
            cp = slot.compiled
            plan_of = plans_of.setdefault(cp.id, {})
            check_promise = cp.policy.pauses.promise_to_pay
            check_disputed = cp.policy.pauses.disputed
            # Interest posted on payments, or after the principal is paid, depends on the
            # payments: such invoices are left to the full evaluation.
            check_payments = cp.interest is not None and (
                cp.posting is InterestPosting.PAYMENT or cp.policy.charges_outlive_principal
            )
            minimum_of = cp.pause_min
        if invoice.status is not open_status or invoice.issue_date > as_of:
            slot.quiet.append(invoice_id)  # nothing is due before the invoice is issued
            continue
        promise = invoice.promise_to_pay
        if (
            invoice.charges
            or (promise is not None and check_promise and as_of <= promise)
            or (invoice.disputed and check_disputed)
            or (plans and invoice_id in plans)
            or (failed and invoice_id in failed)
            or (check_payments and (invoice.payments or invoice.credit_notes))
        ):
            slot.rest.append(invoice)
            continue
        if invoice.payments or invoice.credit_notes:
            principal = principal_on(invoice, as_of)
            if principal <= 0:
                slot.quiet.append(invoice_id)
                continue
        else:
            principal = invoice.total.amount
        if minimum_of:
            # Paused below the policy's minimum balance (without charges, the balance is the
            # principal): the full evaluation reports the pause.
            minimum = minimum_of.get(invoice.currency)
            if minimum is not None and principal < minimum:
                slot.rest.append(invoice)
                continue
        due = invoice.due_date
        plan = plan_of.get(due)
        if plan is None:
            try:
                plan = plan_of[due] = quick_plan(cp, due, as_of)
            except (ArithmeticError, ValueError):
                slot.rest.append(invoice)  # a date out of range: the full evaluation says why
                continue
        needs, level, suspensions, absent, dated = plan
        if needs:
            part = (
                invoice_id
                if ":" not in invoice_id and "%" not in invoice_id
                else escape(invoice_id)
            )
            mine = slot.done_of.get(part, NO_TAILS)
            if not mine.keys() >= needs or (absent and not mine.keys().isdisjoint(absent)):
                slot.rest.append(invoice)
                continue
            early = False
            for tail, entry in dated:  # a loop, not a generator: once per quiet invoice
                if mine[tail] < entry:
                    early = True
                    break
            if early:
                slot.rest.append(invoice)
                continue
        slot.quiet.append(invoice_id)
        if level:
            slot.levels[invoice_id] = level
            if suspensions:
                slot.suspending[invoice_id] = suspensions
    return slots, unknown, copies


def reject_unfiled(
    slots: Mapping[str, Screened],
    unknown: Mapping[str, list[Invoice]],
    copies: dict[str, list[str]],
    customer_index: Mapping[str, Customer],
    customer_problems: Mapping[str, str],
    rejected: list[Rejection],
) -> None:
    """Reject what the first pass could not file.

    Every copy of an id given more than once (whatever the input order), and the invoices
    of unknown or ambiguous customers.
    """
    if copies:
        _reject_copies(slots, unknown, copies, rejected)
    for customer_id, group in unknown.items():
        problem = customer_problems.get(customer_id)
        if problem is None and customer_id not in customer_index:
            problem = f"customer {customer_id!r} is not among the customers given"
        rejected.extend(
            Rejection._construct(invoice_id=invoice.id, customer_id=customer_id, error=problem)
            for invoice in group
        )


def _reject_copies(
    slots: Mapping[str, Screened],
    unknown: Mapping[str, list[Invoice]],
    copies: dict[str, list[str]],
    rejected: list[Rejection],
) -> None:
    """Reject every copy of the ids given more than once, whatever the input order."""
    repeated = set(copies)
    for owner, slot in slots.items():
        found = repeated.intersection(slot.quiet)
        found.update(i.id for i in slot.rest if i.id in repeated)
        if found:
            slot.drop(found)
            for invoice_id in found:
                copies[invoice_id].append(owner)
    for owner, group in unknown.items():
        for invoice in group:
            if invoice.id in repeated:
                copies[invoice.id].append(owner)
        group[:] = [i for i in group if i.id not in repeated]
    for invoice_id, owners in copies.items():
        rejected.extend(
            Rejection._construct(
                invoice_id=invoice_id,
                customer_id=owner,
                error=f"invoice id {invoice_id!r} is given {len(owners)} times",
            )
            for owner in owners
        )


def index_customers(
    customers: Iterable[Customer | Mapping[str, Any]] | Mapping[str, Customer],
    rejected: list[Rejection],
) -> tuple[dict[str, Customer], dict[str, str]]:
    """Index customers by id, with the problem of each id that cannot be used.

    Mappings are validated here: an invalid record makes its id a problem (its invoices are
    rejected with the error, never aborting the batch), and a record without a usable id is
    rejected on its own. Ids given twice with different data are ambiguous.
    """
    index: dict[str, Customer] = {}
    problems: dict[str, str] = {}
    items = customers.values() if isinstance(customers, Mapping) else customers
    for position, item in enumerate(items):
        if isinstance(item, Customer):
            customer = item
        else:
            try:
                customer = Customer.model_validate(item)
            except ValidationError as error:
                data = item if isinstance(item, Mapping) else {}
                customer_id = _str_or_none(data.get("id"))
                if customer_id is None:
                    text = f"customer record {position + 1}: {_one_line(error, 'customer')}"
                    rejected.append(
                        Rejection._construct(invoice_id=None, customer_id=None, error=text)
                    )
                else:
                    text = f"customer {customer_id!r}: {_one_line(error, 'customer')}"
                    problems[customer_id] = text
                continue
        known = index.get(customer.id)
        if known is not None and known != customer:
            problems[customer.id] = f"customer {customer.id!r} is given twice with different data"
        index[customer.id] = customer
    return index, problems


def _str_or_none(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _one_line(error: ValidationError, what: str = "invoice") -> str:
    parts = []
    for entry in error.errors():
        location = ".".join(str(part) for part in entry["loc"]) or what
        parts.append(f"{location}: {entry['msg']}")
    return "; ".join(parts)
