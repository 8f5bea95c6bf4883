"""The annual cost of forgoing an early-payment discount."""

from __future__ import annotations

from decimal import (
    ROUND_HALF_UP,
    Decimal,
    localcontext,
)
from typing import Literal

from pydantic import Field
from pydantic_core import PydanticCustomError

from dunning._model import Model
from dunning.money import to_decimal

__all__ = ["DiscountCost", "discount_cost"]

# -- the cost of forgoing a discount --------------------------------------------------------


class DiscountCost(Model):
    """The annual cost of not taking an early-payment discount, in percent.

    Paying on the net date instead of the last discount day borrows the discounted amount for
    ``net_days - discount_days`` days at the price of the discount.
    """

    nominal_annual_percent: Decimal = Field(
        description="Simple annual rate: d/(100-d) * basis/(net - discount days) * 100."
    )
    effective_annual_percent: Decimal = Field(
        description="Compound annual rate: ((1 + d/(100-d)) ** (basis/(net - discount days)) - 1)"
        " * 100."
    )


def discount_cost(
    discount_percent: Decimal | int | str,
    discount_days: int,
    net_days: int,
    *,
    basis: Literal[360, 365] = 365,
    places: int = 2,
) -> DiscountCost:
    """Return the annual cost of forgoing a `discount_percent` / `discount_days` discount.

    With d the discount percent and n the days gained (``net_days - discount_days``):
    nominal = d / (100 - d) * basis / n * 100 and effective = ((1 + d / (100 - d)) **
    (basis / n) - 1) * 100. Both are computed with 34 significant digits and rounded half up
    to `places` decimals.

    >>> discount_cost("2", 10, 30)  # 2/10 net 30
    DiscountCost(nominal_annual_percent=Decimal('37.24'), effective_annual_percent=Decimal('44.59'))
    >>> discount_cost("2", 10, 30, basis=360).nominal_annual_percent
    Decimal('36.73')

    Raises:
        ValueError: when the percent is not above 0 and below 100, the days are not whole
            numbers with ``0 <= discount_days < net_days``, or the basis is not 360 or 365.
    """
    try:
        percent = to_decimal(discount_percent, what="discount_percent")
    except PydanticCustomError as error:
        raise ValueError(error.message()) from None
    if not 0 < percent < 100:
        raise ValueError(f"discount_percent {percent} must be above 0 and below 100")
    for what, days in (("discount_days", discount_days), ("net_days", net_days)):
        if isinstance(days, bool) or not isinstance(days, int):
            raise ValueError(f"{what} must be a whole number of days, not {days!r}")
    if not 0 <= discount_days < net_days:
        raise ValueError(
            f"discount days {discount_days} must be before the net days {net_days} "
            "(and not negative)"
        )
    if basis not in (360, 365):
        raise ValueError(f"basis {basis!r} must be 360 or 365 days a year")
    with localcontext() as context:
        context.prec = 34
        rate = percent / (100 - percent)
        periods = Decimal(basis) / (net_days - discount_days)
        nominal = rate * periods * 100
        effective = ((1 + rate) ** periods - 1) * 100
    exponent = Decimal(1).scaleb(-places)
    return DiscountCost(
        nominal_annual_percent=nominal.quantize(exponent, rounding=ROUND_HALF_UP),
        effective_annual_percent=effective.quantize(exponent, rounding=ROUND_HALF_UP),
    )


# -- parsing --------------------------------------------------------------------------------
