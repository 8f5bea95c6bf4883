import json
import re
from datetime import date
from decimal import Decimal

import pytest
from pydantic import ValidationError

from dunning.calendars import HolidayCalendar, RollConvention, WeekendCalendar
from dunning.errors import MoneyError, TermsParseError
from dunning.money import Money, Rounding
from dunning.terms import (
    TERMS,
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
