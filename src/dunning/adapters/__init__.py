"""The seams the host plugs into: protocols for senders, payment gateways, tasks and service.

The library does no I/O of its own. The host implements these `typing.Protocol`s over its
providers (an e-mail API, an SMS aggregator, WhatsApp Business, a payment gateway, its CRM and
its provisioning system) and hands them to the runner; the values that cross the seam are frozen
models that serialise to JSON, so they can be queued, logged and replayed. Every call carries an
idempotency key: a provider that de-duplicates by key (as Stripe, Twilio, SendGrid and most
gateways do) then applies each effect once however often the call is repeated.

>>> from dunning.money import Money
>>> message = OutgoingMessage(
...     channel="sms", to="+573001234567", customer_id="C-1", invoice_ids=("FV-1001",),
...     template="reminder.due_today", tone="friendly", locale="es_CO",
...     text="Su factura FV-1001 por $120.000 vence hoy. Pague en https://pay.example/x",
... )
>>> message.channel.value, message.locale_fallback
('sms', False)
>>> Delivery(status="failed_temporary", idempotency_key="k", channel="sms").retryable
True
>>> classify_decline("insufficient_funds").value, classify_decline("stolen_card").value
('declined_soft', 'declined_hard')

`dunning.adapters.local` holds a console and a file sender for demos; in-memory fakes of every
protocol, for tests, are in `dunning.testing.fakes`.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Protocol, Self, TypeVar, runtime_checkable

from pydantic import AwareDatetime, Field, model_validator

from dunning._model import Model
from dunning.errors import ChannelNotConfiguredError
from dunning.invoices import Channel, Identifier
from dunning.money import Money

__all__ = [
    "HARD_DECLINE_CODES",
    "AsyncChannels",
    "AsyncMessageSender",
    "AsyncPaymentGateway",
    "AsyncServiceControl",
    "AsyncTaskSink",
    "Channels",
    "ChargeRequest",
    "ChargeResult",
    "ChargeStatus",
    "Delivery",
    "DeliveryStatus",
    "MessageSender",
    "OutgoingMessage",
    "PaymentGateway",
    "PaymentLink",
    "PaymentLinkRequest",
    "PaymentMethod",
    "ServiceChange",
    "ServiceControl",
    "ServiceReceipt",
    "ServiceRequest",
    "SmsEncoding",
    "SmsParts",
    "TaskReceipt",
    "TaskRequest",
    "TaskRequestKind",
    "TaskSink",
    "WhatsAppTemplate",
    "classify_decline",
    "sender_for",
]


# -- messages ---------------------------------------------------------------------------------


class SmsEncoding(StrEnum):
    """The alphabet an SMS travels in (3GPP TS 23.038)."""

    GSM_7 = "gsm-7"
    """The GSM 7-bit default alphabet: 160 characters in one segment, 153 per segment beyond."""
    UCS_2 = "ucs-2"
    """UTF-16 code units: 70 in one segment, 67 per segment beyond."""


class SmsParts(Model):
    """How an SMS text splits for the network: its encoding, length and segment count.

    >>> SmsParts(encoding="gsm-7", units=161, segments=2).segments
    2
    """

    encoding: SmsEncoding
    units: int = Field(
        ge=0, description="Septets (GSM-7, escapes count two) or UTF-16 code units (UCS-2)."
    )
    segments: int = Field(ge=1, description="Segments the network bills and delivers.")


class WhatsAppTemplate(Model):
    """A pre-approved WhatsApp Business template and its ordered body parameters.

    Outside the 24-hour customer-service window WhatsApp only delivers templates approved in
    advance; the provider fills `{{1}}`, `{{2}}`, ... of the approved body with `parameters`.
    """

    name: Identifier = Field(description="The template's name at the provider.")
    language: str = Field(min_length=2, description="The template's language code, e.g. 'es_CO'.")
    parameters: tuple[str, ...] = Field(description="Body parameters, in order: {{1}}, {{2}}...")


class OutgoingMessage(Model):
    """A rendered message, ready for the sender of its channel.

    `text` is always there (the SMS body, the letter, the e-mail's plain-text part, the script
    of a call); `subject` and `html` are the e-mail's, `sms` describes the SMS encoding and
    segments, `whatsapp` names the approved template. `locale` is the locale the text was
    written in; when the customer's own locale had no catalog, `requested_locale` keeps it
    and `locale_fallback` is true, so that a fallback is reported rather than silent.
    """

    channel: Channel
    to: str = Field(min_length=1, description="The address: e-mail, phone number, postal.")
    customer_id: Identifier
    invoice_ids: tuple[str, ...] = ()
    action_key: str | None = Field(
        default=None, description="The idempotency key of the engine action it carries out."
    )
    template: Identifier = Field(description="The catalog entry the message was rendered from.")
    tone: str = Field(min_length=1, description="friendly, neutral, firm or final.")
    locale: str = Field(min_length=2, description="The locale the text is written in.")
    requested_locale: str | None = Field(
        default=None, description="The customer's locale, when it differs from `locale`."
    )
    subject: str | None = None
    text: str = Field(min_length=1)
    html: str | None = None
    sms: SmsParts | None = None
    whatsapp: WhatsAppTemplate | None = None
    payment_url: str | None = None

    @property
    def locale_fallback(self) -> bool:
        """Whether the text is in another locale than the customer's."""
        return self.requested_locale is not None and self.requested_locale != self.locale


class DeliveryStatus(StrEnum):
    """What became of a message handed to a sender."""

    DELIVERED = "delivered"
    """The provider accepted and delivered it (or accepted it for delivery, with no receipts)."""
    QUEUED = "queued"
    """The provider accepted it; delivery is reported later."""
    FAILED_TEMPORARY = "failed_temporary"
    """Not sent this time (rate limit, outage, mailbox full): send again later, same key."""
    FAILED_PERMANENT = "failed_permanent"
    """Never to be sent to this address (bad address, opted out, blocked by the carrier)."""


class Delivery(Model):
    """A sender's answer for one message."""

    status: DeliveryStatus
    idempotency_key: str = Field(min_length=1)
    channel: Channel
    provider_id: str | None = Field(default=None, description="The provider's message id.")
    code: str | None = Field(default=None, description="The provider's code for a failure.")
    reason: str | None = Field(default=None, description="The provider's words for a failure.")

    @property
    def accepted(self) -> bool:
        """Whether the provider took the message (delivered or queued)."""
        return self.status in (DeliveryStatus.DELIVERED, DeliveryStatus.QUEUED)

    @property
    def retryable(self) -> bool:
        """Whether sending again later, with the same key, may succeed."""
        return self.status is DeliveryStatus.FAILED_TEMPORARY


# -- payments ---------------------------------------------------------------------------------


class PaymentMethod(StrEnum):
    """Ways a customer can pay, including the local methods of Latin American markets."""

    CARD = "card"
    BANK_TRANSFER = "bank_transfer"
    DIRECT_DEBIT = "direct_debit"
    CASH = "cash"
    PSE = "pse"
    """Colombia: online bank debit (Pagos Seguros en Línea)."""
    NEQUI = "nequi"
    """Colombia: mobile wallet."""
    OXXO = "oxxo"
    """Mexico: cash at OXXO stores with a reference."""
    SPEI = "spei"
    """Mexico: interbank transfer to a CLABE."""
    BOLETO = "boleto"
    """Brazil: Boleto Bancário slip."""
    PIX = "pix"
    """Brazil: instant payment by key or QR code."""
    WEBPAY = "webpay"
    """Chile: Transbank Webpay."""
    KHIPU = "khipu"
    """Chile: bank transfer initiated through Khipu."""


class PaymentLinkRequest(Model):
    """Ask the gateway for a page where the customer pays what a message asks for."""

    customer_id: Identifier
    invoice_ids: tuple[str, ...] = ()
    amount: Money
    methods: tuple[PaymentMethod, ...] = Field(
        default=(), description="Methods to offer; empty lets the gateway offer its defaults."
    )
    description: str = ""
    locale: str | None = None
    expires_at: AwareDatetime | None = None


class PaymentLink(Model):
    """A payment page: its URL, what it collects, the methods it offers and when it expires."""

    url: str = Field(min_length=1)
    amount: Money
    methods: tuple[PaymentMethod, ...] = ()
    expires_at: AwareDatetime | None = None
    provider_id: str | None = None
    idempotency_key: str = Field(min_length=1)


class ChargeRequest(Model):
    """Charge a stored payment method (a retry of a failed automatic charge, or the first)."""

    customer_id: Identifier
    invoice_ids: tuple[str, ...] = ()
    amount: Money
    payment_method: str = Field(
        min_length=1, description="The host's or gateway's reference to the stored method."
    )
    attempt: int = Field(default=1, ge=1, description="1 for the first charge, 2 for a retry...")
    action_key: str | None = None


class ChargeStatus(StrEnum):
    """What a gateway answered to a charge."""

    SUCCEEDED = "succeeded"
    PENDING = "pending"
    """Accepted, settling later (bank debits, Boleto, OXXO)."""
    DECLINED_SOFT = "declined_soft"
    """Declined for now (insufficient funds, issuer unavailable): a later retry may succeed."""
    DECLINED_HARD = "declined_hard"
    """Declined for good (stolen card, closed account): never retry this method."""


#: Decline codes that are never retried: the issuer or the network says the method will not
#: be approved again (Stripe's Smart Retries does not retry these; the card networks fine
#: merchants who retry "never approve" answers: Visa category 1, Mastercard "do not try
#: again"). Every other decline code is soft.
HARD_DECLINE_CODES: frozenset[str] = frozenset(
    {
        "authentication_required",
        "card_not_supported",
        "currency_not_supported",
        "do_not_try_again",
        "expired_card",
        "fraudulent",
        "highest_risk_level",
        "incorrect_number",
        "invalid_account",
        "lost_card",
        "merchant_blacklist",
        "new_account_information_available",
        "pickup_card",
        "restricted_card",
        "revocation_of_all_authorizations",
        "revocation_of_authorization",
        "security_violation",
        "stolen_card",
        "stop_payment_order",
        "transaction_not_allowed",
    }
)


def classify_decline(code: str, *, hard_codes: frozenset[str] = HARD_DECLINE_CODES) -> ChargeStatus:
    """Classify a gateway's decline code as a soft (retryable) or hard (final) decline.

    Codes are compared in lower case; an unknown code is soft, as gateways treat it.

    >>> classify_decline("LOST_CARD")
    <ChargeStatus.DECLINED_HARD: 'declined_hard'>
    >>> classify_decline("do_not_honor")
    <ChargeStatus.DECLINED_SOFT: 'declined_soft'>

    Args:
        code: The gateway's decline code (Stripe's names, or the host's mapping of its own).
        hard_codes: The codes that are never retried.

    Returns:
        `ChargeStatus.DECLINED_HARD` or `ChargeStatus.DECLINED_SOFT`.
    """
    if code.strip().lower() in hard_codes:
        return ChargeStatus.DECLINED_HARD
    return ChargeStatus.DECLINED_SOFT


class ChargeResult(Model):
    """A gateway's answer to a charge; a decline carries the gateway's code.

    >>> from dunning.money import Money
    >>> result = ChargeResult.declined("stolen_card", amount=Money("50000", "COP"),
    ...                                idempotency_key="k")
    >>> result.status.value, result.retryable
    ('declined_hard', False)
    """

    status: ChargeStatus
    amount: Money
    idempotency_key: str = Field(min_length=1)
    provider_id: str | None = None
    decline_code: str | None = None
    reason: str | None = None

    @model_validator(mode="after")
    def _code_only_on_declines(self) -> Self:
        declined = self.status in (ChargeStatus.DECLINED_SOFT, ChargeStatus.DECLINED_HARD)
        if not declined and self.decline_code is not None:
            raise ValueError(
                f"decline_code {self.decline_code!r} given for a charge that is "
                f"{self.status.value}; only declines carry a decline code"
            )
        return self

    @classmethod
    def declined(
        cls,
        code: str,
        *,
        amount: Money,
        idempotency_key: str,
        provider_id: str | None = None,
        reason: str | None = None,
        hard_codes: frozenset[str] = HARD_DECLINE_CODES,
    ) -> ChargeResult:
        """A declined charge, hard or soft according to `code` (see `classify_decline`)."""
        return cls(
            status=classify_decline(code, hard_codes=hard_codes),
            amount=amount,
            idempotency_key=idempotency_key,
            provider_id=provider_id,
            decline_code=code,
            reason=reason,
        )

    @property
    def retryable(self) -> bool:
        """Whether a later charge of the same method may succeed (a soft decline)."""
        return self.status is ChargeStatus.DECLINED_SOFT


# -- tasks and service ------------------------------------------------------------------------


class TaskRequestKind(StrEnum):
    """What a task asks a person (or an agency) to do."""

    CALL = "call"
    VISIT = "visit"
    REVIEW = "review"
    HAND_OFF = "hand_off"
    """Hand the debt to an external collection agency."""
    WRITE_OFF = "write_off"
    """Approve (or refuse) writing the debt off."""


class TaskRequest(Model):
    """A task for the collections team, an agency hand-off or a write-off proposal."""

    kind: TaskRequestKind
    customer_id: Identifier
    invoice_ids: tuple[str, ...] = ()
    queue: str | None = Field(default=None, description="Team or queue the task goes to.")
    agency: str | None = Field(default=None, description="The agency, for a hand-off.")
    amount: Money | None = Field(default=None, description="What is owed, when it matters.")
    description: str = ""
    action_key: str | None = None


class TaskReceipt(Model):
    """The host's acknowledgement of a task: its id in the host's system."""

    task_id: str = Field(min_length=1)
    idempotency_key: str = Field(min_length=1)


class ServiceChange(StrEnum):
    """A change to a customer's service."""

    SUSPEND = "suspend"
    RESUME = "resume"


class ServiceRequest(Model):
    """Suspend or resume a customer's service, and why."""

    customer_id: Identifier
    invoice_ids: tuple[str, ...] = ()
    reason: str = ""
    action_key: str | None = None


class ServiceReceipt(Model):
    """The host's answer to a service change; `applied` is false when nothing had to change."""

    customer_id: Identifier
    change: ServiceChange
    applied: bool
    idempotency_key: str = Field(min_length=1)


# -- protocols --------------------------------------------------------------------------------


@runtime_checkable
class MessageSender(Protocol):
    """Sends messages of one channel through the host's provider."""

    def send(self, message: OutgoingMessage, *, idempotency_key: str) -> Delivery:
        """Send `message`; a repeated `idempotency_key` must not send it twice.

        A failure the provider reports is a `Delivery` with a failed status, not an
        exception; exceptions are for the sender's own bugs.
        """
        ...


@runtime_checkable
class AsyncMessageSender(Protocol):
    """`MessageSender` for hosts on asyncio."""

    async def send(self, message: OutgoingMessage, *, idempotency_key: str) -> Delivery:
        """Send `message`; a repeated `idempotency_key` must not send it twice."""
        ...


_S = TypeVar("_S", MessageSender, AsyncMessageSender)

#: The senders a host registers, one per channel it can send on.
Channels = Mapping[Channel, MessageSender]
#: `Channels` for hosts on asyncio.
AsyncChannels = Mapping[Channel, AsyncMessageSender]


def sender_for(channels: Mapping[Channel, _S], channel: Channel | str) -> _S:
    """The sender registered for `channel`.

    >>> from dunning.adapters.local import ConsoleSender
    >>> sender_for({Channel.EMAIL: ConsoleSender()}, "sms")
    Traceback (most recent call last):
    ...
    dunning.errors.ChannelNotConfiguredError: no sender registered for channel 'sms' (registered: email)

    Raises:
        ChannelNotConfiguredError: when no sender is registered for `channel`.
    """  # noqa: E501 -- a doctest line shows the whole error
    try:
        return channels[Channel(channel)]
    except (KeyError, ValueError):
        registered = ", ".join(sorted(str(key) for key in channels)) or "none"
        raise ChannelNotConfiguredError(
            f"no sender registered for channel {str(channel)!r} (registered: {registered})"
        ) from None


@runtime_checkable
class PaymentGateway(Protocol):
    """Creates payment links and charges stored payment methods."""

    def payment_link(self, request: PaymentLinkRequest, *, idempotency_key: str) -> PaymentLink:
        """A payment page for `request`; the same key gives back the same link."""
        ...

    def charge(self, request: ChargeRequest, *, idempotency_key: str) -> ChargeResult:
        """Charge `request`; the same key never charges twice.

        A decline is a `ChargeResult` with a declined status and the gateway's code.
        """
        ...


@runtime_checkable
class AsyncPaymentGateway(Protocol):
    """`PaymentGateway` for hosts on asyncio."""

    async def payment_link(
        self, request: PaymentLinkRequest, *, idempotency_key: str
    ) -> PaymentLink:
        """A payment page for `request`; the same key gives back the same link."""
        ...

    async def charge(self, request: ChargeRequest, *, idempotency_key: str) -> ChargeResult:
        """Charge `request`; the same key never charges twice."""
        ...


@runtime_checkable
class TaskSink(Protocol):
    """Receives tasks for people: calls, visits, reviews, agency hand-offs, write-offs."""

    def create_task(self, request: TaskRequest, *, idempotency_key: str) -> TaskReceipt:
        """Create the task; the same key gives back the same task."""
        ...


@runtime_checkable
class AsyncTaskSink(Protocol):
    """`TaskSink` for hosts on asyncio."""

    async def create_task(self, request: TaskRequest, *, idempotency_key: str) -> TaskReceipt:
        """Create the task; the same key gives back the same task."""
        ...


@runtime_checkable
class ServiceControl(Protocol):
    """Suspends and resumes a customer's service in the host's provisioning system."""

    def suspend(self, request: ServiceRequest, *, idempotency_key: str) -> ServiceReceipt:
        """Suspend the customer's service (nothing changes when it already is)."""
        ...

    def resume(self, request: ServiceRequest, *, idempotency_key: str) -> ServiceReceipt:
        """Resume the customer's service (nothing changes when it is not suspended)."""
        ...


@runtime_checkable
class AsyncServiceControl(Protocol):
    """`ServiceControl` for hosts on asyncio."""

    async def suspend(self, request: ServiceRequest, *, idempotency_key: str) -> ServiceReceipt:
        """Suspend the customer's service (nothing changes when it already is)."""
        ...

    async def resume(self, request: ServiceRequest, *, idempotency_key: str) -> ServiceReceipt:
        """Resume the customer's service (nothing changes when it is not suspended)."""
        ...
