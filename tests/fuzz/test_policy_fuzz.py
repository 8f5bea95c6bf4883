"""The policy loader under hostile input: a located error or a correct policy, never a crash.

Every document below is either loaded (and is then a `Policy` or a `PolicySet`) or refused
with an `InvalidPolicyError` whose message is short and lists each error as
``path: message (value)``; no other exception, no hang, no unbounded message.
"""

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest
import tomli_w
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from dunning.errors import InvalidPolicyError
from dunning.policy import Policy, PolicySet
from dunning.policy.io import dump_policy, load_policy

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "policies"
VALID = tuple(load_policy(EXAMPLES / name) for name in ("b2c.toml", "b2b.toml", "portfolio.toml"))

FORMATS = ("toml", "yaml", "json")

# Keys a policy document uses, so that generated documents reach deep into validation.
KEYS = (
    "id",
    "name",
    "steps",
    "stages",
    "interest",
    "rule",
    "kind",
    "percent",
    "annual_rate",
    "offset_days",
    "channels",
    "template",
    "trigger",
    "days_overdue",
    "fee",
    "amounts",
    "amount",
    "currency",
    "options",
    "jurisdiction",
    "default",
    "rules",
    "policy",
    "segments",
    "send_window",
    "start",
    "end",
    "frequency_cap",
    "max_messages",
    "days",
    "repeat",
    "every_days",
    "reference",
    "table",
    "points",
    "rate",
    "effective_from",
    "ceiling",
    "fee_cap",
    "percent_of_total",
    "bands",
    "up_to",
    "grace_days",
    "certified_rate",
    "<<",
)
HOSTILE_TEXT = st.sampled_from(
    [
        "",
        "fixed",
        "percent",
        "statutory",
        "CO",
        "CL",
        "DE",
        "XX",
        "email",
        "10:30",
        "no",
        "on",
        "1e400",
        "-1e400",
        "NaN",
        "Infinity",
        "0.25",
        "150",
        "9" * 60,
        "1E+999999",
        "2024-01-01",
        "/etc/passwd.toml",
        "../x.toml",
        "\x00",
        "\u202e",
        "\ud800",
        "x" * 500,
        "USD",
        "COP",
        "ACT/360",
        "a\r\nb",
    ]
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**40), 10**40),
    st.sampled_from([0, 1, -1, 630, 3660, 3661, 10**30]),
    st.floats(allow_nan=True, allow_infinity=True),
    HOSTILE_TEXT,
    st.text(max_size=20),
)
DOCUMENTS = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=8), inner, max_size=5),
    ),
    max_leaves=30,
)
LINE = re.compile(r"^  \S.*: .+ \(.*\)$")


def check(load: Any) -> Policy | PolicySet | None:
    """Run `load`; a policy or a located `InvalidPolicyError` are the only outcomes."""
    try:
        result = load()
    except InvalidPolicyError as error:
        message = str(error)
        assert message
        assert "has 0 errors" not in message
        assert len(message) < 20_000
        lines = message.splitlines()
        if re.match(r"^(policy document|policy file .*) has \d+ errors?:$", lines[0]):
            assert len(lines) > 1
            for line in lines[1:]:
                assert LINE.match(line), line
                assert len(line) < 400
        return None
    assert isinstance(result, Policy | PolicySet)
    return result


def text_of(document: object, fmt: str) -> str:
    if fmt == "json":
        return json.dumps(document)
    if fmt == "yaml":
        return yaml.safe_dump(document, allow_unicode=True)
    assume(isinstance(document, dict))
    try:
        return tomli_w.dumps(document)
    except (TypeError, ValueError):
        assume(False)
        raise


@given(st.sampled_from(FORMATS), st.text(max_size=300))
def test_any_text(fmt: str, text: str) -> None:
    check(lambda: load_policy(text, format=fmt))


@given(st.sampled_from(FORMATS), DOCUMENTS)
def test_hostile_documents(fmt: str, document: object) -> None:
    try:
        text = text_of(document, fmt)
    except UnicodeEncodeError:
        assume(False)
        raise
    check(lambda: load_policy(text, format=fmt))


@given(
    st.sampled_from(FORMATS),
    st.sampled_from(VALID),
    st.sampled_from(["\ufeff", ""]),
    st.booleans(),
)
def test_valid_policies_load_equal(fmt: str, policy: Policy, bom: str, duplicate: bool) -> None:
    text = bom + dump_policy(policy, fmt)
    if duplicate and fmt != "toml":
        # The same key twice at the top: refused with its name, never one silently dropped.
        text = (
            text.replace("{", '{"id": "other", ', 1)
            if fmt == "json"
            else f"id: other\n{text.removeprefix(bom)}"
        )
        key = "id" if isinstance(policy, Policy) else "default"
        text = text.replace('"id"', f'"{key}"', 1) if fmt == "json" else text
        text = text.replace("id: other", f"{key}: other", 1) if fmt == "yaml" else text
        with pytest.raises(InvalidPolicyError, match=f"key '{key}' is given twice"):
            load_policy(text, format=fmt)
        return
    assert load_policy(text, format=fmt) == policy


@given(
    levels=st.integers(1, 12),
    width=st.integers(1, 12),
    field=st.sampled_from(["name", "steps", "stages", "description", "interest"]),
)
def test_yaml_alias_bombs(levels: int, width: int, field: str) -> None:
    lines = ["id: p", "a0: &a0 [" + ", ".join(['"lol"'] * width) + "]"]
    lines += [
        f"a{level}: &a{level} [{', '.join([f'*a{level - 1}'] * width)}]"
        for level in range(1, levels)
    ]
    lines.append(f"{field}: *a{levels - 1}")
    check(lambda: load_policy("\n".join(lines), format="yaml"))


@given(
    fmt=st.sampled_from(FORMATS),
    depth=st.integers(1, 5000),
    opener=st.sampled_from(["[", "{"]),
)
def test_deep_nesting(fmt: str, depth: int, opener: str) -> None:
    if fmt == "toml":
        inner = "[" * depth + "]" * depth if opener == "[" else "{a=" * depth + "1" + "}" * depth
        text = f'id = "p"\nname = {inner}\n'
    elif fmt == "json":
        inner = "[" * depth + "]" * depth if opener == "[" else '{"a":' * depth + "1" + "}" * depth
        text = '{"id": "p", "name": ' + inner + "}"
    else:
        block = "".join(f"{'  ' * level}- \n" for level in range(depth)) if opener == "[" else ""
        text = (
            f"id: p\nname:\n{block}"
            if block
            else "id: p\nname: " + "{a: " * depth + "1" + "}" * depth
        )
    check(lambda: load_policy(text, format=fmt))


@given(
    st.sampled_from(["send_window: {start: %s, end: '18:00'}", "consolidate: %s", "name: %s"]),
    st.sampled_from(
        [
            "10:30",
            "1:30:00",
            "no",
            "on",
            "off",
            "yes",
            "y",
            "~",
            "010",
            "0o17",
            "0x1F",
            "1_000",
            "2024-01-01",
            "1e3",
            ".inf",
            "!!binary aGk=",
            "&x 1",
        ]
    ),
)
def test_yaml_scalars(template: str, value: str) -> None:
    check(lambda: load_policy("id: p\n" + template % value + "\n", format="yaml"))


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    name=st.sampled_from(["p.toml", "p.json", "p.yaml", "p.yml"]),
    data=st.binary(max_size=200),
    prefix=st.sampled_from([b"", b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"]),
)
def test_any_bytes_in_a_file(tmp_path: Path, name: str, data: bytes, prefix: bytes) -> None:
    path = tmp_path / name
    path.write_bytes(prefix + data)
    check(lambda: load_policy(path))


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    include=st.sampled_from(
        [
            "inside.toml",
            "sub/inside.toml",
            "../outside.toml",
            "/etc/hostname.toml",
            "sub/../../outside.toml",
            "link.toml",
            "missing.toml",
            ".",
            "",
            "\x00.toml",
            "portfolio.toml",
            "x" * 300 + ".toml",
        ]
    ),
    allowed=st.booleans(),
)
def test_includes(tmp_path: Path, include: str, allowed: bool) -> None:
    folder = tmp_path / "set"
    (folder / "sub").mkdir(parents=True, exist_ok=True)
    (tmp_path / "outside.toml").write_text('id = "out"\nsecret = "hunter2"\n', encoding="utf-8")
    (folder / "inside.toml").write_text('id = "in"\n', encoding="utf-8")
    (folder / "sub" / "inside.toml").write_text('id = "sub"\n', encoding="utf-8")
    if not (folder / "link.toml").is_symlink():
        os.symlink(tmp_path / "outside.toml", folder / "link.toml")
    path = folder / "portfolio.toml"
    path.write_text(f"default = {json.dumps(include)}\n", encoding="utf-8")
    dirs = [tmp_path] if allowed else []
    result = check(lambda: load_policy(path, include_dirs=dirs))
    if result is None:
        with pytest.raises(InvalidPolicyError) as caught:
            load_policy(path, include_dirs=dirs)
        assert "hunter2" not in str(caught.value)
        return
    assert isinstance(result, PolicySet)
    assert result.default.id in {"in", "sub"}
