"""One OCPI request against real HTTP servers on 127.0.0.1: headers, outcomes, 307/308, Retry-After."""

import base64

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from roamstream.asgi import ServedApp
from roamstream.partners.directory import PartnerEndpoint
from roamstream.partners.outcome import Outcome
from roamstream.partners.sender import OcpiSender, new_request


def ocpi(code: int, http: int, **headers) -> JSONResponse:
    return JSONResponse({"status_code": code, "status_message": f"code {code}", "timestamp": "x"}, http,
                        headers=headers or None)


def receiver() -> tuple[FastAPI, list[dict]]:
    app = FastAPI()
    seen: list[dict] = []

    @app.api_route("/{path:path}", methods=["POST", "PUT", "PATCH"])
    async def any_(path: str, request: Request):
        seen.append({"path": path, "method": request.method, "headers": dict(request.headers),
                     "body": await request.body()})
        if path == "cdrs":
            return ocpi(1000, 201, Location="http://emsp/cdrs/1")
        if path == "warn":
            return ocpi(1401, 200)
        if path == "busy":
            return ocpi(3000, 503, **{"Retry-After": "7"})
        if path == "hub":
            return ocpi(4003, 200)
        if path == "bad":
            return ocpi(2001, 400)
        if path == "gone":
            return ocpi(2003, 404)
        if path == "exists":
            return JSONResponse({"status_code": 2001, "status_message": "CDR X exists already", "timestamp": "x"}, 400)
        if path == "moved":
            return JSONResponse({}, 307, headers={"Location": "/cdrs"})
        if path == "moved-for-good":
            return JSONResponse({}, 308, headers={"Location": "/cdrs"})
        return JSONResponse({"no": "envelope"}, 200)

    return app, seen


def partner(base: str) -> PartnerEndpoint:
    return PartnerEndpoint("NL", "EMA", "secret-b", {"cdrs": base + "/cdrs"})


async def send(path: str, method: str = "POST", module: str = "cdrs"):
    app, seen = receiver()
    sender = OcpiSender("NL", "RST")
    try:
        async with ServedApp(app) as served:
            request = new_request(module, "CDR1", method, f"{served.url}/{path}", b'{"id": "CDR1"}', "corr-1")
            return await sender.send(partner(served.url), request), seen
    finally:
        await sender.aclose()


async def test_the_ocpi_headers_and_a_created_cdr():
    attempt, seen = await send("cdrs")
    assert attempt.ok and attempt.location == "http://emsp/cdrs/1" and attempt.ocpi_status_code == 1000
    [request] = seen
    h = request["headers"]
    assert h["authorization"] == "Token " + base64.b64encode(b"secret-b").decode()
    assert (h["ocpi-from-country-code"], h["ocpi-from-party-id"]) == ("NL", "RST")
    assert (h["ocpi-to-country-code"], h["ocpi-to-party-id"]) == ("NL", "EMA")
    assert h["x-correlation-id"] == "corr-1" and h["x-request-id"] == attempt.request.request_id


async def test_ocpi_1000_to_1999_are_success():
    attempt, _ = await send("warn")
    assert attempt.outcome is Outcome.OK and attempt.ocpi_status_code == 1401


async def test_503_is_transient_with_its_retry_after_and_hub_4003_too():
    busy, _ = await send("busy")
    assert busy.outcome is Outcome.TRANSIENT and busy.retry_after_s == 7 and not busy.unknown
    hub, _ = await send("hub")
    assert hub.outcome is Outcome.TRANSIENT


async def test_a_client_error_is_final_and_a_patch_404_is_not_found():
    bad, _ = await send("bad")
    assert bad.outcome is Outcome.FINAL and bad.error == "HTTP 400, OCPI status 2001: code 2001"
    assert '"status_code":2001' in bad.response_body.replace(" ", "")
    gone, _ = await send("gone", "PATCH", "sessions")
    assert gone.outcome is Outcome.NOT_FOUND


async def test_a_cdr_that_exists_already_is_told_apart():
    attempt, _ = await send("exists")
    assert attempt.outcome is Outcome.ALREADY_EXISTS


async def test_307_and_308_are_followed_with_the_same_method_and_body():
    for path in ("moved", "moved-for-good"):
        attempt, seen = await send(path)
        assert attempt.ok and attempt.final_url.endswith("/cdrs")
        assert [(r["path"], r["method"], r["body"]) for r in seen] == [
            (path, "POST", b'{"id": "CDR1"}'), ("cdrs", "POST", b'{"id": "CDR1"}')]


async def test_no_envelope_is_final_and_named():
    attempt, _ = await send("other")
    assert attempt.outcome is Outcome.FINAL and "not an OCPI JSON envelope" in attempt.error


async def test_an_unreachable_partner_is_transient_and_known_not_sent():
    sender = OcpiSender("NL", "RST")
    request = new_request("cdrs", "CDR1", "POST", "http://127.0.0.1:9/cdrs", b"{}", "c")
    attempt = await sender.send(partner("http://127.0.0.1:9"), request)
    await sender.aclose()
    assert attempt.outcome is Outcome.TRANSIENT and attempt.http_status is None and not attempt.unknown


async def test_too_many_redirects_is_final():
    app = FastAPI()

    @app.post("/loop")
    async def loop():
        return JSONResponse({}, 307, headers={"Location": "/loop"})

    sender = OcpiSender("NL", "RST", max_redirects=2)
    async with ServedApp(app) as served:
        attempt = await sender.send(partner(served.url), new_request("cdrs", "C", "POST", served.url + "/loop",
                                                                     b"{}", "c"))
    await sender.aclose()
    assert attempt.outcome is Outcome.FINAL and attempt.http_status == 307
