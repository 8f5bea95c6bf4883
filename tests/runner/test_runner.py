"""The runner over real stores: what it writes, dispatches, records, retries and falls back."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from dunning import Customer, Invoice, Policy, ReminderStep
from dunning.engine import evaluate
from dunning.engine.actions import ActionKind, HistoryRecord, HistoryStatus
from dunning.engine.history import HistoryIndex
from dunning.invoices import Channel
from dunning.io import read_customers, read_invoices
from dunning.policy.io import load_policy
from dunning.runner import (
    Backoff,
    EntryStatus,
    ManualClock,
    Outcome,
    Runner,
    SQLiteStore,
)
from dunning.testing.fakes import FakeSender, FakeServiceControl, FakeTaskSink

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
DAY = date(2026, 11, 20)
START = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def portfolio():
    policy = load_policy(EXAMPLES / "policies" / "portfolio.toml")
    invoices = read_invoices(EXAMPLES / "invoices.csv").items
    customers = read_customers(EXAMPLES / "customers.csv").items
    return policy, invoices, customers


def senders() -> dict[Channel, FakeSender]:
    return {channel: FakeSender(channel) for channel in Channel}


def simple(channels: list[str]) -> tuple[Policy, Invoice, Customer]:
    policy = Policy(
        id="p",
        steps=[ReminderStep(id="due", offset_days=0, channels=channels, template="due")],
    )
    customer = Customer(
        id="C",
        name="Ana",
        contacts=[
            {"channel": "email", "address": "ana@example.com"},
            {"channel": "sms", "address": "+573001234567"},
        ],
    )
    invoice = Invoice(
        id="I",
        customer_id="C",
        currency="USD",
        total="10.00",
        issue_date=date(2026, 10, 1),
        due_date=DAY,
    )
    return policy, invoice, customer


def test_a_run_dispatches_every_due_action_once_and_records_it(portfolio, tmp_path) -> None:
    policy, invoices, customers = portfolio
    channels = senders()
    tasks, service = FakeTaskSink(), FakeServiceControl()
    store = SQLiteStore(tmp_path / "outbox.sqlite")
    runner = Runner(store, policy, channels, tasks=tasks, service=service)
    expected = evaluate(invoices, policy, DAY, customers=customers)

    report = runner.run(DAY, invoices, customers)

    kinds = Counter(action.kind for action in expected.actions)
    assert report.due == report.written == len(expected.actions) == 198
    assert report.failures == ()
    assert {kind: report.count(kind) for kind in kinds} == dict(kinds)
    messages = kinds[ActionKind.SEND_MESSAGE]
    assert report.count(outcome=Outcome.DELIVERED) == messages
    assert sum(len(sender.sent) for sender in channels.values()) == messages
    for_people = (
        ActionKind.CREATE_TASK,
        ActionKind.HAND_OFF,
        ActionKind.PROPOSE_WRITE_OFF,
        ActionKind.OFFER_PLAN,
    )
    assert len(tasks.tasks) == sum(kinds[kind] for kind in for_people) == 31
    assert len(service.calls) == kinds[ActionKind.SUSPEND_SERVICE] > 0
    assert report.count(outcome=Outcome.RECORDED) == sum(
        kinds[kind]
        for kind in (ActionKind.ENTER_STAGE, ActionKind.CHARGE_FEE, ActionKind.POST_INTEREST)
    )
    assert {e.status for e in store.entries()} == {EntryStatus.DONE}
    recorded = {(r.key, r.kind, r.status, r.covers, r.channel) for r in store.history()}
    assert recorded == {
        (r.key, r.kind, r.status, r.covers, r.channel) for r in expected.history(on=DAY)
    }

    again = runner.run(DAY, invoices, customers)
    assert (again.due, again.written, again.counts) == (0, 0, ())
    later = runner.run(DAY + timedelta(days=1), invoices, customers)
    assert later.written == later.due
    assert sum(len(s.calls) for s in channels.values()) == messages + later.count(
        ActionKind.SEND_MESSAGE
    )


def test_a_dry_run_writes_nothing(portfolio, tmp_path) -> None:
    policy, invoices, customers = portfolio
    channels = senders()
    store = SQLiteStore(tmp_path / "outbox.sqlite")
    report = Runner(store, policy, channels).run(DAY, invoices, customers, dry_run=True)
    assert report.dry_run
    assert report.count(outcome=Outcome.PLANNED) == report.due == 198
    assert report.written == 0
    assert store.entries() == ()
    assert all(sender.calls == [] for sender in channels.values())


def test_a_temporary_failure_waits_for_its_backoff_then_goes(tmp_path) -> None:
    policy, invoice, customer = simple(["email"])
    email = FakeSender("email", schedule=["failed_temporary", "failed_temporary"])
    clock = ManualClock(START)
    backoff = Backoff(base=60, factor=2, cap=3600, jitter=0.0, max_attempts=5)
    runner = Runner(
        SQLiteStore(tmp_path / "o.sqlite"), policy, {"email": email}, clock=clock, backoff=backoff
    )
    first = runner.run(DAY, [invoice], [customer])
    assert first.count(outcome=Outcome.RETRYING) == 1
    (failure,) = first.failures
    assert failure.reason == "scheduled_failure failure of send 1 as told"
    (waiting,) = runner.store.entries()
    assert (waiting.status, waiting.attempts) == (EntryStatus.PENDING, 1)
    assert waiting.next_attempt_at == START + timedelta(seconds=60)

    clock.advance(59)
    assert runner.run(DAY, [invoice], [customer]).counts == ()
    clock.advance(1)
    second = runner.run(DAY, [invoice], [customer])
    assert second.count(outcome=Outcome.RETRYING) == 1
    assert runner.store.entries()[0].next_attempt_at == clock.now() + timedelta(seconds=120)
    clock.advance(120)
    third = runner.run(DAY, [invoice], [customer])
    assert third.count(outcome=Outcome.DELIVERED) == 1
    assert [call.idempotency_key for call in email.calls] == ["p:C:I:step:due:0@email"] * 3


def test_a_message_that_keeps_failing_gives_up_and_falls_back_to_the_next_channel(
    tmp_path,
) -> None:
    policy, invoice, customer = simple(["email", "sms"])
    email = FakeSender("email", schedule=["failed_temporary"] * 3)
    sms = FakeSender("sms")
    clock = ManualClock(START)
    backoff = Backoff(base=1, cap=1, jitter=0.0, max_attempts=2)
    runner = Runner(
        SQLiteStore(tmp_path / "o.sqlite"),
        policy,
        {"email": email, "sms": sms},
        clock=clock,
        backoff=backoff,
    )
    assert runner.run(DAY, [invoice], [customer]).count(outcome=Outcome.RETRYING) == 1
    clock.advance(1)
    report = runner.run(DAY, [invoice], [customer])
    assert report.count(ActionKind.SEND_MESSAGE, Outcome.FAILED) == 1
    assert report.count(ActionKind.SEND_MESSAGE, Outcome.DELIVERED) == 1
    assert report.fallback_rounds == 1
    assert report.failures[0].reason.startswith("gave up after 2 attempts: scheduled_failure")
    assert [m.to for m in sms.sent] == ["+573001234567"]
    statuses = {(r.key, r.status) for r in runner.store.history()}
    assert statuses == {
        ("p:C:I:step:due:0@email", HistoryStatus.FAILED),
        ("p:C:I:step:due:0@sms", HistoryStatus.EXECUTED),
    }


def test_a_channel_without_a_sender_fails_with_its_name_and_falls_back(tmp_path) -> None:
    policy, invoice, customer = simple(["email", "sms"])
    sms = FakeSender("sms")
    runner = Runner(SQLiteStore(tmp_path / "o.sqlite"), policy, {"sms": sms})
    report = runner.run(DAY, [invoice], [customer])
    (failure,) = report.failures
    assert failure.reason == "no sender registered for channel 'email' (registered: sms)"
    assert failure.outcome is Outcome.FAILED
    assert len(sms.sent) == 1


def test_a_permanent_failure_on_the_last_channel_is_recorded_and_not_retried(tmp_path) -> None:
    policy, invoice, customer = simple(["email"])
    email = FakeSender("email", fail_addresses={"ana@example.com": "mailbox_unknown"})
    runner = Runner(SQLiteStore(tmp_path / "o.sqlite"), policy, {"email": email})
    report = runner.run(DAY, [invoice], [customer])
    assert report.count(outcome=Outcome.FAILED) == 1
    assert report.failures[0].reason.startswith("mailbox_unknown")
    assert runner.run(DAY + timedelta(days=1), [invoice], [customer]).counts == ()
    assert len(email.calls) == 1


def test_a_crash_before_the_results_are_recorded_sends_again_with_the_same_key(tmp_path) -> None:
    policy, invoice, customer = simple(["email"])

    class Crashing(FakeSender):
        def send(self, message, *, idempotency_key):
            super().send(message, idempotency_key=idempotency_key)
            raise KeyboardInterrupt  # the process dies after the provider took the message

    email = Crashing("email")
    clock = ManualClock(START)
    store = SQLiteStore(tmp_path / "o.sqlite")
    with pytest.raises(KeyboardInterrupt):
        Runner(store, policy, {"email": email}, clock=clock, lease_seconds=30).run(
            DAY, [invoice], [customer]
        )
    (claimed,) = store.entries()
    assert claimed.status is EntryStatus.CLAIMED
    plain = FakeSender("email")
    plain._ledger = email._ledger  # the same provider, reached by the next process
    after = Runner(store, policy, {"email": plain}, clock=clock, lease_seconds=30)
    # This process is alive, so its claim holds until the lease ends.
    assert after.run(DAY, [invoice], [customer]).counts == ()
    clock.advance(30)
    report = after.run(DAY, [invoice], [customer])
    assert report.count(outcome=Outcome.DELIVERED) == 1
    assert [(c.idempotency_key, c.replayed) for c in plain.calls] == [
        ("p:C:I:step:due:0@email", False),
        ("p:C:I:step:due:0@email", True),
    ]
    assert len(plain.sent) == 1


def test_adopt_takes_everything_due_at_go_live_as_done(portfolio, tmp_path) -> None:
    policy, invoices, customers = portfolio
    channels = senders()
    store = SQLiteStore(tmp_path / "o.sqlite")
    runner = Runner(store, policy, channels)
    adopted = runner.adopt(DAY, invoices, customers)
    # 198 due on the day (call tasks included), 19 more of invoices paused at go-live.
    assert adopted.adopted == adopted.due == 217
    assert runner.run(DAY, invoices, customers).counts == ()
    assert all(sender.calls == [] for sender in channels.values())
    tomorrow = DAY + timedelta(days=1)
    expected = evaluate(invoices, policy, tomorrow, customers=customers, history=store.history())
    later = runner.run(tomorrow, invoices, customers)
    # Only what falls due after go-live goes out: nothing from before it.
    assert later.due == len(expected.actions) == 4
    assert {action.due_on for action in expected.actions} == {tomorrow}


def test_adopt_records_what_the_host_states(tmp_path) -> None:
    policy, invoice, customer = simple(["email"])
    email = FakeSender("email")
    runner = Runner(SQLiteStore(tmp_path / "o.sqlite"), policy, {"email": email})
    record = HistoryRecord(
        key="p:C:I:step:due:0@email", kind="send_message", customer_id="C", on=DAY
    )
    assert runner.adopt(DAY, records=[record]).adopted == 1
    assert runner.run(DAY, [invoice], [customer]).counts == ()
    assert email.calls == []


def test_entries_of_a_killed_run_count_as_done_so_no_occurrence_is_regrouped(tmp_path) -> None:
    # A consolidating policy groups a customer's same-day messages under a key that depends
    # on what they cover: if the pending entry of the first day were not counted as done,
    # the next day would cover invoice A again in a consolidated message with a new key.
    policy = Policy(
        id="p",
        consolidate=True,
        steps=[ReminderStep(id="due", offset_days=0, channels=["email"], template="due")],
    )
    customer = Customer(id="C", name="Ana", contacts=[{"channel": "email", "address": "a@x"}])
    a, b = (
        Invoice(
            id=name,
            customer_id="C",
            currency="USD",
            total="10.00",
            issue_date=date(2026, 10, 1),
            due_date=due,
        )
        for name, due in (("A", DAY), ("B", DAY + timedelta(days=1)))
    )

    class Dying(FakeSender):
        def send(self, message, *, idempotency_key):
            raise KeyboardInterrupt  # killed before the provider is reached

    clock = ManualClock(START)
    store = SQLiteStore(tmp_path / "o.sqlite")
    with pytest.raises(KeyboardInterrupt):
        Runner(store, policy, {"email": Dying("email")}, clock=clock, lease_seconds=60).run(
            DAY, [a, b], [customer]
        )
    clock.advance(24 * 3600)
    email = FakeSender("email")
    report = Runner(store, policy, {"email": email}, clock=clock).run(
        DAY + timedelta(days=1), [a, b], [customer]
    )
    assert report.count(outcome=Outcome.DELIVERED) == 2
    assert sorted(call.idempotency_key for call in email.calls) == [
        "p:C:A:step:due:0@email",
        "p:C:B:step:due:0@email",
    ]


def test_an_entry_another_runner_wrote_first_is_sent_as_that_runner_wrote_it(
    tmp_path,
) -> None:
    from dunning.money import Money

    policy, invoice, customer = simple(["email"])

    class Raced(SQLiteStore):
        def enqueue(self, entries):
            # Another runner, with an older snapshot of the invoice, wrote the same key
            # between this runner's evaluation and its write: its version is the one kept.
            theirs = [
                entry.evolve(
                    payload=entry.action.evolve(total=Money("6.00", "USD")).model_dump_json()
                )
                for entry in entries
            ]
            super().enqueue(theirs)
            return super().enqueue(entries)

    email = FakeSender("email")
    report = Runner(Raced(tmp_path / "o.sqlite"), policy, {"email": email}).run(
        DAY, [invoice], [customer]
    )
    assert (report.written, report.count(outcome=Outcome.DELIVERED)) == (0, 1)
    (sent,) = email.sent
    assert sent.text.endswith("Total 6.00 USD.")


def test_messages_carry_a_payment_link_made_with_the_messages_key(tmp_path) -> None:
    from dunning.testing.fakes import FakeGateway

    policy, invoice, customer = simple(["email"])
    email, gateway = FakeSender("email"), FakeGateway()
    Runner(SQLiteStore(tmp_path / "o.sqlite"), policy, {"email": email}, gateway=gateway).run(
        DAY, [invoice], [customer]
    )
    (call,) = gateway.link_calls
    assert call.idempotency_key == "p:C:I:step:due:0@email#link"
    assert (call.request.customer_id, call.request.invoice_ids) == ("C", ("I",))
    assert email.sent[0].payment_url == "https://pay.example/C/1"
    assert email.sent[0].text.endswith("Pay at https://pay.example/C/1")


def retry_setup(tmp_path, schedule, methods, days=(3,)):
    from dunning.policy.model import RetrySchedule
    from dunning.testing.fakes import FakeGateway

    policy = Policy(id="p", retries=RetrySchedule(days_after_failure=days))
    _, invoice, customer = simple(["email"])
    gateway = FakeGateway(schedule=schedule)
    runner = Runner(
        SQLiteStore(tmp_path / "o.sqlite"), policy, {}, gateway=gateway, payment_methods=methods
    )
    failed = HistoryRecord(
        key="host:charge:I:1",
        kind="automatic_charge",
        customer_id="C",
        on=DAY - timedelta(days=3),
        status="failed",
        invoice_ids=("I",),
    )
    runner.adopt(DAY, records=[failed])
    return runner, gateway, invoice, customer


@pytest.mark.parametrize(
    ("schedule", "methods", "outcome", "detail"),
    [
        ([None], {"C": "pm_1"}, Outcome.EXECUTED, "charge-1"),
        (["insufficient_funds"], {"C": "pm_1"}, Outcome.EXECUTED, "declined: insufficient_funds"),
        (["stolen_card"], {"C": "pm_1"}, Outcome.FAILED, "declined for good: stolen_card"),
        ([None], {}, Outcome.FAILED, "no stored payment method for customer 'C'"),
    ],
)
def test_retries_of_failed_charges_go_to_the_gateway(
    tmp_path, schedule, methods, outcome, detail
) -> None:
    runner, gateway, invoice, customer = retry_setup(tmp_path, schedule, methods)
    report = runner.run(DAY, [invoice], [customer])
    assert report.count(ActionKind.RETRY_CHARGE, outcome) == 1
    (record,) = [r for r, _, _ in runner.store.history_details() if r.kind == "retry_charge"]
    details = {r.key: d for r, _, d in runner.store.history_details()}
    assert details[record.key] == detail
    if methods:
        (call,) = gateway.charge_calls
        assert (call.idempotency_key, call.request.payment_method) == (record.key, "pm_1")
    else:
        assert gateway.charge_calls == []


@pytest.mark.parametrize(
    ("schedule", "retried"),
    [
        (["stolen_card"], 0),  # a hard decline: never retried again
        (["insufficient_funds"], 1),  # a soft one: the next retry goes
    ],
)
def test_a_hard_decline_recorded_by_a_run_stops_the_retries_of_the_next(
    tmp_path, schedule, retried
) -> None:
    runner, gateway, invoice, customer = retry_setup(tmp_path, schedule, {"C": "pm_1"}, (3, 6))
    store = runner.store
    assert runner.run(DAY, [invoice], [customer]).count(ActionKind.RETRY_CHARGE) == 1
    (record,) = [r for r, _, _ in store.history_details() if r.kind == "retry_charge"]
    hard = schedule == ["stolen_card"]
    assert (record.key, record.on, record.status, record.decline, record.decline_code) == (
        "p:C:I:retry:attempt:1",
        DAY,
        HistoryStatus.FAILED if hard else HistoryStatus.EXECUTED,
        "hard" if hard else "soft",
        schedule[0],
    )
    # The next run reads the decline back from the store (another handle, as a new process).
    again = Runner(
        SQLiteStore(tmp_path / "o.sqlite"),
        runner.policy,
        {},
        gateway=gateway,
        payment_methods={"C": "pm_1"},
    )
    report = again.run(DAY + timedelta(days=3), [invoice], [customer])
    assert (report.due, report.count(ActionKind.RETRY_CHARGE)) == (retried, retried)
    assert [call.idempotency_key for call in gateway.charge_calls] == [
        "p:C:I:retry:attempt:1",
        "p:C:I:retry:attempt:2",
    ][: 1 + retried]
    index = HistoryIndex(again.store.history())
    assert index.hard_declines == ({"I": (DAY, "stolen_card")} if hard else {})


def test_dispatch_sends_what_is_due_without_evaluating(tmp_path) -> None:
    policy, invoice, customer = simple(["email"])
    email = FakeSender("email", schedule=["failed_temporary"])
    clock = ManualClock(START)
    runner = Runner(
        SQLiteStore(tmp_path / "o.sqlite"),
        policy,
        {"email": email},
        clock=clock,
        backoff=Backoff(base=10, jitter=0),
    )
    runner.run(DAY, [invoice], [customer])
    dry = runner.run(DAY, [invoice], [customer], dry_run=True)
    assert dry.count(outcome=Outcome.PLANNED) == 0  # waiting for its next attempt
    clock.advance(10)
    dry = runner.run(DAY, [invoice], [customer], dry_run=True)
    assert (dry.due, dry.count(outcome=Outcome.PLANNED)) == (0, 1)
    report = runner.dispatch(DAY, [customer])
    assert (report.invoices, report.count(outcome=Outcome.DELIVERED)) == (0, 1)


def test_a_message_that_cannot_be_rendered_fails_for_good_with_the_reason(tmp_path) -> None:
    policy, invoice, customer = simple(["email"])

    def broken(action, customer, payment_url):
        raise KeyError("greeting")

    email = FakeSender("email")
    runner = Runner(SQLiteStore(tmp_path / "o.sqlite"), policy, {"email": email}, renderer=broken)
    report = runner.run(DAY, [invoice], [customer])
    (failure,) = report.failures
    assert failure.reason == "cannot render template 'due': KeyError: 'greeting'"
    assert failure.outcome is Outcome.FAILED
    assert email.calls == []


def test_the_catalog_renderer_needs_the_customer() -> None:
    from dunning.runner import catalog_messages

    _, invoice, customer = simple(["email"])
    policy = Policy(
        id="p",
        steps=[ReminderStep(id="due", offset_days=0, channels=["email"], template="due-today")],
    )
    (action,) = evaluate([invoice], policy, DAY, customers=[customer]).actions
    rendered = catalog_messages()(action, customer, "https://pay.example/x")
    assert (rendered.channel, rendered.to, rendered.payment_url) == (
        Channel.EMAIL,
        "ana@example.com",
        "https://pay.example/x",
    )
    with pytest.raises(ValueError, match="customer 'C' is not among the run's customers"):
        catalog_messages()(action, None, None)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"lease_seconds": 0}, "lease_seconds must be positive, got 0"),
        ({"batch_size": 501}, "batch_size must be between 1 and 500, got 501"),
    ],
)
def test_runner_options_are_checked(tmp_path, options, message) -> None:
    policy, _, _ = simple(["email"])
    with pytest.raises(ValueError, match=message):
        Runner(SQLiteStore(tmp_path / "o.sqlite"), policy, {}, **options)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"base": 0}, r"Backoff needs 0 < base <= cap, got base=0, cap=21600.0"),
        ({"base": 10, "cap": 5}, r"Backoff needs 0 < base <= cap, got base=10, cap=5"),
        ({"factor": 0.5}, r"Backoff factor must be at least 1, got 0.5"),
        ({"jitter": 1.5}, r"Backoff jitter must be between 0 and 1, got 1.5"),
        ({"max_attempts": 0}, r"Backoff max_attempts must be at least 1, got 0"),
    ],
)
def test_backoff_options_are_checked(options, message) -> None:
    with pytest.raises(ValueError, match=message):
        Backoff(**options)


def test_a_manual_clock_wants_aware_times() -> None:
    with pytest.raises(ValueError, match="must be timezone-aware"):
        ManualClock(datetime(2026, 11, 20))
    clock = ManualClock(START)
    with pytest.raises(ValueError, match="must be timezone-aware"):
        clock.set(datetime(2026, 11, 21))
    clock.set(START + timedelta(days=1))
    assert clock.now() == START + timedelta(days=1)


def test_a_message_deferred_by_a_contact_law_waits_in_the_outbox_until_its_lawful_instant(
    tmp_path,
) -> None:
    # Ley 2300 de 2023 (Colombia): no collection contact on Sundays. Due on Sunday 2026-11-22,
    # the reminder is written that day and first sent on Monday at 07:00 in Bogota (12:00 UTC).
    policy, invoice, customer = simple(["email"])
    sunday = date(2026, 11, 22)
    invoice = invoice.evolve(due_date=sunday)
    customer = customer.evolve(
        time_zone="America/Bogota",
        jurisdiction="co",
        contacts=[
            {"channel": "email", "address": "ana@example.com", "consented_on": date(2026, 1, 5)}
        ],
    )
    clock = ManualClock(datetime(2026, 11, 22, 15, 0, tzinfo=UTC))
    email = FakeSender("email")
    runner = Runner(SQLiteStore(tmp_path / "o.sqlite"), policy, {"email": email}, clock=clock)

    first = runner.run(sunday, [invoice], [customer])
    assert (first.written, first.counts) == (1, ())
    (waiting,) = runner.store.entries()
    assert waiting.status is EntryStatus.PENDING
    assert waiting.next_attempt_at == datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    assert email.calls == []

    clock.set(datetime(2026, 11, 23, 11, 59, tzinfo=UTC))
    assert runner.dispatch(sunday).counts == ()
    clock.set(datetime(2026, 11, 23, 12, 0, tzinfo=UTC))
    assert runner.dispatch(sunday).count(outcome=Outcome.DELIVERED) == 1
    assert [call.idempotency_key for call in email.calls] == ["p:C:I:step:due:0@email"]
    # The next day's run finds the message in the history: nothing is written twice.
    assert runner.run(sunday + timedelta(days=1), [invoice], [customer]).written == 0


def test_messages_stored_by_earlier_runs_count_against_a_contact_law(tmp_path) -> None:
    # Chile: at most two written messages a week. Monday's and Wednesday's are in the store;
    # Friday's reminder waits in the outbox for Monday 08:00 in Santiago (11:00 UTC).
    policy, _, customer = simple(["email"])
    friday = date(2024, 3, 8)
    invoice = Invoice(
        id="I",
        customer_id="C",
        currency="USD",
        total="10.00",
        issue_date=date(2024, 2, 1),
        due_date=friday,
    )
    customer = customer.evolve(time_zone="America/Santiago", jurisdiction="cl")
    store = SQLiteStore(tmp_path / "o.sqlite")
    store.add_history(
        [
            HistoryRecord(
                key=f"p:C:{name}:step:due:0@email",
                kind="send_message",
                customer_id="C",
                on=on,
                channel="email",
                invoice_ids=(name,),
                covers=(f"p:C:{name}:step:due:0",),
            )
            for name, on in (("A", date(2024, 3, 4)), ("B", date(2024, 3, 6)))
        ],
        source="runner",
    )
    clock = ManualClock(datetime(2024, 3, 8, 13, 0, tzinfo=UTC))
    email = FakeSender("email")
    runner = Runner(store, policy, {"email": email}, clock=clock)
    assert runner.run(friday, [invoice], [customer]).written == 1
    (waiting,) = runner.store.entries()
    assert waiting.next_attempt_at == datetime(2024, 3, 11, 11, 0, tzinfo=UTC)
    assert email.calls == []
