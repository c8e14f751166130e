"""An eMSP written for these tests from the OCPI 2.2.1 spec text (credentials.asciidoc,
version_information_endpoint.asciidoc, transport_and_format.asciidoc): versions, version details,
credentials (GET/POST/PUT/DELETE, both as the party that registers and the one registered at), the CDRs
Receiver and the Sessions Receiver (mod_sessions: PUT a Session, PATCH it). It is a separate party with its
own tokens, reached over real HTTP."""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

VERSION = "2.2.1"


def token_header(token: str) -> dict[str, str]:
    return {"Authorization": "Token " + base64.b64encode(token.encode()).decode()}


def envelope(status_code: int, data: Any = None, http_status: int = 200, message: str = "") -> JSONResponse:
    body: dict[str, Any] = {"status_code": status_code, "status_message": message or "Success",
                            "timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")}
    if data is not None:
        body["data"] = data
    return JSONResponse(body, status_code=http_status)


@dataclass
class SpecEmsp:
    country_code: str = "NL"
    party_id: str = "EMA"
    #: the tokens that may call us, by kind: "A" (a registration may start), "C" (registered)
    accepted: dict[str, str] = field(default_factory=dict)
    #: the token we call the CPO with, and its versions URL and endpoints (once known)
    cpo_token: str | None = None
    cpo_versions_url: str | None = None
    cpo_endpoints: dict[tuple[str, str], str] = field(default_factory=dict)
    cdrs: dict[str, dict] = field(default_factory=dict)
    #: Sessions as PUT and PATCHed, by id
    sessions: dict[str, dict] = field(default_factory=dict)
    #: headers of every request the CPO made to us
    seen: list[dict[str, str]] = field(default_factory=list)
    #: publish a credentials endpoint (False: the CPO must refuse us with 3003)
    publish_credentials: bool = True
    versions_offered: tuple[str, ...] = (VERSION,)
    base_url: str = ""
    #: real-time authorisation (mod_tokens Sender, POST .../{uid}/authorize): uid -> AllowedType
    realtime: dict[str, str] = field(default_factory=dict)
    #: the tokens endpoint fails (HTTP 503, no envelope): "the eMSP does not answer"
    realtime_down: bool = False
    #: (uid, type) of every real-time authorisation asked
    authorize_calls: list[tuple[str, str | None]] = field(default_factory=list)
    #: each real-time answer gets its own authorization_reference, ``REF-{uid}-{n}`` (n: calls so far)
    numbered_references: bool = False

    def issue_token_a(self) -> str:
        token = secrets.token_urlsafe(16)
        self.accepted[token] = "A"
        return token

    def credentials(self, token: str) -> dict[str, Any]:
        return {"token": token, "url": f"{self.base_url}/emsp/versions",
                "roles": [{"role": "EMSP", "party_id": self.party_id, "country_code": self.country_code,
                           "business_details": {"name": "Spec eMSP"}}]}

    def _token(self, request: Request) -> str | None:
        scheme, _, value = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "token":
            return None
        try:
            token = base64.b64decode(value, validate=True).decode()
        except ValueError:
            return None
        return token if token in self.accepted else None

    async def fetch_cpo_endpoints(self, client: httpx.AsyncClient, versions_url: str, token: str) -> None:
        versions = (await client.get(versions_url, headers=token_header(token))).json()["data"]
        url = next(v["url"] for v in versions if v["version"] == VERSION)
        details = (await client.get(url, headers=token_header(token))).json()["data"]
        self.cpo_versions_url = versions_url
        self.cpo_endpoints = {(e["identifier"], e["role"]): e["url"] for e in details["endpoints"]}

    async def register_at_cpo(self, client: httpx.AsyncClient, versions_url: str, token_a: str) -> httpx.Response:
        """We start the registration at the CPO (we are the Sender of credentials)."""
        await self.fetch_cpo_endpoints(client, versions_url, token_a)
        token_b = secrets.token_urlsafe(16)
        self.accepted[token_b] = "C"
        response = await client.post(self.cpo_endpoints[("credentials", "RECEIVER")], headers=token_header(token_a),
                                     json=self.credentials(token_b))
        if response.status_code == 200 and response.json()["status_code"] == 1000:
            self.cpo_token = response.json()["data"]["token"]
        return response

    def app(self) -> FastAPI:
        app = FastAPI()
        client = httpx.AsyncClient(timeout=5)

        @app.middleware("http")
        async def remember(request: Request, call_next):
            self.seen.append({**request.headers, ":path": request.url.path})
            return await call_next(request)

        @app.get("/emsp/versions")
        async def versions(request: Request):
            if self._token(request) is None:
                return envelope(2000, http_status=401, message="unknown token")
            return envelope(1000, [{"version": v, "url": f"{self.base_url}/emsp/{v}"} for v in self.versions_offered])

        @app.get("/emsp/2.2.1")
        async def details(request: Request):
            if self._token(request) is None:
                return envelope(2000, http_status=401, message="unknown token")
            root = f"{self.base_url}/emsp/2.2.1"
            endpoints = [{"identifier": "cdrs", "role": "RECEIVER", "url": f"{root}/cdrs"},
                         {"identifier": "sessions", "role": "RECEIVER", "url": f"{root}/sessions"},
                         {"identifier": "tokens", "role": "SENDER", "url": f"{root}/tokens"}]
            if self.publish_credentials:
                endpoints += [{"identifier": "credentials", "role": role, "url": f"{root}/credentials"}
                              for role in ("SENDER", "RECEIVER")]
            return envelope(1000, {"version": VERSION, "endpoints": endpoints})

        @app.post("/emsp/2.2.1/credentials")
        async def post_credentials(request: Request):
            token = self._token(request)
            if token is None:
                return envelope(2000, http_status=401, message="unknown token")
            if self.accepted[token] != "A":
                return envelope(2000, http_status=405, message="already registered")
            theirs = await request.json()
            try:
                await self.fetch_cpo_endpoints(client, theirs["url"], theirs["token"])
            except (httpx.HTTPError, KeyError, StopIteration, TypeError):
                return envelope(3001, http_status=200, message="cannot read the CPO's versions")
            del self.accepted[token]  # token A may not be used again
            self.cpo_token = theirs["token"]
            token_c = secrets.token_urlsafe(16)
            self.accepted[token_c] = "C"
            return envelope(1000, self.credentials(token_c))

        @app.delete("/emsp/2.2.1/credentials")
        async def delete_credentials(request: Request):
            token = self._token(request)
            if token is None or self.accepted[token] != "C":
                return envelope(2000, http_status=405, message="not registered")
            del self.accepted[token]
            self.cpo_token = None
            return envelope(1000)

        @app.post("/emsp/2.2.1/tokens/{uid}/authorize")
        async def authorize(uid: str, request: Request):
            token = self._token(request)
            if token is None or self.accepted[token] != "C":
                return envelope(2000, http_status=401, message="unknown token")
            self.authorize_calls.append((uid, request.query_params.get("type")))
            if self.realtime_down:
                return JSONResponse({"error": "down"}, status_code=503)
            if uid not in self.realtime:
                return envelope(2004, http_status=404, message="Unknown Token")
            reference = f"REF-{uid}-{len(self.authorize_calls)}" if self.numbered_references else f"REF-{uid}"
            info = {"allowed": self.realtime[uid], "authorization_reference": reference}
            return envelope(1000, info)

        @app.put("/emsp/2.2.1/sessions/{country_code}/{party_id}/{session_id}")
        async def put_session(country_code: str, party_id: str, session_id: str, request: Request):
            token = self._token(request)
            if token is None or self.accepted[token] != "C":
                return envelope(2000, http_status=401, message="unknown token")
            self.sessions[session_id] = await request.json()
            return envelope(1000)

        @app.patch("/emsp/2.2.1/sessions/{country_code}/{party_id}/{session_id}")
        async def patch_session(country_code: str, party_id: str, session_id: str, request: Request):
            token = self._token(request)
            if token is None or self.accepted[token] != "C":
                return envelope(2000, http_status=401, message="unknown token")
            if session_id not in self.sessions:
                return envelope(2003, http_status=404, message="unknown session")
            changes = await request.json()
            stored = self.sessions[session_id]
            merged = {**stored, **changes}
            if "charging_periods" in changes:  # a PATCH of charging_periods appends them
                merged["charging_periods"] = stored.get("charging_periods", []) + changes["charging_periods"]
            self.sessions[session_id] = merged
            return envelope(1000)

        @app.post("/emsp/2.2.1/cdrs")
        async def post_cdr(request: Request):
            token = self._token(request)
            if token is None or self.accepted[token] != "C":
                return envelope(2000, http_status=401, message="unknown token")
            cdr = await request.json()
            self.cdrs[cdr["id"]] = cdr
            return envelope(1000, http_status=201)

        return app
