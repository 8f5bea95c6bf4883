"""A dunning policy as validated, immutable data.

A `Policy` says when to remind (reminder steps around the due date), how to escalate (stages
entered by days overdue, balance, number of unpaid invoices or a failed automatic payment),
what each stage does on entry (message, late fee, interest posting, a task for a person,
service suspension, hand-off, a plan offer, a write-off proposal), what pauses dunning, and the
customer-level rules (frequency cap, quiet days, send window, consolidation, charge retries).

>>> policy = Policy(
...     id="b2c", name="Friendly B2C",
...     steps=[ReminderStep(id="on-due", offset_days=0, channels=["email"], template="due")],
... )
>>> policy.steps[0].offset_days
0
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import time
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from dunning._model import Model
from dunning.calendars import HolidayCalendar, WeekendCalendar
from dunning.invoices import Channel, Customer, Identifier, Tags, _contact_law
from dunning.money import Amount, Money
from dunning.penalties import (
    FixedFee,
    InterestRule,
    LateFee,
    PercentFee,
    PerCurrency,
    TieredFee,
)
from dunning.plans import PlanTerms
from dunning.rates import RateTable

__all__ = [
    "MAX_AMOUNT",
    "MAX_COUNT",
    "MAX_DAYS",
    "MAX_PERCENT",
    "DayKind",
    "FeeCap",
    "FrequencyCap",
    "HandOff",
    "InterestPosting",
    "InterestSettings",
    "MessageSpec",
    "Pauses",
    "Policy",
    "PolicyRule",
    "PolicySet",
    "QuietDays",
    "ReminderStep",
    "Repeat",
    "RetrySchedule",
    "SendWindow",
    "Stage",
    "StageFee",
    "StageTrigger",
    "StatutoryCompensation",
    "StatutoryInterest",
    "Task",
    "TaskKind",
    "Tone",
]

# -- bounds -----------------------------------------------------------------------------------

#: The longest span of days a policy states (an offset, a repetition, days overdue, grace or
#: lateness days, a retry delay): 3,660 days, ten years, beyond any limitation period.
MAX_DAYS = 3660

#: The most times a policy counts (repetitions, messages in a frequency cap, retries, unpaid
#: invoices).
MAX_COUNT = 10_000

#: The largest percentage a policy states (a fee, an annual interest rate, a ceiling, a spread,
#: a fee cap), and the most negative rate, -1,000 %.
MAX_PERCENT = Decimal(1000)

#: The largest amount a policy states, in any currency: 10**15 (a thousand trillion).
MAX_AMOUNT = Decimal(10) ** 15


def _not_a_boolean(value: object) -> object:
    if isinstance(value, bool):
        raise PydanticCustomError(
            "dunning.boolean_number",
            "{value} is a boolean, not a number of days or times",
            {"value": str(value).lower()},
        )
    return value


_NotBool = BeforeValidator(_not_a_boolean)
NonNegativeInt = Annotated[int, Field(ge=0)]
_Days = Annotated[int, _NotBool, Field(ge=0, le=MAX_DAYS)]
_PositiveDays = Annotated[int, _NotBool, Field(gt=0, le=MAX_DAYS)]
_Offset = Annotated[int, _NotBool, Field(ge=-MAX_DAYS, le=MAX_DAYS)]
_Count = Annotated[int, _NotBool, Field(gt=0, le=MAX_COUNT)]
#: The largest policy version: TOML's largest integer.
_Version = Annotated[int, _NotBool, Field(gt=0, le=2**63 - 1)]

_Loc = tuple[int | str, ...]


def _bound(loc: _Loc, what: str, value: Decimal, bound: Decimal) -> InitErrorDetails:
    return {
        "type": PydanticCustomError(
            "dunning.bound",
            "{what} {value} is beyond {bound}, the bound of a policy",
            {
                "what": what,
                "value": f"{value:f}" if abs(value) < 10**40 else str(value),
                "bound": str(bound),
            },
        ),
        "loc": loc,
        "input": str(value),
    }


def _amount_errors(amounts: Sequence[Money], loc: _Loc) -> Iterator[InitErrorDetails]:
    for index, money in enumerate(amounts):
        if money.amount > MAX_AMOUNT:
            yield _bound((*loc, index, "amount"), "amount", money.amount, MAX_AMOUNT)


def _percent_errors(value: Decimal | None, loc: _Loc, what: str) -> Iterator[InitErrorDetails]:
    if value is not None and abs(value) > MAX_PERCENT:
        yield _bound(loc, what, value, MAX_PERCENT if value > 0 else -MAX_PERCENT)


def _fee_errors(rule: object) -> Iterator[InitErrorDetails]:
    if isinstance(rule, FixedFee):
        yield from _amount_errors(rule.amounts, ("amounts",))
    if isinstance(rule, PercentFee):
        yield from _percent_errors(rule.percent, ("percent",), "percent")
    if isinstance(rule, PercentFee | TieredFee):
        yield from _amount_errors(rule.minimum, ("minimum",))
        yield from _amount_errors(rule.maximum, ("maximum",))
    if isinstance(rule, TieredFee):
        for index, band in enumerate(rule.bands):
            loc = ("bands", index)
            yield from _percent_errors(band.percent, (*loc, "percent"), "percent")
            for field in ("up_to", "amount"):
                value = getattr(band, field)
                if value is not None and value > MAX_AMOUNT:
                    yield _bound((*loc, field), field, value, MAX_AMOUNT)


def _table_errors(table: RateTable, loc: _Loc) -> Iterator[InitErrorDetails]:
    for index, point in enumerate(table.points):
        yield from _percent_errors(point.rate, (*loc, "points", index, "rate"), "rate")


def _interest_errors(rule: InterestRule) -> Iterator[InitErrorDetails]:
    yield from _percent_errors(rule.annual_rate, ("annual_rate",), "annual_rate")
    if rule.reference is not None:
        yield from _percent_errors(rule.reference.spread, ("reference", "spread"), "spread")
        yield from _table_errors(rule.reference.table, ("reference", "table"))
    for field in ("ceiling", "floor"):
        limit = getattr(rule, field)
        if isinstance(limit, RateTable):
            yield from _table_errors(limit, (field,))
        else:
            yield from _percent_errors(limit, (field,), field)
    if rule.grace_days > MAX_DAYS:
        yield {
            "type": PydanticCustomError(
                "dunning.bound",
                "grace_days {value} is beyond {bound}, the bound of a policy",
                {"value": rule.grace_days, "bound": MAX_DAYS},
            ),
            "loc": ("grace_days",),
            "input": rule.grace_days,
        }


def _within_bounds(title: str, errors: Iterator[InitErrorDetails]) -> None:
    """Raise the errors found, located below the field being validated."""
    found = list(errors)
    if found:
        raise ValidationError.from_exception_data(title, found)


def _bounded_amounts(value: tuple[Money, ...], info: ValidationInfo) -> tuple[Money, ...]:
    _within_bounds(info.field_name or "amounts", _amount_errors(value, ()))
    return value


#: Amounts per currency (see `PerCurrency`), none above `MAX_AMOUNT`.
_Amounts = Annotated[PerCurrency, AfterValidator(_bounded_amounts)]


def _time_of_day(value: object) -> object:
    """A send-window time is written as text (or given as a `time`), never as a number."""
    if isinstance(value, int | float | Decimal):
        raise PydanticCustomError(
            "dunning.time_of_day",
            '{value} is a number, not a time of day; write the time as text, e.g. "09:30" '
            "(in YAML, quote it: '09:30')",
            {"value": repr(value)},
        )
    return value


def _local(value: time) -> time:
    if value.tzinfo is not None:
        raise PydanticCustomError(
            "dunning.time_of_day",
            "{value} has a UTC offset; a send window is in each customer's local time, so "
            "write it without one",
            {"value": value.isoformat()},
        )
    return value


_TimeOfDay = Annotated[time, BeforeValidator(_time_of_day), AfterValidator(_local)]


class Tone(StrEnum):
    """How a message speaks to the customer; templates pick wording by tone."""

    FRIENDLY = "friendly"
    NEUTRAL = "neutral"
    FIRM = "firm"
    FINAL = "final"


class DayKind(StrEnum):
    """Whether an offset counts calendar days or business days."""

    CALENDAR = "calendar"
    BUSINESS = "business"


def _unique_channels(value: tuple[Channel, ...]) -> tuple[Channel, ...]:
    if len(set(value)) != len(value):
        raise PydanticCustomError(
            "dunning.duplicate",
            "channels {value} list a channel twice",
            {"value": [c.value for c in value]},
        )
    return value


Channels = Annotated[tuple[Channel, ...], Field(min_length=1)]


class Repeat(Model):
    """Repeat a reminder every `every_days` days, at most `max_times` times in all."""

    every_days: _PositiveDays
    max_times: _Count | None = Field(
        default=None, description="Total occurrences including the first; None for no limit."
    )


class ReminderStep(Model):
    """A reminder relative to the due date: negative before, 0 on it, positive after.

    >>> ReminderStep(id="pre", offset_days=-3, channels=["email", "sms"], template="soon").tone
    <Tone.FRIENDLY: 'friendly'>
    """

    id: Identifier
    offset_days: _Offset = Field(description="Days from the due date; negative means before.")
    day_kind: DayKind = DayKind.CALENDAR
    channels: Channels = Field(description="Channels in order of preference, with fallback.")
    template: Identifier
    tone: Tone = Tone.FRIENDLY
    repeat: Repeat | None = None
    min_balance: _Amounts = Field(
        default=(), description="No reminder when the balance is below this, per currency."
    )
    max_lateness_days: _Days | None = Field(
        default=None,
        description="An occurrence more than this many days old is stale: skipped, never sent.",
    )

    _channels = field_validator("channels")(_unique_channels)


class MessageSpec(Model):
    """A message sent when a stage is entered."""

    channels: Channels
    template: Identifier
    tone: Tone = Tone.FIRM
    max_lateness_days: _Days | None = Field(
        default=None,
        description="Not sent when the stage was entered more than this many days ago.",
    )

    _channels = field_validator("channels")(_unique_channels)


class TaskKind(StrEnum):
    """What a person in the collections team is asked to do."""

    CALL = "call"
    VISIT = "visit"
    REVIEW = "review"


class Task(Model):
    """A task for a person, created on stage entry (e.g. call the customer)."""

    kind: TaskKind = TaskKind.CALL
    queue: str | None = Field(default=None, description="Team or queue the task goes to.")
    description: str = ""


class HandOff(Model):
    """Hand the debt over to an external collection agency."""

    agency: Identifier


class StatutoryCompensation(Model):
    """The fixed compensation of a jurisdiction (e.g. EUR 40 under Directive 2011/7/EU).

    `options` are the preset's own (see `dunning.statutory`), e.g. ``{"uf_value": "39000"}``
    for Chile; they are checked when the policy is built.
    """

    kind: Literal["statutory"] = "statutory"
    jurisdiction: str = Field(description="A code of `dunning.statutory.JURISDICTIONS`.")
    options: dict[str, Any] = Field(default_factory=dict, description="The preset's options.")

    @field_validator("jurisdiction")
    @classmethod
    def _known(cls, value: str) -> str:
        return _check_jurisdiction(value)

    @field_validator("options")
    @classmethod
    def _options_valid(cls, value: dict[str, Any], info: ValidationInfo) -> dict[str, Any]:
        return _check_options(value, info)

    @model_validator(mode="after")
    def _bounded(self) -> StatutoryCompensation:
        from dunning.errors import StatutoryOptionError
        from dunning.statutory import get_jurisdiction

        try:
            fee = get_jurisdiction(self.jurisdiction).late_fee(**self.options)
        except StatutoryOptionError:
            return self  # a missing option is reported when the compensation is computed
        except ArithmeticError:
            fee = None
            errors = [
                _bound(("options",), "a figure of the options", Decimal("Infinity"), MAX_AMOUNT)
            ]
        else:
            errors = list(_fee_errors(fee))
        if errors:
            # The figures come from the options, so the error points at them.
            raise ValidationError.from_exception_data(
                "StatutoryCompensation", [{**errors[0], "loc": ("options",)}]
            )
        return self

    def compute(self, principal: Money, days_late: int) -> Money | None:
        """The compensation for a late invoice of `principal`, or None where there is none."""
        from dunning.statutory import get_jurisdiction

        return get_jurisdiction(self.jurisdiction).compensation(
            principal, days_late=days_late, **self.options
        )


def _check_options(value: dict[str, Any], info: ValidationInfo) -> dict[str, Any]:
    """Validate `value` with the options model of the jurisdiction validated before it.

    Errors are located under ``options`` (``options.agreed_rate``), each with its value.
    """
    from dunning.statutory import JURISDICTIONS

    code = info.data.get("jurisdiction")
    if isinstance(code, str) and code in JURISDICTIONS:
        JURISDICTIONS[code].options.model_validate(value)
    return value


def _check_jurisdiction(value: str) -> str:
    from dunning.statutory import JURISDICTIONS

    if value not in JURISDICTIONS:
        raise PydanticCustomError(
            "dunning.jurisdiction",
            "{value} is not a known jurisdiction; known: {known}",
            {"value": repr(value), "known": ", ".join(sorted(JURISDICTIONS))},
        )
    return value


StageFeeRule = Annotated[
    LateFee | StatutoryCompensation,
    Field(discriminator="kind"),
]


class StageFee(Model):
    """A late fee charged on stage entry, once or again every `every_days` days."""

    rule: StageFeeRule
    every_days: _PositiveDays | None = Field(
        default=None, description="Charge again every N days while in the stage; None: once."
    )
    max_times: _Count | None = Field(
        default=None, description="At most this many charges for the stage; None: no limit."
    )

    @field_validator("rule")
    @classmethod
    def _bounded(cls, rule: LateFee | StatutoryCompensation) -> LateFee | StatutoryCompensation:
        _within_bounds("StageFee.rule", _fee_errors(rule))
        return rule


class StageTrigger(Model):
    """When an invoice enters a stage; conditions combine with `match` (all or any).

    Invoice-level conditions (`days_overdue`, `invoice_balance`) are judged on the invoice's
    history of payments, so a run that catches up after missed days finds the same entry date
    as daily runs. Customer-level conditions (`customer_overdue_balance`, `unpaid_invoices`)
    and `failed_payment` are judged on the evaluation date.
    """

    days_overdue: _Days | None = None
    invoice_balance: _Amounts = Field(
        default=(), description="The invoice's overdue principal is at or above this."
    )
    customer_overdue_balance: _Amounts = Field(
        default=(),
        description="The customer's overdue principal in the invoice currency is at or above.",
    )
    unpaid_invoices: _Count | None = Field(
        default=None, description="The customer has at least this many overdue invoices."
    )
    failed_payment: bool = Field(
        default=False, description="An automatic charge of the invoice failed."
    )
    match: Literal["all", "any"] = "all"

    @model_validator(mode="after")
    def _some_condition(self) -> StageTrigger:
        if (
            self.days_overdue is None
            and not self.invoice_balance
            and not self.customer_overdue_balance
            and self.unpaid_invoices is None
            and not self.failed_payment
        ):
            raise PydanticCustomError(
                "dunning.empty_trigger",
                "a stage trigger needs at least one condition (days_overdue, invoice_balance, "
                "customer_overdue_balance, unpaid_invoices or failed_payment)",
            )
        return self


class Stage(Model):
    """An escalation level and what happens when an invoice enters it.

    Stages are listed from the mildest to the most severe; an invoice's stage is the most
    severe one whose trigger it meets, and never steps down while it stays unpaid.
    """

    id: Identifier
    name: str = ""
    trigger: StageTrigger
    message: MessageSpec | None = None
    fee: StageFee | None = None
    post_interest: bool = Field(
        default=False, description="Post the interest accrued so far on entry."
    )
    task: Task | None = None
    suspend_service: bool = False
    hand_off: HandOff | None = None
    offer_plan: PlanTerms | None = None
    propose_write_off: bool = False
    stop_reminders: bool = Field(
        default=False,
        description="Reminder steps stop once an invoice has entered this stage "
        "(e.g. after a hand-off to an agency).",
    )
    notice_days: int = Field(
        default=0,
        ge=0,
        le=365,
        description="Clear days between the day the stage's message (the notice) goes out and "
        "the day its suspension, hand-off or write-off proposal takes effect; with 0 they may "
        "take effect the day the notice goes out, never before.",
    )


class StatutoryInterest(Model):
    """The late-payment interest of a jurisdiction, e.g. ``jurisdiction="DE"``.

    `options` are the preset's own (see `dunning.statutory`), e.g.
    ``{"consumer_involved": True}`` for Germany (BGB §288(1)) or ``{"regime": "civil"}`` for
    Mexico; the rule is resolved when the policy is built, so a missing option is a
    validation error of the policy, not a failure of the evaluation.
    """

    kind: Literal["statutory"] = "statutory"
    jurisdiction: str
    options: dict[str, Any] = Field(default_factory=dict, description="The preset's options.")

    @field_validator("jurisdiction")
    @classmethod
    def _known(cls, value: str) -> str:
        return _check_jurisdiction(value)

    @field_validator("options")
    @classmethod
    def _options_valid(cls, value: dict[str, Any], info: ValidationInfo) -> dict[str, Any]:
        return _check_options(value, info)

    @model_validator(mode="after")
    def _resolvable(self) -> StatutoryInterest:
        from dunning.errors import StatutoryOptionError

        try:
            rule = self.resolve()
        except StatutoryOptionError as error:
            raise PydanticCustomError(
                "dunning.statutory_option",
                "{jurisdiction}: {error}",
                {"jurisdiction": self.jurisdiction, "error": str(error)},
            ) from None
        errors = list(_interest_errors(rule))
        if errors:
            # The figures come from the options, so the error points at them.
            raise ValidationError.from_exception_data(
                "StatutoryInterest",
                [{**error, "loc": ("options",)} for error in errors[:1]],
            )
        return self

    def resolve(self) -> InterestRule:
        """The `InterestRule` of the jurisdiction's preset with these options."""
        from dunning.statutory import get_jurisdiction

        return get_jurisdiction(self.jurisdiction).interest_rule(**self.options)


class InterestPosting(StrEnum):
    """When accrued interest is posted to an invoice."""

    MONTHLY = "monthly"
    """On the last day of each month, for the days of that month."""
    STAGE_ENTRY = "stage_entry"
    """When the invoice enters a stage with ``post_interest``."""
    PAYMENT = "payment"
    """On the date of each payment, for the days up to it."""


class InterestSettings(Model):
    """Late-payment interest: the rule and when it is posted."""

    rule: InterestRule | StatutoryInterest
    posting: InterestPosting = InterestPosting.MONTHLY

    @field_validator("rule")
    @classmethod
    def _bounded(cls, rule: InterestRule | StatutoryInterest) -> InterestRule | StatutoryInterest:
        if isinstance(rule, InterestRule):
            _within_bounds("InterestSettings.rule", _interest_errors(rule))
        return rule


class FeeCap(Model):
    """A ceiling on the late fees charged to one invoice in all."""

    amounts: _Amounts = ()
    percent_of_total: Amount | None = Field(
        default=None, description="At most this percent of the invoice total."
    )

    @field_validator("percent_of_total")
    @classmethod
    def _percent(cls, value: Decimal | None) -> Decimal | None:
        if value is not None and not 0 <= value <= MAX_PERCENT:
            raise PydanticCustomError(
                "dunning.bound",
                "percent_of_total {value} is beyond 0..{bound}, the bounds of a policy",
                {"value": str(value), "bound": str(MAX_PERCENT)},
            )
        return value


class Pauses(Model):
    """Which circumstances pause dunning of an invoice (no messages, no fees)."""

    disputed: bool = True
    promise_to_pay: bool = True
    installment_plan: bool = True
    do_not_contact: bool = True
    min_balance: _Amounts = Field(
        default=(), description="Pause while the balance is below this, per currency."
    )


class FrequencyCap(Model):
    """At most `max_messages` messages to a customer in any `days` consecutive days."""

    max_messages: _Count
    days: _PositiveDays


class SendWindow(Model):
    """Messages go out between `start` and `end` in the customer's local time."""

    start: _TimeOfDay = time(9, 0)
    end: _TimeOfDay = time(18, 0)

    @model_validator(mode="after")
    def _ordered(self) -> SendWindow:
        if self.start >= self.end:
            raise PydanticCustomError(
                "dunning.send_window",
                "send window start {start} must be before its end {end}",
                {"start": self.start.isoformat(), "end": self.end.isoformat()},
            )
        return self


class QuietDays(Model):
    """Days without messages (the calendar's non-business days); messages wait for the next."""

    calendar: HolidayCalendar | WeekendCalendar = Field(default_factory=WeekendCalendar)


Payday = int | Literal["last"]


class RetrySchedule(Model):
    """Retries of a failed automatic charge, `days_after_failure` each, snapped to paydays."""

    days_after_failure: tuple[_PositiveDays, ...] = Field(min_length=1)
    paydays: tuple[Payday, ...] = Field(
        default=(), description="Move each retry to the next of these days of the month."
    )
    max_tries: _Count | None = None

    @field_validator("days_after_failure")
    @classmethod
    def _increasing(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        for index in range(1, len(value)):
            if value[index] <= value[index - 1]:
                raise PydanticCustomError(
                    "dunning.not_increasing",
                    "days_after_failure[{index}] is {value}, not after {previous}",
                    {"index": index, "value": value[index], "previous": value[index - 1]},
                )
        return value

    @field_validator("paydays")
    @classmethod
    def _days_of_month(cls, value: tuple[Payday, ...]) -> tuple[Payday, ...]:
        for index, day in enumerate(value):
            if day != "last" and not 1 <= day <= 31:
                raise PydanticCustomError(
                    "dunning.payday",
                    "paydays[{index}] is {value}; a payday is a day 1..31 or 'last'",
                    {"index": index, "value": day},
                )
        return value

    @property
    def tries(self) -> int:
        """How many retries the schedule allows."""
        count = len(self.days_after_failure)
        return count if self.max_tries is None else min(count, self.max_tries)


def _unique_ids(items: Sequence[ReminderStep | Stage], what: str) -> None:
    seen: set[str] = set()
    for index, item in enumerate(items):
        if item.id in seen:
            raise PydanticCustomError(
                "dunning.duplicate_id",
                "{what}[{index}].id {value} is used twice",
                {"what": what, "index": index, "value": repr(item.id)},
            )
        seen.add(item.id)


class Policy(Model):
    """A complete dunning policy: reminders, stages, fees, interest, pauses and caps."""

    id: Identifier
    version: _Version = 1
    name: str = ""
    description: str = ""
    steps: tuple[ReminderStep, ...] = ()
    stages: tuple[Stage, ...] = ()
    interest: InterestSettings | None = None
    fee_cap: FeeCap | None = None
    pauses: Pauses = Field(default_factory=Pauses)
    frequency_cap: FrequencyCap | None = None
    quiet_days: QuietDays | None = None
    send_window: SendWindow | None = None
    consolidate: bool = Field(
        default=True,
        description="Merge a customer's same-day messages on one channel into one message.",
    )
    retries: RetrySchedule | None = None
    charges_outlive_principal: bool = Field(
        default=False,
        description="Keep dunning for fees and interest still owed after the principal is paid.",
    )
    jurisdiction: Annotated[str | None, AfterValidator(_contact_law)] = Field(
        default=None,
        description="The contact-law preset its messages obey ('co', 'cl', 'mx', 'br_sp'; see "
        "dunning.statutory.contact), unless the customer names its own.",
    )

    @model_validator(mode="after")
    def _ids(self) -> Policy:
        _unique_ids(self.steps, "steps")
        _unique_ids(self.stages, "stages")
        return self

    def stage(self, stage_id: str) -> Stage:
        """The stage with id `stage_id`.

        Raises:
            KeyError: when there is no such stage.
        """
        for stage in self.stages:
            if stage.id == stage_id:
                return stage
        raise KeyError(stage_id)


class PolicyRule(Model):
    """Use `policy` for customers in one of `segments` or with one of `tags`."""

    policy: Policy
    segments: tuple[str, ...] = ()
    tags: Tags = ()

    def matches(self, customer: Customer) -> bool:
        """Whether this rule applies to `customer`."""
        if customer.segment is not None and customer.segment in self.segments:
            return True
        return any(tag in customer.tags for tag in self.tags)


class PolicySet(Model):
    """Picks a policy per customer: the first rule that matches, else the default.

    >>> b2b, b2c = Policy(id="b2b"), Policy(id="b2c")
    >>> policies = PolicySet(rules=[PolicyRule(policy=b2b, segments=["business"])], default=b2c)
    >>> policies.for_customer(Customer(id="C", name="Acme", segment="business")).id
    'b2b'
    """

    rules: tuple[PolicyRule, ...] = ()
    default: Policy

    @model_validator(mode="after")
    def _distinct(self) -> PolicySet:
        ids = [rule.policy.id for rule in self.rules]
        if len(set(ids)) != len(ids) or self.default.id in ids:
            raise PydanticCustomError(
                "dunning.duplicate_id",
                "policy ids in a PolicySet must be distinct: {ids}",
                {"ids": [*ids, self.default.id]},
            )
        return self

    def for_customer(self, customer: Customer) -> Policy:
        """The policy that applies to `customer`."""
        for rule in self.rules:
            if rule.matches(customer):
                return rule.policy
        return self.default

    @property
    def policies(self) -> tuple[Policy, ...]:
        """Every policy of the set, the default last."""
        return (*(rule.policy for rule in self.rules), self.default)
