"""Policies dump and load back equal in every format."""

from hypothesis import given

from dunning.policy import Policy, PolicySet
from dunning.policy.io import dump_policy, load_policy
from dunning.testing._policies import policies, policy_sets

FORMATS = ["toml", "yaml", "json"]


# Each drawn policy goes through every format: drawing one is most of a case's cost.
@given(policy=policies())
def test_policy_round_trips(policy: Policy) -> None:
    for fmt in FORMATS:
        assert load_policy(dump_policy(policy, fmt), format=fmt) == policy, fmt


@given(policies=policy_sets())
def test_policy_set_round_trips(policies: PolicySet) -> None:
    for fmt in FORMATS:
        loaded = load_policy(dump_policy(policies, fmt), format=fmt)
        assert isinstance(loaded, PolicySet), fmt
        assert loaded == policies, fmt


@given(policy=policies())
def test_dump_is_stable(policy: Policy) -> None:
    for fmt in FORMATS:
        text = dump_policy(policy, fmt)
        assert dump_policy(load_policy(text, format=fmt), fmt) == text
