"""Catalogs of message templates: the bundled one per locale, and the host's overrides.

A catalog holds, per locale, two kinds of Jinja2 phrases:

- the *layout* of the locale: greetings, closings and urgency lines per tone, the payment,
  contact and "already paid" lines, labels and the signature, shared by every message;
- the *entries*: one per template id (``due-today``, ``overdue``, ``hand-off``...), each with a
  ``subject``, a ``body`` and a short ``sms`` phrase, and, where the layout's do not fit (a
  receipt asks for no payment), its own ``pay``, ``paid_already`` or ``urgency`` line. A
  phrase may have a variant per tone (``body_final``), used when the message has that tone.

A locale may extend another of its language (``es_CO`` extends ``es``): a phrase it does not
state comes from the locale it extends, in the same language. When a template is missing from
the customer's locale altogether, `Catalog.resolve` falls back along ``es_CO`` → ``es`` →
``en`` and says so; the rendered message then carries both locales.

>>> catalog = bundled_catalog()
>>> catalog.resolve("due-today", "es_CO")
('due-today', 'es_CO')
>>> catalog.resolve("due-today", "es_AR")
('due-today', 'es')
>>> catalog.resolve("due-today", "de_DE")
('due-today', 'en')
>>> catalog.with_aliases({"b2c-due-today": "due-today"}).resolve("b2c-due-today", "pt_BR")
('due-today', 'pt_BR')
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from functools import cache, cached_property
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from babel import Locale, UnknownLocaleError

from dunning.errors import TemplateError, TemplateNotFoundError

if TYPE_CHECKING:
    from jinja2 import Template

    from dunning.policy.lint import LintFinding
    from dunning.policy.model import Policy, PolicySet

__all__ = [
    "LOCALES",
    "MESSAGE_KINDS",
    "PHRASES",
    "Catalog",
    "bundled_catalog",
    "fallback_chain",
    "load_catalog",
]

#: The locales the bundled catalog is written in.
LOCALES = ("en", "es", "es_CL", "es_CO", "es_MX", "pt_BR")

#: The template ids of the bundled catalog, one per kind of message, in the order of a
#: collection: before the due date, on it, after it, the stages, plans, and the receipt.
MESSAGE_KINDS = (
    "upcoming",
    "due-today",
    "overdue",
    "overdue-repeat",
    "call-notice",
    "suspension-notice",
    "suspended",
    "resumed",
    "hand-off",
    "plan-offer",
    "plan-installment-due",
    "plan-installment-late",
    "statement",
    "receipt",
)

#: The phrases of an entry, and of a locale's layout.
PHRASES: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "entry": ("subject", "body", "sms", "pay", "paid_already", "urgency"),
        "layout": (
            "documents",
            "greeting",
            "closing",
            "urgency",
            "sms_prefix",
            "pay",
            "paid_already",
            "contact",
            "items_intro",
            "item",
            "signature",
            "letter_date",
            "letter_reference",
            "letter_closing",
            "link_text",
            "required_content",
        ),
    }
)
_TONES = ("friendly", "neutral", "firm", "final")
_DATA = Path(__file__).parent / "locales"


def _phrase_names(kind: str) -> frozenset[str]:
    names = PHRASES[kind]
    return frozenset((*names, *(f"{name}_{tone}" for name in names for tone in _TONES)))


_ENTRY_NAMES = _phrase_names("entry")
_LAYOUT_NAMES = _phrase_names("layout")


def fallback_chain(locale: str) -> tuple[str, ...]:
    """The locales tried for `locale`, in order: itself, its language, then English.

    >>> fallback_chain("es_CO"), fallback_chain("en_US"), fallback_chain("pt-BR")
    (('es_CO', 'es', 'en'), ('en_US', 'en'), ('pt_BR', 'pt', 'en'))
    """
    tag = locale.replace("-", "_")
    chain = [tag]
    language = tag.split("_", 1)[0]
    for candidate in (language, "en"):
        if candidate not in chain:
            chain.append(candidate)
    return tuple(chain)


def _check_locale(locale: str, where: str) -> str:
    try:
        Locale.parse(locale)
    except (UnknownLocaleError, ValueError):
        raise TemplateError(
            f"{where}: {locale!r} is not a locale known to babel (use a tag such as 'es_CO')"
        ) from None
    return locale


def _phrases(values: Mapping[str, Any], kind: str, where: str) -> MappingProxyType[str, str]:
    allowed = _ENTRY_NAMES if kind == "entry" else _LAYOUT_NAMES
    unknown = sorted(set(values) - allowed)
    if unknown:
        raise TemplateError(
            f"{where}: unknown phrase(s) {', '.join(map(repr, unknown))}; a phrase is one of "
            f"{', '.join(PHRASES[kind])}, or one of them with a tone suffix such as '_final'"
        )
    for name, source in values.items():
        if not isinstance(source, str):
            raise TemplateError(f"{where}: phrase {name!r} must be a string, got {source!r}")
    return MappingProxyType(dict(values))


class _Locale:
    """The phrases of one locale, as written (without what it extends)."""

    def __init__(
        self,
        name: str,
        extends: str | None,
        layout: Mapping[str, str],
        entries: Mapping[str, Mapping[str, str]],
    ) -> None:
        self.name = name
        self.extends = extends
        self.layout = layout
        self.entries = entries


class Catalog:
    """Message templates per locale, with aliases from a policy's template ids to entries.

    Build one with `bundled_catalog()` and change it with `with_overrides` (the host's own
    phrases, from a mapping or a TOML file with `load_catalog`) and `with_aliases`. A catalog
    never changes once built; each of those methods returns a new one.
    """

    def __init__(
        self,
        locales: Mapping[str, _Locale],
        aliases: Mapping[str, str] | None = None,
    ) -> None:
        self._locales = MappingProxyType(dict(locales))
        self._aliases = MappingProxyType(dict(aliases or {}))
        for alias, target in self._aliases.items():
            if alias == target:
                raise TemplateError(f"alias {alias!r} points to itself")
            if not any(target in locale.entries for locale in self._locales.values()):
                raise TemplateError(
                    f"alias {alias!r} points to {target!r}, which no locale of the catalog holds"
                )
        for locale in self._locales.values():
            if locale.extends is not None and locale.extends not in self._locales:
                raise TemplateError(
                    f"locale {locale.name!r} extends {locale.extends!r}, which the catalog "
                    "does not hold"
                )
        self._compiled: dict[tuple[str, str, str, bool], Template] = {}

    # -- what it holds ---------------------------------------------------------------------

    @property
    def locales(self) -> tuple[str, ...]:
        """The locales the catalog is written in, sorted."""
        return tuple(sorted(self._locales))

    @property
    def aliases(self) -> Mapping[str, str]:
        """Template ids a policy may use, and the entry each stands for."""
        return self._aliases

    @cached_property
    def templates(self) -> tuple[str, ...]:
        """Every template id of the catalog (entries of any locale, and aliases), sorted."""
        ids = {name for locale in self._locales.values() for name in locale.entries}
        return tuple(sorted(ids | set(self._aliases)))

    def __contains__(self, template: object) -> bool:
        return isinstance(template, str) and template in self.templates

    def _chain(self, locale: str) -> tuple[_Locale, ...]:
        """The locale and those it extends, nearest first."""
        found: list[_Locale] = []
        current: str | None = locale
        while current is not None and current in self._locales:
            found.append(self._locales[current])
            current = self._locales[current].extends
        return tuple(found)

    def has_entry(self, template: str, locale: str) -> bool:
        """Whether `locale` (or a locale it extends) holds the entry `template`."""
        return any(template in part.entries for part in self._chain(locale))

    def resolve(self, template: str, locale: str) -> tuple[str, str]:
        """The entry id and the catalog locale used for `template` in `locale`.

        Raises:
            TemplateNotFoundError: when no locale of the fallback chain holds the template.
        """
        entry = self._aliases.get(template, template)
        chain = fallback_chain(locale)
        for candidate in chain:
            if self.has_entry(entry, candidate):
                return entry, candidate
        shown = entry if entry == template else f"{template!r} (alias of {entry!r})"
        raise TemplateNotFoundError(
            f"no template {shown!r} in locales {', '.join(chain)}; the catalog holds: "
            f"{', '.join(self.templates) or 'nothing'}"
        )

    def phrase(self, template: str | None, name: str, locale: str, tone: str) -> str | None:
        """The source of phrase `name` (its `tone` variant first) of an entry or the layout.

        `template` None asks for a layout phrase. Locales extended by `locale` are searched
        after it; None when no locale states the phrase.
        """
        for part in self._chain(locale):
            phrases = part.layout if template is None else part.entries.get(template)
            if phrases is None:
                continue
            for key in (f"{name}_{tone}", name):
                if key in phrases:
                    return phrases[key]
        return None

    def source(self, template: str, locale: str) -> dict[str, str]:
        """Every phrase of entry `template` in `locale` (with what it inherits), by name."""
        merged: dict[str, str] = {}
        for part in reversed(self._chain(locale)):
            merged.update(part.entries.get(template, {}))
        return merged

    def compiled(
        self, template: str | None, name: str, locale: str, tone: str, *, html: bool = False
    ) -> Template | None:
        """The phrase compiled in the sandbox (cached), or None when no locale states it."""
        key = (template or "", f"{name}/{tone}", locale, html)
        if key in self._compiled:
            return self._compiled[key]
        source = self.phrase(template, name, locale, tone)
        if source is None:
            return None
        from dunning.messages._sandbox import compile_template

        where = f"{template or 'layout'!r} {name} ({locale}{', html' if html else ''})"
        compiled = compile_template(source, where=where, html=html)
        self._compiled[key] = compiled
        return compiled

    def lint_policy(self, policy: Policy | PolicySet) -> tuple[LintFinding, ...]:
        """Findings (DUN020) for each template `policy` names that the catalog lacks."""
        from dunning.messages.check import missing_templates

        return missing_templates(policy, self)

    # -- changing it -----------------------------------------------------------------------

    def with_aliases(self, aliases: Mapping[str, str]) -> Catalog:
        """A catalog where each of `aliases` (a policy's template id) names an entry."""
        return Catalog(self._locales, {**self._aliases, **aliases})

    def with_overrides(
        self, overrides: Mapping[str, Any], *, where: str = "overrides", check: bool = True
    ) -> Catalog:
        """A catalog where the host's phrases replace or add to the bundled ones.

        `overrides` maps a locale to ``{"layout": {phrase: source}, "templates": {id:
        {phrase: source}}, "extends": locale}``; every part is optional. Each phrase is
        compiled in the sandbox at once, so a hostile or broken template is refused here,
        not when the first message is rendered.

        Args:
            overrides: The host's phrases, by locale.
            where: Where they come from, for error messages (a file name).
            check: Compile every phrase at once (the bundled catalog, tested, skips it).

        Raises:
            TemplateError: for an unknown phrase, a phrase that does not compile, or a
                locale babel does not know; `UnsafeTemplateError` for a hostile template.
        """
        locales = dict(self._locales)
        for locale_name, values in overrides.items():
            context = f"{where}: locale {locale_name!r}"
            _check_locale(locale_name, where)
            if not isinstance(values, Mapping):
                raise TemplateError(f"{context} must be a table of 'layout' and 'templates'")
            unknown = sorted(set(values) - {"layout", "templates", "extends"})
            if unknown:
                raise TemplateError(
                    f"{context}: unknown key(s) {', '.join(map(repr, unknown))} "
                    "(expected 'layout', 'templates', 'extends')"
                )
            base = locales.get(locale_name)
            layout = dict(base.layout) if base else {}
            layout.update(_phrases(values.get("layout", {}), "layout", f"{context} layout"))
            entries = {
                name: dict(phrases) for name, phrases in (base.entries if base else {}).items()
            }
            for template, phrases in values.get("templates", {}).items():
                if not isinstance(phrases, Mapping):
                    raise TemplateError(f"{context}: template {template!r} must be a table")
                entries.setdefault(template, {}).update(
                    _phrases(phrases, "entry", f"{context} template {template!r}")
                )
            extends = values.get("extends", base.extends if base else None)
            if extends is None and locale_name != "en":
                language = locale_name.split("_", 1)[0]
                extends = language if language != locale_name and language in locales else None
            locales[locale_name] = _Locale(
                locale_name,
                extends,
                MappingProxyType(layout),
                MappingProxyType({k: MappingProxyType(v) for k, v in entries.items()}),
            )
        if check:
            _compile_overrides(overrides, where)
        return Catalog(locales, self._aliases)


def _compile_overrides(overrides: Mapping[str, Any], where: str) -> None:
    from dunning.messages._sandbox import compile_template

    for locale_name, values in overrides.items():
        parts = [(None, values.get("layout", {})), *values.get("templates", {}).items()]
        for template, phrases in parts:
            for name, source in phrases.items():
                what = "layout" if template is None else repr(template)
                compile_template(source, where=f"{what} {name} ({locale_name}, {where})")


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as file:
            return tomllib.load(file)
    except OSError as error:
        raise TemplateError(f"cannot read the catalog file {str(path)!r}: {error}") from None
    except tomllib.TOMLDecodeError as error:
        raise TemplateError(f"catalog file {str(path)!r} is not valid TOML: {error}") from None


@cache
def bundled_catalog() -> Catalog:
    """The catalog shipped with the library, in the locales of `LOCALES`."""
    overrides: dict[str, Any] = {}
    for locale in LOCALES:
        data = _read_toml(_DATA / f"{locale}.toml")
        overrides[locale] = data
    return Catalog({}).with_overrides(overrides, where="bundled catalog", check=False)


def load_catalog(
    path: str | Path, *, base: Catalog | None = None, aliases: Iterable[tuple[str, str]] = ()
) -> Catalog:
    """The catalog `base` (the bundled one by default) with the host's file applied.

    The file is TOML: an ``[aliases]`` table maps a policy's template ids to entries, and a
    table per locale holds ``layout`` and ``templates`` phrases, e.g.::

        [aliases]
        "b2c-due-today" = "due-today"

        [es_CO.templates.due-today]
        sms = "{{ customer_name }}, su factura {{ invoices }} vence hoy. {{ link }}"

    Raises:
        TemplateError: when the file cannot be read or holds a phrase that is refused.
    """
    path = Path(path)
    data = _read_toml(path)
    file_aliases = data.pop("aliases", {})
    catalog = (bundled_catalog() if base is None else base).with_overrides(data, where=str(path))
    return catalog.with_aliases({**file_aliases, **dict(aliases)})
