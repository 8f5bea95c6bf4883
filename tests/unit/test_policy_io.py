import codecs
import json
import os
from datetime import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from dunning.errors import InvalidPolicyError
from dunning.money import Money
from dunning.penalties import FeeBand, InterestRule, TieredFee
from dunning.policy import (
    FrequencyCap,
    InterestSettings,
    Policy,
    PolicyRule,
    PolicySet,
    ReminderStep,
    SendWindow,
    Stage,
    StageFee,
    StageTrigger,
)
from dunning.policy.io import (
    JSON_SCHEMA_DIALECT,
    PolicyFormat,
    dump_policy,
    error_path,
    load_policy,
    policy_schema,
)

TOML = """
id = "b2c"
name = "Friendly"

[[steps]]
id = "on-due"
offset_days = 0
channels = ["email"]
template = "due"

[frequency_cap]
max_messages = 3
days = 7
"""

EXPECTED = Policy(
    id="b2c",
    name="Friendly",
    steps=[ReminderStep(id="on-due", offset_days=0, channels=["email"], template="due")],
    frequency_cap=FrequencyCap(max_messages=3, days=7),
)

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "policies"


def _stage(index: int, **fee: object) -> dict[str, object]:
    return {"id": f"s{index}", "trigger": {"days_overdue": index * 10}, **fee}


def test_load_toml_text() -> None:
    assert load_policy(TOML, format="toml") == EXPECTED


@pytest.mark.parametrize("fmt", ["toml", "yaml", "json", PolicyFormat.JSON, "JSON"])
def test_load_each_format_from_its_dump(fmt: str) -> None:
    assert load_policy(dump_policy(EXPECTED, fmt), format=fmt) == EXPECTED


@pytest.mark.parametrize("suffix", [".toml", ".yaml", ".yml", ".json"])
def test_load_by_suffix(tmp_path: Path, suffix: str) -> None:
    fmt = {".yml": "yaml"}.get(suffix, suffix[1:])
    path = tmp_path / f"policy{suffix}"
    path.write_text(dump_policy(EXPECTED, fmt), encoding="utf-8")
    assert load_policy(path) == EXPECTED
    assert load_policy(str(path)) == EXPECTED


def test_explicit_format_wins_over_suffix(tmp_path: Path) -> None:
    path = tmp_path / "policy.txt"
    path.write_text(TOML, encoding="utf-8")
    assert load_policy(path, format="toml") == EXPECTED


def test_unknown_suffix(tmp_path: Path) -> None:
    path = tmp_path / "policy.ini"
    path.write_text(TOML, encoding="utf-8")
    with pytest.raises(InvalidPolicyError, match=r"suffix '\.ini'; use one of \.json"):
        load_policy(path)


def test_text_needs_a_format() -> None:
    with pytest.raises(InvalidPolicyError, match="format is None for a policy given as text"):
        load_policy(TOML)


def test_unknown_format() -> None:
    with pytest.raises(InvalidPolicyError, match="format 'ini' is not a policy format"):
        load_policy(TOML, format="ini")
    with pytest.raises(InvalidPolicyError, match="format 'xml'"):
        dump_policy(EXPECTED, "xml")


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InvalidPolicyError, match="cannot read policy file"):
        load_policy(tmp_path / "nowhere.toml")


@pytest.mark.parametrize(
    ("fmt", "text", "message"),
    [
        ("toml", "id = ", "policy text is not valid TOML"),
        ("json", "{", "policy text is not valid JSON"),
        ("yaml", "id: [", "policy text is not valid YAML"),
    ],
)
def test_syntax_errors(fmt: str, text: str, message: str) -> None:
    with pytest.raises(InvalidPolicyError, match=message):
        load_policy(text, format=fmt)


def test_document_must_be_a_mapping() -> None:
    with pytest.raises(InvalidPolicyError, match=r"must hold a mapping .* not list"):
        load_policy("[1, 2]", format="json")


def test_error_lists_every_error_with_its_path() -> None:
    document = {
        "id": "p",
        "stages": [
            _stage(0),
            _stage(1),
            _stage(2, fee={"rule": {"kind": "percent", "percent": "x"}}),
        ],
        "frequency_cap": {"max_messages": 0, "days": 7},
        "steps": [{"id": "x", "offset_days": 0, "channels": ["email"]}],
    }
    with pytest.raises(InvalidPolicyError) as caught:
        load_policy(json.dumps(document), format="json")
    assert str(caught.value) == (
        "policy document has 3 errors:\n"
        "  steps[0].template: Field required (missing)\n"
        "  stages[2].fee.rule.percent: amount 'x' is not a decimal number ('x')\n"
        "  frequency_cap.max_messages: Input should be greater than 0 (0)"
    )


def test_model_rule_errors_point_at_the_model() -> None:
    document = {
        "id": "p",
        "stages": [_stage(0, fee={"rule": {"kind": "percent", "percent": "-1"}})],
    }
    with pytest.raises(InvalidPolicyError) as caught:
        load_policy(json.dumps(document), format="json")
    assert str(caught.value).splitlines()[1] == (
        "  stages[0].fee.rule: percent is -1; a percentage must not be negative "
        "({'kind': 'percent', 'percent': '-1'})"
    )


def test_error_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text('id = "p"\nversion = 0\n', encoding="utf-8")
    with pytest.raises(InvalidPolicyError) as caught:
        load_policy(path)
    assert str(caught.value) == (
        f"policy file {str(path)!r} has 1 error:\n  version: Input should be greater than 0 (0)"
    )


def test_plain_union_keeps_the_closest_member() -> None:
    document = {"id": "p", "interest": {"rule": {"annual_rate": 1.5}}}
    with pytest.raises(InvalidPolicyError) as caught:
        load_policy(json.dumps(document), format="json")
    assert str(caught.value) == (
        "policy document has 1 error:\n"
        "  interest.rule.annual_rate: amount must be a Decimal, an int or a numeric string, "
        "not float 1.5: binary floats cannot hold most decimal fractions exactly (1.5)"
    )


def test_long_values_are_shortened() -> None:
    document = {"id": "p", "name": ["x" * 200]}
    with pytest.raises(InvalidPolicyError) as caught:
        load_policy(json.dumps(document), format="json")
    assert str(caught.value).endswith("...)")


def test_error_path_rules() -> None:
    document = {"a": [{"kind": "k", "b": 1}]}
    assert error_path(("a", 0, "k", "b"), document) == "a[0].b"
    assert error_path(("a", 5), document) == "a"
    assert error_path(("a", "tag", 0), document) == "a[0]"
    assert error_path(("a", 0, "b", "extra"), document) == "a[0].b"
    assert error_path(("missing",), document) == "<document>"
    assert error_path(("missing",), document, missing=True) == "missing"


def test_policy_set_document() -> None:
    policies = PolicySet(
        rules=[PolicyRule(policy=Policy(id="b2b"), segments=["business"])],
        default=Policy(id="b2c"),
    )
    for fmt in ("toml", "yaml", "json"):
        assert load_policy(dump_policy(policies, fmt), format=fmt) == policies


def test_policy_set_with_file_references() -> None:
    portfolio = load_policy(EXAMPLES / "portfolio.toml")
    assert isinstance(portfolio, PolicySet)
    assert [p.id for p in portfolio.policies] == ["b2b", "b2c"]
    assert portfolio.default == load_policy(EXAMPLES / "b2c.toml")


def test_references_in_text_are_relative_to_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "base.json").write_text('{"id": "base"}', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    text = 'default = "base.json"\nrules = ["not a rule"]'
    with pytest.raises(InvalidPolicyError, match=r"rules\[0\]: Input should be a valid dictionary"):
        load_policy(text, format="toml")
    loaded = load_policy('default = "base.json"', format="toml")
    assert loaded == PolicySet(default=Policy(id="base"))


def test_a_reference_to_itself_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "loop.toml"
    path.write_text('default = "loop.toml"', encoding="utf-8")
    with pytest.raises(InvalidPolicyError, match=r"policy file .loop\.toml. includes itself"):
        load_policy(path)


def test_a_missing_reference(tmp_path: Path) -> None:
    path = tmp_path / "set.toml"
    path.write_text('default = "gone.toml"', encoding="utf-8")
    with pytest.raises(InvalidPolicyError, match=r"cannot read policy file .*gone\.toml"):
        load_policy(path)


def test_dump_leaves_defaults_out_but_keeps_tags() -> None:
    policy = Policy(
        id="p",
        stages=[
            Stage(
                id="s",
                trigger=StageTrigger(days_overdue=10),
                fee=StageFee(rule={"kind": "fixed", "amounts": [Money("5.00", "USD")]}),
            )
        ],
    )
    assert json.loads(dump_policy(policy, "json")) == {
        "id": "p",
        "stages": [
            {
                "id": "s",
                "trigger": {"days_overdue": 10},
                "fee": {
                    "rule": {"kind": "fixed", "amounts": [{"amount": "5.00", "currency": "USD"}]}
                },
            }
        ],
    }
    assert dump_policy(Policy(id="p"), "toml") == 'id = "p"\n'
    assert dump_policy(Policy(id="p"), "yaml") == "id: p\n"


def test_yaml_escapes_characters_it_would_read_as_line_breaks() -> None:
    policy = Policy(id="p", name="a\x85b", description="Ferretería")
    text = dump_policy(policy, "yaml")
    assert "\\x85" in text or "\\N" in text
    assert load_policy(text, format="yaml") == policy
    readable = Policy(id="p", description="Ferretería")
    assert "Ferretería" in dump_policy(readable, "yaml")


def test_examples_round_trip() -> None:
    for name in ("b2c.toml", "b2b.toml", "portfolio.toml"):
        policy = load_policy(EXAMPLES / name)
        for fmt in ("toml", "yaml", "json"):
            assert load_policy(dump_policy(policy, fmt), format=fmt) == policy


def test_interest_rule_round_trip() -> None:
    policy = Policy(
        id="p",
        interest=InterestSettings(
            rule=InterestRule(annual_rate=Decimal("18.5"), grace_days=5, ceiling=Decimal("25"))
        ),
    )
    for fmt in ("toml", "yaml", "json"):
        assert load_policy(dump_policy(policy, fmt), format=fmt) == policy


_TIERED = Policy(
    id="p",
    stages=[
        Stage(
            id="s",
            trigger=StageTrigger(days_overdue=20),
            fee=StageFee(
                rule=TieredFee(
                    mode="marginal",
                    currency="CLP",
                    bands=(
                        FeeBand(up_to=Decimal(370000), percent=Decimal(9)),
                        FeeBand(up_to=None, percent=Decimal(3)),
                    ),
                )
            ),
        )
    ],
)


@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_open_fee_band_round_trips(fmt: str) -> None:
    assert load_policy(dump_policy(_TIERED, fmt), format=fmt) == _TIERED


def test_open_fee_band_in_toml() -> None:
    assert load_policy(dump_policy(_TIERED, "toml"), format="toml") == _TIERED


def test_toml_nulls_are_found_with_their_paths() -> None:
    # No policy field is both required and nullable today; the guard names such a path.
    from dunning.policy.io import _nulls

    assert _nulls({"a": [1, None], "b": {"c": None}, "d": 2}, "") == [".a[1]", ".b.c"]


def test_schema() -> None:
    schema = policy_schema()
    assert schema["$schema"] == JSON_SCHEMA_DIALECT
    assert schema["title"] == "Dunning policy"
    assert schema["required"] == ["id"]
    assert {"steps", "stages", "frequency_cap"} <= set(schema["properties"])
    assert schema["additionalProperties"] is False
    policy_set = policy_schema("set")
    assert policy_set["title"] == "Dunning policy set"
    assert "default" in policy_set["properties"]
    json.dumps(schema)


# -- hostile documents ------------------------------------------------------------------------


def _load_error(text: str, fmt: str, **limits: Any) -> str:
    with pytest.raises(InvalidPolicyError) as caught:
        load_policy(text, format=fmt, **limits)
    return str(caught.value)


def _alias_bomb(levels: int) -> str:
    """About a kilobyte of YAML that expands to 9**levels strings."""
    lines = ["id: p", 'a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in range(1, levels):
        alias = f"*a{level - 1}"
        lines.append(f"a{level}: &a{level} [{', '.join([alias] * 9)}]")
    lines.append(f"name: *a{levels - 1}")
    return "\n".join(lines) + "\n"


def test_a_yaml_alias_bomb_is_refused_before_it_expands() -> None:
    assert len(_alias_bomb(9)) < 1024
    assert _load_error(_alias_bomb(9), "yaml") == (
        "policy text holds more than max_values=100000 values (YAML aliases expanded, "
        "included files inserted); pass max_values= to load_policy to allow more"
    )


def test_errors_render_a_bounded_part_of_a_large_value() -> None:
    # 9**6 = 531,441 strings: allowed with a higher limit, and shown in a few characters.
    message = _load_error(_alias_bomb(6), "yaml", max_values=10**7, max_bytes=10**7)
    lines = message.splitlines()
    assert lines[0] == "policy document has 7 errors:"
    (name,) = [line for line in lines if line.startswith("  name:")]
    assert name.startswith("  name: Input should be a valid string ([[[[...], [...], [...],")
    assert max(len(line) for line in lines) < 200


def test_aliases_within_the_limits_are_read() -> None:
    text = "id: p\nsteps:\n  - {id: a, offset_days: 0, channels: &ch [email, sms], template: t}\n"
    text += "  - {id: b, offset_days: 3, channels: *ch, template: t}\n"
    policy = load_policy(text, format="yaml")
    assert isinstance(policy, Policy)
    assert policy.steps[0].channels == policy.steps[1].channels


def _nested(fmt: str, depth: int) -> str:
    if fmt == "toml":
        return "name = " + "[" * depth + "]" * depth
    return '{"id": "p", "name": ' + "[" * depth + "]" * depth + "}"


@pytest.mark.parametrize(
    ("fmt", "where"),
    [
        ("json", "policy text nests deeper than 32 levels at line 1, column 52"),
        ("toml", "policy text nests deeper than 32 levels at line 1, column 40"),
        ("yaml", "policy text, line 1, column 52: the document nests deeper than 32 levels"),
    ],
)
def test_deep_nesting_is_a_located_error(fmt: str, where: str) -> None:
    message = _load_error(_nested(fmt, 100_000), fmt)
    assert message.startswith(where)
    assert "max_depth=" in message


def test_deep_block_nesting_in_yaml() -> None:
    text = "id: p\nname:\n" + "".join(f"{' ' * level}- \n" for level in range(1, 200))
    assert _load_error(text, "yaml").startswith(
        "policy text, line 34, column 33: the document nests deeper than 32 levels"
    )


def test_the_depth_limit_can_be_raised() -> None:
    message = _load_error(_nested("json", 40), "json", max_depth=50)
    assert message.startswith("policy document has 1 error:\n  name: Input should be")


def test_aliases_cannot_build_deeper_than_the_limit() -> None:
    lines = ["id: p", "a0: &a0 [1]"]
    lines += [f"a{n}: &a{n} [[[[*a{n - 1}]]]]" for n in range(1, 12)]
    assert _load_error("\n".join(lines), "yaml") == (
        "policy text nests deeper than 32 levels at a11" + "[0]" * 31 + "; pass max_depth= "
        "to load_policy to allow more"
    )


def test_a_yaml_alias_inside_its_own_value_is_refused() -> None:
    assert _load_error("id: p\nname: &a [1, *a]\n", "yaml") == (
        "policy text, line 2, column 14: the alias *a is inside the value it names (&a), "
        "which would be infinite"
    )


def test_long_dotted_toml_keys_are_refused() -> None:
    text = ".".join(["a"] * 100_000) + " = 1"
    assert _load_error(text, "toml").startswith(
        "policy text has a dotted key of more than 32 parts at line 1, column 65"
    )


def test_text_over_the_size_limit() -> None:
    text = '{"id": "p", "description": "' + "x" * 2_000_000 + '"}'
    assert _load_error(text, "json") == (
        "policy text is larger than max_bytes=1048576 bytes; pass max_bytes= to load_policy "
        "to allow more"
    )
    policy = load_policy(text, format="json", max_bytes=3_000_000)
    assert isinstance(policy, Policy)
    assert len(policy.description) == 2_000_000


def test_file_over_the_size_limit(tmp_path: Path) -> None:
    path = tmp_path / "big.toml"
    path.write_text('id = "p"\ndescription = "' + "x" * 2_000 + '"\n', encoding="utf-8")
    with pytest.raises(InvalidPolicyError) as caught:
        load_policy(path, max_bytes=1_000)
    assert str(caught.value) == (
        f"policy file {str(path)!r} is larger than max_bytes=1000 bytes; pass max_bytes= to "
        "load_policy to allow more"
    )
    assert load_policy(path, max_bytes=10_000) == Policy(id="p", description="x" * 2_000)


@pytest.mark.parametrize("limit", ["max_bytes", "max_depth", "max_values"])
@pytest.mark.parametrize("value", [0, -1, True, "10"])
def test_limits_must_be_positive_integers(limit: str, value: object) -> None:
    with pytest.raises(InvalidPolicyError, match=f"^{limit} is .*; it must be a positive integer"):
        load_policy(TOML, format="toml", **{limit: value})


def test_a_device_is_not_read() -> None:
    with pytest.raises(InvalidPolicyError) as caught:
        load_policy(Path("/dev/zero"), format="toml")
    assert str(caught.value) == (
        "cannot read policy file '/dev/zero': it is a character device, and a policy is read "
        "from a regular file"
    )


def test_a_directory_or_a_pipe_is_not_read(tmp_path: Path) -> None:
    folder = tmp_path / "policy.toml"
    folder.mkdir()
    with pytest.raises(InvalidPolicyError, match="it is a directory"):
        load_policy(folder)
    pipe = tmp_path / "pipe.toml"
    os.mkfifo(pipe)  # nobody writes to it: reading it would wait for ever
    with pytest.raises(InvalidPolicyError, match="it is a pipe"):
        load_policy(pipe)


def test_a_nul_character_in_a_path() -> None:
    with pytest.raises(InvalidPolicyError, match=r"cannot read policy file 'a\\x00\.toml'"):
        load_policy("a\x00.toml")


def test_json_with_a_byte_order_mark(tmp_path: Path) -> None:
    path = tmp_path / "bom.json"
    path.write_bytes(codecs.BOM_UTF8 + b'{"id": "p"}')
    assert load_policy(path) == Policy(id="p")
    assert load_policy('\ufeff{"id": "p"}', format="json") == Policy(id="p")


def test_utf16_with_a_byte_order_mark(tmp_path: Path) -> None:
    path = tmp_path / "notepad.toml"
    path.write_text('id = "p"\nname = "Cobranza"\n', encoding="utf-16")
    assert load_policy(path) == Policy(id="p", name="Cobranza")


def test_a_file_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.toml"
    path.write_bytes('id = "p"\nname = "Cobranza año"\n'.encode("latin-1"))
    with pytest.raises(InvalidPolicyError) as caught:
        load_policy(path)
    assert str(caught.value) == (
        f"policy file {str(path)!r} is not UTF-8 text: byte 0xf1 at line 2, column 19 "
        "(invalid continuation byte); save it as UTF-8"
    )


def test_a_key_given_twice_in_yaml() -> None:
    text = "id: p\nsteps: []\nname: x\nsteps:\n"
    text += "  - {id: a, offset_days: 0, channels: [email], template: t}\n"
    assert _load_error(text, "yaml") == (
        "policy text, line 4, column 1: key 'steps' is given twice in this mapping (first at "
        "line 2); remove one of them"
    )


def test_a_key_given_twice_in_json() -> None:
    text = '{"id": "p",\n "frequency_cap": {"days": 7, "max_messages": 2, "days": 8}}'
    assert _load_error(text, "json") == (
        "policy text is not valid JSON: key 'days' is given twice in the object that starts "
        "here: line 2 column 19 (char 30)"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "send_window: {start: 10:30, end: '18:00'}",
            {"send_window": SendWindow(start=time(10, 30))},
        ),
        (
            "send_window: {start: 08:00, end: 17:30}",
            {"send_window": SendWindow(start=time(8), end=time(17, 30))},
        ),
        ("consolidate: no", {"consolidate": False}),
        ("name: on", {"name": "on"}),
        ("name: 2024-01-01", {"name": "2024-01-01"}),
        ("version: 010", {"version": 10}),
        ("version: 0o10", {"version": 8}),
        ("version: 0x10", {"version": 16}),
        ("description: ~", None),
    ],
)
def test_yaml_scalars_read_as_written(text: str, expected: dict[str, object] | None) -> None:
    if expected is None:
        assert _load_error(f"id: p\n{text}\n", "yaml").splitlines()[1] == (
            "  description: Input should be a valid string (None)"
        )
        return
    assert load_policy(f"id: p\n{text}\n", format="yaml") == Policy(id="p", **expected)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("<<: {name: x}", "line 2, column 1: merge keys (<<) are not supported"),
        ("name: !!set {a, b}", "line 2, column 7: the tag 'tag:yaml.org,2002:set' is not allowed"),
        ("name: !!python/object:os.system x", "line 2, column 7: the tag"),
        ("version: " + "9" * 5000, "line 2, column 10: an integer of 5000 digits is too long"),
        ("[a]: 1", "line 2, column 1: a mapping key must be a scalar"),
    ],
)
def test_yaml_refusals(text: str, message: str) -> None:
    assert _load_error(f"id: p\n{text}\n", "yaml").startswith(f"policy text, {message}")


def test_yaml_syntax_errors_do_not_echo_the_text() -> None:
    message = _load_error("id: p\nname: [secret-value\n", "yaml")
    assert "secret-value" not in message
    assert message.startswith("policy text is not valid YAML: while parsing a flow sequence")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"id": "p", "version": NaN}', "NaN is not a number a policy holds"),
        ('{"id": "p", "version": -Infinity}', "-Infinity is not a number a policy holds"),
        ('{"id": "p", "version": ' + "9" * 5000 + "}", "an integer of 5000 digits (at most 100)"),
    ],
)
def test_json_numbers_a_policy_never_holds(text: str, message: str) -> None:
    assert _load_error(
        text, "json"
    ) == f"policy text is not valid JSON: {message} is not a number a policy holds".replace(
        " is not a number a policy holds is not", " is not"
    )


def test_toml_integer_too_long() -> None:
    assert _load_error('id = "p"\nversion = ' + "9" * 5000, "toml").startswith(
        "policy text is not valid TOML: Exceeds the limit (4300 digits)"
    )


# -- includes ---------------------------------------------------------------------------------


def _portfolio(folder: Path, default: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "portfolio.toml"
    path.write_text(f"default = {json.dumps(default)}\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("name", ["/etc/passwd.toml", "../outside.toml", "sub/../../outside.toml"])
def test_includes_outside_the_folder_are_refused(tmp_path: Path, name: str) -> None:
    (tmp_path / "outside.toml").write_text('id = "x"\nsecret = "hunter2"\n', encoding="utf-8")
    path = _portfolio(tmp_path / "set", name)
    with pytest.raises(InvalidPolicyError) as caught:
        load_policy(path)
    assert str(caught.value) == (
        f"default: the included policy file {name!r} is outside {str(path.parent)!r}; a policy "
        "set includes files from its own folder (pass include_dirs= to load_policy to allow "
        "others)"
    )


def test_a_symbolic_link_out_of_the_folder_is_refused(tmp_path: Path) -> None:
    (tmp_path / "outside.toml").write_text('id = "x"\n', encoding="utf-8")
    path = _portfolio(tmp_path / "set", "link.toml")
    (tmp_path / "set" / "link.toml").symlink_to(tmp_path / "outside.toml")
    with pytest.raises(InvalidPolicyError, match="is outside"):
        load_policy(path)


def test_include_dirs_allow_other_folders(tmp_path: Path) -> None:
    (tmp_path / "shared").mkdir()
    (tmp_path / "shared" / "base.toml").write_text('id = "base"\n', encoding="utf-8")
    path = _portfolio(tmp_path / "set", "../shared/base.toml")
    loaded = load_policy(path, include_dirs=[tmp_path / "shared"])
    assert loaded == PolicySet(default=Policy(id="base"))
    subfolder = _portfolio(tmp_path / "set2", "sub/b.toml")
    (tmp_path / "set2" / "sub").mkdir()
    (tmp_path / "set2" / "sub" / "b.toml").write_text('id = "b"\n', encoding="utf-8")
    assert load_policy(subfolder) == PolicySet(default=Policy(id="b"))


def test_errors_do_not_echo_values_of_included_files(tmp_path: Path) -> None:
    (tmp_path / "secrets.toml").write_text(
        'id = "p"\npassword = "hunter2"\nversion = "x"\n', encoding="utf-8"
    )
    path = _portfolio(tmp_path, "secrets.toml")
    with pytest.raises(InvalidPolicyError) as caught:
        load_policy(path)
    assert str(caught.value) == (
        f"policy file {str(path)!r} has 2 errors:\n"
        "  default.version: Input should be a valid integer, unable to parse string as an "
        "integer (the value in 'secrets.toml' is not shown)\n"
        "  default.password: Extra inputs are not permitted (the value in 'secrets.toml' is "
        "not shown)"
    )


def test_included_files_count_against_the_size_limit(tmp_path: Path) -> None:
    (tmp_path / "a.toml").write_text(
        'id = "a"\ndescription = "' + "x" * 300 + '"\n', encoding="utf-8"
    )
    path = tmp_path / "set.toml"
    path.write_text(
        'default = "a.toml"\n[[rules]]\nsegments = ["s"]\npolicy = "a.toml"\n', encoding="utf-8"
    )
    with pytest.raises(InvalidPolicyError, match="policy ids in a PolicySet must be distinct"):
        load_policy(path, max_bytes=700)  # the same file is read once
    (tmp_path / "b.toml").write_text(
        'id = "b"\ndescription = "' + "y" * 300 + '"\n', encoding="utf-8"
    )
    path.write_text(
        'default = "a.toml"\n[[rules]]\nsegments = ["s"]\npolicy = "b.toml"\n', encoding="utf-8"
    )
    with pytest.raises(InvalidPolicyError) as caught:
        load_policy(path, max_bytes=700)
    assert str(caught.value).endswith(
        "b.toml' is larger than max_bytes=700 bytes with the files read before it; pass "
        "max_bytes= to load_policy to allow more"
    )


# -- statutory options ------------------------------------------------------------------------

_CO = 'id = "p"\n[interest.rule]\nkind = "statutory"\njurisdiction = "CO"\n'


@pytest.mark.parametrize(
    ("options", "line"),
    [
        (
            "options = { foo = 1 }",
            "interest.rule.options.foo: Extra inputs are not permitted (1)",
        ),
        (
            'options = { certified_rate = [["2024-10-01", "26.79"]] }',
            "interest.rule.options.certified_rate: Input should be a valid dictionary or "
            "instance of RateTable ([['2024-10-01', '26.79']])",
        ),
        (
            'options = { certified_rate = { name = "IBC", points = [{ effective_from = '
            '"2024-10-01", rate = "x" }] } }',
            "interest.rule.options.certified_rate.points[0].rate: amount 'x' is not a decimal "
            "number ('x')",
        ),
    ],
)
def test_statutory_option_errors_name_their_path(options: str, line: str) -> None:
    assert _load_error(_CO + options, "toml").splitlines() == [
        "policy document has 1 error:",
        f"  {line}",
    ]


def test_statutory_compensation_option_errors_name_their_path() -> None:
    text = 'id = "p"\n[[stages]]\nid = "s"\ntrigger = { days_overdue = 21 }\n'
    text += '[stages.fee.rule]\nkind = "statutory"\njurisdiction = "CL"\noptions = { uf = 1 }\n'
    assert _load_error(text, "toml").splitlines()[1] == (
        "  stages[0].fee.rule.options.uf: Extra inputs are not permitted (1)"
    )


def test_statutory_options_whose_rates_cannot_be_computed() -> None:
    table = '{ name = "IBC", points = [{ effective_from = "2024-10-01", rate = "26.79" }] }'
    message = _load_error(
        _CO + f'options = {{ agreed_rate = "1e400", certified_rate = {table} }}', "toml"
    )
    # Refused where it is written, before the preset tries to compute with it.
    assert message.splitlines()[1] == (
        "  interest.rule.options.agreed_rate: amount 1E+400 needs more than 100 digits in plain "
        "notation ('1e400')"
    )


def test_statutory_options_beyond_the_bounds() -> None:
    table = '{ name = "IBC", points = [{ effective_from = "2024-10-01", rate = "26.79" }] }'
    message = _load_error(
        _CO + f'options = {{ agreed_rate = "1e30", certified_rate = {table} }}', "toml"
    )
    assert message.splitlines()[1] == (
        "  interest.rule.options: annual_rate 257332.1628038256 is beyond 1000, the bound of a "
        "policy ('257332.1628038256')"
    )


def test_an_interest_rate_of_1e400_percent_is_refused_at_load_time() -> None:
    message = _load_error('id = "p"\n[interest.rule]\nannual_rate = "1e400"\n', "toml")
    assert message.splitlines() == [
        "policy document has 1 error:",
        "  interest.rule.annual_rate: amount 1E+400 needs more than 100 digits in plain notation "
        "('1e400')",
    ]


# -- more hostile values ----------------------------------------------------------------------


def test_at_most_fifty_errors_are_listed() -> None:
    document = {"id": "p", "steps": [{"id": index} for index in range(5000)]}
    lines = _load_error(json.dumps(document), "json").splitlines()
    assert lines[0] == "policy document has 20000 errors:"
    assert len(lines) == 52
    assert lines[-1] == "  ... and 19950 more"


@pytest.mark.parametrize(
    ("field", "amount"),
    [("min_balance", "1e30"), ("min_balance", "1e999999999")],
)
def test_a_number_beyond_decimal_arithmetic_is_located(field: str, amount: str) -> None:
    step = {"id": "s", "offset_days": 0, "channels": ["email"], "template": "t"}
    step[field] = [{"amount": amount, "currency": "USD"}]
    lines = _load_error(json.dumps({"id": "p", "steps": [step]}), "json").splitlines()
    assert lines == [
        "policy document has 1 error:",
        {
            "1e30": f"  steps[0].{field}[0].amount: amount 1000000000000000000000000000000 is "
            "beyond 1000000000000000, the bound of a policy ('1000000000000000000000000000000')",
            "1e999999999": f"  steps[0].{field}[0].amount: amount 1E+999999999 needs more than "
            "100 digits in plain notation ('1e999999999')",
        }[amount],
    ]


def test_booleans_are_not_day_counts() -> None:
    step = {"id": "s", "offset_days": True, "channels": ["email"], "template": "t"}
    assert _load_error(json.dumps({"id": "p", "steps": [step]}), "json").splitlines()[1] == (
        "  steps[0].offset_days: true is a boolean, not a number of days or times (True)"
    )


def test_statutory_compensation_options_beyond_the_bounds() -> None:
    text = 'id = "p"\n[[stages]]\nid = "s"\ntrigger = { days_overdue = 21 }\n'
    text += '[stages.fee.rule]\nkind = "statutory"\njurisdiction = "CL"\n'
    text += 'options = { uf_value = "1e400" }\n'
    assert _load_error(text, "toml").splitlines()[1] == (
        "  stages[0].fee.rule.options.uf_value: amount 1E+400 needs more than 100 digits in plain "
        "notation ('1e400')"
    )


def test_a_wrongly_shaped_rate_table_lists_its_errors() -> None:
    # This document used to give "policy document has 0 errors:" and nothing listed.
    options = (
        'options = { certified_rate = { name = "IBC", points = [{ date = "2024-10-01", '
        'rate = "26.79" }] } }'
    )
    assert _load_error(_CO + options, "toml").splitlines() == [
        "policy document has 2 errors:",
        "  interest.rule.options.certified_rate.points[0].effective_from: Field required (missing)",
        "  interest.rule.options.certified_rate.points[0].date: Extra inputs are not permitted "
        "('2024-10-01')",
    ]
