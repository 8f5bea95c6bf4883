"""What a contact law requires a message to state: refused when missing, stated when given."""

from pathlib import Path

import pytest

from dunning.errors import MissingContentError, UnknownJurisdictionError
from dunning.messages import (
    Business,
    CollectionDetails,
    check_content,
    load_catalog,
    missing_content,
    render,
)
from dunning.messages.check import SAMPLE_CURRENCIES, sample_customer, sample_link, sample_notice
from dunning.messages.required import labelled, owed_facts

AGENCY = Business(
    name="Cobranzas del Norte",
    phone="+52 55 1234 5678",
    address="Av. Reforma 100, Ciudad de México",
    creditor="Banco Ejemplo",
)
MX_DETAILS = CollectionDetails(
    contract_reference="TC-4410", payment_conditions="pago único antes del 30 de noviembre"
)
LOJA = Business(
    name="Loja Azul Ltda.", address="Rua Augusta 500, São Paulo", tax_id="12.345.678/0001-90"
)


def _render(locale: str, channel: str, **kw):  # type: ignore[no-untyped-def]
    return render(
        sample_notice("overdue", channel, locale, "friendly"),
        sample_customer(locale),
        link=sample_link(SAMPLE_CURRENCIES[locale]),
        **kw,
    )


def test_the_first_mexican_contact_without_a_contract_fails_to_render() -> None:
    details = CollectionDetails(payment_conditions="pago único")
    with pytest.raises(MissingContentError) as error:
        _render("es_MX", "email", business=AGENCY, details=details, jurisdiction="mx")
    assert str(error.value) == (
        "a collection message under mx must state contract_reference (CONDUSEF, Disposiciones "
        "en materia de Despachos de Cobranza (DOF), first contact: the first contact names the "
        "contract)"
    )


def test_every_missing_mexican_field_is_named() -> None:
    missing = missing_content("MX", Business(name="Cobranzas del Norte"))
    assert [item.field for item in missing] == [
        "collector_address",
        "collector_phone",
        "contract_reference",
        "payment_conditions",
    ]
    assert [item.field for item in missing_content("mx", None)] == [
        "collector_name",
        "collector_address",
        "collector_phone",
        "creditor_name",
        "contract_reference",
        "payment_conditions",
    ]


def test_a_blank_value_counts_as_missing() -> None:
    blank = CollectionDetails(contract_reference="  ", payment_conditions="pago único")
    assert [item.field for item in missing_content("mx", AGENCY, blank)] == ["contract_reference"]


def test_later_mexican_contacts_owe_no_first_contact_content() -> None:
    later = CollectionDetails(first_contact=False)
    assert missing_content("mx", None, later) == ()
    message = _render("es_MX", "sms", details=later, jurisdiction="mx")
    assert "Acreedor" not in message.text


MX_STATED = (
    "Esta gestión de cobranza la realiza Cobranzas del Norte, con domicilio en Av. Reforma "
    "100, Ciudad de México y teléfono +52 55 1234 5678, en nombre de Banco Ejemplo. El adeudo "
    "deriva del contrato TC-4410. Monto del adeudo: $1,234,567.00, calculado al {on}. "
    "Condiciones de pago: pago único antes del 30 de noviembre."
)


def test_the_mexican_first_contact_states_what_the_law_requires_in_its_words() -> None:
    message = _render("es_MX", "email", business=AGENCY, details=MX_DETAILS, jurisdiction="mx")
    paragraphs = message.text.split("\n\n")
    assert paragraphs[-2] == MX_STATED.format(on="20 de noviembre de 2026")
    # The bundled catalog states it all: no labelled block is appended.
    assert "Gestor de cobranza:" not in message.text
    assert "Acreedor:" not in message.text
    assert message.html is not None
    assert "y teléfono +52 55 1234 5678, en nombre de Banco Ejemplo." in message.html


def test_the_computation_date_given_is_stated() -> None:
    details = MX_DETAILS.evolve(computed_on="2026-11-05")
    message = _render("es_MX", "whatsapp", business=AGENCY, details=details, jurisdiction="mx")
    assert message.text.endswith(MX_STATED.format(on="5 de noviembre de 2026"))


def test_a_catalog_without_the_phrase_appends_the_labelled_facts() -> None:
    message = _render("en", "email", business=AGENCY, details=MX_DETAILS, jurisdiction="mx")
    facts = message.text.split("\n\n")[-2]
    assert facts == (
        "Collector: Cobranzas del Norte\n"
        "Collector's address: Av. Reforma 100, Ciudad de México\n"
        "Collector's telephone: +52 55 1234 5678\n"
        "Creditor: Banco Ejemplo\n"
        "Contract: TC-4410\n"
        "Amount owed: $1,234,567.00\n"
        "Amount computed on: November 20, 2026\n"
        "Payment conditions: pago único antes del 30 de noviembre"
    )
    assert message.html is not None
    assert "Collector&#39;s address: Av. Reforma 100, Ciudad de México<br>" in message.html


def test_a_fact_the_catalog_phrase_leaves_out_is_still_appended(tmp_path: Path) -> None:
    path = tmp_path / "templates.toml"
    path.write_text(
        '[es_MX.layout]\nrequired_content = "Gestiona {{ collector_name }} para '
        '{{ creditor_name }}, contrato {{ contract_reference }}."\n',
        encoding="utf-8",
    )
    message = _render(
        "es_MX",
        "email",
        business=AGENCY,
        details=MX_DETAILS,
        jurisdiction="mx",
        catalog=load_catalog(path),
    )
    assert message.text.split("\n\n")[-2] == (
        "Gestiona Cobranzas del Norte para Banco Ejemplo, contrato TC-4410.\n"
        "Domicilio del gestor: Av. Reforma 100, Ciudad de México\n"
        "Teléfono del gestor: +52 55 1234 5678\n"
        "Monto adeudado: $1,234,567.00\n"
        "Monto calculado al: 20 de noviembre de 2026\n"
        "Condiciones de pago: pago único antes del 30 de noviembre"
    )


def test_the_customer_jurisdiction_applies_by_default() -> None:
    customer = sample_customer("pt_BR").evolve(jurisdiction="br_sp", time_zone="America/Sao_Paulo")
    notice = sample_notice("overdue", "sms", "pt_BR", "friendly")
    with pytest.raises(MissingContentError, match="supplier_tax_id"):
        render(notice, customer, business=Business(name="Loja Azul Ltda."))
    message = render(notice, customer, business=LOJA)
    # SMS text is spelt in GSM-7: "ç" becomes "Ç" and "ã" becomes "a".
    assert message.text.endswith(
        "CobranÇa emitida por Loja Azul Ltda., CPF/CNPJ 12.345.678/0001-90, com endereÇo em "
        "Rua Augusta 500, Sao Paulo."
    )


def test_brazil_requires_the_supplier_on_every_document() -> None:
    later = CollectionDetails(first_contact=False)
    assert [item.field for item in missing_content("br_sp", Business(name="X"), later)] == [
        "supplier_address",
        "supplier_tax_id",
    ]
    letter = _render("pt_BR", "postal", business=LOJA, jurisdiction="br_sp", details=later)
    assert (
        "\n\nCobrança emitida por Loja Azul Ltda., CPF/CNPJ 12.345.678/0001-90, com endereço em "
        "Rua Augusta 500, São Paulo.\n\nAtenciosamente," in letter.text
    )
    assert "CPF/CNPJ do fornecedor" not in letter.text


def _labelled_lines(text: str, lines: tuple[str, ...]) -> list[str]:
    """The lines (or SMS parts) of `text` that start with the label of one of `lines`."""
    labels = tuple(line.split(":", 1)[0] + ":" for line in lines)
    parts = [part for line in text.splitlines() for part in line.split("; ")]
    return [part for part in parts if part.startswith(labels)]


#: Each bundled locale with the contact law of its country.
HOME = {"es_CO": "co", "es_CL": "cl", "es_MX": "mx", "pt_BR": "br_sp"}
#: A sender that gives every fact a preset may require.
FULL = Business(
    name="Cobranzas del Norte",
    phone="+52 55 1234 5678",
    address="Av. Reforma 100, Ciudad de México",
    tax_id="CNO-010101-AB1",
    creditor="Banco Ejemplo",
)


@pytest.mark.parametrize("channel", ["email", "sms", "whatsapp", "postal", "phone"])
@pytest.mark.parametrize("locale", sorted(HOME))
def test_each_bundled_locale_renders_a_lawful_message_for_its_country(
    locale: str, channel: str
) -> None:
    law = HOME[locale]
    check_content(law, FULL, MX_DETAILS)
    message = _render(locale, channel, business=FULL, details=MX_DETAILS, jurisdiction=law)
    language = locale.split("_", 1)[0]
    facts = owed_facts(law, FULL, MX_DETAILS, amount="-", on="-")
    assert not _labelled_lines(message.text, labelled(facts, language=language))
    if channel in ("sms",):
        return  # spelt in GSM-7: checked on the other channels
    for field, value in facts:
        if field not in ("amount", "computation_date"):
            assert value in message.text, field


@pytest.mark.parametrize("locale", ["es", "es_CO", "es_CL", "es_MX", "pt_BR"])
@pytest.mark.parametrize("law", ["mx", "br_sp"])
def test_every_bundled_phrase_states_every_fact_of_every_preset(locale: str, law: str) -> None:
    message = _render(locale, "email", business=FULL, details=MX_DETAILS, jurisdiction=law)
    stated = message.text.split("\n\n")[-2]
    facts = owed_facts(law, FULL, MX_DETAILS, amount="-", on="-")
    language = locale.split("_", 1)[0]
    assert not _labelled_lines(message.text, labelled(facts, language=language))
    for field, value in facts:
        if field not in ("amount", "computation_date"):
            assert value in stated, field


@pytest.mark.parametrize("code", ["co", "cl"])
def test_colombia_and_chile_presets_require_no_message_content(code: str) -> None:
    assert missing_content(code, None) == ()
    check_content(code, None)
    plain = _render("es_CO", "email")
    assert _render("es_CO", "email", jurisdiction=code).text == plain.text


def test_an_unknown_jurisdiction_is_refused() -> None:
    with pytest.raises(UnknownJurisdictionError, match="'pe' has no contact-law preset"):
        _render("es_CO", "email", jurisdiction="pe")
