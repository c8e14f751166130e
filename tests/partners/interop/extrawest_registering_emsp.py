"""An eMSP built on extrawest-ocpi (PyPI, MIT; imported as ``py_ocpi``), run in its own venv (it needs
pydantic 1): ``python extrawest_registering_emsp.py PORT TOKEN_A``. Its credentials, versions, CDRs and Tokens modules
are the package's own routers; only storage (``Crud``) and the token lists (``Authenticator``) are ours,
in memory. ``GET /state`` shows what it stored (the credentials roamstream gave it, the CDRs it received).
Prints ``READY`` once it serves."""

from __future__ import annotations

import os
import sys

PORT, TOKEN_A = int(sys.argv[1]), sys.argv[2]
os.environ.update({"OCPI_HOST": f"127.0.0.1:{PORT}", "PROTOCOL": "http", "COUNTRY_CODE": "DE",
                   "PARTY_ID": "XWE", "ENVIRONMENT": "production"})

import secrets  # noqa: E402

import uvicorn  # noqa: E402
from py_ocpi import get_application  # noqa: E402
from py_ocpi.core.authentication.authenticator import Authenticator  # noqa: E402
from py_ocpi.core.crud import Crud  # noqa: E402
from py_ocpi.core.enums import ModuleID, RoleEnum  # noqa: E402
from py_ocpi.modules.versions.enums import VersionNumber  # noqa: E402

STATE: dict = {"token_a": [TOKEN_A], "token_c": [], "credentials": None, "endpoints": None, "cdrs": {}}


class MemoryAuthenticator(Authenticator):
    @classmethod
    async def get_valid_token_c(cls):
        return STATE["token_c"]

    @classmethod
    async def get_valid_token_a(cls):
        return STATE["token_a"]


class MemoryCrud(Crud):
    @classmethod
    async def get(cls, module, role, id, *args, **kwargs):
        if module == ModuleID.credentials_and_registration:
            return STATE["credentials"]
        if module == ModuleID.cdrs:
            return STATE["cdrs"].get(id)
        return None

    @classmethod
    async def list(cls, module, role, filters, *args, **kwargs):
        return [], 0, True

    @classmethod
    async def create(cls, module, role, data, *args, **kwargs):
        if module == ModuleID.credentials_and_registration:
            STATE["credentials"], STATE["endpoints"] = data["credentials"], data["endpoints"]
            STATE["token_a"] = []  # token A is spent
            token_c = secrets.token_urlsafe(16)
            STATE["token_c"].append(token_c)
            return {"token": token_c, "url": f"http://127.0.0.1:{PORT}/ocpi/versions",
                    "roles": [{"role": "EMSP", "party_id": "XWE", "country_code": "DE",
                               "business_details": {"name": "extrawest-ocpi eMSP"}}]}
        if module == ModuleID.cdrs:
            STATE["cdrs"][data["id"]] = data
            return data
        return data

    @classmethod
    async def update(cls, module, role, data, id, *args, **kwargs):
        return await cls.create(module, role, data)

    @classmethod
    async def delete(cls, module, role, id, *args, **kwargs):
        if module == ModuleID.credentials_and_registration:
            STATE["credentials"] = None
            STATE["token_c"].clear()

    @classmethod
    async def do(cls, module, role, action, *args, data=None, **kwargs):
        return None


app = get_application(
    version_numbers=[VersionNumber.v_2_2_1],
    roles=[RoleEnum.emsp],
    crud=MemoryCrud,
    modules=[ModuleID.credentials_and_registration, ModuleID.cdrs, ModuleID.tokens],
    authenticator=MemoryAuthenticator,
)


@app.get("/state")
async def state():
    return {"credentials": STATE["credentials"], "cdrs": sorted(STATE["cdrs"]), "token_c": STATE["token_c"]}


class Server(uvicorn.Server):
    async def startup(self, sockets=None):
        await super().startup(sockets)
        print("READY", flush=True)


Server(uvicorn.Config(app, host="127.0.0.1", port=PORT, log_level="warning")).run()
