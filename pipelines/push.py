"""Push: every CDR is POSTed to the eMSP that owns its token, once (a ledger remembers acknowledged CDRs).
A Session is PUT whole the first time, then PATCHed with what changes (kwh, status, end, last_updated), as
mod_sessions says. Each attempt is recorded on ``push.results.v1``."""

from __future__ import annotations

import json
from decimal import Decimal

import faust

from pipelines.deadletter import DeadLetters
from pipelines.tables import Tables
from pipelines.topics import Topics
from roamstream.avro import AvroSerde
from roamstream.config import Partner
from roamstream.ocpi import jsonio
from roamstream.push.sender import Attempt, OcpiSender

STAGE = "push"
ACKNOWLEDGED = b"1000"
#: the Session fields that change while a session runs; a PATCH carries those present
PATCHED_FIELDS = ("kwh", "status", "end_date_time", "total_cost", "last_updated")


def session_patch(ocpi_json: str) -> bytes:
    """The PATCH body of a Session snapshot: its changing fields, numbers kept exact."""
    session = json.loads(ocpi_json, parse_float=Decimal)
    return jsonio.dumps({k: session[k] for k in PATCHED_FIELDS if k in session}).encode()


def register(app: faust.App, topics: Topics, tables: Tables, serde: AvroSerde, dead: DeadLetters,
             sender: OcpiSender, partners: dict[str, Partner]) -> None:
    async def record(attempts: list[Attempt], event_time) -> None:
        for attempt in attempts:
            await topics.push_results.send(
                key=attempt.partner.encode(), value=serde.encode("push.results.v1", attempt.record(event_time))
            )

    async def push_cdrs(stream: faust.StreamT) -> None:
        async for event, cdr in dead.decoded(stream, "ocpi.cdrs.v1", STAGE):
            partner = partners.get(cdr["partner"])
            if partner is None:
                await dead.send(STAGE, f"no partner configured for {cdr['partner']} (CDR {cdr['id']})", event,
                                event_time=cdr["last_updated"])
                continue
            ledger_key = f"{partner.key}|{cdr['id']}".encode()
            if tables.push_ledger.get(ledger_key) == ACKNOWLEDGED:
                continue
            attempts = await sender.post_cdr(partner, cdr["id"], cdr["ocpi_json"].encode())
            await record(attempts, cdr["last_updated"])
            if attempts[-1].ok:
                tables.push_ledger[ledger_key] = ACKNOWLEDGED
            else:
                await dead.send(STAGE, f"CDR {cdr['id']} not accepted by {partner.key}: {attempts[-1].error}",
                                event, event_time=cdr["last_updated"])

    async def push_sessions(stream: faust.StreamT) -> None:
        async for event, session in dead.decoded(stream, "ocpi.sessions.v1", STAGE):
            partner = partners.get(session["partner"] or "")
            if partner is None or partner.sessions_url is None:
                continue  # sessions are pushed to partners that asked for them; the lake has them all
            ledger_key = f"{partner.key}|session|{session['id']}".encode()
            if tables.push_ledger.get(ledger_key) == ACKNOWLEDGED:
                attempts = await sender.patch_session(partner, session["id"], session_patch(session["ocpi_json"]))
            else:
                attempts = await sender.put_session(partner, session["id"], session["ocpi_json"].encode())
            await record(attempts, session["last_updated"])
            if attempts[-1].ok:
                tables.push_ledger[ledger_key] = ACKNOWLEDGED
            else:
                await dead.send(STAGE, f"Session {session['id']} not accepted by {partner.key}: {attempts[-1].error}",
                                event, event_time=session["last_updated"])

    app.agent(topics.cdrs, name="push-cdrs")(push_cdrs)
    app.agent(topics.sessions, name="push-sessions")(push_sessions)
