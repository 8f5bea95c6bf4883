"""Mexico: legal interest when no rate was agreed.

- Código de Comercio art. 362: a debtor who delays payment of a commercial debt owes, from
  the day after maturity, the rate agreed for that case or, failing it, 6 % a year.
- Código Civil Federal art. 2395: the legal interest is 9 % a year (civil obligations).

An option chooses the regime (``regime="commercial"``, the default, or ``"civil"``); an agreed
rate (`agreed_rate`) replaces the legal one. Neither code fixes a day count: the preset accrues
actual days over 365 (ACT/365F); pass `basis` for another convention. There is no statutory
fixed compensation.

Usury (Suprema Corte de Justicia de la Nación, Primera Sala, jurisprudencia 1a./J. 46/2014
(10a.), registro 2006794): the parties may agree the moratory interest of a pagaré (Ley
General de Títulos y Operaciones de Crédito art. 174), but not a usurious one (Convención
Americana sobre Derechos Humanos art. 21.3); a judge who finds the agreed rate notoriously
excessive must reduce it, of their own motion, prudently, to a rate that is not, weighing the
circumstances of the case (1a./J. 47/2014 (10a.), registro 2006795, lists them: the parties,
the kind and purpose of the credit, the amount, the term, the guarantees, the rates banks
charge for similar operations, inflation and market conditions). The law fixes no number, so
the library does not pick one: `ceiling` caps each day's rate at the figure you (or a court)
set, and the capped segments say so.

>>> from datetime import date
>>> from dunning.money import Money
>>> str(MX.claim(Money("100000.00", "MXN"), date(2025, 1, 31), date(2025, 4, 1)).total)
'986.30 MXN'
>>> capped = MX.claim(Money("100000.00", "MXN"), date(2025, 1, 31), date(2025, 4, 1),
...                   agreed_rate=Decimal("120"), ceiling=Decimal("37"))
>>> str(capped.total), capped.interest.segments[0].capped
('6082.19 MXN', True)
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import Field

from dunning.daycount import DayCount
from dunning.money import Amount
from dunning.penalties import InterestRule
from dunning.rates import RateTable
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
    ceiling: RateTable | Amount | None = Field(
        default=None,
        description="Highest annual rate a court would allow (1a./J. 46/2014); None: no cap.",
    )


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
        # SCJN 1a./J. 46/2014 (10a.): a usurious agreed rate is reduced to a prudent one.
        return InterestRule(annual_rate=rate, basis=options.basis, ceiling=options.ceiling)


#: The Mexican preset.
MX = Mexico()
