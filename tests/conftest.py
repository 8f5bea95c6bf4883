"""Shared test configuration: Hypothesis profiles, an empty user data directory."""

import os
import shutil
import tempfile

import pytest
from hypothesis import HealthCheck, settings

# `ci` is what `make test` uses: 100 examples per property, derandomized so that every run
# checks the same cases, and no deadline because the machines are shared and noisy (timings
# are measured in benchmarks/, never asserted here). `thorough` (`make thorough`) searches
# ten times as far, with fresh random cases on each run.
settings.register_profile(
    "ci",
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=True,
)
settings.register_profile(
    "thorough",
    max_examples=1000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", max_examples=50, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))


def pytest_configure(config: object) -> None:
    """Point the user data directory at an empty folder for the whole run.

    The statutory tables prefer newer files a user installed (``dunning rates update``); the
    tests (and the doctests of src) must read the shipped ones whatever the machine holds.
    """
    os.environ["DUNNING_DATA_DIR"] = tempfile.mkdtemp(prefix="dunning-tests-")
    # The package's plugin is off in this run (see addopts), so do what it does at start:
    # pytest marks the package of an entry-point plugin for assertion rewriting, and a
    # rewritten module cannot run under runpy (`python -m dunning` in a test).
    from dunning.testing.pytest_plugin import _leave_the_library_unrewritten

    _leave_the_library_unrewritten(config)  # type: ignore[arg-type]


def pytest_unconfigure(config: object) -> None:
    """Remove the folder of `pytest_configure`."""
    shutil.rmtree(os.environ.pop("DUNNING_DATA_DIR", ""), ignore_errors=True)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the property tests untraced by coverage (pytest-cov's ``no_cover``).

    Tracing more than doubles the cost of the engine's hundreds of generated portfolios per
    property, and adds no line the unit, acceptance and fuzz tests do not already reach; the
    properties still run in full, only their coverage is not recorded.
    """
    for item in items:
        if "property" in item.path.parts:
            item.add_marker(pytest.mark.no_cover)
