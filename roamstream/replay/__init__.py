"""Replay: recorded input topics in, byte-identical CDRs out.

A *recording* (``recording``) holds the records of the input topics — ``ocpi.tariffs.v1``,
``ocpi.locations.v1``, ``ocpi.tokens.v1``, ``ocpp.transaction.v1``, ``ocpp.station.v1`` — exactly as they
were on the broker (key, partition, framed Avro bytes), in a gzip JSON Lines file. ``replay`` produces them
into fresh topics, runs a pipeline worker until every session has its CDR, and returns the CDRs' OCPI JSON
by id; ``golden`` writes them one per line sorted by id, and diffs two sets readably.

    roamstream replay --input tests/replay/data/recording.jsonl.gz --out cdrs.jsonl [--lake DIR]

The checked-in fixture (``tests/replay/data/recording.jsonl.gz``, made of ``fixture``: both OCPP
versions, every simulator fault, a time-of-day tariff over a DST night) and its golden CDRs
(``tests/replay/golden/cdrs.jsonl``) are made again, after an intended change, with

    python -m roamstream.replay.record --out tests/replay/data/recording.jsonl.gz
    roamstream replay --input tests/replay/data/recording.jsonl.gz --out tests/replay/golden/cdrs.jsonl

(re-recording changes the recorded receive times, so do it only when the traffic itself must change; a
change of pricing or session rules needs only the second command). Review the golden diff before
committing it.
"""

from roamstream.replay.exceptions import RecordingError, ReplayError
from roamstream.replay.golden import diff, from_jsonl, to_jsonl
from roamstream.replay.recording import (
    INPUT_TOPICS,
    LEGACY_INPUT_TOPICS,
    Record,
    Recording,
    read_recording,
    write_recording,
)
from roamstream.replay.run import DeadLetter, ReplayResult, replay

__all__ = [
    "INPUT_TOPICS", "LEGACY_INPUT_TOPICS", "DeadLetter", "Record", "Recording", "RecordingError", "ReplayError",
    "ReplayResult", "diff",
    "from_jsonl", "read_recording", "replay", "to_jsonl", "write_recording",
]
