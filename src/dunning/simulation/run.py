"""One simulated run: the real engine decides, the payer model answers, day by day.

Each simulated day the open invoices are evaluated with the policy that would go live (the
history of earlier days kept in a `HistoryIndex`); every message the engine decides is taken
as sent that day, every fee and interest posting is charged to its invoice, write-offs close
their invoice. Then the payer model decides which open invoices are paid that day; payments,
disputes, promises and opt-outs go back into the invoices and customers that the next day's
evaluation reads.

Whether an invoice is paid on a day is a draw against the day's hazard; rather than drawing
it for every open invoice every day, the run skips ahead to the next day on which a payment
can happen with the same probability (see `_Payer`), and looks at an invoice afresh whenever
its hazard can rise (a message, the due date).

Draws are common random numbers (`dunning.simulation._random`): a draw is a pure function of
the seed, the invoice or customer, the day and its purpose, not of what the policy did, so two
policies run with the same seed differ only by what the policies do (and the days an invoice
is looked at afresh, which the policy's messages decide). The same inputs and seed always
give the same result.
"""

from __future__ import annotations

import gc
from collections import Counter, defaultdict, deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_DOWN, Decimal
from math import log1p

from dunning.engine import Evaluation
from dunning.engine.actions import (
    ActionKind,
    ChargeFee,
    HistoryRecord,
    HistoryStatus,
    OfferPlan,
    PostInterest,
    ProposeWriteOff,
    RetryCharge,
)
from dunning.engine.compact import message_tone
from dunning.engine.compiled import CompiledPolicy
from dunning.engine.core import _evaluate_compiled
from dunning.engine.history import HistoryIndex
from dunning.engine.review import _Memo, _next_review
from dunning.invoices import (
    MAX_IDENTIFIER_LENGTH,
    Charge,
    ChargeKind,
    CreditNote,
    Customer,
    Invoice,
    InvoiceStatus,
    Payment,
)
from dunning.money import Money, minor_unit
from dunning.plans import InstallmentPlan, PlanStatus, build_plan
from dunning.policy import Policy, PolicySet
from dunning.simulation._random import subject_seed, uniform
from dunning.simulation.behaviour import Behaviour
from dunning.simulation.portfolio import Portfolio

__all__ = [
    "MessageEvent",
    "OptOutEvent",
    "PaymentEvent",
    "SimulationResult",
    "simulate",
]

# Slots of the draws of one invoice (or customer) on one day; fixed so that draws line up
# across policies whatever each one does.
_PAY, _PARTIAL, _SHARE, _DISPUTE, _UPHELD, _PROMISE, _KEPT = range(7)
_CHARGE, _HARD, _RETRY, _SKIP = range(7, 11)  # _SKIP: how many days the payer's draws skip
# Customer draws: day 0 for what a customer is (never pays, pays by automatic charge); on
# later days, slot 1 for accepting a plan offered, slots from 2 up for opt-outs.
_NEVER, _AUTOMATIC, _ACCEPT = 0, 1, 1

#: The longest horizon a run accepts (ten years of days).
MAX_DAYS = 3660


@dataclass(frozen=True, slots=True)
class MessageEvent:
    """A message the engine decided and the simulation took as sent."""

    day: date
    customer_id: str
    channel: str
    tone: str
    invoice_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PaymentEvent:
    """A payment the payer model made."""

    day: date
    customer_id: str
    invoice_id: str
    currency: str
    amount: Decimal
    partial: bool
    source: str
    """'payer' (the hazard), 'promise', 'plan' (an installment), 'charge' (the automatic
    charge on the due date) or 'retry' (a retry of a failed one)."""


@dataclass(frozen=True, slots=True)
class OptOutEvent:
    """A customer who opted out of a channel after too many messages (a complaint)."""

    day: date
    customer_id: str
    channel: str


@dataclass(frozen=True, slots=True)
class SimulationResult:
    """Everything one run produced; `metrics()` summarises it.

    Attributes:
        policy_id: the policy (or policy set) simulated.
        seed: the seed of the draws.
        start: the first simulated day; ``days`` days were simulated.
        initial: the invoices as given; ``final`` as they stand after the last day.
        messages, payments, opt_outs: the events, in the order they happened.
        actions: how many actions of each kind the engine decided.
        charged: fees and interest posted, per (currency, kind).
        written_off: invoices closed by a write-off, with the balance written off.
        plans: the installment plans customers accepted, with the payments made under them.
        charges: automatic charges: 'attempted', 'failed', 'hard_declines', 'retries',
            'recovered' (retries that succeeded).
        rejected: invoices or customers that could not be simulated, with the reason (rows the
            portfolio rejected and invoices the engine rejected); counted, never dropped.
    """

    policy_id: str
    seed: int
    start: date
    days: int
    initial: tuple[Invoice, ...]
    final: tuple[Invoice, ...]
    messages: tuple[MessageEvent, ...]
    payments: tuple[PaymentEvent, ...]
    opt_outs: tuple[OptOutEvent, ...]
    actions: Mapping[str, int]
    charged: Mapping[tuple[str, str], Decimal]
    written_off: tuple[tuple[str, str, Decimal], ...]
    rejected: tuple[tuple[str, str], ...]
    plans: tuple[InstallmentPlan, ...] = ()
    charges: Mapping[str, int] = field(default_factory=dict)
    end: date = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "end", self.start + timedelta(days=self.days - 1))

    def metrics(self, costs: Mapping[str, Decimal] | None = None):  # type: ignore[no-untyped-def]
        """The collection metrics of this run (see `dunning.simulation.metrics`)."""
        from dunning.simulation.metrics import Metrics

        return Metrics.of(self, costs=costs)


class _Invoices(dict[str, Invoice]):
    """The invoices of a run by id, noting the ids of those replaced since `changed` was cleared."""

    __slots__ = ("changed",)

    def __init__(self, items: Iterable[tuple[str, Invoice]]) -> None:
        super().__init__(items)
        self.changed: set[str] = set()

    def __setitem__(self, key: str, value: Invoice) -> None:
        self.changed.add(key)
        super().__setitem__(key, value)


class _Payer:
    """On which days the payer model looks at each open invoice.

    Paying is a daily draw against the hazard, ``uniform < hazard``; drawing it for every
    open invoice every day would cost as much as the rest of the run. Instead, after each
    look at an invoice the draws skip ahead (thinning a Bernoulli process): the hazard from
    tomorrow on is at most a bound (the baseline hazard falls after the due date and a
    message's lift fades, so both are highest tomorrow), a geometric draw with that bound
    gives the next candidate day, and on it the invoice pays with ``hazard / bound``. Each
    day thus pays with exactly the model's probability. Whatever can raise the hazard (a
    message, the due date) or what the draws stop for (a dispute, a plan, a new invoice)
    makes the invoice looked at afresh that day, with the plain daily draw, and the skipping
    starts again from there.
    """

    __slots__ = ("_candidates", "_days", "_next", "events")

    def __init__(self, days: int) -> None:
        self._days = days
        self.events: defaultdict[int, set[str]] = defaultdict(set)
        """Day number -> invoices looked at afresh that day."""
        self._candidates: defaultdict[int, list[str]] = defaultdict(list)
        self._next: dict[str, tuple[int, float]] = {}
        """Invoice -> its next candidate day and the bound it was drawn with."""

    def visit(self, invoice_id: str, number: int) -> None:
        """Look at `invoice_id` afresh on day `number` (ignored outside the run)."""
        if 1 <= number <= self._days:
            self.events[number].add(invoice_id)

    def due(self, number: int) -> set[str]:
        """The invoices whose candidate day is day `number`."""
        pending = self._next
        return {
            i for i in self._candidates.pop(number, ()) if pending.get(i, (0, 0.0))[0] == number
        }

    def take(self, invoice_id: str) -> tuple[int, float] | None:
        """Forget the invoice's candidate day, returning it (or None)."""
        return self._next.pop(invoice_id, None)

    def skip(
        self, invoice_id: str, number: int, bound: float, draw: float, before: int | None
    ) -> None:
        """Draw the next candidate day after day `number` for a hazard at most `bound`.

        `draw` is uniform in [0, 1); a candidate past the run, or on or after day `before`
        (a day that looks at the invoice afresh anyway), is dropped.
        """
        if bound <= 0.0:
            return
        gap = 0.0 if bound >= 1.0 else log1p(-draw) / log1p(-bound)
        end = self._days + 1 if before is None else min(before, self._days + 1)
        if gap >= end - number - 1:
            return
        candidate = number + 1 + int(gap)
        self._next[invoice_id] = (candidate, bound)
        self._candidates[candidate].append(invoice_id)


@dataclass(slots=True)
class _State:
    """What a run changes as it goes: invoices, customers and the payer's memory."""

    invoices: _Invoices
    customers: dict[str, Customer]
    received: dict[str, deque[tuple[int, str, str]]] = field(
        default_factory=lambda: defaultdict(deque)
    )
    promise_kept: dict[str, bool] = field(default_factory=dict)
    dispute_ends: dict[str, int] = field(default_factory=dict)
    plans: dict[str, InstallmentPlan] = field(default_factory=dict)
    planned: dict[str, str] = field(default_factory=dict)  # invoice id -> plan id
    automatic: set[str] = field(default_factory=set)  # customers paying by automatic charge
    hard: set[str] = field(default_factory=set)  # invoices whose charge was hard-declined
    charges: Counter[str] = field(default_factory=Counter)
    failures: list[HistoryRecord] = field(default_factory=list)
    lifts: dict[str, float] = field(default_factory=dict)  # customer -> today's lift
    touched: set[str] = field(default_factory=set)  # customers given a plan today
    terms: dict[tuple[str, str, int, int], float] = field(default_factory=dict)
    """The lift of one message by (channel, tone, age, rank): a few hundred values a run."""


def simulate(
    policy: Policy | PolicySet,
    portfolio: Portfolio,
    behaviour: Behaviour,
    *,
    days: int,
    start: date | None = None,
    seed: int = 0,
    every_day: bool = False,
) -> SimulationResult:
    """Run `policy` over `portfolio` for `days` days with the payer model `behaviour`.

    A customer is evaluated only on the days something can fall due for it
    (`dunning.engine.next_review`) and on the day after anything touched its invoices (a
    payment, a dispute, a promise, a plan, a failed charge); on the other days the engine
    would find nothing to do, so the result is the same as evaluating every open invoice
    every day, only faster.

    Args:
        policy: the policy (or policy set) that would go live.
        portfolio: the customers and invoices, as they stand on `start`.
        behaviour: the payer model.
        days: how many days to simulate (1 to 3,660).
        start: the first day; by default the earliest issue date of the portfolio.
        seed: the seed of the draws; the same seed gives the same result.
        every_day: evaluate every open invoice every day instead (slower, the same result:
            the reference the shortcut is tested against).

    Raises:
        ValueError: a horizon out of range, an empty portfolio, or a behaviour that names a
            segment the portfolio lacks.

    >>> from dunning.simulation import PortfolioSpec, generate_portfolio
    >>> from dunning import Policy, ReminderStep
    >>> p = generate_portfolio(PortfolioSpec(customers=5, start=date(2026, 1, 1), seed=3))
    >>> policy = Policy(id="due", steps=[ReminderStep(
    ...     id="due", offset_days=0, channels=["email"], template="due")])
    >>> result = simulate(policy, p, Behaviour.always(1.0), days=120)
    >>> sum(1 for i in result.final if i.is_open)
    0
    """
    if not 1 <= days <= MAX_DAYS:
        raise ValueError(f"days must be between 1 and {MAX_DAYS}, got {days}")
    if not portfolio.invoices:
        raise ValueError("the portfolio has no invoices to simulate")
    behaviour.check_segments(portfolio.segments())
    first = start or min(i.issue_date for i in portfolio.invoices)
    # As a daily run of the runner: a simulation builds many small objects and no reference
    # cycles, so the cyclic garbage collector would only walk the whole portfolio again and
    # again (a fifth to over a quarter of the run's CPU). It is paused for the run and set back.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _simulate(policy, portfolio, behaviour, days, first, seed, every_day)
    finally:
        if collecting:
            gc.enable()


def _simulate(
    policy: Policy | PolicySet,
    portfolio: Portfolio,
    behaviour: Behaviour,
    days: int,
    first: date,
    seed: int,
    every_day: bool,
) -> SimulationResult:
    """`simulate` once its arguments are checked."""
    state = _State(
        invoices=_Invoices((i.id, i) for i in portfolio.invoices),
        customers={c.id: c for c in portfolio.customers},
    )
    seeds = {i.id: subject_seed(seed, i.id) for i in portfolio.invoices}
    customer_seeds = {c.id: subject_seed(seed, "customer:" + c.id) for c in portfolio.customers}
    never = {
        c.id
        for c in portfolio.customers
        if uniform(customer_seeds[c.id], 0, _NEVER) < behaviour.hazard_for(c.segment).never_pay
    }
    state.automatic = {
        c.id
        for c in portfolio.customers
        if uniform(customer_seeds[c.id], 0, _AUTOMATIC) < behaviour.charges.share
    }
    index = HistoryIndex()
    # In an every-day run, the invoices still collectable, in portfolio order: only an
    # invoice the day changed can leave the list.
    open_ids = [i.id for i in portfolio.invoices if _collectable(i)] if every_day else []
    messages: list[MessageEvent] = []
    payments: list[PaymentEvent] = []
    opt_outs: list[OptOutEvent] = []
    actions: Counter[str] = Counter()
    charged: defaultdict[tuple[str, str], Decimal] = defaultdict(Decimal)
    written_off: list[tuple[str, str, Decimal]] = []
    rejected: list[tuple[str, str]] = [(r.id or "?", r.error) for r in portfolio.rejected]
    seen_rejected: set[str] = set()
    customer_ids = [c.id for c in portfolio.customers]  # every invoice's, as Portfolio checks
    compiled: dict[str, CompiledPolicy] = {}  # the policies, compiled once for the whole run
    by_customer: defaultdict[str, list[str]] = defaultdict(list)  # the collectable ones
    review = None if every_day else _Review(by_customer, customer_ids)
    position: dict[str, int] = {}
    payer = _Payer(days)
    # Open invoices by the day they are first looked at (issued by then), and how many of
    # the invoices issued so far are still open.
    issuing: defaultdict[int, list[str]] = defaultdict(list)
    for number, invoice in enumerate(portfolio.invoices):
        position[invoice.id] = number
        if _collectable(invoice):
            by_customer[invoice.customer_id].append(invoice.id)
            issuing[max((invoice.issue_date - first).days + 1, 1)].append(invoice.id)
            payer.visit(invoice.id, (invoice.due_date - first).days + 1)
    issued_open = 0
    messaged: set[str] = set()  # the customers messaged yesterday
    for offset in range(days):
        day = first + timedelta(days=offset)
        number = offset + 1
        invoices = state.invoices
        invoices.changed.clear()
        issued = issuing.pop(number, [])
        issued_open += len(issued)
        due: set[str] = set()
        if review is None:
            chosen = [i for i in map(invoices.__getitem__, open_ids) if i.issue_date <= day]
        else:
            due = review.due(offset)
            chosen = [
                invoice
                for customer in due
                for invoice in map(invoices.__getitem__, by_customer[customer])
                if invoice.issue_date <= day
            ]
        if not issued_open:
            if due and review is not None:
                review.schedule(state, policy, compiled, index, day, offset, due, None)
            continue
        plans = tuple(state.plans.values())
        evaluation: Evaluation | None = None
        if chosen:
            evaluation = _evaluate_compiled(
                compiled,
                chosen,
                policy,
                day,
                customers=state.customers if review is None else _customers_of(state, chosen),
                history=index,
                plans=plans,
            )
            index.add(evaluation.history(day))
        if due and review is not None:
            review.schedule(state, policy, compiled, index, day, offset, due, evaluation, plans)
        for problem in evaluation.rejected if evaluation is not None else ():
            subject = problem.invoice_id or problem.customer_id or "?"
            if subject not in seen_rejected:
                seen_rejected.add(subject)
                rejected.append((subject, problem.error))
        today: set[str] = set()  # the customers messaged today
        # Messages are read from the evaluation's entries, without building them; the
        # other actions (a few percent) are built.
        entries = evaluation.entries() if evaluation is not None else ()
        for place, entry in enumerate(entries):
            actions[entry.kind.value] += 1
            if entry.kind is ActionKind.SEND_MESSAGE:
                customer_id = entry.customer_id
                channel = entry.channel.value  # type: ignore[union-attr]  # a message's
                tone = message_tone(entry).value
                event = MessageEvent(day, customer_id, channel, tone, entry.invoice_ids)
                messages.append(event)
                today.add(customer_id)
                state.received[customer_id].append((number, channel, tone))
                opt_out = _maybe_opt_out(
                    state, behaviour, customer_seeds[customer_id], number, event
                )
                if opt_out is not None:
                    opt_outs.append(opt_out)
                continue
            action = evaluation.action(place)  # type: ignore[union-attr]  # has entries
            if isinstance(action, ChargeFee | PostInterest):
                kind = (
                    ChargeKind.FEE if action.kind is ActionKind.CHARGE_FEE else ChargeKind.INTEREST
                )
                invoice = state.invoices[action.invoice_ids[0]]
                state.invoices[invoice.id] = invoice.evolve(
                    charges=(
                        *invoice.charges,
                        Charge(
                            id=f"{invoice.id}-{kind.value}-{len(invoice.charges) + 1}",
                            date=day,
                            kind=kind,
                            amount=action.amount,
                        ),
                    )
                )
                charged[(action.amount.currency, kind.value)] += action.amount.amount
            elif isinstance(action, OfferPlan):
                seed_c = customer_seeds[action.customer_id]
                if uniform(seed_c, number, _ACCEPT) < behaviour.plans.accept:
                    _accept_plan(state, action, day)
            elif isinstance(action, RetryCharge):
                _retry(
                    state, behaviour, action, seeds[action.invoice_ids[0]], day, number, payments
                )
            elif isinstance(action, ProposeWriteOff):
                for invoice_id in action.invoice_ids:
                    invoice = state.invoices[invoice_id]
                    written_off.append((invoice.id, invoice.currency, _balance(invoice).amount))
                    state.invoices[invoice_id] = invoice.evolve(status=InvoiceStatus.VOID)
        _installments(state, behaviour, seed, day, payments)
        state.lifts.clear()  # messages are all in: a customer's lift is fixed for the day
        # The payer model looks afresh at what a message, a plan or a new invoice changed,
        # and at the invoices whose draws fall on today (see `_Payer`).
        fresh = payer.events.pop(number, set())
        fresh.update(issued)
        # A message raises the hazard from today; the day after one, a customer may promise
        # to pay (whose draw, known beforehand, saves looking at the others).
        promising = behaviour.promises.probability
        for customer in today - never:
            fresh.update(i for i in by_customer[customer] if invoices[i].issue_date <= day)
        for customer in messaged - never:
            fresh.update(
                i
                for i in by_customer[customer]
                if uniform(seeds[i], number, _PROMISE) < promising and invoices[i].issue_date <= day
            )
        fresh.update(state.planned)
        for invoice_id in sorted(fresh | payer.due(number), key=position.__getitem__):
            _pay(
                state,
                behaviour,
                payer,
                invoice_id,
                seeds[invoice_id],
                day,
                number,
                never,
                payments,
                fresh=invoice_id in fresh,
            )
        messaged = today
        changed = invoices.changed
        closed = {i for i in changed if not _collectable(invoices[i])}
        if closed:
            issued_open -= len(closed)
            for invoice_id in closed:
                by_customer[invoices[invoice_id].customer_id].remove(invoice_id)
            if review is not None:
                review.forget(closed)
            if open_ids:
                open_ids = [i for i in open_ids if i not in closed]
        if review is not None:
            # What the payer model or the actions changed is seen by tomorrow's evaluation.
            touched = {invoices[i].customer_id for i in changed}
            touched.update(state.touched)
            touched.update(record.customer_id for record in state.failures)
            review.touch(touched, offset + 1)
        state.touched.clear()
        if state.failures:
            index.add(state.failures)
            state.failures.clear()
    return SimulationResult(
        policy_id=policy.id if isinstance(policy, Policy) else policy.default.id,
        seed=seed,
        start=first,
        days=days,
        initial=portfolio.invoices,
        final=tuple(state.invoices.values()),
        messages=tuple(messages),
        payments=tuple(payments),
        opt_outs=tuple(opt_outs),
        actions=dict(sorted(actions.items())),
        charged=dict(sorted(charged.items())),
        written_off=tuple(written_off),
        rejected=tuple(rejected),
        plans=tuple(state.plans.values()),
        charges=dict(sorted(state.charges.items())),
    )


class _Review:
    """When each customer is evaluated next: its `next_review` day, or the day after a change."""

    __slots__ = ("_buckets", "_collectable", "_memo", "_on")

    def __init__(self, collectable: Mapping[str, list[str]], customers: list[str]) -> None:
        self._collectable = collectable
        """Customer -> its collectable invoices (issued or not), kept up to date by the run."""
        # Every customer is evaluated on the first day.
        self._on: dict[str, int] = dict.fromkeys(customers, 0)
        self._buckets: dict[int, set[str]] = {0: set(customers)}
        self._memo: dict[str, _Memo] = {}
        """Each invoice's last review day, reused until it changes (see `_next_review`)."""

    def due(self, offset: int) -> set[str]:
        """The customers to evaluate on day `offset` (0 for the first day)."""
        bucket = self._buckets.pop(offset, None)
        if not bucket:
            return set()
        on = self._on
        return {customer for customer in bucket if on.get(customer) == offset}

    def forget(self, invoice_ids: set[str]) -> None:
        """Let go of what is remembered of invoices that are closed (never reviewed again)."""
        memo = self._memo
        for invoice_id in invoice_ids:
            memo.pop(invoice_id, None)

    def touch(self, customers: set[str], offset: int) -> None:
        """Evaluate `customers` on day `offset` at the latest."""
        on = self._on
        for customer in customers:
            known = on.get(customer)
            if known is None or known > offset:
                self._set(customer, offset)

    def schedule(
        self,
        state: _State,
        policy: Policy | PolicySet,
        compiled: dict[str, CompiledPolicy],
        index: HistoryIndex,
        day: date,
        offset: int,
        customers: set[str],
        evaluation: Evaluation | None,
        plans: tuple[InstallmentPlan, ...] = (),
    ) -> None:
        """After the evaluation of `day`, the next review day of each of `customers`."""
        invoices = [
            state.invoices[i] for customer in customers for i in self._collectable.get(customer, ())
        ]
        days = _next_review(
            invoices, policy, day, state.customers, index, plans, evaluation, compiled, self._memo
        )
        for customer in customers:
            self._on.pop(customer, None)
            later = days.get(customer)
            if later is not None:
                self._set(customer, offset + (later - day).days)

    def _set(self, customer: str, offset: int) -> None:
        self._on[customer] = offset
        bucket = self._buckets.get(offset)
        if bucket is None:
            bucket = self._buckets[offset] = set()
        bucket.add(customer)


def _customers_of(state: _State, invoices: list[Invoice]) -> dict[str, Customer]:
    """The customers of `invoices` (an evaluation reads only those)."""
    known = state.customers
    return {c: known[c] for c in {i.customer_id for i in invoices} if c in known}


def _collectable(invoice: Invoice) -> bool:
    return invoice.status is InvoiceStatus.OPEN and _balance(invoice).amount > 0


def _balance(invoice: Invoice) -> Money:
    """`invoice.balance`: its total while nothing is applied to it.

    The same amount, without working out the invoice's sums (most invoices of a run stand
    so until they are paid, and `Invoice.with_payment` then carries the sums over).
    """
    if invoice.payments or invoice.credit_notes or invoice.charges:
        return invoice.balance
    return invoice.total


def _maybe_opt_out(
    state: _State, behaviour: Behaviour, seed: int, number: int, event: MessageEvent
) -> OptOutEvent | None:
    response = behaviour.response
    recent = state.received[event.customer_id]
    while recent and recent[0][0] <= number - response.window_days:
        recent.popleft()
    if len(recent) <= response.opt_out_after:
        return None
    # One draw per message rank on the day keeps the draws independent of the policy's order.
    if uniform(seed, number, 2 + len(recent)) >= response.opt_out_probability:
        return None
    customer = state.customers[event.customer_id]
    if event.channel in customer.opted_out:
        return None
    state.customers[customer.id] = customer.evolve(opted_out=(*customer.opted_out, event.channel))
    return OptOutEvent(event.day, customer.id, event.channel)


def _lift(state: _State, behaviour: Behaviour, customer_id: str, number: int) -> float:
    recent = state.received.get(customer_id)
    if not recent:
        return 0.0
    known = state.lifts.get(customer_id)
    if known is not None:
        return known
    response = behaviour.response
    terms = state.terms
    total = 0.0
    window: list[int] = []
    for day, channel, tone in recent:
        window = [d for d in window if d > day - response.window_days]
        window.append(day)
        slot = (channel, tone, number - day, len(window))
        term = terms.get(slot)
        if term is None:
            term = terms[slot] = response.lift(channel, tone, age=slot[2], rank=slot[3])
        total += term
    state.lifts[customer_id] = total
    return total


def _pay(
    state: _State,
    behaviour: Behaviour,
    payer: _Payer,
    invoice_id: str,
    seed: int,
    day: date,
    number: int,
    never: set[str],
    payments: list[PaymentEvent],
    *,
    fresh: bool,
) -> None:
    """Look at one open invoice: disputes, promises, charges, and the draw of paying.

    `fresh`: the invoice is looked at afresh today (the plain daily draw); otherwise today
    is its candidate day (see `_Payer`).
    """
    pending = payer.take(invoice_id)
    invoice = state.invoices[invoice_id]
    if invoice.issue_date > day or not _collectable(invoice):
        return
    ends = state.dispute_ends.get(invoice_id)
    if ends is not None:
        if number < ends:
            return  # looked at again when the dispute is resolved
        del state.dispute_ends[invoice_id]
        if uniform(seed, number, _UPHELD) < behaviour.disputes.upheld:
            state.invoices[invoice_id] = invoice.evolve(
                disputed=False,
                credit_notes=(
                    *invoice.credit_notes,
                    CreditNote(id=f"{invoice_id}-credit", date=day, amount=_balance(invoice)),
                ),
            )
            return
        invoice = state.invoices[invoice_id] = invoice.evolve(disputed=False)
    due = invoice.due_date
    if day == due and uniform(seed, number, _DISPUTE) < behaviour.disputes.probability:
        state.dispute_ends[invoice_id] = ends = number + behaviour.disputes.resolve_after_days
        state.invoices[invoice_id] = invoice.evolve(disputed=True)
        payer.visit(invoice_id, ends)
        return
    promised = invoice.promise_to_pay
    if promised is not None and day >= promised:
        kept = state.promise_kept.pop(invoice_id, False)
        invoice = state.invoices[invoice_id] = invoice.evolve(promise_to_pay=None)
        if kept and invoice.customer_id not in never:
            _record(state, invoice, day, _balance(invoice).amount, payments, source="promise")
            return
    plan_id = state.planned.get(invoice_id)
    if plan_id is not None and state.plans[plan_id].standing(day).status in (
        PlanStatus.CURRENT,
        PlanStatus.LATE,
    ):
        return  # paid through the plan's installments (looked at every day)
    if invoice.customer_id in state.automatic and day == due:
        _charge(state, behaviour, invoice, seed, day, number, payments)
        payer.visit(invoice_id, number + 1)
        return
    if invoice.customer_id in never:
        return
    customer = state.customers[invoice.customer_id]
    hazard_model = behaviour.hazard_for(customer.segment)
    lift = 1.0 + _lift(state, behaviour, invoice.customer_id, number)
    hazard = hazard_model.on((day - due).days) * lift
    draw = uniform(seed, number, _PAY)
    # Looked at afresh: the daily draw; on a candidate day the bound was met: hazard / bound.
    paid = draw < hazard if fresh else pending is not None and draw * pending[1] < hazard
    if paid:
        amount = _balance(invoice).amount
        partial = uniform(seed, number, _PARTIAL) < behaviour.partial.probability
        if partial:
            low, high = behaviour.partial.min_share, behaviour.partial.max_share
            share = low + (high - low) * uniform(seed, number, _SHARE)
            step = Decimal(1).scaleb(-minor_unit(invoice.currency))
            amount = (amount * Decimal(str(round(share, 6)))).quantize(step, ROUND_DOWN)
            partial = Decimal(0) < amount < _balance(invoice).amount
            if not partial:
                amount = _balance(invoice).amount
        _record(state, invoice, day, amount, payments, partial=partial)
        if not partial:
            return
    elif (
        promised is None
        and invoice.promise_to_pay is None
        and _messaged_yesterday(state, invoice.customer_id, number)
        and uniform(seed, number, _PROMISE) < behaviour.promises.probability
    ):
        state.promise_kept[invoice_id] = uniform(seed, number, _KEPT) < behaviour.promises.kept
        kept_on = day + timedelta(days=behaviour.promises.within_days)
        state.invoices[invoice_id] = invoice.evolve(promise_to_pay=kept_on)
        payer.visit(invoice_id, number + behaviour.promises.within_days)
    # From tomorrow on, the hazard is at most tomorrow's with today's lift (both only fall
    # until a message or the due date, which look at the invoice afresh).
    ahead = (day - due).days + 1
    if ahead:
        payer.skip(
            invoice_id,
            number,
            min(hazard_model.on(ahead) * lift, 1.0),
            uniform(seed, number, _SKIP),
            number + 1 - ahead if ahead < 0 else None,
        )


def _messaged_yesterday(state: _State, customer_id: str, number: int) -> bool:
    recent = state.received.get(customer_id)
    return bool(recent) and recent[-1][0] == number - 1  # type: ignore[index]


def _record(
    state: _State,
    invoice: Invoice,
    day: date,
    amount: Decimal,
    payments: list[PaymentEvent],
    *,
    partial: bool = False,
    source: str = "payer",
) -> None:
    balance = _balance(invoice)
    payment_id = f"{invoice.id}-P{len(invoice.payments) + 1}"
    # The amount is the balance or a part of it in the currency's minor unit, above zero,
    # and the id a valid one with a suffix: valid by construction, but for an id that
    # the suffix makes too long, which the validating constructor reports.
    paid = balance if amount == balance.amount else Money._trusted(amount, invoice.currency)
    payment = (
        Payment._construct(id=payment_id, date=day, amount=paid)
        if len(payment_id) <= MAX_IDENTIFIER_LENGTH
        else Payment(id=payment_id, date=day, amount=paid)
    )
    state.invoices[invoice.id] = invoice.with_payment(payment)
    payments.append(
        PaymentEvent(
            day, invoice.customer_id, invoice.id, invoice.currency, amount, partial, source
        )
    )


def _charge(
    state: _State,
    behaviour: Behaviour,
    invoice: Invoice,
    seed: int,
    day: date,
    number: int,
    payments: list[PaymentEvent],
) -> None:
    """The automatic charge on the due date: paid, or a failure the engine's retries see."""
    state.charges["attempted"] += 1
    if uniform(seed, number, _CHARGE) < behaviour.charges.success:
        _record(state, invoice, day, _balance(invoice).amount, payments, source="charge")
        return
    state.charges["failed"] += 1
    if uniform(seed, number, _HARD) < behaviour.charges.hard_share:
        state.charges["hard_declines"] += 1
        state.hard.add(invoice.id)
    state.failures.append(
        HistoryRecord(
            key=f"automatic-charge:{invoice.id}",
            kind=ActionKind.AUTOMATIC_CHARGE,
            customer_id=invoice.customer_id,
            on=day,
            status=HistoryStatus.FAILED,
            invoice_ids=(invoice.id,),
        )
    )


def _retry(
    state: _State,
    behaviour: Behaviour,
    action: RetryCharge,
    seed: int,
    day: date,
    number: int,
    payments: list[PaymentEvent],
) -> None:
    """A retry the policy scheduled: a hard decline never succeeds."""
    state.charges["retries"] += 1
    invoice = state.invoices[action.invoice_ids[0]]
    if invoice.id in state.hard or not _collectable(invoice):
        return
    if uniform(seed, number, _RETRY) < behaviour.charges.retry_success:
        state.charges["recovered"] += 1
        _record(state, invoice, day, _balance(invoice).amount, payments, source="retry")


def _accept_plan(state: _State, action: OfferPlan, day: date) -> None:
    invoices = [
        state.invoices[i]
        for i in action.invoice_ids
        if _collectable(state.invoices[i]) and i not in state.planned
    ]
    if not invoices:
        return
    plan = build_plan(
        invoices,
        action.terms,
        id=f"plan-{action.customer_id}-{len(state.plans) + 1}",
        start_date=day,
    )
    state.plans[plan.id] = plan
    state.touched.add(action.customer_id)
    for invoice in invoices:
        state.planned[invoice.id] = plan.id


def _installments(
    state: _State, behaviour: Behaviour, seed: int, day: date, payments: list[PaymentEvent]
) -> None:
    """Installments due today: paid (over the plan's invoices, in order) or missed."""
    for plan_id, plan in list(state.plans.items()):
        if plan.standing(day).status not in (PlanStatus.CURRENT, PlanStatus.LATE):
            continue
        plan_seed = subject_seed(seed, plan_id)
        for row in plan.installments:
            if row.due_date != day:
                continue
            if uniform(plan_seed, row.sequence, 0) < behaviour.plans.miss:
                continue
            plan = state.plans[plan_id] = plan.evolve(
                payments=(
                    *plan.payments,
                    Payment(id=f"{plan_id}-{row.sequence}", date=day, amount=row.amount),
                )
            )
            left = row.amount.amount
            for invoice_id in plan.invoice_ids:
                invoice = state.invoices[invoice_id]
                if left <= 0 or not _collectable(invoice):
                    continue
                share = min(left, _balance(invoice).amount)
                _record(state, invoice, day, share, payments, source="plan")
                left -= share
