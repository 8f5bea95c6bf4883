import csv
import io

from dunning.cli import main


def _run(*argv):
    out, err = io.StringIO(), io.StringIO()
    status = main(list(argv), out=out, err=err)
    return status, out.getvalue(), err.getvalue()


def test_simulate_compares_two_policies_and_writes_the_report(tmp_path):
    status, out, err = _run(
        "simulate", "--policy", "examples/policies/b2c.toml",
        "--policy", "examples/policies/b2c_firm.toml",
        "--generate", "15", "--days", "60", "--runs", "2", "--out", str(tmp_path),
    )  # fmt: skip
    assert status == 0, err
    lines = out.splitlines()
    assert lines[0].split()[:2] == ["metric", "policy"]
    assert any(line.startswith("messages ") and "b2c-firm" in line for line in lines)
    with (tmp_path / "comparison.csv").open(encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    assert {r["policy"] for r in rows} == {"b2c", "b2c-firm"}
    assert (tmp_path / "comparison.png").stat().st_size > 1000


def test_simulate_on_the_bundled_portfolio_and_bad_arguments():
    status, out, _ = _run(
        "simulate", "--policy", "examples/policies/b2c.toml",
        "--invoices", "examples/invoices.csv", "--customers", "examples/customers.csv",
        "--days", "20", "--runs", "1",
    )  # fmt: skip
    assert status == 0 and "collected COP" in out
    status, _, err = _run(
        "simulate", "--policy", "examples/policies/b2c.toml", "--generate", "5", "--days", "0"
    )
    assert status == 2 and "days must be between 1 and 3660, got 0" in err
    status, _, err = _run(
        "simulate", "--policy", "examples/policies/b2c.toml",
        "--policy", "examples/policies/b2c.toml", "--generate", "5",
    )  # fmt: skip
    assert status == 2 and "two policies have the id 'b2c'" in err


def test_simulate_shows_its_progress_on_stderr_when_asked():
    status, out, err = _run(
        "simulate", "--policy", "examples/policies/b2c.toml",
        "--policy", "examples/policies/b2c_firm.toml",
        "--generate", "5", "--days", "20", "--runs", "2", "--progress",
    )  # fmt: skip
    assert status == 0, err
    updates = err.split("\r")[1:]
    assert [u.split("] ")[1].strip() for u in updates] == [
        "0/4 runs", "1/4 runs", "2/4 runs", "3/4 runs", "4/4 runs"
    ]  # fmt: skip
    assert updates[0].startswith("simulating [" + " " * 24 + "]")
    assert updates[2].startswith("simulating [" + "#" * 12 + " " * 12 + "]")
    assert err.endswith("4/4 runs\n")
    assert "\r" not in out and "metric" in out


def test_simulate_is_silent_on_stderr_off_a_terminal_or_when_told():
    for flags in ((), ("--no-progress",)):
        status, _, err = _run(
            "simulate", "--policy", "examples/policies/b2c.toml",
            "--generate", "3", "--days", "10", "--runs", "1", *flags,
        )  # fmt: skip
        assert status == 0 and err == ""


def test_simulate_shows_its_progress_on_a_terminal_unless_told_not_to():
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    for flags, shown in (((), True), (("--no-progress",), False)):
        out, err = io.StringIO(), Terminal()
        argv = ["simulate", "--policy", "examples/policies/b2c.toml", "--generate", "3"]
        status = main([*argv, "--days", "10", "--runs", "1", *flags], out=out, err=err)
        assert status == 0
        assert ("1/1 runs" in err.getvalue()) is shown
