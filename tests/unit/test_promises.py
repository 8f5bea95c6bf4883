"""Declared promises: the models, their one-line descriptions, loading and precise errors."""

import json
from datetime import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

import dunning.testing.strategies  # noqa: F401 -- registers st.from_type for the promises
from dunning import Promises, load_promises
from dunning.errors import InvalidPolicyError
from dunning.money import Money
from dunning.policy.promises import (
    EscalationPromise,
    FeeLimit,
    FirstReminderPromise,
    InterestLimit,
    MessageLimit,
    NoContactPromise,
    QuietDaysPromise,
    ReminderLimit,
    SendWindowPromise,
    SuspensionNoticePromise,
)

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "policies"


@pytest.mark.parametrize(
    ("promise", "text", "horizon"),
    [
        (MessageLimit(max_messages=3, days=7), "at most 3 messages to a customer in any 7 days", 7),
        (QuietDaysPromise(), "no message on a non-business day (weekend 5, 6)", 1),
        (
            SendWindowPromise(start=time(8), end=time(19, 30)),
            "messages only between 08:00 and 19:30, customer local time",
            1,
        ),
        (
            NoContactPromise(),
            "no contact about an invoice during a dispute or a promise to pay or a plan",
            1,
        ),
        (
            SuspensionNoticePromise(min_days=10),
            "a notice at least 10 days before a suspension",
            11,
        ),
        (
            FeeLimit(amounts=[Money("40.00", "EUR")], percent_of_total=5, statutory=True),
            "fees of an invoice never above 40.00 EUR or 5 % of its total or the statutory "
            "maximum of the jurisdiction checked",
            1,
        ),
        (
            InterestLimit(max_annual_rate="25.5", statutory=True, jurisdiction="MX"),
            "interest never above 25.5 % a year or the statutory maximum of MX",
            1,
        ),
        (
            FirstReminderPromise(within_days=3),
            "a first reminder no later than 3 days after the due date",
            4,
        ),
        (
            EscalationPromise(stage="call", by_day=30),
            "an unpaid invoice reaches stage 'call' by 30 days overdue",
            31,
        ),
        (ReminderLimit(max_reminders=6), "at most 6 reminders per invoice", 1),
    ],
)
def test_each_promise_says_what_it_promises(promise: object, text: str, horizon: int) -> None:
    assert promise.describe() == text  # type: ignore[attr-defined]
    assert promise.horizon == horizon  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"kind": "fee_limit"}, "a fee_limit needs amounts, percent_of_total or statutory = true"),
        ({"kind": "interest_limit"}, "an interest_limit needs max_annual_rate or statutory"),
        (
            {"kind": "fee_limit", "percent_of_total": "5", "jurisdiction": "DE"},
            "jurisdiction and options apply to the statutory maximum: set statutory = true",
        ),
        (
            {"kind": "send_window", "start": "18:00", "end": "09:00"},
            "send window start 18:00:00 must be before its end 09:00:00",
        ),
        ({"kind": "message_limit", "max_messages": 0, "days": 7}, "greater than 0"),
        ({"kind": "no_contact", "during": []}, "at least 1 item"),
        ({"kind": "no_contact", "during": ["holiday"]}, "'dispute', 'promise_to_pay' or 'plan'"),
        ({"kind": "interest_limit", "max_annual_rate": 0.5}, "float"),
        ({"kind": "unknown"}, "does not match any of the expected tags"),
    ],
)
def test_an_invalid_promise_says_which_field_and_why(document: dict, message: str) -> None:
    with pytest.raises(InvalidPolicyError, match=r"^promises document has \d errors?:") as raised:
        load_promises(json.dumps({"promises": [document]}), format="json")
    assert message in str(raised.value)
    assert "promises[0]" in str(raised.value)


def test_a_promises_file_that_is_not_a_mapping_is_refused() -> None:
    with pytest.raises(InvalidPolicyError, match="promises document must hold a mapping, not list"):
        load_promises("[1, 2]", format="json")


def test_promises_load_from_toml_yaml_and_json_alike(tmp_path: Path) -> None:
    toml = load_promises(EXAMPLES / "b2b.promises.toml")
    assert toml.policy == "b2b"
    assert [p.kind for p in toml.promises] == [
        "message_limit",
        "quiet_days",
        "send_window",
        "no_contact",
        "fee_limit",
        "interest_limit",
        "escalation",
        "escalation",
        "reminder_limit",
    ]
    as_json = tmp_path / "b2b.promises.json"
    as_json.write_text(toml.model_dump_json(), encoding="utf-8")
    assert load_promises(as_json) == toml
    import yaml

    as_yaml = tmp_path / "b2b.promises.yaml"
    as_yaml.write_text(yaml.safe_dump(toml.model_dump(mode="json")), encoding="utf-8")
    assert load_promises(str(as_yaml)) == toml


def test_the_example_promises_are_valid_and_name_their_policies() -> None:
    assert load_promises(EXAMPLES / "b2c.promises.toml").policy == "b2c"
    assert isinstance(load_promises(EXAMPLES / "b2b.promises.toml"), Promises)


def test_a_missing_promises_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(InvalidPolicyError, match=r"^cannot read promises file .*absent"):
        load_promises(tmp_path / "absent.promises.toml")


def _alias_bomb(levels: int) -> str:
    """A small YAML promises document whose aliases expand to 9**levels values."""
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 9)}]" for n in range(1, levels)]
    return "\n".join([*lines, f"promises: *a{levels - 1}"]) + "\n"


def test_promises_are_read_under_the_limits_given() -> None:
    text = json.dumps({"promises": [{"kind": "message_limit", "max_messages": 3, "days": 7}]})
    assert len(load_promises(text, format="json").promises) == 1
    with pytest.raises(InvalidPolicyError) as caught:
        load_promises(text, format="json", max_bytes=40)
    assert str(caught.value) == (
        "promises text is larger than max_bytes=40 bytes; pass max_bytes= to load_promises to "
        "allow more"
    )
    with pytest.raises(InvalidPolicyError) as caught:
        load_promises(text, format="json", max_values=3)
    assert str(caught.value) == (
        "promises text holds more than max_values=3 values (YAML aliases expanded, included "
        "files inserted); pass max_values= to load_promises to allow more"
    )
    with pytest.raises(InvalidPolicyError, match=r"nests deeper than 2 levels .* load_promises"):
        load_promises(text, format="json", max_depth=2)
    with pytest.raises(InvalidPolicyError, match=r"^max_values is 0; it must be a positive"):
        load_promises(text, format="json", max_values=0)


def test_a_yaml_alias_bomb_in_a_promises_file_is_refused_before_it_expands(
    tmp_path: Path,
) -> None:
    path = tmp_path / "bomb.promises.yaml"
    path.write_text(_alias_bomb(6), encoding="utf-8")  # 9**6 = 531,441 values
    assert path.stat().st_size < 1024
    with pytest.raises(InvalidPolicyError) as caught:
        load_promises(path)
    assert str(caught.value) == (
        f"promises file {str(path)!r} holds more than max_values=100000 values (YAML aliases "
        "expanded, included files inserted); pass max_values= to load_promises to allow more"
    )
    with pytest.raises(InvalidPolicyError, match=r"nests deeper than 3 levels .* load_promises"):
        load_promises(_alias_bomb(4), format="yaml", max_depth=3)


@given(
    st.one_of(
        st.from_type(MessageLimit),
        st.from_type(ReminderLimit),
        st.from_type(FirstReminderPromise),
        st.from_type(EscalationPromise),
        st.from_type(SuspensionNoticePromise),
    )
)
def test_promises_survive_json(promise: object) -> None:
    promises = Promises(promises=[promise])
    assert Promises.model_validate_json(promises.model_dump_json()) == promises


def test_a_statutory_promise_validates_its_fields() -> None:
    with pytest.raises(ValidationError, match="greater than or equal to 0"):
        FeeLimit(percent_of_total=-1)
