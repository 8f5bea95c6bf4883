import decimal
from datetime import date

from dunning import Customer, Invoice, Policy, Stage, StageTrigger, evaluate
from dunning.engine.actions import ChargeFee
from dunning.policy.model import FeeCap, StageFee

CUSTOMER = Customer(id="C", name="Ana")


def _fee_policy() -> Policy:
    return Policy(
        id="p",
        stages=[
            Stage(
                id="late",
                trigger=StageTrigger(days_overdue=1),
                fee=StageFee(rule={"kind": "percent", "percent": "50"}),
            )
        ],
        fee_cap=FeeCap(percent_of_total="10"),
    )


def test_a_percentage_fee_cap_rounds_down():
    # 10 % of 105 CLP is 10.5: the cap allows 10 CLP, never 11.
    invoice = Invoice(
        id="I", customer_id="C", currency="CLP", total="105",
        issue_date=date(2026, 1, 1), due_date=date(2026, 1, 31),
    )  # fmt: skip
    result = evaluate([invoice], _fee_policy(), date(2026, 2, 5), customers=[CUSTOMER])
    (fee,) = [a for a in result.actions if isinstance(a, ChargeFee)]
    assert fee.amount.amount == 10


def test_the_callers_decimal_context_changes_nothing():
    invoice = Invoice(
        id="I", customer_id="C", currency="USD", total="1234567.89",
        issue_date=date(2026, 1, 1), due_date=date(2026, 1, 31),
    )  # fmt: skip
    expected = evaluate([invoice], _fee_policy(), date(2026, 2, 5), customers=[CUSTOMER])
    with decimal.localcontext() as context:
        context.prec = 6
        context.traps[decimal.Inexact] = True
        context.traps[decimal.Rounded] = True
        result = evaluate([invoice], _fee_policy(), date(2026, 2, 5), customers=[CUSTOMER])
    assert result == expected
    (fee,) = [a for a in result.actions if isinstance(a, ChargeFee)]
    assert str(fee.amount.amount) == "123456.78"  # the 10 % cap (123,456.789) rounded down
