"""The push stage's table writes through a confluent-kafka producer (``ChangelogWriter``): the table's own
changelog, in the partition named, tombstones included; a record the broker refuses makes ``flush`` (awaited by
faust before it commits offsets) fail instead of returning."""

from __future__ import annotations

import pytest

from pipelines.app import create_app
from pipelines.group_commit import GroupCommit
from pipelines.push_operator import read_all
from pipelines.table_writes import ChangelogWriter
from pipelines.tables import changelog_specs, declare_tables
from roamstream.broker import free_port
from roamstream.config import Settings
from roamstream.kafka import DeliveryError, create_topics


@pytest.fixture
def ledger(settings: Settings):
    create_topics(settings, changelog_specs(settings), prefix=False)
    return declare_tables(create_app(settings)).push_ledger


async def test_records_land_in_the_table_s_changelog_in_the_partition_named(settings: Settings, ledger):
    producer = GroupCommit(settings)
    writer = ChangelogWriter(lambda: producer)
    writes = [writer.store(ledger, 2, b"P|CDR-1", b"pending"), writer.store(ledger, 3, b"P|CDR-2", b"pending"),
              writer.store(ledger, 2, b"P|CDR-1", b'{"acknowledged":true}'), writer.store(ledger, 3, b"P|CDR-2", None)]
    assert ledger.data.get(b"P|CDR-1") == b'{"acknowledged":true}' and b"P|CDR-2" not in ledger.data
    await writer.flush()
    assert all(w.done() and w.exception() is None for w in writes)
    records = await read_all(settings, ledger.changelog_topic.get_topic_name())
    assert [(r.partition, r.key, r.value) for r in sorted(records, key=lambda r: (r.partition, r.offset))] == [
        (2, b"P|CDR-1", b"pending"), (2, b"P|CDR-1", b'{"acknowledged":true}'),
        (3, b"P|CDR-2", b"pending"), (3, b"P|CDR-2", None)]
    await writer.flush()  # nothing written since: returns at once
    producer.close()


async def test_a_record_the_broker_never_took_fails_the_flush(settings: Settings, ledger):
    nowhere = settings.model_copy(update={"kafka": settings.kafka.model_copy(
        update={"bootstrap_servers": f"127.0.0.1:{free_port()}"})})  # nothing listens there
    producer = GroupCommit(nowhere, **{"message.timeout.ms": 300})
    writer = ChangelogWriter(lambda: producer)
    lost = writer.store(ledger, 2, b"P|CDR-1", b"pending")
    with pytest.raises(DeliveryError, match="offsets not committed"):
        await writer.flush()
    assert "timed out" in str(lost.exception()).lower()

