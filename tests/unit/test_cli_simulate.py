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
