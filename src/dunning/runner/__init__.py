"""The crash-safe runner: evaluate, write due actions to an outbox, dispatch, record.

Import it as its own module: ``from dunning.runner import Runner, SQLiteStore``.
"""

from dunning.runner.backoff import Backoff
from dunning.runner.channels import load_channels
from dunning.runner.clock import Clock, ManualClock, SystemClock
from dunning.runner.core import (
    AdoptReport,
    Progress,
    Renderer,
    Runner,
    catalog_messages,
    plain_message,
)
from dunning.runner.postgres import PostgresStore
from dunning.runner.report import Failure, Outcome, RunReport
from dunning.runner.senders import SMTPSender, WebhookSender, message_id
from dunning.runner.sqlite import SQLiteStore
from dunning.runner.store import Completion, EntryStatus, OutboxEntry, Store, entry_of

__all__ = [
    "AdoptReport",
    "Backoff",
    "Clock",
    "Completion",
    "EntryStatus",
    "Failure",
    "ManualClock",
    "OutboxEntry",
    "Outcome",
    "PostgresStore",
    "Progress",
    "Renderer",
    "RunReport",
    "Runner",
    "SMTPSender",
    "SQLiteStore",
    "Store",
    "SystemClock",
    "WebhookSender",
    "catalog_messages",
    "entry_of",
    "load_channels",
    "message_id",
    "plain_message",
]
