"""The credentials handshake in both directions between roamstream's API (real broker, real registry topic)
and an eMSP written to the spec (tests/partners/emsp.py), over real HTTP."""

from __future__ import annotations

import asyncio

from emsp import token_header

from roamstream.compacted import CompactedTopicReader
from roamstream.partners.registry import Registry
from roamstream.partners.registry.secrets import token_hash


async def invite(http, api, back_office, cc="NL", pid="EMA"):
    r = await http.post(f"{api.url}/admin/partners/invitations", headers=back_office,
                        json={"country_code": cc, "party_id": pid})
    assert r.status_code == 200, r.text
    return r.json()["data"]


async def partners(http, api, back_office) -> dict[str, dict]:
    r = await http.get(f"{api.url}/admin/partners", headers=back_office)
    return {p["key"]: p for p in r.json()["data"]}


async def status(http, method, url, token, **kw) -> tuple[int, int]:
    r = await http.request(method, url, headers=token_header(token), **kw)
    return r.status_code, r.json()["status_code"]


def read_topic(settings) -> tuple[Registry, list[bytes]]:
    """The registry as a fresh reader of ``ocpi.partners.v1`` sees it, and every raw value it read."""
    registry, raw = Registry(), []

    def keep(key, value):
        raw.append(value or b"")
        registry.apply_raw(key, value)

    reader = CompactedTopicReader(settings, "ocpi.partners.v1", keep).start()
    assert reader.wait_caught_up(15)
    reader.stop()
    return registry, raw


async def test_versions_and_details(http, api, back_office):
    r = await http.get(f"{api.url}/ocpi/versions", headers=back_office)
    assert r.json()["data"] == [{"version": "2.2.1", "url": f"{api.url}/ocpi/2.2.1"}]
    details = (await http.get(f"{api.url}/ocpi/2.2.1", headers=back_office)).json()["data"]
    modules = {(e["identifier"], e["role"]) for e in details["endpoints"]}
    assert modules == {("credentials", "SENDER"), ("credentials", "RECEIVER"), ("locations", "SENDER"),
                       ("sessions", "SENDER"), ("cdrs", "SENDER"), ("tariffs", "SENDER"), ("tokens", "RECEIVER")}
    assert all(e["url"].startswith(f"{api.url}/ocpi/2.2.1/") for e in details["endpoints"])
    assert (await http.get(f"{api.url}/ocpi/versions")).status_code == 401
    assert (await http.get(f"{api.url}/ocpi/versions", headers=token_header("nobody"))).status_code == 401


async def test_an_emsp_registers_at_us_rotates_its_token_and_unregisters(http, api, back_office, emsp, topics):
    invitation = await invite(http, api, back_office)
    token_a = invitation["token"]
    assert (await partners(http, api, back_office))["NL-EMA"]["state"] == "INVITED"

    r = await emsp.register_at_cpo(http, invitation["versions_url"], token_a)
    assert r.status_code == 200 and r.json()["status_code"] == 1000, r.text
    ours = r.json()["data"]
    assert ours["roles"][0]["role"] == "CPO" and ours["url"] == invitation["versions_url"]
    token_c = emsp.cpo_token
    assert token_c and token_c != token_a
    registered = (await partners(http, api, back_office))["NL-EMA"]
    assert registered["state"] == "REGISTERED"
    cdrs = {"identifier": "cdrs", "role": "RECEIVER", "url": f"{emsp.base_url}/emsp/2.2.1/cdrs"}
    assert cdrs in registered["endpoints"]
    # the CPO read our endpoints with the token B we sent it
    token_b = next(t for t, k in emsp.accepted.items() if k == "C")
    assert any(h.get("authorization") == token_header(token_b)["Authorization"] for h in emsp.seen)

    credentials_url = f"{api.url}/ocpi/2.2.1/credentials"
    assert await status(http, "GET", f"{api.url}/ocpi/versions", token_a) == (401, 2000)  # A is spent
    r = await http.get(credentials_url, headers=token_header(token_c))
    assert r.json()["data"]["token"] == token_c
    assert (r.headers["OCPI-to-country-code"], r.headers["OCPI-to-party-id"]) == ("NL", "EMA")
    assert (r.headers["OCPI-from-country-code"], r.headers["OCPI-from-party-id"]) == ("NL", "RST")
    assert await status(http, "POST", credentials_url, token_c, json=emsp.credentials("x")) == (405, 2000)

    # the registry topic has the partner, and no token we accept in clear
    registry, raw = await asyncio.to_thread(read_topic, topics)
    assert registry.get("NL-EMA").accepted_token_sha256 == token_hash(token_c)
    assert not any(token_c.encode() in value or token_a.encode() in value for value in raw)

    # rotation: PUT with a new token B, a new token C back; the old C is refused
    emsp.accepted["new-token-b"] = "C"
    r = await http.put(credentials_url, headers=token_header(token_c), json=emsp.credentials("new-token-b"))
    assert r.json()["status_code"] == 1000, r.text
    token_c2 = r.json()["data"]["token"]
    assert token_c2 != token_c
    assert await status(http, "GET", credentials_url, token_c) == (401, 2000)
    assert await status(http, "GET", credentials_url, token_c2) == (200, 1000)
    registry, _ = await asyncio.to_thread(read_topic, topics)
    assert registry.get("NL-EMA").token == "new-token-b"

    # unregistration: the token is refused from then on, and a second DELETE has nobody to unregister
    assert await status(http, "DELETE", credentials_url, token_c2) == (200, 1000)
    assert await status(http, "GET", credentials_url, token_c2) == (401, 2000)
    assert (await partners(http, api, back_office))["NL-EMA"]["state"] == "UNREGISTERED"


async def test_we_register_at_an_emsp_and_unregister(http, api, back_office, emsp):
    token_a = emsp.issue_token_a()
    r = await http.post(f"{api.url}/admin/partners/registrations", headers=back_office,
                        json={"versions_url": f"{emsp.base_url}/emsp/versions", "token": token_a})
    assert r.status_code == 200 and r.json()["status_code"] == 1000, r.text
    record = r.json()["data"]
    assert (record["key"], record["state"]) == ("NL-EMA", "REGISTERED")
    assert ("cdrs", "RECEIVER") in {(e["identifier"], e["role"]) for e in record["endpoints"]}
    # the eMSP read our endpoints with our token B during the POST, and calls us with it now
    token_b = emsp.cpo_token
    assert emsp.cpo_endpoints[("cdrs", "SENDER")] == f"{api.url}/ocpi/2.2.1/cdrs"
    assert token_a not in emsp.accepted
    assert await status(http, "GET", f"{api.url}/ocpi/2.2.1/credentials", token_b) == (200, 1000)
    assert list(await partners(http, api, back_office)) == ["NL-EMA"]  # the pending entry is gone

    r = await http.delete(f"{api.url}/admin/partners/NL-EMA", headers=back_office)
    assert r.json()["data"]["state"] == "UNREGISTERED"
    assert emsp.cpo_token is None  # our DELETE reached the eMSP
    assert await status(http, "GET", f"{api.url}/ocpi/2.2.1/credentials", token_b) == (401, 2000)


async def test_registering_at_a_partner_that_cannot_be_read_stores_nothing(http, api, back_office, emsp):
    async def register(url, token):
        r = await http.post(f"{api.url}/admin/partners/registrations", headers=back_office,
                            json={"versions_url": url, "token": token})
        return r.status_code, r.json()["status_code"]

    assert await register("http://127.0.0.1:9/versions", "x") == (400, 3001)  # nothing listens there
    assert await register(f"{emsp.base_url}/emsp/versions", "wrong-token") == (400, 3001)
    emsp.versions_offered = ("2.1.1",)
    assert await register(f"{emsp.base_url}/emsp/versions", emsp.issue_token_a()) == (400, 3002)
    emsp.versions_offered, emsp.publish_credentials = ("2.2.1",), False
    assert await register(f"{emsp.base_url}/emsp/versions", emsp.issue_token_a()) == (400, 3003)
    assert await partners(http, api, back_office) == {}


async def test_bad_registrations_at_us_are_refused_and_store_nothing(http, api, back_office, emsp):
    invitation = await invite(http, api, back_office)
    url = f"{api.url}/ocpi/2.2.1/credentials"
    token_a = invitation["token"]
    assert await status(http, "POST", url, "not-a-token", json=emsp.credentials("b")) == (401, 2000)
    assert await status(http, "POST", url, token_a, content=b'{"token": "b"}') == (400, 2001)
    unreachable = {**emsp.credentials("b"), "url": "http://127.0.0.1:9/versions"}
    assert await status(http, "POST", url, token_a, json=unreachable) == (400, 3001)
    other = emsp.credentials("b")
    other["roles"][0]["party_id"] = "XYZ"
    assert await status(http, "POST", url, token_a, json=other) == (400, 2001)
    emsp.publish_credentials = False
    emsp.accepted["b"] = "C"
    assert await status(http, "POST", url, token_a, json=emsp.credentials("b")) == (400, 3003)
    assert await status(http, "PUT", url, token_a, json=emsp.credentials("b")) == (405, 2000)
    assert await status(http, "DELETE", url, token_a) == (405, 2000)
    assert (await partners(http, api, back_office))["NL-EMA"]["state"] == "INVITED"
    # the invitation still works once the eMSP is fixed
    emsp.publish_credentials = True
    assert await status(http, "POST", url, token_a, json=emsp.credentials("b")) == (200, 1000)
