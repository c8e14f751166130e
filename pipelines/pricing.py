"""Pricing: a completed session + token, location and tariff (global tables) -> priced CDRs on ocpi.cdrs.v1.

- **Issued CDRs.** ``issued_cdrs`` (key ``<cp>|<tx>``) holds the last CDR issued for each session. A session
  priced again (``roamstream reprice``, or the same completed session arriving again) that gives the same
  CDR content sends nothing; a different one sends a Credit CDR of the issued CDR and a new CDR with the
  next revision id (``roamstream.cdrs.corrections``). CDRs already sent are never changed.
- **Missing reference data.** A session whose token, EVSE or tariff is not known is parked in ``pending``
  and the partition goes on. A timer looks at the parked sessions; when one can be priced, or has waited
  ``reference_wait_s`` (wall clock: it decides only *when* we give up, never what a CDR holds), it sends the
  parked record again to ``sessions.completed.v1`` with the ``roamstream-retry`` header, so that it is
  priced (or dead-lettered with the reason) in its own partition, where the tables may be written.
- Domain errors (an invalid tariff, a session the engine refuses) go to the dead-letter topic at once;
  nothing is dropped silently.
"""

from __future__ import annotations

import time
from decimal import Decimal
from functools import partial

import faust

from pipelines.deadletter import DeadLetters
from pipelines.metrics import WorkerMetrics
from pipelines.parked import RETRY_EVERY_S, Parked, RetrySchedule
from pipelines.tables import Tables
from pipelines.topics import Topics
from roamstream import completed as completed_records
from roamstream.avro import AvroSerde
from roamstream.cdrs.assemble import BuiltCdr, build_cdr, creation_time
from roamstream.cdrs.corrections import IssuedCdr, reconcile
from roamstream.cdrs.exceptions import MissingReference
from roamstream.cdrs.references import ParsedReferences, References, look_up
from roamstream.config import PipelineSettings
from roamstream.exceptions import RoamstreamError
from roamstream.ocpi.numbers import quantize4

STAGE = "pricing"
RETRY_HEADER = "roamstream-retry"


def session_key(completed: dict) -> bytes:
    return f"{completed['charge_point_id']}|{completed['transaction_id']}".encode()


def look_up_in(completed: dict, tables: Tables, parsed: ParsedReferences | None = None) -> References:
    return look_up(completed, tables.tokens, tables.evse_index, tables.locations, tables.tariffs, parsed)


def price_session(completed: dict, tables: Tables, p: PipelineSettings, parsed: ParsedReferences | None = None
                  ) -> tuple[BuiltCdr, References]:
    """The CDR of ``completed`` and the reference data it used; ``MissingReference`` if some is unknown.
    ``parsed`` keeps the validated reference objects, their compiled tariffs and the COMPLETED Session records'
    periods (``cdrs.handover``) between sessions."""
    parsed = parsed if parsed is not None else ParsedReferences()
    refs = look_up_in(completed, tables, parsed)
    built = build_cdr(completed, refs.token, refs.location, refs.tariff, parsed.compiled.get(refs.tariff),
                      (p.country_code, p.party_id), parsed.handover)
    return built, refs


def cdr_record(built: BuiltCdr, completed: dict) -> dict:
    """The ``ocpi.cdrs.v1`` record of ``built``: every figure as in its JSON (rounded once, half up)."""
    data = built.data
    cost = data["total_cost"]
    incl = cost.get("incl_vat")
    return {
        "id": built.id, "country_code": data["country_code"], "party_id": data["party_id"],
        "partner": built.partner, "charge_point_id": completed["charge_point_id"],
        "transaction_id": completed["transaction_id"], "session_id": data["session_id"],
        "start_date_time": data["start_date_time"], "end_date_time": data["end_date_time"],
        "currency": data["currency"], "total_energy": _dec(data["total_energy"]),
        "total_time": _dec(data["total_time"]), "total_parking_time": _dec(data["total_parking_time"]),
        "total_cost_excl_vat": _dec(cost["excl_vat"]),
        "total_cost_incl_vat": _dec(incl) if incl is not None else None,
        "credit": bool(data.get("credit")), "credit_reference_id": data.get("credit_reference_id"),
        "last_updated": data["last_updated"], "ocpi_json": built.json,
    }


def _dec(value: Decimal | int) -> Decimal:
    return quantize4(Decimal(value))  # the JSON's rounding (half up), so that record and JSON agree


def register(app: faust.App, topics: Topics, tables: Tables, serde: AvroSerde, dead: DeadLetters,
             p: PipelineSettings, metrics: WorkerMetrics | None = None, parsed: ParsedReferences | None = None
             ) -> None:
    """Install the pricing stage; ``parsed``: the sessions stage's parsed references when both run in this
    process (a tariff compiled once for both, so that a CDR can take its COMPLETED Session record's periods:
    ``cdrs.handover``)."""
    metrics = metrics if metrics is not None else WorkerMetrics()
    parsed = parsed if parsed is not None else ParsedReferences()
    schedule = RetrySchedule(p.reference_wait_s)
    read_completed = partial(completed_records.decode, serde)  # either branch, as a CompletedSession

    async def settle(event: faust.EventT, key: bytes, completed: dict, raw: bytes, parked: Parked | None) -> None:
        session = completed["session_id"]
        try:
            built, refs = price_session(completed, tables, p, parsed)
        except MissingReference as exc:
            since = parked.since if parked is not None else time.time()
            if time.time() - since >= p.reference_wait_s:
                tables.pending.pop(key, None)
                await dead.send(STAGE, f"session {session}: {exc} (waited {p.reference_wait_s:g} s for it)",
                                event, event_time=completed["end"], key=event.key, payload=raw)
            else:
                tables.pending[key] = Parked(since, str(exc), event.key, raw).to_bytes()
            return
        except (RoamstreamError, ValueError) as exc:
            tables.pending.pop(key, None)
            await dead.send(STAGE, f"session {session}: {exc}", event, event_time=completed["end"],
                            key=event.key, payload=raw)
            return
        stored = tables.issued_cdrs.get(key)
        previous = IssuedCdr.from_bytes(stored) if stored is not None else None
        outcome = reconcile(previous, built, completed["charge_point_id"], completed["transaction_id"],
                            creation_time(completed, refs.token, refs.location, refs.tariff))
        for cdr in outcome.send:
            await topics.cdrs.send(key=event.key, value=serde.encode("ocpi.cdrs.v1", cdr_record(cdr, completed)))
            metrics.cdrs_priced.labels("credit" if cdr.data.get("credit") else "cdr").inc()
        if outcome.issued is not None:
            tables.issued_cdrs[key] = outcome.issued.to_bytes()
        if tables.pending.get(key) is not None:
            tables.pending.pop(key, None)

    async def price(stream: faust.StreamT) -> None:
        async for event, completed in dead.decoded(stream, read_completed, STAGE):
            key = session_key(completed)
            stored = tables.pending.get(key)
            parked = Parked.from_bytes(stored) if stored is not None else None
            raw = event.value
            if RETRY_HEADER in (event.headers or {}):
                schedule.came_back(key)
                if parked is None:
                    continue  # priced or dead-lettered since it was sent again
                raw = parked.record  # the latest record of the session, which this may be an older copy of
                completed = read_completed(raw)
            await settle(event, key, completed, raw, parked)

    async def retry_parked() -> None:
        """Send again the parked sessions that can now be priced or have waited long enough."""
        now, clock = time.time(), time.monotonic()
        parked_keys = []
        for key, stored in list(tables.pending.items()):
            parked_keys.append(key)
            parked = Parked.from_bytes(stored)
            if schedule.due(key, parked.since, now, clock, partial(_resolvable, parked.record)):
                await topics.completed.send(key=parked.key, value=parked.record, headers={RETRY_HEADER: b"1"})
                schedule.sent(key, clock)
        schedule.keep_only(parked_keys)

    def _resolvable(record: bytes) -> bool:
        try:
            look_up_in(read_completed(record), tables, parsed)
        except MissingReference:
            return False
        except (RoamstreamError, ValueError):
            return True  # the agent dead-letters it with the reason
        return True

    app.agent(topics.completed, name="pricing")(price)
    app.timer(RETRY_EVERY_S, name="pricing-retry-parked")(retry_parked)

