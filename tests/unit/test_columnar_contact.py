"""The customer columns a contact law reads (jurisdiction, consents, proceedings), through
`customers_table` and `evaluate_table`, exactly as `evaluate` reads them on `Customer`."""

import re
from datetime import date
from typing import Any

import pyarrow as pa
import pytest

from dunning import Customer, HistoryRecord, Invoice, Policy, ReminderStep, evaluate
from dunning.columnar import (
    TableEvaluation,
    customers_table,
    evaluate_batches,
    evaluate_table,
    evaluation_tables,
    history_table,
    invoices_table,
)
from dunning.columnar._build import build_customers
from dunning.columnar.schema import CUSTOMER_COLUMNS, conform, records
from dunning.errors import TableSchemaError
from dunning.spark import _customers as spark_customers

SUNDAY = date(2024, 3, 10)
POLICY = Policy(
    id="p", steps=[ReminderStep(id="due", offset_days=0, channels=["email"], template="due")]
)
_CO_SUNDAY = (
    "deferred: Ley 2300 de 2023, art. 3: no contact on Sundays, and on Saturdays only from "
    "08:00 to 15:00; moved to Monday 2024-03-11 07:00 America/Bogota"
)
_CL_LAWSUIT = (
    "Ley 19.496, art. 37 (Ley 21.320): no out-of-court collection once a lawsuit has "
    "started; Customer.legal_proceedings_since is 2024-03-05, on or before the contact day "
    "2024-03-05"
)


def _customer(
    zone: str | None = "America/Bogota", consent: date | None = date(2020, 1, 1), **fields: Any
) -> Customer:
    return Customer(
        id="C",
        name="Ana",
        **({} if zone is None else {"time_zone": zone}),
        contacts=[{"channel": "email", "address": "a@x.example", "consented_on": consent}],
        **fields,
    )


def _invoice(due: date) -> Invoice:
    return Invoice(
        id="I",
        customer_id="C",
        currency="USD",
        total="100.00",
        issue_date=date(2023, 12, 1),
        due_date=due,
    )


def _both(
    customer: Customer | dict[str, Any],
    as_of: date,
    policy: Policy = POLICY,
    history: tuple[HistoryRecord, ...] = (),
) -> tuple[TableEvaluation, TableEvaluation]:
    invoice = _invoice(as_of)
    table = customers_table([customer]) if isinstance(customer, Customer) else customer
    result = evaluate_table(
        invoices_table([invoice]), policy, as_of, customers=table, history=history_table(history)
    )
    people = [customer] if isinstance(customer, Customer) else records(table, "customers")
    evaluation = evaluate([invoice], policy, as_of, customers=people, history=history)
    return result, evaluation_tables(evaluation, [("I", "C")])


def _figures(row: dict[str, Any]) -> dict[str, str]:
    return {pair["name"]: pair["value"] for pair in row["reason_figures"]}


def test_a_colombian_sunday_reminder_is_deferred_as_evaluate_defers_it() -> None:
    result, expected = _both(_customer(jurisdiction="co"), SUNDAY)
    assert result == expected
    [action] = result.actions.to_pylist()
    assert action["key"] == "p:C:I:step:due:0@email"
    assert action["due_on"] == SUNDAY
    assert action["reason_text"].endswith(_CO_SUNDAY)
    figures = _figures(action)
    assert figures["deferred_to"] == "2024-03-11T07:00:00-05:00"
    assert figures["contact_law"] == "co"
    # Streamed, the same deferral.
    streamed = evaluate_batches(
        invoices_table([_invoice(SUNDAY)]).to_batches(),
        POLICY,
        SUNDAY,
        customers=customers_table([_customer(jurisdiction="co")]),
    )
    assert TableEvaluation.concat(SUNDAY, list(streamed)) == expected


def test_without_the_jurisdiction_the_sunday_reminder_goes_out_on_sunday() -> None:
    result, expected = _both(_customer(), SUNDAY)
    assert result == expected
    [action] = result.actions.to_pylist()
    assert "deferred" not in action["reason_text"]
    assert "deferred_to" not in _figures(action)


def test_a_chilean_debtor_in_legal_proceedings_is_skipped_citing_the_article() -> None:
    tuesday = date(2024, 3, 5)
    customer = _customer("America/Santiago", jurisdiction="cl", legal_proceedings_since=tuesday)
    result, expected = _both(customer, tuesday)
    assert result == expected
    assert result.actions.num_rows == 0
    [skip] = result.skipped.to_pylist()
    assert (skip["key"], skip["cause"]) == ("p:C:I:step:due:0", "contact_law")
    assert skip["reason_text"] == _CL_LAWSUIT
    assert result.outcomes.column("outcome").to_pylist() == ["skipped"]
    # The day before the lawsuit, the message goes out at 08:00 Santiago time.
    monday, _ = _both(customer, date(2024, 3, 4))
    [action] = monday.actions.to_pylist()
    assert action["key"] == "p:C:I:step:due:0@email"
    assert monday.skipped.num_rows == 0


def test_a_channel_without_consent_is_skipped_and_a_consent_from_the_future_rejected() -> None:
    law = POLICY.evolve(jurisdiction="co")
    result, expected = _both(_customer(consent=None), date(2024, 3, 12), law)
    assert result == expected
    [skip] = result.skipped.to_pylist()
    assert skip["reason_text"].startswith(
        "Ley 2300 de 2023, art. 2: only channels the consumer authorised; no consent for email"
    )
    result, expected = _both(_customer(consent=date(2024, 3, 13)), date(2024, 3, 12), law)
    assert result == expected
    assert result.outcomes.to_pylist() == [
        {
            "invoice_id": "I",
            "customer_id": "C",
            "outcome": "rejected",
            "detail": "invoice 'I' cannot be evaluated: customer 'C': contacts[0].consented_on "
            "is 2024-03-13, after the evaluation day 2024-03-12: a consent cannot come from "
            "the future (contact law co) (due date 2024-03-12, total 100.00 USD)",
        }
    ]


def test_a_policy_law_refuses_a_customer_whose_time_zone_was_not_given() -> None:
    # The table keeps that the zone was left to its default: the law refuses every message.
    customer = _customer(zone=None)
    assert customers_table([customer]).column("time_zone").to_pylist() == [None]
    result, expected = _both(customer, date(2024, 3, 12), POLICY.evolve(jurisdiction="co"))
    assert result == expected
    [skip] = result.skipped.to_pylist()
    assert skip["reason_text"].startswith(
        "time_zone of customer 'C' is missing: the contact law co counts hours and days in "
        "the debtor's local time"
    )


def test_the_customer_columns_round_trip_as_validation_reads_them() -> None:
    customer = _customer(
        "America/Santiago",
        jurisdiction="CL",
        legal_proceedings_since=date(2024, 3, 5),
        insolvency_since=date(2024, 2, 1),
    )
    table = conform(customers_table([customer]), CUSTOMER_COLUMNS, "customers")
    assert table.schema.field("legal_proceedings_since").type == pa.date32()
    (built,) = build_customers(table)
    (row,) = records(table, "customers")
    validated = Customer.model_validate(row)
    assert isinstance(built, Customer)  # trusted, not left to validation
    assert built == validated == customer
    assert built.model_fields_set == validated.model_fields_set
    assert built.jurisdiction == "cl"
    assert built.consents(date(2024, 3, 5)) == {customer.contacts[0].channel: date(2020, 1, 1)}


def _with(table: Any, name: str, value: Any) -> Any:
    kind = table.schema.field(name).type
    return table.set_column(table.schema.get_field_index(name), name, pa.array([value], kind))


@pytest.mark.parametrize(
    ("name", "value", "error"),
    [
        (
            "jurisdiction",
            "xx",
            "customer 'C': jurisdiction: 'xx' is not a jurisdiction with a contact-law preset; "
            "known: co, cl, mx, br_sp",
        ),
        (
            "time_zone",
            None,
            "customer 'C': customer: time_zone is missing: jurisdiction co counts contact "
            "hours in the customer's local time; give an IANA zone such as 'America/Bogota'",
        ),
    ],
)
def test_a_bad_value_rejects_the_customers_invoices_with_the_field_and_value(
    name: str, value: Any, error: str
) -> None:
    table = _with(customers_table([_customer(jurisdiction="co")]), name, value)
    result, expected = _both(table, SUNDAY)
    assert result == expected
    assert result.outcomes.to_pylist() == [
        {"invoice_id": "I", "customer_id": "C", "outcome": "rejected", "detail": error}
    ]


def test_a_proceedings_column_of_text_is_refused_with_its_type() -> None:
    table = customers_table([_customer()]).drop_columns(["insolvency_since"])
    table = table.append_column("insolvency_since", pa.array(["2024-03-05"]))
    message = "customers: column 'insolvency_since' has Arrow type string; it must be date32"
    with pytest.raises(TableSchemaError, match=re.escape(message)):
        evaluate_table(invoices_table([_invoice(SUNDAY)]), POLICY, SUNDAY, customers=table)


def test_spark_workers_read_the_dates_of_customer_records_from_json() -> None:
    rows = [
        {
            "id": "C",
            "name": "Ana",
            "time_zone": "America/Santiago",
            "jurisdiction": "cl",
            "legal_proceedings_since": "2024-03-05",
        }
    ]
    table = conform(spark_customers(rows), CUSTOMER_COLUMNS, "customers")
    assert table.column("legal_proceedings_since").to_pylist() == [date(2024, 3, 5)]
