"""Statutory late-payment presets, one per jurisdiction, with their reference rates.

Each preset gives, for an invoice principal, a due date and a payment or evaluation date, the
statutory interest (an `InterestComputation` with its rate segments and day counts) and the
fixed compensation the law grants, and can be used as the interest or fee rule of a policy:

- ``interest_rule(**options) -> InterestRule``
- ``late_fee(**options) -> LateFee | None`` (the fixed compensation as a policy fee)
- ``compensation(principal, **options) -> Money | None``
- ``claim(principal, due_date, until, **options) -> StatutoryClaim``

===== ================================================= =========================================
code  interest                                           fixed compensation
===== ================================================= =========================================
EU    ECB MRO on 1 Jan / 1 Jul + 8 (Dir. 2011/7/EU)      EUR 40 (art. 6)
UK    Bank Rate on 31 Dec / 30 Jun + 8, fixed (1998 Act) GBP 40 / 70 / 100 (s.5A)
DE    Basiszinssatz + 9, or + 5 with a consumer (§ 288)  EUR 40 unless the debtor is a consumer
FR    ECB on 1 Jan / 1 Jul + 10 (C. com. L. 441-10)      EUR 40 (D. 441-5)
ES    ECB for the half-year + 8 (Ley 3/2004 art. 7)      EUR 40 (art. 8)
CO    at most the usury rate, 1.5 x IBC (C. Com. 884)    none
CL    agreed rate, capped at a ceiling (Ley 18.010)      9/6/3 % by UF band after 20 days (19.496)
MX    6 % commercial (CCom 362) or 9 % civil (CCF 2395)  none
===== ================================================= =========================================

>>> from datetime import date
>>> from dunning.money import Money
>>> claim = get_jurisdiction("DE").claim(Money("1000.00", "EUR"), date(2025, 1, 31), date(2025, 3, 2))
>>> str(claim.interest.amount), str(claim.total)
('9.26 EUR', '49.26 EUR')

The Latin American tables (Colombia's certified rates, Chile's UF, Mexico's TIIE) are read with
`load_table` and updated with `install_table` (``dunning rates update``): see
`dunning.statutory.tables`.
"""  # noqa: E501 -- a doctest line shows a whole call

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from dunning.statutory import cl, co, de, es, eu, fr, mx, uk
from dunning.statutory._base import (
    Jurisdiction,
    Options,
    StatutoryClaim,
    StatutoryOptionError,
    UnknownJurisdictionError,
)
from dunning.statutory.reference_rates import (
    boe_bank_rate,
    de_basiszinssatz,
    ecb_main_refinancing_rate,
    fr_taux_legal,
)
from dunning.statutory.tables import (
    TABLES,
    Certification,
    CertifiedRates,
    install_table,
    load_table,
    read_shipped,
    read_table,
    user_data_dir,
)

__all__ = [
    "JURISDICTIONS",
    "TABLES",
    "Certification",
    "CertifiedRates",
    "Jurisdiction",
    "Options",
    "StatutoryClaim",
    "StatutoryOptionError",
    "UnknownJurisdictionError",
    "boe_bank_rate",
    "de_basiszinssatz",
    "ecb_main_refinancing_rate",
    "fr_taux_legal",
    "get_jurisdiction",
    "install_table",
    "load_table",
    "read_shipped",
    "read_table",
    "user_data_dir",
]

#: Every preset by its code; a test checks that it agrees with the modules of the package.
JURISDICTIONS: Mapping[str, Jurisdiction[Any]] = MappingProxyType(
    {
        "EU": eu.EU,
        "UK": uk.UK,
        "DE": de.DE,
        "FR": fr.FR,
        "ES": es.ES,
        "CO": co.CO,
        "CL": cl.CL,
        "MX": mx.MX,
    }
)


def get_jurisdiction(code: str) -> Jurisdiction[Any]:
    """Return the preset of `code` ("EU", "UK", "DE", ...; case-insensitive).

    >>> get_jurisdiction("uk").name
    'Late Payment of Commercial Debts (Interest) Act 1998'

    Raises:
        UnknownJurisdictionError: when no preset has that code; the message lists the codes.
    """
    preset = JURISDICTIONS.get(code.upper()) if isinstance(code, str) else None
    if preset is None:
        known = ", ".join(JURISDICTIONS)
        raise UnknownJurisdictionError(
            f"no statutory preset for jurisdiction {code!r}; the known codes are {known}"
        )
    return preset
