"""Every bundled template rendered in each locale, compared with a golden JSON file per locale.

Regenerate after an intended change with ``UPDATE_SNAPSHOTS=1 pytest tests/snapshots`` and
review the diff like code: it is the text customers read.
"""

import json
import os
from pathlib import Path

import pytest

from dunning.messages import LOCALES, MESSAGE_KINDS, Business, render
from dunning.messages.check import SAMPLE_CURRENCIES, sample_customer, sample_link, sample_notice

BUSINESS = Business(name="Comercial Andina", email="cartera@andina.example", phone="601 555 0100")
# E-mail in every tone; the other channels in the tone their reminders use most.
CASES = [("email", tone) for tone in ("friendly", "neutral", "firm", "final")] + [
    (channel, "friendly") for channel in ("sms", "whatsapp", "postal", "phone")
]


def _rendered(locale: str) -> str:
    messages = {
        f"{kind}/{channel}/{tone}": render(
            sample_notice(kind, channel, locale, tone),
            sample_customer(locale),
            link=sample_link(SAMPLE_CURRENCIES[locale]),
            business=BUSINESS,
        ).model_dump(mode="json", exclude_none=True)
        for kind in MESSAGE_KINDS
        for channel, tone in CASES
    }
    return json.dumps(messages, indent=2, ensure_ascii=False) + "\n"


@pytest.mark.parametrize("locale", LOCALES)
def test_bundled_messages_match_the_snapshot(locale: str) -> None:
    snapshot = Path(__file__).with_name(f"messages_{locale}.json")
    actual = _rendered(locale)
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        snapshot.write_text(actual, encoding="utf-8")
    assert actual == snapshot.read_text(encoding="utf-8"), (
        f"the {locale} messages changed; if intended, run UPDATE_SNAPSHOTS=1 pytest "
        "tests/snapshots and review the diff"
    )


CATALOG_PAGE = Path(__file__).resolve().parents[2] / "docs" / "messages" / "catalog.md"
_NAMES = {
    "en": "English",
    "es": "Spanish (neutral, the fallback of every Spanish locale)",
    "es_CL": "Spanish of Chile",
    "es_CO": "Spanish of Colombia",
    "es_MX": "Spanish of Mexico",
    "pt_BR": "Portuguese of Brazil",
}


def _catalog_page() -> str:
    lines = [
        "# The bundled catalog, locale by locale",
        "",
        "Every template of the bundled catalog rendered with the same sample: invoice FE-9111",
        "of 1,234,567 in the locale's currency (COP, CLP, MXN, BRL, and USD for `es` and `en`),",
        "due on 9 November 2026, for a customer called `Ferretería López & Hijos <Ltda.>`, with",
        "a payment link, from a business called *Comercial Andina*. The subject and the",
        "friendly SMS of each template, then a whole e-mail. This page is generated from the",
        "catalog by the snapshot tests (`UPDATE_SNAPSHOTS=1 pytest tests/snapshots`).",
    ]
    for locale in LOCALES:
        lines += ["", f"## {locale}: {_NAMES[locale]}", "", "| template | subject | SMS |"]
        lines.append("| --- | --- | --- |")
        for kind in MESSAGE_KINDS:
            email = render(
                sample_notice(kind, "email", locale, "firm"),
                sample_customer(locale),
                link=sample_link(SAMPLE_CURRENCIES[locale]),
                business=BUSINESS,
            )
            sms = render(
                sample_notice(kind, "sms", locale),
                sample_customer(locale),
                link=sample_link(SAMPLE_CURRENCIES[locale]),
                business=BUSINESS,
            )
            assert sms.sms is not None
            cells = [
                f"`{kind}`",
                str(email.subject).replace("|", "\\|"),
                f"{sms.text} *({sms.sms.segments} × {sms.sms.encoding.value})*",
            ]
            lines.append("| " + " | ".join(cells) + " |")
        sample = render(
            sample_notice("overdue", "email", locale, "firm"),
            sample_customer(locale),
            link=sample_link(SAMPLE_CURRENCIES[locale]),
            business=BUSINESS,
        )
        lines += ["", f"The `overdue` e-mail, firm: *{sample.subject}*", "", "```text"]
        lines += [*sample.text.splitlines(), "```"]
    return "\n".join(lines) + "\n"


def test_the_catalog_page_shows_the_catalog() -> None:
    actual = _catalog_page()
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        CATALOG_PAGE.write_text(actual, encoding="utf-8")
    assert actual == CATALOG_PAGE.read_text(encoding="utf-8"), (
        "docs/messages/catalog.md is out of date; run UPDATE_SNAPSHOTS=1 pytest tests/snapshots"
    )
