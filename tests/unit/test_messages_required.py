"""What a contact law requires a message to state: refused when missing, stated when given."""

import pytest

from dunning.errors import MissingContentError, UnknownJurisdictionError
from dunning.messages import Business, CollectionDetails, check_content, missing_content, render
from dunning.messages.check import SAMPLE_CURRENCIES, sample_customer, sample_link, sample_notice

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


def test_the_mexican_first_contact_states_what_the_law_requires() -> None:
    message = _render("es_MX", "email", business=AGENCY, details=MX_DETAILS, jurisdiction="mx")
    facts = message.text.split("\n\n")[-2]
    assert facts == (
        "Gestor de cobranza: Cobranzas del Norte\n"
        "Domicilio del gestor: Av. Reforma 100, Ciudad de México\n"
        "Teléfono del gestor: +52 55 1234 5678\n"
        "Acreedor: Banco Ejemplo\n"
        "Contrato: TC-4410\n"
        "Monto adeudado: $1,234,567.00\n"
        "Monto calculado al: 20 de noviembre de 2026\n"
        "Condiciones de pago: pago único antes del 30 de noviembre"
    )
    assert message.html is not None
    assert "Domicilio del gestor: Av. Reforma 100, Ciudad de México<br>" in message.html


def test_the_computation_date_given_is_stated() -> None:
    details = MX_DETAILS.evolve(computed_on="2026-11-05")
    message = _render("es_MX", "whatsapp", business=AGENCY, details=details, jurisdiction="mx")
    assert "Monto calculado al: 5 de noviembre de 2026" in message.text


def test_the_customer_jurisdiction_applies_by_default() -> None:
    customer = sample_customer("pt_BR").evolve(jurisdiction="br_sp", time_zone="America/Sao_Paulo")
    notice = sample_notice("overdue", "sms", "pt_BR", "friendly")
    with pytest.raises(MissingContentError, match="supplier_tax_id"):
        render(notice, customer, business=Business(name="Loja Azul Ltda."))
    message = render(notice, customer, business=LOJA)
    # SMS text is spelt in GSM-7: "ç" becomes "Ç" and "ã" becomes "a".
    assert message.text.endswith(
        "Fornecedor: Loja Azul Ltda.; EndereÇo do fornecedor: Rua Augusta 500, Sao Paulo; "
        "CPF/CNPJ do fornecedor: 12.345.678/0001-90"
    )


def test_brazil_requires_the_supplier_on_every_document() -> None:
    later = CollectionDetails(first_contact=False)
    assert [item.field for item in missing_content("br_sp", Business(name="X"), later)] == [
        "supplier_address",
        "supplier_tax_id",
    ]
    letter = _render("pt_BR", "postal", business=LOJA, jurisdiction="br_sp")
    assert "CPF/CNPJ do fornecedor: 12.345.678/0001-90" in letter.text


@pytest.mark.parametrize("code", ["co", "cl"])
def test_colombia_and_chile_presets_require_no_message_content(code: str) -> None:
    assert missing_content(code, None) == ()
    check_content(code, None)
    plain = _render("es_CO", "email")
    assert _render("es_CO", "email", jurisdiction=code).text == plain.text


def test_an_unknown_jurisdiction_is_refused() -> None:
    with pytest.raises(UnknownJurisdictionError, match="'pe' has no contact-law preset"):
        _render("es_CO", "email", jurisdiction="pe")
