"""The recorder: the real stack (ingest API, OCPP endpoint with the ``ocpp`` client, worker) fed the
fixture's reference data and fleets — one station per fleet, both OCPP versions, every fault — and its
input topics read back into a recording. The replay of that recording gives byte for byte the CDRs the
live worker priced while it was recorded."""

from __future__ import annotations

import pytest

from roamstream.replay import diff, read_recording, replay
from roamstream.replay.fixture import fleets
from roamstream.replay.record import record

pytestmark = pytest.mark.integration


async def test_a_recording_of_the_live_stack_replays_to_the_cdrs_the_live_worker_priced(settings, tmp_path):
    path = tmp_path / "small.jsonl.gz"
    recorded = await record(settings, path, stations=1, sessions=1, live=True, live_wait_s=90)
    assert recorded.recording.sessions == len(fleets()) == 12
    assert recorded.live is not None and len(recorded.live) == 12, "the live worker did not price every session"
    result = await replay(settings, read_recording(path))
    assert result.cdrs == recorded.live, diff(recorded.live, result.cdrs)
