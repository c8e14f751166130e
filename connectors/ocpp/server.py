"""The OCPP-J endpoint ``ws://HOST:PORT/ocpp/{charge_point_id}`` (``wss://`` with ``OCPP_TLS_CERTFILE`` and
``OCPP_TLS_KEYFILE``: security profile 2, TLS with HTTP Basic): one handler object per connection.

A second connection for the same identity wins: the older one is closed and its DISCONNECTED published
before the new one's CONNECTED.

The same port answers plain HTTP ``GET /metrics`` (Prometheus text, ``connectors.ocpp.metrics``) and
``GET /ready`` (200 once listening with the broker answering the producer, else 503): requests without a
WebSocket upgrade, so a station may still be called ``metrics``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime
from http import HTTPStatus
from typing import Any

import httpx
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from connectors.ocpp.connection import ConnectionOptions, ConnectorChargePoint
from connectors.ocpp.exceptions import HandshakeRejected, PublishFailed
from connectors.ocpp.handshake import SUBPROTOCOLS, check_basic_auth, identity_from_path, select_subprotocol
from connectors.ocpp.metrics import OcppMetrics
from connectors.ocpp.model import StationEvent, StationKind
from connectors.ocpp.passwords import PasswordStore
from connectors.ocpp.publisher import Producer, Publisher, utc_now
from connectors.ocpp.ticks import Ticker
from connectors.ocpp.v16.handler import V16ChargePoint
from connectors.ocpp.v201.handler import V201ChargePoint
from roamstream.avro import AvroSerde
from roamstream.compacted import CompactedTopicReader
from roamstream.config import Settings
from roamstream.metrics import CONTENT_TYPE
from roamstream.ocpi.token import uid_key
from roamstream.partners.pull.objects import ObjectsView
from roamstream.partners.registry import Registry
from roamstream.partners.registry.store import TOPIC as PARTNERS_TOPIC
from roamstream.partners.tokens.authorizer import TokenAuthorizer
from roamstream.tls import server_context

log = logging.getLogger(__name__)

HANDLERS: dict[str, type[ConnectorChargePoint]] = {"ocpp2.0.1": V201ChargePoint, "ocpp1.6": V16ChargePoint}
#: the close code sent when no subprotocol matched (RFC 6455 protocol error)
CLOSE_NO_SUBPROTOCOL = 1002
CLOSE_REPLACED = 1000
#: at start, how long to wait for the tokens and the partner registry to be read
READ_WAIT_S = 10.0


class _Live:
    """One identity's current connection, and an event set once its DISCONNECTED is published."""

    __slots__ = ("finished", "ws")

    def __init__(self, ws: ServerConnection) -> None:
        self.ws = ws
        self.finished = asyncio.Event()


class OcppServer:
    def __init__(
        self,
        settings: Settings,
        producer: Producer,
        serde: AvroSerde,
        *,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        """``clock`` gives ``received_at`` (wall clock; tests pass a fixed one)."""
        self.settings = settings
        self.metrics = OcppMetrics()
        self._producer = producer
        self.publisher = Publisher(producer, serde, clock, self.metrics)
        ocpp = settings.ocpp
        self.options = ConnectionOptions(
            heartbeat_interval_s=ocpp.heartbeat_interval_s,
            response_timeout_s=ocpp.response_timeout_s,
            package_validation=ocpp.package_validation,
        )
        configured = {k: v.get_secret_value() for k, v in ocpp.passwords.items()}
        self._passwords = PasswordStore(configured, ocpp.passwords_file)
        self._subprotocols = [p for p in SUBPROTOCOLS if p in HANDLERS]
        self._server: Server | None = None
        self._live: dict[str, _Live] = {}
        # the Tokens (ocpi.tokens.v1) and partners (ocpi.partners.v1) the idTags are authorised with
        tokens, registry = ObjectsView(serde), Registry(serde)
        # tokens by uid_key: an idTag is a Token uid matched case-insensitively (a CiString, issue 12)
        self._readers = [CompactedTopicReader(settings, "ocpi.tokens.v1",
                                              lambda key, raw: tokens.apply(uid_key(key).decode(), raw)),
                         CompactedTopicReader(settings, PARTNERS_TOPIC, registry.apply_raw)]
        self._http = httpx.AsyncClient()
        us = (settings.pipeline.country_code, settings.pipeline.party_id)
        self.authorizer = TokenAuthorizer(tokens, registry, self._http, ocpp.authorize_timeout_s,
                                          ocpp.accept_unknown_tokens, us)
        self.ticker = Ticker(self.publisher, ocpp.tick_interval_s, ocpp.tick_for_h * 3600)

    # -- life cycle --

    async def start(self) -> OcppServer:
        for reader in self._readers:
            reader.start()
        await asyncio.gather(*(asyncio.to_thread(r.wait_caught_up, READ_WAIT_S) for r in self._readers))
        self._server = await serve(
            self._connection,
            self.settings.ocpp.host,
            self.settings.ocpp.port,
            subprotocols=self._subprotocols,
            select_subprotocol=self._select_subprotocol,
            process_request=self._process_request,
            compression=None,
            ssl=server_context(self.settings.ocpp),
        )
        self.ticker.start()
        return self

    async def stop(self) -> None:
        await self.ticker.stop()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        for reader in self._readers:
            reader.stop()
        await self._http.aclose()

    async def __aenter__(self) -> OcppServer:
        return await self.start()

    async def __aexit__(self, *exc: Any) -> None:
        await self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the OCPP server is not started")
        return next(iter(self._server.sockets)).getsockname()[1]

    @property
    def url(self) -> str:
        scheme = "wss" if self.settings.ocpp.uses_tls else "ws"
        return f"{scheme}://{self.settings.ocpp.host}:{self.port}/ocpp"

    @property
    def http_url(self) -> str:
        """The same port over HTTP (HTTPS with TLS): ``/metrics`` and ``/ready``."""
        scheme = "https" if self.settings.ocpp.uses_tls else "http"
        return f"{scheme}://{self.settings.ocpp.host}:{self.port}"

    # -- handshake --

    def _select_subprotocol(self, connection: ServerConnection, offered: Any) -> str | None:
        return select_subprotocol(offered, self._subprotocols)

    async def ready(self) -> bool:
        """Listening, and the broker answers the producer (the tokens and registry are read before listening)."""
        ready = self._server is not None and await asyncio.to_thread(self._producer.connected)
        self.metrics.ready.set(int(ready))
        return ready

    async def _operations(self, connection: ServerConnection, request: Request) -> Response | None:
        """``/metrics`` and ``/ready`` for a plain HTTP GET (no WebSocket upgrade); None for anything else."""
        path = request.path.split("?", 1)[0]
        if path not in ("/metrics", "/ready") or request.headers.get("Upgrade", "").lower() == "websocket":
            return None
        ready = await self.ready()
        if path == "/ready":
            return connection.respond(HTTPStatus.OK if ready else HTTPStatus.SERVICE_UNAVAILABLE,
                                      "ready\n" if ready else "not ready: the broker does not answer\n")
        response = connection.respond(HTTPStatus.OK, self.metrics.render().decode())
        del response.headers["Content-Type"]
        response.headers["Content-Type"] = CONTENT_TYPE
        return response

    async def _process_request(self, connection: ServerConnection, request: Request) -> Response | None:
        operations = await self._operations(connection, request)
        if operations is not None:
            return operations
        try:
            identity = identity_from_path(request.path)
            check_basic_auth(
                identity,
                request.headers.get("Authorization"),
                self._passwords.current(),
                self.settings.ocpp.require_auth,
            )
        except HandshakeRejected as exc:
            reason = f"handshake rejected ({exc.status}): {exc.reason}"
            try:
                await self.publisher.dead_letter(_safe_key(request.path), reason, f"GET {request.path}")
            except PublishFailed as failed:
                log.error("dead letter not stored (%s): %s", failed, reason)
            self.metrics.handshakes_rejected.labels(str(exc.status)).inc()
            response = connection.respond(HTTPStatus(exc.status), exc.reason + "\n")
            if exc.status == 401:
                response.headers["WWW-Authenticate"] = 'Basic realm="ocpp", charset="UTF-8"'
            return response
        return None

    # -- connection --

    async def _connection(self, ws: ServerConnection) -> None:
        identity = identity_from_path(ws.request.path)
        handler = HANDLERS.get(ws.subprotocol or "")
        if handler is None:
            offered = ", ".join(ws.request.headers.get_all("Sec-WebSocket-Protocol")) or "none"
            reason = f"no common OCPP subprotocol (offered: {offered}; supported: {', '.join(self._subprotocols)})"
            await self.publisher.dead_letter(identity, reason, f"GET {ws.request.path}")
            await ws.close(CLOSE_NO_SUBPROTOCOL, reason[:120])
            return
        charge_point = handler(identity, ws, self.publisher, self.options)
        charge_point.authorizer = self.authorizer
        live = _Live(ws)
        previous = self._live.get(identity)
        self._live[identity] = live
        if previous is not None:
            await previous.ws.close(CLOSE_REPLACED, "replaced by a newer connection")
            await previous.finished.wait()
        version = charge_point._ocpp_version
        self.metrics.connections.labels(version).inc()
        connected = self.metrics.connected.labels(version)
        connected.inc()
        try:
            await self._station(identity, version, StationKind.CONNECTED)
            await charge_point.start()
        except ConnectionClosed:
            pass
        finally:
            connected.dec()
            if self._live.get(identity) is live:
                del self._live[identity]
            try:
                await self._station(identity, version, StationKind.DISCONNECTED)
            except PublishFailed as exc:
                log.warning("%s: DISCONNECTED not published: %s", identity, exc)
            live.finished.set()

    async def _station(self, identity: str, version: str, kind: StationKind) -> None:
        now = self.publisher.clock()
        await self.publisher.station(StationEvent(identity, kind, now, now, ocpp_version=version))


def _safe_key(path: str) -> str:
    try:
        return identity_from_path(path)
    except HandshakeRejected:
        return path[:64]
