"""Watchers that follow a simulated run day by day and report the first broken promise.

One watcher per promise (and per invariant of the engine) is made for each simulated run; it
sees every day's `Evaluation` with the invoices and plans as known that day, keeps what it
needs (message dates, fees charged, stages entered) and returns a `Violation` the first day
the promise is broken.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, time, timedelta
from decimal import Decimal
from fractions import Fraction

from dunning.engine.actions import (
    Action,
    ChargeFee,
    CreateTask,
    EnterStage,
    PostInterest,
    ResumeService,
    SendMessage,
    SuspendService,
)
from dunning.engine.evaluation import Evaluation
from dunning.invoices import Customer, Invoice, InvoiceStatus
from dunning.money import Money, minor_unit, round_half_up
from dunning.penalties import InterestRule, amount_in
from dunning.plans import InstallmentPlan
from dunning.policy.model import Policy, TaskKind
from dunning.policy.promises import (
    ContactLawPromise,
    EscalationPromise,
    FeeLimit,
    FirstReminderPromise,
    InterestLimit,
    MessageLimit,
    NoContactPromise,
    QuietDaysPromise,
    ReminderLimit,
    SendWindowPromise,
    SuspensionNoticePromise,
)
from dunning.statutory.contact import ContactRecord, check, get_contact_rules

# Internal to `dunning.testing.checker`, which re-exports `Violation`.
__all__: list[str] = []

_DAY = timedelta(days=1)
_END_OF_DAY = time(23, 59, 59, 999999)


@dataclass(frozen=True)
class Violation:
    """A broken promise: the day, whom it concerns, what happened and the actions of the day.

    Attributes:
        day: the simulated day it was broken.
        customer_id: the customer concerned.
        invoice_ids: the invoices concerned, if any.
        text: what happened, with the figures.
        actions: the actions of that day for that customer.
    """

    day: date
    customer_id: str
    invoice_ids: tuple[str, ...]
    text: str
    actions: tuple[Action, ...] = ()


@dataclass(frozen=True)
class Day:
    """One simulated day: the evaluation and the inputs as known that day."""

    day: date
    evaluation: Evaluation
    invoices: Mapping[str, Invoice]
    plans: Mapping[str, InstallmentPlan]
    customers: Mapping[str, Customer]
    policies: Mapping[str, Policy]
    """The policy of each customer."""

    def violation(self, customer_id: str, invoice_ids: tuple[str, ...], text: str) -> Violation:
        """A violation on this day, with the day's actions for `customer_id`."""
        return Violation(
            day=self.day,
            customer_id=customer_id,
            invoice_ids=invoice_ids,
            text=text,
            actions=self.evaluation.actions_for(customer_id),
        )

    def messages(self) -> list[SendMessage]:
        """The messages of the day."""
        return [a for a in self.evaluation.actions if isinstance(a, SendMessage)]


class Watcher:
    """Follows one run; `observe` returns the first violation (and None before it)."""

    def observe(self, day: Day) -> Violation | None:
        """Look at one more day."""
        raise NotImplementedError


# -- promises ---------------------------------------------------------------------------------


class _MessageLimit(Watcher):
    def __init__(self, promise: MessageLimit) -> None:
        self.promise = promise
        self.sent: dict[str, list[date]] = defaultdict(list)

    def observe(self, day: Day) -> Violation | None:
        window = self.promise.days
        for message in day.messages():
            self.sent[message.customer_id].append(day.day)
        for customer_id, dates in self.sent.items():
            if not dates or dates[-1] != day.day:
                continue
            first = day.day - timedelta(days=window - 1)
            recent = [d for d in dates if d >= first]
            if len(recent) > self.promise.max_messages:
                listed = ", ".join(d.isoformat() for d in recent)
                return day.violation(
                    customer_id,
                    (),
                    f"{len(recent)} messages in the {window} days {first} to {day.day}: {listed}",
                )
        return None


class _QuietDays(Watcher):
    def __init__(self, promise: QuietDaysPromise) -> None:
        self.promise = promise

    def observe(self, day: Day) -> Violation | None:
        if self.promise.calendar.is_business_day(day.day):
            return None
        for message in day.messages():
            return day.violation(
                message.customer_id,
                message.invoice_ids,
                f"a {message.channel.value} message on {day.day:%A} {day.day}, a quiet day",
            )
        return None


class _SendWindow(Watcher):
    def __init__(self, promise: SendWindowPromise) -> None:
        self.promise = promise

    def observe(self, day: Day) -> Violation | None:
        start, end = self.promise.start, self.promise.end
        for message in day.messages():
            policy = day.policies[message.customer_id]
            earliest = message.not_before.timetz().replace(tzinfo=None)
            latest = policy.send_window.end if policy.send_window is not None else _END_OF_DAY
            if earliest < start or latest > end:
                return day.violation(
                    message.customer_id,
                    message.invoice_ids,
                    f"a {message.channel.value} message may go out from {earliest:%H:%M} to "
                    f"{latest:%H:%M} ({message.not_before.tzinfo}), outside "
                    f"{start:%H:%M}-{end:%H:%M}",
                )
        return None


def _contacts(day: Day) -> list[tuple[str, tuple[str, ...], str]]:
    """Every contact of the day: customer, invoices, and what it is."""
    found = []
    for action in day.evaluation.actions:
        if isinstance(action, SendMessage):
            found.append(
                (action.customer_id, action.invoice_ids, f"a {action.channel.value} message")
            )
        elif isinstance(action, CreateTask) and action.task.kind is not TaskKind.REVIEW:
            found.append((action.customer_id, action.invoice_ids, f"a {action.task.kind} task"))
    return found


class _NoContact(Watcher):
    def __init__(self, promise: NoContactPromise) -> None:
        self.during = set(promise.during)

    def observe(self, day: Day) -> Violation | None:
        for customer_id, invoice_ids, what in _contacts(day):
            for invoice_id in invoice_ids:
                invoice = day.invoices[invoice_id]
                plan = day.plans.get(invoice_id)
                why = None
                if "dispute" in self.during and invoice.disputed:
                    why = "it is disputed"
                elif (
                    "promise_to_pay" in self.during
                    and invoice.promise_to_pay is not None
                    and day.day <= invoice.promise_to_pay
                ):
                    why = f"the customer promised to pay by {invoice.promise_to_pay}"
                elif "plan" in self.during and plan is not None and plan.in_good_standing(day.day):
                    why = f"installment plan {plan.id} is in good standing"
                if why is not None:
                    return day.violation(
                        customer_id, (invoice_id,), f"{what} about {invoice_id} while {why}"
                    )
        return None


class _SuspensionNotice(Watcher):
    def __init__(self, promise: SuspensionNoticePromise) -> None:
        self.promise = promise
        self.notices: dict[str, list[date]] = defaultdict(list)

    def _is_notice(self, message: SendMessage) -> bool:
        templates = self.promise.templates
        if not templates:
            return True
        return message.template in templates or any(i.template in templates for i in message.items)

    def observe(self, day: Day) -> Violation | None:
        for action in day.evaluation.actions:
            if isinstance(action, ResumeService):
                self.notices.pop(action.customer_id, None)
        for action in day.evaluation.actions:
            if isinstance(action, SuspendService):
                latest = day.day - timedelta(days=self.promise.min_days)
                notices = self.notices.get(action.customer_id, [])
                reachable = day.customers[action.customer_id].reachable_channels()
                if reachable and not any(d <= latest for d in notices):
                    sent = ", ".join(d.isoformat() for d in notices) or "none"
                    return day.violation(
                        action.customer_id,
                        action.invoice_ids,
                        f"service suspended on {day.day} with no notice on or before "
                        f"{latest} (notices: {sent})",
                    )
        for message in day.messages():
            if self._is_notice(message):
                self.notices[message.customer_id].append(day.day)
        return None


class _FeeLimit(Watcher):
    def __init__(
        self, promise: FeeLimit, compensation: Callable[[Money, int], Money | None] | None
    ) -> None:
        self.promise = promise
        self.compensation = compensation
        self.charged: dict[str, Decimal] = defaultdict(Decimal)

    def _cap(self, invoice: Invoice, day: date) -> tuple[Decimal, str] | None:
        caps: list[tuple[Decimal, str]] = []
        amount = amount_in(self.promise.amounts, invoice.currency)
        if amount is not None:
            caps.append((amount.amount, str(amount)))
        percent = self.promise.percent_of_total
        if percent is not None:
            caps.append((invoice.total.amount * percent / 100, f"{percent} % of {invoice.total}"))
        if self.compensation is not None:
            granted = self.compensation(invoice.total, (day - invoice.due_date).days)
            caps.append(
                (Decimal(0), "no statutory compensation yet")
                if granted is None
                else (granted.amount, f"the statutory {granted}")
            )
        return min(caps) if caps else None

    def observe(self, day: Day) -> Violation | None:
        for action in day.evaluation.actions:
            if not isinstance(action, ChargeFee):
                continue
            for invoice_id in action.invoice_ids:
                self.charged[invoice_id] += action.amount.amount
                invoice = day.invoices[invoice_id]
                cap = self._cap(invoice, day.day)
                total = self.charged[invoice_id]
                if cap is not None and total > cap[0]:
                    return day.violation(
                        action.customer_id,
                        (invoice_id,),
                        f"fees of {total} {invoice.currency} on {invoice_id} (this one "
                        f"{action.amount}, stage {action.stage_id}) above {cap[1]}",
                    )
        return None


def _principal_before(invoice: Invoice, day: date) -> Decimal:
    """The invoice total less the payments and credit notes dated before `day`.

    A payment dated `day` itself still leaves that day's interest on the full balance, as the
    engine charges it (`dunning.engine.rules.interest`).
    """
    owed = invoice.total.amount
    owed -= sum((p.amount.amount for p in invoice.payments if p.date < day), Decimal(0))
    owed -= sum((c.amount.amount for c in invoice.credit_notes if c.date < day), Decimal(0))
    return max(owed, Decimal(0))


class _InterestLimit(Watcher):
    def __init__(self, promise: InterestLimit, statutory: InterestRule | None) -> None:
        self.promise = promise
        self.statutory = statutory

    def observe(self, day: Day) -> Violation | None:
        limit = self.promise.max_annual_rate
        for action in day.evaluation.actions:
            if not isinstance(action, PostInterest):
                continue
            ids = action.invoice_ids
            if limit is not None:
                for segment in action.segments:
                    if segment.annual_rate > limit:
                        return day.violation(
                            action.customer_id,
                            ids,
                            f"interest at {segment.annual_rate} % a year from "
                            f"{segment.first_day} to {segment.last_day}, above {limit} %",
                        )
            if self.statutory is not None and ids:
                invoice = day.invoices[ids[0]]
                principal = _principal_before(invoice, action.first_day)
                exact, _ = self.statutory.accrue(principal, action.first_day, action.last_day)
                allowed = _round(exact, invoice.currency)
                if action.amount.amount > allowed:
                    return day.violation(
                        action.customer_id,
                        ids,
                        f"interest of {action.amount} from {action.first_day} to "
                        f"{action.last_day}, above the statutory {allowed} {invoice.currency} "
                        f"on {principal} {invoice.currency}",
                    )
        return None


def _round(exact: Fraction, currency: str) -> Decimal:
    return round_half_up(exact, minor_unit(currency))


class _Deadline(Watcher):
    """A promise judged `days` days after each invoice's due date, on invoices still owed."""

    def __init__(self, days: int) -> None:
        self.days = days
        self.paused: set[str] = set()

    def observe(self, day: Day) -> Violation | None:
        for paused in day.evaluation.paused:
            # Only a pause from the due date on exempts an invoice.
            if day.day >= day.invoices[paused.invoice_id].due_date:
                self.paused.add(paused.invoice_id)
        self.note(day)
        for invoice in day.invoices.values():
            overdue = (day.day - invoice.due_date).days
            if overdue != self.days or invoice.id in self.paused:
                continue
            if invoice.effective_status is not InvoiceStatus.OPEN:
                continue
            broken = self.judge(day, invoice)
            if broken is not None:
                return day.violation(invoice.customer_id, (invoice.id,), broken)
        return None

    def note(self, day: Day) -> None:
        """Keep what the day did."""

    def judge(self, day: Day, invoice: Invoice) -> str | None:
        """What is wrong with `invoice` on its deadline, or None."""
        raise NotImplementedError


class _FirstReminder(_Deadline):
    def __init__(self, promise: FirstReminderPromise) -> None:
        super().__init__(promise.within_days)
        self.reminded: set[str] = set()

    def note(self, day: Day) -> None:
        for message in day.messages():
            for item in message.items:
                if item.days_overdue >= 0:
                    self.reminded.add(item.invoice_id)

    def judge(self, day: Day, invoice: Invoice) -> str | None:
        if invoice.id in self.reminded:
            return None
        if not day.customers[invoice.customer_id].reachable_channels():
            return None
        return (
            f"no message about {invoice.id} (balance {invoice.balance}, due "
            f"{invoice.due_date}) from its due date to {day.day}"
        )


class _Escalation(_Deadline):
    def __init__(self, promise: EscalationPromise) -> None:
        super().__init__(promise.by_day)
        self.stage = promise.stage
        self.levels: dict[str, int] = {}

    def note(self, day: Day) -> None:
        for action in day.evaluation.actions:
            if isinstance(action, EnterStage):
                for invoice_id in action.invoice_ids:
                    self.levels[invoice_id] = max(self.levels.get(invoice_id, 0), action.level)

    def judge(self, day: Day, invoice: Invoice) -> str | None:
        policy = day.policies[invoice.customer_id]
        ids = [stage.id for stage in policy.stages]
        if self.stage not in ids:
            return None
        wanted = ids.index(self.stage) + 1
        reached = self.levels.get(invoice.id, 0)
        if reached >= wanted:
            return None
        where = f"stage {ids[reached - 1]!r}" if reached else "no stage"
        return (
            f"{invoice.id} (balance {invoice.balance}, due {invoice.due_date}) is at {where} "
            f"{self.days} days after its due date, not at {self.stage!r}"
        )


class _ReminderLimit(Watcher):
    def __init__(self, promise: ReminderLimit) -> None:
        self.limit = promise.max_reminders
        self.counts: dict[str, int] = defaultdict(int)

    def observe(self, day: Day) -> Violation | None:
        for message in day.messages():
            for item in message.items:
                if ":step:" not in item.occurrence:
                    continue
                self.counts[item.invoice_id] += 1
                if self.counts[item.invoice_id] > self.limit:
                    return day.violation(
                        message.customer_id,
                        (item.invoice_id,),
                        f"reminder {self.counts[item.invoice_id]} about {item.invoice_id} "
                        f"(template {item.template})",
                    )
        return None


class _ContactLaw(Watcher):
    def __init__(self, promise: ContactLawPromise) -> None:
        self.rules = get_contact_rules(promise.jurisdiction)
        self.sent: dict[str, list[ContactRecord]] = defaultdict(list)

    def observe(self, day: Day) -> Violation | None:
        for message in day.messages():
            contact = ContactRecord(at=message.not_before, channel=message.channel)
            customer = day.customers[message.customer_id]
            earlier = self.sent[message.customer_id]
            earlier.append(contact)
            consents = customer.consents(message.not_before.date())
            found = check(self.rules, earlier, zone=customer.time_zone, consents=consents)
            # Every earlier day was clean: whatever is found now, this message brought.
            if found:
                local = message.not_before
                return day.violation(
                    message.customer_id,
                    message.invoice_ids,
                    f"a {message.channel.value} message at {local:%A} {local:%Y-%m-%d %H:%M} "
                    f"({customer.time_zone}) breaks {found[0].message}",
                )
        return None


def watcher_for(
    promise: object,
    *,
    compensation: Callable[[Money, int], Money | None] | None = None,
    statutory_interest: InterestRule | None = None,
) -> Watcher:
    """A new watcher of `promise` (a `dunning.policy.promises.Promise`)."""
    if isinstance(promise, MessageLimit):
        return _MessageLimit(promise)
    if isinstance(promise, QuietDaysPromise):
        return _QuietDays(promise)
    if isinstance(promise, SendWindowPromise):
        return _SendWindow(promise)
    if isinstance(promise, NoContactPromise):
        return _NoContact(promise)
    if isinstance(promise, SuspensionNoticePromise):
        return _SuspensionNotice(promise)
    if isinstance(promise, FeeLimit):
        return _FeeLimit(promise, compensation)
    if isinstance(promise, InterestLimit):
        return _InterestLimit(promise, statutory_interest)
    if isinstance(promise, FirstReminderPromise):
        return _FirstReminder(promise)
    if isinstance(promise, EscalationPromise):
        return _Escalation(promise)
    if isinstance(promise, ReminderLimit):
        return _ReminderLimit(promise)
    if isinstance(promise, ContactLawPromise):
        return _ContactLaw(promise)
    raise TypeError(f"{promise!r} is not a promise")


# -- the engine's own invariants (DESIGN.md) -------------------------------------------------


class _Accounted(Watcher):
    def observe(self, day: Day) -> Violation | None:
        evaluation = day.evaluation
        missing = []
        for invoice_id, invoice in day.invoices.items():
            try:
                evaluation.outcome(invoice_id)
            except KeyError:
                missing.append((invoice.customer_id, invoice_id))
        if missing or evaluation.invoice_count != len(day.invoices):
            customer = missing[0][0] if missing else next(iter(day.customers))
            return day.violation(
                customer,
                tuple(i for _, i in missing),
                f"{evaluation.invoice_count} outcomes for {len(day.invoices)} invoices",
            )
        return None


class _NothingForSettled(Watcher):
    def observe(self, day: Day) -> Violation | None:
        for message in day.messages():
            for invoice_id in message.invoice_ids:
                invoice = day.invoices[invoice_id]
                if invoice.effective_status is not InvoiceStatus.OPEN:
                    return day.violation(
                        message.customer_id,
                        (invoice_id,),
                        f"a message about {invoice_id}, which is {invoice.effective_status.value}",
                    )
        return None


class _NoPreDueLate(Watcher):
    def observe(self, day: Day) -> Violation | None:
        for message in day.messages():
            policy = day.policies[message.customer_id]
            early = [s.id for s in policy.steps if s.offset_days < 0]
            for item in message.items:
                if item.days_overdue < 0:
                    continue
                for step in early:
                    if f":step:{step}:" in item.occurrence:
                        return day.violation(
                            message.customer_id,
                            (item.invoice_id,),
                            f"pre-due reminder {step} about {item.invoice_id} sent "
                            f"{item.days_overdue} days after its due date",
                        )
        return None


class _PolicyCap(Watcher):
    """The frequency cap of each customer's own policy holds in every window."""

    def __init__(self) -> None:
        self.sent: dict[str, list[date]] = defaultdict(list)

    def observe(self, day: Day) -> Violation | None:
        for message in day.messages():
            self.sent[message.customer_id].append(day.day)
        for customer_id, dates in self.sent.items():
            cap = day.policies[customer_id].frequency_cap
            if cap is None or dates[-1] != day.day:
                continue
            first = day.day - timedelta(days=cap.days - 1)
            recent = [d for d in dates if d >= first]
            if len(recent) > cap.max_messages:
                return day.violation(
                    customer_id,
                    (),
                    f"{len(recent)} messages from {first} to {day.day}, above the policy's cap "
                    f"of {cap.max_messages} in {cap.days} days",
                )
        return None


#: The invariants checked on every run, by name.
_INVARIANTS: dict[str, Callable[[], Watcher]] = {
    "every invoice is accounted for in each evaluation": _Accounted,
    "the policy's frequency cap holds in every window": _PolicyCap,
    "no message about a paid or void invoice": _NothingForSettled,
    "no pre-due reminder on or after the due date": _NoPreDueLate,
}


def invariant_watchers() -> dict[str, Callable[[], Watcher]]:
    """The engine invariants watched on every run, by name."""
    return dict(_INVARIANTS)
