"""Push OCPI objects to a partner's Receiver endpoints, as OCPI 2.2.1 transport_and_format says.

Headers: ``Authorization: Token <base64(token)>``, ``X-Request-ID`` (new per attempt), ``X-Correlation-ID``
(the same for every attempt of one object), ``OCPI-from-country-code``/``-party-id`` (us) and
``OCPI-to-country-code``/``-party-id`` (the partner). A push succeeds on HTTP 2xx with an OCPI envelope whose
``status_code`` is 1000. Network errors, HTTP 5xx and 429 are transient (retried with exponential backoff);
anything else is final.
"""

from __future__ import annotations

import asyncio
import base64
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx

from roamstream.config import Partner, PartnerSettings


@dataclass(frozen=True, slots=True)
class Attempt:
    partner: str
    module: str
    object_id: str
    method: str
    url: str
    attempt: int
    http_status: int | None
    ocpi_status_code: int | None
    ocpi_status_message: str | None
    location: str | None
    ok: bool
    error: str | None
    pushed_at: datetime
    latency_ms: float

    @property
    def transient(self) -> bool:
        return not self.ok and (self.http_status is None or self.http_status >= 500 or self.http_status == 429)

    def record(self, event_time: datetime) -> dict:
        """The ``push.results.v1`` record of this attempt."""
        return {**{f: getattr(self, f) for f in self.__dataclass_fields__}, "event_time": event_time}


def auth_header(token: str) -> str:
    return "Token " + base64.b64encode(token.encode()).decode()


class OcpiSender:
    def __init__(self, client: httpx.AsyncClient, settings: PartnerSettings, country_code: str, party_id: str):
        self._client = client
        self._settings = settings
        self._from = (country_code, party_id)

    def _headers(self, partner: Partner, correlation_id: str) -> dict[str, str]:
        return {
            "Authorization": auth_header(partner.token.get_secret_value()),
            "Content-Type": "application/json",
            "X-Request-ID": str(uuid.uuid4()),
            "X-Correlation-ID": correlation_id,
            "OCPI-from-country-code": self._from[0],
            "OCPI-from-party-id": self._from[1],
            "OCPI-to-country-code": partner.country_code,
            "OCPI-to-party-id": partner.party_id,
        }

    async def _once(self, partner: Partner, module: str, object_id: str, method: str, url: str, body: bytes,
                    attempt: int, correlation_id: str) -> Attempt:
        started = time.perf_counter()
        status = code = message = location = error = None
        try:
            response = await self._client.request(
                method, url, content=body, headers=self._headers(partner, correlation_id),
                timeout=self._settings.timeout_s,
            )
            status = response.status_code
            location = response.headers.get("Location")
            try:
                envelope = response.json()
                code = envelope.get("status_code")
                message = envelope.get("status_message")
            except ValueError:
                error = f"HTTP {status}: response is not an OCPI JSON envelope"
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"
        ok = status is not None and 200 <= status < 300 and code == 1000
        if not ok and error is None:
            error = f"HTTP {status}, OCPI status {code}: {message or ''}".strip()
        return Attempt(partner.key, module, object_id, method, url, attempt, status, code, message, location, ok,
                       error, datetime.now(UTC), (time.perf_counter() - started) * 1000)

    async def push(self, partner: Partner, module: str, object_id: str, method: str, url: str,
                   body: bytes) -> list[Attempt]:
        """Send until success, a final failure, or ``max_attempts``; every attempt is returned."""
        correlation_id = str(uuid.uuid4())
        attempts: list[Attempt] = []
        for n in range(1, self._settings.max_attempts + 1):
            result = await self._once(partner, module, object_id, method, url, body, n, correlation_id)
            attempts.append(result)
            if result.ok or not result.transient:
                break
            await asyncio.sleep(self._settings.backoff_s * 2 ** (n - 1))
        return attempts

    async def post_cdr(self, partner: Partner, cdr_id: str, body: bytes) -> list[Attempt]:
        return await self.push(partner, "cdrs", cdr_id, "POST", partner.cdrs_url, body)

    def _session_url(self, partner: Partner, session_id: str) -> str:
        return f"{(partner.sessions_url or '').rstrip('/')}/{self._from[0]}/{self._from[1]}/{session_id}"

    async def put_session(self, partner: Partner, session_id: str, body: bytes) -> list[Attempt]:
        """PUT the whole Session object to ``{sessions_url}/{country_code}/{party_id}/{session_id}``."""
        return await self.push(partner, "sessions", session_id, "PUT", self._session_url(partner, session_id), body)

    async def patch_session(self, partner: Partner, session_id: str, body: bytes) -> list[Attempt]:
        """PATCH the changed fields (always with ``last_updated``) of a Session the partner has."""
        return await self.push(partner, "sessions", session_id, "PATCH", self._session_url(partner, session_id), body)
