"""The content a collections contact law requires a message to state, checked before rendering.

Each contact-law preset (`dunning.statutory.contact`) lists the fields its messages must carry
(`RequiredContent`), with the article: Mexico's CONDUSEF provisions ask the first contact to
name the collector (name, address, telephone), the creditor and the contract, and to state
the amount, the date it was computed and the payment conditions; Brazil's CDC art. 42-A asks
every collection document to name the supplier with its address and CPF/CNPJ.

`missing_content` lists what is missing; `render(..., jurisdiction=...)` refuses to render a
message that lacks any of it (`MissingContentError`, naming every missing field and its
article). Otherwise the message states the required facts in the catalog's own words when
its locale has a `required_content` layout phrase (the bundled `es`, `es_MX` and `pt_BR`
catalogs have one; `es_CO` and `es_CL` inherit it from `es`), given each field of `FIELDS` as a
value ('' for the fields not owed). A fact whose value the phrase does not print, and every
fact under a catalog without the phrase, is appended as a line ``label: value`` in the
message's language: a message never goes out without what its law requires.

Where each field comes from:

======================  ==================================================================
field                   source
======================  ==================================================================
collector_name          `Business.name` (who collects)
collector_address       `Business.address`
collector_phone         `Business.phone`
creditor_name           `Business.creditor` (an agency's principal), else `Business.name`
supplier_name           `Business.name`
supplier_address        `Business.address`
supplier_tax_id         `Business.tax_id` (CPF or CNPJ in Brazil)
contract_reference      `CollectionDetails.contract_reference`
payment_conditions      `CollectionDetails.payment_conditions`
amount                  the message's total
computation_date        `CollectionDetails.computed_on`, else the message's date
======================  ==================================================================

>>> from dunning.messages.render import Business
>>> business = Business(name="Cobranzas del Norte", phone="+52 55 1234 5678")
>>> [item.field for item in missing_content("mx", business, CollectionDetails())]
['collector_address', 'contract_reference', 'payment_conditions']
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Protocol

from pydantic import Field

from dunning._model import Model
from dunning.errors import MissingContentError
from dunning.statutory.contact import ContactRules, RequiredContent, get_contact_rules

__all__ = [
    "FIELDS",
    "CollectionDetails",
    "check_content",
    "labelled",
    "missing_content",
    "owed_facts",
    "required_facts",
]


class _Business(Protocol):
    # What is read of `dunning.messages.render.Business`.
    @property
    def name(self) -> str: ...
    @property
    def phone(self) -> str | None: ...
    @property
    def address(self) -> str | None: ...
    @property
    def tax_id(self) -> str | None: ...
    @property
    def creditor(self) -> str | None: ...


class CollectionDetails(Model):
    """Facts of one collection message that a contact law may require it to state.

    >>> CollectionDetails(contract_reference="TC-4410", first_contact=False).first_contact
    False
    """

    contract_reference: str | None = Field(
        default=None, description="The contract (credit card, loan) the debt comes from."
    )
    payment_conditions: str | None = Field(
        default=None, description="How and by when the debt may be paid, in one line."
    )
    computed_on: date | None = Field(
        default=None, description="The date the amount was computed; None: the message's date."
    )
    first_contact: bool = Field(
        default=True,
        description="Whether this is the first message to the debtor about the debt (some "
        "content is owed only then).",
    )


def _value(field: str, business: _Business | None, details: CollectionDetails) -> str | None:
    """The value of a required `field`; None when missing ('' counts as missing)."""
    sources: Mapping[str, str | None] = {
        "collector_name": business.name if business else None,
        "collector_address": business.address if business else None,
        "collector_phone": business.phone if business else None,
        "creditor_name": (business.creditor or business.name) if business else None,
        "supplier_name": business.name if business else None,
        "supplier_address": business.address if business else None,
        "supplier_tax_id": business.tax_id if business else None,
        "contract_reference": details.contract_reference,
        "payment_conditions": details.payment_conditions,
        # Always stated: the message carries its amount and date.
        "amount": "amount",
        "computation_date": "date",
    }
    if field not in sources:
        raise MissingContentError(
            f"required field {field!r} has no source in a message; the known fields are "
            + ", ".join(sources)
        )
    value = sources[field]
    return value.strip() or None if value is not None else None


def _rules(jurisdiction: ContactRules | str) -> ContactRules:
    return get_contact_rules(jurisdiction) if isinstance(jurisdiction, str) else jurisdiction


def _owed(rules: ContactRules, details: CollectionDetails) -> tuple[RequiredContent, ...]:
    return tuple(
        item
        for item in rules.required_content
        if details.first_contact or not item.first_contact_only
    )


def missing_content(
    jurisdiction: ContactRules | str,
    business: _Business | None,
    details: CollectionDetails | None = None,
) -> tuple[RequiredContent, ...]:
    """The required content of `jurisdiction` that a message from `business` would lack.

    Args:
        jurisdiction: a contact-law code ('co', 'cl', 'mx', 'br_sp') or its `ContactRules`.
        business: the `dunning.messages.Business` that sends the message (None: no sender
            details at all).
        details: the contract, payment conditions and whether it is the first contact.

    Returns:
        The `RequiredContent` entries not satisfied, in the preset's order (empty when the
        message may go out).

    Raises:
        UnknownJurisdictionError: for a code without a contact-law preset.
    """
    rules = _rules(jurisdiction)
    details = details or CollectionDetails()
    return tuple(
        item for item in _owed(rules, details) if _value(item.field, business, details) is None
    )


def check_content(
    jurisdiction: ContactRules | str,
    business: _Business | None,
    details: CollectionDetails | None = None,
) -> None:
    """Raise `MissingContentError` naming every field `missing_content` reports.

    >>> from dunning.messages.render import Business
    >>> check_content("br_sp", Business(name="Loja Azul"))
    Traceback (most recent call last):
    ...
    dunning.errors.MissingContentError: a collection message under br_sp must state supplier_address (Código de Defesa do Consumidor (Lei 8.078), art. 42-A: every collection document gives the supplier's address); supplier_tax_id (Código de Defesa do Consumidor (Lei 8.078), art. 42-A: every collection document gives the supplier's CPF or CNPJ)

    Raises:
        MissingContentError: when anything required is missing.
        UnknownJurisdictionError: for a code without a contact-law preset.
    """  # noqa: E501 -- a doctest line shows a whole result
    rules = _rules(jurisdiction)
    missing = missing_content(rules, business, details)
    if missing:
        listed = "; ".join(f"{item.field} ({item.citation})" for item in missing)
        raise MissingContentError(f"a collection message under {rules.code} must state {listed}")


#: Labels of the facts appended to a message, per language.
_LABELS: Mapping[str, Mapping[str, str]] = {
    "es": {
        "collector_name": "Gestor de cobranza",
        "collector_address": "Domicilio del gestor",
        "collector_phone": "Teléfono del gestor",
        "creditor_name": "Acreedor",
        "contract_reference": "Contrato",
        "amount": "Monto adeudado",
        "computation_date": "Monto calculado al",
        "payment_conditions": "Condiciones de pago",
    },
    "pt": {
        "supplier_name": "Fornecedor",
        "supplier_address": "Endereço do fornecedor",
        "supplier_tax_id": "CPF/CNPJ do fornecedor",
        "amount": "Valor devido",
        "computation_date": "Valor calculado em",
    },
    "en": {
        "collector_name": "Collector",
        "collector_address": "Collector's address",
        "collector_phone": "Collector's telephone",
        "creditor_name": "Creditor",
        "supplier_name": "Supplier",
        "supplier_address": "Supplier's address",
        "supplier_tax_id": "Supplier's tax id",
        "contract_reference": "Contract",
        "amount": "Amount owed",
        "computation_date": "Amount computed on",
        "payment_conditions": "Payment conditions",
    },
}


#: Every field a preset may require, each given to a catalog's `required_content` phrase.
FIELDS = (
    "collector_name",
    "collector_address",
    "collector_phone",
    "creditor_name",
    "supplier_name",
    "supplier_address",
    "supplier_tax_id",
    "contract_reference",
    "payment_conditions",
    "amount",
    "computation_date",
)


def owed_facts(
    jurisdiction: ContactRules | str,
    business: _Business | None,
    details: CollectionDetails | None,
    *,
    amount: str,
    on: str,
) -> tuple[tuple[str, str], ...]:
    """The required content of a message as ``(field, value)`` pairs, in the preset's order.

    `amount` and `on` are the message's formatted amount and date (the computation date when
    `details` gives none).

    >>> from dunning.messages.render import Business
    >>> owed_facts("br_sp", Business(name="Loja Azul", address="Rua A 1", tax_id="12"),
    ...            None, amount="R$ 10,00", on="1 de março de 2024")
    (('supplier_name', 'Loja Azul'), ('supplier_address', 'Rua A 1'), ('supplier_tax_id', '12'))

    Raises:
        MissingContentError: when anything required is missing.
    """
    rules = _rules(jurisdiction)
    details = details or CollectionDetails()
    check_content(rules, business, details)
    facts = []
    for item in _owed(rules, details):
        value = _value(item.field, business, details)
        if item.field == "amount":
            value = amount
        elif item.field == "computation_date":
            value = on
        facts.append((item.field, value or ""))
    return tuple(facts)


def labelled(facts: tuple[tuple[str, str], ...], *, language: str) -> tuple[str, ...]:
    """The lines ``label: value`` of `facts` (from `owed_facts`), labelled in `language`.

    >>> labelled((("supplier_tax_id", "12"),), language="pt")
    ('CPF/CNPJ do fornecedor: 12',)
    """
    labels = {**_LABELS["en"], **_LABELS.get(language, {})}
    return tuple(f"{labels[field]}: {value}" for field, value in facts)


def required_facts(
    jurisdiction: ContactRules | str,
    business: _Business | None,
    details: CollectionDetails | None,
    *,
    language: str,
    amount: str,
    on: str,
) -> tuple[str, ...]:
    """The lines ``label: value`` that state the required content, in `language`.

    `amount` and `on` are the message's formatted amount and date (the computation date when
    `details` gives none).

    Raises:
        MissingContentError: when anything required is missing.
    """
    facts = owed_facts(jurisdiction, business, details, amount=amount, on=on)
    return labelled(facts, language=language)
