"""Hypothesis strategies for currencies and money."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import strategies as st

from dunning.money import Money, minor_unit

__all__ = ["currencies", "money"]

#: Currencies with 0, 2 and 3 decimals that the library's users bill in.
_COMMON = ("USD", "EUR", "COP", "CLP", "MXN", "BRL", "GBP", "KWD", "JPY")


def currencies() -> st.SearchStrategy[str]:
    """ISO 4217 codes with 0, 2 and 3 decimal minor units; shrinks towards ``"USD"``."""
    return st.sampled_from(_COMMON)


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
