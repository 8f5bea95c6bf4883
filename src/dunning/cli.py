"""The ``dunning`` command: what is due today, the policy schema, the linter and a demo.

::

    dunning due --policy portfolio.toml --invoices invoices.csv --customers customers.csv \
                --as-of 2026-11-20 [--history history.csv] [--format table|json]
    dunning schema [--set]
    dunning lint POLICY [--terms "2/10 net 30" ...]
    dunning demo [--examples DIR]
    dunning check POLICY [--promises PROMISES] [--jurisdiction CO] [--examples N] [--days N]
                  [--seed N]

Bad rows of the input files are reported on standard error with their line numbers and left
out; they never stop the run. The exit status is 0 on success, 1 when `lint` finds an error
or `check` a broken promise, and 2 when the arguments cannot be used (a missing file, a bad
date, a policy that does not validate, a promise that cannot be checked).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import TextIO

from dunning.analytics import aging
from dunning.engine import Action, Evaluation, evaluate
from dunning.engine.actions import (
    ChargeFee,
    CreateTask,
    EnterStage,
    HandOff,
    HistoryRecord,
    PostInterest,
    SendMessage,
)
from dunning.errors import DunningError
from dunning.invoices import Customer, Invoice
from dunning.io import RowError, read_customers, read_history, read_invoices
from dunning.policy.io import load_policy, policy_schema
from dunning.policy.lint import Severity, lint
from dunning.policy.model import PolicySet
from dunning.terms import get_terms, parse_terms

__all__ = ["DEMO_DATE", "build_parser", "main"]

#: The date the demo evaluates the example portfolio on.
DEMO_DATE = date(2026, 11, 20)

#: The example portfolio shipped in the repository, next to ``src/``.
_REPOSITORY_EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

_USAGE_ERROR = 2


class _UsageError(Exception):
    """Arguments that cannot be used; the message says which and why."""


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a date in ISO 8601 form (YYYY-MM-DD)"
        ) from None


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``dunning`` command."""
    parser = argparse.ArgumentParser(
        prog="dunning", description="Collection policies: what is due, schema, lint, demo."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    due = commands.add_parser("due", help="list the actions due on a date")
    due.add_argument("--policy", required=True, type=Path, help="policy or policy set file")
    due.add_argument("--invoices", required=True, type=Path, help="invoices .csv or .json")
    due.add_argument("--customers", required=True, type=Path, help="customers .csv or .json")
    due.add_argument("--as-of", required=True, type=_date, help="evaluation date, YYYY-MM-DD")
    due.add_argument("--history", type=Path, help="history .csv or .json of actions done")
    due.add_argument("--format", choices=("table", "json"), default="table")

    schema = commands.add_parser("schema", help="print the JSON Schema of a policy file")
    schema.add_argument("--set", action="store_true", help="the schema of a policy set")

    check = commands.add_parser("lint", help="report contradictions in a policy file")
    check.add_argument("file", type=Path, help="policy or policy set file")
    check.add_argument(
        "--terms",
        action="append",
        default=[],
        metavar="TERMS",
        help='B2B payment terms to check too, e.g. "net 90" (repeatable)',
    )

    demo = commands.add_parser("demo", help="run the example portfolio")
    demo.add_argument("--examples", type=Path, help="folder of the example portfolio")

    checking = commands.add_parser(
        "check", help="run a policy over generated portfolios and check its promises"
    )
    checking.add_argument("file", type=Path, help="policy or policy set file")
    checking.add_argument(
        "--promises",
        type=Path,
        help="promises file (default: POLICY's name with .promises before the suffix)",
    )
    checking.add_argument("--jurisdiction", help="statutory limits of this code, e.g. CO")
    checking.add_argument("--examples", type=int, default=100, help="examples per search")
    checking.add_argument(
        "--days", type=int, help="simulated days per example (default: 90, more if a promise needs)"
    )
    checking.add_argument("--seed", type=int, default=0, help="seed of the search")
    return parser


# -- rendering --------------------------------------------------------------------------------


def _table(rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    lines = []
    for number, row in enumerate(rows):
        lines.append("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
        if number == 0:
            lines.append("  ".join("-" * width for width in widths))
    return "\n".join(lines)


def _detail(action: Action) -> str:
    if isinstance(action, SendMessage):
        return f"{action.channel.value} {action.template} ({action.tone.value}) {action.total}"
    if isinstance(action, EnterStage):
        return f"{action.stage_id} (level {action.level})"
    if isinstance(action, ChargeFee):
        return f"{action.amount} ({action.stage_id})"
    if isinstance(action, PostInterest):
        return f"{action.amount} ({action.first_day} to {action.last_day})"
    if isinstance(action, CreateTask):
        return f"{action.task.kind.value} {action.task.queue or ''}".rstrip()
    if isinstance(action, HandOff):
        return f"{action.amount} to {action.agency}"
    amount = getattr(action, "amount", None)
    stage = getattr(action, "stage_id", None)
    return " ".join(str(part) for part in (amount, stage) if part is not None)


def actions_table(evaluation: Evaluation) -> str:
    """The actions of `evaluation` as a text table, one line per action."""
    rows = [("customer", "action", "invoices", "due on", "detail")]
    rows.extend(
        (
            action.customer_id,
            action.kind.value,
            ",".join(action.invoice_ids),
            action.due_on.isoformat(),
            _detail(action),
        )
        for action in evaluation.actions
    )
    summary = (
        f"{len(evaluation.actions)} actions; invoices: {len(evaluation.acted)} acted on, "
        f"{len(evaluation.skipped_invoices)} skipped, {len(evaluation.paused)} paused, "
        f"{len(evaluation.quiet)} quiet, {len(evaluation.rejected)} rejected"
    )
    return (_table(rows) if evaluation.actions else "no actions due") + "\n" + summary


# -- commands ---------------------------------------------------------------------------------


def _report(errors: Sequence[RowError], err: TextIO) -> None:
    for problem in errors:
        print(f"skipped row: {problem}", file=err)


def _inputs(
    invoices: Path, customers: Path, history: Path | None, err: TextIO
) -> tuple[tuple[Invoice, ...], tuple[Customer, ...], tuple[HistoryRecord, ...]]:
    bills = read_invoices(invoices)
    people = read_customers(customers)
    _report(bills.errors, err)
    _report(people.errors, err)
    records: tuple[HistoryRecord, ...] = ()
    if history is not None:
        done = read_history(history)
        _report(done.errors, err)
        records = done.items
    return bills.items, people.items, records


def _due(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    policy = load_policy(args.policy)
    invoices, customers, history = _inputs(args.invoices, args.customers, args.history, err)
    evaluation = evaluate(invoices, policy, args.as_of, customers=customers, history=history)
    if args.format == "json":
        out.write(evaluation.model_dump_json(indent=2) + "\n")
    else:
        print(actions_table(evaluation), file=out)
    return 0


def _schema(args: argparse.Namespace, out: TextIO) -> int:
    schema = policy_schema("set" if args.set else "policy")
    out.write(json.dumps(schema, indent=2, ensure_ascii=False) + "\n")
    return 0


def _lint(args: argparse.Namespace, out: TextIO) -> int:
    policy = load_policy(args.file)
    terms = []
    for text in args.terms:
        try:
            terms.append(get_terms(text))
        except KeyError:
            terms.append(parse_terms(text))
    findings = lint(policy, terms=terms)
    for finding in findings:
        print(finding, file=out)
    errors = sum(finding.severity is Severity.ERROR for finding in findings)
    print(f"{len(findings)} findings, {errors} errors", file=out)
    return 1 if errors else 0


def _companion(policy: Path) -> Path:
    """The promises file beside `policy`: ``b2c.toml`` -> ``b2c.promises.toml``."""
    return policy.with_name(f"{policy.stem}.promises{policy.suffix}")


def _check(args: argparse.Namespace, out: TextIO) -> int:
    from dunning.policy.io import load_promises
    from dunning.policy.promises import Promises
    from dunning.testing import check_policy

    policy = load_policy(args.file)
    path = args.promises
    if path is None and _companion(args.file).exists():
        path = _companion(args.file)
    promises = load_promises(path) if path is not None else Promises()
    if args.examples < 1 or (args.days is not None and args.days < 1):
        raise _UsageError(f"--examples ({args.examples}) and --days ({args.days}) must be >= 1")
    report = check_policy(
        policy,
        promises,
        jurisdiction=args.jurisdiction,
        days=args.days,
        max_examples=args.examples,
        seed=args.seed,
    )
    if path is not None:
        print(f"promises: {path}", file=out)
    print(report, file=out)
    return 0 if report.kept else 1


def _examples(folder: Path | None) -> Path:
    candidates = [folder] if folder is not None else [Path.cwd() / "examples", _REPOSITORY_EXAMPLES]
    for candidate in candidates:
        if (candidate / "policies" / "portfolio.toml").is_file():
            return candidate
    raise _UsageError(
        "cannot find the example portfolio (examples/policies/portfolio.toml); "
        "run from the repository or pass --examples DIR"
    )


def _schedules(invoices: Sequence[Invoice], names: dict[str, str]) -> str:
    lines: list[str] = []
    shown: set[str] = set()
    for invoice in invoices:
        if invoice.terms is None or invoice.terms.name in shown:
            continue
        shown.add(invoice.terms.name)
        lines.append(
            f"{invoice.id} ({names.get(invoice.customer_id, invoice.customer_id)}), "
            f"{invoice.total} issued {invoice.issue_date}, terms {invoice.terms.name!r}:"
        )
        for installment in invoice.installments():
            what = "deposit" if installment.deposit else f"installment {installment.sequence}"
            lines.append(f"  {what:<14} due {installment.due_date}  {installment.amount}")
            lines.extend(
                f"  {'':<14} or pay {window.amount_payable} by {window.last_day} "
                f"(discount {window.discount})"
                for window in installment.discounts
            )
    return "\n".join(lines)


def _demo(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    folder = _examples(args.examples)
    policy = load_policy(folder / "policies" / "portfolio.toml")
    ids = [p.id for p in policy.policies] if isinstance(policy, PolicySet) else [policy.id]
    invoices, customers, _ = _inputs(folder / "invoices.csv", folder / "customers.csv", None, err)
    names = {customer.id: customer.name for customer in customers}
    as_of = DEMO_DATE

    def section(title: str) -> None:
        print(f"\n== {title} ==\n", file=out)

    print(
        f"dunning demo: {len(customers)} customers and {len(invoices)} invoices in COP, CLP "
        f"and MXN, evaluated on {as_of.isoformat()}",
        file=out,
    )
    section("Payment schedules of invoices with terms")
    print(_schedules(invoices, names), file=out)
    section(f"Aging of receivables on {as_of.isoformat()}, by currency")
    print(aging(invoices, as_of).to_text(totals_only=True), file=out)
    section(f"Evaluation on {as_of.isoformat()} (policies: {', '.join(ids)})")
    evaluation = evaluate(invoices, policy, as_of, customers=customers)
    print(actions_table(evaluation), file=out)
    segments = {customer.id: customer.segment for customer in customers}
    for segment in ("business", "consumer"):
        # The customer of the segment with the most actions, then the fewest skips: the
        # explanation worth reading.
        ranked = sorted(
            (
                -len(evaluation.actions_for(c)),
                sum(s.customer_id == c for s in evaluation.skipped),
                c,
            )
            for c in evaluation.customers()
            if segments.get(c) == segment and evaluation.actions_for(c)
        )
        if ranked:
            chosen = ranked[0][2]
            section(f"Why: {names[chosen]} ({chosen}, {segment})")
            print(evaluation.explain(chosen), file=out)
    return 0


def main(
    argv: Sequence[str] | None = None, *, out: TextIO | None = None, err: TextIO | None = None
) -> int:
    """Run the ``dunning`` command with `argv` (by default the process's arguments).

    Returns:
        The exit status: 0 on success, 1 when `lint` finds an error or `check` a broken
        promise, 2 for unusable arguments.
    """
    out = sys.stdout if out is None else out
    err = sys.stderr if err is None else err
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as stop:  # argparse has printed the usage and the problem
        return int(stop.code or 0)
    try:
        if args.command == "due":
            return _due(args, out, err)
        if args.command == "schema":
            return _schema(args, out)
        if args.command == "lint":
            return _lint(args, out)
        if args.command == "check":
            return _check(args, out)
        return _demo(args, out, err)
    except (_UsageError, DunningError) as error:
        print(f"dunning {args.command}: error: {error}", file=err)
        return _USAGE_ERROR
