"""What the kill and concurrency tests run in child processes: daily runs against a provider
that lives outside the process (a log file), so that its record survives a SIGKILL."""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from pydantic import BaseModel

from dunning.adapters import (
    Delivery,
    DeliveryStatus,
    OutgoingMessage,
    ServiceChange,
    ServiceReceipt,
    ServiceRequest,
    TaskReceipt,
    TaskRequest,
)
from dunning.invoices import Channel
from dunning.io import read_customers, read_invoices
from dunning.policy.io import load_policy
from dunning.runner import Runner, SQLiteStore
from dunning.runner.postgres import PostgresStore

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
#: An address the provider refuses for good: its messages fall back to the next channel.
REFUSED = "pagos@distribuidora-andina.example"


class LoggedProvider:
    """Every adapter at once; each call is one appended line ``method, key, request digest``.

    De-duplicates by key as a real provider does: the effect of a key is its first line. With
    `meet`, the first call waits (at most 30 s) until `parties` processes have made theirs:
    each holds its first claim meanwhile, so each gets a share of the work.
    """

    def __init__(
        self, log: Path, delay: float = 0.0, meet: Path | None = None, parties: int = 2
    ) -> None:
        self._fd = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        self._delay = delay
        self._meet = meet
        self._parties = parties

    def _wait_for_the_others(self, meet: Path) -> None:
        meet.mkdir(exist_ok=True)
        (meet / str(os.getpid())).touch()
        deadline = time.monotonic() + 30
        while len(list(meet.iterdir())) < self._parties and time.monotonic() < deadline:
            time.sleep(0.002)

    def _log(self, method: str, key: str, request: BaseModel) -> None:
        if self._meet is not None:
            meet, self._meet = self._meet, None
            self._wait_for_the_others(meet)
        if self._delay:
            time.sleep(self._delay)
        digest = hashlib.sha256(request.model_dump_json().encode()).hexdigest()[:16]
        os.write(self._fd, f"{method}\t{key}\t{digest}\t{os.getpid()}\n".encode())

    def send(self, message: OutgoingMessage, *, idempotency_key: str) -> Delivery:
        self._log("send", idempotency_key, message)
        refused = message.to == REFUSED
        return Delivery(
            status=DeliveryStatus.FAILED_PERMANENT if refused else DeliveryStatus.DELIVERED,
            idempotency_key=idempotency_key,
            channel=message.channel,
            code="mailbox_unknown" if refused else None,
        )

    def create_task(self, request: TaskRequest, *, idempotency_key: str) -> TaskReceipt:
        self._log("task", idempotency_key, request)
        return TaskReceipt(task_id=idempotency_key, idempotency_key=idempotency_key)

    def _service(self, change: ServiceChange, request: ServiceRequest, key: str) -> ServiceReceipt:
        self._log(change.value, key, request)
        return ServiceReceipt(
            customer_id=request.customer_id, change=change, applied=True, idempotency_key=key
        )

    def suspend(self, request: ServiceRequest, *, idempotency_key: str) -> ServiceReceipt:
        return self._service(ServiceChange.SUSPEND, request, idempotency_key)

    def resume(self, request: ServiceRequest, *, idempotency_key: str) -> ServiceReceipt:
        return self._service(ServiceChange.RESUME, request, idempotency_key)


def daily_runs(
    folder: Path,
    days: Sequence[date],
    where: str | None = None,
    *,
    batch_size: int = 200,
    delay: float = 0.0,
    marker_name: str = "done-days",
    meet: Path | None = None,
) -> None:
    """Run every day of `days` not yet marked done in `folder`, marking each when finished.

    The store is `folder`/outbox.sqlite, or the PostgreSQL database `where`; `delay` slows
    each provider call down, `batch_size` is the runner's; `meet` is the provider's.
    """
    policy = load_policy(EXAMPLES / "policies" / "portfolio.toml")
    invoices = read_invoices(EXAMPLES / "invoices.csv").items
    customers = read_customers(EXAMPLES / "customers.csv").items
    provider = LoggedProvider(folder / "calls.log", delay, meet)
    store = SQLiteStore(folder / "outbox.sqlite") if where is None else PostgresStore(where)
    runner = Runner(
        store,
        policy,
        dict.fromkeys(Channel, provider),
        tasks=provider,
        service=provider,
        lease_seconds=60,
        batch_size=batch_size,
    )
    marker = folder / marker_name
    done = set(marker.read_text().split()) if marker.exists() else set()
    for day in days:
        if day.isoformat() in done:
            continue
        runner.run(day, invoices, customers)
        done.add(day.isoformat())
        temporary = folder / f"{marker_name}.tmp"
        temporary.write_text("\n".join(sorted(done)))
        os.replace(temporary, marker)
    store.close()


def calls(folder: Path) -> list[tuple[str, str, str, str]]:
    """The provider's log: (method, key, request digest, pid) per call."""
    log = folder / "calls.log"
    if not log.exists():
        return []
    return [tuple(line.split("\t")) for line in log.read_text().splitlines()]  # type: ignore[misc]
