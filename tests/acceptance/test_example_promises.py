"""The example policies keep the promises declared beside them."""

from pathlib import Path

import pytest

from dunning.policy.io import load_policy, load_promises
from dunning.testing import check_policy

POLICIES = Path(__file__).resolve().parents[2] / "examples" / "policies"


@pytest.mark.parametrize("name", ["b2c", "b2b"])
def test_an_example_policy_keeps_its_declared_promises(name: str) -> None:
    promises = load_promises(POLICIES / f"{name}.promises.toml")
    report = check_policy(load_policy(POLICIES / f"{name}.toml"), promises, max_examples=15)
    assert report.kept, str(report)
    assert len(report.results) == len(promises.promises) + 7
