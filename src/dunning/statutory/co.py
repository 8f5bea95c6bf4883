"""Colombia: moratorium interest under Código de Comercio art. 884 and the usury ceiling.

- Código de Comercio art. 884 (as amended by Ley 510 de 1999 art. 111): when the parties did
  not agree a moratorium rate, it is 1.5 times the interés bancario corriente (IBC); an agreed
  rate may not exceed that either (the usury ceiling; charging above it forfeits interest,
  Ley 45 de 1990 art. 72, and is a crime, Código Penal art. 305). The preset caps an agreed
  rate above the ceiling at the ceiling and marks the segment as capped.
- The Superintendencia Financiera certifies the IBC as an effective annual rate (E.A.) for
  each period (monthly for consumer and ordinary credit). The certified table is yours to
  pass (`certified_rate`, in E.A. percent); the library ships none.

Method (state it to the debtor): each E.A. rate is converted to its effective monthly rate
``i_m = (1 + i_EA)^(1/12) - 1`` (rounded to 10 decimals of percent), and a day of delay costs
``i_m / 30`` of the principal, without compounding (the liquidation courts use: whole months
at ``i_m``, part months pro rata over 30 days). The `InterestRule` expresses this as the
nominal rate ``12 x i_m`` on ACT/360, which gives exactly ``principal x i_m x days / 30``;
each day takes the rate of the certification period it falls in.

>>> from datetime import date
>>> from decimal import Decimal
>>> from dunning.money import Money
>>> from dunning.rates import RateTable
>>> ibc = RateTable.from_rows([("2024-10-01", "26.79")], name="IBC consumo y ordinario")
>>> claim = CO.claim(Money(1_000_000, "COP"), date(2024, 10, 1), date(2024, 10, 31),
...                  certified_rate=ibc)
>>> claim.interest.segments[0].annual_rate  # 12 x EM of 1.5 x 26.79 = 40.185 % E.A.
Decimal('34.2592051248')
>>> str(claim.total)
'28549 COP'
"""

from __future__ import annotations

from decimal import Decimal

from pydantic import Field

from dunning.daycount import DayCount
from dunning.money import Amount
from dunning.penalties import InterestRule, RateFixing
from dunning.rates import (
    RatePoint,
    RateTable,
    ReferenceRate,
    effective_monthly_from_annual,
    multiply_rate,
)
from dunning.statutory._base import Jurisdiction, Options, StatutoryOptionError

__all__ = [
    "CO",
    "USURY_FACTOR",
    "COOptions",
    "Colombia",
    "monthly_nominal",
    "monthly_nominal_table",
    "usury_ceiling",
]

#: Código de Comercio art. 884: the ceiling is 1.5 times the interés bancario corriente.
USURY_FACTOR = Decimal("1.5")


def monthly_nominal(effective_annual: Decimal) -> Decimal:
    """Return 12 x the effective monthly rate of an effective annual rate, in percent.

    >>> monthly_nominal(Decimal("40.185"))
    Decimal('34.2592051248')
    """
    return 12 * effective_monthly_from_annual(effective_annual)


def usury_ceiling(certified_rate: RateTable) -> RateTable:
    """Return the usury ceiling (1.5 x the certified E.A. rate) of each period, in E.A. percent.

    >>> from datetime import date
    >>> ibc = RateTable.from_rows([("2024-10-01", "26.79")], name="IBC")
    >>> usury_ceiling(ibc).rate_on(date(2024, 10, 15))
    Decimal('40.185')
    """
    return RateTable(
        name=f"1.5 x {certified_rate.name}",
        points=tuple(
            RatePoint(effective_from=p.effective_from, rate=multiply_rate(p.rate, USURY_FACTOR))
            for p in certified_rate.points
        ),
        source=certified_rate.source,
        updated=certified_rate.updated,
    )


def monthly_nominal_table(effective_annual: RateTable) -> RateTable:
    """Return a table of E.A. rates as nominal monthly rates (12 x EM), for ACT/360 accrual."""
    return RateTable(
        name=f"12 x EM of {effective_annual.name}",
        points=tuple(
            RatePoint(effective_from=p.effective_from, rate=monthly_nominal(p.rate))
            for p in effective_annual.points
        ),
        source=effective_annual.source,
        updated=effective_annual.updated,
    )


class COOptions(Options):
    """Options of the Colombian preset."""

    certified_rate: RateTable | None = Field(
        default=None, description="Interés bancario corriente certified, E.A. percent."
    )
    agreed_rate: Amount | None = Field(
        default=None, description="Agreed moratorium rate, E.A. percent; None: the maximum."
    )


class Colombia(Jurisdiction[COOptions]):
    """Código de Comercio art. 884: at most 1.5 x the certified bank current rate (E.A.)."""

    code = "CO"
    name = "Código de Comercio art. 884 (Ley 510 de 1999 art. 111)"
    legal_basis = (
        "Código de Comercio art. 884, modificado por la Ley 510 de 1999 art. 111: interés "
        "moratorio de hasta 1,5 veces el interés bancario corriente certificado por la "
        "Superintendencia Financiera (E.A.), liquidado a la tasa efectiva mensual equivalente "
        "por días (30 días por mes)"
    )
    options = COOptions

    def _interest_rule(self, options: COOptions) -> InterestRule:
        if options.certified_rate is None:
            raise StatutoryOptionError(
                "certified_rate is None; Colombian moratorium interest needs the interés "
                "bancario corriente certified by the Superintendencia Financiera: pass "
                "certified_rate=RateTable(...) with its E.A. rates in percent"
            )
        ceiling = monthly_nominal_table(usury_ceiling(options.certified_rate))
        if options.agreed_rate is None:
            # Art. 884: without an agreed rate, 1.5 x the bank current rate.
            return InterestRule(
                reference=ReferenceRate(table=ceiling),
                fixing=RateFixing.VARIABLE,
                basis=DayCount.ACT_360,
                ceiling=ceiling,
            )
        # An agreed rate above the ceiling is capped at the ceiling of each period.
        return InterestRule(
            annual_rate=monthly_nominal(options.agreed_rate),
            basis=DayCount.ACT_360,
            ceiling=ceiling,
        )


#: The Colombian preset.
CO = Colombia()
