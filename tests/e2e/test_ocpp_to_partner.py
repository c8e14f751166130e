"""One OCPP 1.6 transaction, driven with the ``ocpp`` client through the real WebSocket endpoint, broker,
worker and partner HTTP server: the partner receives exactly the hand-priced CDR of ``one_session``."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

from one_session import created_since, drive_one_transaction, expected_cdr
from waiting import eventually

from roamstream.demo import seed
from roamstream.demo.run import seed_reference

CP = "E2E-CP-1"


async def test_an_ocpp16_transaction_becomes_the_exact_cdr_the_partner_receives(stack, emsp):
    store, _ = emsp
    token = seed.token(("NL", "EMA"), 1)
    await seed_reference(stack.api_url, stack.settings.api.tokens[0].get_secret_value(), [CP], 1)
    since = datetime.now(UTC)
    tx = await drive_one_transaction(stack.ocpp_url, CP, token["uid"])
    await eventually(lambda: len(store.cdrs) == 1, "the partner received one CDR")
    [(cdr_id, body)] = store.cdrs.items()
    assert cdr_id == f"{CP}-{tx}"
    exact = lambda text: json.loads(text, parse_float=Decimal)  # noqa: E731 - numbers compared exactly
    assert created_since(exact(body), since) == exact(json.dumps(expected_cdr(CP, tx, token)))
    [request] = [r for r in store.requests if r["path"].endswith("/cdrs")]
    assert request["headers"]["ocpi-to-party-id"] == "EMA"
    assert request["headers"]["ocpi-from-party-id"] == "RST"


async def test_the_session_is_put_once_then_patched_until_completed(stack, emsp):
    store, _ = emsp
    token = seed.token(("NL", "EMA"), 1)
    await seed_reference(stack.api_url, stack.settings.api.tokens[0].get_secret_value(), [CP], 1)
    tx = await drive_one_transaction(stack.ocpp_url, CP, token["uid"])
    session_id = f"{CP}-{tx}"
    await eventually(lambda: session_id in store.sessions and json.loads(store.sessions[session_id])["status"]
                     == "COMPLETED", "the partner's copy of the session is COMPLETED")
    session = json.loads(store.sessions[session_id], parse_float=Decimal)
    assert (session["kwh"], session["end_date_time"]) == (10, "2026-11-02T09:45:00Z")
    # the running cost, priced with the session's tariff: the CDR's total at the end
    assert session["total_cost"] == {"excl_vat": Decimal("4.25"), "incl_vat": Decimal("5.1425")}
    assert any("total_cost" in changes for _, changes in store.patches)
    assert session["last_updated"] == "2026-11-02T09:45:00Z"
    assert store.patches, "updates after the first PUT are PATCHes"
    assert all(session_id == sid and "last_updated" in changes for sid, changes in store.patches)
