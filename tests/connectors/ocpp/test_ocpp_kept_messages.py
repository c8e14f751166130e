"""Every other message a real station sends (firmware, diagnostics and log status, security events, reports,
charging limits, vendor data, certificate requests), 1.6 and 2.0.1: answered as the spec requires, through
the real endpoint, by the strict independent client (``ocpp-rpc``, which checks every answer against the
official schemas) and by the python ``ocpp`` client; each one kept on ``ocpp.events.v1`` as a MESSAGE station event
with its frame as received."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime
from pathlib import Path

import pytest
from ocpp.v16 import call as call16
from ocpp.v201 import call as call201
from ocpp_clock import NOW
from rpc_station import run_station

from connectors.ocpp import keys
from connectors.ocpp.simulator.client import connect

pytestmark = pytest.mark.integration

MESSAGES = Path(__file__).parent / "data" / "kept_messages.json"
CASES = json.loads(MESSAGES.read_text())
CALLS = {"1.6": call16, "2.0.1": call201}


def answer_of(response) -> dict:
    """A ``call_result`` dataclass as the JSON payload it was read from."""
    return keys.to_camel({k: v for k, v in vars(response).items() if v is not None})


def check_kept(events: list[dict], version: str, cp: str) -> None:
    """One MESSAGE per call, in order, with the frame as received and its station time, status and EVSE."""
    cases = CASES[version]
    assert [e["message_action"] for e in events] == list(cases)
    for event, (action, case) in zip(events, cases.items(), strict=True):
        [kind, _, frame_action, payload] = json.loads(event["frame"])
        assert (kind, frame_action, payload) == (2, action, case["request"]), action
        at = datetime.fromisoformat(case["at"]) if case["at"] else NOW
        assert (event["kind"], event["charge_point_id"], event["ocpp_version"]) == ("MESSAGE", cp, version)
        assert (event["timestamp"], event["received_at"]) == (at, NOW), action
        assert (event["status"], event["evse_id"]) == (case.get("status"), case.get("evse_id")), action


@pytest.mark.parametrize("version", ["1.6", "2.0.1"])
async def test_the_strict_client_gets_the_answers_of_the_spec(server, reader, ocpp_rpc, version):
    cp = f"RPC-KEPT-{version}"
    answers = await run_station(ocpp_rpc, server.url, cp, version, str(MESSAGES))
    assert answers.pop("protocol") == f"ocpp{version}"
    assert answers == {action: case["answer"] for action, case in CASES[version].items()}
    events = await asyncio.to_thread(reader.stations, 2 + len(CASES[version]))
    assert [e["kind"] for e in events[:1] + events[-1:]] == ["CONNECTED", "DISCONNECTED"]
    check_kept(events[1:-1], version, cp)
    assert await asyncio.to_thread(reader.read, "deadletter.v1", 0, wait_s=1) == []


@pytest.mark.parametrize("version", ["1.6", "2.0.1"])
async def test_the_python_ocpp_client_gets_the_answers_of_the_spec(server, reader, version):
    cp = f"PY-KEPT-{version}"
    answers = {}
    async with connect(server.url, cp, version) as station:  # the client validates both ways too
        for action, case in CASES[version].items():
            request = getattr(CALLS[version], action)(**keys.to_snake(case["request"]))
            answers[action] = answer_of(await station.call(request))
    assert answers == {action: case["answer"] for action, case in CASES[version].items()}
    events = await asyncio.to_thread(reader.stations, 2 + len(CASES[version]))
    check_kept(events[1:-1], version, cp)
