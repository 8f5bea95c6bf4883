"""Render an action into a message in the customer's language, for its channel.

`render` takes a `SendMessage` of an evaluation (or a `Notice` the host builds for what the
engine does not decide, such as a receipt after a payment), the customer, and optionally the
payment link, and returns an `OutgoingMessage` for the channel's sender:

- e-mail: a subject, a plain-text part and an HTML part whose values are escaped;
- SMS: plain text spelt in GSM-7 where the language allows, with its encoding and segments;
- WhatsApp: the name of a pre-approved template and its ordered parameters, plus the text
  the customer will read;
- postal: a printable letter; phone: the script of the call.

Amounts and dates are formatted by babel in the customer's locale (or the one asked for);
the words come from the catalog, in that locale or, when it has none, the nearest one of the
fallback chain (the message then says which locale was asked for).

>>> from datetime import date
>>> from dunning.invoices import Contact, Customer
>>> from dunning.money import Money
>>> customer = Customer(id="C-1", name="Ana Gómez", locale="es_CO",
...                     contacts=[Contact(channel="sms", address="+573001234567")])
>>> notice = Notice(template="due-today", channel="sms", customer_id="C-1",
...                 invoice_ids=("FE-9111",), amount=Money("120000", "COP"),
...                 due_date=date(2026, 11, 20), on=date(2026, 11, 20))
>>> message = render(notice, customer, link="https://pay.example/C-1")
>>> print(message.text)
Le recordamos que hoy 20 de nov vence el pago de su factura FE-9111 por $120.000. Pague en https://pay.example/C-1
>>> message.sms.encoding.value, message.sms.segments
('gsm-7', 1)
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from babel.dates import format_date, format_skeleton
from babel.lists import format_list
from pydantic import Field

from dunning._model import Model
from dunning.adapters import OutgoingMessage, PaymentLink, PaymentMethod, WhatsAppTemplate
from dunning.engine.actions import SendMessage
from dunning.errors import TemplateError
from dunning.invoices import Channel, Customer, Identifier, Invoice
from dunning.messages._sandbox import render_template
from dunning.messages.catalog import Catalog, bundled_catalog
from dunning.messages.required import FIELDS, CollectionDetails, labelled, owed_facts
from dunning.messages.sms import smart_encode, sms_parts
from dunning.money import Money
from dunning.policy.model import Tone

__all__ = ["WHATSAPP_PARAMETERS", "Business", "Notice", "message_values", "render"]

#: The values a WhatsApp template receives, in the order of its `{{1}}`, `{{2}}`, ...
WHATSAPP_PARAMETERS = ("customer_name", "invoices", "amount", "due_date", "link")

# Names of payment methods as customers know them, per language (the brand names stay).
_SPACES = re.compile(r"[ \t\r\n]+")

_METHOD_NAMES: Mapping[str, Mapping[PaymentMethod, str]] = {
    "es": {
        PaymentMethod.CARD: "tarjeta",
        PaymentMethod.BANK_TRANSFER: "transferencia bancaria",
        PaymentMethod.DIRECT_DEBIT: "débito automático",
        PaymentMethod.CASH: "efectivo",
    },
    "pt": {
        PaymentMethod.CARD: "cartão",
        PaymentMethod.BANK_TRANSFER: "transferência bancária",
        PaymentMethod.DIRECT_DEBIT: "débito automático",
        PaymentMethod.CASH: "dinheiro",
        PaymentMethod.BOLETO: "boleto",
    },
    "en": {
        PaymentMethod.CARD: "card",
        PaymentMethod.BANK_TRANSFER: "bank transfer",
        PaymentMethod.DIRECT_DEBIT: "direct debit",
        PaymentMethod.CASH: "cash",
    },
}
_BRANDS = {
    PaymentMethod.PSE: "PSE",
    PaymentMethod.NEQUI: "Nequi",
    PaymentMethod.OXXO: "OXXO",
    PaymentMethod.SPEI: "SPEI",
    PaymentMethod.BOLETO: "Boleto",
    PaymentMethod.PIX: "Pix",
    PaymentMethod.WEBPAY: "Webpay",
    PaymentMethod.KHIPU: "Khipu",
}


class Business(Model):
    """Who sends the messages, and how the customer reaches them.

    >>> Business(name="Ferretería Central", email="cartera@central.example").phone is None
    True
    """

    name: str = Field(min_length=1)
    email: str | None = None
    phone: str | None = None
    website: str | None = None
    address: str | None = Field(default=None, description="Postal address, one line.")
    tax_id: str | None = Field(default=None, description="Tax id (NIT, RUT, RFC, CPF/CNPJ).")
    creditor: str | None = Field(
        default=None,
        description="The creditor a collection agency collects for; None: the business itself.",
    )


class Notice(Model):
    """A message the engine does not decide: a receipt, a plan installment, a resumption.

    The host builds it when the event happens (a payment arrives, an installment falls due)
    and renders it like an action.
    """

    template: Identifier
    channel: Channel
    customer_id: Identifier
    invoice_ids: tuple[str, ...] = Field(min_length=1)
    amount: Money
    due_date: date
    on: date = Field(description="The date the message is about, printed on a letter.")
    tone: Tone = Tone.FRIENDLY
    days_overdue: int = Field(default=0, ge=0)
    address: str | None = Field(default=None, description="By default the customer's one.")
    key: str | None = Field(default=None, description="The host's idempotency key, if any.")


def _method_names(methods: Iterable[PaymentMethod], language: str) -> list[str]:
    names = _METHOD_NAMES.get(language, _METHOD_NAMES["en"])
    return [names.get(method) or _BRANDS.get(method) or method.value for method in methods]


def _format_locale(locale: str) -> str:
    return locale.replace("-", "_")


def message_values(
    action: SendMessage | Notice,
    customer: Customer,
    *,
    text_locale: str,
    format_locale: str,
    link: PaymentLink | str | None = None,
    business: Business | None = None,
    invoices: Iterable[Invoice] = (),
) -> dict[str, Any]:
    """The values a template receives for `action` (documented in the catalog guide).

    Words (lists of invoices, names of payment methods) follow `text_locale`; amounts and
    dates follow `format_locale`, the customer's.
    """
    numbers = {invoice.id: invoice.number or invoice.id for invoice in invoices}
    language = text_locale.split("_", 1)[0]
    if isinstance(action, SendMessage):
        lines = [
            (item.invoice_id, item.balance, item.due_date, item.days_overdue)
            for item in action.items
        ]
        invoice_ids = tuple(line[0] for line in lines)
        total, on = action.total, action.due_on
        due = min(line[2] for line in lines)
        days_overdue = max(line[3] for line in lines)
    else:
        lines = []
        invoice_ids = action.invoice_ids
        total, on, due, days_overdue = (
            action.amount,
            action.on,
            action.due_date,
            action.days_overdue,
        )
    url = link.url if isinstance(link, PaymentLink) else (link or "")
    methods = link.methods if isinstance(link, PaymentLink) else ()
    items = [
        {
            "number": numbers.get(invoice_id, invoice_id),
            "amount": amount.format(format_locale),
            "due_date": format_date(due_date, "long", locale=format_locale),
            "days_overdue": days,
        }
        for invoice_id, amount, due_date, days in lines
    ]
    return {
        "customer_name": customer.name,
        "business": business.name if business else "",
        "business_email": (business.email if business else None) or "",
        "business_phone": (business.phone if business else None) or "",
        "business_website": (business.website if business else None) or "",
        "invoices": format_list(
            [numbers.get(invoice_id, invoice_id) for invoice_id in invoice_ids],
            locale=text_locale,
        ),
        "invoice_count": len(invoice_ids),
        "plural": len(invoice_ids) > 1,
        "items": items,
        "amount": total.format(format_locale),
        "due_date": format_date(due, "long", locale=format_locale),
        # "9 de nov." in pt_BR: the period would double at the end of a sentence
        "due_date_short": format_skeleton("MMMd", due, locale=format_locale).rstrip("."),
        "days_overdue": days_overdue,
        "date": format_date(on, "long", locale=format_locale),
        "link": url,
        "methods": format_list(_method_names(methods, language), locale=text_locale)
        if methods
        else "",
        "tone": action.tone.value,
    }


# Entries that speak of a due date still to come, and the one that speaks of it as past.
_BEFORE_DUE = frozenset({"upcoming", "due-today"})
_AFTER_DUE = "overdue"

# Layout lines an entry may state for itself (a receipt asks for no payment).
_ENTRY_LAYOUT = frozenset({"pay", "paid_already", "urgency"})


class _Phrases:
    """Renders the phrases of one entry and locale with one set of values."""

    def __init__(
        self, catalog: Catalog, entry: str, locale: str, tone: str, values: dict[str, Any]
    ) -> None:
        self.catalog, self.entry, self.locale, self.tone = catalog, entry, locale, tone
        self.values = values

    def get(self, name: str, *, layout: bool = False, html: bool = False, **extra: Any) -> str:
        template = None
        if not layout or name in _ENTRY_LAYOUT:
            template = self.catalog.compiled(self.entry, name, self.locale, self.tone, html=html)
        if template is None and layout:
            template = self.catalog.compiled(None, name, self.locale, self.tone, html=html)
        if template is None:
            where = "layout" if layout else f"template {self.entry!r}"
            raise TemplateError(
                f"the catalog has no phrase {name!r} for the {where} in locale {self.locale!r} "
                "or the locales it extends"
            )
        where = f"{'layout' if layout else repr(self.entry)} {name} ({self.locale})"
        values = {**self.values, **extra} if extra else self.values
        return render_template(template, values, where=where).strip()


def _paragraphs(phrases: _Phrases, values: dict[str, Any], *, html: bool = False) -> list[str]:
    """The body of a message after the greeting: facts, list, urgency, payment, contact."""

    def layout(name: str, **extra: Any) -> str:
        return phrases.get(name, layout=True, html=html, **extra)

    paragraphs = [phrases.get("body", html=html)]
    if len(values["items"]) > 1:
        lines = [layout("item", **item) for item in values["items"]]
        if html:
            listed = "".join(f"<li>{line}</li>" for line in lines)
            paragraphs.append(f"{layout('items_intro')}</p><ul>{listed}</ul><p>")
        else:
            paragraphs.append(layout("items_intro") + "\n" + "\n".join(f"- {x}" for x in lines))
    paragraphs.append(layout("urgency"))
    if values["link"]:
        paragraphs.append(layout("pay"))
    paragraphs.append(layout("paid_already"))
    if values["business_email"] or values["business_phone"]:
        paragraphs.append(layout("contact"))
    facts = values.get("required_facts")
    if facts:
        paragraphs.append(("<br>" if html else "\n").join(_escaped(facts) if html else facts))
    return [paragraph for paragraph in paragraphs if paragraph]


def _escaped(lines: Iterable[str]) -> list[str]:
    from markupsafe import escape

    return [str(escape(line)) for line in lines]


def _html(phrases: _Phrases, values: dict[str, Any], locale: str) -> str:
    from markupsafe import Markup, escape

    url = values["link"]
    html_values = dict(values)
    if url:
        anchor = phrases.get("link_text", layout=True, html=True)
        html_values["link"] = Markup(f'<a href="{escape(url)}">{anchor}</a>')
    html_phrases = _Phrases(
        phrases.catalog, phrases.entry, phrases.locale, phrases.tone, html_values
    )
    blocks = [
        html_phrases.get("greeting", layout=True, html=True),
        *_paragraphs(html_phrases, html_values, html=True),
        html_phrases.get("closing", layout=True, html=True)
        + "<br>"
        + html_phrases.get("signature", layout=True, html=True),
    ]
    body = "".join(f"<p>{block}</p>" for block in blocks if block).replace("<p></p>", "")
    lang = locale.replace("_", "-")
    return f'<!DOCTYPE html>\n<html lang="{lang}"><body>{body}</body></html>'


def _stated(
    catalog: Catalog,
    locale: str,
    tone: str,
    values: Mapping[str, Any],
    facts: tuple[tuple[str, str], ...],
) -> tuple[str, ...]:
    """The lines that state the required `facts`: the catalog's phrase, then what it left out.

    The `required_content` layout phrase of `locale` (or a locale it extends) states them in
    the catalog's words; a fact whose value it does not print is appended, labelled.
    """
    if not facts:
        return ()
    template = catalog.compiled(None, "required_content", locale, tone)
    stated = ""
    if template is not None:
        given = {**values, **dict.fromkeys(FIELDS, ""), **dict(facts)}
        where = f"layout required_content ({locale})"
        # Runs of spaces and line breaks become one space; a no-break space in an amount
        # ("1.234,00 US$") is kept, so the amount is found as formatted.
        stated = _SPACES.sub(" ", render_template(template, given, where=where)).strip()
    left = tuple((field, value) for field, value in facts if value not in stated)
    return (*((stated,) if stated else ()), *labelled(left, language=locale.split("_", 1)[0]))


def render(
    action: SendMessage | Notice,
    customer: Customer,
    *,
    catalog: Catalog | None = None,
    link: PaymentLink | str | None = None,
    business: Business | None = None,
    invoices: Iterable[Invoice] = (),
    locale: str | None = None,
    jurisdiction: str | None = None,
    details: CollectionDetails | None = None,
) -> OutgoingMessage:
    """Render `action` for `customer` on the action's channel.

    Args:
        action: A `SendMessage` of an evaluation, or a `Notice` built by the host.
        customer: The customer the message goes to (its name, locale and addresses).
        catalog: The templates; the bundled catalog when not given.
        link: The payment link (a `PaymentLink` from the gateway, whose methods are listed,
            or a bare URL); without one the message has no payment line.
        business: The sender's name and contact details, printed in the contact line.
        invoices: The invoices of the action, to print their numbers instead of their ids.
        locale: The locale to write in, instead of the customer's.
        jurisdiction: The contact law the message is under ('co', 'cl', 'mx', 'br_sp'); by
            default the customer's. The content it requires (`dunning.messages.required`)
            must be there, and is appended to the message, labelled in its language.
        details: The contract, payment conditions and whether this is the first contact,
            which a contact law may require the message to state.

    Returns:
        The message, ready for the sender of its channel.

    Raises:
        TemplateNotFoundError: when the template is in no locale of the fallback chain.
        TemplateError: when a template fails (an unknown value, a hostile construct).
        ValueError: when a `Notice` has no address and the customer none on its channel.
        MissingContentError: when the message lacks content its contact law requires; the
            error names every missing field and its article.
    """
    catalog = bundled_catalog() if catalog is None else catalog
    requested = _format_locale(locale or customer.locale)
    entry, text_locale = catalog.resolve(action.template, requested)
    late = (
        max(item.days_overdue for item in action.items)
        if isinstance(action, SendMessage)
        else action.days_overdue
    )
    if entry in _BEFORE_DUE and late > 0 and catalog.has_entry(_AFTER_DUE, text_locale):
        # A reminder that goes out after its date (a run caught up after missed days) must
        # not tell the customer that a past date is today or still to come.
        entry = _AFTER_DUE
    tone = action.tone.value
    values = message_values(
        action,
        customer,
        text_locale=text_locale,
        format_locale=requested,
        link=link,
        business=business,
        invoices=invoices,
    )
    law = jurisdiction or customer.jurisdiction
    if law is not None:
        computed = details.computed_on if details is not None else None
        owed = owed_facts(
            law,
            business,
            details,
            amount=values["amount"],
            on=values["date"]
            if computed is None
            else format_date(computed, "long", locale=requested),
        )
        values["required_facts"] = _stated(catalog, text_locale, tone, values, owed)
    phrases = _Phrases(catalog, entry, text_locale, tone, values)
    values["documents"] = phrases.get("documents", layout=True)
    channel = action.channel
    address: str | None = action.address
    if address is None:
        address = customer.address(channel)
    if address is None:
        raise ValueError(
            f"customer {customer.id!r} has no usable {channel.value} address for the "
            f"{action.template!r} message; give the notice an address"
        )
    subject = phrases.get("subject")
    values["subject"] = subject
    greeting = phrases.get("greeting", layout=True)
    closing = phrases.get("closing", layout=True) + "\n" + phrases.get("signature", layout=True)
    common: dict[str, Any] = {
        "channel": channel,
        "to": address,
        "customer_id": customer.id,
        "invoice_ids": tuple(item.invoice_id for item in action.items)
        if isinstance(action, SendMessage)
        else action.invoice_ids,
        "action_key": action.key,
        "template": action.template,
        "tone": tone,
        "locale": text_locale,
        "requested_locale": requested if requested != text_locale else None,
        "payment_url": values["link"] or None,
    }
    if channel is Channel.EMAIL:
        text = "\n\n".join([greeting, *_paragraphs(phrases, values), closing])
        return OutgoingMessage(
            **common, subject=subject, text=text, html=_html(phrases, values, text_locale)
        )
    if channel is Channel.SMS:
        prefix = phrases.get("sms_prefix", layout=True)
        facts = "; ".join(values.get("required_facts", ()))
        text = smart_encode(" ".join(part for part in (prefix, phrases.get("sms"), facts) if part))
        return OutgoingMessage(**common, text=text, sms=sms_parts(text))
    if channel is Channel.WHATSAPP:
        body = [greeting, phrases.get("body")]
        if values["link"]:
            body.append(phrases.get("pay", layout=True))
        if values.get("required_facts"):
            body.append("\n".join(values["required_facts"]))
        name = f"dunning_{entry}_{tone}".replace("-", "_")
        parameters = tuple(str(values[key]) or "-" for key in WHATSAPP_PARAMETERS)
        return OutgoingMessage(
            **common,
            text="\n\n".join(body),
            whatsapp=WhatsAppTemplate(name=name, language=text_locale, parameters=parameters),
        )
    if channel is Channel.POSTAL:
        heading = "\n".join(
            [
                phrases.get("letter_date", layout=True),
                "",
                customer.name,
                *address.splitlines(),
                "",
                phrases.get("letter_reference", layout=True),
            ]
        )
        closing_lines = (
            phrases.get("letter_closing", layout=True)
            + "\n\n"
            + phrases.get("signature", layout=True)
        )
        text = "\n\n".join([heading, greeting, *_paragraphs(phrases, values), closing_lines])
        return OutgoingMessage(**common, subject=subject, text=text)
    # a call: the script the agent (or the voice robot) reads
    script = [phrases.get("sms"), *values.get("required_facts", ())]
    return OutgoingMessage(**common, text="\n".join(script))
