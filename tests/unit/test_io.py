import json
from datetime import date
from pathlib import Path

import pytest
from pydantic import ValidationError

from dunning.errors import InputError
from dunning.invoices import Channel, InvoiceStatus
from dunning.io import (
    MAX_CELL_CHARS,
    ReadOptions,
    RowError,
    join_list,
    read_customers,
    read_history,
    read_invoices,
    split_list,
)

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
        "i.csv:5: [C] the row has 8 cells but the header has 7 columns (an unquoted comma?)"
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


HEADER = "id,customer_id,currency,issue_date,due_date,total,tags\n"


def write_bytes(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


class TestEncodings:
    ROWS = (
        "F-1,C-1,COP,2026-10-01,2026-10-31,1500000,Bogotá\nF-2,C-1,COP,2026-10-01,2026-10-31,2,ñ\n"
    )

    @pytest.mark.parametrize("encoding", ["latin-1", "cp1252", "utf-16"])
    def test_excel_exports_with_their_encoding(self, tmp_path: Path, encoding: str) -> None:
        path = write_bytes(tmp_path, "i.csv", (HEADER + self.ROWS).encode(encoding))
        result = read_invoices(path, ReadOptions(encoding=encoding))
        assert [(i.id, i.tags) for i in result.items] == [("F-1", ("Bogotá",)), ("F-2", ("ñ",))]
        assert result.errors == ()

    @pytest.mark.parametrize("bom", [b"\xef\xbb\xbf", b""])
    def test_utf8_with_or_without_a_byte_order_mark(self, tmp_path: Path, bom: bytes) -> None:
        csv_path = write_bytes(tmp_path, "i.csv", bom + (HEADER + self.ROWS).encode())
        assert len(read_invoices(csv_path).items) == 2
        json_path = write_bytes(tmp_path, "c.json", bom + '[{"id": "C", "name": "Ñu"}]'.encode())
        assert read_customers(json_path).items[0].name == "Ñu"

    def test_utf16_with_a_byte_order_mark_is_recognised(self, tmp_path: Path) -> None:
        path = write_bytes(tmp_path, "i.csv", (HEADER + self.ROWS).encode("utf-16"))
        assert [i.id for i in read_invoices(path).items] == ["F-1", "F-2"]

    def test_utf16_without_a_byte_order_mark_is_one_clear_error(self, tmp_path: Path) -> None:
        path = write_bytes(tmp_path, "i.csv", (HEADER + self.ROWS).encode("utf-16-le"))
        with pytest.raises(InputError, match=r"i\.csv: the file holds NUL bytes: if it is UTF-16"):
            read_invoices(path)

    def test_a_latin1_file_read_as_utf8_rejects_its_rows_with_a_hint(self, tmp_path: Path) -> None:
        path = write_bytes(tmp_path, "i.csv", (HEADER + self.ROWS).encode("latin-1"))
        result = read_invoices(path)
        assert result.items == ()
        assert [str(e) for e in result.errors] == [
            "i.csv:2: [F-1] tags: byte 0xE1 is not valid utf-8 (if the file is Latin-1 or "
            "Windows-1252, as Excel exports it, read it with the encoding cp1252, "
            "--encoding cp1252)",
            "i.csv:3: [F-2] tags: byte 0xF1 is not valid utf-8 (if the file is Latin-1 or "
            "Windows-1252, as Excel exports it, read it with the encoding cp1252, "
            "--encoding cp1252)",
        ]

    def test_one_latin1_byte_rejects_only_its_row(self, tmp_path: Path) -> None:
        data = (HEADER + self.ROWS).encode().replace("ñ".encode(), b"\xf1")
        result = read_invoices(write_bytes(tmp_path, "i.csv", data))
        assert [i.id for i in result.items] == ["F-1"]
        assert [(e.line, e.item_id) for e in result.errors] == [(3, "F-2")]
        assert result.errors[0].message.startswith("tags: byte 0xF1 is not valid utf-8")

    def test_a_bad_byte_in_a_json_string_rejects_its_item(self, tmp_path: Path) -> None:
        data = b'[{"id": "C1", "name": "Ana"}, {"id": "C2", "name": "Mu\xf1oz"}]'
        result = read_customers(write_bytes(tmp_path, "c.json", data))
        assert [c.id for c in result.items] == ["C1"]
        assert str(result.errors[0]).startswith("c.json[1]: [C2] name: byte 0xF1 is not valid")

    def test_an_unknown_encoding(self) -> None:
        with pytest.raises(ValidationError, match="'klingon' is not a text encoding"):
            ReadOptions(encoding="klingon")


class TestSpreadsheetLocales:
    def test_semicolons_and_decimal_commas(self, tmp_path: Path) -> None:
        text = (
            "id;customer_id;currency;issue_date;due_date;total;paid_amount;paid_on\n"
            "F-1;C-1;COP;2026-10-01;2026-10-31;1.480.000,50;1.000;2026-10-05\n"
            "F-2;C-1;USD;2026-10-01;2026-10-31;10,25;;\n"
            "F-3;C-1;USD;2026-10-01;2026-10-31;1,480.50;;\n"
            "F-4;C-1;USD;2026-10-01;2026-10-31;12.34;;\n"
        )
        options = ReadOptions(
            delimiter=";", decimal_comma=True, round_to_minor_unit="ROUND_HALF_UP"
        )
        result = read_invoices(write(tmp_path, "i.csv", text), options)
        assert [(i.id, str(i.total), str(i.paid)) for i in result.items] == [
            ("F-1", "1480001 COP", "1000 COP"),
            ("F-2", "10.25 USD", "0 USD"),
        ]
        assert [str(e) for e in result.errors] == [
            "i.csv:4: [F-3] total: '1,480.50' is not an amount written with a decimal comma "
            "(such as 1.480.000,50)",
            "i.csv:5: [F-4] total: '12.34' is not an amount written with a decimal comma "
            "(such as 1.480.000,50)",
        ]

    def test_a_semicolon_file_read_with_commas_says_so(self, tmp_path: Path) -> None:
        text = "id;customer_id;currency;issue_date;due_date;total\n"
        with pytest.raises(InputError, match=r"are the cells separated by ';'\? use --delimiter"):
            read_invoices(write(tmp_path, "i.csv", text))

    def test_a_declared_date_format(self, tmp_path: Path) -> None:
        text = HEADER + "F-1,C,USD,21/10/2026,20/11/2026,1.00,\nF-2,C,USD,2026-10-21,,1.00,\n"
        result = read_invoices(write(tmp_path, "i.csv", text), ReadOptions(date_format="%d/%m/%Y"))
        assert [(i.id, i.issue_date) for i in result.items] == [("F-1", date(2026, 10, 21))]
        assert str(result.errors[0]) == (
            "i.csv:3: [F-2] issue_date: '2026-10-21' is not a date in the format '%d/%m/%Y'"
        )

    @pytest.mark.parametrize("delimiter", ["", ";;", '"', "\n", "a", "1"])
    def test_bad_delimiters(self, delimiter: str) -> None:
        with pytest.raises(ValidationError, match="the delimiter must be one character"):
            ReadOptions(delimiter=delimiter)


class TestHostileRows:
    def test_sub_minor_unit_amounts_are_rejected_unless_rounding_is_asked(
        self, tmp_path: Path
    ) -> None:
        text = HEADER + "F-1,C,COP,2026-10-01,2026-10-31,0.001,\nF-2,C,USD,2026-10-01,,10.005,\n"
        text = text.replace(",,10.005", ",2026-10-31,10.005")
        path = write(tmp_path, "i.csv", text)
        result = read_invoices(path)
        assert result.items == ()
        assert [str(e) for e in result.errors] == [
            "i.csv:2: [F-1] total: amount 0.001 has more decimals than the 0 of the COP minor "
            "unit; round it first (Money.rounded, or the readers' round_to_minor_unit option) "
            "({'amount': '0.001', 'currency': 'COP'})",
            "i.csv:3: [F-2] total: amount 10.005 has more decimals than the 2 of the USD minor "
            "unit; round it first (Money.rounded, or the readers' round_to_minor_unit option) "
            "({'amount': '10.005', 'currency': 'USD'})",
        ]
        rounded = read_invoices(path, ReadOptions(round_to_minor_unit="ROUND_HALF_EVEN"))
        assert [str(i.total) for i in rounded.items] == ["0 COP", "10.00 USD"]

    def test_exponent_amounts_are_read_and_written_plain(self, tmp_path: Path) -> None:
        text = HEADER + "F-1,C,USD,2026-10-01,2026-10-31,1e3,\n"
        (invoice,) = read_invoices(write(tmp_path, "i.csv", text)).items
        assert str(invoice.total) == "1000 USD"
        assert '"amount":"1000"' in invoice.model_dump_json()

    def test_unix_timestamps_are_not_dates(self, tmp_path: Path) -> None:
        text = HEADER + "F-1,C,USD,1761004800,2026-10-31,1.00,\n"
        result = read_invoices(write(tmp_path, "i.csv", text))
        assert result.items == ()
        assert str(result.errors[0]) == (
            "i.csv:2: [F-1] issue_date: '1761004800' is not a date in ISO 8601 form "
            "(YYYY-MM-DD) ('1761004800')"
        )
        history = write(
            tmp_path,
            "h.json",
            json.dumps(
                [{"key": "k", "kind": "send_message", "customer_id": "C", "on": 1761004800}]
            ),
        )
        assert str(read_history(history).errors[0]) == (
            "h.json[0]: [k] on: 1761004800 is not a date in ISO 8601 form (YYYY-MM-DD)"
        )

    def test_a_cell_over_128_kib_rejects_its_row(self, tmp_path: Path) -> None:
        big = "x" * (MAX_CELL_CHARS + 1)
        text = (
            HEADER
            + f"F-1,C,USD,2026-10-01,2026-10-31,1.00,{big}\nF-2,C,USD,2026-10-01,2026-10-31,2.00,\n"
        )
        result = read_invoices(write(tmp_path, "i.csv", text))
        assert [i.id for i in result.items] == ["F-2"]
        assert [str(e) for e in result.errors] == [
            "i.csv:2: the row cannot be read as CSV: a cell has more than 131,072 characters"
        ]

    def test_a_cell_over_the_csv_module_limit_rejects_its_row(self, tmp_path: Path) -> None:
        big = "x" * 200_000
        text = (
            HEADER
            + f'F-1,C,USD,2026-10-01,2026-10-31,1.00,"{big}"\n'
            + "F-2,C,USD,2026-10-01,2026-10-31,2.00,\n"
        )
        result = read_invoices(write(tmp_path, "i.csv", text))
        assert [i.id for i in result.items] == ["F-2"]
        assert [(e.line, e.message) for e in result.errors] == [
            (2, "the row cannot be read as CSV: a cell has more than 131,072 characters")
        ]

    def test_deeply_nested_payments_reject_their_row(self, tmp_path: Path) -> None:
        for depth in (33, 60_000):
            cell = '"' + "[" * depth + "]" * depth + '"'
            text = (
                "id,customer_id,currency,issue_date,due_date,total,payments\n"
                f"F-1,C,USD,2026-10-01,2026-10-31,1.00,{cell}\n"
                "F-2,C,USD,2026-10-01,2026-10-31,2.00,\n"
            )
            result = read_invoices(write(tmp_path, "i.csv", text))
            assert [i.id for i in result.items] == ["F-2"]
            assert [(e.line, e.message) for e in result.errors] == [
                (2, "payments: nested deeper than 32 levels")
                if depth > 1000
                else (2, f"payments{'[0]' * 32}: nested deeper than 32 levels")
            ]

    def test_deeply_nested_json_files(self, tmp_path: Path) -> None:
        with pytest.raises(InputError, match=r"i\.json: nested deeper than 32 levels"):
            read_invoices(write(tmp_path, "i.json", "[" * 100_000 + "]" * 100_000))
        result = read_invoices(write(tmp_path, "i.json", "[" + "[" * 40 + "]" * 40 + "]"))
        assert result.errors[0].message.endswith(": nested deeper than 32 levels")

    def test_repeated_json_keys_are_refused(self, tmp_path: Path) -> None:
        text = (
            '[{"id": "F-1", "customer_id": "C", "currency": "USD", "total": "1.00", '
            '"total": "1000.00", "issue_date": "2026-10-01", "due_date": "2026-10-31"}]'
        )
        result = read_invoices(write(tmp_path, "i.json", text))
        assert result.items == ()
        assert str(result.errors[0]) == (
            "i.json[0]: [F-1] <object>: the key(s) 'total' appear more than once"
        )

    def test_repeated_csv_columns_are_refused(self, tmp_path: Path) -> None:
        text = "id,customer_id,currency,issue_date,due_date,total,total\n"
        with pytest.raises(InputError, match=r"i.csv: the header repeats the column\(s\) total"):
            read_invoices(write(tmp_path, "i.csv", text))

    def test_json_invoices_take_textual_terms_as_csv_does(self, tmp_path: Path) -> None:
        items = [
            {"id": "F-1", "customer_id": "C", "currency": "USD", "total": "100.00",
             "issue_date": "2026-10-01", "terms": "net 30"},
            {"id": "F-2", "customer_id": "C", "currency": "USD", "total": "100.00",
             "issue_date": "2026-10-01", "terms": "2/10 net 30"},
            {"id": "F-3", "customer_id": "C", "currency": "USD", "total": "100.00",
             "issue_date": "2026-10-01", "terms": "net 31 fortnights"},
        ]  # fmt: skip
        result = read_invoices(write(tmp_path, "i.json", json.dumps(items)))
        assert [(i.id, i.due_date) for i in result.items] == [
            ("F-1", date(2026, 10, 31)),
            ("F-2", date(2026, 10, 31)),
        ]
        assert str(result.errors[0]).startswith(
            "i.json[2]: [F-3] terms: cannot read payment terms 'net 31 fortnights'"
        )

    def test_nul_and_lone_surrogates_are_refused_wherever_they_are(self, tmp_path: Path) -> None:
        text = HEADER + "F-1,C,USD,2026-10-01,2026-10-31,1.00,a\x00b\n"
        assert read_invoices(write(tmp_path, "i.csv", text)).errors[0].message == (
            "tags: holds a NUL character"
        )
        items = '[{"id": "C1", "name": "A\\ud800"}, {"id": "C\\u0000", "name": "B"}]'
        result = read_customers(write(tmp_path, "c.json", items))
        assert [str(e) for e in result.errors] == [
            "c.json[0]: [C1] name: holds an unpaired surrogate U+D800",
            "c.json[1]: id: holds a NUL character",
        ]

    def test_history_ids_are_checked_like_invoice_ids(self, tmp_path: Path) -> None:
        text = (
            "key,kind,customer_id,on,invoice_ids\n"
            "k1,send_message,C\u202e,2026-11-01,F-1\n"
            'k2,send_message,C,2026-11-01,"F-1;F\x1b[2J"\n'
            "k3,send_message,C,2026-11-01,F\\;1;F-2\n"
        )
        result = read_history(write(tmp_path, "h.csv", text))
        assert [(r.key, r.invoice_ids) for r in result.items] == [("k3", ("F;1", "F-2"))]
        assert [str(e) for e in result.errors] == [
            "h.csv:2: [k1] customer_id: 'C\\u202e' holds the character U+202E RIGHT-TO-LEFT "
            "OVERRIDE: control, format (bidirectional override, zero-width) and unpaired "
            "surrogate characters are not allowed",
            "h.csv:3: [k2] invoice_ids[1]: 'F\\x1b[2J' holds the character U+001B: control, "
            "format (bidirectional override, zero-width) and unpaired surrogate characters "
            "are not allowed",
        ]

    def test_row_errors_never_print_terminal_escapes(self) -> None:
        error = RowError(source="i.csv", line=2, item_id="F\x1b[2J", message="m\x07")
        assert str(error) == "i.csv:2: [F\\x1b[2J] m\\x07"


class TestLists:
    @pytest.mark.parametrize(
        "items",
        [("F-1",), ("F;1", "F-2"), ("a\\b", "c\\;d", "\\"), ("F-1", "F;2", "C:\\bills;")],
    )
    def test_join_and_split_are_inverse(self, items: tuple[str, ...]) -> None:
        assert split_list(join_list(items)) == items

    def test_semicolons_in_ids_survive_a_history_csv(self, tmp_path: Path) -> None:
        text = (
            "key,kind,customer_id,on,invoice_ids,covers\n"
            f"k1,send_message,C,2026-11-01,{join_list(['F;1', 'F-2'])},{join_list(['a;b'])}\n"
        )
        (record,) = read_history(write(tmp_path, "h.csv", text)).items
        assert record.invoice_ids == ("F;1", "F-2") and record.covers == ("a;b",)


class TestFiles:
    def test_a_device_is_refused_before_reading(self) -> None:
        with pytest.raises(InputError, match="it is a device or a socket, not a file"):
            read_history(_device())

    def test_a_folder_is_refused(self, tmp_path: Path) -> None:
        folder = tmp_path / "i.csv"
        folder.mkdir()
        with pytest.raises(InputError, match="it is a folder, not a file"):
            read_invoices(folder)

    def test_a_file_over_the_limit_is_refused(self, tmp_path: Path) -> None:
        path = write(tmp_path, "i.csv", HEADER + "F-1,C,USD,2026-10-01,2026-10-31,1.00,\n")
        with pytest.raises(InputError, match="larger than the limit of 50 bytes"):
            read_invoices(path, ReadOptions(max_bytes=50))
        assert len(read_invoices(path, ReadOptions(max_bytes=1000)).items) == 1

    def test_a_pipe_is_read_up_to_the_limit(self, tmp_path: Path) -> None:
        import contextlib
        import os
        import threading

        fifo = tmp_path / "i.csv"
        os.mkfifo(fifo)

        def feed() -> None:
            with contextlib.suppress(BrokenPipeError), fifo.open("wb") as handle:
                handle.write((HEADER + "F-1,C,USD,2026-10-01,2026-10-31,1.00,\n" * 50).encode())

        writer = threading.Thread(target=feed)
        writer.start()
        with pytest.raises(InputError, match="larger than the limit of 500 bytes"):
            read_invoices(fifo, ReadOptions(max_bytes=500))
        writer.join()

    def test_an_unreadable_file_is_a_clear_error(self, tmp_path: Path) -> None:
        path = write(tmp_path, "i.csv", HEADER) / "inside.csv"
        with pytest.raises(InputError, match=r"cannot read '.*inside\.csv': Not a directory"):
            read_invoices(path)


def _device() -> Path:
    # A character device whose name ends in .csv: a symbolic link to /dev/zero.
    import tempfile

    folder = Path(tempfile.mkdtemp())
    link = folder / "history.csv"
    link.symlink_to("/dev/zero")
    return link


def test_a_header_of_many_columns_is_refused_quickly_with_a_short_message(tmp_path: Path) -> None:
    path = write(tmp_path, "i.csv", "id,customer_id,currency,issue_date,total" + ",x" * 300_000)
    with pytest.raises(InputError) as caught:
        read_invoices(path)
    assert str(caught.value).startswith("i.csv: the header repeats the column(s) x; each column")
    path = write(tmp_path, "i.csv", ",".join(f"c{n}" for n in range(100_000)))
    with pytest.raises(InputError) as caught:
        read_invoices(path)
    assert len(str(caught.value)) < 600
    assert "and 99980 more" in str(caught.value)


def test_an_issue_date_too_late_for_its_terms_rejects_the_row(tmp_path: Path) -> None:
    text = "id,customer_id,currency,issue_date,terms,total\nF-1,C,USD,9999-12-31,net 30,1.00\n"
    (error,) = read_invoices(write(tmp_path, "i.csv", text)).errors
    assert error.message.startswith(
        "<document>: terms 'net 30' from issue_date 9999-12-31 give a due date after 9999-12-31"
    )
