from datetime import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from dunning.errors import UnknownJurisdictionError
from dunning.money import Money
from dunning.penalties import InterestRule
from dunning.policy import (
    FeeCap,
    FrequencyCap,
    InterestSettings,
    MessageSpec,
    Policy,
    PolicyRule,
    PolicySet,
    ReminderStep,
    Repeat,
    SendWindow,
    Stage,
    StageFee,
    StageTrigger,
    StatutoryCompensation,
    StatutoryInterest,
)
from dunning.policy import lint as lint_module
from dunning.policy.io import load_policy
from dunning.policy.lint import RULES, LintFinding, Severity, lint, lint_terms
from dunning.terms import get_terms, parse_terms

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "policies"


def step(step_id: str, offset: int, **extra: Any) -> ReminderStep:
    return ReminderStep(id=step_id, offset_days=offset, channels=["email"], template="t", **extra)


def stage(stage_id: str, days: int | None = None, **extra: Any) -> Stage:
    trigger = (
        StageTrigger(days_overdue=days) if days is not None else StageTrigger(unpaid_invoices=2)
    )
    return Stage(id=stage_id, trigger=trigger, **extra)


def message() -> MessageSpec:
    return MessageSpec(channels=["email"], template="m")


def fixed(*amounts: Money) -> StageFee:
    return StageFee(rule={"kind": "fixed", "amounts": amounts})


def codes(policy: Policy | PolicySet) -> list[tuple[str, str]]:
    return [(finding.code, finding.path) for finding in lint(policy)]


def test_registry_agrees_with_the_checks() -> None:
    assert set(RULES) == {*lint_module._CHECKS, "DUN008", "DUN020", "DUN030", "DUN031"}
    assert sorted(RULES) == list(RULES)
    for code, rule in RULES.items():
        assert rule.code == code
        assert rule.name
        assert rule.summary
    assert RULES["DUN002"].severity is Severity.ERROR


def test_finding_text() -> None:
    finding = LintFinding(code="DUN005", severity="error", path="stages[0]", message="too much")
    assert str(finding) == "stages[0]: DUN005 error: too much"


def test_the_examples_are_clean() -> None:
    for name in ("b2c.toml", "b2b.toml", "portfolio.toml"):
        assert lint(load_policy(EXAMPLES / name)) == ()


# -- DUN001 -----------------------------------------------------------------------------------


def test_dun001_two_steps_on_the_same_day() -> None:
    policy = Policy(id="p", steps=[step("a", 0), step("b", 3), step("c", 0)])
    (finding,) = lint(policy)
    assert (finding.code, finding.path, finding.severity) == (
        "DUN001",
        "steps[0].offset_days",
        Severity.WARNING,
    )
    assert finding.message == (
        "step 'a' has offset_days 0, like step 'c' (steps[2]), which takes its place: "
        "it never fires"
    )


def test_dun001_repetitions_cut_short_by_the_next_step() -> None:
    policy = Policy(
        id="p",
        steps=[step("weekly", 2, repeat=Repeat(every_days=7, max_times=4)), step("late", 20)],
    )
    (finding,) = lint(policy)
    assert (finding.code, finding.path) == ("DUN001", "steps[0].repeat.max_times")
    assert finding.message.endswith("only 3 of 4 occurrences fire")


def test_dun001_not_when_repetitions_fit() -> None:
    fits = Repeat(every_days=7, max_times=3)  # days 2, 9, 16: before 20
    assert lint(Policy(id="p", steps=[step("weekly", 2, repeat=fits), step("late", 20)])) == ()
    unlimited = Repeat(every_days=7)
    assert lint(Policy(id="p", steps=[step("weekly", 2, repeat=unlimited), step("late", 20)])) == ()
    assert (
        lint(Policy(id="p", steps=[step("last", 2, repeat=Repeat(every_days=7, max_times=9))]))
        == ()
    )


def test_dun001_leaves_business_day_steps_alone() -> None:
    policy = Policy(id="p", steps=[step("a", 0, day_kind="business"), step("b", 0)])
    assert lint(policy) == ()


# -- DUN002 / DUN003 --------------------------------------------------------------------------


def test_dun002_same_trigger() -> None:
    policy = Policy(id="p", stages=[stage("a", 30), stage("b", 30), stage("c", 60)])
    assert codes(policy) == [("DUN002", "stages[1].trigger")]
    assert lint(policy)[0].severity is Severity.ERROR
    assert codes(Policy(id="p", stages=[stage("a"), stage("b")])) == [
        ("DUN002", "stages[1].trigger")
    ]


def test_dun002_not_for_distinct_triggers() -> None:
    assert lint(Policy(id="p", stages=[stage("a", 30), stage("b", 60), stage("c")])) == ()


def test_dun003_later_stage_entered_earlier() -> None:
    policy = Policy(id="p", stages=[stage("a", 30), stage("b", 60), stage("c", 45)])
    (finding,) = lint(policy)
    assert (finding.code, finding.path) == ("DUN003", "stages[2].trigger.days_overdue")
    assert "'b' (stages[1]) but entered earlier, at 45 days overdue against 60" in finding.message


def test_dun003_not_for_ordered_stages() -> None:
    assert lint(Policy(id="p", stages=[stage("a"), stage("b", 30), stage("c", 60)])) == ()


# -- DUN004 -----------------------------------------------------------------------------------


def test_dun004_step_after_hand_off() -> None:
    policy = Policy(
        id="p",
        steps=[step("due", 0), step("late", 95)],
        stages=[stage("agency", 90, hand_off={"agency": "acme"})],
    )
    (finding,) = lint(policy)
    assert (finding.code, finding.path) == ("DUN004", "steps[1].offset_days")
    assert "on or after stage 'agency', which hands the debt off at 90 days" in finding.message


def test_dun004_repeating_step_runs_past_a_write_off() -> None:
    policy = Policy(
        id="p",
        steps=[step("weekly", 7, repeat=Repeat(every_days=7))],
        stages=[stage("write-off", 120, propose_write_off=True)],
    )
    (finding,) = lint(policy)
    assert (finding.code, finding.path) == ("DUN004", "steps[0].repeat")
    assert "with no limit on day 126" in finding.message
    assert "proposes a write-off at 120" in finding.message
    limited = Repeat(every_days=7, max_times=20)
    later = lint(policy.evolve(steps=[step("weekly", 7, repeat=limited)]))
    assert "still on day 126" in later[0].message


def test_dun004_not_when_reminders_stop_before() -> None:
    stops = Repeat(every_days=14, max_times=5)
    policy = Policy(
        id="p",
        steps=[step("due", 0), step("fortnightly", 14, repeat=stops)],
        stages=[stage("agency", 90, hand_off={"agency": "acme"}), stage("other")],
    )
    assert lint(policy) == ()
    assert lint(Policy(id="p", steps=[step("late", 95)], stages=[stage("call", 30)])) == ()


# -- DUN005 -----------------------------------------------------------------------------------


def test_dun005_fixed_fee_above_cap() -> None:
    policy = Policy(
        id="p",
        stages=[stage("fee", 15, fee=fixed(Money("40.00", "EUR"), Money("60.00", "USD")))],
        fee_cap=FeeCap(amounts=[Money("50.00", "USD")]),
    )
    (finding,) = lint(policy)
    assert (finding.code, finding.path, finding.severity) == (
        "DUN005",
        "stages[0].fee.rule.amounts[1]",
        Severity.ERROR,
    )
    assert finding.message == (
        "the fixed fee 60.00 USD of stage 'fee' is above the fee cap 50.00 USD "
        "(fee_cap.amounts); the cap always cuts it"
    )


def test_dun005_percent_fee_minimum_above_cap() -> None:
    rule = {"kind": "percent", "percent": "2", "minimum": [Money("80000", "COP")]}
    policy = Policy(
        id="p",
        stages=[stage("fee", 15, fee=StageFee(rule=rule))],
        fee_cap=FeeCap(amounts=[Money("50000", "COP")]),
    )
    assert codes(policy) == [("DUN005", "stages[0].fee.rule.minimum[0]")]


def test_dun005_not_within_cap() -> None:
    cap = FeeCap(amounts=[Money("50.00", "USD")])
    within = Policy(
        id="p", stages=[stage("fee", 15, fee=fixed(Money("50.00", "USD")))], fee_cap=cap
    )
    assert lint(within) == ()
    statutory = StageFee(rule=StatutoryCompensation(jurisdiction="EU"))
    assert lint(within.evolve(stages=[stage("fee", 15, fee=statutory), stage("none", 30)])) == ()
    no_amounts = within.evolve(fee_cap=FeeCap(percent_of_total=Decimal(10)))
    assert lint(no_amounts) == ()


# -- DUN006 -----------------------------------------------------------------------------------


def test_dun006_rate_above_ceiling() -> None:
    rule = InterestRule(annual_rate=Decimal(30), ceiling=Decimal(25))
    (finding,) = lint(Policy(id="p", interest=InterestSettings(rule=rule)))
    assert (finding.code, finding.path) == ("DUN006", "interest.rule.annual_rate")
    assert finding.message == (
        "annual_rate 30 is above the ceiling 25; interest is always charged at 25"
    )


@pytest.mark.parametrize(
    "rule",
    [
        InterestRule(annual_rate=Decimal(25), ceiling=Decimal(25)),
        InterestRule(annual_rate=Decimal(30)),
        StatutoryInterest(jurisdiction="MX"),
    ],
)
def test_dun006_not_within_ceiling(rule: InterestRule | StatutoryInterest) -> None:
    assert lint(Policy(id="p", interest=InterestSettings(rule=rule))) == ()


# -- DUN007 -----------------------------------------------------------------------------------


def _capped(max_messages: int) -> Policy:
    return Policy(
        id="p",
        steps=[step("due", 0), step("daily", 1, repeat=Repeat(every_days=1))],
        stages=[
            stage("firm", 10, message=message()),
            stage("final", 20, message=message(), suspend_service=True),
        ],
        frequency_cap=FrequencyCap(max_messages=max_messages, days=7),
    )


def test_dun007_cap_swallows_the_final_notice() -> None:
    (finding,) = lint(_capped(6))
    assert (finding.code, finding.path, finding.severity) == (
        "DUN007",
        "frequency_cap.max_messages",
        Severity.ERROR,
    )
    assert finding.message == (
        "the final message of stage 'final' (stages[1]) falls on day 20, but 6 messages go "
        "out in the 7 days up to it (days 14, 15, 16, 17, 18, 19) and the cap allows 6 in 7 "
        "days: the final notice is capped even for a single invoice"
    )


def test_dun007_counts_earlier_stage_messages() -> None:
    policy = Policy(
        id="p",
        steps=[step("due", 0)],
        stages=[stage("a", 3, message=message()), stage("b", 5, message=message())],
        frequency_cap=FrequencyCap(max_messages=2, days=7),
    )
    assert codes(policy) == [("DUN007", "frequency_cap.max_messages")]


def test_dun007_not_when_room_is_left() -> None:
    assert lint(_capped(7)) == ()
    assert lint(_capped(6).evolve(frequency_cap=None)) == ()
    silent = _capped(1).evolve(stages=[stage("final", 20, suspend_service=True)])
    assert lint(silent) == ()


# -- DUN008 -----------------------------------------------------------------------------------


def test_dun008_b2b_terms_over_sixty_days() -> None:
    (finding,) = lint_terms(get_terms("net 90"))
    assert (finding.code, finding.path, finding.severity) == (
        "DUN008",
        "terms.lines[0].due",
        Severity.WARNING,
    )
    assert finding.message.startswith("terms 'net 90' give up to 90 days to pay, more than the 60")
    (eom,) = lint_terms(get_terms("net 60 EOM"))
    assert "up to 90 days" in eom.message  # 30 days of the month, then 60


@pytest.mark.parametrize("name", ["net 60", "net 30 EOM", "50% deposit net 30", "10th prox"])
def test_dun008_not_within_sixty_days(name: str) -> None:
    assert lint_terms(get_terms(name)) == ()


def test_lint_takes_terms_and_policy_sets() -> None:
    bad = Policy(id="b2b", stages=[stage("a", 30), stage("b", 30)])
    policies = PolicySet(
        rules=[PolicyRule(policy=bad, segments=["business"])], default=bad.evolve(id="b2c")
    )
    findings = lint(policies, terms=[parse_terms("2/10 net 30"), get_terms("net 90")])
    assert [(f.code, f.path) for f in findings] == [
        ("DUN002", "rules[0].policy.stages[1].trigger"),
        ("DUN002", "default.stages[1].trigger"),
        ("DUN008", "terms[1].lines[0].due"),
    ]


def test_dun004_with_a_step_shadowed_by_another_on_the_same_day() -> None:
    policy = Policy(
        id="p",
        steps=[step("a", 0, repeat=Repeat(every_days=30, max_times=5)), step("b", 0)],
        stages=[stage("agency", 90, hand_off={"agency": "acme"})],
    )
    assert codes(policy) == [("DUN001", "steps[0].offset_days"), ("DUN004", "steps[0].repeat")]


# -- DUN009 -----------------------------------------------------------------------------------


def _fee_policy(rule: dict[str, Any], **extra: Any) -> Policy:
    return Policy(id="p", stages=[stage("late", 30, fee={"rule": rule})], **extra)


def test_percent_fee_over_100_percent() -> None:
    (finding,) = lint(_fee_policy({"kind": "percent", "percent": "150"}))
    assert str(finding) == (
        "stages[0].fee.rule.percent: DUN009 warning: stage 'late' charges 150 % of the overdue "
        "balance, more than the balance itself; percentages are written in percent, so if "
        "1.5 % was meant, write 1.5"
    )


def test_fee_band_and_fee_cap_over_100_percent() -> None:
    rule = {
        "kind": "tiered",
        "mode": "flat",
        "currency": "USD",
        "bands": [{"up_to": "1000", "percent": "5"}, {"up_to": None, "percent": "250"}],
    }
    findings = lint(_fee_policy(rule, fee_cap={"percent_of_total": "120"}))
    assert [(f.code, f.path) for f in findings] == [
        ("DUN009", "stages[0].fee.rule.bands[1].percent"),
        ("DUN009", "fee_cap.percent_of_total"),
    ]
    assert findings[1].message == (
        "the fee cap allows fees of 120 % of the invoice total, more than the invoice itself, "
        "so it never cuts a fee"
    )


@pytest.mark.parametrize("percent", ["100", "1.5", "0"])
def test_percent_fee_up_to_100_percent_is_fine(percent: str) -> None:
    assert lint(_fee_policy({"kind": "percent", "percent": percent})) == ()


# -- DUN010 -----------------------------------------------------------------------------------


def test_interest_rate_written_as_a_fraction() -> None:
    policy = Policy(id="p", interest={"rule": {"annual_rate": "0.25", "ceiling": "0.3"}})
    findings = lint(policy)
    assert [str(f) for f in findings] == [
        "interest.rule.annual_rate: DUN010 warning: the interest annual rate is 0.25 % a year; "
        "rates are written in percent: if 0.25 is a fraction meaning 25 %, write 25",
        "interest.rule.ceiling: DUN010 warning: the interest ceiling is 0.3 % a year; rates "
        "are written in percent: if 0.3 is a fraction meaning 30 %, write 30",
    ]


@pytest.mark.parametrize("rate", ["0", "1", "25"])
def test_interest_rates_in_percent_are_fine(rate: str) -> None:
    assert lint(Policy(id="p", interest={"rule": {"annual_rate": rate}})) == ()


def test_fraction_findings_in_a_policy_set_name_the_policy() -> None:
    policies = PolicySet(
        default=Policy(id="p", interest={"rule": {"annual_rate": "0.5"}}),
    )
    (finding,) = lint(policies)
    assert finding.path == "default.interest.rule.annual_rate"


# --- contact law (DUN030, DUN031) ------------------------------------------------------------


def _daily_email(*days: int) -> tuple[ReminderStep, ...]:
    return tuple(
        ReminderStep(id=f"d{day}", offset_days=day, channels=["email"], template="t")
        for day in days
    )


def test_cadence_denser_than_chile_is_reported_with_step_and_article() -> None:
    policy = Policy(id="p", steps=_daily_email(0, 1, 3, 4))
    findings = lint(policy, jurisdiction="CL")
    assert [(f.code, f.path) for f in findings] == [
        ("DUN030", "steps[1].offset_days"),
        ("DUN030", "steps[2].offset_days"),
        ("DUN030", "steps[3].offset_days"),
        ("DUN030", "steps[3].offset_days"),
    ]
    assert findings[0].severity is Severity.WARNING
    assert findings[0].message == (
        "under cl: step 'd1' on day 1 is 1 day(s) after the previous email message; "
        "Ley 19.496, art. 37 (Ley 21.320): written messages at least two days (48 hours) apart"
    )
    assert findings[1].message == (
        "under cl: step 'd3' on day 3 is contact 3 within 7 day(s), above 2; "
        "Ley 19.496, art. 37 (Ley 21.320): at most two written messages a week"
    )


def test_the_policy_jurisdiction_is_linted_without_an_argument() -> None:
    steps = _daily_email(0, 1)
    assert lint(Policy(id="p", steps=steps)) == ()
    # Colombia allows one contact a day: consecutive days are lawful there.
    assert lint(Policy(id="p", steps=steps, jurisdiction="co")) == ()
    assert lint(Policy(id="p", steps=steps, jurisdiction="cl")) == lint(
        Policy(id="p", steps=steps), jurisdiction="cl"
    )


def test_a_cadence_within_the_law_is_clean() -> None:
    assert lint(Policy(id="p", steps=_daily_email(0, 3, 7, 10)), jurisdiction="cl") == ()


def test_the_argument_overrides_every_policy_of_a_set() -> None:
    policies = PolicySet(
        rules=[PolicyRule(policy=Policy(id="a", steps=_daily_email(0, 1)), segments=["s"])],
        default=Policy(id="b", steps=_daily_email(0, 1)),
    )
    assert [f.path for f in lint(policies, jurisdiction="cl")] == [
        "rules[0].policy.steps[1].offset_days",
        "default.steps[1].offset_days",
    ]


def test_a_send_window_outside_the_law_is_reported() -> None:
    policy = Policy(id="p", send_window=SendWindow(start=time(22, 30), end=time(23, 30)))
    [finding] = lint(policy, jurisdiction="mx")
    assert (finding.code, finding.path) == ("DUN031", "send_window")
    assert finding.message.startswith("send_window 22:30:00-23:30:00 leaves no time inside")
    assert finding.message.endswith("contact only from 07:00 to 22:00 in the debtor's time zone")


def test_an_unknown_lint_jurisdiction_is_refused() -> None:
    with pytest.raises(UnknownJurisdictionError, match="'pe' has no contact-law preset"):
        lint(Policy(id="p"), jurisdiction="pe")
