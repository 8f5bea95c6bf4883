"""Chile: collection charges of Ley 19.496 art. 37 and the maximum rate of Ley 18.010.

- Ley 19.496 (consumer protection) art. 37: extrajudicial collection charges may not exceed
  9 % of the overdue debt up to 10 UF, 6 % of the part between 10 and 50 UF and 3 % of the
  part above 50 UF, and may only be charged once the first 20 days of delay have passed (from
  the 21st day late). The UF (unidad de fomento) is indexed daily: the bands take the UF of
  the day, from `uf_value` (CLP) when given, else from the shipped daily table
  (``load_table("cl-uf")``, or `uf_table`) on `uf_on`; a claim takes the UF of its `until`
  day. A day after the table's last value raises `StaleRateError`: install a newer table with
  ``dunning rates update cl-uf FILE``.
  When the creditor did not give the free notice of the arrears (gestión útil) within 15
  days of the due date (``useful_notice=False``), the maximum is 0.2 UF lower. Verified
  against SERNAC's guidance and worked example (sernac.cl, "¿Cómo se calculan los gastos de
  cobranza?"), not the official text of the article.
- Ley 18.010 art. 6: an agreed rate may not exceed the tasa máxima convencional (1.5 x the
  interés corriente the CMF publishes). The preset takes the agreed rate (`rate`, a percent or
  a table such as the interés corriente) and the ceiling (`ceiling`, a percent or a table)
  from you and never lets a day's rate exceed the ceiling. The library ships no history of
  the tasa máxima convencional (the CMF publishes it monthly by amount and term band): pass
  the ceiling of the operation's band. Note that art. 8 goes further: a
  stipulation above the maximum is void and interest falls to the interés corriente, so when
  the agreed rate exceeds the maximum, pass the interés corriente as `rate`.
- Day count: the CMF publishes the maximum rates as annual rates equal to 12 times the monthly
  rate (e.g. 3.39 % a month, 40.68 % a year), i.e. 30-day months in a 360-day year, so the
  preset accrues on ACT/360; pass `basis` for another convention.

>>> from datetime import date
>>> from decimal import Decimal
>>> from dunning.money import Money
>>> str(CL.compensation(Money(1_000_000, "CLP"), uf_value=Decimal("37000"), days_late=21))
'71100 CLP'
>>> str(CL.compensation(Money(1_000_000, "CLP"), uf_on=date(2024, 12, 31), days_late=21))
'71525 CLP'
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Any

from pydantic import Field

from dunning.daycount import DayCount
from dunning.money import Amount, Money, round_half_up
from dunning.penalties import FeeBand, InterestRule, RateFixing, TieredFee
from dunning.rates import RateTable, ReferenceRate, UnitOfAccount
from dunning.statutory._base import Jurisdiction, Options, StatutoryClaim, StatutoryOptionError
from dunning.statutory.tables import load_table

__all__ = [
    "CL",
    "COLLECTION_FREE_DAYS",
    "NO_NOTICE_REDUCTION_UF",
    "CLOptions",
    "Chile",
    "collection_charges",
]

#: Ley 19.496 art. 37: no collection charges during the first 20 days of delay.
COLLECTION_FREE_DAYS = 20
#: Ley 19.496 art. 37: the maximum charges are this many UF lower when the creditor did not
#: give the free notice of the arrears (gestión útil) within 15 days of the due date.
NO_NOTICE_REDUCTION_UF = Fraction(1, 5)


def collection_charges(uf_value: Decimal) -> TieredFee:
    """Return the art. 37 ceiling as a marginal `TieredFee` in CLP for a UF of `uf_value` CLP.

    >>> fee = collection_charges(Decimal("37000"))
    >>> [str(band.up_to) for band in fee.bands]
    ['370000', '1850000', 'None']
    """
    return TieredFee(
        mode="marginal",
        currency="CLP",
        bands=(
            # Ley 19.496 art. 37: 9 % up to 10 UF, 6 % from 10 to 50 UF, 3 % above 50 UF.
            FeeBand(up_to=10 * uf_value, percent=Decimal(9)),
            FeeBand(up_to=50 * uf_value, percent=Decimal(6)),
            FeeBand(up_to=None, percent=Decimal(3)),
        ),
    )


class CLOptions(Options):
    """Options of the Chilean preset."""

    uf_value: Amount | None = Field(
        default=None, description="CLP value of one UF on the day (for collection charges)."
    )
    uf_on: date | None = Field(
        default=None, description="Day whose UF the bands take, when uf_value is not given."
    )
    uf_table: UnitOfAccount | None = Field(
        default=None, description="Daily UF values; None: the shipped (or installed) table."
    )
    rate: RateTable | Amount | None = Field(
        default=None, description="Agreed annual percent, or a table (e.g. interés corriente)."
    )
    ceiling: RateTable | Amount | None = Field(
        default=None, description="Tasa máxima convencional: annual percent or a table."
    )
    basis: DayCount = Field(default=DayCount.ACT_360, description="Day-count basis.")
    useful_notice: bool = Field(
        default=True,
        description="Whether the creditor gave the free notice of the arrears (gestión útil) "
        "within 15 days of the due date; without it the maximum is 0.2 UF lower.",
    )


class Chile(Jurisdiction[CLOptions]):
    """Ley 19.496 art. 37 collection charges (9/6/3 % by UF band after 20 days); Ley 18.010."""

    code = "CL"
    name = "Ley 19.496 art. 37 y Ley 18.010"
    legal_basis = (
        "Ley 19.496 art. 37: gastos de cobranza extrajudicial de hasta 9 % hasta 10 UF, 6 % "
        "entre 10 y 50 UF y 3 % sobre 50 UF, después de los primeros 20 días de atraso; "
        "Ley 18.010 art. 6 y 8: tasa máxima convencional"
    )
    options = CLOptions

    def _interest_rule(self, options: CLOptions) -> InterestRule:
        if options.rate is None:
            raise StatutoryOptionError(
                "rate is None; pass the agreed annual rate in percent, or the interés "
                "corriente table (Ley 18.010 art. 6) when none was agreed"
            )
        if isinstance(options.rate, RateTable):
            return InterestRule(
                reference=ReferenceRate(table=options.rate),
                fixing=RateFixing.VARIABLE,
                basis=options.basis,
                ceiling=options.ceiling,
            )
        return InterestRule(annual_rate=options.rate, basis=options.basis, ceiling=options.ceiling)

    def _late_fee(self, options: CLOptions) -> TieredFee:
        return collection_charges(self._uf(options))

    def _uf(self, options: CLOptions) -> Decimal:
        if options.uf_value is not None:
            return options.uf_value
        if options.uf_on is None:
            raise StatutoryOptionError(
                "uf_value is None; Ley 19.496 art. 37 states the collection-charge bands in UF: "
                "pass uf_value=Decimal(...), the CLP value of one UF on the day, or uf_on=date "
                "to take the UF of that day from the daily table"
            )
        table = options.uf_table if options.uf_table is not None else _shipped_uf()
        return table.value_on(options.uf_on)

    def claim(
        self, principal: Money, due_date: date, until: date, **options: Any
    ) -> StatutoryClaim:
        """Return the claim as `Jurisdiction.claim` does, with the UF of `until` by default.

        Raises:
            pydantic.ValidationError: for an unknown or invalid option.
            StatutoryOptionError: for a missing or contradictory option.
            RateNotFoundError: when a table has no rate or UF value for a day needed.
        """
        if options.get("uf_value") is None and options.get("uf_on") is None:
            options = {**options, "uf_on": until}
        return super().claim(principal, due_date, until, **options)

    def _compensation(
        self, principal: Money, options: CLOptions, days_late: int | None
    ) -> Money | None:
        if days_late is None:
            raise StatutoryOptionError(
                "days_late is None; Ley 19.496 art. 37 allows collection charges only after "
                f"the first {COLLECTION_FREE_DAYS} days of delay: pass days_late=..."
            )
        uf = self._uf(options)
        if days_late <= COLLECTION_FREE_DAYS:
            return None
        fee = collection_charges(uf).compute(principal)
        if fee is None or options.useful_notice:
            return fee
        # Art. 37: without the free notice within 15 days of the due date, the maximum is
        # 0.2 UF lower (SERNAC's reading and example), never below zero.
        lower = fee.amount - round_half_up(Fraction(uf) * NO_NOTICE_REDUCTION_UF)
        return Money(max(lower, Decimal(0)), fee.currency)


def _shipped_uf() -> UnitOfAccount:
    table = load_table("cl-uf")
    assert isinstance(table, UnitOfAccount)
    return table


#: The Chilean preset.
CL = Chile()
