"""France: Code de commerce art. L. 441-10 and D. 441-5 (pénalités de retard, indemnité).

- L. 441-10 II: unless the terms say otherwise, late-payment penalties accrue at the ECB's
  rate on its most recent main refinancing operation + 10 points; the rate in force on
  1 January applies for the first half-year, the rate in force on 1 July for the second.
  Terms may agree another rate, but never below three times the taux d'intérêt légal (the
  rate for "all other cases", i.e. not individuals, of Code monétaire et financier L. 313-2)
  for the half-year. The floor binds an agreed rate; the default rate is ECB + 10 as such.
- L. 441-10 II and D. 441-5: an indemnité forfaitaire pour frais de recouvrement of EUR 40.

>>> from datetime import date
>>> from dunning.money import Money
>>> claim = FR.claim(Money("1000.00", "EUR"), date(2024, 1, 31), date(2024, 3, 1))
>>> claim.interest.segments[0].annual_rate, str(claim.total)
(Decimal('14.50'), '51.92 EUR')
"""

from __future__ import annotations

from decimal import Decimal

from pydantic import Field

from dunning.daycount import DayCount
from dunning.money import Amount, Money
from dunning.penalties import FixedFee, InterestRule, RateFixing
from dunning.rates import RatePoint, RateTable, ReferenceRate
from dunning.statutory._base import Jurisdiction, Options
from dunning.statutory.reference_rates import ecb_main_refinancing_rate, fr_taux_legal

__all__ = ["FIXED_COMPENSATION", "FR", "FROptions", "France", "minimum_rate_table"]

#: D. 441-5: EUR 40 per late invoice.
FIXED_COMPENSATION = FixedFee(amounts=(Money("40.00", "EUR"),))


def minimum_rate_table(taux_legal: RateTable) -> RateTable:
    """Return three times `taux_legal`: the lowest rate terms may agree (L. 441-10 II).

    >>> from datetime import date
    >>> minimum_rate_table(fr_taux_legal()).rate_on(date(2024, 3, 1))
    Decimal('15.21')
    """
    return RateTable(
        name=f"3 x {taux_legal.name}",
        points=tuple(
            RatePoint(effective_from=point.effective_from, rate=point.rate * 3)
            for point in taux_legal.points
        ),
        source=taux_legal.source,
        updated=taux_legal.updated,
    )


class FROptions(Options):
    """Options of the French preset."""

    table: RateTable | None = Field(
        default=None, description="ECB rates; None: the shipped ECB MRO table."
    )
    taux_legal: RateTable | None = Field(
        default=None, description="Taux légal (other cases); None: the shipped table."
    )
    agreed_rate: Amount | None = Field(
        default=None, description="Annual percent agreed in the terms; None: ECB + 10."
    )
    basis: DayCount = Field(default=DayCount.ACT_365F, description="Day-count basis.")


class France(Jurisdiction[FROptions]):
    """Code de commerce L. 441-10: ECB + 10 points per half-year; EUR 40 (D. 441-5)."""

    code = "FR"
    name = "Code de commerce, art. L. 441-10 et D. 441-5"
    legal_basis = (
        "Code de commerce L. 441-10 II: taux BCE (refinancement le plus récent, en vigueur au "
        "1er janvier / 1er juillet) + 10 points, un taux convenu ne pouvant être inférieur à "
        "3 fois le taux d'intérêt légal; D. 441-5: indemnité forfaitaire de 40 euros"
    )
    options = FROptions

    def _interest_rule(self, options: FROptions) -> InterestRule:
        if options.agreed_rate is not None:
            # L. 441-10 II: an agreed rate, never below 3 x the taux légal of the half-year.
            return InterestRule(
                annual_rate=options.agreed_rate,
                floor=minimum_rate_table(options.taux_legal or fr_taux_legal()),
                basis=options.basis,
            )
        return InterestRule(
            # L. 441-10 II: ECB rate in force on 1 January / 1 July + 10 points.
            reference=ReferenceRate(
                table=options.table or ecb_main_refinancing_rate(), spread=Decimal(10)
            ),
            fixing=RateFixing.HALF_YEARLY,
            basis=options.basis,
        )

    def _late_fee(self, options: FROptions) -> FixedFee:
        return FIXED_COMPENSATION


#: The French preset.
FR = France()
