import io
import json
import runpy
import subprocess
import sys
from pathlib import Path

import pytest

import dunning
from dunning.cli import EXIT_BROKEN_PIPE, EXIT_INPUT, EXIT_OK, EXIT_USAGE, main

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
PORTFOLIO = EXAMPLES / "policies" / "portfolio.toml"

DUE = [
    "due",
    "--policy", str(PORTFOLIO),
    "--invoices", str(EXAMPLES / "invoices.csv"),
    "--customers", str(EXAMPLES / "customers.csv"),
    "--as-of", "2026-11-20",
]  # fmt: skip


def test_due_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(DUE) == 0
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert lines[0].split() == ["customer", "action", "invoices", "due", "on", "detail"]
    assert "cobranzas-andinas" in out
    assert lines[-1].startswith("198 actions; invoices: 76 acted on")
    assert err == ""


def test_due_json_with_history_and_bad_rows(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    invoices = tmp_path / "invoices.csv"
    invoices.write_text(
        "id,customer_id,currency,issue_date,due_date,total\n"
        "F-1,CO-001,COP,2026-10-01,2026-10-31,1500000\n"
        "F-2,CO-001,COP,2026-10-01,2026-09-30,99\n",
        encoding="utf-8",
    )
    assert main([*DUE[:3], "--invoices", str(invoices), *DUE[5:], "--format", "json"]) == 0
    first = json.loads(capsys.readouterr().out)
    history = tmp_path / "history.json"
    history.write_text(json.dumps([*({
        "key": a["key"], "kind": a["kind"], "customer_id": a["customer_id"], "on": "2026-11-20",
        "invoice_ids": a["invoice_ids"], "covers": a["covers"]} for a in first["actions"]),
        {"key": "k"}]), encoding="utf-8")  # fmt: skip
    args = [*DUE[:3], "--invoices", str(invoices), *DUE[5:], "--history", str(history)]
    assert main(args) == 0
    out, err = capsys.readouterr()
    assert first["as_of"] == "2026-11-20"
    assert {tuple(a["invoice_ids"]) for a in first["actions"]} == {("F-1",)}
    assert out.startswith("no actions due\n0 actions;")
    bad_row = (
        "skipped row: invoices.csv:3: [F-2] <document>: due_date 2026-09-30 is before "
        "issue_date 2026-10-01: an invoice cannot fall due before it is issued "
        "({'id': 'F-2', 'customer_id': 'CO-001', 'currency': 'COP', 'issue_date': '2026...)"
    )
    assert err.splitlines() == [
        bad_row,
        f"skipped row: history.json[{len(first['actions'])}]: [k] kind: Field required "
        "(missing); customer_id: Field required (missing); on: Field required (missing)",
        "dunning due: 2 rows rejected: invoices.csv 1 (row 1); history.json 1 (kind 1)",
    ]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ([], "the following arguments are required: COMMAND"),
        (["due", "--policy", "p.toml"], "the following arguments are required: --invoices"),
        ([*DUE[:-1], "20/11/2026"], "'20/11/2026' is not a date in ISO 8601 form (YYYY-MM-DD)"),
        (["demo", "--examples", "nowhere"], "cannot find the example portfolio"),
        ([*DUE, "--max-file-size", "lots"], "'lots' is not a size in bytes"),
        ([*DUE, "--delimiter", "ab"], "--delimiter: the delimiter must be one character"),
        ([*DUE, "--encoding", "klingon"], "--encoding: 'klingon' is not a text encoding"),
        (["lint", str(PORTFOLIO), "--terms", "net 31 fortnights"], "cannot read payment terms"),
    ],
)
def test_unusable_arguments_exit_2(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == EXIT_USAGE == 2
    assert message in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["due", "--policy", "nowhere.toml", *DUE[3:]], "dunning due: error: cannot read policy"),
        ([*DUE[:5], "--customers", "nowhere.csv", *DUE[7:]], "dunning due: error: cannot read"),
        (["lint", "policy.toml"], "dunning lint: error: cannot read policy file 'policy.toml'"),
        (
            ["due", "--policy", "/dev/zero", *DUE[3:]],
            "dunning due: error: cannot read policy file '/dev/zero': it is a device or a socket, "
            "not a file",
        ),
        (
            ["lint", "/dev/zero"],
            "dunning lint: error: cannot read policy file '/dev/zero': it is a device or a socket, "
            "not a file",
        ),
        (
            [*DUE, "--max-file-size", "1K"],
            "it is larger than the limit of 1,024 bytes (ReadOptions.max_bytes, --max-file-size)",
        ),
    ],
)
def test_unusable_files_exit_3(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == EXIT_INPUT == 3
    out, err = capsys.readouterr()
    assert message in err and out == ""
    assert "Traceback" not in err


def test_a_device_as_invoices_or_history_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("invoices.csv", "history.json"):
        link = tmp_path / name
        link.symlink_to("/dev/zero")
        flag = "--invoices" if name == "invoices.csv" else "--history"
        assert main([*DUE, flag, str(link)]) == EXIT_INPUT
        assert "it is a device or a socket, not a file" in capsys.readouterr().err


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out == f"dunning {dunning.__version__}\n"


def _bad_invoices(tmp_path: Path) -> Path:
    invoices = tmp_path / "invoices.csv"
    invoices.write_text(
        "id,customer_id,currency,issue_date,due_date,total\n"
        "F-1,CO-001,COP,2026-10-01,2026-10-31,1500000\n"
        "F-2,CO-001,COP,2026-10-01,2026-09-30,99\n"
        "F-3,CO-001,COP,1761004800,2026-10-31,0.5\n",
        encoding="utf-8",
    )
    return invoices


@pytest.mark.parametrize("output", ["table", "json"])
def test_rejected_rows_are_summarised_in_every_format(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], output: str
) -> None:
    args = [*DUE[:3], "--invoices", str(_bad_invoices(tmp_path)), *DUE[5:], "--format", output]
    assert main(args) == EXIT_OK
    out, err = capsys.readouterr()
    assert out
    assert err.splitlines()[-1] == (
        "dunning due: 2 rows rejected: invoices.csv 2 (issue_date 1, row 1)"
    )


def test_strict_stops_on_a_rejected_row(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = [*DUE[:3], "--invoices", str(_bad_invoices(tmp_path)), *DUE[5:], "--strict"]
    assert main(args) == EXIT_INPUT
    out, err = capsys.readouterr()
    assert out == ""
    assert err.splitlines()[-1] == (
        "dunning due: 2 rows rejected: invoices.csv 2 (issue_date 1, row 1); "
        "--strict: nothing evaluated"
    )
    assert main([*DUE, "--strict"]) == EXIT_OK


def test_spreadsheet_options(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    invoices = tmp_path / "invoices.csv"
    invoices.write_bytes(
        "id;customer_id;currency;issue_date;due_date;total\n"
        "FE-ñ;CO-001;COP;01/10/2026;31/10/2026;1.500.000,40\n".encode("cp1252")
    )
    customers = tmp_path / "customers.csv"
    customers.write_bytes(
        "id;name;locale;time_zone;email\n"
        "CO-001;Ferretería Año;es_CO;America/Bogota;pagos@t.example\n".encode("cp1252")
    )
    args = [
        *DUE[:3], "--invoices", str(invoices), "--customers", str(customers), *DUE[7:],
        "--encoding", "cp1252",
        "--delimiter", ";", "--decimal-comma", "--date-format", "%d/%m/%Y",
        "--round-to-minor-unit", "half_up", "--format", "json",
    ]  # fmt: skip
    assert main(args) == EXIT_OK
    out, err = capsys.readouterr()
    assert err == ""
    evaluation = json.loads(out)
    assert {tuple(a["invoice_ids"]) for a in evaluation["actions"]} == {("FE-ñ",)}
    assert main([*args[:-2], "--delimiter", "tab"]) == EXIT_INPUT
    assert "are the cells separated by ';'? use --delimiter" in capsys.readouterr().err


def test_a_closed_pipe_ends_quietly_with_141() -> None:
    # The child waits until the reading end of its standard output is closed, then writes.
    child = (
        "import sys\nfrom dunning.cli import main\n"
        "sys.stdin.readline()\nraise SystemExit(main(['schema']))\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", child],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
    )
    assert proc.stdout is not None
    proc.stdout.close()
    _, err = proc.communicate(b"go\n", timeout=60)
    assert (proc.returncode, err) == (EXIT_BROKEN_PIPE, b"")


def test_a_closed_pipe_in_process(capsys: pytest.CaptureFixture[str]) -> None:
    class Closed(io.StringIO):
        def write(self, text: str) -> int:
            raise BrokenPipeError(32, "Broken pipe")

    assert main(["schema"], out=Closed()) == EXIT_BROKEN_PIPE
    assert capsys.readouterr().err == ""


def test_help_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    assert "due" in capsys.readouterr().out


def test_schema(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema"]) == 0
    assert json.loads(capsys.readouterr().out)["title"] == "Dunning policy"
    assert main(["schema", "--set"]) == 0
    assert json.loads(capsys.readouterr().out)["title"] == "Dunning policy set"


def test_lint_clean(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lint", str(PORTFOLIO)]) == 0
    assert capsys.readouterr().out == "0 findings, 0 errors\n"


def test_lint_warnings_only(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lint", str(PORTFOLIO), "--terms", "net 90", "--terms", "2/10 net 75"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("terms[0].lines[0].due: DUN008 warning: terms 'net 90' give up to 90")
    assert out[1].startswith("terms[1].lines[0].due: DUN008 warning: terms '2/10 net 75'")
    assert out[2] == "2 findings, 0 errors"


def test_lint_error_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    policy = tmp_path / "p.yaml"
    policy.write_text(
        "id: p\nstages:\n"
        "- {id: a, trigger: {days_overdue: 30}}\n"
        "- {id: b, trigger: {days_overdue: 30}}\n",
        encoding="utf-8",
    )
    assert main(["lint", str(policy)]) == 1
    assert capsys.readouterr().out.splitlines() == [
        "stages[1].trigger: DUN002 error: stage 'b' has the same trigger as stage 'a' "
        "(stages[0]); only the more severe 'b' is ever entered",
        "1 findings, 1 errors",
    ]


def test_demo_in_process(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT / "src")  # no examples/ here: the repository's are found
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    assert "== Payment schedules of invoices with terms ==" in out
    assert "terms '2/10 net 30'" in out and "deposit" in out and "terms 'net 30 EOM'" in out
    assert "TOTAL     COP" in out
    assert ", business) ==" in out and ", consumer) ==" in out


def test_demo_with_a_policy_file_instead_of_a_set(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "policies").mkdir()
    (tmp_path / "policies" / "portfolio.toml").write_text('id = "quiet"', encoding="utf-8")
    for name in ("invoices.csv", "customers.csv"):
        (tmp_path / name).write_text(
            (EXAMPLES / name).read_text(encoding="utf-8"), encoding="utf-8"
        )
    assert main(["demo", "--examples", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "(policies: quiet)" in out and "no actions due" in out


def test_python_m_dunning_demo() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "dunning", "demo"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("dunning demo: 50 customers and 146 invoices")
    assert result.stderr == ""


def test_module_entry_point(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "argv", ["dunning", "schema"])
    with pytest.raises(SystemExit) as stop:
        runpy.run_module("dunning", run_name="__main__")
    assert stop.value.code == 0
    assert json.loads(capsys.readouterr().out)["title"] == "Dunning policy"


def test_errors_never_print_terminal_escapes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    invoices = tmp_path / "invoices.csv"
    invoices.write_text("id,customer_id,currency,issue_date,total,\x1b]0;pwned\x07\n")
    assert main([*DUE[:3], "--invoices", str(invoices), *DUE[5:]]) == EXIT_INPUT
    err = capsys.readouterr().err
    assert "\x1b" not in err and "\x07" not in err
    assert "unknown column(s) \\x1b]0;pwned\\x07" in err


def test_lint_with_a_contact_law(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    policy = tmp_path / "p.toml"
    policy.write_text(
        'id = "p"\n'
        '[[steps]]\nid = "a"\noffset_days = 0\nchannels = ["email"]\ntemplate = "t"\n'
        '[[steps]]\nid = "b"\noffset_days = 1\nchannels = ["email"]\ntemplate = "t"\n',
        encoding="utf-8",
    )
    assert main(["lint", str(policy)]) == 0
    assert capsys.readouterr().out == "0 findings, 0 errors\n"
    assert main(["lint", str(policy), "--jurisdiction", "CL"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "steps[1].offset_days: DUN030 warning: under cl: step 'b' on day 1 is 1 day(s) after "
        "the previous email message; Ley 19.496, art. 37 (Ley 21.320): written messages at "
        "least two days (48 hours) apart",
        "1 findings, 0 errors",
    ]
    assert main(["lint", str(policy), "--jurisdiction", "PE"]) == EXIT_USAGE
    assert "'PE' has no contact-law preset" in capsys.readouterr().err
