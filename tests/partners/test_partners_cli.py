"""``roamstream partners`` as a user runs it, against a running API."""

from __future__ import annotations

import asyncio
import json
import sys


async def cli(*args: str) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "roamstream", "partners", *args,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await proc.communicate()
    return proc.returncode, out.decode(), err.decode()


async def test_invite_list_and_a_refused_registration(api, emsp, http):
    common = ("--api-url", api.url, "--api-token", "dev-token")
    code, out, err = await cli("invite", "--country-code", "NL", "--party-id", "EMA", "--json", *common)
    assert code == 0, err
    invitation = json.loads(out)
    assert invitation["versions_url"] == f"{api.url}/ocpi/versions"
    r = await emsp.register_at_cpo(http, invitation["versions_url"], invitation["token"])
    assert r.json()["status_code"] == 1000

    code, out, err = await cli("list", "--json", *common)
    assert code == 0, err
    [partner] = json.loads(out)
    assert (partner["key"], partner["state"]) == ("NL-EMA", "REGISTERED")
    assert not [field for field in partner if "token" in field]  # no token leaves the registry

    code, out, err = await cli("register", "--versions-url", "http://127.0.0.1:9/versions", "--token", "t", *common)
    assert code == 1 and "OCPI status 3001" in err
    code, out, err = await cli("list", *common, "--api-token", "wrong")
    assert code == 1 and "401" in err
