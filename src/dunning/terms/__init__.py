"""Payment terms: when an invoice falls due, in how many installments, with which discounts.

`PaymentTerms` are data: an optional `Deposit` due on the invoice date, then term lines
(`TermLine`), each an amount (a `percent` of the total, a `fixed` amount or the `remainder`),
a `DueRule` and early-payment discount tiers (`DiscountTier`). `PaymentTerms.schedule` turns
them, for one invoice total and issue date, into installments (`Installment`) that always sum
exactly to the total. `parse_terms` reads the usual short notation ("2/10 net 30") and `TERMS`
holds the common named terms.

The due rules follow what ERPs offer (Odoo's ``account.payment.term`` lines, Tryton's
relativedelta lines, ERPNext's "due date based on"): days after the invoice date, days after
the end of the invoice month ("net 30 EOM"), months after the end of the invoice month, a day
of the following month ("10th prox"), a free relativedelta step and chained steps. Each
`Convention` ("dunning", "tryton", "odoo", "erpnext") turns the lines into amounts the way
its ERP does.

The package holds the due rules (`_rules`), the lines, discount tiers and deposits
(`_lines`), the terms and their schedules (`_schedule`), the cost of forgoing a discount
(`_cost`), and the short notation with the registry of named terms (`_text`).

>>> from datetime import date
>>> from dunning.money import Money
>>> terms = parse_terms("2/10 net 30")
>>> (installment,) = terms.schedule(Money("1000.00", "USD"), date(2026, 1, 31))
>>> installment.due_date, str(installment.amount)
(datetime.date(2026, 3, 2), '1000.00 USD')
>>> window = installment.discounts[0]
>>> window.last_day, str(window.discount), str(window.amount_payable)
(datetime.date(2026, 2, 10), '20.00 USD', '980.00 USD')
"""

from dunning.terms._cost import DiscountCost, discount_cost
from dunning.terms._lines import Deposit, DiscountTier, TermLine
from dunning.terms._rules import (
    ChainedSteps,
    DateStep,
    DayOfFollowingMonth,
    DaysAfter,
    DaysAfterMonthEnd,
    DueRule,
    MonthsAfterMonthEnd,
    RelativeStep,
)
from dunning.terms._schedule import (
    CashRounding,
    Convention,
    DiscountWindow,
    Installment,
    PaymentTerms,
)
from dunning.terms._text import TERMS, get_terms, parse_terms

__all__ = [
    "TERMS",
    "CashRounding",
    "ChainedSteps",
    "Convention",
    "DateStep",
    "DayOfFollowingMonth",
    "DaysAfter",
    "DaysAfterMonthEnd",
    "Deposit",
    "DiscountCost",
    "DiscountTier",
    "DiscountWindow",
    "DueRule",
    "Installment",
    "MonthsAfterMonthEnd",
    "PaymentTerms",
    "RelativeStep",
    "TermLine",
    "discount_cost",
    "get_terms",
    "parse_terms",
]
