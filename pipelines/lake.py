"""Lake: land every lake table's topic as Parquet, one file per (partition, offset range, dt).

File names come from partition and offsets, so a replay overwrites and never duplicates. The records are
acknowledged (and their offsets committed) only after their file is written, also when the worker stops while
a batch is being written (then they come again to whoever takes the partition).
"""

from __future__ import annotations

import asyncio
from collections import defaultdict

import faust

from pipelines.deadletter import DeadLetters
from pipelines.topics import Topics
from roamstream.avro import AvroSerde, SerdeError
from roamstream.config import LakeSettings
from roamstream.lake import TABLES, LakeTable, write_batch
from roamstream.lake.exceptions import LakeRecordError
from roamstream.lake.fs import lake_filesystem
from roamstream.topics import spec

STAGE = "lake"


def register(app: faust.App, topics: Topics, serde: AvroSerde, dead: DeadLetters, lake: LakeSettings) -> None:
    filesystem = lake_filesystem(lake)

    async def land(table: LakeTable, partition: int, batch: list[faust.EventT], records: list[dict],
                   sources: list[faust.EventT]) -> None:
        """Write the batch; a record the lake refuses is dead-lettered and the rest written."""
        while records:
            try:
                await asyncio.to_thread(write_batch, lake.uri, table.name, partition, batch[0].message.offset,
                                        batch[-1].message.offset, records, filesystem=filesystem)
                return
            except LakeRecordError as exc:
                await dead.send(STAGE, str(exc), sources[exc.index])
                del records[exc.index], sources[exc.index]

    def lander(table: LakeTable):
        schema = spec(table.topic).schema

        async def agent(stream: faust.StreamT) -> None:
            async for events in stream.take_events(lake.batch_size, within=lake.flush_interval_s):
                # take_events acks the batch when the next one is asked for, and also when the agent is stopped
                # (a worker leaving the group) while the batch is being written: then offsets of records never
                # landed were committed. Each event is held here and acked only once its file is written.
                for event in events:
                    event.message.incref()
                by_partition: dict[int, list[faust.EventT]] = defaultdict(list)
                for event in events:
                    by_partition[event.message.partition].append(event)
                for partition, batch in sorted(by_partition.items()):
                    records, sources = [], []
                    for event in batch:
                        try:
                            records.append(serde.decode(schema, event.value))
                            sources.append(event)
                        except SerdeError as exc:
                            if table.name != "deadletter":  # never loop a broken dead letter
                                await dead.send(STAGE, str(exc), event)
                    await land(table, partition, batch, records, sources)
                for event in events:
                    await stream.ack(event)

        return agent

    for table in TABLES.values():
        app.agent(topics.by_name(table.topic), name=f"lake-{table.name}")(lander(table))
