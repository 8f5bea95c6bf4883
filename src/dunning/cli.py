"""The ``dunning`` command: what is due today, the policy schema, the linter and a demo.

::

    dunning due --policy portfolio.toml --invoices invoices.csv --customers customers.csv \
                --as-of 2026-11-20 [--history history.csv] [--format table|json] [--strict]
                [--format parquet [--output DIR]]  (invoices .parquet, .csv or .json)
                [--render] [--catalog templates.toml] [--locale es_CO]
                [--encoding cp1252] [--delimiter ';'] [--decimal-comma] [--date-format FMT]
                [--round-to-minor-unit half_up|half_even] [--max-file-size 256M]
    dunning templates list|show ID|check [--catalog templates.toml] [--policy FILE]
    dunning schema [--set]
    dunning lint POLICY [--terms "2/10 net 30" ...] [--jurisdiction cl]
    dunning check POLICY [--promises PROMISES] [--jurisdiction CO] [--examples N] [--days N]
                  [--seed N] [--database DIR]
    dunning simulate --policy A [--policy B ...] (--generate N | --invoices I --customers C)
                     [--days 180] [--runs 10] [--seed 1] [--out DIR]
    dunning demo [--examples DIR]
    dunning rates list [--data-dir DIR]
    dunning rates update NAME FILE [--data-dir DIR]
    dunning run --policy P --invoices I --customers C --db outbox.sqlite [--as-of D] \
                [--channels channels.toml] [--dry-run] [--format table|json]
    dunning adopt --policy P --invoices I --customers C --db outbox.sqlite [--as-of D] \
                  [--history done.csv]
    dunning outbox list|retry|cancel --db outbox.sqlite ...
    dunning history export|import --db outbox.sqlite ...
    dunning --version

Bad rows of the input files are reported on standard error with their line numbers and left
out, followed by a summary line; with ``--strict`` any rejected row or invoice stops the run.
The exit status is `EXIT_OK` (0) on success, `EXIT_LINT_ERRORS` (1) when `lint` finds an
error, `templates check` a problem or `check` a broken promise, `EXIT_USAGE` (2) when the
command line cannot be used (or a promise cannot be checked), `EXIT_INPUT` (3) when an input
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
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any, TextIO

from pydantic import ValidationError

from dunning import __version__
from dunning.adapters import OutgoingMessage
from dunning.adapters.local import ConsoleSender
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
from dunning.errors import (
    DunningError,
    TermsParseError,
    UnknownJurisdictionError,
    UnverifiablePromiseError,
)
from dunning.invoices import Channel, Customer, Invoice
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
from dunning.messages import (
    Business,
    Catalog,
    LocaleFormatter,
    bundled_catalog,
    load_catalog,
    render,
)
from dunning.messages.check import (
    check_catalog,
    missing_templates,
    sample_customer,
    sample_link,
    sample_notice,
)
from dunning.money import Rounding
from dunning.policy.io import load_policy, policy_schema
from dunning.policy.lint import Severity, lint
from dunning.policy.model import Policy, PolicySet, Tone
from dunning.statutory.tables import (
    TABLES,
    install_table,
    installed_path,
    last_verified_day,
    load_table,
    read_shipped,
)
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

#: Who sends the demo's messages, and where its customers pay.
_DEMO_BUSINESS = Business(
    name="Servicios Andinos", email="cartera@servicios-andinos.example", phone="+57 601 555 0100"
)
_DEMO_LINKS = "https://pagos.servicios-andinos.example/"


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
    due.add_argument("--format", choices=("table", "json", "parquet"), default="table")
    due.add_argument(
        "--output",
        type=Path,
        default=Path("."),
        help="with --format parquet: the directory of actions/skipped/outcomes/stages.parquet",
    )
    _add_message_options(due)
    due.add_argument(
        "--render", action="store_true", help="print the messages, rendered for their channels"
    )
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
    check.add_argument(
        "--jurisdiction",
        help="check the cadence against this contact law too (co, cl, mx, br_sp)",
    )

    _add_templates_command(commands)

    demo = commands.add_parser("demo", help="run the example portfolio")
    demo.add_argument("--examples", type=Path, help="folder of the example portfolio")
    _simulate_parser(commands)

    rates = commands.add_parser("rates", help="list or update the Latin American rate tables")
    actions = rates.add_subparsers(dest="rates_command", required=True, metavar="ACTION")
    listing = actions.add_parser("list", help="each table, where it is read from, verified until")
    update = actions.add_parser("update", help="validate a newer table and install it")
    update.add_argument("name", metavar="NAME", help="table name: " + ", ".join(TABLES))
    update.add_argument("file", type=Path, metavar="FILE", help="the newer table (.csv)")
    for action in (listing, update):
        action.add_argument(
            "--data-dir",
            type=Path,
            help="user data directory (default: $DUNNING_DATA_DIR or "
            "the platform's user data directory)",
        )
    _add_runner_commands(commands)

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
    checking.add_argument(
        "--database",
        type=Path,
        help="keep counterexamples in this directory and run them first next time",
    )
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


def actions_table(evaluation: Evaluation, *, locales: Mapping[str, str] | None = None) -> str:
    """The actions of `evaluation` as a text table, one line per action.

    With `locales` (a locale per customer id), the amounts of each customer's actions are
    written for its locale.
    """
    formatters = {locale: LocaleFormatter(locale) for locale in set((locales or {}).values())}

    def detail(action: Action) -> str:
        locale = (locales or {}).get(action.customer_id)
        return _detail(action) if locale is None else formatters[locale](_detail(action))

    rows = [("customer", "action", "invoices", "due on", "detail")]
    rows.extend(
        (
            action.customer_id,
            action.kind.value,
            ",".join(action.invoice_ids),
            action.due_on.isoformat(),
            detail(action),
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
    if args.format == "parquet" or args.invoices.suffix == ".parquet":
        return _due_parquet(args, out, err)
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
    if args.render:
        return _print_messages(evaluation, customers, invoices, args, out)
    if args.format == "json":
        out.writelines(evaluation.iter_json(indent=2))  # one action model at a time
        out.write("\n")
    else:
        locales = {customer.id: args.locale or customer.locale for customer in customers}
        print(actions_table(evaluation, locales=locales), file=out)
    return EXIT_OK


def _due_parquet(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """`due` through the columnar engine: Parquet (or CSV/JSON) in, Parquet files out."""
    from dunning.columnar import customers_table, history_table, invoices_table
    from dunning.columnar.parquet import evaluate_parquet

    if args.format != "parquet":
        raise _UsageError("Parquet invoices give Parquet results: add --format parquet")
    options = _options(args)
    policy = _policy(args.policy, options.max_bytes)
    invoices, bad = _columnar(args.invoices, read_invoices, invoices_table, options, err)
    customers, bad_customers = _columnar(
        args.customers, read_customers, customers_table, options, err
    )
    history, bad_history = _columnar(args.history, read_history, history_table, options, err)
    errors = (*bad, *bad_customers, *bad_history)
    if args.strict and errors:
        print(f"dunning due: {_summary(errors, None)}; --strict: nothing evaluated", file=err)
        return EXIT_INPUT
    counts = evaluate_parquet(
        invoices,
        policy,
        args.as_of,
        customers=customers,
        history=history,
        output=args.output,
    )
    print(
        f"{counts['actions']} actions; invoices: {counts['acted']} acted on, "
        f"{counts['skipped']} skipped, {counts['paused']} paused, {counts['quiet']} quiet, "
        f"{counts['rejected']} rejected; written to {args.output}",
        file=out,
    )
    return EXIT_INPUT if args.strict and counts["rejected"] else EXIT_OK


def _columnar(
    path: Path | None,
    read: Any,
    build: Any,
    options: ReadOptions,
    err: TextIO,
) -> tuple[Any, tuple[RowError, ...]]:
    """A Parquet file as its path, or a CSV/JSON file read (bad rows reported) as a table."""
    if path is None or path.suffix == ".parquet":
        return path, ()
    found = read(path, options)
    _report(found.errors, err)
    return build(found.items), found.errors


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
    findings = lint(policy, terms=terms, jurisdiction=args.jurisdiction)
    for finding in findings:
        print(finding, file=out)
    errors = sum(finding.severity is Severity.ERROR for finding in findings)
    print(f"{len(findings)} findings, {errors} errors", file=out)
    return EXIT_LINT_ERRORS if errors else EXIT_OK


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
        database=_example_database(args.database),
    )
    if path is not None:
        print(f"promises: {path}", file=out)
    print(report, file=out)
    return 0 if report.kept else 1


def _example_database(directory: Path | None) -> Any:
    """A Hypothesis directory example database at `directory`, or None."""
    if directory is None:
        return None
    from hypothesis.database import DirectoryBasedExampleDatabase

    return DirectoryBasedExampleDatabase(directory)


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
    locales = {customer.id: customer.locale for customer in customers}
    print(actions_table(evaluation, locales=locales), file=out)
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
            print(evaluation.explain(chosen, formatter=LocaleFormatter(locales[chosen])), file=out)
    _demo_messages(evaluation, policy, customers, invoices, folder, out)
    _demo_runner(policy, invoices, customers, as_of, section, out)
    return 0


# -- messages ---------------------------------------------------------------------------------


def _add_message_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--catalog", type=Path, help="host templates (TOML) applied over the bundled catalog"
    )
    parser.add_argument("--locale", help="write in this locale instead of each customer's")


def _add_templates_command(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    templates = commands.add_parser("templates", help="list, show or check message templates")
    verbs = templates.add_subparsers(dest="verb", required=True, metavar="VERB")
    listing = verbs.add_parser("list", help="the templates, their locales and aliases")
    show = verbs.add_parser("show", help="a template's phrases and a sample message")
    show.add_argument("template", help="template id or alias")
    show.add_argument("--locale", default="es_CO", help="locale (default es_CO)")
    show.add_argument("--channel", choices=[c.value for c in Channel], default="email")
    show.add_argument("--tone", choices=[t.value for t in Tone], default="friendly")
    check = verbs.add_parser(
        "check", help="render every template for every locale and channel with sample data"
    )
    check.add_argument("--policy", type=Path, help="also check the templates a policy names")
    for verb in (listing, show, check):
        verb.add_argument(
            "--catalog", type=Path, help="host templates (TOML) applied over the bundled catalog"
        )


def _catalog(path: Path | None) -> Catalog:
    return bundled_catalog() if path is None else load_catalog(path)


def _rendered(
    evaluation: Evaluation,
    customers: Sequence[Customer],
    invoices: Sequence[Invoice],
    catalog: Catalog,
    locale: str | None = None,
    *,
    link_base: str | None = None,
    business: Business | None = None,
) -> list[tuple[SendMessage, OutgoingMessage]]:
    by_id = {customer.id: customer for customer in customers}
    return [
        (
            action,
            render(
                action,
                by_id[action.customer_id],
                catalog=catalog,
                invoices=invoices,
                locale=locale,
                link=None if link_base is None else f"{link_base}{action.customer_id}",
                business=business,
            ),
        )
        for action in evaluation.actions
        if isinstance(action, SendMessage)
    ]


def _print_messages(
    evaluation: Evaluation,
    customers: Sequence[Customer],
    invoices: Sequence[Invoice],
    args: argparse.Namespace,
    out: TextIO,
) -> int:
    pairs = _rendered(evaluation, customers, invoices, _catalog(args.catalog), args.locale)
    if args.format == "json":
        documents = [message.model_dump(mode="json") for _, message in pairs]
        out.write(json.dumps(documents, indent=2, ensure_ascii=False) + "\n")
        return 0
    console = ConsoleSender(out)
    for action, message in pairs:
        console.send(message, idempotency_key=action.key)
    print(f"{len(pairs)} messages", file=out)
    return 0


def _templates(args: argparse.Namespace, out: TextIO) -> int:
    catalog = _catalog(args.catalog)
    if args.verb == "list":
        for template in catalog.templates:
            if template in catalog.aliases:
                print(f"{template} -> {catalog.aliases[template]}", file=out)
            else:
                held = [loc for loc in catalog.locales if catalog.has_entry(template, loc)]
                print(f"{template}: {', '.join(held)}", file=out)
        return 0
    if args.verb == "show":
        entry, locale = catalog.resolve(args.template, args.locale)
        print(f"{entry} ({locale})", file=out)
        for name, source in sorted(catalog.source(entry, locale).items()):
            print(f"  {name}: {source}", file=out)
        notice = sample_notice(entry, args.channel, args.locale, args.tone)
        message = render(
            notice,
            sample_customer(args.locale),
            catalog=catalog,
            link=sample_link(notice.amount.currency),
        )
        print("", file=out)
        ConsoleSender(out).send(message, idempotency_key="sample")
        return 0
    problems = [str(problem) for problem in check_catalog(catalog)]
    if args.policy is not None:
        problems.extend(str(f) for f in missing_templates(load_policy(args.policy), catalog))
    for problem in problems:
        print(problem, file=out)
    entries = [t for t in catalog.templates if t not in catalog.aliases]
    print(
        f"{len(entries)} templates in {len(catalog.locales)} locales checked: "
        f"{len(problems)} problems",
        file=out,
    )
    return 1 if problems else 0


def _demo_messages(
    evaluation: Evaluation,
    policy: Policy | PolicySet,
    customers: Sequence[Customer],
    invoices: Sequence[Invoice],
    folder: Path,
    out: TextIO,
) -> None:
    host = folder / "templates.toml"
    catalog = load_catalog(host) if host.is_file() else bundled_catalog()
    missing = missing_templates(policy, catalog)
    if missing:
        print("\n== Messages ==\n", file=out)
        print(f"not rendered: the catalog lacks templates the policy names ({host}):", file=out)
        for finding in missing:
            print(f"  {finding}", file=out)
        return
    pairs = _rendered(
        evaluation, customers, invoices, catalog, link_base=_DEMO_LINKS, business=_DEMO_BUSINESS
    )
    # One message per channel, in the order of the evaluation: what each customer reads.
    shown: dict[Channel, tuple[SendMessage, OutgoingMessage]] = {}
    for action, message in pairs:
        shown.setdefault(message.channel, (action, message))
    print(f"\n== Messages, as the customers read them ({len(pairs)} rendered) ==\n", file=out)
    console = ConsoleSender(out)
    for action, message in shown.values():
        console.send(message, idempotency_key=action.key)


def _rates(args: argparse.Namespace, out: TextIO) -> int:
    if args.rates_command == "update":
        if not args.file.is_file():
            raise _UsageError(f"{args.file} is not a file")
        try:
            target = install_table(args.name, args.file, data_dir=args.data_dir)
        except OSError as error:
            raise _UsageError(f"cannot install {args.file}: {error}") from None
        last = last_verified_day(load_table(args.name, data_dir=args.data_dir))
        print(f"installed {args.name} to {target}: verified until {last}", file=out)
        return 0
    rows = [["NAME", "VERIFIED UNTIL", "READ FROM"]]
    for name in TABLES:
        table = load_table(name, data_dir=args.data_dir)
        path = installed_path(name, args.data_dir)
        last = last_verified_day(table)
        installed = path.is_file() and last > last_verified_day(read_shipped(name))
        rows.append([name, str(last), str(path) if installed else "shipped"])
    print(_table(rows), file=out)
    return 0


def _demo_runner(
    policy: Any,
    invoices: Sequence[Invoice],
    customers: Sequence[Customer],
    as_of: date,
    section: Any,
    out: TextIO,
) -> None:
    """Run the runner twice into a temporary SQLite file with the file sender."""
    import tempfile

    from dunning.adapters.local import FileSender
    from dunning.invoices import Channel
    from dunning.runner import Runner, SQLiteStore

    with tempfile.TemporaryDirectory(prefix="dunning-demo-") as folder:
        sent = Path(folder) / "sent"
        store = SQLiteStore(Path(folder) / "outbox.sqlite")
        try:
            runner = Runner(store, policy, dict.fromkeys(Channel, FileSender(sent)))
            for number in (1, 2):
                section(f"Runner, run {number} on {as_of.isoformat()} (outbox in SQLite)")
                report = runner.run(as_of, invoices, customers)
                print(report.to_text(), file=out)
                files = len(list(sent.glob("*.json"))) if sent.exists() else 0
                print(f"  messages written by the file sender so far: {files}", file=out)
        finally:
            store.close()
    print(
        "\nThe second run found every action already in the outbox and sent nothing new.",
        file=out,
    )


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
        elif args.command == "run":
            status = _run(args, out, err)
        elif args.command == "adopt":
            status = _adopt(args, out, err)
        elif args.command == "outbox":
            status = _outbox(args, out)
        elif args.command == "history":
            status = _history(args, out, err)
        elif args.command == "templates":
            status = _templates(args, out)
        elif args.command == "simulate":
            status = _simulate(args, out, err)
        elif args.command == "rates":
            status = _rates(args, out)
        elif args.command == "check":
            status = _check(args, out)
        else:
            status = _demo(args, out, err)
        out.flush()  # a closed pipe shows here, not at exit
    except BrokenPipeError:
        _close_quietly(out)
        return EXIT_BROKEN_PIPE
    except (
        _UsageError,
        TermsParseError,
        UnknownJurisdictionError,
        UnverifiablePromiseError,
    ) as error:
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


# -- simulate ---------------------------------------------------------------------------------


def _simulate_parser(commands: Any) -> None:
    simulate = commands.add_parser(
        "simulate", help="compare policies on a simulated portfolio (dunning.simulation)"
    )
    simulate.add_argument(
        "--policy", action="append", required=True, type=Path, help="policy file (repeatable)"
    )
    source = simulate.add_mutually_exclusive_group(required=True)
    source.add_argument("--generate", type=int, metavar="N", help="generate N customers")
    source.add_argument("--invoices", type=Path, help="real invoices .csv or .json")
    simulate.add_argument("--customers", type=Path, help="real customers (with --invoices)")
    simulate.add_argument("--start", type=_date, help="first day (default: first issue date)")
    simulate.add_argument("--days", type=int, default=180, help="days to simulate (180)")
    simulate.add_argument("--runs", type=int, default=10, help="seeds per policy (10)")
    simulate.add_argument("--seed", type=int, default=1)
    simulate.add_argument("--out", type=Path, help="folder for CSV files and PNG charts")
    simulate.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="show the runs done on stderr (default: only when stderr is a terminal)",
    )


def _simulate(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    import csv

    from dunning.simulation import (
        Behaviour,
        Portfolio,
        PortfolioSpec,
        compare,
        generate_portfolio,
    )

    policies: dict[str, Policy | PolicySet] = {}
    for path in args.policy:
        policy = load_policy(path)
        name = policy.id if isinstance(policy, Policy) else policy.default.id
        if name in policies:
            raise _UsageError(f"two policies have the id {name!r}: give distinct ids")
        policies[name] = policy
    if args.generate is not None:
        start = args.start or date(2026, 1, 1)
        portfolio = generate_portfolio(
            PortfolioSpec(customers=args.generate, start=start, seed=args.seed)
        )
    else:
        if args.customers is None:
            raise _UsageError("--invoices needs --customers")
        portfolio = Portfolio.from_files(args.invoices, args.customers)
        start = args.start
    if portfolio.rejected:
        print(f"{len(portfolio.rejected)} rows rejected:", file=err)
        for rejected in portfolio.rejected[:20]:
            print(f"  {rejected.what} {rejected.id or '?'}: {rejected.error}", file=err)
    show = args.progress if args.progress is not None else err.isatty()
    bar = _LineProgress(err, "simulating") if show else None
    try:
        comparison = compare(
            policies, portfolio, Behaviour(), days=args.days, runs=args.runs, seed=args.seed,
            start=start, progress=bar,
        )  # fmt: skip
    except ValueError as error:
        raise _UsageError(str(error)) from None
    finally:
        if bar is not None:
            bar.close()
    print(comparison.table(), file=out)
    if args.out is not None:
        args.out.mkdir(parents=True, exist_ok=True)
        with (args.out / "comparison.csv").open("w", newline="", encoding="utf-8") as file:
            writer = csv.writer(file)
            fields = list(type(comparison.rows[0]).model_fields)
            writer.writerow(fields)
            for row in comparison.rows:
                writer.writerow(["" if v is None else v for v in row.model_dump().values()])
        try:
            from dunning.simulation.frames import plot_comparison

            figure = plot_comparison(comparison, ["messages", "cost"])
            figure.savefig(args.out / "comparison.png")
        except ImportError:
            print('charts need matplotlib: pip install "dunning[notebook]"', file=err)
        print(f"wrote {args.out}", file=out)
    return 0


class _LineProgress:
    """A progress line on `err`, rewritten in place: ``simulating [####    ] 3/8 runs``."""

    _WIDTH = 24

    def __init__(self, err: TextIO, label: str) -> None:
        self._err = err
        self._label = label
        self._shown = False

    def __call__(self, done: int, total: int) -> None:
        filled = self._WIDTH * done // total if total else self._WIDTH
        bar = "#" * filled + " " * (self._WIDTH - filled)
        self._err.write(f"\r{self._label} [{bar}] {done}/{total} runs")
        self._err.flush()
        self._shown = True

    def close(self) -> None:
        """End the line, so what follows starts on a line of its own."""
        if self._shown:
            self._err.write("\n")
            self._err.flush()


# -- the runner: run, adopt, outbox, history ------------------------------------------------


def _add_runner_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    def portfolio(command: argparse.ArgumentParser) -> None:
        command.add_argument("--policy", required=True, type=Path, help="policy or policy set")
        command.add_argument("--invoices", required=True, type=Path, help="invoices .csv/.json")
        command.add_argument("--customers", required=True, type=Path, help="customers .csv/.json")

    def store(command: argparse.ArgumentParser) -> None:
        command.add_argument(
            "--db",
            required=True,
            help="the outbox: a SQLite file, or a postgresql:// URL",
        )

    run = commands.add_parser("run", help="evaluate, write the outbox, send, record")
    portfolio(run)
    store(run)
    run.add_argument("--as-of", type=_date, default=None, help="run date (default: today)")
    run.add_argument("--channels", type=Path, help="channels TOML file (default: console)")
    run.add_argument(
        "--catalog",
        type=Path,
        help="message catalog TOML: write messages from it (default: plain text listings)",
    )
    run.add_argument("--dry-run", action="store_true", help="evaluate and report only")
    run.add_argument("--format", choices=("table", "json"), default="table")

    adopt = commands.add_parser(
        "adopt", help="record the state of a portfolio collected by hand, before go-live"
    )
    portfolio(adopt)
    store(adopt)
    adopt.add_argument("--as-of", type=_date, default=None, help="go-live date (default: today)")
    adopt.add_argument(
        "--history",
        type=Path,
        help="what was done, as history .csv/.json (default: all that fell due counts as done)",
    )

    outbox = commands.add_parser("outbox", help="list, retry or cancel outbox entries")
    verbs = outbox.add_subparsers(dest="verb", required=True, metavar="VERB")
    listing = verbs.add_parser("list", help="list entries")
    store(listing)
    listing.add_argument(
        "--status", action="append", default=[], choices=[s.value for s in _statuses()]
    )
    listing.add_argument("--format", choices=("table", "json"), default="table")
    retry = verbs.add_parser("retry", help="make failed or waiting entries due now")
    store(retry)
    retry.add_argument("keys", nargs="*", help="idempotency keys")
    retry.add_argument("--all-failed", action="store_true", help="every failed entry")
    cancel = verbs.add_parser("cancel", help="withdraw pending entries (recorded as skipped)")
    store(cancel)
    cancel.add_argument("keys", nargs="+", help="idempotency keys")
    cancel.add_argument("--on", type=_date, default=None, help="date recorded (default: today)")

    history = commands.add_parser("history", help="export or import the history")
    moves = history.add_subparsers(dest="verb", required=True, metavar="VERB")
    export = moves.add_parser("export", help="write the history as CSV or JSON")
    store(export)
    export.add_argument("--output", type=Path, help="file to write (default: standard output)")
    export.add_argument("--format", choices=("csv", "json"), default="csv")
    load = moves.add_parser("import", help="add history records from a .csv/.json file")
    store(load)
    load.add_argument("file", type=Path)


def _statuses() -> tuple[Any, ...]:
    from dunning.runner import EntryStatus

    return tuple(EntryStatus)


def _open_store(where: str) -> Any:
    from dunning.runner import PostgresStore, SQLiteStore

    if where.startswith(("postgresql://", "postgres://")):
        return PostgresStore(where)
    return SQLiteStore(where)


def _today(value: date | None) -> date:
    return value if value is not None else date.today()


def _run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from dunning.adapters.local import ConsoleSender
    from dunning.invoices import Channel
    from dunning.runner import Runner, catalog_messages, load_channels, plain_message

    policy = load_policy(args.policy)
    invoices, customers, _, _ = _inputs(args.invoices, args.customers, None, err)
    if args.channels is not None:
        channels: dict[Channel, Any] = dict(load_channels(args.channels))
    else:
        console = ConsoleSender(out if args.format == "table" else err)
        channels = dict.fromkeys(Channel, console)
    renderer = plain_message if args.catalog is None else catalog_messages(_catalog(args.catalog))
    store = _open_store(args.db)
    try:
        runner = Runner(store, policy, channels, renderer=renderer)
        with _progress(err) as progress:
            report = runner.run(
                _today(args.as_of), invoices, customers, dry_run=args.dry_run, progress=progress
            )
    finally:
        store.close()
    if args.format == "json":
        out.write(report.model_dump_json(indent=2) + "\n")
    else:
        print(report.to_text(), file=out)
    return 0


class _progress:  # noqa: N801 -- used as a context manager, named for what it yields
    """A rich progress bar on a terminal; nothing elsewhere (or without rich)."""

    def __init__(self, err: TextIO) -> None:
        self._err = err
        self._bar: Any = None

    def __enter__(self) -> Any:
        if not self._err.isatty():
            return None
        try:
            from rich.console import Console
            from rich.progress import Progress
        except ImportError:
            return None
        self._bar = Progress(console=Console(file=self._err), transient=True)
        self._bar.start()
        tasks: dict[str, Any] = {}

        def advance(phase: str, done: int, total: int) -> None:
            if phase not in tasks:
                tasks[phase] = self._bar.add_task(phase, total=total or None)
            self._bar.update(tasks[phase], completed=done, total=total or None)

        return advance

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()


def _adopt(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from dunning.runner import Runner

    policy = load_policy(args.policy)
    invoices, customers, records, _ = _inputs(args.invoices, args.customers, args.history, err)
    store = _open_store(args.db)
    try:
        runner = Runner(store, policy, {})
        as_of = _today(args.as_of)
        if args.history is not None:
            report = runner.adopt(as_of, records=records)
        else:
            report = runner.adopt(as_of, invoices, customers)
    finally:
        store.close()
    print(
        f"adopted {report.adopted} records as done on {as_of.isoformat()} "
        f"({report.due} found due); the next run sends only what falls due from now on",
        file=out,
    )
    return 0


def _outbox(args: argparse.Namespace, out: TextIO) -> int:
    from dunning.runner import EntryStatus, SystemClock

    store = _open_store(args.db)
    try:
        if args.verb == "list":
            entries = store.entries([EntryStatus(s) for s in args.status])
            if args.format == "json":
                out.write(
                    json.dumps(
                        [e.model_dump(mode="json", exclude={"payload"}) for e in entries], indent=2
                    )
                    + "\n"
                )
                return 0
            rows = [("key", "kind", "status", "attempts", "next attempt", "last error")]
            rows.extend(
                (
                    e.key,
                    e.kind.value,
                    e.status.value,
                    str(e.attempts),
                    e.next_attempt_at.isoformat(timespec="seconds") if e.next_attempt_at else "",
                    e.last_error or "",
                )
                for e in entries
            )
            print(_table(rows) if entries else "the outbox is empty", file=out)
            return 0
        if args.verb == "retry":
            keys = list(args.keys)
            if args.all_failed:
                keys.extend(e.key for e in store.entries([EntryStatus.FAILED]))
            if not keys:
                raise _UsageError("give the keys to retry, or --all-failed")
            changed = store.retry(keys, SystemClock().now())
            print(f"{changed} of {len(keys)} entries due again; `dunning run` sends them", file=out)
            return 0
        changed = store.cancel(args.keys, _today(args.on))
        print(f"{changed} of {len(args.keys)} entries cancelled", file=out)
        return 0
    finally:
        store.close()


def _history(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    import csv
    import io

    from dunning.io import HISTORY_COLUMNS

    store = _open_store(args.db)
    try:
        if args.verb == "import":
            done = read_history(args.file)
            _report(done.errors, err)
            added = store.add_history(done.items, source="import")
            print(f"imported {added} of {len(done.items)} records", file=out)
            return 0
        records = [record for record, _, _ in store.history_details()]
    finally:
        store.close()
    if args.format == "json":
        text = json.dumps([r.model_dump(mode="json") for r in records], indent=2) + "\n"
    else:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(HISTORY_COLUMNS)
        writer.writerows(
            (
                r.key,
                r.kind.value,
                r.customer_id,
                r.on.isoformat(),
                r.status.value,
                ";".join(r.invoice_ids),
                ";".join(r.covers),
                r.channel.value if r.channel else "",
                r.decline or "",
                r.decline_code or "",
            )
            for r in records
        )
        text = buffer.getvalue()
    if args.output is not None:
        args.output.write_text(text, encoding="utf-8")
        print(f"wrote {len(records)} records to {args.output}", file=err)
    else:
        out.write(text)
    return 0
