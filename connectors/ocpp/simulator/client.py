"""The simulated station's side of the wire: an ``ocpp`` ChargePoint used as a client over websockets."""

from __future__ import annotations

import asyncio
import base64
import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from ssl import SSLContext
from typing import Any
from urllib.parse import quote

import websockets
from ocpp.v16 import ChargePoint as V16
from ocpp.v201 import ChargePoint as V201

CLIENTS = {"1.6": (V16, "ocpp1.6"), "2.0.1": (V201, "ocpp2.0.1")}


class Station:
    """Calls that raise on a CALLERROR, with message ids ``<id>-<n>`` so that every run is the same."""

    def __init__(self, client: Any, validate: bool) -> None:
        self.client = client
        self.validate = validate
        counter = itertools.count(1)
        client._unique_id_generator = lambda: f"{client.id}-{next(counter)}"

    async def call(self, payload: Any) -> Any:
        return await self.client.call(payload, suppress=False, skip_schema_validation=not self.validate)


@asynccontextmanager
async def connect(
    url: str, charge_point_id: str, version: str, *, password: str | None = None, validate: bool = True,
    ssl: SSLContext | None = None,
) -> AsyncIterator[Station]:
    """A station connected to ``url`` (``ws://`` or ``wss://``; ``ssl``: the context that verifies the server,
    else the system's CAs), with HTTP Basic when ``password`` is given."""
    cls, subprotocol = CLIENTS[version]
    headers = {}
    if password is not None:
        token = base64.b64encode(f"{charge_point_id}:{password}".encode()).decode()
        headers["Authorization"] = f"Basic {token}"
    endpoint = url.rstrip("/") + "/" + quote(charge_point_id, safe="")
    tls = {"ssl": ssl} if ssl is not None else {}
    async with websockets.connect(
        endpoint, subprotocols=[subprotocol], additional_headers=headers, open_timeout=30, compression=None, **tls
    ) as ws:
        client = cls(charge_point_id, ws, response_timeout=60)
        reader = asyncio.create_task(client.start())
        try:
            yield Station(client, validate)
        finally:
            reader.cancel()
            await asyncio.gather(reader, return_exceptions=True)
