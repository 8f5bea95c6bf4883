"""Checks of a catalog against sample data, and of a policy against a catalog.

`check_catalog` renders every template of a catalog in every locale, channel and tone with
sample data and reports what a customer would miss: the invoice number, the amount or the due
date formatted for the locale, the payment link, a value left blank (``None``) or a Jinja
placeholder left in the text, and an upcoming or due-today friendly SMS longer than one
segment. `missing_templates` reports the template ids a policy names that the catalog does not
hold; `dunning.policy.lint.lint(policy, catalog=...)` runs it as rule DUN020.

>>> from dunning.messages import bundled_catalog
>>> [str(problem) for problem in check_catalog(bundled_catalog(), templates=["due-today"])]
[]
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from datetime import date

from babel.dates import format_date, format_skeleton

from dunning._model import Model
from dunning.adapters import PaymentLink, PaymentMethod
from dunning.errors import TemplateError
from dunning.invoices import Channel, Contact, Customer
from dunning.messages.catalog import Catalog
from dunning.messages.render import Business, Notice, render
from dunning.money import Money
from dunning.policy.lint import LintFinding, Severity
from dunning.policy.model import Policy, PolicySet, Tone

__all__ = [
    "SAMPLE_CURRENCIES",
    "CatalogProblem",
    "check_catalog",
    "missing_templates",
    "sample_customer",
    "sample_link",
    "sample_notice",
]

#: The currency of the sample invoices of each locale (US dollars elsewhere).
SAMPLE_CURRENCIES = {
    "es_CO": "COP",
    "es_CL": "CLP",
    "es_MX": "MXN",
    "pt_BR": "BRL",
    "en": "USD",
    "es": "USD",
}
_SAMPLE_DUE = date(2026, 11, 9)
_SAMPLE_ON = date(2026, 11, 20)
#: Templates whose friendly SMS must fit one segment: the reminders sent most often.
_ONE_SEGMENT = frozenset({"upcoming", "due-today"})
_PLACEHOLDER = re.compile(r"\{\{|\}\}|\{%|%\}")
_CHANNELS = (Channel.EMAIL, Channel.SMS, Channel.WHATSAPP, Channel.POSTAL, Channel.PHONE)


def sample_customer(locale: str) -> Customer:
    """A customer in `locale` reachable on every channel, with a name that needs escaping."""
    return Customer(
        id="C-100",
        name="Ferretería López & Hijos <Ltda.>",
        locale=locale,
        contacts=(
            Contact(channel=Channel.EMAIL, address="pagos@lopez.example"),
            Contact(channel=Channel.SMS, address="+573001234567"),
            Contact(channel=Channel.WHATSAPP, address="+573001234567"),
            Contact(channel=Channel.PHONE, address="+576015550100"),
            Contact(channel=Channel.POSTAL, address="Calle 10 # 5-51\nBogotá D.C."),
        ),
    )


def sample_link(currency: str) -> PaymentLink:
    """A payment link of 34 characters offering card, bank transfer and Pix."""
    return PaymentLink(
        url="https://pay.example/l/7Hq2Xw9",
        amount=Money("1234567", currency),
        methods=(PaymentMethod.CARD, PaymentMethod.BANK_TRANSFER, PaymentMethod.PIX),
        idempotency_key="sample",
    )


def sample_notice(
    template: str, channel: Channel | str, locale: str, tone: Tone | str = Tone.FRIENDLY
) -> Notice:
    """A notice of one invoice, FE-9111, of 1,234,567 in the locale's sample currency."""
    return Notice(
        template=template,
        channel=Channel(channel),
        customer_id="C-100",
        invoice_ids=("FE-9111",),
        amount=Money("1234567", SAMPLE_CURRENCIES.get(locale, "USD")),
        due_date=_SAMPLE_DUE,
        on=_SAMPLE_ON,
        tone=Tone(tone),
        days_overdue=11,
    )


class CatalogProblem(Model):
    """Something a rendered sample message lacks, or a template that fails."""

    template: str
    locale: str
    channel: Channel
    tone: Tone
    problem: str

    def __str__(self) -> str:
        return (
            f"{self.template} ({self.locale}, {self.channel.value}, {self.tone.value}): "
            f"{self.problem}"
        )


def _problems(
    template: str, locale: str, channel: Channel, tone: Tone, catalog: Catalog
) -> Iterator[str]:
    currency = SAMPLE_CURRENCIES.get(locale, "USD")
    notice = sample_notice(template, channel, locale, tone)
    link = sample_link(currency)
    try:
        message = render(
            notice,
            sample_customer(locale),
            catalog=catalog,
            link=link,
            business=Business(name="Comercial Andina", email="cartera@andina.example"),
        )
    except TemplateError as error:
        yield str(error)
        return
    short = channel in (Channel.SMS, Channel.PHONE)
    amount = notice.amount.format(locale)
    due = (
        format_skeleton("MMMd", _SAMPLE_DUE, locale=locale).rstrip(".")
        if short
        else format_date(_SAMPLE_DUE, "long", locale=locale)
    )
    texts = [message.text, message.subject or "", message.html or ""]
    text = message.text
    if channel is Channel.SMS:
        amount = amount.replace("\xa0", " ").replace("\u202f", " ")
    for what, value in (
        ("the invoice number", "FE-9111"),
        ("the amount", amount),
        ("the due date", due),
        ("the payment link", link.url),
    ):
        if value not in text:
            yield f"the text lacks {what} {value!r}"
    for part in texts:
        if "None" in part:
            yield "a value is printed as None"
        if _PLACEHOLDER.search(part):
            yield "a template placeholder is left in the text"
    if (
        channel is Channel.SMS
        and tone is Tone.FRIENDLY
        and template in _ONE_SEGMENT
        and message.sms is not None
        and message.sms.segments > 1
    ):
        yield (
            f"the friendly SMS takes {message.sms.segments} segments "
            f"({message.sms.units} {message.sms.encoding.value} units); keep it to one"
        )


def check_catalog(
    catalog: Catalog,
    *,
    templates: Iterable[str] | None = None,
    locales: Iterable[str] | None = None,
) -> tuple[CatalogProblem, ...]:
    """Render every template, locale, channel and tone with sample data; report what fails.

    Args:
        catalog: The catalog to check.
        templates: Only these entries (all the catalog's entries by default; aliases are
            checked through the entry they name).
        locales: Only these locales (all the catalog's by default).

    Returns:
        The problems found, in order; empty when every message says what, how much, by when
        and where to pay.
    """
    entries = [name for name in catalog.templates if name not in catalog.aliases]
    chosen = entries if templates is None else list(templates)
    problems: list[CatalogProblem] = []
    for locale in catalog.locales if locales is None else tuple(locales):
        for template in chosen:
            if not catalog.has_entry(template, locale):
                continue
            for channel in _CHANNELS:
                for tone in Tone:
                    problems.extend(
                        CatalogProblem(
                            template=template,
                            locale=locale,
                            channel=channel,
                            tone=tone,
                            problem=problem,
                        )
                        for problem in _problems(template, locale, channel, tone, catalog)
                    )
    return tuple(problems)


def _named_templates(policy: Policy, prefix: str) -> Iterator[tuple[str, str]]:
    for index, step in enumerate(policy.steps):
        yield f"{prefix}steps[{index}].template", step.template
    for index, stage in enumerate(policy.stages):
        if stage.message is not None:
            yield f"{prefix}stages[{index}].message.template", stage.message.template


def missing_templates(
    policy: Policy | PolicySet, catalog: Catalog, *, prefix: str = ""
) -> tuple[LintFinding, ...]:
    """Lint findings (DUN020, errors) for each template `policy` names that `catalog` lacks.

    >>> from dunning.messages import bundled_catalog
    >>> from dunning.policy.model import Policy, ReminderStep
    >>> policy = Policy(id="p", steps=[ReminderStep(id="a", offset_days=0, channels=["sms"],
    ...                                             template="b2c-due-today")])
    >>> [str(f) for f in missing_templates(policy, bundled_catalog())]  # doctest: +ELLIPSIS
    ["steps[0].template: DUN020 error: template 'b2c-due-today' is not in the catalog..."]
    """
    if isinstance(policy, PolicySet):
        findings: list[LintFinding] = []
        for index, rule in enumerate(policy.rules):
            findings.extend(
                missing_templates(rule.policy, catalog, prefix=f"rules[{index}].policy.")
            )
        findings.extend(missing_templates(policy.default, catalog, prefix="default."))
        return tuple(findings)
    known = ", ".join(catalog.templates)
    return tuple(
        LintFinding(
            code="DUN020",
            severity=Severity.ERROR,
            path=path,
            message=(
                f"template {template!r} is not in the catalog; a message of this rule could "
                f"not be rendered (the catalog holds: {known}; map the id to an entry with "
                "an alias)"
            ),
        )
        for path, template in _named_templates(policy, prefix)
        if template not in catalog
    )
