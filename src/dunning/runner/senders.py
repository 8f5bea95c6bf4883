"""Senders over real networks: e-mail by SMTP, SMS and WhatsApp providers by HTTP webhook.

Both answer every provider failure with a `Delivery` (temporary or permanent), never with an
exception, and pass the idempotency key on: as the ``Message-ID`` of an e-mail (a mail system
that sees the same id twice can drop the copy) and as the ``Idempotency-Key`` header of a
webhook call (the provider applies the first and answers the rest from it).
"""

from __future__ import annotations

import hashlib
import html
import smtplib
import ssl
from collections.abc import Mapping
from email.message import EmailMessage
from email.utils import formatdate
from typing import TYPE_CHECKING, Any, Literal

from dunning.adapters import Delivery, DeliveryStatus, OutgoingMessage
from dunning.errors import missing_dependency

if TYPE_CHECKING:
    import httpx

__all__ = ["SMTPSender", "WebhookSender", "message_id"]

Security = Literal["starttls", "tls", "none"]


def message_id(idempotency_key: str, domain: str) -> str:
    """The ``Message-ID`` of the e-mail sent with `idempotency_key`: the same key, the same id.

    >>> message_id("p:C:I:step:due:0@email", "billing.example")
    '<dunning.580d64e81a5fed1c84b3a7b073f64a4d@billing.example>'
    """
    digest = hashlib.sha256(idempotency_key.encode()).hexdigest()[:32]
    return f"<dunning.{digest}@{domain}>"


class SMTPSender:
    """Sends e-mail through an SMTP server (stdlib `smtplib`), plain text with an HTML part.

    Args:
        host: the SMTP server.
        port: its port (587 for STARTTLS, 465 for implicit TLS, 25 without).
        sender: the ``From`` address.
        security: ``"starttls"`` (upgrade after connecting), ``"tls"`` (implicit TLS) or
            ``"none"`` (only for a server on the same machine or in tests).
        username: the login, when the server asks for one.
        password: its password (read it from the environment, never from a file).
        timeout: seconds to wait for the server.
        domain: the right-hand side of ``Message-ID`` (by default the sender's domain).
        context: the TLS context (the system's trusted certificates by default).

    A refused recipient (5xx) is a permanent failure; a busy server (4xx), a refused login, a
    timeout or a server that cannot be reached is a temporary one.
    """

    def __init__(
        self,
        host: str,
        port: int = 587,
        *,
        sender: str,
        security: Security = "starttls",
        username: str | None = None,
        password: str | None = None,
        timeout: float = 10.0,
        domain: str | None = None,
        context: ssl.SSLContext | None = None,
    ) -> None:
        if security not in ("starttls", "tls", "none"):
            raise ValueError(
                f"SMTPSender security must be 'starttls', 'tls' or 'none', got {security!r}"
            )
        self.host = host
        self.port = port
        self.sender = sender
        self.security = security
        self.username = username
        self._password = password
        self.timeout = timeout
        self.domain = domain or sender.rpartition("@")[2] or host
        self._context = context

    def __repr__(self) -> str:
        return f"SMTPSender({self.host!r}, {self.port}, security={self.security!r})"

    def email(self, message: OutgoingMessage, idempotency_key: str) -> EmailMessage:
        """The e-mail sent for `message`: headers, plain text and an HTML alternative."""
        email = EmailMessage()
        email["From"] = self.sender
        email["To"] = message.to
        email["Subject"] = message.subject or message.template
        email["Message-ID"] = message_id(idempotency_key, self.domain)
        email["Date"] = formatdate(usegmt=True)
        email["X-Idempotency-Key"] = idempotency_key
        email.set_content(message.text)
        body = message.html
        if body is None:
            paragraphs = "".join(
                f"<p>{html.escape(line)}</p>" for line in message.text.splitlines() if line
            )
            body = f'<html><body lang="{html.escape(message.locale)}">{paragraphs}</body></html>'
        email.add_alternative(body, subtype="html")
        return email

    def send(self, message: OutgoingMessage, *, idempotency_key: str) -> Delivery:
        """Send `message` as an e-mail; provider failures come back as a failed `Delivery`."""
        email = self.email(message, idempotency_key)
        where = f"SMTP server {self.host}:{self.port}"
        try:
            with self._connect() as server:
                if self.security == "starttls":
                    server.starttls(context=self._tls())
                if self.username is not None:
                    server.login(self.username, self._password or "")
                refused = server.send_message(email)
        except smtplib.SMTPRecipientsRefused as error:
            code, text = next(iter(error.recipients.values()))
            return self._failed(message, idempotency_key, code, _text(text))
        except smtplib.SMTPResponseException as error:
            return self._failed(message, idempotency_key, error.smtp_code, _text(error.smtp_error))
        except (OSError, smtplib.SMTPException) as error:
            return Delivery(
                status=DeliveryStatus.FAILED_TEMPORARY,
                idempotency_key=idempotency_key,
                channel=message.channel,
                code="unreachable",
                reason=f"cannot reach {where}: {error or type(error).__name__}",
            )
        if refused:
            code, text = next(iter(refused.values()))
            return self._failed(message, idempotency_key, code, _text(text))
        return Delivery(
            status=DeliveryStatus.DELIVERED,
            idempotency_key=idempotency_key,
            channel=message.channel,
            provider_id=str(email["Message-ID"]),
        )

    def _connect(self) -> smtplib.SMTP:
        if self.security == "tls":
            return smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=self._tls())
        return smtplib.SMTP(self.host, self.port, timeout=self.timeout)

    def _tls(self) -> ssl.SSLContext:
        return self._context if self._context is not None else ssl.create_default_context()

    def _failed(self, message: OutgoingMessage, key: str, code: int, text: str) -> Delivery:
        permanent = 500 <= code < 600
        return Delivery(
            status=DeliveryStatus.FAILED_PERMANENT
            if permanent
            else DeliveryStatus.FAILED_TEMPORARY,
            idempotency_key=key,
            channel=message.channel,
            code=str(code),
            reason=f"SMTP server {self.host}:{self.port} answered {code} {text}".rstrip(),
        )


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value


class WebhookSender:
    """Sends messages to an HTTP endpoint (an SMS or WhatsApp provider, or the host's own).

    Each message is POSTed as JSON (the fields of `OutgoingMessage`) with an
    ``Idempotency-Key`` header. 2xx is delivered (202 queued), with the provider's id taken
    from an ``id`` or ``message_id`` field of a JSON answer; 408, 425, 429 and 5xx, timeouts
    and unreachable hosts are temporary failures; any other 4xx is permanent.

    Needs the ``webhook`` extra (httpx): ``pip install "dunning[webhook]"``.

    Args:
        url: where to POST.
        token: sent as ``Authorization: Bearer <token>`` (read it from the environment).
        headers: more headers to send.
        timeout: seconds for connecting and for the answer.
        client: an `httpx.Client` to use (connection pooling, proxies, tests).
    """

    def __init__(
        self,
        url: str,
        *,
        token: str | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float = 10.0,
        client: httpx.Client | None = None,
    ) -> None:
        try:
            import httpx
        except ImportError:  # pragma: no cover - the tests run with the extra installed
            raise missing_dependency("httpx", "webhook") from None
        self._httpx = httpx
        self.url = url
        self._headers = dict(headers or {})
        if token is not None:
            self._headers["Authorization"] = f"Bearer {token}"
        self.timeout = timeout
        self._client = client if client is not None else httpx.Client(timeout=timeout)

    def __repr__(self) -> str:
        return f"WebhookSender({self.url!r})"

    def send(self, message: OutgoingMessage, *, idempotency_key: str) -> Delivery:
        """POST `message`; provider failures come back as a failed `Delivery`."""
        httpx = self._httpx
        try:
            response = self._client.post(
                self.url,
                json=message.model_dump(mode="json"),
                headers={**self._headers, "Idempotency-Key": idempotency_key},
                timeout=self.timeout,
            )
        except httpx.TimeoutException as error:
            return self._temporary(
                message,
                idempotency_key,
                "timeout",
                f"no answer from {self.url} within {self.timeout:g} s ({type(error).__name__})",
            )
        except httpx.HTTPError as error:
            return self._temporary(
                message,
                idempotency_key,
                "unreachable",
                f"cannot reach {self.url}: {error or type(error).__name__}",
            )
        status = response.status_code
        if 200 <= status < 300:
            return Delivery(
                status=DeliveryStatus.QUEUED if status == 202 else DeliveryStatus.DELIVERED,
                idempotency_key=idempotency_key,
                channel=message.channel,
                provider_id=_provider_id(response),
            )
        reason = f"{self.url} answered {status} {response.text[:200]}".rstrip()
        if status in (408, 425, 429) or status >= 500:
            return self._temporary(message, idempotency_key, str(status), reason)
        return Delivery(
            status=DeliveryStatus.FAILED_PERMANENT,
            idempotency_key=idempotency_key,
            channel=message.channel,
            code=str(status),
            reason=reason,
        )

    def _temporary(self, message: OutgoingMessage, key: str, code: str, reason: str) -> Delivery:
        return Delivery(
            status=DeliveryStatus.FAILED_TEMPORARY,
            idempotency_key=key,
            channel=message.channel,
            code=code,
            reason=reason,
        )

    def close(self) -> None:
        """Close the HTTP client's connections."""
        self._client.close()


def _provider_id(response: Any) -> str | None:
    try:
        body = response.json()
    except ValueError:
        return None
    if isinstance(body, dict):
        for name in ("id", "message_id", "sid"):
            if isinstance(body.get(name), str | int):
                return str(body[name])
    return None
