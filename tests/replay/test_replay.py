"""Replay (issue 5 acceptance): the recorded fixture — both OCPP versions, every simulator fault, a few
hundred sessions — replayed into fresh topics twice yields byte-identical CDRs, equal to the golden file.

Real parts: the embedded broker, the pipeline worker, the checked-in recording (made by the real stack,
``python -m roamstream.replay.record``). After an intended change of pricing or session rules, make the
golden file again with ``roamstream replay --input tests/replay/data/recording.jsonl.gz --out
tests/replay/golden/cdrs.jsonl`` and review its diff.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from roamstream.replay import diff, from_jsonl, read_recording, replay, to_jsonl

HERE = Path(__file__).parent
RECORDING = HERE / "data" / "recording.jsonl.gz"
GOLDEN = HERE / "golden" / "cdrs.jsonl"

pytestmark = pytest.mark.integration


async def test_the_recording_replayed_twice_gives_the_golden_cdrs_byte_for_byte(settings):
    recording = read_recording(RECORDING)
    first = await replay(settings, recording)
    second = await replay(settings, recording)

    assert first.prefix != second.prefix  # fresh topics and consumer groups each time
    assert first.lost == [] and second.lost == [], "sessions of the recording were dead-lettered"
    assert len(first.cdrs) == recording.sessions
    assert to_jsonl(first.cdrs) == to_jsonl(second.cdrs), diff(first.cdrs, second.cdrs)
    golden = GOLDEN.read_bytes()
    assert to_jsonl(first.cdrs).encode() == golden, (
        "the replay differs from the golden CDRs (if intended, regenerate them, see the module docstring):\n"
        + diff(from_jsonl(golden.decode()), first.cdrs)
    )
