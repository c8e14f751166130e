"""Version 1 recordings (``ocpp.transaction.v1`` and ``ocpp.station.v1``) read in today's shape: each charge
point's records of both topics merged into ``ocpp.events.v1`` in receive order (``roamstream.replay.legacy``).

Offline (no broker): the checked-in recording (version 1, made by the real stack) upgraded and folded by
``SessionFolder`` in several batch sizes, and a small hand-made case.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path

import pytest

from pipelines.session_batches import Item, SessionFolder
from roamstream import events
from roamstream import sessions as fold
from roamstream.avro import AvroSerde
from roamstream.replay import INPUT_TOPICS, Record, Recording, read_recording
from roamstream.replay.legacy import upgrade
from tests.sessions.fixtures import at, sample, status, tx_event

RECORDING = Path(__file__).parent / "data" / "recording.jsonl.gz"
PARAMS = fold.Params()
SERDE = AvroSerde()


@pytest.fixture(scope="module")
def recorded() -> Recording:
    return read_recording(RECORDING)


@pytest.fixture(scope="module")
def upgraded(recorded) -> Recording:
    return upgrade(recorded, SERDE)


def test_the_upgrade_keeps_every_record_once_in_each_charge_points_receive_order(recorded, upgraded):
    assert recorded.version == 1 and upgraded.version == 2
    assert set(upgraded.by_topic()) == set(INPUT_TOPICS)
    before = recorded.by_topic()
    after = upgraded.by_topic()
    assert after[events.TOPIC] == before[events.LEGACY_TRANSACTIONS] + before[events.LEGACY_STATIONS]
    assert {t: after[t] for t in INPUT_TOPICS if t != events.TOPIC} == {
        t: before[t] for t in INPUT_TOPICS if t != events.TOPIC}
    # the same decoded records, each under its own charge point's key and partition
    old = Counter((r.partition, r.key, r.value) for r in recorded.records if r.topic.startswith("ocpp."))
    decoded_old = Counter()
    for (partition, key, value), n in old.items():
        topic = next(r.topic for r in recorded.records if (r.partition, r.key, r.value) == (partition, key, value))
        decoded_old[(partition, key, repr(SERDE.decode(topic, value)))] += n
    added = {"auth_method", "authorization_reference"}  # fields the union's transaction branch gained since

    def as_before(event: dict) -> dict:
        return {k: v for k, v in event.items() if not (k in added and v is None)}

    decoded_new = Counter((r.partition, r.key, repr(as_before(events.decode(SERDE, r.value))))
                          for r in upgraded.records if r.topic == events.TOPIC)
    assert decoded_new == decoded_old
    streams: dict[bytes, list[dict]] = defaultdict(list)
    for r in sorted((r for r in upgraded.records if r.topic == events.TOPIC), key=lambda r: (r.partition, r.offset)):
        event = events.decode(SERDE, r.value)
        assert r.key.decode() == event["charge_point_id"]
        streams[r.key].append(event)
    for stream in streams.values():
        received = [e["received_at"] for e in stream]
        assert received == sorted(received)
    assert upgrade(upgraded, SERDE) is upgraded  # a current recording is left as it is


def completed(recording: Recording, batch: int) -> dict[str, dict]:
    """The completed sessions of folding ``recording``'s events partition by partition, ``batch`` at a time,
    with the table written back after each batch (as the worker does)."""
    table: dict[bytes, bytes] = {}
    folder = SessionFolder(PARAMS, table.get)
    by_partition: dict[int, list[Item]] = defaultdict(list)
    for r in sorted((r for r in recording.records if r.topic == events.TOPIC), key=lambda r: (r.partition, r.offset)):
        by_partition[r.partition].append(Item(r.key, r.partition, events.decode(SERDE, r.value)))
    out: dict[str, dict] = {}
    for items in by_partition.values():
        for lo in range(0, len(items), batch):
            result = folder.run(items[lo:lo + batch])
            assert result.failures == []
            for _, key, value in result.writes:
                table[key] = value
            out.update((o.record["session_id"], o.record) for _, o, _ in result.outputs if o.kind == fold.COMPLETED)
    return out


def test_every_recorded_session_completes_with_its_stop_whatever_the_batches(recorded, upgraded):
    whole = completed(upgraded, 1_000_000)
    assert len(whole) == recorded.sessions
    assert [sid for sid, r in whole.items() if r["estimated"] or r["start"] == r["end"]] == []
    for batch in (1, 7, 64):
        assert completed(upgraded, batch) == whole, f"batches of {batch}"


def test_a_charge_point_is_merged_in_receive_order_and_another_ones_clock_does_not_close_its_session():
    """A's Available is received after its stop; B (same partition) is an hour ahead. Merged per charge
    point by receive time, A's session ends with its stop, as received, not estimated, whatever B says."""
    a_tx = [tx_event("STARTED", 0, meter="0", cp="A"),
            tx_event("UPDATED", 10, samples=[sample(10, "1000")], cp="A"),
            tx_event("ENDED", 20, meter="2000", stop_reason="Local", cp="A"),
            tx_event("UPDATED", 30, tx=None, samples=[sample(30, "2000")], cp="A")]
    a_status = status(20, "Available", cp="A")
    for received, event in zip((0, 1, 2, 4), a_tx, strict=True):
        event["received_at"] = at(received)
    a_status["received_at"] = at(3)
    b = tx_event("UPDATED", 60, tx=None, samples=[sample(60, "5")], received=1.5, cp="B")
    legacy = Recording((
        Record(events.LEGACY_TRANSACTIONS, 0, 0, b"A", SERDE.encode(events.LEGACY_TRANSACTIONS, a_tx[0])),
        Record(events.LEGACY_TRANSACTIONS, 0, 1, b"A", SERDE.encode(events.LEGACY_TRANSACTIONS, a_tx[1])),
        Record(events.LEGACY_TRANSACTIONS, 0, 2, b"B", SERDE.encode(events.LEGACY_TRANSACTIONS, b)),
        Record(events.LEGACY_TRANSACTIONS, 0, 3, b"A", SERDE.encode(events.LEGACY_TRANSACTIONS, a_tx[2])),
        Record(events.LEGACY_TRANSACTIONS, 0, 4, b"A", SERDE.encode(events.LEGACY_TRANSACTIONS, a_tx[3])),
        Record(events.LEGACY_STATIONS, 0, 0, b"A", SERDE.encode(events.LEGACY_STATIONS, a_status)),
    ), 1, {}, 1)
    merged = [events.decode(SERDE, r.value) for r in upgrade(legacy, SERDE).records if r.key == b"A"]
    assert [e.get("action") or e["status"] for e in merged] == [
        "StartTransaction", "MeterValues", "StopTransaction", "Available", "MeterValues"]
    [record] = completed(upgrade(legacy, SERDE), 1).values()
    assert record["estimated"] is False and record["end"] == at(20) and record["meter_stop_wh"] == "2000"
