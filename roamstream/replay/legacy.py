"""Version 1 recordings in today's shape: ``ocpp.transaction.v1`` and ``ocpp.station.v1`` merged into
``ocpp.events.v1``.

Each older topic was in receive order per partition (the connector published in order), and both were keyed
by charge point id with the same partitioner, so a charge point's records of both topics sit in one partition
number. They are merged per charge point by receive time (``roamstream.events.merge_legacy``: the connector's
own order, which the older sessions stage tried to rebuild from the two topics as it read them) and written
to the same partition of ``ocpp.events.v1``; reference data is kept as it is.
"""

from __future__ import annotations

from collections import defaultdict

from roamstream import events
from roamstream.avro import AvroSerde
from roamstream.replay.recording import INPUT_TOPICS, Record, Recording


def upgrade(recording: Recording, serde: AvroSerde) -> Recording:
    """``recording`` as a current-version recording (itself when it is one)."""
    if recording.version == 2:
        return recording
    kept = [r for r in recording.records if r.topic in INPUT_TOPICS]
    # partition -> charge point key -> (transaction records, station records), each in offset order
    streams: dict[int, dict[bytes | None, tuple[list[dict], list[dict]]]] = defaultdict(dict)
    for record in sorted(recording.records, key=lambda r: (r.topic, r.partition, r.offset)):
        if record.topic not in (events.LEGACY_TRANSACTIONS, events.LEGACY_STATIONS):
            continue
        pair = streams[record.partition].setdefault(record.key, ([], []))
        side = 0 if record.topic == events.LEGACY_TRANSACTIONS else 1
        pair[side].append(serde.decode(record.topic, record.value))
    for partition in sorted(streams):
        offset = 0
        for key in sorted(streams[partition], key=lambda k: b"" if k is None else k):
            transactions, stations = streams[partition][key]
            for merged in events.merge_legacy(transactions, stations):
                kept.append(Record(events.TOPIC, partition, offset, key, events.encode(serde, merged)))
                offset += 1
    return Recording(tuple(kept), recording.sessions, recording.meta)
