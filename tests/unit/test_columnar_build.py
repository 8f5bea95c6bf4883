"""Invoices, customers and the history index built from columns (`dunning.columnar._build`)."""

import json
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from dunning import Customer, HistoryIndex, HistoryRecord, Invoice, Policy, ReminderStep, evaluate
from dunning.columnar import (
    customers_table,
    evaluate_table,
    evaluation_tables,
    history_table,
    invoices_table,
)
from dunning.columnar._build import (
    build_customers,
    build_invoices,
    clean_invoices,
    history_index,
    minor_units,
    read_items,
)
from dunning.columnar.schema import CUSTOMER_COLUMNS, INVOICE_COLUMNS, conform, records

AS_OF = date(2026, 3, 10)
POLICY = Policy(
    id="p",
    steps=[
        ReminderStep(id="soon", offset_days=-3, channels=["email"], template="soon"),
        ReminderStep(id="late", offset_days=5, channels=["email"], template="late"),
    ],
)
CUSTOMERS = [
    Customer(id=f"C{n}", name=f"Customer {n}", contacts=[{"channel": "email", "address": "a@x"}])
    for n in range(3)
]
INVOICES = [
    # Due in three days: the "soon" reminder.
    Invoice(id="A", customer_id="C0", currency="USD", total="200.00",
            issue_date=date(2026, 2, 1), due_date=date(2026, 3, 13)),
    # 38 days overdue: the "late" reminder.
    Invoice(id="B", customer_id="C1", currency="USD", total="250.00",
            issue_date=date(2026, 1, 1), due_date=date(2026, 1, 31)),
    # Not due for a month, and paid: both quiet, found so in bulk.
    Invoice(id="C", customer_id="C2", currency="USD", total="99.99",
            issue_date=date(2026, 3, 1), due_date=date(2026, 4, 10)),
    Invoice(id="D", customer_id="C2", currency="USD", total="10.00", status="paid",
            issue_date=date(2026, 1, 1), due_date=date(2026, 1, 31)),
]  # fmt: skip
_CONTROL = "control, format (bidirectional override, zero-width) and unpaired surrogate"
_ROUND = "round it first (Money.rounded, or the readers' round_to_minor_unit option)"
_ISO = "is not a known ISO 4217 currency code (three upper-case letters, such as 'USD', 'COP' or 'EUR')"  # noqa: E501 -- the message as validation writes it


def _with(table: Any, name: str, row: int, value: Any) -> Any:
    values = table[name].to_pylist()
    values[row] = value
    kind = table.schema.field(name).type
    return table.set_column(table.schema.get_field_index(name), name, pa.array(values, kind))


def test_quiet_invoices_are_found_in_bulk() -> None:
    result = evaluate_table(
        invoices_table(INVOICES), POLICY, AS_OF, customers=customers_table(CUSTOMERS)
    )
    assert result.outcomes["outcome"].to_pylist() == ["acted", "acted", "quiet", "quiet"]
    assert result.evaluated == 2


@pytest.mark.parametrize(
    ("name", "value", "error"),
    [
        ("total", "-99.99",
         "invoice: total must not be negative, got -99.99 USD; issue a credit note instead"),
        ("total", "99.999",
         f"total: amount 99.999 has more decimals than the 2 of the USD minor unit; {_ROUND}"),
        ("currency", "XYZ", f"currency: 'XYZ' {_ISO}; total.currency: 'XYZ' {_ISO}"),
        ("id", " C",
         "id: identifier ' C' must be non-empty and have no leading or trailing spaces"),
        ("customer_id", "C2\x00",
         f"customer_id: 'C2\\x00' holds the character U+0000: {_CONTROL} characters are not "
         "allowed"),
        ("number", "N\n1",
         f"number: 'N\\n1' holds the character U+000A: {_CONTROL} characters are not allowed"),
        ("status", "closed", "status: Input should be 'open', 'paid' or 'void'"),
        ("due_date", date(2026, 2, 1),
         "invoice: due_date 2026-02-01 is before issue_date 2026-03-01: an invoice cannot fall "
         "due before it is issued"),
        ("tags", ["a\x1b"],
         f"tags: 'a\\x1b' holds the character U+001B: {_CONTROL} characters are not allowed"),
        ("payments",
         '[{"id": "P", "date": "2026-03-01", "amount": {"amount": "0", "currency": "USD"}}]',
         "payments.0.amount: amount must be above zero, got 0 USD"),
        ("payments",
         '[{"id": "P", "date": "2026-03-01", "amount": {"amount": "5.00", "currency": "EUR"}}]',
         "invoice: payments[0].amount is in EUR (5.00 EUR) but the invoice is in USD"),
        ("payments",
         '[{"id": "P", "date": "2026-03-01", "amount": {"amount": "1.x", "currency": "USD"}}]',
         "payments.0.amount.amount: amount '1.x' is not a decimal number"),
        ("payments",
         '[{"id": "P", "date": "2026-03-01", "amount": {"amount": "1.00", "currency": "USD"}, '
         '"reference": "R\\u0000"}]',
         f"payments.0.reference: 'R\\x00' holds the character U+0000: {_CONTROL} characters "
         "are not allowed"),
        ("credit_notes",
         '[{"id": "N", "date": "2026-03-01", "amount": {"amount": "1.001", "currency": "USD"}}]',
         f"credit_notes.0.amount: amount 1.001 has more decimals than the 2 of the USD minor "
         f"unit; {_ROUND}"),
    ],
)  # fmt: skip
def test_a_row_that_breaks_a_check_is_rejected_with_validations_error(
    name: str, value: Any, error: str
) -> None:
    """Row 2 (an invoice the bulk path would find quiet) breaks one rule: it is rejected with
    the error, field and value validation gives, and the other rows keep their outcome."""
    table = _with(invoices_table(INVOICES), name, 2, value)
    result = evaluate_table(table, POLICY, AS_OF, customers=customers_table(CUSTOMERS))
    rows = result.outcomes.to_pylist()
    assert rows[2]["outcome"] == "rejected"
    assert rows[2]["detail"] == error
    assert [row["outcome"] for row in rows] == ["acted", "acted", "rejected", "quiet"]
    evaluation = evaluate(records(table, "invoices"), POLICY, AS_OF, customers=CUSTOMERS)
    pairs = [(row["invoice_id"], row["customer_id"]) for row in rows]
    assert result == evaluation_tables(evaluation, pairs)


def test_a_customer_record_that_breaks_a_check_rejects_its_invoices() -> None:
    people = _with(customers_table(CUSTOMERS), "locale", 2, "xx_NOWHERE")
    result = evaluate_table(invoices_table(INVOICES), POLICY, AS_OF, customers=people)
    rows = result.outcomes.to_pylist()
    error = (
        "customer 'C2': locale: 'xx_NOWHERE' is not a locale known to babel (use a tag such as "
        "'es_CO' or 'pt_BR')"
    )
    assert [(row["outcome"], row["detail"]) for row in rows[2:]] == [("rejected", error)] * 2
    assert [row["outcome"] for row in rows[:2]] == ["acted", "acted"]


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("id", ""),
        ("id", "x" * 257),
        ("id", "é"),  # valid, but not plain ASCII: validation decides
        ("customer_id", "C2 "),
        ("currency", "usd"),
        ("total", "1e2"),
        ("total", "+1.00"),
        ("total", "1" * 33),
        ("number", "Nº 1"),
        ("status", "closed"),
        ("terms", "net 30"),
        ("untaxed", "1.00"),
        ("tags", ["ok", None]),
        ("issue_date", date(2026, 4, 11)),
    ],
)
def test_each_check_leaves_out_the_row_that_breaks_it(name: str, value: Any) -> None:
    table = _with(invoices_table(INVOICES), name, 1, value)
    table = conform(table, INVOICE_COLUMNS, "invoices")
    clean = clean_invoices(table, minor_units(table))
    assert clean.tolist() == [True, False, True, True]


def test_rows_whose_items_do_not_read_are_left_to_validation() -> None:
    table = invoices_table(INVOICES)
    good = '[{"id": "P", "date": "2026-03-01", "amount": {"amount": "5.00", "currency": "USD"}}]'
    unknown = (
        '[{"id": "P", "date": "2026-03-01", "amount": {"amount": "5", "currency": "USD"}, "x": 1}]'
    )
    table = _with(table, "payments", 0, good)
    table = _with(table, "payments", 1, unknown)
    table = _with(table, "credit_notes", 2, "[{")
    table = conform(table, INVOICE_COLUMNS, "invoices")
    places = minor_units(table)
    clean = clean_invoices(table, places)
    items = read_items(table, clean, places)
    assert clean.tolist() == [True, False, False, True]
    assert list(items) == [0]
    (payment,) = items[0][0]
    assert (payment.id, payment.date, str(payment.amount)) == ("P", date(2026, 3, 1), "5.00 USD")


def test_the_trusted_rows_equal_the_validated_ones() -> None:
    invoice = INVOICES[0].evolve(
        number="FV-1",
        tags=["b", "a", "b"],
        payments=[
            {
                "id": "P",
                "date": date(2026, 2, 1),
                "amount": {"amount": "20.00", "currency": "USD"},
                "method": "card",
            }
        ],
        credit_notes=[
            {
                "id": "N",
                "date": date(2026, 2, 2),
                "amount": {"amount": "1.50", "currency": "USD"},
                "reason": "ok",
            }
        ],
        charges=[
            {
                "id": "F",
                "date": date(2026, 2, 3),
                "kind": "fee",
                "amount": {"amount": "3.00", "currency": "USD"},
            }
        ],
        disputed=True,
        promise_to_pay=date(2026, 4, 1),
    )
    table = conform(invoices_table([invoice]), INVOICE_COLUMNS, "invoices")
    places = minor_units(table)
    clean = clean_invoices(table, places)
    (built,) = build_invoices(table, [0], clean, read_items(table, clean, places))
    assert isinstance(built, Invoice)
    assert built == invoice
    assert built.model_dump_json() == invoice.model_dump_json()


def test_a_trusted_customer_marks_the_fields_validation_marks() -> None:
    customer = Customer(
        id="C",
        name="Ana",
        locale="es-CO",
        time_zone="America/Bogota",
        contacts=[
            {"channel": "postal", "address": "Calle 1\nBogotá", "consented_on": "2026-01-01"},
            {"channel": "sms", "address": "+57300"},
        ],
        preferred_channels=["sms"],
        opted_out=["email"],
        segment="b2b",
        tags=["z", "a"],
    )
    table = conform(customers_table([customer]), CUSTOMER_COLUMNS, "customers")
    (built,) = build_customers(table)
    (row,) = records(table, "customers")
    validated = Customer.model_validate(row)
    assert isinstance(built, Customer)
    assert built == validated == customer
    assert built.model_fields_set == validated.model_fields_set
    assert built.locale == "es_CO"


_TEXTS = st.one_of(
    st.sampled_from(["A", "INV-1", "C 1", "x" * 256]),
    st.text(st.sampled_from("aZ09 .-é\x00\n\u202e"), max_size=4),
)
_AMOUNTS = st.one_of(
    st.decimals(0, 10**6, places=2).map(str),
    st.decimals(-(10**6), 10**6, places=3, allow_nan=False).map(str),
    st.text(st.sampled_from("0123456789.-+eE "), max_size=6),
)
_DATES = st.dates(date(2020, 1, 1), date(2030, 1, 1))


@given(
    st.fixed_dictionaries(
        {
            "id": _TEXTS,
            "customer_id": _TEXTS,
            "currency": st.sampled_from(["USD", "COP", "KWD", "USD", "XYZ", "usd"]),
            "total": _AMOUNTS,
            "issue_date": _DATES,
            "due_date": st.integers(-3, 60),
            "status": st.sampled_from([None, "open", "paid", "void", "closed"]),
            "number": st.none() | _TEXTS,
            "tags": st.lists(_TEXTS, max_size=2),
            "payments": st.none()
            | st.fixed_dictionaries(
                {
                    "id": _TEXTS,
                    "date": st.sampled_from(["2026-01-01", "2026-W01-1", "01/01/2026"]),
                    "amount": st.fixed_dictionaries(
                        {"amount": _AMOUNTS, "currency": st.sampled_from(["USD", "COP"])}
                    ),
                }
            ).map(lambda payment: [payment]),
        }
    ).map(lambda row: row | {"due_date": row["issue_date"] + timedelta(days=row["due_date"])})
)
@settings(max_examples=400)  # about one row in twenty passes every check
def test_a_row_is_trusted_only_when_validation_accepts_it_as_the_same_invoice(
    row: dict[str, Any],
) -> None:
    """Whatever the values: a row built without validation is exactly what validation gives;
    any other row is left to validation, which gives its error."""
    payments = row["payments"]
    cells = row | {"payments": None if payments is None else json.dumps(payments)}
    table = conform(pa.Table.from_pylist([cells]), INVOICE_COLUMNS, "invoices")
    places = minor_units(table)
    clean = clean_invoices(table, places)
    (built,) = build_invoices(table, [0], clean, read_items(table, clean, places))
    event("trusted" if isinstance(built, Invoice) else "validated")
    if isinstance(built, Invoice):
        assert Invoice.model_validate(records(table, "invoices")[0]) == built


def test_the_history_index_from_columns_equals_the_one_from_records() -> None:
    day = date(2026, 3, 1)
    history = [
        HistoryRecord(key="p:C0:A:step:soon:0", kind="enter_stage", customer_id="C0", on=day),
        HistoryRecord(
            key="p:C0:msg:2026-03-01@email",
            kind="send_message",
            customer_id="C0",
            on=day,
            channel="email",
            covers=["p:C0:A:step:soon:0", "p:C0:B:step:soon:0"],
        ),
        HistoryRecord(
            key="p:C0:msg:2026-03-02@sms",
            kind="send_message",
            customer_id="C0",
            on=day + timedelta(days=1),
            status="failed",
            channel="sms",
            covers=["p:C0:A:step:late:0"],
        ),
        HistoryRecord(
            key="p:C1:B:step:late:0", kind="send_message", customer_id="C1", on=day,
            status="skipped",
        ),
        HistoryRecord(key="p:C1:suspend:1", kind="suspend_service", customer_id="C1", on=day),
        HistoryRecord(key="short", kind="resume_service", customer_id="C1", on=day),
        HistoryRecord(
            key="p:C1:B:charge", kind="automatic_charge", customer_id="C1", on=day,
            status="failed", invoice_ids=["B"], decline="hard", decline_code="stolen",
        ),
        HistoryRecord(key="p:C1:B:retry:1", kind="retry_charge", customer_id="C1", on=day),
    ]  # fmt: skip
    built = history_index(history_table(history))
    expected = HistoryIndex(history)
    for name in (
        "_owners",
        "_flat",
        "failed_channels",
        "messages",
        "contacts",
        "suspends",
        "resumes",
        "failed_charges",
        "hard_declines",
        "records",
    ):
        assert getattr(built, name) == getattr(expected, name), name
    assert built.contacts["C0"] == [(day, expected.contacts["C0"][0][1], None)]
    assert built.hard_declines == {"B": (day, "stolen")}


def test_an_amount_column_of_decimals_is_read_exactly() -> None:
    table = invoices_table(INVOICES)
    totals = pa.array([Decimal(t) for t in table["total"].to_pylist()], pa.decimal128(12, 2))
    table = table.set_column(table.schema.get_field_index("total"), "total", totals)
    table = conform(table, INVOICE_COLUMNS, "invoices")
    places = minor_units(table)
    clean = clean_invoices(table, places)
    built = build_invoices(table, [0, 1, 2, 3], clean, read_items(table, clean, places))
    assert built == INVOICES


_WORDS = st.one_of(st.sampled_from(["C", "Ana", "a@x", "+57300"]), _TEXTS, st.just(""))
_DAYS = st.sampled_from(["2026-01-01", "2026-W01-1", "2026-1-1", date(2026, 1, 1)])


@settings(max_examples=300)
@given(
    st.fixed_dictionaries(
        {"id": _WORDS, "name": _WORDS},
        optional={
            "locale": st.sampled_from(["es_CO", "es-CO", "xx_NOWHERE", ""]),
            "time_zone": st.sampled_from(["UTC", "America/Bogota", "Mars/Olympus"]),
            "contacts": st.lists(
                st.fixed_dictionaries(
                    {
                        "channel": st.sampled_from(["email", "sms", "postal", "fax"]),
                        "address": st.one_of(_WORDS, st.just("Calle 1\nBogotá")),
                    },
                    optional={"consented_on": _DAYS, "extra": st.just(1)},
                ),
                max_size=2,
            ),
            "preferred_channels": st.lists(st.sampled_from(["email", "sms", "fax"]), max_size=2),
            "opted_out": st.lists(st.sampled_from(["email", "whatsapp", "fax"]), max_size=2),
            "do_not_contact": st.booleans(),
            "segment": _WORDS,
            "tags": st.lists(_WORDS, max_size=2),
        },
    )
)
def test_a_customer_is_trusted_only_when_validation_accepts_it_as_the_same(
    row: dict[str, Any],
) -> None:
    """Whatever the record: a customer built without validation is what validation gives,
    with the same fields marked as given; any other is left to validation."""
    cells = row | (
        {"contacts": json.dumps(row["contacts"], default=str)} if "contacts" in row else {}
    )
    table = conform(pa.Table.from_pylist([cells]), CUSTOMER_COLUMNS, "customers")
    (built,) = build_customers(table)
    event("trusted" if isinstance(built, Customer) else "validated")
    if isinstance(built, Customer):
        validated = Customer.model_validate(records(table, "customers")[0])
        assert built == validated
        assert built.model_fields_set == validated.model_fields_set


_ITEM_AMOUNTS = st.one_of(
    st.sampled_from(["0.50", "1", "10.00", "0", "0.00", "1.x", "x.5", "1.005", "1e2", " 1"]),
    _AMOUNTS,
)


@settings(max_examples=300)
@given(
    st.sampled_from(["payments", "credit_notes", "charges"]),
    st.lists(
        st.fixed_dictionaries(
            {
                "id": _WORDS,
                "date": _DAYS.map(str),
                "amount": st.fixed_dictionaries(
                    {"amount": _ITEM_AMOUNTS, "currency": st.sampled_from(["USD", "USD", "COP"])}
                ),
            },
            optional={
                "method": _WORDS,
                "reference": _WORDS,
                "reason": st.none() | _WORDS,
                "description": st.none() | _WORDS,
                "kind": st.sampled_from(["fee", "interest", "cost", "other"]),
            },
        ),
        min_size=1,
        max_size=2,
    ),
)
def test_items_are_trusted_only_when_validation_accepts_them_as_the_same(
    name: str, items: list[dict[str, Any]]
) -> None:
    """Payments, credit notes and charges of any shape on a valid invoice: read without
    validation only when validation gives the same invoice."""
    table = conform(invoices_table(INVOICES[:1]), INVOICE_COLUMNS, "invoices")
    table = _with(table, name, 0, json.dumps(items))
    places = minor_units(table)
    clean = clean_invoices(table, places)
    (built,) = build_invoices(table, [0], clean, read_items(table, clean, places))
    event("trusted" if isinstance(built, Invoice) else "validated")
    if isinstance(built, Invoice):
        assert Invoice.model_validate(records(table, "invoices")[0]) == built


def test_a_do_not_contact_customer_is_built_as_one() -> None:
    customer = CUSTOMERS[0].evolve(do_not_contact=True, name="Ana")
    (built,) = build_customers(conform(customers_table([customer]), CUSTOMER_COLUMNS, "c"))
    assert isinstance(built, Customer)
    assert built.do_not_contact is True
    assert built == customer


def test_a_history_of_the_required_columns_alone_is_indexed_as_executed() -> None:
    day = date(2026, 3, 1)
    history = [
        HistoryRecord(
            key="p:C0:A:step:soon:0@email", kind="send_message", customer_id="C0", on=day
        ),
        HistoryRecord(key="p:C0:A:stage:call", kind="enter_stage", customer_id="C0", on=day),
    ]
    table = history_table(history).select(["key", "kind", "customer_id", "on"])
    built = history_index(table)
    expected = HistoryIndex(history)
    assert built._owners == expected._owners
    assert built.contacts == expected.contacts == {"C0": [(day, None, None)]}
    assert built.messages == {"C0": [day]}
    assert len(built) == 2
