"""`dunning run`, `adopt`, `outbox` and `history` on the example portfolio."""

from __future__ import annotations

import io
import json
from datetime import date
from pathlib import Path

import pytest

from dunning.cli import main
from dunning.engine.actions import HistoryRecord
from dunning.runner import EntryStatus, SQLiteStore

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
PORTFOLIO = [
    "--policy",
    str(EXAMPLES / "policies" / "portfolio.toml"),
    "--invoices",
    str(EXAMPLES / "invoices.csv"),
    "--customers",
    str(EXAMPLES / "customers.csv"),
]


def call(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    status = main(list(argv), out=out, err=err)
    return status, out.getvalue(), err.getvalue()


@pytest.fixture
def channels(tmp_path: Path) -> Path:
    path = tmp_path / "channels.toml"
    path.write_text(
        "".join(
            f'[{name}]\ntype = "file"\ndirectory = "sent"\n'
            for name in ("email", "sms", "whatsapp", "phone", "postal")
        ),
        encoding="utf-8",
    )
    return path


def test_run_twice_sends_nothing_new(tmp_path: Path, channels: Path) -> None:
    db = str(tmp_path / "outbox.sqlite")
    args = [*PORTFOLIO, "--db", db, "--as-of", "2026-11-20", "--channels", str(channels)]
    status, out, _ = call("run", *args)
    assert status == 0
    assert out.startswith(
        "Run of 2026-11-20: 146 invoices, 198 actions due, 198 new in the outbox\n"
    )
    assert "  send_message     delivered       45\n" in out
    assert len(list((tmp_path / "sent").glob("*.json"))) == 45
    status, out, _ = call("run", *args, "--format", "json")
    report = json.loads(out)
    assert (status, report["due"], report["written"], report["counts"]) == (0, 0, 0, [])
    assert len(list((tmp_path / "sent").glob("*.json"))) == 45


def test_a_dry_run_writes_nothing(tmp_path: Path) -> None:
    db = tmp_path / "outbox.sqlite"
    status, out, _ = call("run", *PORTFOLIO, "--db", str(db), "--as-of", "2026-11-20", "--dry-run")
    assert status == 0
    assert out.startswith("Run of 2026-11-20 (dry run): 146 invoices, 198 actions due, 0 new")
    assert "  send_message     planned         45\n" in out
    assert SQLiteStore(db).entries() == ()


def test_adopt_then_run_sends_nothing_from_before_go_live(tmp_path: Path) -> None:
    db = str(tmp_path / "outbox.sqlite")
    status, out, _ = call("adopt", *PORTFOLIO, "--db", db, "--as-of", "2026-11-20")
    assert (status, out) == (
        0,
        "adopted 217 records as done on 2026-11-20 (217 found due); the next run sends only "
        "what falls due from now on\n",
    )
    status, out, _ = call("run", *PORTFOLIO, "--db", db, "--as-of", "2026-11-20")
    assert status == 0
    assert "0 actions due, 0 new in the outbox\n  nothing dispatched" in out


def test_history_export_and_import_round_trip(tmp_path: Path, channels: Path) -> None:
    db = str(tmp_path / "outbox.sqlite")
    call("run", *PORTFOLIO, "--db", db, "--as-of", "2026-11-20", "--channels", str(channels))
    exported = tmp_path / "history.csv"
    status, _, err = call("history", "export", "--db", db, "--output", str(exported))
    assert (status, err) == (0, f"wrote 198 records to {exported}\n")
    lines = exported.read_text().splitlines()
    assert lines[0] == (
        "key,kind,customer_id,on,status,invoice_ids,covers,channel,decline,decline_code"
    )
    assert len(lines) == 199
    other = str(tmp_path / "other.sqlite")
    status, out, _ = call("history", "import", "--db", other, str(exported))
    assert (status, out) == (0, "imported 198 of 198 records\n")
    status, out, _ = call("history", "export", "--db", other, "--format", "json")
    assert len(json.loads(out)) == 198
    # The imported history counts as done: nothing is due again.
    status, out, _ = call("run", *PORTFOLIO, "--db", other, "--as-of", "2026-11-20")
    assert "0 actions due" in out


def test_a_decline_survives_a_csv_export_and_import(tmp_path: Path) -> None:
    declined = HistoryRecord(
        key="p:C:I:retry:attempt:1",
        kind="retry_charge",
        customer_id="C",
        on=date(2026, 11, 20),
        status="failed",
        invoice_ids=("I",),
        decline="hard",
        decline_code="stolen_card",
    )
    store = SQLiteStore(tmp_path / "outbox.sqlite")
    store.add_history([declined], source="runner")
    store.close()
    exported = tmp_path / "history.csv"
    call("history", "export", "--db", str(tmp_path / "outbox.sqlite"), "--output", str(exported))
    assert exported.read_text().splitlines()[1] == (
        "p:C:I:retry:attempt:1,retry_charge,C,2026-11-20,failed,I,,,hard,stolen_card"
    )
    status, out, _ = call(
        "history", "import", "--db", str(tmp_path / "other.sqlite"), str(exported)
    )
    assert (status, out) == (0, "imported 1 of 1 records\n")
    other = SQLiteStore(tmp_path / "other.sqlite")
    assert list(other.history()) == [declined]
    other.close()


def test_outbox_list_retry_and_cancel(tmp_path: Path) -> None:
    db = tmp_path / "outbox.sqlite"
    empty = tmp_path / "channels.toml"
    empty.write_text('[postal]\ntype = "console"\n', encoding="utf-8")
    # No sender for e-mail and the rest: their messages fail for good.
    status, out, _ = call(
        "run", *PORTFOLIO, "--db", str(db), "--as-of", "2026-11-20", "--channels", str(empty)
    )
    assert status == 0
    assert "failed: send_message " in out
    store = SQLiteStore(db)
    failed = store.entries([EntryStatus.FAILED])
    assert failed
    status, out, _ = call("outbox", "list", "--db", str(db), "--status", "failed")
    assert status == 0
    assert len(out.splitlines()) == 2 + len(failed)
    assert "no sender registered for channel" in out
    status, out, _ = call("outbox", "retry", "--db", str(db), "--all-failed")
    assert out == f"{len(failed)} of {len(failed)} entries due again; `dunning run` sends them\n"
    assert store.entries([EntryStatus.FAILED]) == ()
    key = failed[0].key
    status, out, _ = call("outbox", "cancel", "--db", str(db), key, "--on", "2026-11-21")
    assert out == "1 of 1 entries cancelled\n"
    assert {e.key: e.status for e in store.entries()}[key] is EntryStatus.CANCELLED
    status, _, err = call("outbox", "retry", "--db", str(db))
    assert (status, err) == (
        2,
        "dunning outbox: error: give the keys to retry, or --all-failed\n",
    )
    store.close()


def test_bad_channels_file_and_damaged_store_are_input_errors(tmp_path: Path) -> None:
    bad = tmp_path / "channels.toml"
    bad.write_text('[email]\ntype = "smtp"\nhost = "h"\nsender = "a@b"\nport_ = 1\n')
    status, _, err = call(
        "run", *PORTFOLIO, "--db", str(tmp_path / "o.sqlite"), "--channels", str(bad)
    )
    assert status == 3  # EXIT_INPUT: an input file that cannot be used
    assert err.startswith(f"dunning run: error: {bad}: [email] unknown key 'port_'")
    damaged = tmp_path / "damaged.sqlite"
    damaged.write_bytes(b"\0garbage" * 1000)
    status, _, err = call("outbox", "list", "--db", str(damaged))
    assert status == 3
    assert err.startswith(f"dunning outbox: error: SQLite store {str(damaged)!r}: cannot open")


def test_run_writes_messages_from_a_catalog(tmp_path: Path, channels: Path) -> None:
    db = str(tmp_path / "outbox.sqlite")
    status, out, _ = call(
        "run",
        *PORTFOLIO,
        "--db",
        db,
        "--as-of",
        "2026-11-20",
        "--channels",
        str(channels),
        "--catalog",
        str(EXAMPLES / "templates.toml"),
    )
    assert status == 0
    assert "  send_message     delivered       45\n" in out
    sent = [json.loads(path.read_text()) for path in (tmp_path / "sent").glob("*.json")]
    assert len(sent) == 45
    emails = [message for message in sent if message["channel"] == "email"]
    assert emails and all(message["html"] and message["subject"] for message in emails)
    assert {message["locale"] for message in sent} <= {"es_CO", "es_CL", "es_MX", "es", "en"}


def test_a_terminal_gets_a_progress_bar_on_standard_error(tmp_path: Path) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    out, err = io.StringIO(), Terminal()
    argv = ["run", *PORTFOLIO, "--db", str(tmp_path / "o.sqlite"), "--as-of", "2026-11-20"]
    assert main([*argv, "--dry-run"], out=out, err=err) == 0
    assert "evaluate" in err.getvalue()
    assert out.getvalue().startswith("Run of 2026-11-20 (dry run)")
