import asyncio
import io
import json
from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from dunning.adapters import (
    HARD_DECLINE_CODES,
    AsyncMessageSender,
    AsyncPaymentGateway,
    AsyncServiceControl,
    AsyncTaskSink,
    ChargeRequest,
    ChargeResult,
    ChargeStatus,
    Delivery,
    DeliveryStatus,
    MessageSender,
    OutgoingMessage,
    PaymentGateway,
    PaymentLink,
    PaymentLinkRequest,
    PaymentMethod,
    ServiceChange,
    ServiceControl,
    ServiceReceipt,
    ServiceRequest,
    SmsEncoding,
    SmsParts,
    TaskReceipt,
    TaskRequest,
    TaskRequestKind,
    TaskSink,
    WhatsAppTemplate,
    classify_decline,
    sender_for,
)
from dunning.adapters.local import ConsoleSender, FileSender
from dunning.errors import ChannelNotConfiguredError, DunningError, IdempotencyConflictError
from dunning.invoices import Channel
from dunning.money import Money
from dunning.testing.fakes import (
    AsyncFakeGateway,
    AsyncFakeSender,
    AsyncFakeServiceControl,
    AsyncFakeTaskSink,
    FakeGateway,
    FakeSender,
    FakeServiceControl,
    FakeTaskSink,
)

COP = Money("120000", "COP")


def _message(channel: str = "email", to: str = "pagos@tornillo.example", **changes: object):
    values: dict[str, object] = {
        "channel": channel,
        "to": to,
        "customer_id": "C-1",
        "invoice_ids": ("FV-1001",),
        "action_key": "p:C-1:FV-1001:due#0",
        "template": "reminder.due_today",
        "tone": "friendly",
        "locale": "es_CO",
        "subject": "Su factura FV-1001 vence hoy",
        "text": "Su factura FV-1001 por $120.000 vence hoy.",
    }
    values.update(changes)
    return OutgoingMessage.model_validate(values)


VALUES = [
    _message(
        html="<p>Su factura</p>",
        sms=SmsParts(encoding=SmsEncoding.UCS_2, units=71, segments=2),
        whatsapp=WhatsAppTemplate(name="factura_vence_hoy", language="es_CO", parameters=("a",)),
        payment_url="https://pay.example/C-1/1",
        requested_locale="es_AR",
    ),
    Delivery(status="failed_permanent", idempotency_key="k", channel="sms", code="opted_out"),
    PaymentLinkRequest(
        customer_id="C-1",
        invoice_ids=("FV-1",),
        amount=COP,
        methods=(PaymentMethod.PSE, PaymentMethod.NEQUI),
        expires_at=datetime(2026, 3, 1, 12, tzinfo=UTC),
    ),
    PaymentLink(url="https://pay.example/1", amount=COP, methods=("pix",), idempotency_key="k"),
    ChargeRequest(customer_id="C-1", amount=COP, payment_method="pm_1", attempt=2),
    ChargeResult.declined("insufficient_funds", amount=COP, idempotency_key="k"),
    TaskRequest(kind="hand_off", customer_id="C-1", agency="Cobranzas SAS", amount=COP),
    TaskReceipt(task_id="T-1", idempotency_key="k"),
    ServiceRequest(customer_id="C-1", invoice_ids=("FV-1",), reason="90 days overdue"),
    ServiceReceipt(customer_id="C-1", change="suspend", applied=True, idempotency_key="k"),
]


@pytest.mark.parametrize("value", VALUES, ids=lambda value: type(value).__name__)
def test_every_value_type_survives_json(value: object) -> None:
    kind = type(value)
    text = value.model_dump_json()  # type: ignore[attr-defined]
    assert kind.model_validate_json(text) == value  # type: ignore[attr-defined]
    assert kind.model_validate(json.loads(text)) == value  # type: ignore[attr-defined]


def test_values_are_frozen() -> None:
    message = _message()
    with pytest.raises(ValidationError):
        message.text = "other"  # type: ignore[misc]


def test_locale_fallback_is_reported() -> None:
    assert _message(requested_locale="es_AR").locale_fallback is True
    assert _message(requested_locale="es_CO").locale_fallback is False
    assert _message().locale_fallback is False


def test_message_refuses_an_empty_text_and_unknown_channel() -> None:
    with pytest.raises(ValidationError, match="text"):
        _message(text="")
    with pytest.raises(ValidationError, match="channel"):
        _message(channel="pigeon")


@pytest.mark.parametrize(
    ("status", "accepted", "retryable"),
    [
        ("delivered", True, False),
        ("queued", True, False),
        ("failed_temporary", False, True),
        ("failed_permanent", False, False),
    ],
)
def test_delivery_status_meaning(status: str, accepted: bool, retryable: bool) -> None:
    delivery = Delivery(status=status, idempotency_key="k", channel="sms")
    assert (delivery.accepted, delivery.retryable) == (accepted, retryable)


@pytest.mark.parametrize(
    "code",
    ["stolen_card", "lost_card", "pickup_card", "incorrect_number", "revocation_of_authorization"],
)
def test_hard_declines_are_never_retried(code: str) -> None:
    assert code in HARD_DECLINE_CODES
    assert classify_decline(code) is ChargeStatus.DECLINED_HARD
    assert classify_decline(f" {code.upper()} ") is ChargeStatus.DECLINED_HARD
    result = ChargeResult.declined(code, amount=COP, idempotency_key="k")
    assert result.retryable is False
    assert result.decline_code == code


@pytest.mark.parametrize(
    "code", ["insufficient_funds", "do_not_honor", "try_again_later", "processing_error", "x"]
)
def test_other_declines_are_soft(code: str) -> None:
    assert classify_decline(code) is ChargeStatus.DECLINED_SOFT
    assert ChargeResult.declined(code, amount=COP, idempotency_key="k").retryable is True


def test_host_can_classify_its_own_codes() -> None:
    hard = frozenset({"51"})
    assert classify_decline("51", hard_codes=hard) is ChargeStatus.DECLINED_HARD
    assert classify_decline("stolen_card", hard_codes=hard) is ChargeStatus.DECLINED_SOFT


def test_a_decline_code_on_a_success_is_refused() -> None:
    with pytest.raises(ValidationError, match="decline_code 'lost_card' given for a charge that"):
        ChargeResult(status="succeeded", amount=COP, idempotency_key="k", decline_code="lost_card")


def test_charge_attempt_starts_at_one() -> None:
    with pytest.raises(ValidationError, match="attempt"):
        ChargeRequest(customer_id="C-1", amount=COP, payment_method="pm", attempt=0)


def test_sender_for_finds_the_channel_or_says_what_is_registered() -> None:
    email = FakeSender("email")
    channels = {Channel.EMAIL: email, Channel.SMS: FakeSender("sms")}
    assert sender_for(channels, "email") is email
    with pytest.raises(
        ChannelNotConfiguredError,
        match=r"no sender registered for channel 'whatsapp' \(registered: email, sms\)",
    ):
        sender_for(channels, Channel.WHATSAPP)
    with pytest.raises(LookupError, match="'pigeon' \\(registered: none\\)"):
        sender_for({}, "pigeon")


def test_fakes_and_local_senders_satisfy_the_protocols(tmp_path: object) -> None:
    assert isinstance(FakeSender(), MessageSender)
    assert isinstance(ConsoleSender(), MessageSender)
    assert isinstance(FileSender(str(tmp_path)), MessageSender)
    assert isinstance(FakeGateway(), PaymentGateway)
    assert isinstance(FakeTaskSink(), TaskSink)
    assert isinstance(FakeServiceControl(), ServiceControl)
    assert isinstance(AsyncFakeSender(), AsyncMessageSender)
    assert isinstance(AsyncFakeGateway(), AsyncPaymentGateway)
    assert isinstance(AsyncFakeTaskSink(), AsyncTaskSink)
    assert isinstance(AsyncFakeServiceControl(), AsyncServiceControl)


# -- fakes ----------------------------------------------------------------------------------


def test_fake_sender_dedupes_by_key() -> None:
    sender = FakeSender("email")
    first = sender.send(_message(), idempotency_key="k1")
    again = sender.send(_message(), idempotency_key="k1")
    other = sender.send(_message(), idempotency_key="k2")
    assert first == again
    assert first.provider_id == "fake-1"
    assert other.provider_id == "fake-2"
    assert [call.replayed for call in sender.calls] == [False, True, False]
    assert len(sender.sent) == 2


def test_fake_sender_fails_on_schedule_and_a_temporary_failure_keeps_the_key_open() -> None:
    sender = FakeSender(schedule=["failed_temporary", "failed_permanent", "queued"])
    temporary = sender.send(_message(), idempotency_key="a")
    assert temporary.status is DeliveryStatus.FAILED_TEMPORARY
    assert (temporary.code, temporary.provider_id) == ("scheduled_failure", None)
    assert temporary.reason == "failure of send 1 as told"
    permanent = sender.send(_message(), idempotency_key="a")
    assert permanent.status is DeliveryStatus.FAILED_PERMANENT
    # a permanent failure uses the key up: the provider said no for good
    assert sender.send(_message(), idempotency_key="a") == permanent
    assert sender.send(_message(), idempotency_key="b").status is DeliveryStatus.QUEUED
    assert sender.send(_message(), idempotency_key="c").status is DeliveryStatus.DELIVERED
    assert sender.sent == [_message(), _message()]


def test_fake_sender_fails_bad_addresses_permanently() -> None:
    sender = FakeSender("sms", fail_addresses={"+570000000000": "invalid_number"})
    delivery = sender.send(_message("sms", "+570000000000"), idempotency_key="k")
    assert (delivery.status, delivery.code) == (DeliveryStatus.FAILED_PERMANENT, "invalid_number")
    good = sender.send(_message("sms", "+573001234567"), idempotency_key="k2")
    assert good.status is DeliveryStatus.DELIVERED


def test_fake_sender_refuses_a_reused_key_and_a_wrong_channel() -> None:
    sender = FakeSender("email")
    sender.send(_message(), idempotency_key="k")
    with pytest.raises(IdempotencyConflictError, match="idempotency key 'k' was first used for"):
        sender.send(_message(text="another text"), idempotency_key="k")
    with pytest.raises(ValueError, match="a sms message was given to the email sender"):
        sender.send(_message("sms", "+573001234567"), idempotency_key="k3")
    with pytest.raises(ValueError, match="idempotency_key must be a non-empty string"):
        sender.send(_message(), idempotency_key="")
    assert issubclass(IdempotencyConflictError, DunningError)


def test_fake_gateway_links_and_charges_once_per_key() -> None:
    gateway = FakeGateway(schedule=["insufficient_funds", "stolen_card"])
    request = PaymentLinkRequest(customer_id="C-1", amount=COP, methods=("pse",))
    link = gateway.payment_link(request, idempotency_key="l1")
    assert link.url == "https://pay.example/C-1/1"
    assert link.methods == (PaymentMethod.PSE,)
    assert gateway.payment_link(request, idempotency_key="l1") is link
    assert gateway.payment_link(request, idempotency_key="l2").url == "https://pay.example/C-1/2"

    charge = ChargeRequest(customer_id="C-1", amount=COP, payment_method="pm_1")
    soft = gateway.charge(charge, idempotency_key="c1")
    assert (soft.status, soft.decline_code) == (ChargeStatus.DECLINED_SOFT, "insufficient_funds")
    assert gateway.charge(charge, idempotency_key="c1") is soft
    hard = gateway.charge(charge.evolve(attempt=2), idempotency_key="c2")
    assert hard.status is ChargeStatus.DECLINED_HARD
    paid = gateway.charge(charge.evolve(attempt=3), idempotency_key="c3")
    assert (paid.status, paid.amount, paid.provider_id) == (ChargeStatus.SUCCEEDED, COP, "charge-3")
    assert len(gateway.charges) == 3
    assert len(gateway.charge_calls) == 4
    assert len(gateway.links) == 2
    with pytest.raises(IdempotencyConflictError):
        gateway.charge(charge.evolve(attempt=9), idempotency_key="c1")


def test_fake_task_sink_numbers_tasks_and_dedupes() -> None:
    sink = FakeTaskSink()
    call = TaskRequest(kind=TaskRequestKind.CALL, customer_id="C-1", queue="cobranza")
    receipt = sink.create_task(call, idempotency_key="t1")
    assert receipt.task_id == "task-1"
    assert sink.create_task(call, idempotency_key="t1") is receipt
    write_off = TaskRequest(kind="write_off", customer_id="C-2", amount=COP)
    assert sink.create_task(write_off, idempotency_key="t2").task_id == "task-2"
    assert sink.tasks == [call, write_off]


def test_fake_service_control_tracks_suspensions() -> None:
    control = FakeServiceControl()
    request = ServiceRequest(customer_id="C-1")
    first = control.suspend(request, idempotency_key="s1")
    assert (first.change, first.applied) == (ServiceChange.SUSPEND, True)
    assert control.suspended == {"C-1"}
    assert control.suspend(request, idempotency_key="s2").applied is False
    assert control.suspend(request, idempotency_key="s1") is first
    with pytest.raises(IdempotencyConflictError, match="first used to suspend, now to resume"):
        control.resume(request, idempotency_key="s1")
    assert control.resume(request, idempotency_key="r1").applied is True
    assert control.suspended == set()
    assert control.resume(request, idempotency_key="r2").applied is False


def test_async_fakes_share_the_record_of_their_sync_fake() -> None:
    async def scenario() -> tuple[Delivery, ChargeResult, TaskReceipt, ServiceReceipt]:
        sender = AsyncFakeSender(FakeSender(schedule=["failed_temporary"]))
        await sender.send(_message(), idempotency_key="k")
        delivery = await sender.send(_message(), idempotency_key="k")
        assert len(sender.fake.calls) == 2
        gateway = AsyncFakeGateway()
        request = PaymentLinkRequest(customer_id="C-1", amount=COP)
        assert (await gateway.payment_link(request, idempotency_key="l")).provider_id == "link-1"
        charge = ChargeRequest(customer_id="C-1", amount=COP, payment_method="pm")
        result = await gateway.charge(charge, idempotency_key="c")
        task = await AsyncFakeTaskSink().create_task(
            TaskRequest(kind="call", customer_id="C-1"), idempotency_key="t"
        )
        control = AsyncFakeServiceControl()
        await control.suspend(ServiceRequest(customer_id="C-1"), idempotency_key="s")
        resumed = await control.resume(ServiceRequest(customer_id="C-1"), idempotency_key="r")
        return delivery, result, task, resumed

    delivery, result, task, resumed = asyncio.run(scenario())
    assert delivery.status is DeliveryStatus.DELIVERED
    assert result.status is ChargeStatus.SUCCEEDED
    assert task.task_id == "task-1"
    assert resumed.applied is True


# -- local senders --------------------------------------------------------------------------


def test_console_sender_prints_each_key_once() -> None:
    out = io.StringIO()
    sender = ConsoleSender(out)
    message = _message(
        requested_locale="es_AR",
        sms=None,
        whatsapp=WhatsAppTemplate(name="vence_hoy", language="es_CO", parameters=("FV-1", "$1")),
    )
    sender.send(message, idempotency_key="k")
    sender.send(message, idempotency_key="k")
    sms = _message(
        "sms", "+573001234567", subject=None, sms=SmsParts(encoding="gsm-7", units=40, segments=1)
    )
    assert sender.send(sms, idempotency_key="k2").provider_id == "console-2"
    assert out.getvalue() == (
        "--- email to pagos@tornillo.example (reminder.due_today, es_CO, fell back from es_AR)"
        " ---\n"
        "Subject: Su factura FV-1001 vence hoy\n"
        "Template: vence_hoy [FV-1 | $1]\n"
        "Su factura FV-1001 por $120.000 vence hoy.\n\n"
        "--- sms to +573001234567 (reminder.due_today, es_CO) ---\n"
        "Su factura FV-1001 por $120.000 vence hoy.\n"
        "(gsm-7, 1 segment(s))\n\n"
    )


def test_file_sender_writes_one_json_file_per_key(tmp_path: object) -> None:
    from pathlib import Path

    folder = Path(str(tmp_path)) / "outbox"
    sender = FileSender(folder)
    message = _message()
    delivery = sender.send(message, idempotency_key="p:C-1:FV-1001/due#0")
    path = folder / str(delivery.provider_id)
    assert path == sender.path_for("p:C-1:FV-1001/due#0")
    assert path.name.startswith("p_C-1_FV-1001_due_0-")
    assert OutgoingMessage.model_validate_json(path.read_text(encoding="utf-8")) == message
    # the same key is not written again, even with another message
    sender.send(_message(text="changed"), idempotency_key="p:C-1:FV-1001/due#0")
    assert OutgoingMessage.model_validate_json(path.read_text(encoding="utf-8")) == message
    # keys that differ only in unsafe characters get different files
    other = sender.send(message, idempotency_key="p:C-1:FV-1001:due#0")
    assert other.provider_id != delivery.provider_id
    assert sorted(p.suffix for p in folder.iterdir()) == [".json", ".json"]
