"""The recorder: the real stack (ingest API, OCPP endpoint with the ``ocpp`` client, worker) fed the
fixture's reference data and fleets — every fleet, both OCPP versions, every fault, offline queues included —
and its input topics read back into a recording. The replay of that recording gives byte for byte the CDRs the
live worker priced while it was recorded (issue 9: live and replayed CDRs never differ), at the size of the
issue's report (8 stations x 3 sessions per fleet); other sizes are compared by hand (README, Replay)."""

from __future__ import annotations

import pytest

from roamstream.replay import diff, read_recording, replay
from roamstream.replay.fixture import fleets
from roamstream.replay.record import record

pytestmark = pytest.mark.integration


async def test_a_recording_of_the_live_stack_replays_to_the_cdrs_the_live_worker_priced(settings, tmp_path):
    stations, sessions = 8, 3
    path = tmp_path / "recording.jsonl.gz"
    recorded = await record(settings, path, stations=stations, sessions=sessions, live=True, live_wait_s=180)
    expected = len(fleets()) * stations * sessions
    assert recorded.recording.sessions == expected
    offline = [f for f in fleets(stations, sessions) if any("offline" in fault for fault in f.faults)]
    assert offline, "no offline-queue fleet recorded"
    assert recorded.live is not None and len(recorded.live) == expected, "the live worker did not price every session"
    result = await replay(settings, read_recording(path))
    assert result.cdrs == recorded.live, diff(recorded.live, result.cdrs)
