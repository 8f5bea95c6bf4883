"""Hypothesis strategies for policies, portfolios and histories, to test the engine."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import strategies as st

from dunning.engine.actions import HistoryRecord
from dunning.engine.core import evaluate
from dunning.invoices import Channel, Contact, Customer, Invoice, Payment
from dunning.money import Money
from dunning.penalties import FixedFee, InterestRule, PercentFee
from dunning.policy.model import (
    FeeCap,
    FrequencyCap,
    InterestPosting,
    InterestSettings,
    MessageSpec,
    Pauses,
    Policy,
    ReminderStep,
    Repeat,
    Stage,
    StageFee,
    StageTrigger,
    Task,
)

__all__ = [
    "Portfolio",
    "cadences",
    "customers",
    "daily_history",
    "engine_policies",
    "histories",
    "invoices",
    "portfolios",
]

_START = date(2026, 1, 1)
_CURRENCIES = ("USD", "COP", "MXN")
_MINIMUM_FEES = {"USD": "5.00", "COP": "20000", "MXN": "100.00"}


@dataclass(frozen=True)
class Portfolio:
    """Customers with their invoices, and the first date worth evaluating."""

    customers: tuple[Customer, ...]
    invoices: tuple[Invoice, ...]
    start: date


@st.composite
def cadences(draw: st.DrawFn, max_steps: int = 5) -> tuple[ReminderStep, ...]:
    """Reminder steps around the due date; shrinks towards one step on the due date."""
    offsets = draw(
        st.lists(st.integers(-10, 45), min_size=1, max_size=max_steps, unique=True).map(sorted)
    )
    steps = []
    for index, offset in enumerate(offsets):
        repeat = draw(
            st.none()
            | st.builds(
                Repeat,
                every_days=st.integers(1, 14),
                max_times=st.none() | st.integers(1, 6),
            )
        )
        channels = draw(st.permutations([Channel.EMAIL, Channel.SMS, Channel.WHATSAPP]))
        steps.append(
            ReminderStep(
                id=f"s{index}",
                offset_days=offset,
                channels=tuple(channels[: draw(st.integers(1, 3))]),
                template=f"t{index}",
                repeat=repeat,
                max_lateness_days=draw(st.none() | st.integers(0, 10)),
            )
        )
    return tuple(steps)


@st.composite
def engine_policies(
    draw: st.DrawFn, *, invoice_level_only: bool = True, interest: bool = True
) -> Policy:
    """Policies with reminders, stages, fees, caps and interest; shrinks towards reminders only.

    With `invoice_level_only` (the default), stage triggers use only days overdue and the
    invoice balance, which are judged on dated payments: daily runs and a catch-up run then
    reach the same stages, fees and interest.
    """
    steps = draw(cadences())
    stage_days = draw(st.lists(st.integers(1, 100), max_size=4, unique=True).map(sorted))
    stages = []
    for level, days in enumerate(stage_days, 1):
        balance = draw(st.booleans())
        fee_rule = draw(
            st.none()
            | st.just(FixedFee(amounts=[Money(_MINIMUM_FEES[c], c) for c in _CURRENCIES]))
            | st.builds(
                PercentFee,
                percent=st.sampled_from([Decimal("1.5"), Decimal(5), Decimal(10)]),
                minimum=st.just([Money(_MINIMUM_FEES[c], c) for c in _CURRENCIES]),
            )
        )
        trigger = StageTrigger(
            days_overdue=days,
            invoice_balance=[Money(100, c) for c in _CURRENCIES] if balance else [],
            match=draw(st.sampled_from(["all", "any"])) if balance else "all",
        )
        if not invoice_level_only and draw(st.booleans()):
            trigger = StageTrigger(days_overdue=days, unpaid_invoices=2)
        stages.append(
            Stage(
                id=f"stage{level}",
                trigger=trigger,
                message=draw(
                    st.none()
                    | st.just(MessageSpec(channels=[Channel.EMAIL], template=f"stage{level}"))
                ),
                fee=None
                if fee_rule is None
                else StageFee(rule=fee_rule, every_days=draw(st.none() | st.integers(7, 30))),
                task=draw(st.none() | st.just(Task())),
                suspend_service=draw(st.booleans()),
                post_interest=draw(st.booleans()),
                stop_reminders=draw(st.booleans()),
            )
        )
    interest_settings = None
    if interest and draw(st.booleans()):
        interest_settings = InterestSettings(
            rule=InterestRule(
                annual_rate=draw(st.sampled_from([Decimal(6), Decimal("18.5"), Decimal(24)])),
                grace_days=draw(st.integers(0, 5)),
            ),
            posting=draw(st.sampled_from(list(InterestPosting))),
        )
    fee_cap = draw(
        st.none()
        | st.builds(
            FeeCap,
            amounts=st.just([Money(_MINIMUM_FEES[c], c) * 3 for c in _CURRENCIES]),
            percent_of_total=st.none() | st.sampled_from([Decimal(5), Decimal(20)]),
        )
    )
    return Policy(
        id="prop",
        steps=steps,
        stages=tuple(stages),
        interest=interest_settings,
        fee_cap=fee_cap,
        frequency_cap=draw(
            st.none()
            | st.builds(FrequencyCap, max_messages=st.integers(1, 3), days=st.integers(1, 10))
        ),
        pauses=Pauses(),
        consolidate=draw(st.booleans()),
    )


@st.composite
def customers(draw: st.DrawFn, customer_id: str = "C0") -> Customer:
    """A customer with some of email, SMS and WhatsApp, sometimes do-not-contact.

    Shrinks towards a customer without contacts, in en_US and UTC.
    """
    channels = draw(
        st.lists(st.sampled_from([Channel.EMAIL, Channel.SMS, Channel.WHATSAPP]), unique=True)
    )
    locale, zone = draw(
        st.sampled_from(
            [
                ("en_US", "UTC"),
                ("es_CO", "America/Bogota"),
                ("es_CL", "America/Santiago"),
                ("es_MX", "America/Mexico_City"),
            ]
        )
    )
    return Customer(
        id=customer_id,
        name=f"Customer {customer_id}",
        locale=locale,
        time_zone=zone,
        contacts=[Contact(channel=ch, address=f"{customer_id}-{ch.value}") for ch in channels],
        preferred_channels=draw(st.permutations(channels)),
        do_not_contact=draw(st.booleans()) and draw(st.booleans()),
    )


@st.composite
def invoices(
    draw: st.DrawFn, customer_id: str = "C0", invoice_id: str = "I0", start: date = _START
) -> Invoice:
    """An open invoice in USD, COP or MXN with up to two partial payments, maybe disputed.

    Shrinks towards a USD invoice of one cent issued and due on `start`, without payments.
    """
    currency = draw(st.sampled_from(_CURRENCIES))
    places = 0 if currency == "COP" else 2
    total = Decimal(draw(st.integers(1, 10**7))).scaleb(-places)
    if currency == "COP":
        total *= 100
    issue = start + timedelta(days=draw(st.integers(0, 40)))
    due = issue + timedelta(days=draw(st.integers(0, 45)))
    payments = []
    for p in range(draw(st.integers(0, 2))):
        share = Decimal(draw(st.integers(1, 60))) / 100
        amount = (total * share).quantize(Decimal(1).scaleb(-places))
        if amount > 0:
            payments.append(
                Payment(
                    id=f"{invoice_id}-P{p}",
                    date=due + timedelta(days=draw(st.integers(-5, 90))),
                    amount=Money(amount, currency),
                )
            )
    return Invoice(
        id=invoice_id,
        customer_id=customer_id,
        currency=currency,
        total=Money(total, currency),
        issue_date=issue,
        due_date=due,
        payments=payments,
        disputed=draw(st.booleans()) and draw(st.booleans()),
        promise_to_pay=draw(st.none() | st.just(due + timedelta(days=draw(st.integers(1, 30))))),
    )


@st.composite
def portfolios(draw: st.DrawFn, *, max_customers: int = 3, max_invoices: int = 4) -> Portfolio:
    """Customers with open invoices, partial payments, disputes and promises to pay.

    Shrinks towards one customer with one unpaid USD invoice due on the start date.
    """
    people: list[Customer] = []
    bills: list[Invoice] = []
    for c in range(draw(st.integers(1, max_customers))):
        person = draw(customers(f"C{c}"))
        people.append(person)
        count = draw(st.integers(1, max_invoices))
        bills.extend(draw(invoices(person.id, f"I{c}-{n}")) for n in range(count))
    return Portfolio(customers=tuple(people), invoices=tuple(bills), start=_START)


def daily_history(
    portfolio: Portfolio, policy: Policy, first: date, last: date
) -> tuple[HistoryRecord, ...]:
    """Run the engine every day from `first` to `last`, executing every action on its day."""
    history: list[HistoryRecord] = []
    day = first
    while day <= last:
        result = evaluate(
            portfolio.invoices, policy, day, customers=portfolio.customers, history=history
        )
        history.extend(HistoryRecord.of(action, on=day) for action in result.actions)
        day += timedelta(days=1)
    return tuple(history)


@st.composite
def histories(draw: st.DrawFn, portfolio: Portfolio, policy: Policy) -> tuple[HistoryRecord, ...]:
    """Histories of daily runs over a drawn stretch of days; shrinks towards no history."""
    days = draw(st.integers(0, 60))
    if days == 0:
        return ()
    first = portfolio.start + timedelta(days=draw(st.integers(0, 30)))
    return daily_history(portfolio, policy, first, first + timedelta(days=days - 1))
