"""The channels file: which sender each channel uses, in a small TOML file.

::

    [email]
    type = "smtp"
    host = "smtp.example.com"
    port = 587
    security = "starttls"          # or "tls", "none"
    sender = "cobranza@example.com"
    username = "apikey"
    password_env = "SMTP_PASSWORD" # the secret is read from this environment variable

    [sms]
    type = "webhook"
    url = "https://sms.example.com/v1/messages"
    token_env = "SMS_TOKEN"
    timeout = 5

    [whatsapp]
    type = "file"                  # one JSON file per message, for trials and demos
    directory = "outbox/whatsapp"

    [postal]
    type = "console"

Secrets never live in the file: a key ending in ``_env`` names the environment variable
that holds them, and a ``password`` or ``token`` written in the file is refused.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

from dunning.adapters import MessageSender
from dunning.adapters.local import ConsoleSender, FileSender
from dunning.errors import ChannelConfigError
from dunning.invoices import Channel
from dunning.runner.senders import SMTPSender, WebhookSender

__all__ = ["load_channels"]

#: The keys each sender type takes (besides ``type``), and which of them are required.
_KEYS: Final[dict[str, tuple[frozenset[str], frozenset[str]]]] = {
    "smtp": (
        frozenset(
            {"host", "port", "security", "sender", "username", "password_env", "timeout", "domain"}
        ),
        frozenset({"host", "sender"}),
    ),
    "webhook": (frozenset({"url", "token_env", "timeout", "headers"}), frozenset({"url"})),
    "file": (frozenset({"directory"}), frozenset({"directory"})),
    "console": (frozenset(), frozenset()),
}
_SECRETS: Final = frozenset({"password", "token"})


def load_channels(
    path: str | os.PathLike[str], environ: Mapping[str, str] | None = None
) -> dict[Channel, MessageSender]:
    """Read a channels file and build one sender per channel it names.

    Args:
        path: the TOML file.
        environ: where secrets are looked up (`os.environ` by default).

    Returns:
        The senders, by channel.

    Raises:
        ChannelConfigError: the file cannot be read, names an unknown channel, type or key,
            holds a secret, or names an environment variable that is not set; the message
            gives the file, the table and the key.
    """
    environ = os.environ if environ is None else environ
    where = Path(path)
    try:
        document = tomllib.loads(where.read_text(encoding="utf-8"))
    except OSError as error:
        raise ChannelConfigError(f"{where}: cannot read the channels file: {error}") from error
    except tomllib.TOMLDecodeError as error:
        raise ChannelConfigError(f"{where}: not valid TOML: {error}") from error
    channels: dict[Channel, MessageSender] = {}
    for name, table in document.items():
        try:
            channel = Channel(name)
        except ValueError:
            known = ", ".join(c.value for c in Channel)
            raise ChannelConfigError(
                f"{where}: [{name}] is not a channel (channels: {known})"
            ) from None
        if not isinstance(table, dict):
            raise ChannelConfigError(f"{where}: {name} must be a table ([{name}])")
        channels[channel] = _sender(where, name, table, environ)
    return channels


def _sender(
    where: Path, name: str, table: dict[str, Any], environ: Mapping[str, str]
) -> MessageSender:
    kind = table.get("type")
    if kind not in _KEYS:
        raise ChannelConfigError(
            f"{where}: [{name}] type = {kind!r} is not a sender type "
            f"(types: {', '.join(sorted(_KEYS))})"
        )
    allowed, required = _KEYS[kind]
    for key in table:
        if key in _SECRETS:
            raise ChannelConfigError(
                f"{where}: [{name}] {key} must not be written in the file; name the "
                f"environment variable that holds it with {key}_env"
            )
        if key != "type" and key not in allowed:
            raise ChannelConfigError(
                f"{where}: [{name}] unknown key {key!r} for a {kind} sender "
                f"(keys: {', '.join(sorted(allowed)) or 'none'})"
            )
    missing = sorted(required - set(table))
    if missing:
        raise ChannelConfigError(f"{where}: [{name}] a {kind} sender needs {', '.join(missing)}")

    def secret(key: str) -> str | None:
        variable = table.get(key)
        if variable is None:
            return None
        value = environ.get(str(variable))
        if value is None:
            raise ChannelConfigError(
                f"{where}: [{name}] {key} = {variable!r}, but the environment variable "
                f"{variable} is not set"
            )
        return value

    try:
        if kind == "smtp":
            return SMTPSender(
                str(table["host"]),
                int(table.get("port", 587)),
                sender=str(table["sender"]),
                security=table.get("security", "starttls"),
                username=table.get("username"),
                password=secret("password_env"),
                timeout=float(table.get("timeout", 10.0)),
                domain=table.get("domain"),
            )
        if kind == "webhook":
            return WebhookSender(
                str(table["url"]),
                token=secret("token_env"),
                headers=dict(table.get("headers", {})),
                timeout=float(table.get("timeout", 10.0)),
            )
        if kind == "file":
            return FileSender(where.parent / str(table["directory"]))
        return ConsoleSender()
    except (TypeError, ValueError) as error:
        raise ChannelConfigError(f"{where}: [{name}] {error}") from error
