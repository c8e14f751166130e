"""A waiting snapshot keeps its meter timeline through the changelogged table (JSON) unchanged."""

from datetime import timedelta
from decimal import Decimal

from pipelines.waiting_snapshots import Waiting
from roamstream.sessions import Params
from tests.sessions.fixtures import run_stepwise, session_16


def test_a_waiting_snapshot_round_trips_with_its_samples():
    params = Params(snapshot_every=timedelta(minutes=15), snapshot_kwh=Decimal("100"))
    _, _, snapshots = run_stepwise(session_16(stop=60, every=10, per_minute=10), params)
    assert len(snapshots[-2]["samples"]) > 1
    waiting = Waiting(1.0, "unknown token", 0, b"CP1", snapshots)
    assert Waiting.from_bytes(waiting.to_bytes()).snapshots == snapshots


def test_appending_and_sending_the_first_keep_the_stored_value_equal_to_a_fresh_encoding():
    params = Params(snapshot_every=timedelta(minutes=15), snapshot_kwh=Decimal("100"))
    _, _, snapshots = run_stepwise(session_16(stop=60, every=10, per_minute=10), params)
    waiting = Waiting(1.0, "unknown token", 0, b"CP1", snapshots[:1])
    for snapshot in snapshots[1:]:
        waiting.append(snapshot)
    restored = Waiting.from_bytes(waiting.to_bytes())
    assert restored.snapshots == snapshots
    assert restored.pop_first() == snapshots[0]
    assert Waiting.from_bytes(restored.to_bytes()).snapshots == snapshots[1:]
    assert restored.to_bytes() == Waiting(1.0, "unknown token", 0, b"CP1", snapshots[1:]).to_bytes()
