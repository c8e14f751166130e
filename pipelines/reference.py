"""Reference data: OCPI Tariffs, Locations and Tokens from their compacted topics into global tables.

Tables hold the validated OCPI JSON (bytes). Keys: tariffs and locations ``<cc>-<pid>-<id>``, tokens by
``uid_key(uid)`` (an OCPP idTag is a token uid, matched case-insensitively); ``evse_index`` maps each EVSE uid
to its location's key.
"""

from __future__ import annotations

import json

import faust

from pipelines.deadletter import DeadLetters
from pipelines.tables import Tables
from pipelines.topics import Topics
from roamstream.ocpi.token import uid_key

STAGE = "reference"


def object_key(record: dict) -> bytes:
    return f"{record['country_code']}-{record['party_id']}-{record['id']}".encode()


def register(app: faust.App, topics: Topics, tables: Tables, dead: DeadLetters) -> None:
    def load_into(table: faust.GlobalTable, by_uid: bool, index_evses: bool):
        async def agent(stream: faust.StreamT) -> None:
            async for _, record in dead.decoded(stream, "ocpi.object.v1", STAGE):
                key = uid_key(record["id"]) if by_uid else object_key(record)
                if record["deleted"]:
                    table.pop(key, None)
                    continue
                table[key] = record["ocpi_json"].encode()
                if index_evses:
                    for evse in json.loads(record["ocpi_json"]).get("evses") or []:
                        tables.evse_index[evse["uid"].encode()] = key

        return agent

    app.agent(topics.tariffs, name="reference-tariffs")(load_into(tables.tariffs, False, False))
    app.agent(topics.locations, name="reference-locations")(load_into(tables.locations, False, True))
    app.agent(topics.tokens, name="reference-tokens")(load_into(tables.tokens, True, False))
