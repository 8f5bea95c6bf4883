"""Measure the engine on seeded portfolios: `python -m benchmarks [--quick] [--sizes ...]`.

Three portfolios (``--portfolios``, default all): ``b2c`` (the B2C cadence), ``fees`` (the
same invoices with the fee and interest stages of the B2B example) and ``active`` (every
invoice overdue with a reminder due and a 1.5 % fee stage); see `benchmarks.portfolio`.
For each portfolio and size, in a fresh subprocess (so that each size's peak memory is its own):

- build: `Customer.model_validate` and `Invoice.model_validate` per row (rows are generated
  outside the timed region, in chunks, so that a million rows never exist at once), then the
  history records (trusted construction);
- evaluate: `dunning.evaluate` over the whole portfolio, best of 3 runs (1 run at 1M);
- floor: a plain loop over the same `Invoice` objects computing days overdue and the due
  step, best of as many runs;
- peak memory: `ru_maxrss` of the subprocess.

The table is printed and written to benchmarks/results/latest.json. `--profile` runs the
evaluation of 100k invoices under cProfile and prints the 25 functions with the most own time.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import json
import os
import platform
import pstats
import resource
import subprocess
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

from benchmarks.portfolio import (
    AS_OF,
    PORTFOLIOS,
    SEED,
    by_id,
    customer_rows,
    history_for,
    iter_history,
    policy_for,
    quiet_fraction,
    rows_for,
    split_rows,
    step_offsets,
)
from dunning import (
    Customer,
    Evaluation,
    HistoryIndex,
    HistoryRecord,
    Invoice,
    Payment,
    Policy,
    evaluate,
)
from dunning.engine.fast import first_pass
from dunning.engine.keys import escape
from dunning.engine.rules.context import Run

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results"
DEFAULT_SIZES = (10_000, 100_000, 1_000_000)
CHUNK = 10_000
LEAN_FROM = 1_000_000  # sizes built as a large host would: trusted rows, streamed history

#: The targets, judged on `evaluate` with a kept history index.
TARGET_THROUGHPUT = 200_000  # invoices per second, evaluate, one core
TARGET_PEAK_MB = 2048  # at 1M invoices
TARGET_RATIO = 10.0  # engine time / floor time, b2c and fees portfolios
TARGET_ACTIVE_US = 5.0  # microseconds per invoice, active portfolio

T = TypeVar("T")


# -- measuring one size (runs in a subprocess) --------------------------------------------


def _rss_mb() -> float | None:
    """The current resident set size in MiB (Linux only)."""
    try:
        with open("/proc/self/statm") as handle:
            pages = int(handle.read().split()[1])
    except OSError:
        return None
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def _peak_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 2**10  # bytes / KiB


def _validate(rows: Any, model: Callable[[dict[str, Any]], T]) -> tuple[list[T], float]:
    """Validate `rows` one by one; only the validation is timed, chunk by chunk."""
    built: list[T] = []
    seconds = 0.0
    for chunk in split_rows(rows, CHUNK):
        start = time.perf_counter()
        built.extend([model(row) for row in chunk])
        seconds += time.perf_counter() - start
    return built, seconds


def floor(invoices: Sequence[Invoice], offsets: tuple[int, ...], as_of: date) -> int:
    """The least work per invoice: days overdue and the latest step whose offset is reached."""
    last = len(offsets) - 1
    due_steps = 0
    for invoice in invoices:
        days = (as_of - invoice.due_date).days
        step = last
        while step >= 0 and offsets[step] > days:
            step -= 1
        if step >= 0:
            due_steps += 1
    return due_steps


def _best(runs: int, work: Callable[[], T]) -> tuple[float, list[float], T]:
    times: list[float] = []
    result: T | None = None
    for _ in range(runs):
        result = None  # let the previous result go before the next run
        gc.collect()
        start = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - start)
    assert result is not None
    return min(times), times, result


def _outcomes(evaluation: Evaluation) -> dict[str, int]:
    return {
        "acted": len(evaluation.acted),
        "skipped": len(evaluation.skipped_invoices),
        "paused": len(evaluation.paused),
        "quiet": len(evaluation.quiet),
        "rejected": len(evaluation.rejected),
    }


def _trusted_invoice(row: dict[str, Any]) -> Invoice:
    """An invoice built from a row the host trusts (`Invoice.trusted`, no validation)."""
    currency = row["currency"]
    promise = row.get("promise_to_pay")
    return Invoice.trusted(
        id=row["id"],
        customer_id=row["customer_id"],
        number=row["number"],
        currency=currency,
        issue_date=date.fromisoformat(row["issue_date"]),
        due_date=date.fromisoformat(row["due_date"]),
        total=Decimal(row["total"]),
        payments=[Payment.model_validate(p) for p in row.get("payments", ())],
        status=row.get("status", "open"),
        disputed=row.get("disputed", False),
        promise_to_pay=None if promise is None else date.fromisoformat(promise),
    )


def streamed(
    size: int, seed: int, timings: dict[str, float] | None = None, portfolio: str = "b2c"
) -> Iterator[Invoice]:
    """The invoices of the portfolio built chunk by chunk (`Invoice.trusted`) and yielded one
    by one, as a host streams a large portfolio from its database: at most one chunk of them
    exists at a time unless the consumer keeps them.

    With `timings`, the host's share of the work is timed, so that a consumer's own time can
    be told apart from it: generating each chunk's rows (``timings["rows"]``), building the
    invoices (``"build"``), the floor loop over them (``"floor"``) and letting the chunk go
    once it is consumed (``"release"``: the rows, and the invoices the consumer did not keep).
    """
    offsets = step_offsets(policy_for(portfolio))
    chunks = split_rows(rows_for(portfolio, size, max(size // 5, 1), seed), CHUNK)
    while True:
        start = time.perf_counter()
        chunk = next(chunks, None)
        if chunk is None:
            return
        rows = time.perf_counter()
        built = [_trusted_invoice(row) for row in chunk]
        if timings is not None:
            middle = time.perf_counter()
            floor(built, offsets, AS_OF)
            timings["rows"] += rows - start
            timings["build"] += middle - rows
            timings["floor"] += time.perf_counter() - middle
        yield from built
        start = time.perf_counter()
        del built, chunk
        if timings is not None:
            timings["release"] += time.perf_counter() - start


def build(
    size: int, seed: int, *, lean: bool = False, portfolio: str = "b2c"
) -> tuple[
    Policy,
    list[Customer],
    list[Invoice] | None,
    list[HistoryRecord] | None,
    HistoryIndex | None,
    dict[str, Any],
]:
    """Build the portfolio of `size` invoices; returns it with the build timings.

    The lean build (for a million invoices) is what a host with a large portfolio does: the
    history streamed into a `HistoryIndex` without keeping the records, and no invoice list at
    all: the invoices are streamed (see `streamed`) into the evaluation itself.
    """
    policy = policy_for(portfolio)
    count = max(size // 5, 1)
    customers, customers_s = _validate(customer_rows(count, seed), Customer.model_validate)
    invoices: list[Invoice] | None = None
    invoices_s = float("nan")
    if not lean:
        rows = rows_for(portfolio, size, count, seed)
        invoices, invoices_s = _validate(rows, Invoice.model_validate)
    rss_models = _rss_mb()
    start = time.perf_counter()
    history: list[HistoryRecord] | None = None
    index: HistoryIndex | None = None
    if lean:
        source = streamed(size, seed, portfolio=portfolio)
        index = HistoryIndex(iter_history(source, by_id(customers), policy, AS_OF, seed))
        records = len(index)
    else:
        assert invoices is not None
        history = history_for(invoices, by_id(customers), policy, AS_OF, seed)
        records = len(history)
    history_s = time.perf_counter() - start
    figures = {
        "customers": len(customers),
        "history_records": records,
        "invoice_build": "Invoice.trusted, streamed" if lean else "Invoice.model_validate",
        "build_customers_s": customers_s,
        "build_invoices_s": invoices_s,
        "build_invoice_us": invoices_s / size * 1e6,
        "build_history_s": history_s,
        "rss_after_models_mb": rss_models,
        "rss_after_history_mb": _rss_mb(),
    }
    return policy, customers, invoices, history, index, figures


def measure(size: int, runs: int, seed: int, portfolio: str = "b2c") -> dict[str, Any]:
    """Everything measured for one size of one portfolio."""
    lean = size >= LEAN_FROM
    policy, customers, invoices, history, index, figures = build(
        size, seed, lean=lean, portfolio=portfolio
    )
    customer_index = by_id(customers)
    evaluation: Evaluation | None = None
    evaluate_s = index_s = float("nan")
    evaluate_runs: list[float] = []
    if history is not None:

        def run() -> Evaluation:
            return evaluate(invoices, policy, AS_OF, customers=customer_index, history=history)

        evaluate_s, evaluate_runs, evaluation = _best(runs, run)
        evaluation = None
        start = time.perf_counter()
        index = HistoryIndex(history)
        index_s = time.perf_counter() - start
        del history
    assert index is not None
    kept = index
    if invoices is None:
        # Streamed: the invoices are built while the evaluation reads them; the host's share
        # (rows, build, the floor over each chunk, releasing it) is timed apart and taken out
        # of the evaluation's time.
        timings: dict[str, float] = defaultdict(float)
        gc.collect()
        start = time.perf_counter()
        evaluation = evaluate(
            streamed(size, seed, timings, portfolio),
            policy,
            AS_OF,
            customers=customer_index,
            history=kept,
        )
        total = time.perf_counter() - start
        host = timings["rows"] + timings["build"] + timings["floor"] + timings["release"]
        indexed_s = total - host
        figures["stream_rows_s"] = timings["rows"]
        figures["stream_release_s"] = timings["release"]
        indexed_runs = [indexed_s]
        floor_s, floor_runs = timings["floor"], [timings["floor"]]
        figures["build_invoices_s"] = timings["build"]
        figures["build_invoice_us"] = timings["build"] / size * 1e6
    else:
        listed = invoices

        def run_indexed() -> Evaluation:
            return evaluate(listed, policy, AS_OF, customers=customer_index, history=kept)

        indexed_s, indexed_runs, evaluation = _best(runs, run_indexed)
        offsets = step_offsets(policy)
        floor_s, floor_runs, _ = _best(runs, lambda: floor(listed, offsets, AS_OF))
    outcomes = _outcomes(evaluation)
    kinds = Counter(action.kind.value for action in evaluation.actions)
    skips = Counter(skip.cause.value for skip in evaluation.skipped)
    del evaluation
    return {
        "portfolio": portfolio,
        "invoices": size,
        **figures,
        "evaluate_runs": runs,
        "evaluate_s": evaluate_s,
        "evaluate_all_s": evaluate_runs,
        "throughput": size / evaluate_s,
        "index_s": index_s,
        "evaluate_indexed_s": indexed_s,
        "evaluate_indexed_all_s": indexed_runs,
        "throughput_indexed": size / indexed_s,
        "us_per_invoice_indexed": indexed_s / size * 1e6,
        "ratio_indexed": indexed_s / floor_s,
        "floor_s": floor_s,
        "floor_all_s": floor_runs,
        "floor_throughput": size / floor_s,
        "ratio": evaluate_s / floor_s,
        "peak_rss_mb": _peak_mb(),
        "outcomes": outcomes,
        "quiet_fraction": quiet_fraction(outcomes),
        "actions": dict(sorted(kinds.items())),
        "skips": dict(sorted(skips.items())),
    }


# -- the report ---------------------------------------------------------------------------


def _run_worker(size: int, runs: int, seed: int, portfolio: str) -> dict[str, Any]:
    command = [sys.executable, "-m", "benchmarks", "--worker", str(size)]
    command += ["--runs", str(runs), "--seed", str(seed), "--portfolios", portfolio]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise SystemExit(
            f"the benchmark of {size} invoices ({portfolio}) failed ({done.returncode})"
        )
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _figure(value: float, spec: str) -> str:
    """`value` formatted, or "-" for a figure not measured at this size (NaN)."""
    return "-" if value != value else format(value, spec)


def _row(result: dict[str, Any]) -> list[str]:
    return [
        result.get("portfolio", "b2c"),
        f"{result['invoices']:,}",
        f"{result['history_records']:,}",
        f"{result['build_invoices_s']:.2f} ({result['build_invoice_us']:.0f} us/row)",
        _figure(result["evaluate_s"], ".2f") + (" (1 run)" if result["evaluate_runs"] == 1 else ""),
        _figure(result["throughput"], ",.0f"),
        _figure(result["index_s"], ".2f"),
        f"{result['throughput_indexed']:,.0f}",
        f"{result['evaluate_indexed_s'] / result['invoices'] * 1e6:.2f}",
        f"{result['floor_s'] * 1000:.1f} ms",
        f"{result['floor_throughput']:,.0f}",
        _figure(result["ratio"], ".0f") + f"x / {result['ratio_indexed']:.0f}x",
        f"{result['peak_rss_mb']:,.0f}",
        f"{result['quiet_fraction']:.1%}",
    ]


HEADER = [
    "portfolio",
    "invoices",
    "history",
    "build invoices s",
    "evaluate s",
    "evaluate inv/s",
    "index s",
    "kept index inv/s",
    "kept us/inv",
    "floor",
    "floor inv/s",
    "engine/floor",
    "peak MB",
    "quiet",
]


def table(results: Sequence[dict[str, Any]]) -> str:
    """The results as an aligned text table."""
    rows = [HEADER, *(_row(result) for result in results)]
    widths = [max(len(row[column]) for row in rows) for column in range(len(HEADER))]
    lines = [
        "  ".join(cell.rjust(width) for cell, width in zip(row, widths, strict=True))
        for row in rows
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)


def verdicts(results: Sequence[dict[str, Any]]) -> list[str]:
    """One line per target: met or not, with the figure."""
    lines: list[str] = []
    for result in results:
        portfolio = result.get("portfolio", "b2c")
        size = f"{portfolio} {result['invoices']:,}"
        # Measured on evaluate with the history index kept, as a daily host runs it; the
        # table also shows evaluate given the raw records (indexing included).
        throughput = result["throughput_indexed"]
        met = "met" if throughput >= TARGET_THROUGHPUT else "NOT met"
        lines.append(f"{size}: throughput {throughput:,.0f}/s vs {TARGET_THROUGHPUT:,}/s: {met}")
        if portfolio == "active":
            us = result["evaluate_indexed_s"] / result["invoices"] * 1e6
            met = "met" if us <= TARGET_ACTIVE_US else "NOT met"
            lines.append(f"{size}: {us:.1f} us/invoice vs {TARGET_ACTIVE_US:.0f} us: {met}")
        else:
            ratio = result["ratio_indexed"]
            met = "met" if ratio <= TARGET_RATIO else "NOT met"
            lines.append(f"{size}: engine/floor {ratio:.1f}x vs {TARGET_RATIO:.0f}x: {met}")
        if result["invoices"] >= 1_000_000:
            met = "met" if result["peak_rss_mb"] < TARGET_PEAK_MB else "NOT met"
            lines.append(
                f"{size}: peak {result['peak_rss_mb']:,.0f} MB vs {TARGET_PEAK_MB:,} MB: {met}"
            )
    return lines


def details(result: dict[str, Any]) -> str:
    """The outcome breakdown of one size."""
    outcomes = ", ".join(f"{k} {v:,}" for k, v in result["outcomes"].items())
    actions = ", ".join(f"{k} {v:,}" for k, v in result["actions"].items())
    skips = ", ".join(f"{k} {v:,}" for k, v in result["skips"].items()) or "none"
    rss = result["rss_after_models_mb"], result["rss_after_history_mb"]
    rss_text = "n/a" if None in rss else f"{rss[0]:,.0f} MB, with history {rss[1]:,.0f} MB"
    return (
        f"{result.get('portfolio', 'b2c')}: "
        f"{result['invoices']:,} invoices / {result['customers']:,} customers: "
        f"customers built in {result['build_customers_s']:.2f} s, history in "
        f"{result['build_history_s']:.2f} s; RSS after the models {rss_text}\n"
        f"  outcomes: {outcomes} (quiet {result['quiet_fraction']:.1%})\n"
        f"  actions: {actions}\n  skipped occurrences: {skips}\n"
        f"  evaluate runs (s): {', '.join(f'{t:.3f}' for t in result['evaluate_all_s'])}"
    )


def _machine() -> dict[str, Any]:
    return {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpus": os.cpu_count(),
    }


def report(
    sizes: Sequence[int], seed: int, portfolios: Sequence[str] = PORTFOLIOS
) -> list[dict[str, Any]]:
    """Measure every portfolio and size in its own subprocess, print the table and write
    latest.json."""
    results: list[dict[str, Any]] = []
    for portfolio in portfolios:
        for size in sizes:
            runs = 1 if size >= 1_000_000 else 3
            plural = "s" if runs > 1 else ""
            print(f"measuring {portfolio}, {size:,} invoices ({runs} run{plural})...", flush=True)
            results.append(_run_worker(size, runs, seed, portfolio))
    print()
    print(table(results))
    print()
    for result in results:
        print(details(result))
    print()
    print("targets:")
    for line in verdicts(results):
        print(f"  {line}")
    RESULTS.mkdir(exist_ok=True)
    document = {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": _machine(),
        "seed": seed,
        "as_of": AS_OF.isoformat(),
        "targets": {
            "throughput_per_s": TARGET_THROUGHPUT,
            "peak_mb_at_1m": TARGET_PEAK_MB,
            "engine_floor_ratio": TARGET_RATIO,
            "active_us_per_invoice": TARGET_ACTIVE_US,
        },
        "results": results,
    }
    path = RESULTS / "latest.json"
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    print(f"\nwritten to {path.relative_to(ROOT)}")
    return results


def profile(size: int, seed: int, top: int = 25, portfolio: str = "b2c") -> None:
    """Run one evaluation of `size` invoices under cProfile (the history index kept, as the
    targets are judged); print the top functions by own time."""
    policy, customers, invoices, history, _, figures = build(size, seed, portfolio=portfolio)
    assert history is not None
    customer_index = by_id(customers)
    index = HistoryIndex(history)
    print(f"{portfolio}: {size:,} invoices, {figures['history_records']:,} history records")
    gc.collect()
    profiler = cProfile.Profile()
    profiler.enable()
    evaluation = evaluate(invoices, policy, AS_OF, customers=customer_index, history=index)
    profiler.disable()
    outcomes = _outcomes(evaluation)
    print(f"outcomes: {outcomes} (quiet {quiet_fraction(outcomes):.1%})")
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"profile-{portfolio}-{size}.prof"
    profiler.dump_stats(path)
    stats = pstats.Stats(profiler, stream=sys.stdout)
    stats.sort_stats(pstats.SortKey.TIME).print_stats(top)
    print(f"profile written to {path.relative_to(ROOT)} (open it with pstats or snakeviz)")


def touch(
    invoices: Sequence[Invoice],
    customers: dict[str, Customer],
    done_of: dict[str, dict[str, dict[str, date]]] | None = None,
) -> int:
    """Read what the engine's quick check reads of each invoice, and nothing more.

    Its customer, status, charges, promise, dispute, payments, credit notes and due date: the
    least any per-object engine does before it can call an invoice quiet, without judging it.
    With `done_of` (each customer's part of the history index, found beforehand, as the
    engine finds it once per customer), also the invoice's done keys: the least any engine
    that judges an invoice on its history does.
    """
    found = 0
    for invoice in invoices:
        customer_id = invoice.customer_id
        customer = customers.get(customer_id)
        if (
            customer is not None
            and invoice.id
            and invoice.status
            and not invoice.charges
            and invoice.promise_to_pay is None
            and not invoice.disputed
            and not invoice.payments
            and not invoice.credit_notes
            and invoice.due_date
            and (done_of is None or done_of[customer_id].get(invoice.id) is not None)
        ):
            found += 1
    return found


def breakdown(size: int, seed: int, portfolio: str = "b2c") -> None:
    """Where the time of one evaluation goes, against the floor, per invoice."""
    policy, customers, invoices, history, _, _ = build(size, seed, portfolio=portfolio)
    assert invoices is not None
    assert history is not None
    customer_index = by_id(customers)
    index = HistoryIndex(history)
    del history
    offsets = step_offsets(policy)
    prefix = escape(policy.id) + ":"
    done_of = {c: index._occurrences(prefix + escape(c)) for c in customer_index}

    def quick_check() -> object:
        return first_pass(Run(policy, AS_OF, index, {}), invoices, customer_index, {}, [])

    figures = [
        ("floor: days overdue and the due step", lambda: floor(invoices, offsets, AS_OF)),
        ("touch: what a quick check reads", lambda: touch(invoices, customer_index)),
        ("lookup: touch and the done keys", lambda: touch(invoices, customer_index, done_of)),
        ("engine first pass: the quick check", quick_check),
        (
            "evaluate, kept history index",
            lambda: evaluate(invoices, policy, AS_OF, customers=customer_index, history=index),
        ),
    ]
    print(f"{portfolio}: {size:,} invoices; best of 5 runs, microseconds per invoice")
    base = 0.0
    for name, work in figures:
        gc.collect()
        gc.disable()
        try:
            best, _, _ = _best(5, work)
        finally:
            gc.enable()
        base = base or best
        print(f"  {name:<40} {best / size * 1e6:6.2f} us  {best / base:5.1f}x the floor")


def _portfolios(text: str) -> tuple[str, ...]:
    names = tuple(part.strip() for part in text.split(",") if part.strip())
    unknown = [name for name in names if name not in PORTFOLIOS]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"unknown portfolio {', '.join(unknown) or text!r}; choose from {', '.join(PORTFOLIOS)}"
        )
    return names


def _sizes(text: str) -> tuple[int, ...]:
    sizes: list[int] = []
    for part in text.split(","):
        part = part.strip().lower().replace("_", "")
        factor = 1
        if part.endswith("k"):
            part, factor = part[:-1], 1_000
        elif part.endswith("m"):
            part, factor = part[:-1], 1_000_000
        sizes.append(int(part) * factor)
    return tuple(sizes)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "--sizes",
        type=_sizes,
        default=DEFAULT_SIZES,
        help="comma-separated invoice counts, e.g. 10k,100k,1m (default: 10k,100k,1m)",
    )
    parser.add_argument("--quick", action="store_true", help="10k invoices only")
    parser.add_argument("--seed", type=int, default=SEED, help=f"default {SEED}")
    parser.add_argument(
        "--portfolios",
        type=_portfolios,
        default=PORTFOLIOS,
        help=f"comma-separated portfolios of {', '.join(PORTFOLIOS)} (default: all); "
        "--profile and --breakdown take the first",
    )
    parser.add_argument(
        "--profile",
        nargs="?",
        const=100_000,
        type=int,
        metavar="SIZE",
        help="profile one evaluation (default 100k invoices) instead of the table",
    )
    parser.add_argument(
        "--breakdown",
        nargs="?",
        const=100_000,
        type=int,
        metavar="SIZE",
        help="time the floor, the reads of a quick check (without and with the history "
        "lookup), the engine's first pass and the whole evaluation (default 100k invoices)",
    )
    parser.add_argument("--worker", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--runs", type=int, default=3, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker is not None:
        print(json.dumps(measure(args.worker, args.runs, args.seed, args.portfolios[0])))
        return 0
    if args.profile is not None:
        profile(args.profile, args.seed, portfolio=args.portfolios[0])
        return 0
    if args.breakdown is not None:
        breakdown(args.breakdown, args.seed, args.portfolios[0])
        return 0
    report((10_000,) if args.quick else args.sizes, args.seed, args.portfolios)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
