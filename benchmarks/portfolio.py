"""A reproducible B2C portfolio: customers, invoices, a policy and the history of past runs.

Everything is drawn from `random.Random` instances seeded from one integer (default
`SEED`), so the same size and seed give the same portfolio on every machine.

- `b2c_policy()`: reminders 3 days before due, on the due date, 2 days after, then weekly;
  a call task at 30 days overdue; service suspension at 60; at most 3 messages in 7 days;
  consolidation on.
- `customer_rows(n)` / `invoice_rows(n, currencies)`: plain dicts, as a host would read them
  from its database, yielded one at a time so that the rows of a million invoices never all
  exist at once. Invoices are spread over `n // 5` customers (one currency per customer:
  COP, CLP or MXN), due in the 120 days before and the 30 after `AS_OF`; about 20% paid,
  15% partly paid, a few disputed and a few with a promise to pay.
- `history_for(...)`: the records a daily production run would have left, built directly
  (no evaluation on earlier dates, which would take hours at a million invoices) with the
  engine's own key functions: the last three reminder occurrences of each invoice before
  `AS_OF`, consolidated per customer, day and channel as the engine does; the stage entries,
  fees, interest postings and call tasks reached; the suspension of customers with an
  invoice at the suspension stage. About 2% of invoices miss their latest reminder (a host
  outage) so that catch-up paths run too.

Three portfolios (`PORTFOLIOS`) share the customers and the history generator:

- ``b2c``: the rows above under `b2c_policy()`;
- ``fees``: the same rows under `fees_policy()`, the B2C cadence with the fee and interest
  stages of the B2B example policy;
- ``active``: open invoices only, every one overdue with a reminder due on `AS_OF`, under
  `active_policy()`, the B2C cadence with a 1.5 % late-fee stage.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from dunning import (
    ActionKind,
    Channel,
    Customer,
    FixedFee,
    FrequencyCap,
    HistoryRecord,
    HistoryStatus,
    InterestRule,
    InterestSettings,
    Invoice,
    InvoiceStatus,
    Money,
    PercentFee,
    Policy,
    ReminderStep,
    Repeat,
    Stage,
    StageFee,
    StageTrigger,
    Task,
)
from dunning.engine.keys import consolidated_key, customer_key, occurrence_key
from dunning.policy import DayKind, InterestPosting

__all__ = [
    "AS_OF",
    "PORTFOLIOS",
    "SEED",
    "Occurrence",
    "active_invoice_rows",
    "active_policy",
    "b2c_policy",
    "by_id",
    "currency_of",
    "customer_rows",
    "fees_policy",
    "history_for",
    "invoice_rows",
    "iter_history",
    "policy_for",
    "quiet_fraction",
    "reminder_occurrences",
    "rows_for",
    "split_rows",
    "step_offsets",
]

AS_OF = date(2026, 11, 20)
SEED = 20261122

#: Currency -> (locale, time zone, phone prefix).
COUNTRIES: Mapping[str, tuple[str, str, str]] = {
    "COP": ("es_CO", "America/Bogota", "+57"),
    "CLP": ("es_CL", "America/Santiago", "+56"),
    "MXN": ("es_MX", "America/Mexico_City", "+52"),
}
#: Currency -> (smallest total, largest total, step) in minor units.
TOTALS: Mapping[str, tuple[int, int, int]] = {
    "COP": (30_000, 3_000_000, 100),
    "CLP": (5_000, 900_000, 10),
    "MXN": (15_000, 2_500_000, 1),  # centavos
}
DECIMALS: Mapping[str, int] = {"COP": 0, "CLP": 0, "MXN": 2}

PAID = 0.20
PARTLY_PAID = 0.15
DISPUTED = 0.015
PROMISED = 0.025
MISSED_LATEST = 0.02
HISTORY_DEPTH = 3


def b2c_policy() -> Policy:
    """The B2C cadence measured by the benchmarks."""
    return Policy(
        id="b2c",
        name="Consumer cadence",
        steps=[
            ReminderStep(
                id="pre-3", offset_days=-3, channels=["email"], template="upcoming", tone="friendly"
            ),
            ReminderStep(id="due", offset_days=0, channels=["email", "sms"], template="due-today"),
            ReminderStep(
                id="after-2",
                offset_days=2,
                channels=["whatsapp", "email"],
                template="overdue",
                tone="neutral",
            ),
            ReminderStep(
                id="weekly",
                offset_days=9,
                channels=["whatsapp", "email"],
                template="still-overdue",
                tone="firm",
                repeat=Repeat(every_days=7),
            ),
        ],
        stages=[
            Stage(
                id="call",
                trigger=StageTrigger(days_overdue=30),
                task=Task(kind="call", queue="collections", description="Call about the debt"),
            ),
            Stage(id="suspend", trigger=StageTrigger(days_overdue=60), suspend_service=True),
        ],
        frequency_cap=FrequencyCap(max_messages=3, days=7),
        consolidate=True,
    )


def fees_policy() -> Policy:
    """The B2C cadence with the fee and interest stages of the B2B example policy.

    The B2B compensation for recovery costs (a fixed fee per currency) at 15 days overdue;
    its late interest (18 % a year, ACT/365F, 5 days of grace, 25 % ceiling) posted on
    entering the call and the suspension stages; its fee cap of 10 % of the invoice.
    """
    b2c = b2c_policy()
    compensation = Stage(
        id="compensation",
        trigger=StageTrigger(days_overdue=15),
        fee=StageFee(
            rule=FixedFee(
                amounts=[
                    Money("180000", "COP"),
                    Money("40000", "CLP"),
                    Money("800.00", "MXN"),
                ]
            )
        ),
    )
    stages = [compensation, *(stage.evolve(post_interest=True) for stage in b2c.stages)]
    return b2c.evolve(
        id="b2c-fees",
        name="Consumer cadence with fees and interest",
        stages=stages,
        interest=InterestSettings(
            rule=InterestRule(annual_rate="18", basis="ACT/365F", grace_days=5, ceiling="25"),
            posting=InterestPosting.STAGE_ENTRY,
        ),
        fee_cap={"percent_of_total": "10"},
    )


def active_policy() -> Policy:
    """The B2C cadence with a late fee of 1.5 % of the overdue balance from 1 day overdue."""
    b2c = b2c_policy()
    late_fee = Stage(
        id="late-fee",
        trigger=StageTrigger(days_overdue=1),
        fee=StageFee(rule=PercentFee(percent="1.5")),
    )
    return b2c.evolve(
        id="b2c-active", name="Consumer cadence with a late fee", stages=[late_fee, *b2c.stages]
    )


#: The portfolios the benchmarks measure, by name.
PORTFOLIOS: tuple[str, ...] = ("b2c", "fees", "active")


def policy_for(portfolio: str) -> Policy:
    """The policy of the benchmark portfolio named `portfolio` (one of `PORTFOLIOS`)."""
    policies = {"b2c": b2c_policy, "fees": fees_policy, "active": active_policy}
    return policies[portfolio]()


def rows_for(
    portfolio: str, count: int, customers: int, seed: int = SEED, as_of: date = AS_OF
) -> Iterator[dict[str, Any]]:
    """The invoice rows of the benchmark portfolio named `portfolio`."""
    if portfolio == "active":
        return active_invoice_rows(count, customers, seed, as_of)
    return invoice_rows(count, customers, seed, as_of)


def step_offsets(policy: Policy) -> tuple[int, ...]:
    """The reminder offsets in days, ascending (what the floor loop compares against)."""
    return tuple(sorted(step.offset_days for step in policy.steps))


# -- rows --------------------------------------------------------------------------------


def _rng(seed: int, what: str) -> random.Random:
    return random.Random(f"{seed}:{what}")


def customer_rows(count: int, seed: int = SEED) -> Iterator[dict[str, Any]]:
    """`count` customer dicts; each customer's currency is `COUNTRIES` order by `currency_of`."""
    rng = _rng(seed, "customers")
    for number in range(count):
        currency = currency_of(number)
        locale, zone, prefix = COUNTRIES[currency]
        contacts: list[dict[str, str]] = [
            {"channel": "email", "address": f"cliente{number}@example.com"}
        ]
        preferred: list[str] = []
        if rng.random() < 0.7:
            phone = f"{prefix}3{rng.randrange(10**9):09d}"
            contacts += [
                {"channel": "sms", "address": phone},
                {"channel": "whatsapp", "address": phone},
            ]
            if rng.random() < 0.5:
                preferred = ["whatsapp"]
        yield {
            "id": f"C{number:07d}",
            "name": f"Cliente {number}",
            "locale": locale,
            "time_zone": zone,
            "contacts": contacts,
            "preferred_channels": preferred,
            "segment": "b2c",
        }


def currency_of(customer_number: int) -> str:
    """The currency of customer `customer_number` (COP, CLP and MXN in turn)."""
    return ("COP", "CLP", "MXN")[customer_number % 3]


def _amount(units: int, currency: str) -> str:
    places = DECIMALS[currency]
    if not places:
        return str(units)
    return f"{units // 10**places}.{units % 10**places:0{places}d}"


def invoice_rows(
    count: int, customers: int, seed: int = SEED, as_of: date = AS_OF
) -> Iterator[dict[str, Any]]:
    """`count` invoice dicts over `customers` customers (numbered as by `customer_rows`)."""
    rng = _rng(seed, "invoices")
    for number in range(count):
        customer = rng.randrange(customers)
        currency = currency_of(customer)
        due = as_of + timedelta(days=rng.randint(-120, 30))
        issue = due - timedelta(days=30)
        low, high, step = TOTALS[currency]
        total = rng.randrange(low, high, step)
        row: dict[str, Any] = {
            "id": f"INV-{number:08d}",
            "customer_id": f"C{customer:07d}",
            "number": f"FV-{number:08d}",
            "currency": currency,
            "issue_date": issue.isoformat(),
            "due_date": due.isoformat(),
            "total": _amount(total, currency),
        }
        draw = rng.random()
        if draw < PAID:
            latest = min(as_of - timedelta(days=1), due + timedelta(days=rng.randint(-15, 20)))
            paid_on = max(issue, latest)
            row["status"] = "paid"
            row["payments"] = [
                {
                    "id": f"P-{number:08d}",
                    "date": paid_on.isoformat(),
                    "amount": {"amount": _amount(total, currency), "currency": currency},
                    "method": rng.choice(("card", "transfer", "PSE", "cash")),
                }
            ]
        elif draw < PAID + PARTLY_PAID:
            last = min(as_of, due + timedelta(days=45))
            paid_on = issue + timedelta(days=rng.randint(0, (last - issue).days))
            part = max(total * rng.randint(20, 80) // 100 // step * step, step)
            row["payments"] = [
                {
                    "id": f"P-{number:08d}",
                    "date": paid_on.isoformat(),
                    "amount": {"amount": _amount(part, currency), "currency": currency},
                    "method": rng.choice(("card", "transfer", "PSE", "cash")),
                }
            ]
        if draw >= PAID:
            if rng.random() < DISPUTED:
                row["disputed"] = True
            if rng.random() < PROMISED:
                # Some promises are still running, some were broken (in the past).
                row["promise_to_pay"] = (as_of + timedelta(days=rng.randint(-10, 20))).isoformat()
        yield row


def active_invoice_rows(
    count: int, customers: int, seed: int = SEED, as_of: date = AS_OF
) -> Iterator[dict[str, Any]]:
    """`count` open, unpaid invoices, each overdue with a B2C reminder due on `as_of`.

    Due 2 days before `as_of` (the "after-2" step) or 9, 16, ... 114 days before (the weekly
    step), spread evenly; no payments, disputes or promises to pay.
    """
    rng = _rng(seed, "active")
    overdue = (2, *range(9, 115, 7))
    for number in range(count):
        customer = rng.randrange(customers)
        currency = currency_of(customer)
        due = as_of - timedelta(days=rng.choice(overdue))
        low, high, step = TOTALS[currency]
        yield {
            "id": f"INV-{number:08d}",
            "customer_id": f"C{customer:07d}",
            "number": f"FV-{number:08d}",
            "currency": currency,
            "issue_date": (due - timedelta(days=30)).isoformat(),
            "due_date": due.isoformat(),
            "total": _amount(rng.randrange(low, high, step), currency),
        }


# -- history -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Occurrence:
    """One reminder occurrence of an invoice: when, which step, which repetition."""

    on: date
    step: ReminderStep
    number: int


def reminder_occurrences(policy: Policy, due: date, before: date) -> list[Occurrence]:
    """Every reminder occurrence of an invoice due on `due` that fell due before `before`."""
    found: list[Occurrence] = []
    for step in sorted(policy.steps, key=lambda s: s.offset_days):
        if step.day_kind is not DayKind.CALENDAR:
            raise NotImplementedError("the generator handles calendar-day steps only")
        base = due + timedelta(days=step.offset_days)
        if step.repeat is None:
            if base < before:
                found.append(Occurrence(base, step, 0))
            continue
        number = 0
        on = base
        limit = step.repeat.max_times
        while on < before and (limit is None or number < limit):
            found.append(Occurrence(on, step, number))
            number += 1
            on = base + timedelta(days=number * step.repeat.every_days)
    found.sort(key=lambda o: o.on)
    return found


def _record(
    key: str,
    kind: ActionKind,
    customer_id: str,
    on: date,
    invoice_ids: tuple[str, ...],
    covers: tuple[str, ...] = (),
    channel: Channel | None = None,
) -> HistoryRecord:
    # Trusted bulk construction, as `HistoryRecord.of` does.
    return HistoryRecord.model_construct(
        key=key,
        kind=kind,
        customer_id=customer_id,
        on=on,
        status=HistoryStatus.EXECUTED,
        invoice_ids=invoice_ids,
        covers=covers,
        channel=channel,
    )


def history_for(
    invoices: Iterable[Invoice],
    customers: Mapping[str, Customer],
    policy: Policy,
    as_of: date = AS_OF,
    seed: int = SEED,
) -> list[HistoryRecord]:
    """The history a daily run of `policy` up to the day before `as_of` would have left."""
    records = list(iter_history(invoices, customers, policy, as_of, seed))
    records.sort(key=lambda r: (r.on, r.key))
    return records


def iter_history(
    invoices: Iterable[Invoice],
    customers: Mapping[str, Customer],
    policy: Policy,
    as_of: date = AS_OF,
    seed: int = SEED,
) -> Iterator[HistoryRecord]:
    """The records of `history_for`, unsorted, yielded customer by customer.

    `invoices` is read once and only what the history needs of each invoice is kept (its id,
    due date, cut-off and whether its latest reminder was missed), so that a streamed
    portfolio of millions of invoices never has to exist at once.
    """
    rng = _rng(seed, "history")
    earliest = timedelta(days=min(step.offset_days for step in policy.steps))
    kept: dict[str, list[tuple[str, date, date, bool, bool]]] = defaultdict(list)
    for invoice in invoices:
        if invoice.status is InvoiceStatus.VOID:
            continue
        paid = invoice.status is InvoiceStatus.PAID
        cutoff = max(p.date for p in invoice.payments) if paid and invoice.payments else as_of
        # Drawn only for an open invoice with a reminder before the cut-off.
        reminded = invoice.due_date + earliest < cutoff
        missed = reminded and not paid and rng.random() < MISSED_LATEST
        kept[invoice.customer_id].append((invoice.id, invoice.due_date, cutoff, paid, missed))
    for customer_id in sorted(kept):
        yield from _customer_history(
            customer_id, kept.pop(customer_id), customers[customer_id], policy, as_of
        )


def _customer_history(
    customer_id: str,
    invoices: list[tuple[str, date, date, bool, bool]],
    customer: Customer,
    policy: Policy,
    as_of: date,
) -> Iterator[HistoryRecord]:
    """The records a daily run would have left for one customer's invoices."""
    pid = policy.id
    stages = sorted(
        (s for s in policy.stages if s.trigger.days_overdue is not None),
        key=lambda s: s.trigger.days_overdue or 0,
    )
    channels: dict[str, Channel | None] = {}
    # (day, channel) -> [(occurrence key, invoice id)]
    messages: dict[tuple[date, Channel], list[tuple[str, str]]] = defaultdict(list)
    tasks: dict[tuple[date, str], list[tuple[str, str]]] = defaultdict(list)
    suspended: date | None = None
    posting = policy.interest.posting if policy.interest is not None else None
    for invoice_id, due, cutoff, paid, missed in invoices:
        occurrences = reminder_occurrences(policy, due, cutoff)[-HISTORY_DEPTH:]
        if occurrences and missed:
            occurrences.pop()
        for occurrence in occurrences:
            step_id = occurrence.step.id
            if step_id not in channels:
                channels[step_id] = customer.pick_channel(occurrence.step.channels)
            channel = channels[step_id]
            if channel is None:
                continue
            key = occurrence_key(pid, customer_id, invoice_id, "step", step_id, occurrence.number)
            messages[(occurrence.on, channel)].append((key, invoice_id))
        if paid:
            continue
        for stage in stages:
            entry = due + timedelta(days=stage.trigger.days_overdue or 0)
            if entry >= as_of:
                break
            key = occurrence_key(pid, customer_id, invoice_id, "stage", stage.id)
            ids = (invoice_id,)
            yield _record(key, ActionKind.ENTER_STAGE, customer_id, entry, ids)
            if stage.fee is not None:
                every = stage.fee.every_days
                number, on = 0, entry
                while on < as_of and (stage.fee.max_times is None or number < stage.fee.max_times):
                    key = occurrence_key(pid, customer_id, invoice_id, "fee", stage.id, number)
                    yield _record(key, ActionKind.CHARGE_FEE, customer_id, on, ids)
                    if not every:
                        break
                    number += 1
                    on = entry + timedelta(days=number * every)
            if stage.post_interest and posting is InterestPosting.STAGE_ENTRY:
                label = f"stage-{stage.id}"
                key = occurrence_key(pid, customer_id, invoice_id, "interest", label)
                yield _record(key, ActionKind.POST_INTEREST, customer_id, entry, ids)
            if stage.task is not None:
                task_key = occurrence_key(pid, customer_id, invoice_id, "task", stage.id)
                tasks[(entry, stage.id)].append((task_key, invoice_id))
            if stage.suspend_service:
                suspended = entry if suspended is None else min(suspended, entry)
    for (on, channel), members in messages.items():
        covers = tuple(sorted(key for key, _ in members))
        key = (
            f"{covers[0]}@{channel.value}"
            if len(covers) == 1
            else consolidated_key(pid, customer_id, "message", channel.value, covers)
        )
        ids = tuple(sorted(invoice_id for _, invoice_id in members))
        yield _record(key, ActionKind.SEND_MESSAGE, customer_id, on, ids, covers, channel)
    for (on, stage_id), members in tasks.items():
        covers = tuple(sorted(key for key, _ in members))
        ids = tuple(invoice_id for _, invoice_id in sorted(members))
        if len(covers) == 1:
            yield _record(covers[0], ActionKind.CREATE_TASK, customer_id, on, ids)
        else:
            key = consolidated_key(pid, customer_id, "task", stage_id, covers)
            yield _record(key, ActionKind.CREATE_TASK, customer_id, on, ids, covers)
    if suspended is not None:
        key = customer_key(pid, customer_id, "suspend", 1)
        yield _record(key, ActionKind.SUSPEND_SERVICE, customer_id, suspended, ())


def split_rows(rows: Iterator[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    """`rows` in lists of at most `size`."""
    chunk: list[dict[str, Any]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def quiet_fraction(outcomes: Mapping[str, int]) -> float:
    """The share of invoices with nothing due."""
    total = sum(outcomes.values())
    return outcomes.get("quiet", 0) / total if total else 0.0


def by_id(customers: Sequence[Customer]) -> dict[str, Customer]:
    """Customers indexed by id."""
    return {customer.id: customer for customer in customers}
