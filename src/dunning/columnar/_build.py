"""Invoices, customers and the history index built from columns, checked in bulk.

The columnar engine hands the object engine trusted models (`Invoice.trusted`,
`Model._construct`) for the rows that pass the checks validation would make, and the row as a
mapping for the others: `evaluate` validates those, so a row that breaks a rule is rejected
with exactly the error, field and value that `Invoice.model_validate` gives. The checks are
conservative: a row they cannot prove valid goes the validating way, never the other.

Invoice scalars (ids, currency, total, dates, status, number, tags) are checked column by
column with Arrow compute; payments, credit notes and charges, and customers, whose cells
hold several values, are checked value by value with the validators' own functions.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Sequence
from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import Any, Final

from pydantic_core import PydanticCustomError

from dunning.columnar._arrow import column as _column
from dunning.columnar._arrow import np, pa, pc
from dunning.columnar.schema import HISTORY_COLUMNS, records
from dunning.engine.actions import ActionKind, HistoryRecord, HistoryStatus
from dunning.engine.history import HistoryIndex
from dunning.invoices import (
    MAX_IDENTIFIER_LENGTH,
    Channel,
    Charge,
    ChargeKind,
    Contact,
    CreditNote,
    Customer,
    Invoice,
    InvoiceStatus,
    Payment,
    _contact_law,
    _identifier,
    _locale,
    _tags,
    _text,
    _time_zone,
)
from dunning.money import _CURRENCIES, MAX_DIGITS, Money, minor_unit

__all__ = [
    "build_customers",
    "build_invoices",
    "clean_customer",
    "clean_invoices",
    "history_index",
    "minor_units",
    "read_items",
]

_EPOCH_ORDINAL: Final = date(1970, 1, 1).toordinal()
#: The days since 1970-01-01 of the first and last dates Python holds.
_FIRST_DAY: Final = date.min.toordinal() - _EPOCH_ORDINAL
_LAST_DAY: Final = date.max.toordinal() - _EPOCH_ORDINAL
#: An amount as the trusted path reads it: digits, maybe a fraction; no sign, no exponent.
_PLAIN_AMOUNT: Final = r"^[0-9]+(\.[0-9]+)?$"
_STATUSES: Final = {status.value: status for status in InvoiceStatus}
_CHANNELS: Final = {channel.value: channel for channel in Channel}
_KINDS: Final = {kind.value: kind for kind in ChargeKind}
#: Columns whose rows always take the validating way (rare, and parsed by validation).
_VALIDATED_ONLY: Final = ("terms", "untaxed")
_ITEMS: Final = ("payments", "credit_notes", "charges")
_CHARGES: Final = (ActionKind.AUTOMATIC_CHARGE.value, ActionKind.RETRY_CHARGE.value)

#: What an invoice's payments, credit notes and charges are, once read and checked.
Items = tuple[tuple[Payment, ...], tuple[CreditNote, ...], tuple[Charge, ...]]


def _plain_text(values: Any) -> Any:
    """Whether each string is printable ASCII (what `_text` accepts without a closer look)."""
    return pc.and_(pc.string_is_ascii(values), pc.ascii_is_printable(values))


def _plain_identifier(values: Any) -> Any:
    """Whether each string is an identifier `_identifier` accepts at its first test."""
    length = pc.binary_length(values)
    return pc.and_(
        _plain_text(values),
        pc.and_(
            pc.and_(pc.greater(length, 0), pc.less_equal(length, MAX_IDENTIFIER_LENGTH)),
            pc.and_(pc.invert(pc.starts_with(values, " ")), pc.invert(pc.ends_with(values, " "))),
        ),
    )


def _optional(check: Any, values: Any) -> Any:
    """`check` of each value, true for a missing one."""
    return pc.or_(pc.is_null(values), pc.fill_null(check(values), False))


def minor_units(table: Any) -> Any:
    """The minor unit of each invoice row's currency (-1 for a code that is not known)."""
    currencies = _column(table, "currency")
    unique = pc.unique(currencies)
    known = [code if code in _CURRENCIES else None for code in unique.to_pylist()]
    places = np.array([-1 if code is None else minor_unit(code) for code in known], np.int64)
    at = pc.index_in(currencies, value_set=unique).to_numpy(zero_copy_only=False)
    return places[at]


def _amount_text(values: Any) -> Any:
    """Amounts as text: a decimal column written out, a string column as it is."""
    return values if pa.types.is_string(values.type) else values.cast(pa.string())


def _amounts_fit(text: Any, places: Any) -> Any:
    """Whether each amount is plain, at most `places` decimals and `MAX_DIGITS` digits."""
    plain = pc.fill_null(pc.match_substring_regex(text, _PLAIN_AMOUNT), False)
    plain = plain.to_numpy(zero_copy_only=False)
    length = pc.fill_null(pc.utf8_length(text), 0).to_numpy(zero_copy_only=False)
    point = pc.fill_null(pc.find_substring(text, "."), -1).to_numpy(zero_copy_only=False)
    whole = np.where(point < 0, length, point)
    decimals = np.where(point < 0, 0, length - point - 1)
    return plain & (places >= 0) & (decimals <= places) & (whole <= MAX_DIGITS - places)


def clean_invoices(table: Any, places: Any) -> Any:
    """Which rows of a conformed invoice table pass the invoice checks, as a numpy mask.

    The checks of `Invoice` validation on the scalar columns, vectorised: ids (non-empty, at
    most `MAX_IDENTIFIER_LENGTH` characters, no surrounding spaces, printable), a known ISO
    4217 currency, a total that is a plain non-negative amount in the currency's minor unit,
    dates Python holds with the due date on or after the issue date, a known status, a
    printable number and tags. Rows giving `terms` or `untaxed` are left to validation. A row
    left out is not necessarily invalid: validation says, with its error.
    """
    names = table.column_names
    ids = _column(table, "id")
    clean = pc.and_(_plain_identifier(ids), _plain_identifier(_column(table, "customer_id")))
    clean = pc.and_(clean, pc.is_in(_column(table, "currency"), pa.array(sorted(_CURRENCIES))))
    issue = _column(table, "issue_date").cast(pa.int32())
    due = _column(table, "due_date").cast(pa.int32())
    for day in (issue, due):
        clean = pc.and_(
            clean, pc.and_(pc.greater_equal(day, _FIRST_DAY), pc.less_equal(day, _LAST_DAY))
        )
    clean = pc.and_(clean, pc.greater_equal(due, issue))
    if "promise_to_pay" in names:
        promise = _column(table, "promise_to_pay").cast(pa.int32())
        fits = pc.and_(pc.greater_equal(promise, _FIRST_DAY), pc.less_equal(promise, _LAST_DAY))
        clean = pc.and_(clean, pc.fill_null(fits, True))
    if "status" in names:
        status = _column(table, "status")
        clean = pc.and_(clean, _optional(lambda v: pc.is_in(v, pa.array(list(_STATUSES))), status))
    if "number" in names:
        clean = pc.and_(clean, _optional(_plain_text, _column(table, "number")))
    for name in _VALIDATED_ONLY:
        if name in names:
            clean = pc.and_(clean, pc.is_null(_column(table, name)))
    mask = np.asarray(clean.to_numpy(zero_copy_only=False), dtype=bool).copy()
    if "tags" in names:
        mask &= _clean_tags(_column(table, "tags"))
    mask &= _amounts_fit(_amount_text(_column(table, "total")), places)
    return mask


def _clean_tags(tags: Any) -> Any:
    """Whether each row's tags are all printable text (no tags: true)."""
    flat = pc.list_flatten(tags)
    good = np.ones(len(tags), dtype=bool)
    if len(flat):
        bad = pc.invert(pc.fill_null(_plain_text(flat), False)).to_numpy(zero_copy_only=False)
        owners = pc.list_parent_indices(tags).to_numpy(zero_copy_only=False)
        good[owners[bad]] = False
    return good


def _cells(table: Any, name: str, rows: Sequence[int]) -> list[Any]:
    """The cells of column `name` at `rows`: JSON text decoded, lists as Python lists.

    A cell of invalid JSON is None here (its row takes the validating way, which reports
    it).
    """
    values: list[Any] = table.column(name).take(pa.array(rows, pa.int64())).to_pylist()
    if not pa.types.is_string(table.schema.field(name).type):
        return values
    cells: list[Any] = []
    for text in values:
        try:
            cells.append(None if text is None else json.loads(text, parse_float=Decimal))
        except json.JSONDecodeError:
            cells.append(_BAD)
    return cells


#: A cell that cannot be read: its row takes the validating way.
_BAD: Final = object()


def _iso_date(value: object) -> date | None:
    if value.__class__ is date:
        return value
    if isinstance(value, str) and len(value) == 10:
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    return None


def _money(value: object, currency: str, places: int) -> Money | None:
    """A positive amount in `currency` written as the library writes it, else None."""
    if not isinstance(value, dict) or value.keys() != {"amount", "currency"}:
        return None
    text = value["amount"]
    if value["currency"] != currency or not isinstance(text, str):
        return None
    whole, point, fraction = text.partition(".")
    if (
        not whole.isdigit()
        or not whole.isascii()
        or (point and (not fraction.isdigit() or not fraction.isascii()))
        or len(fraction) > places
        or len(whole) > MAX_DIGITS - places
    ):
        return None
    amount = Decimal(text)
    return Money._trusted(amount, currency) if amount > 0 else None


def _checked(check: Callable[[str], str], value: object) -> bool:
    try:
        return isinstance(value, str) and check(value) == value
    except PydanticCustomError:
        return False


def _payment(item: Any, currency: str, places: int) -> Payment | None:
    if not isinstance(item, dict) or not item.keys() <= _PAYMENT_FIELDS:
        return None
    on = _iso_date(item.get("date"))
    amount = _money(item.get("amount"), currency, places)
    method, reference = item.get("method"), item.get("reference")
    if (
        on is None
        or amount is None
        or not _checked(_identifier, item.get("id"))
        or (method is not None and not _checked(_text, method))
        or (reference is not None and not _checked(_text, reference))
    ):
        return None
    return Payment._from_values(
        {"id": item["id"], "date": on, "amount": amount, "method": method, "reference": reference}
    )


def _credit_note(item: Any, currency: str, places: int) -> CreditNote | None:
    if not isinstance(item, dict) or not item.keys() <= _CREDIT_FIELDS:
        return None
    on = _iso_date(item.get("date"))
    amount = _money(item.get("amount"), currency, places)
    reason = item.get("reason")
    if (
        on is None
        or amount is None
        or not _checked(_identifier, item.get("id"))
        or not (reason is None or isinstance(reason, str))
    ):
        return None
    return CreditNote._from_values(
        {"id": item["id"], "date": on, "amount": amount, "reason": reason}
    )


def _charge(item: Any, currency: str, places: int) -> Charge | None:
    if not isinstance(item, dict) or not item.keys() <= _CHARGE_FIELDS:
        return None
    on = _iso_date(item.get("date"))
    amount = _money(item.get("amount"), currency, places)
    kind = _KINDS.get(item.get("kind"))  # type: ignore[arg-type]  # any value looked up
    description = item.get("description")
    if (
        on is None
        or amount is None
        or kind is None
        or not _checked(_identifier, item.get("id"))
        or not (description is None or isinstance(description, str))
    ):
        return None
    return Charge._from_values(
        {"id": item["id"], "date": on, "kind": kind, "amount": amount, "description": description}
    )


_PAYMENT_FIELDS: Final = frozenset(Payment.model_fields)
_CREDIT_FIELDS: Final = frozenset(CreditNote.model_fields)
_CHARGE_FIELDS: Final = frozenset(Charge.model_fields)
_READERS: Final[tuple[Callable[[Any, str, int], Any], ...]] = (_payment, _credit_note, _charge)


def read_items(table: Any, clean: Any, places: Any) -> dict[int, Items]:
    """The payments, credit notes and charges of the `clean` rows that give any, checked.

    `places` gives the minor unit of each row's currency. A row whose cells do not all read
    as valid items (an unknown field, an amount in another currency or finer than the minor
    unit, an id with a control character, a cell of invalid JSON...) is taken out of
    `clean` (a numpy mask, changed in place): validation says what is wrong with it.
    """
    names = [name for name in _ITEMS if name in table.column_names]
    given = np.zeros(table.num_rows, dtype=bool)
    for name in names:
        given |= pc.is_valid(table.column(name)).to_numpy(zero_copy_only=False)
    rows = np.flatnonzero(given & clean).tolist()
    if not rows:
        return {}
    cells = [_cells(table, name, rows) for name in names]
    currencies = _column(table, "currency").take(pa.array(rows, pa.int64())).to_pylist()
    found: dict[int, Items] = {}
    for position, row in enumerate(rows):
        currency = currencies[position]
        minor = int(places[row])
        parts: list[tuple[Any, ...]] = [(), (), ()]
        for name, column in zip(names, cells, strict=True):
            cell = column[position]
            if cell is None:
                continue
            which = _ITEMS.index(name)
            items = (
                tuple(_READERS[which](item, currency, minor) for item in cell)
                if isinstance(cell, list)
                else (None,)
            )
            if None in items:
                clean[row] = False
                break
            parts[which] = items
        else:
            found[row] = (parts[0], parts[1], parts[2])
    return found


def build_invoices(
    table: Any, rows: Sequence[int], clean: Any, items: dict[int, Items]
) -> list[Invoice | dict[str, Any]]:
    """The invoices at `rows` of a conformed invoice table, for `evaluate`, in that order.

    A row `clean` marks (see `clean_invoices` and `read_items`) is an `Invoice.trusted`
    with its `items`; any other is its mapping (`records`), which `evaluate` validates and
    rejects with validation's error.

    Raises:
        TableSchemaError: for a cell of invalid JSON in a row validation reads, naming the
            column and the row's id.
    """
    names = table.column_names
    # Every position is filled below, with a mapping or an invoice.
    out: list[Invoice | dict[str, Any]] = [None] * len(rows)  # type: ignore[list-item]
    bad = [position for position, row in enumerate(rows) if not clean[row]]
    if bad:
        taken = pa.array([rows[position] for position in bad], pa.int64())
        for position, record in zip(bad, records(table.take(taken), "invoices"), strict=True):
            out[position] = record
    good = [position for position, row in enumerate(rows) if clean[row]]
    if not good:
        return out
    part = table.take(pa.array([rows[position] for position in good], pa.int64()))

    def values(name: str) -> list[Any]:
        if name in names:
            return part.column(name).to_pylist()  # type: ignore[no-any-return]  # Arrow
        return [None] * len(good)

    columns = zip(
        good,
        values("id"),
        values("customer_id"),
        values("number"),
        values("currency"),
        values("issue_date"),
        values("due_date"),
        _amount_text(_column(part, "total")).to_pylist(),
        values("status"),
        values("disputed"),
        values("promise_to_pay"),
        values("tags"),
        strict=True,
    )
    construct = Invoice._from_values
    trusted_money = Money._trusted
    open_status = InvoiceStatus.OPEN
    nothing: Items = ((), (), ())
    for (
        position,
        ident,
        customer,
        number,
        currency,
        issue,
        due,
        total,
        status,
        disputed,
        promise,
        tags,
    ) in columns:
        payments, credit_notes, charges = items.get(rows[position], nothing)
        out[position] = construct(
            {
                "id": ident,
                "customer_id": customer,
                "number": number,
                "currency": currency,
                "issue_date": issue,
                "due_date": due,
                "terms": None,
                "total": trusted_money(Decimal(total), currency),
                "untaxed": None,
                "payments": payments,
                "credit_notes": credit_notes,
                "charges": charges,
                "status": open_status if status is None else _STATUSES[status],
                "disputed": bool(disputed),
                "promise_to_pay": promise,
                "tags": _tags(tuple(tags)) if tags else (),
            }
        )
    return out


def _customer(row: dict[str, Any], given: frozenset[str]) -> Customer | None:
    """A customer row (its JSON decoded) as a `Customer`, or None where validation is needed."""
    try:
        ident = row["id"]
        if _identifier(ident) != ident or _text(row["name"]) != row["name"]:
            return None
        locale = row.get("locale")
        zone = row.get("time_zone")
        segment = row.get("segment")
        if segment is not None:
            _text(segment)
        contacts = tuple(_contact(item) for item in row.get("contacts") or ())
        preferred = tuple(_CHANNELS[c] for c in row.get("preferred_channels") or ())
        opted_out = tuple(_CHANNELS[c] for c in row.get("opted_out") or ())
        tags = row.get("tags") or ()
        do_not_contact = row.get("do_not_contact")
        jurisdiction = row.get("jurisdiction")
        if jurisdiction is not None:
            if zone is None:
                return None  # a contact law counts hours in the debtor's zone: validation says
            jurisdiction = _contact_law_of(jurisdiction)
        proceedings = row.get("legal_proceedings_since")
        insolvency = row.get("insolvency_since")
        if (proceedings is not None and proceedings.__class__ is not date) or (
            insolvency is not None and insolvency.__class__ is not date
        ):
            return None
        values = {
            "id": ident,
            "name": row["name"],
            "locale": "en_US" if locale is None else _locale_of(locale),
            "time_zone": "UTC" if zone is None else _zone_of(zone),
            "contacts": contacts,
            "preferred_channels": preferred,
            "opted_out": opted_out,
            "do_not_contact": bool(do_not_contact),
            "segment": segment,
            "tags": _tags(tuple(tags)) if tags else (),
            "jurisdiction": jurisdiction,
            "legal_proceedings_since": proceedings,
            "insolvency_since": insolvency,
        }
    except (PydanticCustomError, KeyError, TypeError, AttributeError, ValueError):
        return None
    # The fields given are what validation of the row would mark as set: a contact law
    # reads whether `time_zone` was given.
    return Customer.model_construct(_fields_set=set(given & row.keys()), **values)


@lru_cache(maxsize=1024)
def _locale_of(value: str) -> str:
    # Babel parses a locale in tens of microseconds; a portfolio has a handful of them.
    return _locale(value)


@lru_cache(maxsize=1024)
def _zone_of(value: str) -> str:
    return _time_zone(value)


@lru_cache(maxsize=64)
def _contact_law_of(value: str) -> str | None:
    return _contact_law(value)


def _contact(item: Any) -> Contact:
    if not isinstance(item, dict) or not item.keys() <= _CONTACT_FIELDS:
        raise ValueError("not a contact")
    channel = _CHANNELS[item["channel"]]
    address = item["address"]
    if not isinstance(address, str) or not address:
        raise ValueError("not an address")
    for line in address.split("\n") if channel is Channel.POSTAL else (address,):
        _text(line)
    consented = item.get("consented_on")
    if consented is not None and consented.__class__ is not date:
        # A plain date field: validation reads YYYY-MM-DD only (not ISO week dates).
        if not isinstance(consented, str) or not _DAY_TEXT.fullmatch(consented):
            raise ValueError("not a date")
        consented = date.fromisoformat(consented)
    return Contact._from_values({"channel": channel, "address": address, "consented_on": consented})


_CONTACT_FIELDS: Final = frozenset(Contact.model_fields)
_DAY_TEXT: Final = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_CUSTOMER_FIELDS: Final = frozenset(Customer.model_fields)


def clean_customer(row: dict[str, Any]) -> bool:
    """Whether a customer row (a `records` mapping) passes the checks of `Customer`."""
    return _customer(row, _CUSTOMER_FIELDS) is not None


def build_customers(table: Any) -> list[Customer | dict[str, Any]]:
    """The rows of a conformed customer table for `evaluate`, in row order.

    A row that passes the checks of `Customer` validation is a `Customer` built without
    validating it again; any other is its mapping (`records`), which `evaluate` validates (a
    failure then rejects the customer's invoices with validation's error).

    Raises:
        TableSchemaError: for a cell of invalid JSON, naming the column and the row's id.
    """
    rows = records(table, "customers")
    out: list[Customer | dict[str, Any]] = []
    for row in rows:
        customer = _customer(row, _CUSTOMER_FIELDS)
        out.append(row if customer is None else customer)
    return out


def history_index(table: Any) -> HistoryIndex:
    """The engine's index of a checked history table, without a `HistoryRecord` per row.

    Executed and skipped occurrences of every kind but the charges (nearly all of a history)
    are split, grouped and dated over whole columns, then go in one mapping per invoice (the
    first day of each key tail done for it); the messages sent, with their channel for the
    contact laws, one list per customer in record order. Failures and charges go in as
    records. The index ends exactly as `HistoryIndex` of the records leaves it.
    """
    index = HistoryIndex()
    if table.num_rows == 0:
        return index
    names = table.column_names
    kinds = _column(table, "kind")
    if "status" in names:
        status = pc.fill_null(_column(table, "status"), HistoryStatus.EXECUTED.value)
    else:
        status = pa.repeat(HistoryStatus.EXECUTED.value, table.num_rows).cast(pa.string())
    plain = pc.and_(
        pc.invert(pc.is_in(kinds, pa.array(list(_CHARGES)))),
        pc.is_in(status, pa.array([HistoryStatus.EXECUTED.value, HistoryStatus.SKIPPED.value])),
    )
    part = table.filter(plain)
    if part.num_rows:
        executed = pc.equal(status.filter(plain), HistoryStatus.EXECUTED.value)
        _index_occurrences(index, part)
        _index_executed(index, part, executed)
        index.records += part.num_rows
    others = table.filter(pc.invert(plain))
    if others.num_rows:
        index.add(_history_records(others))
    return index


#: A key as the engine makes it: the owner (``policy:customer``), the invoice (or the kind of
#: a customer-level occurrence) and the tail, which may hold ``:`` (see `HistoryIndex`).
_KEY_PARTS: Final = r"(?s)^(?P<owner>[^:]*:[^:]*):(?P<part>[^:]*):(?P<tail>.*)$"


def _index_occurrences(index: HistoryIndex, part: Any) -> None:
    """Mark every occurrence `part` did, from its first day: a record's covers, or its key."""
    days = _column(part, "on").cast(pa.int32())
    key = _column(part, "key")
    if "covers" in part.column_names:
        covers = _column(part, "covers")
        lengths = pc.fill_null(pc.list_value_length(covers), 0)
        own = pc.equal(lengths, 0)
        many = pc.invert(own)
        chosen = covers.filter(many)
        keys = pa.concat_arrays([key.filter(own), pc.list_flatten(chosen).cast(pa.string())])
        on = pa.concat_arrays(
            [days.filter(own), days.filter(many).take(pc.list_parent_indices(chosen))]
        )
    else:
        keys, on = key, days
    split = pc.extract_regex(keys, _KEY_PARTS)
    made = pc.is_valid(split)
    odd = pc.invert(made)
    if pc.any(odd).as_py():  # keys the engine did not make: looked up whole
        for text, day in zip(keys.filter(odd).to_pylist(), _dates(on.filter(odd)), strict=True):
            index._mark(text, day)
    first = (
        pa.table(
            {
                "owner": split.field("owner").filter(made),
                "part": split.field("part").filter(made),
                "tail": split.field("tail").filter(made),
                "on": on.filter(made),
            }
        )
        .group_by(["owner", "part", "tail"], use_threads=False)
        .aggregate([("on", "min")])
        .sort_by([("owner", "ascending"), ("part", "ascending")])
    )
    count = first.num_rows
    if count == 0:
        return
    owner = first["owner"].combine_chunks()
    invoice = first["part"].combine_chunks()
    changed = pc.or_(
        pc.not_equal(owner.slice(1), owner.slice(0, count - 1)),
        pc.not_equal(invoice.slice(1), invoice.slice(0, count - 1)),
    )
    starts = [0, *(np.flatnonzero(changed.to_numpy(zero_copy_only=False)) + 1).tolist()]
    ends = [*starts[1:], count]
    owners = owner.to_pylist()
    parts = invoice.to_pylist()
    tails = first["tail"].to_pylist()
    dates = _dates(first["on_min"])
    known = index._owners
    for start, end in zip(starts, ends, strict=True):
        found = known.get(owners[start])
        if found is None:
            found = known[owners[start]] = {}
        found[parts[start]] = dict(zip(tails[start:end], dates[start:end], strict=True))


def _index_executed(index: HistoryIndex, part: Any, executed: Any) -> None:
    """The messages sent (per customer, in record order) and the changes of service."""
    kinds = _column(part, "kind")
    customers = _column(part, "customer_id")
    for kind, counts in (
        (ActionKind.SUSPEND_SERVICE.value, index.suspends),
        (ActionKind.RESUME_SERVICE.value, index.resumes),
    ):
        chosen = pc.and_(executed, pc.equal(kinds, kind))
        counted = pc.value_counts(customers.filter(chosen))
        for customer, count in zip(
            counted.field("values").to_pylist(), counted.field("counts").to_pylist(), strict=True
        ):
            counts[customer] += count
    sent = pc.and_(executed, pc.equal(kinds, ActionKind.SEND_MESSAGE.value))
    total = pc.sum(sent.cast(pa.int64())).as_py() or 0
    if total == 0:
        return
    senders = customers.filter(sent)
    coded = pc.dictionary_encode(senders)
    order = np.argsort(coded.indices.to_numpy(zero_copy_only=False), kind="stable")
    taken = pa.array(order)
    who = senders.take(taken).to_pylist()
    on = _dates(_column(part, "on").filter(sent).take(taken))
    channels: list[Channel | None] = [None] * total
    if "channel" in part.column_names:
        given = _column(part, "channel").filter(sent).take(taken).to_pylist()
        channels = [None if c is None else _CHANNELS[c] for c in given]
    starts = [0, *[n for n in range(1, total) if who[n] != who[n - 1]]]
    ends = [*starts[1:], total]
    nothing = [None] * total
    for start, end in zip(starts, ends, strict=True):
        customer = who[start]
        index.messages[customer].extend(on[start:end])
        index.contacts[customer].extend(
            zip(on[start:end], channels[start:end], nothing[start:end], strict=True)
        )


def _dates(column: Any) -> list[date]:
    """A date column as dates, each distinct day made once (far faster than `to_pylist`)."""
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    days = column.cast(pa.int32()).to_numpy(zero_copy_only=False)
    distinct, at = np.unique(days, return_inverse=True)
    made = [date.fromordinal(_EPOCH_ORDINAL + day) for day in distinct.tolist()]
    return [made[position] for position in at.tolist()]


def _history_records(table: Any) -> Iterator[HistoryRecord]:
    """The records of a checked history table, built without validating each again."""
    rows = table.num_rows
    names = table.column_names

    def values(name: str) -> list[Any]:
        return table.column(name).to_pylist() if name in names else [None] * rows

    construct = HistoryRecord._construct
    executed = HistoryStatus.EXECUTED
    for row in zip(*(values(name) for name in HISTORY_COLUMNS), strict=True):
        yield construct(
            key=row[0],
            kind=ActionKind(row[1]),
            customer_id=row[2],
            on=row[3],
            status=executed if row[4] is None else HistoryStatus(row[4]),
            invoice_ids=tuple(row[5] or ()),
            covers=tuple(row[6] or ()),
            channel=None if row[7] is None else Channel(row[7]),
            decline=row[8],
            decline_code=row[9],
        )
