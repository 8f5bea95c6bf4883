import json
from datetime import date
from pathlib import Path

import pytest

from dunning.errors import InputError
from dunning.invoices import Channel, InvoiceStatus
from dunning.io import RowError, read_customers, read_history, read_invoices

INVOICES = """\
id,customer_id,number,currency,issue_date,due_date,terms,total,paid_amount,paid_on,payments,disputed,promise_to_pay,tags,status
F-1,C-1,FE-1,COP,2026-10-01,2026-10-31,,1500000,500000,2026-10-15,,,,vip; recurring,open
F-2,C-1,,COP,2026-10-01,2026-09-30,,99,,,,,,,
F-3,C-1,,COP,2026-10-01,,2/10 net 30,1000000,,,,true,2026-11-30,,
F-4,C-2,,MXN,2026-10-01,,"50% deposit, balance net 30",200.00,,,,,,,

F-5,C-2,,MXN,2026-10-01,2026-10-31,,abc,,,,,,,
F-6,C-2,,MXN,2026-10-01,2026-10-31,,10.00,5.00,,,,,,
F-7,C-2,,MXN,2026-10-01,2026-10-31,,10.00,,,PAYMENTS,,,,paid
F-8,C-2,,MXN,2026-10-01,2026-10-31,,10.00,,,{oops,,,,
F-9,C-2,,MXN,2026-10-01,,net 31 fortnights,10.00,,,,,,,
F-1,C-2,,MXN,2026-10-01,2026-10-31,,10.00,,,,,,,
F-10,C-2,,MXN,2026-10-01,2026-10-31,,10.00,,2026-10-02,,,,,
F-11,C-2,,MXN,2026-10-01,2026-10-31,,10.00,,,{},,,,
"""
PAYMENT = {"id": "P1", "date": "2026-10-05", "amount": {"amount": "4.00", "currency": "MXN"}}
INVOICES = INVOICES.replace("PAYMENTS", '"' + json.dumps([PAYMENT]).replace('"', '""') + '"')


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_read_invoices_csv(tmp_path: Path) -> None:
    result = read_invoices(write(tmp_path, "invoices.csv", INVOICES))
    assert [invoice.id for invoice in result.items] == ["F-1", "F-3", "F-4", "F-7"]
    first, termed, deposit, listed = result.items
    assert first.number == "FE-1"
    assert str(first.balance) == "1000000 COP"
    assert first.payments[0].id == "F-1-paid"
    assert first.payments[0].date == date(2026, 10, 15)
    assert first.tags == ("recurring", "vip")
    assert termed.terms is not None and termed.terms.name == "2/10 net 30"
    assert termed.due_date == date(2026, 10, 31)
    assert termed.disputed and termed.promise_to_pay == date(2026, 11, 30)
    assert deposit.terms is not None and deposit.terms.name == "50% deposit net 30"
    assert [str(i.amount) for i in deposit.installments()] == ["100.00 MXN", "100.00 MXN"]
    assert listed.status is InvoiceStatus.PAID and str(listed.paid) == "4.00 MXN"
    assert [(e.line, e.item_id) for e in result.errors] == [
        (3, "F-2"),
        (7, "F-5"),
        (8, "F-6"),
        (10, "F-8"),
        (11, "F-9"),
        (12, "F-1"),
        (13, "F-10"),
        (14, "F-11"),
    ]
    messages = [str(error) for error in result.errors]
    assert messages[0].startswith(
        "invoices.csv:3: [F-2] <document>: due_date 2026-09-30 is before issue_date 2026-10-01"
    )
    assert messages[1] == (
        "invoices.csv:7: [F-5] total: amount 'abc' is not a decimal number ('abc')"
    )
    assert messages[2] == "invoices.csv:8: [F-6] paid_on: needed with paid_amount ('5.00')"
    assert messages[3].startswith("invoices.csv:10: [F-8] payments: not valid JSON")
    assert messages[4].startswith("invoices.csv:11: [F-9] terms: cannot read payment terms")
    assert messages[5] == "invoices.csv:12: [F-1] id 'F-1' is already given at line 2"
    assert messages[6] == "invoices.csv:13: [F-10] paid_amount: needed with paid_on ('2026-10-02')"
    assert (
        messages[7] == "invoices.csv:14: [F-11] payments: a JSON list of payments is needed ('{}')"
    )


def test_a_quoted_cell_over_several_lines_keeps_the_row_start(tmp_path: Path) -> None:
    text = (
        "id,customer_id,currency,issue_date,due_date,total,tags\n"
        'A,C,USD,2026-01-01,2026-01-31,1.00,"x;\ny"\n'
        "B,C,USD,2026-01-01,2025-01-31,1.00,\n"
        "C,C,USD,2026-01-01,2026-01-31,1,000.00,\n"
        "D,C,USD,2026-01-01,2026-01-31,2.00\n"
    )
    result = read_invoices(write(tmp_path, "i.csv", text))
    assert [(i.id, i.tags) for i in result.items] == [("A", ("x", "y")), ("D", ())]
    assert [str(e) for e in result.errors][1:] == [
        "i.csv:5: the row has 8 cells but the header has 7 columns (an unquoted comma?)"
    ]
    assert result.errors[0].line == 4


def test_read_customers_csv(tmp_path: Path) -> None:
    text = (
        "id,name,locale,time_zone,email,sms,whatsapp,phone,postal,preferred_channels,segment,tags,do_not_contact,opted_out\n"
        "C-1,Ferretería El Tornillo,es_CO,America/Bogota,pagos@t.example,,+573001234567,,,"
        "whatsapp;email,business,key,,sms\n"
        "C-2,Ana,es_CL,Mars/Olympus,,,,,,,consumer,,true,\n"
        "C-3,,es_MX,,,,,,,,,,,\n"
    )
    result = read_customers(write(tmp_path, "customers.csv", text))
    (customer,) = result.items
    assert customer.reachable_channels() == (Channel.WHATSAPP, Channel.EMAIL)
    assert customer.segment == "business" and customer.tags == ("key",)
    assert customer.opted_out == (Channel.SMS,)
    assert [str(e) for e in result.errors] == [
        "customers.csv:3: [C-2] time_zone: 'Mars/Olympus' is not an IANA time zone (use a name "
        "such as 'America/Bogota') ('Mars/Olympus')",
        "customers.csv:4: [C-3] name: Field required (missing)",
    ]


def test_read_history_csv_keeps_repeated_keys(tmp_path: Path) -> None:
    text = (
        "key,kind,customer_id,on,status,invoice_ids,covers,channel\n"
        "k1,send_message,C,2026-11-01,failed,F-1,,email\n"
        "k1,send_message,C,2026-11-02,executed,F-1;F-2,k2;k3,sms\n"
        "k4,sing,C,2026-11-02,,,,\n"
    )
    result = read_history(write(tmp_path, "history.csv", text))
    assert [(r.key, r.status.value, r.invoice_ids) for r in result.items] == [
        ("k1", "failed", ("F-1",)),
        ("k1", "executed", ("F-1", "F-2")),
    ]
    assert result.items[1].covers == ("k2", "k3")
    assert result.errors[0].line == 4
    assert result.errors[0].item_id == "k4"
    assert result.errors[0].message.startswith("kind: Input should be ")


def test_read_json(tmp_path: Path) -> None:
    items = [
        {"id": "F-1", "customer_id": "C", "currency": "USD", "total": "10.00",
         "issue_date": "2026-01-01", "due_date": "2026-01-31"},
        {"id": "F-2", "customer_id": "C", "currency": "USD", "total": 1.5,
         "issue_date": "2026-01-01", "due_date": "2026-01-31"},
        "not an object",
        {"id": "F-1", "customer_id": "C", "currency": "USD", "total": "10.00",
         "issue_date": "2026-01-01", "due_date": "2026-01-31"},
    ]  # fmt: skip
    result = read_invoices(write(tmp_path, "invoices.json", json.dumps(items)))
    assert [invoice.id for invoice in result.items] == ["F-1"]
    assert [(e.index, e.line) for e in result.errors] == [(1, None), (2, None), (3, None)]
    assert str(result.errors[0]).startswith("invoices.json[1]: [F-2] total: amount must be")
    assert str(result.errors[1]).startswith("invoices.json[2]: <document>: Input should be")
    assert str(result.errors[2]) == "invoices.json[3]: [F-1] id 'F-1' is already given at [0]"
    customers = read_customers(write(tmp_path, "c.json", '[{"id": "C", "name": "Ana"}]'))
    assert customers.items[0].name == "Ana" and customers.errors == ()
    history = read_history(write(tmp_path, "h.json", "[]"))
    assert history.items == history.errors == ()


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("i.txt", "", "cannot tell the format of 'i.txt': use a .csv or .json file"),
        ("i.json", "{", "i.json: not valid JSON"),
        ("i.json", "{}", "i.json: a JSON list of objects is needed, not dict"),
        ("i.csv", "id,customer_id\n", "i.csv: the header lacks the required column(s) currency, "
         "issue_date, total; it has id, customer_id"),
        ("i.csv", "", "i.csv: the header lacks the required column(s) id, customer_id, currency, "
         "issue_date, total; it has no columns"),
        ("i.csv", "id,customer_id,currency,issue_date,total,colour\n",
         "i.csv: unknown column(s) colour; the columns are id, customer_id"),
    ],
)  # fmt: skip
def test_unusable_files(tmp_path: Path, name: str, text: str, message: str) -> None:
    with pytest.raises(InputError) as caught:
        read_invoices(write(tmp_path, name, text))
    assert str(caught.value).startswith(message)


@pytest.mark.parametrize("name", ["gone.csv", "gone.json"])
def test_missing_file(tmp_path: Path, name: str) -> None:
    with pytest.raises(InputError, match="cannot read"):
        read_customers(tmp_path / name)


def test_row_error_text() -> None:
    assert str(RowError(source="h.csv", line=2, message="m")) == "h.csv:2: m"
    assert str(RowError(source="h.json", index=0, item_id="X", message="m")) == "h.json[0]: [X] m"


def test_examples_read_cleanly() -> None:
    examples = Path(__file__).resolve().parents[2] / "examples"
    invoices = read_invoices(examples / "invoices.csv")
    customers = read_customers(examples / "customers.csv")
    assert invoices.errors == customers.errors == ()
    assert len(customers.items) == 50 and len(invoices.items) > 140
    assert {i.currency for i in invoices.items} == {"COP", "CLP", "MXN"}
