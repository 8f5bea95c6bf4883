"""A policy compiled once per evaluation into plain tuples for the per-invoice loop."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time, timedelta
from decimal import Decimal

from dunning.calendars import BusinessCalendar, WeekendCalendar, add_business_days
from dunning.engine.keys import escape
from dunning.invoices import Channel
from dunning.money import Money
from dunning.penalties import InterestRule, LateFee, PerCurrency
from dunning.policy.model import (
    DayKind,
    InterestPosting,
    Policy,
    ReminderStep,
    Stage,
    StageTrigger,
    StatutoryCompensation,
    StatutoryInterest,
    Tone,
)

__all__ = ["CompiledPolicy", "CompiledStage", "CompiledStep", "compile_policy", "per_currency"]

#: Occurrence numbers below this have their key tails kept for the whole run.
_CACHED_TAILS = 1024

_TONE_RANK = {Tone.FRIENDLY: 0, Tone.NEUTRAL: 1, Tone.FIRM: 2, Tone.FINAL: 3}


def per_currency(amounts: PerCurrency) -> dict[str, Decimal]:
    """A per-currency tuple of amounts as a dict of currency to Decimal."""
    return {money.currency: money.amount for money in amounts}


@dataclass(frozen=True, slots=True)
class CompiledStep:
    """A reminder step reduced to what the loop needs."""

    index: int
    step: ReminderStep
    offset: int
    business: bool
    every: int
    max_times: int | None
    max_lateness: int | None
    min_balance: dict[str, Decimal]
    channels: tuple[Channel, ...]
    rule: str
    tone_rank: int
    key: str
    """``step:<id>:``, the part of an occurrence key after the invoice, before the number."""
    tails: list[str]
    """``step:<id>:<n>`` for the numbers met so far (grown on demand, shared by the run)."""

    def tail(self, number: int) -> str:
        """The part of occurrence `number`'s key after the invoice: ``step:<id>:<number>``."""
        tails = self.tails
        if number >= _CACHED_TAILS:
            # A far evaluation day reaches numbers in the hundreds of thousands: those are
            # written when asked for, so the run's memory does not grow with the span.
            return f"{self.key}{number}"
        while len(tails) <= number:
            tails.append(f"{self.key}{len(tails)}")
        return tails[number]

    def occurrence(self, elapsed: int) -> int:
        """The repetition due `elapsed` days after the step's first occurrence (0 if none)."""
        if not self.every:
            return 0
        number = elapsed // self.every
        if self.max_times is not None and number >= self.max_times:
            number = self.max_times - 1
        return number

    def base(self, due: date, calendar: BusinessCalendar) -> date:
        """The date of the first occurrence for an invoice due on `due`."""
        if self.business:
            return add_business_days(due, self.offset, calendar) if self.offset else due
        return due + timedelta(days=self.offset)


@dataclass(frozen=True, slots=True)
class CompiledStage:
    """A stage reduced to what the loop needs."""

    level: int
    stage: Stage
    trigger: StageTrigger
    days_overdue: int | None
    invoice_balance: dict[str, Decimal]
    customer_balance: dict[str, Decimal]
    unpaid_invoices: int | None
    failed_payment: bool
    match_all: bool
    fee: LateFee | StatutoryCompensation | None
    fee_every: int | None
    fee_max: int | None
    sid: str
    """The stage id escaped for keys."""
    key: str
    """``stage:<id>``, the part of the stage-entry key after the invoice."""
    days_only: bool
    """The trigger is days overdue alone."""


@dataclass(frozen=True, slots=True)
class CompiledPolicy:
    """A policy reduced to tuples, thresholds and resolved rules."""

    policy: Policy
    id: str
    prefix: str
    """The escaped policy id and a colon: the start of every key."""
    steps: tuple[CompiledStep, ...]
    step_offsets: tuple[int, ...] | None
    """The steps' offsets when every step counts calendar days (else None)."""
    stages: tuple[CompiledStage, ...]
    stage_gate: int | None
    """Days overdue below which no stage can be entered, when every trigger is days only."""
    simple_stages: bool
    """Stages in ascending days overdue alone, without fees or interest postings."""
    interest: InterestRule | None
    posting: InterestPosting | None
    fee_cap: dict[str, Decimal]
    fee_cap_percent: Decimal | None
    calendar: BusinessCalendar
    quiet: BusinessCalendar | None
    window_start: time
    window_end: time | None
    """The end of the send window (None without a window)."""
    pause_min: dict[str, Decimal]
    fast: bool
    """Whether an invoice can be found quiet from its done keys alone: calendar-day steps,
    simple stages (or none) and no interest."""
    stage_days: tuple[int, ...]
    """For simple stages, the days overdue of each stage in ascending order."""
    stage_needs: tuple[tuple[str, ...], ...]
    """For simple stages, by level reached (0 to all): the key tails that must be done for
    nothing about stages to be due (every entry, hand-off and write-off proposal, the top
    stage's message, and the task of the most severe stage that has one)."""
    stage_stops: tuple[bool, ...]
    """By level reached: whether a stage up to it stops reminders."""
    suspend_from: int
    """The lowest level that suspends service (past the last level when none does)."""
    suspend_top: tuple[CompiledStage | None, ...]
    """By level reached: the most severe stage up to it that suspends service."""

    def suspension(self, level: int, due: date) -> tuple[CompiledStage, date] | None:
        """For simple stages: the suspension an invoice due on `due` at `level` brings.

        Its most severe suspending stage, and the day it entered the first suspending stage;
        None when no stage up to `level` suspends service.
        """
        if level < self.suspend_from:
            return None
        top = self.suspend_top[level]
        assert top is not None  # a level at or above suspend_from has a suspending stage
        first = self.stages[self.suspend_from - 1]
        return top, due + timedelta(days=first.days_overdue or 0)


def _step(index: int, step: ReminderStep) -> CompiledStep:
    repeat = step.repeat
    return CompiledStep(
        index=index,
        step=step,
        offset=step.offset_days,
        business=step.day_kind is DayKind.BUSINESS,
        every=repeat.every_days if repeat else 0,
        max_times=(repeat.max_times if repeat else 1),
        max_lateness=step.max_lateness_days,
        min_balance=per_currency(step.min_balance),
        channels=step.channels,
        rule=f"step:{step.id}",
        tone_rank=_TONE_RANK[step.tone],
        key=f"step:{escape(step.id)}:",
        tails=[],
    )


def _stage(level: int, stage: Stage) -> CompiledStage:
    trigger = stage.trigger
    fee = stage.fee
    return CompiledStage(
        level=level,
        stage=stage,
        trigger=trigger,
        days_overdue=trigger.days_overdue,
        invoice_balance=per_currency(trigger.invoice_balance),
        customer_balance=per_currency(trigger.customer_overdue_balance),
        unpaid_invoices=trigger.unpaid_invoices,
        failed_payment=trigger.failed_payment,
        match_all=trigger.match == "all",
        fee=fee.rule if fee else None,
        fee_every=fee.every_days if fee else None,
        fee_max=fee.max_times if fee else None,
        sid=escape(stage.id),
        key=f"stage:{escape(stage.id)}",
        days_only=trigger.days_overdue is not None
        and not trigger.invoice_balance
        and not trigger.customer_overdue_balance
        and trigger.unpaid_invoices is None
        and not trigger.failed_payment,
    )


def compile_policy(policy: Policy) -> CompiledPolicy:
    """Compile `policy` for one evaluation."""
    ordered = sorted(enumerate(policy.steps), key=lambda item: (item[1].offset_days, item[0]))
    steps = tuple(_step(position, step) for position, (_, step) in enumerate(ordered))
    stages = tuple(_stage(level, stage) for level, stage in enumerate(policy.stages, 1))
    interest: InterestRule | None = None
    posting: InterestPosting | None = None
    if policy.interest is not None:
        rule = policy.interest.rule
        interest = rule.resolve() if isinstance(rule, StatutoryInterest) else rule
        posting = policy.interest.posting
    quiet = policy.quiet_days.calendar if policy.quiet_days is not None else None
    cap = policy.fee_cap
    stage_days = [s.days_overdue for s in stages if s.days_overdue is not None]
    simple = bool(stages) and all(
        s.days_only and s.fee is None and not s.stage.post_interest for s in stages
    )
    simple = simple and stage_days == sorted(stage_days)
    offsets = None if any(s.business for s in steps) else tuple(s.offset for s in steps)
    return CompiledPolicy(
        policy=policy,
        id=policy.id,
        prefix=escape(policy.id) + ":",
        steps=steps,
        step_offsets=offsets,
        stages=stages,
        stage_gate=min(stage_days) if stages and all(s.days_only for s in stages) else None,
        simple_stages=simple,
        interest=interest,
        posting=posting,
        fee_cap=per_currency(cap.amounts) if cap else {},
        fee_cap_percent=cap.percent_of_total if cap else None,
        calendar=quiet if quiet is not None else WeekendCalendar(),
        quiet=quiet,
        window_start=policy.send_window.start if policy.send_window else time(0, 0),
        window_end=policy.send_window.end if policy.send_window else None,
        pause_min=per_currency(policy.pauses.min_balance),
        fast=offsets is not None and (simple or not stages) and interest is None,
        stage_days=tuple(stage_days) if simple else (),
        stage_needs=tuple(_needs(stages[:level]) for level in range(len(stages) + 1)),
        stage_stops=tuple(
            any(s.stage.stop_reminders for s in stages[:level]) for level in range(len(stages) + 1)
        ),
        suspend_from=min(
            (s.level for s in stages if s.stage.suspend_service), default=len(stages) + 1
        ),
        suspend_top=tuple(
            next((s for s in reversed(stages[:level]) if s.stage.suspend_service), None)
            for level in range(len(stages) + 1)
        ),
    )


def _needs(reached: tuple[CompiledStage, ...]) -> tuple[str, ...]:
    """The key tails done once nothing about the `reached` stages is due any more."""
    if not reached:
        return ()
    needs = [stage.key for stage in reached]
    top = reached[-1]
    if top.stage.message is not None:
        needs.append(f"stage-message:{top.sid}")
    for stage in reached:
        if stage.stage.hand_off is not None:
            needs.append(f"hand-off:{stage.sid}")
        if stage.stage.propose_write_off:
            needs.append(f"write-off:{stage.sid}")
    tasked = [stage for stage in reached if stage.stage.task is not None]
    if tasked:
        needs.append(f"task:{tasked[-1].sid}")
    return tuple(needs)


def below(amount: Money, minimum: dict[str, Decimal]) -> bool:
    """Whether `amount` is below the minimum for its currency (False when none is set)."""
    threshold = minimum.get(amount.currency)
    return threshold is not None and amount.amount < threshold
