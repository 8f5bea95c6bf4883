"""The exceptions raised by `dunning`.

Every exception derives from `DunningError`; errors caused by misuse also derive from the
matching builtin, so `except ValueError` keeps working in code that does not know this library::

    DunningError
    ├── CurrencyError(ValueError)            unknown ISO 4217 code
    ├── CurrencyMismatchError(ValueError)    arithmetic or comparison across currencies
    ├── MoneyError(ValueError)               an amount that cannot be split, allocated or quantised
    ├── CalendarError(ValueError)            an unknown country, subdivision or roll convention
    ├── RateNotFoundError(LookupError)       no rate in force on the requested date
    │   └── StaleRateError                   a date after the last verified day of a table
    ├── TermsParseError(ValueError)          a payment-terms string that cannot be read
    ├── TermsError(ValueError)               payment terms that cannot schedule an invoice as asked
    ├── InvalidPolicyError(ValueError)       a policy file or mapping that does not validate
    ├── AllocationError(ValueError)          a payment that cannot be allocated as asked
    ├── ArgumentTypeError(TypeError)         an argument of the wrong type (a datetime for a date)
    ├── PlanError(ValueError)                an installment plan that cannot be built as asked
    ├── InputError(ValueError)               a row of an input file that cannot be read
    ├── TableSchemaError(ValueError)         an Arrow table whose columns break the schema
    ├── UnknownJurisdictionError(LookupError) a jurisdiction code the registry does not hold
    ├── StatutoryOptionError(ValueError)     a statutory preset's option missing or contradictory
    ├── ContactLawError(ValueError)          contact-law input missing or impossible (zone, consent)
    ├── MissingContentError(ValueError)      a message lacks content its contact law requires
    ├── UnverifiablePromiseError(ValueError) a declared promise that no simulated run can check
    ├── PromiseBrokenError(AssertionError)   `assert_keeps` found a declared promise broken
    ├── MissingDependencyError(ImportError)  an optional extra is not installed
    ├── ChannelNotConfiguredError(LookupError) no sender registered for a message's channel
    ├── IdempotencyConflictError(ValueError) an idempotency key reused for another request
    ├── TemplateNotFoundError(LookupError)   a message template the catalog does not hold
    ├── TemplateError(ValueError)            a message template that does not compile or render
    │   └── UnsafeTemplateError              a template reaching for what the sandbox forbids
    ├── StoreError                           the runner's store cannot be opened or written
    │   ├── StoreLockedError                 another process holds the database past the timeout
    │   └── StoreSchemaError                 a store schema this version cannot use (newer, damaged)
    └── ChannelConfigError(ValueError)       a channels file the runner cannot use

Validation of models (an `Invoice` with a due date before its issue date, a float given as an
amount) raises `pydantic.ValidationError`, whose entries carry stable `dunning.*` error types.

`StaleRateWarning(UserWarning)` is issued instead of `StaleRateError` by a table whose user
chose to reuse its last rate after its last verified day.
"""

from __future__ import annotations

__all__ = [
    "AllocationError",
    "ArgumentTypeError",
    "CalendarError",
    "ChannelConfigError",
    "ChannelNotConfiguredError",
    "ContactLawError",
    "CurrencyError",
    "CurrencyMismatchError",
    "DunningError",
    "IdempotencyConflictError",
    "InputError",
    "InvalidPolicyError",
    "MissingContentError",
    "MissingDependencyError",
    "MoneyError",
    "PlanError",
    "PromiseBrokenError",
    "RateNotFoundError",
    "StaleRateError",
    "StaleRateWarning",
    "StatutoryOptionError",
    "StoreError",
    "StoreLockedError",
    "StoreSchemaError",
    "TableSchemaError",
    "TemplateError",
    "TemplateNotFoundError",
    "TermsError",
    "TermsParseError",
    "UnknownJurisdictionError",
    "UnsafeTemplateError",
    "UnverifiablePromiseError",
]


class DunningError(Exception):
    """Base class of every exception raised by `dunning`."""


class ArgumentTypeError(DunningError, TypeError):
    """An argument of the wrong type: a datetime or a text where a date is expected."""


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


class StaleRateError(RateNotFoundError):
    """A date after the last day for which a rate table's figures were verified."""


class StaleRateWarning(UserWarning):
    """A table's last rate reused after its last verified day, as its user chose."""


class TermsParseError(DunningError, ValueError):
    """A payment-terms string that the parser cannot read."""


class TermsError(DunningError, ValueError):
    """Payment terms that cannot schedule an invoice as asked (a line, a date, a rounding)."""


class InvalidPolicyError(DunningError, ValueError):
    """A policy document that does not validate; the message gives the path, value and rule."""


class AllocationError(DunningError, ValueError):
    """A payment that cannot be allocated with the requested strategy."""


class PlanError(DunningError, ValueError):
    """An installment plan that cannot be built or evaluated as asked."""


class InputError(DunningError, ValueError):
    """A row of an input file (invoices, customers, history) that cannot be read."""


class TableSchemaError(DunningError, ValueError):
    """An Arrow table with a missing, unknown or mistyped column, or a null in a required one."""


class UnknownJurisdictionError(DunningError, LookupError):
    """A jurisdiction code that the statutory registry does not hold."""


class StatutoryOptionError(DunningError, ValueError):
    """An option a statutory preset needs is missing or contradictory."""


class UnverifiablePromiseError(DunningError, ValueError):
    """A declared promise that no simulated run could show broken, so it cannot be checked."""


class PromiseBrokenError(DunningError, AssertionError):
    """A policy broke a declared promise in `assert_keeps`; the message is the whole report."""


class ContactLawError(DunningError, ValueError):
    """Contact-law input that is missing or impossible: no time zone, a consent from the future."""


class MissingContentError(DunningError, ValueError):
    """A collection message that lacks content its contact law requires (a tax id, a contract)."""


class MissingDependencyError(DunningError, ImportError):
    """An optional dependency is not installed; the message gives the `pip install` command."""


class StoreError(DunningError):
    """The runner's store cannot be opened, read or written; the message names the store."""


class StoreLockedError(StoreError):
    """Another process held the store's database locked for longer than the timeout."""


class StoreSchemaError(StoreError):
    """The store holds a schema this version cannot use: written by a newer one, or damaged."""


class ChannelConfigError(DunningError, ValueError):
    """A channels file with an unknown key, a bad value or a secret missing from the environment."""


def missing_dependency(package: str, extra: str) -> MissingDependencyError:
    """Build the error raised when the optional `package` of the `extra` extra is missing."""
    return MissingDependencyError(
        f"this feature needs the optional package {package!r}; "
        f'install it with: pip install "dunning[{extra}]"'
    )


class ChannelNotConfiguredError(DunningError, LookupError):
    """No sender is registered for a channel a message must go out on."""


class IdempotencyConflictError(DunningError, ValueError):
    """An idempotency key reused for a different request (providers refuse it too)."""


class TemplateNotFoundError(DunningError, LookupError):
    """A message template that the catalog does not hold, in any fallback locale."""


class TemplateError(DunningError, ValueError):
    """A message template that does not compile, or fails to render (e.g. an unknown value)."""


class UnsafeTemplateError(TemplateError):
    """A message template that reaches for something the sandbox forbids."""
