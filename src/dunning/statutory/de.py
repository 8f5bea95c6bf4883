"""Germany: BGB § 288 (Verzugszinsen, Pauschale) on the Basiszinssatz of § 247 BGB.

- § 288(1): a money debt bears default interest of 5 points over the Basiszinssatz.
- § 288(2): for a payment claim (Entgeltforderung) of a legal transaction in which no
  consumer is involved, 9 points over the Basiszinssatz.
- § 247(1): the Basiszinssatz changes on 1 January and 1 July (by the change of the ECB main
  refinancing rate); the preset accrues each day at the rate then in force.
- § 288(5): a lump sum of EUR 40 when the debtor is not a consumer.

Day count: the BGB prescribes none. The preset counts the actual days of delay over a year of
365 days (ACT/365F, also in leap years), the "englische Methode" that default-interest
calculators and courts commonly use, in line with § 191 BGB (a year counts 365 days); pass
``basis="ACT/ACT ISDA"`` for 366 in leap years, or ``"30/360"`` for the bank convention.

>>> from datetime import date
>>> from dunning.money import Money
>>> claim = DE.claim(Money("10000.00", "EUR"), date(2024, 6, 20), date(2024, 7, 10))
>>> [(s.days, s.annual_rate) for s in claim.interest.segments], str(claim.total)
([(10, Decimal('12.62')), (10, Decimal('12.37'))], '108.47 EUR')
"""

from __future__ import annotations

from decimal import Decimal

from pydantic import Field, model_validator
from pydantic_core import PydanticCustomError

from dunning.daycount import DayCount
from dunning.money import Money
from dunning.penalties import FixedFee, InterestRule, RateFixing
from dunning.rates import RateTable, ReferenceRate
from dunning.statutory._base import Jurisdiction, Options
from dunning.statutory.reference_rates import de_basiszinssatz

__all__ = ["DE", "FIXED_COMPENSATION", "DEOptions", "Germany"]

#: § 288(5) BGB: EUR 40 when the debtor is not a consumer.
FIXED_COMPENSATION = FixedFee(amounts=(Money("40.00", "EUR"),))


class DEOptions(Options):
    """Options of the German preset."""

    consumer_involved: bool = Field(
        default=False, description="A consumer is a party: + 5 points (§ 288(1)), not + 9."
    )
    debtor_is_consumer: bool = Field(
        default=False, description="The debtor is a consumer: no EUR 40 (§ 288(5))."
    )
    table: RateTable | None = Field(
        default=None, description="Basiszinssatz; None: the shipped table."
    )
    basis: DayCount = Field(default=DayCount.ACT_365F, description="Day-count basis.")

    @model_validator(mode="after")
    def _check(self) -> DEOptions:
        if self.debtor_is_consumer and not self.consumer_involved:
            raise PydanticCustomError(
                "dunning.statutory_option",
                "debtor_is_consumer is True but consumer_involved is False; a consumer debtor "
                "is a consumer involved in the transaction",
            )
        return self


class Germany(Jurisdiction[DEOptions]):
    """BGB § 288: Basiszinssatz + 9 points (+ 5 with a consumer); EUR 40 lump sum."""

    code = "DE"
    name = "Bürgerliches Gesetzbuch § 288 (Verzugszinsen und sonstiger Verzugsschaden)"
    legal_basis = (
        "BGB § 288(1) und (2): Basiszinssatz (§ 247) + 5 Prozentpunkte, + 9 Prozentpunkte "
        "ohne Verbraucherbeteiligung; § 288(5): Pauschale von 40 Euro, wenn der Schuldner "
        "kein Verbraucher ist"
    )
    options = DEOptions

    def _interest_rule(self, options: DEOptions) -> InterestRule:
        # § 288(1): + 5 points; § 288(2): + 9 points when no consumer is involved.
        spread = Decimal(5) if options.consumer_involved else Decimal(9)
        return InterestRule(
            reference=ReferenceRate(table=options.table or de_basiszinssatz(), spread=spread),
            # § 247(1): the rate changes on 1 January and 1 July; each day takes its own.
            fixing=RateFixing.VARIABLE,
            basis=options.basis,
        )

    def _late_fee(self, options: DEOptions) -> FixedFee | None:
        # § 288(5): only when the debtor is not a consumer.
        return None if options.debtor_is_consumer else FIXED_COMPENSATION


#: The German preset.
DE = Germany()
