"""The column schema of the columnar engine: invoices, customers and history as Arrow tables.

Each input table is checked once, as a whole, against a schema of named columns: a missing
required column, an unknown one, a column of the wrong Arrow type or a null where a value is
required raises `TableSchemaError` naming the table, the column, the type or row found and
the rule. Money is exact: ``decimal128`` (or ``decimal256``) or a ``string`` of the amount,
never a float. Dates are ``date32`` (``date64`` is accepted and read as a date); a timestamp
is refused, because the engine works on calendar dates.

Columns holding several values (payments, contacts, history covers) are Arrow lists, or a
``string`` of JSON in the layout of the library's JSON files.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final

from dunning.columnar._arrow import pa, pc
from dunning.engine.actions import HistoryRecord
from dunning.errors import TableSchemaError
from dunning.invoices import Customer, Invoice

__all__ = [
    "CUSTOMER_COLUMNS",
    "HISTORY_COLUMNS",
    "INVOICE_COLUMNS",
    "Column",
    "conform",
    "customers_table",
    "history_table",
    "invoices_table",
    "records",
]

_TYPE_TEXT: Final = {
    "string": "string",
    "money": "decimal128 or string (exact; never a float)",
    "date": "date32",
    "bool": "bool",
    "strings": "list<string>",
    "json": "a list of structs, or a string of JSON",
}


@dataclass(frozen=True, slots=True)
class Column:
    """One column of an input table: its name, the kind of values and whether it is required.

    `kind` is one of ``string``, ``money`` (``decimal128``/``decimal256`` or ``string``),
    ``date`` (``date32``; ``date64`` is read as a date), ``bool``, ``strings``
    (``list<string>``) and ``json`` (a list of structs, or a ``string`` of JSON).

    >>> INVOICE_COLUMNS["total"]
    Column(name='total', kind='money', required=True, description='Invoice total in `currency`.')
    """

    name: str
    kind: str
    required: bool = False
    description: str = ""


def _columns(*columns: Column) -> Mapping[str, Column]:
    return {column.name: column for column in columns}


#: The invoice table. Rows that give `payments`, `credit_notes`, `charges`, `terms` or
#: `untaxed` always take the full evaluation; the others may be found quiet in bulk.
INVOICE_COLUMNS: Final[Mapping[str, Column]] = _columns(
    Column("id", "string", True, "Invoice id, unique in the portfolio."),
    Column("customer_id", "string", True, "The customer's id in the customers table."),
    Column("currency", "string", True, "ISO 4217 code."),
    Column("total", "money", True, "Invoice total in `currency`."),
    Column("issue_date", "date", True, "Issue date."),
    Column("due_date", "date", True, "Net due date."),
    Column("status", "string", False, "open (the default), paid or void."),
    Column("disputed", "bool", False, "Whether the customer disputes it."),
    Column("promise_to_pay", "date", False, "The customer promised to pay by this date."),
    Column("number", "string", False, "The number printed on the invoice."),
    Column("terms", "string", False, "Payment terms: their text ('2/10 net 30') or JSON."),
    Column("untaxed", "money", False, "The part of the total before taxes."),
    Column("payments", "json", False, "Payments: id, date, amount."),
    Column("credit_notes", "json", False, "Credit notes: id, date, amount."),
    Column("charges", "json", False, "Fees and interest already charged."),
    Column("tags", "strings", False, "Free tags."),
)

#: The customer table.
CUSTOMER_COLUMNS: Final[Mapping[str, Column]] = _columns(
    Column("id", "string", True, "Customer id."),
    Column("name", "string", True, "Name used in messages."),
    Column("locale", "string", False, "Locale of messages, e.g. es_CO."),
    Column("time_zone", "string", False, "IANA time zone, e.g. America/Bogota."),
    Column(
        "contacts",
        "json",
        False,
        "Addresses: channel, address and consented_on (the day the customer authorised "
        "contact on it, which a contact law asks for).",
    ),
    Column("preferred_channels", "strings", False, "Channels in order of preference."),
    Column("opted_out", "strings", False, "Channels the customer opted out of."),
    Column("do_not_contact", "bool", False, "No messages on any channel."),
    Column("segment", "string", False, "Segment a PolicySet picks a policy by."),
    Column("tags", "strings", False, "Free tags."),
    Column(
        "jurisdiction",
        "string",
        False,
        "The contact-law preset that protects the customer (co, cl, mx, br_sp); it "
        "overrides the policy's and needs `time_zone`.",
    ),
    Column(
        "legal_proceedings_since",
        "date",
        False,
        "The day a lawsuit to collect from the customer started (a contact law may stop "
        "messages from then on).",
    ),
    Column(
        "insolvency_since",
        "date",
        False,
        "The day an insolvency proceeding of the customer started (likewise).",
    ),
)

#: The history table: one row per record of what was done (see `HistoryRecord`).
HISTORY_COLUMNS: Final[Mapping[str, Column]] = _columns(
    Column("key", "string", True, "The idempotency key of the action or occurrence."),
    Column("kind", "string", True, "The action kind, e.g. send_message."),
    Column("customer_id", "string", True, "The customer."),
    Column("on", "date", True, "The day it was executed, failed or skipped."),
    Column("status", "string", False, "executed (the default), failed or skipped."),
    Column("invoice_ids", "strings", False, "The invoices it concerned."),
    Column("covers", "strings", False, "The occurrence keys a message carried out."),
    Column("channel", "string", False, "The channel of a message."),
    Column("decline", "string", False, "soft or hard, for a failed charge."),
    Column("decline_code", "string", False, "The provider's decline code."),
)

_JSON_NAMES: Final = frozenset({"payments", "credit_notes", "charges", "contacts"})


def _is_string(kind: Any) -> bool:
    return bool(pa.types.is_string(kind) or pa.types.is_large_string(kind))


def _is_strings(kind: Any) -> bool:
    # A list of nulls is what a frame of empty lists gives.
    return bool(
        (pa.types.is_list(kind) or pa.types.is_large_list(kind))
        and (_is_string(kind.value_type) or pa.types.is_null(kind.value_type))
    )


def _accepts(column: Column, kind: Any) -> bool:
    if column.kind == "string":
        return _is_string(kind)
    if column.kind == "money":
        return bool(_is_string(kind) or pa.types.is_decimal(kind))
    if column.kind == "date":
        return bool(pa.types.is_date(kind))
    if column.kind == "bool":
        return bool(pa.types.is_boolean(kind))
    if column.kind == "strings":
        return _is_strings(kind)
    return bool(_is_string(kind) or pa.types.is_list(kind) or pa.types.is_large_list(kind))


def conform(table: Any, columns: Mapping[str, Column], what: str) -> Any:
    """Check `table` against `columns` and return it with its columns in canonical types.

    Dictionary-encoded columns are decoded, large strings and lists made plain, ``date64``
    read as ``date32``; a column of ``null`` type (all values missing) is accepted for an
    optional column. Money keeps its type (decimal or string).

    Args:
        table: a ``pyarrow.Table``.
        columns: the schema (`INVOICE_COLUMNS`, `CUSTOMER_COLUMNS` or `HISTORY_COLUMNS`).
        what: the table's name in error messages (``invoices``, ``customers``, ``history``).

    Raises:
        TableSchemaError: naming the table, the column and what is wrong with it.
    """
    names = table.column_names
    unknown = [name for name in names if name not in columns]
    if unknown:
        raise TableSchemaError(
            f"{what}: unknown column {unknown[0]!r}; the columns are "
            f"{', '.join(columns)} (see dunning.columnar.schema)"
        )
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise TableSchemaError(f"{what}: column {name!r} is given twice")
        seen.add(name)
    missing = [c.name for c in columns.values() if c.required and c.name not in seen]
    if missing:
        raise TableSchemaError(
            f"{what}: required column {missing[0]!r} is missing (required: "
            f"{', '.join(c.name for c in columns.values() if c.required)})"
        )
    arrays: list[Any] = []
    for name in names:
        column = columns[name]
        data = table.column(name)
        kind = data.type
        if pa.types.is_dictionary(kind):
            data = data.cast(kind.value_type)
            kind = data.type
        if pa.types.is_null(kind) and not column.required:
            arrays.append(data.cast(_TYPES[column.kind]))  # every value missing
            continue
        if not _accepts(column, kind):
            raise TableSchemaError(
                f"{what}: column {name!r} has Arrow type {kind}; it must be "
                f"{_TYPE_TEXT[column.kind]}"
            )
        if pa.types.is_large_string(kind):
            data = data.cast(pa.string())
        elif pa.types.is_date64(kind):
            data = data.cast(pa.date32())
        elif column.kind == "strings" and kind != pa.list_(pa.string()):
            data = data.cast(pa.list_(pa.string()))
        if column.required and data.null_count:
            row = pc.index(pc.is_null(data), True).as_py()
            raise TableSchemaError(f"{what}: column {name!r} is null in row {row}; it is required")
        arrays.append(data)
    return pa.Table.from_arrays(arrays, names=names)


def _decode(name: str, text: str, row: dict[str, Any], what: str) -> Any:
    if name == "terms" and not text.lstrip().startswith("{"):
        return text  # the terms' text, e.g. "2/10 net 30"
    try:
        return json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as error:
        raise TableSchemaError(
            f"{what}: column {name!r} of {row.get('id')!r} is not valid JSON: {error.msg}"
        ) from None


def records(table: Any, what: str) -> list[dict[str, Any]]:
    """The rows of a conformed table as mappings for model validation, without the nulls.

    JSON text in a list column (and in ``terms``) is decoded, with decimals kept exact.

    Raises:
        TableSchemaError: for a cell of invalid JSON, naming the column and the row's id.
    """
    rows: list[dict[str, Any]] = table.to_pylist()
    decoded = [
        name
        for name in table.column_names
        if (name in _JSON_NAMES or name == "terms") and _is_string(table.schema.field(name).type)
    ]
    out: list[dict[str, Any]] = []
    for row in rows:
        clean = {name: value for name, value in row.items() if value is not None}
        for name in decoded:
            text = clean.get(name)
            if text is not None:
                clean[name] = _decode(name, text, row, what)
        out.append(clean)
    return out


def invoices_table(invoices: Iterable[Invoice]) -> Any:
    """An invoice table (see `INVOICE_COLUMNS`) holding `invoices`, amounts as exact strings.

    >>> from datetime import date
    >>> table = invoices_table([Invoice(id="I", customer_id="C", currency="USD", total="10.00",
    ...                                 issue_date=date(2026, 1, 1), due_date=date(2026, 1, 31))])
    >>> table.column("total").to_pylist(), table.num_rows
    (['10.00'], 1)
    """
    rows = []
    for invoice in invoices:
        data = invoice.model_dump(mode="json")
        row: dict[str, Any] = {
            "id": invoice.id,
            "customer_id": invoice.customer_id,
            "currency": invoice.currency,
            "total": str(invoice.total.amount),
            "issue_date": invoice.issue_date,
            "due_date": invoice.due_date,
            "status": invoice.status.value,
            "disputed": invoice.disputed,
            "promise_to_pay": invoice.promise_to_pay,
            "number": invoice.number,
            "terms": None if invoice.terms is None else json.dumps(data["terms"]),
            "untaxed": None if invoice.untaxed is None else str(invoice.untaxed.amount),
            "tags": list(invoice.tags),
        }
        for name in ("payments", "credit_notes", "charges"):
            row[name] = json.dumps(data[name]) if data[name] else None
        rows.append(row)
    return pa.Table.from_pylist(rows, schema=_schema(INVOICE_COLUMNS))


def customers_table(customers: Iterable[Customer]) -> Any:
    """A customer table (see `CUSTOMER_COLUMNS`) holding `customers`, contacts as JSON.

    A time zone left to its default is written as null: a contact law reads whether it was
    given (hours and days are the debtor's), so the table keeps that.

    >>> table = customers_table([Customer(id="C", name="Ana")])
    >>> table.column("id").to_pylist(), table.column("time_zone").to_pylist()
    (['C'], [None])
    """
    rows = []
    for customer in customers:
        data = customer.model_dump(mode="json")
        given = customer.model_fields_set
        rows.append(
            {
                "id": customer.id,
                "name": customer.name,
                "locale": customer.locale,
                "time_zone": customer.time_zone if "time_zone" in given else None,
                "contacts": json.dumps(data["contacts"]),
                "preferred_channels": data["preferred_channels"],
                "opted_out": data["opted_out"],
                "do_not_contact": customer.do_not_contact,
                "segment": customer.segment,
                "tags": list(customer.tags),
                "jurisdiction": customer.jurisdiction,
                "legal_proceedings_since": customer.legal_proceedings_since,
                "insolvency_since": customer.insolvency_since,
            }
        )
    return pa.Table.from_pylist(rows, schema=_schema(CUSTOMER_COLUMNS))


def history_table(history: Iterable[HistoryRecord]) -> Any:
    """A history table (see `HISTORY_COLUMNS`) holding the records `history`.

    >>> from datetime import date
    >>> table = history_table([HistoryRecord(key="p:C:I:stage:s", kind="enter_stage",
    ...                                      customer_id="C", on=date(2026, 2, 1))])
    >>> table.column("status").to_pylist()
    ['executed']
    """
    rows = [
        {
            "key": record.key,
            "kind": record.kind.value,
            "customer_id": record.customer_id,
            "on": record.on,
            "status": record.status.value,
            "invoice_ids": list(record.invoice_ids),
            "covers": list(record.covers),
            "channel": None if record.channel is None else record.channel.value,
            "decline": record.decline,
            "decline_code": record.decline_code,
        }
        for record in history
    ]
    return pa.Table.from_pylist(rows, schema=_schema(HISTORY_COLUMNS))


_TYPES: Final = {
    "string": pa.string(),
    "money": pa.string(),
    "date": pa.date32(),
    "bool": pa.bool_(),
    "strings": pa.list_(pa.string()),
    "json": pa.string(),
}


def _schema(columns: Mapping[str, Column]) -> Any:
    return pa.schema([(c.name, _TYPES[c.kind], not c.required) for c in columns.values()])
