"""The reference rates the statutory presets read, shipped as effective-dated CSV data.

Each loader returns a `RateTable` with the `source` and `updated` date of its file (see the
header comments of the files in ``dunning/statutory/data``). The tables are read once and
cached; they are immutable. Pass your own `RateTable` to a preset to use newer or other rates.

>>> from datetime import date
>>> ecb_main_refinancing_rate().rate_on(date(2024, 7, 1))
Decimal('4.25')
>>> de_basiszinssatz().rate_on(date(2024, 7, 1)), boe_bank_rate().rate_on(date(2023, 12, 31))
(Decimal('3.37'), Decimal('5.25'))
>>> fr_taux_legal(individual=False).rate_on(date(2024, 3, 1))
Decimal('5.07')
"""

from __future__ import annotations

import csv
from datetime import date
from functools import cache
from importlib.resources import files

from dunning.rates import RateTable

__all__ = [
    "boe_bank_rate",
    "de_basiszinssatz",
    "ecb_main_refinancing_rate",
    "fr_taux_legal",
]

_DATA = "dunning.statutory.data"


def _text(filename: str) -> str:
    return files(_DATA).joinpath(filename).read_text(encoding="utf-8")


@cache
def ecb_main_refinancing_rate() -> RateTable:
    """The ECB's main refinancing operations rate (fixed rate or minimum bid rate), from 1999.

    From 28 June 2000 to 14 October 2008 the ECB ran variable-rate tenders and the file holds
    the minimum bid rate; the late-payment reference rate of those years was the marginal
    rate (EU Directive 2011/7/EU art. 2(6)(a)(ii)), so pass your own table for them.
    """
    return RateTable.from_csv(_text("ecb_mro.csv"), name="ECB MRO")


@cache
def boe_bank_rate() -> RateTable:
    """The Bank of England's official Bank Rate (the "official dealing rate"), from 1997."""
    return RateTable.from_csv(_text("boe_base_rate.csv"), name="BoE Bank Rate")


@cache
def de_basiszinssatz() -> RateTable:
    """The German Basiszinssatz of § 247 BGB, one row per half-year from 2002."""
    return RateTable.from_csv(_text("de_basiszinssatz.csv"), name="Basiszinssatz § 247 BGB")


@cache
def fr_taux_legal(individual: bool = False) -> RateTable:
    """France's taux de l'intérêt légal (Code monétaire et financier L. 313-2), from 2006.

    Since 2015 there are two rates a half-year: one for creditors who are individuals not
    acting for professional needs (`individual`), one for all other cases (the rate of
    commercial debts). Before 2015 both columns hold the single annual rate.

    The file has no value for the second half of 2026: its last row stays in force in the
    table, so do not rely on it after 30 June 2026 without passing a newer table.
    """
    meta: dict[str, str] = {}
    rows: list[tuple[str, str]] = []
    header = True
    for line in _text("fr_taux_legal.csv").splitlines():
        if line.startswith("#"):
            key, _, value = line[1:].partition(":")
            meta[key.strip()] = value.strip()
            continue
        if header:
            header = False
            continue
        day, individuals, other = next(csv.reader([line]))
        rows.append((day, individuals if individual else other))
    return RateTable.from_rows(
        rows,
        name="FR taux légal " + ("particuliers" if individual else "autres cas"),
        source=meta["source"],
        updated=date.fromisoformat(meta["updated"]),
    )
