"""An `Evaluation` as Arrow tables: actions, skipped occurrences, outcomes and stages.

The output schemas of the columnar engine. Amounts are exact strings with their currency
in a column of their own; reasons keep their rule, text and figures.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Final

from dunning.columnar._arrow import pa
from dunning.engine.actions import Action, Reason, SendMessage, SkippedOccurrence
from dunning.engine.evaluation import CustomerStage, Evaluation, InvoiceOutcome
from dunning.money import Money

__all__ = [
    "ACTION_SCHEMA",
    "OUTCOME_SCHEMA",
    "SKIP_SCHEMA",
    "STAGE_SCHEMA",
    "TableEvaluation",
    "evaluation_tables",
]

_FIGURES: Final = pa.list_(pa.struct([("name", pa.string()), ("value", pa.string())]))

#: One row per action, in the order of `Evaluation.actions`.
ACTION_SCHEMA: Final = pa.schema(
    [
        ("key", pa.string()),
        ("kind", pa.string()),
        ("customer_id", pa.string()),
        ("invoice_ids", pa.list_(pa.string())),
        ("due_on", pa.date32()),
        ("rule_id", pa.string()),
        ("occurrence", pa.int64()),
        ("stage_id", pa.string()),
        ("channel", pa.string()),
        ("address", pa.string()),
        ("template", pa.string()),
        ("amount", pa.string()),
        ("currency", pa.string()),
        ("covers", pa.list_(pa.string())),
        ("reason_rule", pa.string()),
        ("reason_text", pa.string()),
        ("reason_figures", _FIGURES),
    ]
)

#: One row per skipped occurrence, in the order of `Evaluation.skipped`.
SKIP_SCHEMA: Final = pa.schema(
    [
        ("key", pa.string()),
        ("customer_id", pa.string()),
        ("invoice_id", pa.string()),
        ("due_on", pa.date32()),
        ("cause", pa.string()),
        ("retry_on", pa.date32()),
        ("rule_id", pa.string()),
        ("occurrence", pa.int64()),
        ("reason_rule", pa.string()),
        ("reason_text", pa.string()),
        ("reason_figures", _FIGURES),
    ]
)

#: One row per input invoice, in input order: where it ended up (`InvoiceOutcome`), with the
#: pause text or the rejection error as `detail`.
OUTCOME_SCHEMA: Final = pa.schema(
    [
        ("invoice_id", pa.string()),
        ("customer_id", pa.string()),
        ("outcome", pa.string()),
        ("detail", pa.string()),
    ]
)

#: One row per customer with an open invoice at a stage (see `CustomerStage`).
STAGE_SCHEMA: Final = pa.schema(
    [
        ("customer_id", pa.string()),
        ("policy_id", pa.string()),
        ("stage_id", pa.string()),
        ("level", pa.int32()),
        ("invoice_ids", pa.list_(pa.string())),
    ]
)


@dataclass(frozen=True, slots=True)
class TableEvaluation:
    """What an evaluation decided, as Arrow tables (see the `*_SCHEMA` constants).

    Two results are equal when their tables are; `evaluated` (how many invoices took the
    full rule evaluation, the rest being found quiet in bulk) is left out of the comparison.

    Attributes:
        as_of: the evaluation date.
        actions: `ACTION_SCHEMA` rows.
        skipped: `SKIP_SCHEMA` rows.
        outcomes: `OUTCOME_SCHEMA` rows, one per input invoice in input order.
        stages: `STAGE_SCHEMA` rows.
        evaluated: invoices that took the full rule evaluation.
    """

    as_of: date
    actions: Any
    skipped: Any
    outcomes: Any
    stages: Any
    evaluated: int = field(default=0, compare=False)

    def counts(self) -> dict[str, int]:
        """How many invoices ended up in each outcome, by `InvoiceOutcome` value.

        >>> empty = TableEvaluation.concat(date(2026, 1, 1), [])
        >>> empty.counts()
        {'acted': 0, 'skipped': 0, 'paused': 0, 'quiet': 0, 'rejected': 0}
        """
        found = {o.value: 0 for o in InvoiceOutcome}
        counted = self.outcomes.column("outcome").value_counts()
        for entry in counted.to_pylist():
            found[entry["values"]] = entry["counts"]
        return found

    @classmethod
    def concat(cls, as_of: date, parts: Sequence[TableEvaluation]) -> TableEvaluation:
        """One result of several over disjoint sets of customers, tables in part order."""

        def join(name: str, schema: Any) -> Any:
            tables = [getattr(part, name) for part in parts]
            return pa.concat_tables(tables) if tables else schema.empty_table()

        return cls(
            as_of=as_of,
            actions=join("actions", ACTION_SCHEMA),
            skipped=join("skipped", SKIP_SCHEMA),
            outcomes=join("outcomes", OUTCOME_SCHEMA),
            stages=join("stages", STAGE_SCHEMA),
            evaluated=sum(part.evaluated for part in parts),
        )


def _reasons(reasons: Sequence[Reason]) -> tuple[Any, Any, Any]:
    """The rule, text and figures columns of `reasons`, built without a row per reason."""
    rules: list[str] = []
    texts: list[str] = []
    names: list[str] = []
    values: list[str] = []
    offsets = [0]
    for reason in reasons:
        rules.append(reason.rule)
        texts.append(reason.text)
        for name, value in reason.figures:
            names.append(name)
            values.append(value)
        offsets.append(len(names))
    pairs = pa.StructArray.from_arrays(
        [pa.array(names, pa.string()), pa.array(values, pa.string())],
        fields=list(_FIGURES.value_type),
    )
    figures = pa.ListArray.from_arrays(pa.array(offsets, pa.int32()), pairs, type=_FIGURES)
    return pa.array(rules, pa.string()), pa.array(texts, pa.string()), figures


def _actions_table(actions: Sequence[Action]) -> Any:
    """`ACTION_SCHEMA` columns of `actions`, one pass over them."""
    columns: dict[str, list[Any]] = {name: [] for name in ACTION_SCHEMA.names[:14]}
    (keys, kinds, customers, invoices, due, rules, occurrences, stages, channels, addresses,
     templates, amounts, currencies, covers) = columns.values()  # fmt: skip
    for action in actions:
        keys.append(action.key)
        kinds.append(action.kind.value)
        customers.append(action.customer_id)
        invoices.append(action.invoice_ids)
        due.append(action.due_on)
        rules.append(action.rule_id)
        occurrences.append(action.occurrence)
        stages.append(getattr(action, "stage_id", None))
        amount: Money | None
        if isinstance(action, SendMessage):
            channels.append(action.channel.value)
            addresses.append(action.address)
            templates.append(action.template)
            amount = action.total
        else:
            channels.append(None)
            addresses.append(None)
            templates.append(None)
            amount = getattr(action, "amount", None)
        amounts.append(None if amount is None else str(amount.amount))
        currencies.append(None if amount is None else amount.currency)
        covers.append(action.covers)
    arrays = [
        pa.array(values, field.type)
        for values, field in zip(columns.values(), ACTION_SCHEMA, strict=False)
    ]
    return pa.Table.from_arrays(
        [*arrays, *_reasons([action.reason for action in actions])], schema=ACTION_SCHEMA
    )


def _skips_table(skipped: Sequence[SkippedOccurrence]) -> Any:
    """`SKIP_SCHEMA` columns of `skipped`."""
    arrays = [
        pa.array([skip.key for skip in skipped], pa.string()),
        pa.array([skip.customer_id for skip in skipped], pa.string()),
        pa.array([skip.invoice_id for skip in skipped], pa.string()),
        pa.array([skip.due_on for skip in skipped], pa.date32()),
        pa.array([skip.cause.value for skip in skipped], pa.string()),
        pa.array([skip.retry_on for skip in skipped], pa.date32()),
        pa.array([skip.rule_id for skip in skipped], pa.string()),
        pa.array([skip.occurrence for skip in skipped], pa.int64()),
    ]
    return pa.Table.from_arrays(
        [*arrays, *_reasons([skip.reason for skip in skipped])], schema=SKIP_SCHEMA
    )


def _stages_table(stages: Sequence[CustomerStage]) -> Any:
    """`STAGE_SCHEMA` columns of `stages`."""
    return pa.Table.from_arrays(
        [
            pa.array([stage.customer_id for stage in stages], pa.string()),
            pa.array([stage.policy_id for stage in stages], pa.string()),
            pa.array([stage.stage_id for stage in stages], pa.string()),
            pa.array([stage.level for stage in stages], pa.int32()),
            pa.array([stage.invoice_ids for stage in stages], pa.list_(pa.string())),
        ],
        schema=STAGE_SCHEMA,
    )


def outcomes_of(
    evaluation: Evaluation, invoice_ids: Sequence[str], customer_ids: Sequence[str]
) -> tuple[list[str], list[str | None]]:
    """The outcome and detail of each (invoice, customer) pair given to `evaluation`."""
    rejected = {(r.invoice_id, r.customer_id): r.error for r in evaluation.rejected}
    known: dict[str, tuple[str, str | None]] = {}
    for ids, outcome in (
        (evaluation.acted, InvoiceOutcome.ACTED.value),
        (evaluation.skipped_invoices, InvoiceOutcome.SKIPPED.value),
        (evaluation.quiet, InvoiceOutcome.QUIET.value),
    ):
        for invoice_id in ids:
            known[invoice_id] = (outcome, None)
    for pause in evaluation.paused:
        known[pause.invoice_id] = (InvoiceOutcome.PAUSED.value, pause.text)
    outcomes: list[str] = []
    details: list[str | None] = []
    for invoice_id, customer_id in zip(invoice_ids, customer_ids, strict=True):
        error = rejected.get((invoice_id, customer_id))
        if error is not None:
            outcomes.append(InvoiceOutcome.REJECTED.value)
            details.append(error)
            continue
        outcome, detail = known[invoice_id]
        outcomes.append(outcome)
        details.append(detail)
    return outcomes, details


def evaluation_tables(
    evaluation: Evaluation, invoices: Iterable[tuple[str, str]], *, evaluated: int = 0
) -> TableEvaluation:
    """`evaluation` as Arrow tables, with one outcome row per (invoice id, customer id) given.

    `invoices` are the pairs of the invoices evaluated, in input order (an invoice id given
    for two customers is rejected for both, so the pair locates the row).

    Raises:
        KeyError: for an invoice the evaluation does not account for.

    >>> from datetime import date
    >>> result = evaluation_tables(Evaluation(as_of=date(2026, 1, 1), quiet=("I",)), [("I", "C")])
    >>> result.outcomes.to_pylist()
    [{'invoice_id': 'I', 'customer_id': 'C', 'outcome': 'quiet', 'detail': None}]
    """
    pairs = list(invoices)
    invoice_ids = [pair[0] for pair in pairs]
    customer_ids = [pair[1] for pair in pairs]
    outcomes, details = outcomes_of(evaluation, invoice_ids, customer_ids)
    return TableEvaluation(
        as_of=evaluation.as_of,
        actions=_actions_table(evaluation.actions),
        skipped=_skips_table(evaluation.skipped),
        outcomes=pa.Table.from_arrays(
            [
                pa.array(invoice_ids, pa.string()),
                pa.array(customer_ids, pa.string()),
                pa.array(outcomes, pa.string()),
                pa.array(details, pa.string()),
            ],
            schema=OUTCOME_SCHEMA,
        ),
        stages=_stages_table(evaluation.stages),
        evaluated=evaluated,
    )
