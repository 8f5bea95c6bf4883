"""A linter for dunning policies: contradictions that validation alone does not catch.

A policy can be valid and still say something it cannot mean: a reminder that never fires, a
stage that is never entered, a fee its own cap always cuts, a frequency cap that swallows the
final notice. `lint` reports each as a `LintFinding` with a stable code (`RULES` lists them),
a severity, the path of the offending field and a message that gives the figures.

=======  ========  =====================================================================
code     severity  finding
=======  ========  =====================================================================
DUN001   warning   a reminder step (or some of its repetitions) never fires
DUN002   error     two stages have the same trigger
DUN003   warning   a later stage is entered earlier than an earlier one
DUN004   warning   a reminder goes out after the debt is handed off or written off
DUN005   error     a stage fee is above the policy's fee cap
DUN006   warning   the interest rate is above the interest ceiling
DUN007   error     the frequency cap blocks the final stage's message
DUN008   warning   B2B payment terms longer than 60 days (Directive 2011/7/EU art. 3(5))
DUN009   warning   a percentage fee above 100 % of the balance
DUN010   warning   an interest rate that looks written as a fraction (0.25 for 25 %)
DUN020   error     a template the policy names is not in the message catalog (``catalog=``)
DUN030   warning   the reminder cadence is denser than the contact law of the jurisdiction
DUN031   warning   the send window leaves no time inside the contact law's windows
=======  ========  =====================================================================

The contact-law checks (DUN030, DUN031) run for the policy's own `jurisdiction`, or for the
one given to `lint` (``jurisdiction="cl"``), which then applies to every policy of a set.

>>> from dunning.policy.model import Policy, ReminderStep
>>> step = {"channels": ["email"], "template": "due"}
>>> policy = Policy(id="p", steps=[ReminderStep(id="a", offset_days=0, **step),
...                                ReminderStep(id="b", offset_days=0, **step)])
>>> [(f.code, f.path) for f in lint(policy)]
[('DUN001', 'steps[0].offset_days')]
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum
from types import MappingProxyType
from typing import Protocol

from dunning._model import Model
from dunning.errors import ContactLawError
from dunning.money import Money
from dunning.penalties import FixedFee, InterestRule, PercentFee, TieredFee, amount_in
from dunning.policy.model import (
    DayKind,
    Policy,
    PolicySet,
    ReminderStep,
    Stage,
    StatutoryCompensation,
)
from dunning.statutory.contact import cadence_findings, get_contact_rules, strictest
from dunning.statutory.eu import MAX_B2B_TERMS_DAYS
from dunning.terms import PaymentTerms

__all__ = [
    "RULES",
    "LintFinding",
    "LintRule",
    "Severity",
    "TemplateCatalog",
    "lint",
    "lint_terms",
]


class Severity(StrEnum):
    """How bad a finding is: an error is a contradiction, a warning is likely a mistake."""

    ERROR = "error"
    WARNING = "warning"


class LintRule(Model):
    """A check of the linter: its stable code, a short name, a severity and what it finds."""

    code: str
    name: str
    severity: Severity
    summary: str


class LintFinding(Model):
    """One problem found in a policy, at `path` (``stages[2].fee.rule.amounts[0]``).

    >>> finding = LintFinding(code="DUN006", severity="warning", path="interest.rule",
    ...                       message="annual_rate 30 is above the ceiling 25")
    >>> str(finding)
    'interest.rule: DUN006 warning: annual_rate 30 is above the ceiling 25'
    """

    code: str
    severity: Severity
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.code} {self.severity.value}: {self.message}"


def _rule(code: str, name: str, severity: Severity, summary: str) -> tuple[str, LintRule]:
    return code, LintRule(code=code, name=name, severity=severity, summary=summary)


#: Every check of the linter by code; a test checks that it agrees with the checks run.
RULES: Mapping[str, LintRule] = MappingProxyType(
    dict(
        (
            _rule(
                "DUN001",
                "unreachable-step",
                Severity.WARNING,
                "a reminder step, or some repetitions of it, never fire because another step "
                "takes over first",
            ),
            _rule(
                "DUN002",
                "duplicate-stage-trigger",
                Severity.ERROR,
                "two stages have the same trigger; only the more severe is ever entered",
            ),
            _rule(
                "DUN003",
                "stage-out-of-order",
                Severity.WARNING,
                "a stage listed later (more severe) has a lower days_overdue than an earlier "
                "one, so the earlier one is never entered",
            ),
            _rule(
                "DUN004",
                "step-after-final-stage",
                Severity.WARNING,
                "a reminder falls on or after the days_overdue of a stage that hands the "
                "debt off or proposes a write-off",
            ),
            _rule(
                "DUN005",
                "fee-above-cap",
                Severity.ERROR,
                "a stage fee (a fixed amount or a minimum) is above the policy's fee cap",
            ),
            _rule(
                "DUN006",
                "interest-above-ceiling",
                Severity.WARNING,
                "the interest rate is above the rule's own ceiling, which always wins",
            ),
            _rule(
                "DUN007",
                "frequency-cap-blocks-final-notice",
                Severity.ERROR,
                "the messages before the final stage fill the frequency cap, so the final "
                "stage's message is capped even for a customer with one invoice",
            ),
            _rule(
                "DUN008",
                "b2b-terms-over-60-days",
                Severity.WARNING,
                "payment terms between businesses longer than 60 calendar days "
                "(Directive 2011/7/EU art. 3(5))",
            ),
            _rule(
                "DUN009",
                "fee-over-100-percent",
                Severity.WARNING,
                "a percentage fee (or a fee band, or the fee cap) is above 100 % of the balance, "
                "which is likely a fee written in the wrong unit",
            ),
            _rule(
                "DUN010",
                "rate-as-fraction",
                Severity.WARNING,
                "an interest rate between 0 and 1 %, which is likely a fraction (0.25) written "
                "where a percentage (25) is meant",
            ),
            _rule(
                "DUN020",
                "missing-template",
                Severity.ERROR,
                "a step or stage names a template the message catalog given to lint lacks",
            ),
            _rule(
                "DUN030",
                "cadence-above-contact-law",
                Severity.WARNING,
                "reminder steps closer together, or more of them in a day or a week, than the "
                "contact law of the jurisdiction allows; the engine defers the extra messages",
            ),
            _rule(
                "DUN031",
                "send-window-outside-contact-law",
                Severity.WARNING,
                "the send window leaves no time inside the contact law's windows; the engine "
                "then follows the law's windows alone",
            ),
        )
    )
)


class TemplateCatalog(Protocol):
    """What `lint` needs of a message catalog (`dunning.messages.Catalog` is one)."""

    def lint_policy(self, policy: Policy | PolicySet) -> Iterable[LintFinding]:
        """Findings (DUN020) for the templates `policy` names that the catalog lacks."""
        ...


_Check = Callable[[Policy, str], Iterator[LintFinding]]


def _finding(code: str, path: str, message: str) -> LintFinding:
    return LintFinding(code=code, severity=RULES[code].severity, path=path, message=message)


def _calendar_steps(policy: Policy) -> list[tuple[int, ReminderStep]]:
    """The calendar-day steps with their index, in the order the engine takes them."""
    steps = [(i, s) for i, s in enumerate(policy.steps) if s.day_kind is DayKind.CALENDAR]
    return sorted(steps, key=lambda item: (item[1].offset_days, item[0]))


def _next_offset(ordered: list[tuple[int, ReminderStep]], position: int) -> int | None:
    """The offset of the first later step with a larger offset (where this one stops)."""
    offset = ordered[position][1].offset_days
    for _, step in ordered[position + 1 :]:
        if step.offset_days > offset:
            return step.offset_days
    return None


def _occurrences(step: ReminderStep, until: int | None, limit: int) -> list[int]:
    """The days (from the due date) a step's occurrences fall on, before `until`, up to `limit`."""
    end = limit if until is None else min(until, limit)
    if step.repeat is None:
        return [step.offset_days] if step.offset_days < end else []
    days: list[int] = []
    day = step.offset_days
    while day < end and (step.repeat.max_times is None or len(days) < step.repeat.max_times):
        days.append(day)
        day += step.repeat.every_days
    return days


# -- the checks -------------------------------------------------------------------------------


def _unreachable_steps(policy: Policy, prefix: str) -> Iterator[LintFinding]:
    ordered = _calendar_steps(policy)
    for position, (index, step) in enumerate(ordered):
        later = ordered[position + 1] if position + 1 < len(ordered) else None
        if later is not None and later[1].offset_days == step.offset_days:
            yield _finding(
                "DUN001",
                f"{prefix}steps[{index}].offset_days",
                f"step {step.id!r} has offset_days {step.offset_days}, like step "
                f"{later[1].id!r} (steps[{later[0]}]), which takes its place: it never fires",
            )
            continue
        repeat = step.repeat
        until = _next_offset(ordered, position)
        if repeat is None or repeat.max_times is None or until is None:
            continue
        fired = len(_occurrences(step, until, until))
        if fired < repeat.max_times:
            yield _finding(
                "DUN001",
                f"{prefix}steps[{index}].repeat.max_times",
                f"step {step.id!r} repeats every {repeat.every_days} days at most "
                f"{repeat.max_times} times from day {step.offset_days}, but the next step "
                f"starts on day {until}: only {fired} of {repeat.max_times} occurrences fire",
            )


def _duplicate_triggers(policy: Policy, prefix: str) -> Iterator[LintFinding]:
    for index, stage in enumerate(policy.stages):
        for earlier in range(index):
            if policy.stages[earlier].trigger == stage.trigger:
                yield _finding(
                    "DUN002",
                    f"{prefix}stages[{index}].trigger",
                    f"stage {stage.id!r} has the same trigger as stage "
                    f"{policy.stages[earlier].id!r} (stages[{earlier}]); only the more severe "
                    f"{stage.id!r} is ever entered",
                )
                break


def _stage_order(policy: Policy, prefix: str) -> Iterator[LintFinding]:
    for index, stage in enumerate(policy.stages):
        days = stage.trigger.days_overdue
        if days is None:
            continue
        for earlier in range(index):
            other = policy.stages[earlier]
            before = other.trigger.days_overdue
            if before is not None and days < before:
                yield _finding(
                    "DUN003",
                    f"{prefix}stages[{index}].trigger.days_overdue",
                    f"stage {stage.id!r} is more severe (listed later) than stage {other.id!r} "
                    f"(stages[{earlier}]) but entered earlier, at {days} days overdue against "
                    f"{before}; stages never step down, so {other.id!r} is never entered",
                )
                break


def _final_stage_day(policy: Policy) -> tuple[int, Stage] | None:
    """The earliest days_overdue of a stage that hands off or proposes a write-off."""
    ends = [
        (stage.trigger.days_overdue, stage)
        for stage in policy.stages
        if stage.trigger.days_overdue is not None
        and (stage.hand_off is not None or stage.propose_write_off)
    ]
    return min(ends, key=lambda item: item[0]) if ends else None


def _steps_after_final_stage(policy: Policy, prefix: str) -> Iterator[LintFinding]:
    final = _final_stage_day(policy)
    if final is None:
        return
    limit, stage = final
    what = "hands the debt off" if stage.hand_off is not None else "proposes a write-off"
    ordered = _calendar_steps(policy)
    for position, (index, step) in enumerate(ordered):
        if step.offset_days >= limit:
            yield _finding(
                "DUN004",
                f"{prefix}steps[{index}].offset_days",
                f"step {step.id!r} falls {step.offset_days} days after the due date, on or "
                f"after stage {stage.id!r}, which {what} at {limit} days overdue",
            )
            continue
        if step.repeat is None:
            continue
        until = _next_offset(ordered, position)
        late = [
            day for day in _occurrences(step, until, limit + step.repeat.every_days) if day >= limit
        ]
        if late:
            times = "with no limit" if step.repeat.max_times is None else "still"
            yield _finding(
                "DUN004",
                f"{prefix}steps[{index}].repeat",
                f"step {step.id!r} repeats every {step.repeat.every_days} days {times} on day "
                f"{late[0]}, after stage {stage.id!r} {what} at {limit} days overdue; "
                "set repeat.max_times so that it stops before",
            )


def _fee_amounts(stage: Stage) -> list[tuple[str, Money, str]]:
    """The amounts a stage fee charges at least: ``(field, amount, what)``."""
    if stage.fee is None:
        return []
    rule = stage.fee.rule
    if isinstance(rule, StatutoryCompensation):
        return []  # the law sets the sum; a cap below it is the statute's business
    if isinstance(rule, FixedFee):
        return [(f"amounts[{i}]", money, "fixed fee") for i, money in enumerate(rule.amounts)]
    assert isinstance(rule, PercentFee | TieredFee)
    return [(f"minimum[{i}]", money, "minimum fee") for i, money in enumerate(rule.minimum)]


def _fees_above_cap(policy: Policy, prefix: str) -> Iterator[LintFinding]:
    cap = policy.fee_cap
    if cap is None or not cap.amounts:
        return
    for index, stage in enumerate(policy.stages):
        for field, amount, what in _fee_amounts(stage):
            limit = amount_in(cap.amounts, amount.currency)
            if limit is not None and amount > limit:
                yield _finding(
                    "DUN005",
                    f"{prefix}stages[{index}].fee.rule.{field}",
                    f"the {what} {amount} of stage {stage.id!r} is above the fee cap {limit} "
                    "(fee_cap.amounts); the cap always cuts it",
                )


def _interest_above_ceiling(policy: Policy, prefix: str) -> Iterator[LintFinding]:
    if policy.interest is None or not isinstance(policy.interest.rule, InterestRule):
        return
    rule = policy.interest.rule
    ceiling = rule.ceiling
    if rule.annual_rate is None or not isinstance(ceiling, Decimal):
        return  # a reference rate or a ceiling table moves: no single figure to compare
    if rule.annual_rate > ceiling:
        yield _finding(
            "DUN006",
            f"{prefix}interest.rule.annual_rate",
            f"annual_rate {rule.annual_rate} is above the ceiling {ceiling}; interest is "
            f"always charged at {ceiling}",
        )


def _frequency_cap_blocks_final_notice(policy: Policy, prefix: str) -> Iterator[LintFinding]:
    cap = policy.frequency_cap
    finals = [
        (index, stage)
        for index, stage in enumerate(policy.stages)
        if stage.message is not None and stage.trigger.days_overdue is not None
    ]
    if cap is None or not finals:
        return
    index, final = finals[-1]
    day = final.trigger.days_overdue
    assert day is not None  # chosen for it
    first = day - cap.days + 1
    ordered = _calendar_steps(policy)
    sent: set[int] = set()
    for position, (_, step) in enumerate(ordered):
        sent.update(_occurrences(step, _next_offset(ordered, position), day))
    sent.update(
        stage.trigger.days_overdue
        for _, stage in finals[:-1]
        if stage.trigger.days_overdue is not None
    )
    window = sorted(d for d in sent if first <= d < day)
    if len(window) >= cap.max_messages:
        yield _finding(
            "DUN007",
            f"{prefix}frequency_cap.max_messages",
            f"the final message of stage {final.id!r} (stages[{index}]) falls on day {day}, "
            f"but {len(window)} messages go out in the {cap.days} days up to it (days "
            f"{', '.join(map(str, window))}) and the cap allows {cap.max_messages} in "
            f"{cap.days} days: the final notice is capped even for a single invoice",
        )


def _fees_over_100_percent(policy: Policy, prefix: str) -> Iterator[LintFinding]:
    hundred = Decimal(100)
    for index, stage in enumerate(policy.stages):
        rule = None if stage.fee is None else stage.fee.rule
        percents: list[tuple[str, Decimal]] = []
        if isinstance(rule, PercentFee):
            percents.append(("percent", rule.percent))
        elif isinstance(rule, TieredFee):
            percents.extend(
                (f"bands[{n}].percent", band.percent)
                for n, band in enumerate(rule.bands)
                if band.percent is not None
            )
        for field, percent in percents:
            if percent > hundred:
                yield _finding(
                    "DUN009",
                    f"{prefix}stages[{index}].fee.rule.{field}",
                    f"stage {stage.id!r} charges {percent} % of the overdue balance, more than "
                    f"the balance itself; percentages are written in percent, so if "
                    f"{percent / hundred} % was meant, write {_plain(percent / hundred)}",
                )
    cap = policy.fee_cap
    if cap is not None and cap.percent_of_total is not None and cap.percent_of_total > hundred:
        yield _finding(
            "DUN009",
            f"{prefix}fee_cap.percent_of_total",
            f"the fee cap allows fees of {cap.percent_of_total} % of the invoice total, more "
            "than the invoice itself, so it never cuts a fee",
        )


def _plain(value: Decimal) -> str:
    return f"{value.normalize():f}"


def _rates_as_fractions(policy: Policy, prefix: str) -> Iterator[LintFinding]:
    if policy.interest is None or not isinstance(policy.interest.rule, InterestRule):
        return
    rule = policy.interest.rule
    fields = [("annual_rate", rule.annual_rate), ("ceiling", rule.ceiling), ("floor", rule.floor)]
    for field, rate in fields:
        if isinstance(rate, Decimal) and 0 < rate < 1:
            yield _finding(
                "DUN010",
                f"{prefix}interest.rule.{field}",
                f"the interest {field.replace('_', ' ')} is {rate} % a year; rates are "
                f"written in percent: if {rate} is a fraction meaning {_plain(rate * 100)} %, "
                f"write {_plain(rate * 100)}",
            )


#: The checks run on each policy, by code.
_CHECKS: Mapping[str, _Check] = MappingProxyType(
    {
        "DUN001": _unreachable_steps,
        "DUN002": _duplicate_triggers,
        "DUN003": _stage_order,
        "DUN004": _steps_after_final_stage,
        "DUN005": _fees_above_cap,
        "DUN006": _interest_above_ceiling,
        "DUN007": _frequency_cap_blocks_final_notice,
        "DUN009": _fees_over_100_percent,
        "DUN010": _rates_as_fractions,
    }
)

# Issue dates over a common and a leap year give every month length and month end.
_ISSUE_DATES = tuple(date(2027, 1, 1) + timedelta(days=n) for n in range(731))


def lint_terms(terms: PaymentTerms, *, path: str = "terms") -> tuple[LintFinding, ...]:
    """Check payment terms between businesses against the 60-day limit (DUN008).

    EU Directive 2011/7/EU art. 3(5): a payment period between undertakings should not
    exceed 60 calendar days unless expressly agreed and not grossly unfair to the creditor.
    The longest period is measured over issue dates of a whole common and leap year, before
    any rolling of due dates to business days.

    >>> from dunning.terms import get_terms
    >>> lint_terms(get_terms("net 60")), [f.code for f in lint_terms(get_terms("net 90"))]
    ((), ['DUN008'])
    """
    findings: list[LintFinding] = []
    for index, line in enumerate(terms.lines):
        longest = max((line.due.unadjusted_due_date(d) - d).days for d in _ISSUE_DATES)
        if longest > MAX_B2B_TERMS_DAYS:
            findings.append(
                _finding(
                    "DUN008",
                    f"{path}.lines[{index}].due",
                    f"terms {terms.name!r} give up to {longest} days to pay, more than the "
                    f"{MAX_B2B_TERMS_DAYS} days of Directive 2011/7/EU art. 3(5) for payments "
                    "between businesses; keep them only if expressly agreed and not grossly "
                    "unfair",
                )
            )
    return tuple(findings)


def _contact_law(policy: Policy, prefix: str, code: str | None) -> Iterator[LintFinding]:
    """DUN030 and DUN031 under the contact law of `code` (else the policy's jurisdiction)."""
    code = code or policy.jurisdiction
    if code is None:
        return
    rules = get_contact_rules(code)
    for found in cadence_findings(policy.steps, rules):
        yield _finding("DUN030", f"{prefix}{found.path}", f"under {rules.code}: {found.message}")
    window = policy.send_window
    if window is not None:
        try:
            strictest(window, rules)
        except ContactLawError as error:
            yield _finding("DUN031", f"{prefix}send_window", f"{error}; {rules.windows_citation}")


def _lint_policy(policy: Policy, prefix: str, jurisdiction: str | None) -> list[LintFinding]:
    findings = [finding for check in _CHECKS.values() for finding in check(policy, prefix)]
    findings.extend(_contact_law(policy, prefix, jurisdiction))
    return findings


def lint(
    policy: Policy | PolicySet,
    *,
    terms: Iterable[PaymentTerms] = (),
    catalog: TemplateCatalog | None = None,
    jurisdiction: str | None = None,
) -> tuple[LintFinding, ...]:
    """Report what in `policy` contradicts itself, and B2B `terms` over 60 days.

    Args:
        policy: a `Policy`, or a `PolicySet` (paths then start ``rules[0].policy.`` or
            ``default.``).
        terms: payment terms used with business customers, checked by `lint_terms`
            (paths ``terms[0]...``).
        catalog: a message catalog; each template the policy names must be in it (DUN020).
        jurisdiction: a contact-law code ('co', 'cl', 'mx', 'br_sp') to check every policy
            against (DUN030, DUN031), in place of each policy's own `jurisdiction`.

    Returns:
        The findings, policy by policy in order, then the terms; empty when all is well.

    The checks follow the engine: steps are taken in order of offset, only the latest due
    occurrence of an invoice is sent, stages are listed mildest first and never step down.
    Business-day steps are left out of the step checks (their calendar dates depend on the
    calendar).

    Raises:
        UnknownJurisdictionError: when `jurisdiction` has no contact-law preset.
    """
    if jurisdiction is not None:
        get_contact_rules(jurisdiction)  # an unknown code fails before any finding
    findings: list[LintFinding] = []
    if isinstance(policy, PolicySet):
        for index, rule in enumerate(policy.rules):
            findings.extend(_lint_policy(rule.policy, f"rules[{index}].policy.", jurisdiction))
        findings.extend(_lint_policy(policy.default, "default.", jurisdiction))
    else:
        findings.extend(_lint_policy(policy, "", jurisdiction))
    for index, item in enumerate(terms):
        findings.extend(lint_terms(item, path=f"terms[{index}]"))
    if catalog is not None:
        findings.extend(catalog.lint_policy(policy))
    return tuple(findings)
