from datetime import date
from pathlib import Path

import pytest

from dunning.adapters import OutgoingMessage, PaymentLink, SmsEncoding
from dunning.engine import evaluate
from dunning.engine.actions import SendMessage
from dunning.errors import TemplateNotFoundError
from dunning.invoices import Contact, Customer
from dunning.io import read_customers, read_invoices
from dunning.messages import WHATSAPP_PARAMETERS, Business, Notice, load_catalog, render
from dunning.messages.check import SAMPLE_CURRENCIES, sample_customer, sample_link, sample_notice
from dunning.money import Money
from dunning.policy.io import load_policy

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
BUSINESS = Business(
    name="Comercial Andina", email="cartera@andina.example", phone="+57 601 555 0100"
)


def _sample(locale: str, template: str, channel: str, tone: str = "friendly") -> OutgoingMessage:
    return render(
        sample_notice(template, channel, locale, tone),
        sample_customer(locale),
        link=sample_link(SAMPLE_CURRENCIES[locale]),
        business=BUSINESS,
    )


def test_sms_in_colombia_is_one_gsm7_segment() -> None:
    message = _sample("es_CO", "due-today", "sms")
    assert message.text == (
        "Comercial Andina: Le recordamos que hoy 9 de nov vence el pago de su factura FE-9111 "
        "por $1.234.567. Pague en https://pay.example/l/7Hq2Xw9"
    )
    assert message.sms is not None
    assert (message.sms.encoding, message.sms.units, message.sms.segments) == (
        SmsEncoding.GSM_7,
        139,
        1,
    )
    assert message.subject is message.html is message.whatsapp is None
    assert (message.to, message.locale, message.requested_locale) == (
        "+573001234567",
        "es_CO",
        None,
    )


def test_sms_in_brazil_venceu_with_reais_and_plain_spaces() -> None:
    message = _sample("pt_BR", "overdue", "sms")
    assert message.text == (
        "Comercial Andina: O pagamento da sua fatura FE-9111 de R$ 1.234.567,00 venceu em "
        "9 de nov. Pague em https://pay.example/l/7Hq2Xw9"
    )
    assert message.sms is not None and message.sms.segments == 1


def test_sms_in_mexico_keeps_centavos() -> None:
    message = _sample("es_MX", "upcoming", "sms")
    assert "por $1,234,567.00 vence el 9 nov." in message.text


def test_email_in_chile_has_subject_text_and_escaped_html() -> None:
    message = _sample("es_CL", "due-today", "email", "firm")
    assert message.subject == "Su factura FE-9111 vence hoy"
    assert message.text == (
        "Estimado(a) Ferretería López & Hijos <Ltda.>:\n\n"
        "Junto con saludarle, le recordamos que hoy, 9 de noviembre de 2026, vence el pago de "
        "su factura FE-9111 por $1.234.567.\n\n"
        "Le solicitamos regularizar su situación a la brevedad para evitar intereses y gastos "
        "de cobranza.\n\n"
        "Puede pagar en línea en https://pay.example/l/7Hq2Xw9 con tarjeta, transferencia "
        "bancaria y Pix.\n\n"
        "Si ya realizó el pago, por favor no considere este mensaje.\n\n"
        "Si tiene alguna pregunta, comuníquese con nosotros en cartera@andina.example o al "
        "+57 601 555 0100.\n\n"
        "Saludos cordiales,\nComercial Andina - Área de Cobranzas"
    )
    assert message.html is not None
    assert message.html.startswith('<!DOCTYPE html>\n<html lang="es-CL"><body>')
    assert "<p>Estimado(a) Ferretería López &amp; Hijos &lt;Ltda.&gt;:</p>" in message.html
    assert "<Ltda.>" not in message.html
    assert (
        '<a href="https://pay.example/l/7Hq2Xw9">https://pay.example/l/7Hq2Xw9</a>' in message.html
    )


def test_whatsapp_names_the_approved_template_and_orders_its_parameters() -> None:
    message = _sample("en", "overdue", "whatsapp")
    assert message.whatsapp is not None
    assert message.whatsapp.name == "dunning_overdue_friendly"
    assert message.whatsapp.language == "en"
    assert WHATSAPP_PARAMETERS == ("customer_name", "invoices", "amount", "due_date", "link")
    assert message.whatsapp.parameters == (
        "Ferretería López & Hijos <Ltda.>",
        "FE-9111",
        "$1,234,567.00",
        "November 9, 2026",
        "https://pay.example/l/7Hq2Xw9",
    )
    assert message.text.endswith(
        "You can pay online at https://pay.example/l/7Hq2Xw9 by card, bank transfer, and Pix."
    )


def test_letter_is_dated_addressed_and_signed() -> None:
    message = _sample("pt_BR", "due-today", "postal", "final")
    assert message.subject == "Sua fatura FE-9111 vence hoje"
    lines = message.text.split("\n")
    assert lines[:7] == [
        "20 de novembro de 2026",
        "",
        "Ferretería López & Hijos <Ltda.>",
        "Calle 10 # 5-51",
        "Bogotá D.C.",
        "",
        "Assunto: Sua fatura FE-9111 vence hoje",
    ]
    assert "no valor de R$\xa01.234.567,00, vence hoje, 9 de novembro de 2026." in message.text
    assert lines[-3:] == ["Atenciosamente,", "", "Comercial Andina - Equipe de Cobrança"]


def test_phone_gets_the_script_of_the_call() -> None:
    message = _sample("es_CO", "call-notice", "phone", "firm")
    assert message.to == "+576015550100"
    assert message.text == (
        "El pago de su factura FE-9111 por $1.234.567 vencio el 9 de nov. Un asesor lo "
        "llamara pronto. Pague en https://pay.example/l/7Hq2Xw9"
    )


@pytest.mark.parametrize(
    ("locale", "used"),
    [("es_AR", "es"), ("es_CO", "es_CO"), ("pt_PT", "en"), ("de_DE", "en"), ("en_US", "en")],
)
def test_locale_fallback_is_reported(locale: str, used: str) -> None:
    customer = sample_customer("es_CO").evolve(locale=locale)
    message = render(sample_notice("due-today", "email", "es_CO"), customer)
    assert message.locale == used
    assert message.requested_locale == (None if used == locale else locale)
    assert message.locale_fallback is (used != locale)


def test_amounts_and_dates_follow_the_customer_even_when_the_words_fall_back() -> None:
    customer = sample_customer("es_CO").evolve(locale="es_AR")
    message = render(sample_notice("due-today", "email", "es_CO"), customer)
    assert "por COP1.234.567." in message.text  # Argentine format, neutral Spanish words
    assert "9 de noviembre de 2026" in message.text


def test_a_chosen_locale_overrides_the_customer() -> None:
    message = render(
        sample_notice("due-today", "sms", "es_CO"), sample_customer("es_CO"), locale="en"
    )
    assert message.locale == "en"
    assert message.requested_locale is None
    assert message.text == "Your invoice FE-9111 for COP1,234,567 is due today, Nov 9."


def test_without_link_or_business_nothing_is_left_blank() -> None:
    message = render(sample_notice("overdue", "email", "es_CO"), sample_customer("es_CO"))
    assert "Puede pagar" not in message.text
    assert "comuníquese" not in message.text
    assert message.text.endswith("Agradecemos su atención.\nÁrea de Cartera")
    assert message.payment_url is None


def test_receipt_asks_for_no_payment() -> None:
    message = _sample("es", "receipt", "email")
    assert "Puede pagar" not in message.text
    assert "Si ya realizó el pago" not in message.text
    assert "Puede descargar su comprobante en https://pay.example/l/7Hq2Xw9." in message.text


def test_a_notice_needs_an_address_on_its_channel() -> None:
    customer = Customer(id="C-1", name="Ana", locale="es_CO")
    with pytest.raises(ValueError, match="customer 'C-1' has no usable sms address for the"):
        render(sample_notice("due-today", "sms", "es_CO"), customer)
    notice = sample_notice("due-today", "sms", "es_CO").evolve(address="+573009998877")
    assert render(notice, customer).to == "+573009998877"


def test_plural_invoices_agree_in_every_language() -> None:
    notice = Notice(
        template="due-today",
        channel="email",
        customer_id="C-1",
        invoice_ids=("FE-1", "FE-2", "FE-3"),
        amount=Money("300000", "COP"),
        due_date=date(2026, 11, 20),
        on=date(2026, 11, 20),
    )
    customer = Customer(
        id="C-1",
        name="Ana",
        locale="es_CO",
        contacts=[Contact(channel="email", address="ana@example.com")],
    )
    subjects = {
        locale: render(notice, customer.evolve(locale=locale)).subject
        for locale in ("es_CO", "pt_BR", "en")
    }
    assert subjects == {
        "es_CO": "Sus facturas FE-1, FE-2 y FE-3 vencen hoy",
        "pt_BR": "Suas faturas FE-1, FE-2 e FE-3 vencem hoje",
        "en": "Your invoices FE-1, FE-2, and FE-3 are due today",
    }


# -- actions of a real evaluation -----------------------------------------------------------


@pytest.fixture(scope="module")
def evaluation_messages() -> tuple[dict[str, Customer], list[SendMessage], list[object]]:
    invoices = read_invoices(EXAMPLES / "invoices.csv").items
    customers = read_customers(EXAMPLES / "customers.csv").items
    policy = load_policy(EXAMPLES / "policies" / "portfolio.toml")
    result = evaluate(invoices, policy, date(2026, 11, 20), customers=customers)
    messages = [a for a in result.actions if isinstance(a, SendMessage)]
    return {c.id: c for c in customers}, messages, list(invoices)


def test_every_message_of_the_example_portfolio_renders(
    evaluation_messages: tuple[dict[str, Customer], list[SendMessage], list[object]],
) -> None:
    customers, messages, invoices = evaluation_messages
    catalog = load_catalog(EXAMPLES / "templates.toml")
    rendered = [
        render(action, customers[action.customer_id], catalog=catalog, invoices=invoices)  # type: ignore[arg-type]
        for action in messages
    ]
    assert len(rendered) == 45
    for action, message in zip(messages, rendered, strict=True):
        assert message.action_key == action.key
        assert message.channel is action.channel
        assert message.to == action.address
        assert message.locale == action.locale
        assert message.invoice_ids == action.invoice_ids
        assert action.total.format(action.locale) in message.text.replace("\xa0", " ") or (
            action.total.format(action.locale).replace("\xa0", " ") in message.text
        )


def test_a_consolidated_email_lists_each_invoice(
    evaluation_messages: tuple[dict[str, Customer], list[SendMessage], list[object]],
) -> None:
    customers, messages, invoices = evaluation_messages
    action = next(a for a in messages if a.customer_id == "MX-006")
    catalog = load_catalog(EXAMPLES / "templates.toml")
    message = render(action, customers["MX-006"], catalog=catalog, invoices=invoices)  # type: ignore[arg-type]
    assert len(action.items) == 3
    assert "Detalle de su adeudo:\n- " in message.text
    for item in action.items:
        assert item.balance.format("es_MX") in message.text
    assert message.html is not None and message.html.count("<li>") == 3


def test_a_gateway_link_lists_its_methods_in_the_language() -> None:
    link = PaymentLink(
        url="https://pay.example/x",
        amount=Money("1", "BRL"),
        methods=("pix", "boleto", "card"),
        idempotency_key="k",
    )
    message = render(
        sample_notice("due-today", "email", "pt_BR"), sample_customer("pt_BR"), link=link
    )
    assert "Você pode pagar online em https://pay.example/x com Pix, boleto e cartão." in (
        message.text
    )


def test_an_unknown_template_is_reported_with_the_chain() -> None:
    with pytest.raises(TemplateNotFoundError, match="in locales pt_BR, pt, en"):
        render(sample_notice("nope", "sms", "pt_BR"), sample_customer("pt_BR"))
