"""Colombia: moratorium interest under Código de Comercio art. 884 and the usury ceiling.

- Código de Comercio art. 884 (as amended by Ley 510 de 1999 art. 111): when the parties did
  not agree a moratorium rate, it is 1.5 times the interés bancario corriente (IBC); an agreed
  rate may not exceed that either (the usury ceiling; charging above it forfeits interest,
  Ley 45 de 1990 art. 72, and is a crime, Código Penal art. 305). The preset caps an agreed
  rate above the ceiling at the ceiling and marks the segment as capped.
- The Superintendencia Financiera certifies the IBC as an effective annual rate (E.A.) for
  each period (monthly for consumer and ordinary credit since September 2017, quarterly
  before) and publishes the usury ceiling rounded to two decimals. By default the preset reads
  the shipped certifications (``load_table("co-ibc")``, consumo y ordinario, from April 2007;
  ``modality="microcredito"`` for microcrédito, October 2010 to June 2019) and caps at the
  published usury rate of each period. A day after the table's last verified period raises
  `StaleRateError`: install a newer table (``dunning rates update co-ibc FILE``) or pass
  `certified_rate` (then the ceiling is exactly 1.5 x each rate, unless you pass
  `usury_rate` too).

Method (state it to the debtor): each E.A. rate is converted to its effective monthly rate
``i_m = (1 + i_EA)^(1/12) - 1`` (rounded to 10 decimals of percent), and a day of delay costs
``i_m / 30`` of the principal, without compounding (the liquidation courts use: whole months
at ``i_m``, part months pro rata over 30 days). The `InterestRule` expresses this as the
nominal rate ``12 x i_m`` on ACT/360, which gives exactly ``principal x i_m x days / 30``;
each day takes the rate of the certification period it falls in.

>>> from datetime import date
>>> from decimal import Decimal
>>> from dunning.money import Money
>>> claim = CO.claim(Money(1_000_000, "COP"), date(2024, 9, 30), date(2024, 10, 30))
>>> claim.interest.segments[0].annual_rate  # 12 x EM of the usury rate of October 2024, 28.17 %
Decimal('25.0771647024')
>>> str(claim.total)  # 20,897.64 at the usury rate: never rounded above it
'20897 COP'
"""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache
from typing import Literal

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
from dunning.statutory._base import Jurisdiction, Options
from dunning.statutory.tables import CertifiedRates, load_table

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
        valid_until=certified_rate.valid_until,
        beyond_valid_until=certified_rate.beyond_valid_until,
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
        valid_until=effective_annual.valid_until,
        beyond_valid_until=effective_annual.beyond_valid_until,
    )


class COOptions(Options):
    """Options of the Colombian preset."""

    certified_rate: RateTable | None = Field(
        default=None,
        description="Interés bancario corriente certified, E.A. percent; None: the shipped "
        "table of `modality`.",
    )
    usury_rate: RateTable | None = Field(
        default=None,
        description="Published usury ceilings, E.A. percent; None: the shipped ones with the "
        "shipped table, else exactly 1.5 x certified_rate.",
    )
    modality: Literal["consumo", "microcredito"] = Field(
        default="consumo",
        description="Credit modality of the shipped table: consumo y ordinario or microcrédito.",
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
        if options.usury_rate is not None:
            usury = options.usury_rate
        elif options.certified_rate is not None:
            usury = usury_ceiling(options.certified_rate)
        else:
            # The usury rate the Superintendencia published, rounded to two decimals.
            usury = _shipped(options.modality).usury()
        ceiling = _nominal(usury)
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


@lru_cache(maxsize=16)
def _nominal(usury: RateTable) -> RateTable:
    # Tables are immutable and equal by value; converting each period is the costly part.
    return monthly_nominal_table(usury)


def _shipped(modality: Literal["consumo", "microcredito"]) -> CertifiedRates:
    table = load_table("co-ibc" if modality == "consumo" else "co-microcredito")
    assert isinstance(table, CertifiedRates)
    return table


#: The Colombian preset.
CO = Colombia()
