"""``SessionFolder``: a batch gives the outputs and table of per-event processing, whatever its size; the
partition clock completes a quiet charge point's last session from other charge points' event time."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from pipelines.session_batches import Item, SessionFolder, clock_key
from roamstream import sessions as fold
from tests.pipelines.session_events import interleaved, items
from tests.sessions.fixtures import at, status, tx_event

PARAMS = fold.Params()


def run_in_batches(all_items: list[Item], cuts: list[int], table: dict | None = None, flush_every: int = 1):
    """Feed ``all_items`` to one folder in batches cut at ``cuts``, writing back after every ``flush_every``
    batches and at the end; (outputs, failures, table)."""
    table = {} if table is None else table
    folder = SessionFolder(PARAMS, table.get)
    outputs, failures = [], []
    bounds = [0, *sorted(set(c for c in cuts if 0 < c < len(all_items))), len(all_items)]
    for n, (lo, hi) in enumerate(zip(bounds, bounds[1:], strict=False)):
        last = hi == len(all_items)
        result = folder.run(all_items[lo:hi], flush=last or (n + 1) % flush_every == 0)
        outputs += [(key, o.kind, o.record) for key, o, _ in result.outputs]
        failures += [(key, reason) for key, _, reason, _ in result.failures]
        written = [key for _, key, _ in result.writes]
        assert len(written) == len(set(written)), "one write per key per batch"
        for _, key, value in result.writes:
            table[key] = value
    return outputs, failures, table


def per_event(all_items: list[Item], table: dict | None = None):
    return run_in_batches(all_items, list(range(len(all_items))), table)


def legacy_agent(events: list[dict]) -> list[tuple[bytes, str, dict]]:
    """The agent before batching: load, apply, drain and store through JSON for every event (no clock)."""
    table: dict[bytes, bytes] = {}
    outputs = []
    for event in events:
        key = event["charge_point_id"].encode()
        stored = table.get(key)
        state = json.loads(stored) if stored is not None else fold.initial(event["charge_point_id"])
        state, out = fold.drain(fold.apply(state, event), PARAMS)
        table[key] = json.dumps(state, separators=(",", ":")).encode()
        outputs += [(key, o.kind, o.record) for o in out]
    return outputs


EVENTS = interleaved({"CP-A": 0, "CP-B": 7, "CP-C": 13}, sessions=3)
ITEMS = items(EVENTS)


def test_one_batch_equals_per_event_processing():
    assert run_in_batches(ITEMS, []) == per_event(ITEMS)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=len(ITEMS) - 1), max_size=12), st.integers(1, 5))
def test_any_batching_and_write_back_equals_per_event_processing(cuts, flush_every):
    assert run_in_batches(ITEMS, cuts, flush_every=flush_every) == per_event(ITEMS)


def test_states_held_between_write_backs_are_not_read_again():
    reads = []
    table: dict[bytes, bytes] = {}
    folder = SessionFolder(PARAMS, lambda key: reads.append(key) or table.get(key))
    half = len(ITEMS) // 2
    assert not folder.run(ITEMS[:half], flush=False).writes
    seen = len(reads)
    folder.run(ITEMS[half:], flush=False)
    assert {k for k in reads[seen:]} <= {b"CP-C"} | {k for k in reads[:seen]} - {b"CP-A", b"CP-B", b"CP-C"}
    writes = folder.flush()
    assert sorted(k for _, k, _ in writes) == sorted([b"CP-A", b"CP-B", b"CP-C", clock_key(0)])
    assert folder.flush() == []


def test_forget_drops_unwritten_states():
    table: dict[bytes, bytes] = {}
    folder = SessionFolder(PARAMS, table.get)
    folder.run(ITEMS[:10], flush=False)
    folder.forget()
    assert folder.flush() == []


def test_each_charge_point_gets_the_outputs_of_the_legacy_per_event_agent_and_its_last_session():
    # the partition clock may complete a session earlier than the charge point's own next event would, but
    # with no late event the same records come out, per charge point in the same order; and the last
    # sessions, which the legacy agent never completed, complete too
    outputs, failures, _ = run_in_batches(ITEMS, [])
    legacy = legacy_agent(EVENTS)
    assert not failures
    for cp in (b"CP-A", b"CP-B", b"CP-C"):
        mine = [(kind, r) for k, kind, r in outputs if k == cp]
        theirs = [(kind, r) for k, kind, r in legacy if k == cp]
        for session in {r["session_id"] for _, r in theirs}:  # per session, in order
            legacy_session = [o for o in theirs if o[1]["session_id"] == session]
            assert [o for o in mine if o[1]["session_id"] == session][: len(legacy_session)] == legacy_session
        assert [r["transaction_id"] for kind, r in mine if kind == fold.COMPLETED] == ["1", "2", "3"][
            : 3 if cp != b"CP-C" else 2]


def test_the_partition_clock_completes_a_quiet_charge_points_last_session():
    events = interleaved({"CP-QUIET": 0}, sessions=1) + interleaved({"CP-BUSY": 30}, sessions=2)
    events.sort(key=lambda e: e["timestamp"])
    outputs, _, table = run_in_batches(items(events), [])
    completed = [(key, r["transaction_id"]) for key, kind, r in outputs if kind == fold.COMPLETED]
    assert (b"CP-QUIET", "1") in completed  # its own event time stopped at its stop (minute 35)
    quiet = [i for i, (k, kind, _) in enumerate(outputs) if k == b"CP-QUIET" and kind == fold.COMPLETED][0]
    # completed when CP-BUSY's events moved the partition past 35 + settle, not at the end of the batch
    assert quiet < len(outputs) - 1
    clock = json.loads(table[clock_key(0)])
    assert clock["now"] == fold.state.to_us(max(e["timestamp"] for e in events if "action" in e))
    assert "CP-QUIET" not in clock["due"] and "CP-BUSY" in clock["due"]


def test_the_clock_is_persisted_and_read_back_by_a_new_folder():
    events = interleaved({"CP-QUIET": 0}, sessions=1)
    _, _, table = run_in_batches(items(events), [])
    assert json.loads(table[clock_key(0)])["due"] == {"CP-QUIET": fold.state.to_us(at(35) + PARAMS.settle)}
    # a new folder (a restarted worker) reads the clock back; another charge point's later event completes it
    later = tx_event("STARTED", 45, tx="9", cp="CP-OTHER", meter="0")
    outputs, _, _ = run_in_batches(items([later]), [], table)
    assert [(k, r["transaction_id"]) for k, kind, r in outputs if kind == fold.COMPLETED] == [(b"CP-QUIET", "1")]


def test_station_events_do_not_move_the_clock():
    events = interleaved({"CP-QUIET": 0}, sessions=1)
    late_status = status(120, "Available", cp="CP-OTHER")
    outputs, _, _ = run_in_batches(items([*events, late_status]), [])
    assert not [o for o in outputs if o[1] == fold.COMPLETED]


def test_a_failing_event_in_a_batch_is_undone_and_reported_as_per_event():
    n = 12
    bad = dict(EVENTS[n], charge_point_id="CP-ELSEWHERE")  # under a key that has a state: the fold refuses it
    key = EVENTS[n]["charge_point_id"].encode()
    broken = [*ITEMS[:n], Item(key, 0, True, bad), *ITEMS[n:]]
    batch = run_in_batches(broken, [])
    assert batch == per_event(broken)
    assert [k for k, _ in batch[1]] == [key]
    assert batch[0] == run_in_batches(ITEMS, [])[0]


def test_an_undecodable_record_is_reported_and_changes_nothing():
    broken = [*ITEMS[:3], Item(b"CP-A", 0, True, None, "bad magic byte 7"), *ITEMS[3:]]
    outputs, failures, table = run_in_batches(broken, [7])
    assert failures == [(b"CP-A", "bad magic byte 7")]
    assert (outputs, table) == run_in_batches(ITEMS, [6])[::2]


def test_partitions_have_their_own_clocks():
    quiet = items(interleaved({"CP-QUIET": 0}, sessions=1), partition=0)
    busy = items([tx_event("STARTED", 300, tx="1", cp="CP-BUSY", meter="0")], partition=1)
    outputs, _, table = run_in_batches(quiet + busy, [])
    assert not [o for o in outputs if o[1] == fold.COMPLETED and o[0] == b"CP-QUIET"]
    assert json.loads(table[clock_key(1)])["now"] == fold.state.to_us(at(300))
