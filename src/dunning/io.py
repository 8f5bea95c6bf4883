r"""Input files: invoices, customers and history from CSV or JSON.

Each reader returns a `ReadResult`: the rows that validate, as models, and a `RowError` for
each row that does not, with its line number (CSV) or position (JSON) and the error as
``field: message (value)``. A bad row never stops the others from being read; only a file
that cannot be used at all (missing, not CSV or JSON, unknown or missing columns) raises
`InputError`.

JSON files hold a list of objects in the models' own shape (`Invoice`, `Customer`,
`HistoryRecord`). CSV files have one row per item and these columns (the order does not
matter; a blank cell means "not given"; lists are separated by semicolons):

- invoices: ``id``, ``customer_id``, ``currency``, ``issue_date``, ``total`` (required);
  ``number``, ``due_date`` (or ``terms``, e.g. ``2/10 net 30``, to derive it), ``terms``,
  ``paid_amount`` and ``paid_on`` (one payment received), ``payments`` (a JSON list of
  payments, for several), ``disputed``, ``promise_to_pay``, ``tags``, ``status``.
- customers: ``id``, ``name`` (required); ``locale``, ``time_zone``, ``email``, ``sms``,
  ``whatsapp``, ``phone``, ``postal`` (one address each), ``preferred_channels``,
  ``opted_out``, ``segment``, ``tags``, ``do_not_contact``.
- history: ``key``, ``kind``, ``customer_id``, ``on`` (required); ``status``,
  ``invoice_ids``, ``covers``, ``channel``.

>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = (folder / "invoices.csv").write_text(
...     "id,customer_id,currency,issue_date,due_date,total\n"
...     "F-1,C-1,COP,2026-10-01,2026-10-31,1500000\n"
...     "F-2,C-1,COP,2026-10-01,2026-09-30,99\n", encoding="utf-8")
>>> result = read_invoices(folder / "invoices.csv")
>>> [invoice.id for invoice in result.items], result.errors[0].line
(['F-1'], 3)
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, Field, ValidationError

from dunning._model import Model
from dunning.engine.actions import HistoryRecord
from dunning.errors import InputError, TermsParseError
from dunning.invoices import Channel, Customer, Invoice
from dunning.policy.io import validation_messages
from dunning.terms import PaymentTerms, get_terms, parse_terms

__all__ = [
    "CUSTOMER_COLUMNS",
    "HISTORY_COLUMNS",
    "INVOICE_COLUMNS",
    "ReadResult",
    "RowError",
    "read_customers",
    "read_history",
    "read_invoices",
]

T = TypeVar("T", bound=BaseModel)

#: The columns of an invoices CSV file; the first five are required.
INVOICE_COLUMNS = (
    "id",
    "customer_id",
    "currency",
    "issue_date",
    "total",
    "number",
    "due_date",
    "terms",
    "paid_amount",
    "paid_on",
    "payments",
    "disputed",
    "promise_to_pay",
    "tags",
    "status",
)

_CONTACT_COLUMNS = tuple(channel.value for channel in Channel)

#: The columns of a customers CSV file; the first two are required.
CUSTOMER_COLUMNS = (
    "id",
    "name",
    "locale",
    "time_zone",
    *_CONTACT_COLUMNS,
    "preferred_channels",
    "opted_out",
    "segment",
    "tags",
    "do_not_contact",
)

#: The columns of a history CSV file; the first four are required.
HISTORY_COLUMNS = (
    "key",
    "kind",
    "customer_id",
    "on",
    "status",
    "invoice_ids",
    "covers",
    "channel",
)


class RowError(Model):
    """A row of an input file that could not be read, and why.

    >>> str(RowError(source="invoices.csv", line=7, item_id="F-9", message="total: ..."))
    'invoices.csv:7: [F-9] total: ...'
    """

    source: str = Field(description="The file the row comes from.")
    line: int | None = Field(default=None, description="Line of a CSV row (header is 1).")
    index: int | None = Field(default=None, description="Position in a JSON list (from 0).")
    item_id: str | None = Field(default=None, description="The row's id, when it has one.")
    message: str

    def __str__(self) -> str:
        where = f"{self.source}:{self.line}" if self.line is not None else self.source
        if self.index is not None:
            where += f"[{self.index}]"
        label = f" [{self.item_id}]" if self.item_id else ""
        return f"{where}:{label} {self.message}"


class ReadResult(Model, Generic[T]):
    """The items read from a file, and the rows that could not be read."""

    items: tuple[T, ...] = ()
    errors: tuple[RowError, ...] = ()


# -- cells ------------------------------------------------------------------------------------


class _CellError(ValueError):
    """A cell that cannot be turned into a value; the message names the column."""


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.split(";") if part.strip()]


def _json_cell(column: str, text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise _CellError(f"{column}: not valid JSON: {error.msg} ({text!r})") from None


def _terms(text: str) -> PaymentTerms:
    try:
        return get_terms(text)
    except KeyError:
        pass
    try:
        return parse_terms(text)
    except TermsParseError as error:
        raise _CellError(f"terms: {error} ({text!r})") from None


def _invoice_row(row: Mapping[str, str]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for column in ("id", "customer_id", "number", "currency", "issue_date", "due_date", "total"):
        if row.get(column):
            data[column] = row[column]
    for column in ("disputed", "promise_to_pay", "status"):
        if row.get(column):
            data[column] = row[column]
    if row.get("terms"):
        data["terms"] = _terms(row["terms"])
    if row.get("tags"):
        data["tags"] = _split(row["tags"])
    payments: list[Any] = []
    if row.get("payments"):
        listed = _json_cell("payments", row["payments"])
        if not isinstance(listed, list):
            raise _CellError(f"payments: a JSON list of payments is needed ({row['payments']!r})")
        payments.extend(listed)
    amount, on = row.get("paid_amount"), row.get("paid_on")
    if amount or on:
        if not (amount and on):
            given, missing = ("paid_amount", "paid_on") if amount else ("paid_on", "paid_amount")
            raise _CellError(f"{missing}: needed with {given} ({(amount or on)!r})")
        currency = row.get("currency") or ""
        payments.append(
            {
                "id": f"{row.get('id') or 'row'}-paid",
                "date": on,
                "amount": {"amount": amount, "currency": currency},
            }
        )
    if payments:
        data["payments"] = payments
    return data


def _customer_row(row: Mapping[str, str]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for column in ("id", "name", "locale", "time_zone", "segment", "do_not_contact"):
        if row.get(column):
            data[column] = row[column]
    contacts = [
        {"channel": column, "address": row[column]}
        for column in _CONTACT_COLUMNS
        if row.get(column)
    ]
    if contacts:
        data["contacts"] = contacts
    for column in ("preferred_channels", "opted_out", "tags"):
        if row.get(column):
            data[column] = _split(row[column])
    return data


def _history_row(row: Mapping[str, str]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for column in ("key", "kind", "customer_id", "on", "status", "channel"):
        if row.get(column):
            data[column] = row[column]
    for column in ("invoice_ids", "covers"):
        if row.get(column):
            data[column] = _split(row[column])
    return data


# -- files ------------------------------------------------------------------------------------


def _open_rows(
    path: Path, columns: tuple[str, ...], required: int
) -> Iterator[tuple[int, dict[str, str] | str]]:
    """Yield ``(line, row)`` for each CSV row from the line it starts on; a str is a problem."""
    try:
        handle = path.open(encoding="utf-8-sig", newline="")
    except OSError as error:
        raise InputError(f"cannot read {str(path)!r}: {error}") from None
    with handle:
        reader = csv.reader(handle)
        header = [name.strip() for name in next(reader, [])]
        missing = [name for name in columns[:required] if name not in header]
        if missing:
            raise InputError(
                f"{path.name}: the header lacks the required column(s) {', '.join(missing)}; "
                f"it has {', '.join(header) or 'no columns'}"
            )
        unknown = [name for name in header if name not in columns]
        if unknown:
            raise InputError(
                f"{path.name}: unknown column(s) {', '.join(unknown)}; the columns are "
                f"{', '.join(columns)}"
            )
        start = reader.line_num + 1
        for cells in reader:
            if any(cell.strip() for cell in cells):
                if len(cells) > len(header):
                    yield (
                        start,
                        (
                            f"the row has {len(cells)} cells but the header has {len(header)} "
                            "columns (an unquoted comma?)"
                        ),
                    )
                else:
                    # A short row leaves its last columns blank.
                    yield start, {n: c.strip() for n, c in zip(header, cells, strict=False)}
            start = reader.line_num + 1


def _json_items(path: Path) -> list[Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise InputError(f"cannot read {str(path)!r}: {error}") from None
    try:
        items = json.loads(text)
    except json.JSONDecodeError as error:
        raise InputError(f"{path.name}: not valid JSON: {error}") from None
    if not isinstance(items, list):
        raise InputError(
            f"{path.name}: a JSON list of objects is needed, not {type(items).__name__}"
        )
    return items


def _item_id(data: object, field: str) -> str | None:
    value = data.get(field) if isinstance(data, Mapping) else None
    return value if isinstance(value, str) and value else None


def _problem(
    path: Path, line: int | None, index: int | None, raw: object, id_field: str, message: str
) -> RowError:
    return RowError(
        source=path.name, line=line, index=index, item_id=_item_id(raw, id_field), message=message
    )


def _read(
    path: str | Path,
    model: type[T],
    columns: tuple[str, ...],
    required: int,
    convert: Callable[[Mapping[str, str]], dict[str, Any]],
    id_field: str,
    *,
    unique: bool = True,
) -> ReadResult[T]:
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        rows: Iterator[tuple[int | None, int | None, object]] = (
            (line, None, row) for line, row in _open_rows(path, columns, required)
        )
    elif suffix == ".json":
        rows = ((None, index, item) for index, item in enumerate(_json_items(path)))
    else:
        raise InputError(f"cannot tell the format of {path.name!r}: use a .csv or .json file")
    items: list[T] = []
    errors: list[RowError] = []
    seen: dict[str, str] = {}
    for line, index, raw in rows:
        if isinstance(raw, str) and line is not None:
            errors.append(_problem(path, line, index, None, id_field, raw))
            continue
        try:
            data = convert(raw) if isinstance(raw, dict) and line is not None else raw
        except _CellError as error:
            errors.append(_problem(path, line, index, raw, id_field, str(error)))
            continue
        try:
            item = model.model_validate(data)
        except ValidationError as error:
            errors.append(
                _problem(
                    path, line, index, raw, id_field, "; ".join(validation_messages(error, data))
                )
            )
            continue
        if unique:
            key = getattr(item, id_field)
            if key in seen:
                errors.append(
                    _problem(
                        path,
                        line,
                        index,
                        raw,
                        id_field,
                        f"{id_field} {key!r} is already given at {seen[key]}",
                    )
                )
                continue
            seen[key] = f"line {line}" if line is not None else f"[{index}]"
        items.append(item)
    return ReadResult[model](  # type: ignore[valid-type]  # parametrised at run time
        items=tuple(items), errors=tuple(errors)
    )


def read_invoices(path: str | Path) -> ReadResult[Invoice]:
    """Read invoices from a ``.csv`` or ``.json`` file; bad rows go to `errors`.

    Raises:
        InputError: when the file cannot be read, is neither CSV nor JSON, or its header
            lacks a required column or has an unknown one.
    """
    return _read(path, Invoice, INVOICE_COLUMNS, 5, _invoice_row, "id")


def read_customers(path: str | Path) -> ReadResult[Customer]:
    """Read customers from a ``.csv`` or ``.json`` file; bad rows go to `errors`.

    Raises:
        InputError: when the file cannot be read, is neither CSV nor JSON, or its header
            lacks a required column or has an unknown one.
    """
    return _read(path, Customer, CUSTOMER_COLUMNS, 2, _customer_row, "id")


def read_history(path: str | Path) -> ReadResult[HistoryRecord]:
    """Read history records from a ``.csv`` or ``.json`` file; bad rows go to `errors`.

    Raises:
        InputError: when the file cannot be read, is neither CSV nor JSON, or its header
            lacks a required column or has an unknown one.
    """
    # A key may come back: a failed message retried, an action executed after a skip.
    return _read(path, HistoryRecord, HISTORY_COLUMNS, 4, _history_row, "key", unique=False)
