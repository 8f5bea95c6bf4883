"""Hypothesis strategies for late fees and interest rules."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import strategies as st

from dunning.money import Money, minor_unit
from dunning.penalties import (
    FeeBand,
    FixedFee,
    InterestRule,
    LateFee,
    PercentFee,
    RateFixing,
    TieredFee,
)
from dunning.testing._money import currencies
from dunning.testing._time import day_count_bases, rate_percents, rate_tables, reference_rates

__all__ = [
    "fee_bands",
    "fixed_fees",
    "interest_rules",
    "late_fees",
    "per_currency_amounts",
    "percent_fees",
    "rate_fixings",
    "tiered_fees",
]


#: Every generated rate table has a rate from this day: a year before the first day that
#: `dates()` draws, so that the reference date (31 December or 30 June) before any late day
#: drawn from `dates()` has a rate too.
_FIRST = date(1989, 1, 1)


def _amount(currency: str, min_units: int, max_units: int) -> st.SearchStrategy[Money]:
    places = minor_unit(currency)
    return st.integers(min_units, max_units).map(
        lambda units: Money(Decimal(units).scaleb(-places), currency)
    )


def per_currency_amounts(
    min_size: int = 0, max_size: int = 3, *, max_units: int = 10**6
) -> st.SearchStrategy[tuple[Money, ...]]:
    """Tuples of amounts in distinct currencies (a `PerCurrency`); shrinks towards ``()``."""
    return st.lists(currencies(), min_size=min_size, max_size=max_size, unique=True).flatmap(
        lambda codes: st.tuples(*(_amount(code, 0, max_units) for code in codes))
    )


def fixed_fees() -> st.SearchStrategy[FixedFee]:
    """`FixedFee`s in one to three currencies; shrinks towards a zero USD fee."""
    return st.builds(FixedFee, amounts=per_currency_amounts(min_size=1))


@st.composite
def _min_max(draw: st.DrawFn) -> tuple[tuple[Money, ...], tuple[Money, ...]]:
    """A minimum and a maximum per currency with the maximum never below the minimum."""
    minimum = draw(per_currency_amounts(max_units=10**5))
    codes = draw(st.lists(currencies(), max_size=3, unique=True))
    maximum = []
    for code in codes:
        low = next((m for m in minimum if m.currency == code), None)
        floor_units = 0 if low is None else low.to_minor_units()
        maximum.append(draw(_amount(code, floor_units, floor_units + 10**6)))
    return minimum, tuple(maximum)


def percent_fees() -> st.SearchStrategy[PercentFee]:
    """`PercentFee`s of 0 to 25 % with consistent bounds; shrinks towards 0 % unbounded."""
    return _min_max().flatmap(
        lambda bounds: st.builds(
            PercentFee,
            percent=rate_percents("0", "25", places=2),
            minimum=st.just(bounds[0]),
            maximum=st.just(bounds[1]),
        )
    )


def fee_bands(
    max_bands: int = 4, *, amounts: bool = True
) -> st.SearchStrategy[tuple[FeeBand, ...]]:
    """Valid ascending bands, the last open; shrinks towards one open 0 % band.

    With ``amounts=False`` every band has a percentage.
    """

    @st.composite
    def build(draw: st.DrawFn) -> tuple[FeeBand, ...]:
        tops: list[Decimal | None] = [
            Decimal(top)
            for top in sorted(draw(st.sets(st.integers(1, 10**7), max_size=max_bands - 1)))
        ]
        bands = []
        for up_to in [*tops, None]:
            use_amount = amounts and draw(st.booleans())
            if use_amount:
                value = Decimal(draw(st.integers(0, 10**5)))
                bands.append(FeeBand(up_to=up_to, amount=value))
            else:
                bands.append(FeeBand(up_to=up_to, percent=draw(rate_percents("0", "20", places=2))))
        return tuple(bands)

    return build()


def tiered_fees(mode: str | None = None, *, amounts: bool = True) -> st.SearchStrategy[TieredFee]:
    """`TieredFee`s in one currency, marginal or flat (or `mode`); shrinks towards marginal USD."""
    modes = st.sampled_from(("marginal", "flat")) if mode is None else st.just(mode)
    return _min_max().flatmap(
        lambda bounds: st.builds(
            TieredFee,
            mode=modes,
            currency=currencies(),
            bands=fee_bands(amounts=amounts),
            minimum=st.just(bounds[0]),
            maximum=st.just(bounds[1]),
        )
    )


def late_fees() -> st.SearchStrategy[LateFee]:
    """Fixed, percent and tiered fees; shrinks towards a fixed fee."""
    return st.one_of(fixed_fees(), percent_fees(), tiered_fees())


def rate_fixings() -> st.SearchStrategy[RateFixing]:
    """Every `RateFixing`; shrinks towards `RateFixing.VARIABLE`."""
    return st.sampled_from(RateFixing)


def interest_rules() -> st.SearchStrategy[InterestRule]:
    """`InterestRule`s at a fixed rate or a reference rate, with optional ceiling and floor.

    Rate tables (rates, ceilings, floors) start on 1989-01-01, so any due date from `dates()`
    (1990 onwards) has every rate it needs. Shrinks towards a
    0 % fixed rate on ACT/365F without grace days, ceiling or floor.
    """
    early_tables = rate_tables(min_value=_FIRST, max_value=_FIRST)
    limits = st.one_of(st.none(), rate_percents("0", "60", places=2), early_tables)
    fixed = st.builds(
        InterestRule,
        annual_rate=rate_percents("0", "60", places=4),
        basis=day_count_bases(),
        grace_days=st.integers(0, 30),
        ceiling=limits,
        floor=limits,
    )
    referenced = st.builds(
        InterestRule,
        reference=reference_rates(early_tables),
        fixing=st.one_of(st.none(), rate_fixings()),
        basis=day_count_bases(),
        grace_days=st.integers(0, 30),
        ceiling=limits,
        floor=limits,
    )
    return st.one_of(fixed, referenced)
