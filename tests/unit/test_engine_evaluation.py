"""The evaluation in its compact form: cheap views, and models built only when read."""

from __future__ import annotations

import copy
import gc
import pickle
from collections.abc import Callable, Iterator
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from pydantic import BaseModel
from tests.unit.test_engine import customer, invoice, staged

from dunning import (
    ActionKind,
    ArgumentTypeError,
    Evaluation,
    HistoryRecord,
    Invoice,
    Money,
    SendMessage,
    SendWindow,
    evaluate,
)
from dunning.engine.compact import Deferred, message_tone
from dunning.invoices import Channel
from dunning.policy.model import Tone

AS_OF = date(2026, 2, 15)
C1_MESSAGE = "b2c:C1:message:sms:dfe50cfeade49e28"
C2_MESSAGE = "b2c:C2:I3:step:after:0@sms"


def _evaluation() -> Evaluation:
    # C1: two invoices 15 days overdue enter the fee stage (5 %, at least 10.00) and get one
    # consolidated SMS; C2: one invoice two days overdue gets its reminder, one is not due.
    return evaluate(
        [
            invoice("I1"),
            invoice("I2", total="200.00"),
            invoice("I3", customer_id="C2", due_date=date(2026, 2, 13)),
            invoice("I4", customer_id="C2", due_date=date(2026, 3, 31)),
        ],
        staged(),
        AS_OF,
        customers=[
            customer("C1"),
            customer("C2", name="Luis", contacts=[{"channel": "sms", "address": "+5730099"}]),
        ],
    )


def _unbuilt(result: Evaluation) -> int:
    """How many actions of `result` are still waiting to be built."""
    compact = result._compact
    assert compact is not None
    return sum(isinstance(entry, Deferred) for entry in compact.actions)


class TestCount:
    def test_counts_by_kind_and_customer_without_building_a_message(self) -> None:
        result = _evaluation()
        assert result.count() == 6
        assert result.count(kind=ActionKind.SEND_MESSAGE) == 2
        assert result.count(kind="enter_stage") == 2
        assert result.count(kind=ActionKind.CHARGE_FEE, customer_id="C1") == 2
        assert result.count(kind=ActionKind.CHARGE_FEE, customer_id="C2") == 0
        assert result.count(customer_id="C1") == 5
        assert result.count(customer_id="C2") == 1
        assert result.count(customer_id="C9") == 0
        assert result.count(kind=ActionKind.HAND_OFF) == 0
        assert _unbuilt(result) == 2
        assert "actions" not in result.__dict__

    def test_counts_the_same_once_built(self) -> None:
        result = _evaluation()
        assert len(result.actions) == 6
        assert result.count(kind="send_message", customer_id="C2") == 1
        assert result.count(customer_id="C1") == 5

    def test_an_unknown_kind_is_refused(self) -> None:
        with pytest.raises(ArgumentTypeError) as caught:
            _evaluation().count(kind="send_letter")
        assert str(caught.value).startswith(
            "kind must be an ActionKind or the text of one (enter_stage, charge_fee, "
        )
        assert str(caught.value).endswith(", not 'send_letter'")


class TestActionsFor:
    def test_builds_only_the_customer_s_actions(self) -> None:
        result = _evaluation()
        (message,) = result.actions_for("C2")
        assert isinstance(message, SendMessage)
        assert (message.key, message.invoice_ids, message.total) == (
            C2_MESSAGE,
            ("I3",),
            Money("1000.00", "USD"),
        )
        assert message.reason.text == (
            "reminder after (2 days after the due date, repetition 1) for 1000.00 USD due "
            "2026-02-13"
        )
        assert _unbuilt(result) == 1  # C1's message is still not built

    def test_lists_the_customer_s_actions_in_order(self) -> None:
        result = _evaluation()
        assert [(a.kind.value, a.key) for a in result.actions_for("C1")] == [
            ("send_message", C1_MESSAGE),
            ("enter_stage", "b2c:C1:I1:stage:fee"),
            ("enter_stage", "b2c:C1:I2:stage:fee"),
            ("charge_fee", "b2c:C1:I1:fee:fee:0"),
            ("charge_fee", "b2c:C1:I2:fee:fee:0"),
        ]
        fees = [a.amount for a in result.actions_for("C1") if a.kind is ActionKind.CHARGE_FEE]
        assert fees == [Money("50.00", "USD"), Money("10.00", "USD")]
        assert result.actions_for("C9") == ()

    def test_the_same_actions_as_the_whole_list(self) -> None:
        result = _evaluation()
        c1 = result.actions_for("C1")
        assert result.actions[:5] == c1
        assert result.actions[0] is c1[0]  # built once
        assert result.actions_for("C2") == result.actions[5:]
        validated = Evaluation.model_validate_json(result.model_dump_json())
        assert validated.actions_for("C1") == c1


class TestOtherViews:
    def test_history_records_without_building_the_messages(self) -> None:
        result = _evaluation()
        records = result.history(on=date(2026, 2, 16))
        assert _unbuilt(result) == 2
        assert records == tuple(HistoryRecord.of(a, on=date(2026, 2, 16)) for a in result.actions)
        message = records[0]
        assert (message.key, message.kind, message.channel, message.invoice_ids) == (
            C1_MESSAGE,
            ActionKind.SEND_MESSAGE,
            "sms",
            ("I1", "I2"),
        )
        assert message.sent_by is None  # no send window

    def test_history_records_carry_the_end_of_the_send_window(self) -> None:
        result = evaluate(
            [invoice("I3", customer_id="C2", due_date=date(2026, 2, 13))],
            staged(send_window=SendWindow(start=time(9), end=time(18))),
            AS_OF,
            customers=[customer("C2", contacts=[{"channel": "sms", "address": "+57"}])],
        )
        (record,) = result.history()
        assert _unbuilt(result) == 1
        bogota = ZoneInfo("America/Bogota")
        assert record.sent_by == datetime(2026, 2, 15, 18, tzinfo=bogota)
        assert (record.on, record.status, record.decline) == (AS_OF, "executed", None)
        assert (record,) == tuple(HistoryRecord.of(a, on=AS_OF) for a in result.actions)

    def test_customers_and_stages(self) -> None:
        result = _evaluation()
        assert result.customers() == ("C1", "C2")
        assert "stages" not in result.__dict__
        (stage,) = result.stages
        assert (stage.customer_id, stage.stage_id, stage.level, stage.invoice_ids) == (
            "C1",
            "fee",
            1,
            ("I1", "I2"),
        )

    def test_reading_the_id_lists_builds_no_action(self) -> None:
        result = _evaluation()
        assert (result.acted, result.quiet, result.skipped_invoices) == (
            ("I1", "I2", "I3"),
            ("I4",),
            (),
        )
        assert result.invoice_count == 4
        assert _unbuilt(result) == 2

    def test_explaining_one_customer_builds_only_its_actions(self) -> None:
        result = _evaluation()
        assert result.explain("C2").splitlines() == [
            "Evaluation as of 2026-02-15",
            "Customer C2:",
            "  send_message via sms to +5730099, template late [I3]: reminder after (2 days "
            "after the due date, repetition 1) for 1000.00 USD due 2026-02-13",
            "  skipped superseded [I3] reminder before of 2026-02-10 replaced by a later one",
            "  skipped superseded [I3] reminder due of 2026-02-13 replaced by a later one",
            "6 actions; invoices: 3 acted on, 0 skipped, 0 paused, 1 quiet, 0 rejected",
        ]
        assert _unbuilt(result) == 1
        assert "stages" not in result.__dict__  # C1's stage is not built either
        assert result.explain("C1").splitlines()[2] == (
            "  stage fee (level 1) under policy b2c: I1, I2"
        )


def test_an_unread_evaluation_keeps_no_invoice_alive() -> None:
    # Invoices streamed from a generator are let go once evaluated, messages included.
    def streamed() -> Iterator[Invoice]:
        yield invoice("streamed-1")
        yield invoice("streamed-2", total="200.00")
        yield invoice("streamed-3", customer_id="C2", due_date=date(2026, 2, 13))

    customers = [customer("C1"), customer("C2", contacts=[{"channel": "sms", "address": "+57"}])]
    result = evaluate(streamed(), staged(), AS_OF, customers=customers)
    gc.collect()
    assert result.count(kind=ActionKind.SEND_MESSAGE) == 2
    kept = [o for o in gc.get_objects() if isinstance(o, Invoice) and o.id.startswith("streamed")]
    assert kept == []


class TestSameModelAsBuiltAtOnce:
    def test_json_round_trip(self) -> None:
        result = _evaluation()
        text = result.model_dump_json()
        assert Evaluation.model_validate_json(text) == result
        assert _evaluation().model_dump_json() == text

    def test_json_written_piece_by_piece_builds_nothing_it_keeps(self) -> None:
        result = _evaluation()
        pieces = list(result.iter_json(indent=2))
        assert _unbuilt(result) == 2
        assert "".join(pieces) == _evaluation().model_dump_json(indent=2)
        assert "".join(result.iter_json()) == _evaluation().model_dump_json()
        assert pieces[:4] == ["{\n", '  "as_of": ', '"2026-02-15"', ',\n  "actions": ']
        assert pieces[4].startswith('[\n    {\n      "key": "b2c:C1:message:sms:')

    def test_json_of_an_empty_evaluation_piece_by_piece(self) -> None:
        empty = Evaluation(as_of=AS_OF)
        assert "".join(empty.iter_json(indent=2)) == empty.model_dump_json(indent=2)
        assert "".join(empty.iter_json()) == (
            '{"as_of":"2026-02-15","actions":[],"skipped":[],"paused":[],"rejected":[],'
            '"acted":[],"skipped_invoices":[],"quiet":[],"stages":[]}'
        )

    def test_views_once_serialised(self) -> None:
        result = _evaluation()
        result.model_dump_json()
        assert result._compact is None  # the compact form is let go
        assert result.count(customer_id="C1") == 5
        assert result.count(kind="charge_fee", customer_id="C1") == 2
        assert [a.key for a in result.actions_for("C2")] == [C2_MESSAGE]
        assert len(result.actions_for("C1")) == 5
        assert result.actions_for("C9") == ()

    def test_json_piece_by_piece_keeps_no_stage(self) -> None:
        result = _evaluation()
        "".join(result.iter_json())
        assert "stages" not in result.__dict__
        assert "actions" not in result.__dict__

    def test_fields_serialise_in_their_declared_order(self) -> None:
        result = _evaluation()
        assert result.stages  # built before the others
        assert list(result.model_dump()) == list(Evaluation.model_fields)

    def test_equality_hash_copies_pickle_and_repr(self) -> None:
        first, second = _evaluation(), _evaluation()
        assert first == second
        assert hash(_evaluation()) == hash(second)
        assert hash(_evaluation()) != hash(second.evolve(quiet=()))
        assert copy.copy(_evaluation()) == first
        assert copy.deepcopy(_evaluation()) == first
        assert pickle.loads(pickle.dumps(_evaluation())) == first
        assert repr(_evaluation()) == repr(first)
        assert dict(_evaluation()) == dict(first)
        assert first != _evaluation().evolve(quiet=())

    def test_nested_in_another_model(self) -> None:
        class Day(BaseModel):
            evaluation: Evaluation

        assert Day(evaluation=_evaluation()).model_dump_json() == (
            '{"evaluation":' + _evaluation().model_dump_json() + "}"
        )

    def test_an_evaluation_built_from_its_fields_has_the_same_views(self) -> None:
        built = Evaluation(as_of=AS_OF, quiet=("I9",))
        assert built.count() == 0
        assert built.actions_for("C1") == ()
        assert built.customers() == ()
        assert built.history() == ()


class TestEntries:
    def test_messages_are_read_without_building_them(self) -> None:
        result = _evaluation()
        entries = result.entries()
        messages = [e for e in entries if e.kind is ActionKind.SEND_MESSAGE]
        assert [(e.key, e.channel, message_tone(e)) for e in messages] == [
            (C1_MESSAGE, Channel.SMS, Tone.FRIENDLY),
            (C2_MESSAGE, Channel.SMS, Tone.FRIENDLY),
        ]
        assert [e.invoice_ids for e in messages] == [("I1", "I2"), ("I3",)]
        assert _unbuilt(result) == 2
        assert "actions" not in result.__dict__

    def test_a_stage_message_gives_the_stage_s_tone(self) -> None:
        # 30 days overdue: the call stage's message, in its final tone, by e-mail.
        result = evaluate([invoice("I1")], staged(), date(2026, 3, 2), customers=[customer("C1")])
        (message,) = [e for e in result.entries() if e.kind is ActionKind.SEND_MESSAGE]
        assert isinstance(message, Deferred)
        assert (message.key, message.channel, message_tone(message)) == (
            "b2c:C1:I1:stage-message:call@email",
            Channel.EMAIL,
            Tone.FINAL,
        )
        assert _unbuilt(result) == 1

    def test_an_action_is_built_alone_and_once(self) -> None:
        result = _evaluation()
        action = result.action(5)
        assert isinstance(action, SendMessage)
        assert (action.key, action.channel, action.tone) == (
            C2_MESSAGE,
            Channel.SMS,
            Tone.FRIENDLY,
        )
        assert result.action(5) is action
        assert result.entries()[5] is action
        assert _unbuilt(result) == 1
        assert message_tone(action) is Tone.FRIENDLY
        assert result.action(5) == result.actions[5]

    def test_an_evaluation_built_from_its_fields_gives_its_actions(self) -> None:
        built = Evaluation.model_validate_json(_evaluation().model_dump_json())
        assert built.entries() == built.actions
        assert built.action(5) is built.actions[5]
        with pytest.raises(IndexError):
            built.action(6)


class TestMessageTone:
    @staticmethod
    def _deferred(build: Callable[[], Any], tone: Tone | None = None) -> Deferred:
        return Deferred(
            ActionKind.SEND_MESSAGE, "k", "C", ("I",), AS_OF, ("o",), build, Channel.SMS, None, tone
        )

    def test_the_tone_filed_with_the_entry_comes_first(self) -> None:
        def never() -> SendMessage:
            raise AssertionError("built")

        assert message_tone(self._deferred(never, Tone.FINAL)) is Tone.FINAL

    def test_an_entry_whose_builder_names_no_tone_is_built_to_read_it(self) -> None:
        message = _evaluation().actions[0]
        assert isinstance(message, SendMessage)
        firm = SendMessage.model_validate({**message.model_dump(), "tone": "firm"})
        assert message_tone(self._deferred(lambda: firm)) is Tone.FIRM

    def test_the_engine_files_each_message_with_its_tone(self) -> None:
        entries = _evaluation().entries()
        messages = [e for e in entries if isinstance(e, Deferred)]
        assert messages
        assert all(e.tone is e.build().tone for e in messages)  # type: ignore[union-attr]

    def test_an_action_that_is_not_a_message_has_no_tone(self) -> None:
        result = _evaluation()
        with pytest.raises(ValueError, match=r"fee:fee:0 is a charge_fee action, not a message"):
            message_tone(result.entries()[3])
        with pytest.raises(ValueError, match=r"fee:fee:0 is a charge_fee action, not a message"):
            message_tone(result.actions[3])
