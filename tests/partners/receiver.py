"""A partner (eMSP) in its own process: the demo eMSP's OCPI 2.2.1 Receiver (token check, validation, CDRs
immutable, PATCH of an unknown Session answered 404/2003, charging periods appended), behind faults a test
switches on at ``POST /_control``:

- ``{"mode": "ok"}``; ``{"mode": "reject"}`` (HTTP 400, OCPI 2001);
  ``{"mode": "503"}`` (HTTP 503, OCPI 3000, optional ``retry_after``); ``{"mode": "slow",
  "delay_s": 10}``; ``{"mode": "timeout_once", "delay_s": 3}`` (the next CDR POST is stored, then answered
  late: the sender times out with the CDR at the partner); ``{"forget_sessions": true}`` (loses every
  Session: later PATCHes get 404); ``{"forget_locations": true}`` (loses every Location: later EVSE
  PATCHes get 404); ``{"redirect": true}`` (every push is answered 307 to the same path under ``/moved``,
  which serves it);
- ``GET /_state``: every CDR, Session, Tariff and Location it holds (Locations with the EVSE PATCHes applied),
  the PATCHes, and every request it answered, with arrival times.

Run: ``python tests/partners/receiver.py --token T [--port 0] [--token-a A --party CC-PID]``; prints
``listening http://...`` once up. With ``--token-a`` a CPO can register at it by the credentials handshake
(versions at ``/ocpi/emsp/versions``); ``T`` is then the token C it answers with. ``--no-locations``: it
publishes no Tariffs/Locations Receiver (a partner that pulls them or does without).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sys
import time
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from roamstream.asgi import ServedApp  # noqa: E402
from roamstream.demo.emsp import EmspStore, create_emsp_app, envelope  # noqa: E402


class Faults:
    def __init__(self, inner: ASGIApp, store: EmspStore) -> None:
        self.inner = inner
        self.store = store
        self.mode = {"mode": "ok"}
        self.redirect = False
        self.log: list[dict] = []
        self.control = FastAPI()

        @self.control.post("/_control")
        async def control(request: Request):
            change = await request.json()
            if change.pop("forget_sessions", False):
                self.store.sessions.clear()
            if change.pop("forget_locations", False):
                self.store.locations.clear()
            self.redirect = change.pop("redirect", self.redirect)
            if change:
                self.mode = change
            return {"mode": self.mode, "redirect": self.redirect}

        @self.control.get("/_state")
        async def state():
            return {"cdrs": {k: v.decode() for k, v in self.store.cdrs.items()},
                    "sessions": {k: v.decode() for k, v in self.store.sessions.items()},
                    "patches": self.store.patches, "log": self.log,
                    "tariffs": {k: v.decode() for k, v in self.store.tariffs.items()},
                    "locations": {k: v.decode() for k, v in self.store.locations.items()},
                    "evse_patches": self.store.evse_patches}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.inner(scope, receive, send)
        path = scope["path"]
        if path.startswith("/_"):
            return await self.control(scope, receive, send)
        arrived = time.time()
        entry = {"method": scope["method"], "path": path, "at": arrived, "status": None}
        self.log.append(entry)
        mode = self.mode.get("mode", "ok")
        if self.redirect and not path.startswith("/moved"):
            entry["status"] = 307
            return await JSONResponse({}, 307, headers={"Location": "/moved" + path})(scope, receive, send)
        if path.startswith("/moved"):
            scope = {**scope, "path": path.removeprefix("/moved"), "raw_path": path.removeprefix("/moved").encode()}
        if mode == "503":
            entry["status"] = 503
            headers = {"Retry-After": str(self.mode["retry_after"])} if "retry_after" in self.mode else None
            return await envelope(3000, "maintenance", http_status=503, headers=headers)(scope, receive, send)
        if mode == "reject":
            entry["status"] = 400
            return await envelope(2001, "Invalid or missing parameters: rejected for the test",
                                  http_status=400)(scope, receive, send)
        if mode == "slow":
            await asyncio.sleep(float(self.mode.get("delay_s", 10)))
        status: dict = {}
        body = bytearray()

        async def recording_receive():
            message = await receive()
            body.extend(message.get("body", b""))
            if not message.get("more_body") and scope["method"] == "POST":
                with contextlib.suppress(ValueError, AttributeError):
                    entry["id"] = json.loads(bytes(body)).get("id")
            return message

        async def recording_send(message):
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                entry["status"] = message["status"]
            await send(message)

        if mode == "timeout_once" and scope["method"] == "POST":
            delay = float(self.mode.get("delay_s", 3))
            self.mode = {"mode": "ok"}
            parts: list[dict] = []

            async def hold(message):
                parts.append(message)

            await self.inner(scope, recording_receive, hold)  # stored now; answered after the sender gave up
            await asyncio.sleep(delay)
            for message in parts:
                await recording_send(message)
            return None
        await self.inner(scope, recording_receive, recording_send)
        entry["done"] = time.time()
        return None


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--token", required=True)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--token-a")
    parser.add_argument("--party", default="NL-EMA")
    parser.add_argument("--no-locations", action="store_true", help="publish no Tariffs/Locations Receiver")
    args = parser.parse_args()
    store = EmspStore()
    country_code, party_id = args.party.split("-")
    app = Faults(create_emsp_app(args.token, store, token_a=args.token_a, country_code=country_code,
                                 party_id=party_id, locations=not args.no_locations), store)
    async with ServedApp(app, port=args.port) as served:
        print(f"listening {served.url}", flush=True)
        await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main())
