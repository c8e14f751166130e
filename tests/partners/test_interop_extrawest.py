"""Interoperability with an independent OCPI 2.2.1 implementation: an eMSP built on ``extrawest-ocpi``
(PyPI, MIT, FastAPI + pydantic 1), run in its own venv, .venv-interop (``make interop``; its pins clash with
ours). We register at it by the credentials handshake, POST a CDR to the CDRs Receiver it
published, it pulls our CDRs, Tariffs and Locations following ``Link`` and validates every object with its
own models, and we unregister."""

from __future__ import annotations

import asyncio
import json
import socket
import subprocess
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from roamstream.compacted import CompactedTopicReader
from roamstream.lake import write_batch
from roamstream.ocpi import jsonio
from roamstream.partners.registry import Registry
from roamstream.partners.registry.directory import PartnerDirectory
from roamstream.partners.sender import OcpiSender, new_request
from tests.cdrs.cdr_fixtures import expected_cdr, location, tariff

pytestmark = pytest.mark.integration

INTEROP = Path(__file__).resolve().parents[2] / ".venv-interop"
HERE = Path(__file__).parent / "interop"
TOKEN_A = "extrawest-token-a"


@pytest.fixture(scope="session")
def extrawest_python() -> Path:
    """The python of .venv-interop, which has extrawest-ocpi and uvicorn (``make interop``, built if missing)."""
    if not (INTEROP / ".installed").exists():
        subprocess.run(["make", "-C", str(INTEROP.parent), "interop"], check=True, capture_output=True, timeout=600)
    return INTEROP / "bin" / "python"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
async def extrawest_emsp(extrawest_python):
    port = free_port()
    proc = await asyncio.create_subprocess_exec(
        str(extrawest_python), str(HERE / "extrawest_registering_emsp.py"), str(port), TOKEN_A,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        line = await asyncio.wait_for(proc.stdout.readline(), 60)
        assert line.strip() == b"READY", (line, await proc.stderr.read())
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        await proc.wait()


def cdr_record(cdr_id: str, partner: str) -> dict:
    data = json.loads(json.dumps(expected_cdr()), parse_float=Decimal)  # floats as the text they were written
    data["id"] = cdr_id
    data["cdr_token"]["country_code"], data["cdr_token"]["party_id"] = partner.split("-")
    at = datetime(2026, 3, 2, 10, 45, tzinfo=UTC)
    return {"id": cdr_id, "country_code": "NL", "party_id": "RST", "partner": partner, "charge_point_id": "CP-7",
            "transaction_id": cdr_id, "session_id": cdr_id, "start_date_time": at, "end_date_time": at,
            "currency": "EUR", "total_energy": Decimal(9), "total_time": Decimal("1.25"),
            "total_parking_time": Decimal("0.5"), "total_cost_excl_vat": Decimal("5.1"),
            "total_cost_incl_vat": Decimal("6.171"), "credit": False, "credit_reference_id": None,
            "last_updated": at, "ocpi_json": jsonio.dumps(data)}


def registry_of(settings) -> Registry:
    """The partner registry as a new reader of ``ocpi.partners.v1`` (a worker) sees it."""
    registry = Registry()
    reader = CompactedTopicReader(settings, "ocpi.partners.v1", registry.apply_raw).start()
    assert reader.wait_caught_up(15)
    reader.stop()
    return registry


async def test_handshake_push_and_pulls_with_extrawest_ocpi(http, api, topics, back_office, extrawest_emsp,
                                                           extrawest_python):
    r = await http.post(f"{api.url}/admin/partners/registrations", headers=back_office,
                        json={"versions_url": f"{extrawest_emsp}/ocpi/versions", "token": TOKEN_A})
    assert r.status_code == 200 and r.json()["status_code"] == 1000, r.text
    record = r.json()["data"]
    assert (record["key"], record["state"]) == ("DE-XWE", "REGISTERED")
    assert ("cdrs", "RECEIVER") in {(e["identifier"], e["role"]) for e in record["endpoints"]}
    state = (await http.get(f"{extrawest_emsp}/state")).json()
    token_b = state["credentials"]["token"]  # the token it calls us with

    # a CDR POSTed to the CDRs Receiver it published, as the delivery lanes do
    directory = PartnerDirectory(await asyncio.to_thread(registry_of, topics))
    sender = OcpiSender("NL", "RST")
    pushed = cdr_record("CDR-XWE-PUSHED", "DE-XWE")
    partner = directory.get("DE-XWE")
    try:
        attempt = await sender.send(partner, new_request("cdrs", pushed["id"], "POST", partner.url("cdrs"),
                                                         pushed["ocpi_json"].encode(), "interop-1"))
    finally:
        await sender.aclose()
    assert attempt.ok, attempt
    # ids are CiString: extrawest-ocpi keeps them lower-cased
    assert (await http.get(f"{extrawest_emsp}/state")).json()["cdrs"] == ["cdr-xwe-pushed"]

    # what it may pull: three CDRs of its own (one of another party), our tariff and location
    mine = [cdr_record(f"CDR-XWE-{n}", "DE-XWE") for n in range(3)]
    await asyncio.to_thread(write_batch, topics.lake.uri, "cdrs", 0, 0, 3, [*mine, cdr_record("CDR-EMA-1", "NL-EMA")])
    for path, body in ((f"tariffs/NL/RST/{tariff()['id']}", tariff()), ("locations/NL/RST/LOC-1", location())):
        r = await http.put(f"{api.url}/ocpi/2.2.1/{path}", headers=back_office, content=jsonio.dumps(body))
        assert r.json()["status_code"] == 1000, r.text
    for _ in range(200):
        if (await http.get(f"{api.url}/ocpi/2.2.1/locations", headers=back_office)).json()["data"]:
            break
        await asyncio.sleep(0.05)

    done = await asyncio.create_subprocess_exec(
        str(extrawest_python), str(HERE / "extrawest_pull.py"), f"{api.url}/ocpi/versions", token_b,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await done.communicate()
    assert done.returncode == 0, err.decode()
    pulled = json.loads(out)
    assert pulled["refused"] == []
    ids = {module: [i.upper() for i in found] for module, found in pulled["ids"].items()}
    assert ids["cdrs"] == ["CDR-XWE-0", "CDR-XWE-1", "CDR-XWE-2"] and pulled["pages"]["cdrs"] == 2
    assert ids["tariffs"] == ["T1"] and ids["locations"] == ["LOC-1"]
    assert ids["sessions"] == []

    r = await http.delete(f"{api.url}/admin/partners/DE-XWE", headers=back_office)
    assert r.json()["data"]["state"] == "UNREGISTERED"
    assert (await http.get(f"{extrawest_emsp}/state")).json()["credentials"] is None
