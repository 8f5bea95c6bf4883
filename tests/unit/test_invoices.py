from datetime import date
from decimal import Inexact, localcontext
from typing import Any

import pytest
from pydantic import ValidationError

from dunning import (
    Channel,
    Charge,
    Contact,
    CreditNote,
    Customer,
    Invoice,
    InvoiceStatus,
    Money,
    Payment,
    parse_terms,
)
from dunning.money import ROUND_TO_MINOR_UNIT, Rounding


def usd(amount: str) -> Money:
    return Money(amount, "USD")


def make(**changes: Any) -> Invoice:
    data: dict[str, Any] = {
        "id": "I1",
        "customer_id": "C1",
        "currency": "USD",
        "total": "1000.00",
        "issue_date": date(2026, 1, 1),
        "due_date": date(2026, 1, 31),
    }
    data.update(changes)
    return Invoice(**data)


def error_of(**changes: Any) -> tuple[str, str, str]:
    with pytest.raises(ValidationError) as exc:
        make(**changes)
    entry = exc.value.errors()[0]
    return ".".join(map(str, entry["loc"])), entry["type"], entry["msg"]


class TestAmounts:
    def test_balance_with_payments_credits_and_charges(self) -> None:
        invoice = make(
            payments=[Payment(id="P", date=date(2026, 2, 1), amount=usd("300.00"))],
            credit_notes=[CreditNote(id="N", date=date(2026, 1, 5), amount=usd("100.00"))],
            charges=[Charge(id="F", date=date(2026, 2, 5), kind="fee", amount=usd("25.50"))],
        )
        assert invoice.paid == usd("300.00")
        assert invoice.credited == usd("100.00")
        assert invoice.charged == usd("25.50")
        assert invoice.balance == usd("625.50")
        assert invoice.principal_balance == usd("600.00")
        assert invoice.credit == usd("0")
        assert invoice.is_open
        assert invoice.effective_status is InvoiceStatus.OPEN

    def test_overpayment_leaves_a_credit(self) -> None:
        invoice = make(payments=[Payment(id="P", date=date(2026, 2, 1), amount=usd("1200.00"))])
        assert invoice.balance == usd("0")
        assert invoice.credit == usd("200.00")
        assert invoice.principal_balance == usd("0")
        assert not invoice.is_open
        assert invoice.effective_status is InvoiceStatus.PAID

    def test_statuses(self) -> None:
        assert make(status="void").effective_status is InvoiceStatus.VOID
        assert make(status="paid").effective_status is InvoiceStatus.PAID
        assert not make(status="paid").is_open

    def test_days_overdue(self) -> None:
        invoice = make()
        assert invoice.days_overdue(date(2026, 1, 30)) == -1
        assert invoice.days_overdue(date(2026, 1, 31)) == 0
        assert invoice.days_overdue(date(2026, 3, 2)) == 30

    def test_total_as_money_or_number(self) -> None:
        assert make(total=usd("10.00")).total == usd("10.00")
        assert make(total=7).total == usd("7")

    def test_json_round_trip_and_immutability(self) -> None:
        invoice = make(
            terms=parse_terms("2/10 net 30"),
            due_date=None,
            tags=["b", "a", "b"],
            payments=[Payment(id="P", date=date(2026, 2, 1), amount=usd("1.00"), method="pse")],
        )
        assert invoice.tags == ("a", "b")
        assert Invoice.model_validate_json(invoice.model_dump_json()) == invoice
        with pytest.raises(ValidationError, match="frozen"):
            invoice.total = usd("1")  # type: ignore[misc]
        assert invoice.evolve(disputed=True).disputed


class TestTerms:
    def test_due_date_from_terms(self) -> None:
        invoice = make(due_date=None, terms=parse_terms("net 30 EOM"), issue_date="2026-01-15")
        assert invoice.due_date == date(2026, 3, 2)
        (installment,) = invoice.installments()
        assert installment.amount == usd("1000.00")

    def test_terms_as_mapping(self) -> None:
        terms = parse_terms("net 15").model_dump()
        assert make(due_date=None, terms=terms).due_date == date(2026, 1, 16)

    def test_single_installment_without_terms(self) -> None:
        (installment,) = make().installments()
        assert (installment.due_date, installment.amount) == (date(2026, 1, 31), usd("1000.00"))

    def test_missing_due_date_and_terms(self) -> None:
        field, kind, _ = error_of(due_date=None)
        assert (field, kind) == ("due_date", "date_type")


class TestValidation:
    def test_due_before_issue(self) -> None:
        _, kind, message = error_of(due_date=date(2025, 12, 31))
        assert kind == "dunning.due_before_issue"
        assert message == (
            "due_date 2025-12-31 is before issue_date 2026-01-01: an invoice cannot fall due "
            "before it is issued"
        )

    def test_total_in_another_currency(self) -> None:
        _, kind, message = error_of(total=Money("1", "EUR"))
        assert kind == "dunning.currency_mismatch"
        assert message == "total is in EUR (1 EUR) but the invoice is in USD"

    def test_payment_in_another_currency(self) -> None:
        payment = Payment(id="P", date=date(2026, 2, 1), amount=Money("5", "EUR"))
        _, kind, message = error_of(payments=[payment])
        assert kind == "dunning.currency_mismatch"
        assert message == "payments[0].amount is in EUR (5 EUR) but the invoice is in USD"

    def test_negative_total(self) -> None:
        _, kind, message = error_of(total="-1.00")
        assert kind == "dunning.negative"
        assert message.startswith("total must not be negative, got -1.00 USD")

    @pytest.mark.parametrize("model", [Payment, CreditNote])
    def test_amounts_must_be_positive(self, model: type[Payment] | type[CreditNote]) -> None:
        with pytest.raises(ValidationError, match=r"amount must be above zero, got 0\.00 USD"):
            model(id="X", date=date(2026, 1, 1), amount=usd("0.00"))

    def test_charge_amount_must_be_positive(self) -> None:
        with pytest.raises(ValidationError, match="amount must be above zero, got -1 USD"):
            Charge(id="X", date=date(2026, 1, 1), kind="fee", amount=usd("-1"))

    @pytest.mark.parametrize("value", ["", " I1", "I1 "])
    def test_identifiers(self, value: str) -> None:
        _, kind, message = error_of(id=value)
        assert kind == "dunning.identifier"
        assert "must be non-empty and have no leading or trailing spaces" in message

    def test_not_a_mapping_is_left_to_pydantic(self) -> None:
        with pytest.raises(ValidationError, match="valid dictionary or instance of Invoice"):
            Invoice.model_validate(["not", "a", "mapping"])


class TestCustomer:
    def test_channels(self) -> None:
        customer = Customer(
            id="C",
            name="Ana",
            contacts=[
                Contact(channel="email", address="a@x"),
                Contact(channel="email", address="second@x"),
                Contact(channel="sms", address="+57"),
                Contact(channel="whatsapp", address="+57"),
            ],
            preferred_channels=["whatsapp", "phone"],
            opted_out=["sms"],
        )
        assert customer.address(Channel.EMAIL) == "a@x"
        assert customer.address(Channel.SMS) is None
        assert customer.address(Channel.PHONE) is None
        assert customer.reachable_channels() == (Channel.WHATSAPP, Channel.EMAIL)
        assert customer.pick_channel([Channel.SMS, Channel.EMAIL]) is Channel.EMAIL

    def test_do_not_contact(self) -> None:
        customer = Customer(
            id="C",
            name="Ana",
            contacts=[Contact(channel="email", address="a")],
            do_not_contact=True,
        )
        assert customer.reachable_channels() == ()
        assert customer.pick_channel([Channel.EMAIL]) is None

    def test_locale_is_normalised(self) -> None:
        assert Customer(id="C", name="A", locale="es-CO").locale == "es_CO"

    @pytest.mark.parametrize(
        ("field", "value", "kind"),
        [
            ("locale", "xx_QQ_bad", "dunning.locale"),
            ("time_zone", "Mars/Olympus", "dunning.time_zone"),
            ("time_zone", "../etc", "dunning.time_zone"),
        ],
    )
    def test_bad_locale_and_time_zone(self, field: str, value: str, kind: str) -> None:
        with pytest.raises(ValidationError) as exc:
            Customer(id="C", name="A", **{field: value})
        entry = exc.value.errors()[0]
        assert (entry["loc"], entry["type"]) == ((field,), kind)
        assert repr(value) in entry["msg"]

    def test_tags_sorted_and_unique(self) -> None:
        customer = Customer(id="C", name="A", tags=["vip", "b2b", "vip"])
        assert customer.tags == ("b2b", "vip")


class TestHostileValues:
    @pytest.mark.parametrize(
        ("value", "character"),
        [
            ("F\x001", "U+0000"),
            ("F\r1", "U+000D"),
            ("F\x1b[31m", "U+001B"),
            ("F\ud8001", "U+D800"),
            ("F-\u202eFDP", "U+202E RIGHT-TO-LEFT OVERRIDE"),
            ("F-\u2066x", "U+2066 LEFT-TO-RIGHT ISOLATE"),
            ("F\u200b1", "U+200B ZERO WIDTH SPACE"),
            ("F\u20281", "U+2028 LINE SEPARATOR"),
        ],
    )
    def test_hidden_characters_in_ids_are_refused(self, value: str, character: str) -> None:
        for field in ("id", "customer_id"):
            got_field, kind, message = error_of(**{field: value})
            assert (got_field, kind) == (field, "dunning.control_character")
            assert f"holds the character {character}:" in message
            message.encode("utf-8")  # the message itself never carries the character

    def test_ids_may_hold_any_printable_text(self) -> None:
        assert make(id="FE-1;2 ñ/ü #3", customer_id="Ferretería").id == "FE-1;2 ñ/ü #3"

    def test_overlong_ids_are_refused(self) -> None:
        assert make(id="F" * 256).id == "F" * 256
        field, kind, message = error_of(id="F" * 257)
        assert (field, kind) == ("id", "dunning.identifier")
        assert message.endswith("has 257 characters; at most 256 are allowed")

    @pytest.mark.parametrize("channel", ["email", "sms", "whatsapp", "phone"])
    def test_line_breaks_in_an_address_are_refused(self, channel: str) -> None:
        with pytest.raises(ValidationError) as exc:
            Contact(channel=channel, address="a@b.example\r\nBcc: all@victim.example")
        (entry,) = exc.value.errors()
        assert entry["type"] == "dunning.control_character"
        assert entry["msg"].startswith(f"{channel} address: 'a@b.example\\r\\nBcc: all@")
        assert "U+000D" in entry["msg"]

    def test_a_postal_address_keeps_its_lines(self) -> None:
        contact = Contact(channel="postal", address="Calle 1 # 2-3\nBogotá")
        assert contact.address == "Calle 1 # 2-3\nBogotá"
        with pytest.raises(ValidationError, match=r"U\+0000"):
            Contact(channel="postal", address="Calle 1\x00")

    def test_names_segments_and_tags_refuse_control_characters(self) -> None:
        for changes in ({"name": "A\nB"}, {"segment": "b2b\x00"}, {"tags": ["vip\x07"]}):
            with pytest.raises(ValidationError, match=r"dunning\.control_character"):
                Customer(**{"id": "C1", "name": "A", **changes})

    @pytest.mark.parametrize("value", [1761004800, "1761004800", 1761004800.0, "21/10/2026"])
    def test_dates_are_iso_8601_only(self, value: object) -> None:
        field, kind, message = error_of(issue_date=value)
        assert (field, kind) == ("issue_date", "dunning.date")
        assert message.endswith("is not a date in ISO 8601 form (YYYY-MM-DD)")
        with pytest.raises(ValidationError, match=r"dunning\.date"):
            Payment(id="P", date=value, amount=usd("1.00"))  # type: ignore[arg-type]

    def test_iso_dates_as_text(self) -> None:
        invoice = make(issue_date="2026-01-01", due_date="2026-01-31", promise_to_pay="2026-02-10")
        assert invoice.promise_to_pay == date(2026, 2, 10)

    @pytest.mark.parametrize(
        ("currency", "total", "places"), [("COP", "0.001", 0), ("USD", "10.005", 2)]
    )
    def test_amounts_finer_than_the_minor_unit_are_refused(
        self, currency: str, total: str, places: int
    ) -> None:
        field, kind, message = error_of(currency=currency, total=total)
        assert (field, kind) == ("total", "dunning.sub_minor_unit")
        assert message.startswith(
            f"amount {total} has more decimals than the {places} of the {currency} minor unit"
        )
        with pytest.raises(ValidationError, match=r"dunning\.sub_minor_unit"):
            Payment(id="P", date=date(2026, 1, 1), amount=Money(total, currency))

    def test_rounding_to_the_minor_unit_on_request(self) -> None:
        data = {
            "id": "I1",
            "customer_id": "C1",
            "currency": "USD",
            "total": "10.005",
            "issue_date": "2026-01-01",
            "due_date": "2026-01-31",
            "payments": [{"id": "P", "date": "2026-01-02", "amount": Money("0.125", "USD")}],
        }
        invoice = Invoice.model_validate(data, context={ROUND_TO_MINOR_UNIT: Rounding.HALF_UP})
        assert invoice.total == usd("10.01")
        assert invoice.paid == usd("0.13")
        assert str(invoice.balance) == "9.88 USD"
        halves = Invoice.model_validate(data, context={ROUND_TO_MINOR_UNIT: Rounding.HALF_EVEN})
        assert halves.total == usd("10.00") and halves.paid == usd("0.12")

    def test_derived_amounts_ignore_the_caller_context(self) -> None:
        invoice = make(
            total="1234567.89",
            payments=[Payment(id="P", date=date(2026, 2, 1), amount=usd("0.01"))],
        )
        with localcontext() as context:
            context.prec = 4
            context.traps[Inexact] = True
            assert str(invoice.balance) == "1234567.88 USD"
            assert str(invoice.principal_balance) == "1234567.88 USD"


class TestMoreHostileValues:
    def test_terms_that_would_fall_due_after_9999_are_an_error(self) -> None:
        with pytest.raises(ValidationError) as exc:
            Invoice(
                id="I1", customer_id="C1", currency="USD", total="1.00",
                issue_date="9999-12-31", terms="net 30",
            )  # fmt: skip
        (entry,) = exc.value.errors()
        assert entry["type"] == "dunning.due_date_out_of_range"
        assert entry["msg"] == (
            "terms 'net 30' from issue_date 9999-12-31 give a due date after 9999-12-31"
        )

    def test_long_locales_and_time_zones_are_cut_in_the_message(self) -> None:
        for field in ("locale", "time_zone"):
            with pytest.raises(ValidationError) as exc:
                Customer(**{"id": "C1", "name": "A", field: "x" * 100_000})
            (entry,) = exc.value.errors()
            assert len(entry["msg"]) < 200
