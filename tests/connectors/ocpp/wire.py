"""A bare OCPP-J peer for bad-input tests: sends exactly the text it is given, returns the parsed reply."""

from __future__ import annotations

import json
from contextlib import asynccontextmanager

import websockets

SUBPROTOCOL = {"1.6": "ocpp1.6", "2.0.1": "ocpp2.0.1"}


@asynccontextmanager
async def bare(url: str, cp: str, version: str = "1.6", **kwargs):
    async with websockets.connect(f"{url}/{cp}", subprotocols=[SUBPROTOCOL[version]], **kwargs) as ws:
        yield ws


async def exchange(ws, frame: str | bytes | list) -> list:
    await ws.send(json.dumps(frame) if isinstance(frame, list) else frame)
    return json.loads(await ws.recv())
