"""The columnar engine: `evaluate` over Apache Arrow tables, in bulk, streamed or on Spark.

Install with ``pip install "dunning[arrow]"``. Invoices, customers and history are Arrow
tables of the documented schema (`dunning.columnar.schema`); the result is a
`TableEvaluation` of Arrow tables with the same keys, figures and reasons as
`dunning.evaluate`. See docs/columnar.md.
"""

from dunning.columnar.engine import as_table, evaluate_batches, evaluate_table
from dunning.columnar.kept import KeptHistory
from dunning.columnar.schema import (
    CUSTOMER_COLUMNS,
    HISTORY_COLUMNS,
    INVOICE_COLUMNS,
    Column,
    customers_table,
    history_table,
    invoices_table,
)
from dunning.columnar.tables import (
    ACTION_SCHEMA,
    OUTCOME_SCHEMA,
    SKIP_SCHEMA,
    STAGE_SCHEMA,
    TableEvaluation,
    evaluation_tables,
)

__all__ = [
    "ACTION_SCHEMA",
    "CUSTOMER_COLUMNS",
    "HISTORY_COLUMNS",
    "INVOICE_COLUMNS",
    "OUTCOME_SCHEMA",
    "SKIP_SCHEMA",
    "STAGE_SCHEMA",
    "Column",
    "KeptHistory",
    "TableEvaluation",
    "as_table",
    "customers_table",
    "evaluate_batches",
    "evaluate_table",
    "evaluation_tables",
    "history_table",
    "invoices_table",
]
