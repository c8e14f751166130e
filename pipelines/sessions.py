"""Sessions: fold each charge point's OCPP events into its session state (a table keyed by charge point),
emit OCPI Session snapshots and completed sessions.

The events of one charge point come in order from one partition of ``ocpp.transaction.v1`` and
``ocpp.station.v1`` (co-partitioned, keyed by charge point id); the table's changelog goes to the same
partition, so the state is recovered where its events are.
"""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import faust

from pipelines.deadletter import DeadLetters
from pipelines.tables import Tables
from pipelines.topics import Topics
from roamstream import sessions as fold
from roamstream.avro import AvroSerde, SerdeError
from roamstream.cdrs.exceptions import MissingReference
from roamstream.cdrs.resolve import evse_uid
from roamstream.cdrs.session_object import build_session
from roamstream.config import PipelineSettings
from roamstream.exceptions import RoamstreamError
from roamstream.ocpi.location import Location
from roamstream.ocpi.token import Token

STAGE = "sessions"
_Q = Decimal("0.0001")


def fold_params(p: PipelineSettings) -> fold.Params:
    return fold.Params(
        horizon=timedelta(minutes=p.session_horizon_min), settle=timedelta(minutes=p.session_settle_min),
        snapshot_every=timedelta(minutes=p.snapshot_every_min), snapshot_kwh=Decimal(str(p.snapshot_kwh)),
    )


def snapshot_record(snapshot: dict, tables: Tables, p: PipelineSettings) -> dict:
    """The ``ocpi.sessions.v1`` record of a fold snapshot; ``MissingReference`` if token or EVSE is unknown."""
    raw_token = tables.tokens.get(snapshot["id_tag"].encode())
    if raw_token is None:
        raise MissingReference(f"unknown token {snapshot['id_tag']!r}")
    uid = evse_uid(snapshot["charge_point_id"], snapshot["connector_id"], snapshot["evse_id"])
    location_key = tables.evse_index.get(uid.encode())
    if location_key is None or (raw_location := tables.locations.get(location_key)) is None:
        raise MissingReference(f"no location has EVSE {uid!r}")
    token = Token.model_validate_json(raw_token)
    data, text = build_session(snapshot, token, Location.model_validate_json(raw_location), p.currency,
                               (p.country_code, p.party_id))
    return {
        "id": data["id"], "country_code": data["country_code"], "party_id": data["party_id"],
        "partner": f"{token.country_code}-{token.party_id}", "charge_point_id": snapshot["charge_point_id"],
        "status": data["status"], "start_date_time": data["start_date_time"],
        "end_date_time": data.get("end_date_time"), "kwh": data["kwh"].quantize(_Q),
        "last_updated": data["last_updated"], "ocpi_json": text,
    }


def register(app: faust.App, topics: Topics, tables: Tables, serde: AvroSerde, dead: DeadLetters,
             p: PipelineSettings) -> None:
    params = fold_params(p)
    transactions_topic = topics.transactions.get_topic_name()
    channel = app.topic(transactions_topic, topics.stations.get_topic_name(),
                        key_serializer="raw", value_serializer="raw")

    async def emit(outputs: list[fold.Output], event: faust.EventT) -> None:
        for output in outputs:
            record = output.record
            if output.kind == fold.COMPLETED:
                await topics.completed.send(key=event.key, value=serde.encode("sessions.completed.v1", record))
                continue
            try:
                value = serde.encode("ocpi.sessions.v1", snapshot_record(record, tables, p))
            except RoamstreamError as exc:
                await dead.send(STAGE, f"session {record['session_id']} snapshot: {exc}", event,
                                event_time=record["last_event"])
                continue
            await topics.sessions.send(key=event.key, value=value)

    async def fold_events(stream: faust.StreamT) -> None:
        async for event in stream.events():
            schema = "ocpp.transaction.v1" if event.message.topic == transactions_topic else "ocpp.station.v1"
            try:
                record = serde.decode(schema, event.value)
            except SerdeError as exc:
                await dead.send(STAGE, str(exc), event)
                continue
            stored = tables.session_state.get(event.key)
            state = json.loads(stored) if stored is not None else fold.initial(record["charge_point_id"])
            try:
                state = fold.apply(state, record)
                state, outputs = fold.drain(state, params)
            except RoamstreamError as exc:
                await dead.send(STAGE, str(exc), event, event_time=record.get("timestamp"))
                continue
            tables.session_state[event.key] = json.dumps(state, separators=(",", ":")).encode()
            await emit(outputs, event)

    app.agent(channel, name="sessions")(fold_events)
