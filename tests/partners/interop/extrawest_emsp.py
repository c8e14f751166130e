"""An eMSP built with an independent OCPI implementation, extrawest-ocpi (``py_ocpi``), run by .venv-interop's
Python: its own FastAPI app (routes, models, validation, envelopes) for the Sessions and CDRs Receiver
interfaces of OCPI 2.2.1, with an in-memory store behind its ``Crud`` interface. ``GET /_state`` shows what
it holds (for the test). Prints ``listening http://...`` once up.

    .venv-interop/bin/python tests/partners/interop/extrawest_emsp.py --token T
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import json
import socket

import uvicorn
from py_ocpi import get_application
from py_ocpi.core.authentication.authenticator import Authenticator
from py_ocpi.core.crud import Crud
from py_ocpi.core.enums import ModuleID, RoleEnum
from py_ocpi.modules.versions.enums import VersionNumber

STORE: dict[str, dict] = {"sessions": {}, "cdrs": {}}
LOG: list[dict] = []
TOKENS: list[str] = []


class Store(Crud):
    @classmethod
    async def get(cls, module, role, id, *args, **kwargs):
        return copy.deepcopy(STORE.get(module.value, {}).get(id))

    @classmethod
    async def list(cls, module, role, filters, *args, **kwargs):
        items = list(STORE.get(module.value, {}).values())
        return items, len(items), True

    @classmethod
    async def create(cls, module, role, data, *args, **kwargs):
        kept = STORE[module.value].setdefault(data["id"], json.loads(json.dumps(data, default=str)))
        LOG.append({"op": "create", "module": module.value, "id": data["id"]})
        return kept

    @classmethod
    async def update(cls, module, role, data, id, *args, **kwargs):
        STORE[module.value][id] = json.loads(json.dumps(data, default=str))
        LOG.append({"op": "update", "module": module.value, "id": id})
        return STORE[module.value][id]

    @classmethod
    async def delete(cls, module, role, id, *args, **kwargs):
        STORE[module.value].pop(id, None)

    @classmethod
    async def do(cls, module, role, action, *args, data=None, **kwargs):
        return None


class Tokens(Authenticator):
    @classmethod
    async def get_valid_token_c(cls):
        return TOKENS

    @classmethod
    async def get_valid_token_a(cls):
        return TOKENS


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--token", required=True)
    args = parser.parse_args()
    TOKENS.append(args.token)
    app = get_application(version_numbers=[VersionNumber.v_2_2_1], roles=[RoleEnum.emsp],
                          modules=[ModuleID.sessions, ModuleID.cdrs], authenticator=Tokens, crud=Store)

    @app.get("/_state")
    async def state():
        return {"sessions": STORE["sessions"], "cdrs": STORE["cdrs"], "log": LOG}

    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    print(f"listening http://127.0.0.1:{sock.getsockname()[1]}", flush=True)
    asyncio.run(server.serve(sockets=[sock]))


if __name__ == "__main__":
    main()
