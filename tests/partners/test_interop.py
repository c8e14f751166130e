"""The push path against an independent OCPI implementation as the receiving eMSP: extrawest-ocpi
(``py_ocpi``, FastAPI + pydantic 1, in its own venv). Its known deviations from OCPI 2.2.1, and what delivery
does with them (README, "Delivery to partners"):

- ``POST .../cdrs`` is routed at ``.../cdrs/``: the POST is answered 307 to the slash URL (followed);
- a PATCH of a Session it does not have is answered HTTP 404 with ``{"detail": ...}``, not an OCPI envelope
  (the lane PUTs the Session whole: the rule keys on HTTP 404);
- a PATCH replaces ``charging_periods`` instead of appending them;
- a CDR id it has already is kept and answered 1000 again (the spec leaves that to the receiver);
- ids are case-insensitive strings (CiString) that it stores lower-cased.
"""

from __future__ import annotations

from objects import PARTNER_A, life
from partner_processes import extrawest_emsp
from test_delivery import publish, until

from pipelines.worker import Worker


async def test_sessions_and_cdrs_reach_an_independent_ocpi_emsp(with_partners, topics):
    ids = {f"X-{n}" for n in range(4)}
    held = {i.lower() for i in ids}  # CiString
    records = [r for n in range(4) for r in life(f"X-{n}", PARTNER_A, f"CP-{n}")]
    async with extrawest_emsp("tok-x") as emsp:
        settings = with_partners([emsp.partner(PARTNER_A)])

        async def all_there() -> bool:
            state = await emsp.state()
            return held <= set(state["cdrs"]) and all(
                state["sessions"].get(i, {}).get("status") == "COMPLETED" for i in held)

        async with Worker(settings):
            await publish(settings, records)
            await until(all_there, "every Session COMPLETED and every CDR at the extrawest eMSP")
        state = await emsp.state()
    for sid in held:
        session, cdr = state["sessions"][sid], state["cdrs"][sid]
        assert (session["kwh"], session["end_date_time"][:19]) == (10.0, "2026-11-02T09:45:00")
        assert (cdr["total_cost"]["excl_vat"], cdr["total_energy"]) == (4.25, 10.0)
    ops = [(e["op"], e["module"]) for e in state["log"]]
    assert ops.count(("create", "cdrs")) == len(ids)
    assert ops.count(("create", "sessions")) == len(ids)  # one PUT each, then PATCHes (updates)
    assert ops.count(("update", "sessions")) >= len(ids)
