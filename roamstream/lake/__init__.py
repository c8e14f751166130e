"""The lake: decoded topic records landed as Hive-partitioned Parquet, idempotently (pure of Kafka).

``write_batch`` is what the lake stage calls per consumed batch; ``TABLES`` is the catalog of tables, their
topics, Arrow schemas and event times.
"""

from roamstream.lake.exceptions import LakeError, LakeRecordError, UnknownTableError
from roamstream.lake.fs import lake_filesystem
from roamstream.lake.tables import BY_TOPIC, TABLES, LakeTable, table
from roamstream.lake.writer import file_name, write_batch

__all__ = [
    "BY_TOPIC",
    "TABLES",
    "LakeError",
    "LakeRecordError",
    "LakeTable",
    "UnknownTableError",
    "file_name",
    "lake_filesystem",
    "table",
    "write_batch",
]
