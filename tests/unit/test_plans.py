import re
from datetime import date
from decimal import Decimal

import pytest
from dateutil.relativedelta import relativedelta
from pydantic import ValidationError

from dunning.calendars import RollConvention, WeekendCalendar
from dunning.errors import CalendarError, CurrencyMismatchError, PlanError
from dunning.invoices import Charge, Invoice, InvoiceStatus, Payment
from dunning.money import Money
from dunning.plans import (
    Frequency,
    FrequencyKind,
    InstallmentPlan,
    InterestMethod,
    PlanInstallment,
    PlanStatus,
    PlanTerms,
    build_plan,
)


def usd(amount: str) -> Money:
    return Money(amount, "USD")


def invoice(
    id: str = "INV-1",
    total: str = "300.00",
    *,
    currency: str = "USD",
    customer_id: str = "C-1",
    due: date = date(2026, 1, 4),
    **extra: object,
) -> Invoice:
    return Invoice(
        id=id,
        customer_id=customer_id,
        currency=currency,
        total=total,
        issue_date=date(2025, 12, 5),
        due_date=due,
        **extra,
    )


def pay(id: str, day: date, amount: str, currency: str = "USD") -> Payment:
    return Payment(id=id, date=day, amount=Money(amount, currency))


def rows(plan: InstallmentPlan) -> list[tuple[str, str, str, str, str]]:
    return [
        (
            row.due_date.isoformat(),
            str(row.amount.amount),
            str(row.principal.amount),
            str(row.interest.amount),
            str(row.fee.amount),
        )
        for row in plan.installments
    ]


def error_of(raised: pytest.ExceptionInfo[ValidationError]) -> tuple[str, str]:
    (entry,) = raised.value.errors()
    return entry["type"], entry["msg"]


# -- worked examples -----------------------------------------------------------------------


def test_cop_balance_in_six_monthly_installments_on_the_fifth() -> None:
    debt = invoice(total="1234567", currency="COP")
    terms = PlanTerms(installments=6, frequency=Frequency.monthly(day=5))
    plan = build_plan([debt], terms, id="PLAN-1", start_date=date(2026, 3, 2))
    assert [(r.due_date.isoformat(), str(r.amount)) for r in plan.installments] == [
        ("2026-03-05", "205762 COP"),
        ("2026-04-05", "205761 COP"),
        ("2026-05-05", "205761 COP"),
        ("2026-06-05", "205761 COP"),
        ("2026-07-05", "205761 COP"),
        ("2026-08-05", "205761 COP"),
    ]
    assert plan.total == Money(1234567, "COP")
    assert plan.principal == Money(1234567, "COP")
    assert plan.interest.is_zero
    assert plan.end_date == date(2026, 8, 5)
    assert plan.invoice_ids == ("INV-1",)
    assert (plan.customer_id, plan.currency, plan.replaces) == ("C-1", "COP", None)


def test_french_amortization_usd_10000_at_24_percent_over_12_months() -> None:
    debt = invoice(total="10000.00")
    terms = PlanTerms(installments=12, interest="french", annual_rate="24")
    plan = build_plan([debt], terms, id="PLAN-2", start_date=date(2026, 1, 15))
    assert rows(plan) == [
        ("2026-02-15", "945.60", "745.60", "200.00", "0.00"),
        ("2026-03-15", "945.60", "760.51", "185.09", "0.00"),
        ("2026-04-15", "945.60", "775.72", "169.88", "0.00"),
        ("2026-05-15", "945.60", "791.24", "154.36", "0.00"),
        ("2026-06-15", "945.60", "807.06", "138.54", "0.00"),
        ("2026-07-15", "945.60", "823.20", "122.40", "0.00"),
        ("2026-08-15", "945.60", "839.67", "105.93", "0.00"),
        ("2026-09-15", "945.60", "856.46", "89.14", "0.00"),
        ("2026-10-15", "945.60", "873.59", "72.01", "0.00"),
        ("2026-11-15", "945.60", "891.06", "54.54", "0.00"),
        ("2026-12-15", "945.60", "908.88", "36.72", "0.00"),
        ("2027-01-15", "945.55", "927.01", "18.54", "0.00"),
    ]
    assert plan.interest == usd("1347.15")
    assert plan.total == usd("11347.15")


def test_flat_interest_spread_evenly() -> None:
    # 5,000.00 x 18 % x 7/12 years = 525.00 of interest, 75.00 an installment.
    terms = PlanTerms(installments=7, interest="flat", annual_rate="18")
    schedule = terms.schedule(usd("5000.00"), date(2026, 1, 31))
    assert [(r.due_date.isoformat(), str(r.amount.amount)) for r in schedule] == [
        ("2026-02-28", "789.29"),
        ("2026-03-31", "789.29"),
        ("2026-04-30", "789.29"),
        ("2026-05-31", "789.29"),
        ("2026-06-30", "789.28"),
        ("2026-07-31", "789.28"),
        ("2026-08-31", "789.28"),
    ]
    assert {r.interest for r in schedule} == {usd("75.00")}


def test_flat_interest_remainder_goes_to_the_first_installments() -> None:
    # 1,000.00 x 10 % x 3/12 = 25.00 -> 8.34 + 8.33 + 8.33
    terms = PlanTerms(installments=3, interest="flat", annual_rate="10")
    schedule = terms.schedule(usd("1000.00"), date(2026, 1, 1))
    assert [str(r.interest.amount) for r in schedule] == ["8.34", "8.33", "8.33"]
    assert [str(r.principal.amount) for r in schedule] == ["333.34", "333.33", "333.33"]


def test_twice_a_month_over_february_of_a_leap_year() -> None:
    terms = PlanTerms(installments=4, frequency="semimonthly")
    schedule = terms.schedule(usd("400.00"), date(2024, 2, 1))
    assert [r.due_date for r in schedule] == [
        date(2024, 2, 15),
        date(2024, 2, 29),
        date(2024, 3, 15),
        date(2024, 3, 31),
    ]
    following = terms.schedule(usd("400.00"), date(2024, 2, 1), convention="following")
    assert following[-1].due_date == date(2024, 4, 1)  # Sunday March 31 -> Monday
    modified = terms.schedule(
        usd("400.00"),
        date(2024, 2, 1),
        convention=RollConvention.MODIFIED_FOLLOWING,
        calendar=WeekendCalendar(),
    )
    assert modified[-1].due_date == date(2024, 3, 29)
    calendar_only = terms.schedule(usd("400.00"), date(2024, 2, 1), calendar=WeekendCalendar())
    assert calendar_only == following


def test_down_payment_and_setup_fee() -> None:
    terms = PlanTerms(installments=3, down_payment_percent="20", setup_fee=usd("15.00"))
    plan = build_plan([invoice(total="1000.00")], terms, id="P", start_date=date(2026, 1, 10))
    assert rows(plan) == [
        ("2026-01-10", "215.00", "200.00", "0.00", "15.00"),
        ("2026-02-10", "266.67", "266.67", "0.00", "0.00"),
        ("2026-03-10", "266.67", "266.67", "0.00", "0.00"),
        ("2026-04-10", "266.66", "266.66", "0.00", "0.00"),
    ]
    assert plan.fees == usd("15.00")
    fixed = PlanTerms(installments=2, down_payment=usd("100.00"), setup_fee=usd("5.00"))
    assert [str(r.amount) for r in fixed.schedule(usd("300.00"), date(2026, 1, 10))] == [
        "105.00 USD",
        "100.00 USD",
        "100.00 USD",
    ]
    fee_only = PlanTerms(installments=2, setup_fee=usd("5.00"))
    assert [str(r.amount) for r in fee_only.schedule(usd("300.00"), date(2026, 1, 10))] == [
        "155.00 USD",
        "150.00 USD",
    ]


def test_zero_percent_down_payment_means_none() -> None:
    terms = PlanTerms(installments=2, down_payment_percent="0")
    assert len(terms.schedule(usd("10.00"), date(2026, 1, 1))) == 2


def test_french_at_zero_rate_is_an_even_split() -> None:
    terms = PlanTerms(installments=3, interest="french", annual_rate="0")
    assert [str(r.amount) for r in terms.schedule(usd("100.00"), date(2026, 1, 1))] == [
        "33.34 USD",
        "33.33 USD",
        "33.33 USD",
    ]


def test_explicit_first_due_date_and_plan_over_several_invoices() -> None:
    first = invoice("INV-B", "100.00")
    second = invoice("INV-A", "50.00", charges=[
        Charge(id="F", date=date(2026, 1, 10), kind="fee", amount=usd("5.00"))
    ])  # fmt: skip
    plan = InstallmentPlan.create(
        [first, second],
        PlanTerms(installments=2, frequency=Frequency.weekly()),
        id="P",
        start_date=date(2026, 2, 1),
        first_due=date(2026, 2, 6),
        replaces="OLD",
    )
    assert plan.invoice_ids == ("INV-A", "INV-B")
    assert plan.principal == usd("155.00")
    assert [r.due_date for r in plan.installments] == [date(2026, 2, 6), date(2026, 2, 13)]
    assert plan.replaces == "OLD"


# -- frequencies -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("frequency", "first", "expected"),
    [
        (Frequency.weekly(), date(2026, 1, 1), ["2026-01-01", "2026-01-08", "2026-01-15"]),
        (Frequency.every_two_weeks(), date(2026, 1, 1), ["2026-01-01", "2026-01-15", "2026-01-29"]),
        (Frequency.twice_a_month(), date(2026, 1, 20), ["2026-01-31", "2026-02-15", "2026-02-28"]),
        (Frequency.monthly(), date(2026, 1, 31), ["2026-01-31", "2026-02-28", "2026-03-31"]),
        (Frequency.monthly(day=5), date(2026, 1, 20), ["2026-02-05", "2026-03-05", "2026-04-05"]),
        (Frequency.monthly(day=30), date(2026, 1, 20), ["2026-01-30", "2026-02-28", "2026-03-30"]),
        (Frequency.every(relativedelta(months=3)), date(2025, 11, 30),
         ["2025-11-30", "2026-02-28", "2026-05-30"]),
        (Frequency.every(relativedelta(weeks=1, days=3)), date(2026, 1, 1),
         ["2026-01-01", "2026-01-11", "2026-01-21"]),
    ],
)  # fmt: skip
def test_frequency_dates(frequency: Frequency, first: date, expected: list[str]) -> None:
    assert [day.isoformat() for day in frequency.dates(first, 3)] == expected


def test_default_first_due_is_the_first_date_after_the_start() -> None:
    assert Frequency.twice_a_month().dates_after(date(2026, 1, 15), 2) == (
        date(2026, 1, 31),
        date(2026, 2, 15),
    )
    assert Frequency.monthly(day=5).dates_after(date(2026, 1, 2), 1) == (date(2026, 1, 5),)
    assert Frequency.weekly().dates_after(date(2026, 1, 2), 1) == (date(2026, 1, 9),)


@pytest.mark.parametrize(
    ("frequency", "periods"),
    [
        (Frequency.weekly(), 52),
        (Frequency.every_two_weeks(), 26),
        (Frequency.twice_a_month(), 24),
        (Frequency.monthly(day=1), 12),
        (Frequency.every(relativedelta(months=3)), 4),
        (Frequency.every(relativedelta(years=1)), 1),
        (Frequency.every(relativedelta(weeks=2)), 26),
        (Frequency.every(relativedelta(days=73)), 5),
    ],
)
def test_periods_per_year(frequency: Frequency, periods: int) -> None:
    assert frequency.periods_per_year == periods


def test_weeks_of_a_relativedelta_become_weeks() -> None:
    frequency = Frequency.every(relativedelta(weeks=2))
    assert (frequency.kind, frequency.weeks, frequency.days) == (FrequencyKind.STEP, 2, 0)
    assert frequency.step == relativedelta(days=14)


def test_mixed_step_has_no_periods_per_year() -> None:
    frequency = Frequency(kind="step", months=1, days=3)
    with pytest.raises(PlanError, match=re.escape("a step of 1 months and 3 days has no whole")):
        _ = frequency.periods_per_year
    # Without interest it is fine.
    assert PlanTerms(installments=1, frequency=frequency).frequency == frequency


@pytest.mark.parametrize(
    ("data", "kind", "message"),
    [
        ({"kind": "step"}, "dunning.frequency_step",
         "a step frequency needs years, months, weeks or days above zero and none below zero, "
         "got years=0, months=0, weeks=0, days=0"),
        ({"kind": "step", "months": -1}, "dunning.frequency_step",
         "a step frequency needs years, months, weeks or days above zero and none below zero, "
         "got years=0, months=-1, weeks=0, days=0"),
        ({"kind": "weekly", "days": 3}, "dunning.frequency_step",
         "years, months, weeks and days are for a 'step' frequency, not 'weekly'"),
        ({"kind": "weekly", "day": 3}, "dunning.frequency_day",
         "day is for a 'monthly' frequency, not 'weekly'"),
        ({"kind": "monthly", "day": 32}, "dunning.frequency_day",
         "day must be a day of the month from 1 to 31, got 32"),
        (relativedelta(day=31), "dunning.frequency_step",
         "a frequency step may hold years, months, weeks and days only, not day "
         "(in relativedelta(day=31))"),
        (relativedelta(hours=5), "dunning.frequency_step",
         "a frequency step may hold years, months, weeks and days only, not hours "
         "(in relativedelta(hours=+5))"),
    ],
)  # fmt: skip
def test_bad_frequencies(data: object, kind: str, message: str) -> None:
    with pytest.raises(ValidationError) as raised:
        Frequency.model_validate(data)
    assert error_of(raised) == (kind, message)


# -- terms validation ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "kind", "message"),
    [
        ({"installments": 0}, "dunning.too_small", "installments must be at least 1, got 0"),
        ({"installments": 1, "grace_days": -1}, "dunning.too_small",
         "grace_days must be at least 0, got -1"),
        ({"installments": 1, "max_missed": -2}, "dunning.too_small",
         "max_missed must be at least 0, got -2"),
        ({"installments": 1, "annual_rate": "-1"}, "dunning.negative",
         "annual_rate must not be negative, got -1"),
        ({"installments": 1, "annual_rate": "5"}, "dunning.plan_rate",
         "annual_rate is 5 but interest is 'none'; choose 'flat' or 'french' or leave the "
         "rate at 0"),
        ({"installments": 1, "interest": "flat", "annual_rate": "5",
          "frequency": {"kind": "step", "months": 1, "days": 1}}, "dunning.frequency_step",
         "a step of 1 months and 1 days has no whole number of periods per year; use a step "
         "of months only or of days only when the plan bears interest"),
        ({"installments": 1, "down_payment": usd("1.00"), "down_payment_percent": "5"},
         "dunning.down_payment",
         "give down_payment (1.00 USD) or down_payment_percent (5), not both"),
        ({"installments": 1, "down_payment": usd("0.00")}, "dunning.down_payment",
         "down_payment must be above zero, got 0.00 USD"),
        ({"installments": 1, "down_payment_percent": "100"}, "dunning.down_payment",
         "down_payment_percent must be from 0 up to (not including) 100, got 100"),
        ({"installments": 1, "setup_fee": usd("-1.00")}, "dunning.negative",
         "setup_fee must not be negative, got -1.00 USD"),
    ],
)  # fmt: skip
def test_bad_terms(data: dict[str, object], kind: str, message: str) -> None:
    with pytest.raises(ValidationError) as raised:
        PlanTerms.model_validate(data)
    assert error_of(raised) == (kind, message)


def test_rate_given_as_float_is_refused() -> None:
    with pytest.raises(ValidationError) as raised:
        PlanTerms.model_validate({"installments": 1, "interest": "flat", "annual_rate": 2.5})
    assert error_of(raised)[0] == "dunning.float"


@pytest.mark.parametrize(
    ("principal", "terms", "error", "message"),
    [
        (usd("0.00"), PlanTerms(installments=1), PlanError,
         "a plan needs a balance above zero, got 0.00 USD"),
        (usd("1.005"), PlanTerms(installments=1), PlanError,
         "the balance 1.005 USD has more decimals than the 2 of USD; quantize it first"),
        (usd("10.00"), PlanTerms(installments=1, down_payment=Money("1", "COP")),
         CurrencyMismatchError,
         "down_payment is in COP (1 COP) but the balance is in USD (10.00 USD)"),
        (usd("10.00"), PlanTerms(installments=1, setup_fee=Money("1", "COP")),
         CurrencyMismatchError,
         "setup_fee is in COP (1 COP) but the balance is in USD (10.00 USD)"),
        (usd("10.00"), PlanTerms(installments=1, down_payment=usd("10.00")), PlanError,
         "the down payment 10.00 USD must be below the balance 10.00 USD; a plan needs "
         "something left to pay in installments"),
    ],
)  # fmt: skip
def test_bad_schedules(
    principal: Money, terms: PlanTerms, error: type[Exception], message: str
) -> None:
    with pytest.raises(error) as raised:
        terms.schedule(principal, date(2026, 1, 1))
    assert str(raised.value) == message


def test_first_due_before_start_and_bad_convention() -> None:
    terms = PlanTerms(installments=1)
    with pytest.raises(PlanError) as raised:
        terms.schedule(usd("1.00"), date(2026, 1, 2), first_due=date(2026, 1, 1))
    assert str(raised.value) == "first_due 2026-01-01 is before the start date 2026-01-02"
    with pytest.raises(CalendarError) as bad:
        terms.schedule(usd("1.00"), date(2026, 1, 2), convention="sideways")
    assert str(bad.value).startswith("'sideways' is not a roll convention; use one of ")


# -- build_plan errors -------------------------------------------------------------------------


def test_build_plan_errors() -> None:
    terms = PlanTerms(installments=2)
    start = date(2026, 2, 1)

    def message(invoices: list[Invoice]) -> str:
        with pytest.raises((PlanError, CurrencyMismatchError)) as raised:
            build_plan(invoices, terms, id="P", start_date=start)
        return str(raised.value)

    assert message([]) == "a plan needs at least one invoice"
    assert message([invoice("A"), invoice("B", customer_id="C-2")]) == (
        "a plan is for one customer, but the invoices belong to C-1, C-2"
    )
    assert message([invoice("A"), invoice("B", "1000", currency="COP")]) == (
        "a plan is in one currency, but the invoices are in COP, USD"
    )
    assert message([invoice("A"), invoice("A")]) == "invoice 'A' is given twice"
    assert message([invoice("A", status=InvoiceStatus.VOID)]) == (
        "invoice 'A' has nothing owed to put in a plan (status void, balance 300.00 USD)"
    )
    paid = invoice("A", payments=[pay("P", date(2026, 1, 1), "300.00")])
    assert message([paid]) == (
        "invoice 'A' has nothing owed to put in a plan (status paid, balance 0.00 USD)"
    )


# -- model validation ------------------------------------------------------------------------


def plan_data(**changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "id": "P",
        "customer_id": "C-1",
        "currency": "USD",
        "invoice_ids": ["INV-1"],
        "start_date": date(2026, 1, 5),
        "principal": usd("100.00"),
        "installments": PlanTerms(installments=2).schedule(usd("100.00"), date(2026, 1, 5)),
    }
    data.update(changes)
    return data


def row(sequence: int, day: date, principal: str, **extra: object) -> dict[str, object]:
    data: dict[str, object] = {
        "sequence": sequence,
        "due_date": day,
        "amount": usd(principal),
        "principal": usd(principal),
        "interest": usd("0.00"),
        "fee": usd("0.00"),
    }
    data.update(extra)
    return data


@pytest.mark.parametrize(
    ("changes", "kind", "message"),
    [
        ({"invoice_ids": []}, "dunning.plan_invoices",
         "invoice_ids must name at least one invoice"),
        ({"invoice_ids": ["A", "A"]}, "dunning.duplicate", "'A' is given twice"),
        ({"installments": []}, "dunning.plan_installments",
         "a plan needs at least one installment"),
        ({"grace_days": -1}, "dunning.too_small", "grace_days must be at least 0, got -1"),
        ({"max_missed": -1}, "dunning.too_small", "max_missed must be at least 0, got -1"),
        ({"principal": Money("100", "COP")}, "dunning.currency_mismatch",
         "principal is in COP (100 COP) but the plan is in USD"),
        ({"payments": [pay("X", date(2026, 1, 1), "1", "COP")]}, "dunning.currency_mismatch",
         "payments[0].amount is in COP (1 COP) but the plan is in USD"),
        ({"payments": [pay("X", date(2026, 1, 1), "1"), pay("X", date(2026, 1, 2), "1")]},
         "dunning.duplicate", "'X' is given twice"),
        ({"installments": [row(2, date(2026, 2, 1), "100.00")]}, "dunning.plan_sequence",
         "installments[0] has sequence 2; installments are numbered 1, 2, 3, ... in order"),
        ({"installments": [row(1, date(2026, 2, 1), "50.00"),
                           row(2, date(2026, 1, 31), "50.00")]},
         "dunning.plan_dates",
         "installment 2 is due on 2026-01-31, before the installment ahead of it "
         "(2026-02-01); due dates must not go backwards"),
        ({"installments": [row(1, date(2026, 2, 1), "90.00")]}, "dunning.plan_principal",
         "the installments repay 90.00 USD of principal but the plan's principal is "
         "100.00 USD"),
    ],
)  # fmt: skip
def test_bad_plans(changes: dict[str, object], kind: str, message: str) -> None:
    with pytest.raises(ValidationError) as raised:
        InstallmentPlan.model_validate(plan_data(**changes))
    assert error_of(raised) == (kind, message)


@pytest.mark.parametrize(
    ("changes", "kind", "message"),
    [
        ({"sequence": 0}, "dunning.too_small", "sequence must be at least 1, got 0"),
        ({"fee": Money("0", "COP")}, "dunning.currency_mismatch",
         "fee is in COP (0 COP) but the installment amount is in USD"),
        ({"interest": usd("-1.00"), "amount": usd("9.00")}, "dunning.negative",
         "interest of installment 1 must not be negative, got -1.00 USD"),
        ({"amount": usd("11.00")}, "dunning.installment_sum",
         "amount 11.00 USD of installment 1 is not principal 10.00 USD + interest 0.00 USD + "
         "fee 0.00 USD"),
    ],
)  # fmt: skip
def test_bad_installments(changes: dict[str, object], kind: str, message: str) -> None:
    with pytest.raises(ValidationError) as raised:
        PlanInstallment.model_validate({**row(1, date(2026, 1, 1), "10.00"), **changes})
    assert error_of(raised) == (kind, message)


# -- standing ---------------------------------------------------------------------------------


@pytest.fixture
def plan() -> InstallmentPlan:
    # 300.00 in three monthly installments of 100.00: February 5, March 5 and April 5.
    terms = PlanTerms(installments=3, grace_days=10, max_missed=1)
    return build_plan([invoice()], terms, id="PLAN", start_date=date(2026, 1, 5))


def test_plan_paid_on_time_completes(plan: InstallmentPlan) -> None:
    payments = [
        pay("P-1", date(2026, 2, 5), "100.00"),
        pay("P-2", date(2026, 3, 4), "100.00"),
        pay("P-3", date(2026, 4, 5), "100.00"),
    ]
    before = plan.standing(date(2026, 3, 1), payments)
    assert before.status is PlanStatus.CURRENT
    assert (str(before.paid), str(before.remaining), str(before.owed_now)) == (
        "100.00 USD",
        "200.00 USD",
        "0.00 USD",
    )
    assert before.next_due == date(2026, 3, 5)
    assert before.paid_installments == 1
    on_due_day = plan.standing(date(2026, 4, 5), payments[:2])
    assert on_due_day.status is PlanStatus.CURRENT
    assert on_due_day.owed_now == usd("100.00")
    assert on_due_day.overdue == usd("0.00")
    assert on_due_day.next_due == date(2026, 4, 5)
    done = plan.standing(date(2026, 4, 5), payments)
    assert done.status is PlanStatus.COMPLETED
    assert done.completed_on == date(2026, 4, 5)
    assert done.next_due is None
    assert done.remaining == usd("0.00")
    assert plan.in_good_standing(date(2026, 4, 5), payments)
    assert plan.standing(date(2026, 4, 4), payments).completed_on is None
    assert plan.standing(date(2026, 6, 1), payments).status is PlanStatus.COMPLETED


def test_missed_installment_within_grace_is_late(plan: InstallmentPlan) -> None:
    late = plan.standing(date(2026, 2, 10))
    assert late.status is PlanStatus.LATE
    assert late.overdue_installments == (1,)
    assert late.days_late == 5
    assert late.owed_now == usd("100.00")
    assert late.overdue == usd("100.00")
    assert late.next_due == date(2026, 3, 5)
    assert plan.standing(date(2026, 2, 15)).status is PlanStatus.LATE  # tenth day of grace
    assert plan.in_good_standing(date(2026, 2, 15))


def test_missed_installment_beyond_grace_defaults(plan: InstallmentPlan) -> None:
    standing = plan.standing(date(2026, 2, 16))
    assert standing.status is PlanStatus.DEFAULTED
    assert standing.defaulted_on == date(2026, 2, 16)
    assert not standing.in_good_standing
    assert not plan.in_good_standing(date(2026, 2, 16))


def test_late_payment_within_grace_brings_the_plan_back(plan: InstallmentPlan) -> None:
    paid = [pay("P-1", date(2026, 2, 12), "100.00")]
    assert plan.standing(date(2026, 2, 20), paid).status is PlanStatus.CURRENT


def test_payments_after_default_do_not_bring_the_plan_back(plan: InstallmentPlan) -> None:
    paid = [pay("P-1", date(2026, 2, 20), "300.00")]
    standing = plan.standing(date(2026, 5, 1), paid)
    assert standing.status is PlanStatus.DEFAULTED
    assert standing.defaulted_on == date(2026, 2, 16)
    assert standing.remaining == usd("0.00")
    assert standing.completed_on == date(2026, 2, 20)


def test_payments_after_the_date_are_left_out(plan: InstallmentPlan) -> None:
    paid = [pay("P-1", date(2026, 2, 20), "100.00")]
    assert plan.standing(date(2026, 2, 10), paid).paid == usd("0.00")


def test_too_many_missed_installments_default_within_grace() -> None:
    terms = PlanTerms(installments=4, frequency="weekly", grace_days=30, max_missed=1)
    plan = build_plan([invoice(total="400.00")], terms, id="W", start_date=date(2026, 3, 2))
    assert [r.due_date for r in plan.installments][:2] == [date(2026, 3, 9), date(2026, 3, 16)]
    assert plan.standing(date(2026, 3, 16)).status is PlanStatus.LATE
    standing = plan.standing(date(2026, 3, 17))
    assert standing.status is PlanStatus.DEFAULTED
    assert standing.overdue_installments == (1, 2)
    assert standing.days_late == 8


def test_partial_and_early_payments_go_to_the_oldest_installment(
    plan: InstallmentPlan,
) -> None:
    paid = [pay("P-1", date(2026, 1, 20), "150.00")]
    standing = plan.standing(date(2026, 3, 6), paid)
    assert standing.status is PlanStatus.LATE
    assert standing.overdue_installments == (2,)
    assert standing.overdue == usd("50.00")
    assert standing.days_late == 1


def test_overpayment_leaves_a_credit(plan: InstallmentPlan) -> None:
    standing = plan.standing(date(2026, 1, 6), [pay("P", date(2026, 1, 6), "310.00")])
    assert standing.status is PlanStatus.COMPLETED
    assert standing.credit == usd("10.00")


def test_plan_payments_and_extra_payments_count_together(plan: InstallmentPlan) -> None:
    recorded = plan.evolve(payments=[pay("P-1", date(2026, 2, 5), "100.00")])
    assert recorded.standing(date(2026, 3, 1)).paid == usd("100.00")
    both = recorded.standing(date(2026, 3, 6), [pay("P-2", date(2026, 3, 5), "100.00")])
    assert both.paid == usd("200.00")
    assert both.status is PlanStatus.CURRENT
    with pytest.raises(PlanError) as raised:
        recorded.standing(date(2026, 3, 1), [pay("P-1", date(2026, 2, 5), "100.00")])
    assert str(raised.value) == (
        "payment 'P-1' of plan 'PLAN' is given twice; each payment counts once"
    )
    with pytest.raises(CurrencyMismatchError) as mismatch:
        plan.standing(date(2026, 3, 1), [pay("P-9", date(2026, 2, 5), "100", "COP")])
    assert str(mismatch.value) == ("payment 'P-9' is in COP (100 COP) but plan 'PLAN' is in USD")


def test_max_missed_zero_defaults_the_day_after_a_miss() -> None:
    terms = PlanTerms(installments=2, grace_days=30, max_missed=0)
    plan = build_plan([invoice()], terms, id="Z", start_date=date(2026, 1, 5))
    assert plan.standing(date(2026, 2, 5)).status is PlanStatus.CURRENT
    assert plan.standing(date(2026, 2, 6)).defaulted_on == date(2026, 2, 6)


# -- reschedule --------------------------------------------------------------------------------


def test_reschedule_keeps_principal_and_earned_interest_only() -> None:
    terms = PlanTerms(installments=3, interest="flat", annual_rate="12", setup_fee=usd("5.00"))
    old = build_plan([invoice()], terms, id="OLD", start_date=date(2026, 1, 5))
    # 300.00 x 12 % x 3/12 = 9.00: 3.00 of interest in each installment; fee 5.00 in the first.
    assert [str(r.amount.amount) for r in old.installments] == ["108.00", "103.00", "103.00"]
    paid = [pay("P-1", date(2026, 2, 5), "50.00")]
    # On March 10 the first two installments are due: fee 5.00 + interest 6.00 earned.
    # The 50.00 paid the fee, the interest 3.00 and 42.00 of principal of the first one:
    # left are 258.00 of principal and the 3.00 of interest of the second installment; the
    # interest of the third (not yet due) is dropped.
    assert old.outstanding(date(2026, 3, 10), paid) == usd("261.00")
    new = old.reschedule(
        date(2026, 3, 10), PlanTerms(installments=4, grace_days=5), id="NEW", payments=paid
    )
    assert new.replaces == "OLD"
    assert new.principal == usd("261.00")
    assert new.start_date == date(2026, 3, 10)
    assert [str(r.amount) for r in new.installments] == ["65.25 USD"] * 4
    assert new.installments[0].due_date == date(2026, 4, 10)
    assert (new.grace_days, new.customer_id, new.invoice_ids) == (5, "C-1", ("INV-1",))


def test_reschedule_errors(plan: InstallmentPlan) -> None:
    with pytest.raises(PlanError) as early:
        plan.reschedule(date(2026, 1, 1), PlanTerms(installments=2), id="N")
    assert str(early.value) == (
        "cannot reschedule plan 'PLAN' on 2026-01-01, before its start date 2026-01-05"
    )
    paid = [pay("P", date(2026, 1, 6), "300.00")]
    with pytest.raises(PlanError) as nothing:
        plan.reschedule(date(2026, 2, 1), PlanTerms(installments=2), id="N", payments=paid)
    assert str(nothing.value) == "plan 'PLAN' has nothing left to pay on 2026-02-01"


def test_plan_round_trips_through_json(plan: InstallmentPlan) -> None:
    assert InstallmentPlan.model_validate_json(plan.model_dump_json()) == plan
    terms = PlanTerms(installments=3, frequency=Frequency.every(relativedelta(months=2)))
    assert PlanTerms.model_validate_json(terms.model_dump_json()) == terms
    assert terms.interest is InterestMethod.NONE
    assert terms.annual_rate == Decimal(0)
