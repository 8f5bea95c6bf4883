"""The crash-safe runner: evaluate, write due actions to an outbox, dispatch, record.

Import it as its own module: ``from dunning.runner import Runner, SQLiteStore``.
"""

from dunning.runner.backoff import Backoff
from dunning.runner.clock import Clock, ManualClock, SystemClock
from dunning.runner.postgres import PostgresStore
from dunning.runner.sqlite import SQLiteStore
from dunning.runner.store import Completion, EntryStatus, OutboxEntry, Store, entry_of

__all__ = [
    "Backoff",
    "Clock",
    "Completion",
    "EntryStatus",
    "ManualClock",
    "OutboxEntry",
    "PostgresStore",
    "SQLiteStore",
    "Store",
    "SystemClock",
    "entry_of",
]
