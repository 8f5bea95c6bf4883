"""pyarrow, imported once, with the install hint when the optional extra is missing."""

from __future__ import annotations

from typing import Any

from dunning.errors import missing_dependency

__all__ = ["np", "pa", "pc"]

try:
    import numpy
    import pyarrow  # type: ignore[import-untyped]  # pyarrow ships no type information
    import pyarrow.compute  # type: ignore[import-untyped]  # (same)
except ImportError:  # pragma: no cover - the dev extra installs it
    raise missing_dependency("pyarrow", "arrow") from None

np: Any = numpy
pa: Any = pyarrow
pc: Any = pyarrow.compute
