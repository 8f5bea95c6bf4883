"""Hypothesis strategies for installment plans, their payments and a customer's invoices."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import strategies as st

from dunning.invoices import Charge, ChargeKind, CreditNote, Invoice, Payment
from dunning.money import Money, minor_unit
from dunning.plans import (
    Frequency,
    FrequencyKind,
    InstallmentPlan,
    InterestMethod,
    PlanTerms,
    build_plan,
)
from dunning.testing._money import currencies

__all__ = [
    "customer_invoices",
    "frequencies",
    "installment_plans",
    "payments_for",
    "plan_terms",
]

_EPOCH = date(2024, 1, 1)


def _money(units: int, currency: str) -> Money:
    return Money(Decimal(units).scaleb(-minor_unit(currency)), currency)


def frequencies() -> st.SearchStrategy[Frequency]:
    """Every kind of `Frequency`; shrinks towards monthly on the first due date's day."""
    steps = st.one_of(
        st.builds(lambda months: Frequency(kind=FrequencyKind.STEP, months=months),
                  st.integers(1, 6)),
        st.builds(lambda days: Frequency(kind=FrequencyKind.STEP, days=days),
                  st.integers(1, 60)),
    )  # fmt: skip
    return st.one_of(
        st.builds(Frequency.monthly, st.none() | st.integers(1, 31)),
        st.sampled_from(
            [Frequency.weekly(), Frequency.every_two_weeks(), Frequency.twice_a_month()]
        ),
        steps,
    )


def plan_terms(currency: str | None = None) -> st.SearchStrategy[PlanTerms]:
    """Plan terms with every interest method, down payment and frequency.

    A set-up fee is drawn only when `currency` is given (it is an amount in that currency).
    Shrinks towards one monthly installment without interest, down payment or fee, with no
    grace days and one installment that may be missed.
    """
    fees = (
        st.none() | st.integers(1, 10_000).map(lambda units: _money(units, currency))
        if currency is not None
        else st.none()
    )
    interest = st.one_of(
        st.just((InterestMethod.NONE, Decimal(0))),
        st.tuples(
            st.sampled_from([InterestMethod.FLAT, InterestMethod.FRENCH]),
            st.decimals(0, 60, places=2, allow_nan=False, allow_infinity=False),
        ),
    )

    def build(
        count: int,
        frequency: Frequency,
        method: tuple[InterestMethod, Decimal],
        down: Decimal | None,
        fee: Money | None,
        grace: int,
        missed: int,
    ) -> PlanTerms:
        return PlanTerms(
            installments=count,
            frequency=frequency,
            interest=method[0],
            annual_rate=method[1],
            down_payment_percent=down,
            setup_fee=fee,
            grace_days=grace,
            max_missed=missed,
        )

    return st.builds(
        build,
        st.integers(1, 36),
        frequencies(),
        interest,
        st.none() | st.decimals(0, 50, places=1, allow_nan=False, allow_infinity=False),
        fees,
        st.integers(0, 30),
        st.integers(1, 3),
    )


@st.composite
def customer_invoices(
    draw: st.DrawFn,
    currency: str | None = None,
    *,
    customer_id: str = "C-1",
    min_size: int = 1,
    max_size: int = 6,
    open_only: bool = False,
) -> tuple[Invoice, ...]:
    """Invoices of one customer in one currency, with charges, payments and credit notes.

    Ids are distinct (``INV-1``, ``INV-2``, ...) and due dates often tie, to exercise the
    tie-breaking rules. With `open_only`, every invoice still owes something. Shrinks towards
    one invoice of one minor unit, due on its issue date, without charges, payments or credit
    notes.
    """
    code = draw(currencies()) if currency is None else currency
    size = draw(st.integers(min_size, max_size))
    invoices: list[Invoice] = []
    for number in range(1, size + 1):
        issue = _EPOCH + timedelta(days=draw(st.integers(0, 60)))
        due = issue + timedelta(days=draw(st.sampled_from([0, 30, 15, 45, 60])))
        total = draw(st.integers(1, 10**7))
        charges = [
            Charge(id=f"CH-{number}-{index}", date=due, kind=kind,
                   amount=_money(units, code))
            for index, (kind, units) in enumerate(draw(st.lists(
                st.tuples(st.sampled_from(ChargeKind), st.integers(1, 10**5)), max_size=3)))
        ]  # fmt: skip
        owed = total + sum(charge.amount.to_minor_units() for charge in charges)
        paid_cap = owed - 1 if open_only else owed + 1000
        credit_units = draw(st.lists(st.integers(1, max(1, total // 2)), max_size=1))
        credits = [
            CreditNote(id=f"CN-{number}-{index}", date=issue, amount=_money(units, code))
            for index, units in enumerate(credit_units)
            if not open_only or units < owed
        ]
        left = paid_cap - sum(units for units in credit_units if not open_only or units < owed)
        payments = [
            Payment(id=f"P-{number}-{index}", date=due, amount=_money(units, code))
            for index, units in enumerate(
                draw(st.lists(st.integers(1, max(1, left // 2)), max_size=2)) if left > 1 else []
            )
        ]
        invoices.append(
            Invoice(
                id=f"INV-{number}",
                customer_id=customer_id,
                currency=code,
                total=_money(total, code),
                issue_date=issue,
                due_date=due,
                charges=tuple(charges),
                credit_notes=tuple(credits),
                payments=tuple(payments),
            )
        )
    return tuple(invoices)


@st.composite
def installment_plans(
    draw: st.DrawFn,
    currency: str | None = None,
    *,
    terms: PlanTerms | st.SearchStrategy[PlanTerms] | None = None,
) -> InstallmentPlan:
    """Plans built with `build_plan` from open invoices of one customer.

    Shrinks towards a one-installment monthly plan, without interest, for one invoice.
    """
    code = draw(currencies()) if currency is None else currency
    invoices = draw(customer_invoices(code, max_size=3, open_only=True))
    if terms is None:
        chosen = draw(plan_terms(code))
    elif isinstance(terms, PlanTerms):
        chosen = terms
    else:
        chosen = draw(terms)
    start = max(invoice.due_date for invoice in invoices) + timedelta(days=draw(st.integers(0, 90)))
    principal = Money.sum((invoice.balance for invoice in invoices), code)
    if (
        chosen.down_payment_percent
        and principal.percent(chosen.down_payment_percent).quantize() >= principal
    ):
        chosen = chosen.evolve(down_payment_percent=None)  # too small a balance for one
    return build_plan(invoices, chosen, id="PLAN-1", start_date=start)


@st.composite
def payments_for(
    draw: st.DrawFn,
    plan: InstallmentPlan,
    *,
    on_time: bool = True,
) -> tuple[Payment, ...]:
    """Payments for `plan`.

    With `on_time` (the default), each installment is paid in full, in one to three parts,
    on or before its due date (and not before the plan's start); otherwise amounts and dates
    are arbitrary, from the start date to 90 days after the last due date. Shrinks towards
    one payment of each installment on its due date (on time), or towards no payment.
    """
    payments: list[Payment] = []
    if on_time:
        earliest = plan.start_date
        for row in plan.installments:
            units = row.amount.to_minor_units()
            if not units:
                continue
            parts = draw(st.integers(1, min(3, units)))
            pieces = [units // parts] * parts
            pieces[0] += units - sum(pieces)
            for piece in pieces:
                early = draw(st.integers(0, max(0, (row.due_date - earliest).days)))
                payments.append(
                    Payment(
                        id=f"P-{len(payments) + 1}",
                        date=row.due_date - timedelta(days=early),
                        amount=_money(piece, plan.currency),
                    )
                )
        return tuple(payments)
    span = (plan.end_date - plan.start_date).days + 90
    total = plan.total.to_minor_units()
    drawn = draw(
        st.lists(st.tuples(st.integers(0, span), st.integers(1, max(1, total))), max_size=8)
    )
    return tuple(
        Payment(
            id=f"P-{index}",
            date=plan.start_date + timedelta(days=offset),
            amount=_money(units, plan.currency),
        )
        for index, (offset, units) in enumerate(drawn, 1)
    )
