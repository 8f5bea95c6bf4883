"""Policies dump and load back equal in every format."""

import pytest
from hypothesis import given

from dunning.policy import Policy, PolicySet
from dunning.policy.io import dump_policy, load_policy
from dunning.testing._policies import policies, policy_sets

FORMATS = ["toml", "yaml", "json"]


@pytest.mark.parametrize("fmt", FORMATS)
@given(policy=policies())
def test_policy_round_trips(fmt: str, policy: Policy) -> None:
    assert load_policy(dump_policy(policy, fmt), format=fmt) == policy


@pytest.mark.parametrize("fmt", FORMATS)
@given(policies=policy_sets())
def test_policy_set_round_trips(fmt: str, policies: PolicySet) -> None:
    loaded = load_policy(dump_policy(policies, fmt), format=fmt)
    assert isinstance(loaded, PolicySet)
    assert loaded == policies


@given(policy=policies())
def test_dump_is_stable(policy: Policy) -> None:
    for fmt in FORMATS:
        text = dump_policy(policy, fmt)
        assert dump_policy(load_policy(text, format=fmt), fmt) == text
