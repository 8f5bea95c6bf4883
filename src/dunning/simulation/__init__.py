"""Simulating cadences: replay a policy against a modelled portfolio before it goes live.

The simulation runs the real engine day by day (`simulate`), with a payer model
(`Behaviour`) deciding who pays after the messages the engine sends, and summarises each run
in collection metrics (`Metrics`): cash collected, collection rates, DSO, CEI, roll rates,
messages and their cost. `compare` runs several policies on the same customers and the same
random draws and reports the differences with confidence intervals.

>>> from datetime import date
>>> from dunning import Policy, ReminderStep
>>> from dunning.simulation import Behaviour, PortfolioSpec, generate_portfolio, simulate
>>> portfolio = generate_portfolio(PortfolioSpec(customers=20, start=date(2026, 1, 1), seed=7))
>>> policy = Policy(id="due", steps=[ReminderStep(
...     id="due", offset_days=0, channels=["whatsapp"], template="due")])
>>> run = simulate(policy, portfolio, Behaviour(), days=90, seed=1)
>>> run.metrics().messages > 0
True
"""

from dunning.simulation.behaviour import (
    AutomaticCharges,
    Behaviour,
    Disputes,
    PartialPayments,
    PaymentHazard,
    Plans,
    Promises,
    ReminderResponse,
)
from dunning.simulation.compare import Comparison, ComparisonRow, compare
from dunning.simulation.fit import Estimate, FitResult, fit
from dunning.simulation.metrics import Metrics
from dunning.simulation.portfolio import (
    DEFAULT_SEGMENTS,
    Portfolio,
    PortfolioSpec,
    RejectedRow,
    SegmentSpec,
    generate_portfolio,
)
from dunning.simulation.run import (
    MessageEvent,
    OptOutEvent,
    PaymentEvent,
    SimulationResult,
    simulate,
)

__all__ = [
    "DEFAULT_SEGMENTS",
    "AutomaticCharges",
    "Behaviour",
    "Comparison",
    "ComparisonRow",
    "Disputes",
    "Estimate",
    "FitResult",
    "MessageEvent",
    "Metrics",
    "OptOutEvent",
    "PartialPayments",
    "PaymentEvent",
    "PaymentHazard",
    "Plans",
    "Portfolio",
    "PortfolioSpec",
    "Promises",
    "RejectedRow",
    "ReminderResponse",
    "SegmentSpec",
    "SimulationResult",
    "compare",
    "fit",
    "generate_portfolio",
    "simulate",
]
