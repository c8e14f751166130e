"""Every dead letter has an identity of its own: two stations sending the same bad frame are two rows of the
lake's ``deadletter`` view, while an at-least-once copy of a letter (the same letter landed twice) is one.
Through the real endpoint, broker, lake stage and DuckDB."""

from __future__ import annotations

import asyncio
import json

import pyarrow.parquet as pq
import websockets
from waiting import eventually

from analytics import open_lake
from roamstream.lake import write_batch

BAD_FRAME = '[2, "same-1", "StatusNotification", {"connectorId": 1, "errorCode": "NoError", "status": "Bogus"}]'


def rows(lake: str, view: str) -> list[dict]:
    with open_lake(lake, must_exist=False) as con:
        return con.sql(f"select * from {view} order by record_key").to_arrow_table().to_pylist()  # noqa: S608


async def send_bad_frame(url: str, cp: str) -> list:
    async with websockets.connect(f"{url}/{cp}", subprotocols=["ocpp1.6"]) as ws:
        await ws.send(BAD_FRAME)
        return json.loads(await ws.recv())


async def test_the_same_bad_frame_from_two_stations_is_two_dead_letters(stack):
    lake = stack.settings.lake.uri
    answers = await asyncio.gather(*(send_bad_frame(stack.ocpp_url, cp) for cp in ("E2E-DL-A", "E2E-DL-B")))
    assert [a[:3] for a in answers] == [[4, "same-1", "PropertyConstraintViolation"]] * 2

    await eventually(lambda: len(rows(lake, "stg_deadletter")) == 2, "both dead letters are in the lake")
    letters = rows(lake, "deadletter")
    assert [(r["record_key"], r["payload"], r["stage"]) for r in letters] == [
        (b"E2E-DL-A", BAD_FRAME.encode(), "ocpp.connector"),
        (b"E2E-DL-B", BAD_FRAME.encode(), "ocpp.connector"),
    ]
    assert letters[0]["reason"] == letters[1]["reason"]
    assert len({r["letter_id"] for r in letters}) == 2

    # an at-least-once copy of both letters, landed again at other offsets, is not a new letter
    landed = [r for f in sorted({r["source_file"] for r in letters}) for r in pq.read_table(f).to_pylist()]
    await asyncio.to_thread(write_batch, lake, "deadletter", 0, 10_000, 10_001, landed)
    assert len(rows(lake, "stg_deadletter")) == 4
    without_file = lambda found: [{k: v for k, v in r.items() if k != "source_file"} for r in found]  # noqa: E731
    assert without_file(rows(lake, "deadletter")) == without_file(letters)
