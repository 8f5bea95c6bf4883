"""dunning: collection-policy primitives for billing systems."""

from dunning.errors import DunningError
from dunning.money import Money, Rounding

__all__ = ["DunningError", "Money", "Rounding"]
