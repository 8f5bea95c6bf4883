"""EU Directive 2011/7/EU on combating late payment in commercial transactions.

- Art. 2(6): the reference rate of a euro Member State is the ECB's rate on its most recent
  main refinancing operations; art. 2(5) and 3(1): statutory interest is at least the
  reference rate + 8 points.
- Art. 3(2): the rate in force on 1 January applies for the first half-year, the rate in force
  on 1 July for the second.
- Art. 6(1): a fixed sum of EUR 40 per late invoice, as compensation for recovery costs.
- Art. 3(5): payment terms between undertakings should not exceed 60 calendar days unless
  expressly agreed and not grossly unfair; art. 4(3): public authorities pay within 30 days.

The Directive sets no day count; the preset uses actual days / 365 (ACT/365F), which the
Member States' guidance uses for daily interest, and takes `basis` as an option.

>>> from datetime import date
>>> from dunning.money import Money
>>> claim = EU.claim(Money("10000.00", "EUR"), date(2024, 6, 20), date(2024, 7, 10))
>>> [(s.days, s.annual_rate) for s in claim.interest.segments]
[(10, Decimal('12.50')), (10, Decimal('12.25'))]
>>> str(claim.interest.amount), str(claim.compensation), str(claim.total)
('67.81 EUR', '40.00 EUR', '107.81 EUR')
"""

from __future__ import annotations

from decimal import Decimal

from pydantic import Field

from dunning.daycount import DayCount
from dunning.money import Amount, Money
from dunning.penalties import FixedFee, InterestRule, RateFixing
from dunning.rates import RateTable, ReferenceRate
from dunning.statutory._base import Jurisdiction, Options
from dunning.statutory.reference_rates import ecb_main_refinancing_rate

__all__ = [
    "EU",
    "FIXED_COMPENSATION",
    "MAX_B2B_TERMS_DAYS",
    "MAX_PUBLIC_AUTHORITY_TERMS_DAYS",
    "EUOptions",
    "EuropeanUnion",
]

#: Art. 3(5): the longest payment term between undertakings without an express agreement.
MAX_B2B_TERMS_DAYS = 60

#: Art. 4(3): the payment term of public authorities.
MAX_PUBLIC_AUTHORITY_TERMS_DAYS = 30

#: Art. 6(1): EUR 40 per late invoice.
FIXED_COMPENSATION = FixedFee(amounts=(Money("40.00", "EUR"),))


class EUOptions(Options):
    """Options of the EU preset."""

    table: RateTable | None = Field(
        default=None, description="Reference rates; None: the shipped ECB MRO table."
    )
    spread: Amount = Field(
        default=Decimal(8), description="Points over the reference rate (art. 2(5): >= 8)."
    )
    basis: DayCount = Field(default=DayCount.ACT_365F, description="Day-count basis.")


class EuropeanUnion(Jurisdiction[EUOptions]):
    """EU Directive 2011/7/EU: ECB MRO + 8 points fixed per half-year, EUR 40 per invoice."""

    code = "EU"
    name = "Directive 2011/7/EU on combating late payment in commercial transactions"
    legal_basis = (
        "Directive 2011/7/EU art. 2(5), 2(6) and 3(2): ECB main refinancing rate in force on "
        "1 January / 1 July + 8 points; art. 6: EUR 40 per late invoice"
    )
    options = EUOptions

    def _interest_rule(self, options: EUOptions) -> InterestRule:
        table = options.table or ecb_main_refinancing_rate()
        return InterestRule(
            # Art. 2(6) + 3(2): reference rate + 8 points, fixed for each half-year.
            reference=ReferenceRate(table=table, spread=options.spread),
            fixing=RateFixing.HALF_YEARLY,
            basis=options.basis,
        )

    def _late_fee(self, options: EUOptions) -> FixedFee:
        return FIXED_COMPENSATION


#: The EU preset.
EU = EuropeanUnion()
