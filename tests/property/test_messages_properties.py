"""Rendering holds for any invoice and customer: no template error, no None, no placeholder,
the facts a customer needs in the text, and the SMS encoding and segments reported right."""

from __future__ import annotations

import math
from datetime import date, timedelta
from decimal import Decimal

from babel.dates import format_date, format_skeleton
from hypothesis import given
from hypothesis import strategies as st

from dunning.adapters import PaymentLink, PaymentMethod, SmsEncoding
from dunning.engine.actions import MessageItem, Reason, SendMessage
from dunning.invoices import Channel, Contact, Customer
from dunning.messages import MESSAGE_KINDS, Business, render
from dunning.messages.sms import GSM7_BASIC, GSM7_EXTENSION, smart_encode, sms_parts
from dunning.money import Money, minor_unit
from dunning.policy.model import Tone

LOCALES = ["es_CO", "es_CL", "es_MX", "pt_BR", "en_US", "en", "es", "es_AR", "pt_PT", "fr_FR"]
CURRENCIES = ["COP", "CLP", "MXN", "BRL", "USD", "EUR"]
CHANNELS = [Channel.EMAIL, Channel.SMS, Channel.WHATSAPP, Channel.POSTAL, Channel.PHONE]
ADDRESSES = {
    Channel.EMAIL: "cliente@example.com",
    Channel.SMS: "+573001234567",
    Channel.WHATSAPP: "+5215512345678",
    Channel.POSTAL: "Av. Paulista 1000\nSão Paulo - SP",
    Channel.PHONE: "+56912345678",
}
names = st.text(
    # What a name may hold: no control, format, surrogate, private-use or separator characters.
    st.characters(codec="utf-8", exclude_categories=["Cc", "Cf", "Cs", "Co", "Zl", "Zp"]),
    min_size=1,
    max_size=40,
).filter(lambda name: name.strip() and "None" not in name)
invoice_ids = st.from_regex(r"[A-Z]{2,3}-[0-9]{1,6}", fullmatch=True)


@st.composite
def amounts(draw: st.DrawFn, currency: str) -> Money:
    places = minor_unit(currency)
    units = draw(st.integers(1, 10**10))
    return Money(Decimal(units).scaleb(-places), currency)


@st.composite
def send_messages(draw: st.DrawFn) -> tuple[SendMessage, Customer]:
    locale = draw(st.sampled_from(LOCALES))
    channel = draw(st.sampled_from(CHANNELS))
    currency = draw(st.sampled_from(CURRENCIES))
    tone = draw(st.sampled_from(list(Tone)))
    template = draw(st.sampled_from(MESSAGE_KINDS))
    on = date(2026, 1, 1) + timedelta(days=draw(st.integers(0, 800)))
    ids = draw(st.lists(invoice_ids, min_size=1, max_size=4, unique=True))
    items = []
    for invoice_id in ids:
        due = on - timedelta(days=draw(st.integers(-10, 400)))
        items.append(
            MessageItem(
                invoice_id=invoice_id,
                occurrence=f"p:C:{invoice_id}:s#0",
                template=template,
                tone=tone,
                balance=draw(amounts(currency)),
                days_overdue=max(0, (on - due).days),
                due_date=due,
            )
        )
    customer = Customer(
        id="C-1",
        name=draw(names),
        locale=locale,
        contacts=[Contact(channel=channel, address=ADDRESSES[channel])],
    )
    action = SendMessage(
        key=f"p:C-1:{ids[0]}:s#0",
        customer_id="C-1",
        invoice_ids=tuple(ids),
        due_on=on,
        reason=Reason(rule="step:s#0", text="due"),
        channel=channel,
        address=ADDRESSES[channel],
        template=template,
        tone=tone,
        locale=locale,
        not_before=f"{on.isoformat()}T09:00:00-05:00",
        total=Money.sum((item.balance for item in items), currency),
        items=tuple(items),
    )
    return action, customer


links = st.one_of(
    st.none(),
    st.builds(
        lambda token, methods: PaymentLink(
            url=f"https://pay.example/{token}",
            amount=Money("1", "USD"),
            methods=methods,
            idempotency_key="k",
        ),
        st.from_regex(r"[A-Za-z0-9]{4,16}", fullmatch=True),
        st.lists(st.sampled_from(list(PaymentMethod)), unique=True, max_size=3).map(tuple),
    ),
)
businesses = st.one_of(
    st.none(),
    st.builds(
        Business,
        name=st.sampled_from(["Comercial Andina", "Águas & Cia <Ltda>"]),
        email=st.sampled_from([None, "cobro@andina.example"]),
        phone=st.sampled_from([None, "+57 601 555 0100"]),
    ),
)


def _plain(text: str) -> str:
    return text.replace("\xa0", " ").replace("\u202f", " ")


@given(send_messages(), links, businesses)
def test_every_message_renders_with_the_facts_and_nothing_left_over(
    case: tuple[SendMessage, Customer], link: PaymentLink | None, business: Business | None
) -> None:
    action, customer = case
    message = render(action, customer, link=link, business=business)
    assert message.channel is action.channel
    assert message.action_key == action.key
    locale = customer.locale
    short = action.channel in (Channel.SMS, Channel.PHONE)
    text = message.text.replace(customer.name, "").replace(smart_encode(customer.name), "")
    for part in (text, message.subject or "", message.html or ""):
        assert "None" not in part.replace(customer.name, "")
        for marker in ("{{", "}}", "{%", "%}"):
            assert marker not in part.replace(customer.name, "").replace(
                smart_encode(customer.name), ""
            )
    due = min(item.due_date for item in action.items)
    expected_date = (
        format_skeleton("MMMd", due, locale=locale).rstrip(".")
        if short
        else format_date(due, "long", locale=locale)
    )
    texts = _plain(message.text)
    assert _plain(smart_encode(expected_date) if short else expected_date) in texts
    amount = action.total.format(locale)
    assert _plain(smart_encode(amount) if action.channel is Channel.SMS else amount) in texts
    assert action.items[0].invoice_id in message.text
    if link is not None:
        assert link.url in message.text
        assert message.payment_url == link.url
    if action.channel is Channel.EMAIL:
        assert message.subject and message.html
        if "<" in customer.name:
            assert customer.name not in message.html
    if action.channel is Channel.WHATSAPP:
        assert message.whatsapp is not None
        assert all(message.whatsapp.parameters)
        assert message.whatsapp.parameters[0] == customer.name


@given(send_messages().filter(lambda case: case[0].channel is Channel.SMS), links)
def test_sms_encoding_and_segments_are_reported_right(
    case: tuple[SendMessage, Customer], link: PaymentLink | None
) -> None:
    action, customer = case
    message = render(action, customer, link=link)
    assert message.sms is not None
    parts = sms_parts(message.text)
    assert message.sms == parts
    gsm = all(c in GSM7_BASIC or c in GSM7_EXTENSION for c in message.text)
    assert (parts.encoding is SmsEncoding.GSM_7) is gsm
    if gsm:
        units = sum(2 if c in GSM7_EXTENSION else 1 for c in message.text)
        single, concatenated = 160, 153
    else:
        units = len(message.text.encode("utf-16-le")) // 2
        single, concatenated = 70, 67
    assert parts.units == units
    if units <= single:
        assert parts.segments == 1
    else:
        # whole escape sequences and surrogate pairs cost at most one unit per segment
        assert math.ceil(units / concatenated) <= parts.segments
        assert parts.segments <= math.ceil(units / (concatenated - 1))


@given(st.text(max_size=400))
def test_segments_of_any_text(text: str) -> None:
    parts = sms_parts(text)
    per = 153 if parts.encoding is SmsEncoding.GSM_7 else 67
    single = 160 if parts.encoding is SmsEncoding.GSM_7 else 70
    assert parts.segments >= 1
    assert (parts.segments == 1) is (parts.units <= single)
    if parts.units > single:
        assert math.ceil(parts.units / per) <= parts.segments <= math.ceil(parts.units / (per - 1))
    if parts.encoding is SmsEncoding.GSM_7 and not any(c in GSM7_EXTENSION for c in text):
        assert parts.segments == (1 if len(text) <= 160 else math.ceil(len(text) / 153))
