"""The pytest plugin, run with pytester: fixture, marker, option and the report of a failure."""

import pytest

pytest_plugins = ("pytester",)

HEADER = """
import pytest
from dunning.policy.model import Policy, ReminderStep, Repeat
from dunning.policy.promises import MessageLimit, ReminderLimit

DAILY = Policy(id="daily", steps=[ReminderStep(
    id="due", offset_days=0, channels=["email"], template="due", repeat=Repeat(every_days=1))])
"""


def test_a_kept_promise_passes_and_the_marker_sets_the_check(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        HEADER
        + """
@pytest.mark.dunning(days=12, max_examples=7, seed=3)
def test_kept(dunning_check):
    report = dunning_check.assert_keeps(DAILY, [ReminderLimit(max_reminders=12)])
    assert (report.days, report.examples, report.seed) == (12, 7, 3)
"""
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


def test_a_broken_promise_fails_with_the_counterexample_only(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        HEADER
        + """
@pytest.mark.dunning(days=12)
def test_broken(dunning_check):
    dunning_check.assert_keeps(DAILY, [MessageLimit(max_messages=2, days=7)])
"""
    )
    result = pytester.runpytest("-p", "no:cacheprovider", "--dunning-examples", "20")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*test_broken: a dunning promise is broken",
            "policy daily: 20 examples of 12 days from 2026-01-05, seed 0",
            "  BROKEN  at most 2 messages to a customer in any 7 days",
            "BROKEN: at most 2 messages to a customer in any 7 days",
            "portfolio over 12 days from 2026-01-05:",
            "  customer C0 (en_US, UTC; email)",
            "  3 messages in the 7 days *",
            "reproduce with check_policy(..., days=12, max_examples=20, seed=0)",
        ]
    )
    # The report, not a stack of the checker's internals.
    assert "checker.py" not in result.stdout.str()
    assert "site-packages/hypothesis" not in result.stdout.str()


def test_the_command_line_sets_examples_and_seed_and_the_call_wins(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        HEADER
        + """
def test_options(dunning_check):
    report = dunning_check(DAILY, [], days=3)
    assert (report.examples, report.seed, report.days) == (4, 11, 3)
    assert dunning_check(DAILY, [], days=3, max_examples=2).examples == 2
"""
    )
    result = pytester.runpytest(
        "-p", "no:cacheprovider", "--dunning-examples", "4", "--dunning-seed", "11"
    )
    result.assert_outcomes(passed=1)


def test_the_marker_and_options_are_declared(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--markers")
    result.stdout.fnmatch_lines(["@pytest.mark.dunning(**options):*"])
    result = pytester.runpytest("--help")
    result.stdout.fnmatch_lines(
        ["*--dunning-examples=N*", "*--dunning-seed=N*", "*--dunning-database=DIR*"]
    )


def test_the_database_option_replays_a_counterexample_found_on_an_earlier_run(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        HEADER
        + """
@pytest.mark.dunning(days=12)
def test_broken(dunning_check):
    dunning_check.assert_keeps(DAILY, [ReminderLimit(max_reminders=3)])
"""
    )
    options = ("-p", "no:cacheprovider", "--dunning-database", "examples")
    first = pytester.runpytest(*options, "--dunning-examples", "20")
    first.assert_outcomes(failed=1)
    assert any((pytester.path / "examples").iterdir())
    # One example of another seed: the simplest portfolio, which keeps the promise ...
    alone = pytester.runpytest(
        "-p", "no:cacheprovider", "--dunning-examples", "1", "--dunning-seed", "5"
    )
    alone.assert_outcomes(passed=1)
    # ... but the counterexample kept in the database is run first.
    again = pytester.runpytest(*options, "--dunning-examples", "1", "--dunning-seed", "5")
    again.assert_outcomes(failed=1)
    again.stdout.fnmatch_lines(["  reminder 4 about I0-0 (template due)"])
