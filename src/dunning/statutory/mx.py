"""Mexico: legal interest when no rate was agreed.

- Código de Comercio art. 362: a debtor who delays payment of a commercial debt owes, from
  the day after maturity, the rate agreed for that case or, failing it, 6 % a year.
- Código Civil Federal art. 2395: the legal interest is 9 % a year (civil obligations).

An option chooses the regime (``regime="commercial"``, the default, or ``"civil"``); an agreed
rate (`agreed_rate`) replaces the legal one. Neither code fixes a day count: the preset accrues
actual days over 365 (ACT/365F); pass `basis` for another convention. There is no statutory
fixed compensation.

>>> from datetime import date
>>> from dunning.money import Money
>>> str(MX.claim(Money("100000.00", "MXN"), date(2025, 1, 31), date(2025, 4, 1)).total)
'986.30 MXN'
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import Field

from dunning.daycount import DayCount
from dunning.money import Amount
from dunning.penalties import InterestRule
from dunning.statutory._base import Jurisdiction, Options

__all__ = ["CIVIL_RATE", "COMMERCIAL_RATE", "MX", "MXOptions", "Mexico"]

#: Código de Comercio art. 362: 6 % a year for commercial debts without an agreed rate.
COMMERCIAL_RATE = Decimal(6)

#: Código Civil Federal art. 2395: legal interest of 9 % a year.
CIVIL_RATE = Decimal(9)


class MXOptions(Options):
    """Options of the Mexican preset."""

    regime: Literal["commercial", "civil"] = Field(
        default="commercial", description="Commercial (art. 362 CCom) or civil (art. 2395 CCF)."
    )
    agreed_rate: Amount | None = Field(
        default=None, description="Agreed annual moratorium rate; None: the legal rate."
    )
    basis: DayCount = Field(default=DayCount.ACT_365F, description="Day-count basis.")


class Mexico(Jurisdiction[MXOptions]):
    """Código de Comercio art. 362 (6 %) or Código Civil Federal art. 2395 (9 %)."""

    code = "MX"
    name = "Código de Comercio art. 362 y Código Civil Federal art. 2395"
    legal_basis = (
        "Código de Comercio art. 362: interés pactado o, en su defecto, 6 % anual desde el día "
        "siguiente al vencimiento; Código Civil Federal art. 2395: interés legal del 9 % anual"
    )
    options = MXOptions

    def _interest_rule(self, options: MXOptions) -> InterestRule:
        if options.agreed_rate is not None:
            rate = options.agreed_rate
        elif options.regime == "commercial":
            rate = COMMERCIAL_RATE
        else:
            rate = CIVIL_RATE
        return InterestRule(annual_rate=rate, basis=options.basis)


#: The Mexican preset.
MX = Mexico()
