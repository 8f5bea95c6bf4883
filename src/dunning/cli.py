"""The ``dunning`` command: what is due today, the policy schema, the linter and a demo.

::

    dunning due --policy portfolio.toml --invoices invoices.csv --customers customers.csv \
                --as-of 2026-11-20 [--history history.csv] [--format table|json] [--strict]
                [--encoding cp1252] [--delimiter ';'] [--decimal-comma] [--date-format FMT]
                [--round-to-minor-unit half_up|half_even] [--max-file-size 256M]
    dunning schema [--set]
    dunning lint POLICY [--terms "2/10 net 30" ...]
    dunning demo [--examples DIR]
    dunning --version

Bad rows of the input files are reported on standard error with their line numbers and left
out, followed by a summary line; with ``--strict`` any rejected row or invoice stops the run.
The exit status is `EXIT_OK` (0) on success, `EXIT_LINT_ERRORS` (1) when `lint` finds an
error, `EXIT_USAGE` (2) when the command line cannot be used, `EXIT_INPUT` (3) when an input
file cannot be used (missing, unreadable, a device, too large, a policy that does not
validate) or, with ``--strict``, a row was rejected, and `EXIT_BROKEN_PIPE` (141, as a Unix
tool killed by SIGPIPE) when standard output is closed early (``dunning due ... | head``).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections import Counter
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import TextIO

from pydantic import ValidationError

from dunning import __version__
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
from dunning.errors import DunningError, TermsParseError
from dunning.invoices import Customer, Invoice
from dunning.io import (
    MAX_FILE_BYTES,
    ReadOptions,
    RowError,
    _printable,
    check_input_file,
    read_customers,
    read_history,
    read_invoices,
)
from dunning.money import Rounding
from dunning.policy.io import load_policy, policy_schema
from dunning.policy.lint import Severity, lint
from dunning.policy.model import Policy, PolicySet
from dunning.terms import get_terms, parse_terms

__all__ = [
    "DEMO_DATE",
    "EXIT_BROKEN_PIPE",
    "EXIT_INPUT",
    "EXIT_LINT_ERRORS",
    "EXIT_OK",
    "EXIT_USAGE",
    "build_parser",
    "main",
]

#: The date the demo evaluates the example portfolio on.
DEMO_DATE = date(2026, 11, 20)

#: The example portfolio shipped in the repository, next to ``src/``.
_REPOSITORY_EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

#: Exit status: success.
EXIT_OK = 0
#: Exit status: `lint` found at least one error.
EXIT_LINT_ERRORS = 1
#: Exit status: the command line cannot be used (an unknown option, a bad date).
EXIT_USAGE = 2
#: Exit status: an input file cannot be used, or (with ``--strict``) a row was rejected.
EXIT_INPUT = 3
#: Exit status: standard output was closed early; 128 + SIGPIPE, as other Unix tools.
EXIT_BROKEN_PIPE = 141


class _UsageError(Exception):
    """Arguments that cannot be used; the message says which and why."""


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a date in ISO 8601 form (YYYY-MM-DD)"
        ) from None


_SIZE = re.compile(r"(\d+)\s*([KMG]?)i?B?", re.IGNORECASE)


def _size(text: str) -> int:
    match = _SIZE.fullmatch(text.strip())
    if match is None or int(match.group(1)) == 0:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a size in bytes (such as 1000000, 512K, 256M or 2G)"
        )
    power = " KMG".index(match.group(2).upper() or " ")
    return int(match.group(1)) * int(1024**power)


def _delimiter(text: str) -> str:
    return "\t" if text in ("tab", "\\t", "\t") else text


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``dunning`` command."""
    parser = argparse.ArgumentParser(
        prog="dunning", description="Collection policies: what is due, schema, lint, demo."
    )
    parser.add_argument("--version", action="version", version=f"dunning {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    due = commands.add_parser("due", help="list the actions due on a date")
    due.add_argument("--policy", required=True, type=Path, help="policy or policy set file")
    due.add_argument("--invoices", required=True, type=Path, help="invoices .csv or .json")
    due.add_argument("--customers", required=True, type=Path, help="customers .csv or .json")
    due.add_argument("--as-of", required=True, type=_date, help="evaluation date, YYYY-MM-DD")
    due.add_argument("--history", type=Path, help="history .csv or .json of actions done")
    due.add_argument("--format", choices=("table", "json"), default="table")
    due.add_argument(
        "--strict",
        action="store_true",
        help=f"exit with status {EXIT_INPUT} and print nothing on standard output when any "
        "row or invoice is rejected",
    )
    files = due.add_argument_group("input files")
    files.add_argument(
        "--encoding",
        help="text encoding of the files, e.g. cp1252 or latin-1 for Excel exports "
        "(default: UTF-8 with or without a byte-order mark)",
    )
    files.add_argument(
        "--delimiter", type=_delimiter, default=",", help="CSV cell separator: ',', ';' or tab"
    )
    files.add_argument(
        "--decimal-comma",
        action="store_true",
        help="CSV amounts are written 1.480.000,50 (a comma before the decimals)",
    )
    files.add_argument(
        "--date-format", help="strptime format of CSV dates, e.g. %%d/%%m/%%Y (default ISO 8601)"
    )
    files.add_argument(
        "--round-to-minor-unit",
        choices=("half_up", "half_even"),
        help="round amounts finer than the currency's minor unit instead of rejecting the row",
    )
    files.add_argument(
        "--max-file-size",
        type=_size,
        default=MAX_FILE_BYTES,
        metavar="SIZE",
        help="largest file read, e.g. 512M (default 256M)",
    )

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


_FIELD = re.compile(r"[\w.\[\]<>]+")


def _reason(message: str) -> str:
    # The field a row error names first ("total: amount ..."), or "row" for the whole row.
    field = message.split(":", 1)[0]
    if field == "<document>" or not _FIELD.fullmatch(field):
        return "row"
    return re.sub(r"\[\d+\]", "[]", field)


def _summary(errors: Sequence[RowError], evaluation: Evaluation | None) -> str | None:
    """One line: how many rows and invoices were rejected, by file and by field."""
    parts = []
    by_file: dict[str, Counter[str]] = {}
    for problem in errors:
        by_file.setdefault(problem.source, Counter())[_reason(problem.message)] += 1
    for source, reasons in by_file.items():
        detail = ", ".join(f"{field} {count}" for field, count in sorted(reasons.items()))
        parts.append(f"{source} {sum(reasons.values())} ({detail})")
    rejections = evaluation.rejected if evaluation is not None else ()
    if not parts and not rejections:
        return None
    line = f"{len(errors)} rows rejected" + (f": {'; '.join(parts)}" if parts else "")
    if rejections:
        line += f"; {len(rejections)} invoices rejected by the evaluation: " + "; ".join(
            f"[{r.invoice_id or '?'}] {r.error}" for r in rejections[:5]
        )
        if len(rejections) > 5:
            line += f"; and {len(rejections) - 5} more"
    return line


def _options(args: argparse.Namespace) -> ReadOptions:
    try:
        return ReadOptions(
            encoding=getattr(args, "encoding", None),
            delimiter=getattr(args, "delimiter", ","),
            decimal_comma=getattr(args, "decimal_comma", False),
            date_format=getattr(args, "date_format", None),
            round_to_minor_unit=(
                None
                if getattr(args, "round_to_minor_unit", None) is None
                else Rounding[args.round_to_minor_unit.upper()]
            ),
            max_bytes=getattr(args, "max_file_size", MAX_FILE_BYTES),
        )
    except ValidationError as error:
        problems = "; ".join(
            f"--{str(e['loc'][0]).replace('_', '-')}: {e['msg'].removeprefix('Value error, ')}"
            for e in error.errors()
        )
        raise _UsageError(problems) from None


def _inputs(
    invoices: Path,
    customers: Path,
    history: Path | None,
    err: TextIO,
    options: ReadOptions | None = None,
) -> tuple[
    tuple[Invoice, ...], tuple[Customer, ...], tuple[HistoryRecord, ...], tuple[RowError, ...]
]:
    bills = read_invoices(invoices, options)
    people = read_customers(customers, options)
    _report(bills.errors, err)
    _report(people.errors, err)
    errors = (*bills.errors, *people.errors)
    records: tuple[HistoryRecord, ...] = ()
    if history is not None:
        done = read_history(history, options)
        _report(done.errors, err)
        records = done.items
        errors = (*errors, *done.errors)
    return bills.items, people.items, records, errors


def _policy(path: Path, max_bytes: int = MAX_FILE_BYTES) -> Policy | PolicySet:
    check_input_file(path, max_bytes, what="policy file")
    return load_policy(path)


def _due(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    options = _options(args)
    policy = _policy(args.policy, options.max_bytes)
    invoices, customers, history, errors = _inputs(
        args.invoices, args.customers, args.history, err, options
    )
    if args.strict and errors:
        print(f"dunning due: {_summary(errors, None)}; --strict: nothing evaluated", file=err)
        return EXIT_INPUT
    evaluation = evaluate(invoices, policy, args.as_of, customers=customers, history=history)
    summary = _summary(errors, evaluation)
    if summary is not None:
        print(f"dunning due: {summary}", file=err)
        if args.strict:
            return EXIT_INPUT
    if args.format == "json":
        out.write(evaluation.model_dump_json(indent=2) + "\n")
    else:
        print(actions_table(evaluation), file=out)
    return EXIT_OK


def _schema(args: argparse.Namespace, out: TextIO) -> int:
    schema = policy_schema("set" if args.set else "policy")
    out.write(json.dumps(schema, indent=2, ensure_ascii=False) + "\n")
    return 0


def _lint(args: argparse.Namespace, out: TextIO) -> int:
    policy = _policy(args.file)
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
    return EXIT_LINT_ERRORS if errors else EXIT_OK


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
    policy = _policy(folder / "policies" / "portfolio.toml")
    ids = [p.id for p in policy.policies] if isinstance(policy, PolicySet) else [policy.id]
    invoices, customers, _, _ = _inputs(
        folder / "invoices.csv", folder / "customers.csv", None, err
    )
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
        The exit status: `EXIT_OK`, `EXIT_LINT_ERRORS`, `EXIT_USAGE`, `EXIT_INPUT` or
        `EXIT_BROKEN_PIPE` (see the module docstring).
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
            status = _due(args, out, err)
        elif args.command == "schema":
            status = _schema(args, out)
        elif args.command == "lint":
            status = _lint(args, out)
        else:
            status = _demo(args, out, err)
        out.flush()  # a closed pipe shows here, not at exit
    except BrokenPipeError:
        _close_quietly(out)
        return EXIT_BROKEN_PIPE
    except (_UsageError, TermsParseError) as error:
        print(f"dunning {args.command}: error: {_terminal(str(error))}", file=err)
        return EXIT_USAGE
    except DunningError as error:
        print(f"dunning {args.command}: error: {_terminal(str(error))}", file=err)
        return EXIT_INPUT
    except OSError as error:  # a file that went away or cannot be read while in use
        where = f" {error.filename!r}" if error.filename else ""
        print(
            f"dunning {args.command}: error: cannot read{_printable(where)}: {error.strerror}",
            file=err,
        )
        return EXIT_INPUT
    return status


def _terminal(text: str) -> str:
    # An error may quote a hostile value: escape sequences never reach the terminal.
    return "\n".join(_printable(line) for line in text.split("\n"))


def _close_quietly(out: TextIO) -> None:
    # The reader of standard output has gone (`dunning ... | head`): point the descriptor at
    # /dev/null so that the interpreter's last flush does not report the closed pipe again.
    try:
        descriptor = out.fileno()
    except (OSError, ValueError):
        return
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, descriptor)
    finally:
        os.close(null)
