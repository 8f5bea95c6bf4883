"""A safe YAML loader for policy files: YAML 1.2 core scalars, no surprises, bounded.

PyYAML implements YAML 1.1, whose implicit types surprise people writing policies by hand:
``start: 10:30`` is the sexagesimal number 630, ``no``, ``on`` and ``off`` are booleans,
``010`` is eight and ``2024-01-01`` a date object. This loader resolves plain scalars as the
YAML 1.2 core schema does: null (``null``, ``~``, empty), booleans (``true``/``false`` only),
decimal, ``0o`` octal and ``0x`` hexadecimal integers, floats, and text for everything else, so
``10:30`` and ``no`` reach the policy as the text written (and are read by the field that
receives them, e.g. a time of day).

It also refuses, with the line and column, what a policy never needs and an attacker can use:
a key given twice in a mapping, merge keys (``<<``, which YAML 1.2 dropped and which expand
exponentially), tags other than the core ones (``!!set``, ``!!binary``, ``!!python/...``),
an alias to a value that contains it, integers of more than `_MAX_DIGITS` digits, and nesting
deeper than the loader's limit. Aliases are otherwise allowed; the caller bounds the size of
the document they expand to.

This module imports PyYAML; `dunning.policy.io` imports it only when YAML is read.
"""

from __future__ import annotations

import re
from typing import Any, NoReturn

import yaml
from yaml.composer import Composer
from yaml.constructor import SafeConstructor
from yaml.events import AliasEvent, NodeEvent
from yaml.nodes import MappingNode, Node, ScalarNode
from yaml.parser import Parser
from yaml.reader import Reader
from yaml.resolver import BaseResolver
from yaml.scanner import Scanner

__all__ = ["YAMLProblemError", "dump", "load"]

#: Integers longer than this are refused (Python refuses to read over 4300 digits anyway).
_MAX_DIGITS = 100

_TAG = "tag:yaml.org,2002:"


class YAMLProblemError(Exception):
    """Something a policy file may not contain, at a line and column (both from 1)."""

    def __init__(self, message: str, line: int, column: int) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


def _problem(message: str, mark: Any) -> YAMLProblemError:
    return YAMLProblemError(message, mark.line + 1, mark.column + 1)


class _Resolver(BaseResolver):
    """The implicit types of the YAML 1.2 core schema, and nothing else."""


_Resolver.add_implicit_resolver(
    _TAG + "null", re.compile(r"^(?:~|null|Null|NULL|)$"), ["~", "n", "N", ""]
)
_Resolver.add_implicit_resolver(
    _TAG + "bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)
_Resolver.add_implicit_resolver(
    _TAG + "int",
    re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$"),
    list("-+0123456789"),
)
_Resolver.add_implicit_resolver(
    _TAG + "float",
    re.compile(
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
    ),
    list("-+.0123456789"),
)


class _Constructor(SafeConstructor):
    """Core-schema values only; a key given twice is refused."""

    def construct_yaml_int(self, node: ScalarNode) -> int:
        text = str(self.construct_scalar(node))
        digits = text.lstrip("+-")
        if len(digits) > _MAX_DIGITS:
            raise _problem(
                f"an integer of {len(digits)} digits is too long (at most {_MAX_DIGITS})",
                node.start_mark,
            )
        if digits.startswith("0o"):
            value = int(digits[2:], 8)
        elif digits.startswith("0x"):
            value = int(digits[2:], 16)
        else:
            value = int(digits)
        return -value if text.startswith("-") else value

    def construct_yaml_float(self, node: ScalarNode) -> float:
        text = str(self.construct_scalar(node)).lower()
        if text.endswith(".inf"):
            return float("-inf") if text.startswith("-") else float("inf")
        if text == ".nan":
            return float("nan")
        return float(text)

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, Node] = {}
        for key_node, _ in node.value:
            if key_node.tag == _TAG + "merge" or (
                isinstance(key_node, ScalarNode)
                and key_node.style is None
                and key_node.value == "<<"
            ):
                raise _problem(
                    "merge keys (<<) are not supported in policy files; write the keys out "
                    "or reuse a whole value with an anchor (&name) and an alias (*name)",
                    key_node.start_mark,
                )
            key = self.construct_object(key_node, deep=True)
            try:
                first = seen.get(key)
            except TypeError:
                raise _problem("a mapping key must be a scalar", key_node.start_mark) from None
            if first is not None:
                raise _problem(
                    f"key {_shown(key)} is given twice in this mapping (first at line "
                    f"{first.start_mark.line + 1}); remove one of them",
                    key_node.start_mark,
                )
            seen[key] = key_node
        return super().construct_mapping(node, deep=deep)

    def construct_undefined(self, node: Node) -> NoReturn:
        raise _problem(
            f"the tag {node.tag!r} is not allowed in a policy file; write plain values",
            node.start_mark,
        )


_Constructor.yaml_constructors = {
    _TAG + "null": SafeConstructor.construct_yaml_null,
    _TAG + "bool": SafeConstructor.construct_yaml_bool,
    _TAG + "int": _Constructor.construct_yaml_int,
    _TAG + "float": _Constructor.construct_yaml_float,
    _TAG + "str": SafeConstructor.construct_yaml_str,
    _TAG + "seq": SafeConstructor.construct_yaml_seq,
    _TAG + "map": SafeConstructor.construct_yaml_map,
    None: _Constructor.construct_undefined,
}


def _shown(key: object) -> str:
    text = repr(key)
    return text if len(text) <= 60 else text[:57] + "..."


class _Composer(Composer, Parser):
    """Nesting bounded; an alias inside the value it names refused."""

    max_depth: int
    reader: str
    _depth: int
    _open: set[str]

    def compose_node(self, parent: Node | None, index: int) -> Node | None:
        event = self.peek_event()  # type: ignore[no-untyped-call]  # untyped in the stubs
        if isinstance(event, AliasEvent) and event.anchor in self._open:
            raise _problem(
                f"the alias *{event.anchor} is inside the value it names (&{event.anchor}), "
                "which would be infinite",
                event.start_mark,
            )
        self._depth += 1
        if self._depth > self.max_depth:
            raise _problem(
                f"the document nests deeper than {self.max_depth} levels "
                f"(pass max_depth= to {self.reader} to allow more)",
                event.start_mark,
            )
        anchor = event.anchor if isinstance(event, NodeEvent) else None
        if anchor is not None:
            self._open.add(anchor)
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1
            if anchor is not None:
                self._open.discard(anchor)


class _Loader(Reader, Scanner, _Composer, _Constructor, _Resolver):
    def __init__(self, text: str, max_depth: int, reader: str) -> None:
        Reader.__init__(self, text)
        Scanner.__init__(self)
        Parser.__init__(self)
        Composer.__init__(self)
        _Constructor.__init__(self)
        _Resolver.__init__(self)
        self.max_depth = max_depth
        self.reader = reader
        self._depth = 0
        self._open: set[str] = set()


def load(text: str, max_depth: int, reader: str = "load_policy") -> object:
    """Read one YAML document of `text`; `reader` is the function errors tell to call.

    Raises:
        YAMLProblemError: for what a policy file may not contain, with its line and column.
        yaml.YAMLError: for text that is not YAML.
    """
    loader = _Loader(text, max_depth, reader)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


class _Dumper(yaml.SafeDumper):
    """YAML 1.1's implicit types and the loader's: text that either would misread is quoted."""


for _first, _resolvers in _Resolver.yaml_implicit_resolvers.items():
    for _tag, _pattern in _resolvers:
        _Dumper.add_implicit_resolver(_tag, _pattern, [_first])


def dump(document: object, allow_unicode: bool) -> str:
    """Write `document` as YAML that this loader (and a YAML 1.1 reader) reads back equal."""
    return str(yaml.dump(document, Dumper=_Dumper, allow_unicode=allow_unicode, sort_keys=False))


#: The error PyYAML raises for text that is not YAML, for callers that do not import yaml.
YAMLError = yaml.YAMLError
