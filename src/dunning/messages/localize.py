r"""Amounts and dates of the engine's explanations, written the way a locale writes them.

The engine explains its decisions in plain, locale-free text: ``balance 33313000 COP``,
``entered on 2026-11-19``. `LocaleFormatter` rewrites the amounts (a number followed by an ISO
4217 code) with babel's currency format and the ISO dates with the locale's medium date, so
that `Evaluation.explain(formatter=...)` and the command line speak the customer's language
for figures. Invoice ids that merely contain digits and dashes are left alone.

>>> formatter = LocaleFormatter("es_CO")
>>> formatter("led by stage suspend entered on 2026-11-19 (balance 33313000 COP)")
'led by stage suspend entered on 19/11/2026 (balance $33.313.000)'
>>> LocaleFormatter("pt_BR")("fee 1500.5 BRL on 2026-01-02 for INV-2026-01-02")
'fee R$\xa01.500,50 on 2 de jan. de 2026 for INV-2026-01-02'
"""

from __future__ import annotations

import re
from datetime import date

from babel.dates import format_date

from dunning.errors import CurrencyError
from dunning.money import Money

__all__ = ["LocaleFormatter"]

_AMOUNT = re.compile(r"(?<![\w.,-])(-?\d+(?:\.\d+)?) ([A-Z]{3})\b")
_DATE = re.compile(r"(?<![\w-])(\d{4})-(\d{2})-(\d{2})(?![\w-])")


class LocaleFormatter:
    """Rewrites ``1234.5 USD`` and ``2026-11-19`` in a text for `locale`.

    Args:
        locale: A babel locale such as ``es_CO``.
        date_format: babel's ``short``, ``medium`` or ``long`` date format.
    """

    def __init__(self, locale: str, date_format: str = "medium") -> None:
        self.locale = locale.replace("-", "_")
        self.date_format = date_format

    def _amount(self, match: re.Match[str]) -> str:
        try:
            return Money(match.group(1), match.group(2)).format(self.locale)
        except (CurrencyError, ValueError):
            return match.group(0)

    def _date(self, match: re.Match[str]) -> str:
        try:
            day = date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        except ValueError:
            return match.group(0)
        return format_date(day, self.date_format, locale=self.locale)

    def __call__(self, text: str) -> str:
        """`text` with its amounts and ISO dates written for the locale."""
        return _DATE.sub(self._date, _AMOUNT.sub(self._amount, text))
