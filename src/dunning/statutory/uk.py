"""United Kingdom: Late Payment of Commercial Debts (Interest) Act 1998.

- s.4 and s.6, with the Late Payment of Commercial Debts (Rate of Interest) (No. 3) Order
  2002 (SI 2002/1675) art. 4: statutory interest is 8 per cent a year over the official
  dealing rate (Bank Rate) in force on 30 June (for interest that starts to run between
  1 July and 31 December) or 31 December (for interest that starts to run between 1 January
  and 30 June) immediately before the day interest starts to run; that rate is fixed for the
  life of the debt.
- s.1: the interest is simple. Daily interest is debt x rate / 365, also in leap years (the
  statutory guidance's daily-rate formula), so the basis is ACT/365F.
- s.5A(2): fixed sums of GBP 40 for a debt under GBP 1,000, GBP 70 under GBP 10,000 and
  GBP 100 for GBP 10,000 or more.

Interest starts to run the day after the relevant day (s.4(2)); the preset takes the due date
as the relevant day, so the reference date is the last 30 June or 31 December on or before the
due date.

>>> from datetime import date
>>> from dunning.money import Money
>>> claim = UK.claim(Money("5000.00", "GBP"), date(2024, 1, 31), date(2024, 3, 1))
>>> claim.interest.segments[0].annual_rate, str(claim.interest.amount), str(claim.total)
(Decimal('13.25'), '54.45 GBP', '124.45 GBP')
"""

from __future__ import annotations

from decimal import Decimal

from pydantic import Field

from dunning.daycount import DayCount
from dunning.penalties import FeeBand, InterestRule, RateFixing, TieredFee
from dunning.rates import RateTable, ReferenceRate
from dunning.statutory._base import Jurisdiction, Options
from dunning.statutory.reference_rates import boe_bank_rate

__all__ = ["FIXED_SUMS", "UK", "UKOptions", "UnitedKingdom"]

#: s.5A(2): GBP 40 under 1,000; GBP 70 under 10,000; GBP 100 from 10,000. A band holds its
#: `up_to`, so a debt in whole pence under 1,000.00 is at most 999.99.
FIXED_SUMS = TieredFee(
    mode="flat",
    currency="GBP",
    bands=(
        FeeBand(up_to=Decimal("999.99"), amount=Decimal("40.00")),
        FeeBand(up_to=Decimal("9999.99"), amount=Decimal("70.00")),
        FeeBand(up_to=None, amount=Decimal("100.00")),
    ),
)


class UKOptions(Options):
    """Options of the UK preset."""

    table: RateTable | None = Field(
        default=None, description="Bank Rate; None: the shipped Bank of England table."
    )


class UnitedKingdom(Jurisdiction[UKOptions]):
    """Late Payment Act 1998: Bank Rate on 31 Dec / 30 Jun + 8 points, fixed; GBP 40/70/100."""

    code = "UK"
    name = "Late Payment of Commercial Debts (Interest) Act 1998"
    legal_basis = (
        "Late Payment of Commercial Debts (Interest) Act 1998 s.4 and s.6 with SI 2002/1675 "
        "art. 4: Bank Rate on the 30 June / 31 December before interest starts to run + 8 "
        "points, simple, fixed for the life of the debt; s.5A: fixed sum of GBP 40, 70 or 100"
    )
    options = UKOptions

    def _interest_rule(self, options: UKOptions) -> InterestRule:
        return InterestRule(
            # SI 2002/1675 art. 4: reference rate on 30 June / 31 December + 8 points.
            reference=ReferenceRate(table=options.table or boe_bank_rate(), spread=Decimal(8)),
            fixing=RateFixing.REFERENCE_DATE,
            # Daily interest = debt x rate / 365, in leap years too.
            basis=DayCount.ACT_365F,
        )

    def _late_fee(self, options: UKOptions) -> TieredFee:
        return FIXED_SUMS


#: The UK preset.
UK = UnitedKingdom()
