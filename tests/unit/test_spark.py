import os
import sys
from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from pyspark.sql import SparkSession
from tests.unit.test_columnar import AS_OF, INVOICES, POLICY

from dunning import Customer, Invoice, evaluate
from dunning.columnar import (
    ACTION_SCHEMA,
    TableEvaluation,
    customers_table,
    evaluate_table,
    history_table,
    invoices_table,
)
from dunning.spark import evaluate_spark


@pytest.fixture(scope="module")
def spark() -> Iterator[SparkSession]:
    """A local Spark of two cores on 127.0.0.1, without its web UI, stopped at the end."""
    saved = {name: os.environ.get(name) for name in ("PYSPARK_PYTHON", "SPARK_LOCAL_IP")}
    os.environ["PYSPARK_PYTHON"] = sys.executable
    os.environ["SPARK_LOCAL_IP"] = "127.0.0.1"
    session = (
        SparkSession.builder.master("local[2]")
        .appName("dunning-tests")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.default.parallelism", "2")
        .getOrCreate()
    )
    yield session
    session.stop()
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


#: Messages of the Chilean customers in proceedings, refused by the contact law.
LAW_SKIPS = 13


def _portfolio() -> tuple[list[Customer], list[Invoice]]:
    # Every third customer under a contact law: Chilean ones in legal proceedings since
    # before AS_OF (their messages are refused), Colombian ones (deferred to lawful hours).
    laws: dict[int, dict[str, object]] = {
        0: {},
        1: {
            "jurisdiction": "cl",
            "time_zone": "America/Santiago",
            "legal_proceedings_since": date(2026, 1, 5),
        },
        2: {"jurisdiction": "co", "time_zone": "America/Bogota"},
    }
    customers = [
        Customer(
            id=f"K{n:02}",
            name=f"Customer {n}",
            contacts=[
                {
                    "channel": "email",
                    "address": f"k{n}@example.com",
                    "consented_on": date(2025, 1, 1),
                }
            ],
            **laws[n % 3],
        )
        for n in range(30)
    ]
    invoices = [
        INVOICES[n % 4].evolve(
            id=f"V{n:03}",
            customer_id=f"K{n % 30:02}",
            due_date=INVOICES[n % 4].due_date + timedelta(days=n % 23),
        )
        for n in range(150)
    ]
    return customers, invoices


def _sorted(result: TableEvaluation) -> dict[str, list[dict[str, object]]]:
    orders = {
        "actions": ["key"],
        "skipped": ["key", "invoice_id"],
        "outcomes": ["customer_id", "invoice_id"],
        "stages": ["customer_id"],
    }
    return {
        name: getattr(result, name).sort_by([(c, "ascending") for c in columns]).to_pylist()
        for name, columns in orders.items()
    }


# pyspark warns about pandas 3 on import of its pandas helpers; no pandas is used here.
@pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas:FutureWarning")
def test_spark_gives_the_single_process_result(spark: SparkSession) -> None:
    customers, invoices = _portfolio()
    earlier = evaluate(invoices, POLICY, date(2026, 2, 20), customers=customers)
    history = history_table(earlier.history())
    people = customers_table(customers)
    bills = invoices_table(invoices)
    expected = evaluate_table(bills, POLICY, AS_OF, customers=people, history=history)
    result = evaluate_spark(
        spark.createDataFrame(bills),
        POLICY,
        AS_OF,
        customers=spark.createDataFrame(people),
        history=spark.createDataFrame(history),
        partitions=2,
    )
    assert result.actions.columns == ACTION_SCHEMA.names
    found, seconds = result.collect()  # one Spark job
    result.unpersist()
    assert _sorted(found) == _sorted(expected)
    assert found.outcomes.num_rows == len(invoices)
    assert expected.actions.num_rows == 39
    causes = expected.skipped.column("cause").to_pylist()
    assert causes.count("contact_law") == LAW_SKIPS
    assert seconds > 0
