"""The exceptions raised by `dunning`.

Every exception derives from `DunningError`; errors caused by misuse also derive from the
matching builtin, so `except ValueError` keeps working in code that does not know this library::

    DunningError
    ├── CurrencyError(ValueError)            unknown ISO 4217 code
    ├── CurrencyMismatchError(ValueError)    arithmetic or comparison across currencies
    ├── MoneyError(ValueError)               an amount that cannot be split, allocated or quantised
    ├── CalendarError(ValueError)            an unknown country, subdivision or roll convention
    ├── RateNotFoundError(LookupError)       no rate in force on the requested date
    ├── TermsParseError(ValueError)          a payment-terms string that cannot be read
    ├── InvalidPolicyError(ValueError)       a policy file or mapping that does not validate
    ├── AllocationError(ValueError)          a payment that cannot be allocated as asked
    ├── PlanError(ValueError)                an installment plan that cannot be built as asked
    ├── InputError(ValueError)               a row of an input file that cannot be read
    ├── UnknownJurisdictionError(LookupError) a jurisdiction code the registry does not hold
    ├── StatutoryOptionError(ValueError)     a statutory preset's option missing or contradictory
    ├── ContactLawError(ValueError)          contact-law input missing or impossible (zone, consent)
    └── MissingDependencyError(ImportError)  an optional extra is not installed

Validation of models (an `Invoice` with a due date before its issue date, a float given as an
amount) raises `pydantic.ValidationError`, whose entries carry stable `dunning.*` error types.
"""

from __future__ import annotations

__all__ = [
    "AllocationError",
    "CalendarError",
    "ContactLawError",
    "CurrencyError",
    "CurrencyMismatchError",
    "DunningError",
    "InputError",
    "InvalidPolicyError",
    "MissingDependencyError",
    "MoneyError",
    "PlanError",
    "RateNotFoundError",
    "StatutoryOptionError",
    "TermsParseError",
    "UnknownJurisdictionError",
]


class DunningError(Exception):
    """Base class of every exception raised by `dunning`."""


class CurrencyError(DunningError, ValueError):
    """A currency code that is not a known ISO 4217 code."""


class CurrencyMismatchError(DunningError, ValueError):
    """Two amounts in different currencies were combined or compared."""


class MoneyError(DunningError, ValueError):
    """An amount that cannot be split, allocated or quantised as asked."""


class CalendarError(DunningError, ValueError):
    """An unknown country, subdivision, weekday or roll convention."""


class RateNotFoundError(DunningError, LookupError):
    """No rate of a rate table is in force on the requested date."""


class TermsParseError(DunningError, ValueError):
    """A payment-terms string that the parser cannot read."""


class InvalidPolicyError(DunningError, ValueError):
    """A policy document that does not validate; the message gives the path, value and rule."""


class AllocationError(DunningError, ValueError):
    """A payment that cannot be allocated with the requested strategy."""


class PlanError(DunningError, ValueError):
    """An installment plan that cannot be built or evaluated as asked."""


class InputError(DunningError, ValueError):
    """A row of an input file (invoices, customers, history) that cannot be read."""


class UnknownJurisdictionError(DunningError, LookupError):
    """A jurisdiction code that the statutory registry does not hold."""


class StatutoryOptionError(DunningError, ValueError):
    """An option a statutory preset needs is missing or contradictory."""


class ContactLawError(DunningError, ValueError):
    """Contact-law input that is missing or impossible: no time zone, a consent from the future."""


class MissingDependencyError(DunningError, ImportError):
    """An optional dependency is not installed; the message gives the `pip install` command."""


def missing_dependency(package: str, extra: str) -> MissingDependencyError:
    """Build the error raised when the optional `package` of the `extra` extra is missing."""
    return MissingDependencyError(
        f"this feature needs the optional package {package!r}; "
        f'install it with: pip install "dunning[{extra}]"'
    )
