"""In-memory fakes of every adapter protocol, for tests and examples.

Each fake records every call, de-duplicates by idempotency key the way real providers do (a
repeated key gives back the first answer and has no second effect; the same key with a
different request is refused), and can be told to fail on a schedule: the n-th new call gets
the n-th outcome of the schedule, and calls beyond the schedule succeed.

>>> from dunning.adapters import DeliveryStatus, OutgoingMessage
>>> sender = FakeSender(schedule=[DeliveryStatus.FAILED_TEMPORARY])
>>> message = OutgoingMessage(
...     channel="email", to="pagos@tornillo.example", customer_id="C-1",
...     template="reminder.due_today", tone="friendly", locale="es_CO",
...     subject="Su factura vence hoy", text="Su factura FV-1 vence hoy.",
... )
>>> sender.send(message, idempotency_key="k").status.value
'failed_temporary'
>>> sender.send(message, idempotency_key="k").status.value
'delivered'
>>> sender.send(message, idempotency_key="k").provider_id, len(sender.calls), len(sender.sent)
('fake-2', 3, 1)

A temporary failure does not use up the key (the provider did nothing), so the retry with the
same key goes through; a delivery, a permanent failure, a charge, a link or a task does.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar

from pydantic import BaseModel

from dunning.adapters import (
    ChargeRequest,
    ChargeResult,
    ChargeStatus,
    Delivery,
    DeliveryStatus,
    OutgoingMessage,
    PaymentLink,
    PaymentLinkRequest,
    ServiceChange,
    ServiceReceipt,
    ServiceRequest,
    TaskReceipt,
    TaskRequest,
)
from dunning.errors import IdempotencyConflictError
from dunning.invoices import Channel

__all__ = [
    "AsyncFakeGateway",
    "AsyncFakeSender",
    "AsyncFakeServiceControl",
    "AsyncFakeTaskSink",
    "Call",
    "FakeGateway",
    "FakeSender",
    "FakeServiceControl",
    "FakeTaskSink",
]

_Request = TypeVar("_Request", bound=BaseModel)
_Answer = TypeVar("_Answer", bound=BaseModel)


@dataclass(frozen=True)
class Call(Generic[_Request, _Answer]):
    """One call made to a fake: what it was asked, with which key, and what it answered."""

    method: str
    idempotency_key: str
    request: _Request
    answer: _Answer
    replayed: bool
    """True when the key had been seen: the first answer was given back, nothing happened."""


class _Ledger(Generic[_Request, _Answer]):
    """The first request and answer of each idempotency key, and every call."""

    def __init__(self) -> None:
        self.calls: list[Call[_Request, _Answer]] = []
        self.first: dict[str, tuple[_Request, _Answer]] = {}

    def replay(self, method: str, key: str, request: _Request) -> _Answer | None:
        known = self.first.get(key)
        if known is None:
            return None
        if known[0] != request:
            raise IdempotencyConflictError(
                f"idempotency key {key!r} was first used for {method} of a different request; "
                "a provider refuses a reused key (first request: "
                f"{known[0].model_dump_json()}, now: {request.model_dump_json()})"
            )
        self.calls.append(Call(method, key, request, known[1], replayed=True))
        return known[1]

    def record(
        self, method: str, key: str, request: _Request, answer: _Answer, *, keep: bool = True
    ) -> _Answer:
        self.calls.append(Call(method, key, request, answer, replayed=False))
        if keep:
            self.first[key] = (request, answer)
        return answer


def _check_key(key: str) -> None:
    if not key:
        raise ValueError("idempotency_key must be a non-empty string")


class FakeSender:
    """A `MessageSender` that keeps what it sends in memory.

    Args:
        channel: The channel it sends on; a message of another channel is refused, to catch
            a message routed to the wrong sender. None accepts every channel.
        schedule: Outcomes of the first new sends, in order (`DeliveryStatus` values);
            later sends are delivered.
        fail_addresses: Addresses that always fail permanently, with the provider's code
            (e.g. ``{"+570000000000": "invalid_number"}``).
    """

    def __init__(
        self,
        channel: Channel | str | None = None,
        *,
        schedule: Iterable[DeliveryStatus | str] = (),
        fail_addresses: dict[str, str] | None = None,
    ) -> None:
        self.channel = None if channel is None else Channel(channel)
        self._schedule = [DeliveryStatus(status) for status in schedule]
        self._fail_addresses = dict(fail_addresses or {})
        self._ledger: _Ledger[OutgoingMessage, Delivery] = _Ledger()
        self._attempts = 0

    @property
    def calls(self) -> list[Call[OutgoingMessage, Delivery]]:
        """Every call, replays and failures included, in order."""
        return self._ledger.calls

    @property
    def sent(self) -> list[OutgoingMessage]:
        """The messages the provider accepted (delivered or queued), once each."""
        return [message for message, delivery in self._ledger.first.values() if delivery.accepted]

    def send(self, message: OutgoingMessage, *, idempotency_key: str) -> Delivery:
        """Send `message`, or fail as scheduled; a repeated key gives back the first answer."""
        _check_key(idempotency_key)
        if self.channel is not None and message.channel is not self.channel:
            raise ValueError(
                f"a {message.channel.value} message was given to the {self.channel.value} "
                "sender; register one sender per channel"
            )
        known = self._ledger.replay("send", idempotency_key, message)
        if known is not None:
            return known
        self._attempts += 1
        code = self._fail_addresses.get(message.to)
        if code is not None:
            status = DeliveryStatus.FAILED_PERMANENT
        elif self._schedule:
            status = self._schedule.pop(0)
        else:
            status = DeliveryStatus.DELIVERED
        failed = status in (DeliveryStatus.FAILED_TEMPORARY, DeliveryStatus.FAILED_PERMANENT)
        delivery = Delivery(
            status=status,
            idempotency_key=idempotency_key,
            channel=message.channel,
            provider_id=None if failed else f"fake-{self._attempts}",
            code=(code or "scheduled_failure") if failed else None,
            reason=f"failure of send {self._attempts} as told" if failed else None,
        )
        keep = status is not DeliveryStatus.FAILED_TEMPORARY
        return self._ledger.record("send", idempotency_key, message, delivery, keep=keep)


class FakeGateway:
    """A `PaymentGateway` that creates links and settles charges in memory.

    Args:
        schedule: Outcomes of the first new charges, in order: None for success, or a
            decline code (classified hard or soft like Stripe's); later charges succeed.
        link_base: The start of every link's URL.
    """

    def __init__(
        self,
        *,
        schedule: Iterable[str | None] = (),
        link_base: str = "https://pay.example/",
    ) -> None:
        self._schedule = list(schedule)
        self.link_base = link_base
        self._links: _Ledger[PaymentLinkRequest, PaymentLink] = _Ledger()
        self._charges: _Ledger[ChargeRequest, ChargeResult] = _Ledger()

    @property
    def link_calls(self) -> list[Call[PaymentLinkRequest, PaymentLink]]:
        """Every `payment_link` call, in order."""
        return self._links.calls

    @property
    def charge_calls(self) -> list[Call[ChargeRequest, ChargeResult]]:
        """Every `charge` call, in order."""
        return self._charges.calls

    @property
    def links(self) -> list[PaymentLink]:
        """The links created, once each."""
        return [link for _, link in self._links.first.values()]

    @property
    def charges(self) -> list[ChargeResult]:
        """The charges attempted, once each (declines included)."""
        return [result for _, result in self._charges.first.values()]

    def payment_link(self, request: PaymentLinkRequest, *, idempotency_key: str) -> PaymentLink:
        """A link numbered in creation order; a repeated key gives back the same link."""
        _check_key(idempotency_key)
        known = self._links.replay("payment_link", idempotency_key, request)
        if known is not None:
            return known
        number = len(self._links.first) + 1
        link = PaymentLink(
            url=f"{self.link_base}{request.customer_id}/{number}",
            amount=request.amount,
            methods=request.methods,
            expires_at=request.expires_at,
            provider_id=f"link-{number}",
            idempotency_key=idempotency_key,
        )
        return self._links.record("payment_link", idempotency_key, request, link)

    def charge(self, request: ChargeRequest, *, idempotency_key: str) -> ChargeResult:
        """Charge as scheduled; a repeated key gives back the first result, charging once."""
        _check_key(idempotency_key)
        known = self._charges.replay("charge", idempotency_key, request)
        if known is not None:
            return known
        number = len(self._charges.first) + 1
        code = self._schedule.pop(0) if self._schedule else None
        if code is None:
            result = ChargeResult(
                status=ChargeStatus.SUCCEEDED,
                amount=request.amount,
                idempotency_key=idempotency_key,
                provider_id=f"charge-{number}",
            )
        else:
            result = ChargeResult.declined(
                code,
                amount=request.amount,
                idempotency_key=idempotency_key,
                provider_id=f"charge-{number}",
                reason=f"decline of charge {number} as told",
            )
        return self._charges.record("charge", idempotency_key, request, result)


class FakeTaskSink:
    """A `TaskSink` that keeps tasks in memory, numbered in creation order."""

    def __init__(self) -> None:
        self._ledger: _Ledger[TaskRequest, TaskReceipt] = _Ledger()

    @property
    def calls(self) -> list[Call[TaskRequest, TaskReceipt]]:
        """Every call, in order."""
        return self._ledger.calls

    @property
    def tasks(self) -> list[TaskRequest]:
        """The tasks created, once each."""
        return [request for request, _ in self._ledger.first.values()]

    def create_task(self, request: TaskRequest, *, idempotency_key: str) -> TaskReceipt:
        """Create the task; a repeated key gives back the same receipt."""
        _check_key(idempotency_key)
        known = self._ledger.replay("create_task", idempotency_key, request)
        if known is not None:
            return known
        receipt = TaskReceipt(
            task_id=f"task-{len(self._ledger.first) + 1}", idempotency_key=idempotency_key
        )
        return self._ledger.record("create_task", idempotency_key, request, receipt)


class FakeServiceControl:
    """A `ServiceControl` that keeps the set of suspended customers in memory."""

    def __init__(self) -> None:
        self.suspended: set[str] = set()
        self._ledger: _Ledger[ServiceRequest, ServiceReceipt] = _Ledger()

    @property
    def calls(self) -> list[Call[ServiceRequest, ServiceReceipt]]:
        """Every call, in order."""
        return self._ledger.calls

    def _change(
        self, change: ServiceChange, request: ServiceRequest, idempotency_key: str
    ) -> ServiceReceipt:
        _check_key(idempotency_key)
        known = self._ledger.replay(change.value, idempotency_key, request)
        if known is not None:
            if known.change is not change:
                raise IdempotencyConflictError(
                    f"idempotency key {idempotency_key!r} was first used to "
                    f"{known.change.value}, now to {change.value}"
                )
            return known
        suspended = request.customer_id in self.suspended
        applied = not suspended if change is ServiceChange.SUSPEND else suspended
        if change is ServiceChange.SUSPEND:
            self.suspended.add(request.customer_id)
        else:
            self.suspended.discard(request.customer_id)
        receipt = ServiceReceipt(
            customer_id=request.customer_id,
            change=change,
            applied=applied,
            idempotency_key=idempotency_key,
        )
        return self._ledger.record(change.value, idempotency_key, request, receipt)

    def suspend(self, request: ServiceRequest, *, idempotency_key: str) -> ServiceReceipt:
        """Suspend the customer (not applied again when already suspended)."""
        return self._change(ServiceChange.SUSPEND, request, idempotency_key)

    def resume(self, request: ServiceRequest, *, idempotency_key: str) -> ServiceReceipt:
        """Resume the customer (not applied when not suspended)."""
        return self._change(ServiceChange.RESUME, request, idempotency_key)


class AsyncFakeSender:
    """`FakeSender` for asyncio code: the same behaviour, awaited; `fake` holds the record."""

    def __init__(self, fake: FakeSender | None = None) -> None:
        self.fake = FakeSender() if fake is None else fake

    async def send(self, message: OutgoingMessage, *, idempotency_key: str) -> Delivery:
        """See `FakeSender.send`."""
        return self.fake.send(message, idempotency_key=idempotency_key)


class AsyncFakeGateway:
    """`FakeGateway` for asyncio code: the same behaviour, awaited; `fake` holds the record."""

    def __init__(self, fake: FakeGateway | None = None) -> None:
        self.fake = FakeGateway() if fake is None else fake

    async def payment_link(
        self, request: PaymentLinkRequest, *, idempotency_key: str
    ) -> PaymentLink:
        """See `FakeGateway.payment_link`."""
        return self.fake.payment_link(request, idempotency_key=idempotency_key)

    async def charge(self, request: ChargeRequest, *, idempotency_key: str) -> ChargeResult:
        """See `FakeGateway.charge`."""
        return self.fake.charge(request, idempotency_key=idempotency_key)


class AsyncFakeTaskSink:
    """`FakeTaskSink` for asyncio code: the same behaviour, awaited; `fake` holds the record."""

    def __init__(self, fake: FakeTaskSink | None = None) -> None:
        self.fake = FakeTaskSink() if fake is None else fake

    async def create_task(self, request: TaskRequest, *, idempotency_key: str) -> TaskReceipt:
        """See `FakeTaskSink.create_task`."""
        return self.fake.create_task(request, idempotency_key=idempotency_key)


class AsyncFakeServiceControl:
    """`FakeServiceControl` for asyncio code: the same behaviour, awaited."""

    def __init__(self, fake: FakeServiceControl | None = None) -> None:
        self.fake = FakeServiceControl() if fake is None else fake

    async def suspend(self, request: ServiceRequest, *, idempotency_key: str) -> ServiceReceipt:
        """See `FakeServiceControl.suspend`."""
        return self.fake.suspend(request, idempotency_key=idempotency_key)

    async def resume(self, request: ServiceRequest, *, idempotency_key: str) -> ServiceReceipt:
        """See `FakeServiceControl.resume`."""
        return self.fake.resume(request, idempotency_key=idempotency_key)
