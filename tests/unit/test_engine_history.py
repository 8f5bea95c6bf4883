"""`HistoryIndex`: records and plain occurrence rows index to the same values."""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dunning.engine.actions import ActionKind, HistoryRecord, HistoryStatus
from dunning.engine.history import HistoryIndex
from dunning.invoices import Channel

DAY = date(2026, 11, 20)


def state(index: HistoryIndex) -> dict[str, Any]:
    """Everything the engine reads from `index` (message dates as a multiset: it sorts them)."""
    return {
        "owners": index._owners,
        "flat": index._flat,
        "failed_channels": dict(index.failed_channels),
        "messages": {customer: sorted(days) for customer, days in index.messages.items()},
        "suspends": dict(index.suspends),
        "resumes": dict(index.resumes),
        "failed_charges": index.failed_charges,
        "hard_declines": index.hard_declines,
        "records": index.records,
        "contacts": {customer: Counter(found) for customer, found in index.contacts.items()},
    }


def occurrence(
    record: HistoryRecord,
) -> tuple[str, str, str, date, str, tuple[str, ...], str | None]:
    return (
        record.key,
        record.kind.value,
        record.customer_id,
        record.on,
        record.status.value,
        record.covers,
        None if record.channel is None else record.channel.value,
    )


_KEYS = st.builds(
    lambda customer, invoice, rest: f"p:{customer}:{invoice}:{rest}",
    st.sampled_from(["C1", "C2"]),
    st.sampled_from(["I1", "I2", "suspend"]),
    st.sampled_from(["step:due:0", "stage:late", "retry:attempt:1", "fee:late:1"]),
) | st.sampled_from(["flat", "a:b", "a:b:c"])


@st.composite
def histories(draw: st.DrawFn) -> list[HistoryRecord]:
    """Records with repeated keys, covers and dates: shrinks towards one plain record."""
    records = []
    for number in range(draw(st.integers(1, 12))):
        kind = draw(st.sampled_from(list(ActionKind)))
        status = draw(st.sampled_from(list(HistoryStatus)))
        charge = kind in (ActionKind.AUTOMATIC_CHARGE, ActionKind.RETRY_CHARGE)
        decline = draw(st.sampled_from([None, "soft", "hard"])) if charge else None
        records.append(
            HistoryRecord(
                key=draw(_KEYS) if draw(st.booleans()) else f"own-{number}",
                kind=kind,
                customer_id=draw(st.sampled_from(["C1", "C2"])),
                on=date(2026, 11, draw(st.integers(1, 4))),
                status=status,
                invoice_ids=tuple(draw(st.lists(st.sampled_from(["I1", "I2"]), max_size=2))),
                covers=tuple(draw(st.lists(_KEYS, max_size=3))),
                channel=draw(st.sampled_from([None, *Channel])),
                decline=decline,
                decline_code=draw(st.sampled_from([None, "stolen_card"])) if decline else None,
            )
        )
    return records


def plain(record: HistoryRecord) -> bool:
    return record.kind not in (
        ActionKind.AUTOMATIC_CHARGE,
        ActionKind.RETRY_CHARGE,
    ) and record.status in (HistoryStatus.EXECUTED, HistoryStatus.SKIPPED)


@given(histories(), st.randoms(use_true_random=False))
def test_occurrence_rows_index_like_their_records_in_any_order(records, shuffler) -> None:
    expected = state(HistoryIndex(records))
    split = HistoryIndex()
    split._add_occurrences(occurrence(record) for record in records if plain(record))
    split.add(record for record in records if not plain(record))
    assert state(split) == expected
    shuffled = list(records)
    shuffler.shuffle(shuffled)
    assert state(HistoryIndex(shuffled)) == expected


def test_a_retry_counts_from_its_first_date_whatever_the_order() -> None:
    def retry(day: int) -> HistoryRecord:
        return HistoryRecord(
            key="p:C:I:retry:attempt:1", kind="retry_charge", customer_id="C", on=date(2026, 1, day)
        )

    assert HistoryIndex([retry(5), retry(3)]).done_on("p:C:I:retry:attempt:1") == date(2026, 1, 3)
    assert HistoryIndex([retry(3), retry(5)]).done_on("p:C:I:retry:attempt:1") == date(2026, 1, 3)


def test_occurrence_rows_of_the_whole_kind() -> None:
    index = HistoryIndex()
    index._add_occurrences(
        [
            (
                "p:C:I:step:due:0@email",
                "send_message",
                "C",
                DAY,
                "executed",
                ("p:C:I:step:due:0",),
                "email",
            ),
            ("p:C:I:stage:late", "enter_stage", "C", DAY, "skipped", (), None),
            ("p:C:suspend:late", "suspend_service", "C", DAY, "executed", (), None),
            ("p:C:resume:late", "resume_service", "C", DAY, "executed", (), None),
            ("loose", "create_task", "C", DAY, "executed", (), None),
            ("p:C:I:step:due:0@sms", "send_message", "C", DAY, "skipped", (), "sms"),
        ]
    )
    assert len(index) == 6
    assert index.done_on("p:C:I:step:due:0") == index.done_on("loose") == DAY
    assert index.done_on("p:C:I:step:due:0@email") is None  # looked up by what it covers
    assert index.done_on("p:C:I:stage:late") == DAY
    assert (dict(index.messages), dict(index.suspends), dict(index.resumes)) == (
        {"C": [DAY]},
        {"C": 1},
        {"C": 1},
    )
    # The message sent counts for a contact law, by its channel; the skipped one does not.
    assert dict(index.contacts) == {"C": [(DAY, Channel.EMAIL, None)]}


@pytest.mark.parametrize(
    ("kind", "status"),
    [
        ("retry_charge", "executed"),
        ("automatic_charge", "skipped"),
        ("send_message", "failed"),
        ("sing", "executed"),
        ("send_message", "done"),
    ],
)
def test_occurrence_rows_refuse_what_they_cannot_hold(kind, status) -> None:
    index = HistoryIndex()
    rows = [
        ("p:C:I:stage:late", "enter_stage", "C", DAY, "executed", (), None),
        ("k", kind, "C", DAY, status, (), None),
    ]
    with pytest.raises(ValueError, match=rf"^history record 'k' \('{kind}', '{status}'\) is not "):
        index._add_occurrences(rows)
    # What came before the refused row is indexed and counted.
    assert (len(index), index.done_on("p:C:I:stage:late")) == (1, DAY)


def charge(day: int, *, kind: str = "automatic_charge", status: str = "failed", **more: Any):
    return HistoryRecord(
        key=f"host:charge:{kind}:{day}:{more.get('decline_code')}",
        kind=kind,
        customer_id="C",
        on=date(2026, 1, day),
        status=status,
        invoice_ids=("I", "J"),
        **more,
    )


def test_the_first_hard_decline_and_the_first_failed_charge_count() -> None:
    index = HistoryIndex(
        [
            charge(5, decline="hard", decline_code="late"),
            charge(3, decline="hard", decline_code="first"),
            charge(3, kind="retry_charge", decline="hard", decline_code="same day"),
            charge(4, decline="soft", decline_code="insufficient_funds"),
        ]
    )
    first = (date(2026, 1, 3), "first")
    assert index.hard_declines == {"I": first, "J": first}
    assert index.failed_charges == {"I": date(2026, 1, 3), "J": date(2026, 1, 3)}


def test_only_a_failed_automatic_charge_starts_retries() -> None:
    index = HistoryIndex(
        [
            charge(2, status="executed"),
            charge(3, kind="retry_charge"),
            charge(4, status="skipped", decline="hard", decline_code="stolen_card"),
        ]
    )
    assert index.failed_charges == {}
    assert index.hard_declines == {}  # a decline counts on a failed charge only
    assert index.done_on("host:charge:retry_charge:3:None") == date(2026, 1, 3)


def test_occurrence_rows_add_to_what_the_index_holds() -> None:
    index = HistoryIndex([charge(2)])
    index._add_occurrences([("p:C:I:stage:late", "enter_stage", "C", DAY, "executed", (), None)])
    index._add_occurrences([("p:C:J:stage:late", "enter_stage", "C", DAY, "executed", (), None)])
    assert len(index) == 3
