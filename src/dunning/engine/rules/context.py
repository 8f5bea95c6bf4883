"""What the rules share: the evaluation run, one customer's context and small builders.

A `Run` holds what does not change during one evaluation (DESIGN.md rule 4: the inputs,
never the clock); a `CustomerContext` collects what the rules decide for one customer and
points at the invoice being evaluated, whose done keys the rules look up (rule 5).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal, Inexact
from typing import Any

from dunning.engine.actions import (
    Action,
    PausedInvoice,
    Reason,
    Rejection,
    SkippedOccurrence,
    SkipReason,
)
from dunning.engine.compact import Entry
from dunning.engine.compiled import (
    CompiledPolicy,
    CompiledStage,
    CompiledStep,
    StagePlan,
    Suspensions,
    compile_policy,
)
from dunning.engine.history import HistoryIndex
from dunning.engine.keys import escape
from dunning.errors import ContactLawError, DunningError, MoneyError, RateNotFoundError
from dunning.invoices import Channel, Customer, Invoice
from dunning.money import Money, minor_unit, money_context
from dunning.plans import InstallmentPlan
from dunning.policy.model import MAX_COUNT, Policy, PolicySet

__all__ = [
    "MAX_OCCURRENCES",
    "NO_TAILS",
    "ZERO",
    "CustomerContext",
    "Held",
    "Message",
    "ReminderPlan",
    "Run",
    "Scoped",
    "Task",
    "TooManyOccurrencesError",
    "balance_on",
    "exact",
    "message_figures",
    "message_text",
    "money",
    "note_suspension",
    "notice_keys",
    "principal_on",
    "reason",
    "skip",
]

ZERO = Decimal(0)

#: The most occurrences of a periodic rule (a recurring fee, an interest posting period) one
#: evaluation works out per invoice: a daily fee over 27 years, monthly interest over 833.
#: Reminders are summarised and never count against it; an invoice past it is rejected.
MAX_OCCURRENCES = MAX_COUNT


class TooManyOccurrencesError(DunningError, ValueError):
    """A periodic rule would work out more than `MAX_OCCURRENCES` occurrences for an invoice."""

    def __init__(self, what: str, count: int, as_of: date) -> None:
        super().__init__(
            f"{what} would come to {count:,} occurrences by {as_of.isoformat()}, more than "
            f"the {MAX_OCCURRENCES:,} one evaluation works out per invoice"
        )


NO_TAILS: Mapping[str, date] = {}

#: For calendar-day steps, what the reminder rule works out once per due date: the position
#: of the latest step due, that step, its first occurrence's day, the number of the latest
#: occurrence due, its day, its key tail (``step:<id>:<n>``), whether it is stale (a
#: pre-due reminder on or after the due date, or later than the step's lateness allows), and
#: the key tail of the occurrence just before it when that is plain to tell (None if not):
#: when that one was done, no earlier occurrence is left to report as superseded.
ReminderPlan = tuple[int, CompiledStep, date, int, date, str, bool, str | None]


class Run:
    """What one evaluation reads, shared by every customer.

    The policies (compiled once), the evaluation date, the history and the installment plans.
    `compiled` is a cache of compiled policies by policy id, filled on demand: a caller that
    evaluates one policy many times (a simulation, the checker) passes the same dict each time.
    """

    __slots__ = (
        "_compiled",
        "_reminder_plans",
        "_stage_plans",
        "as_of",
        "history",
        "plans",
        "policies",
        "windows",
    )

    def __init__(
        self,
        policies: Policy | PolicySet,
        as_of: date,
        history: HistoryIndex,
        plans: Mapping[str, list[InstallmentPlan]],
        compiled: dict[str, CompiledPolicy] | None = None,
    ) -> None:
        self.policies = policies
        self.as_of = as_of
        self.history = history
        self.plans = plans
        self._compiled: dict[str, CompiledPolicy] = {} if compiled is None else compiled
        self.windows: dict[tuple[str, time, time | None], tuple[datetime, datetime | None]] = {}
        """Send-window bounds on the evaluation date, by time zone, start and end."""
        self._stage_plans: dict[str, dict[date, StagePlan]] = {}
        self._reminder_plans: dict[str, dict[date, ReminderPlan | None]] = {}

    def compiled_for(self, customer: Customer) -> CompiledPolicy:
        """The compiled policy that applies to `customer`."""
        policies = self.policies
        policy = policies.for_customer(customer) if isinstance(policies, PolicySet) else policies
        compiled = self._compiled.get(policy.id)
        if compiled is None:
            compiled = self._compiled[policy.id] = compile_policy(policy)
        return compiled

    def stage_plan(self, compiled: CompiledPolicy, due: date) -> StagePlan:
        """`compiled.stage_plan(due, as_of)`, worked out once per policy and due date."""
        plans = self.stage_plans(compiled)
        plan = plans.get(due)
        if plan is None:
            plan = plans[due] = compiled.stage_plan(due, self.as_of)
        return plan

    def stage_plans(self, compiled: CompiledPolicy) -> dict[date, StagePlan]:
        """The stage plans of `compiled` worked out so far, by due date (see `stage_plan`)."""
        plans = self._stage_plans.get(compiled.id)
        if plans is None:
            plans = self._stage_plans[compiled.id] = {}
        return plans

    def reminder_plans(self, compiled: CompiledPolicy) -> dict[date, ReminderPlan | None]:
        """What the reminder rule worked out of `compiled` per due date (`rules.reminders`)."""
        plans = self._reminder_plans.get(compiled.id)
        if plans is None:
            plans = self._reminder_plans[compiled.id] = {}
        return plans


@dataclass(slots=True)
class Message:
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
    owed: Decimal
    """The balance, exact to the minor unit of the invoice's currency (see `exact`): its
    `Money` is built only when the message is (`balance`)."""
    days: int
    """Days overdue on the evaluation date."""
    source: CompiledStep | CompiledStage
    number: int | None = None
    """The repetition of a reminder step (None for a stage message)."""
    replaces: tuple[str, ...] = ()
    fallback: Message | None = None
    """For a stage message, the reminder due the same day: it goes instead when the stage
    message has no channel left (its deliveries failed), else the stage message replaces it."""
    note: str = ""
    """Appended to the text (why it goes in place of another message, failed deliveries)."""

    @property
    def balance(self) -> Money:
        """The balance the message states."""
        return Money._trusted(self.owed, self.invoice.currency)


def message_text(
    source: CompiledStep | CompiledStage,
    due_on: date,
    days: int,
    balance: Money,
    number: int | None,
    invoice_due: date,
    note: str,
) -> str:
    """The one-line reason of a message (see `Message`), from its parts."""
    if isinstance(source, CompiledStage):
        return (
            f"stage {source.stage.id} entered on {due_on.isoformat()} "
            f"({days} days overdue, balance {balance}){note}"
        )
    offset = source.offset
    when = (
        f"{-offset} days before the due date"
        if offset < 0
        else "on the due date"
        if offset == 0
        else f"{offset} days after the due date"
    )
    repeat = f", repetition {(number or 0) + 1}" if source.every else ""
    due = invoice_due.isoformat()
    return f"reminder {source.step.id} ({when}{repeat}) for {balance} due {due}{note}"


def message_figures(days: int, balance: Money) -> tuple[tuple[str, str], ...]:
    """The figures of a message's reason: days overdue and balance."""
    return (("days_overdue", str(days)), ("balance", str(balance.amount)))


@dataclass(slots=True)
class Task:
    """A task for a person, waiting to be grouped per stage."""

    invoice: Invoice
    key: str
    stage: CompiledStage
    due_on: date


class Scoped:
    """The done keys of the invoice being evaluated, looked up by whole key.

    One per customer context, pointed at each invoice in turn (see `CustomerContext.focus`).
    """

    __slots__ = ("prefix_length", "tails")

    def __init__(self) -> None:
        self.prefix_length = 0
        self.tails: Mapping[str, date] = NO_TAILS

    def get(self, key: str) -> date | None:
        """The day the occurrence `key` was done, or None."""
        return self.tails.get(key[self.prefix_length :])

    def __contains__(self, key: str) -> bool:
        return key[self.prefix_length :] in self.tails


class CustomerContext:
    """What the rules decide for one customer, and the invoice they are looking at."""

    __slots__ = (
        "actions",
        "as_of",
        "compiled",
        "customer",
        "customer_prefix",
        "done",
        "entries",
        "held",
        "history",
        "levels",
        "messages",
        "mine",
        "notices",
        "offers",
        "paused",
        "prefix",
        "rejected",
        "reminder_plans",
        "reminders_stopped",
        "run",
        "sent",
        "skipped",
        "stage_plans",
        "suspend_on",
        "suspend_stage",
        "tasks",
    )

    def __init__(
        self,
        run: Run,
        compiled: CompiledPolicy,
        customer: Customer,
        levels: dict[str, int],
        suspending: Mapping[str, Suspensions],
    ) -> None:
        self.run = run
        self.as_of = run.as_of
        self.history = run.history
        self.compiled = compiled
        self.customer = customer
        self.actions: list[Entry] = []
        """Actions built, or deferred until they are read (`dunning.engine.compact`)."""
        self.skipped: list[SkippedOccurrence] = []
        self.paused: list[PausedInvoice] = []
        self.messages: list[Message] = []
        self.tasks: list[Task] = []
        self.offers: dict[tuple[str, str], tuple[CompiledStage, date]] = {}
        self.levels = levels
        self.entries: dict[str, dict[str, date]] = {}
        self.suspend_stage: CompiledStage | None = None
        self.suspend_on: date | None = None
        self.reminders_stopped: set[str] = set()
        self.customer_prefix = f"{compiled.prefix}{escape(customer.id)}:"
        self.notices: list[tuple[str, tuple[str, ...]]] = []
        """Per invoice at a suspending stage: the keys of the messages that announce it."""
        self.held: list[Held] = []
        """Hand-offs and write-off proposals that take effect once their notice is out."""
        self.sent: set[str] = set()
        """The occurrences the messages of this evaluation carry out."""
        self.rejected: list[Rejection] = []
        """Invoices whose rules failed on extreme values (see `reject`)."""
        self.prefix = ""
        """The start of the keys of the invoice being evaluated."""
        self.mine: Mapping[str, date] = NO_TAILS
        """Its done keys, after the prefix."""
        self.done = Scoped()
        """The same, looked up by whole key."""
        self.reminder_plans = run.reminder_plans(compiled)
        """The run's reminder plans of the customer's policy, by due date."""
        self.stage_plans = run.stage_plans(compiled)
        """The run's stage plans of the customer's policy, by due date."""
        for invoice_id, suspensions in suspending.items():
            for stage, on, reached in suspensions:
                note_suspension(self, stage, on, invoice_id, reached)

    def marks(self) -> tuple[int, int, int, int, int]:
        """How much the rules have produced so far (see `reject`)."""
        return (
            len(self.actions),
            len(self.skipped),
            len(self.messages),
            len(self.tasks),
            len(self.held),
        )

    def reject(
        self, invoice: Invoice, marks: tuple[int, int, int, int, int], error: Exception
    ) -> None:
        """Undo what the rules produced for `invoice` since `marks` and reject it.

        For values the rules cannot carry (a date out of the calendar's range, more periodic
        occurrences than `MAX_OCCURRENCES`, a day the policy's rate table has no rate for):
        the invoice is rejected with the reason, and the
        rest of the batch is evaluated. Amounts need no such case: the input boundary refuses
        amounts of more than `dunning.money.MAX_DIGITS` digits and policies bound their rates
        and fees, so no figure comes near the precision of the money context.
        """
        actions, skipped, messages, tasks, held = marks
        del self.actions[actions:]
        del self.skipped[skipped:]
        del self.messages[messages:]
        del self.tasks[tasks:]
        del self.held[held:]
        self.levels.pop(invoice.id, None)
        self.entries.pop(invoice.id, None)
        self.reminders_stopped.discard(invoice.id)
        facts = f"due date {invoice.due_date.isoformat()}, total {invoice.total}"
        if isinstance(
            error, TooManyOccurrencesError | RateNotFoundError | MoneyError | ContactLawError
        ):
            why = f"{error} ({facts})"
        elif isinstance(error, OverflowError) or "out of range" in str(error):
            why = (
                "a date its rules reach falls outside the calendar (years 1 to 9999) "
                f"({facts}; {error})"
            )
        else:
            raise error  # a defect of the library, not a hostile value: never hidden
        self.rejected.append(
            Rejection._construct(
                invoice_id=invoice.id,
                customer_id=invoice.customer_id,
                error=f"invoice {invoice.id!r} cannot be evaluated: {why}",
            )
        )

    def reject_all(self, invoices: Iterable[Invoice], error: Exception) -> None:
        """Undo every rule's output for the customer and reject its `invoices`.

        For an error of the customer-level rules (messages, caps, suspension), which concern
        every invoice at once. Without an invoice to name, the customer itself is rejected.
        """
        already = {r.invoice_id for r in self.rejected}
        kept = list(self.rejected)
        for invoice in invoices:
            if invoice.id not in already:
                self.reject(invoice, (0, 0, 0, 0, 0), error)
        if len(self.rejected) == len(kept):
            self.reject_customer(error)
        self.actions.clear()
        self.skipped.clear()
        self.messages.clear()
        self.tasks.clear()
        self.held.clear()

    def reject_customer(self, error: Exception) -> None:
        """Reject the customer's customer-level rules (no invoice of it to name)."""
        if isinstance(error, ContactLawError):
            self.rejected.append(
                Rejection._construct(
                    invoice_id=None,
                    customer_id=self.customer.id,
                    error=f"customer {self.customer.id!r} cannot be evaluated on "
                    f"{self.as_of.isoformat()}: {error}",
                )
            )
            return
        if not (isinstance(error, OverflowError) or "out of range" in str(error)):
            raise error  # a defect of the library, not a hostile value: never hidden
        self.rejected.append(
            Rejection._construct(
                invoice_id=None,
                customer_id=self.customer.id,
                error=f"customer {self.customer.id!r} cannot be evaluated on "
                f"{self.as_of.isoformat()}: a date its rules reach falls outside the calendar "
                f"(years 1 to 9999; {error})",
            )
        )

    def focus(
        self, customer_prefix: str, done_of: Mapping[str, Mapping[str, date]], invoice: Invoice
    ) -> None:
        """Make `invoice` the one whose keys are built and looked up."""
        part = invoice.id
        if ":" in part or "%" in part:
            part = escape(part)
        self.prefix = prefix = f"{customer_prefix}{part}:"
        self.mine = mine = done_of.get(part, NO_TAILS)
        done = self.done
        done.prefix_length = len(prefix)
        done.tails = mine


def note_suspension(
    ctx: CustomerContext,
    stage: CompiledStage,
    on: date,
    invoice_id: str,
    reached: Iterable[CompiledStage],
) -> None:
    """Record that invoice `invoice_id` is at suspending `stage`, entered on `on`.

    `reached` are the stages from `stage` up to the invoice's top stage: the message of any
    of them announces the suspension (see `notice_keys`).
    """
    if ctx.suspend_stage is None or stage.level > ctx.suspend_stage.level:
        ctx.suspend_stage = stage
    if ctx.suspend_on is None or on < ctx.suspend_on:
        ctx.suspend_on = on
    ctx.notices.append((invoice_id, notice_keys(ctx, invoice_id, reached)))


def notice_keys(
    ctx: CustomerContext, invoice_id: str, reached: Iterable[CompiledStage]
) -> tuple[str, ...]:
    """The keys of the stage messages of `reached` (for one invoice): the notices."""
    sids = [stage.sid for stage in reached if stage.stage.message is not None]
    if not sids:
        return ()
    prefix = f"{ctx.customer_prefix}{escape(invoice_id)}:stage-message:"
    return tuple([prefix + sid for sid in sids])


@dataclass(slots=True)
class Held:
    """An action that takes effect only once a notice has gone out (see `rules.notices`)."""

    invoice: Invoice
    key: str
    entry: date
    notices: tuple[str, ...]
    clear_days: int
    rule: str
    text: str
    build: Callable[[date], Action]


def principal_on(invoice: Invoice, day: date) -> Decimal:
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


def balance_on(invoice: Invoice, day: date) -> Decimal:
    """The principal owed on `day` plus the charges posted up to then."""
    owed = principal_on(invoice, day)
    for charge in invoice.charges:
        if charge.date <= day:
            owed += charge.amount.amount
    return owed


def money(amount: Decimal, currency: str) -> Money:
    """`amount` in `currency`, written to the currency's minor unit.

    Every amount the engine emits goes through here: ``1E+3`` or ``0.1`` (an input amount in
    another notation) comes out as ``1000.00`` and ``0.10`` USD. The quantisation only adds
    zeros: amounts are never finer than their minor unit by the time they get here.
    """
    return Money._trusted(exact(amount, currency), currency)


def exact(amount: Decimal, currency: str) -> Decimal:
    """`amount` written to the minor unit of `currency`: the amount of `money(amount, ...)`.

    For a figure decided now and built into a `Money` only if it is read: the same check
    (a `MoneyError` for an amount finer than the minor unit), without the model.
    """
    unit = _UNITS.get(currency)
    if unit is None:
        # The exponent first: another thread that finds the unit finds its exponent too.
        _EXPONENTS[currency] = -minor_unit(currency)
        unit = _UNITS[currency] = Decimal(1).scaleb(-minor_unit(currency))
    if amount.as_tuple().exponent != _EXPONENTS[currency]:
        try:
            amount = amount.quantize(unit, context=_EXACT)
        except Inexact:
            # Only an input built without validation (`Invoice.trusted`) can get here.
            raise MoneyError(
                f"amount {amount} is finer than the minor unit of {currency} "
                f"({minor_unit(currency)} decimals)"
            ) from None
    return amount


#: The minor unit of each currency met (1, 0.01, 0.001), as a Decimal to quantise to.
_UNITS: dict[str, Decimal] = {}
#: The exponent of each of those units (-2 for 0.01).
_EXPONENTS: dict[str, int] = {}
#: Quantising to the minor unit with this context raises rather than round: what comes in is
#: already exact to the minor unit.
_EXACT = money_context()
_EXACT.traps[Inexact] = True


def reason(rule: str, text: str, **figures: object) -> Reason:
    """The reason of an action or skip: its rule, one-line text and figures."""
    return Reason._construct(
        rule=rule,
        text=text,
        figures=tuple([(k, str(v)) for k, v in figures.items()]) if figures else (),
    )


def skip(
    key: str,
    invoice: Invoice,
    due_on: date,
    cause: SkipReason,
    rule: str,
    text: str,
    retry_on: date | None = None,
    occurrence: int | None = None,
    rule_id: str | None = None,
    figures: tuple[tuple[str, str], ...] = (),
) -> SkippedOccurrence:
    """An occurrence of `invoice` not carried out, with its cause and reason.

    `rule` is the rule of the reason (the cap that held it back, for instance); `rule_id`
    the rule the occurrence comes from, when it differs; `figures` those of the reason.
    """
    return SkippedOccurrence._construct(
        key=key,
        customer_id=invoice.customer_id,
        invoice_id=invoice.id,
        due_on=due_on,
        cause=cause,
        reason=Reason._construct(rule=rule, text=text, figures=figures),
        retry_on=retry_on,
        rule_id=rule if rule_id is None else rule_id,
        occurrence=occurrence,
    )
