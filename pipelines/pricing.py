"""Pricing: a completed session + token, location and tariff (global tables) -> a priced CDR on ocpi.cdrs.v1.

A session whose reference data is not known yet waits up to ``reference_wait_s``; then it goes to the
dead-letter topic with the reason. Domain errors (an invalid tariff, a session the engine refuses) go to the
dead-letter topic at once; nothing is dropped silently.
"""

from __future__ import annotations

import asyncio
import json
import time
from decimal import Decimal

import faust

from pipelines.deadletter import DeadLetters
from pipelines.tables import Tables
from pipelines.topics import Topics
from roamstream.avro import AvroSerde, SerdeError
from roamstream.cdrs.assemble import BuiltCdr, build_cdr
from roamstream.cdrs.exceptions import MissingReference
from roamstream.cdrs.resolve import evse_uid, find_connector, valid_tariff
from roamstream.config import PipelineSettings
from roamstream.exceptions import RoamstreamError
from roamstream.ocpi.location import Location
from roamstream.ocpi.tariff import Tariff
from roamstream.ocpi.token import Token
from roamstream.tariffs import TariffCache

STAGE = "pricing"
_Q = Decimal("0.0001")


def _loads(raw: bytes) -> dict:
    return json.loads(raw, parse_float=Decimal)


def price_session(completed: dict, tables: Tables, cache: TariffCache, p: PipelineSettings) -> BuiltCdr:
    """Look up the reference data of ``completed`` and build its CDR; ``MissingReference`` if some is unknown."""
    raw_token = tables.tokens.get(completed["id_tag"].encode())
    if raw_token is None:
        raise MissingReference(f"unknown token {completed['id_tag']!r}")
    uid = evse_uid(completed["charge_point_id"], completed["connector_id"], completed["evse_id"])
    location_key = tables.evse_index.get(uid.encode())
    raw_location = tables.locations.get(location_key) if location_key is not None else None
    if raw_location is None:
        raise MissingReference(f"no location has EVSE {uid!r}")
    location = Location.model_validate_json(raw_location)
    _, connector = find_connector(location, uid, completed["connector_id"] if completed["evse_id"] else None)
    tariffs = {}
    for tariff_id in connector.tariff_ids or []:
        raw = tables.tariffs.get(f"{location.country_code}-{location.party_id}-{tariff_id}".encode())
        if raw is not None:
            tariffs[tariff_id] = Tariff.model_validate_json(raw)
    tariff = valid_tariff(connector, tariffs, completed["start"])
    tariff_json = _loads(tables.tariffs[f"{location.country_code}-{location.party_id}-{tariff.id}".encode()])
    token = Token.model_validate_json(raw_token)
    return build_cdr(completed, token, location, tariff_json, cache.get(tariff_json), (p.country_code, p.party_id))


def cdr_record(built: BuiltCdr, completed: dict) -> dict:
    data = built.data
    incl = built.total_cost_incl_vat
    return {
        "id": built.id, "country_code": data["country_code"], "party_id": data["party_id"],
        "partner": built.partner, "charge_point_id": completed["charge_point_id"],
        "transaction_id": completed["transaction_id"], "session_id": completed["session_id"],
        "start_date_time": data["start_date_time"], "end_date_time": data["end_date_time"],
        "currency": data["currency"], "total_energy": data["total_energy"].quantize(_Q),
        "total_time": data["total_time"].quantize(_Q), "total_parking_time": data["total_parking_time"].quantize(_Q),
        "total_cost_excl_vat": data["total_cost"]["excl_vat"].quantize(_Q),
        "total_cost_incl_vat": incl.quantize(_Q) if incl is not None else None,
        "credit": False, "credit_reference_id": None, "last_updated": data["last_updated"],
        "ocpi_json": built.json,
    }


def register(app: faust.App, topics: Topics, tables: Tables, serde: AvroSerde, dead: DeadLetters,
             p: PipelineSettings) -> None:
    cache = TariffCache()

    async def price(stream: faust.StreamT) -> None:
        async for event in stream.events():
            try:
                completed = serde.decode("sessions.completed.v1", event.value)
            except SerdeError as exc:
                await dead.send(STAGE, str(exc), event)
                continue
            deadline = time.monotonic() + p.reference_wait_s
            while True:
                try:
                    built = price_session(completed, tables, cache, p)
                    break
                except MissingReference as exc:
                    if time.monotonic() >= deadline:
                        await dead.send(STAGE, f"session {completed['session_id']}: {exc}", event,
                                        event_time=completed["end"])
                        built = None
                        break
                    await asyncio.sleep(0.2)
                except RoamstreamError as exc:
                    await dead.send(STAGE, f"session {completed['session_id']}: {exc}", event,
                                    event_time=completed["end"])
                    built = None
                    break
            if built is not None:
                await topics.cdrs.send(key=event.key, value=serde.encode("ocpi.cdrs.v1", cdr_record(built, completed)))

    app.agent(topics.completed, name="pricing")(price)
