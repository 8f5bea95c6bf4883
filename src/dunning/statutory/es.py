"""Spain: Ley 3/2004, de 29 de diciembre, de lucha contra la morosidad en operaciones comerciales.

- Art. 7(2): the legal late-payment rate is the ECB's rate on its most recent main
  refinancing operation carried out before the first day of the calendar half-year, plus
  8 points (the Ministry of Finance publishes it in the BOE each half-year). The preset reads
  the rate in force on 1 January / 1 July; the two readings differ only if a new ECB rate took
  effect exactly on 1 January or 1 July, which has not happened since the Ley came into force.
- Art. 8(1): EUR 40 per invoice as compensation for recovery costs.

>>> from datetime import date
>>> from dunning.money import Money
>>> str(ES.claim(Money("5000.00", "EUR"), date(2025, 3, 31), date(2025, 4, 30)).total)
'85.82 EUR'
"""

from __future__ import annotations

from decimal import Decimal

from pydantic import Field

from dunning.daycount import DayCount
from dunning.money import Money
from dunning.penalties import FixedFee, InterestRule, RateFixing
from dunning.rates import RateTable, ReferenceRate
from dunning.statutory._base import Jurisdiction, Options
from dunning.statutory.reference_rates import ecb_main_refinancing_rate

__all__ = ["ES", "FIXED_COMPENSATION", "ESOptions", "Spain"]

#: Art. 8(1): EUR 40 per invoice.
FIXED_COMPENSATION = FixedFee(amounts=(Money("40.00", "EUR"),))


class ESOptions(Options):
    """Options of the Spanish preset."""

    table: RateTable | None = Field(
        default=None, description="Reference rates; None: the shipped ECB MRO table."
    )
    basis: DayCount = Field(default=DayCount.ACT_365F, description="Day-count basis.")


class Spain(Jurisdiction[ESOptions]):
    """Ley 3/2004 art. 7 and 8: ECB + 8 points per half-year, EUR 40 per invoice."""

    code = "ES"
    name = "Ley 3/2004 de lucha contra la morosidad en operaciones comerciales"
    legal_basis = (
        "Ley 3/2004 art. 7(2): tipo del BCE de la operación principal de financiación más "
        "reciente antes del semestre natural + 8 puntos; art. 8(1): 40 euros por factura"
    )
    options = ESOptions

    def _interest_rule(self, options: ESOptions) -> InterestRule:
        return InterestRule(
            # Art. 7(2): ECB rate for the calendar half-year + 8 points.
            reference=ReferenceRate(
                table=options.table or ecb_main_refinancing_rate(), spread=Decimal(8)
            ),
            fixing=RateFixing.HALF_YEARLY,
            basis=options.basis,
        )

    def _late_fee(self, options: ESOptions) -> FixedFee:
        return FIXED_COMPENSATION


#: The Spanish preset.
ES = Spain()
