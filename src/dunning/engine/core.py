"""`evaluate(invoices, policy, as_of, ...)`: what is due, as a pure function.

The engine reads its inputs and returns an `Evaluation`; it never reads the clock, the
environment, random state or the network, and the output does not depend on the order of the
inputs (customers, invoices and actions are processed and listed in sorted order).

How occurrences are decided (DESIGN.md rule 5):

- Reminders: for each invoice only the latest reminder occurrence that fell due is a candidate;
  earlier ones not yet carried out are reported as superseded, never sent late. A pre-due
  reminder is stale once the due date has come, and any occurrence older than its step's
  `max_lateness_days` is stale.
- Stages, fees and interest postings: every one that fell due and is not in the history is
  emitted, each once, so a run after missed days catches up. Invoice-level stage conditions
  are judged on the dated payments, so catch-up finds the same entry dates as daily runs.
- Stages never step down: an invoice stays at the most severe stage it entered while unpaid.
"""

from __future__ import annotations

import gc
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from fractions import Fraction
from operator import attrgetter
from typing import Any
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from pydantic import ValidationError

from dunning.calendars import next_business_day
from dunning.engine.actions import (
    Action,
    ActionKind,
    ChargeFee,
    CreateTask,
    EnterStage,
    HandOff,
    HistoryRecord,
    MessageItem,
    OfferPlan,
    PauseCause,
    PausedInvoice,
    PostInterest,
    ProposeWriteOff,
    Reason,
    Rejection,
    ResumeService,
    RetryCharge,
    SendMessage,
    SkippedOccurrence,
    SkipReason,
    SuspendService,
)
from dunning.engine.compiled import (
    CompiledPolicy,
    CompiledStage,
    CompiledStep,
    below,
    compile_policy,
)
from dunning.engine.evaluation import CustomerStage, Evaluation
from dunning.engine.history import HistoryIndex
from dunning.engine.keys import consolidated_key, customer_key, escape
from dunning.invoices import Channel, Customer, Invoice, InvoiceStatus
from dunning.money import Money, minor_unit, round_half_up
from dunning.penalties import InterestRule, InterestSegment
from dunning.plans import InstallmentPlan
from dunning.policy.model import InterestPosting, Policy, PolicySet, StatutoryCompensation

__all__ = ["evaluate"]

_DAY = timedelta(days=1)
_ZERO = Decimal(0)
_NEVER = date.max
_NO_TAILS: Mapping[str, date] = {}


@dataclass(slots=True)
class _Message:
    """A message occurrence waiting for consolidation, channel choice and caps.

    Its text is written only when it goes out (`text`): a capped or unreachable message
    never needs it.
    """

    severity: tuple[int, int]
    invoice: Invoice
    key: str
    rule: str
    template: str
    tone: Any
    channels: tuple[Channel, ...]
    due_on: date
    balance: Money
    days: int
    """Days overdue on the evaluation date."""
    source: CompiledStep | CompiledStage
    number: int = 0
    """The repetition of a reminder step."""
    replaces: tuple[str, ...] = ()

    def text(self) -> str:
        """The one-line reason of the message."""
        source = self.source
        if isinstance(source, CompiledStage):
            return (
                f"stage {source.stage.id} entered on {self.due_on.isoformat()} "
                f"({self.days} days overdue, balance {self.balance})"
            )
        offset = source.offset
        when = (
            f"{-offset} days before the due date"
            if offset < 0
            else "on the due date"
            if offset == 0
            else f"{offset} days after the due date"
        )
        repeat = f", repetition {self.number + 1}" if source.every else ""
        due = self.invoice.due_date.isoformat()
        return f"reminder {source.step.id} ({when}{repeat}) for {self.balance} due {due}"

    def figures(self) -> tuple[tuple[str, str], ...]:
        """The figures of the message's reason."""
        return (("days_overdue", str(self.days)), ("balance", str(self.balance.amount)))


class _Scoped:
    """The done keys of the invoice being evaluated, looked up by whole key.

    One per engine, pointed at each invoice in turn (see `_Engine._focus`).
    """

    __slots__ = ("prefix_length", "tails")

    def __init__(self) -> None:
        self.prefix_length = 0
        self.tails: Mapping[str, date] = _NO_TAILS

    def get(self, key: str) -> date | None:
        return self.tails.get(key[self.prefix_length :])

    def __contains__(self, key: str) -> bool:
        return key[self.prefix_length :] in self.tails


@dataclass(slots=True)
class _Task:
    invoice: Invoice
    key: str
    stage: CompiledStage
    due_on: date


class _Screened:
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
        self.suspending: dict[str, tuple[CompiledStage, date]] = {}
        """Quiet invoices at a suspending stage: the most severe one, and its first entry."""

    def drop(self, invoice_ids: set[str]) -> None:
        """Forget the invoices `invoice_ids` (copies of a repeated id, all rejected)."""
        self.quiet = [i for i in self.quiet if i not in invoice_ids]
        self.rest = [i for i in self.rest if i.id not in invoice_ids]
        for invoice_id in invoice_ids:
            self.levels.pop(invoice_id, None)
            self.suspending.pop(invoice_id, None)


class _Customer:
    """What the full evaluation of one customer produces (see `_Engine.customer`)."""

    __slots__ = (
        "actions",
        "entries",
        "levels",
        "messages",
        "offers",
        "paused",
        "reminders_stopped",
        "skipped",
        "suspend_on",
        "suspend_stage",
        "tasks",
    )

    def __init__(self, screened: _Screened) -> None:
        self.actions: list[Action] = []
        self.skipped: list[SkippedOccurrence] = []
        self.paused: list[PausedInvoice] = []
        self.messages: list[_Message] = []
        self.tasks: list[_Task] = []
        self.offers: dict[tuple[str, str], tuple[CompiledStage, date]] = {}
        self.levels = screened.levels
        self.entries: dict[str, dict[str, date]] = {}
        self.suspend_stage: CompiledStage | None = None
        self.suspend_on: date | None = None
        self.reminders_stopped: set[str] = set()
        for stage, on in screened.suspending.values():
            _Engine._note_suspension(self, stage, on)


# -- amounts over time ---------------------------------------------------------------------


def _principal_on(invoice: Invoice, day: date) -> Decimal:
    """The invoice total less payments and credit notes dated on or before `day`."""
    owed = invoice.total.amount
    if not invoice.payments and not invoice.credit_notes:
        return owed
    for payment in invoice.payments:
        if payment.date <= day:
            owed -= payment.amount.amount
    for note in invoice.credit_notes:
        if note.date <= day:
            owed -= note.amount.amount
    return owed


def _balance_on(invoice: Invoice, day: date) -> Decimal:
    """The principal owed on `day` plus the charges posted up to then."""
    owed = _principal_on(invoice, day)
    for charge in invoice.charges:
        if charge.date <= day:
            owed += charge.amount.amount
    return owed


def _principal_runs(invoice: Invoice, first: date, last: date) -> list[tuple[date, date, Decimal]]:
    """Runs of days in [first, last] with a constant principal (payments reduce it the next day).

    Interest for a day accrues on what was owed at the start of that day, so a payment on day
    p still bears interest for p itself (days late run to the payment date inclusive).
    """
    changes = sorted(
        {p.date + _DAY for p in invoice.payments}
        | {c.date + _DAY for c in invoice.credit_notes}
        | {first},
    )
    runs: list[tuple[date, date, Decimal]] = []
    starts = [day for day in changes if first <= day <= last]
    for index, start in enumerate(starts):
        end = starts[index + 1] - _DAY if index + 1 < len(starts) else last
        runs.append((start, end, _principal_on(invoice, start - _DAY)))
    return runs


def _accrue(
    rule: InterestRule, invoice: Invoice, first: date, last: date
) -> tuple[Money, tuple[InterestSegment, ...]]:
    """Interest on the invoice's varying principal over [first, last], rounded once."""
    first = max(first, rule.first_day(invoice.due_date))
    total = Fraction(0)
    segments: list[InterestSegment] = []
    if first <= last:
        for start, end, principal in _principal_runs(invoice, first, last):
            exact, pieces = rule.accrue(principal, start, end)
            total += exact
            segments.extend(pieces)
    amount = round_half_up(total, minor_unit(invoice.currency))
    return Money._trusted(amount, invoice.currency), tuple(segments)


def _money(amount: Decimal, currency: str) -> Money:
    return Money._trusted(amount, currency)


def _reason(rule: str, text: str, **figures: object) -> Reason:
    return Reason._construct(
        rule=rule,
        text=text,
        figures=tuple([(k, str(v)) for k, v in figures.items()]) if figures else (),
    )


def _month_end(day: date) -> date:
    return day + relativedelta(day=31)


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


# -- the engine ------------------------------------------------------------------------------


class _Engine:
    def __init__(
        self,
        policies: Policy | PolicySet,
        as_of: date,
        history: HistoryIndex,
        plans: Mapping[str, list[InstallmentPlan]],
    ) -> None:
        self.policies = policies
        self.as_of = as_of
        self.history = history
        self.plans = plans
        self._compiled: dict[str, CompiledPolicy] = {}
        self._windows: dict[tuple[str, time], datetime] = {}
        self.prefix = ""  # the start of the keys of the invoice being evaluated
        self.mine: Mapping[str, date] = _NO_TAILS  # its done keys, after the prefix
        self.done = _Scoped()  # the same, looked up by whole key

    def compiled_for(self, customer: Customer) -> CompiledPolicy:
        policy = (
            self.policies.for_customer(customer)
            if isinstance(self.policies, PolicySet)
            else self.policies
        )
        compiled = self._compiled.get(policy.id)
        if compiled is None:
            compiled = self._compiled[policy.id] = compile_policy(policy)
        return compiled

    # -- one customer --------------------------------------------------------------------

    def slot(self, customer: Customer) -> _Screened:
        """A new `_Screened` for `customer`, with what the first pass needs to know of it."""
        cp = self.compiled_for(customer)
        pauses = cp.policy.pauses
        quick = (
            cp.fast and not cp.pause_min and not (pauses.do_not_contact and customer.do_not_contact)
        )
        done_of = self.history.occurrences(cp.prefix + escape(customer.id))
        return _Screened(customer, cp, done_of, quick)

    def customer(self, screened: _Screened) -> _Customer:
        """Evaluate the invoices the first pass left, then the customer-level rules."""
        out = _Customer(screened)
        customer = screened.customer
        cp = screened.compiled
        as_of = self.as_of
        active: list[tuple[Invoice, Decimal, Decimal]] = []
        overdue_total: dict[str, Decimal] = defaultdict(Decimal)
        overdue_count = 0
        outlive = cp.policy.charges_outlive_principal
        pauses = cp.policy.pauses
        settled: list[Invoice] = []
        customer_prefix = f"{cp.prefix}{escape(customer.id)}:"
        open_status = InvoiceStatus.OPEN
        check_disputed = pauses.disputed
        plans = self.plans if pauses.installment_plan else None
        check_promise = pauses.promise_to_pay
        do_not_contact = pauses.do_not_contact and customer.do_not_contact
        pause_min = cp.pause_min
        done_of = screened.done_of
        for invoice in screened.rest:
            if invoice.status is not open_status:
                continue
            if invoice.payments or invoice.credit_notes:
                principal = _principal_on(invoice, as_of)
            else:
                principal = invoice.total.amount
            charges = invoice.charges
            owed = _balance_on(invoice, as_of) if outlive or charges else principal
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
            ):
                causes = self._causes(cp, customer, invoice, owed, plans)
                if causes:
                    out.paused.append(self._paused(invoice, causes, owed))
                    if PauseCause.INSTALLMENT_PLAN not in causes and cp.stages:
                        self._focus(customer_prefix, done_of, invoice)
                        self._history_level(cp, invoice, out)
                    continue
            active.append((invoice, principal, owed))
        for invoice, principal, owed in active:
            self._focus(customer_prefix, done_of, invoice)
            self.invoice(cp, customer, invoice, principal, owed, out, overdue_total, overdue_count)
        for invoice in settled:
            self._focus(customer_prefix, done_of, invoice)
            self._interest(cp, invoice, out)
        self.finish(cp, customer, out, active)
        return out

    def _focus(
        self, customer_prefix: str, done_of: Mapping[str, Mapping[str, date]], invoice: Invoice
    ) -> None:
        """Make `invoice` the one whose keys are built and looked up."""
        part = escape(invoice.id)
        self.prefix = prefix = f"{customer_prefix}{part}:"
        self.mine = mine = done_of.get(part, _NO_TAILS)
        done = self.done
        done.prefix_length = len(prefix)
        done.tails = mine

    def _causes(
        self,
        cp: CompiledPolicy,
        customer: Customer,
        invoice: Invoice,
        owed: Decimal,
        plans: Mapping[str, list[InstallmentPlan]] | None,
    ) -> list[PauseCause]:
        """Why dunning of `invoice` is paused on the evaluation date (empty when it is not)."""
        pauses = cp.policy.pauses
        as_of = self.as_of
        promise = invoice.promise_to_pay
        causes: list[PauseCause] = []
        if pauses.disputed and invoice.disputed:
            causes.append(PauseCause.DISPUTED)
        if plans and any(plan.in_good_standing(as_of) for plan in plans.get(invoice.id, ())):
            causes.append(PauseCause.INSTALLMENT_PLAN)
        if pauses.promise_to_pay and promise is not None and as_of <= promise:
            causes.append(PauseCause.PROMISE_TO_PAY)
        if pauses.do_not_contact and customer.do_not_contact:
            causes.append(PauseCause.DO_NOT_CONTACT)
        minimum = cp.pause_min.get(invoice.currency) if cp.pause_min else None
        if minimum is not None and owed < minimum:
            causes.append(PauseCause.BELOW_MINIMUM)
        return causes

    def _paused(self, invoice: Invoice, causes: list[PauseCause], owed: Decimal) -> PausedInvoice:
        return PausedInvoice._construct(
            invoice_id=invoice.id,
            customer_id=invoice.customer_id,
            causes=tuple(causes),
            until=invoice.promise_to_pay if PauseCause.PROMISE_TO_PAY in causes else None,
            text="paused: " + "; ".join([_pause_text(cause, invoice, owed) for cause in causes]),
        )

    def _history_level(self, cp: CompiledPolicy, invoice: Invoice, out: _Customer) -> None:
        for stage in reversed(cp.stages):
            on = self.mine.get(stage.key)
            if on is not None:
                out.levels[invoice.id] = stage.level
                if stage.stage.suspend_service:
                    self._note_suspension(out, stage, on)
                return

    @staticmethod
    def _note_suspension(out: _Customer, stage: CompiledStage, on: date) -> None:
        if out.suspend_stage is None or stage.level > out.suspend_stage.level:
            out.suspend_stage = stage
        if out.suspend_on is None or on < out.suspend_on:
            out.suspend_on = on

    # -- one invoice ---------------------------------------------------------------------

    def invoice(
        self,
        cp: CompiledPolicy,
        customer: Customer,
        invoice: Invoice,
        principal: Decimal,
        owed: Decimal,
        out: _Customer,
        overdue_total: Mapping[str, Decimal],
        overdue_count: int,
    ) -> None:
        as_of = self.as_of
        due = invoice.due_date
        stage_message: _Message | None = None
        failed_on = (
            self.history.failed_charges.get(invoice.id) if self.history.failed_charges else None
        )
        gate = cp.stage_gate
        if cp.stages and (
            failed_on is not None
            or ((as_of - due).days >= gate if gate is not None else as_of >= due)
        ):
            stage_message = self._stages(
                cp, invoice, owed, out, overdue_total, overdue_count, failed_on
            )
        reminder = (
            self._reminder(cp, invoice, owed, out)
            if cp.steps and invoice.id not in out.reminders_stopped
            else None
        )
        if cp.interest is not None and as_of > due:
            self._interest(cp, invoice, out)
        if failed_on is not None and cp.policy.retries is not None:
            self._retries(cp, invoice, _money(owed, invoice.currency), failed_on, out)
        if stage_message is not None:
            if reminder is not None:
                # The stage message carries the reminder out: one message, not two.
                stage_message.replaces = (reminder.key,)
                out.skipped.append(
                    self._skip(
                        reminder.key,
                        invoice,
                        reminder.due_on,
                        SkipReason.SUPERSEDED,
                        reminder.rule,
                        f"reminder replaced by the message of {stage_message.rule}",
                    )
                )
            out.messages.append(stage_message)
        elif reminder is not None:
            out.messages.append(reminder)

    def _skip(
        self,
        key: str,
        invoice: Invoice,
        due_on: date,
        cause: SkipReason,
        rule: str,
        text: str,
        retry_on: date | None = None,
    ) -> SkippedOccurrence:
        return SkippedOccurrence._construct(
            key=key,
            customer_id=invoice.customer_id,
            invoice_id=invoice.id,
            due_on=due_on,
            cause=cause,
            reason=_reason(rule, text),
            retry_on=retry_on,
        )

    def _reminder(
        self, cp: CompiledPolicy, invoice: Invoice, owed: Decimal, out: _Customer
    ) -> _Message | None:
        as_of = self.as_of
        due = invoice.due_date
        days = (as_of - due).days
        steps = cp.steps
        if cp.step_offsets is not None:
            # Calendar-day steps only: the latest step due is found on the integer offsets.
            position = bisect_right(cp.step_offsets, days) - 1
            if position < 0:
                return None
            base = due + timedelta(days=steps[position].offset)
        else:
            position = len(steps) - 1
            base = steps[position].base(due, cp.calendar)
            while base > as_of:
                position -= 1
                if position < 0:
                    return None
                base = steps[position].base(due, cp.calendar)
        step = steps[position]
        number = step.occurrence((as_of - base).days)
        on = base + timedelta(days=number * step.every)
        tail = step.tail(number)
        if tail in self.mine:
            return None
        key = self.prefix + tail
        balance = _money(owed, invoice.currency)
        self._superseded(cp, invoice, position, base, number, out)
        if (step.offset < 0 and as_of >= due) or (
            step.max_lateness is not None and (as_of - on).days > step.max_lateness
        ):
            out.skipped.append(
                self._skip(
                    key,
                    invoice,
                    on,
                    SkipReason.STALE,
                    step.rule,
                    f"reminder {step.step.id} of {on.isoformat()} is too late to send",
                )
            )
            return None
        if below(balance, step.min_balance):
            out.skipped.append(
                self._skip(
                    key,
                    invoice,
                    on,
                    SkipReason.BELOW_MINIMUM,
                    step.rule,
                    f"balance {balance} is below the minimum of reminder {step.step.id}",
                )
            )
            return None
        return _Message(
            severity=(0, step.tone_rank),
            invoice=invoice,
            key=key,
            rule=step.rule,
            template=step.step.template,
            tone=step.step.tone,
            channels=step.channels,
            due_on=on,
            balance=balance,
            days=days,
            source=step,
            number=number,
        )

    def _superseded(
        self,
        cp: CompiledPolicy,
        invoice: Invoice,
        position: int,
        base: date,
        number: int,
        out: _Customer,
    ) -> None:
        """Report earlier occurrences not carried out, back to the last one that was."""
        mine = self.mine
        steps = cp.steps
        due = invoice.due_date
        number -= 1
        while position >= 0:
            step = steps[position]
            while number >= 0:
                tail = step.tail(number)
                if tail in mine:
                    return
                key = self.prefix + tail
                on = base + timedelta(days=number * step.every)
                out.skipped.append(
                    self._skip(
                        key,
                        invoice,
                        on,
                        SkipReason.SUPERSEDED,
                        step.rule,
                        f"reminder {step.step.id} of {on.isoformat()} replaced by a later one",
                    )
                )
                number -= 1
            position -= 1
            if position >= 0:
                previous = steps[position]
                base = previous.base(due, cp.calendar)
                limit = step.base(due, cp.calendar)
                count = 1
                if previous.every:
                    count = (limit - base - _DAY).days // previous.every + 1
                    if previous.max_times is not None:
                        count = min(count, previous.max_times)
                number = count - 1

    # -- stages ----------------------------------------------------------------------------

    def _entry(
        self,
        stage: CompiledStage,
        invoice: Invoice,
        overdue_total: Mapping[str, Decimal],
        overdue_count: int,
        failed_on: date | None,
    ) -> date | None:
        """The day the invoice entered `stage`, or None when the trigger is not met."""
        due = invoice.due_date
        if stage.days_only:
            entry = due + timedelta(days=stage.days_overdue or 0)
            return entry if entry <= self.as_of else None
        as_of = self.as_of
        currency = invoice.currency
        first: list[date | None] = []
        if stage.days_overdue is not None:
            first.append(due + timedelta(days=stage.days_overdue))
        threshold = stage.invoice_balance.get(currency) if stage.invoice_balance else None
        if stage.invoice_balance:
            first.append(due + _DAY if threshold is not None else None)
        customer_level: list[bool] = []
        if stage.customer_balance:
            limit = stage.customer_balance.get(currency)
            customer_level.append(limit is not None and overdue_total.get(currency, _ZERO) >= limit)
        if stage.unpaid_invoices is not None:
            customer_level.append(overdue_count >= stage.unpaid_invoices)
        if stage.failed_payment:
            first.append(failed_on)
        if stage.match_all:
            if None in first or not all(customer_level):
                return None
            dates = [d for d in first if d is not None]
            if customer_level:
                dates.append(as_of)
            entry = max(dates)
            if entry > as_of:
                return None
            if threshold is not None and _principal_on(invoice, entry) < threshold:
                return None
            return entry
        candidates: list[date] = []
        for index, day in enumerate(first):
            if day is None or day > as_of:
                continue
            is_balance = stage.invoice_balance and index == (
                1 if stage.days_overdue is not None else 0
            )
            if is_balance and threshold is not None and _principal_on(invoice, day) < threshold:
                continue
            candidates.append(day)
        if any(customer_level):
            candidates.append(as_of)
        return min(candidates) if candidates else None

    def _steady(self, cp: CompiledPolicy, invoice: Invoice, out: _Customer) -> bool:
        """Whether nothing about stages is due: every stage reached is in the history.

        For policies whose stages are entered on days overdue alone, carry no fee and post no
        interest (the common daily case): the stages reached, the top stage's message and task
        are all done. Records the invoice's level, suspension and stopped reminders as
        `_stages` would (such stages post no interest, so their entry dates are not needed).
        """
        days = (self.as_of - invoice.due_date).days
        level = bisect_right(cp.stage_days, days)
        if not level:
            return True
        mine = self.mine
        for tail in cp.stage_needs[level]:
            if tail not in mine:
                return False
        out.levels[invoice.id] = level
        suspension = cp.suspension(level, invoice.due_date)
        if suspension is not None:
            self._note_suspension(out, *suspension)
        if cp.stage_stops[level]:
            out.reminders_stopped.add(invoice.id)
        return True

    def _stages(
        self,
        cp: CompiledPolicy,
        invoice: Invoice,
        owed: Decimal,
        out: _Customer,
        overdue_total: Mapping[str, Decimal],
        overdue_count: int,
        failed_on: date | None,
    ) -> _Message | None:
        done = self.done
        if cp.simple_stages and self._steady(cp, invoice, out):
            return None
        candidates: list[tuple[date, int, CompiledStage, bool]] = []
        for stage in cp.stages:
            key = self.prefix + stage.key
            on = done.get(key)
            computed = self._entry(stage, invoice, overdue_total, overdue_count, failed_on)
            if on is not None:
                # The date the trigger was first met when it still is (the host may have
                # executed the entry later), else the recorded date: stages are sticky.
                day = on if computed is None else min(on, computed)
                candidates.append((day, stage.level, stage, False))
            elif computed is not None:
                candidates.append((computed, stage.level, stage, True))
        # In date order, a stage is entered only above the level already reached that day:
        # a catch-up run never enters a milder stage after a more severe one, as daily runs
        # would not.
        candidates.sort(key=lambda item: (item[0], item[1]))
        entered: list[tuple[CompiledStage, date, bool]] = []
        reached = 0
        for day, level, stage, new in candidates:
            if not new or level > reached:
                entered.append((stage, day, new))
                reached = max(reached, level)
        if not entered:
            return None
        balance = _money(owed, invoice.currency)
        entered.sort(key=lambda item: item[0].level)
        out.entries[invoice.id] = {stage.stage.id: entry for stage, entry, _ in entered}
        top = entered[-1][0]
        out.levels[invoice.id] = top.level
        days = (self.as_of - invoice.due_date).days
        for stage, entry, new in entered:
            if stage.stage.suspend_service:
                self._note_suspension(out, stage, entry)
            if stage.stage.stop_reminders:
                out.reminders_stopped.add(invoice.id)
            if new:
                self._enter(cp, invoice, stage, entry, balance, days, out)
        self._fees(cp, invoice, entered, out)
        stage, entry, _ = entered[-1]
        stage_spec = stage.stage
        message: _Message | None = None
        for lower, lower_entry, new in entered[:-1]:
            if not new:
                continue
            for what, present in (
                ("stage-message", lower.stage.message),
                ("task", lower.stage.task),
            ):
                key = f"{self.prefix}{what}:{lower.sid}"
                if present is not None and key not in done:
                    out.skipped.append(
                        self._skip(
                            key,
                            invoice,
                            lower_entry,
                            SkipReason.SUPERSEDED,
                            f"stage:{lower.stage.id}",
                            f"the {what} of stage {lower.stage.id} is replaced by stage "
                            f"{stage_spec.id}",
                        )
                    )
        if stage_spec.task is not None:
            key = f"{self.prefix}task:{stage.sid}"
            if key not in done:
                out.tasks.append(_Task(invoice=invoice, key=key, stage=stage, due_on=entry))
        spec = stage_spec.message
        if spec is not None:
            key = f"{self.prefix}stage-message:{stage.sid}"
            late = (self.as_of - entry).days
            stale = spec.max_lateness_days is not None and late > spec.max_lateness_days
            if key in done:
                return None
            if stale:
                out.skipped.append(
                    self._skip(
                        key,
                        invoice,
                        entry,
                        SkipReason.STALE,
                        f"stage:{stage_spec.id}",
                        f"the message of stage {stage_spec.id} entered on "
                        f"{entry.isoformat()} is {late} days late",
                    )
                )
            else:
                message = _Message(
                    severity=(1, stage.level),
                    invoice=invoice,
                    key=key,
                    rule=f"stage:{stage_spec.id}",
                    template=spec.template,
                    tone=spec.tone,
                    channels=spec.channels,
                    due_on=entry,
                    balance=balance,
                    days=days,
                    source=stage,
                )
        return message

    def _enter(
        self,
        cp: CompiledPolicy,
        invoice: Invoice,
        stage: CompiledStage,
        entry: date,
        balance: Money,
        days: int,
        out: _Customer,
    ) -> None:
        spec = stage.stage
        customer_id = invoice.customer_id
        ids = (invoice.id,)
        trigger = _trigger_text(stage, invoice, entry)
        reason = _reason(
            f"stage:{spec.id}",
            f"entered stage {spec.id} on {entry.isoformat()}: {trigger}",
            days_overdue=(entry - invoice.due_date).days,
            principal=_principal_on(invoice, entry),
        )
        key = self.prefix + stage.key
        out.actions.append(
            EnterStage._construct(
                key=key,
                customer_id=customer_id,
                invoice_ids=ids,
                due_on=entry,
                covers=(),
                reason=reason,
                stage_id=spec.id,
                level=stage.level,
            )
        )
        escalations: list[tuple[str, type[HandOff] | type[ProposeWriteOff], str, dict[str, str]]]
        escalations = []
        if spec.hand_off is not None:
            agency = spec.hand_off.agency
            text = f"hand {balance} over to {agency} on entering stage {spec.id}"
            escalations.append(("hand-off", HandOff, text, {"agency": agency}))
        if spec.propose_write_off:
            text = f"propose writing off {balance} ({days} days overdue)"
            escalations.append(("write-off", ProposeWriteOff, text, {}))
        for what, action, text, extra in escalations:
            key = f"{self.prefix}{what}:{stage.sid}"
            if key not in self.done:
                out.actions.append(
                    action._construct(
                        key=key,
                        customer_id=customer_id,
                        invoice_ids=ids,
                        due_on=entry,
                        covers=(),
                        reason=_reason(f"stage:{spec.id}", text, days_overdue=days),
                        stage_id=spec.id,
                        amount=balance,
                        **extra,
                    )
                )
        if spec.offer_plan is not None:
            slot = (invoice.currency, spec.id)
            known = out.offers.get(slot)
            if known is None or entry < known[1]:
                out.offers[slot] = (stage, entry)

    def _fees(
        self,
        cp: CompiledPolicy,
        invoice: Invoice,
        entered: Sequence[tuple[CompiledStage, date, bool]],
        out: _Customer,
    ) -> None:
        occurrences: list[tuple[date, int, int, CompiledStage]] = []
        as_of = self.as_of
        for stage, entry, _ in entered:
            if stage.fee is None:
                continue
            count = 1
            if stage.fee_every:
                count = (as_of - entry).days // stage.fee_every + 1
                if stage.fee_max is not None:
                    count = min(count, stage.fee_max)
            for number in range(count):
                on = entry + timedelta(days=number * (stage.fee_every or 0))
                occurrences.append((on, stage.level, number, stage))
        if not occurrences:
            return
        occurrences.sort(key=lambda item: item[:3])
        currency = invoice.currency
        cap = cp.fee_cap.get(currency)
        if cp.fee_cap_percent is not None:
            by_percent = invoice.total.percent(cp.fee_cap_percent).quantize().amount
            cap = by_percent if cap is None else min(cap, by_percent)
        charged = _ZERO
        done = self.done
        for on, _, number, stage in occurrences:
            spec = stage.stage
            key = f"{self.prefix}fee:{stage.sid}:{number}"
            principal = _money(max(_principal_on(invoice, on), _ZERO), currency)
            rule = stage.fee
            fee = (
                rule.compute(principal, (on - invoice.due_date).days)
                if isinstance(rule, StatutoryCompensation)
                else rule.compute(principal)
                if rule is not None
                else None
            )
            amount = fee.amount if fee is not None else _ZERO
            capped = False
            if cap is not None and charged + amount > cap:
                amount = max(cap - charged, _ZERO)
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
                out.skipped.append(self._skip(key, invoice, on, cause, f"stage:{spec.id}", text))
                continue
            note = f" (reduced to the fee cap of {cap} {currency})" if capped else ""
            out.actions.append(
                ChargeFee._construct(
                    key=key,
                    customer_id=invoice.customer_id,
                    invoice_ids=(invoice.id,),
                    due_on=on,
                    covers=(),
                    reason=_reason(
                        f"stage:{spec.id}",
                        f"late fee {number + 1} of stage {spec.id} on {principal} overdue{note}",
                        principal=principal.amount,
                        occurrence=number,
                    ),
                    stage_id=spec.id,
                    occurrence=number,
                    amount=_money(amount, currency),
                )
            )

    # -- interest --------------------------------------------------------------------------

    def _interest(self, cp: CompiledPolicy, invoice: Invoice, out: _Customer) -> None:
        rule = cp.interest
        assert rule is not None
        as_of = self.as_of
        due = invoice.due_date
        ends: list[tuple[date, str]] = []
        if cp.posting is InterestPosting.MONTHLY:
            end = _month_end(due + _DAY)
            while end <= as_of:
                ends.append((end, end.strftime("%Y-%m")))
                end = _month_end(end + _DAY)
        elif cp.posting is InterestPosting.PAYMENT:
            days = sorted({p.date for p in invoice.payments if due < p.date <= as_of})
            ends = [(day, day.isoformat()) for day in days]
        else:
            entries = out.entries.get(invoice.id, {})
            for stage in cp.stages:
                entry = entries.get(stage.stage.id)
                if stage.stage.post_interest and entry is not None:
                    ends.append((entry, f"stage-{stage.stage.id}"))
            ends.sort()
        done = self.done
        start = due + _DAY
        pending: list[tuple[date, date, str]] = []
        for end, label in ends:
            pending.append((start, end, label))
            start = end + _DAY
        for first, last, label in reversed(pending):
            key = f"{self.prefix}interest:{escape(label)}"
            if key in done:
                break
            amount, segments = _accrue(rule, invoice, first, last)
            if amount.amount <= 0:
                continue
            out.actions.append(
                PostInterest._construct(
                    key=key,
                    customer_id=invoice.customer_id,
                    invoice_ids=(invoice.id,),
                    due_on=last,
                    covers=(),
                    reason=_reason(
                        f"interest:{cp.posting}",
                        f"interest from {first.isoformat()} to {last.isoformat()}: {amount}",
                        days=(last - first).days + 1,
                    ),
                    amount=amount,
                    first_day=first,
                    last_day=last,
                    segments=segments,
                )
            )

    # -- retries ---------------------------------------------------------------------------

    def _retries(
        self,
        cp: CompiledPolicy,
        invoice: Invoice,
        balance: Money,
        failed_on: date,
        out: _Customer,
    ) -> None:
        schedule = cp.policy.retries
        assert schedule is not None
        done = self.done
        attempts = [
            _snap(failed_on + timedelta(days=days), schedule.paydays)
            for days in schedule.days_after_failure[: schedule.tries]
        ]
        latest = -1
        for number, on in enumerate(attempts):
            if on <= self.as_of:
                latest = number
        if latest < 0:
            return
        keys = [f"{self.prefix}retry:attempt:{number + 1}" for number in range(latest + 1)]
        if keys[latest] in done:
            return
        for number in range(latest - 1, -1, -1):
            if keys[number] in done:
                break
            out.skipped.append(
                self._skip(
                    keys[number],
                    invoice,
                    attempts[number],
                    SkipReason.SUPERSEDED,
                    "retry",
                    f"retry {number + 1} of {attempts[number].isoformat()} replaced by a later one",
                )
            )
        out.actions.append(
            RetryCharge._construct(
                key=keys[latest],
                customer_id=invoice.customer_id,
                invoice_ids=(invoice.id,),
                due_on=attempts[latest],
                covers=(),
                reason=_reason(
                    "retry",
                    f"retry {latest + 1} of {len(attempts)} of the automatic charge that "
                    f"failed on {failed_on.isoformat()}",
                    failed_on=failed_on,
                    attempt=latest + 1,
                ),
                attempt=latest + 1,
                amount=balance,
            )
        )

    # -- customer-level rules ----------------------------------------------------------------

    def finish(
        self,
        cp: CompiledPolicy,
        customer: Customer,
        out: _Customer,
        active: Sequence[tuple[Invoice, Decimal, Decimal]],
    ) -> None:
        if out.suspend_stage is not None or customer.id in self.history.suspends:
            self._suspension(cp, customer, out)
        if out.offers:
            self._offers(cp, customer, out, active)
        if out.tasks:
            self._tasks(cp, customer, out)
        if out.messages:
            self._messages(cp, customer, out)

    def _suspension(self, cp: CompiledPolicy, customer: Customer, out: _Customer) -> None:
        history = self.history
        suspends = history.suspends.get(customer.id, 0)
        resumes = history.resumes.get(customer.id, 0)
        stage = out.suspend_stage
        change = _service_change(stage is not None, suspends, resumes)
        if change == "suspend":
            assert stage is not None
            key = customer_key(cp.id, customer.id, "suspend", suspends + 1)
            if key not in history.done:
                out.actions.append(
                    SuspendService._construct(
                        key=key,
                        customer_id=customer.id,
                        invoice_ids=tuple(
                            sorted(i for i, level in out.levels.items() if level >= stage.level)
                        ),
                        due_on=out.suspend_on or self.as_of,
                        covers=(),
                        reason=_reason(
                            f"stage:{stage.stage.id}",
                            f"suspend service: an invoice is at stage {stage.stage.id}",
                        ),
                        stage_id=stage.stage.id,
                    )
                )
        elif change == "resume":
            key = customer_key(cp.id, customer.id, "resume", resumes + 1)
            if key not in history.done:
                out.actions.append(
                    ResumeService._construct(
                        key=key,
                        customer_id=customer.id,
                        invoice_ids=(),
                        due_on=self.as_of,
                        covers=(),
                        reason=_reason(
                            "resume",
                            "resume service: no open invoice is at a suspending stage any more",
                        ),
                    )
                )

    def _offers(
        self,
        cp: CompiledPolicy,
        customer: Customer,
        out: _Customer,
        active: Sequence[tuple[Invoice, Decimal, Decimal]],
    ) -> None:
        for (currency, stage_id), (stage, entry) in sorted(out.offers.items()):
            key = customer_key(cp.id, customer.id, "offer", currency, stage_id)
            if key in self.history.done:
                continue
            invoices = [(i, owed) for i, _, owed in active if i.currency == currency]
            terms = stage.stage.offer_plan
            assert terms is not None
            amount = _money(sum((owed for _, owed in invoices), _ZERO), currency)
            out.actions.append(
                OfferPlan._construct(
                    key=key,
                    customer_id=customer.id,
                    invoice_ids=tuple(i.id for i, _ in invoices),
                    due_on=entry,
                    covers=(),
                    reason=_reason(
                        f"stage:{stage_id}",
                        f"offer an installment plan of {terms.installments} installments "
                        f"for {amount}",
                    ),
                    stage_id=stage_id,
                    amount=amount,
                    terms=terms,
                )
            )

    def _tasks(self, cp: CompiledPolicy, customer: Customer, out: _Customer) -> None:
        groups: dict[str, list[_Task]] = defaultdict(list)
        for task in out.tasks:
            groups[task.stage.stage.id].append(task)
        for stage_id in sorted(groups):
            tasks = sorted(groups[stage_id], key=lambda t: t.key)
            stage = tasks[0].stage
            spec = stage.stage.task
            assert spec is not None
            covers = tuple(t.key for t in tasks)
            key = (
                covers[0]
                if len(covers) == 1
                else consolidated_key(
                    cp.id, customer.id, "task", stage_id, self.as_of.isoformat(), covers
                )
            )
            ids = tuple(t.invoice.id for t in tasks)
            out.actions.append(
                CreateTask._construct(
                    key=key,
                    customer_id=customer.id,
                    invoice_ids=ids,
                    due_on=min(t.due_on for t in tasks),
                    covers=covers if len(covers) > 1 else (),
                    reason=_reason(
                        f"stage:{stage_id}",
                        f"{spec.kind.value} {customer.name} about {len(ids)} invoice(s) at "
                        f"stage {stage_id}",
                    ),
                    stage_id=stage_id,
                    task=spec,
                )
            )

    def _messages(self, cp: CompiledPolicy, customer: Customer, out: _Customer) -> None:
        as_of = self.as_of
        history = self.history
        if cp.quiet is not None and not cp.quiet.is_business_day(as_of):
            next_day = next_business_day(as_of, cp.quiet)
            for message in out.messages:
                out.skipped.append(
                    self._skip(
                        message.key,
                        message.invoice,
                        message.due_on,
                        SkipReason.QUIET_DAY,
                        message.rule,
                        f"{as_of.isoformat()} is a quiet day; the message waits",
                        retry_on=next_day,
                    )
                )
            return
        # The frequency cap first: with no room left, every message that has a channel is
        # capped, and nothing needs grouping or ranking.
        allowed: int | None = None
        retry: date | None = None
        cap = cp.policy.frequency_cap
        capped = ""
        if cap is not None:
            window_start = as_of - timedelta(days=cap.days - 1)
            recent = [
                d for d in history.messages.get(customer.id, ()) if window_start <= d <= as_of
            ]
            recent.sort()
            allowed = max(cap.max_messages - len(recent), 0)
            if recent:
                retry = recent[max(len(recent) - cap.max_messages, 0)] + timedelta(days=cap.days)
            else:
                retry = as_of + _DAY
            capped = f"at most {cap.max_messages} messages in {cap.days} days"
        groups: dict[tuple[Channel, str, str], list[_Message]] = defaultdict(list)
        consolidate = cp.policy.consolidate
        for message in out.messages:
            failed = history.failed_channels.get(message.key) if history.failed_channels else None
            channels = (
                tuple(c for c in message.channels if c not in failed)
                if failed
                else message.channels
            )
            channel = customer.pick_channel(channels)
            if channel is None:
                out.skipped.append(
                    self._skip(
                        message.key,
                        message.invoice,
                        message.due_on,
                        SkipReason.NO_CHANNEL,
                        message.rule,
                        "no usable address on "
                        + ", ".join(c.value for c in message.channels)
                        + (" (some failed before)" if failed else ""),
                    )
                )
            elif allowed == 0:
                out.skipped.append(self._capped(message, capped, retry))
            else:
                slot = "" if consolidate else message.key
                groups[(channel, message.invoice.currency, slot)].append(message)
        if not groups:
            return
        # Each group is one message; the most severe go first when the frequency cap leaves
        # room for only some. Messages are built only for the groups that go out.
        ranked: list[tuple[tuple[int, ...], str, tuple[str, ...], Channel, str, list[_Message]]]
        ranked = []
        for (channel, currency, _), members in groups.items():
            members.sort(key=_severity_order)
            lead = members[0]
            if len(members) == 1:
                key = f"{lead.key}@{channel.value}"
                covers: tuple[str, ...] = tuple(sorted((lead.key, *lead.replaces)))
            else:
                covers = tuple(sorted(k for m in members for k in (m.key, *m.replaces)))
                key = consolidated_key(
                    cp.id, customer.id, "message", channel.value, as_of.isoformat(), covers
                )
            severity = (-lead.severity[0], -lead.severity[1])
            ranked.append((severity, key, covers, channel, currency, members))
        if allowed is None:
            allowed = len(ranked)
        if len(ranked) > 1:
            ranked.sort(key=lambda item: (item[0], item[1]))
        not_before = self._not_before(cp, customer)
        for index, (_, key, covers, channel, currency, members) in enumerate(ranked):
            if index < allowed:
                out.actions.append(
                    self._send(customer, key, covers, channel, currency, members, not_before)
                )
            else:
                out.skipped.extend(self._capped(message, capped, retry) for message in members)

    def _capped(self, message: _Message, text: str, retry: date | None) -> SkippedOccurrence:
        """`message` held back by the frequency cap until `retry`."""
        return self._skip(
            message.key,
            message.invoice,
            message.due_on,
            SkipReason.CAPPED,
            "frequency_cap",
            text,
            retry_on=retry,
        )

    def _not_before(self, cp: CompiledPolicy, customer: Customer) -> datetime:
        """The start of the send window on the evaluation date, in the customer's time zone."""
        slot = (customer.time_zone, cp.window_start)
        known = self._windows.get(slot)
        if known is None:
            tz = ZoneInfo(customer.time_zone)
            known = self._windows[slot] = datetime.combine(self.as_of, cp.window_start, tzinfo=tz)
        return known

    def _send(
        self,
        customer: Customer,
        key: str,
        covers: tuple[str, ...],
        channel: Channel,
        currency: str,
        members: list[_Message],
        not_before: datetime,
    ) -> SendMessage:
        """One message (consolidated when it has several members) to `customer`."""
        as_of = self.as_of
        lead = members[0]
        address = customer.address(channel)
        assert address is not None  # pick_channel only returns channels with an address
        total = sum((m.balance.amount for m in members), _ZERO)
        ordered = members if len(members) == 1 else sorted(members, key=_invoice_of)
        items = tuple(
            MessageItem._construct(
                invoice_id=m.invoice.id,
                occurrence=m.key,
                template=m.template,
                tone=m.tone,
                balance=m.balance,
                days_overdue=(as_of - m.invoice.due_date).days,
                due_date=m.invoice.due_date,
            )
            for m in ordered
        )
        text = (
            lead.text()
            if len(members) == 1
            else f"{len(members)} invoices in one {channel.value} message; led by {lead.text()}"
        )
        return SendMessage._construct(
            key=key,
            customer_id=customer.id,
            invoice_ids=tuple(item.invoice_id for item in items),
            due_on=min(m.due_on for m in members),
            covers=covers,
            reason=Reason._construct(rule=lead.rule, text=text, figures=lead.figures()),
            channel=channel,
            address=address,
            template=lead.template,
            tone=lead.tone,
            locale=customer.locale,
            not_before=not_before,
            total=_money(total, currency),
            items=items,
        )


def _service_change(at_suspending_stage: bool, suspends: int, resumes: int) -> str | None:
    """The change of service a customer needs: ``"suspend"``, ``"resume"`` or None.

    `suspends` and `resumes` count the suspensions and resumptions executed so far.
    """
    if at_suspending_stage and suspends <= resumes:
        return "suspend"
    if not at_suspending_stage and suspends > resumes:
        return "resume"
    return None


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


def _severity_order(message: _Message) -> tuple[int, int, str, str]:
    """Most severe first, then by invoice and key."""
    return (-message.severity[0], -message.severity[1], message.invoice.id, message.key)


def _invoice_of(message: _Message) -> str:
    return message.invoice.id


def _trigger_text(stage: CompiledStage, invoice: Invoice, entry: date) -> str:
    parts: list[str] = []
    trigger = stage.trigger
    if trigger.days_overdue is not None:
        parts.append(f"{(entry - invoice.due_date).days} days overdue (>= {trigger.days_overdue})")
    if trigger.invoice_balance:
        parts.append(f"invoice balance at or above {stage.invoice_balance.get(invoice.currency)}")
    if trigger.customer_overdue_balance:
        parts.append("customer overdue balance at or above the threshold")
    if trigger.unpaid_invoices is not None:
        parts.append(f"at least {trigger.unpaid_invoices} unpaid invoices")
    if trigger.failed_payment:
        parts.append("an automatic charge failed")
    return (" and " if trigger.match == "all" else " or ").join(parts)


# -- inputs ----------------------------------------------------------------------------------


def _customers(
    customers: Iterable[Customer | Mapping[str, Any]] | Mapping[str, Customer],
) -> tuple[dict[str, Customer], dict[str, str]]:
    """Index customers by id; ids given twice with different data are ambiguous."""
    index: dict[str, Customer] = {}
    problems: dict[str, str] = {}
    items = customers.values() if isinstance(customers, Mapping) else customers
    for item in items:
        customer = item if isinstance(item, Customer) else Customer.model_validate(item)
        known = index.get(customer.id)
        if known is not None and known != customer:
            problems[customer.id] = f"customer {customer.id!r} is given twice with different data"
        index[customer.id] = customer
    return index, problems


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
    # The engine builds many small objects and no reference cycles: the cyclic garbage
    # collector would only walk the caller's whole heap (millions of invoices) again and again.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _evaluate(invoices, policy, as_of, customers, history, plans)
    finally:
        if collecting:
            gc.enable()


def _evaluate(
    invoices: Iterable[Invoice | Mapping[str, Any]],
    policy: Policy | PolicySet,
    as_of: date,
    customers: Iterable[Customer | Mapping[str, Any]] | Mapping[str, Customer],
    history: Iterable[HistoryRecord] | HistoryIndex,
    plans: Iterable[InstallmentPlan],
) -> Evaluation:
    customer_index, customer_problems = _customers(customers)
    plan_index: dict[str, list[InstallmentPlan]] = defaultdict(list)
    for plan in plans:
        for invoice_id in plan.invoice_ids:
            plan_index[invoice_id].append(plan)
    index = history if isinstance(history, HistoryIndex) else HistoryIndex(history)
    engine = _Engine(policy, as_of, index, plan_index)
    rejected: list[Rejection] = []
    slots, unknown, copies = _first_pass(
        engine, invoices, customer_index, customer_problems, rejected
    )
    if copies:
        # Some ids are given more than once: every copy is rejected, whatever the input order.
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
    for customer_id, group in unknown.items():
        problem = customer_problems.get(customer_id)
        if customer_id not in customer_index:
            problem = f"customer {customer_id!r} is not among the customers given"
        rejected.extend(
            Rejection._construct(invoice_id=invoice.id, customer_id=customer_id, error=problem)
            for invoice in group
        )
    # Second pass, per customer in id order: the invoices left and the customer-level rules.
    actions: list[Action] = []
    skipped: list[SkippedOccurrence] = []
    paused: list[PausedInvoice] = []
    quiet: list[str] = []
    acted: list[str] = []
    skipped_only: list[str] = []
    stages: list[CustomerStage] = []
    suspended = index.suspends
    resumed = index.resumes
    for customer_id in sorted(slots):
        slot = slots[customer_id]
        rest = slot.rest
        if not rest and not slot.quiet:
            continue  # every invoice of the customer was rejected
        out: _Customer | None = None
        # With every invoice quiet, only a change of service can be due.
        if rest or _service_change(
            bool(slot.suspending), suspended.get(customer_id, 0), resumed.get(customer_id, 0)
        ):
            if len(rest) > 1:
                rest.sort(key=_ID)
            out = engine.customer(slot)
        if out is None or (not out.actions and not out.skipped and not out.paused):
            still = slot.quiet
            still.extend(invoice.id for invoice in rest)
        else:
            if len(out.actions) > 1:
                out.actions.sort(key=lambda a: (a.due_on, _KIND_ORDER[a.kind], a.key))
            if len(out.skipped) > 1:
                out.skipped.sort(key=lambda s: (s.invoice_id, s.due_on, s.key, s.cause))
            touched = {i for a in out.actions for i in a.invoice_ids}
            skipped_ids = {s.invoice_id for s in out.skipped}
            paused_ids = {p.invoice_id for p in out.paused}
            still = slot.quiet
            for invoice in rest:
                invoice_id = invoice.id
                if invoice_id in paused_ids:
                    continue
                if invoice_id in touched:
                    acted.append(invoice_id)
                elif invoice_id in skipped_ids:
                    skipped_only.append(invoice_id)
                else:
                    still.append(invoice_id)
            actions.extend(out.actions)
            skipped.extend(out.skipped)
            paused.extend(out.paused)
        if len(still) > 1:
            still.sort()
        quiet.extend(still)
        if slot.levels:
            stages.append(_customer_stage(slot.compiled, customer_id, slot.levels))
    rejected.sort(key=lambda r: (r.customer_id or "", r.invoice_id or "", r.error))
    return Evaluation._construct(
        as_of=as_of,
        actions=tuple(actions),
        skipped=tuple(skipped),
        paused=tuple(paused),
        rejected=tuple(rejected),
        acted=tuple(acted),
        skipped_invoices=tuple(skipped_only),
        quiet=tuple(quiet),
        stages=tuple(stages),
    )


_KIND_ORDER = {kind: index for index, kind in enumerate(ActionKind)}
_ID = attrgetter("id")


def _first_pass(
    engine: _Engine,
    invoices: Iterable[Invoice | Mapping[str, Any]],
    customer_index: Mapping[str, Customer],
    customer_problems: Mapping[str, str],
    rejected: list[Rejection],
) -> tuple[dict[str, _Screened], dict[str, list[Invoice]], dict[str, list[str]]]:
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
    slots: dict[str, _Screened] = {}
    unknown: dict[str, list[Invoice]] = defaultdict(list)
    ids: set[str] = set()
    remember = ids.add
    copies: dict[str, list[str]] = {}
    as_of = engine.as_of
    plans = engine.plans
    failed = engine.history.failed_charges
    open_status = InvoiceStatus.OPEN
    cp: CompiledPolicy | None = None
    # What must be done for an invoice to be quiet depends on its due date alone (for a
    # `fast` policy): worked out once per policy and due date, then a subset test per invoice.
    plans_of: dict[str, dict[date, _QuickPlan]] = {}
    plan_of: dict[date, _QuickPlan] = {}
    check_promise = check_disputed = False
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
            slot = slots[customer_id] = engine.slot(customer)
        if not slot.quick:
            slot.rest.append(invoice)
            continue
        if slot.compiled is not cp:
            cp = slot.compiled
            plan_of = plans_of.setdefault(cp.id, {})
            check_promise = cp.policy.pauses.promise_to_pay
            check_disputed = cp.policy.pauses.disputed
        if invoice.status is not open_status:
            slot.quiet.append(invoice_id)
            continue
        promise = invoice.promise_to_pay
        if (
            invoice.charges
            or (promise is not None and check_promise and as_of <= promise)
            or (invoice.disputed and check_disputed)
            or (plans and invoice_id in plans)
            or (failed and invoice_id in failed)
        ):
            slot.rest.append(invoice)
            continue
        if (invoice.payments or invoice.credit_notes) and _principal_on(invoice, as_of) <= 0:
            slot.quiet.append(invoice_id)
            continue
        due = invoice.due_date
        plan = plan_of.get(due)
        if plan is None:
            plan = plan_of[due] = _quick_plan(cp, due, as_of)
        needs, level, suspension = plan
        if needs:
            part = (
                invoice_id
                if ":" not in invoice_id and "%" not in invoice_id
                else escape(invoice_id)
            )
            if not slot.done_of.get(part, _NO_TAILS).keys() >= needs:
                slot.rest.append(invoice)
                continue
        slot.quiet.append(invoice_id)
        if level:
            slot.levels[invoice_id] = level
            if suspension is not None:
                slot.suspending[invoice_id] = suspension
    return slots, unknown, copies


#: For the quick check, by due date: the key tails that must be done for the invoice to be
#: quiet, the stage level it has reached, and the suspension that level brings (its most
#: severe suspending stage and the day the first suspending stage was entered), if any.
_QuickPlan = tuple[frozenset[str], int, "tuple[CompiledStage, date] | None"]


def _quick_plan(cp: CompiledPolicy, due: date, as_of: date) -> _QuickPlan:
    """What the quick check needs of an invoice due on `due` (see `_first_pass`)."""
    days = (as_of - due).days
    level = bisect_right(cp.stage_days, days) if cp.stage_days else 0
    needs = set(cp.stage_needs[level])
    if not cp.stage_stops[level]:
        offsets = cp.step_offsets or ()
        position = bisect_right(offsets, days) - 1
        if position >= 0:
            step = cp.steps[position]
            needs.add(step.tail(step.occurrence(days - step.offset)))
    return frozenset(needs), level, cp.suspension(level, due)


def _customer_stage(cp: CompiledPolicy, customer_id: str, levels: dict[str, int]) -> CustomerStage:
    level = max(levels.values())
    return CustomerStage._construct(
        customer_id=customer_id,
        policy_id=cp.id,
        stage_id=cp.stages[level - 1].stage.id,
        level=level,
        invoice_ids=tuple(sorted([i for i, v in levels.items() if v == level])),
    )


def _str_or_none(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _one_line(error: ValidationError) -> str:
    parts = []
    for entry in error.errors():
        location = ".".join(str(part) for part in entry["loc"]) or "invoice"
        parts.append(f"{location}: {entry['msg']}")
    return "; ".join(parts)
