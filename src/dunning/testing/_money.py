"""Hypothesis strategies for currencies and money."""

from __future__ import annotations

from decimal import Decimal

from babel.numbers import list_currencies
from hypothesis import strategies as st

from dunning.money import Money, minor_unit

__all__ = ["currencies", "money"]

#: Currencies with 0, 2, 3 and 4 decimals that the library's users bill in (CLF, the
#: Chilean unidad de fomento, has 4).
_COMMON = ("USD", "EUR", "COP", "CLP", "MXN", "BRL", "GBP", "KWD", "JPY", "CLF")

#: Every currency CLDR knows (babel's data), the common ones first.
_EVERY = _COMMON + tuple(sorted(set(list_currencies()) - set(_COMMON)))


def currencies(*, common_only: bool = False) -> st.SearchStrategy[str]:
    """ISO 4217 codes that CLDR knows, with 0, 2, 3 and 4 decimal minor units.

    The common ones come first (USD, EUR, COP, CLP, MXN, BRL, GBP, KWD, JPY, CLF), then
    every other code of babel's CLDR data (about 300, historical ones included);
    ``common_only=True`` keeps the first ten. Shrinks towards ``"USD"``.
    """
    return st.sampled_from(_COMMON if common_only else _EVERY)


def money(
    currency: str | st.SearchStrategy[str] | None = None,
    *,
    min_units: int = 0,
    max_units: int = 10**9,
) -> st.SearchStrategy[Money]:
    """Amounts in whole minor units within the given bounds; shrinks towards `min_units`.

    Args:
        currency: a fixed code, a strategy of codes, or None for `currencies()`.
        min_units: the smallest amount, in minor units (cents for USD).
        max_units: the largest amount, in minor units.
    """
    if currency is None:
        codes: st.SearchStrategy[str] = currencies()
    elif isinstance(currency, str):
        codes = st.just(currency)
    else:
        codes = currency

    def build(code: str) -> st.SearchStrategy[Money]:
        places = minor_unit(code)
        return st.integers(min_units, max_units).map(
            lambda units: Money(Decimal(units).scaleb(-places), code)
        )

    return codes.flatmap(build)
