"""Issue 12.5: a 2.0.1 transaction that starts before it is authorised (cable plugged in first, the token
presented later) gives its CDR and Sessions to the token's eMSP and no dead letter: no Session snapshot is
built before the session has a token. Through the real endpoint, broker, worker, partner HTTP server and lake.
(OCPP 1.6 cannot start a transaction without an idTag.)"""

from __future__ import annotations

import json

from ocpp.v201 import call as call201
from one_session import ts
from test_token_case import energy, put_token
from waiting import eventually

from analytics import open_lake
from connectors.ocpp.simulator.client import connect
from roamstream.demo import seed
from roamstream.demo.run import seed_reference

CP = "E2E-LATE-AUTH"
TOKEN = seed.token(("NL", "EMA"), 3)


def lake_rows(lake: str, sql: str) -> list[tuple]:
    with open_lake(lake, must_exist=False) as con:  # the lake appears as the lake stage writes it
        return con.sql(sql).fetchall()


async def test_a_transaction_authorised_after_it_started_gives_no_dead_letter(stack, emsp):
    store, _ = emsp
    api_token = stack.settings.api.tokens[0].get_secret_value()
    await seed_reference(stack.api_url, api_token, [CP], 1)
    await put_token(stack.api_url, api_token, TOKEN)
    token = {"id_token": TOKEN["uid"], "type": "ISO14443"}
    async with connect(stack.ocpp_url, CP, "2.0.1") as station:
        await station.call(call201.BootNotification({"model": "E2E", "vendor_name": "roamstream"}, "PowerUp"))
        await station.call(call201.TransactionEvent(
            "Started", ts(0), "CablePluggedIn", 0, {"transaction_id": "TX-LATE", "charging_state": "EVConnected"},
            meter_value=energy(0, 1000, "Transaction.Begin"), evse={"id": 1, "connector_id": 1}))
        await station.call(call201.TransactionEvent(
            "Updated", ts(2), "MeterValuePeriodic", 1, {"transaction_id": "TX-LATE"}, meter_value=energy(2, 1000)))
        await station.call(call201.TransactionEvent(
            "Updated", ts(3), "Authorized", 2, {"transaction_id": "TX-LATE", "charging_state": "Charging"},
            id_token=token))
        await station.call(call201.TransactionEvent(
            "Updated", ts(15), "MeterValuePeriodic", 3, {"transaction_id": "TX-LATE"}, meter_value=energy(15, 4000)))
        await station.call(call201.TransactionEvent(
            "Ended", ts(45), "EVCommunicationLost", 4,
            {"transaction_id": "TX-LATE", "stopped_reason": "EVDisconnected"},
            meter_value=energy(45, 11000, "Transaction.End")))
        await station.call(call201.MeterValues(0, energy(60, 11000, "Sample.Clock")))

    sid = f"{CP}-TX-LATE"
    await eventually(lambda: sid in store.cdrs and sid in store.sessions, "the partner has the CDR and the Session")
    cdr = json.loads(store.cdrs[sid])
    assert cdr["cdr_token"]["uid"] == TOKEN["uid"] and cdr["total_energy"] == 10
    patches = [changes for session, changes in store.patches if session == sid]
    assert all(changes.get("cdr_token", {}).get("uid") in (None, TOKEN["uid"]) for changes in patches)
    await eventually(lambda: json.loads(store.sessions[sid])["status"] == "COMPLETED", "the Session COMPLETED")
    assert json.loads(store.sessions[sid])["cdr_token"]["uid"] == TOKEN["uid"]
    lake = stack.settings.lake.uri
    # the lake has the completed Session: the sessions stage is past every snapshot of it
    await eventually(lambda: lake_rows(lake, f"select 1 from stg_sessions where session_id = '{sid}' "  # noqa: S608
                                             "and status = 'COMPLETED'"), "the lake has the completed Session")
    assert lake_rows(lake, "select stage, reason from stg_deadletter") == []
