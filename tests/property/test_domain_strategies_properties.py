"""Every domain type registered with Hypothesis draws valid values, through `st.from_type`
and through `st.builds` of anything annotated with it."""

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

import dunning.testing.strategies  # noqa: F401 -- registers the domain types
from dunning.invoices import Invoice
from dunning.policy.model import Policy
from dunning.testing._registry import _domain_strategies

KINDS = sorted(_domain_strategies(), key=lambda kind: kind.__name__)


def test_the_registry_covers_the_core_domain_types() -> None:
    names = {kind.__name__ for kind in KINDS}
    assert {"Money", "Invoice", "Customer", "Payment", "Policy", "MessageLimit"} <= names
    assert all(issubclass(kind, BaseModel) for kind in KINDS)


def _taking(kind: type[Any]) -> Callable[..., Any]:
    """A function of one parameter annotated with `kind`, returning its argument."""

    def build(value: Any) -> Any:
        return value

    build.__annotations__ = {"value": kind, "return": kind}
    return build


def _valid_again(kind: type[BaseModel], value: object) -> None:
    assert type(value) is kind
    assert isinstance(value, BaseModel)
    # Validated again from its plain fields, it is the same value: nothing drawn is invalid.
    assert kind.model_validate(value.model_dump()) == value


@pytest.mark.parametrize("kind", KINDS, ids=lambda kind: kind.__name__)
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_from_type_and_builds_draw_valid_values_of_every_registered_type(
    kind: type[BaseModel], data: st.DataObject
) -> None:
    _valid_again(kind, data.draw(st.from_type(kind)))
    _valid_again(kind, data.draw(st.builds(_taking(kind))))


def _pair(invoice: Invoice, policy: Policy | None = None) -> tuple[Invoice, Policy | None]:
    return invoice, policy


@settings(max_examples=10, deadline=None)
@given(st.builds(_pair, policy=...))
def test_builds_infers_required_and_requested_domain_arguments(
    pair: tuple[Invoice, Policy | None],
) -> None:
    invoice, policy = pair
    assert invoice.due_date >= invoice.issue_date
    assert invoice.total.currency == invoice.currency
    assert policy is None or isinstance(policy, Policy)
