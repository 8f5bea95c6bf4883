"""The clock the runner reads for leases and backoff, and one that tests can set."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol

__all__ = ["Clock", "ManualClock", "SystemClock"]


class Clock(Protocol):
    """Where the runner reads the current time (leases, backoff, report duration)."""

    def now(self) -> datetime:
        """The current time, timezone-aware."""
        ...


class SystemClock:
    """The machine's clock, in UTC.

    >>> SystemClock().now().tzinfo is UTC
    True
    """

    def now(self) -> datetime:
        """The current time in UTC."""
        return datetime.now(UTC)


class ManualClock:
    """A clock that only moves when told to: for tests of leases and backoff.

    >>> clock = ManualClock(datetime(2026, 11, 20, 9, 0, tzinfo=UTC))
    >>> clock.advance(seconds=90).isoformat()
    '2026-11-20T09:01:30+00:00'
    """

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError(f"ManualClock start {start!r} must be timezone-aware")
        self._now = start

    def now(self) -> datetime:
        """The time the clock was set to."""
        return self._now

    def set(self, moment: datetime) -> None:
        """Set the clock to `moment` (timezone-aware)."""
        if moment.tzinfo is None:
            raise ValueError(f"ManualClock time {moment!r} must be timezone-aware")
        self._now = moment

    def advance(self, seconds: float) -> datetime:
        """Move the clock forward by `seconds` and return the new time."""
        self._now += timedelta(seconds=seconds)
        return self._now
