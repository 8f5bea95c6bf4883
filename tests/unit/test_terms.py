import json
import re
from datetime import date
from decimal import Decimal

import pytest
from pydantic import ValidationError

from dunning.calendars import HolidayCalendar, RollConvention, WeekendCalendar
from dunning.errors import MoneyError, TermsError, TermsParseError
from dunning.invoices import Invoice
from dunning.money import Money, Rounding
from dunning.settlement import amount_payable
from dunning.terms import (
    TERMS,
    CashRounding,
    ChainedSteps,
    DateStep,
    DayOfFollowingMonth,
    DaysAfter,
    DaysAfterMonthEnd,
    Deposit,
    DiscountCost,
    DiscountTier,
    DiscountWindow,
    Installment,
    MonthsAfterMonthEnd,
    PaymentTerms,
    RelativeStep,
    TermLine,
    discount_cost,
    get_terms,
    parse_terms,
)

USD = "USD"


def usd(amount: str) -> Money:
    return Money(amount, USD)


def remainder(due: object, **extra: object) -> TermLine:
    return TermLine.model_validate({"remainder": True, "due": due, **extra})


def terms_of(*lines: TermLine, deposit: Deposit | None = None, **options: object) -> PaymentTerms:
    return PaymentTerms.model_validate(
        {"name": "test", "lines": lines, "deposit": deposit, **options}
    )


# -- worked examples --------------------------------------------------------------------------


def test_two_ten_net_thirty_issued_at_month_end() -> None:
    (installment,) = get_terms("2/10 net 30").schedule(usd("1000.00"), date(2026, 1, 31))
    assert installment == Installment(
        sequence=1,
        due_date=date(2026, 3, 2),
        amount=usd("1000.00"),
        discounts=(
            DiscountWindow(
                last_day=date(2026, 2, 10),
                discount=usd("20.00"),
                amount_payable=usd("980.00"),
            ),
        ),
    )
    assert installment.amount_payable(date(2026, 2, 10)) == usd("980.00")
    assert installment.amount_payable(date(2026, 2, 11)) == usd("1000.00")


def test_net_thirty_end_of_month() -> None:
    assert get_terms("net 30 EOM").net_due_date(date(2026, 1, 15)) == date(2026, 3, 2)


def test_tenth_prox_from_the_last_day_of_january() -> None:
    assert get_terms("10th prox").net_due_date(date(2026, 1, 31)) == date(2026, 2, 10)


def test_three_equal_lines_in_pesos_without_decimals() -> None:
    schedule = get_terms("30/60/90").schedule(Money(1_000_000, "COP"), date(2026, 1, 5))
    assert [i.amount for i in schedule] == [
        Money(333_334, "COP"),
        Money(333_333, "COP"),
        Money(333_333, "COP"),
    ]
    assert [i.due_date for i in schedule] == [date(2026, 2, 4), date(2026, 3, 6), date(2026, 4, 5)]
    assert [i.sequence for i in schedule] == [1, 2, 3]


def test_thirty_percent_deposit_and_remainder() -> None:
    terms = parse_terms("30% deposit net 30")
    deposit, rest = terms.schedule(usd("1000.01"), date(2026, 1, 5))
    assert deposit == Installment(
        sequence=1, due_date=date(2026, 1, 5), amount=usd("300.00"), deposit=True
    )
    assert rest == Installment(sequence=2, due_date=date(2026, 2, 4), amount=usd("700.01"))
    assert terms.due_dates(date(2026, 1, 5)) == (date(2026, 1, 5), date(2026, 2, 4))


def test_fixed_deposit_percent_line_and_remainder() -> None:
    terms = terms_of(
        TermLine(percent=Decimal("25"), due=DaysAfter(days=30)),
        TermLine(fixed=Decimal("100.004"), due=DaysAfter(days=45)),
        remainder(DaysAfter(days=60)),
        deposit=Deposit(fixed=Decimal("50")),
    )
    schedule = terms.schedule(usd("1000.10"), date(2026, 1, 5))
    assert [str(i.amount) for i in schedule] == [
        "50.00 USD",
        "250.03 USD",
        "100.00 USD",
        "600.07 USD",
    ]
    assert [i.deposit for i in schedule] == [True, False, False, False]


def test_percent_shares_take_the_largest_remainders_ties_to_the_earlier_line() -> None:
    terms = terms_of(
        TermLine(percent=Decimal(50), due=DaysAfter(days=0)), remainder(DaysAfter(days=30))
    )
    assert [str(i.amount) for i in terms.schedule(usd("0.05"), date(2026, 1, 5))] == [
        "0.03 USD",
        "0.02 USD",
    ]


def test_percents_of_one_hundred_leave_a_zero_remainder() -> None:
    terms = terms_of(
        TermLine(percent=Decimal(40), due=DaysAfter(days=10)),
        remainder(DaysAfter(days=20)),
        deposit=Deposit(percent=Decimal(60)),
    )
    assert [str(i.amount) for i in terms.schedule(usd("10.00"), date(2026, 1, 5))] == [
        "6.00 USD",
        "4.00 USD",
        "0.00 USD",
    ]


def test_zero_total_schedules_zero_installments() -> None:
    terms = parse_terms("50% deposit 2/10 net 30")
    schedule = terms.schedule(usd("0.00"), date(2026, 1, 5))
    assert [i.amount for i in schedule] == [usd("0"), usd("0")]
    assert schedule[1].discounts[0].discount == usd("0")


def test_several_discount_tiers() -> None:
    (installment,) = parse_terms("1/10 2/5 net 30").schedule(usd("250.00"), date(2026, 1, 5))
    assert [
        (w.last_day, str(w.discount), str(w.amount_payable)) for w in installment.discounts
    ] == [
        (date(2026, 1, 10), "5.00 USD", "245.00 USD"),
        (date(2026, 1, 15), "2.50 USD", "247.50 USD"),
    ]
    assert installment.amount_payable(date(2026, 1, 5)) == usd("245.00")
    assert installment.amount_payable(date(2026, 1, 12)) == usd("247.50")


def test_discount_rounding_modes() -> None:
    terms = parse_terms("2.5/10 net 30")
    (half_up,) = terms.schedule(usd("0.50"), date(2026, 1, 5))
    (half_even,) = terms.schedule(usd("0.50"), date(2026, 1, 5), rounding=Rounding.HALF_EVEN)
    assert half_up.discounts[0].discount == usd("0.01")  # 0.0125 -> 0.01
    assert half_even.discounts[0].discount == usd("0.01")
    (tie_up,) = terms.schedule(usd("0.20"), date(2026, 1, 5))
    (tie_even,) = terms.schedule(usd("0.20"), date(2026, 1, 5), rounding="ROUND_HALF_EVEN")
    assert tie_up.discounts[0].discount == usd("0.01")  # 0.005 -> 0.01
    assert tie_even.discounts[0].discount == usd("0.00")


def test_fixed_discount_amounts_never_exceed_the_installment() -> None:
    line = remainder(
        DaysAfter(days=30),
        discounts=[
            DiscountTier(days=5, amount=Decimal("50")),
            DiscountTier(days=10, amount=Decimal("10.005")),
        ],
    )
    (installment,) = terms_of(line).schedule(usd("20.00"), date(2026, 1, 5))
    assert [(str(w.discount), str(w.amount_payable)) for w in installment.discounts] == [
        ("20.00 USD", "0.00 USD"),
        ("10.01 USD", "9.99 USD"),
    ]


# -- due rules --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "issue", "due"),
    [
        (DaysAfter(days=0), date(2026, 1, 31), date(2026, 1, 31)),
        (DaysAfter(days=30), date(2026, 1, 31), date(2026, 3, 2)),
        (DaysAfterMonthEnd(days=0), date(2026, 2, 3), date(2026, 2, 28)),
        (DaysAfterMonthEnd(days=30), date(2026, 1, 15), date(2026, 3, 2)),
        (DaysAfterMonthEnd(days=10), date(2024, 2, 29), date(2024, 3, 10)),
        (MonthsAfterMonthEnd(months=1), date(2026, 1, 31), date(2026, 2, 28)),
        (MonthsAfterMonthEnd(months=1), date(2024, 1, 1), date(2024, 2, 29)),
        (MonthsAfterMonthEnd(months=2, day=31), date(2026, 2, 10), date(2026, 4, 30)),
        (MonthsAfterMonthEnd(months=12, day=5), date(2026, 12, 20), date(2027, 12, 5)),
        (DayOfFollowingMonth(day=10), date(2026, 1, 31), date(2026, 2, 10)),
        (DayOfFollowingMonth(day=10), date(2026, 12, 1), date(2027, 1, 10)),
        (DayOfFollowingMonth(day=30), date(2026, 1, 5), date(2026, 2, 28)),
        (DayOfFollowingMonth(day=15, months=2), date(2026, 1, 5), date(2026, 3, 15)),
        (RelativeStep(), date(2026, 1, 5), date(2026, 1, 5)),
        (RelativeStep(months=1), date(2026, 1, 31), date(2026, 2, 28)),
        (RelativeStep(months=1, day=1), date(2026, 1, 31), date(2026, 2, 1)),
        (RelativeStep(weeks=2, days=1), date(2026, 1, 5), date(2026, 1, 20)),
        (RelativeStep(weekday="FR"), date(2026, 1, 9), date(2026, 1, 9)),  # a Friday
        (RelativeStep(days=1, weekday="FR"), date(2026, 1, 9), date(2026, 1, 16)),
        (RelativeStep(months=1, day=1, weekday="MO", nth=2), date(2026, 1, 9), date(2026, 2, 9)),
    ],
)
def test_due_rules(rule: object, issue: date, due: date) -> None:
    assert rule.due_date(issue) == due  # type: ignore[attr-defined]
    assert rule.unadjusted_due_date(issue) == due  # type: ignore[attr-defined]


SATURDAY = date(2026, 2, 28)  # the last day of February 2026


@pytest.mark.parametrize(
    ("roll", "due"),
    [
        (RollConvention.NONE, SATURDAY),
        (RollConvention.FOLLOWING, date(2026, 3, 2)),
        (RollConvention.MODIFIED_FOLLOWING, date(2026, 2, 27)),
        (RollConvention.PRECEDING, date(2026, 2, 27)),
        (RollConvention.MODIFIED_PRECEDING, date(2026, 2, 27)),
    ],
)
def test_a_saturday_due_date_rolls(roll: RollConvention, due: date) -> None:
    issue = date(2026, 1, 29)
    assert DaysAfter(days=30).due_date(issue) == SATURDAY
    rule = DaysAfter(days=30, roll=roll)
    assert rule.due_date(issue) == due  # no calendar: Saturday/Sunday weekend
    assert rule.due_date(issue, WeekendCalendar()) == due
    terms = terms_of(remainder(rule))
    assert terms.net_due_date(issue) == due
    assert terms.schedule(usd("10.00"), issue)[0].due_date == due
    month_end = MonthsAfterMonthEnd(months=1, roll=roll)
    assert month_end.due_date(date(2026, 1, 15)) == due


def test_rolling_uses_the_calendar_given() -> None:
    colombia = HolidayCalendar(country="CO")
    rule = DaysAfter(days=30, roll=RollConvention.FOLLOWING)
    issue = date(2026, 2, 21)  # due Monday 23 March 2026, San José (observed) in Colombia
    assert rule.due_date(issue) == date(2026, 3, 23)
    assert rule.due_date(issue, colombia) == date(2026, 3, 24)
    terms = terms_of(remainder(rule))
    assert terms.schedule(usd("1.00"), issue, colombia)[0].due_date == date(2026, 3, 24)
    assert terms.net_due_date(issue, colombia) == date(2026, 3, 24)


def test_rolling_never_moves_a_due_date_before_the_issue_date() -> None:
    saturday = date(2026, 1, 31)
    for roll in (RollConvention.PRECEDING, RollConvention.MODIFIED_PRECEDING):
        assert DaysAfter(days=0, roll=roll).due_date(saturday) == date(2026, 2, 2)
    assert DaysAfter(days=1, roll=RollConvention.PRECEDING).due_date(date(2026, 1, 30)) == date(
        2026, 1, 30
    )


def test_the_deposit_is_due_on_the_issue_date_even_on_a_weekend() -> None:
    saturday = date(2026, 1, 31)
    terms = terms_of(
        remainder(DaysAfter(days=0, roll=RollConvention.FOLLOWING)),
        deposit=Deposit(percent=Decimal(10)),
    )
    assert terms.due_dates(saturday) == (saturday, date(2026, 2, 2))


# -- canonical text and parsing ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("net 30", "net 30"),
        ("Net 30", "net 30"),
        ("NET30", "net 30"),
        ("N30", "net 30"),
        ("n/30", "net 30"),
        ("net 30 days", "net 30"),
        ("  net   45 ", "net 45"),
        ("2/10 net 30", "2/10 net 30"),
        ("2/10, n/30", "2/10 net 30"),
        ("2%/10 N/30", "2/10 net 30"),
        ("1.5/10 net 30", "1.5/10 net 30"),
        ("1/10 2/5 net 30", "2/5 1/10 net 30"),
        ("3/5; 2/10; 1/20; net 60", "3/5 2/10 1/20 net 60"),
        ("net 30 EOM", "net 30 EOM"),
        ("Net 30 E.O.M.", "net 30 EOM"),
        ("net 60 end of month", "net 60 EOM"),
        ("2/10 net 30 EOM", "2/10 net 30 EOM"),
        ("10th prox", "10th prox"),
        ("1st prox", "1st prox"),
        ("2nd proximo", "2nd prox"),
        ("23 prox", "23rd prox"),
        ("11th prox", "11th prox"),
        ("21st prox", "21st prox"),
        ("due on receipt", "due on receipt"),
        ("Due upon receipt", "due on receipt"),
        ("immediate", "due on receipt"),
        ("net 0", "due on receipt"),
        ("50% deposit net 30", "50% deposit net 30"),
        ("50 % deposit, balance net 30", "50% deposit net 30"),
        ("30% advance 2/10 net 30", "30% deposit 2/10 net 30"),
        ("25% down payment then due on receipt", "25% deposit due on receipt"),
        ("100% upfront net 0", "100% deposit due on receipt"),
    ],
)
def test_parse_terms(text: str, canonical: str) -> None:
    terms = parse_terms(text)
    assert terms.name == canonical
    assert str(terms) == canonical
    assert parse_terms(canonical) == terms


def test_parse_terms_builds_the_expected_model() -> None:
    assert parse_terms("50% deposit 2/5 1/10 net 30") == PaymentTerms(
        name="50% deposit 2/5 1/10 net 30",
        deposit=Deposit(percent=Decimal(50)),
        lines=(
            TermLine(
                remainder=True,
                due=DaysAfter(days=30),
                discounts=(
                    DiscountTier(days=5, percent=Decimal(2)),
                    DiscountTier(days=10, percent=Decimal(1)),
                ),
            ),
        ),
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "cannot read payment terms '': the text is empty; expected the net days"),
        ("   ", "cannot read payment terms '   ': the text is empty"),
        ("COD", "'COD': cash on delivery depends on the delivery date"),
        ("c.o.d.", "cash on delivery depends on the delivery date"),
        ("net", "cannot read payment terms 'net': expected the net days .* at 'net'"),
        ("2/10", "cannot read payment terms '2/10': expected the net days .* at 'the end of"),
        ("net thirty", "expected the net days .* at 'net thirty'"),
        ("2/10 net 30 foo", "'2/10 net 30 foo': unexpected 'foo' after '2/10 net 30'"),
        ("net 30 net 30", "unexpected 'net 30' after 'net 30'"),
        ("4/40 net 30", "'4/40 net 30': discount days 40 must be before the net days 30"),
        ("2/30 net 30", "discount days 30 must be before the net days 30"),
        ("1/0 due on receipt", "discount days 0 must be before the net days 0"),
        ("2/5 2/10 net 30", r"discounts\[1\].percent 2 must be below discounts\[0\].percent 2"),
        ("2/10 3/10 net 30", r"discounts\[1\].days 10 must be after discounts\[0\].days 10"),
        ("0/10 net 30", "percent 0 must be above 0 and below 100"),
        ("100/10 net 30", "percent 100 must be above 0 and below 100"),
        ("32nd prox", "day 32 must be between 1 and 31"),
        ("0th prox", "day 0 must be between 1 and 31"),
        ("net 4000", "days 4000 must be between 0 and 3660"),
        ("150% deposit net 30", "percent 150 must be above 0 and at most 100"),
    ],
)
def test_parse_terms_rejects(text: str, message: str) -> None:
    with pytest.raises(TermsParseError, match=message):
        parse_terms(text)


def test_parse_terms_rejects_what_is_not_text() -> None:
    with pytest.raises(TermsParseError, match="payment terms must be a str, not int 30"):
        parse_terms(30)  # type: ignore[arg-type]


def test_parse_errors_are_value_errors() -> None:
    with pytest.raises(ValueError, match="cannot read payment terms"):
        parse_terms("whenever")


def test_terms_without_a_canonical_text() -> None:
    rolled = terms_of(remainder(DaysAfter(days=30, roll=RollConvention.FOLLOWING)))
    assert rolled.to_text() is None
    assert str(rolled) == "test"
    several = get_terms("30/60/90")
    assert several.to_text() == str(several) == "30/60/90"
    unequal = terms_of(
        TermLine(percent=Decimal(50), due=DaysAfter(days=30)), remainder(DaysAfter(days=60))
    )
    assert unequal.to_text() is None
    assert terms_of(remainder(DaysAfter(days=60)), remainder(DaysAfter(days=30))).to_text() is None
    # Since the window of "2/10 net 30 EOM" counts from the month end, a window counted from
    # the invoice date on an EOM line has no short notation.
    invoice_dated = terms_of(
        remainder(DaysAfterMonthEnd(days=30), discounts=[DiscountTier(days=10, percent="2")])
    )
    assert invoice_dated.to_text() is None
    assert terms_of(remainder(DaysAfter(days=60)), convention="tryton").to_text() is None
    fixed_deposit = terms_of(remainder(DaysAfter(days=30)), deposit=Deposit(fixed=Decimal(10)))
    assert fixed_deposit.to_text() is None
    fixed_discount = terms_of(
        remainder(DaysAfter(days=30), discounts=[DiscountTier(days=10, amount=Decimal(5))])
    )
    assert fixed_discount.to_text() is None
    assert terms_of(remainder(DayOfFollowingMonth(day=10, months=2))).to_text() is None
    assert terms_of(remainder(MonthsAfterMonthEnd(months=1))).to_text() is None
    assert terms_of(remainder(RelativeStep(days=30))).to_text() is None


def test_canonical_text_of_built_terms() -> None:
    terms = terms_of(
        remainder(
            DaysAfterMonthEnd(days=30),
            discounts=[DiscountTier(days=10, percent=Decimal("2.50"), based_on="month_end")],
        ),
        deposit=Deposit(percent=Decimal("10.0")),
    )
    assert terms.to_text() == "10% deposit 2.5/10 net 30 EOM"
    assert parse_terms(str(terms)).evolve(name="test") == terms


# -- registry ---------------------------------------------------------------------------------


def test_registry_entries_parse_from_their_names() -> None:
    readable = 0
    for name, terms in TERMS.items():
        assert terms.name == name
        assert terms.description
        if terms.to_text() is None:
            with pytest.raises(TermsParseError):
                parse_terms(name)
            continue
        assert terms.to_text() == name
        assert parse_terms(name) == terms.evolve(description="")
        readable += 1
    assert readable >= 15


def test_registry_holds_the_common_terms() -> None:
    expected = {
        "due on receipt",
        "net 7",
        "net 10",
        "net 15",
        "net 30",
        "net 45",
        "net 60",
        "net 90",
        "2/10 net 30",
        "1/10 net 30",
        "net 30 EOM",
        "10th prox",
        "50% deposit net 30",
    }
    assert expected <= set(TERMS)


def test_registry_is_read_only() -> None:
    with pytest.raises(TypeError):
        TERMS["net 30"] = get_terms("net 7")  # type: ignore[index]


@pytest.mark.parametrize("name", ["net 30", "Net 30", "  NET   30 ", "net 30 eom", "10TH PROX"])
def test_get_terms_ignores_case_and_spaces(name: str) -> None:
    assert get_terms(name) is TERMS[parse_terms(name).name]


def test_get_terms_suggests_close_names() -> None:
    with pytest.raises(
        KeyError, match=re.escape("no payment terms named 'net 31'; did you mean 'net 30', ")
    ):
        get_terms("net 31")


def test_get_terms_lists_known_names_when_nothing_is_close() -> None:
    with pytest.raises(KeyError, match="no payment terms named 'xyz'; known terms: 'due on"):
        get_terms("xyz")


# -- validation -------------------------------------------------------------------------------


def errors_of(model: type, data: object) -> str:
    with pytest.raises(ValidationError) as info:
        model.model_validate(data)  # type: ignore[attr-defined]
    return str(info.value)


NET_30 = {"kind": "days_after", "days": 30}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {
                "name": "x",
                "lines": [{"remainder": True, "due": NET_30}, {"percent": "5", "due": NET_30}],
            },
            r"lines\[0\]\.remainder is followed by lines\[1\], which is not a remainder line: "
            r"remainder lines come last \[type=dunning.terms_remainder",
        ),
        (
            {"name": "x", "lines": [{"percent": "5", "due": NET_30}]},
            r"lines\[0\]\.remainder is false: the last line must be a remainder line",
        ),
        (
            {
                "name": "x",
                "deposit": {"percent": "30"},
                "lines": [
                    {"percent": "50", "due": NET_30},
                    {"percent": "20.5", "due": NET_30},
                    {"remainder": True, "due": NET_30},
                ],
            },
            r"lines\[1\]\.percent 20.5 brings the percents of the deposit and the lines to "
            r"100.5, above 100 \[type=dunning.terms_percent",
        ),
        (
            {"name": "x", "lines": []},
            "lines must not be empty: the terms need at least one remainder line",
        ),
        (
            {"name": " ", "lines": [{"remainder": True, "due": NET_30}]},
            r"name ' ' must not be blank \[type=dunning.terms_name",
        ),
        (
            {"name": "x", "lines": [{"percent": "5", "fixed": "3", "due": NET_30}]},
            r"lines.0\n  a term line needs exactly one of percent, percent_of_remainder, fixed or "
            r"remainder=True; got percent 5 and fixed 3 \[type=dunning.terms_line",
        ),
        (
            {"name": "x", "lines": [{"due": NET_30}]},
            "a term line needs exactly one of percent, percent_of_remainder, fixed or "
            "remainder=True; got none",
        ),
        (
            {"name": "x", "lines": [{"percent": 5.5, "due": NET_30}]},
            r"lines.0.percent\n  percent must be a Decimal, an int or a numeric string, not "
            r"float 5.5: binary floats .* \[type=dunning.float",
        ),
        (
            {"name": "x", "lines": [{"fixed": "-3", "due": NET_30}]},
            r"lines.0.fixed\n  fixed -3 must be above 0 \(an amount in the invoice currency\)",
        ),
        (
            {
                "name": "x",
                "lines": [{"remainder": True, "due": {"kind": "days_after", "days": 30.0}}],
            },
            r"lines.0.due.days_after.days\n  days must be a whole number \(an int\), not float "
            r"30.0 \[type=dunning.terms_integer",
        ),
        (
            {
                "name": "x",
                "lines": [{"remainder": True, "due": {"kind": "days_after", "days": True}}],
            },
            "days must be a whole number",
        ),
        (
            {
                "name": "x",
                "lines": [{"remainder": True, "due": {"kind": "days_after", "days": -1}}],
            },
            r"days -1 must be between 0 and 3660: days count from 0 up to ten years "
            r"\[type=dunning.terms_range",
        ),
        (
            {"name": "x", "lines": [{"remainder": True, "due": {"kind": "weekly", "days": 3}}]},
            "Input tag 'weekly' found using 'kind' does not match any of the expected tags",
        ),
        (
            {
                "name": "x",
                "lines": [
                    {"remainder": True, "due": {"kind": "months_after_month_end", "months": 0}}
                ],
            },
            r"months 0 must be between 1 and 120: months count from 1 \(the next month\)",
        ),
        (
            {
                "name": "x",
                "lines": [{"remainder": True, "due": {"kind": "relative", "months": 0, "day": 5}}],
            },
            "day 5 needs months of at least 1: with months 0 the due date could fall before "
            r"the issue date \[type=dunning.terms_relative",
        ),
        (
            {"name": "x", "lines": [{"remainder": True, "due": {"kind": "relative", "nth": 2}}]},
            "nth 2 needs a weekday: it counts weekdays on or after the date",
        ),
        (
            {
                "name": "x",
                "lines": [{"remainder": True, "due": {"kind": "relative", "weekday": "FRI"}}],
            },
            "Input should be 'MO', 'TU', 'WE', 'TH', 'FR', 'SA' or 'SU'",
        ),
        (
            {
                "name": "x",
                "lines": [{"remainder": True, "due": {"kind": "relative", "roll": "nearest"}}],
            },
            "Input should be 'following', 'preceding', 'modified_following'",
        ),
    ],
)
def test_invalid_terms(data: object, message: str) -> None:
    assert re.search(message, errors_of(PaymentTerms, data))


LINE = {"remainder": True, "due": NET_30}


@pytest.mark.parametrize(
    ("discounts", "message"),
    [
        (
            [{"days": 10}],
            r"lines.0.discounts.0\n  a discount tier needs exactly one of percent or amount; "
            r"got percent None and amount None \[type=dunning.terms_discount",
        ),
        ([{"days": 10, "percent": "2", "amount": "5"}], "got percent 2 and amount 5"),
        ([{"days": 10, "percent": "0"}], "percent 0 must be above 0 and below 100"),
        ([{"days": 10, "amount": "0"}], r"amount 0 must be above 0 \(an amount in the invoice"),
        (
            [{"days": 10, "percent": "2"}, {"days": 5, "percent": "1"}],
            r"discounts\[1\].days 5 must be after discounts\[0\].days 10: tiers run in order of "
            "increasing days",
        ),
        (
            [{"days": 5, "percent": "2"}, {"days": 10, "amount": "1"}],
            r"discounts\[1\] mixes percent and amount tiers",
        ),
        (
            [{"days": 5, "amount": "2"}, {"days": 10, "amount": "3"}],
            r"discounts\[1\].amount 3 must be below discounts\[0\].amount 2: a later payment "
            "earns a smaller discount",
        ),
        (
            [{"days": 5, "percent": "2"}, {"days": 30, "percent": "1"}],
            r"discount days 30 must be before the net days 30 \(discounts\[1\].days\) "
            r"\[type=dunning.terms_discount",
        ),
    ],
)
def test_invalid_discounts(discounts: object, message: str) -> None:
    data = {"name": "x", "lines": [{**LINE, "discounts": discounts}]}
    assert re.search(message, errors_of(PaymentTerms, data))


@pytest.mark.parametrize(
    ("due", "days", "valid"),
    [
        ({"kind": "days_after_month_end", "days": 10}, 10, False),
        ({"kind": "days_after_month_end", "days": 10}, 9, True),
        ({"kind": "relative", "weeks": 1, "days": 2}, 9, False),
        ({"kind": "relative", "weeks": 1, "days": 2}, 8, True),
        ({"kind": "relative", "months": 1}, 40, True),  # no fixed bound: not checked
        ({"kind": "day_of_following_month", "day": 10}, 40, True),
        ({"kind": "months_after_month_end", "months": 1}, 60, True),
    ],
)
def test_discount_days_against_the_due_rule(due: object, days: int, valid: bool) -> None:
    data = {"remainder": True, "due": due, "discounts": [{"days": days, "percent": "1"}]}
    if valid:
        assert TermLine.model_validate(data).discounts[0].days == days
    else:
        assert "must be before the net days" in errors_of(TermLine, data)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "a deposit needs exactly one of percent or fixed; got percent None and fixed None"),
        ({"percent": "10", "fixed": "5"}, "got percent 10 and fixed 5"),
        ({"percent": "0"}, "percent 0 must be above 0 and at most 100"),
    ],
)
def test_invalid_deposits(data: object, message: str) -> None:
    assert message in errors_of(Deposit, data)


def test_a_negative_total_schedules_a_credit_note_with_every_sign_reversed() -> None:
    terms = terms_of(
        TermLine(percent=Decimal("33.333"), due=DaysAfter(days=10)),
        remainder(DaysAfter(days=30), discounts=[DiscountTier(days=5, percent="2.5")]),
    )
    debit = terms.schedule(usd("100.01"), date(2026, 1, 5))
    credit = terms.schedule(usd("-100.01"), date(2026, 1, 5))
    assert [str(i.amount) for i in credit] == ["-33.34 USD", "-66.67 USD"]
    assert [i.amount for i in credit] == [-i.amount for i in debit]
    (window,) = credit[1].discounts
    assert (window.last_day, str(window.discount), str(window.amount_payable)) == (
        date(2026, 1, 10),
        "-1.67 USD",
        "-65.00 USD",
    )


def test_schedule_rejects_a_total_with_more_decimals_than_the_minor_unit() -> None:
    with pytest.raises(
        MoneyError,
        match=re.escape("total 10.005 USD has more decimals than the 2 of its minor unit"),
    ):
        get_terms("net 30").schedule(usd("10.005"), date(2026, 1, 5))
    with pytest.raises(MoneyError, match=re.escape("total 10.5 COP has more decimals than the 0")):
        get_terms("net 30").schedule(Money("10.5", "COP"), date(2026, 1, 5))


def test_schedule_rejects_fixed_amounts_above_the_total() -> None:
    terms = terms_of(
        TermLine(fixed=Decimal("80"), due=DaysAfter(days=10)),
        remainder(DaysAfter(days=30)),
        deposit=Deposit(percent=Decimal(30)),
    )
    assert [str(i.amount) for i in terms.schedule(usd("200.00"), date(2026, 1, 5))] == [
        "60.00 USD",
        "80.00 USD",
        "60.00 USD",
    ]
    with pytest.raises(
        MoneyError,
        match=re.escape(
            "lines[0] (fixed 80) of 'test' asks for 80.00 USD, but only 70.00 USD of the "
            "total 100.00 USD is left"
        ),
    ):
        terms.schedule(usd("100.00"), date(2026, 1, 5))


def test_schedule_rejects_an_unknown_rounding() -> None:
    with pytest.raises(ValueError, match="'up' is not a valid Rounding"):
        get_terms("net 30").schedule(usd("1.00"), date(2026, 1, 5), rounding="up")


# -- values -----------------------------------------------------------------------------------


def test_terms_round_trip_through_json() -> None:
    for terms in TERMS.values():
        assert PaymentTerms.model_validate_json(terms.model_dump_json()) == terms
    built = terms_of(
        TermLine(percent=Decimal("12.5"), due=RelativeStep(months=1, day=5, weekday="MO", nth=2)),
        TermLine(fixed=Decimal("10.25"), due=MonthsAfterMonthEnd(months=2, day=10)),
        remainder(DaysAfter(days=30, roll=RollConvention.MODIFIED_FOLLOWING)),
        deposit=Deposit(fixed=Decimal("5")),
    )
    dumped = json.loads(built.model_dump_json())
    assert dumped["lines"][0]["percent"] == "12.5"
    assert dumped["lines"][2]["due"] == {
        "roll": "modified_following",
        "kind": "days_after",
        "days": 30,
    }
    assert PaymentTerms.model_validate(dumped) == built


def test_models_are_immutable() -> None:
    terms = get_terms("2/10 net 30")
    with pytest.raises(ValidationError, match="Instance is frozen"):
        terms.name = "other"  # type: ignore[misc]
    with pytest.raises(ValidationError, match="Instance is frozen"):
        terms.lines[0].due.roll = RollConvention.FOLLOWING  # type: ignore[misc]
    assert isinstance(terms.lines, tuple)


def test_evolve_validates_again() -> None:
    line = get_terms("2/10 net 30").lines[0]
    with pytest.raises(ValidationError, match="discount days 10 must be before the net days 5"):
        line.evolve(due=DaysAfter(days=5))


# -- discount cost ----------------------------------------------------------------------------


def test_discount_cost_two_ten_net_thirty() -> None:
    # 2/98 * 365/20 = 0.372448979..., (1 + 2/98) ** 18.25 - 1 = 0.4458529273...
    assert discount_cost("2", 10, 30) == DiscountCost(
        nominal_annual_percent=Decimal("37.24"), effective_annual_percent=Decimal("44.59")
    )
    assert discount_cost(2, 10, 30, basis=360) == DiscountCost(
        nominal_annual_percent=Decimal("36.73"), effective_annual_percent=Decimal("43.86")
    )
    precise = discount_cost(Decimal(2), 10, 30, places=6)
    assert precise.nominal_annual_percent == Decimal("37.244898")
    assert precise.effective_annual_percent == Decimal("44.585293")


def test_discount_cost_one_ten_net_thirty() -> None:
    # 1/99 * 365/20 = 0.18434343..., (1 + 1/99) ** 18.25 - 1 = 0.2013172094...
    assert discount_cost("1", 10, 30) == DiscountCost(
        nominal_annual_percent=Decimal("18.43"), effective_annual_percent=Decimal("20.13")
    )


@pytest.mark.parametrize(
    ("arguments", "keywords", "message"),
    [
        ((0, 10, 30), {}, "discount_percent 0 must be above 0 and below 100"),
        (("100", 10, 30), {}, "discount_percent 100 must be above 0 and below 100"),
        (
            (2.0, 10, 30),
            {},
            "discount_percent must be a Decimal, an int or a numeric string, not float",
        ),
        ((2, 30, 30), {}, "discount days 30 must be before the net days 30"),
        ((2, -1, 30), {}, "discount days -1 must be before the net days 30 .*not negative"),
        ((2, 10, 30), {"basis": 366}, "basis 366 must be 360 or 365 days a year"),
        ((2, 10.0, 30), {}, "discount_days must be a whole number of days, not 10.0"),
        ((2, 10, True), {}, "net_days must be a whole number of days, not True"),
    ],
)
def test_discount_cost_rejects(
    arguments: tuple[object, ...], keywords: dict[str, object], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        discount_cost(*arguments, **keywords)  # type: ignore[arg-type]


# -- chained date steps -------------------------------------------------------------------------


def test_chained_steps_sixty_days_then_the_month_end_then_the_next_friday() -> None:
    rule = ChainedSteps(
        steps=[DateStep(days=60), DateStep(day=31), DateStep(weekday="FR")],
    )
    # 31 Jan + 60 days = 1 April; end of April is Thursday the 30th; next Friday 1 May.
    assert rule.due_date(date(2026, 1, 31)) == date(2026, 5, 1)
    # Each step starts where the previous one ended: the order matters.
    swapped = ChainedSteps(steps=[DateStep(day=31), DateStep(days=60)])
    assert swapped.due_date(date(2026, 1, 10)) == date(2026, 4, 1)


@pytest.mark.parametrize(
    ("step", "start", "expected"),
    [
        (DateStep(month=3, day=15), date(2026, 1, 20), date(2026, 3, 15)),  # 15 March
        (DateStep(month=2, day=30), date(2026, 1, 20), date(2026, 2, 28)),  # clipped
        (DateStep(day=31), date(2024, 2, 3), date(2024, 2, 29)),  # same month, leap year
        (DateStep(months=1, day=31), date(2026, 1, 31), date(2026, 2, 28)),
        # relativedelta order: absolute month, then months, then day, then days, then weekday.
        (DateStep(month=1, months=2, day=31), date(2026, 6, 5), date(2026, 3, 31)),
        (DateStep(day=31, days=1), date(2026, 2, 10), date(2026, 3, 1)),
        (DateStep(day=31, days=-5), date(2026, 1, 10), date(2026, 1, 26)),
        (DateStep(weeks=2, days=1), date(2026, 1, 1), date(2026, 1, 16)),
        (DateStep(weekday="MO"), date(2026, 1, 5), date(2026, 1, 5)),  # on or after
        (DateStep(weekday="MO", nth=2), date(2026, 1, 5), date(2026, 1, 12)),
        (DateStep(days=1, weekday="FR"), date(2026, 1, 2), date(2026, 1, 9)),
        (DateStep(months=-1), date(2026, 3, 31), date(2026, 2, 28)),
    ],
)
def test_date_steps_apply_in_relativedelta_order(
    step: DateStep, start: date, expected: date
) -> None:
    assert step.apply(start) == expected


def test_chained_steps_that_end_before_the_invoice_date_name_the_line() -> None:
    terms = terms_of(
        TermLine(percent=Decimal(50), due=DaysAfter(days=10)),
        remainder(ChainedSteps(steps=[DateStep(day=1)])),
    )
    with pytest.raises(
        TermsError,
        match=re.escape(
            "lines[1].due of 'test': the steps end on 2026-01-01, before the invoice date "
            "2026-01-15: an invoice cannot fall due before it is issued"
        ),
    ):
        terms.schedule(usd("10.00"), date(2026, 1, 15))
    # Issued on the 1st, the same steps give the issue date itself.
    assert terms.net_due_date(date(2026, 2, 1)) == date(2026, 2, 11)


def test_chained_steps_beyond_the_supported_dates_are_an_error() -> None:
    rule = ChainedSteps(steps=[DateStep(months=120)] * 3)
    with pytest.raises(TermsError, match=r"steps\[0\] moves 9990-01-01 beyond the dates"):
        rule.due_date(date(9990, 1, 1))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"steps": []}, "steps\n  Tuple should have at least 1 item"),
        ({"steps": [{"month": 13}]}, "month 13 must be between 1 and 12"),
        ({"steps": [{"nth": 2}]}, "nth 2 needs a weekday"),
        ({"steps": [{"days": -3661}]}, "days -3661 must be between -3660 and 3660"),
    ],
)
def test_invalid_chained_steps(data: dict[str, object], message: str) -> None:
    assert message in errors_of(ChainedSteps, data)


# -- line amounts and conventions ------------------------------------------------------------


def tryton(*lines: TermLine, **options: object) -> PaymentTerms:
    return terms_of(*lines, convention="tryton", **options)


def amounts(schedule: tuple[Installment, ...]) -> list[str]:
    return [str(installment.amount) for installment in schedule]


def test_tryton_percent_on_remainder_fixed_and_remainder() -> None:
    terms = tryton(
        TermLine(percent_of_remainder=Decimal(50), due=DaysAfter(days=30)),
        TermLine(fixed=Decimal(100), due=DaysAfter(days=60)),
        remainder(
            ChainedSteps(steps=[DateStep(days=60), DateStep(day=31), DateStep(weekday="FR")])
        ),
    )
    schedule = terms.schedule(Money("1000.05", "EUR"), date(2026, 1, 31))
    # 50% of 1000.05 is 500.025: half to even, 500.02 (Tryton's Currency.round).
    assert [(i.due_date, str(i.amount)) for i in schedule] == [
        (date(2026, 3, 2), "500.02 EUR"),
        (date(2026, 4, 1), "100.00 EUR"),
        (date(2026, 5, 1), "400.03 EUR"),
    ]
    credit = terms.schedule(Money("-1000.05", "EUR"), date(2026, 1, 31))
    assert amounts(credit) == ["-500.02 EUR", "-100.00 EUR", "-400.03 EUR"]


def test_tryton_stops_at_a_line_bigger_than_what_is_left() -> None:
    terms = tryton(
        TermLine(fixed=Decimal(300), due=DaysAfter(days=10)),
        TermLine(fixed=Decimal(300), due=DaysAfter(days=20)),
        remainder(DaysAfter(days=30)),
    )
    schedule = terms.schedule(usd("500.00"), date(2026, 1, 31))
    assert [(i.sequence, i.due_date, str(i.amount)) for i in schedule] == [
        (1, date(2026, 2, 10), "300.00 USD"),
        (2, date(2026, 2, 20), "200.00 USD"),
    ]


def test_tryton_drops_zero_lines_and_a_remainder_line_takes_everything() -> None:
    terms = tryton(
        TermLine(percent=Decimal(40), due=DaysAfter(days=10)),
        remainder(DaysAfter(days=20)),
        TermLine(fixed=Decimal(5), due=DaysAfter(days=25)),
        remainder(DaysAfter(days=30)),
    )
    schedule = terms.schedule(usd("100.00"), date(2026, 1, 1))
    # The first remainder line takes the 60.00 left; the fixed 5 after it asks for more than
    # the nothing left, so it takes that nothing and the schedule stops there (Tryton keeps
    # that line); the last remainder line is never reached.
    assert [(i.sequence, i.due_date, str(i.amount)) for i in schedule] == [
        (1, date(2026, 1, 11), "40.00 USD"),
        (2, date(2026, 1, 21), "60.00 USD"),
        (3, date(2026, 1, 26), "0.00 USD"),
    ]
    without_fixed = tryton(*terms.lines[:2], terms.lines[3])
    assert amounts(without_fixed.schedule(usd("100.00"), date(2026, 1, 1))) == [
        "40.00 USD",
        "60.00 USD",
    ]
    # Nothing to pay: every line comes to zero and is left out, so Tryton gives one zero
    # installment on the invoice date ...
    (zero,) = without_fixed.schedule(usd("0.00"), date(2026, 1, 1))
    assert (zero.sequence, zero.due_date, str(zero.amount)) == (1, date(2026, 1, 1), "0.00 USD")
    # ... unless a fixed line asks for more than the nothing left: it stops there.
    (stop,) = terms.schedule(usd("0.00"), date(2026, 1, 1))
    assert (stop.sequence, stop.due_date, str(stop.amount)) == (1, date(2026, 1, 26), "0.00 USD")


def test_several_remainder_lines_under_the_default_convention_share_equally() -> None:
    terms = terms_of(
        TermLine(fixed=Decimal(100), due=DaysAfter(days=0)),
        TermLine(percent_of_remainder=Decimal(50), due=DaysAfter(days=30)),
        remainder(DaysAfter(days=60)),
        remainder(DaysAfter(days=90)),
    )
    # 100, then half of 900.01 (450.005), then 450.005 shared by two: largest remainder.
    assert amounts(terms.schedule(usd("1000.01"), date(2026, 1, 1))) == [
        "100.00 USD",
        "450.01 USD",
        "225.00 USD",
        "225.00 USD",
    ]
    assert amounts(
        terms.schedule(usd("1000.01"), date(2026, 1, 1), rounding="ROUND_HALF_EVEN")
    ) == [
        "100.00 USD",
        "450.00 USD",
        "225.00 USD",
        "225.01 USD",
    ]


def test_rounding_means_what_it_says_for_every_line() -> None:
    terms = terms_of(
        TermLine(percent=Decimal("12.5"), due=DaysAfter(days=10)),
        TermLine(percent=Decimal("12.5"), due=DaysAfter(days=20)),
        remainder(DaysAfter(days=30)),
    )
    issued = date(2026, 1, 1)
    # 12.5% of 0.20 is 0.025 for each line.
    assert amounts(terms.schedule(usd("0.20"), issued)) == ["0.03 USD", "0.02 USD", "0.15 USD"]
    assert amounts(terms.schedule(usd("0.20"), issued, rounding=Rounding.HALF_UP)) == [
        "0.03 USD",
        "0.03 USD",
        "0.14 USD",
    ]
    assert amounts(terms.schedule(usd("0.20"), issued, rounding=Rounding.HALF_EVEN)) == [
        "0.02 USD",
        "0.02 USD",
        "0.16 USD",
    ]


def odoo(*lines: TermLine, **options: object) -> PaymentTerms:
    return terms_of(*lines, convention="odoo", **options)


def test_odoo_last_line_takes_what_is_left_whatever_its_type() -> None:
    terms = odoo(
        TermLine(percent=Decimal(30), due=DaysAfter(days=0)),
        TermLine(percent=Decimal(70), due=DaysAfterMonthEnd(days=30)),
    )
    schedule = terms.schedule(usd("100.01"), date(2026, 1, 15))
    assert [(i.due_date, str(i.amount)) for i in schedule] == [
        (date(2026, 1, 15), "30.00 USD"),
        (date(2026, 3, 2), "70.01 USD"),
    ]


def test_odoo_refuses_a_fixed_line_bigger_than_what_is_left_naming_it() -> None:
    terms = odoo(
        TermLine(fixed=Decimal(80), due=DaysAfter(days=0)),
        TermLine(fixed=Decimal(50), due=DaysAfter(days=10)),
        TermLine(percent=Decimal(100), due=DaysAfter(days=30)),
    )
    with pytest.raises(
        MoneyError,
        match=re.escape(
            "lines[1] (fixed 50) of 'test' asks for 50.00 USD, but only 20.00 USD of the total "
            "100.00 USD is left"
        ),
    ):
        terms.schedule(usd("100.00"), date(2026, 1, 1))


def test_odoo_rounds_the_discounted_amount_not_the_discount() -> None:
    line = TermLine(
        percent=Decimal(100),
        due=DaysAfter(days=30),
        discounts=[DiscountTier(days=10, percent="0.005")],
    )
    # The exact discount is 0.005: Odoo rounds 99.995 half up to 100.00 ...
    (installment,) = odoo(line).schedule(usd("100.00"), date(2026, 1, 15))
    assert str(installment.discounts[0].amount_payable) == "100.00 USD"
    # ... where rounding the discount itself gives 0.01 off.
    (own,) = terms_of(line.evolve(percent=None, remainder=True)).schedule(
        usd("100.00"), date(2026, 1, 15)
    )
    assert str(own.discounts[0].amount_payable) == "99.99 USD"


def erpnext(*lines: TermLine, **options: object) -> PaymentTerms:
    return terms_of(*lines, convention="erpnext", **options)


def test_erpnext_rounds_each_portion_half_even_and_the_last_takes_the_difference() -> None:
    terms = erpnext(
        TermLine(percent=Decimal(50), due=DaysAfter(days=0)),
        TermLine(
            percent=Decimal(50),
            due=MonthsAfterMonthEnd(months=1),
            discounts=[DiscountTier(days=0, percent="3", based_on="month_end", months=1)],
        ),
    )
    issued = date(2026, 1, 15)
    assert amounts(terms.schedule(usd("0.05"), issued)) == ["0.02 USD", "0.03 USD"]
    assert amounts(terms.schedule(usd("0.07"), issued)) == ["0.04 USD", "0.03 USD"]
    # Discount validity "1 month(s) after the end of the invoice month": 28 February.
    second = terms.schedule(usd("1000.00"), issued)[1]
    assert second.due_date == date(2026, 2, 28)
    assert second.discounts == (
        DiscountWindow(
            last_day=date(2026, 2, 28), discount=usd("15.00"), amount_payable=usd("485.00")
        ),
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {
                "convention": "tryton",
                "lines": [{"percent": "50", "due": NET_30}],
            },
            "lines[0].remainder is false: the last line must be a remainder line, as Tryton "
            "requires",
        ),
        (
            {
                "convention": "odoo",
                "lines": [
                    {"percent_of_remainder": "50", "due": NET_30},
                    {"remainder": True, "due": NET_30},
                ],
            },
            "lines[0] is a percent_of_remainder line, which the odoo convention does not have: "
            "its lines are percents of the total and fixed amounts, and a last balance line "
            "[type=dunning.terms_convention",
        ),
        (
            {
                "convention": "odoo",
                "lines": [{"remainder": True, "due": NET_30}, {"percent": "100", "due": NET_30}],
            },
            "lines[0] is a remainder (balance) line before the last line: under the odoo "
            "convention only the last line takes the balance [type=dunning.terms_remainder",
        ),
        (
            {
                "convention": "odoo",
                "lines": [{"percent": "30", "due": NET_30}, {"percent": "60", "due": NET_30}],
            },
            "the percents of the deposit and the lines add up to 90, not 100: under the odoo "
            "convention they add up to exactly 100 [type=dunning.terms_percent",
        ),
        (
            {
                "convention": "odoo",
                "lines": [
                    {"percent": "70", "due": NET_30},
                    {"percent": "70", "due": NET_30},
                    {"remainder": True, "due": NET_30},
                ],
            },
            "add up to 140, not 100: under the odoo convention they add up to at most 100",
        ),
        (
            {
                "convention": "erpnext",
                "lines": [{"fixed": "10", "due": NET_30}, {"percent": "100", "due": NET_30}],
            },
            "lines[0] is a fixed line, which the erpnext convention does not have: every line is "
            "a percent of the total (an invoice portion)",
        ),
        (
            {
                "convention": "erpnext",
                "deposit": {"fixed": "10"},
                "lines": [{"percent": "100", "due": NET_30}],
            },
            "deposit is a fixed amount, which the erpnext convention does not have: every line "
            "is a percent of the total (an invoice portion) [type=dunning.terms_convention",
        ),
        (
            {
                "convention": "erpnext",
                "lines": [{"percent": "50", "due": NET_30}, {"percent": "49.99", "due": NET_30}],
            },
            "add up to 99.99, not 100: the invoice portions of an erpnext payment terms template "
            "add up to 100",
        ),
        (
            {"convention": "sap", "lines": [{"remainder": True, "due": NET_30}]},
            "convention\n  Input should be 'dunning', 'tryton', 'odoo' or 'erpnext'",
        ),
    ],
)
def test_conventions_refuse_what_their_erp_cannot_say(
    data: dict[str, object], message: str
) -> None:
    assert message in errors_of(PaymentTerms, {"name": "x", **data})


# -- discounts: anchors, tax base, cash rounding --------------------------------------------------


@pytest.mark.parametrize("text", ["2/10 EOM", "2/10 prox", "2/10 net 30 EOM", "2/10 EOM net 30"])
def test_end_of_month_discounts_run_to_the_tenth_of_the_next_month(text: str) -> None:
    terms = parse_terms(text)
    assert terms.name == "2/10 net 30 EOM"
    (installment,) = terms.schedule(usd("500.00"), date(2026, 1, 20))
    assert installment.due_date == date(2026, 3, 2)
    assert installment.discounts == (
        DiscountWindow(
            last_day=date(2026, 2, 10), discount=usd("10.00"), amount_payable=usd("490.00")
        ),
    )


def test_a_day_of_the_next_month_counts_discounts_from_the_month_end() -> None:
    (installment,) = parse_terms("1/5 25th prox").schedule(usd("300.00"), date(2026, 3, 31))
    assert installment.due_date == date(2026, 4, 25)
    assert installment.discounts[0].last_day == date(2026, 4, 5)


def test_discount_tier_anchors() -> None:
    issued = date(2026, 1, 20)
    assert DiscountTier(days=10, percent="2").last_day(issued) == date(2026, 1, 30)
    assert DiscountTier(days=10, percent="2", based_on="month_end").last_day(issued) == date(
        2026, 2, 10
    )
    month_later = DiscountTier(days=0, percent="2", based_on="month_end", months=1)
    assert month_later.last_day(issued) == date(2026, 2, 28)
    assert "months 1 needs based_on='month_end'" in errors_of(
        DiscountTier, {"days": 0, "percent": "2", "months": 1}
    )
    mixed = {
        "remainder": True,
        "due": NET_30,
        "discounts": [
            {"days": 5, "percent": "3"},
            {"days": 6, "percent": "2", "based_on": "month_end"},
        ],
    }
    assert (
        "discounts[1].based_on month_end differs from discounts[0].based_on invoice_date"
        in errors_of(TermLine, mixed)
    )
    late = {
        "remainder": True,
        "due": {"kind": "days_after_month_end", "days": 20},
        "discounts": [{"days": 20, "percent": "2", "based_on": "month_end"}],
    }
    assert "discount days 20 must be before the net days 20" in errors_of(TermLine, late)


def untaxed_terms(base: str, convention: str = "odoo") -> PaymentTerms:
    amount = {"percent": Decimal(100)} if convention == "odoo" else {"remainder": True}
    line = TermLine.model_validate(
        {**amount, "due": DaysAfter(days=30), "discounts": [DiscountTier(days=10, percent="2")]}
    )
    return terms_of(line, convention=convention, discount_base=base)


@pytest.mark.parametrize(
    ("base", "discount", "payable"),
    [
        ("total", "2.42 EUR", "118.58 EUR"),
        ("untaxed", "2.00 EUR", "119.00 EUR"),
        ("mixed", "2.00 EUR", "119.00 EUR"),
    ],
)
def test_odoo_early_discount_on_the_taxed_or_untaxed_amount(
    base: str, discount: str, payable: str
) -> None:
    (installment,) = untaxed_terms(base).schedule(
        Money("121.00", "EUR"), date(2026, 1, 15), untaxed=Money("100.00", "EUR")
    )
    (window,) = installment.discounts
    assert (window.last_day, str(window.discount), str(window.amount_payable)) == (
        date(2026, 1, 25),
        discount,
        payable,
    )


def test_untaxed_amount_is_checked() -> None:
    terms = untaxed_terms("untaxed")
    issued = date(2026, 1, 15)
    with pytest.raises(
        TermsError, match=r"discount the untaxed amount \(discount_base 'untaxed'\)"
    ):
        terms.schedule(Money("121.00", "EUR"), issued)
    with pytest.raises(
        TermsError, match=re.escape("must lie between zero and the total 121.00 EUR")
    ):
        terms.schedule(Money("121.00", "EUR"), issued, untaxed=Money("121.01", "EUR"))
    with pytest.raises(TermsError, match="not in the currency of the total EUR"):
        terms.schedule(Money("121.00", "EUR"), issued, untaxed=usd("100.00"))
    (credit,) = terms.schedule(Money("-121.00", "EUR"), issued, untaxed=Money("-100.00", "EUR"))
    assert str(credit.discounts[0].amount_payable) == "-119.00 EUR"


def test_invoices_carry_the_untaxed_amount_the_discount_needs() -> None:
    terms = untaxed_terms("untaxed", convention="dunning")
    invoice = Invoice(
        id="I-1",
        customer_id="C-1",
        currency="EUR",
        total="121.00",
        untaxed="100.00",
        issue_date=date(2026, 1, 15),
        terms=terms,
    )
    assert invoice.untaxed == Money("100.00", "EUR")
    assert amount_payable(invoice, date(2026, 1, 25)) == Money("119.00", "EUR")
    assert amount_payable(invoice, date(2026, 1, 26)) == Money("121.00", "EUR")
    data = invoice.model_dump() | {"untaxed": None}
    assert "untaxed is missing: terms 'test' discount the untaxed amount" in errors_of(
        Invoice, data
    )
    assert "untaxed 130.00 EUR must lie between 0 and the total 121.00 EUR" in errors_of(
        Invoice, data | {"untaxed": "130.00"}
    )
    assert "untaxed is in USD (1.00 USD) but the invoice is in EUR" in errors_of(
        Invoice, data | {"untaxed": Money("1.00", "USD")}
    )


def test_cash_rounding_to_ten_pesos_per_line_and_on_the_discounted_amount() -> None:
    # Chile, Ley 20.956: cash amounts ending in 1 to 5 round down to the ten, 6 to 9 up.
    terms = terms_of(
        TermLine(percent=Decimal(50), due=DaysAfter(days=0)),
        remainder(DaysAfter(days=30), discounts=[DiscountTier(days=10, percent="2")]),
        cash_rounding=CashRounding(step=Decimal(10), method="half_down"),
    )
    first, last = terms.schedule(Money(123_450, "CLP"), date(2026, 1, 15))
    assert (str(first.amount), str(last.amount)) == ("61720 CLP", "61730 CLP")  # 61725 down
    # 2% of 61730 is 1234.6 -> 1235; 60495 is paid in cash as 60490.
    assert last.discounts == (
        DiscountWindow(
            last_day=date(2026, 1, 25),
            discount=Money(1240, "CLP"),
            amount_payable=Money(60_490, "CLP"),
        ),
    )
    per_line = terms.schedule(Money(123_456, "CLP"), date(2026, 1, 15), rounding="ROUND_HALF_UP")
    assert amounts(per_line) == ["61730 CLP", "61726 CLP"]  # the last line takes what is left


@pytest.mark.parametrize(
    ("method", "amount", "expected"),
    [
        ("half_up", "0.125", "0.15"),
        ("half_down", "0.125", "0.10"),
        ("half_even", "0.075", "0.10"),
        ("up", "0.01", "0.05"),
        ("down", "0.09", "0.05"),
        ("up", "-0.01", "-0.05"),
    ],
)
def test_cash_rounding_methods(method: str, amount: str, expected: str) -> None:
    rounding = CashRounding.model_validate({"step": "0.05", "method": method})
    assert str(rounding.round(Money(amount, "CHF"))) == f"{expected} CHF"


def test_cash_rounding_finer_than_the_minor_unit_is_an_error() -> None:
    rounding = CashRounding(step=Decimal("0.5"))
    with pytest.raises(
        TermsError, match=re.escape("cash rounding step 0.5 has more decimals than the 0")
    ):
        rounding.round(Money(10, "CLP"))


# -- Spanish and Portuguese notations ------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("neto 30", "net 30"),
        ("Neto 30 días", "net 30"),
        ("30 días", "net 30"),
        ("30 dias", "net 30"),
        ("a 30 días", "net 30"),
        ("crédito 30 días", "net 30"),
        ("contado", "due on receipt"),
        ("De contado", "due on receipt"),
        ("pago al contado", "due on receipt"),
        ("à vista", "due on receipt"),
        ("crédito 30/60/90 días", "30/60/90"),
        ("credito 30/60", "30/60 days"),
        ("30/60/90", "30/60/90"),
        ("30/60 días", "30/60 days"),
        ("30 dias fora o mês", "net 30 EOM"),
        ("30 días fin de mes", "net 30 EOM"),
        ("50% anticipo, saldo 30 días", "50% deposit net 30"),
        ("2/10 neto 30", "2/10 net 30"),
    ],
)
def test_parse_spanish_and_portuguese_notations(text: str, canonical: str) -> None:
    terms = parse_terms(text)
    assert terms.name == canonical
    assert parse_terms(canonical) == terms


def test_equal_installments_from_text() -> None:
    schedule = parse_terms("crédito 30/60/90 días").schedule(Money(100, "MXN"), date(2026, 1, 5))
    assert [(i.due_date, str(i.amount)) for i in schedule] == [
        (date(2026, 2, 4), "33.34 MXN"),
        (date(2026, 3, 6), "33.33 MXN"),
        (date(2026, 4, 5), "33.33 MXN"),
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("neto trinta", "at 'neto trinta'; did you mean 'neto 30'?"),
        ("contato", "at 'contato'; did you mean 'contado'?"),
        ("30 dais", "at '30 dais'; did you mean '30 dias'?"),
        ("2/10", "at 'the end of the text'; did you mean '2/10 eom'?"),
        ("crédito 60/30 días", "installment days '60/30' must increase"),
        ("net 30 soon", "unexpected 'soon' after 'net 30'"),
    ],
)
def test_unknown_text_gets_a_clear_error_and_a_suggestion(text: str, message: str) -> None:
    with pytest.raises(TermsParseError, match=re.escape(message)):
        parse_terms(text)


def test_a_deposit_bigger_than_the_total_is_named() -> None:
    terms = terms_of(remainder(DaysAfter(days=30)), deposit=Deposit(fixed=Decimal(50)))
    with pytest.raises(
        MoneyError,
        match=re.escape(
            "the deposit (fixed 50) of 'test' asks for 50.00 USD, but only 10.00 USD of the "
            "total 10.00 USD is left"
        ),
    ):
        terms.schedule(usd("10.00"), date(2026, 1, 5))


def test_odoo_percents_with_a_balance_line_may_reach_exactly_100() -> None:
    lines = [
        TermLine(percent=Decimal(60), due=DaysAfter(days=10)),
        TermLine(percent=Decimal(40), due=DaysAfter(days=20)),
        remainder(DaysAfter(days=30)),
    ]
    assert amounts(odoo(*lines).schedule(usd("10.00"), date(2026, 1, 1))) == [
        "6.00 USD",
        "4.00 USD",
        "0.00 USD",
    ]
    over = {"percent": "40.5", "due": NET_30}
    data = {"name": "x", "convention": "odoo", "lines": [{"percent": "60", "due": NET_30}, over]}
    data["lines"].append({"remainder": True, "due": NET_30})  # type: ignore[attr-defined]
    assert "add up to 100.5, not 100: under the odoo convention they add up to at most 100" in (
        errors_of(PaymentTerms, data)
    )


def test_erpnext_counts_a_percent_deposit_among_the_portions() -> None:
    terms = erpnext(
        TermLine(percent=Decimal(70), due=DaysAfter(days=30)), deposit=Deposit(percent="30")
    )
    assert amounts(terms.schedule(usd("10.01"), date(2026, 1, 1))) == ["3.00 USD", "7.01 USD"]
    refused = {
        "name": "x",
        "convention": "erpnext",
        "lines": [{"percent": "100", "due": NET_30}, {"remainder": True, "due": NET_30}],
    }
    assert "lines[1] is a remainder line, which the erpnext convention does not have" in (
        errors_of(PaymentTerms, refused)
    )


def test_three_remainder_lines_with_a_rounding_mode() -> None:
    thirds = get_terms("30/60/90")
    issued = date(2026, 1, 1)
    # 100.00 / 3 = 33.333 -> 33.33; then 66.67 / 2 = 33.335 -> 33.34; the last takes 33.33.
    for mode in (Rounding.HALF_UP, Rounding.HALF_EVEN):
        assert amounts(thirds.schedule(usd("100.00"), issued, rounding=mode)) == [
            "33.33 USD",
            "33.34 USD",
            "33.33 USD",
        ]


def test_texts_only_for_what_the_notation_can_say() -> None:
    net = terms_of(remainder(DaysAfter(days=30)))
    assert net.to_text() == "net 30"
    assert net.evolve(cash_rounding=CashRounding(step=Decimal(1))).to_text() is None
    assert net.evolve(discount_base="untaxed").to_text() is None
    equal = [remainder(DaysAfter(days=30)), remainder(DaysAfter(days=30))]
    assert terms_of(*equal).to_text() is None
    rolled = [remainder(DaysAfter(days=30)), remainder(DaysAfter(days=60, roll="following"))]
    assert terms_of(*rolled).to_text() is None
    ends = [remainder(DaysAfter(days=30)), remainder(DaysAfterMonthEnd(days=60))]
    assert terms_of(*ends).to_text() is None
    with_deposit = terms_of(
        remainder(DaysAfter(days=30)), remainder(DaysAfter(days=60)), deposit=Deposit(percent="20")
    )
    assert with_deposit.to_text() == "20% deposit 30/60 days"
    assert parse_terms("20% deposit 30/60 days").evolve(name="test") == with_deposit


def test_tryton_leaves_out_every_line_after_the_stop() -> None:
    terms = tryton(
        TermLine(fixed=Decimal(300), due=DaysAfter(days=10)),
        TermLine(fixed=Decimal(300), due=DaysAfter(days=20)),
        TermLine(fixed=Decimal(50), due=DaysAfter(days=25)),
        remainder(DaysAfter(days=30)),
    )
    assert amounts(terms.schedule(usd("500.00"), date(2026, 1, 1))) == ["300.00 USD", "200.00 USD"]


def test_default_percents_may_reach_exactly_100() -> None:
    terms = terms_of(
        TermLine(percent=Decimal(60), due=DaysAfter(days=10)),
        TermLine(percent=Decimal(40), due=DaysAfter(days=20)),
        remainder(DaysAfter(days=30)),
    )
    assert amounts(terms.schedule(usd("10.00"), date(2026, 1, 1))) == [
        "6.00 USD",
        "4.00 USD",
        "0.00 USD",
    ]
    no_remainder = {"name": "x", "lines": [{"percent": "100", "due": NET_30}]}
    assert (
        "lines[0].remainder is false: the last line must be a remainder line, so that the "
        "installments always add up to the total [type=dunning.terms_remainder"
    ) in errors_of(PaymentTerms, no_remainder)


def test_untaxed_equal_to_the_total_and_zero_totals() -> None:
    terms = untaxed_terms("untaxed")
    issued = date(2026, 1, 15)
    (untaxed_only,) = terms.schedule(usd("100.00"), issued, untaxed=usd("100.00"))
    assert str(untaxed_only.discounts[0].amount_payable) == "98.00 USD"
    (zero,) = terms.schedule(usd("0.00"), issued, untaxed=usd("0.00"))
    assert (str(zero.amount), str(zero.discounts[0].discount)) == ("0.00 USD", "0.00 USD")
    with pytest.raises(TermsError, match=re.escape("untaxed -1.00 USD must lie between zero")):
        terms.schedule(usd("100.00"), issued, untaxed=usd("-1.00"))


def test_cash_rounding_that_leaves_the_last_line_negative_is_an_error() -> None:
    terms = terms_of(
        TermLine(percent=Decimal(90), due=DaysAfter(days=0)),
        remainder(DaysAfter(days=30)),
        cash_rounding=CashRounding(step=Decimal(10), method="up"),
    )
    # 90% of 15 is 13.5, split to 14, rounded up to 20: the last line would be -5.
    with pytest.raises(
        MoneyError,
        match=re.escape(
            "lines[1] of 'test' would come to -5 CLP once the lines before it are rounded to "
            "the cash step"
        ),
    ):
        terms.schedule(Money(15, "CLP"), date(2026, 1, 1))


def test_prox_texts_use_english_ordinals() -> None:
    days = (1, 2, 3, 4, 11, 12, 13, 21, 22, 23, 31)
    texts = [terms_of(remainder(DayOfFollowingMonth(day=day))).to_text() for day in days]
    assert texts == [
        "1st prox",
        "2nd prox",
        "3rd prox",
        "4th prox",
        "11th prox",
        "12th prox",
        "13th prox",
        "21st prox",
        "22nd prox",
        "23rd prox",
        "31st prox",
    ]


def test_equal_installments_with_a_discount_have_no_short_text() -> None:
    tier = [DiscountTier(days=5, percent="1")]
    lines = [remainder(DaysAfter(days=30), discounts=tier), remainder(DaysAfter(days=60))]
    assert terms_of(*lines).to_text() is None


def test_a_text_far_from_every_notation_gets_no_suggestion() -> None:
    with pytest.raises(TermsParseError) as info:
        parse_terms("xyzzy")
    assert str(info.value).endswith("at 'xyzzy'")


@pytest.mark.parametrize(("percent", "valid"), [("0.01", True), ("100", True), ("100.01", False)])
def test_line_percents_lie_above_0_and_at_most_100(percent: str, valid: bool) -> None:
    data = {"percent": percent, "due": NET_30}
    if valid:
        assert TermLine.model_validate(data).percent == Decimal(percent)
    else:
        assert (
            f"percent {percent} must be above 0 and at most 100 (a percent of the invoice total)"
            " [type=dunning.terms_percent"
        ) in errors_of(TermLine, data)
