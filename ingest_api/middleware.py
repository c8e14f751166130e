"""Pure ASGI middleware: OCPI ``X-Request-ID``/``X-Correlation-ID`` on every response, request counting,
and a last-resort OCPI envelope for an error no handler took (so even a 500 carries the headers)."""

from __future__ import annotations

import logging
import uuid

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ingest_api.envelope import error_response
from ingest_api.metrics import Metrics

log = logging.getLogger(__name__)

REQUEST_ID = "X-Request-ID"
CORRELATION_ID = "X-Correlation-ID"


def endpoint_label(scope: Scope) -> str:
    """The name of the endpoint that served the request (``put_tariff``), or ``unmatched``."""
    return getattr(scope.get("route"), "name", None) or "unmatched"


def routing_headers(us: tuple[str, str], caller: object) -> dict[str, str]:
    """OCPI-from-* (us) and OCPI-to-* (the partner that called) of a response to a partner; none for the
    back office, which is not an OCPI party (transport_and_format, Message Routing)."""
    partner = getattr(caller, "partner", None)
    if partner is None or not partner.country_code:
        return {}
    return {
        "OCPI-from-country-code": us[0], "OCPI-from-party-id": us[1],
        "OCPI-to-country-code": partner.country_code, "OCPI-to-party-id": partner.party_id,
    }


class OcpiHeadersMiddleware:
    def __init__(self, app: ASGIApp, metrics: Metrics, us: tuple[str, str] = ("NL", "RST")) -> None:
        self.app = app
        self.metrics = metrics
        self.us = us

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = Headers(scope=scope)
        ids = {
            REQUEST_ID: incoming.get(REQUEST_ID) or str(uuid.uuid4()),
            CORRELATION_ID: incoming.get(CORRELATION_ID) or str(uuid.uuid4()),
        }
        scope.setdefault("state", {}).update(request_id=ids[REQUEST_ID], correlation_id=ids[CORRELATION_ID])
        status: int | None = None

        async def send_with_ids(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = MutableHeaders(scope=message)
                for name, value in ids.items():
                    headers[name] = value
                for name, value in routing_headers(self.us, scope["state"].get("caller")).items():
                    headers[name] = value
            await send(message)

        try:
            await self.app(scope, receive, send_with_ids)
        except Exception:
            log.exception(
                "unhandled error in %s %s (X-Request-ID %s)", scope["method"], scope["path"], ids[REQUEST_ID]
            )
            if status is not None:
                raise
            await error_response(500, 3000, "internal error")(scope, receive, send_with_ids)
        finally:
            self.metrics.requests.labels(scope["method"], endpoint_label(scope), status or 500).inc()
