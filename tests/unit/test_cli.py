import json
import runpy
import subprocess
import sys
from pathlib import Path

import pytest

from dunning.cli import main

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
    ]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ([], "the following arguments are required: COMMAND"),
        (["due", "--policy", "p.toml"], "the following arguments are required: --invoices"),
        ([*DUE[:-1], "20/11/2026"], "'20/11/2026' is not a date in ISO 8601 form (YYYY-MM-DD)"),
        (["due", "--policy", "nowhere.toml", *DUE[3:]], "dunning due: error: cannot read policy"),
        ([*DUE[:5], "--customers", "nowhere.csv", *DUE[7:]], "dunning due: error: cannot read"),
        (["lint", "policy.toml"], "dunning lint: error: cannot read policy file 'policy.toml'"),
        (["demo", "--examples", "nowhere"], "cannot find the example portfolio"),
    ],
)
def test_unusable_arguments_exit_2(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    assert message in capsys.readouterr().err


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
