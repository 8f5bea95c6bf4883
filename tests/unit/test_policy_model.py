from datetime import time
from typing import Any

import pytest
from pydantic import ValidationError

from dunning import (
    Customer,
    FeeCap,
    FixedFee,
    InterestSettings,
    Money,
    Policy,
    PolicyRule,
    PolicySet,
    ReminderStep,
    RetrySchedule,
    SendWindow,
    Stage,
    StageFee,
    StageTrigger,
    StatutoryCompensation,
    StatutoryInterest,
)


def errors(model: type[Any], **data: Any) -> list[tuple[str, str, str]]:
    with pytest.raises(ValidationError) as exc:
        model(**data)
    return [(".".join(map(str, e["loc"])), e["type"], e["msg"]) for e in exc.value.errors()]


STEP = {"id": "s", "offset_days": 0, "channels": ["email"], "template": "t"}


def test_step_channels_unique_and_present() -> None:
    ((path, kind, message),) = errors(ReminderStep, **{**STEP, "channels": ["email", "email"]})
    assert (path, kind) == ("channels", "dunning.duplicate")
    assert message == "channels ['email', 'email'] list a channel twice"
    ((path, kind, _),) = errors(ReminderStep, **{**STEP, "channels": []})
    assert (path, kind) == ("channels", "too_short")


def test_duplicate_ids() -> None:
    ((_, kind, message),) = errors(Policy, id="p", steps=[STEP, STEP])
    assert kind == "dunning.duplicate_id"
    assert message == "steps[1].id 's' is used twice"
    stage = {"id": "x", "trigger": {"days_overdue": 1}}
    ((_, _, message),) = errors(Policy, id="p", stages=[stage, stage])
    assert message == "stages[1].id 'x' is used twice"


def test_trigger_needs_a_condition() -> None:
    ((_, kind, _),) = errors(StageTrigger)
    assert kind == "dunning.empty_trigger"


def test_error_paths_name_the_nested_field() -> None:
    bad = {
        "id": "p",
        "stages": [
            {"id": "a", "trigger": {"days_overdue": 1}},
            {"id": "b", "trigger": {"days_overdue": -1}},
        ],
    }
    ((path, kind, _),) = errors(Policy, **bad)
    assert (path, kind) == ("stages.1.trigger.days_overdue", "greater_than_equal")


def test_retry_schedule_rules() -> None:
    ((path, kind, message),) = errors(RetrySchedule, days_after_failure=[3, 3])
    assert (path, kind) == ("days_after_failure", "dunning.not_increasing")
    assert message == "days_after_failure[1] is 3, not after 3"
    ((path, kind, message),) = errors(RetrySchedule, days_after_failure=[1], paydays=[0])
    assert message == "paydays[0] is 0; a payday is a day 1..31 or 'last'"
    assert RetrySchedule(days_after_failure=[1, 2, 3], max_tries=2).tries == 2
    assert RetrySchedule(days_after_failure=[1, 2]).tries == 2


def test_send_window_defaults() -> None:
    assert (SendWindow().start, SendWindow().end) == (time(9), time(18))


def test_policy_stage_lookup() -> None:
    policy = Policy(id="p", stages=[Stage(id="call", trigger=StageTrigger(days_overdue=30))])
    assert policy.stage("call").trigger.days_overdue == 30
    with pytest.raises(KeyError):
        policy.stage("nope")


def test_policy_set_by_segment_tag_and_default() -> None:
    b2b, vip, b2c = Policy(id="b2b"), Policy(id="vip"), Policy(id="b2c")
    policies = PolicySet(
        rules=[PolicyRule(policy=b2b, segments=["business"]), PolicyRule(policy=vip, tags=["vip"])],
        default=b2c,
    )
    assert policies.for_customer(Customer(id="1", name="A", segment="business")).id == "b2b"
    assert policies.for_customer(Customer(id="2", name="B", tags=["vip"])).id == "vip"
    assert policies.for_customer(Customer(id="3", name="C", segment="consumer")).id == "b2c"
    assert [p.id for p in policies.policies] == ["b2b", "vip", "b2c"]
    ((_, kind, _),) = errors(PolicySet, rules=[PolicyRule(policy=b2c)], default=b2c)
    assert kind == "dunning.duplicate_id"


def test_statutory_rules_are_checked_when_the_policy_is_built() -> None:
    ((path, kind, message),) = errors(StatutoryInterest, jurisdiction="XX")
    assert (path, kind) == ("jurisdiction", "dunning.jurisdiction")
    assert message.startswith("'XX' is not a known jurisdiction; known: CL, CO, DE")
    ((_, kind, message),) = errors(StatutoryInterest, jurisdiction="CL")
    assert kind == "dunning.statutory_option"
    assert message.startswith("CL: rate is None")
    # Colombia reads the shipped certifications when none are given.
    assert StatutoryInterest(jurisdiction="CO").resolve().ceiling is not None
    rule = StatutoryInterest(jurisdiction="DE", options={"consumer_involved": True}).resolve()
    assert rule.reference is not None
    assert rule.reference.spread == 5
    with pytest.raises(ValidationError):
        StatutoryCompensation(jurisdiction="DE", options={"unknown": 1})
    fee = StatutoryCompensation(jurisdiction="UK")
    assert fee.compute(Money("999.99", "GBP"), days_late=3) == Money("40.00", "GBP")
    with pytest.raises(ValidationError, match="not a known jurisdiction"):
        StatutoryCompensation(jurisdiction="ZZ")


def test_stage_fee_accepts_late_fees_and_statutory_sums() -> None:
    fixed = StageFee(rule={"kind": "fixed", "amounts": [{"amount": "5", "currency": "USD"}]})
    assert isinstance(fixed.rule, FixedFee)
    statutory = StageFee(rule={"kind": "statutory", "jurisdiction": "EU"})
    assert isinstance(statutory.rule, StatutoryCompensation)


# -- bounds -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "data", "path", "message"),
    [
        (ReminderStep, {**STEP, "offset_days": 3661}, "offset_days", "less than or equal to 3660"),
        (
            ReminderStep,
            {**STEP, "offset_days": -3661},
            "offset_days",
            "greater than or equal to -3660",
        ),
        (
            ReminderStep,
            {**STEP, "offset_days": 10**30},
            "offset_days",
            "less than or equal to 3660",
        ),
        (
            ReminderStep,
            {**STEP, "repeat": {"every_days": 1, "max_times": 10_001}},
            "repeat.max_times",
            "less than or equal to 10000",
        ),
        (StageTrigger, {"days_overdue": 3661}, "days_overdue", "less than or equal to 3660"),
        (
            RetrySchedule,
            {"days_after_failure": [1, 4000]},
            "days_after_failure.1",
            "less than or equal to 3660",
        ),
    ],
)
def test_day_counts_have_bounds(
    model: type[Any], data: dict[str, Any], path: str, message: str
) -> None:
    ((where, _, text),) = errors(model, **data)
    assert (where, text) == (path, f"Input should be {message}")


def _fee(rule: dict[str, Any]) -> list[tuple[str, str, str]]:
    return errors(StageFee, rule=rule)


def test_fee_percent_and_amounts_have_bounds() -> None:
    assert _fee({"kind": "percent", "percent": "1e400"}) == [
        (
            "rule.percent.percent",
            "dunning.too_many_digits",
            "amount 1E+400 needs more than 100 digits in plain notation",
        )
    ]
    assert _fee({"kind": "fixed", "amounts": [{"amount": "1e16", "currency": "USD"}]}) == [
        (
            "rule.amounts.0.amount",
            "dunning.bound",
            "amount 10000000000000000 is beyond 1000000000000000, the bound of a policy",
        )
    ]
    band = {"up_to": None, "percent": "1001"}
    assert _fee({"kind": "tiered", "mode": "flat", "currency": "USD", "bands": [band]}) == [
        (
            "rule.bands.0.percent",
            "dunning.bound",
            "percent 1001 is beyond 1000, the bound of a policy",
        )
    ]
    assert StageFee(rule={"kind": "percent", "percent": "1000"}).rule.percent == 1000


def test_interest_rates_have_bounds() -> None:
    with pytest.raises(ValidationError) as caught:
        InterestSettings(
            rule={
                "reference": {
                    "table": {
                        "name": "T",
                        "points": [{"effective_from": "2024-01-01", "rate": "2e3"}],
                    },
                    "spread": "-1500",
                },
                "grace_days": 5000,
                "ceiling": "1e9",
            }
        )
    assert [(".".join(map(str, e["loc"])), e["msg"]) for e in caught.value.errors()] == [
        ("rule.reference.spread", "spread -1500 is beyond -1000, the bound of a policy"),
        ("rule.reference.table.points.0.rate", "rate 2000 is beyond 1000, the bound of a policy"),
        ("rule.ceiling", "ceiling 1000000000 is beyond 1000, the bound of a policy"),
        ("rule.grace_days", "grace_days 5000 is beyond 3660, the bound of a policy"),
    ]


def test_fee_cap_and_thresholds_have_bounds() -> None:
    ((path, kind, message),) = errors(FeeCap, percent_of_total="1001")
    assert (path, kind) == ("percent_of_total", "dunning.bound")
    assert message == "percent_of_total 1001 is beyond 0..1000, the bounds of a policy"
    ((path, _, message),) = errors(
        StageTrigger, invoice_balance=[{"amount": "1e20", "currency": "COP"}]
    )
    assert path == "invoice_balance.0.amount"
    assert message.startswith("amount 100000000000000000000 is beyond")


# -- send windows -----------------------------------------------------------------------------


def test_send_window_times_are_text_not_numbers() -> None:
    # YAML 1.1 reads 10:30 as the number 630, which pydantic would read as 00:10:30 UTC.
    ((path, kind, message),) = errors(SendWindow, start=630, end="18:00")
    assert (path, kind) == ("start", "dunning.time_of_day")
    assert message == (
        '630 is a number, not a time of day; write the time as text, e.g. "09:30" '
        "(in YAML, quote it: '09:30')"
    )


def test_send_window_times_are_local() -> None:
    ((path, kind, message),) = errors(SendWindow, start="09:00+05:00", end="18:00")
    assert (path, kind) == ("start", "dunning.time_of_day")
    assert message.startswith("09:00:00+05:00 has a UTC offset")
    assert SendWindow(start="10:30", end="18:00").start == time(10, 30)
