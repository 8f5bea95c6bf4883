from datetime import date
from decimal import Decimal

import pytest
from pydantic import ValidationError

from dunning import Money
from dunning.engine.actions import Reason, SkippedOccurrence, SkipReason


def _same(built: object, validated: object) -> None:
    assert built == validated
    assert type(built) is type(validated)
    assert built.model_dump_json() == validated.model_dump_json()  # type: ignore[attr-defined]


class TestTrustedConstruction:
    def test_construct_matches_validation(self) -> None:
        _same(
            Reason._construct(rule="stage:call", text="entered", figures=(("days", "30"),)),
            Reason(rule="stage:call", text="entered", figures=(("days", "30"),)),
        )

    def test_construct_fills_defaults_and_keeps_field_order(self) -> None:
        reason = Reason(rule="frequency_cap", text="capped")
        built = SkippedOccurrence._construct(
            reason=reason,
            cause=SkipReason.CAPPED,
            due_on=date(2026, 11, 20),
            invoice_id="I",
            customer_id="C",
            key="p:C:I:step:due:0",
        )
        validated = SkippedOccurrence(
            key="p:C:I:step:due:0",
            customer_id="C",
            invoice_id="I",
            due_on=date(2026, 11, 20),
            cause=SkipReason.CAPPED,
            reason=reason,
        )
        _same(built, validated)
        assert list(built.__dict__) == list(SkippedOccurrence.model_fields)
        # Every field counts as set, defaults included (they were all given, in effect).
        assert built.model_fields_set == set(SkippedOccurrence.model_fields)
        assert built.retry_on is None

    def test_from_values_matches_validation(self) -> None:
        _same(Money._trusted(Decimal("12.50"), "USD"), Money("12.50", "USD"))

    def test_trusted_instances_stay_frozen(self) -> None:
        money = Money._trusted(Decimal(1), "USD")
        with pytest.raises(ValidationError, match="frozen"):
            money.amount = Decimal(2)  # type: ignore[misc]
        assert money.evolve(amount=Decimal(3)) == Money(3, "USD")
