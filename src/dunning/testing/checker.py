"""Check that a policy keeps its declared promises: `check_policy` and its report.

`check_policy` runs a policy day by day, as a host would (each day's actions executed and fed
back as history), over portfolios that Hypothesis generates with their payments, credit
notes, disputes, promises to pay and installment plans. On every day it checks each declared
promise (`dunning.policy.promises`) and the engine's own invariants (DESIGN.md: every invoice
accounted for, re-evaluation with the day's actions adds nothing, no message about a settled
invoice, no pre-due reminder after the due date, the policy's own frequency cap, the same
evaluation whatever the order of the invoices, the engine never raises). A broken promise
comes with the smallest portfolio Hypothesis could shrink it to, the day and the actions.

>>> from dunning.policy.model import Policy, ReminderStep
>>> from dunning.policy.promises import ReminderLimit
>>> policy = Policy(id="p", steps=[
...     ReminderStep(id="daily", offset_days=0, channels=["email"], template="due",
...                  repeat={"every_days": 1})])
>>> report = check_policy(policy, [ReminderLimit(max_reminders=3)], days=10, max_examples=20)
>>> report.kept
False
>>> print(report.results[0].counterexample.violation.text)
reminder 4 about I0-0 (template due)
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from random import Random
from typing import Any

from hypothesis import HealthCheck, Phase, Verbosity, find, settings
from hypothesis.database import ExampleDatabase
from hypothesis.errors import NoSuchExample
from pydantic import TypeAdapter, ValidationError

from dunning.engine.actions import Action, records_of
from dunning.engine.compiled import CompiledPolicy
from dunning.engine.core import _evaluate_compiled
from dunning.engine.evaluation import Evaluation
from dunning.engine.history import HistoryIndex
from dunning.errors import (
    DunningError,
    PromiseBrokenError,
    UnknownJurisdictionError,
    UnverifiablePromiseError,
)
from dunning.invoices import Customer, Invoice, InvoiceStatus
from dunning.money import Money
from dunning.penalties import InterestRule, amount_in
from dunning.plans import InstallmentPlan
from dunning.policy.model import Policy, PolicySet
from dunning.policy.promises import (
    EscalationPromise,
    FeeLimit,
    InterestLimit,
    Promise,
    Promises,
)
from dunning.testing._checks import Day, Violation, Watcher, invariant_watchers, watcher_for
from dunning.testing._scenarios import Scenario, mentioned_currencies, scenarios

__all__ = [
    "CheckReport",
    "Counterexample",
    "PromiseResult",
    "Violation",
    "assert_keeps",
    "check_policy",
]

_START = date(2026, 1, 5)
#: The simulated days when not given: enough for a stage at 60 days overdue to be seen on
#: invoices due in the first month.
_DEFAULT_DAYS = 90
#: Days simulated beyond the longest window of a promise, when `days` is not given.
_MARGIN = 30


@dataclass(frozen=True)
class Counterexample:
    """A scenario in which a promise is broken, and how.

    Attributes:
        scenario: the (shrunk) portfolio and what happens to it.
        violation: the day, customer, invoices, what happened and the day's actions.
    """

    scenario: Scenario
    violation: Violation

    def __str__(self) -> str:
        violation = self.violation
        day = (violation.day - self.scenario.start).days
        concerned = f", invoice {', '.join(violation.invoice_ids)}" if violation.invoice_ids else ""
        lines = [
            self.scenario.describe(),
            f"broken on {violation.day} (day {day}) for customer {violation.customer_id}"
            f"{concerned}:",
            f"  {violation.text}",
        ]
        if violation.actions:
            lines.append(f"actions for {violation.customer_id} that day:")
            lines.extend(f"  {_describe(action)}" for action in violation.actions)
        return "\n".join(lines)


def _describe(action: Action) -> str:
    detail = ""
    if hasattr(action, "channel"):
        detail = f" via {action.channel.value}"
    if hasattr(action, "amount"):
        detail += f" {action.amount}"
    invoices = ", ".join(action.invoice_ids)
    return f"{action.kind.value}{detail} [{invoices}]: {action.reason.text}"


@dataclass(frozen=True)
class PromiseResult:
    """Whether one promise (or one invariant of the engine) was kept.

    Attributes:
        name: the promise in one line, or the invariant's name.
        promise: the declared promise; None for an invariant of the engine.
        counterexample: where it was broken; None when it was kept in every example.
    """

    name: str
    promise: Promise | None = None
    counterexample: Counterexample | None = None

    @property
    def kept(self) -> bool:
        """Whether no example broke it."""
        return self.counterexample is None


@dataclass(frozen=True)
class CheckReport:
    """What `check_policy` found: each promise and invariant, kept or broken.

    Attributes:
        policy_id: the id of the policy checked (of every policy of a set, the default
            last).
        results: one per declared promise, then one per invariant of the engine.
        examples: the examples asked for (per search; see `check_policy`).
        days: the simulated days of each example.
        seed: the seed that reproduces the report.
    """

    policy_id: str
    results: tuple[PromiseResult, ...]
    examples: int
    days: int
    seed: int
    start: date = field(default=_START)

    @property
    def kept(self) -> bool:
        """Whether every promise and invariant was kept."""
        return all(result.kept for result in self.results)

    @property
    def broken(self) -> tuple[PromiseResult, ...]:
        """The results of the promises and invariants that were broken."""
        return tuple(result for result in self.results if not result.kept)

    def __str__(self) -> str:
        lines = [
            f"policy {self.policy_id}: {self.examples} examples of {self.days} days "
            f"from {self.start}, seed {self.seed}"
        ]
        lines.extend(
            f"  {'kept  ' if result.kept else 'BROKEN'}  {result.name}" for result in self.results
        )
        for result in self.broken:
            lines.append("")
            lines.append(f"BROKEN: {result.name}")
            lines.append(str(result.counterexample))
        if not self.kept:
            lines.append("")
            lines.append(
                f"reproduce with check_policy(..., days={self.days}, "
                f"max_examples={self.examples}, seed={self.seed})"
            )
        return "\n".join(lines)


# -- what the promises need, worked out before any example runs -----------------------------


@dataclass(frozen=True)
class _Plan:
    """The promises to watch, with what each needs, all checked to be verifiable."""

    names: tuple[str, ...]
    promises: tuple[Promise | None, ...]
    factories: tuple[Callable[[], Watcher], ...]


def _policies(policy: Policy | PolicySet) -> tuple[Policy, ...]:
    return policy.policies if isinstance(policy, PolicySet) else (policy,)


def _charges_fees(policy: Policy | PolicySet) -> bool:
    return any(stage.fee is not None for p in _policies(policy) for stage in p.stages)


def _charges_interest(policy: Policy | PolicySet) -> bool:
    return any(p.interest is not None for p in _policies(policy))


def _jurisdiction(promise: FeeLimit | InterestLimit, default: str | None) -> Any:
    from dunning.statutory import get_jurisdiction

    code = promise.jurisdiction or default
    if code is None:
        raise UnverifiablePromiseError(
            f"promise {promise.describe()!r} is statutory but names no jurisdiction; give "
            'it jurisdiction = "CO" (or another code) or pass jurisdiction= to the check'
        )
    try:
        return get_jurisdiction(code)
    except UnknownJurisdictionError as error:
        raise UnverifiablePromiseError(f"promise {promise.describe()!r}: {error}") from None


def _compensation(
    promise: FeeLimit, default: str | None, currencies: Sequence[str]
) -> Callable[[Money, int], Money | None]:
    preset = _jurisdiction(promise, default)
    options = promise.options
    for currency in currencies:
        try:
            granted = preset.compensation(Money(1000, currency), days_late=365, **options)
        except (DunningError, ValidationError) as error:
            raise UnverifiablePromiseError(
                f"promise {promise.describe()!r}: {preset.code} gives no compensation for an "
                f"invoice in {currency}: {error}"
            ) from None
        if granted is None:
            raise UnverifiablePromiseError(
                f"promise {promise.describe()!r}: {preset.code} grants no fixed compensation "
                f"for an invoice in {currency} to cap fees with; state a cap (amounts or "
                "percent_of_total) or pass currencies= in the jurisdiction's currency"
            )
        if granted.currency != currency:
            raise UnverifiablePromiseError(
                f"promise {promise.describe()!r}: {preset.code} states its compensation in "
                f"{granted.currency}, but invoices are in {currency}"
            )

    def compensation(principal: Money, days_late: int) -> Money | None:
        granted: Money | None = preset.compensation(principal, days_late=days_late, **options)
        return granted

    return compensation


def _statutory_interest(
    promise: InterestLimit, default: str | None, start: date, last: date
) -> InterestRule:
    preset = _jurisdiction(promise, default)
    try:
        rule: InterestRule = preset.interest_rule(**promise.options)
        rule.accrue(Money(1000, "USD").amount, start, last)
    except (DunningError, ValidationError) as error:
        raise UnverifiablePromiseError(
            f"promise {promise.describe()!r}: the statutory interest of {preset.code} cannot "
            f"be worked out from {start} to {last}: {error}"
        ) from None
    return rule


def _verify(
    policy: Policy | PolicySet,
    promises: Sequence[Promise],
    jurisdiction: str | None,
    days: int,
    start: date,
    currencies: Sequence[str],
) -> _Plan:
    """Check that every promise can be broken within the run; raise before any example."""
    names: list[str] = []
    kept: list[Promise | None] = []
    factories: list[Callable[[], Watcher]] = []
    stage_ids = {stage.id for p in _policies(policy) for stage in p.stages}
    last = start + timedelta(days=days - 1)
    for promise in promises:
        name = promise.describe()
        if promise.horizon > days:
            raise UnverifiablePromiseError(
                f"promise {name!r} needs at least {promise.horizon} simulated days to be "
                f"broken, but the check runs {days}; pass days={promise.horizon} or more"
            )
        if isinstance(promise, EscalationPromise) and promise.stage not in stage_ids:
            known = ", ".join(sorted(stage_ids)) or "none"
            raise UnverifiablePromiseError(
                f"promise {name!r}: the policy has no stage {promise.stage!r} (stages: {known})"
            )
        compensation = None
        statutory_interest = None
        if isinstance(promise, FeeLimit):
            for amount in promise.amounts:
                if amount.currency not in currencies:
                    raise UnverifiablePromiseError(
                        f"promise {name!r}: the cap {amount} is in a currency the check does "
                        f"not simulate ({', '.join(currencies)}); pass currencies= to include it"
                    )
            if promise.amounts and promise.percent_of_total is None and not promise.statutory:
                for currency in currencies:
                    if amount_in(promise.amounts, currency) is None:
                        raise UnverifiablePromiseError(
                            f"promise {name!r} has no cap in {currency}, a currency the check "
                            "simulates; add an amount in it or pass currencies="
                        )
            if promise.statutory:
                compensation = _compensation(promise, jurisdiction, currencies)
        if isinstance(promise, InterestLimit) and promise.statutory:
            statutory_interest = _statutory_interest(promise, jurisdiction, start, last)

        def factory(
            promise: Promise = promise,
            compensation: Callable[[Money, int], Money | None] | None = compensation,
            statutory_interest: InterestRule | None = statutory_interest,
        ) -> Watcher:
            return watcher_for(
                promise, compensation=compensation, statutory_interest=statutory_interest
            )

        names.append(name)
        kept.append(promise)
        factories.append(factory)
    for name, invariant in invariant_watchers().items():
        names.append(name)
        kept.append(None)
        factories.append(invariant)
    names.extend(_ENGINE_INVARIANTS)
    kept.extend(None for _ in _ENGINE_INVARIANTS)
    factories.extend(_no_watcher for _ in _ENGINE_INVARIANTS)
    return _Plan(tuple(names), tuple(kept), tuple(factories))


#: Invariants the simulation itself checks (they need another evaluation or a caught error).
_IDEMPOTENT = "re-evaluation with the day's actions as history adds nothing"
_ORDER = "the evaluation does not depend on the order of the invoices"
_NO_ERROR = "the engine never raises"
_ENGINE_INVARIANTS = (_IDEMPOTENT, _ORDER, _NO_ERROR)


class _Silent(Watcher):
    def observe(self, day: Day) -> Violation | None:
        return None


def _no_watcher() -> Watcher:
    return _Silent()


def _promises_of(
    policy: Policy | PolicySet, promises: Promises | Iterable[Promise], jurisdiction: str | None
) -> list[Promise]:
    chosen = list(promises.promises if isinstance(promises, Promises) else promises)
    if jurisdiction is not None:
        if _charges_fees(policy) and not any(
            isinstance(p, FeeLimit) and p.statutory for p in chosen
        ):
            chosen.append(FeeLimit(statutory=True))
        if _charges_interest(policy) and not any(
            isinstance(p, InterestLimit) and p.statutory for p in chosen
        ):
            chosen.append(InterestLimit(statutory=True))
    return chosen


# -- the simulation ----------------------------------------------------------------------------


def _run(
    policy: Policy | PolicySet,
    scenario: Scenario,
    watchers: Mapping[int, Watcher],
    positions: Mapping[str, int],
    compiled: dict[str, CompiledPolicy],
) -> dict[int, Violation]:
    """Run `policy` over `scenario` day by day, up to the first day a watcher reports.

    `compiled` holds the policy compiled once for every run of the check.
    Returns the violations of that day by the index of their watcher (empty when none).
    """
    customers = {customer.id: customer for customer in scenario.customers}
    chosen = {
        c.id: policy.for_customer(c) if isinstance(policy, PolicySet) else policy
        for c in scenario.customers
    }
    changes: dict[date, list[int]] = {}
    for number, story in enumerate(scenario.stories):
        for day in story.changes():
            changes.setdefault(day, []).append(number)
    starts: dict[date, list[int]] = {}
    for number, story in enumerate(scenario.stories):
        if story.plan is not None:
            starts.setdefault(story.plan[0], []).append(number)
    known: list[Invoice] = [story.on(scenario.start) for story in scenario.stories]
    quiet_from = max((*changes, *starts), default=scenario.start)
    plans: dict[str, InstallmentPlan] = {}
    history = HistoryIndex()
    found: dict[int, Violation] = {}
    watching = watchers
    unordered = True
    for day in scenario.dates():
        for number in changes.get(day, ()):
            known[number] = scenario.stories[number].on(day)
        for number in starts.get(day, ()):
            plan = scenario.stories[number].build_plan()
            if plan is not None:
                plans[scenario.stories[number].invoice.id] = plan
        issued = [invoice for invoice in known if invoice.issue_date <= day]
        if not issued:
            continue
        try:
            evaluation = _evaluate_compiled(
                compiled,
                issued,
                policy,
                day,
                customers=customers,
                history=history,
                plans=plans.values(),
            )
        except Exception as error:  # an invariant: the engine never raises
            found[positions[_NO_ERROR]] = Violation(
                day=day,
                customer_id=scenario.customers[0].id,
                invoice_ids=(),
                text=f"evaluate raised {type(error).__name__}: {error}",
            )
            return found
        state = Day(
            day=day,
            evaluation=evaluation,
            invoices={invoice.id: invoice for invoice in issued},
            plans=plans,
            customers=customers,
            policies=chosen,
        )
        for index, watcher in watching.items():
            violation = watcher.observe(state)
            if violation is not None:
                found[index] = violation
        if found:
            return found
        if (
            not evaluation.actions
            and day >= quiet_from
            and len(issued) == len(known)
            and all(invoice.effective_status is not InvoiceStatus.OPEN for invoice in issued)
        ):
            break  # everything is settled and nothing more happens to it
        if evaluation.actions and unordered:
            # Once per run, on the first day with actions: the same inputs in reverse order.
            unordered = False
            index = positions[_ORDER]
            if index in watching:
                reverse = _evaluate_again(
                    compiled, issued[::-1], policy, day, customers, history, plans
                )
                if _fields(reverse) != _fields(evaluation):
                    found[index] = state.violation(
                        scenario.customers[0].id,
                        (),
                        f"the invoices in reverse order give {len(reverse.actions)} actions "
                        f"instead of {len(evaluation.actions)}, or other figures",
                    )
                    return found
        if evaluation.actions:
            history.add(records_of(evaluation.actions, on=day))
            index = positions[_IDEMPOTENT]
            if index in watching:
                again = _evaluate_again(compiled, issued, policy, day, customers, history, plans)
                if again.actions:
                    action = again.actions[0]
                    found[index] = state.violation(
                        action.customer_id,
                        action.invoice_ids,
                        f"evaluating again with the day's actions as history gives "
                        f"{len(again.actions)} more, first {_describe(action)}",
                    )
                    return found
    return found


def _fields(evaluation: Evaluation) -> tuple[object, ...]:
    return tuple(getattr(evaluation, name) for name in type(evaluation).model_fields)


def _evaluate_again(
    compiled: dict[str, CompiledPolicy],
    issued: Sequence[Invoice],
    policy: Policy | PolicySet,
    day: date,
    customers: Mapping[str, Customer],
    history: HistoryIndex,
    plans: Mapping[str, InstallmentPlan],
) -> Evaluation:
    return _evaluate_compiled(
        compiled, issued, policy, day, customers=customers, history=history, plans=plans.values()
    )


#: Scenarios as saved in an example database: JSON, validated again when read.
_SAVED: TypeAdapter[Scenario] = TypeAdapter(Scenario)


def _database_key(
    policy: Policy | PolicySet, plan: _Plan, active: Sequence[int], scenario_key: str
) -> bytes:
    """The key of one search's counterexamples in an example database.

    It names the question the search asks: the policy ids, the promises and invariants
    still watched, the days, start and currencies of the scenarios. The policy's content is
    left out on purpose: after a change to the policy, its saved counterexamples run again,
    reported if they still break a promise and deleted if they do not.
    """
    digest = hashlib.sha256(b"dunning.check_policy")
    for part in (
        *(p.id for p in _policies(policy)),
        *(plan.names[index] for index in active),
        scenario_key,
    ):
        digest.update(b"\x00" + part.encode())
    return digest.digest()


def _breaks(
    policy: Policy | PolicySet,
    plan: _Plan,
    active: Sequence[int],
    scenario: Scenario,
    compiled: dict[str, CompiledPolicy],
) -> tuple[int, Counterexample] | None:
    """Run `scenario` with fresh watchers: the first promise broken and how, or None."""
    positions = {name: index for index, name in enumerate(plan.names)}
    watchers = {index: plan.factories[index]() for index in active}
    violations = _run(policy, scenario, watchers, positions, compiled)
    if not violations:
        return None
    first = min(violations)
    return first, Counterexample(scenario, violations[first])


def _replay(
    policy: Policy | PolicySet,
    plan: _Plan,
    active: Sequence[int],
    database: ExampleDatabase,
    key: bytes,
    compiled: dict[str, CompiledPolicy],
) -> tuple[int, Counterexample] | None:
    """The first saved counterexample (smallest first) that still breaks a promise.

    Saved scenarios that no longer break any (the policy was fixed) or no longer read
    (saved by another version of the library) are deleted.
    """
    for value in sorted(database.fetch(key), key=lambda saved: (len(saved), saved)):
        try:
            scenario = _SAVED.validate_json(value)
        except ValidationError:
            database.delete(key, value)
            continue
        outcome = _breaks(policy, plan, active, scenario, compiled)
        if outcome is not None:
            return outcome
        database.delete(key, value)
    return None


def _search(
    policy: Policy | PolicySet,
    plan: _Plan,
    active: Sequence[int],
    strategy: Any,
    max_examples: int,
    seed: int,
    database: ExampleDatabase | None,
    scenario_key: str,
) -> tuple[int, Counterexample] | None:
    """One search for an example that breaks one of the `active` promises.

    With a `database`, the counterexamples saved there for the same search are run first;
    otherwise Hypothesis searches from `seed`, and the smallest counterexample it finds is
    saved in the `database`.
    """
    compiled: dict[str, CompiledPolicy] = {}
    key = _database_key(policy, plan, active, scenario_key)
    if database is not None:
        replayed = _replay(policy, plan, active, database, key, compiled)
        if replayed is not None:
            return replayed
    found: list[tuple[int, Counterexample]] = []

    def breaks_a_promise(scenario: Scenario) -> bool:
        outcome = _breaks(policy, plan, active, scenario, compiled)
        if outcome is None:
            return False
        # The last call that returns True is Hypothesis's replay of the smallest example.
        found.append(outcome)
        return True

    try:
        find(
            strategy,
            breaks_a_promise,
            settings=settings(
                max_examples=max_examples,
                deadline=None,
                database=None,
                derandomize=False,
                phases=(Phase.generate, Phase.shrink),
                suppress_health_check=list(HealthCheck),
                verbosity=Verbosity.quiet,
            ),
            random=Random(seed),
        )
    except NoSuchExample:
        return None
    if database is not None:
        database.save(key, _SAVED.dump_json(found[-1][1].scenario))
    return found[-1]


def check_policy(
    policy: Policy | PolicySet,
    promises: Promises | Iterable[Promise] = (),
    *,
    jurisdiction: str | None = None,
    days: int | None = None,
    max_examples: int = 100,
    seed: int = 0,
    start: date = _START,
    currencies: Sequence[str] | None = None,
    database: ExampleDatabase | None = None,
) -> CheckReport:
    """Run `policy` over generated portfolios and report each promise kept or broken.

    Each example is a `Scenario` (see `dunning.testing.strategies.scenarios`): customers and
    invoices issued during the run, with their payments, credit notes, disputes, promises to
    pay and installment plans. The policy is evaluated on each of `days` days from `start`,
    each day's actions executed and fed back as history, and every declared promise and
    invariant of the engine is checked on every day.

    A first search runs up to `max_examples` examples; when one breaks a promise, Hypothesis
    shrinks it to the smallest portfolio that still breaks one, and that promise is reported
    broken with it. The search then starts again for the promises not yet broken, until an
    entire search breaks none. The same arguments and `seed` give the same report.

    With a Hypothesis example `database` (such as
    ``DirectoryBasedExampleDatabase(".hypothesis/dunning")``), each search first runs the
    counterexamples saved there by an earlier check of the same policy, promises, days,
    start and currencies (the same policy id, whatever its content), and saves the
    smallest one it finds: a broken promise is then reproduced whatever the seed or the
    number of examples, until the policy is fixed (a saved counterexample that breaks
    nothing any more is deleted).

    Args:
        policy: the `Policy`, or a `PolicySet` (customers are drawn in its segments).
        promises: the declared promises (a `Promises` or promise models).
        jurisdiction: the code of `dunning.statutory` that statutory limits refer to; when
            given, fees and interest the policy charges are also checked against its law.
        days: the simulated days of each example; by default 90, or 30 more than the
            longest window of a promise (an escalation by day 90 runs 121 days).
        max_examples: the examples of each search.
        seed: the seed of the searches.
        start: the first simulated day.
        currencies: the invoice currencies; by default those the policy states amounts in,
            else USD.
        database: a Hypothesis `ExampleDatabase` to replay counterexamples from and save
            them to; None (the default) saves nothing.

    Returns:
        The `CheckReport`; ``str(report)`` prints it, counterexamples included.

    Raises:
        UnverifiablePromiseError: before any example runs, for a promise that no run could
            show broken: an unknown jurisdiction, a cap in a currency not simulated, a window
            longer than `days`, a stage the policy does not have; or promises that name
            another policy.
        ValueError: for `days` or `max_examples` below 1.
    """
    if isinstance(promises, Promises) and promises.policy is not None:
        ids = [p.id for p in _policies(policy)]
        if promises.policy not in ids:
            raise UnverifiablePromiseError(
                f"the promises are those of policy {promises.policy!r}, but the policy checked "
                f"is {', '.join(repr(i) for i in ids)}"
            )
    declared = _promises_of(policy, promises, jurisdiction)
    if days is None:
        days = max(_DEFAULT_DAYS, *(p.horizon + _MARGIN for p in declared))
    if days < 1 or max_examples < 1:
        raise ValueError(f"days ({days}) and max_examples ({max_examples}) must be at least 1")
    chosen = tuple(currencies) if currencies else (mentioned_currencies(policy) or ("USD",))
    plan = _verify(policy, declared, jurisdiction, days, start, chosen)
    strategy = scenarios(policy, start=start, days=days, currencies=chosen)
    scenario_key = f"{start.isoformat()} {days} {' '.join(chosen)}"
    broken: dict[int, Counterexample] = {}
    active = list(range(len(plan.names)))
    while active:
        outcome = _search(
            policy, plan, active, strategy, max_examples, seed, database, scenario_key
        )
        if outcome is None:
            break
        index, counterexample = outcome
        broken[index] = counterexample
        active.remove(index)
    return CheckReport(
        policy_id=", ".join(p.id for p in _policies(policy)),
        results=tuple(
            PromiseResult(name=name, promise=promise, counterexample=broken.get(index))
            for index, (name, promise) in enumerate(zip(plan.names, plan.promises, strict=True))
        ),
        examples=max_examples,
        days=days,
        seed=seed,
        start=start,
    )


def assert_keeps(
    policy: Policy | PolicySet,
    promises: Promises | Iterable[Promise] = (),
    **options: Any,
) -> CheckReport:
    """Check `policy` like `check_policy` and fail when a promise or invariant is broken.

    Args:
        policy: the `Policy` or `PolicySet`.
        promises: the declared promises.
        **options: the keyword arguments of `check_policy` (`jurisdiction`, `days`,
            `max_examples`, `seed`, `start`, `currencies`, `database`).

    Returns:
        The report, when everything was kept.

    Raises:
        PromiseBrokenError: an `AssertionError` whose message is the report, with the
            counterexample of each broken promise.
        UnverifiablePromiseError: for a promise that cannot be checked.

    >>> from dunning.policy.model import Policy
    >>> from dunning.policy.promises import MessageLimit
    >>> assert_keeps(Policy(id="quiet"), [MessageLimit(max_messages=1, days=7)],
    ...              days=10, max_examples=5).kept
    True
    """
    __tracebackhide__ = True  # pytest shows the report, not this frame
    report = check_policy(policy, promises, **options)
    if not report.kept:
        raise PromiseBrokenError(str(report))
    return report
