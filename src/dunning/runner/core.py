"""`Runner`: evaluate, write what is due to the outbox, dispatch it, record the results.

The order of the steps is what makes a run crash-safe (see ``docs/runner/guarantees.md``):

1. the engine evaluates with the history held in the store, where every outbox entry that is
   not finished counts as done;
2. every due action is written to the outbox in one transaction, keyed by its idempotency key,
   before any adapter is called;
3. entries are claimed with a lease, handed to the adapters with their key, and
4. each result is recorded (delivered, queued, executed, retry later, failed) in one
   transaction per batch, moving what is finished into the history.

A process killed at any instant loses at most the results of the batch it was dispatching;
the next run (or another runner, once the lease ends or at once when the dead process was on
the same host) dispatches those entries again with the same keys, and a provider that
de-duplicates by key applies each effect once.
"""

from __future__ import annotations

import gc
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any, Literal, Protocol

from dunning.adapters import (
    Channels,
    ChargeRequest,
    ChargeStatus,
    DeliveryStatus,
    OutgoingMessage,
    PaymentGateway,
    PaymentLinkRequest,
    ServiceControl,
    ServiceRequest,
    TaskRequest,
    TaskRequestKind,
    TaskSink,
)
from dunning.engine import evaluate
from dunning.engine.actions import (
    Action,
    ActionKind,
    CreateTask,
    HandOff,
    HistoryRecord,
    HistoryStatus,
    OfferPlan,
    ProposeWriteOff,
    RetryCharge,
    SendMessage,
)
from dunning.errors import ChannelNotConfiguredError
from dunning.invoices import Customer, Invoice
from dunning.plans import InstallmentPlan
from dunning.policy.model import Policy, PolicySet
from dunning.runner._sql import history_index, worker_name
from dunning.runner.backoff import Backoff
from dunning.runner.clock import Clock, SystemClock
from dunning.runner.report import Failure, Outcome, RunReport, _counts
from dunning.runner.store import Completion, EntryStatus, OutboxEntry, Store, entry_of

if TYPE_CHECKING:
    from dunning.messages import Business, Catalog

__all__ = ["AdoptReport", "Progress", "Renderer", "Runner", "catalog_messages", "plain_message"]

#: How many entries one claim takes: the results of one batch are recorded together.
_BATCH = 200


class Renderer(Protocol):
    """Turns a due message into the text a sender sends."""

    def __call__(
        self, action: SendMessage, customer: Customer | None, payment_url: str | None
    ) -> OutgoingMessage:
        """The message for `action`, to `customer`, with the payment link when there is one."""
        ...


#: Called as ``progress(phase, done, total)`` while a run advances.
Progress = Callable[[str, int, int], None]


def plain_message(
    action: SendMessage, customer: Customer | None, payment_url: str | None
) -> OutgoingMessage:
    """A plain-text message listing the invoices of `action` (the default renderer).

    Deterministic: the same action always gives the same message, so a message sent again
    after a crash is the same request, with the same key, at the provider.

    >>> from datetime import UTC, date, datetime
    >>> from dunning.engine.actions import MessageItem, Reason
    >>> from dunning.money import Money
    >>> item = MessageItem(invoice_id="FV-1", occurrence="o", template="due", tone="friendly",
    ...                    balance=Money("120000", "COP"), days_overdue=0,
    ...                    due_date=date(2026, 11, 20))
    >>> action = SendMessage(key="k", customer_id="C", invoice_ids=("FV-1",),
    ...     due_on=date(2026, 11, 20), reason=Reason(rule="step:due", text="due today"),
    ...     channel="sms", address="+573001234567", template="due", tone="friendly",
    ...     locale="es_CO", not_before=datetime(2026, 11, 20, 13, tzinfo=UTC),
    ...     total=Money("120000", "COP"), items=(item,))
    >>> print(plain_message(action, None, "https://pay.example/k").text)
    Invoice FV-1: 120000 COP due 2026-11-20.
    Total 120000 COP. Pay at https://pay.example/k
    """
    lines = [
        f"Invoice {item.invoice_id}: {item.balance} due {item.due_date.isoformat()}"
        + (f", {item.days_overdue} days overdue" if item.days_overdue > 0 else "")
        + "."
        for item in action.items
    ]
    lines.append(f"Total {action.total}." + (f" Pay at {payment_url}" if payment_url else ""))
    name = customer.name if customer is not None else action.customer_id
    return OutgoingMessage(
        channel=action.channel,
        to=action.address,
        customer_id=action.customer_id,
        invoice_ids=action.invoice_ids,
        action_key=action.key,
        template=action.template,
        tone=action.tone.value,
        locale=action.locale,
        subject=f"{name}: {len(action.items)} invoice(s), {action.total}",
        text="\n".join(lines),
        payment_url=payment_url,
    )


def catalog_messages(
    catalog: Catalog | None = None, *, business: Business | None = None
) -> Renderer:
    """A renderer that writes messages from the message catalog, in the customer's language.

    It renders with `dunning.messages.render` (e-mail with HTML, SMS with its encoding,
    WhatsApp templates, letters) from `catalog` (the bundled one by default), with the
    payment link when the runner has a gateway.

    >>> renderer = catalog_messages()
    >>> callable(renderer)
    True
    """
    from dunning.messages import bundled_catalog, render

    chosen = bundled_catalog() if catalog is None else catalog

    def rendered(
        action: SendMessage, customer: Customer | None, payment_url: str | None
    ) -> OutgoingMessage:
        if customer is None:
            raise ValueError(f"customer {action.customer_id!r} is not among the run's customers")
        return render(action, customer, catalog=chosen, link=payment_url, business=business)

    return rendered


class AdoptReport(RunReport):
    """The result of `Runner.adopt`: how many records were adopted as done."""

    adopted: int = 0


class _Result:
    """What one dispatch gave: an outcome, a detail, and for a declined charge the decline."""

    __slots__ = ("decline", "decline_code", "detail", "outcome")

    def __init__(
        self,
        outcome: Outcome,
        detail: str | None = None,
        *,
        decline: Literal["soft", "hard"] | None = None,
        decline_code: str | None = None,
    ) -> None:
        self.outcome = outcome
        self.detail = detail
        self.decline = decline
        self.decline_code = decline_code


class _TemporaryError(Exception):
    """A failure worth trying again later (the provider's words, or the exception's)."""


class _PermanentError(Exception):
    """A failure that will not go away by trying again."""


class Runner:
    """Runs dunning day after day through the host's adapters, crash-safe.

    Args:
        store: where the outbox and the history live (`SQLiteStore`, `PostgresStore`).
        policy: the `Policy` or `PolicySet` to evaluate with.
        channels: one `MessageSender` per channel the host sends on.
        gateway: creates payment links for messages and retries failed charges.
        tasks: receives tasks, agency hand-offs, write-off proposals and plan offers.
        service: suspends and resumes service.
        renderer: turns a `SendMessage` into an `OutgoingMessage` (`plain_message` by default).
        payment_methods: the stored payment method of each customer (by id), for retries of
            failed charges.
        clock: where leases and backoff read the time.
        backoff: when temporary failures are tried again, and when they count as permanent.
        lease_seconds: how long a claim lasts before another runner may take the entry.
        batch_size: entries claimed at once; their results are recorded in one transaction.
        worker: the name of this runner in claims (``host:pid:token`` by default).

    Actions with no adapter to call (stage entries, fees, interest; tasks, service changes
    and charges when the matching adapter is not given) are recorded as done in the history:
    the host reads them there (``dunning history export``) to post them to its ledger.

    >>> from datetime import date
    >>> from dunning import Customer, Invoice, Policy, ReminderStep
    >>> from dunning.runner import SQLiteStore
    >>> from dunning.testing.fakes import FakeSender
    >>> policy = Policy(id="p", steps=[ReminderStep(
    ...     id="due", offset_days=0, channels=["email"], template="due")])
    >>> customer = Customer(id="C", name="Ana", contacts=[{"channel": "email", "address": "a@x"}])
    >>> invoice = Invoice(id="I", customer_id="C", currency="USD", total="10.00",
    ...                   issue_date=date(2026, 1, 1), due_date=date(2026, 1, 31))
    >>> email = FakeSender("email")
    >>> runner = Runner(SQLiteStore(":memory:"), policy, {"email": email})
    >>> runner.run(date(2026, 1, 31), [invoice], [customer]).count(outcome="delivered")
    1
    >>> runner.run(date(2026, 1, 31), [invoice], [customer]).dispatched, len(email.sent)
    (0, 1)
    """

    def __init__(
        self,
        store: Store,
        policy: Policy | PolicySet,
        channels: Channels | Mapping[Any, Any],
        gateway: PaymentGateway | None = None,
        tasks: TaskSink | None = None,
        service: ServiceControl | None = None,
        renderer: Renderer = plain_message,
        *,
        payment_methods: Mapping[str, str] | None = None,
        clock: Clock | None = None,
        backoff: Backoff | None = None,
        lease_seconds: float = 300.0,
        batch_size: int = _BATCH,
        worker: str | None = None,
    ) -> None:
        from dunning.invoices import Channel

        self.store = store
        self.policy = policy
        self.channels = {Channel(channel): sender for channel, sender in channels.items()}
        self.gateway = gateway
        self.tasks = tasks
        self.service = service
        self.renderer = renderer
        self.payment_methods = dict(payment_methods or {})
        self.clock: Clock = clock if clock is not None else SystemClock()
        self.backoff = backoff if backoff is not None else Backoff()
        if lease_seconds <= 0:
            raise ValueError(f"lease_seconds must be positive, got {lease_seconds}")
        self.lease_seconds = lease_seconds
        if not 1 <= batch_size <= 500:
            raise ValueError(f"batch_size must be between 1 and 500, got {batch_size}")
        self.batch_size = batch_size
        self.worker = worker if worker is not None else worker_name()
        self._fresh: dict[str, tuple[str, Action]] = {}

    # -- the run ---------------------------------------------------------------------------------

    def run(
        self,
        as_of: date,
        invoices: Iterable[Invoice | Mapping[str, Any]],
        customers: Iterable[Customer | Mapping[str, Any]] | Mapping[str, Customer],
        plans: Iterable[InstallmentPlan] = (),
        *,
        dry_run: bool = False,
        progress: Progress | None = None,
    ) -> RunReport:
        """Evaluate `invoices` on `as_of`, write what is due to the outbox, dispatch, record.

        Entries left from earlier runs (temporary failures now due, claims of a killed run)
        are dispatched too. With `dry_run`, nothing is written and nothing dispatched: the
        report counts what would be (outcome ``planned``).

        Args:
            as_of: the run date.
            invoices: the open portfolio, as for `dunning.evaluate`.
            customers: every customer the invoices refer to.
            plans: installment plans.
            dry_run: evaluate and report only.
            progress: called as ``progress(phase, done, total)``.

        Returns:
            The `RunReport`.

        Raises:
            StoreError: the store cannot be read or written; what was recorded stays, and the
                next run picks up where this one stopped.
        """
        # A run builds many small objects and no reference cycles: the cyclic garbage
        # collector would only walk the host's whole heap (the portfolio) again and again.
        collecting = gc.isenabled()
        gc.disable()
        try:
            return self._run(as_of, invoices, customers, plans, dry_run, progress)
        finally:
            self._fresh = {}
            if collecting:
                gc.enable()

    def _run(
        self,
        as_of: date,
        invoices: Iterable[Invoice | Mapping[str, Any]],
        customers: Iterable[Customer | Mapping[str, Any]] | Mapping[str, Customer],
        plans: Iterable[InstallmentPlan],
        dry_run: bool,
        progress: Progress | None,
    ) -> RunReport:
        started = time.perf_counter()
        phases: dict[str, float] = {}
        bills = invoices if isinstance(invoices, Sequence) else tuple(invoices)
        people = _customer_index(customers)
        plan_list = tuple(plans)
        tally: Counter[tuple[ActionKind, Outcome]] = Counter()
        failures: list[Failure] = []

        mark = time.perf_counter()
        index = history_index(self.store)
        phases["history"] = time.perf_counter() - mark
        mark = time.perf_counter()
        evaluation = evaluate(
            bills, self.policy, as_of, customers=people, history=index, plans=plan_list
        )
        phases["evaluate"] = time.perf_counter() - mark
        if progress is not None:
            progress("evaluate", len(bills), len(bills))

        now = self.clock.now()
        entries = [entry_of(action, as_of, now) for action in evaluation.actions]
        if dry_run:
            for entry in entries:
                tally[entry.kind, Outcome.PLANNED] += 1
            known = {entry.key for entry in entries}
            for entry in self.store.entries([EntryStatus.PENDING]):
                at = entry.next_attempt_at
                if entry.key not in known and (at is None or at <= now):
                    tally[entry.kind, Outcome.PLANNED] += 1
            phases["dispatch"] = 0.0
            return RunReport(
                as_of=as_of,
                dry_run=True,
                invoices=evaluation.invoice_count,
                due=len(evaluation.actions),
                written=0,
                counts=_counts(tally),
                phases=tuple(phases.items()),
                duration=time.perf_counter() - started,
            )

        mark = time.perf_counter()
        written = self.store.enqueue(entries)
        phases["outbox"] = time.perf_counter() - mark
        due = len(evaluation.actions)
        # The actions this run wrote are dispatched as the engine gave them; entries written
        # earlier are read back from their payload (which may differ: a key is written once).
        self._fresh = {
            entry.key: (entry.payload, action)
            for entry, action in zip(entries, evaluation.actions, strict=True)
        }
        del evaluation, entries

        failed_customers = self._dispatch_all(as_of, people, tally, failures, phases, progress)
        rounds = 0
        # A message that failed for good falls back to the customer's next channel: the
        # engine finds it once the failure is in the history. Only those customers are
        # evaluated again (customers are independent), at most once per channel.
        while failed_customers and rounds < 5:
            rounds += 1
            mark = time.perf_counter()
            again = [bill for bill in bills if _customer_of(bill) in failed_customers]
            index = history_index(self.store, failed_customers)
            evaluation = evaluate(
                again, self.policy, as_of, customers=people, history=index, plans=plan_list
            )
            entries = [entry_of(action, as_of, self.clock.now()) for action in evaluation.actions]
            self._fresh = {
                entry.key: (entry.payload, action)
                for entry, action in zip(entries, evaluation.actions, strict=True)
            }
            due += len(entries)
            written += self.store.enqueue(entries)
            phases["fallback"] = phases.get("fallback", 0.0) + time.perf_counter() - mark
            if not entries:
                break
            failed_customers = self._dispatch_all(as_of, people, tally, failures, phases, progress)

        return RunReport(
            as_of=as_of,
            invoices=len(bills),
            due=due,
            written=written,
            counts=_counts(tally),
            failures=tuple(failures),
            fallback_rounds=rounds,
            phases=tuple(phases.items()),
            duration=time.perf_counter() - started,
        )

    def dispatch(self, as_of: date, customers: Iterable[Customer] = ()) -> RunReport:
        """Dispatch the outbox entries due now, without evaluating (e.g. after a retry)."""
        started = time.perf_counter()
        tally: Counter[tuple[ActionKind, Outcome]] = Counter()
        failures: list[Failure] = []
        phases: dict[str, float] = {}
        people = _customer_index(customers)
        self._dispatch_all(as_of, people, tally, failures, phases, None)
        return RunReport(
            as_of=as_of,
            invoices=0,
            due=0,
            written=0,
            counts=_counts(tally),
            failures=tuple(failures),
            phases=tuple(phases.items()),
            duration=time.perf_counter() - started,
        )

    def adopt(
        self,
        as_of: date,
        invoices: Iterable[Invoice | Mapping[str, Any]] = (),
        customers: Iterable[Customer | Mapping[str, Any]] | Mapping[str, Customer] = (),
        plans: Iterable[InstallmentPlan] = (),
        *,
        records: Iterable[HistoryRecord] | None = None,
    ) -> AdoptReport:
        """Record the state of a portfolio collected by hand until `as_of`, before go-live.

        Either the host states what was done (`records`: stages reached, notices given, fees
        charged, as history records), or, without `records`, everything that fell due on or
        before `as_of` counts as done on `as_of`: the portfolio is evaluated with its pauses
        lifted (disputes, promises to pay, installment plans), so that an invoice paused at
        go-live does not release months of catch-up when its pause ends; stages count as
        entered, fees as charged, notices as given. The first `run` then sends only what
        falls due after go-live. Nothing is dispatched; keys already in the store stay.

        Returns:
            An `AdoptReport` whose `adopted` is the number of records written.
        """
        started = time.perf_counter()
        if records is not None:
            adopted = self.store.add_history(records, source="adopt")
            return AdoptReport(
                as_of=as_of,
                invoices=0,
                due=0,
                written=0,
                adopted=adopted,
                duration=time.perf_counter() - started,
            )
        del plans  # plans pause dunning; at go-live everything due counts as done
        bills = [_unpaused(invoice) for invoice in invoices]
        people = _customer_index(customers)
        index = history_index(self.store)
        evaluation = evaluate(bills, self.policy, as_of, customers=people, history=index)
        tally: Counter[tuple[ActionKind, Outcome]] = Counter()
        for action in evaluation.actions:
            tally[action.kind, Outcome.RECORDED] += 1
        adopted = self.store.add_history(evaluation.history(on=as_of), source="adopt")
        return AdoptReport(
            as_of=as_of,
            invoices=evaluation.invoice_count,
            due=len(evaluation.actions),
            written=0,
            adopted=adopted,
            counts=_counts(tally),
            duration=time.perf_counter() - started,
        )

    # -- dispatch --------------------------------------------------------------------------------

    def _dispatch_all(
        self,
        as_of: date,
        people: Mapping[str, Customer],
        tally: Counter[tuple[ActionKind, Outcome]],
        failures: list[Failure],
        phases: dict[str, float],
        progress: Progress | None,
    ) -> set[str]:
        """Claim and dispatch entries until none is due; the customers whose message failed."""
        failed_customers: set[str] = set()
        dispatching = recording = 0.0
        done = 0
        while True:
            mark = time.perf_counter()
            batch = self.store.claim(
                self.worker, self.clock.now(), self.lease_seconds, self.batch_size
            )
            if not batch:
                dispatching += time.perf_counter() - mark
                break
            completions: list[Completion] = []
            for entry in batch:
                result = self._dispatch(entry, people)
                outcome = result.outcome
                if outcome is Outcome.RETRYING:
                    attempts = entry.attempts + 1
                    if self.backoff.gives_up(attempts):
                        outcome = Outcome.FAILED
                        result.detail = f"gave up after {attempts} attempts: {result.detail}"
                    else:
                        at = self.clock.now() + timedelta(
                            seconds=self.backoff.delay(entry.key, attempts)
                        )
                        self.store.postpone(
                            self.worker, entry.key, attempts, at, result.detail or ""
                        )
                if outcome is not Outcome.RETRYING:
                    completions.append(_completion(entry, outcome, result, as_of))
                if outcome in (Outcome.RETRYING, Outcome.FAILED):
                    failures.append(
                        Failure(
                            key=entry.key,
                            kind=entry.kind,
                            customer_id=entry.customer_id,
                            outcome=outcome,
                            reason=result.detail or "",
                        )
                    )
                    if outcome is Outcome.FAILED and entry.kind is ActionKind.SEND_MESSAGE:
                        failed_customers.add(entry.customer_id)
                tally[entry.kind, outcome] += 1
            between = time.perf_counter()
            dispatching += between - mark
            self.store.complete(self.worker, completions)
            recording += time.perf_counter() - between
            done += len(batch)
            if progress is not None:
                progress("dispatch", done, done)
        phases["dispatch"] = phases.get("dispatch", 0.0) + dispatching
        phases["record"] = phases.get("record", 0.0) + recording
        return failed_customers

    def _dispatch(self, entry: OutboxEntry, people: Mapping[str, Customer]) -> _Result:
        """Hand one entry to its adapter; never raises for the adapter's failures."""
        try:
            fresh = self._fresh.get(entry.key)
            action = fresh[1] if fresh is not None and fresh[0] == entry.payload else entry.action
            return self._call(action, entry.key, people)
        except _TemporaryError as failure:
            return _Result(Outcome.RETRYING, str(failure))
        except _PermanentError as failure:
            return _Result(Outcome.FAILED, str(failure))
        except Exception as error:  # an adapter's own error: a network fault, a bug
            return _Result(Outcome.RETRYING, f"{type(error).__name__}: {error}")

    def _call(self, action: Action, key: str, people: Mapping[str, Customer]) -> _Result:
        if isinstance(action, SendMessage):
            return self._send(action, key, people.get(action.customer_id))
        if isinstance(action, RetryCharge):
            return self._charge(action, key)
        if isinstance(action, CreateTask | HandOff | ProposeWriteOff | OfferPlan):
            if self.tasks is None:
                return _Result(Outcome.RECORDED, "no task sink: recorded for the host")
            receipt = self.tasks.create_task(_task(action), idempotency_key=key)
            return _Result(Outcome.EXECUTED, receipt.task_id)
        if action.kind in (ActionKind.SUSPEND_SERVICE, ActionKind.RESUME_SERVICE):
            if self.service is None:
                return _Result(Outcome.RECORDED, "no service control: recorded for the host")
            request = ServiceRequest(
                customer_id=action.customer_id,
                invoice_ids=action.invoice_ids,
                reason=action.reason.text,
                action_key=key,
            )
            change = (
                self.service.suspend
                if action.kind is ActionKind.SUSPEND_SERVICE
                else self.service.resume
            )
            service_receipt = change(request, idempotency_key=key)
            return _Result(Outcome.EXECUTED, "applied" if service_receipt.applied else "already so")
        return _Result(Outcome.RECORDED)

    def _send(self, action: SendMessage, key: str, customer: Customer | None) -> _Result:
        try:
            sender = self.channels[action.channel]
        except KeyError:
            raise _PermanentError(
                str(
                    ChannelNotConfiguredError(
                        f"no sender registered for channel {action.channel.value!r} (registered: "
                        f"{', '.join(sorted(c.value for c in self.channels)) or 'none'})"
                    )
                )
            ) from None
        url = None
        if self.gateway is not None:
            link = self.gateway.payment_link(
                PaymentLinkRequest(
                    customer_id=action.customer_id,
                    invoice_ids=action.invoice_ids,
                    amount=action.total,
                    locale=action.locale,
                ),
                idempotency_key=f"{key}#link",
            )
            url = link.url
        try:
            message = self.renderer(action, customer, url)
        except Exception as error:
            # The same action renders the same way every time: trying again cannot help
            # until the catalog is fixed (then `dunning outbox retry`).
            raise _PermanentError(
                f"cannot render template {action.template!r}: {type(error).__name__}: {error}"
            ) from error
        delivery = sender.send(message, idempotency_key=key)
        reason = " ".join(part for part in (delivery.code, delivery.reason) if part) or None
        if delivery.status is DeliveryStatus.DELIVERED:
            return _Result(Outcome.DELIVERED, delivery.provider_id)
        if delivery.status is DeliveryStatus.QUEUED:
            return _Result(Outcome.QUEUED, delivery.provider_id)
        if delivery.status is DeliveryStatus.FAILED_TEMPORARY:
            raise _TemporaryError(reason or "temporary failure")
        raise _PermanentError(reason or "permanent failure")

    def _charge(self, action: RetryCharge, key: str) -> _Result:
        if self.gateway is None:
            return _Result(Outcome.RECORDED, "no payment gateway: recorded for the host")
        method = self.payment_methods.get(action.customer_id)
        if method is None:
            raise _PermanentError(f"no stored payment method for customer {action.customer_id!r}")
        result = self.gateway.charge(
            ChargeRequest(
                customer_id=action.customer_id,
                invoice_ids=action.invoice_ids,
                amount=action.amount,
                payment_method=method,
                attempt=action.attempt + 1,
                action_key=key,
            ),
            idempotency_key=key,
        )
        if result.status is ChargeStatus.DECLINED_HARD:
            # Recorded with the decline, so the engine never retries the charge again.
            return _Result(
                Outcome.FAILED,
                f"declined for good: {result.decline_code or result.reason}",
                decline="hard",
                decline_code=result.decline_code,
            )
        if result.status is ChargeStatus.DECLINED_SOFT:
            # The attempt was made: executed, with the decline kept for the next retries'
            # reports; the engine goes on with its schedule.
            return _Result(
                Outcome.EXECUTED,
                f"declined: {result.decline_code or result.reason}",
                decline="soft",
                decline_code=result.decline_code,
            )
        return _Result(Outcome.EXECUTED, result.provider_id or result.status.value)


def _completion(entry: OutboxEntry, outcome: Outcome, result: _Result, as_of: date) -> Completion:
    failed = outcome is Outcome.FAILED
    record = HistoryRecord._construct(
        key=entry.key,
        kind=entry.kind,
        customer_id=entry.customer_id,
        on=as_of,
        status=HistoryStatus.FAILED if failed else HistoryStatus.EXECUTED,
        invoice_ids=entry.invoice_ids,
        covers=entry.covers,
        channel=entry.channel,
        decline=result.decline,
        decline_code=result.decline_code,
    )
    return Completion._construct(
        key=entry.key,
        status=EntryStatus.FAILED if failed else EntryStatus.DONE,
        record=record,
        detail=result.detail,
    )


def _task(action: CreateTask | HandOff | ProposeWriteOff | OfferPlan) -> TaskRequest:
    if isinstance(action, CreateTask):
        return TaskRequest(
            kind=TaskRequestKind(action.task.kind.value),
            customer_id=action.customer_id,
            invoice_ids=action.invoice_ids,
            queue=action.task.queue,
            description=action.task.description or action.reason.text,
            action_key=action.key,
        )
    if isinstance(action, HandOff):
        return TaskRequest(
            kind=TaskRequestKind.HAND_OFF,
            customer_id=action.customer_id,
            invoice_ids=action.invoice_ids,
            agency=action.agency,
            amount=action.amount,
            description=action.reason.text,
            action_key=action.key,
        )
    if isinstance(action, ProposeWriteOff):
        return TaskRequest(
            kind=TaskRequestKind.WRITE_OFF,
            customer_id=action.customer_id,
            invoice_ids=action.invoice_ids,
            amount=action.amount,
            description=action.reason.text,
            action_key=action.key,
        )
    return TaskRequest(
        kind=TaskRequestKind.REVIEW,
        customer_id=action.customer_id,
        invoice_ids=action.invoice_ids,
        amount=action.amount,
        description=f"offer an installment plan: {action.reason.text}",
        action_key=action.key,
    )


def _customer_index(
    customers: Iterable[Customer | Mapping[str, Any]] | Mapping[str, Customer],
) -> dict[str, Customer]:
    if isinstance(customers, Mapping):
        return dict(customers)
    index: dict[str, Customer] = {}
    for customer in customers:
        model = customer if isinstance(customer, Customer) else Customer.model_validate(customer)
        index[model.id] = model
    return index


def _unpaused(invoice: Invoice | Mapping[str, Any]) -> Invoice | Mapping[str, Any]:
    """`invoice` without the causes that pause its dunning (dispute, promise to pay)."""
    if isinstance(invoice, Invoice):
        if invoice.disputed or invoice.promise_to_pay is not None:
            return invoice.evolve(disputed=False, promise_to_pay=None)
        return invoice
    return {**invoice, "disputed": False, "promise_to_pay": None}


def _customer_of(invoice: Invoice | Mapping[str, Any]) -> object:
    if isinstance(invoice, Invoice):
        return invoice.customer_id
    return invoice.get("customer_id")
