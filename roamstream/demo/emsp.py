"""A demo eMSP: the OCPI 2.2.1 Receiver side of the CDRs, Sessions, Tariffs and Locations modules, keeping what
it receives (Locations with the EVSE status PATCHes applied, mod_locations).

It checks the token (``Authorization: Token <base64>``), validates every object with the OCPI models and
answers as the spec says: an envelope with status 1000, ``Location`` for a created CDR, 2001 for an invalid
object, and 2xxx for a CDR id it already has (CDRs are immutable).

With a ``token_a`` it can be registered at by the credentials handshake: it publishes its versions and
endpoints, and a POST of credentials with token A makes it read the CPO's versions with the CPO's token B
and answer with ``token`` (token C, the one the CDRs and Sessions endpoints accept). It keeps the CPO's
token B and versions URL, so that it can pull from the CPO (``pull_all``), until the CPO DELETEs its
credentials (unregisters).
"""

from __future__ import annotations

import base64
import json
import zlib
from datetime import UTC, datetime
from typing import Annotated, Any

import httpx
from fastapi import FastAPI, Header, Request
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from roamstream.ocpi.cdr import CDR
from roamstream.ocpi.location import Location
from roamstream.ocpi.session import Session
from roamstream.ocpi.tariff import Tariff


def envelope(status_code: int, message: str, data: Any = None, http_status: int = 200,
             headers: dict[str, str] | None = None) -> JSONResponse:
    body = {"status_code": status_code, "status_message": message,
            "timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")}
    if data is not None:
        body["data"] = data
    return JSONResponse(body, status_code=http_status, headers=headers)


class EmspStore:
    def __init__(self) -> None:
        #: the token the CPO gave us in the handshake (token B) and the CPO's versions URL
        self.cpo_token: str | None = None
        self.cpo_versions_url: str | None = None
        self.cdrs: dict[str, bytes] = {}
        self.sessions: dict[str, bytes] = {}
        self.patches: list[tuple[str, dict[str, Any]]] = []
        #: every Session PUT and PATCH accepted, in order: (method, session id, body)
        self.session_requests: list[tuple[str, str, dict[str, Any]]] = []
        self.requests: list[dict[str, Any]] = []
        #: CDR ids answered 503 once (a flaky eMSP)
        self.refused: set[str] = set()
        #: Tariffs and Locations as PUT (Locations with the PATCHes applied), by ``CC/PID/id``
        self.tariffs: dict[str, bytes] = {}
        self.locations: dict[str, bytes] = {}
        #: every EVSE PATCH accepted, in order: (location key, evse uid, body)
        self.evse_patches: list[tuple[str, str, dict[str, Any]]] = []


def _auth(token: str) -> str:
    return "Token " + base64.b64encode(token.encode()).decode()


def create_emsp_app(token: str, store: EmspStore | None = None, *, flaky_every: int = 0, token_a: str | None = None,
                    country_code: str = "NL", party_id: str = "EMA", locations: bool = True) -> FastAPI:
    """``flaky_every``: answer HTTP 503 to the first POST of one CDR id in that many (by a hash of the id), as
    an overloaded partner does; the sender retries it. ``token_a``: the token a CPO registers with by the
    credentials handshake (then ``token`` is the token C it is given). ``locations``: publish Receiver
    endpoints for Tariffs and Locations (else they are not offered in the version details)."""
    app = FastAPI(title="demo eMSP (OCPI 2.2.1 Receiver)")
    app.state.store = store = store or EmspStore()
    expected = _auth(token)
    handshake = {_auth(token_a)} if token_a else set()

    def unauthorized(authorization: str | None, also: set[str] = frozenset()) -> JSONResponse | None:
        if authorization != expected and authorization not in also:
            return envelope(2000, "Invalid or missing token", http_status=401)
        return None

    @app.get("/ocpi/emsp/versions")
    async def versions(request: Request, authorization: Annotated[str | None, Header()] = None):
        if (denied := unauthorized(authorization, handshake)) is not None:
            return denied
        return envelope(1000, "Success", [{"version": "2.2.1", "url": str(request.url_for("details"))}])

    @app.get("/ocpi/emsp/2.2.1", name="details")
    async def details(request: Request, authorization: Annotated[str | None, Header()] = None):
        if (denied := unauthorized(authorization, handshake)) is not None:
            return denied
        root = str(request.url_for("details"))
        return envelope(1000, "Success", {"version": "2.2.1", "endpoints": [
            {"identifier": "credentials", "role": "RECEIVER", "url": f"{root}/credentials"},
            {"identifier": "cdrs", "role": "RECEIVER", "url": f"{root}/cdrs"},
            {"identifier": "sessions", "role": "RECEIVER", "url": f"{root}/sessions"},
            *([{"identifier": "tariffs", "role": "RECEIVER", "url": f"{root}/tariffs"},
               {"identifier": "locations", "role": "RECEIVER", "url": f"{root}/locations"}] if locations else []),
        ]})

    @app.post("/ocpi/emsp/2.2.1/credentials")
    async def post_credentials(request: Request, authorization: Annotated[str | None, Header()] = None):
        if not handshake or authorization not in handshake:
            return envelope(2000, "Invalid or missing token", http_status=401)
        if store.cpo_token is not None:
            return envelope(2000, "already registered", http_status=405)
        theirs = json.loads(await request.body())
        try:
            async with httpx.AsyncClient(timeout=10) as client:
                found = (await client.get(theirs["url"], headers={"Authorization": _auth(theirs["token"])})).json()
                if found.get("status_code") != 1000:
                    raise ValueError(found.get("status_message"))
        except (httpx.HTTPError, ValueError, KeyError, TypeError) as exc:
            return envelope(3001, f"cannot read the CPO's versions: {exc}")
        store.cpo_token, store.cpo_versions_url = theirs["token"], theirs["url"]
        return envelope(1000, "Success", {
            "token": token, "url": str(request.url_for("versions")),
            "roles": [{"role": "EMSP", "country_code": country_code, "party_id": party_id,
                       "business_details": {"name": f"demo eMSP {country_code}-{party_id}"}}]})

    @app.delete("/ocpi/emsp/2.2.1/credentials")
    async def delete_credentials(authorization: Annotated[str | None, Header()] = None):
        if (denied := unauthorized(authorization)) is not None:
            return denied
        if store.cpo_token is None:
            return envelope(2000, "not registered", http_status=405)
        store.cpo_token = store.cpo_versions_url = None
        return envelope(1000, "Success")

    @app.post("/ocpi/emsp/2.2.1/cdrs")
    async def post_cdr(request: Request, authorization: Annotated[str | None, Header()] = None):
        if (denied := unauthorized(authorization)) is not None:
            return denied
        body = await request.body()
        store.requests.append({"method": "POST", "path": request.url.path, "headers": dict(request.headers),
                               "body": body})
        try:
            cdr = CDR.model_validate(json.loads(body))
        except (ValueError, ValidationError) as exc:
            return envelope(2001, f"Invalid CDR: {exc}".splitlines()[0], http_status=400)
        if cdr.id in store.cdrs:
            return envelope(2001, f"CDR {cdr.id} exists already; CDRs are immutable", http_status=400)
        if flaky_every and zlib.crc32(cdr.id.encode()) % flaky_every == 0 and cdr.id not in store.refused:
            store.refused.add(cdr.id)
            return envelope(3000, "Service temporarily unavailable", http_status=503)
        store.cdrs[cdr.id] = body
        location = str(request.url_for("get_cdr", cdr_id=cdr.id))
        return envelope(1000, "Success", http_status=201, headers={"Location": location})

    @app.get("/ocpi/emsp/2.2.1/cdrs/{cdr_id}", name="get_cdr")
    async def get_cdr(cdr_id: str, authorization: Annotated[str | None, Header()] = None):
        if (denied := unauthorized(authorization)) is not None:
            return denied
        if cdr_id not in store.cdrs:
            return envelope(2003, f"Unknown CDR {cdr_id}", http_status=404)
        return envelope(1000, "Success", json.loads(store.cdrs[cdr_id]))

    @app.put("/ocpi/emsp/2.2.1/sessions/{country_code}/{party_id}/{session_id}")
    async def put_session(country_code: str, party_id: str, session_id: str, request: Request,
                          authorization: Annotated[str | None, Header()] = None):
        if (denied := unauthorized(authorization)) is not None:
            return denied
        body = await request.body()
        try:
            session = Session.model_validate(json.loads(body))
        except (ValueError, ValidationError) as exc:
            return envelope(2001, f"Invalid Session: {exc}".splitlines()[0], http_status=400)
        if (session.country_code, session.party_id, session.id) != (country_code, party_id, session_id):
            return envelope(2001, "Session country_code/party_id/id differ from the URL", http_status=400)
        store.sessions[session_id] = body
        store.session_requests.append(("PUT", session_id, json.loads(body)))
        return envelope(1000, "Success")

    @app.patch("/ocpi/emsp/2.2.1/sessions/{country_code}/{party_id}/{session_id}")
    async def patch_session(country_code: str, party_id: str, session_id: str, request: Request,
                            authorization: Annotated[str | None, Header()] = None):
        if (denied := unauthorized(authorization)) is not None:
            return denied
        if session_id not in store.sessions:
            return envelope(2003, f"Unknown Session {session_id}", http_status=404)
        try:
            changes = json.loads(await request.body())
            if "last_updated" not in changes:
                raise ValueError("a PATCH must carry last_updated")
            stored = json.loads(store.sessions[session_id])
            merged = {**stored, **changes}
            if "charging_periods" in changes:  # mod_sessions: a PATCH of charging_periods appends them
                merged["charging_periods"] = stored.get("charging_periods", []) + changes["charging_periods"]
            Session.model_validate(merged)
        except (ValueError, ValidationError) as exc:
            return envelope(2001, f"Invalid Session PATCH: {exc}".splitlines()[0], http_status=400)
        store.sessions[session_id] = json.dumps(merged).encode()
        store.patches.append((session_id, changes))
        store.session_requests.append(("PATCH", session_id, changes))
        return envelope(1000, "Success")

    def document(model: Any, body: bytes, url_ids: tuple[str, str, str]) -> JSONResponse | None:
        try:
            parsed = model.model_validate(json.loads(body))
        except (ValueError, ValidationError) as exc:
            return envelope(2001, f"Invalid {model.__name__}: {exc}".splitlines()[0], http_status=400)
        if (parsed.country_code, parsed.party_id, parsed.id) != url_ids:
            return envelope(2001, f"{model.__name__} country_code/party_id/id differ from the URL", http_status=400)
        return None

    if locations:
        @app.put("/ocpi/emsp/2.2.1/tariffs/{country_code}/{party_id}/{tariff_id}")
        async def put_tariff(country_code: str, party_id: str, tariff_id: str, request: Request,
                             authorization: Annotated[str | None, Header()] = None):
            if (denied := unauthorized(authorization)) is not None:
                return denied
            body = await request.body()
            if (refused := document(Tariff, body, (country_code, party_id, tariff_id))) is not None:
                return refused
            store.tariffs[f"{country_code}/{party_id}/{tariff_id}"] = body
            return envelope(1000, "Success")

        @app.put("/ocpi/emsp/2.2.1/locations/{country_code}/{party_id}/{location_id}")
        async def put_location(country_code: str, party_id: str, location_id: str, request: Request,
                               authorization: Annotated[str | None, Header()] = None):
            if (denied := unauthorized(authorization)) is not None:
                return denied
            body = await request.body()
            if (refused := document(Location, body, (country_code, party_id, location_id))) is not None:
                return refused
            store.locations[f"{country_code}/{party_id}/{location_id}"] = body
            return envelope(1000, "Success")

        @app.patch("/ocpi/emsp/2.2.1/locations/{country_code}/{party_id}/{location_id}/{evse_uid}")
        async def patch_evse(country_code: str, party_id: str, location_id: str, evse_uid: str, request: Request,
                             authorization: Annotated[str | None, Header()] = None):
            if (denied := unauthorized(authorization)) is not None:
                return denied
            key = f"{country_code}/{party_id}/{location_id}"
            stored = json.loads(store.locations[key]) if key in store.locations else None
            evse = next((e for e in (stored or {}).get("evses") or [] if e["uid"] == evse_uid), None)
            if evse is None:
                return envelope(2003, f"Unknown Location {key} or EVSE {evse_uid}", http_status=404)
            try:
                changes = json.loads(await request.body())
                if "last_updated" not in changes:
                    raise ValueError("a PATCH must carry last_updated")
                evse.update(changes)
                stored["last_updated"] = changes["last_updated"]  # the parent Location's too (mod_locations)
                Location.model_validate(stored)
            except (ValueError, ValidationError) as exc:
                return envelope(2001, f"Invalid EVSE PATCH: {exc}".splitlines()[0], http_status=400)
            store.locations[key] = json.dumps(stored).encode()
            store.evse_patches.append((key, evse_uid, changes))
            return envelope(1000, "Success")

    return app


async def pull_all(store: EmspStore, module: str, limit: int = 2) -> list[dict[str, Any]]:
    """Every object of ``module`` the CPO has for us, by GET with pagination: the CPO's endpoint from its
    version details, then ``Link: <...>; rel="next"`` until there is none."""
    if store.cpo_token is None or store.cpo_versions_url is None:
        raise ValueError("not registered at a CPO")
    headers = {"Authorization": _auth(store.cpo_token)}
    async with httpx.AsyncClient(timeout=10, headers=headers) as client:
        versions = (await client.get(store.cpo_versions_url)).json()["data"]
        details_url = next(v["url"] for v in versions if v["version"] == "2.2.1")
        endpoints = (await client.get(details_url)).json()["data"]["endpoints"]
        url: str | None = next(e["url"] for e in endpoints if e["identifier"] == module and e["role"] == "SENDER")
        url = f"{url}?limit={limit}"
        found: list[dict[str, Any]] = []
        while url is not None:
            response = await client.get(url)
            body = response.json()
            if response.status_code != 200 or body.get("status_code") != 1000:
                raise ValueError(f"GET {url}: HTTP {response.status_code} {body.get('status_message')}")
            found += body["data"]
            link = response.headers.get("Link")
            url = link[link.index("<") + 1: link.index(">")] if link else None
        return found
