r"""Input files: invoices, customers and history from CSV or JSON.

Each reader returns a `ReadResult`: the rows that validate, as models, and a `RowError` for
each row that does not, with its line number (CSV) or position (JSON) and the error as
``field: message (value)``. A bad row never stops the others from being read; only a file
that cannot be used at all (missing, a device, too large, not CSV or JSON, unknown, missing or
repeated columns) raises `InputError`.

JSON files hold a list of objects in the models' own shape (`Invoice`, `Customer`,
`HistoryRecord`); an object that repeats a key is refused. CSV files have one row per item and
these columns (the order does not matter; a blank cell means "not given"; lists are separated
by semicolons, and a semicolon or backslash inside an item is written ``\;`` or ``\\``, see
`join_list`):

- invoices: ``id``, ``customer_id``, ``currency``, ``issue_date``, ``total`` (required);
  ``number``, ``due_date`` (or ``terms``, e.g. ``2/10 net 30``, to derive it), ``terms``,
  ``paid_amount`` and ``paid_on`` (one payment received), ``payments`` (a JSON list of
  payments, for several), ``disputed``, ``promise_to_pay``, ``tags``, ``status``.
- customers: ``id``, ``name`` (required); ``locale``, ``time_zone``, ``email``, ``sms``,
  ``whatsapp``, ``phone``, ``postal`` (one address each), ``preferred_channels``,
  ``opted_out``, ``segment``, ``tags``, ``do_not_contact``.
- history: ``key``, ``kind``, ``customer_id``, ``on`` (required); ``status``,
  ``invoice_ids``, ``covers``, ``channel``, ``decline`` and ``decline_code`` (how a failed
  charge was declined).

`ReadOptions` says how a file is written: its encoding (UTF-8, with or without a byte-order
mark, by default; a UTF-16 file with a byte-order mark is recognised), the CSV delimiter,
decimal commas (``1.480.000,50``, as spreadsheets in es/pt locales write amounts), a date
format other than ISO 8601, rounding of amounts finer than the currency's minor unit (refused
by default), and the limits: `MAX_FILE_BYTES` per file, `MAX_CELL_CHARS` per CSV cell,
`MAX_DEPTH` levels of nesting in JSON.

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

import codecs
import csv
import io
import json
import re
import stat
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, Field, TypeAdapter, ValidationError, field_validator

from dunning._model import Model
from dunning.engine.actions import HistoryRecord
from dunning.errors import InputError
from dunning.invoices import Channel, Customer, Identifier, Invoice
from dunning.money import ROUND_TO_MINOR_UNIT, Rounding
from dunning.policy.io import validation_messages

__all__ = [
    "CUSTOMER_COLUMNS",
    "HISTORY_COLUMNS",
    "INVOICE_COLUMNS",
    "MAX_CELL_CHARS",
    "MAX_DEPTH",
    "MAX_FILE_BYTES",
    "ReadOptions",
    "ReadResult",
    "RowError",
    "check_input_file",
    "join_list",
    "read_customers",
    "read_history",
    "read_invoices",
    "split_list",
]

T = TypeVar("T", bound=BaseModel)

#: The largest input file read, in bytes (256 MiB); `ReadOptions.max_bytes` changes it.
MAX_FILE_BYTES = 256 * 1024 * 1024

#: The longest CSV cell, in characters (128 KiB): a row with a longer cell is rejected.
MAX_CELL_CHARS = 128 * 1024

#: The deepest nesting of lists and objects in a JSON file or a JSON cell: an invoice list
#: holds invoices, which hold payments, which hold amounts; 32 leaves room and stops a
#: ``[[[[...`` bomb from exhausting the stack.
MAX_DEPTH = 32

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
    "decline",
    "decline_code",
)


class ReadOptions(Model):
    r"""How an input file is written, and the limits it is read with.

    >>> ReadOptions(encoding="cp1252", delimiter=";", decimal_comma=True).delimiter
    ';'
    """

    encoding: str | None = Field(
        default=None,
        description="The text encoding, such as 'cp1252' or 'latin-1' for Excel exports; by "
        "default UTF-8 with or without a byte-order mark, or UTF-16 with one.",
    )
    delimiter: str = Field(default=",", description="The CSV cell separator: ',', ';' or tab.")
    decimal_comma: bool = Field(
        default=False,
        description="Amounts in CSV are written 1.480.000,50: a comma before the decimals, "
        "dots between thousands.",
    )
    date_format: str | None = Field(
        default=None,
        description="A strptime format for CSV dates, such as '%d/%m/%Y'; ISO 8601 "
        "(YYYY-MM-DD) by default.",
    )
    round_to_minor_unit: Rounding | None = Field(
        default=None,
        description="Round amounts finer than the currency's minor unit (10.005 USD) with "
        "this rounding instead of rejecting the row.",
    )
    max_bytes: int = Field(default=MAX_FILE_BYTES, gt=0, description="The largest file read.")

    @field_validator("encoding")
    @classmethod
    def _known_encoding(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                codecs.lookup(value)
            except LookupError:
                raise ValueError(
                    f"{value!r} is not a text encoding Python knows (try 'utf-8', 'cp1252', "
                    "'latin-1' or 'utf-16')"
                ) from None
        return value

    @field_validator("delimiter")
    @classmethod
    def _one_character(cls, value: str) -> str:
        if len(value) != 1 or value in '"\r\n' or value.isalnum():
            raise ValueError(
                f"the delimiter must be one character other than a letter, a digit, a quote "
                f"or a line break, not {value!r}"
            )
        return value


_DEFAULT = ReadOptions()


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
        label = f" [{_printable(self.item_id)}]" if self.item_id else ""
        return f"{where}:{label} {_printable(self.message)}"


class ReadResult(Model, Generic[T]):
    """The items read from a file, and the rows that could not be read."""

    items: tuple[T, ...] = ()
    errors: tuple[RowError, ...] = ()


def _printable(text: str) -> str:
    # What a terminal shows: escape sequences, NULs and lone surrogates written as escapes.
    if text.isprintable():
        return text
    return "".join(
        c if c.isprintable() else c.encode("unicode_escape", "backslashreplace").decode("ascii")
        for c in text
    )


# -- lists in cells ---------------------------------------------------------------------------

_LIST_ITEM = re.compile(r"(?:[^;\\]|\\.)*")
_ESCAPED = re.compile(r"\\(.)")


def split_list(text: str) -> tuple[str, ...]:
    r"""Split a CSV list cell at its semicolons; ``\;`` is a semicolon inside an item.

    Items are stripped and blank ones dropped; ``\\`` is a backslash.

    >>> split_list(r"F-1; F\;2 ;C:\\bills")
    ('F-1', 'F;2', 'C:\\bills')
    """
    items = []
    for match in _LIST_ITEM.finditer(text):
        item = _ESCAPED.sub(r"\1", match.group().strip())
        if item:
            items.append(item)
    return tuple(items)


def join_list(items: Iterable[str]) -> str:
    r"""Write items as a CSV list cell that `split_list` reads back.

    >>> join_list(["F-1", "F;2", "C:\\bills"])
    'F-1;F\\;2;C:\\\\bills'
    """
    return ";".join(item.replace("\\", "\\\\").replace(";", "\\;") for item in items)


# -- cells ------------------------------------------------------------------------------------


class _CellError(ValueError):
    """A cell that cannot be turned into a value; the message names the column."""


def _cut(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _json_cell(column: str, text: str) -> Any:
    try:
        value = json.loads(text, object_pairs_hook=_pairs, parse_constant=_no_constant)
    except RecursionError:
        raise _CellError(f"{column}: nested deeper than {MAX_DEPTH} levels") from None
    except json.JSONDecodeError as error:
        raise _CellError(f"{column}: not valid JSON: {error.msg} ({_cut(text)!r})") from None
    except ValueError as error:
        raise _CellError(f"{column}: not valid JSON: {error} ({_cut(text)!r})") from None
    problem = _check_tree(value, column, 1)
    if problem is not None:
        raise _CellError(problem)
    return value


_GROUPED = re.compile(r"-?\d{1,3}(?:\.\d{3})+(?:,\d+)?|-?\d+(?:,\d+)?")


def _amount(column: str, text: str, options: ReadOptions) -> str:
    if not options.decimal_comma:
        return text
    if not _GROUPED.fullmatch(text):
        raise _CellError(
            f"{column}: {_cut(text)!r} is not an amount written with a decimal comma "
            "(such as 1.480.000,50)"
        )
    return text.replace(".", "").replace(",", ".")


def _date(column: str, text: str, options: ReadOptions) -> str:
    if options.date_format is None:
        return text  # the models accept ISO 8601 only
    try:
        return datetime.strptime(text, options.date_format).date().isoformat()
    except ValueError:
        raise _CellError(
            f"{column}: {_cut(text)!r} is not a date in the format {options.date_format!r}"
        ) from None


def _invoice_row(row: Mapping[str, str], options: ReadOptions) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for column in ("id", "customer_id", "number", "currency", "disputed", "status", "terms"):
        if row.get(column):
            data[column] = row[column]
    for column in ("issue_date", "due_date", "promise_to_pay"):
        if row.get(column):
            data[column] = _date(column, row[column], options)
    if row.get("total"):
        data["total"] = _amount("total", row["total"], options)
    if row.get("tags"):
        data["tags"] = split_list(row["tags"])
    payments: list[Any] = []
    if row.get("payments"):
        listed = _json_cell("payments", row["payments"])
        if not isinstance(listed, list):
            raise _CellError(
                f"payments: a JSON list of payments is needed ({_cut(row['payments'])!r})"
            )
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
                "date": _date("paid_on", on, options),
                "amount": {
                    "amount": _amount("paid_amount", amount, options),
                    "currency": currency,
                },
            }
        )
    if payments:
        data["payments"] = payments
    return data


def _customer_row(row: Mapping[str, str], options: ReadOptions) -> dict[str, Any]:
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
            data[column] = split_list(row[column])
    return data


def _history_row(row: Mapping[str, str], options: ReadOptions) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for column in ("key", "kind", "customer_id", "status", "channel", "decline", "decline_code"):
        if row.get(column):
            data[column] = row[column]
    if row.get("on"):
        data["on"] = _date("on", row["on"], options)
    for column in ("invoice_ids", "covers"):
        if row.get(column):
            data[column] = split_list(row[column])
    return data


def _history_values(data: Mapping[str, Any]) -> str | None:
    """What `HistoryRecord` itself does not check: ids and an ISO 8601 date."""
    for field in ("key", "customer_id"):
        value = data.get(field)
        if isinstance(value, str):
            problem = _identifier_problem(field, value)
            if problem:
                return problem
    for field in ("invoice_ids", "covers"):
        values = data.get(field)
        if isinstance(values, list | tuple):
            for position, value in enumerate(values):
                if isinstance(value, str):
                    problem = _identifier_problem(f"{field}[{position}]", value)
                    if problem:
                        return problem
    on = data.get("on")
    if on is None or isinstance(on, date):
        return None
    if isinstance(on, str):
        try:
            date.fromisoformat(on)
        except ValueError:
            pass
        else:
            return None
    return f"on: {_cut(repr(on))} is not a date in ISO 8601 form (YYYY-MM-DD)"


_IDENTIFIER: TypeAdapter[str] = TypeAdapter(Identifier)


def _identifier_problem(field: str, value: str) -> str | None:
    try:
        _IDENTIFIER.validate_python(value)
    except ValidationError as error:
        return f"{field}: {error.errors()[0]['msg']}"
    return None


# -- files ------------------------------------------------------------------------------------


def check_input_file(
    path: str | Path, max_bytes: int = MAX_FILE_BYTES, *, what: str | None = None
) -> None:
    """Check that `path` is a file (or a pipe) of at most `max_bytes`, before reading it.

    A device such as ``/dev/zero``, a folder or a socket would be read without end or not at
    all; a huge file would be read whole into memory.

    Args:
        path: The file.
        max_bytes: The largest size accepted.
        what: What the file is, for the message ("policy file").

    Raises:
        InputError: naming the path and why it cannot be read.
    """
    shown = f"{what} {str(path)!r}" if what else repr(str(path))
    try:
        info = Path(path).stat()
    except FileNotFoundError:
        raise InputError(f"cannot read {shown}: there is no such file") from None
    except OSError as error:
        raise InputError(f"cannot read {shown}: {error.strerror or error}") from None
    if stat.S_ISDIR(info.st_mode):
        raise InputError(f"cannot read {shown}: it is a folder, not a file")
    if not (stat.S_ISREG(info.st_mode) or stat.S_ISFIFO(info.st_mode)):
        raise InputError(f"cannot read {shown}: it is a device or a socket, not a file")
    if info.st_size > max_bytes:
        raise InputError(_too_large(shown, max_bytes))


def _read_bytes(path: Path, options: ReadOptions) -> bytes:
    """The bytes of `path`, after checking that it is a file of at most `max_bytes`."""
    limit = options.max_bytes
    check_input_file(path, limit)
    try:
        with path.open("rb") as handle:
            data = handle.read(limit + 1)  # a pipe has no size to check first
    except OSError as error:
        raise InputError(f"cannot read {str(path)!r}: {error.strerror or error}") from None
    if len(data) > limit:
        raise InputError(_too_large(repr(str(path)), limit))
    return data


def _too_large(shown: str, limit: int) -> str:
    return (
        f"cannot read {shown}: it is larger than the limit of {limit:,} bytes "
        "(ReadOptions.max_bytes, --max-file-size)"
    )


_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def _decode(data: bytes, name: str, encoding: str | None) -> tuple[str, str]:
    """The text of `data`, and the encoding it was read with.

    Bytes that are not valid in the encoding become lone surrogates (``surrogateescape``):
    the row that holds one is rejected, the others are read.
    """
    if encoding is None:
        for bom, found in _BOMS:
            if data.startswith(bom):
                encoding = found
                break
        else:
            head = data[:4096]
            if head.count(0) * 4 > len(head):  # ASCII text in UTF-16: every other byte NUL
                raise InputError(
                    f"{name}: the file holds NUL bytes: if it is UTF-16 without a byte-order "
                    "mark, give its encoding ('utf-16-le', --encoding utf-16-le)"
                )
            encoding = "utf-8"
    if codecs.lookup(encoding).name == "utf-8":
        encoding = "utf-8-sig"  # a byte-order mark is dropped, with or without one
    shown = codecs.lookup(encoding).name
    return data.decode(encoding, "surrogateescape"), "utf-8" if shown == "utf-8-sig" else shown


_UNUSABLE = re.compile("[\x00\ud800-\udfff]")


def _text_problem(text: str, encoding: str) -> str | None:
    """Why `text` (a cell, a JSON string) cannot be used, or None."""
    found = _UNUSABLE.search(text)
    if found is None:
        return None
    code = ord(found.group())
    if code == 0:
        return "holds a NUL character"
    if 0xDC80 <= code <= 0xDCFF:  # an undecodable byte, escaped by _decode
        hint = (
            " (if the file is Latin-1 or Windows-1252, as Excel exports it, read it with "
            "the encoding cp1252, --encoding cp1252)"
            if encoding.startswith("utf-8")
            else ""
        )
        return f"byte 0x{code - 0xDC00:02X} is not valid {encoding}{hint}"
    return f"holds an unpaired surrogate U+{code:04X}"


def _csv_rows(
    text: str,
    name: str,
    encoding: str,
    columns: tuple[str, ...],
    required: int,
    options: ReadOptions,
) -> Iterator[tuple[int, dict[str, str], str | None]]:
    """Yield ``(line, row, problem)`` for each CSV row, from the line it starts on."""
    # Lines end at CR, LF or CRLF only (not at the other breaks str.splitlines knows).
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=options.delimiter)
    try:
        first = next(reader, [])
    except csv.Error as error:
        raise InputError(f"{name}: the header cannot be read: {error}") from None
    header = [cell.strip() for cell in first]
    for cell in header:
        problem = _text_problem(cell, encoding)
        if problem:
            raise InputError(f"{name}: the header cannot be read: {problem}")
    counts = Counter(header)
    repeated = sorted(column for column, count in counts.items() if count > 1)
    if repeated:
        raise InputError(
            f"{name}: the header repeats the column(s) {_names(repeated)}; each column "
            "may appear once"
        )
    missing = [column for column in columns[:required] if column not in header]
    if missing:
        hint = ""
        if len(header) == 1 and options.delimiter not in header[0]:
            for other in (";", "\t", ","):
                if other != options.delimiter and other in header[0]:
                    hint = f" (are the cells separated by {other!r}? use --delimiter)"
        raise InputError(
            f"{name}: the header lacks the required column(s) {', '.join(missing)}; "
            f"it has {_names(header) if header else 'no columns'}{hint}"
        )
    unknown = [column for column in header if column not in columns]
    if unknown:
        raise InputError(
            f"{name}: unknown column(s) {', '.join(unknown)}; the columns are {', '.join(columns)}"
        )
    start = reader.line_num + 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            # The reader starts afresh at the next line: this row is rejected, the others are
            # read. The csv module refuses a cell over its field limit (128 KiB unless the
            # host changed it).
            message = str(error)
            if "field limit" in message:
                limit = csv.field_size_limit()
                message = f"a cell has more than {limit:,} characters"
            yield start, {}, f"the row cannot be read as CSV: {message}"
            start = reader.line_num + 1
            continue
        if any(cell.strip() for cell in cells):
            row = {column: cell.strip() for column, cell in zip(header, cells, strict=False)}
            yield start, row, _csv_problem(header, cells, encoding, options.delimiter)
        start = reader.line_num + 1


def _names(columns: list[str], limit: int = 20) -> str:
    # A header of a million columns gives a message of twenty.
    shown = ", ".join(_printable(_cut(column, 40)) for column in columns[:limit])
    return shown + (f" and {len(columns) - limit} more" if len(columns) > limit else "")


_DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab"}


def _csv_problem(header: list[str], cells: list[str], encoding: str, delimiter: str) -> str | None:
    if len(cells) > len(header):
        name = _DELIMITER_NAMES.get(delimiter, repr(delimiter))
        return (
            f"the row has {len(cells)} cells but the header has {len(header)} columns "
            f"(an unquoted {name}?)"
        )
    for column, cell in zip(header, cells, strict=False):
        if len(cell) > MAX_CELL_CHARS:
            return f"{column}: the cell has {len(cell):,} characters; at most {MAX_CELL_CHARS:,}"
        problem = _text_problem(cell, encoding)
        if problem:
            return f"{column}: {problem}"
    return None  # a short row leaves its last columns blank


class _Pairs(dict[str, Any]):
    """A JSON object, with the keys it gave more than once."""

    repeated: tuple[str, ...] = ()


def _pairs(pairs: list[tuple[str, Any]]) -> _Pairs:
    result = _Pairs(pairs)
    if len(result) != len(pairs):
        keys = [key for key, _ in pairs]
        result.repeated = tuple(sorted({key for key in keys if keys.count(key) > 1}))
    return result


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _check_tree(value: Any, where: str, depth: int, encoding: str = "utf-8") -> str | None:
    """Why a parsed JSON value cannot be used (too deep, a repeated key, a bad string)."""
    stack: list[tuple[Any, str, int]] = [(value, where, depth)]
    while stack:
        node, path, level = stack.pop()
        if isinstance(node, str):
            problem = _text_problem(node, encoding)
            if problem:
                return f"{path}: {problem}"
        elif isinstance(node, dict | list):
            if level > MAX_DEPTH:
                return f"{path}: nested deeper than {MAX_DEPTH} levels"
            if isinstance(node, dict):
                repeated = getattr(node, "repeated", ())
                if repeated:
                    keys = ", ".join(map(repr, repeated))
                    return f"{path or '<object>'}: the key(s) {keys} appear more than once"
                for key, item in node.items():
                    problem = _text_problem(key, encoding)
                    if problem:
                        return f"{path}: a key {problem}"
                    stack.append((item, f"{path}.{key}" if path else key, level + 1))
            else:
                for position, item in enumerate(node):
                    stack.append((item, f"{path}[{position}]", level + 1))
    return None


def _json_items(text: str, name: str) -> list[Any]:
    try:
        items = json.loads(text, object_pairs_hook=_pairs, parse_constant=_no_constant)
    except RecursionError:
        raise InputError(f"{name}: nested deeper than {MAX_DEPTH} levels") from None
    except json.JSONDecodeError as error:
        raise InputError(f"{name}: not valid JSON: {error}") from None
    except ValueError as error:
        raise InputError(f"{name}: not valid JSON: {error}") from None
    if not isinstance(items, list):
        kind = "dict" if isinstance(items, dict) else type(items).__name__
        raise InputError(f"{name}: a JSON list of objects is needed, not {kind}")
    return items


def _item_id(data: object, field: str) -> str | None:
    value = data.get(field) if isinstance(data, Mapping) else None
    if not isinstance(value, str) or not value or _UNUSABLE.search(value):
        return None
    return _cut(value, 80)


def _read(
    path: str | Path,
    model: type[T],
    columns: tuple[str, ...],
    required: int,
    convert: Callable[[Mapping[str, str], ReadOptions], dict[str, Any]],
    id_field: str,
    options: ReadOptions | None,
    *,
    unique: bool = True,
    check: Callable[[Mapping[str, Any]], str | None] | None = None,
) -> ReadResult[T]:
    path = Path(path)
    options = _DEFAULT if options is None else options
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".json"):
        raise InputError(f"cannot tell the format of {path.name!r}: use a .csv or .json file")
    text, encoding = _decode(_read_bytes(path, options), path.name, options.encoding)
    rows: Iterator[tuple[int | None, int | None, object, str | None]]
    if suffix == ".csv":
        rows = (
            (line, None, row, problem)
            for line, row, problem in _csv_rows(
                text, path.name, encoding, columns, required, options
            )
        )
    else:
        rows = (
            (None, index, item, _check_tree(item, "", 1, encoding))
            for index, item in enumerate(_json_items(text, path.name))
        )
    context = (
        None
        if options.round_to_minor_unit is None
        else {ROUND_TO_MINOR_UNIT: options.round_to_minor_unit}
    )
    items: list[T] = []
    errors: list[RowError] = []
    seen: dict[str, str] = {}

    def reject(line: int | None, index: int | None, raw: object, message: str) -> None:
        errors.append(
            RowError(
                source=path.name,
                line=line,
                index=index,
                item_id=_item_id(raw, id_field),
                message=message,
            )
        )

    for line, index, raw, problem in rows:
        if problem is not None:
            reject(line, index, raw, problem)
            continue
        if line is None:
            data = raw
        else:
            try:
                data = convert(raw, options)  # type: ignore[arg-type]  # a CSV row: a dict
            except _CellError as error:
                reject(line, index, raw, str(error))
                continue
        if check is not None and isinstance(data, Mapping):
            problem = check(data)
            if problem is not None:
                reject(line, index, raw, problem)
                continue
        try:
            item = model.model_validate(data, context=context)
        except ValidationError as error:
            reject(line, index, raw, "; ".join(validation_messages(error, data)))
            continue
        if unique:
            key = getattr(item, id_field)
            if key in seen:
                reject(line, index, raw, f"{id_field} {key!r} is already given at {seen[key]}")
                continue
            seen[key] = f"line {line}" if line is not None else f"[{index}]"
        items.append(item)
    return ReadResult[model](  # type: ignore[valid-type]  # parametrised at run time
        items=tuple(items), errors=tuple(errors)
    )


def read_invoices(path: str | Path, options: ReadOptions | None = None) -> ReadResult[Invoice]:
    """Read invoices from a ``.csv`` or ``.json`` file; bad rows go to `errors`.

    Args:
        path: The file.
        options: How the file is written (encoding, delimiter, decimal commas, date
            format, rounding) and the limits; the defaults read UTF-8 CSV or JSON.

    Raises:
        InputError: when the file cannot be read (missing, a device, larger than
            `ReadOptions.max_bytes`, not valid JSON), is neither CSV nor JSON, or its header
            lacks a required column, repeats one or has an unknown one.
    """
    return _read(path, Invoice, INVOICE_COLUMNS, 5, _invoice_row, "id", options)


def read_customers(path: str | Path, options: ReadOptions | None = None) -> ReadResult[Customer]:
    """Read customers from a ``.csv`` or ``.json`` file; bad rows go to `errors`.

    Args:
        path: The file.
        options: How the file is written, and the limits (see `read_invoices`).

    Raises:
        InputError: as `read_invoices` does.
    """
    return _read(path, Customer, CUSTOMER_COLUMNS, 2, _customer_row, "id", options)


def read_history(path: str | Path, options: ReadOptions | None = None) -> ReadResult[HistoryRecord]:
    """Read history records from a ``.csv`` or ``.json`` file; bad rows go to `errors`.

    Keys, customer and invoice ids are checked as ids are (no control, format or unpaired
    surrogate characters) and the day as an ISO 8601 date.

    Args:
        path: The file.
        options: How the file is written, and the limits (see `read_invoices`).

    Raises:
        InputError: as `read_invoices` does.
    """
    # A key may come back: a failed message retried, an action executed after a skip.
    return _read(
        path,
        HistoryRecord,
        HISTORY_COLUMNS,
        4,
        _history_row,
        "key",
        options,
        unique=False,
        check=_history_values,
    )
