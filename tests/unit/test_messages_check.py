from pathlib import Path

import pytest

from dunning.invoices import Channel
from dunning.messages import LOCALES, MESSAGE_KINDS, bundled_catalog, load_catalog
from dunning.messages.check import check_catalog, missing_templates
from dunning.policy.io import load_policy
from dunning.policy.lint import Severity, lint
from dunning.policy.model import Tone

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_the_bundled_catalog_holds_every_kind_in_every_locale() -> None:
    catalog = bundled_catalog()
    assert catalog.locales == tuple(sorted(LOCALES))
    assert catalog.templates == tuple(sorted(MESSAGE_KINDS))
    for locale in LOCALES:
        for kind in MESSAGE_KINDS:
            assert catalog.has_entry(kind, locale)
            assert catalog.resolve(kind, locale) == (kind, locale)


def test_every_bundled_template_says_what_how_much_when_and_where() -> None:
    # every template x locale x channel x tone, with sample data: the invoice number, the
    # amount and the due date in the locale, the link, no None, no placeholder, and the
    # friendly upcoming and due-today SMS in one segment
    assert check_catalog(bundled_catalog()) == ()


def test_check_reports_what_a_broken_override_loses() -> None:
    catalog = bundled_catalog().with_overrides(
        {
            "pt_BR": {
                "templates": {
                    "upcoming": {
                        "sms": "Ola {{ customer_name }}! Sua fatura {{ invoices }} vence logo. "
                        "Nao esqueca de pagar para manter seu servico em dia, sem juros e sem "
                        "multa. {{ link }} {{ '{{' }}",
                    },
                    "overdue": {"body": "{{ nada }}"},
                }
            }
        }
    )
    problems = [str(p) for p in check_catalog(catalog, locales=["pt_BR"])]
    sms = [p for p in problems if p.startswith("upcoming (pt_BR, sms, friendly)")]
    assert sms == [
        "upcoming (pt_BR, sms, friendly): the text lacks the amount 'R$ 1.234.567,00'",
        "upcoming (pt_BR, sms, friendly): the text lacks the due date '9 de nov'",
        "upcoming (pt_BR, sms, friendly): a template placeholder is left in the text",
        "upcoming (pt_BR, sms, friendly): the friendly SMS takes 2 segments "
        "(197 gsm-7 units); keep it to one",
    ]
    overdue = [p for p in problems if p.startswith("overdue (pt_BR, email, friendly)")]
    assert overdue == [
        "overdue (pt_BR, email, friendly): template 'overdue' body (pt_BR) uses an unknown "
        "value: 'nada' is undefined; known values: amount, business, business_email, "
        "business_phone, business_website, customer_name, date, days_overdue, documents, "
        "due_date, due_date_short, invoice_count, invoices, items, link, methods, plural, "
        "subject, tone"
    ]


def test_lint_reports_templates_missing_from_the_catalog() -> None:
    policy = load_policy(EXAMPLES / "policies" / "portfolio.toml")
    findings = lint(policy, catalog=bundled_catalog())
    missing = [f for f in findings if f.code == "DUN020"]
    assert {f.severity for f in missing} == {Severity.ERROR}
    assert [f.path for f in missing][:2] == [
        "rules[0].policy.steps[0].template",
        "rules[0].policy.steps[1].template",
    ]
    assert len(missing) == 13
    assert "template 'b2b-statement' is not in the catalog" in missing[0].message
    # the example catalog maps every id
    assert [
        f
        for f in lint(policy, catalog=load_catalog(EXAMPLES / "templates.toml"))
        if f.code == "DUN020"
    ] == []
    # and without a catalog nothing is said about templates
    assert [f for f in lint(policy) if f.code == "DUN020"] == []
    assert missing_templates(policy, bundled_catalog()) == tuple(missing)


@pytest.mark.parametrize("channel", [Channel.SMS, Channel.EMAIL])
def test_check_can_be_narrowed(channel: Channel) -> None:
    catalog = bundled_catalog().with_overrides({"en": {"templates": {"receipt": {"body": "x"}}}})
    problems = check_catalog(catalog, templates=["receipt"], locales=["en"])
    assert {p.channel for p in problems} <= {Channel.EMAIL, Channel.WHATSAPP, Channel.POSTAL}
    assert {p.tone for p in problems} == set(Tone)
    assert channel is Channel.SMS or any(p.channel is channel for p in problems)
