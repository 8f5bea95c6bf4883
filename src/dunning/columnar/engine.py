"""`evaluate_table`: the engine over Arrow tables, in bulk where it can and in full where it must.

Customers are independent (DESIGN.md, partition invariance), so a portfolio splits into the
customers whose invoices provably need nothing today, found in bulk, and the rest, which
`dunning.engine.evaluate` decides on objects built for those customers alone. Both parts
together give exactly the evaluation of the whole portfolio.

The quick check is the object engine's (`dunning.engine.fast.first_pass`), vectorised: for a
policy whose shape allows it (`CompiledPolicy.fast`), an open invoice is quiet when the key
tails its due date requires (worked out once per due date by `quick_plan`) are all in the
history. A customer leaves the bulk path when any of its invoices might need something: a
reminder or stage not yet in the history, a pause that may apply (dispute, promise, plan,
do-not-contact), payments, credit notes or charges, a change of service due (a suspension,
or its lifting), a charge in its history, an unknown or repeated id.
Leaving the bulk path means "evaluate in full", never "something is due".
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date
from decimal import Decimal
from itertools import chain
from typing import Any, Final

from dunning.columnar._arrow import as_table, np, pa, pc
from dunning.columnar._arrow import column as _column
from dunning.columnar._build import (
    Items,
    build_customers,
    build_invoices,
    clean_customer,
    clean_invoices,
    history_index,
    minor_units,
    read_items,
)
from dunning.columnar._ranges import CustomerRanges
from dunning.columnar.kept import NOT_DONE, KeptHistory, conformed_history
from dunning.columnar.schema import (
    CUSTOMER_COLUMNS,
    INVOICE_COLUMNS,
    conform,
    customers_table,
    history_table,
    records,
)
from dunning.columnar.tables import (
    OUTCOME_SCHEMA,
    STAGE_SCHEMA,
    TableEvaluation,
    evaluation_tables,
    outcomes_of,
)
from dunning.engine.actions import ActionKind
from dunning.engine.compiled import CompiledPolicy, compile_policy
from dunning.engine.core import _evaluate_compiled
from dunning.engine.fast import quick_plan
from dunning.errors import TableSchemaError
from dunning.invoices import Customer, InvoiceStatus
from dunning.plans import InstallmentPlan
from dunning.policy.model import Policy, PolicySet

__all__ = ["as_table", "evaluate_batches", "evaluate_table"]

_EPOCH: Final = date(1970, 1, 1)
_NO_IDS: Final = pa.array([], pa.string())
#: What the quick check needs of the invoices of one due date (see `_Portfolio.plan`).
_Plan = tuple[tuple[str, ...], int, tuple[str, ...], tuple[tuple[str, int], ...]]
#: Columns that only the full evaluation reads: a row giving one is evaluated in full.
_FULL_ONLY: Final = ("charges", "terms", "untaxed")
#: Invoices evaluated in full at a time (whole customers): the objects of one chunk are
#: freed before the next is built.
_CHUNK: Final = 20_000


class _Portfolio:
    """What stays the same across the batches of one evaluation: policy, customers, history."""

    def __init__(
        self,
        policy: Policy | PolicySet,
        as_of: date,
        customers: Any,
        history: Any,
        plans: Iterable[InstallmentPlan],
        compiled: dict[str, CompiledPolicy] | None = None,
    ) -> None:
        self.policy = policy
        self.as_of = as_of
        self.today = (as_of - _EPOCH).days
        self.plans = tuple(plans)
        self.customers = _customers(customers)
        self.kept = history if isinstance(history, KeptHistory) else KeptHistory(history)
        self.history = self.kept.table
        self.customer_ids = _column(self.customers, "id")
        self.history_customers = self.kept._customers
        # The policies compiled once for the whole call (every batch of a stream), the full
        # evaluations included.
        self._compiled: dict[str, CompiledPolicy] = {} if compiled is None else compiled
        cp = None
        if isinstance(policy, Policy):
            cp = self._compiled.get(policy.id) or compile_policy(policy)
            self._compiled[cp.id] = cp
        self.compiled: CompiledPolicy | None = cp if cp is not None and cp.fast else None
        self.excluded = self._excluded()
        self.suspends = self.kept._counted(ActionKind.SUSPEND_SERVICE)
        self.resumes = self.kept._counted(ActionKind.RESUME_SERVICE)
        self.planned = pa.array(
            sorted({i for plan in self.plans for i in plan.invoice_ids}), pa.string()
        )
        self._plan_of: dict[int, _Plan | None] = {}

    def _excluded(self) -> Any:
        """Customers evaluated in full whatever their invoices: see the module docstring."""
        parts = []
        counted = pc.value_counts(self.customer_ids)
        parts.append(counted.field("values").filter(pc.greater(counted.field("counts"), 1)))
        cp = self.compiled
        if (
            cp is not None
            and cp.policy.pauses.do_not_contact
            and "do_not_contact" in self.customers.column_names
        ):
            flag = pc.fill_null(_column(self.customers, "do_not_contact"), False)
            parts.append(self.customer_ids.filter(flag))
        parts.append(self.kept._charged)
        return pc.unique(pa.concat_arrays([p.cast(pa.string()) for p in parts]))

    def _count(self, counted: tuple[Any, Any], customer_ids: Any) -> Any:
        at = pc.index_in(customer_ids, value_set=counted[0])
        found = np.zeros(len(customer_ids), dtype=np.int64)
        valid = pc.is_valid(at).to_numpy(zero_copy_only=False)
        if valid.any():
            found[valid] = counted[1][at.drop_null().to_numpy()]
        return found

    def _service_changes(self, customer_ids: Any, levels: Any) -> Any:
        """Customers whose invoices are all quiet but whose service must change.

        As the object engine decides it (`rules.service.service_change`): suspended by the
        history but no longer at a suspending stage, or at one and not suspended.
        """
        cp = self.compiled
        assert cp is not None
        # By level: whether an invoice at it has reached a stage that suspends service.
        suspending = np.zeros(len(cp.stages) + 1, dtype=bool)
        for stage in cp.stages:
            if stage.stage.suspend_service:
                suspending[stage.level :] = True
        reached = pa.table(
            {"customer_id": customer_ids, "suspending": pa.array(suspending[levels])}
        )
        grouped = reached.group_by("customer_id").aggregate([("suspending", "any")])
        customers = grouped["customer_id"].combine_chunks()
        at_stage = grouped["suspending_any"].combine_chunks().to_numpy(zero_copy_only=False)
        suspends = self._count(self.suspends, customers)
        resumes = self._count(self.resumes, customers)
        change = (at_stage & (suspends <= resumes)) | (~at_stage & (suspends > resumes))
        return customers.filter(pa.array(change))

    def plan(self, due: int) -> _Plan | None:
        """What the quick check needs of an invoice due on day `due` (None: evaluate in full).

        The key tails it needs done, its stage level, the key tails it must not have done,
        and the stage entries whose first recorded day must be no earlier than a day (fees,
        interest and suspensions count from it), as (tail, days since 1970-01-01).
        """
        if due in self._plan_of:
            return self._plan_of[due]
        assert self.compiled is not None
        try:
            needs, level, _, absent, dated = quick_plan(
                self.compiled, date.fromordinal(_EPOCH.toordinal() + due), self.as_of
            )
            found: _Plan | None = (
                tuple(sorted(needs)),
                level,
                tuple(sorted(absent)),
                tuple((tail, (entry - _EPOCH).days) for tail, entry in dated),
            )
        except (ArithmeticError, ValueError, OverflowError):
            found = None  # a date out of range: the full evaluation says why
        self._plan_of[due] = found
        return found

    def evaluate(self, table: Any) -> TableEvaluation:
        """Evaluate one conformed invoice table holding whole customers."""
        rows = table.num_rows
        if rows == 0:
            return TableEvaluation.concat(self.as_of, [])
        customer_ids = _column(table, "customer_id")
        places = minor_units(table)
        # Rows that validation might refuse take the full evaluation, which rejects them.
        clean = clean_invoices(table, places)
        items = read_items(table, clean, places)
        levels = np.zeros(rows, dtype=np.int32)
        full, needed, whole = self._full_customers(table, customer_ids, levels, clean, items)
        in_full = pc.is_in(customer_ids, full).to_numpy(zero_copy_only=False)
        staged = None
        if levels.any():
            quiet_levels = np.where(in_full, 0, levels)
            if quiet_levels.any():
                staged = self._stages(table, quiet_levels)
        if not in_full.any():
            return self._quiet(table, staged)
        chosen = pc.is_in(self.customer_ids, value_set=full)
        customers = build_customers(self.customers.filter(chosen))
        refused = [row.get("id") for row in customers if isinstance(row, dict)]
        if refused:  # a record validation refuses rejects every invoice of its customer
            whole = pa.concat_arrays([whole, pa.array([str(i) for i in refused], pa.string())])
        # Of a customer evaluated in full, the invoices found quiet below every stage are
        # quiet whatever the rest decides (customer-level rules read only the invoices due
        # something and those at a stage): they stay out, unless the whole customer is needed.
        taken = in_full & (needed | (levels > 0))
        if len(whole):
            taken |= pc.is_in(customer_ids, value_set=whole).to_numpy(zero_copy_only=False)
        in_full = taken
        part = table.filter(pa.array(in_full))
        tables, outcomes, details = self._in_chunks(table, in_full, full, clean, items, customers)
        mask = pa.array(in_full)
        outcome = pc.replace_with_mask(
            pa.repeat("quiet", rows).cast(pa.string()), mask, pa.array(outcomes, pa.string())
        )
        detail = pc.replace_with_mask(
            pa.nulls(rows, pa.string()), mask, pa.array(details, pa.string())
        )
        result = pa.Table.from_arrays(
            [_column(table, "id"), _column(table, "customer_id"), outcome, detail],
            schema=OUTCOME_SCHEMA,
        )
        return TableEvaluation(
            as_of=self.as_of,
            actions=tables.actions,
            skipped=tables.skipped,
            outcomes=result,
            stages=tables.stages if staged is None else _by_customer(tables.stages, staged),
            evaluated=part.num_rows,
        )

    def _in_chunks(
        self,
        table: Any,
        in_full: Any,
        full: Any,
        clean: Any,
        items: dict[int, Items],
        built: list[Customer | dict[str, Any]],
    ) -> tuple[TableEvaluation, list[str], list[str | None]]:
        """The full evaluation of the customers `full`, about `_CHUNK` invoices at a time.

        Customers are independent, so the chunks (whole customers, in ascending id order,
        as `evaluate` lists them) give together what one evaluation of all would, while the
        objects built for one chunk are freed before the next: memory does not grow with the
        number of customers evaluated in full. `built` holds the records of the customers
        `full` (a `Customer`, or the row that validation refuses). Returns the tables, and
        the outcome and detail of each row `in_full` marks, in row order.
        """
        record_of: dict[str, list[Customer | dict[str, Any]]] = {}
        for record in built:
            owner = record.id if isinstance(record, Customer) else str(record.get("id"))
            record_of.setdefault(owner, []).append(record)
        chosen = np.flatnonzero(in_full)
        owners = _column(table, "customer_id").take(pa.array(chosen))
        full = pc.unique(full)
        full = full.take(pc.sort_indices(full))
        rank = pc.index_in(owners, value_set=full).to_numpy(zero_copy_only=False)
        counts = np.bincount(rank, minlength=len(full))
        group = (np.cumsum(counts) - counts) // _CHUNK  # by customer, never decreasing
        if pc.count_distinct(_column(table, "id")).as_py() < table.num_rows:
            # An invoice id given to two customers rejects both: they are judged together.
            group[:] = 0
        row_group = group[rank]
        order = np.argsort(row_group, kind="stable")
        bounds = np.searchsorted(row_group[order], np.unique(row_group), side="right")
        invoice_ids = _column(table, "id")
        outcomes = np.empty(len(chosen), dtype=object)
        details = np.empty(len(chosen), dtype=object)
        parts = []
        start = 0
        for end in bounds.tolist():
            at = order[start:end]
            rows = chosen[at]
            customers = full.filter(pa.array(group == row_group[at[0]]))
            records = [r for owner in customers.to_pylist() for r in record_of.get(owner, ())]
            evaluation = self._evaluate(
                build_invoices(table, rows.tolist(), clean, items), customers, records
            )
            parts.append(evaluation_tables(evaluation, (), evaluated=len(rows)))
            found, why = outcomes_of(
                evaluation,
                invoice_ids.take(pa.array(rows)).to_pylist(),
                owners.take(pa.array(at)).to_pylist(),
            )
            outcomes[at] = found
            details[at] = why
            del evaluation
            start = end
        return TableEvaluation.concat(self.as_of, parts), outcomes.tolist(), details.tolist()

    def _stages(self, table: Any, levels: Any) -> Any:
        """The stages of customers whose invoices are all quiet, some at a stage.

        As `dunning.engine.outcomes` files them: the highest level, and the invoices at it.
        """
        cp = self.compiled
        assert cp is not None
        at = np.flatnonzero(levels)
        chosen = pa.array(at)
        reached = pa.table(
            {
                "customer_id": _column(table, "customer_id").take(chosen),
                "invoice_id": _column(table, "id").take(chosen),
                "level": pa.array(levels[at], pa.int32()),
            }
        )
        top = reached.group_by("customer_id").aggregate([("level", "max")])
        joined = reached.join(top, "customer_id")
        joined = joined.filter(pc.equal(joined["level"], joined["level_max"])).sort_by(
            [("customer_id", "ascending"), ("invoice_id", "ascending")]
        )
        grouped = joined.group_by("customer_id", use_threads=False).aggregate(
            [("invoice_id", "list"), ("level", "max")]
        )
        level = grouped["level_max"].combine_chunks()
        names = pa.array([""] + [stage.stage.id for stage in cp.stages], pa.string())
        return pa.Table.from_arrays(
            [
                grouped["customer_id"],
                pa.repeat(cp.id, grouped.num_rows).cast(pa.string()),
                names.take(level),
                level,
                grouped["invoice_id_list"],
            ],
            schema=STAGE_SCHEMA,
        ).sort_by("customer_id")

    def _quiet(self, table: Any, staged: Any) -> TableEvaluation:
        empty = TableEvaluation.concat(self.as_of, [])
        outcomes = pa.Table.from_arrays(
            [
                _column(table, "id"),
                _column(table, "customer_id"),
                pa.repeat("quiet", table.num_rows).cast(pa.string()),
                pa.nulls(table.num_rows, pa.string()),
            ],
            schema=OUTCOME_SCHEMA,
        )
        return TableEvaluation(
            as_of=self.as_of,
            actions=empty.actions,
            skipped=empty.skipped,
            outcomes=outcomes,
            stages=empty.stages if staged is None else staged,
        )

    def _full_customers(
        self, table: Any, customer_ids: Any, levels: Any, clean: Any, items: dict[int, Items]
    ) -> tuple[Any, Any, Any]:
        """The customers of `table` whose invoices the quick check cannot prove quiet.

        Or that validation might refuse (rows not `clean`, customer records that fail the
        checks): the full evaluation rejects them. Fills `levels` with the stage level of
        each invoice found quiet. Returns those customers, the rows the full evaluation must
        take (a numpy mask: every row not proven quiet), and the customers it must take
        with all their rows (records refused, a change of service due).
        """
        cp = self.compiled
        if cp is None:
            return pc.unique(customer_ids), np.ones(len(customer_ids), dtype=bool), _NO_IDS
        names = table.column_names
        invoice_ids = _column(table, "id")
        full = pc.is_null(pc.index_in(customer_ids, value_set=self.customer_ids))
        full = pc.or_(full, pc.is_in(customer_ids, value_set=self.excluded))
        counted = pc.value_counts(invoice_ids)
        repeated = counted.field("values").filter(pc.greater(counted.field("counts"), 1))
        if len(repeated):
            full = pc.or_(full, pc.is_in(invoice_ids, value_set=repeated))
        # Closed, or not issued yet: nothing can be due (the object engine's first test).
        closed = pc.greater(_column(table, "issue_date"), pa.scalar(self.as_of, pa.date32()))
        if "status" in names:
            status = pc.fill_null(_column(table, "status"), InvoiceStatus.OPEN.value)
            known = pc.is_in(status, pa.array([s.value for s in InvoiceStatus]))
            full = pc.or_(full, pc.invert(known))
            closed = pc.or_(closed, pc.not_equal(status, InvoiceStatus.OPEN.value))
        pending = pc.invert(closed)
        for name in _FULL_ONLY:
            if name in names:
                full = pc.or_(full, pc.and_(pending, pc.is_valid(table.column(name))))
        pauses = cp.policy.pauses
        if pauses.disputed and "disputed" in names:
            disputed = pc.fill_null(_column(table, "disputed"), False)
            full = pc.or_(full, pc.and_(pending, disputed))
        if pauses.promise_to_pay and "promise_to_pay" in names:
            promised = pc.fill_null(
                pc.greater_equal(
                    _column(table, "promise_to_pay"), pa.scalar(self.as_of, pa.date32())
                ),
                False,
            )
            full = pc.or_(full, pc.and_(pending, promised))
        if pauses.installment_plan and len(self.planned):
            full = pc.or_(full, pc.and_(pending, pc.is_in(invoice_ids, value_set=self.planned)))
        full_np = np.asarray(full.to_numpy(zero_copy_only=False), dtype=bool) | ~clean
        check = np.asarray(pending.to_numpy(zero_copy_only=False), dtype=bool) & ~full_np
        if items:
            self._settled(table, items, check)
        if cp.pause_min and check.any():
            below = self._below_minimum(table, items, check)
            full_np |= below
            check &= ~below
        if check.any():
            full_np |= self._unfinished(table, customer_ids, invoice_ids, check, levels)
        found = pc.unique(customer_ids.filter(pa.array(full_np)))
        quiet = pc.invert(pc.is_in(customer_ids, value_set=found)).to_numpy(zero_copy_only=False)
        whole = [_NO_IDS]
        if quiet.any():
            refused = self._refused_customers(pc.unique(customer_ids.filter(pa.array(quiet))))
            if len(refused):
                found = pa.concat_arrays([found, refused])
                whole.append(refused)
                quiet &= pc.invert(pc.is_in(customer_ids, value_set=refused)).to_numpy(
                    zero_copy_only=False
                )
        if quiet.any():
            changes = self._service_changes(customer_ids.filter(pa.array(quiet)), levels[quiet])
            found = pa.concat_arrays([found, changes])
            whole.append(changes)
        return found, full_np, pa.concat_arrays(whole)

    def _settled(self, table: Any, items: dict[int, Items], check: Any) -> None:
        """Take the invoices settled by payments and credit notes out of `check`.

        As the object engine's first pass: the principal on `as_of` (total less what was
        received on or before it) at or below zero makes the invoice quiet; above zero, the
        invoice is checked like any other. `items` are the checked payments, credit notes and
        charges of the rows that give any.
        """
        rows = [row for row in items if check[row]]
        if not rows:
            return
        totals = table.column("total").take(pa.array(rows, pa.int64())).to_pylist()
        as_of = self.as_of
        for row, total in zip(rows, totals, strict=True):
            if _principal(total, items[row], as_of) <= 0:
                check[row] = False

    def _below_minimum(self, table: Any, items: dict[int, Items], check: Any) -> Any:
        """The rows of `check` paused below the policy's minimum balance (a numpy mask).

        As the object engine's first pass: the principal on `as_of` below the minimum of the
        invoice's currency leaves the invoice to the full evaluation, which reports the
        pause. Rows with charges are evaluated in full already, so the principal is the
        balance.
        """
        cp = self.compiled
        assert cp is not None
        minimum_of = cp.pause_min
        below = np.zeros(len(check), dtype=bool)
        rows = np.flatnonzero(check)
        chosen = pa.array(rows)
        currencies = _column(table, "currency").take(chosen).to_pylist()
        totals = _column(table, "total").take(chosen).to_pylist()
        as_of = self.as_of
        for row, currency, total in zip(rows.tolist(), currencies, totals, strict=True):
            minimum = minimum_of.get(currency)
            if minimum is None:
                continue
            given = items.get(row)
            owed = Decimal(total) if given is None else _principal(total, given, as_of)
            if owed < minimum:
                below[row] = True
        return below

    def _refused_customers(self, customer_ids: Any) -> Any:
        """Of `customer_ids`, those whose record validation might refuse."""
        chosen = self.customers.filter(pc.is_in(self.customer_ids, value_set=customer_ids))
        rows = records(chosen, "customers")
        refused = [row["id"] for row in rows if not clean_customer(row)]
        return pa.array(refused, pa.string())

    def _unfinished(
        self, table: Any, customer_ids: Any, invoice_ids: Any, check: Any, levels: Any
    ) -> Any:
        """Of the open invoices in `check`, those whose due date needs keys not yet done.

        Or that have done a stage above the level reached (it sticks: the full evaluation
        says what follows). Fills `levels` with the stage level of each of the others
        (quiet, maybe at a stage).
        """
        rows = np.flatnonzero(check)
        due = _column(table, "due_date").cast(pa.int32()).to_numpy()[rows]
        days, where = np.unique(due, return_inverse=True)
        out = np.zeros(len(check), dtype=bool)
        bad = np.zeros(len(days), dtype=bool)
        level_of = np.zeros(len(days), dtype=np.int32)
        needs_of: list[tuple[str, ...]] = []
        absent_of: list[tuple[str, ...]] = []
        dated_of: list[tuple[tuple[str, int], ...]] = []
        for index, day in enumerate(days.tolist()):
            plan = self.plan(day)
            if plan is None:  # a date out of range: the full evaluation
                bad[index] = True
                needs_of.append(())
                absent_of.append(())
                dated_of.append(())
                continue
            level_of[index] = plan[1]
            needs_of.append(plan[0])
            absent_of.append(plan[2])
            dated_of.append(plan[3])
        out[rows[bad[where]]] = True
        levels[rows] = level_of[where]
        cp = self.compiled
        assert cp is not None
        chosen = pa.array(rows)
        at = self.kept._numbers(
            pc.binary_join_element_wise(
                pa.scalar(cp.prefix[:-1]),
                _escape(customer_ids.take(chosen)),
                _escape(invoice_ids.take(chosen)),
                ":",
            )
        )
        owner, found, _ = self._done_days(at, where, needs_of)
        needed = np.bincount(owner, weights=found != NOT_DONE, minlength=len(rows))
        lacking = needed < np.array([len(n) for n in needs_of], dtype=np.int64)[where]
        out[rows[lacking]] = True
        if any(absent_of):
            owner, found, _ = self._done_days(at, where, absent_of)
            done = found != NOT_DONE
            out[rows[np.bincount(owner, weights=done, minlength=len(rows)) > 0]] = True
        if any(dated_of):
            # A stage entered later than daily runs would have entered it: fees, interest and
            # suspensions count from the recorded day, so the full evaluation judges it.
            tails_of = [tuple(tail for tail, _ in dated) for dated in dated_of]
            owner, found, slot = self._done_days(at, where, tails_of)
            width = max(len(dated) for dated in dated_of)
            entry_of = np.zeros((len(dated_of), width), dtype=np.int64)
            for index, dated in enumerate(dated_of):
                entry_of[index, : len(dated)] = [entry for _, entry in dated]
            late = (found != NOT_DONE) & (found < entry_of[where[owner], slot])
            out[rows[np.bincount(owner, weights=late, minlength=len(rows)) > 0]] = True
        return out

    def _done_days(
        self, at: Any, where: Any, tails_of: list[tuple[str, ...]]
    ) -> tuple[Any, Any, Any]:
        """The key tails of the due date of each row, looked up in the kept history.

        `at` numbers each row's invoice in the kept history (-1: nothing done for it),
        `where` gives the due date of each row (an index into `tails_of`). Returns, for each
        (row, tail) in row order then tail order, the position of the row, the first day the
        occurrence was done (`NOT_DONE`: never) and the position of the tail in its due date's
        tails.
        """
        kept_ids = self.kept._tail_ids
        position: dict[str, int] = {}
        numbered = [[position.setdefault(t, len(position)) for t in tails] for tails in tails_of]
        counts = np.array([len(n) for n in numbered], dtype=np.int64)[where]
        total = int(counts.sum())
        if total == 0:
            nothing = np.zeros(0, dtype=np.int64)
            return nothing, nothing, nothing
        owner = np.repeat(np.arange(len(at)), counts)
        starts = np.repeat(np.cumsum(counts) - counts, counts)
        width = max(len(n) for n in numbered)
        matrix = np.full((len(numbered), width), -1, dtype=np.int64)
        for index, tails in enumerate(numbered):
            matrix[index, : len(tails)] = tails
        slot = np.arange(total) - starts
        known = np.array([kept_ids.get(t, -1) for t in position], dtype=np.int64)
        tail_at = known[matrix[where[owner], slot]]
        return owner, self.kept._days(at[owner], tail_at), slot

    def _evaluate(self, invoices: list[Any], full: Any, customers: list[Any]) -> Any:
        """The object engine on the customers `full`, with their invoices, records, plans."""
        owned = pc.is_in(self.history_customers, value_set=full)
        return _evaluate_compiled(
            self._compiled,
            invoices,
            self.policy,
            self.as_of,
            customers=customers,
            history=history_index(self.history.filter(owned)),
            plans=self.plans,
        )


def _principal(total: Any, items: Items, as_of: date) -> Decimal:
    """The principal on `as_of`: `total` less the payments and credit notes dated by then."""
    payments, credit_notes, _ = items
    owed = Decimal(total)
    for payment in payments:
        if payment.date <= as_of:
            owed -= payment.amount.amount
    for note in credit_notes:
        if note.date <= as_of:
            owed -= note.amount.amount
    return owed


def _customers(customers: Any) -> Any:
    """The customer table, checked against `CUSTOMER_COLUMNS`."""
    return conform(as_table(customers, "customers"), CUSTOMER_COLUMNS, "customers")


def _by_customer(evaluated: Any, quiet: Any) -> Any:
    """Stages of the two parts in customer order, as `evaluate` lists them."""
    return pa.concat_tables([evaluated, quiet]).sort_by("customer_id")


def _escape(values: Any) -> Any:
    """`dunning.engine.keys.escape`, vectorised."""
    return pc.replace_substring(pc.replace_substring(values, "%", "%25"), ":", "%3A")


def evaluate_table(
    invoices: Any,
    policy: Policy | PolicySet,
    as_of: date,
    *,
    customers: Any,
    history: Any = None,
    plans: Iterable[InstallmentPlan] = (),
) -> TableEvaluation:
    """Decide what is due on `as_of` for a table of invoices, as `dunning.evaluate` does.

    The result holds the same keys, figures, reasons and outcomes as `evaluate` on the same
    portfolio (a property test proves it), as Arrow tables: see `TableEvaluation`.

    Args:
        invoices: the invoice table (`INVOICE_COLUMNS`): a ``pyarrow.Table``, record batches,
            or a pandas or polars frame.
        policy: a `Policy` (its quiet invoices are found in bulk) or a `PolicySet` (every
            invoice then takes the full evaluation).
        as_of: the evaluation date.
        customers: the customer table (`CUSTOMER_COLUMNS`).
        history: the history table (`HISTORY_COLUMNS`), `HistoryRecord`s, or a
            `KeptHistory` kept between days (a table is turned into one on each call);
            None for none.
        plans: installment plans; a plan in good standing pauses dunning of its invoices.

    Raises:
        TableSchemaError: a table with a missing, unknown or mistyped column, or a null in a
            required one (naming the table, the column and the row).

    >>> from datetime import date
    >>> from dunning import Customer, Invoice, Policy, ReminderStep
    >>> from dunning.columnar import customers_table, invoices_table
    >>> policy = Policy(id="p", steps=[ReminderStep(
    ...     id="due", offset_days=0, channels=["email"], template="due")])
    >>> customer = Customer(id="C", name="Ana", contacts=[{"channel": "email", "address": "a@x"}])
    >>> invoice = Invoice(id="I", customer_id="C", currency="USD", total="10.00",
    ...                   issue_date=date(2026, 1, 1), due_date=date(2026, 1, 31))
    >>> result = evaluate_table(invoices_table([invoice]), policy, date(2026, 1, 31),
    ...                         customers=customers_table([customer]))
    >>> result.actions.select(["kind", "key"]).to_pylist()
    [{'kind': 'send_message', 'key': 'p:C:I:step:due:0@email'}]
    """
    portfolio = _Portfolio(policy, as_of, customers, history, plans)
    table = conform(as_table(invoices, "invoices"), INVOICE_COLUMNS, "invoices")
    return portfolio.evaluate(table)


def evaluate_batches(
    batches: Iterable[Any],
    policy: Policy | PolicySet,
    as_of: date,
    *,
    customers: Any,
    history: Any = None,
    plans: Iterable[InstallmentPlan] = (),
) -> Iterator[TableEvaluation]:
    """Evaluate invoice batches as they come, each at a cost in proportion to the batch.

    The batches must list each customer's invoices together, customers in ascending id
    order (sort a file by ``customer_id`` once; a Spark partition is sorted within). The
    rows of the last customer of a batch wait for the next batch, so a customer split across
    batches is still evaluated whole. Each result covers the customers completed so far;
    `TableEvaluation.concat` of all of them equals `evaluate_table` on the whole portfolio.

    Each batch reads only the customers and history rows of its own range of customer ids.
    A customer or history table given whole is sorted by customer id once (unless it is
    already) and sliced; given as an iterator of record batches sorted by customer id (a
    generator, a ``pyarrow.RecordBatchReader``, ``ParquetFile.iter_batches``), it is read
    alongside the invoices and never held whole: memory then stays flat in the size of the
    portfolio.

    Args:
        batches: record batches or tables of the invoice schema (`INVOICE_COLUMNS`).
        policy: see `evaluate_table`.
        as_of: the evaluation date.
        customers: the customer table (`CUSTOMER_COLUMNS`), or an iterator of its record
            batches sorted by ``id``.
        history: the history table (`HISTORY_COLUMNS`), records, an iterator of its record
            batches sorted by ``customer_id``, a `KeptHistory` (held whole, read by every
            batch), or None.
        plans: installment plans.

    Raises:
        TableSchemaError: for a batch (of invoices, customers or history) out of customer
            order, or one that breaks the schema.
    """
    people = CustomerRanges(
        customers, "id", "customers", _customers, _customers(customers_table(()))
    )
    kept = history if isinstance(history, KeptHistory) else None
    records = None
    if kept is None:
        empty = conformed_history(None)
        records = CustomerRanges(
            _history_source(history), "customer_id", "history", conformed_history, empty
        )
    plans = tuple(plans)
    compiled: dict[str, CompiledPolicy] = {}

    def evaluate(table: Any, last: str) -> TableEvaluation:
        """`table`, whose customers are all at most `last`, with their customers and history."""
        taken = kept if records is None else records.through(last)
        return _Portfolio(policy, as_of, people.through(last), taken, plans, compiled).evaluate(
            table
        )

    waiting: Any = None
    last: str | None = None
    number = 0
    for batch in batches:
        number += 1
        table = conform(as_table(batch, "invoices"), INVOICE_COLUMNS, "invoices")
        if table.num_rows == 0:
            continue
        ids = _column(table, "customer_id")
        first = ids[0].as_py()
        if (last is not None and first < last) or (
            len(ids) > 1 and not pc.all(pc.greater_equal(ids[1:], ids[:-1])).as_py()
        ):
            raise TableSchemaError(
                f"invoices: batch {number} is not in ascending customer_id order after "
                f"{last!r}; sort the invoices by customer_id to stream them"
            )
        if waiting is not None:
            table = pa.concat_tables([waiting, table])
            ids = _column(table, "customer_id")
        last = ids[-1].as_py()
        tail = pc.equal(ids, last)
        waiting = table.filter(tail)
        done = table.filter(pc.invert(tail))
        if done.num_rows:
            yield evaluate(done, _column(done, "customer_id")[-1].as_py())
    if waiting is not None and waiting.num_rows and last is not None:
        yield evaluate(waiting, last)


def _history_source(history: Any) -> Any:
    """`history` for `CustomerRanges`: records as a table; batches (maybe streamed) as they are."""
    if history is None:
        return history_table(())
    if isinstance(history, Iterator):
        first = next(history, None)
        if first is None:
            return history_table(())
        rest = chain([first], history)
        if isinstance(first, pa.RecordBatch | pa.Table):
            return rest
        return history_table(rest)
    return history
