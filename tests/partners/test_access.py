"""Per-party access: a partner writes only its own Tokens, never our Tariffs, Locations, statements or
transactions; token A of an invitation opens versions and credentials only."""

from __future__ import annotations

from emsp import token_header

TOKEN = {"country_code": "NL", "party_id": "EMA", "uid": "RFID-1", "type": "RFID", "contract_id": "NL-EMA-C1",
         "issuer": "EMA", "valid": True, "whitelist": "ALWAYS", "last_updated": "2026-11-01T00:00:00Z"}


async def test_a_partner_writes_only_its_own_tokens(http, api, emsp, other_emsp, register, back_office):
    ema, emx = await register(emsp), await register(other_emsp)
    base = f"{api.url}/ocpi/2.2.1"
    r = await http.put(f"{base}/tokens/NL/EMA/RFID-1", headers=token_header(ema), json=TOKEN)
    assert r.json()["status_code"] == 1000, r.text
    assert (r.headers["OCPI-to-country-code"], r.headers["OCPI-to-party-id"]) == ("NL", "EMA")
    r = await http.put(f"{base}/tokens/NL/EMA/RFID-1", headers=token_header(emx), json=TOKEN)
    assert (r.status_code, r.json()["status_code"]) == (403, 2000)
    r = await http.put(f"{base}/tariffs/NL/RST/T1", headers=token_header(ema), json={})
    assert (r.status_code, r.json()["status_code"]) == (403, 2000)
    r = await http.post(f"{base}/transactions/batch", headers=token_header(ema), json=[])
    assert r.status_code == 403
    r = await http.get(f"{api.url}/admin/partners", headers=token_header(ema))
    assert r.status_code == 403
    r = await http.put(f"{base}/tokens/NL/EMA/RFID-1", headers=back_office, json=TOKEN)
    assert r.json()["status_code"] == 1000


async def test_a_partners_routing_headers_must_name_us_and_it(http, api, emsp, register):
    ema = await register(emsp)
    url = f"{api.url}/ocpi/2.2.1/tokens/NL/EMA/RFID-1"
    routed = {"OCPI-from-country-code": "NL", "OCPI-from-party-id": "EMA", "OCPI-to-country-code": "NL",
              "OCPI-to-party-id": "RST"}
    r = await http.put(url, headers={**token_header(ema), **routed}, json=TOKEN)
    assert r.json()["status_code"] == 1000, r.text
    for wrong in ({"OCPI-to-party-id": "XYZ"}, {"OCPI-from-country-code": "DE"}):
        r = await http.put(url, headers={**token_header(ema), **routed, **wrong}, json=TOKEN)
        assert (r.status_code, r.json()["status_code"]) == (400, 2001), wrong
    r = await http.get(f"{api.url}/ocpi/2.2.1/cdrs", headers={**token_header(ema), "OCPI-to-party-id": "XYZ",
                                                              "OCPI-to-country-code": "NL"})
    assert (r.status_code, r.json()["status_code"]) == (400, 2001)


async def test_token_a_opens_versions_and_credentials_only(http, api, back_office):
    r = await http.post(f"{api.url}/admin/partners/invitations", headers=back_office,
                        json={"country_code": "NL", "party_id": "EMA"})
    token_a = r.json()["data"]["token"]
    assert (await http.get(f"{api.url}/ocpi/versions", headers=token_header(token_a))).status_code == 200
    assert (await http.get(f"{api.url}/ocpi/2.2.1", headers=token_header(token_a))).status_code == 200
    for path in ("cdrs", "tariffs", "sessions"):
        r = await http.get(f"{api.url}/ocpi/2.2.1/{path}", headers=token_header(token_a))
        assert (r.status_code, r.json()["status_code"]) == (401, 2000), path
    r = await http.put(f"{api.url}/ocpi/2.2.1/tokens/NL/EMA/RFID-1", headers=token_header(token_a), json=TOKEN)
    assert r.status_code == 401
