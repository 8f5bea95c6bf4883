"""Worked examples of payment terms, as the ERPs they come from compute them.

Tryton's examples are the payment terms of its own module tests (``account_invoice``,
``test_payment_term``, ``test_negative_amount``, ``test_payment_term_with_empty_value``),
written here with `dunning`'s lines: a Tryton ratio of 0.25 is 25 percent, a delta row is a
`DateStep`. Odoo's and ERPNext's are their standard terms, worked by hand from their rules
(each line rounded, the last line taking what is left); Chile's is the cash rounding of Ley
20.956.
"""

from datetime import date
from decimal import Decimal

from dunning.money import Money
from dunning.terms import (
    CashRounding,
    ChainedSteps,
    DateStep,
    DaysAfter,
    DaysAfterMonthEnd,
    DiscountTier,
    MonthsAfterMonthEnd,
    PaymentTerms,
    TermLine,
    parse_terms,
)


def steps(**fields: int) -> ChainedSteps:
    return ChainedSteps(steps=[DateStep.model_validate(fields)])


def rows(terms: PaymentTerms, total: Money, issued: date) -> list[tuple[date, str]]:
    return [(i.due_date, str(i.amount.amount)) for i in terms.schedule(total, issued)]


# -- Tryton ------------------------------------------------------------------------------------

# "30 days, 1 month, 1 month + 15 days": 25% of the remainder after 30 days, 25% of the total
# after a month, a fixed amount after a month and 30 days, the remainder on the 15th two
# months later plus 30 days.
TRYTON_TERM = PaymentTerms(
    name="30 days, 1 month, 1 month + 15 days",
    convention="tryton",
    lines=[
        TermLine(percent_of_remainder=Decimal(25), due=steps(days=30)),
        TermLine(percent=Decimal(25), due=steps(months=1)),
        TermLine(fixed=Decimal("396.84"), due=steps(months=1, days=30)),
        TermLine(remainder=True, due=steps(months=2, days=30, day=15)),
    ],
)


def test_tryton_payment_term() -> None:
    # 25% of 1587.35 is 396.8375: 396.84.
    assert rows(TRYTON_TERM, Money("1587.35", "EUR"), date(2011, 10, 1)) == [
        (date(2011, 10, 31), "396.84"),
        (date(2011, 11, 1), "396.84"),
        (date(2011, 12, 1), "396.84"),
        (date(2012, 1, 14), "396.83"),  # 1 Dec, the 15th, then 30 days
    ]


def test_tryton_negative_amount() -> None:
    terms = TRYTON_TERM.evolve(
        lines=[
            *TRYTON_TERM.lines[:2],
            TRYTON_TERM.lines[2].evolve(fixed=Decimal(4)),
            TRYTON_TERM.lines[3],
        ]
    )
    assert rows(terms, Money("-10.00", "EUR"), date(2011, 10, 1)) == [
        (date(2011, 10, 31), "-2.50"),
        (date(2011, 11, 1), "-2.50"),
        (date(2011, 12, 1), "-4.00"),
        (date(2012, 1, 14), "-1.00"),
    ]


def test_tryton_empty_value() -> None:
    remainder = PaymentTerms(
        name="Remainder",
        convention="tryton",
        lines=[TermLine(remainder=True, due=steps(months=1))],
    )
    quarter = PaymentTerms(
        name="25% tomorrow, remainder a month later",
        convention="tryton",
        lines=[
            TermLine(percent_of_remainder=Decimal(25), due=steps(days=1)),
            TermLine(remainder=True, due=steps(months=1)),
        ],
    )
    for terms in (remainder, quarter):
        assert rows(terms, Money("0.00", "EUR"), date(2016, 5, 17)) == [(date(2016, 5, 17), "0.00")]


# -- Odoo --------------------------------------------------------------------------------------


def test_odoo_thirty_percent_advance_end_of_following_month() -> None:
    terms = PaymentTerms(
        name="30% Advance End of Following Month",
        convention="odoo",
        lines=[
            TermLine(percent=Decimal(30), due=DaysAfter(days=0)),
            # "Days after end of next month", 0 days.
            TermLine(percent=Decimal(70), due=steps(months=1, day=31)),
        ],
    )
    assert rows(terms, Money("1410.00", "USD"), date(2019, 1, 1)) == [
        (date(2019, 1, 1), "423.00"),
        (date(2019, 2, 28), "987.00"),
    ]
    # 30% of 0.05 is 0.015: half up, 0.02; the last line takes 0.03.
    assert rows(terms, Money("0.05", "USD"), date(2019, 1, 1))[0] == (date(2019, 1, 1), "0.02")


def test_odoo_two_seven_net_thirty_with_cash_rounding() -> None:
    # Odoo's "2/7 Net 30" on a tax-included total of 1210.00 (1000.00 untaxed, 21% VAT), with a
    # cash rounding of 0.05 half up on an invoice in CHF.
    line = TermLine(
        percent=Decimal(100),
        due=DaysAfter(days=30),
        discounts=[DiscountTier(days=7, percent=Decimal(2))],
    )
    issued = date(2024, 3, 1)
    for base, payable in (("total", "1185.80"), ("untaxed", "1190.00"), ("mixed", "1190.00")):
        terms = PaymentTerms(name="2/7 Net 30", convention="odoo", discount_base=base, lines=[line])
        (installment,) = terms.schedule(
            Money("1210.00", "CHF"), issued, untaxed=Money("1000.00", "CHF")
        )
        assert installment.due_date == date(2024, 3, 31)
        (window,) = installment.discounts
        assert (window.last_day, str(window.amount_payable.amount)) == (date(2024, 3, 8), payable)
    # 2% of 1233.33 is 24.6666: 1208.6634 rounds to 1208.66, paid in cash as 1208.65.
    cash = PaymentTerms(
        name="2/7 Net 30, cash",
        convention="odoo",
        cash_rounding=CashRounding(step=Decimal("0.05")),
        lines=[line],
    )
    (installment,) = cash.schedule(Money("1233.33", "CHF"), issued)
    assert str(installment.discounts[0].amount_payable) == "1208.65 CHF"


# -- ERPNext -----------------------------------------------------------------------------------


def test_erpnext_template_with_discount_validity() -> None:
    # Three portions: a third after 30 days, a third after the end of the invoice month plus
    # 30 days, the rest at the end of the month after the invoice month; 5% off the first
    # portion until the end of the invoice month.
    terms = PaymentTerms(
        name="thirds",
        convention="erpnext",
        lines=[
            TermLine(
                percent=Decimal("33.33"),
                due=DaysAfter(days=30),
                discounts=[DiscountTier(days=0, percent=Decimal(5), based_on="month_end")],
            ),
            TermLine(percent=Decimal("33.33"), due=DaysAfterMonthEnd(days=30)),
            TermLine(percent=Decimal("33.34"), due=MonthsAfterMonthEnd(months=1)),
        ],
    )
    schedule = terms.schedule(Money("1000.00", "INR"), date(2024, 1, 20))
    assert [(i.due_date, str(i.amount.amount)) for i in schedule] == [
        (date(2024, 2, 19), "333.30"),
        (date(2024, 3, 1), "333.30"),
        (date(2024, 2, 29), "333.40"),
    ]
    (window,) = schedule[0].discounts
    assert (window.last_day, str(window.discount.amount)) == (date(2024, 1, 31), "16.66")  # 16.665


# -- Chile: Ley 20.956 -------------------------------------------------------------------------


def test_chile_cash_payment_rounded_to_ten_pesos() -> None:
    terms = parse_terms("contado").evolve(
        cash_rounding=CashRounding(step=Decimal(10), method="half_down")
    )
    # A single line is the last line: it takes the total as it is.
    assert rows(terms, Money(10_995, "CLP"), date(2024, 5, 2)) == [(date(2024, 5, 2), "10995")]
    two = parse_terms("crédito 30/60 días").evolve(cash_rounding=terms.cash_rounding)
    # 10995 / 2 = 5497.5: largest remainder, 5498, then half down to the ten: 5500.
    assert rows(two, Money(10_995, "CLP"), date(2024, 5, 2)) == [
        (date(2024, 6, 1), "5500"),
        (date(2024, 7, 1), "5495"),
    ]
