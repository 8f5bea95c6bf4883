"""The invariants of DESIGN.md, proved with Hypothesis on generated policies and portfolios."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from random import Random
from unittest.mock import patch

from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from dunning import (
    ActionKind,
    ChargeFee,
    Evaluation,
    HistoryRecord,
    InterestRule,
    InterestSettings,
    Invoice,
    InvoiceOutcome,
    InvoiceStatus,
    Money,
    PercentFee,
    Policy,
    PostInterest,
    ReminderStep,
    SendMessage,
    SkipReason,
    Stage,
    StageFee,
    StageTrigger,
    evaluate,
)
from dunning.engine.compiled import CompiledPolicy, compile_policy
from dunning.testing._engine import (
    Portfolio,
    daily_history,
    engine_policies,
    histories,
    portfolios,
)

AS_OF = st.dates(min_value=date(2026, 1, 1), max_value=date(2026, 6, 30))


def _outcomes(portfolio: Portfolio, policy: Policy, as_of: date) -> dict[str, InvoiceOutcome]:
    result = evaluate(portfolio.invoices, policy, as_of, customers=portfolio.customers)
    return {i.id: result.outcome(i.id) for i in portfolio.invoices}


@given(portfolios(), engine_policies(), AS_OF, st.randoms(use_true_random=False))
def test_deterministic_and_independent_of_input_order(
    portfolio: Portfolio, policy: Policy, as_of: date, random: Random
) -> None:
    invoices = list(portfolio.invoices)
    customers = list(portfolio.customers)
    first = evaluate(invoices, policy, as_of, customers=customers)
    random.shuffle(invoices)
    random.shuffle(customers)
    second = evaluate(invoices, policy, as_of, customers=customers)
    assert first.model_dump_json() == second.model_dump_json()


@given(portfolios(), engine_policies(invoice_level_only=False), AS_OF)
def test_every_invoice_is_accounted_for_exactly_once(
    portfolio: Portfolio, policy: Policy, as_of: date
) -> None:
    result = evaluate(portfolio.invoices, policy, as_of, customers=portfolio.customers)
    parts = [
        *result.acted,
        *result.skipped_invoices,
        *result.quiet,
        *(p.invoice_id for p in result.paused),
        *(r.invoice_id for r in result.rejected),
    ]
    assert sorted(parts) == sorted(i.id for i in portfolio.invoices)
    assert result.invoice_count == len(portfolio.invoices)


@given(st.data(), portfolios(), engine_policies(invoice_level_only=False), AS_OF)
def test_re_evaluation_with_the_actions_as_history_yields_nothing(
    data: st.DataObject, portfolio: Portfolio, policy: Policy, as_of: date
) -> None:
    history = data.draw(histories(portfolio, policy))
    history = tuple(record for record in history if record.on <= as_of)
    first = evaluate(
        portfolio.invoices, policy, as_of, customers=portfolio.customers, history=history
    )
    again = evaluate(
        portfolio.invoices,
        policy,
        as_of,
        customers=portfolio.customers,
        history=(*history, *first.history(on=as_of)),
    )
    assert again.actions == ()


@given(portfolios(), engine_policies(invoice_level_only=False), AS_OF)
def test_no_message_to_paid_void_disputed_or_paused_invoices(
    portfolio: Portfolio, policy: Policy, as_of: date
) -> None:
    result = evaluate(portfolio.invoices, policy, as_of, customers=portfolio.customers)
    by_id = {i.id: i for i in portfolio.invoices}
    paused = {p.invoice_id for p in result.paused}
    for action in result.actions:
        if action.kind in (ActionKind.RESUME_SERVICE, ActionKind.SUSPEND_SERVICE):
            continue
        for invoice_id in action.invoice_ids:
            invoice = by_id[invoice_id]
            assert invoice_id not in paused
            assert invoice.status is InvoiceStatus.OPEN
            assert not invoice.disputed
            if isinstance(action, SendMessage | ChargeFee):
                principal = invoice.total.amount - sum(
                    (p.amount.amount for p in invoice.payments if p.date <= as_of), Decimal(0)
                )
                assert principal > 0


@given(portfolios(), engine_policies(invoice_level_only=False), AS_OF)
def test_no_pre_due_reminder_on_or_after_the_due_date(
    portfolio: Portfolio, policy: Policy, as_of: date
) -> None:
    result = evaluate(portfolio.invoices, policy, as_of, customers=portfolio.customers)
    offsets = {step.id: step.offset_days for step in policy.steps}
    due = {i.id: i.due_date for i in portfolio.invoices}
    for action in result.actions:
        if not isinstance(action, SendMessage):
            continue
        for item in action.items:
            parts = item.occurrence.split(":")
            if parts[3] == "step" and offsets[parts[4]] < 0:
                assert as_of < due[item.invoice_id]


def _money_actions(actions: list[object], keep: set[str]) -> dict[str, object]:
    found: dict[str, object] = {}
    for action in actions:
        if not set(getattr(action, "invoice_ids", ())) <= keep:
            continue
        if isinstance(action, ChargeFee | PostInterest):
            found[action.key] = action.amount
        elif getattr(action, "kind", None) is ActionKind.ENTER_STAGE:
            found[action.key] = action.due_on  # type: ignore[attr-defined]
    return found


def _task_occurrences(actions: list[object], keep: set[str]) -> set[str]:
    """The task occurrences (one per invoice and stage) the actions carry out."""
    found: set[str] = set()
    for action in actions:
        if getattr(action, "kind", None) is ActionKind.CREATE_TASK:
            found.update(
                key
                for key in action.covers or (action.key,)  # type: ignore[attr-defined]
                if key.split(":")[2] in keep
            )
    return found


@given(portfolios(max_customers=2, max_invoices=3), engine_policies())
def test_daily_runs_and_one_catch_up_reach_the_same_stages_fees_tasks_and_interest(
    portfolio: Portfolio, policy: Policy
) -> None:
    last = portfolio.start + timedelta(days=119)
    catch_up = evaluate(portfolio.invoices, policy, last, customers=portfolio.customers)
    daily_actions: list[object] = []
    history: list[HistoryRecord] = []
    day = portfolio.start
    while day <= last:
        result = evaluate(
            portfolio.invoices, policy, day, customers=portfolio.customers, history=history
        )
        daily_actions.extend(result.actions)
        history.extend(HistoryRecord.of(a, on=day) for a in result.actions)
        day += timedelta(days=1)
    # A paid invoice gets nothing more: a catch-up after its last payment rightly does nothing
    # for it, so the comparison is over the invoices still owed on the last day.
    owed = {
        i.id
        for i in portfolio.invoices
        if i.total.amount > sum((p.amount.amount for p in i.payments if p.date <= last), Decimal(0))
    }
    assert _money_actions(daily_actions, owed) == _money_actions(list(catch_up.actions), owed)
    # Tasks: the catch-up creates every task daily runs created, but for those it reports as
    # replaced by the task of a more severe stage of the same invoice (which it creates),
    # and creates no other.
    daily_tasks = _task_occurrences(daily_actions, owed)
    caught_up = _task_occurrences(list(catch_up.actions), owed)
    replaced = {
        s.key
        for s in catch_up.skipped
        if s.cause is SkipReason.SUPERSEDED and ":task:" in s.key and s.invoice_id in owed
    }
    assert caught_up <= daily_tasks
    missing = daily_tasks - caught_up
    assert missing <= replaced
    with_a_task = {key.split(":")[2] for key in caught_up}
    assert {key.split(":")[2] for key in missing} <= with_a_task
    replay = evaluate(
        portfolio.invoices, policy, last, customers=portfolio.customers, history=history
    )
    assert [s.stage_id for s in catch_up.stages] == [s.stage_id for s in replay.stages]


@given(portfolios(max_customers=2, max_invoices=4), engine_policies())
def test_frequency_caps_hold_in_every_window_of_a_120_day_run(
    portfolio: Portfolio, policy: Policy
) -> None:
    cap = policy.frequency_cap
    last = portfolio.start + timedelta(days=119)
    history = daily_history(portfolio, policy, portfolio.start, last)
    if cap is None:
        return
    sent: dict[str, list[date]] = defaultdict(list)
    for record in history:
        if record.kind is ActionKind.SEND_MESSAGE:
            sent[record.customer_id].append(record.on)
    for days in sent.values():
        for start in days:
            window = [d for d in days if start <= d < start + timedelta(days=cap.days)]
            assert len(window) <= cap.max_messages


@given(portfolios(max_customers=2, max_invoices=3), engine_policies(invoice_level_only=False))
def test_stages_never_step_down_while_unpaid(portfolio: Portfolio, policy: Policy) -> None:
    history: list[HistoryRecord] = []
    # Per customer: the top level reached so far and the invoices at it. The customer's level
    # may only fall when one of those invoices is paid off (the others never reached it).
    levels: dict[str, tuple[int, tuple[str, ...]]] = {}
    by_id = {invoice.id: invoice for invoice in portfolio.invoices}
    day = portfolio.start
    while day <= portfolio.start + timedelta(days=119):
        result = evaluate(
            portfolio.invoices, policy, day, customers=portfolio.customers, history=history
        )
        history.extend(HistoryRecord.of(a, on=day) for a in result.actions)
        for stage in result.stages:
            level, at_top = levels.get(stage.customer_id, (0, ()))
            if all(_unpaid_on(by_id[i], day) for i in at_top):
                assert stage.level >= level
            levels[stage.customer_id] = (stage.level, stage.invoice_ids)
        day += timedelta(days=1)


def _unpaid_on(invoice: Invoice, day: date) -> bool:
    """Whether something of `invoice`'s principal is still owed on `day`."""
    paid = sum(p.amount.amount for p in invoice.payments if p.date <= day)
    paid += sum(c.amount.amount for c in invoice.credit_notes if c.date <= day)
    return invoice.total.amount - paid > 0


def _built_values(value: object) -> list[BaseModel]:
    """Every model inside `value` (itself included), depth first."""
    if isinstance(value, BaseModel):
        found = [value]
        for item in value.__dict__.values():
            found.extend(_built_values(item))
        return found
    if isinstance(value, tuple):
        return [model for item in value for model in _built_values(item)]
    return []


@given(st.data(), portfolios(), engine_policies(invoice_level_only=False), AS_OF)
def test_the_evaluation_is_built_whole_and_survives_json(
    data: st.DataObject, portfolio: Portfolio, policy: Policy, as_of: date
) -> None:
    """The engine builds its values without validation: each must hold exactly its model's
    fields, in order, and read back from JSON as an equal value."""
    history = data.draw(histories(portfolio, policy))
    result = evaluate(
        portfolio.invoices, policy, as_of, customers=portfolio.customers, history=history
    )
    text = result.model_dump_json()  # builds what the compact evaluation left unbuilt
    for model in _built_values(result):
        assert list(model.__dict__) == list(type(model).model_fields), type(model).__name__
    assert Evaluation.model_validate_json(text) == result


@given(portfolios(), engine_policies(), AS_OF)
def test_fees_never_exceed_their_cap(portfolio: Portfolio, policy: Policy, as_of: date) -> None:
    result = evaluate(portfolio.invoices, policy, as_of, customers=portfolio.customers)
    charged: dict[str, Decimal] = defaultdict(Decimal)
    for action in result.actions:
        if isinstance(action, ChargeFee):
            assert action.amount.amount > 0
            charged[action.invoice_ids[0]] += action.amount.amount
    cap = policy.fee_cap
    if cap is None:
        return
    by_id = {i.id: i for i in portfolio.invoices}
    for invoice_id, total in charged.items():
        invoice = by_id[invoice_id]
        for money in cap.amounts:
            if money.currency == invoice.currency:
                assert total <= money.amount
        if cap.percent_of_total is not None:
            assert total <= invoice.total.percent(cap.percent_of_total).quantize().amount


@given(portfolios(max_customers=4), engine_policies(invoice_level_only=False), AS_OF, st.data())
def test_partition_invariance(
    portfolio: Portfolio, policy: Policy, as_of: date, data: st.DataObject
) -> None:
    whole = evaluate(portfolio.invoices, policy, as_of, customers=portfolio.customers)
    chosen = data.draw(st.sets(st.sampled_from([c.id for c in portfolio.customers])))
    for part in (chosen, {c.id for c in portfolio.customers} - chosen):
        sliced = evaluate(
            [i for i in portfolio.invoices if i.customer_id in part],
            policy,
            as_of,
            customers=[c for c in portfolio.customers if c.id in part],
        )
        assert sliced.actions == tuple(a for a in whole.actions if a.customer_id in part)
        assert sliced.skipped == tuple(s for s in whole.skipped if s.customer_id in part)
        assert sliced.paused == tuple(p for p in whole.paused if p.customer_id in part)
        assert sliced.stages == tuple(s for s in whole.stages if s.customer_id in part)


def _days_only(policy: Policy) -> Policy:
    """`policy` with stages entered on days overdue alone, their fees and interest postings
    kept: the shape whose quiet invoices the engine judges on their done keys alone."""
    stages = [
        stage.evolve(trigger=StageTrigger(days_overdue=stage.trigger.days_overdue))
        for stage in policy.stages
    ]
    return policy.evolve(stages=stages)


def _simple(policy: Policy) -> Policy:
    """`policy` with stages entered on days overdue alone, no fees and no interest."""
    stages = [stage.evolve(fee=None, post_interest=False) for stage in _days_only(policy).stages]
    return policy.evolve(stages=stages, interest=None, fee_cap=None)


def _in_full(policy: CompiledPolicy) -> CompiledPolicy:
    """`policy` with neither the quick check of the first pass nor the stage plan."""
    return replace(policy, fast=False, quick_stages=False)


@given(
    st.data(),
    portfolios(),
    engine_policies(),
    st.sampled_from([_days_only, _simple, lambda policy: policy]),
    st.integers(0, 20),
)
def test_the_quick_check_of_quiet_invoices_agrees_with_the_full_evaluation(
    data: st.DataObject,
    portfolio: Portfolio,
    policy: Policy,
    shape: Callable[[Policy], Policy],
    later: int,
) -> None:
    """Judging quiet invoices on their done keys gives exactly what evaluating them in full
    gives, with histories left by daily runs (where most invoices are quiet), some of their
    records lost and some written days late or early: for policies with fees (once and recurring,
    under caps) and interest (posted monthly, on payments and on stage entries)."""
    policy = shape(policy)
    # A pause below a minimum balance: the quick check judges the invoices above it.
    minimum = data.draw(st.sampled_from([None, Decimal(10), Decimal(1000), Decimal(50000)]))
    if minimum is not None:
        floors = [Money(minimum, "USD"), Money(minimum, "MXN"), Money(minimum * 100, "COP")]
        policy = policy.evolve(pauses=policy.pauses.evolve(min_balance=floors))
    first = portfolio.start + timedelta(days=data.draw(st.integers(0, 30)))
    history = daily_history(
        portfolio, policy, first, first + timedelta(days=data.draw(st.integers(0, 59)))
    )
    # Some records lost (a host outage, a stage added to the policy later): an occurrence
    # done without the ones the quick check also needs.
    lost = data.draw(st.sets(st.integers(0, max(len(history) - 1, 0)), max_size=len(history)))
    # Some records written late (the host carried the action out days after it fell due), or
    # early (a stage recorded before its trigger was met moves the days its fees, interest
    # and suspension count from).
    late = data.draw(
        st.dictionaries(
            st.integers(0, max(len(history) - 1, 0)),
            st.integers(-10, 10).filter(bool),
            max_size=5,
        )
    )
    history = tuple(
        record.evolve(on=record.on + timedelta(days=late[index])) if index in late else record
        for index, record in enumerate(history)
        if index not in lost
    )
    as_of = max((r.on for r in history), default=portfolio.start) + timedelta(days=later)
    quick = evaluate(
        portfolio.invoices, policy, as_of, customers=portfolio.customers, history=history
    )
    in_full = lambda p: _in_full(compile_policy(p))  # noqa: E731  (a one-line stand-in)
    with patch("dunning.engine.rules.context.compile_policy", in_full):
        full = evaluate(
            portfolio.invoices, policy, as_of, customers=portfolio.customers, history=history
        )
    assert quick.model_dump_json() == full.model_dump_json()


_EXTREMES = st.fixed_dictionaries(
    {},
    optional={
        # Whole amounts, valid in every currency (COP and CLP have no cents).
        "total": st.sampled_from(["1e30", "9" * 29, "1"]),
        "due_date": st.sampled_from([date(1, 1, 2), date(9999, 12, 30), date(2026, 1, 1)]),
        "payments": st.sampled_from(
            [
                [{"id": "P", "date": date(9999, 12, 31), "amount": "1.00"}],
                [{"id": "P", "date": date(1, 1, 1), "amount": "1.00"}],
            ]
        ),
    },
)


# Each example evaluates the portfolio twice on a policy with every rule: 50 examples cover
# the 27 combinations of extremes.
@settings(max_examples=50)
@given(portfolios(max_customers=2, max_invoices=3), engine_policies(), _EXTREMES, AS_OF)
def test_one_hostile_invoice_never_aborts_the_batch(
    portfolio: Portfolio, policy: Policy, extreme: dict[str, object], as_of: date
) -> None:
    """An invoice with extreme values is evaluated or rejected with its reason; the other
    customers' evaluation is exactly what it is without it."""
    template = portfolio.invoices[0]
    data = template.model_dump() | {"id": "HX-1", "customer_id": "HX"}
    data |= {
        "issue_date": date(1, 1, 1),
        "status": "open",
        "disputed": False,
        "promise_to_pay": None,
        "payments": [],
        "credit_notes": [],
        "charges": [],
    } | extreme
    if "payments" in extreme:
        data["payments"] = [
            p | {"amount": {"amount": p["amount"], "currency": template.currency}}
            for p in extreme["payments"]  # type: ignore[attr-defined]
        ]
    hostile = Invoice.model_validate(data)
    # Rules that reach the extremes: a percent fee, a reminder before the due date, interest.
    policy = policy.evolve(
        steps=(
            *policy.steps,
            ReminderStep(id="hx-before", offset_days=-3, channels=["email"], template="t"),
        ),
        stages=(
            *policy.stages,
            Stage(
                id="hx",
                trigger=StageTrigger(days_overdue=1),
                fee=StageFee(rule=PercentFee(percent=Decimal(5))),
            ),
        ),
        interest=policy.interest
        or InterestSettings(rule=InterestRule(annual_rate=Decimal(24)), posting="payment"),
    )
    owner = portfolio.customers[0].evolve(id="HX")
    customers = (*portfolio.customers, owner)
    calm = evaluate(portfolio.invoices, policy, as_of, customers=portfolio.customers)
    result = evaluate((*portfolio.invoices, hostile), policy, as_of, customers=customers)
    assert result.invoice_count == len(portfolio.invoices) + 1
    others = Evaluation._construct(
        **{
            name: tuple(
                item
                for item in value
                if getattr(item, "customer_id", "") != "HX" and item != "HX-1"
            )
            if isinstance(value, tuple)
            else value
            for name, value in result  # every field, built
        }
    )
    assert others.model_dump_json() == calm.model_dump_json()
    for rejection in result.rejected:
        assert rejection.invoice_id == "HX-1"
        assert "cannot be evaluated" in rejection.error
