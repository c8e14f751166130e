"""How a session's id tag was authorised at the charger (issue 11.6): the connector puts its decision on the
transaction event (``auth_method``, ``authorization_reference``), the fold keeps it on the session and the
completed record and snapshots carry it."""

import json

from roamstream.avro import AvroSerde
from roamstream.sessions import COMPLETED, VERSION, apply, drain, initial
from tests.sessions.fixtures import CP, run, run_stepwise, session_16, status, tx_event


def authorised(event: dict, method: str, reference: str | None = None) -> dict:
    return {**event, "auth_method": method, "authorization_reference": reference}


def test_a_16_session_started_after_a_real_time_authorisation_carries_it_to_the_record_and_snapshots():
    start, *rest = session_16()
    events = [authorised(start, "AUTH_REQUEST", "REF-1"), *rest, status(31, "Available")]
    _, [record], snapshots = run_stepwise(events)
    assert (record["auth_method"], record["authorization_reference"]) == ("AUTH_REQUEST", "REF-1")
    assert snapshots and {(s["auth_method"], s["authorization_reference"]) for s in snapshots} == {
        ("AUTH_REQUEST", "REF-1")}
    serde = AvroSerde()  # the completed topic's schema has the fields
    decoded = serde.decode("sessions.completed.v1", serde.encode("sessions.completed.v1", record))
    assert (decoded["auth_method"], decoded["authorization_reference"]) == ("AUTH_REQUEST", "REF-1")


def test_whitelist_without_reference_and_nothing_when_no_event_carried_a_decision():
    start, *rest = session_16()
    _, [record], _ = run([authorised(start, "WHITELIST"), *rest])
    assert (record["auth_method"], record["authorization_reference"]) == ("WHITELIST", None)
    _, [older], _ = run(session_16())
    assert (older["auth_method"], older["authorization_reference"]) == (None, None)


def test_201_authorised_after_it_started_takes_the_decision_of_the_event_with_the_token():
    events = [
        tx_event("STARTED", 0, version="2.0.1", tx="x", evse=1, seq=0, id_tag=None, meter="0"),
        authorised(tx_event("UPDATED", 1, version="2.0.1", tx="x", evse=1, seq=1, id_tag="TAG1"),
                   "AUTH_REQUEST", "REF-201"),
        tx_event("ENDED", 10, version="2.0.1", tx="x", evse=1, seq=2, id_tag=None, meter="100"),
        status(10, "Available", evse=1),
    ]
    _, [record], snapshots = run(events)
    assert (record["auth_method"], record["authorization_reference"]) == ("AUTH_REQUEST", "REF-201")
    assert snapshots[-1]["authorization_reference"] == "REF-201"


def test_of_two_decisions_the_earliest_event_wins_whatever_the_order_of_arrival():
    """A 1.6 StartTransaction retried (same natural key and transaction id) asks again; the first received
    copy's decision is the session's, on every replay and in either processing order."""
    start, *rest = session_16()
    first = authorised(start, "AUTH_REQUEST", "REF-A")
    retry = authorised({**start, "received_at": start["received_at"].replace(second=5)}, "AUTH_REQUEST", "REF-B")
    stop = authorised(rest[-1], "WHITELIST")  # a later event with another decision does not replace it
    for order in ([first, retry, *rest[:-1], stop], [stop, retry, *rest[:-1], first]):
        _, [record], _ = run(order)
        assert (record["auth_method"], record["authorization_reference"]) == ("AUTH_REQUEST", "REF-A")


def as_version_3_wrote_it(state: dict) -> dict:
    """``state`` as version 3 stored it: the terse keys version 4 named in full."""
    stored = json.loads(json.dumps(state))
    for old, new in {"wm": "watermark", "sk": "clock_skew", "nk": "natural_keys", "ls": "latest_starts"}.items():
        stored[old] = stored.pop(new)
    for session in stored["open"].values():
        for old, new in {"ck": "connector_key", "ef": "energy_first", "el": "energy_last", "au": "decision"}.items():
            session[old] = session.pop(new)
    stored["v"] = 3
    return stored


def test_a_state_stored_by_version_2_is_upgraded_and_keeps_folding():
    start, *rest = session_16()
    stored = as_version_3_wrote_it(apply(initial(CP), start))
    stored["v"] = 2  # as version 2 wrote it: no "au" on sessions
    for session in stored["open"].values():
        del session["au"]
    stored = apply(stored, authorised(rest[0], "AUTH_REQUEST", "REF-UP"))
    assert stored["v"] == VERSION == 4
    for event in rest[1:]:
        stored = apply(stored, event)
    _, outputs = drain(stored, close_all=True)
    [record] = [o.record for o in outputs if o.kind == COMPLETED]
    assert (record["auth_method"], record["authorization_reference"]) == ("AUTH_REQUEST", "REF-UP")


def test_a_state_stored_by_version_3_folds_on_to_what_an_uninterrupted_fold_gives():
    events = session_16()
    events[1] = authorised(events[1], "AUTH_REQUEST", "REF-3")
    half = len(events) // 2
    state = initial(CP)
    for event in events[:half]:
        state = apply(state, event)
    resumed = as_version_3_wrote_it(state)
    assert "wm" in resumed and "watermark" not in resumed
    for event in events[half:]:
        state = apply(state, event)
        resumed = apply(resumed, event)
    assert resumed == state
    _, outputs = drain(resumed, close_all=True)
    _, expected = drain(state, close_all=True)
    assert outputs == expected and any(o.kind == COMPLETED for o in outputs)
