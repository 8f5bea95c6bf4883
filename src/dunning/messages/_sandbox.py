"""The Jinja2 sandbox that compiles and renders catalog templates (optional extra ``messages``).

A template written by a user may print variables, use `if`/`for`/`set` and a short list of
filters, and nothing else: no method or function calls, no attribute starting with `_`, no
`include`/`extends`/`import` (so no file system), no globals, no repetition of strings or
lists and no large powers. Every refusal is a `UnsafeTemplateError` naming the template,
the locale, the part and the reason; a missing variable is a `TemplateError`, never a blank.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from functools import cache
from typing import TYPE_CHECKING, Any

from dunning.errors import TemplateError, UnsafeTemplateError, missing_dependency

if TYPE_CHECKING:
    from jinja2 import Template

__all__ = ["compile_template", "render_template"]

#: Filters a template may use: formatting of text and lists, nothing that reaches objects.
_FILTERS = (
    "capitalize",
    "default",
    "e",
    "escape",
    "first",
    "join",
    "last",
    "length",
    "lower",
    "replace",
    "title",
    "trim",
    "truncate",
    "upper",
    "wordwrap",
)
_FORBIDDEN_TAGS = {
    "Include": "include",
    "Extends": "extends",
    "Import": "import",
    "FromImport": "from ... import",
    "Macro": "macro",
    "CallBlock": "call",
}
_MAX_POWER = 64


def _jinja() -> Any:
    try:
        import jinja2
        import jinja2.sandbox
    except ImportError:  # pragma: no cover - exercised in an environment without the extra
        raise missing_dependency("jinja2", "messages") from None
    return jinja2


@cache
def _environment(html: bool) -> Any:
    jinja2 = _jinja()
    from jinja2.exceptions import SecurityError
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    class _Sandbox(ImmutableSandboxedEnvironment):
        intercepted_binops = frozenset({"*", "**"})

        def call(
            __self,  # noqa: N805 -- jinja2's own signature keeps `self` free for the template
            __context: Any,
            __obj: Any,
            *args: Any,
            **kwargs: Any,
        ) -> Any:
            name = getattr(__obj, "__name__", type(__obj).__name__)
            raise SecurityError(f"calling {name!r} is not allowed in a message template")

        def call_binop(self, context: Any, operator_name: str, left: Any, right: Any) -> Any:
            if not all(isinstance(value, int | float) for value in (left, right)):
                raise SecurityError(
                    f"{operator_name!r} on {type(left).__name__} and {type(right).__name__} "
                    "is not allowed in a message template (it repeats text or lists)"
                )
            if operator_name == "**" and abs(right) > _MAX_POWER:
                raise SecurityError(f"a power above {_MAX_POWER} is not allowed")
            operation: Callable[[Any, Any], Any] = (
                operator.mul if operator_name == "*" else operator.pow
            )
            return operation(left, right)

    environment = _Sandbox(
        autoescape=html,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=False,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.globals.clear()
    environment.filters = {name: environment.filters[name] for name in _FILTERS}
    environment.tests = {
        name: environment.tests[name] for name in ("defined", "undefined", "none", "number")
    }
    return environment


def compile_template(source: str, *, where: str, html: bool = False) -> Template:
    """Compile `source` in the sandbox, refusing what a message template may not do.

    Args:
        source: The template text.
        where: What the template is, for error messages ("'due-today' (es_CO, sms)").
        html: Whether to auto-escape the values it prints (HTML e-mail parts).

    Raises:
        UnsafeTemplateError: for a tag or filter that is not allowed.
        TemplateError: for a syntax error.
    """
    jinja2 = _jinja()
    environment = _environment(html)
    try:
        tree = environment.parse(source)
    except jinja2.TemplateSyntaxError as error:
        raise TemplateError(
            f"template {where} does not compile: {error.message} (line {error.lineno})"
        ) from None
    for kind, tag in _FORBIDDEN_TAGS.items():
        if any(True for _ in tree.find_all(getattr(jinja2.nodes, kind))):
            raise UnsafeTemplateError(
                f"template {where} is refused: '{{% {tag} %}}' is not allowed in a message "
                "template (templates cannot read other files or define macros)"
            )
    for node in tree.find_all(jinja2.nodes.Filter):
        if node.name not in environment.filters:
            raise UnsafeTemplateError(
                f"template {where} is refused: the filter {node.name!r} is not allowed "
                f"(allowed: {', '.join(_FILTERS)})"
            )
    try:
        return environment.from_string(tree)  # type: ignore[no-any-return]
    except jinja2.TemplateError as error:  # pragma: no cover - parse has already checked it
        raise TemplateError(f"template {where} does not compile: {error}") from None


def render_template(template: Template, values: Mapping[str, Any], *, where: str) -> str:
    """Render a compiled template with `values`, turning Jinja's errors into ours.

    Raises:
        UnsafeTemplateError: when the template reaches for something the sandbox forbids.
        TemplateError: when it uses a variable that is not given, or fails otherwise.
    """
    jinja2 = _jinja()
    from jinja2.exceptions import SecurityError

    try:
        return template.render(values)
    except SecurityError as error:
        raise UnsafeTemplateError(f"template {where} is refused: {error}") from None
    except jinja2.UndefinedError as error:
        raise TemplateError(
            f"template {where} uses an unknown value: {error.message}; "
            f"known values: {', '.join(sorted(values))}"
        ) from None
    except (jinja2.TemplateError, TypeError, ValueError, ArithmeticError) as error:
        raise TemplateError(f"template {where} failed: {error}") from None
