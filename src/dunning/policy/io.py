"""Policies as files: load from TOML, YAML or JSON, dump back losslessly, and a JSON Schema.

A policy document is a mapping in the shape of `Policy` (it has an ``id``) or of `PolicySet`
(it has a ``default``). Amounts and rates are written as strings or integers, never floats
(``percent = "1.5"``), because a binary float cannot hold most decimal fractions exactly.

In a `PolicySet` document loaded from a file, a policy may be given as the path of another
policy file, relative to the set's own file, so that a portfolio reuses its policies::

    # portfolio.toml
    default = "b2c.toml"

    [[rules]]
    segments = ["business"]
    policy = "b2b.toml"

A document that does not validate raises `InvalidPolicyError` whose message lists every
error as ``path: message (value)``, the path written as in Python
(``stages[2].fee.rule.percent``).

>>> policy = load_policy('''
... id = "b2c"
... [[steps]]
... id = "on-due"
... offset_days = 0
... channels = ["email"]
... template = "due"
... ''', format="toml")
>>> policy.steps[0].id
'on-due'
>>> load_policy(dump_policy(policy, "yaml"), format="yaml") == policy
True
"""

from __future__ import annotations

import importlib
import json
import tomllib
from collections.abc import Mapping, Sequence
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ValidationError

from dunning.errors import InvalidPolicyError, missing_dependency
from dunning.policy.model import Policy, PolicySet
from dunning.policy.promises import Promises

__all__ = [
    "JSON_SCHEMA_DIALECT",
    "PolicyFormat",
    "dump_policy",
    "error_path",
    "load_policy",
    "load_promises",
    "policy_schema",
    "validation_messages",
]

#: The JSON Schema dialect `policy_schema` declares (pydantic writes draft 2020-12).
JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"

_VALUE_WIDTH = 80


class PolicyFormat(StrEnum):
    """The file formats a policy loads from and dumps to."""

    TOML = "toml"
    YAML = "yaml"
    JSON = "json"


_SUFFIXES = {
    ".toml": PolicyFormat.TOML,
    ".yaml": PolicyFormat.YAML,
    ".yml": PolicyFormat.YAML,
    ".json": PolicyFormat.JSON,
}


# -- error messages ---------------------------------------------------------------------------


def _walk(
    loc: Sequence[int | str], document: object, missing: bool
) -> tuple[str, tuple[tuple[str, str], ...]]:
    """The path of `loc` in `document`, and the union members ``(path, tag)`` it went through."""
    parts: list[str] = []
    members: list[tuple[str, str]] = []
    node: object = document
    last = len(loc) - 1
    tagged = False
    for position, element in enumerate(loc):
        if isinstance(node, Mapping):
            if not tagged and isinstance(element, str) and node.get("kind") == element:
                tagged = True  # the tag of a discriminated union: ``kind`` says it already
                continue
            if element in node:
                parts.append(f".{element}" if parts else str(element))
                node = node[element]
                tagged = False
                continue
            if missing and position == last:
                parts.append(f".{element}" if parts else str(element))
                continue
        elif isinstance(node, list | tuple) and isinstance(element, int) and element < len(node):
            parts.append(f"[{element}]")
            node = node[element]
            continue
        members.append(("".join(parts), str(element)))
    return "".join(parts) or "<document>", tuple(members)


def error_path(loc: Sequence[int | str], document: object, *, missing: bool = False) -> str:
    """Write a pydantic error location as a Python-style path, without union tags.

    Pydantic puts the tag of a union member in the location (``"percent"`` for the
    ``kind = "percent"`` member of a discriminated union, a class name such as
    ``"InterestRule"`` for a plain union); the path follows `document` and leaves out every
    element that is not a key or an index of it. `missing` keeps a last key that is absent
    from the document (the location of a missing field).

    >>> document = {"stages": [{"fee": {"rule": {"kind": "percent", "percent": "x"}}}]}
    >>> error_path(("stages", 0, "fee", "rule", "percent", "percent"), document)
    'stages[0].fee.rule.percent'
    >>> error_path(("steps", 1, "id"), {"steps": [{}, {}]}, missing=True)
    'steps[1].id'
    """
    return _walk(loc, document, missing)[0]


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= _VALUE_WIDTH else text[: _VALUE_WIDTH - 3] + "..."


def validation_messages(error: ValidationError, document: object) -> tuple[str, ...]:
    """Every error of `error` as ``path: message (value)``, paths following `document`.

    Where a value may be one of several types (a plain union, such as an interest rule that
    is an `InterestRule` or a `StatutoryInterest`), pydantic reports why each member failed;
    only the member that came closest (the fewest errors) is kept.

    >>> from pydantic import ValidationError
    >>> document = {"id": "p", "frequency_cap": {"max_messages": 0, "days": 7}}
    >>> try:
    ...     Policy.model_validate(document)
    ... except ValidationError as error:
    ...     validation_messages(error, document)
    ('frequency_cap.max_messages: Input should be greater than 0 (0)',)
    """
    walked = []
    for item in error.errors():
        missing = item["type"] == "missing"
        path, members = _walk(item["loc"], document, missing)
        value = "missing" if missing else _short(item.get("input"))
        walked.append((f"{path}: {item['msg']} ({value})", members))
    counts: dict[str, dict[str, int]] = {}
    for _, members in walked:
        for where, tag in members:
            tags = counts.setdefault(where, {})
            tags[tag] = tags.get(tag, 0) + 1
    closest = {where: min(tags.values()) for where, tags in counts.items()}
    return tuple(
        message
        for message, members in walked
        if all(counts[where][tag] == closest[where] for where, tag in members)
    )


# -- loading ----------------------------------------------------------------------------------


def _format_of(value: str | PolicyFormat | None, path: Path | None) -> PolicyFormat:
    if value is not None:
        try:
            return PolicyFormat(str(value).lower())
        except ValueError:
            known = ", ".join(f.value for f in PolicyFormat)
            raise InvalidPolicyError(
                f"format {value!r} is not a policy format; use one of {known}"
            ) from None
    if path is not None:
        suffix = path.suffix.lower()
        if suffix in _SUFFIXES:
            return _SUFFIXES[suffix]
        known = ", ".join(sorted(_SUFFIXES))
        raise InvalidPolicyError(
            f"cannot tell the format of {str(path)!r} from its suffix {suffix!r}; "
            f"use one of {known} or pass format="
        )
    raise InvalidPolicyError(
        "format is None for a policy given as text; pass format='toml', 'yaml' or 'json'"
    )


def _parse(text: str, fmt: PolicyFormat, source: str) -> object:
    try:
        if fmt is PolicyFormat.TOML:
            return tomllib.loads(text)
        if fmt is PolicyFormat.JSON:
            return json.loads(text)
    except (tomllib.TOMLDecodeError, json.JSONDecodeError) as error:
        raise InvalidPolicyError(f"{source} is not valid {fmt.value.upper()}: {error}") from None
    yaml = _yaml()
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise InvalidPolicyError(f"{source} is not valid YAML: {error}") from None


def _yaml() -> Any:
    try:
        # Imported by name: the type stubs (types-PyYAML) are a dev extra, not always present.
        return importlib.import_module("yaml")
    except ImportError:  # pragma: no cover - pyyaml is installed wherever the tests run
        raise missing_dependency("pyyaml", "yaml") from None


def _tomli_w() -> Any:
    try:
        import tomli_w
    except ImportError:  # pragma: no cover - tomli-w is installed wherever the tests run
        raise missing_dependency("tomli-w", "toml") from None
    return tomli_w


def _looks_like_path(value: str) -> bool:
    return "\n" not in value and Path(value).suffix.lower() in _SUFFIXES


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as error:
        raise InvalidPolicyError(f"cannot read policy file {str(path)!r}: {error}") from None


def _include(value: object, base: Path, chain: tuple[Path, ...]) -> object:
    """Replace a policy given as a file name by the document of that file."""
    if not isinstance(value, str):
        return value
    path = (base / value).resolve()
    if path in chain:
        raise InvalidPolicyError(f"policy file {value!r} includes itself")
    document = _parse(_read(path), _format_of(None, path), repr(str(path)))
    return _includes(document, path.parent, (*chain, path))


def _includes(document: object, base: Path, chain: tuple[Path, ...]) -> object:
    if not isinstance(document, dict) or "default" not in document:
        return document
    document = dict(document)
    document["default"] = _include(document["default"], base, chain)
    rules = document.get("rules")
    if isinstance(rules, list):
        document["rules"] = [
            {**rule, "policy": _include(rule.get("policy"), base, chain)}
            if isinstance(rule, dict)
            else rule
            for rule in rules
        ]
    return document


def load_policy(
    path_or_text: str | Path, format: str | PolicyFormat | None = None
) -> Policy | PolicySet:
    """Load a `Policy` or a `PolicySet` from a file or from text.

    Args:
        path_or_text: a `Path`; a `str` that names a file with a ``.toml``, ``.yaml``,
            ``.yml`` or ``.json`` suffix; or the text of the document.
        format: ``"toml"``, ``"yaml"`` or ``"json"``; when None, the file's suffix says.
            Text needs it.

    Returns:
        A `PolicySet` when the document has a ``default`` policy, else a `Policy`.

    Raises:
        InvalidPolicyError: when the file cannot be read or parsed, or the document does not
            validate; the message lists every error as ``path: message (value)``.
        MissingDependencyError: for YAML without the optional ``pyyaml`` package.

    >>> load_policy('{"id": "p", "stages": [{"id": "s", "trigger": {}}]}', format="json")
    Traceback (most recent call last):
    ...
    dunning.errors.InvalidPolicyError: policy document has 1 error:
      stages[0].trigger: a stage trigger needs at least one condition ... ({})
    """
    path: Path | None = None
    if isinstance(path_or_text, Path) or _looks_like_path(path_or_text):
        path = Path(path_or_text)
        text = _read(path)
        source = repr(str(path))
    else:
        text = path_or_text
        source = "policy text"
    fmt = _format_of(format, path)
    document = _parse(text, fmt, source)
    base = path.parent if path is not None else Path.cwd()
    chain = (path.resolve(),) if path is not None else ()
    document = _includes(document, base, chain)
    return _validate(document, source)


def _validate(document: object, source: str) -> Policy | PolicySet:
    if not isinstance(document, dict):
        raise InvalidPolicyError(
            f"{source} must hold a mapping (a Policy or a PolicySet), not {type(document).__name__}"
        )
    model: type[Policy | PolicySet] = (
        PolicySet if "default" in document and "id" not in document else Policy
    )
    try:
        return model.model_validate(document)
    except ValidationError as error:
        messages = validation_messages(error, document)
        count = f"{len(messages)} error" + ("s" if len(messages) != 1 else "")
        where = "policy document" if source == "policy text" else f"policy file {source}"
        raise InvalidPolicyError(
            f"{where} has {count}:\n" + "\n".join(f"  {line}" for line in messages)
        ) from None


# -- dumping ----------------------------------------------------------------------------------


def _prune(model: BaseModel, dumped: dict[str, Any]) -> dict[str, Any]:
    """Leave out the fields that hold their default, recursively; keep union tags."""
    result: dict[str, Any] = {}
    for name, field in type(model).model_fields.items():
        value = getattr(model, name)
        # `kind` tells the members of a union apart: always written, even at its default.
        if (
            name != "kind"
            and not field.is_required()
            and value == field.get_default(call_default_factory=True)
        ):
            continue
        result[name] = _prune_value(value, dumped[name])
    return result


def _prune_value(value: object, dumped: object) -> object:
    if isinstance(value, BaseModel) and isinstance(dumped, dict):
        return _prune(value, dumped)
    if isinstance(value, tuple | list) and isinstance(dumped, list):
        return [_prune_value(item, out) for item, out in zip(value, dumped, strict=True)]
    return dumped


def _nulls(value: object, path: str) -> list[str]:
    if value is None:
        return [path]
    if isinstance(value, dict):
        return [p for key, item in value.items() for p in _nulls(item, f"{path}.{key}")]
    if isinstance(value, list):
        return [p for index, item in enumerate(value) for p in _nulls(item, f"{path}[{index}]")]
    return []


def dump_policy(policy: Policy | PolicySet, format: str | PolicyFormat = "toml") -> str:
    """Write `policy` as TOML, YAML or JSON text that `load_policy` reads back equal.

    Fields that hold their default value are left out, so the text says only what the policy
    chose; amounts and rates are written as strings so that no digit is lost.

    Raises:
        InvalidPolicyError: for an unknown format, or (TOML only, which has no null) a
            required field whose value is None.
        MissingDependencyError: for YAML without the optional ``pyyaml`` package.

    >>> print(dump_policy(Policy(id="b2c", name="Friendly"), "toml"), end="")
    id = "b2c"
    name = "Friendly"
    """
    fmt = _format_of(format, None)
    document = _prune(policy, policy.model_dump(mode="json"))
    if fmt is PolicyFormat.JSON:
        return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    if fmt is PolicyFormat.YAML:
        yaml = _yaml()
        text = str(yaml.safe_dump(document, allow_unicode=True, sort_keys=False))
        if yaml.safe_load(text) != document:
            # PyYAML writes some characters (NEL, the Unicode line separators) raw and then
            # reads them as line breaks; escaping every non-ASCII character is lossless.
            text = str(yaml.safe_dump(document, allow_unicode=False, sort_keys=False))
        return text
    nulls = [path.lstrip(".") for path in _nulls(document, "")]
    if nulls:
        raise InvalidPolicyError(
            "TOML has no null value, so these fields cannot be written as TOML: "
            + ", ".join(nulls)
            + "; dump the policy as YAML or JSON"
        )
    return str(_tomli_w().dumps(document))


# -- JSON Schema ------------------------------------------------------------------------------


def policy_schema(kind: Literal["policy", "set"] = "policy") -> dict[str, Any]:
    """The JSON Schema of a policy document (or of a `PolicySet` with ``kind="set"``).

    Point an editor at it (e.g. with a ``#:schema`` comment in TOML or
    ``# yaml-language-server: $schema=...``) to get completion and validation as you type.

    >>> schema = policy_schema()
    >>> schema["$schema"], schema["title"], "steps" in schema["properties"]
    ('https://json-schema.org/draft/2020-12/schema', 'Dunning policy', True)
    """
    if kind == "set":
        schema = PolicySet.model_json_schema()
        title = "Dunning policy set"
    else:
        schema = Policy.model_json_schema()
        title = "Dunning policy"
    return {"$schema": JSON_SCHEMA_DIALECT, **schema, "title": title}


# -- promises ---------------------------------------------------------------------------------


def load_promises(path_or_text: str | Path, format: str | PolicyFormat | None = None) -> Promises:
    """Load the `Promises` of a policy from a file or from text, like `load_policy`.

    Raises:
        InvalidPolicyError: when the file cannot be read or parsed, or the document does not
            validate; the message lists every error as ``path: message (value)``.

    >>> load_promises('''
    ... [[promises]]
    ... kind = "message_limit"
    ... max_messages = 3
    ... days = 7
    ... ''', format="toml").promises[0].describe()
    'at most 3 messages to a customer in any 7 days'
    """
    path: Path | None = None
    if isinstance(path_or_text, Path) or _looks_like_path(path_or_text):
        path = Path(path_or_text)
        text, source = _read(path), repr(str(path))
    else:
        text, source = path_or_text, "promises text"
    document = _parse(text, _format_of(format, path), source)
    where = "promises document" if path is None else f"promises file {source}"
    if not isinstance(document, dict):
        raise InvalidPolicyError(f"{where} must hold a mapping, not {type(document).__name__}")
    try:
        return Promises.model_validate(document)
    except ValidationError as error:
        messages = validation_messages(error, document)
        count = f"{len(messages)} error" + ("s" if len(messages) != 1 else "")
        raise InvalidPolicyError(
            f"{where} has {count}:\n" + "\n".join(f"  {line}" for line in messages)
        ) from None
