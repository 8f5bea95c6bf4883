"""Every amount the engine emits is quantised to its currency's minor unit, in plain notation.

On every path: fees (fixed, percent, tiered, capped), interest (with and without a ceiling),
hand-offs, write-off proposals, plan offers, retries, messages and the quick path, from
invoices whose amounts come in any notation (``1E+3`` as well as ``1000.00``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from dunning import (
    FeeBand,
    FeeCap,
    HandOff,
    HistoryRecord,
    InterestRule,
    Invoice,
    Money,
    PercentFee,
    PlanTerms,
    Policy,
    RetrySchedule,
    Stage,
    StageFee,
    StageTrigger,
    TieredFee,
    evaluate,
)
from dunning.money import minor_unit
from dunning.testing._engine import Portfolio, engine_policies, histories, portfolios

AS_OF = st.dates(min_value=date(2026, 1, 1), max_value=date(2026, 12, 31))
_EXPONENT = re.compile(r'"amount":\s*"[^"]*[eE]')


def _moneys(value: object) -> Iterator[Money]:
    """Every `Money` inside a model, a tuple or a list."""
    if isinstance(value, Money):
        yield value
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from _moneys(getattr(value, name))
    elif isinstance(value, tuple | list):
        for item in value:
            yield from _moneys(item)


@st.composite
def _rich_policies(draw: st.DrawFn) -> Policy:
    """`engine_policies` plus a last stage with every amount-bearing rule, and caps."""
    base = draw(engine_policies(invoice_level_only=False))
    fee = draw(
        st.sampled_from(
            [
                PercentFee(percent=Decimal("7.5"), maximum=[Money("33.33", "USD")]),
                PercentFee(percent=Decimal("0.333")),
                TieredFee(
                    mode="marginal",
                    currency="USD",
                    bands=[
                        FeeBand(up_to=Decimal(1000), percent=Decimal("9.15")),
                        FeeBand(up_to=None, percent=Decimal("0.5")),
                    ],
                ),
                TieredFee(
                    mode="flat",
                    currency="COP",
                    bands=[
                        FeeBand(up_to=Decimal(5000000), amount=Decimal("12500.5")),
                        FeeBand(up_to=None, percent=Decimal("1.25")),
                    ],
                ),
            ]
        )
    )
    last = Stage(
        id="last",
        trigger=StageTrigger(days_overdue=draw(st.integers(101, 160))),
        fee=StageFee(rule=fee, every_days=draw(st.none() | st.integers(5, 20))),
        hand_off=HandOff(agency="Agency") if draw(st.booleans()) else None,
        propose_write_off=draw(st.booleans()),
        offer_plan=draw(
            st.none()
            | st.just(PlanTerms(installments=3))
            | st.builds(
                PlanTerms,
                installments=st.integers(2, 7),
                interest=st.sampled_from(["flat", "french"]),
                annual_rate=st.sampled_from([Decimal("19.9"), Decimal(36)]),
            )
        ),
    )
    data: dict[str, Any] = base.model_dump(mode="python")
    data["stages"] = [*data["stages"], last.model_dump(mode="python")]
    if data.get("interest") is not None and draw(st.booleans()):
        data["interest"]["rule"] = InterestRule(
            annual_rate=Decimal("31.7"), ceiling=Decimal("28.37"), quoted="effective_annual"
        ).model_dump(mode="python")
    if draw(st.booleans()):
        data["fee_cap"] = FeeCap(percent_of_total=Decimal("12.5")).model_dump(mode="python")
    if draw(st.booleans()):
        data["retries"] = RetrySchedule(days_after_failure=[1, 3, 7]).model_dump(mode="python")
    return Policy.model_validate(data)


def _in_any_notation(invoice: Invoice, normalise: bool) -> Invoice:
    if not normalise:
        return invoice
    data = invoice.model_dump(mode="python")
    total = invoice.total.amount.normalize()  # 1000.00 -> 1E+3, 12.50 -> 12.5
    data["total"] = {"amount": total, "currency": invoice.currency}
    return Invoice.model_validate(data)


def _failed_charges(portfolio: Portfolio, on: date) -> list[HistoryRecord]:
    return [
        HistoryRecord(
            key=f"charge:{invoice.id}",
            kind="automatic_charge",
            customer_id=invoice.customer_id,
            on=on,
            status="failed",
            invoice_ids=(invoice.id,),
        )
        for invoice in portfolio.invoices[::3]
    ]


@settings(max_examples=60)
@given(
    portfolios(),
    _rich_policies(),
    AS_OF,
    st.booleans(),
    st.booleans(),
    st.data(),
)
def test_every_amount_emitted_is_quantised_and_plain(
    portfolio: Portfolio,
    policy: Policy,
    as_of: date,
    normalise: bool,
    charges_failed: bool,
    data: st.DataObject,
) -> None:
    invoices = [_in_any_notation(i, normalise) for i in portfolio.invoices]
    history = list(data.draw(histories(portfolio, policy)))
    if charges_failed:
        history += _failed_charges(portfolio, as_of)
    result = evaluate(invoices, policy, as_of, customers=portfolio.customers, history=history)
    for money in _moneys(result.actions):
        places = minor_unit(money.currency)
        assert money.amount.as_tuple().exponent == -places, (money, places)
        assert "E" not in str(money.amount).upper(), money
    assert not _EXPONENT.search(result.model_dump_json())
    for action in json.loads(result.model_dump_json())["actions"]:
        for key in ("amount", "total"):
            if isinstance(action.get(key), dict):
                amount = action[key]["amount"]
                assert re.fullmatch(r"-?\d+(\.\d+)?", amount), amount
