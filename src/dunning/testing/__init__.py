"""Tools for testing code and policies built on `dunning` (optional extra ``testing``).

`dunning.testing.strategies` holds Hypothesis strategies for every domain type;
`dunning.testing.fakes` holds in-memory fakes of the adapter protocols (senders, payment
gateway, task sink, service control), which need no extra.

`check_policy` runs a policy over generated portfolios and reports each declared promise
(`dunning.policy.promises`) kept or broken, with a shrunk counterexample; `assert_keeps` does
the same inside a test, and the pytest plugin (`dunning.testing.pytest_plugin`, registered
with the package) adds the `dunning_check` fixture and ``--dunning-examples``.

The names load on first use, so that the pytest plugin can be registered where the
``testing`` extra (Hypothesis) is not installed; using them then raises
`MissingDependencyError` with the ``pip install`` command.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from dunning.testing.checker import (
        CheckReport,
        Counterexample,
        PromiseResult,
        Violation,
        assert_keeps,
        check_policy,
    )

__all__ = [
    "CheckReport",
    "Counterexample",
    "PromiseResult",
    "Violation",
    "assert_keeps",
    "check_policy",
]


def __getattr__(name: str) -> Any:
    if name not in __all__:
        raise AttributeError(f"module 'dunning.testing' has no attribute {name!r}")
    try:
        importlib.import_module("hypothesis")
    except ImportError:  # pragma: no cover - depends on the environment
        from dunning.errors import missing_dependency

        raise missing_dependency("hypothesis", "testing") from None
    return getattr(importlib.import_module("dunning.testing.checker"), name)
