from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from dunning.money import Money
from dunning.testing._money import money


@given(money(), st.integers(1, 50), st.sampled_from(["first", "last"]))
def test_split_sums_exactly_and_is_fair(total: Money, parts: int, remainder: str) -> None:
    pieces = total.split(parts, remainder=remainder)  # type: ignore[arg-type]
    assert len(pieces) == parts
    assert Money.sum(pieces, total.currency) == total
    assert all(not p.is_negative for p in pieces)
    units = [p.to_minor_units() for p in pieces]
    assert max(units) - min(units) <= 1


@given(
    money(),
    st.lists(st.decimals(min_value=0, max_value=1000, places=3), min_size=1, max_size=12).filter(
        lambda ratios: sum(ratios) > 0
    ),
    st.sampled_from(["first", "last"]),
)
def test_allocate_sums_exactly_and_is_never_negative(
    total: Money, ratios: list[Decimal], tie_break: str
) -> None:
    parts = total.allocate(ratios, tie_break=tie_break)  # type: ignore[arg-type]
    assert Money.sum(parts, total.currency) == total
    assert all(not p.is_negative for p in parts)
    for ratio, part in zip(ratios, parts, strict=True):
        if ratio == 0:
            assert part.is_zero
    # Largest remainder: every part is within one minor unit of its exact share.
    whole = total.to_minor_units()
    for ratio, part in zip(ratios, parts, strict=True):
        exact = Decimal(whole) * ratio / sum(ratios)
        assert abs(part.to_minor_units() - exact) < 1


@given(money())
def test_json_round_trip(value: Money) -> None:
    assert Money.model_validate_json(value.model_dump_json()) == value


@given(money(), money())
def test_addition_is_exact_when_currencies_agree(a: Money, b: Money) -> None:
    if a.currency == b.currency:
        assert (a + b) - b == a
