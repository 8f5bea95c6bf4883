"""Senders that keep messages on this machine: on a console, or as JSON files in a folder.

They implement `MessageSender` for demos and for trying a policy before wiring real providers;
they are the only adapters of the library that do I/O, with the standard library alone. Both
send a message once per idempotency key, as a provider would.

>>> import io
>>> out = io.StringIO()
>>> sender = ConsoleSender(out)
>>> message = OutgoingMessage(
...     channel="sms", to="+573001234567", customer_id="C-1", template="reminder.due_today",
...     tone="friendly", locale="es_CO", text="Su factura FV-1 vence hoy.",
... )
>>> sender.send(message, idempotency_key="k1").status.value
'delivered'
>>> sender.send(message, idempotency_key="k1").provider_id
'console-1'
>>> print(out.getvalue().strip())
--- sms to +573001234567 (reminder.due_today, es_CO) ---
Su factura FV-1 vence hoy.
"""

from __future__ import annotations

import hashlib
import os
import re
import sys
import tempfile
from pathlib import Path
from typing import TextIO

from dunning.adapters import Delivery, DeliveryStatus, OutgoingMessage

__all__ = ["ConsoleSender", "FileSender"]


class ConsoleSender:
    """Prints each message to a text stream (standard output by default).

    Args:
        stream: Where to print; `sys.stdout` at the time of each send when not given.
    """

    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream = stream
        self._deliveries: dict[str, Delivery] = {}

    def send(self, message: OutgoingMessage, *, idempotency_key: str) -> Delivery:
        """Print `message` once per `idempotency_key` and report it delivered."""
        known = self._deliveries.get(idempotency_key)
        if known is not None:
            return known
        stream = sys.stdout if self._stream is None else self._stream
        stream.write(_console_text(message))
        delivery = Delivery(
            status=DeliveryStatus.DELIVERED,
            idempotency_key=idempotency_key,
            channel=message.channel,
            provider_id=f"console-{len(self._deliveries) + 1}",
        )
        self._deliveries[idempotency_key] = delivery
        return delivery


def _console_text(message: OutgoingMessage) -> str:
    fallback = f", fell back from {message.requested_locale}" if message.locale_fallback else ""
    lines = [
        f"--- {message.channel.value} to {message.to} "
        f"({message.template}, {message.locale}{fallback}) ---"
    ]
    if message.subject is not None:
        lines.append(f"Subject: {message.subject}")
    if message.whatsapp is not None:
        parameters = " | ".join(message.whatsapp.parameters)
        lines.append(f"Template: {message.whatsapp.name} [{parameters}]")
    lines.append(message.text)
    if message.sms is not None:
        lines.append(f"({message.sms.encoding.value}, {message.sms.segments} segment(s))")
    return "\n".join(lines) + "\n\n"


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


class FileSender:
    """Writes each message as a JSON file in `directory`, one file per idempotency key.

    The file name is made of the key's safe characters and a digest of the whole key, so two
    keys never share a file; a key already written is not written again. Files are written to
    a temporary name first and renamed, so a reader never sees half a message.

    Args:
        directory: The folder to write into; created when missing.
    """

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        self.directory = Path(directory)

    def path_for(self, idempotency_key: str) -> Path:
        """The file that holds the message sent with `idempotency_key`."""
        digest = hashlib.sha256(idempotency_key.encode()).hexdigest()[:12]
        stem = _UNSAFE.sub("_", idempotency_key)[:80].strip("_.") or "message"
        return self.directory / f"{stem}-{digest}.json"

    def send(self, message: OutgoingMessage, *, idempotency_key: str) -> Delivery:
        """Write `message` once per `idempotency_key` and report it delivered."""
        path = self.path_for(idempotency_key)
        if not path.exists():
            self.directory.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=self.directory, suffix=".tmp")
            with os.fdopen(handle, "w", encoding="utf-8") as file:
                file.write(message.model_dump_json(indent=2))
            os.replace(temporary, path)
        return Delivery(
            status=DeliveryStatus.DELIVERED,
            idempotency_key=idempotency_key,
            channel=message.channel,
            provider_id=path.name,
        )
