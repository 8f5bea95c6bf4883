"""Hypothesis strategies for where customers are: locales and time zones."""

from __future__ import annotations

from zoneinfo import available_timezones

from hypothesis import strategies as st

__all__ = ["locales", "time_zones"]

#: The locales of the library's users' customers, the first one simplest.
_LOCALES = ("en_US", "es_CO", "es_CL", "es_MX", "pt_BR", "en", "es", "en_GB", "de_DE", "fr_FR")

#: Their time zones, UTC first.
_ZONES = (
    "UTC",
    "America/Bogota",
    "America/Santiago",
    "America/Mexico_City",
    "America/Sao_Paulo",
    "America/Tijuana",
    "America/New_York",
    "Europe/London",
    "Europe/Madrid",
    "Pacific/Easter",
)


def locales() -> st.SearchStrategy[str]:
    """Locales of Colombia, Chile, Mexico, Brazil, Spain, the UK, the US, Germany and France.

    Shrinks towards ``"en_US"``.
    """
    return st.sampled_from(_LOCALES)


def time_zones(*, every: bool = False) -> st.SearchStrategy[str]:
    """IANA time zones of those countries (with Easter Island and Tijuana for their offsets).

    ``every=True`` draws from every zone the system's database knows after those. Shrinks
    towards ``"UTC"``.
    """
    if not every:
        return st.sampled_from(_ZONES)
    return st.sampled_from(_ZONES + tuple(sorted(available_timezones() - set(_ZONES))))
