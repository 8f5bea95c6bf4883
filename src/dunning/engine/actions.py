"""What the engine decides: actions, skipped occurrences, pauses, rejections, history records.

Every action has a stable idempotency key derived from the policy id, the customer, the
invoice(s), the rule and the occurrence number: no randomness and no timestamps, so the host
can execute it at most once, and feeding the executed actions back as `history` makes the next
evaluation on the same date return nothing new.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import AwareDatetime, Field

from dunning._model import Model
from dunning.invoices import Channel
from dunning.money import Money
from dunning.penalties import InterestSegment
from dunning.plans import PlanTerms
from dunning.policy.model import Task, Tone

__all__ = [
    "Action",
    "ActionKind",
    "ChargeFee",
    "CreateTask",
    "EnterStage",
    "HandOff",
    "HistoryRecord",
    "HistoryStatus",
    "MessageItem",
    "OfferPlan",
    "PauseCause",
    "PausedInvoice",
    "PostInterest",
    "ProposeWriteOff",
    "Reason",
    "Rejection",
    "ResumeService",
    "RetryCharge",
    "SendMessage",
    "SkipReason",
    "SkippedOccurrence",
    "SuspendService",
    "records_of",
]


class ActionKind(StrEnum):
    """The kinds of action, in the order an evaluation lists them for a customer."""

    ENTER_STAGE = "enter_stage"
    CHARGE_FEE = "charge_fee"
    POST_INTEREST = "post_interest"
    SEND_MESSAGE = "send_message"
    CREATE_TASK = "create_task"
    SUSPEND_SERVICE = "suspend_service"
    RESUME_SERVICE = "resume_service"
    RETRY_CHARGE = "retry_charge"
    HAND_OFF = "hand_off"
    OFFER_PLAN = "offer_plan"
    PROPOSE_WRITE_OFF = "propose_write_off"
    AUTOMATIC_CHARGE = "automatic_charge"
    """Not emitted by the engine: the host's own automatic charge, recorded in history so
    that a failed one starts the retry schedule."""


class Reason(Model):
    """Why something happened: the rule, the figures that triggered it, one line of text."""

    rule: str = Field(description="e.g. 'step:after-2#0', 'stage:call', 'frequency_cap'.")
    text: str
    figures: tuple[tuple[str, str], ...] = ()

    def figure(self, name: str) -> str | None:
        """The figure called `name`, or None."""
        for key, value in self.figures:
            if key == name:
                return value
        return None


class _Action(Model):
    key: str = Field(description="Stable idempotency key.")
    customer_id: str
    invoice_ids: tuple[str, ...] = ()
    due_on: date = Field(description="The date the occurrence fell due.")
    covers: tuple[str, ...] = Field(
        default=(), description="Occurrence keys this action carries out (besides its own)."
    )
    reason: Reason
    rule_id: str = Field(
        default="",
        description="The rule the occurrence comes from: 'step:<id>', 'stage:<id>', "
        "'interest:<posting>', 'retry' or 'resume'; keys stay opaque.",
    )
    occurrence: int | None = Field(
        default=None,
        description="The occurrence number of the rule (a reminder's repetition from 0, a "
        "fee's from 0, a retry's attempt, a suspension's count); None for one-off rules.",
    )


class MessageItem(Model):
    """One invoice's part of a (possibly consolidated) message."""

    invoice_id: str
    occurrence: str = Field(description="The occurrence key this item carries out.")
    template: str
    tone: Tone
    balance: Money
    days_overdue: int
    due_date: date


class SendMessage(_Action):
    """Send a message to the customer on one channel, listing one or more invoices."""

    kind: Literal[ActionKind.SEND_MESSAGE] = ActionKind.SEND_MESSAGE
    channel: Channel
    address: str
    template: str
    tone: Tone
    locale: str
    not_before: AwareDatetime
    not_after: AwareDatetime | None = Field(
        default=None,
        description="The end of the policy's send window on the evaluation date, in the "
        "customer's time zone (None without a send window).",
    )
    total: Money = Field(description="Sum of the balances listed (one currency).")
    items: tuple[MessageItem, ...]


class ChargeFee(_Action):
    """Charge a late fee to an invoice."""

    kind: Literal[ActionKind.CHARGE_FEE] = ActionKind.CHARGE_FEE
    stage_id: str
    occurrence: int
    amount: Money


class PostInterest(_Action):
    """Post late-payment interest accrued over a period to an invoice."""

    kind: Literal[ActionKind.POST_INTEREST] = ActionKind.POST_INTEREST
    amount: Money
    first_day: date
    last_day: date
    segments: tuple[InterestSegment, ...] = ()


class EnterStage(_Action):
    """An invoice entered an escalation stage."""

    kind: Literal[ActionKind.ENTER_STAGE] = ActionKind.ENTER_STAGE
    stage_id: str
    level: int = Field(description="1 for the first stage of the policy, 2 for the next...")


class CreateTask(_Action):
    """Create a task for a person (call or visit the customer, review the account)."""

    kind: Literal[ActionKind.CREATE_TASK] = ActionKind.CREATE_TASK
    stage_id: str
    task: Task


class SuspendService(_Action):
    """Suspend the customer's service."""

    kind: Literal[ActionKind.SUSPEND_SERVICE] = ActionKind.SUSPEND_SERVICE
    stage_id: str


class ResumeService(_Action):
    """Resume a suspended service: nothing that caused the suspension is owed any more."""

    kind: Literal[ActionKind.RESUME_SERVICE] = ActionKind.RESUME_SERVICE


class RetryCharge(_Action):
    """Retry a failed automatic charge."""

    kind: Literal[ActionKind.RETRY_CHARGE] = ActionKind.RETRY_CHARGE
    attempt: int
    amount: Money


class HandOff(_Action):
    """Hand the invoice over to an external collection agency."""

    kind: Literal[ActionKind.HAND_OFF] = ActionKind.HAND_OFF
    stage_id: str
    agency: str
    amount: Money


class OfferPlan(_Action):
    """Offer the customer an installment plan for what it owes in one currency."""

    kind: Literal[ActionKind.OFFER_PLAN] = ActionKind.OFFER_PLAN
    stage_id: str
    amount: Money
    terms: PlanTerms


class ProposeWriteOff(_Action):
    """Propose writing the invoice off (for a person to approve)."""

    kind: Literal[ActionKind.PROPOSE_WRITE_OFF] = ActionKind.PROPOSE_WRITE_OFF
    stage_id: str
    amount: Money


#: Everything the engine can ask the host to do, discriminated by `kind`.
Action = Annotated[
    SendMessage
    | ChargeFee
    | PostInterest
    | EnterStage
    | CreateTask
    | SuspendService
    | ResumeService
    | RetryCharge
    | HandOff
    | OfferPlan
    | ProposeWriteOff,
    Field(discriminator="kind"),
]


class SkipReason(StrEnum):
    """Why an occurrence that fell due is not acted on."""

    SUPERSEDED = "superseded"
    """A later reminder of the same invoice replaces it (catch-up after missed runs)."""
    STALE = "stale"
    """Too old to send: past its maximum lateness, or a pre-due reminder after the due date."""
    CAPPED = "capped"
    """The customer's frequency cap, or the invoice's fee cap, is reached."""
    NO_CHANNEL = "no_channel"
    """The customer has no usable address on any of the rule's channels."""
    QUIET_DAY = "quiet_day"
    """Today is a quiet day; the message waits for the next allowed day."""
    BELOW_MINIMUM = "below_minimum"
    """The balance is below the rule's minimum."""
    NO_AMOUNT = "no_amount"
    """The fee rule has no amount for the invoice's currency, or it comes to zero."""
    AWAITING_NOTICE = "awaiting_notice"
    """A suspension, hand-off or write-off proposal waits until the stage's message (the
    notice) has gone out, and the stage's clear days after it have passed."""
    HARD_DECLINE = "hard_decline"
    """The automatic charge was declined for good (stolen card, closed account): no retry."""
    CONTACT_LAW = "contact_law"
    """The contact law of the customer's jurisdiction never allows it (no consent for the
    channel): see `dunning.statutory.contact`."""


class SkippedOccurrence(Model):
    """An occurrence that fell due but is not acted on, and why.

    One entry may stand for a run of consecutive occurrences of one reminder step that a
    later one superseded (after runs were missed for a long time): the entry is then the
    latest of the run (its `key`, `due_on` and `occurrence`), and its reason's figures give
    how many it stands for (`count`) and the date of the first (`first_due_on`).
    Acknowledging it (`HistoryRecord.skipped`) acknowledges the whole run, since the engine
    reports superseded occurrences back to the last one done only.
    """

    key: str
    customer_id: str
    invoice_id: str
    due_on: date
    cause: SkipReason
    reason: Reason
    retry_on: date | None = Field(
        default=None, description="For deferrals (quiet day, cap): the next day it may go."
    )
    rule_id: str = Field(default="", description="The rule the occurrence comes from.")
    occurrence: int | None = Field(
        default=None, description="The occurrence number of the rule (see `SendMessage`)."
    )

    @property
    def count(self) -> int:
        """How many occurrences the entry stands for: 1, or the length of a summarised run.

        >>> skip = SkippedOccurrence(key="p:C:I:step:weekly:9", customer_id="C", invoice_id="I",
        ...     due_on=date(2026, 4, 4), cause="superseded", reason=Reason(rule="step:weekly",
        ...     text="...", figures=(("count", "9"), ("first_due_on", "2026-02-07"))))
        >>> skip.count, skip.first_due_on
        (9, datetime.date(2026, 2, 7))
        """
        count = self.reason.figure("count")
        return 1 if count is None else int(count)

    @property
    def first_due_on(self) -> date:
        """The date the first occurrence the entry stands for fell due (`due_on` for one)."""
        first = self.reason.figure("first_due_on")
        return self.due_on if first is None else date.fromisoformat(first)

    @property
    def deferred(self) -> bool:
        """Whether the occurrence may still be acted on later (quiet day or frequency cap)."""
        return self.retry_on is not None


class PauseCause(StrEnum):
    """Why dunning of an invoice is paused."""

    DISPUTED = "disputed"
    INSTALLMENT_PLAN = "installment_plan"
    PROMISE_TO_PAY = "promise_to_pay"
    DO_NOT_CONTACT = "do_not_contact"
    BELOW_MINIMUM = "below_minimum"


class PausedInvoice(Model):
    """An open invoice whose dunning is paused, with every cause that applies."""

    invoice_id: str
    customer_id: str
    causes: tuple[PauseCause, ...]
    until: date | None = Field(default=None, description="When a promise to pay runs out.")
    text: str


class Rejection(Model):
    """An input invoice that could not be evaluated, with the error."""

    invoice_id: str | None
    customer_id: str | None
    error: str


class HistoryStatus(StrEnum):
    """What became of an action the host was given."""

    EXECUTED = "executed"
    FAILED = "failed"
    SKIPPED = "skipped"


class HistoryRecord(Model):
    """What the host did with an action (or a skipped occurrence), by idempotency key.

    >>> record = HistoryRecord(key="k", kind="send_message", customer_id="C", on=date(2026, 1, 2))
    >>> record.status
    <HistoryStatus.EXECUTED: 'executed'>
    """

    key: str
    kind: ActionKind
    customer_id: str
    on: date = Field(description="The day it was executed, failed or skipped.")
    status: HistoryStatus = HistoryStatus.EXECUTED
    invoice_ids: tuple[str, ...] = ()
    covers: tuple[str, ...] = ()
    channel: Channel | None = None
    decline: Literal["soft", "hard"] | None = Field(
        default=None,
        description="For a declined automatic charge or retry: a soft decline (recorded as "
        "executed: the attempt was made) may be retried, a hard one (stolen card, closed "
        "account, recorded as failed) never is. See dunning.adapters.classify_decline.",
    )
    decline_code: str | None = Field(default=None, description="The provider's decline code.")
    sent_by: AwareDatetime | None = Field(
        default=None,
        description="For a message: the latest instant it went out (its `not_after`), where a "
        "contact law counts it; None: the end of the lawful hours of `on`.",
    )

    @classmethod
    def of(
        cls,
        action: Action,
        status: HistoryStatus = HistoryStatus.EXECUTED,
        on: date | None = None,
    ) -> HistoryRecord:
        """The record of `action` executed (or failed) on `on`.

        `on` is the day the host carried the action out (what frequency caps count); without
        it the record is dated the action's `due_on`, which is only right when the host acted
        on the day it fell due.
        """
        return cls._construct(
            key=action.key,
            kind=action.kind,
            customer_id=action.customer_id,
            on=action.due_on if on is None else on,
            status=HistoryStatus(status),
            invoice_ids=action.invoice_ids,
            covers=action.covers,
            channel=action.channel if isinstance(action, SendMessage) else None,
            decline=None,
            decline_code=None,
            sent_by=action.not_after if isinstance(action, SendMessage) else None,
        )

    @classmethod
    def skipped(cls, occurrence: SkippedOccurrence, on: date) -> HistoryRecord:
        """The record that acknowledges a skipped occurrence, so it is not reported again.

        Raises:
            ValueError: for a deferred occurrence (quiet day, frequency cap): it is still due
                and goes on a later day, so acknowledging it would lose it.
        """
        if occurrence.deferred:
            raise ValueError(
                f"occurrence {occurrence.key!r} is deferred to {occurrence.retry_on}, not "
                "skipped for good; do not acknowledge it"
            )
        return cls._construct(
            key=occurrence.key,
            kind=ActionKind.SEND_MESSAGE,
            customer_id=occurrence.customer_id,
            on=on,
            status=HistoryStatus.SKIPPED,
            invoice_ids=(occurrence.invoice_id,),
            covers=(),
            channel=None,
        )


def records_of(actions: Iterable[Action], on: date | None = None) -> tuple[HistoryRecord, ...]:
    """History records for `actions`, all executed (on `on`, or each on its `due_on`)."""
    return tuple(HistoryRecord.of(action, on=on) for action in actions)
