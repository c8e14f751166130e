"""``roamstream deadletter list|show|redrive`` end to end: the stack (embedded broker, worker, ingest API) prices
sessions; one whose token is unknown is dead-lettered; the token is PUT through the API; the operator lists the
letter, shows it and redrives it with the real command; the CDR comes out. Redriving again sends nothing."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys

import httpx
import pytest
from waiting import eventually

from roamstream.avro import serde_for
from roamstream.config import Settings
from roamstream.kafka import AsyncProducer
from roamstream.redrive import REDRIVE_HEADER, letters, read_to_end
from roamstream.stack import running_stack
from tests.cdrs.cdr_fixtures import CP, completed, dumps, location, tariff, token

pytestmark = pytest.mark.integration

UID = "EMA000009"
SESSION = f"{CP}-44"
HEADERS = {"Authorization": "Token dev-token", "Content-Type": "application/json"}



async def cli(settings: Settings, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "ROAMSTREAM_PROFILE": "embedded", "KAFKA_BOOTSTRAP_SERVERS": settings.kafka.bootstrap_servers,
           "KAFKA_TOPIC_PREFIX": settings.kafka.topic_prefix, "COLUMNS": "250"}
    return await asyncio.to_thread(subprocess.run, [sys.executable, "-m", "roamstream", "deadletter", *args],
                                   env=env, capture_output=True, text=True, timeout=120)


def cdr_sessions(settings: Settings) -> list[str]:
    serde = serde_for(None)
    return [serde.decode("ocpi.cdrs.v1", m.value())["session_id"] for m in read_to_end(settings, "ocpi.cdrs.v1")]


def redriven_copies(settings: Settings) -> int:
    return sum(any(k == REDRIVE_HEADER for k, _ in m.headers() or ())
               for m in read_to_end(settings, "sessions.completed.v1"))


async def test_a_dead_lettered_session_is_priced_after_its_token_comes_and_a_redrive(settings: Settings, tmp_path):
    pipeline = settings.pipeline.model_copy(update={"reference_wait_s": 0.5})
    api = settings.api.model_copy(update={"port": 0})
    ocpp = settings.ocpp.model_copy(update={"port": 0})
    settings = settings.model_copy(update={"pipeline": pipeline, "api": api, "ocpp": ocpp})
    serde = serde_for(None)
    record = completed(transaction_id="44", session_id=SESSION, id_tag=UID)
    async with running_stack(settings) as stack, httpx.AsyncClient(base_url=stack.api_url, headers=HEADERS) as http:
        assert (await http.put("/ocpi/2.2.1/tariffs/NL/RST/T1", content=dumps(tariff()))).status_code == 200
        assert (await http.put("/ocpi/2.2.1/locations/NL/RST/LOC-1", content=dumps(location()))).status_code == 200
        producer = AsyncProducer(settings)
        try:
            await producer.send("sessions.completed.v1", serde.encode("sessions.completed.v1", record), CP)
        finally:
            producer.close()
        [letter] = await eventually(lambda: [x for x in letters(settings, serde) if x.stage == "pricing"],
                                    "the session is dead-lettered", in_thread=True)
        assert f"unknown token '{UID}'" in letter.reason

        listed = await cli(settings, "list", "--stage", "pricing", "--reason", "UNKNOWN TOKEN")
        assert listed.returncode == 0, listed.stderr
        assert letter.letter_id in listed.stdout and "1 of 1 letters" in listed.stdout
        none = await cli(settings, "list", "--stage", "push")
        assert letter.letter_id not in none.stdout and "0 of 1 letters" in none.stdout
        shown = await cli(settings, "show", letter.letter_id)
        assert shown.returncode == 0, shown.stderr
        described = json.loads(shown.stdout)
        assert described["record"]["session_id"] == SESSION
        assert described["source_topic"] == settings.topic("sessions.completed.v1")

        token_put = await http.put(f"/ocpi/2.2.1/tokens/NL/EMA/{UID}", content=dumps({**token(), "uid": UID}))
        assert token_put.status_code == 200, token_put.text
        await eventually(lambda: stack.worker.app.tables["tokens"].get(UID.encode()) is not None,
                         "the worker knows the token")
        assert SESSION not in await asyncio.to_thread(cdr_sessions, settings)

        first = await cli(settings, "redrive", "--stage", "pricing")
        assert first.returncode == 0, first.stderr
        assert f"redriven: {letter.letter_id} (pricing) to {settings.topic('sessions.completed.v1')}[" in first.stdout
        await eventually(lambda: SESSION in cdr_sessions(settings), "the CDR of the redriven session", in_thread=True)

        again = await cli(settings, "redrive", "--letter", letter.letter_id)
        assert again.returncode == 0, again.stderr
        assert f"already redriven: {letter.letter_id}" in again.stdout
        assert await asyncio.to_thread(redriven_copies, settings) == 1
        assert (await asyncio.to_thread(cdr_sessions, settings)).count(SESSION) == 1


async def test_redrive_wants_a_choice_of_letters(settings: Settings):
    run = await cli(settings, "redrive")
    assert run.returncode == 2
    assert "--all" in run.stderr


def letter_record(stage: str, reason: str, occurred_at, *, source: str | None = None, letter_id: str) -> dict:
    return {"stage": stage, "reason": reason, "source_topic": source, "source_partition": 0 if source else None,
            "source_offset": 7 if source else None, "key": b"CP-1", "payload": b"frame" if source else None,
            "event_time": None, "occurred_at": occurred_at, "letter_id": letter_id}


async def test_selection_and_what_cannot_be_redriven(topics: Settings):
    from datetime import UTC, datetime

    from roamstream.redrive import Selection, redrive

    serde = serde_for(None)
    early, late = datetime(2026, 3, 2, 9, tzinfo=UTC), datetime(2026, 3, 2, 11, tzinfo=UTC)
    producer = AsyncProducer(topics)
    try:
        for record in (letter_record("ocpp", "handshake rejected (401): no password", early, letter_id="edge"),
                       letter_record("lake", "bad row", late, source=topics.topic("ocpp.raw.v1"), letter_id="lake")):
            await producer.send("deadletter.v1", serde.encode("deadletter.v1", record), b"CP-1")
    finally:
        producer.close()
    found = await eventually(lambda: (got := letters(topics, serde)) and len(got) == 2 and got, "two letters",
                               in_thread=True)
    assert [x.letter_id for x in found] == ["edge", "lake"]  # oldest first
    pick = lambda s: [x.letter_id for x in found if s(x)]  # noqa: E731
    assert pick(Selection(stage="lake")) == ["lake"]
    assert pick(Selection(reason="HANDSHAKE")) == ["edge"]
    assert pick(Selection(since=datetime(2026, 3, 2, 10, tzinfo=UTC))) == ["lake"]
    assert pick(Selection(until=datetime(2026, 3, 2, 10, tzinfo=UTC))) == ["edge"]
    assert pick(Selection(letter_ids=frozenset({"lake", "nope"}))) == ["lake"]

    outcomes = await asyncio.to_thread(redrive, topics, serde, found, dry_run=True)
    assert [(o.letter.letter_id, o.action) for o in outcomes] == [("edge", "not redrivable"), ("lake", "would redrive")]
    assert await asyncio.to_thread(read_to_end, topics, "ocpp.raw.v1") == []  # a dry run sends nothing
