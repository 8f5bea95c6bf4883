"""Hostile input files: every row is either read exactly as written or rejected where it is.

The readers are fed CSV and JSON files built from hostile cells (control and bidirectional
characters, lone surrogates, undecodable bytes, Unix timestamps, exponent and sub-cent
amounts, cells over the size limit, deep nesting, repeated keys, semicolons in list items)
and arbitrary bytes. Whatever comes in, the result is one of: the file refused with an
`InputError` that names it, or a `ReadResult` that accounts for every row once, with each
rejected row at its line (CSV) or position (JSON) and each accepted row equal to its cells.
"""

import csv
import io
import json
import re
import tempfile
from collections.abc import Callable
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dunning.errors import InputError
from dunning.invoices import Invoice
from dunning.io import (
    MAX_CELL_CHARS,
    ReadOptions,
    ReadResult,
    join_list,
    read_customers,
    read_history,
    read_invoices,
    split_list,
)

# Each example writes one small file; the folder is shared by the examples of a test.
_FOLDER = Path(tempfile.mkdtemp(prefix="dunning-fuzz-"))
_HEADER = ["id", "customer_id", "currency", "issue_date", "due_date", "total", "tags", "payments"]
_LINE_END = re.compile(r"\r\n|\r|\n")

# Characters an attacker reaches for: NUL and C0/C1 controls, CR/LF, bidirectional overrides
# and isolates, zero-width characters, line separators, lone surrogates, a byte-order mark,
# the CSV and list separators and the escape character.
_HOSTILE_CHARACTERS = st.sampled_from(
    [
        "\x00", "\x07", "\x1b", "\x7f", "\x85", "\r", "\n", "\t", "\u202e", "\u2066",
        "\u200b", "\u2028", "\ufeff", "\ud800", "\udce9", ";", ",", '"', "\\", "ñ", "€",
    ]
)  # fmt: skip
_TEXT = st.text(
    st.one_of(
        st.characters(codec="utf-8", exclude_categories=("Cs",)),
        _HOSTILE_CHARACTERS,
    ),
    max_size=12,
)
_IDS = st.one_of(st.from_regex(r"[A-Z]{1,3}-[0-9]{1,4}", fullmatch=True), _TEXT)
_DATES = st.one_of(
    st.dates(date(1, 1, 1), date(9999, 12, 31)).map(date.isoformat),
    st.sampled_from(["1761004800", "0", "-1", "2026-13-01", "21/10/2026", "2026-10-21T10:00"]),
    _TEXT,
)
_AMOUNTS = st.one_of(
    st.decimals(allow_nan=False, allow_infinity=False, places=2).map(str),
    st.sampled_from(
        ["1e3", "1E+999999999", "1e-101", "0.001", "10.005", "NaN", "-Infinity", "1,5", ""]
    ),
    st.integers(-(10**40), 10**40).map(str),
    _TEXT,
)
# A cell one character over the limit, expanded when the file is written (a literal of that
# size would be repeated in every report of an example).
_BIG = "<a cell over the limit>"
_DEPTH = st.integers(1, 60)
_PAYMENTS = st.one_of(
    st.just(""),
    _DEPTH.map(lambda depth: "[" * depth + "]" * depth),
    st.just('[{"id": "P", "id": "Q"}]'),
    _TEXT,
)
_TAGS = st.one_of(
    st.lists(_TEXT, max_size=3).map(join_list),
    st.just(_BIG),
    _TEXT,
)


Reader = Callable[[Path, ReadOptions | None], ReadResult[Any]]


def _read_or_refusal(
    reader: Reader, path: Path, options: ReadOptions | None = None
) -> ReadResult[Any] | InputError:
    # Only InputError may escape a reader; anything else fails the test with its traceback.
    try:
        return reader(path, options)
    except InputError as error:
        return error


def _write(name: str, data: bytes) -> Path:
    path = _FOLDER / name
    path.write_bytes(data)
    return path


def _expected_amount(text: str) -> Decimal | None:
    try:
        return Decimal(text.strip())
    except InvalidOperation:
        return None


def _check_accounts_for_every_row(
    result: ReadResult[Invoice], rows: list[list[str]], starts: list[int]
) -> None:
    error_lines = [error.line for error in result.errors]
    assert len(set(error_lines)) == len(error_lines), "one error per row"
    assert set(error_lines) <= set(starts), "every error at the line its row starts on"
    assert len(result.items) + len(result.errors) == len(rows)
    accepted = iter(result.items)
    for row, start in zip(rows, starts, strict=True):
        if start in error_lines:
            continue
        invoice = next(accepted)
        cells = dict(zip(_HEADER, row, strict=True))
        assert invoice.id == cells["id"].strip()
        assert invoice.total.amount == _expected_amount(cells["total"])
        assert invoice.issue_date == date.fromisoformat(cells["issue_date"].strip())
        assert invoice.due_date == date.fromisoformat(cells["due_date"].strip())
        assert invoice.tags == tuple(sorted(set(split_list(cells["tags"]))))
    for error in result.errors:
        text = str(error)
        assert text.isprintable(), text
        assert error.message


@settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(
    st.lists(
        st.tuples(
            _IDS,
            st.sampled_from(["USD", "COP", "KWD", "usd", "XXX", ""]),
            _DATES,
            _DATES,
            _AMOUNTS,
            _TAGS,
            _PAYMENTS,
        ),
        min_size=1,
        max_size=6,
    ),
    st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252"]),
)
def test_csv_invoices_every_row_read_or_rejected_where_it_is(
    cells: list[tuple[str, str, str, str, str, str, str]], encoding: str
) -> None:
    rows = [
        [i, "C", cur, issued, due, total, tags, pay]
        for i, cur, issued, due, total, tags, pay in cells
    ]
    for row in rows:
        if row[6] == _BIG:
            # The csv module drops the rest of the physical line that holds a cell over its
            # limit: a quoted line break later in that row would start a new (rejected) row.
            row[:] = [_LINE_END.sub(" ", cell) for cell in row]
            row[6] = "x" * (MAX_CELL_CHARS + 1)
    if encoding == "cp1252":
        # What cp1252 cannot hold (lone surrogates included) is written '?'.
        rows = [[cell.encode(encoding, "replace").decode(encoding) for cell in row] for row in rows]
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(_HEADER)
    starts = []
    for row in rows:
        starts.append(len(_LINE_END.findall(buffer.getvalue())) + 1)
        writer.writerow(row)
    text = buffer.getvalue()
    if encoding == "cp1252":
        data = text.encode(encoding)
    elif encoding == "utf-16":
        data = text.encode(encoding, "surrogatepass")
    else:
        # A lone surrogate is written as the undecodable byte it stands for, or as itself.
        try:
            data = text.encode(encoding, "surrogateescape")
        except UnicodeEncodeError:
            data = text.encode(encoding, "surrogatepass")
    options = ReadOptions(encoding=None if encoding.startswith("utf-8") else encoding)
    result = _read_or_refusal(read_invoices, _write("invoices.csv", data), options)
    if isinstance(result, InputError):
        assert str(result).startswith(("invoices.csv: ", "cannot read")), result
        return
    _check_accounts_for_every_row(result, rows, starts)


def _json_values() -> st.SearchStrategy[object]:
    scalars = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(10**30), 10**30),
        st.floats(allow_nan=False),
        st.text(st.characters(codec=None), max_size=8),
        _DATES,
        _AMOUNTS,
    )
    return st.recursive(
        scalars,
        lambda inner: st.one_of(
            st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=4), inner, max_size=3)
        ),
        max_leaves=12,
    )


@st.composite
def _json_invoices(draw: st.DrawFn) -> dict[str, object]:
    item: dict[str, object] = {
        "id": draw(_IDS),
        "customer_id": "C",
        "currency": draw(st.sampled_from(["USD", "COP"])),
        "issue_date": draw(_DATES),
        "due_date": draw(_DATES),
        "total": draw(st.one_of(_AMOUNTS, _json_values())),
    }
    if draw(st.booleans()):
        item["terms"] = draw(st.sampled_from(["net 30", "2/10 net 30", "net 31 fortnights", 30]))
        del item["due_date"]
    if draw(st.booleans()):
        item["payments"] = draw(_json_values())
    return item


def _with_repeated_key(text: str) -> str:
    # Repeat the first key of the first object: `{"id": "A", ...` -> `{"id": "A", "id": "A", ...`
    match = re.search(r'\{("[^"]*": [^,{}\[\]]*), ', text)
    return (
        text if match is None else text[: match.end()] + match.group(1) + ", " + text[match.end() :]
    )


@settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(
    st.lists(_json_invoices(), max_size=5),
    st.booleans(),
    st.booleans(),
    st.integers(0, 40),
)
def test_json_invoices_every_item_read_or_rejected_at_its_position(
    items: list[dict[str, object]], ascii_only: bool, repeat_a_key: bool, extra_depth: int
) -> None:
    text = json.dumps(items, ensure_ascii=ascii_only)
    if repeat_a_key:
        text = _with_repeated_key(text)
    if extra_depth and items:
        text = text[:1] + "[" * extra_depth + "]" * extra_depth + ", " + text[1:]
        items = [[], *items]  # type: ignore[list-item]
    path = _write("invoices.json", text.encode("utf-8", "surrogatepass"))
    result = _read_or_refusal(read_invoices, path)
    if isinstance(result, InputError):
        assert str(result).startswith("invoices.json: "), result
        return
    positions = [error.index for error in result.errors]
    assert len(set(positions)) == len(positions)
    assert len(result.items) + len(result.errors) == len(items)
    for error in result.errors:
        assert str(error).isprintable()
    accepted = iter(result.items)
    for index, item in enumerate(items):
        if index in positions:
            continue
        invoice = next(accepted)
        assert isinstance(item, dict)
        assert invoice.id == item["id"]
        assert invoice.total.amount == _expected_amount(str(item["total"]))


@given(st.lists(st.lists(_TEXT.filter(lambda t: t.strip() == t and t), max_size=3), max_size=4))
def test_list_cells_keep_separators_inside_ids(lists: list[list[str]]) -> None:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(["key", "kind", "customer_id", "on", "invoice_ids"])
    for number, ids in enumerate(lists):
        writer.writerow([f"k{number}", "send_message", "C", "2026-11-01", join_list(ids)])
    path = _write("history.csv", buffer.getvalue().encode("utf-8", "surrogatepass"))
    result = read_history(path)
    assert len(result.items) + len(result.errors) == len(lists)
    read = {record.key: record.invoice_ids for record in result.items}
    for number, ids in enumerate(lists):
        if f"k{number}" in read:
            assert read[f"k{number}"] == tuple(ids)


@given(st.decimals(min_value=-(10**15), max_value=10**15, places=2), st.booleans())
def test_decimal_commas_read_back_the_amount_written(amount: Decimal, grouped: bool) -> None:
    plain = f"{amount:,.2f}" if grouped else f"{amount:.2f}"
    written = plain.replace(",", "_").replace(".", ",").replace("_", ".")
    text = (
        "id;customer_id;currency;issue_date;due_date;total\n"
        f"F-1;C;USD;2026-10-01;2026-10-31;{written}\n"
    )
    path = _write("invoices.csv", text.encode())
    result = read_invoices(path, ReadOptions(delimiter=";", decimal_comma=True))
    if amount < 0:
        assert "total must not be negative" in result.errors[0].message
    else:
        assert result.items[0].total.amount == amount


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=600), st.sampled_from(["i.csv", "c.csv", "h.csv", "i.json"]))
def test_arbitrary_bytes_give_a_result_or_one_clear_error(data: bytes, name: str) -> None:
    header = {"i": b"id,customer_id,currency,issue_date,total\n", "c": b"id,name\n"}
    header["h"] = b"key,kind,customer_id,on\n"
    prefix = b"" if name.endswith(".json") else header[name[0]]
    path = _write(name, prefix + data)
    reader: Reader = {"i": read_invoices, "c": read_customers, "h": read_history}[name[0]]
    result = _read_or_refusal(reader, path)
    if isinstance(result, InputError):
        assert str(result).startswith((f"{name}: ", "cannot read")), result
        return
    for error in result.errors:
        assert str(error).isprintable()
        assert (error.line is None) != (error.index is None)
