"""SIGKILL at random instants: nothing lost, nothing applied twice, the same history.

A runner process does three daily runs of the example portfolio (the first one catches up
180 actions) against a provider that de-duplicates by key and logs every call to a file.
The test kills it with SIGKILL at a random instant, starts it again, and repeats until the
runs finish; then it compares with an uninterrupted run. ``DUNNING_KILLS`` sets how many
kills in all (100 by default; ``make stress`` runs 1,000).
"""

from __future__ import annotations

import os
import random
import signal
import time
from collections import defaultdict
from datetime import date
from pathlib import Path

import pytest
from tests.runner._killable import calls, daily_runs

from dunning.runner import EntryStatus, SQLiteStore

DAYS = (date(2026, 11, 20), date(2026, 11, 21), date(2026, 11, 28))
KILLS = int(os.environ.get("DUNNING_KILLS", "100"))

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")


def _child(folder: Path) -> int:
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child
        code = 1
        try:
            daily_runs(folder, DAYS)
            code = 0
        finally:
            os._exit(code)
    return pid


def _until_done(folder: Path, rng: random.Random, window: float) -> int:
    """Start, kill and restart the runner until its runs finish; the number of kills.

    After eight kills in a row, each kill doubles the next window: a restart may need longer
    than the whole uninterrupted run (recovering a large write-ahead log, a busier machine),
    and a window that never grows could kill every restart before it finishes.
    """
    kills = 0
    while True:
        pid = _child(folder)
        deadline = time.monotonic() + rng.uniform(0, window * 2 ** max(0, kills - 8))
        while time.monotonic() < deadline:
            finished, status = os.waitpid(pid, os.WNOHANG)
            if finished:
                assert os.waitstatus_to_exitcode(status) == 0
                return kills
            time.sleep(0.0005)
        os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
        if os.WIFEXITED(status):
            assert os.waitstatus_to_exitcode(status) == 0
            return kills
        kills += 1


def _history(folder: Path) -> list[tuple[object, ...]]:
    store = SQLiteStore(folder / "outbox.sqlite")
    try:
        assert {e.status for e in store.entries()} <= {EntryStatus.DONE, EntryStatus.FAILED}
        return [
            (r.key, r.kind, r.customer_id, r.on, r.status, r.invoice_ids, r.covers, r.channel)
            for r, _, _ in store.history_details()
        ]
    finally:
        store.close()


def test_sigkill_at_random_instants_loses_nothing_and_applies_nothing_twice(
    tmp_path: Path,
) -> None:
    reference = tmp_path / "reference"
    reference.mkdir()
    started = time.monotonic()
    assert _until_done(reference, random.Random(0), window=3600) == 0
    window = time.monotonic() - started
    expected_history = _history(reference)
    expected_effects = {(method, key, digest) for method, key, digest, _ in calls(reference)}
    assert len(expected_effects) == len(calls(reference)) > 50

    rng = random.Random(20261120)
    kills = rounds = 0
    while kills < KILLS:
        rounds += 1
        folder = tmp_path / f"round-{rounds}"
        folder.mkdir()
        kills += _until_done(folder, rng, window)
        made = calls(folder)
        by_key: dict[tuple[str, str], set[str]] = defaultdict(set)
        for method, key, digest, _ in made:
            by_key[method, key].add(digest)
        # A repeated key always carries the same request; no effect is lost or added.
        assert all(len(digests) == 1 for digests in by_key.values())
        assert {(m, k, d) for m, k, d, _ in made} == expected_effects
        # The history is that of the uninterrupted run, so no occurrence was regrouped.
        assert _history(folder) == expected_history
    assert kills >= KILLS
