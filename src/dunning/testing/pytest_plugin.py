"""The pytest plugin of `dunning` (registered with the ``testing`` extra).

It adds:

- the ``dunning_check`` fixture: ``dunning_check(policy, promises, **options)`` runs
  `dunning.testing.check_policy` and returns the report; ``dunning_check.assert_keeps(...)``
  fails the test when a promise is broken;
- the ``--dunning-examples N`` and ``--dunning-seed N`` options, for every check of the run
  (raise the examples in CI), and ``--dunning-database DIR``, a directory example database
  that keeps each counterexample found and runs it first on later runs (keep it in CI);
- the ``dunning`` marker, whose keywords (``max_examples``, ``days``, ``seed``,
  ``jurisdiction``, ...) set the checks of one test;
- reports of a broken promise that show the counterexample, not a stack of internals.

Keywords given in the call win over the marker, which wins over the command line::

    @pytest.mark.dunning(days=90)
    def test_b2c_keeps_its_promises(dunning_check):
        dunning_check.assert_keeps(load_policy("b2c.toml"), load_promises("b2c.promises.toml"))
"""

from __future__ import annotations

from collections.abc import Generator, Iterable
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from dunning.policy.model import Policy, PolicySet
    from dunning.policy.promises import Promise, Promises
    from dunning.testing.checker import CheckReport

__all__ = ["DunningCheck", "dunning_check"]


class DunningCheck:
    """The ``dunning_check`` fixture: `check_policy` with the test's settings.

    Args:
        defaults: keyword arguments of `check_policy` from the command line and the marker.
    """

    def __init__(self, defaults: dict[str, Any]) -> None:
        self.defaults = defaults

    def __call__(
        self,
        policy: Policy | PolicySet,
        promises: Promises | Iterable[Promise] = (),
        **options: Any,
    ) -> CheckReport:
        """Run `check_policy` and return its report."""
        from dunning.testing.checker import check_policy

        return check_policy(policy, promises, **{**self.defaults, **options})

    def assert_keeps(
        self,
        policy: Policy | PolicySet,
        promises: Promises | Iterable[Promise] = (),
        **options: Any,
    ) -> CheckReport:
        """Run `assert_keeps`: fail with the report when a promise is broken."""
        __tracebackhide__ = True
        from dunning.testing.checker import assert_keeps

        return assert_keeps(policy, promises, **{**self.defaults, **options})


def pytest_addoption(parser: pytest.Parser) -> None:
    """Add ``--dunning-examples``, ``--dunning-seed`` and ``--dunning-database``."""
    group = parser.getgroup("dunning", "dunning policy checks")
    group.addoption(
        "--dunning-examples",
        type=int,
        default=None,
        metavar="N",
        help="examples of each search of dunning_check and assert_keeps (default 100)",
    )
    group.addoption(
        "--dunning-seed",
        type=int,
        default=None,
        metavar="N",
        help="seed of dunning_check and assert_keeps (default 0)",
    )
    group.addoption(
        "--dunning-database",
        default=None,
        metavar="DIR",
        help="keep the counterexamples of dunning_check and assert_keeps in this directory "
        "and run them first on later runs (default: none kept)",
    )


def _leave_the_library_unrewritten(config: pytest.Config) -> None:
    """Take `dunning` off pytest's list of packages whose asserts it rewrites.

    pytest marks every package of a distribution that registers a plugin; the library has no
    test assertions to rewrite, and a module loaded by the rewriting hook cannot be run with
    `runpy` (``python -m dunning`` inside a test). Modules already imported are unaffected.
    """
    hook = getattr(config.pluginmanager, "rewrite_hook", None)
    marked = getattr(hook, "_must_rewrite", None)
    if not isinstance(marked, set) or "dunning" not in marked:
        return
    marked.discard("dunning")
    cache = getattr(hook, "_marked_for_rewrite_cache", None)
    if isinstance(cache, dict):
        for name in [n for n in cache if n == "dunning" or n.startswith("dunning.")]:
            del cache[name]


def pytest_configure(config: pytest.Config) -> None:
    """Declare the ``dunning`` marker (and leave the library's modules as they are)."""
    _leave_the_library_unrewritten(config)
    config.addinivalue_line(
        "markers",
        "dunning(**options): keyword arguments of check_policy (max_examples, days, seed, "
        "jurisdiction, ...) for the dunning_check fixture of this test",
    )


@pytest.fixture
def dunning_check(request: pytest.FixtureRequest) -> DunningCheck:
    """`check_policy` with the settings of the command line and of the ``dunning`` marker."""
    defaults: dict[str, Any] = {}
    examples = request.config.getoption("--dunning-examples")
    if examples is not None:
        defaults["max_examples"] = examples
    seed = request.config.getoption("--dunning-seed")
    if seed is not None:
        defaults["seed"] = seed
    directory = request.config.getoption("--dunning-database")
    if directory is not None:
        from hypothesis.database import DirectoryBasedExampleDatabase

        defaults["database"] = DirectoryBasedExampleDatabase(directory)
    for marker in reversed(list(request.node.iter_markers("dunning"))):
        defaults.update(marker.kwargs)
    return DunningCheck(defaults)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Show a broken promise as the checker's report, without the traceback."""
    report = yield
    excinfo = call.excinfo
    if excinfo is not None and call.when == "call":
        from dunning.errors import PromiseBrokenError

        if excinfo.errisinstance(PromiseBrokenError):
            report.longrepr = f"{item.nodeid}: a dunning promise is broken\n{excinfo.value}"
    return report
