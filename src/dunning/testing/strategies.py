"""Hypothesis strategies for every domain type of `dunning` (optional extra ``testing``).

Use them to test code and policies built on the library::

    from hypothesis import given
    from dunning.testing.strategies import money, portfolios, engine_policies

Every strategy is a function with a plural-noun name returning a `SearchStrategy`; each
docstring says what it shrinks towards. Importing the module also registers a strategy for
every domain type (`register_domain_types`), so ``st.from_type(Invoice)`` and ``st.builds``
of anything that takes domain types just work.
"""

from __future__ import annotations

try:
    import hypothesis  # noqa: F401 -- only to give a clear error when it is missing
except ImportError as error:  # pragma: no cover - depends on the environment
    from dunning.errors import missing_dependency

    raise missing_dependency("hypothesis", "testing") from error

from dunning.testing._engine import (
    Portfolio,
    cadences,
    customers,
    daily_history,
    engine_policies,
    histories,
    invoices,
    portfolios,
)
from dunning.testing._money import (
    currencies,
    money,
)
from dunning.testing._penalties import (
    fee_bands,
    fixed_fees,
    interest_rules,
    late_fees,
    per_currency_amounts,
    percent_fees,
    rate_fixings,
    tiered_fees,
)
from dunning.testing._places import locales, time_zones
from dunning.testing._plans import (
    customer_invoices,
    frequencies,
    installment_plans,
    payments_for,
    plan_terms,
)
from dunning.testing._policies import (
    fee_caps,
    frequency_caps,
    policies,
    policy_sets,
    reminder_steps,
    send_windows,
    stage_fees,
    stages,
)
from dunning.testing._registry import register_domain_types
from dunning.testing._scenarios import (
    InvoiceStory,
    Scenario,
    invoice_stories,
    mentioned_currencies,
    scenarios,
)
from dunning.testing._terms import (
    cash_roundings,
    date_steps,
    deposits,
    discount_tiers,
    due_rules,
    payment_terms,
    term_lines,
)
from dunning.testing._time import (
    business_calendars,
    dates,
    day_count_bases,
    holiday_calendars,
    rate_percents,
    rate_tables,
    reference_rates,
    roll_conventions,
    weekend_calendars,
    weekends,
)

__all__ = [
    "InvoiceStory",
    "Portfolio",
    "Scenario",
    "business_calendars",
    "cadences",
    "cash_roundings",
    "currencies",
    "customer_invoices",
    "customers",
    "daily_history",
    "date_steps",
    "dates",
    "day_count_bases",
    "deposits",
    "discount_tiers",
    "due_rules",
    "engine_policies",
    "fee_bands",
    "fee_caps",
    "fixed_fees",
    "frequencies",
    "frequency_caps",
    "histories",
    "holiday_calendars",
    "installment_plans",
    "interest_rules",
    "invoice_stories",
    "invoices",
    "late_fees",
    "locales",
    "mentioned_currencies",
    "money",
    "payment_terms",
    "payments_for",
    "per_currency_amounts",
    "percent_fees",
    "plan_terms",
    "policies",
    "policy_sets",
    "portfolios",
    "rate_fixings",
    "rate_percents",
    "rate_tables",
    "reference_rates",
    "register_domain_types",
    "reminder_steps",
    "roll_conventions",
    "scenarios",
    "send_windows",
    "stage_fees",
    "stages",
    "term_lines",
    "tiered_fees",
    "time_zones",
    "weekend_calendars",
    "weekends",
]

# `st.from_type(Invoice)`, `st.builds(f)` for `f` taking domain types: registered on import.
register_domain_types()
