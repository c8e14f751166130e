"""The sessions stage folds a partition's station and transaction events in the order the connector received
them, however far ahead the station topic is read: that is what makes a replay deterministic.

Offline (no broker): ``SessionFolder`` over the checked-in recording's partitions, with the two topics
merged in several ways, and a small hand-made case.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from pipelines.session_batches import Item, SessionFolder
from roamstream import sessions as fold
from roamstream.avro import AvroSerde
from roamstream.replay import read_recording
from roamstream.topics import spec
from tests.sessions.fixtures import at, sample, status, tx_event

RECORDING = Path(__file__).parent / "data" / "recording.jsonl.gz"
PARAMS = fold.Params()


def partitions() -> dict[int, tuple[list[Item], list[Item]]]:
    """Per partition: (transaction items, station items), each in offset order."""
    serde = AvroSerde()
    out: dict[int, tuple[list[Item], list[Item]]] = {}
    for r in read_recording(RECORDING).records:
        if r.topic.startswith("ocpp."):
            transaction = r.topic == "ocpp.transaction.v1"
            item = Item(r.key, r.partition, transaction, serde.decode(spec(r.topic).schema, r.value))
            out.setdefault(r.partition, ([], []))[0 if transaction else 1].append(item)
    return out


def merge(transactions: list[Item], stations: list[Item], take_transaction) -> list[Item]:
    tx, st, merged = list(transactions), list(stations), []
    while tx or st:
        merged.append(tx.pop(0) if tx and (not st or take_transaction(tx[0], st[0])) else st.pop(0))
    return merged


def completed(order) -> dict[str, dict]:
    table: dict[bytes, bytes] = {}
    folder = SessionFolder(PARAMS, table.get)
    out = {}
    for transactions, stations in partitions().values():
        merged = merge(transactions, stations, order)
        for lo in range(0, len(merged), 64):
            result = folder.run(merged[lo:lo + 64])
            assert result.failures == []
            for _, key, value in result.writes:
                table[key] = value
            out.update((o.record["session_id"], o.record) for _, o, _ in result.outputs if o.kind == fold.COMPLETED)
    return out


@pytest.fixture(scope="module")
def in_receive_order() -> dict[str, dict]:
    return completed(lambda t, s: t.record["received_at"] < s.record["received_at"])


def test_every_recorded_session_completes_with_its_stop(in_receive_order):
    assert len(in_receive_order) == read_recording(RECORDING).sessions
    assert [sid for sid, r in in_receive_order.items() if r["estimated"] or r["start"] == r["end"]] == []


def station_ahead(transaction_share: float, seed: int):
    """A random merge that takes a transaction event with this probability: the station topic runs ahead."""
    rng = random.Random(seed)
    return lambda t, s: rng.random() < transaction_share


@pytest.mark.parametrize("name, order", [
    ("station topic first", lambda t, s: False),
    ("station topic ahead, 1 in 5", station_ahead(0.2, 1)),
    ("station topic ahead, 1 in 20", station_ahead(0.05, 2)),
])
def test_reading_the_station_topic_ahead_changes_no_session(in_receive_order, name, order):
    assert completed(order) == in_receive_order, name


def test_a_status_read_ahead_waits_for_the_transaction_events_received_before_it():
    """Station B's clock is an hour ahead of A's (its data moves the partition clock to minute 60). A's
    Available, read before A's stop, would let that clock close A's session as estimated at its last
    sample; in receive order the stop comes first and the session ends with it."""
    a = [tx_event("STARTED", 0, meter="0", cp="A"),
         tx_event("UPDATED", 10, samples=[sample(10, "1000")], cp="A"),
         tx_event("ENDED", 20, meter="2000", stop_reason="Local", cp="A"),
         status(20, "Available", cp="A")]
    for received, event in zip((0, 1, 2, 3), a, strict=True):
        event["received_at"] = at(received)
    b = tx_event("UPDATED", 60, tx=None, samples=[sample(60, "5")], received=1.5, cp="B")
    transactions = [a[0], a[1], b, a[2]]  # the partition's order: as received
    status_first = [a[3], *transactions]

    def items_of(events):
        return [Item(e["charge_point_id"].encode(), 0, "action" in e, e) for e in events]

    result = SessionFolder(PARAMS, {}.get).run(items_of(status_first))
    [record] = [o.record for _, o, _ in result.outputs if o.kind == fold.COMPLETED]
    assert record["estimated"] is False and record["end"] == at(20)
    in_order = SessionFolder(PARAMS, {}.get).run(items_of([*transactions, a[3]]))
    assert [o.record for _, o, _ in in_order.outputs if o.kind == fold.COMPLETED] == [record]
