"""What a policy promises the customers it chases, as validated data.

A billing team states its promises beside the policy (a companion file such as
``b2c.promises.toml``), and `dunning.testing.check_policy` runs the policy day by day over
generated portfolios to find a day on which one is broken. Each promise is one of:

===================== ===============================================================
kind                  the promise
===================== ===============================================================
``message_limit``     at most `max_messages` messages to a customer in any `days` days
``quiet_days``        no message on a non-business day of `calendar`
``send_window``       messages go out only between `start` and `end`, local time
``no_contact``        no message or call about an invoice that is disputed, under a
                      promise to pay or in an installment plan in good standing
``suspension_notice`` a notice at least `min_days` days before a service suspension
``fee_limit``         the fees of an invoice never above a cap or the statutory maximum
``interest_limit``    interest never above an annual rate or the statutory maximum
``first_reminder``    a first reminder no later than `within_days` days after due
``escalation``        an unpaid invoice reaches `stage` by `by_day` days overdue
``reminder_limit``    at most `max_reminders` reminders per invoice
``contact_law``       every message keeps the contact law of `jurisdiction` (its hours,
                      days, holidays, caps, spacing and consent; see
                      `dunning.statutory.contact`)
===================== ===============================================================

>>> promises = Promises(promises=[
...     {"kind": "message_limit", "max_messages": 3, "days": 7},
...     {"kind": "first_reminder", "within_days": 3},
... ])
>>> [promise.describe() for promise in promises.promises]
['at most 3 messages to a customer in any 7 days', 'a first reminder no later than 3 days after the due date']
"""  # noqa: E501 -- a doctest line shows a whole result

from __future__ import annotations

from datetime import time
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, PositiveInt, model_validator
from pydantic_core import PydanticCustomError

from dunning._model import Model
from dunning.calendars import HolidayCalendar, WeekendCalendar
from dunning.invoices import Identifier, _contact_law
from dunning.money import Amount
from dunning.penalties import PerCurrency

__all__ = [
    "ContactLawPromise",
    "ContactPause",
    "EscalationPromise",
    "FeeLimit",
    "FirstReminderPromise",
    "InterestLimit",
    "MessageLimit",
    "NoContactPromise",
    "Promise",
    "Promises",
    "QuietDaysPromise",
    "ReminderLimit",
    "SendWindowPromise",
    "SuspensionNoticePromise",
]

NonNegativeInt = Annotated[int, Field(ge=0)]


class MessageLimit(Model):
    """At most `max_messages` messages to one customer in any `days` consecutive days.

    >>> MessageLimit(max_messages=2, days=7).describe()
    'at most 2 messages to a customer in any 7 days'
    """

    kind: Literal["message_limit"] = "message_limit"
    max_messages: PositiveInt
    days: PositiveInt

    def describe(self) -> str:
        """The promise in one line."""
        return f"at most {self.max_messages} messages to a customer in any {self.days} days"

    @property
    def horizon(self) -> int:
        """The fewest simulated days that can show the promise broken."""
        return self.days


class QuietDaysPromise(Model):
    """No message on a non-business day of `calendar` (by default Saturdays and Sundays).

    >>> QuietDaysPromise().describe()
    'no message on a non-business day (weekend 5, 6)'
    """

    kind: Literal["quiet_days"] = "quiet_days"
    calendar: HolidayCalendar | WeekendCalendar = Field(default_factory=WeekendCalendar)

    def describe(self) -> str:
        """The promise in one line."""
        calendar = self.calendar
        where = f"{calendar.country} holidays, " if isinstance(calendar, HolidayCalendar) else ""
        weekend = ", ".join(str(day) for day in calendar.weekend)
        return f"no message on a non-business day ({where}weekend {weekend})"

    @property
    def horizon(self) -> int:
        """The fewest simulated days that can show the promise broken."""
        return 1


class SendWindowPromise(Model):
    """Messages go out only between `start` and `end` in the customer's local time.

    >>> SendWindowPromise(start="08:00", end="19:00").describe()
    'messages only between 08:00 and 19:00, customer local time'
    """

    kind: Literal["send_window"] = "send_window"
    start: time
    end: time

    @model_validator(mode="after")
    def _ordered(self) -> SendWindowPromise:
        if self.start >= self.end:
            raise PydanticCustomError(
                "dunning.send_window",
                "send window start {start} must be before its end {end}",
                {"start": self.start.isoformat(), "end": self.end.isoformat()},
            )
        return self

    def describe(self) -> str:
        """The promise in one line."""
        start, end = self.start.strftime("%H:%M"), self.end.strftime("%H:%M")
        return f"messages only between {start} and {end}, customer local time"

    @property
    def horizon(self) -> int:
        """The fewest simulated days that can show the promise broken."""
        return 1


#: The circumstances during which a `NoContactPromise` keeps quiet about an invoice.
ContactPause = Literal["dispute", "promise_to_pay", "plan"]


class NoContactPromise(Model):
    """No message, call or visit about an invoice while it is paused for the customer.

    That is: while it is disputed, under a promise to pay (up to the promised date) or
    covered by an installment plan in good standing.

    >>> NoContactPromise(during=["dispute"]).describe()
    'no contact about an invoice during a dispute'
    """

    kind: Literal["no_contact"] = "no_contact"
    during: tuple[ContactPause, ...] = Field(
        default=("dispute", "promise_to_pay", "plan"), min_length=1
    )

    def describe(self) -> str:
        """The promise in one line."""
        names = {"dispute": "a dispute", "promise_to_pay": "a promise to pay", "plan": "a plan"}
        return "no contact about an invoice during " + " or ".join(
            names[cause] for cause in self.during
        )

    @property
    def horizon(self) -> int:
        """The fewest simulated days that can show the promise broken."""
        return 1


class SuspensionNoticePromise(Model):
    """A notice at least `min_days` days before the customer's service is suspended.

    A notice is a message to the customer with one of `templates` (any message when empty).
    The promise is owed to customers with a usable address: one without any cannot be told.

    >>> SuspensionNoticePromise(min_days=10, templates=["notice"]).describe()
    "a notice (template 'notice') at least 10 days before a suspension"
    """

    kind: Literal["suspension_notice"] = "suspension_notice"
    min_days: PositiveInt
    templates: tuple[Identifier, ...] = ()

    def describe(self) -> str:
        """The promise in one line."""
        which = (
            " (template " + ", ".join(repr(t) for t in self.templates) + ")"
            if self.templates
            else ""
        )
        return f"a notice{which} at least {self.min_days} days before a suspension"

    @property
    def horizon(self) -> int:
        """The fewest simulated days that can show the promise broken."""
        return self.min_days + 1


class _Statutory(Model):
    statutory: bool = Field(
        default=False, description="Also never above the statutory maximum of `jurisdiction`."
    )
    jurisdiction: str | None = Field(
        default=None,
        description="A code of `dunning.statutory.JURISDICTIONS`; None: the one the check is "
        "given.",
    )
    options: dict[str, Any] = Field(
        default_factory=dict, description="The statutory preset's options."
    )

    @model_validator(mode="after")
    def _jurisdiction_needs_statutory(self) -> _Statutory:
        if not self.statutory and (self.jurisdiction is not None or self.options):
            raise PydanticCustomError(
                "dunning.statutory",
                "jurisdiction and options apply to the statutory maximum: set statutory = true",
            )
        return self

    def _statutory_text(self) -> str:
        if not self.statutory:
            return ""
        where = self.jurisdiction or "the jurisdiction checked"
        return f"the statutory maximum of {where}"


class FeeLimit(_Statutory):
    """The late fees charged to one invoice never add up to more than a cap.

    The cap is `amounts` (per currency), `percent_of_total` of the invoice total and, with
    `statutory`, the fixed compensation the jurisdiction's law grants; the lowest applies.

    >>> FeeLimit(percent_of_total=10).describe()
    'fees of an invoice never above 10 % of its total'
    """

    kind: Literal["fee_limit"] = "fee_limit"
    amounts: PerCurrency = ()
    percent_of_total: Amount | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _some_cap(self) -> FeeLimit:
        if not self.amounts and self.percent_of_total is None and not self.statutory:
            raise PydanticCustomError(
                "dunning.empty_limit",
                "a fee_limit needs amounts, percent_of_total or statutory = true",
            )
        return self

    def describe(self) -> str:
        """The promise in one line."""
        caps = [str(amount) for amount in self.amounts]
        if self.percent_of_total is not None:
            caps.append(f"{self.percent_of_total} % of its total")
        if self.statutory:
            caps.append(self._statutory_text())
        return "fees of an invoice never above " + " or ".join(caps)

    @property
    def horizon(self) -> int:
        """The fewest simulated days that can show the promise broken."""
        return 1


class InterestLimit(_Statutory):
    """Late-payment interest never above a rate, nor above what the law allows.

    `max_annual_rate` is in percent a year; with `statutory`, no posting is above the
    interest the jurisdiction's law allows on the same principal over the same days.

    >>> InterestLimit(max_annual_rate="25").describe()
    'interest never above 25 % a year'
    """

    kind: Literal["interest_limit"] = "interest_limit"
    max_annual_rate: Amount | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _some_cap(self) -> InterestLimit:
        if self.max_annual_rate is None and not self.statutory:
            raise PydanticCustomError(
                "dunning.empty_limit",
                "an interest_limit needs max_annual_rate or statutory = true",
            )
        return self

    def describe(self) -> str:
        """The promise in one line."""
        caps = []
        if self.max_annual_rate is not None:
            caps.append(f"{self.max_annual_rate} % a year")
        if self.statutory:
            caps.append(self._statutory_text())
        return "interest never above " + " or ".join(caps)

    @property
    def horizon(self) -> int:
        """The fewest simulated days that can show the promise broken."""
        return 1


class FirstReminderPromise(Model):
    """A message about an unpaid invoice no later than `within_days` days after its due date.

    Only messages from the due date on count; the promise is owed to customers with a
    usable address, for invoices not paused from their due date to the deadline.

    >>> FirstReminderPromise(within_days=0).describe()
    'a first reminder no later than 0 days after the due date'
    """

    kind: Literal["first_reminder"] = "first_reminder"
    within_days: NonNegativeInt

    def describe(self) -> str:
        """The promise in one line."""
        return f"a first reminder no later than {self.within_days} days after the due date"

    @property
    def horizon(self) -> int:
        """The fewest simulated days that can show the promise broken."""
        return self.within_days + 1


class EscalationPromise(Model):
    """An unpaid invoice has entered `stage` (or a more severe one) `by_day` days overdue.

    The promise is owed for invoices not paused from their due date to that day.

    >>> EscalationPromise(stage="call", by_day=30).describe()
    "an unpaid invoice reaches stage 'call' by 30 days overdue"
    """

    kind: Literal["escalation"] = "escalation"
    stage: Identifier
    by_day: NonNegativeInt

    def describe(self) -> str:
        """The promise in one line."""
        return f"an unpaid invoice reaches stage {self.stage!r} by {self.by_day} days overdue"

    @property
    def horizon(self) -> int:
        """The fewest simulated days that can show the promise broken."""
        return self.by_day + 1


class ReminderLimit(Model):
    """At most `max_reminders` reminders (reminder-step messages) about one invoice.

    >>> ReminderLimit(max_reminders=6).describe()
    'at most 6 reminders per invoice'
    """

    kind: Literal["reminder_limit"] = "reminder_limit"
    max_reminders: PositiveInt

    def describe(self) -> str:
        """The promise in one line."""
        return f"at most {self.max_reminders} reminders per invoice"

    @property
    def horizon(self) -> int:
        """The fewest simulated days that can show the promise broken."""
        return 1


class ContactLawPromise(Model):
    """Every message keeps the collections contact law of `jurisdiction`.

    A message counts at its `not_before` in the customer's time zone, and is judged against
    the messages to the same customer before it (`dunning.statutory.contact.check`).

    >>> ContactLawPromise(jurisdiction="CL").describe()
    'every message keeps the contact law cl (Chile: Ley 19.496 art. 37, as amended by Ley 21.320 (2021))'
    """  # noqa: E501 -- a doctest line shows a whole result

    kind: Literal["contact_law"] = "contact_law"
    jurisdiction: Annotated[str, AfterValidator(_contact_law)] = Field(
        description="A contact-law code: 'co', 'cl', 'mx' or 'br_sp'."
    )

    def describe(self) -> str:
        """The promise in one line."""
        from dunning.statutory.contact import get_contact_rules

        rules = get_contact_rules(self.jurisdiction)
        return f"every message keeps the contact law {rules.code} ({rules.name})"

    @property
    def horizon(self) -> int:
        """The fewest simulated days that can show the promise broken (a calendar week)."""
        return 8


#: One declared promise, told apart by its `kind`.
Promise = Annotated[
    MessageLimit
    | QuietDaysPromise
    | SendWindowPromise
    | NoContactPromise
    | SuspensionNoticePromise
    | FeeLimit
    | InterestLimit
    | FirstReminderPromise
    | EscalationPromise
    | ReminderLimit
    | ContactLawPromise,
    Field(discriminator="kind"),
]


class Promises(Model):
    """The promises a policy makes, optionally naming the policy they belong to.

    >>> Promises(policy="b2c", promises=[{"kind": "reminder_limit", "max_reminders": 8}])
    ... # doctest: +ELLIPSIS
    Promises(policy='b2c', promises=(ReminderLimit(kind='reminder_limit', max_reminders=8),))
    """

    policy: Identifier | None = Field(
        default=None, description="The id of the policy (or of a policy of the set) promised."
    )
    promises: tuple[Promise, ...] = ()
