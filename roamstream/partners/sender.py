"""One OCPI 2.2.1 request to a partner's Receiver endpoint, as transport_and_format says.

Headers: ``Authorization: Token <base64(token)>``, ``X-Request-ID`` (new per attempt), ``X-Correlation-ID``
(the same for every attempt of one object), ``OCPI-from-country-code``/``-party-id`` (us) and
``OCPI-to-country-code``/``-party-id`` (the partner). HTTP 307/308 are followed with the same method and body
(at most ``max_redirects``); other redirects are answers like any other. What the answer means is
``outcome.classify``'s job; retrying is the delivery lane's.
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urljoin

import aiohttp

from roamstream.partners.directory import PartnerEndpoint
from roamstream.partners.outcome import Outcome, classify, retry_after_s

#: exceptions raised before any byte of the request left: the partner cannot have it
_NOT_SENT = (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError, aiohttp.InvalidURL)
_MAX_KEPT_RESPONSE = 2000


@dataclass(frozen=True, slots=True)
class Request:
    module: str
    object_id: str
    method: str
    url: str
    body: bytes
    correlation_id: str
    request_id: str


@dataclass(frozen=True, slots=True)
class Attempt:
    partner: str
    request: Request
    attempt: int
    http_status: int | None
    ocpi_status_code: int | None
    ocpi_status_message: str | None
    location: str | None
    outcome: Outcome
    #: the partner may have acted on the request without us seeing the answer (timeout, broken connection)
    unknown: bool
    retry_after_s: float | None
    error: str | None
    response_body: str | None
    #: where the request was answered (after 307/308)
    final_url: str
    pushed_at: datetime
    latency_ms: float

    @property
    def ok(self) -> bool:
        return self.outcome is Outcome.OK

    def record(self, event_time: datetime, *, delivered: bool | None = None) -> dict:
        """The ``push.results.v1`` record of this attempt; ``delivered`` overrides ``ok`` (a CDR the partner
        says it has already, after an attempt whose outcome was unknown, is delivered; so is a DELETE of an
        object the partner does not have)."""
        r = self.request
        ok = self.ok if delivered is None else delivered
        why = "the partner does not have it" if self.outcome is Outcome.NOT_FOUND else "after an unknown outcome"
        error = self.error if not ok else (None if self.ok else f"delivered: {self.error} ({why})")
        return {
            "partner": self.partner, "module": r.module, "object_id": r.object_id, "method": r.method,
            "url": self.final_url, "attempt": self.attempt, "http_status": self.http_status,
            "ocpi_status_code": self.ocpi_status_code, "ocpi_status_message": self.ocpi_status_message,
            "location": self.location, "ok": ok, "error": error, "event_time": event_time,
            "pushed_at": self.pushed_at, "latency_ms": self.latency_ms, "outcome": self.outcome.value,
            "request_id": r.request_id,
        }


def intent_record(partner: str, request: Request, attempt: int, event_time: datetime) -> dict:
    """The ``push.results.v1`` record written (and acknowledged by the broker) before a request goes out:
    until the attempt's own record supersedes it, the attempt reads as "outcome unknown"."""
    return {
        "partner": partner, "module": request.module, "object_id": request.object_id, "method": request.method,
        "url": request.url, "attempt": attempt, "http_status": None, "ocpi_status_code": None,
        "ocpi_status_message": None, "location": None, "ok": False,
        "error": "outcome unknown: sent, no answer recorded", "event_time": event_time,
        "pushed_at": datetime.now(UTC), "latency_ms": None, "outcome": "unknown", "request_id": request.request_id,
    }


def auth_header(token: str) -> str:
    return "Token " + base64.b64encode(token.encode()).decode()


def new_request(module: str, object_id: str, method: str, url: str, body: bytes, correlation_id: str) -> Request:
    return Request(module, object_id, method, url, body, correlation_id, str(uuid.uuid4()))


def partner_session(connections: int) -> aiohttp.ClientSession:
    """One partner's connection pool: at most ``connections`` (its lane's requests in flight), so that no
    partner can take the connections of another (aiohttp sets TCP_NODELAY: header and body leave at once)."""
    return aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=connections, limit_per_host=connections),
                                 auto_decompress=True)


class OcpiSender:
    """Sends OCPI requests (aiohttp: the HTTP client with the least CPU per request, which is what limits
    pushes per second on a worker); each partner gets its own connection pool unless one ``session`` is given."""

    def __init__(self, country_code: str, party_id: str, *, session: aiohttp.ClientSession | None = None,
                 timeout_s: float = 10.0, max_redirects: int = 3, connections_per_partner: int = 16):
        self._session = session
        self._sessions: dict[str, aiohttp.ClientSession] = {}
        self._connections = connections_per_partner
        self._from = (country_code, party_id)
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._max_redirects = max_redirects

    def _session_for(self, partner: PartnerEndpoint) -> aiohttp.ClientSession:
        if self._session is not None:
            return self._session
        session = self._sessions.get(partner.key)
        if session is None or session.closed:
            session = self._sessions[partner.key] = partner_session(self._connections)
        return session

    async def aclose(self) -> None:
        for session in self._sessions.values():
            await session.close()
        self._sessions.clear()

    @property
    def cpo(self) -> tuple[str, str]:
        return self._from

    def headers(self, partner: PartnerEndpoint, request: Request) -> dict[str, str]:
        return {
            "Authorization": auth_header(partner.token),
            "Content-Type": "application/json",
            "X-Request-ID": request.request_id,
            "X-Correlation-ID": request.correlation_id,
            "OCPI-from-country-code": self._from[0],
            "OCPI-from-party-id": self._from[1],
            "OCPI-to-country-code": partner.country_code,
            "OCPI-to-party-id": partner.party_id,
        }

    async def send(self, partner: PartnerEndpoint, request: Request, attempt: int = 1) -> Attempt:
        """One attempt (following 307/308); never raises for what the network or the partner does."""
        started = time.perf_counter()
        status = code = message = location = error = retry = body = None
        unknown = False
        url = request.url
        session = self._session_for(partner)
        try:
            for _ in range(self._max_redirects + 1):
                async with session.request(request.method, url, data=request.body, allow_redirects=False,
                                           headers=self.headers(partner, request), timeout=self._timeout) as response:
                    status = response.status
                    location = response.headers.get("Location")
                    retry = retry_after_s(response.headers.get("Retry-After"))
                    raw = await response.read()
                if status not in (307, 308) or location is None:
                    break
                url = urljoin(url, location)  # too many redirects: the last 307/308 is the (final) answer
            body = raw[:_MAX_KEPT_RESPONSE].decode(errors="replace")
            unknown = status in (502, 504)
            try:
                envelope = json.loads(raw)
                code = int(envelope["status_code"])
                message = envelope.get("status_message")
            except (ValueError, AttributeError, TypeError, KeyError):
                error = f"HTTP {status}: response is not an OCPI JSON envelope"
        except _NOT_SENT as exc:
            error = f"{type(exc).__name__}: {exc}".rstrip(": ")
        except (aiohttp.ClientError, TimeoutError) as exc:
            error = f"{type(exc).__name__}: {exc}".rstrip(": ")
            unknown = True
        outcome = classify(request.method, request.module, status, code, message)
        if outcome is not Outcome.OK and error is None:
            error = f"HTTP {status}, OCPI status {code}: {message or ''}".strip()
        return Attempt(partner.key, request, attempt, status, code, message, location, outcome, unknown, retry,
                       error, body, url, datetime.now(UTC), (time.perf_counter() - started) * 1000)
