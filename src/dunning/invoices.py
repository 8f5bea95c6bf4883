"""Invoices, payments, credit notes, charges and customers.

An `Invoice` is what the customer owes: a total in one currency, due on a date (given, or
derived from its payment terms), less the payments and credit notes applied to it, plus the
charges (late fees, interest, collection costs) posted to it. Its balance is never negative:
an overpayment leaves a `credit` instead.

>>> from datetime import date
>>> invoice = Invoice(
...     id="INV-1", customer_id="C-1", currency="USD", total="1000.00",
...     issue_date=date(2026, 1, 5), due_date=date(2026, 2, 4),
...     payments=[Payment(id="P-1", date=date(2026, 2, 1), amount=Money("400.00", "USD"))],
... )
>>> str(invoice.balance), invoice.days_overdue(date(2026, 2, 10))
('600.00 USD', 6)
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from enum import StrEnum
from functools import cached_property
from typing import TYPE_CHECKING, Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale, UnknownLocaleError
from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from dunning._model import Model
from dunning.errors import TermsParseError
from dunning.money import _MONEY, Currency, MinorUnitMoney, Money
from dunning.terms import Installment, PaymentTerms, get_terms, parse_terms

if TYPE_CHECKING:
    from dunning.calendars import BusinessCalendar

__all__ = [
    "MAX_IDENTIFIER_LENGTH",
    "Channel",
    "Charge",
    "ChargeKind",
    "Contact",
    "CreditNote",
    "Customer",
    "Identifier",
    "Invoice",
    "InvoiceStatus",
    "IsoDate",
    "Payment",
    "Tags",
    "Text",
]

_ZERO = Decimal(0)

#: The longest identifier accepted, in characters.
MAX_IDENTIFIER_LENGTH = 256

# Control characters (NUL, CR, LF, ESC...), format characters (the bidirectional overrides
# U+202A-U+202E and U+2066-U+2069, zero-width spaces), lone surrogates, private-use and line or
# paragraph separators: invisible or misleading in an id, and a header injection in an
# address.
_REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Zl", "Zp"})


def _hidden_character(value: str) -> str | None:
    """The first character of `value` that no id, name or address may hold, as U+XXXX."""
    if value.isprintable() and value.isascii():
        return None  # the common case, without a look at each character
    for character in value:
        if unicodedata.category(character) in _REFUSED_CATEGORIES:
            name = unicodedata.name(character, "")
            return f"U+{ord(character):04X}" + (f" {name}" if name else "")
    return None


def _cut(value: str, limit: int = 40) -> str:
    return value if len(value) <= limit else value[: limit - 3] + "..."


def _shown(value: str) -> str:
    # repr() escapes what the message must not carry (a lone surrogate cannot be encoded).
    return _cut(repr(value).encode("ascii", "backslashreplace").decode("ascii"), 60)


def _text(value: str) -> str:
    hidden = _hidden_character(value)
    if hidden is not None:
        raise PydanticCustomError(
            "dunning.control_character",
            "{value} holds the character {character}: control, format (bidirectional "
            "override, zero-width) and unpaired surrogate characters are not allowed",
            {"value": _shown(value), "character": hidden},
        )
    return value


def _identifier(value: str) -> str:
    if not value or value != value.strip():
        raise PydanticCustomError(
            "dunning.identifier",
            "identifier {value} must be non-empty and have no leading or trailing spaces",
            {"value": _shown(value)},
        )
    if len(value) > MAX_IDENTIFIER_LENGTH:
        raise PydanticCustomError(
            "dunning.identifier",
            "identifier {value} has {length} characters; at most {limit} are allowed",
            {"value": _shown(value), "length": len(value), "limit": MAX_IDENTIFIER_LENGTH},
        )
    return _text(value)


def _iso_date(value: object) -> object:
    if value is None or isinstance(value, date):
        return value  # None: pydantic says the date is missing
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise PydanticCustomError(
        "dunning.date",
        "{value} is not a date in ISO 8601 form (YYYY-MM-DD)",
        {"value": _shown(value) if isinstance(value, str) else _cut(repr(value))},
    )


#: A calendar date, given as a `date` or an ISO 8601 string (``2026-10-21``). Numbers are
#: refused: pydantic would read ``1761004800`` as a Unix timestamp, silently.
IsoDate = Annotated[date, BeforeValidator(_iso_date)]

#: A single line of text without control, format or unpaired surrogate characters (a name,
#: an address, a number printed on an invoice): CR or LF in an e-mail address would inject
#: headers, a bidirectional override would show a different text than the one stored.
Text = Annotated[str, AfterValidator(_text)]

#: A non-empty identifier of at most `MAX_IDENTIFIER_LENGTH` characters, without surrounding
#: spaces and without control, format (bidirectional overrides, zero-width) or unpaired
#: surrogate characters.
Identifier = Annotated[str, AfterValidator(_identifier)]


def _tags(value: tuple[str, ...]) -> tuple[str, ...]:
    for tag in value:
        _text(tag)
    return tuple(sorted(set(value)))


#: A set of labels, stored sorted and without repeats so that serialisation is deterministic.
Tags = Annotated[tuple[str, ...], AfterValidator(_tags)]


def _positive(value: Money, what: str) -> Money:
    if value.amount <= 0:
        raise PydanticCustomError(
            "dunning.not_positive",
            "{what} must be above zero, got {value}",
            {"what": what, "value": str(value)},
        )
    return value


def _terms_text(value: object) -> object:
    return _terms(value) if isinstance(value, str) else value


def _terms(text: str) -> PaymentTerms:
    # The textual terms a CSV cell or a JSON document gives: a known name ("net 30 EOM") or
    # what the parser reads ("2/10 net 30").
    try:
        return get_terms(text)
    except KeyError:
        pass
    try:
        return parse_terms(text)
    except TermsParseError as error:
        raise PydanticCustomError("dunning.terms", "{message}", {"message": str(error)}) from None


class Payment(Model):
    """A payment received for an invoice.

    >>> Payment(id="P-1", date=date(2026, 3, 1), amount=Money("50.00", "USD"), method="card")
    Payment(id='P-1', date=datetime.date(2026, 3, 1), amount=Money(amount=Decimal('50.00'), currency='USD'), method='card', reference=None)
    """  # noqa: E501 -- a doctest line shows the whole repr

    id: Identifier
    date: IsoDate
    amount: MinorUnitMoney = Field(description="Amount received; above zero.")
    method: Text | None = Field(default=None, description="card, transfer, cash, PSE, ...")
    reference: Text | None = Field(default=None, description="Bank or gateway reference.")

    @field_validator("amount")
    @classmethod
    def _amount_positive(cls, value: Money) -> Money:
        return _positive(value, "amount")


class CreditNote(Model):
    """A credit note that reduces what an invoice asks for."""

    id: Identifier
    date: IsoDate
    amount: MinorUnitMoney = Field(description="Amount credited; above zero.")
    reason: str | None = None

    @field_validator("amount")
    @classmethod
    def _amount_positive(cls, value: Money) -> Money:
        return _positive(value, "amount")


class ChargeKind(StrEnum):
    """What a charge posted to an invoice is for."""

    FEE = "fee"
    """A late fee or fixed compensation."""
    INTEREST = "interest"
    """Late-payment (moratorium) interest."""
    COST = "cost"
    """Collection costs (agency, legal)."""


class Charge(Model):
    """A late fee, interest or collection cost that was posted to an invoice."""

    id: Identifier
    date: IsoDate
    kind: ChargeKind
    amount: MinorUnitMoney = Field(description="Amount charged; above zero.")
    description: str | None = None

    @field_validator("amount")
    @classmethod
    def _amount_positive(cls, value: Money) -> Money:
        return _positive(value, "amount")


class InvoiceStatus(StrEnum):
    """The state of an invoice in the host's books."""

    OPEN = "open"
    PAID = "paid"
    VOID = "void"


class Invoice(Model):
    """An invoice with what was paid, credited and charged on it.

    Give either `due_date` or `terms`; with terms only, the due date is the terms' last due
    date (rolled on a Saturday/Sunday weekend when the terms roll), and `installments()` gives
    the whole schedule. `total` may be given as a plain number in the invoice currency.

    Derived amounts (`paid`, `credited`, `charged`, `balance`, `credit`, `principal_balance`)
    are computed once and cached.
    """

    id: Identifier
    customer_id: Identifier
    number: Text | None = Field(default=None, description="The number printed on the invoice.")
    currency: Currency
    issue_date: IsoDate
    due_date: IsoDate = Field(description="Net due date; derived from `terms` when not given.")
    terms: Annotated[PaymentTerms | None, BeforeValidator(_terms_text)] = Field(
        default=None, description="Payment terms, or their text: 'net 30', '2/10 net 30'."
    )
    total: MinorUnitMoney = Field(description="Invoice total in `currency`; not negative.")
    untaxed: MinorUnitMoney | None = Field(
        default=None,
        description="The part of `total` before taxes, for terms that discount it only.",
    )
    payments: tuple[Payment, ...] = ()
    credit_notes: tuple[CreditNote, ...] = ()
    charges: tuple[Charge, ...] = ()
    status: InvoiceStatus = InvoiceStatus.OPEN
    disputed: bool = False
    promise_to_pay: IsoDate | None = Field(
        default=None, description="The customer promised to pay by this date."
    )
    tags: Tags = ()

    @model_validator(mode="before")
    @classmethod
    def _fill(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        data = dict(data)
        currency = data.get("currency")
        total = data.get("total")
        if total is not None and not isinstance(total, Money | dict) and currency is not None:
            data["total"] = {"amount": total, "currency": currency}
        if isinstance(data.get("terms"), str):
            try:
                data["terms"] = _terms(data["terms"])
            except PydanticCustomError:
                # The terms field reports it; the due date it would give is not missing too.
                data.setdefault("due_date", data.get("issue_date"))
                return data
        if data.get("due_date") is None and data.get("terms") is not None:
            terms = data["terms"]
            if not isinstance(terms, PaymentTerms):
                terms = PaymentTerms.model_validate(terms)
                data["terms"] = terms
            issue = data.get("issue_date")
            if isinstance(issue, str):
                try:
                    issue = date.fromisoformat(issue)
                except ValueError:
                    issue = None  # the issue_date field reports it
            if isinstance(issue, date):
                try:
                    data["due_date"] = terms.net_due_date(issue)
                except OverflowError:
                    raise PydanticCustomError(
                        "dunning.due_date_out_of_range",
                        "terms {terms} from issue_date {issue} give a due date after 9999-12-31",
                        {"terms": repr(terms.name), "issue": issue.isoformat()},
                    ) from None
        return data

    @model_validator(mode="after")
    def _check(self) -> Invoice:
        if self.due_date < self.issue_date:
            raise PydanticCustomError(
                "dunning.due_before_issue",
                "due_date {due} is before issue_date {issue}: an invoice cannot fall due "
                "before it is issued",
                {"due": self.due_date.isoformat(), "issue": self.issue_date.isoformat()},
            )
        if self.total.currency != self.currency:
            raise _currency_error("total", self.total, self.currency)
        if self.total.amount < 0:
            raise PydanticCustomError(
                "dunning.negative",
                "total must not be negative, got {value}; issue a credit note instead",
                {"value": str(self.total)},
            )
        for name in ("payments", "credit_notes", "charges"):
            for index, item in enumerate(getattr(self, name)):
                if item.amount.currency != self.currency:
                    raise _currency_error(f"{name}[{index}].amount", item.amount, self.currency)
        return self

    @field_validator("untaxed", mode="before")
    @classmethod
    def _untaxed_amount(cls, value: Any, info: ValidationInfo) -> Any:
        # A plain number is an amount in the invoice currency, as for `total`.
        currency = info.data.get("currency")
        if value is None or isinstance(value, Money | dict) or currency is None:
            return value
        return {"amount": value, "currency": currency}

    @model_validator(mode="after")
    def _check_untaxed(self) -> Invoice:
        untaxed = self.untaxed
        if untaxed is not None:
            if untaxed.currency != self.currency:
                raise _currency_error("untaxed", untaxed, self.currency)
            if untaxed.is_negative or untaxed > self.total:
                raise PydanticCustomError(
                    "dunning.untaxed",
                    "untaxed {value} must lie between 0 and the total {total}: it is the part "
                    "of the total before taxes",
                    {"value": str(untaxed), "total": str(self.total)},
                )
        elif self.terms is not None and self.terms.discount_base != "total":
            raise PydanticCustomError(
                "dunning.untaxed",
                "untaxed is missing: terms {terms} discount the untaxed amount (discount_base "
                "{base}), so the invoice needs it",
                {"terms": repr(self.terms.name), "base": repr(self.terms.discount_base)},
            )
        return self

    @classmethod
    def trusted(
        cls,
        *,
        id: str,
        customer_id: str,
        currency: str,
        issue_date: date,
        due_date: date,
        total: Decimal | Money,
        number: str | None = None,
        payments: Iterable[Payment] = (),
        credit_notes: Iterable[CreditNote] = (),
        charges: Iterable[Charge] = (),
        status: InvoiceStatus | str = InvoiceStatus.OPEN,
        disputed: bool = False,
        promise_to_pay: date | None = None,
        tags: Iterable[str] = (),
    ) -> Invoice:
        """Build an invoice from values already known to be valid, without validating them.

        For bulk loads of the host's own, already-validated rows (a portfolio of millions of
        invoices read from its database): several times faster and about half the memory of
        the validating constructor. Nothing is checked: give `date`s, a `Decimal` total (or
        `Money`), validated `Payment`s; a wrong value gives wrong results instead of an error,
        so anything from outside goes through `Invoice(...)` or `Invoice.model_validate`.

        >>> from datetime import date
        >>> invoice = Invoice.trusted(id="I", customer_id="C", currency="USD",
        ...     issue_date=date(2026, 1, 1), due_date=date(2026, 1, 31), total=Decimal("10.00"))
        >>> invoice == Invoice(id="I", customer_id="C", currency="USD", total="10.00",
        ...     issue_date=date(2026, 1, 1), due_date=date(2026, 1, 31))
        True
        """
        return cls._construct(
            id=id,
            customer_id=customer_id,
            number=number,
            currency=currency,
            issue_date=issue_date,
            due_date=due_date,
            terms=None,
            total=total if isinstance(total, Money) else Money._trusted(total, currency),
            payments=tuple(payments),
            credit_notes=tuple(credit_notes),
            charges=tuple(charges),
            status=InvoiceStatus(status),
            disputed=disputed,
            promise_to_pay=promise_to_pay,
            tags=tuple(sorted(set(tags))),
        )

    def with_payment(self, payment: Payment) -> Invoice:
        """This invoice with `payment` applied after its other payments.

        The same invoice as ``evolve(payments=(*self.payments, payment))``, or the same
        validation error, without validating again what is valid already: a `Payment` is
        validated when it is made, and the only rule of the invoice it can break (its
        currency) is checked here. Several times faster than `evolve`, for hosts and the
        simulator that record many payments; the sums already worked out for this invoice
        carry over, so the new balance costs one addition.

        Raises:
            pydantic.ValidationError: when the payment is in another currency than the
                invoice (the error `evolve` gives).

        >>> from datetime import date
        >>> invoice = Invoice(id="I", customer_id="C", currency="USD", total="10.00",
        ...     issue_date=date(2026, 1, 1), due_date=date(2026, 1, 31))
        >>> paid = invoice.with_payment(
        ...     Payment(id="P1", date=date(2026, 1, 20), amount=Money("4.00", "USD")))
        >>> str(paid.balance), paid == invoice.evolve(payments=paid.payments)
        ('6.00 USD', True)
        """
        if (
            self.__class__ is not Invoice
            or payment.__class__ is not Payment
            or payment.amount.currency != self.currency
        ):
            # Anything else is judged by the validating path, with its error.
            return self.evolve(payments=(*self.payments, payment))
        known = self.__dict__
        values = {name: known[name] for name in _FIELDS}
        values["payments"] = (*self.payments, payment)
        # Sums are kept as this invoice's own would be worked out: one addition at a time
        # from zero, in order, so carrying them over gives exactly the same values.
        currency = self.currency

        def known_sum(name: str, items: tuple[Any, ...]) -> Money | None:
            """The sum `name` if worked out already; of nothing, zero (as `_sum` gives it)."""
            found: Money | None = known.get(name)
            return found or (None if items else Money._trusted(_ZERO, currency))

        paid = known_sum("paid", self.payments)
        if paid is not None:
            paid = values["paid"] = Money._trusted(
                _MONEY.add(paid.amount, payment.amount.amount), currency
            )
        credited = known_sum("credited", self.credit_notes)
        charged = known_sum("charged", self.charges)
        if credited is not None:
            values["credited"] = credited
        if charged is not None:
            values["charged"] = charged
        if paid is not None and credited is not None and charged is not None:
            # What `_net` and `balance` work out, in the same steps.
            owed = _MONEY.add(self.total.amount, charged.amount)
            net = values["_net"] = _MONEY.subtract(
                _MONEY.subtract(owed, paid.amount), credited.amount
            )
            values["balance"] = Money._trusted(max(net, Decimal(0)), currency)
        return Invoice._from_values(values)

    # -- derived amounts -------------------------------------------------------------------

    def _sum(self, items: Iterable[Payment | CreditNote | Charge]) -> Money:
        # In the library's money context: the caller's precision or traps change nothing.
        total = _ZERO
        for item in items:
            total = _MONEY.add(total, item.amount.amount)
        return Money._trusted(total, self.currency)

    @cached_property
    def paid(self) -> Money:
        """Sum of the payments applied."""
        return self._sum(self.payments)

    @cached_property
    def credited(self) -> Money:
        """Sum of the credit notes applied."""
        return self._sum(self.credit_notes)

    @cached_property
    def charged(self) -> Money:
        """Sum of the fees, interest and costs posted."""
        return self._sum(self.charges)

    @cached_property
    def _net(self) -> Decimal:
        owed = _MONEY.add(self.total.amount, self.charged.amount)
        return _MONEY.subtract(_MONEY.subtract(owed, self.paid.amount), self.credited.amount)

    @cached_property
    def balance(self) -> Money:
        """What is still owed, charges included; never negative."""
        return Money._trusted(max(self._net, Decimal(0)), self.currency)

    @cached_property
    def credit(self) -> Money:
        """What was paid or credited beyond everything owed (an overpayment)."""
        return Money._trusted(max(-self._net, Decimal(0)), self.currency)

    @cached_property
    def principal_balance(self) -> Money:
        """What is still owed of the invoice total itself, payments applied to it first."""
        owed = _MONEY.subtract(
            _MONEY.subtract(self.total.amount, self.paid.amount), self.credited.amount
        )
        return Money._trusted(max(owed, _ZERO), self.currency)

    @cached_property
    def is_open(self) -> bool:
        """Whether something is still owed on an invoice that is neither paid nor void."""
        return self.status is InvoiceStatus.OPEN and self._net > 0

    @cached_property
    def effective_status(self) -> InvoiceStatus:
        """VOID when voided; PAID when marked paid or nothing is owed; OPEN otherwise."""
        if self.status is InvoiceStatus.VOID:
            return InvoiceStatus.VOID
        if self.status is InvoiceStatus.PAID or self._net <= 0:
            return InvoiceStatus.PAID
        return InvoiceStatus.OPEN

    def days_overdue(self, as_of: date) -> int:
        """Days from the due date to `as_of`; negative before the due date, 0 on it."""
        return (as_of - self.due_date).days

    def installments(self, calendar: BusinessCalendar | None = None) -> tuple[Installment, ...]:
        """The payment schedule: the terms' installments, or one installment on the due date."""
        if self.terms is None:
            return (Installment(sequence=1, due_date=self.due_date, amount=self.total),)
        return self.terms.schedule(self.total, self.issue_date, calendar, untaxed=self.untaxed)


#: The fields of an invoice, in order (`Invoice.with_payment` copies them).
_FIELDS = tuple(Invoice.__pydantic_fields__)


def _currency_error(field: str, amount: Money, currency: str) -> PydanticCustomError:
    return PydanticCustomError(
        "dunning.currency_mismatch",
        "{field} is in {got} ({amount}) but the invoice is in {expected}",
        {"field": field, "got": amount.currency, "amount": str(amount), "expected": currency},
    )


class Channel(StrEnum):
    """A way to reach a customer."""

    EMAIL = "email"
    SMS = "sms"
    WHATSAPP = "whatsapp"
    PHONE = "phone"
    POSTAL = "postal"


class Contact(Model):
    """An address of a customer on one channel."""

    channel: Channel
    address: str = Field(min_length=1, description="E-mail, phone number or postal address.")
    consented_on: date | None = Field(
        default=None,
        description="The day the customer authorised collection contact on this channel "
        "(what a contact law such as Colombia's Ley 2300 de 2023 asks for).",
    )

    @model_validator(mode="after")
    def _one_line(self) -> Contact:
        # A line feed separates the lines of a postal address; anywhere else a CR or LF in an
        # address injects e-mail headers or SMS parameters.
        lines = self.address.split("\n") if self.channel is Channel.POSTAL else [self.address]
        for line in lines:
            try:
                _text(line)
            except PydanticCustomError as error:
                raise PydanticCustomError(
                    "dunning.control_character",
                    "{channel} address: {message}",
                    {"channel": self.channel.value, "message": error.message()},
                ) from None
        return self


def _locale(value: str) -> str:
    try:
        return str(Locale.parse(value.replace("-", "_")))
    except (UnknownLocaleError, ValueError, TypeError):
        raise PydanticCustomError(
            "dunning.locale",
            "{value} is not a locale known to babel (use a tag such as 'es_CO' or 'pt_BR')",
            {"value": _shown(value)},
        ) from None


def _contact_law(value: str | None) -> str | None:
    if value is None:
        return None
    # Imported here: the contact-law presets use the channels defined in this module.
    from dunning.statutory.contact import CONTACT_RULES

    code = value.lower()
    if code not in CONTACT_RULES:
        raise PydanticCustomError(
            "dunning.contact_law",
            "{value} is not a jurisdiction with a contact-law preset; known: {known}",
            {"value": _shown(value), "known": ", ".join(CONTACT_RULES)},
        )
    return code


def _time_zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise PydanticCustomError(
            "dunning.time_zone",
            "{value} is not an IANA time zone (use a name such as 'America/Bogota')",
            {"value": _shown(value)},
        ) from None
    return value


class Customer(Model):
    """Who owes the invoices, and how to reach them.

    >>> customer = Customer(
    ...     id="C-1", name="Ferretería El Tornillo", locale="es_CO",
    ...     time_zone="America/Bogota",
    ...     contacts=[Contact(channel="email", address="pagos@tornillo.example"),
    ...               Contact(channel="whatsapp", address="+573001234567")],
    ...     preferred_channels=["whatsapp", "email"],
    ... )
    >>> [c.value for c in customer.reachable_channels()]
    ['whatsapp', 'email']
    """

    id: Identifier
    name: Text
    locale: Annotated[str, AfterValidator(_locale)] = "en_US"
    time_zone: Annotated[str, AfterValidator(_time_zone)] = "UTC"
    contacts: tuple[Contact, ...] = ()
    preferred_channels: tuple[Channel, ...] = Field(
        default=(), description="Channels in order of preference."
    )
    opted_out: tuple[Channel, ...] = Field(
        default=(), description="Channels the customer asked not to be contacted on."
    )
    do_not_contact: bool = Field(default=False, description="No messages on any channel.")
    segment: Text | None = None
    tags: Tags = ()
    jurisdiction: Annotated[str | None, AfterValidator(_contact_law)] = Field(
        default=None,
        description="The contact-law preset that protects this customer ('co', 'cl', 'mx', "
        "'br_sp'; see dunning.statutory.contact); it overrides the policy's.",
    )
    legal_proceedings_since: date | None = Field(
        default=None,
        description="The day a lawsuit to collect from the customer started; under a contact "
        "law that stops collection then (Chile), no message goes out on or after it.",
    )
    insolvency_since: date | None = Field(
        default=None,
        description="The day an insolvency proceeding of the customer started; under a "
        "contact law that stops collection then (Chile), no message goes out on or after it.",
    )

    @model_validator(mode="after")
    def _zone_for_law(self) -> Customer:
        if self.jurisdiction is not None and "time_zone" not in self.model_fields_set:
            raise PydanticCustomError(
                "dunning.time_zone",
                "time_zone is missing: jurisdiction {code} counts contact hours in the "
                "customer's local time; give an IANA zone such as 'America/Bogota'",
                {"code": self.jurisdiction},
            )
        return self

    def consents(self, on: date) -> dict[Channel, date]:
        """The channels the customer authorised for contact on or before `on`, with the day."""
        given: dict[Channel, date] = {}
        for contact in self.contacts:
            when = contact.consented_on
            if when is not None and when <= on:
                known = given.get(contact.channel)
                given[contact.channel] = when if known is None else min(known, when)
        return given

    @cached_property
    def _addresses(self) -> dict[Channel, str]:
        """The first address on each channel that may be used (none for do-not-contact)."""
        addresses: dict[Channel, str] = {}
        if self.do_not_contact:
            return addresses
        for contact in self.contacts:
            if contact.channel not in self.opted_out:
                addresses.setdefault(contact.channel, contact.address)
        return addresses

    def address(self, channel: Channel) -> str | None:
        """The first address on `channel`, or None when there is none or it is opted out."""
        return self._addresses.get(channel)

    def reachable_channels(self) -> tuple[Channel, ...]:
        """Channels with an address that may be used: preferred ones first, in order."""
        if self.do_not_contact:
            return ()
        ordered = [*self.preferred_channels, *(c.channel for c in self.contacts)]
        seen: list[Channel] = []
        for channel in ordered:
            if channel not in seen and self.address(channel) is not None:
                seen.append(channel)
        return tuple(seen)

    def pick_channel(self, channels: Iterable[Channel]) -> Channel | None:
        """Pick one of `channels` (a policy's list, in its order of preference).

        The customer's own preferred channels come first when the policy allows them; then the
        policy's order. Channels without an address, opted out, or for a do-not-contact
        customer are passed over; None when nothing is left.
        """
        allowed = channels if isinstance(channels, tuple) else tuple(channels)
        usable = self._addresses
        for channel in self.preferred_channels:
            if channel in usable and channel in allowed:
                return channel
        for channel in allowed:
            if channel in usable:
                return channel
        return None
