"""The partner registry feeds the delivery lanes. A running worker with no ``PARTNERS_EMSPS``; an eMSP in its own
process that a running API registers at by the credentials handshake: the worker picks it up without a
restart and pushes its Sessions and CDRs through its lane, at the endpoints it published, with the token C it
gave us (the eMSP answers 401 to any other). Unregistered, it gets nothing more (its CDRs are dead-lettered);
registered again at another address with another token, the next ones go there."""

from __future__ import annotations

from objects import PARTNER_A, life
from test_delivery import assert_in_order, delivered, lake_rows, publish, until

from pipelines.worker import Worker
from roamstream.partners.registry import PartnerState


def registry_shows(worker: Worker, state: PartnerState, url: str | None = None):
    """The worker's own copy of the registry has read the change (what its lanes will see next)."""
    async def check() -> bool:
        record = worker.registry.get("NL-EMA")
        return (record is not None and record.state == state
                and (url is None or (record.endpoint("cdrs", "RECEIVER") or "").startswith(url)))
    return check


def dead_lettered(settings, session_id: str):
    async def check() -> bool:
        return bool(lake_rows(settings, "select 1 from deadletter where stage = 'push' "
                                        f"and reason like '%CDR {session_id})%'"))
    return check


async def register(http, api, back_office, emsp) -> None:
    r = await http.post(f"{api.url}/admin/partners/registrations", headers=back_office,
                        json={"versions_url": f"{emsp.url}/ocpi/emsp/versions", "token": "token-a"})
    assert r.json()["status_code"] == 1000, r.text
    assert (r.json()["data"]["key"], r.json()["data"]["state"]) == ("NL-EMA", "REGISTERED")


async def test_a_partner_registered_by_the_handshake_gets_its_pushes_through_its_lane_without_a_restart(
        with_partners, api, http, back_office, receivers):
    settings = with_partners([])
    party = ("--token-a", "token-a", "--party", "NL-EMA")
    async with receivers("token-c-1", *party) as first, receivers("token-c-2", *party) as second:
        async with Worker(settings) as worker:
            await register(http, api, back_office, first)
            await until(registry_shows(worker, PartnerState.REGISTERED, first.url), "the worker reads the partner")
            await publish(settings, life("S-REG", PARTNER_A, "CP-1"))
            await until(delivered(first, {"S-REG"}), "the Session COMPLETED and the CDR at the registered eMSP")

            r = await http.delete(f"{api.url}/admin/partners/NL-EMA", headers=back_office)
            assert r.json()["data"]["state"] == "UNREGISTERED", r.text
            await until(registry_shows(worker, PartnerState.UNREGISTERED), "the worker reads the unregistration")
            await publish(settings, life("S-GONE", PARTNER_A, "CP-2"))
            await until(dead_lettered(settings, "S-GONE"), "the CDR for the unregistered partner dead-lettered")

            await register(http, api, back_office, second)  # the same party at a new address, with a new token
            await until(registry_shows(worker, PartnerState.REGISTERED, second.url), "the worker reads the change")
            await publish(settings, life("S-BACK", PARTNER_A, "CP-3"))
            await until(delivered(second, {"S-BACK"}), "the Session and CDR at the partner's new endpoints")
        at_first, at_second = await first.state(), await second.state()
    assert_in_order(at_first, {"S-REG"})
    assert_in_order(at_second, {"S-BACK"})
    assert set(at_first["cdrs"]) == {"S-REG"} and set(at_first["sessions"]) == {"S-REG"}
    assert set(at_second["cdrs"]) == {"S-BACK"} and set(at_second["sessions"]) == {"S-BACK"}
    # every push was answered: none was refused for its token (the eMSPs accept only the token C they gave)
    assert all(e["status"] != 401 for e in at_first["log"] + at_second["log"])
