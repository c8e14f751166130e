import json
from datetime import datetime
from decimal import Decimal

import pytest

from roamstream.avro import AvroSerde
from roamstream.sessions import VERSION, EventError, StateVersionError, apply, finish, initial, session_id
from roamstream.sessions.state import to_us

from .fixtures import CP, at, run, run_stepwise, sample, session_16, status, tx_event


def test_initial_state_is_versioned_json():
    state = initial(CP)
    assert state["v"] == VERSION
    assert json.loads(json.dumps(state)) == state


def test_16_start_meter_stop_completes_one_session():
    state, completed, _ = run(session_16(meter_start=1000, per_minute=100, stop=30))
    [record] = completed
    assert record["session_id"] == "CP1-1"
    assert (record["start"], record["end"]) == (at(0), at(30))
    assert (record["meter_start_wh"], record["meter_stop_wh"]) == ("1000", "4000")
    assert record["estimated"] is False and record["flags"] == []
    assert [p["energy_wh"] for p in record["samples"]] == ["0", "1000", "2000", "3000"]
    assert [p["timestamp"] for p in record["samples"]] == [at(0), at(10), at(20), at(30)]
    assert state["open"] == {} and "1" in state["closed"]


def test_completed_record_fits_the_output_schema():
    _, [record], _ = run(session_16())
    serde = AvroSerde()
    # received_at: stamped by the sessions stage on the record it publishes (pipelines.session_batches)
    decoded = serde.decode("sessions.completed.v1", serde.encode("sessions.completed.v1", record))
    assert decoded == {**record, "received_at": None}


def test_201_started_updated_ended():
    events = [
        tx_event("STARTED", 0, version="2.0.1", tx="abc", evse=1, seq=0, charging_state="Charging",
                 samples=[sample(0, "500", context="Transaction.Begin")]),
        tx_event("UPDATED", 5, version="2.0.1", tx="abc", evse=1, seq=1,
                 samples=[sample(5, "1500"), sample(5, "11000", "Power.Active.Import"),
                          sample(5, "16", "Current.Import")]),
        tx_event("ENDED", 10, version="2.0.1", tx="abc", evse=1, seq=2, stop_reason="Local",
                 samples=[sample(10, "2500", context="Transaction.End")]),
    ]
    _, [record], _ = run(events)
    assert (record["meter_start_wh"], record["meter_stop_wh"]) == ("500", "2500")
    assert record["evse_id"] == 1 and record["transaction_id"] == "abc"
    middle = record["samples"][1]
    assert (middle["energy_wh"], middle["power_w"], middle["current_a"]) == ("1000", "11000", "16")


def test_phases_are_summed_when_no_total_is_reported():
    events = [tx_event("STARTED", 0, meter="0"),
              tx_event("UPDATED", 5, samples=[sample(5, "16", "Current.Import", phase=p)
                                              for p in ("L1", "L2", "L3")]),
              tx_event("ENDED", 10, meter="100"), status(12, "Available")]
    _, [record], _ = run(events)
    assert record["samples"][1]["current_a"] == "48"


def test_samples_measured_at_the_ev_are_ignored():
    events = [tx_event("STARTED", 0, meter="0"),
              tx_event("UPDATED", 5, samples=[sample(5, "99999", location="EV"),
                                              sample(5, "50", location="Outlet")]),
              tx_event("ENDED", 10, meter="100")]
    _, [record], _ = run(events)
    assert [p["energy_wh"] for p in record["samples"]] == ["0", "50", "100"]


def test_16_meter_values_without_transaction_id_join_the_session_on_the_connector_by_time():
    start, stop = tx_event("STARTED", 0, meter="0"), tx_event("ENDED", 10, meter="100")
    before = tx_event("UPDATED", 5, tx=None, samples=[sample(5, "40")])
    other = tx_event("UPDATED", 6, tx=None, connector=2, samples=[sample(6, "70")])
    outside = tx_event("UPDATED", 11, tx=None, samples=[sample(11, "100")])
    for order in ([start, before, other, outside, stop], [outside, before, other, stop, start]):
        state, [record], _ = run(order)
        assert [p["energy_wh"] for p in record["samples"]] == ["0", "40", "100"]
        assert state["pool"]["c2"] == {str(to_us(at(6))): "E|=70"}


def test_state_survives_json_after_every_event():
    events = session_16()
    _, completed, snapshots = run_stepwise(events)
    assert completed == run(events)[1]
    assert snapshots[0]["reason"] == "start" and snapshots[-1]["status"] == "COMPLETED"


def test_two_connectors_make_two_sessions():
    events = session_16(tx="1", connector=1) + session_16(tx="2", connector=2, start=5, stop=25)
    _, completed, _ = run(sorted(events, key=lambda e: e["timestamp"]))
    assert sorted(r["session_id"] for r in completed) == ["CP1-1", "CP1-2"]


def test_station_events_are_kept_as_statuses_and_do_not_advance_event_time():
    state = apply(initial(CP), {**status(3, "Available"), "kind": "HEARTBEAT", "status": None})
    assert state["status"] == {}
    state = apply(state, status(3, "Charging"))
    assert [list(s) for s in state["status"]["c1"].values()] == [["Charging"]]
    assert state["watermark"] is None


def test_finish_closes_everything():
    state = initial(CP)
    for event in session_16()[:-1]:
        apply(state, event)
    state, outputs = finish(state)
    [record] = [o.record for o in outputs if o.kind == "completed"]
    assert record["estimated"] is True and "missing_stop" in record["flags"]
    assert record["end"] == at(20)


@pytest.mark.parametrize("bad", [
    {"timestamp": datetime(2026, 3, 2, 8, 0)},
    {"charge_point_id": "OTHER"},
    {"kind": "PAUSED"},
    {"transaction_id": None},
])
def test_unreadable_events_raise_event_error(bad):
    with pytest.raises(EventError):
        apply(initial(CP), {**tx_event("STARTED", 0, meter="0"), **bad})


def test_session_id_is_deterministic_and_fits_cistring36():
    assert session_id("CP1", "42") == "CP1-42"
    long = session_id("CHARGE-POINT-WITH-A-LONG-NAME", "0f6a2c1e-5a6b-4c1d-9f1e-2b3c4d5e6f70")
    assert len(long) <= 36 and long == session_id("CHARGE-POINT-WITH-A-LONG-NAME",
                                                  "0f6a2c1e-5a6b-4c1d-9f1e-2b3c4d5e6f70")
    assert long.startswith("CHARGE-POINT-WITH")
    assert session_id("CP 1", "7") != session_id("CP_1", "7")
    assert all(c.isascii() and c.isprintable() for c in session_id("CPé", "ü"))


def test_kwh_of_completion_snapshot_is_exact_decimal():
    _, _, snapshots = run(session_16(meter_start=0, per_minute=7, stop=3) + [status(4, "Available")])
    assert snapshots[-1]["kwh"] == Decimal("0.021")


def test_201_id_tag_authorised_after_started_is_taken_from_the_earliest_event_naming_it():
    events = [
        tx_event("STARTED", 0, version="2.0.1", tx="x", evse=1, seq=0, id_tag=None, meter="0"),
        tx_event("UPDATED", 1, version="2.0.1", tx="x", evse=1, seq=1, id_tag="LATE-TAG"),
        tx_event("UPDATED", 2, version="2.0.1", tx="x", evse=1, seq=2, id_tag="OTHER"),
        tx_event("ENDED", 10, version="2.0.1", tx="x", evse=1, seq=3, id_tag=None, meter="100"),
        status(10, "Available", evse=1),
    ]
    _, [record], snapshots = run(events[::-1])
    assert record["id_tag"] == "LATE-TAG" and snapshots[-1]["id_tag"] == "LATE-TAG"


def test_a_state_of_another_version_is_refused():
    with pytest.raises(StateVersionError):
        apply({**initial(CP), "v": VERSION + 1}, tx_event("STARTED", 0, meter="0"))
