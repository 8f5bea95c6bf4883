"""Two runner processes at once on one store: every entry is dispatched exactly once."""

from __future__ import annotations

import os
import time
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from tests.runner._killable import calls, daily_runs

DAYS = (date(2026, 11, 20), date(2026, 11, 21), date(2026, 11, 28))

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")


def _together(folder: Path, where: str | None, runners: int = 2) -> list[int]:
    go = folder / "go"
    pids = []
    for number in range(runners):
        pid = os.fork()
        if pid == 0:  # pragma: no cover - runs in the child
            code = 1
            try:
                while not go.exists():
                    time.sleep(0.001)
                daily_runs(
                    folder, DAYS, where, batch_size=3, delay=0.001, marker_name=f"done-{number}"
                )
                code = 0
            finally:
                os._exit(code)
        pids.append(pid)
    go.touch()
    return [os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) for pid in pids]


def _check(folder: Path) -> None:
    made = calls(folder)
    twice = [key for key, number in Counter((m, k) for m, k, _, _ in made).items() if number > 1]
    assert twice == []
    # Both runners took part: the claims split the work between them.
    assert len({pid for _, _, _, pid in made}) == 2
    assert len(made) > 50


def test_two_runners_on_one_sqlite_file_never_dispatch_an_entry_twice(tmp_path: Path) -> None:
    assert _together(tmp_path, None) == [0, 0]
    _check(tmp_path)


def test_two_runners_on_one_postgresql_database_never_dispatch_an_entry_twice(
    tmp_path: Path, postgresql_dsn: str
) -> None:
    assert _together(tmp_path, postgresql_dsn) == [0, 0]
    _check(tmp_path)
