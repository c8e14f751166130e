"""A recording: the records of the input topics, as they were on the broker, in a gzip JSON Lines file.

Line 1 is the header ``{"format": "roamstream.recording", "version": 2, "topics": {name: partitions},
"sessions": N, ...}`` (``sessions``: how many sessions the recorded traffic holds, i.e. how many CDRs a
replay must yield). Every further line is one record ``{"topic", "partition", "offset", "key", "value"}``:
``topic`` the catalog name (no prefix), ``key`` the key as text (``key_b64`` when it is not UTF-8),
``value`` the base64 of the framed Avro bytes exactly as they were on the topic. Records are grouped by
topic and partition, in offset order. The file is written with a zero gzip timestamp, so that the same
records give the same bytes.

Version 1 recordings (made before ``ocpp.events.v1``) hold ``ocpp.transaction.v1`` and ``ocpp.station.v1``
instead; they are read as they are and merged into ``ocpp.events.v1`` for a replay
(``roamstream.replay.legacy``).
"""

from __future__ import annotations

import base64
import gzip
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from roamstream.replay.exceptions import RecordingError
from roamstream.topics import BY_NAME

FORMAT = "roamstream.recording"
VERSION = 2
#: the topics a pipeline run is a function of: reference data first, then the charge points' events
INPUT_TOPICS = ("ocpi.tariffs.v1", "ocpi.locations.v1", "ocpi.tokens.v1", "ocpp.events.v1")
#: the input topics of version 1 recordings
LEGACY_INPUT_TOPICS = ("ocpi.tariffs.v1", "ocpi.locations.v1", "ocpi.tokens.v1", "ocpp.transaction.v1",
                       "ocpp.station.v1")
_TOPICS_OF_VERSION = {1: LEGACY_INPUT_TOPICS, 2: INPUT_TOPICS}


@dataclass(frozen=True, slots=True)
class Record:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None


@dataclass(frozen=True)
class Recording:
    records: tuple[Record, ...]
    #: the number of sessions in the traffic (CDRs a replay must yield); None if unknown
    sessions: int | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    version: int = VERSION

    @property
    def input_topics(self) -> tuple[str, ...]:
        return _TOPICS_OF_VERSION[self.version]

    def by_topic(self) -> dict[str, int]:
        counts = dict.fromkeys(self.input_topics, 0)
        for record in self.records:
            counts[record.topic] += 1
        return counts


def _key_fields(key: bytes | None) -> dict[str, Any]:
    if key is None:
        return {"key": None}
    try:
        return {"key": key.decode("utf-8")}
    except UnicodeDecodeError:
        return {"key_b64": base64.b64encode(key).decode("ascii")}


def _line(record: Record) -> dict[str, Any]:
    return {
        "topic": record.topic,
        "partition": record.partition,
        "offset": record.offset,
        **_key_fields(record.key),
        "value": None if record.value is None else base64.b64encode(record.value).decode("ascii"),
    }


def ordered(records: Iterable[Record], topics: tuple[str, ...] = INPUT_TOPICS) -> tuple[Record, ...]:
    """Records grouped by input topic (in ``topics`` order) and partition, in offset order."""
    rank = {name: i for i, name in enumerate(topics)}
    return tuple(sorted(records, key=lambda r: (rank[r.topic], r.partition, r.offset)))


def write_recording(path: Path, recording: Recording) -> None:
    topics = recording.input_topics
    header = {
        "format": FORMAT,
        "version": recording.version,
        "topics": {name: BY_NAME[name].partitions for name in topics},
        "sessions": recording.sessions,
        **recording.meta,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as gz:
        gz.write((json.dumps(header, sort_keys=True) + "\n").encode())
        for record in ordered(recording.records, topics):
            gz.write((json.dumps(_line(record), separators=(",", ":")) + "\n").encode())


def read_recording(path: Path) -> Recording:
    try:
        with gzip.open(path, "rt", encoding="utf-8") as lines:
            header = json.loads(next(lines, "null"))
            if not isinstance(header, dict) or header.get("format") != FORMAT:
                raise RecordingError(f"{path} is not a {FORMAT} file (first line: {header!r:.200})")
            version = header.get("version")
            if version not in _TOPICS_OF_VERSION:
                raise RecordingError(f"{path}: recording version {version!r}, this reads {sorted(_TOPICS_OF_VERSION)}")
            topics = _TOPICS_OF_VERSION[version]
            records = [_record(json.loads(line), path, n, topics) for n, line in enumerate(lines, 2)]
    except (OSError, EOFError, json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise RecordingError(f"cannot read recording {path}: {exc}") from exc
    meta = {k: v for k, v in header.items() if k not in ("format", "version", "topics", "sessions")}
    return Recording(tuple(records), header.get("sessions"), meta, version)


def _record(line: dict[str, Any], path: Path, n: int, topics: tuple[str, ...]) -> Record:
    topic = line.get("topic")
    if topic not in topics:
        raise RecordingError(f"{path}:{n}: topic {topic!r} is not an input topic {topics}")
    partition = line.get("partition")
    if not isinstance(partition, int) or not 0 <= partition < BY_NAME[topic].partitions:
        raise RecordingError(f"{path}:{n}: partition {partition!r} out of range for {topic}")
    if "key_b64" in line:
        key = base64.b64decode(line["key_b64"])
    else:
        key = None if line.get("key") is None else line["key"].encode("utf-8")
    value = None if line.get("value") is None else base64.b64decode(line["value"])
    return Record(topic, partition, int(line.get("offset", -1)), key, value)
