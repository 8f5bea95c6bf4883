"""Tools for testing code and policies built on `dunning` (optional extra ``testing``).

`dunning.testing.strategies` holds Hypothesis strategies for every domain type;
`check_policy` runs a policy over generated portfolios and reports each declared promise
(`dunning.policy.promises`) kept or broken, with a shrunk counterexample; `assert_keeps` does
the same inside a test, and the pytest plugin (`dunning.testing.pytest_plugin`, registered
when the extra is installed) adds the `dunning_check` fixture and ``--dunning-examples``.
"""

try:
    import hypothesis  # noqa: F401 -- only to give a clear error when it is missing
except ImportError as error:  # pragma: no cover - depends on the environment
    from dunning.errors import missing_dependency

    raise missing_dependency("hypothesis", "testing") from error

from dunning.testing.checker import (
    CheckReport,
    Counterexample,
    PromiseResult,
    Violation,
    check_policy,
)

__all__ = [
    "CheckReport",
    "Counterexample",
    "PromiseResult",
    "Violation",
    "check_policy",
]
