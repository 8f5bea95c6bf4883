"""Hypothesis strategies for dunning policies: steps, stages, caps and whole policies."""

from __future__ import annotations

from datetime import time

from hypothesis import strategies as st

from dunning.invoices import Channel
from dunning.policy.model import (
    FeeCap,
    FrequencyCap,
    HandOff,
    MessageSpec,
    Pauses,
    Policy,
    PolicyRule,
    PolicySet,
    QuietDays,
    ReminderStep,
    Repeat,
    SendWindow,
    Stage,
    StageFee,
    StageTrigger,
    Task,
    TaskKind,
    Tone,
)
from dunning.testing._penalties import fixed_fees, per_currency_amounts, percent_fees

__all__ = [
    "fee_caps",
    "frequency_caps",
    "policies",
    "policy_sets",
    "reminder_steps",
    "send_windows",
    "stage_fees",
    "stages",
]

_IDS = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=12)


def _channels() -> st.SearchStrategy[tuple[Channel, ...]]:
    return st.lists(st.sampled_from(Channel), min_size=1, max_size=3, unique=True).map(tuple)


def _repeats() -> st.SearchStrategy[Repeat | None]:
    return st.none() | st.builds(
        Repeat,
        every_days=st.integers(1, 30),
        max_times=st.none() | st.integers(1, 10),
    )


def reminder_steps(step_id: str | None = None) -> st.SearchStrategy[ReminderStep]:
    """`ReminderStep`s from 15 days before to 120 days after the due date.

    Shrinks towards a friendly email reminder on the due date, without repetition.
    """
    return st.builds(
        ReminderStep,
        id=st.just(step_id) if step_id is not None else _IDS,
        offset_days=st.integers(-15, 120),
        channels=_channels(),
        template=_IDS,
        tone=st.sampled_from(Tone),
        repeat=_repeats(),
        min_balance=per_currency_amounts(max_size=2, max_units=10**5),
        max_lateness_days=st.none() | st.integers(0, 30),
    )


def stage_fees() -> st.SearchStrategy[StageFee]:
    """`StageFee`s with a fixed or percent rule, once or recurring.

    Shrinks towards a one-off zero fixed fee.
    """
    return st.builds(
        StageFee,
        rule=fixed_fees() | percent_fees(),
        every_days=st.none() | st.integers(1, 60),
        max_times=st.none() | st.integers(1, 12),
    )


def stages(stage_id: str | None = None) -> st.SearchStrategy[Stage]:
    """`Stage`s entered by days overdue, with optional message, fee, task and suspension.

    Shrinks towards a bare stage entered on the due date.
    """
    return st.builds(
        Stage,
        id=st.just(stage_id) if stage_id is not None else _IDS,
        name=st.text(max_size=20),
        trigger=st.builds(StageTrigger, days_overdue=st.integers(0, 365)),
        message=st.none()
        | st.builds(MessageSpec, channels=_channels(), template=_IDS, tone=st.sampled_from(Tone)),
        fee=st.none() | stage_fees(),
        post_interest=st.booleans(),
        task=st.none()
        | st.builds(
            Task,
            kind=st.sampled_from(TaskKind),
            queue=st.none() | _IDS,
            description=st.text(max_size=30),
        ),
        suspend_service=st.booleans(),
        hand_off=st.none() | st.builds(HandOff, agency=_IDS),
        propose_write_off=st.booleans(),
    )


def frequency_caps() -> st.SearchStrategy[FrequencyCap]:
    """`FrequencyCap`s of 1 to 10 messages in 1 to 31 days; shrinks towards 1 in 1 day."""
    return st.builds(FrequencyCap, max_messages=st.integers(1, 10), days=st.integers(1, 31))


def fee_caps() -> st.SearchStrategy[FeeCap]:
    """`FeeCap`s by amount per currency and percent of total; shrinks towards no limit."""
    return st.builds(
        FeeCap,
        amounts=per_currency_amounts(max_size=2),
        percent_of_total=st.none() | st.integers(0, 100),
    )


@st.composite
def send_windows(draw: st.DrawFn) -> SendWindow:
    """`SendWindow`s on whole minutes; shrinks towards 00:00 to 00:01."""
    start = draw(st.integers(0, 24 * 60 - 2))
    end = draw(st.integers(start + 1, 24 * 60 - 1))
    return SendWindow(start=time(*divmod(start, 60)), end=time(*divmod(end, 60)))


@st.composite
def policies(draw: st.DrawFn, *, max_steps: int = 5, max_stages: int = 4) -> Policy:
    """Valid `Policy`s: reminder steps, stages with fees, tasks and suspension, and caps.

    Step and stage ids are distinct. Shrinks towards a policy with no steps, no stages and
    the default pauses, consolidation and no caps.
    """
    step_ids = draw(st.lists(_IDS, max_size=max_steps, unique=True))
    stage_ids = draw(st.lists(_IDS, max_size=max_stages, unique=True))
    return Policy(
        id=draw(_IDS),
        version=draw(st.integers(1, 5)),
        name=draw(st.text(max_size=20)),
        steps=tuple(draw(reminder_steps(step_id)) for step_id in step_ids),
        stages=tuple(draw(stages(stage_id)) for stage_id in stage_ids),
        fee_cap=draw(st.none() | fee_caps()),
        pauses=draw(
            st.builds(
                Pauses,
                disputed=st.booleans(),
                promise_to_pay=st.booleans(),
                installment_plan=st.booleans(),
                do_not_contact=st.booleans(),
            )
        ),
        frequency_cap=draw(st.none() | frequency_caps()),
        quiet_days=draw(st.none() | st.just(QuietDays())),
        send_window=draw(st.none() | send_windows()),
        consolidate=draw(st.booleans()),
        charges_outlive_principal=draw(st.booleans()),
    )


@st.composite
def policy_sets(draw: st.DrawFn) -> PolicySet:
    """`PolicySet`s of up to three segment rules and a default, all with distinct ids.

    Shrinks towards a set with only a default policy.
    """
    ids = draw(st.lists(_IDS, min_size=1, max_size=4, unique=True))
    chosen = [draw(policies(max_steps=2, max_stages=2)).evolve(id=policy_id) for policy_id in ids]
    rules = tuple(
        PolicyRule(policy=policy, segments=(f"segment-{index}",))
        for index, policy in enumerate(chosen[:-1])
    )
    return PolicySet(rules=rules, default=chosen[-1])
