"""With SCHEMA_REGISTRY_URL set, schema ids come from the registry (confluent-kafka's client), over real HTTP.

The registry here is a minimal stand-in speaking the two calls of the Confluent Schema Registry REST API the
client makes (register a subject's schema, fetch a schema by id), served by uvicorn on 127.0.0.1."""

import asyncio
from datetime import UTC, datetime

from fastapi import FastAPI, Request

from roamstream.asgi import ServedApp
from roamstream.avro import serde_for


def registry_app() -> tuple[FastAPI, dict]:
    app = FastAPI()
    state: dict = {"schemas": {}, "subjects": {}}

    @app.post("/subjects/{subject}/versions")
    async def register(subject: str, request: Request):
        schema = (await request.json())["schema"]
        ids = state["schemas"]
        sid = next((i for i, s in ids.items() if s == schema), None) or 100 + len(ids)
        ids[sid] = schema
        state["subjects"].setdefault(subject, []).append(sid)
        return {"id": sid}

    @app.get("/schemas/ids/{sid}")
    async def by_id(sid: int):
        return {"schema": state["schemas"][sid]}

    return app, state


async def test_ids_come_from_the_registry_and_records_read_back():
    app, state = registry_app()
    record = {"country_code": "NL", "party_id": "RST", "id": "T1",
              "last_updated": datetime(2026, 1, 1, tzinfo=UTC), "deleted": False, "ocpi_json": "{}"}
    async with ServedApp(app) as served:
        writer = serde_for(served.url)
        payload = await asyncio.to_thread(writer.encode, "ocpi.object.v1", record, "ocpi.tariffs.v1-value")
        reader = serde_for(served.url)  # a fresh client: the schema must be fetched by id
        decoded = await asyncio.to_thread(reader.decode, "ocpi.object.v1", payload)
    assert int.from_bytes(payload[1:5], "big") == 100
    assert state["subjects"] == {"ocpi.tariffs.v1-value": [100]}
    assert decoded == record
