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

An included file must lie in the set's own folder (or a folder passed as ``include_dirs``).
Files may come from people the host does not trust, so reading is bounded: only regular
files, at most `MAX_POLICY_BYTES` bytes, `MAX_POLICY_DEPTH` levels of nesting and
`MAX_POLICY_VALUES` values with YAML aliases expanded (each overridable by an argument of
`load_policy`); YAML is read with YAML 1.2 core scalars, and a key given twice is refused.

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

import codecs
import importlib
import itertools
import json
import json.decoder
import json.scanner
import os
import re
import reprlib
import stat
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ValidationError

from dunning.errors import InvalidPolicyError, missing_dependency
from dunning.policy.model import Policy, PolicySet
from dunning.policy.promises import Promises

__all__ = [
    "JSON_SCHEMA_DIALECT",
    "MAX_POLICY_BYTES",
    "MAX_POLICY_DEPTH",
    "MAX_POLICY_VALUES",
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

#: The largest policy `load_policy` reads by default, in bytes: the file (or text) and the
#: files it includes, together. Pass ``max_bytes=`` to allow more.
MAX_POLICY_BYTES = 1_048_576

#: The deepest nesting of mappings and lists a policy document may have by default (a policy
#: set with a rate table needs about twelve). Pass ``max_depth=`` to allow more.
MAX_POLICY_DEPTH = 32

#: The most values (mappings, lists and scalars) a policy document may hold by default,
#: counted with YAML aliases expanded and included files inserted. Pass ``max_values=`` to
#: allow more.
MAX_POLICY_VALUES = 100_000

# At most this many characters of a value, and of a message, are shown in an error.
_VALUE_WIDTH = 80
_MESSAGE_WIDTH = 240
# Integers longer than this are refused (Python reads at most 4300 digits).
_MAX_DIGITS = 100
# Decimal arithmetic works to 28 digits: a number of larger (or smaller) magnitude is suspect.
_PRECISION = 25
# At most this many errors are listed in a message.
_MAX_ERRORS = 50


class _Repr(reprlib.Repr):
    """`reprlib.Repr` that keeps a mapping's keys in their order, as the document wrote them."""

    def repr_dict(self, x: dict[Any, Any], level: int) -> str:
        if not x:
            return "{}"
        if level <= 0:
            return "{...}"
        shown = [
            f"{self.repr1(key, level - 1)}: {self.repr1(value, level - 1)}"
            for key, value in itertools.islice(x.items(), self.maxdict)
        ]
        return "{" + ", ".join(shown) + (", ..." if len(x) > self.maxdict else "") + "}"


_REPR = _Repr()
_REPR.maxlevel = 3
_REPR.maxdict = _REPR.maxlist = _REPR.maxtuple = _REPR.maxset = 4
_REPR.maxstring = _REPR.maxother = _REPR.maxlong = _VALUE_WIDTH

_Location = tuple[int | str, ...]


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
                parts.append(_key(element, bool(parts)))
                node = node[element]
                tagged = False
                continue
            if missing and position == last:
                parts.append(_key(element, bool(parts)))
                continue
        elif isinstance(node, list | tuple) and isinstance(element, int) and element < len(node):
            parts.append(f"[{element}]")
            node = node[element]
            continue
        members.append(("".join(parts), str(element)))
    return "".join(parts) or "<document>", tuple(members)


_NAME = re.compile(r"[A-Za-z_<][A-Za-z0-9_<-]*")


def _key(key: object, inner: bool) -> str:
    """A mapping key in a path: ``.name``, or ``['a key']`` when it is not a plain name."""
    if isinstance(key, str) and _NAME.fullmatch(key):
        return f".{key}" if inner else key
    return f"[{_short(key)}]"


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
    """`value` as Python writes it, bounded in size whatever `value` holds."""
    try:
        text = _REPR.repr(value)
    except Exception:  # a value whose repr fails is still reported, by its type
        text = f"<{type(value).__name__}>"
    return text if len(text) <= _VALUE_WIDTH else text[: _VALUE_WIDTH - 3] + "..."


def _file(path: Path | str) -> str:
    """The name of a file as it is quoted in messages."""
    return _bounded(repr(str(path)))


def _bounded(text: str) -> str:
    return text if len(text) <= _MESSAGE_WIDTH else text[: _MESSAGE_WIDTH - 3] + "..."


def validation_messages(error: ValidationError, document: object) -> tuple[str, ...]:
    """Every error of `error` as ``path: message (value)``, paths following `document`.

    Where a value may be one of several types (a plain union, such as an interest rule that
    is an `InterestRule` or a `StatutoryInterest`), pydantic reports why each member failed;
    only the member that came closest (the fewest errors) is kept. Values and messages are
    shortened, so that a message stays short, and cheap to build, whatever the document holds.

    >>> from pydantic import ValidationError
    >>> document = {"id": "p", "frequency_cap": {"max_messages": 0, "days": 7}}
    >>> try:
    ...     Policy.model_validate(document)
    ... except ValidationError as error:
    ...     validation_messages(error, document)
    ('frequency_cap.max_messages: Input should be greater than 0 (0)',)
    """
    return _messages(error, document, {})


def _messages(
    error: ValidationError, document: object, hidden: Mapping[_Location, str]
) -> tuple[str, ...]:
    """`validation_messages`, without the values of the parts of `document` in `hidden`."""
    walked = []
    for item in error.errors(include_url=False):
        loc = tuple(item["loc"])
        missing = item["type"] == "missing"
        path, members = _walk(loc, document, missing)
        source = next((name for where, name in hidden.items() if loc[: len(where)] == where), None)
        if missing:
            value = "missing"
        elif source is not None:
            value = f"the value in {source} is not shown"
        else:
            value = _short(item.get("input"))
        walked.append((_bounded(f"{path}: {item['msg']}") + f" ({value})", members))
    counts: dict[str, dict[str, int]] = {}
    for _, members in walked:
        for where, tag in members:
            tags = counts.setdefault(where, {})
            tags[tag] = tags.get(tag, 0) + 1
    closest = {where: min(tags.values()) for where, tags in counts.items()}
    kept = tuple(
        message
        for message, members in walked
        if all(counts[where][tag] == closest[where] for where, tag in members)
    )
    return kept or tuple(message for message, _ in walked)


# -- reading ----------------------------------------------------------------------------------


class _Load:
    """The limits and the state of one `load_policy` (or `load_promises`) call.

    `reader` names the function, so that an error says which one takes a higher limit, and
    `what` the document (``policy``, ``promises``).
    """

    def __init__(
        self,
        max_bytes: int,
        max_depth: int,
        max_values: int,
        include_dirs: tuple[Path, ...],
        *,
        reader: str = "load_policy",
        what: str = "policy",
    ) -> None:
        self.max_bytes = _limit("max_bytes", max_bytes)
        self.max_depth = _limit("max_depth", max_depth)
        self.max_values = _limit("max_values", max_values)
        self.include_dirs = include_dirs
        self.reader = reader
        self.what = what
        self.remaining = max_bytes
        self.documents: dict[Path, object] = {}
        self.hidden: dict[_Location, str] = {}

    def spend(self, size: int, source: str) -> None:
        """Count `size` bytes read from `source` against `max_bytes`."""
        if size > self.remaining:
            others = "" if self.remaining == self.max_bytes else " with the files read before it"
            raise InvalidPolicyError(
                f"{source} is larger than max_bytes={self.max_bytes} bytes{others}; "
                f"pass max_bytes= to {self.reader} to allow more"
            )
        self.remaining -= size


def _format_of(value: str | PolicyFormat | None, path: Path | None) -> PolicyFormat:
    if value is not None:
        try:
            return PolicyFormat(str(value).lower())
        except ValueError:
            known = ", ".join(f.value for f in PolicyFormat)
            raise InvalidPolicyError(
                f"format {_short(value)} is not a policy format; use one of {known}"
            ) from None
    if path is not None:
        suffix = path.suffix.lower()
        if suffix in _SUFFIXES:
            return _SUFFIXES[suffix]
        known = ", ".join(sorted(_SUFFIXES))
        raise InvalidPolicyError(
            f"cannot tell the format of {_file(path)} from its suffix {_short(suffix)}; "
            f"use one of {known} or pass format="
        )
    raise InvalidPolicyError(
        "format is None for a policy given as text; pass format='toml', 'yaml' or 'json'"
    )


_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISFIFO, "a pipe"),
    (stat.S_ISSOCK, "a socket"),
)


def _read(path: Path, load: _Load) -> str:
    """The text of the policy file at `path`: a regular file, read within the size limit."""
    shown = f"{load.what} file {_file(path)}"
    # O_NONBLOCK: opening a pipe must not wait for a writer; it changes nothing for a file.
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        descriptor = os.open(path, flags)
    except OSError as error:
        raise InvalidPolicyError(f"cannot read {shown}: {error.strerror}") from None
    except ValueError as error:  # a NUL character in the path
        raise InvalidPolicyError(f"cannot read {shown}: {error}") from None
    try:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode):
            kind = next((name for test, name in _KINDS if test(info.st_mode)), "special")
            raise InvalidPolicyError(
                f"cannot read {shown}: it is {kind}, and "
                f"{'a policy is' if load.what == 'policy' else 'promises are'} read from a "
                "regular file"
            )
        load.spend(info.st_size, shown)
        # Up to one byte more than allowed: a file that grows while it is read is caught too.
        chunks: list[bytes] = []
        wanted = info.st_size + load.remaining + 1
        while wanted > 0 and (chunk := os.read(descriptor, wanted)):
            chunks.append(chunk)
            wanted -= len(chunk)
        data = b"".join(chunks)
    except OSError as error:
        raise InvalidPolicyError(f"cannot read {shown}: {error.strerror}") from None
    finally:
        os.close(descriptor)
    load.spend(len(data) - info.st_size, shown)
    return _decode(data, shown)


def _decode(data: bytes, shown: str) -> str:
    """UTF-8 with or without a byte-order mark, or UTF-16 when a byte-order mark says so."""
    utf16 = data[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
    try:
        return data.decode("utf-16" if utf16 else "utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        column = error.start - (data.rfind(b"\n", 0, error.start) + 1) + 1
        raise InvalidPolicyError(
            f"{shown} is not {'UTF-16' if utf16 else 'UTF-8'} text: byte "
            f"0x{data[error.start]:02x} at line {line}, column {column} ({error.reason}); "
            "save it as UTF-8"
        ) from None


# -- parsing ----------------------------------------------------------------------------------

_JSON_TOKENS = re.compile(r'"(?:[^"\\]+|\\.)*"?|(?P<open>[\[{])|(?P<close>[\]}])', re.DOTALL)
_TOML_TOKENS = re.compile(
    r"""
    (?P<string>\"\"\"(?:[^\\]|\\.)*?(?:\"\"\"|\Z) | '''.*?(?:'''|\Z)
              | "(?:[^"\\\n]+|\\.)*"? | '[^'\n]*'? )
    | (?P<comment>\#[^\n]*)
    | (?P<open>[\[{])
    | (?P<close>[\]}])
    | (?P<dot>\.)
    | (?P<word>[A-Za-z0-9_+-]+)
    | (?P<other>\S)
    """,
    re.VERBOSE | re.DOTALL,
)


def _line_column(text: str, position: int) -> str:
    line = text.count("\n", 0, position) + 1
    return f"line {line}, column {position - (text.rfind(chr(10), 0, position) + 1) + 1}"


def _check_nesting(text: str, fmt: PolicyFormat, source: str, load: _Load) -> None:
    """Refuse JSON or TOML nested deeper than `max_depth` before a parser recurses into it.

    TOML's dotted keys (``a.b.c = 1``) nest too, and cost its parser the square of their
    length: a key of more than `max_depth` parts is refused as well.
    """
    max_depth = load.max_depth
    depth = 0
    parts = 0
    dotted = False
    tokens = _JSON_TOKENS if fmt is PolicyFormat.JSON else _TOML_TOKENS
    for token in tokens.finditer(text):
        kind = token.lastgroup
        if kind == "open":
            depth += 1
            if depth > max_depth:
                raise InvalidPolicyError(
                    f"{source} nests deeper than {max_depth} levels at "
                    f"{_line_column(text, token.start())}; pass max_depth= to {load.reader} to "
                    "allow more"
                )
        elif kind == "close":
            depth -= 1
        elif kind in ("word", "string"):
            parts = parts + 1 if dotted else 1
            if parts > max_depth:
                raise InvalidPolicyError(
                    f"{source} has a dotted key of more than {max_depth} parts at "
                    f"{_line_column(text, token.start())}; pass max_depth= to {load.reader} to "
                    "allow more"
                )
        dotted = kind == "dot"


class _DuplicateKeyError(Exception):
    def __init__(self, key: str) -> None:
        self.key = key


class _NotJSONError(Exception):
    def __init__(self, constant: str) -> None:
        self.constant = constant


def _json_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    document: dict[str, Any] = {}
    for key, value in pairs:
        if key in document:
            raise _DuplicateKeyError(key)
        document[key] = value
    return document


def _json_constant(name: str) -> object:
    raise _NotJSONError(name)


def _json_int(text: str) -> int:
    digits = len(text.lstrip("-"))
    if digits > _MAX_DIGITS:
        raise _NotJSONError(f"an integer of {digits} digits (at most {_MAX_DIGITS})")
    return int(text)


def _json_parse_object(
    s_and_end: tuple[str, int], strict: bool, *rest: Any
) -> tuple[dict[str, Any], int]:
    try:
        result: tuple[dict[str, Any], int] = json.decoder.JSONObject(  # type: ignore[attr-defined]  # not in the stubs
            s_and_end, strict, *rest
        )
    except _DuplicateKeyError as duplicate:
        text, start = s_and_end
        raise json.JSONDecodeError(
            f"key {_short(duplicate.key)} is given twice in the object that starts here",
            text,
            start - 1,
        ) from None
    return result


class _JSONDecoder(json.JSONDecoder):
    """Standard JSON: no NaN or Infinity, and a key given twice in an object is refused."""

    def __init__(self) -> None:
        super().__init__(
            object_pairs_hook=_json_object, parse_constant=_json_constant, parse_int=_json_int
        )
        self.parse_object = _json_parse_object
        # The pure-Python scanner calls `parse_object`, which locates a duplicate key.
        self.scan_once = json.scanner.py_make_scanner(self)  # type: ignore[attr-defined]  # not in the stubs


def _parse(text: str, fmt: PolicyFormat, source: str, load: _Load) -> object:
    text = text.removeprefix("\ufeff")
    try:
        if fmt is PolicyFormat.YAML:
            return _parse_yaml(text, source, load)
        _check_nesting(text, fmt, source, load)
        if fmt is PolicyFormat.TOML:
            return tomllib.loads(text)
        return _JSONDecoder().decode(text)
    except InvalidPolicyError:
        raise
    except (tomllib.TOMLDecodeError, json.JSONDecodeError) as error:
        raise InvalidPolicyError(f"{source} is not valid {fmt.value.upper()}: {error}") from None
    except _NotJSONError as error:
        raise InvalidPolicyError(
            f"{source} is not valid JSON: {error.constant} is not a number a policy holds"
        ) from None
    except RecursionError:  # pragma: no cover - nesting is bounded before parsing
        raise InvalidPolicyError(f"{source} nests too deeply to be read") from None
    except ValueError as error:  # e.g. an integer of more than 4300 digits
        raise InvalidPolicyError(
            f"{source} is not valid {fmt.value.upper()}: {_bounded(str(error))}"
        ) from None


def _parse_yaml(text: str, source: str, load: _Load) -> object:
    _yaml = _yaml_module()
    try:
        return _yaml.load(text, load.max_depth, load.reader)
    except _yaml.YAMLProblemError as refused:
        raise InvalidPolicyError(
            f"{source}, line {refused.line}, column {refused.column}: {refused.message}"
        ) from None
    except _yaml.YAMLError as error:
        # The problem and its place only: PyYAML's snippet of the text would echo the file.
        problem = getattr(error, "problem", None) or type(error).__name__
        context = getattr(error, "context", None)
        mark = getattr(error, "problem_mark", None)
        where = "" if mark is None else f" at line {mark.line + 1}, column {mark.column + 1}"
        what = f"{context}: {problem}" if context else str(problem)
        raise InvalidPolicyError(f"{source} is not valid YAML: {what}{where}") from None


def _yaml_module() -> Any:
    try:
        # Imported by name: PyYAML is an optional extra, and its type stubs a dev extra.
        return importlib.import_module("dunning.policy._yaml")
    except ImportError:  # pragma: no cover - pyyaml is installed wherever the tests run
        raise missing_dependency("pyyaml", "yaml") from None


def _tomli_w() -> Any:
    try:
        import tomli_w
    except ImportError:  # pragma: no cover - tomli-w is installed wherever the tests run
        raise missing_dependency("tomli-w", "toml") from None
    return tomli_w


# -- the size of a document -------------------------------------------------------------------


def _children(node: dict[Any, Any] | list[Any]) -> Iterable[tuple[Any, object]]:
    return node.items() if isinstance(node, dict) else enumerate(node)


def _measure(document: object, load: _Load, source: str) -> None:
    """Refuse a document too large or too deep once aliases are expanded, or holding itself.

    YAML aliases make a document a graph in which one value appears many times; the size of
    each value (values, characters of text, depth) is computed once, so a small document that
    would expand to billions of values is measured, and refused, at the cost of its text.
    """
    sizes: dict[int, tuple[int, int, int]] = {}
    on_path: set[int] = set()
    stack: list[tuple[object, bool, str, int]] = [(document, False, "", 0)]
    while stack:
        node, finished, where, level = stack.pop()
        if not isinstance(node, dict | list) or id(node) in sizes:
            continue
        if not finished:
            if id(node) in on_path:
                raise InvalidPolicyError(f"{source} holds a value that contains itself")
            on_path.add(id(node))
            stack.append((node, True, where, level))
            stack.extend(
                (
                    child,
                    False,
                    f"{where}[{key}]" if isinstance(key, int) else f"{where}.{key}",
                    level + 1,
                )
                for key, child in _children(node)
                if isinstance(child, dict | list)
            )
            continue
        values, characters, height = 1, 0, 0
        for key, child in _children(node):
            characters += len(key) if isinstance(key, str) else 0
            if isinstance(child, dict | list):
                size = sizes[id(child)]
                values += size[0]
                characters += size[1]
                height = max(height, size[2])
            else:
                values += 1
                characters += len(child) if isinstance(child, str) else 0
        sizes[id(node)] = (values, characters, height + 1)
        on_path.discard(id(node))
        if values > load.max_values:
            raise InvalidPolicyError(
                f"{source} holds more than max_values={load.max_values} values (YAML aliases "
                f"expanded, included files inserted); pass max_values= to {load.reader} to "
                "allow more"
            )
        if characters > load.max_bytes:
            raise InvalidPolicyError(
                f"{source} holds more than max_bytes={load.max_bytes} characters of text once "
                f"its YAML aliases are expanded; pass max_bytes= to {load.reader} to allow more"
            )
        if height + 1 > load.max_depth:
            raise InvalidPolicyError(
                f"{source} nests deeper than {load.max_depth} levels at "
                f"{_bounded((where + _deepest(node, sizes, load.max_depth - level)).lstrip('.'))}; "
                f"pass max_depth= to {load.reader} to allow more"
            )


def _deepest(node: object, sizes: Mapping[int, tuple[int, int, int]], limit: int) -> str:
    """The path, from `node`, towards its deepest value, cut at `limit` levels."""
    path = ""
    for _ in range(limit):
        if not isinstance(node, dict | list):
            break
        deeper = [(key, child) for key, child in _children(node) if isinstance(child, dict | list)]
        if not deeper:
            break
        key, node = max(deeper, key=lambda item: sizes[id(item[1])][2])
        path += f"[{key}]" if isinstance(key, int) else f".{key}"
    return path


# -- loading ----------------------------------------------------------------------------------


def _looks_like_path(value: str) -> bool:
    return "\n" not in value and Path(value).suffix.lower() in _SUFFIXES


def _dotted(where: _Location) -> str:
    return "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in where)[1:]


def _allowed(name: str, base: Path, load: _Load, where: _Location) -> Path:
    """The file an include names, when it lies in `base` or in one of the allowed folders."""
    try:
        path = (base / name).resolve()
    except (OSError, ValueError, RuntimeError) as error:
        raise InvalidPolicyError(
            f"{_dotted(where)}: cannot read the included policy file {_short(name)}: {error}"
        ) from None
    roots = (base.resolve(), *load.include_dirs)
    if not any(path.is_relative_to(root) for root in roots):
        folders = " or ".join(_file(root) for root in roots)
        raise InvalidPolicyError(
            f"{_dotted(where)}: the included policy file {_short(name)} is outside {folders}; "
            "a policy set includes files from its own folder (pass include_dirs= to "
            "load_policy to allow others)"
        )
    return path


def _include(
    value: object, base: Path, chain: tuple[Path, ...], load: _Load, where: _Location
) -> object:
    """Replace a policy given as a file name by the document of that file."""
    if not isinstance(value, str):
        return value
    path = _allowed(value, base, load, where)
    if path in chain:
        raise InvalidPolicyError(f"policy file {_short(value)} includes itself")
    if path not in load.documents:
        source = f"policy file {_file(path)}"
        document = _parse(_read(path, load), _format_of(None, path), source, load)
        load.documents[path] = _includes(document, path.parent, (*chain, path), load, where)
    load.hidden[where] = _file(path.name)
    return load.documents[path]


def _includes(
    document: object, base: Path, chain: tuple[Path, ...], load: _Load, prefix: _Location = ()
) -> object:
    if not isinstance(document, dict) or "default" not in document:
        return document
    document = dict(document)
    document["default"] = _include(document["default"], base, chain, load, (*prefix, "default"))
    rules = document.get("rules")
    if isinstance(rules, list):
        document["rules"] = [
            {
                **rule,
                "policy": _include(
                    rule["policy"], base, chain, load, (*prefix, "rules", index, "policy")
                ),
            }
            if isinstance(rule, dict) and "policy" in rule
            else rule
            for index, rule in enumerate(rules)
        ]
    return document


def _limit(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidPolicyError(f"{name} is {_short(value)}; it must be a positive integer")
    return value


def load_policy(
    path_or_text: str | Path,
    format: str | PolicyFormat | None = None,
    *,
    max_bytes: int = MAX_POLICY_BYTES,
    max_depth: int = MAX_POLICY_DEPTH,
    max_values: int = MAX_POLICY_VALUES,
    include_dirs: Iterable[str | Path] = (),
) -> Policy | PolicySet:
    """Load a `Policy` or a `PolicySet` from a file or from text.

    Args:
        path_or_text: a `Path`; a `str` that names a file with a ``.toml``, ``.yaml``,
            ``.yml`` or ``.json`` suffix; or the text of the document.
        format: ``"toml"``, ``"yaml"`` or ``"json"``; when None, the file's suffix says.
            Text needs it.
        max_bytes: the most bytes read, the file and the files it includes together
            (`MAX_POLICY_BYTES` by default); only regular files are read.
        max_depth: the deepest nesting of mappings and lists (`MAX_POLICY_DEPTH`).
        max_values: the most values the document may hold, YAML aliases expanded and
            included files inserted (`MAX_POLICY_VALUES`).
        include_dirs: folders a policy set may include policy files from, besides its own
            folder (the working directory for text).

    Returns:
        A `PolicySet` when the document has a ``default`` policy, else a `Policy`.

    Raises:
        InvalidPolicyError: when the file cannot be read or parsed, is over a limit, or the
            document does not validate; the message lists every error as
            ``path: message (value)``.
        MissingDependencyError: for YAML without the optional ``pyyaml`` package.

    >>> load_policy('{"id": "p", "stages": [{"id": "s", "trigger": {}}]}', format="json")
    Traceback (most recent call last):
    ...
    dunning.errors.InvalidPolicyError: policy document has 1 error:
      stages[0].trigger: a stage trigger needs at least one condition ... ({})
    """
    load = _Load(
        max_bytes,
        max_depth,
        max_values,
        tuple(Path(folder).resolve() for folder in include_dirs),
    )
    text, source, path = _text(path_or_text, load)
    document = _parse(text, _format_of(format, path), source, load)
    base = path.parent if path is not None else Path.cwd()
    chain = (path.resolve(),) if path is not None else ()
    document = _includes(document, base, chain, load)
    _measure(document, load, source)
    return _validate(document, source, load.hidden)


def _text(path_or_text: str | Path, load: _Load) -> tuple[str, str, Path | None]:
    """The text to read, where it comes from (for messages), and its file, within `load`."""
    what = load.what
    if isinstance(path_or_text, Path) or (
        isinstance(path_or_text, str) and _looks_like_path(path_or_text)
    ):
        path = Path(path_or_text)
        return _read(path, load), f"{what} file {_file(path)}", path
    if isinstance(path_or_text, str):
        text = path_or_text
        source = f"{what} text"
        if len(text) > load.max_bytes:
            load.spend(len(text), source)
        load.spend(len(text.encode("utf-8", "surrogatepass")), source)
        return text, source, None
    raise InvalidPolicyError(
        f"path_or_text is a {type(path_or_text).__name__}; pass a Path, a file name or the "
        f"text of a {what} document"
    )


def _validate(document: object, source: str, hidden: Mapping[_Location, str]) -> Policy | PolicySet:
    if not isinstance(document, dict):
        raise InvalidPolicyError(
            f"{source} must hold a mapping (a Policy or a PolicySet), not {type(document).__name__}"
        )
    model: type[Policy | PolicySet] = (
        PolicySet if "default" in document and "id" not in document else Policy
    )
    where = "policy document" if source == "policy text" else source
    try:
        return model.model_validate(document)
    except ValidationError as error:
        messages = _messages(error, document, hidden)
        count = f"{len(messages)} error" + ("s" if len(messages) != 1 else "")
        shown = [f"  {line}" for line in messages[:_MAX_ERRORS]]
        if len(messages) > _MAX_ERRORS:
            shown.append(f"  ... and {len(messages) - _MAX_ERRORS} more")
        raise InvalidPolicyError(f"{where} has {count}:\n" + "\n".join(shown)) from None
    except ArithmeticError:
        # A number too large or too small for decimal arithmetic, met by a validator.
        raise InvalidPolicyError(
            f"{where} has 1 error:\n  {_extreme_number(document)}: the number is too large "
            "or too small to compute with"
        ) from None


def _extreme_number(document: object) -> str:
    """The path of the first number of `document` whose exponent is out of all proportion."""
    stack: list[tuple[object, str]] = [(document, "")]
    while stack:
        node, where = stack.pop()
        if isinstance(node, dict | list):
            items = list(_children(node))
            stack.extend(
                (child, f"{where}[{key}]" if isinstance(key, int) else f"{where}.{key}")
                for key, child in reversed(items)
            )
            continue
        try:
            number = Decimal(str(node).strip()) if isinstance(node, str | int) else None
        except ArithmeticError:
            continue
        if number is not None and number.is_finite() and abs(number.adjusted()) > _PRECISION:
            return f"{_bounded(where.lstrip('.'))} ({_short(node)})"
    return "<document>"


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
        yaml = _yaml_module()
        text: str = yaml.dump(document, allow_unicode=True)
        if yaml.load(text, MAX_POLICY_DEPTH) != document:
            # PyYAML writes some characters (NEL, the Unicode line separators) raw and then
            # reads them as line breaks; escaping every non-ASCII character is lossless.
            text = yaml.dump(document, allow_unicode=False)
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


def load_promises(
    path_or_text: str | Path,
    format: str | PolicyFormat | None = None,
    *,
    max_bytes: int = MAX_POLICY_BYTES,
    max_depth: int = MAX_POLICY_DEPTH,
    max_values: int = MAX_POLICY_VALUES,
) -> Promises:
    """Load the `Promises` of a policy from a file or from text, like `load_policy`.

    A promises file is read under the same limits as a policy file, each overridable here.

    Args:
        path_or_text: a `Path`, a file name with a known suffix, or the text of the document.
        format: ``"toml"``, ``"yaml"`` or ``"json"``; when None, the file's suffix says.
        max_bytes: the most bytes read (`MAX_POLICY_BYTES` by default).
        max_depth: the deepest nesting of mappings and lists (`MAX_POLICY_DEPTH`).
        max_values: the most values, YAML aliases expanded (`MAX_POLICY_VALUES`).

    Raises:
        InvalidPolicyError: when the file cannot be read or parsed, is over a limit, or the
            document does not validate; the message lists every error as
            ``path: message (value)``.

    >>> load_promises('''
    ... [[promises]]
    ... kind = "message_limit"
    ... max_messages = 3
    ... days = 7
    ... ''', format="toml").promises[0].describe()
    'at most 3 messages to a customer in any 7 days'
    """
    load = _Load(max_bytes, max_depth, max_values, (), reader="load_promises", what="promises")
    text, source, path = _text(path_or_text, load)
    document = _parse(text, _format_of(format, path), source, load)
    _measure(document, load, source)
    where = "promises document" if path is None else source
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
