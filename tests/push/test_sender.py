"""The OCPI sender against real HTTP servers on 127.0.0.1."""

import base64

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from roamstream.asgi import ServedApp
from roamstream.config import Partner, PartnerSettings
from roamstream.push.sender import OcpiSender


def flaky_receiver(failures: int) -> tuple[FastAPI, list[dict]]:
    app = FastAPI()
    seen: list[dict] = []

    @app.post("/cdrs")
    async def cdrs(request: Request):
        seen.append(dict(request.headers))
        if len(seen) <= failures:
            return JSONResponse({"status_code": 3000, "status_message": "busy", "timestamp": "x"}, 503)
        return JSONResponse({"status_code": 1000, "status_message": "ok", "timestamp": "x"}, 201,
                            headers={"Location": "http://emsp/cdrs/1"})

    @app.post("/bad")
    async def bad(request: Request):
        seen.append(dict(request.headers))
        return JSONResponse({"status_code": 2001, "status_message": "Invalid", "timestamp": "x"}, 400)

    return app, seen


def partner(base: str, path: str = "/cdrs") -> Partner:
    return Partner(country_code="NL", party_id="EMA", cdrs_url=base + path, token="secret-b")


async def test_transient_failures_are_retried_with_one_correlation_id_and_ocpi_headers():
    app, seen = flaky_receiver(failures=2)
    async with ServedApp(app) as served, httpx.AsyncClient() as client:
        sender = OcpiSender(client, PartnerSettings(backoff_s=0.001), "NL", "RST")
        attempts = await sender.post_cdr(partner(served.url), "CDR1", b"{}")
    assert [a.http_status for a in attempts] == [503, 503, 201]
    assert [a.ok for a in attempts] == [False, False, True]
    assert attempts[-1].location == "http://emsp/cdrs/1"
    assert attempts[-1].ocpi_status_code == 1000
    assert len({h["x-correlation-id"] for h in seen}) == 1
    assert len({h["x-request-id"] for h in seen}) == 3
    first = seen[0]
    assert first["authorization"] == "Token " + base64.b64encode(b"secret-b").decode()
    assert (first["ocpi-from-country-code"], first["ocpi-from-party-id"]) == ("NL", "RST")
    assert (first["ocpi-to-country-code"], first["ocpi-to-party-id"]) == ("NL", "EMA")


async def test_a_client_error_is_final():
    app, seen = flaky_receiver(failures=0)
    async with ServedApp(app) as served, httpx.AsyncClient() as client:
        sender = OcpiSender(client, PartnerSettings(backoff_s=0.001), "NL", "RST")
        attempts = await sender.post_cdr(partner(served.url, "/bad"), "CDR1", b"{}")
    assert len(attempts) == 1 and len(seen) == 1
    assert not attempts[0].ok and not attempts[0].transient
    assert attempts[0].error == "HTTP 400, OCPI status 2001: Invalid"


async def test_an_unreachable_partner_is_transient_and_gives_up_after_max_attempts():
    async with httpx.AsyncClient() as client:
        sender = OcpiSender(client, PartnerSettings(backoff_s=0.001, max_attempts=3), "NL", "RST")
        attempts = await sender.post_cdr(partner("http://127.0.0.1:9"), "CDR1", b"{}")
    assert len(attempts) == 3
    assert all(a.transient and a.http_status is None for a in attempts)
