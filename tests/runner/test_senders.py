"""The SMTP and webhook senders against real servers on 127.0.0.1, and the channels file."""

from __future__ import annotations

import email
import json
import socket
import threading
from collections.abc import Iterator
from email import policy as email_policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest

from dunning.adapters import DeliveryStatus, OutgoingMessage
from dunning.adapters.local import ConsoleSender, FileSender
from dunning.errors import ChannelConfigError
from dunning.invoices import Channel
from dunning.runner import SMTPSender, WebhookSender, load_channels, message_id

KEY = "p:C:I:step:due:0@email"


def outgoing(channel: str = "email", to: str = "ana@example.com") -> OutgoingMessage:
    return OutgoingMessage(
        channel=channel,
        to=to,
        customer_id="C",
        invoice_ids=("FV-1",),
        action_key=KEY,
        template="due",
        tone="friendly",
        locale="es_CO",
        subject="Factura FV-1",
        text="Su factura FV-1 vence hoy.\nPague en https://pay.example/x",
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# -- SMTP ---------------------------------------------------------------------------------------


class Mailbox:
    """An aiosmtpd handler that keeps what arrives and refuses one address."""

    def __init__(self) -> None:
        self.received: list[tuple[str, list[str], bytes]] = []

    async def handle_RCPT(self, server, session, envelope, address, options):  # noqa: N802
        if address == "nobody@example.com":
            return "550 5.1.1 no such user"
        if address == "full@example.com":
            return "452 4.2.2 mailbox full"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 OK queued"


@pytest.fixture
def smtp_server() -> Iterator[tuple[Mailbox, int]]:
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult

    def authenticate(server, session, envelope, mechanism, auth_data):
        ok = auth_data.login == b"billing" and auth_data.password == b"s3cret"
        return AuthResult(success=ok)

    mailbox = Mailbox()
    port = free_port()
    controller = Controller(
        mailbox,
        hostname="127.0.0.1",
        port=port,
        authenticator=authenticate,
        auth_require_tls=False,
    )
    controller.start()
    try:
        yield mailbox, port
    finally:
        controller.stop()


def test_smtp_sends_plain_text_and_html_with_a_message_id_from_the_key(smtp_server) -> None:
    mailbox, port = smtp_server
    sender = SMTPSender(
        "127.0.0.1",
        port,
        sender="cobranza@billing.example",
        security="none",
        username="billing",
        password="s3cret",
    )
    delivery = sender.send(outgoing(), idempotency_key=KEY)
    assert delivery.status is DeliveryStatus.DELIVERED
    assert delivery.provider_id == message_id(KEY, "billing.example")
    ((mail_from, to, content),) = mailbox.received
    assert (mail_from, to) == ("cobranza@billing.example", ["ana@example.com"])
    parsed = email.message_from_bytes(content, policy=email_policy.default)
    assert parsed["Message-ID"] == message_id(KEY, "billing.example")
    assert parsed["Subject"] == "Factura FV-1"
    assert parsed["X-Idempotency-Key"] == KEY
    plain = parsed.get_body(("plain",))
    rich = parsed.get_body(("html",))
    assert plain.get_content().replace("\r\n", "\n") == (
        "Su factura FV-1 vence hoy.\nPague en https://pay.example/x\n"
    )
    assert rich.get_content().replace("\r\n", "\n") == (
        '<html><body lang="es_CO"><p>Su factura FV-1 vence hoy.</p>'
        "<p>Pague en https://pay.example/x</p></body></html>\n"
    )
    # Sent again with the same key, the e-mail carries the same Message-ID.
    sender.send(outgoing(), idempotency_key=KEY)
    again = email.message_from_bytes(mailbox.received[1][2], policy=email_policy.default)
    assert again["Message-ID"] == parsed["Message-ID"]


@pytest.mark.parametrize(
    ("to", "status", "code"),
    [
        ("nobody@example.com", DeliveryStatus.FAILED_PERMANENT, "550"),
        ("full@example.com", DeliveryStatus.FAILED_TEMPORARY, "452"),
    ],
)
def test_smtp_refused_recipients(smtp_server, to, status, code) -> None:
    mailbox, port = smtp_server
    sender = SMTPSender("127.0.0.1", port, sender="cobranza@billing.example", security="none")
    delivery = sender.send(outgoing(to=to), idempotency_key=KEY)
    assert (delivery.status, delivery.code) == (status, code)
    assert delivery.reason.startswith(f"SMTP server 127.0.0.1:{port} answered {code} ")
    assert mailbox.received == []


def test_an_unreachable_smtp_server_is_a_temporary_failure_naming_it() -> None:
    port = free_port()  # nothing listens there
    sender = SMTPSender(
        "127.0.0.1", port, sender="cobranza@billing.example", security="none", timeout=2
    )
    delivery = sender.send(outgoing(), idempotency_key=KEY)
    assert delivery.status is DeliveryStatus.FAILED_TEMPORARY
    assert delivery.code == "unreachable"
    assert delivery.reason.startswith(f"cannot reach SMTP server 127.0.0.1:{port}: ")


def test_smtp_starttls_against_a_server_without_it_is_temporary(smtp_server) -> None:
    _, port = smtp_server
    sender = SMTPSender("127.0.0.1", port, sender="cobranza@billing.example")
    delivery = sender.send(outgoing(), idempotency_key=KEY)
    assert delivery.status is DeliveryStatus.FAILED_TEMPORARY
    assert "STARTTLS" in delivery.reason


# -- webhook ------------------------------------------------------------------------------------


class Provider(BaseHTTPRequestHandler):
    """Answers by path: /ok, /queued, /bad (400), /busy (503), /slow (never in time)."""

    seen: ClassVar[list[tuple[str, dict[str, str], dict[str, Any]]]] = []

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        Provider.seen.append((self.path, dict(self.headers), body))
        status, answer = {
            "/ok": (200, {"id": "SM123"}),
            "/queued": (202, {"message_id": 77}),
            "/bad": (400, {"error": "invalid number"}),
            "/busy": (503, {"error": "try later"}),
            "/limited": (429, {"error": "slow down"}),
        }.get(self.path, (404, {}))
        if self.path == "/slow":
            threading.Event().wait(1.0)
            status, answer = 200, {}
        payload = json.dumps(answer).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except BrokenPipeError:  # the client gave up waiting (the timeout test)
            pass

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def provider() -> Iterator[str]:
    Provider.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Provider)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_webhook_posts_the_message_with_the_idempotency_key(provider) -> None:
    sender = WebhookSender(f"{provider}/ok", token="t0ken")
    delivery = sender.send(outgoing("sms", "+573001234567"), idempotency_key=KEY)
    sender.close()
    assert (delivery.status, delivery.provider_id) == (DeliveryStatus.DELIVERED, "SM123")
    ((path, headers, body),) = Provider.seen
    assert path == "/ok"
    assert headers["Idempotency-Key"] == KEY
    assert headers["Authorization"] == "Bearer t0ken"
    assert body == outgoing("sms", "+573001234567").model_dump(mode="json")


@pytest.mark.parametrize(
    ("path", "status", "code", "provider_id"),
    [
        ("/queued", DeliveryStatus.QUEUED, None, "77"),
        ("/bad", DeliveryStatus.FAILED_PERMANENT, "400", None),
        ("/busy", DeliveryStatus.FAILED_TEMPORARY, "503", None),
        ("/limited", DeliveryStatus.FAILED_TEMPORARY, "429", None),
        ("/nowhere", DeliveryStatus.FAILED_PERMANENT, "404", None),
    ],
)
def test_webhook_answers(provider, path, status, code, provider_id) -> None:
    sender = WebhookSender(f"{provider}{path}")
    delivery = sender.send(outgoing("sms", "+573001234567"), idempotency_key=KEY)
    sender.close()
    assert (delivery.status, delivery.code, delivery.provider_id) == (status, code, provider_id)


def test_webhook_timeout_is_temporary(provider) -> None:
    sender = WebhookSender(f"{provider}/slow", timeout=0.2)
    delivery = sender.send(outgoing("sms", "+573001234567"), idempotency_key=KEY)
    sender.close()
    assert (delivery.status, delivery.code) == (DeliveryStatus.FAILED_TEMPORARY, "timeout")
    assert delivery.reason.startswith(f"no answer from {provider}/slow within 0.2 s")


def test_an_unreachable_webhook_is_temporary() -> None:
    url = f"http://127.0.0.1:{free_port()}/sms"
    sender = WebhookSender(url, timeout=2)
    delivery = sender.send(outgoing("sms", "+573001234567"), idempotency_key=KEY)
    sender.close()
    assert (delivery.status, delivery.code) == (DeliveryStatus.FAILED_TEMPORARY, "unreachable")
    assert delivery.reason.startswith(f"cannot reach {url}: ")


# -- the channels file ----------------------------------------------------------------------------


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "channels.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_channels_file_builds_one_sender_per_channel(tmp_path) -> None:
    path = write(
        tmp_path,
        """
[email]
type = "smtp"
host = "smtp.example.com"
sender = "cobranza@example.com"
username = "apikey"
password_env = "SMTP_PASSWORD"

[sms]
type = "webhook"
url = "https://sms.example.com/v1"
token_env = "SMS_TOKEN"
timeout = 5

[whatsapp]
type = "file"
directory = "sent"

[postal]
type = "console"
""",
    )
    channels = load_channels(path, {"SMTP_PASSWORD": "pw", "SMS_TOKEN": "tk"})
    assert set(channels) == {Channel.EMAIL, Channel.SMS, Channel.WHATSAPP, Channel.POSTAL}
    email_sender = channels[Channel.EMAIL]
    assert isinstance(email_sender, SMTPSender)
    assert (email_sender.host, email_sender.port, email_sender.security) == (
        "smtp.example.com",
        587,
        "starttls",
    )
    assert isinstance(channels[Channel.SMS], WebhookSender)
    assert channels[Channel.SMS].timeout == 5
    assert isinstance(channels[Channel.WHATSAPP], FileSender)
    assert channels[Channel.WHATSAPP].directory == tmp_path / "sent"
    assert isinstance(channels[Channel.POSTAL], ConsoleSender)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '[email]\ntype = "smtp"\nhost = "h"\nsender = "a@b"\nhots = "x"\n',
            "[email] unknown key 'hots' for a smtp sender (keys: domain, host, password_env, "
            "port, security, sender, timeout, username)",
        ),
        (
            '[fax]\ntype = "console"\n',
            "[fax] is not a channel (channels: email, sms, whatsapp, phone, postal)",
        ),
        (
            '[email]\ntype = "pigeon"\n',
            "[email] type = 'pigeon' is not a sender type (types: console, file, smtp, webhook)",
        ),
        (
            '[email]\ntype = "smtp"\nhost = "h"\nsender = "a@b"\npassword = "x"\n',
            "[email] password must not be written in the file; name the environment variable "
            "that holds it with password_env",
        ),
        (
            '[email]\ntype = "smtp"\nhost = "h"\nsender = "a@b"\npassword_env = "NOT_SET_X"\n',
            "[email] password_env = 'NOT_SET_X', but the environment variable NOT_SET_X is not set",
        ),
        ('[sms]\ntype = "webhook"\n', "[sms] a webhook sender needs url"),
        ("[sms\n", "not valid TOML"),
    ],
)
def test_bad_channels_files_say_what_and_where(tmp_path, text, message) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ChannelConfigError) as raised:
        load_channels(path, {})
    assert str(raised.value).startswith(f"{path}: ")
    assert message in str(raised.value)


def test_a_missing_channels_file_is_named(tmp_path) -> None:
    with pytest.raises(ChannelConfigError, match=r"missing\.toml: cannot read the channels file"):
        load_channels(tmp_path / "missing.toml")


def test_a_run_against_an_unreachable_smtp_server_waits_and_says_why(tmp_path) -> None:
    from datetime import UTC, date, datetime

    from dunning import Customer, Invoice, Policy, ReminderStep
    from dunning.runner import EntryStatus, ManualClock, Outcome, Runner, SQLiteStore

    port = free_port()
    policy = Policy(
        id="p", steps=[ReminderStep(id="due", offset_days=0, channels=["email"], template="due")]
    )
    customer = Customer(id="C", name="Ana", contacts=[{"channel": "email", "address": "a@x.co"}])
    invoice = Invoice(
        id="I",
        customer_id="C",
        currency="USD",
        total="10.00",
        issue_date=date(2026, 10, 1),
        due_date=date(2026, 11, 20),
    )
    sender = SMTPSender("127.0.0.1", port, sender="c@billing.example", security="none", timeout=2)
    store = SQLiteStore(tmp_path / "o.sqlite")
    clock = ManualClock(datetime(2026, 11, 20, 9, tzinfo=UTC))
    report = Runner(store, policy, {"email": sender}, clock=clock).run(
        date(2026, 11, 20), [invoice], [customer]
    )
    (failure,) = report.failures
    assert failure.outcome is Outcome.RETRYING
    assert failure.reason.startswith(f"unreachable cannot reach SMTP server 127.0.0.1:{port}")
    (entry,) = store.entries()
    assert (entry.status, entry.attempts) == (EntryStatus.PENDING, 1)
    assert entry.last_error == failure.reason


@pytest.fixture(scope="module")
def certificate(tmp_path_factory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1, made with the openssl command."""
    import shutil
    import subprocess

    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is not installed")
    folder = tmp_path_factory.mktemp("tls")
    key, cert = folder / "key.pem", folder / "cert.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
            "-keyout", str(key), "-out", str(cert),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return key, cert


@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_smtp_over_tls_checks_the_certificate_and_sends(certificate, security) -> None:
    import ssl

    from aiosmtpd.controller import Controller

    key, cert = certificate
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(cert, key)
    mailbox = Mailbox()
    port = free_port()
    if security == "tls":
        controller = Controller(
            mailbox, hostname="127.0.0.1", port=port, ssl_context=server_context
        )
    else:
        controller = Controller(
            mailbox,
            hostname="127.0.0.1",
            port=port,
            tls_context=server_context,
            require_starttls=True,
        )
    controller.start()
    try:
        trusted = ssl.create_default_context(cafile=str(cert))
        sender = SMTPSender(
            "127.0.0.1", port, sender="c@billing.example", security=security, context=trusted
        )
        assert sender.send(outgoing(), idempotency_key=KEY).status is DeliveryStatus.DELIVERED
        assert len(mailbox.received) == 1
        # A client that does not trust the certificate sends nothing and says why.
        untrusting = SMTPSender("127.0.0.1", port, sender="c@billing.example", security=security)
        refused = untrusting.send(outgoing(), idempotency_key=KEY)
        assert (refused.status, refused.code) == (DeliveryStatus.FAILED_TEMPORARY, "unreachable")
        assert "CERTIFICATE_VERIFY_FAILED" in refused.reason
        assert len(mailbox.received) == 1
    finally:
        controller.stop()
