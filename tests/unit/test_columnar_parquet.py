from datetime import date, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from tests.unit.test_columnar import AS_OF, INVOICES, POLICY, _customer

from dunning import evaluate, load_policy
from dunning.cli import EXIT_INPUT, main
from dunning.columnar import (
    TableEvaluation,
    customers_table,
    evaluate_table,
    evaluation_tables,
    invoices_table,
)
from dunning.columnar.parquet import OUTPUT_FILES, evaluate_parquet
from dunning.errors import TableSchemaError
from dunning.io import read_customers, read_invoices

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
PORTFOLIO = EXAMPLES / "policies" / "portfolio.toml"


def _read(folder: Path) -> TableEvaluation:
    tables = {name: pq.read_table(folder / file) for name, (file, _) in OUTPUT_FILES.items()}
    return TableEvaluation(as_of=AS_OF, **tables)


def _by_invoice(outcomes: pa.Table) -> pa.Table:
    return outcomes.sort_by([("customer_id", "ascending"), ("invoice_id", "ascending")])


def test_due_writes_parquet_from_csv_and_from_parquet(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    customers = EXAMPLES / "customers.csv"
    due = ["due", "--policy", str(PORTFOLIO), "--customers", str(customers)]
    due += ["--as-of", "2026-11-20", "--format", "parquet"]
    assert (
        main([*due, "--invoices", str(EXAMPLES / "invoices.csv"), "--output", str(tmp_path / "a")])
        == 0
    )
    out = capsys.readouterr().out
    # The same figures as the table output of the same command (see test_cli.py).
    assert out.startswith("198 actions; invoices: 76 acted on")
    invoices = read_invoices(EXAMPLES / "invoices.csv").items
    people = read_customers(customers).items
    pq.write_table(invoices_table(reversed(invoices)), tmp_path / "invoices.parquet")
    pq.write_table(customers_table(people), tmp_path / "customers.parquet")
    due[4] = str(tmp_path / "customers.parquet")
    assert (
        main(
            [
                *due,
                "--invoices",
                str(tmp_path / "invoices.parquet"),
                "--output",
                str(tmp_path / "b"),
            ]
        )
        == 0
    )
    assert capsys.readouterr().out == out.replace(str(tmp_path / "a"), str(tmp_path / "b"))
    first, second = _read(tmp_path / "a"), _read(tmp_path / "b")
    assert (first.actions, first.skipped, first.stages) == (
        second.actions,
        second.skipped,
        second.stages,
    )
    assert _by_invoice(first.outcomes) == _by_invoice(second.outcomes)
    # Both equal the object engine's evaluation, outcomes in customer order.
    evaluation = evaluate(invoices, load_policy(PORTFOLIO), date(2026, 11, 20), customers=people)
    ordered = sorted(invoices, key=lambda i: i.customer_id)
    expected = evaluation_tables(evaluation, [(i.id, i.customer_id) for i in ordered])
    assert first.actions == expected.actions
    assert _by_invoice(first.outcomes) == _by_invoice(expected.outcomes)


def test_parquet_invoices_need_the_parquet_format(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pq.write_table(invoices_table(INVOICES), tmp_path / "invoices.parquet")
    args = ["due", "--policy", str(PORTFOLIO), "--customers", str(EXAMPLES / "customers.csv")]
    args += ["--as-of", "2026-11-20", "--invoices", str(tmp_path / "invoices.parquet")]
    assert main(args) == 2
    assert "Parquet invoices give Parquet results: add --format parquet" in capsys.readouterr().err
    (tmp_path / "bad.parquet").write_bytes(b"not parquet")
    args[-1] = str(tmp_path / "bad.parquet")
    assert main([*args, "--format", "parquet", "--output", str(tmp_path)]) == EXIT_INPUT
    assert "bad.parquet cannot be read as Parquet" in capsys.readouterr().err


def test_many_small_batches_stream_to_the_one_shot_result(tmp_path: Path) -> None:
    customers = customers_table([_customer(n) for n in range(60)])
    invoices = [
        INVOICES[n % 4].evolve(
            id=f"S{n:04}",
            customer_id=f"C{(n * 7) % 60}",
            due_date=INVOICES[n % 4].due_date + timedelta(days=n % 29),
        )
        for n in range(600)
    ]
    table = invoices_table(invoices).sort_by("customer_id")
    pq.write_table(table, tmp_path / "invoices.parquet", row_group_size=50)
    counts = evaluate_parquet(
        tmp_path / "invoices.parquet",
        POLICY,
        AS_OF,
        customers=customers,
        output=tmp_path / "out",
        batch_size=4,
    )
    streamed = _read(tmp_path / "out")
    whole = evaluate_table(table, POLICY, AS_OF, customers=customers)
    assert streamed == whole
    assert counts == {**whole.counts(), "actions": whole.actions.num_rows}
    assert (counts["acted"], counts["quiet"]) == (156, 444)
    # The file is read in batches of 4 rows: 150 batches, never the whole file at once.
    assert pq.ParquetFile(tmp_path / "invoices.parquet").metadata.num_row_groups == 12


def test_an_unreadable_customer_file_is_named(tmp_path: Path) -> None:
    (tmp_path / "customers.parquet").write_text("nope", encoding="utf-8")
    with pytest.raises(TableSchemaError, match=r"customers: .*customers\.parquet cannot be read"):
        evaluate_parquet(
            invoices_table(INVOICES), POLICY, AS_OF,
            customers=tmp_path / "customers.parquet", output=tmp_path,
        )  # fmt: skip
