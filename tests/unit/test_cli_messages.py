import json
from pathlib import Path

import pytest

from dunning.cli import main

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
PORTFOLIO = EXAMPLES / "policies" / "portfolio.toml"
CATALOG = EXAMPLES / "templates.toml"

DUE = [
    "due",
    "--policy", str(PORTFOLIO),
    "--invoices", str(EXAMPLES / "invoices.csv"),
    "--customers", str(EXAMPLES / "customers.csv"),
    "--as-of", "2026-11-20",
]  # fmt: skip


def test_due_table_writes_amounts_for_each_customer(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(DUE) == 0
    out = capsys.readouterr().out
    line = next(x for x in out.splitlines() if x.startswith("CL-001") and "send_message" in x)
    assert line.endswith("email b2b-due-today (neutral) $3.784.380")
    assert "3784380 CLP" not in out
    assert main([*DUE, "--locale", "en"]) == 0
    assert "email b2b-due-today (neutral) CLP3,784,380" in capsys.readouterr().out


def test_due_render_prints_the_messages(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*DUE, "--render", "--catalog", str(CATALOG)]) == 0
    out = capsys.readouterr().out
    assert out.endswith("45 messages\n")
    assert out.count("\n--- ") + out.startswith("--- ") == 45
    assert "--- email to pagos@comercial-pacifico.example (b2b-due-today, es_CL) ---\n" in out
    assert "Subject: Su factura F-8034 está vencida\n" in out  # sent 6 days late


def test_due_render_json_in_a_chosen_locale(capsys: pytest.CaptureFixture[str]) -> None:
    args = [*DUE, "--render", "--catalog", str(CATALOG), "--format", "json", "--locale", "pt_BR"]
    assert main(args) == 0
    messages = json.loads(capsys.readouterr().out)
    assert len(messages) == 45
    assert {m["locale"] for m in messages} == {"pt_BR", "en"}  # b2b-compensation: es and en
    first = messages[0]
    assert first["template"] == "b2b-due-today"
    assert first["subject"] == "Sua fatura F-8034 venceu"


def test_due_render_without_the_aliases_says_which_template_is_missing(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main([*DUE, "--render"]) == 3  # EXIT_INPUT: the catalog lacks a template
    err = capsys.readouterr().err
    assert err.startswith("dunning due: error: no template 'b2b-due-today' in locales es_CL, es")


def test_templates_list(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["templates", "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "call-notice: en, es, es_CL, es_CO, es_MX, pt_BR"
    assert len(lines) == 14
    assert main(["templates", "list", "--catalog", str(CATALOG)]) == 0
    out = capsys.readouterr().out
    assert "b2c-due-today -> due-today\n" in out
    assert "b2b-compensation: en, es, es_CL, es_CO, es_MX\n" in out  # by extension of es


def test_templates_show(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["templates", "show", "due-today", "--locale", "pt_BR", "--channel", "sms"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert out.startswith("due-today (pt_BR)\n  body: Lembramos que o pagamento {{ documents }}")
    assert "--- sms to +573001234567 (due-today, pt_BR) ---\n" in out
    assert "O pagamento da sua fatura FE-9111 de R$ 1.234.567,00 vence hoje, 9 de nov." in out
    assert "(gsm-7, 1 segment(s))" in out


def test_templates_check(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["templates", "check"]) == 0
    assert capsys.readouterr().out == "14 templates in 6 locales checked: 0 problems\n"
    assert main(["templates", "check", "--policy", str(PORTFOLIO)]) == 1
    out = capsys.readouterr().out
    assert "rules[0].policy.steps[0].template: DUN020 error: template 'b2b-statement'" in out
    assert out.endswith("14 templates in 6 locales checked: 13 problems\n")
    catalog_args = ["--catalog", str(CATALOG), "--policy", str(PORTFOLIO)]
    assert main(["templates", "check", *catalog_args]) == 0
    bad = tmp_path / "bad.toml"
    bad.write_text('[en.templates.due-today]\nsms = "Pay {{ link }}"\n', encoding="utf-8")
    assert main(["templates", "check", "--catalog", str(bad)]) == 1
    out = capsys.readouterr().out
    assert "due-today (en, sms, friendly): the text lacks the invoice number 'FE-9111'" in out


def test_templates_refuses_a_hostile_catalog(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[en.templates.due-today]\nsms = \"{% include '/etc/passwd' %}\"\n", "utf-8")
    assert main(["templates", "list", "--catalog", str(bad)]) == 3
    assert "'{% include %}' is not allowed" in capsys.readouterr().err


def test_demo_shows_messages_in_spanish(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    assert "== Messages, as the customers read them (45 rendered) ==" in out
    assert "le informamos que el pago de su factura F-8034 por $3.784.380 venció el 14" in out
    assert "Puede pagar en línea en https://pagos.servicios-andinos.example/CL-001." in out
    assert "balance $273.020)" in out  # the explanation speaks the customer's locale


def test_demo_without_a_catalog_file_says_what_is_missing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "policies").mkdir()
    for name in ("portfolio.toml", "b2b.toml", "b2c.toml"):
        source = EXAMPLES / "policies" / name
        (tmp_path / "policies" / name).write_text(source.read_text("utf-8"), "utf-8")
    for name in ("invoices.csv", "customers.csv"):
        (tmp_path / name).write_text((EXAMPLES / name).read_text("utf-8"), "utf-8")
    assert main(["demo", "--examples", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "not rendered: the catalog lacks templates the policy names" in out
    assert "rules[0].policy.steps[0].template: DUN020 error: template 'b2b-statement'" in out
