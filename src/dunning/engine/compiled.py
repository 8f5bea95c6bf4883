"""A policy compiled once per evaluation into plain tuples for the per-invoice loop."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, time, timedelta
from decimal import Decimal

from dunning.calendars import BusinessCalendar, WeekendCalendar, add_business_days
from dunning.engine.keys import escape
from dunning.invoices import Channel
from dunning.penalties import InterestRule, LateFee, PerCurrency
from dunning.policy.model import (
    MAX_COUNT,
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

__all__ = [
    "CompiledPolicy",
    "CompiledStage",
    "CompiledStep",
    "StagePlan",
    "Suspensions",
    "compile_policy",
    "per_currency",
]

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

    def fee_count(self, entry: date, as_of: date) -> int:
        """How many of the stage's fee occurrences fell due by `as_of`, entered on `entry`.

        One for a fee charged once; one on entry and one every `fee_every` days after it,
        up to `fee_max`, for a recurring fee (0 for a stage without a fee).
        """
        if self.fee is None:
            return 0
        if not self.fee_every:
            return 1
        count = (as_of - entry).days // self.fee_every + 1
        return count if self.fee_max is None else min(count, self.fee_max)


#: The suspensions an invoice at a suspending stage brings, as the stage rule notes them (see
#: `rules.context.note_suspension`): each suspending stage reached, the day it was entered,
#: and the stages from it up to the invoice's level (whose messages announce it).
Suspensions = tuple[tuple[CompiledStage, date, tuple[CompiledStage, ...]], ...]


@dataclass(frozen=True, slots=True)
class StagePlan:
    """What daily runs did about the stages of an invoice due on a given day (quick stages).

    Stages entered on days overdue alone are reached on days known from the due date, and so
    are their fee occurrences. Nothing about the stages is due when every key tail of
    `needs` is done, none of `absent` is (a stage recorded above the level reached sticks:
    the full rule judges it) and each tail of `dated` was recorded no earlier than its day
    (an earlier record moves the day the stage's fees, interest and suspension count from).
    """

    level: int
    """The stage level reached (0: none)."""
    needs: frozenset[str]
    """The entries, escalations, top message, task and fee occurrences of the stages reached."""
    absent: frozenset[str]
    """The entries of the stages above the level reached."""
    dated: tuple[tuple[str, date], ...]
    """The entries whose day fees, interest postings and suspensions count from."""
    suspensions: Suspensions
    entries: Mapping[str, date]
    """The day each stage reached was entered, by stage id."""

    def steady(self, done: Mapping[str, date]) -> bool:
        """Whether nothing about the stages is due, given the invoice's `done` key tails."""
        keys = done.keys()
        if not keys >= self.needs:
            return False
        if self.absent and not keys.isdisjoint(self.absent):
            return False
        for tail, day in self.dated:  # noqa: SIM110 - a loop, not a generator: a hot path
            if done[tail] < day:
                return False
        return True


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
    quick_stages: bool
    """Stages in ascending days overdue alone (with fees and interest postings or not):
    what a `StagePlan` judges on the done keys alone."""
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
    """Whether an invoice can be found quiet from its done keys alone: calendar-day steps
    and quick stages (or none); fees and interest of any posting are judged too."""
    stage_days: tuple[int, ...]
    """For quick stages, the days overdue of each stage in ascending order."""
    stage_needs: tuple[tuple[str, ...], ...]
    """For simple stages, by level reached (0 to all): the key tails that must be done for
    nothing about stages to be due (every entry, hand-off and write-off proposal, the top
    stage's message, and the task of the most severe stage that has one)."""
    stage_stops: tuple[bool, ...]
    """By level reached: whether a stage up to it stops reminders."""

    def stage_plan(self, due: date, as_of: date) -> StagePlan:
        """For quick stages: the `StagePlan` of an invoice due on `due`, on `as_of`."""
        days = (as_of - due).days
        level = bisect_right(self.stage_days, days)
        reached = self.stages[:level]
        needs = list(self.stage_needs[level])
        dated: list[tuple[str, date]] = []
        entries: dict[str, date] = {}
        suspensions: list[tuple[CompiledStage, date, tuple[CompiledStage, ...]]] = []
        for stage in reached:
            rules = stage.stage
            entry = due + timedelta(days=stage.days_overdue or 0)
            entries[rules.id] = entry
            if stage.fee is not None or rules.post_interest or rules.suspend_service:
                dated.append((stage.key, entry))
            if stage.fee is not None:
                prefix = f"fee:{stage.sid}:"
                count = stage.fee_count(entry, as_of)
                if count > MAX_COUNT:  # the full evaluation rejects the invoice and says why
                    raise ValueError(f"{count} occurrences of the fee of {rules.id}")
                needs.extend(prefix + str(n) for n in range(count))
            if rules.suspend_service:
                suspensions.append((stage, entry, reached[stage.level - 1 :]))
        return StagePlan(
            level=level,
            needs=frozenset(needs),
            absent=frozenset(stage.key for stage in self.stages[level:]),
            dated=tuple(dated),
            suspensions=tuple(suspensions),
            entries=entries,
        )


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
    quick = bool(stages) and all(s.days_only for s in stages) and stage_days == sorted(stage_days)
    offsets = None if any(s.business for s in steps) else tuple(s.offset for s in steps)
    return CompiledPolicy(
        policy=policy,
        id=policy.id,
        prefix=escape(policy.id) + ":",
        steps=steps,
        step_offsets=offsets,
        stages=stages,
        stage_gate=min(stage_days) if stages and all(s.days_only for s in stages) else None,
        quick_stages=quick,
        interest=interest,
        posting=posting,
        fee_cap=per_currency(cap.amounts) if cap else {},
        fee_cap_percent=cap.percent_of_total if cap else None,
        calendar=quiet if quiet is not None else WeekendCalendar(),
        quiet=quiet,
        window_start=policy.send_window.start if policy.send_window else time(0, 0),
        window_end=policy.send_window.end if policy.send_window else None,
        pause_min=per_currency(policy.pauses.min_balance),
        fast=offsets is not None and (quick or not stages),
        stage_days=tuple(stage_days) if quick else (),
        stage_needs=tuple(_needs(stages[:level]) for level in range(len(stages) + 1)),
        stage_stops=tuple(
            any(s.stage.stop_reminders for s in stages[:level]) for level in range(len(stages) + 1)
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
