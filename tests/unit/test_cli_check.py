"""`dunning check`: the report of a policy's promises, exit 1 when one is broken."""

from pathlib import Path

import pytest

from dunning.cli import main

POLICY = """
id = "daily"
[[steps]]
id = "due"
offset_days = 0
channels = ["email"]
template = "due"
repeat = { every_days = 1 }
"""

PROMISES = """
[[promises]]
kind = "message_limit"
max_messages = {limit}
days = 7
"""


def write(folder: Path, limit: int) -> Path:
    policy = folder / "daily.toml"
    policy.write_text(POLICY, encoding="utf-8")
    (folder / "daily.promises.toml").write_text(PROMISES.format(limit=limit), encoding="utf-8")
    return policy


def test_a_broken_promise_prints_the_counterexample_and_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    policy = write(tmp_path, limit=2)
    assert main(["check", str(policy), "--examples", "20", "--days", "10"]) == 1
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert lines[0] == f"promises: {tmp_path / 'daily.promises.toml'}"
    assert lines[1] == "policy daily: 20 examples of 10 days from 2026-01-05, seed 0"
    assert lines[2] == "  BROKEN  at most 2 messages to a customer in any 7 days"
    assert "  customer C0 (en_US, UTC; email)" in lines
    assert lines[-1] == "reproduce with check_policy(..., days=10, max_examples=20, seed=0)"
    assert err == ""


def test_kept_promises_exit_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path, limit=7)
    other = tmp_path / "other.toml"
    other.write_text(PROMISES.format(limit=7), encoding="utf-8")
    args = ["check", str(tmp_path / "daily.toml"), "--promises", str(other)]
    assert main([*args, "--examples", "10", "--days", "10", "--seed", "4"]) == 0
    out, _ = capsys.readouterr()
    assert out.splitlines()[:3] == [
        f"promises: {other}",
        "policy daily: 10 examples of 10 days from 2026-01-05, seed 4",
        "  kept    at most 7 messages to a customer in any 7 days",
    ]


def test_an_unverifiable_promise_exits_2_before_any_example(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    policy = write(tmp_path, limit=2)
    assert main(["check", str(policy), "--days", "5"]) == 2
    _, err = capsys.readouterr()
    assert err == (
        "dunning check: error: promise 'at most 2 messages to a customer in any 7 days' needs "
        "at least 7 simulated days to be broken, but the check runs 5; pass days=7 or more\n"
    )


def test_an_unknown_jurisdiction_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    policy = tmp_path / "fees.toml"
    policy.write_text(
        'id = "fees"\n[[stages]]\nid = "s"\ntrigger = { days_overdue = 5 }\n'
        '[stages.fee.rule]\nkind = "fixed"\namounts = [{ amount = "5.00", currency = "USD" }]\n',
        encoding="utf-8",
    )
    assert main(["check", str(policy), "--jurisdiction", "ZZ", "--examples", "1"]) == 2
    _, err = capsys.readouterr()
    assert "no statutory preset for jurisdiction 'ZZ'" in err


def test_without_a_promises_file_only_the_invariants_are_checked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    policy = tmp_path / "plain.toml"
    policy.write_text(POLICY.replace('"daily"', '"plain"'), encoding="utf-8")
    assert main(["check", str(policy), "--examples", "3", "--days", "5"]) == 0
    out, _ = capsys.readouterr()
    assert out.splitlines()[0] == "policy plain: 3 examples of 5 days from 2026-01-05, seed 0"
    assert "  kept    the engine never raises" in out.splitlines()


def test_examples_must_be_positive(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    policy = write(tmp_path, limit=2)
    assert main(["check", str(policy), "--examples", "0"]) == 2
    assert "--examples (0) and --days (None) must be >= 1" in capsys.readouterr().err
    assert main(["check", str(policy), "--days", "0"]) == 2
    assert "--examples (100) and --days (0) must be >= 1" in capsys.readouterr().err


def test_a_policy_set_is_checked_with_customers_in_its_segments(
    capsys: pytest.CaptureFixture[str],
) -> None:
    portfolio = Path(__file__).resolve().parents[2] / "examples" / "policies" / "portfolio.toml"
    assert main(["check", str(portfolio), "--examples", "2", "--days", "20"]) == 0
    out, _ = capsys.readouterr()
    assert out.splitlines()[0] == "policy b2b, b2c: 2 examples of 20 days from 2026-01-05, seed 0"


def test_a_database_keeps_the_counterexample_for_the_next_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    policy = write(tmp_path, limit=2)
    database = tmp_path / "examples"
    args = ["check", str(policy), "--days", "10", "--database", str(database)]
    assert main([*args, "--examples", "20"]) == 1
    first = capsys.readouterr().out
    assert any(database.iterdir())
    # One example of another seed finds nothing alone; the database runs the kept one first.
    assert main(["check", str(policy), "--days", "10", "--examples", "1", "--seed", "3"]) == 0
    capsys.readouterr()
    assert main([*args, "--examples", "1", "--seed", "3"]) == 1
    again = capsys.readouterr().out
    assert again.split("BROKEN: ")[1] == first.split("BROKEN: ")[1].replace(
        "max_examples=20, seed=0", "max_examples=1, seed=3"
    )
