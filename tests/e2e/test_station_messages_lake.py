"""A station's messages that change no session (here a firmware status, a security event and vendor data)
are answered and kept: through the real endpoint, broker and lake stage, they are rows of the lake's
``station_events`` view with the frame as received."""

from __future__ import annotations

import json

from ocpp.v201 import call
from waiting import eventually

from analytics import open_lake
from connectors.ocpp.simulator.client import connect

CP = "E2E-MSG-201"


def messages(lake: str) -> list[dict]:
    with open_lake(lake, must_exist=False) as con:
        return con.sql(
            "select action, status, event_timestamp, frame from station_events where kind = 'MESSAGE' "
            "order by received_at, action"
        ).to_arrow_table().to_pylist()


async def test_kept_messages_land_in_the_lake(stack):
    async with connect(stack.ocpp_url, CP, "2.0.1") as station:
        firmware = await station.call(call.FirmwareStatusNotification("Installed", request_id=7))
        security = await station.call(call.SecurityEventNotification("StartupOfTheDevice", "2026-11-02T08:00:00Z"))
        vendor = await station.call(call.DataTransfer("com.example.vendor", message_id="Telemetry", data={"t": 21}))
    assert (firmware.custom_data, security.custom_data, vendor.status) == (None, None, "UnknownVendorId")

    await eventually(lambda: len(messages(stack.settings.lake.uri)) == 3, "the lake keeps the three messages")
    rows = {r["action"]: r for r in messages(stack.settings.lake.uri)}
    assert set(rows) == {"FirmwareStatusNotification", "SecurityEventNotification", "DataTransfer"}
    assert rows["FirmwareStatusNotification"]["status"] == "Installed"
    assert rows["SecurityEventNotification"]["event_timestamp"].isoformat() == "2026-11-02T08:00:00+00:00"
    assert json.loads(rows["DataTransfer"]["frame"])[2:] == [
        "DataTransfer", {"vendorId": "com.example.vendor", "messageId": "Telemetry", "data": {"t": 21}}]
