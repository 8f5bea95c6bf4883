"""Invariants of the runner's pieces: stored lists read back exactly, backoff stays in bounds."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from dunning.runner import Backoff
from dunning.runner._sql import _tuple


@given(st.lists(st.text()))
def test_a_stored_list_reads_back_exactly(values: list[str]) -> None:
    assert _tuple(json.dumps(values)) == tuple(values)


@given(
    base=st.floats(0.001, 1e4),
    factor=st.floats(1, 10),
    spread=st.floats(1, 1e3),
    jitter=st.floats(0, 1),
    key=st.text(),
    attempt=st.integers(1, 10_000),
)
def test_backoff_waits_between_its_bounds(
    base: float, factor: float, spread: float, jitter: float, key: str, attempt: int
) -> None:
    backoff = Backoff(base=base, factor=factor, cap=base * spread, jitter=jitter)
    plain = Backoff(base=base, factor=factor, cap=base * spread, jitter=0)
    full = plain.delay(key, attempt)
    wait = backoff.delay(key, attempt)
    assert base <= full <= base * spread
    assert full * (1 - jitter) - 1e-9 <= wait <= full
    assert wait == backoff.delay(key, attempt)  # the same failure waits the same time
    assert plain.delay(key, attempt + 1) >= full
