"""``roamstream push status|redrive|resend`` run as a user runs them (child processes), against a worker whose
partner first refuses everything (final: dead-lettered), then is fixed."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from datetime import UTC, datetime

from objects import PARTNER_A, life
from test_delivery import delivered, publish, session_calls, until

from pipelines.worker import Worker


def env_of(settings) -> dict[str, str]:
    ours = ("ROAMSTREAM_", "KAFKA_", "PIPELINE_", "LAKE_", "PARTNERS_", "SCHEMA_REGISTRY_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(ours)}
    partners = [{**p.model_dump(mode="json"), "token": p.token.get_secret_value()} for p in settings.partners.emsps]
    env.update({"ROAMSTREAM_PROFILE": "embedded", "KAFKA_BOOTSTRAP_SERVERS": settings.kafka.bootstrap_servers,
                "KAFKA_TOPIC_PREFIX": settings.kafka.topic_prefix, "PIPELINE_APP_ID": settings.pipeline.app_id,
                "PIPELINE_DATADIR": str(settings.pipeline.datadir), "PARTNERS_EMSPS": json.dumps(partners)})
    return env


async def cli(settings, *args: str) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "roamstream", "push", *args,
                                                env=env_of(settings), stdout=asyncio.subprocess.PIPE,
                                                stderr=asyncio.subprocess.PIPE)
    out, err = await proc.communicate()
    return proc.returncode, out.decode(), err.decode()


async def status(settings) -> dict:
    code, out, err = await cli(settings, "status", "--format", "json")
    assert code == 0, err
    [row] = json.loads(out)
    return row


async def test_status_redrive_and_resend(with_partners, topics, receivers):
    async with receivers("tok-a") as a:
        await a.control(mode="reject")
        settings = with_partners([a.partner(PARTNER_A)], cdr_session_wait_s=0.5)
        async with Worker(settings):
            await publish(settings, life("S-X", PARTNER_A, "CP-X", updates=1))

            async def both_dead() -> bool:
                return (await status(settings))["dead_lettered"] == 2
            await until(both_dead, "the Session and the CDR dead-lettered")
            row = await status(settings)
            assert row["partner"] == "NL-EMA" and row["pending"] == 0 and row["last_success_at"] is None
            assert "OCPI status 2001" in row["last_error"]

            await a.control(mode="ok")  # the partner fixed its side
            code, out, err = await cli(settings, "redrive", "--partner", "NL-EMA")
            assert code == 0, err
            assert "redrive session S-X" in out and "redrive cdr S-X" in out and "2 push(es)" in out
            await until(delivered(a, {"S-X"}), "the redriven Session and CDR at the partner")

            async def clean() -> bool:
                row = await status(settings)
                return row["dead_lettered"] == 0 and row["pending"] == 0 and row["last_success_at"] is not None
            await until(clean, "status: nothing dead-lettered or pending, a last success")

            code, out, err = await cli(settings, "resend", "--partner", "NL-EMA", "--session", "S-X")
            assert (code, out.strip()) == (0, "resend session S-X -> NL-EMA"), err
            code, out, err = await cli(settings, "resend", "--partner", "NL-EMA", "--cdr", "S-X")
            assert code == 0, err

            async def resent() -> bool:
                state = await a.state()
                puts = [e for e in session_calls(state, "S-X") if e["method"] == "PUT" and e["status"] == 200]
                posts = [e["status"] for e in state["log"] if e["method"] == "POST"]
                return len(puts) == 2 and posts == [400, 201, 400]  # refused, redriven, resent ("exists")
            await until(resent, "the Session PUT again and the CDR POSTed again")
            await until(clean, "the resent CDR that the partner has counts as delivered")

            code, out, err = await cli(settings, "resend", "--partner", "NL-EMA", "--cdr", "NOPE")
            assert code == 1 and "no cdr 'NOPE' for partner NL-EMA" in err
            code, _, err = await cli(settings, "resend", "--partner", "NL-EMA")
            assert code == 2 and "exactly one of --cdr ID or --session ID" in err


async def test_status_lists_a_partner_registered_by_the_handshake_before_anything_was_pushed_to_it(
        with_partners, topics):
    from confluent_kafka import Producer

    from roamstream.avro import serde_for
    from roamstream.partners.registry import PartnerRecord, PartnerState
    from roamstream.partners.registry.store import SCHEMA, TOPIC

    settings = with_partners([])
    serde = serde_for(None)
    producer = Producer({"bootstrap.servers": settings.kafka.bootstrap_servers})
    for key, state in (("DE-NEW", PartnerState.REGISTERED), ("pending-7", PartnerState.PENDING)):
        record = PartnerRecord(key=key, state=state, country_code=key[:2], party_id=key[3:],
                               updated_at=datetime(2026, 12, 1, tzinfo=UTC))
        producer.produce(settings.topic(TOPIC), key=key.encode(), value=serde.encode(SCHEMA, record.to_avro()))
    assert producer.flush(10) == 0
    code, out, err = await cli(settings, "status", "--format", "json")
    assert code == 0, err
    rows = json.loads(out)
    assert [r["partner"] for r in rows] == ["DE-NEW"]  # registered, nothing pending; not the pending handshake
    assert rows[0]["pending"] == 0 and rows[0]["last_success_at"] is None
