"""The pure rules of delivery: outcomes, backoff, what a Session change sends."""

import json
import random
from datetime import UTC, datetime

from roamstream.partners.backoff import backoff_s
from roamstream.partners.delivery.requests import session_change
from roamstream.partners.outcome import Outcome, classify, retry_after_s


def test_classify_follows_the_spec():
    assert classify("POST", "cdrs", 201, 1000, None) is Outcome.OK
    assert classify("PUT", "sessions", 200, 1999, None) is Outcome.OK
    assert classify("PUT", "sessions", 200, 2000, None) is Outcome.FINAL
    assert classify("PUT", "sessions", 200, None, None) is Outcome.FINAL
    assert classify("POST", "cdrs", None, None, None) is Outcome.TRANSIENT
    assert classify("POST", "cdrs", 500, None, None) is Outcome.TRANSIENT
    assert classify("POST", "cdrs", 429, None, None) is Outcome.TRANSIENT
    assert classify("POST", "cdrs", 200, 3001, None) is Outcome.TRANSIENT
    assert classify("POST", "cdrs", 200, 4002, None) is Outcome.TRANSIENT
    assert classify("POST", "cdrs", 200, 4001, None) is Outcome.FINAL
    assert classify("PATCH", "sessions", 404, None, None) is Outcome.NOT_FOUND
    assert classify("PATCH", "sessions", 200, 2003, "Unknown Session") is Outcome.NOT_FOUND
    assert classify("PUT", "sessions", 404, 2003, None) is Outcome.FINAL
    # a DELETE of what the partner does not have: not found (the lane counts it as delivered)
    assert classify("DELETE", "tariffs", 404, None, None) is Outcome.NOT_FOUND
    assert classify("DELETE", "tariffs", 200, 2003, "Unknown object") is Outcome.NOT_FOUND
    assert classify("DELETE", "tariffs", 404, 2004, "Unknown object") is Outcome.NOT_FOUND
    assert classify("DELETE", "tariffs", 400, 2001, None) is Outcome.FINAL
    assert classify("POST", "cdrs", 409, None, None) is Outcome.ALREADY_EXISTS
    assert classify("POST", "cdrs", 400, 2001, "CDR X exists already") is Outcome.ALREADY_EXISTS
    assert classify("POST", "cdrs", 400, 2001, "already exists") is Outcome.ALREADY_EXISTS
    assert classify("POST", "cdrs", 400, 2001, "Invalid CDR") is Outcome.FINAL


def test_retry_after_as_seconds_or_http_date():
    now = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    assert retry_after_s("120") == 120
    assert retry_after_s("Mon, 02 Nov 2026 09:00:30 GMT", now) == 30
    assert retry_after_s("soon") is None and retry_after_s(None) is None


def test_backoff_doubles_with_jitter_up_to_the_cap_and_keeps_retry_after():
    rng = random.Random(1)
    for failures, ceiling in [(1, 0.5), (2, 1.0), (3, 2.0), (12, 300.0), (40, 300.0)]:
        waits = [backoff_s(failures, 0.5, 300, rng) for _ in range(200)]
        assert all(ceiling / 2 <= w <= ceiling for w in waits)
        assert len(set(waits)) > 100  # jitter: never in lock step
    assert backoff_s(1, 0.5, 300, rng, retry_after_s=20) == 20
    assert backoff_s(1, 0.5, 300, rng, retry_after_s=9999) == 300


def session(kwh, status="ACTIVE", periods=None, cost=None, at="2026-11-02T09:15:00Z"):
    data = {"country_code": "NL", "party_id": "RST", "id": "S1", "kwh": kwh, "status": status, "last_updated": at}
    if periods is not None:
        data["charging_periods"] = periods
    if cost is not None:
        data["total_cost"] = {"excl_vat": cost}
    return json.dumps(data)


def period(minute, kwh):
    return {"start_date_time": f"2026-11-02T09:{minute:02d}:00Z", "dimensions": [{"type": "ENERGY", "volume": kwh}]}


def test_first_push_is_a_put_of_everything():
    latest = session(3, periods=[period(0, 3)])
    assert session_change(None, latest) == ("PUT", latest.encode())


def test_a_patch_carries_changed_fields_and_only_new_charging_periods():
    old = session(3, periods=[period(0, 3)], cost=1.2)
    new = session(6.5, periods=[period(0, 3), period(15, 3.5)], cost=2.25, at="2026-11-02T09:30:00Z")
    method, body = session_change(old, new)
    assert method == "PATCH"
    assert json.loads(body) == {"kwh": 6.5, "charging_periods": [period(15, 3.5)], "total_cost": {"excl_vat": 2.25},
                                "last_updated": "2026-11-02T09:30:00Z"}


def test_numbers_stay_exact_in_a_patch():
    method, body = session_change(session(3), '{"id": "S1", "kwh": 3.0001, "status": "ACTIVE", '
                                  '"last_updated": "2026-11-02T09:30:00Z"}')
    assert body == b'{"kwh": 3.0001, "last_updated": "2026-11-02T09:30:00Z"}'


def test_nothing_new_sends_nothing_and_rewritten_periods_send_a_put():
    same = session(3, periods=[period(0, 3)])
    assert session_change(same, same) is None
    rewritten = session(3, periods=[period(0, 2.5)], at="2026-11-02T09:30:00Z")
    assert session_change(same, rewritten)[0] == "PUT"
