"""Exponential backoff with jitter for temporary delivery failures, reproducible by seed."""

from __future__ import annotations

import random
from dataclasses import dataclass

__all__ = ["Backoff"]


@dataclass(frozen=True, slots=True)
class Backoff:
    """When to try again after a temporary failure, and when to give up.

    Attempt ``n`` (1 for the first failure) waits ``min(cap, base * factor ** (n - 1))``
    seconds, shortened by up to `jitter` of itself so that many entries that failed together
    do not come back together. The jitter is drawn from a generator seeded with `seed`, the
    entry's key and the attempt number: the same failure always waits the same time, whatever
    the order entries are handled in. After `max_attempts` temporary failures the entry counts
    as failed for good.

    Args:
        base: seconds to wait after the first failure.
        factor: growth of the wait from one attempt to the next.
        cap: the longest wait, in seconds.
        jitter: the share of the wait (0 to 1) that may be taken off at random.
        max_attempts: temporary failures after which the entry fails for good.
        seed: seed of the jitter.

    >>> backoff = Backoff(base=60, factor=2, cap=3600, jitter=0.0, max_attempts=5)
    >>> [backoff.delay("k", attempt) for attempt in (1, 2, 3, 7)]
    [60.0, 120.0, 240.0, 3600.0]
    >>> backoff.gives_up(5), backoff.gives_up(4)
    (True, False)
    """

    base: float = 60.0
    factor: float = 2.0
    cap: float = 6 * 3600.0
    jitter: float = 0.5
    max_attempts: int = 8
    seed: int = 0

    def __post_init__(self) -> None:
        if self.base <= 0 or self.cap < self.base:
            raise ValueError(f"Backoff needs 0 < base <= cap, got base={self.base}, cap={self.cap}")
        if self.factor < 1:
            raise ValueError(f"Backoff factor must be at least 1, got {self.factor}")
        if not 0 <= self.jitter <= 1:
            raise ValueError(f"Backoff jitter must be between 0 and 1, got {self.jitter}")
        if self.max_attempts < 1:
            raise ValueError(f"Backoff max_attempts must be at least 1, got {self.max_attempts}")

    def delay(self, key: str, attempt: int) -> float:
        """Seconds to wait after the `attempt`-th temporary failure of the entry `key`."""
        # Computed in steps so that a large attempt number cannot overflow the float.
        wait = float(self.base)
        for _ in range(1, attempt):
            wait *= self.factor
            if wait >= self.cap:
                break
        wait = min(wait, float(self.cap))
        if self.jitter:
            draw = random.Random(f"{self.seed}:{key}:{attempt}").random()
            wait -= wait * self.jitter * draw
        return wait

    def gives_up(self, attempt: int) -> bool:
        """Whether the `attempt`-th temporary failure is the last one allowed."""
        return attempt >= self.max_attempts
