"""Write one consumed batch of one topic partition to the lake, idempotently.

``<lake>/<table>/dt=YYYY-MM-DD/part-<partition>-<first offset>-<last offset>.parquet``, one file per event
date in the batch. The name is a function of the input, so a replay of the same offsets overwrites the same
files and never duplicates (a replay cut at different offsets may land a record twice in two files; the
analytics views deduplicate by natural key). Files appear atomically: locally written under a hidden
temporary name and renamed; on S3 a single PUT is already atomic, so the object is written directly.
The bytes depend only on the input: no wall-clock metadata, rows in input order.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from pyarrow import fs as pafs

from roamstream.lake import fs, tables
from roamstream.lake.exceptions import LakeError, LakeRecordError
from roamstream.lake.tables import InvalidRecord, LakeTable, Row, partition_date

OFFSET_DIGITS = 20
COMPRESSION = "zstd"


def file_name(partition: int, first_offset: int, last_offset: int) -> str:
    """``part-<partition>-<first>-<last>.parquet``, offsets zero-padded to 20 digits so that names sort."""
    return f"part-{partition}-{first_offset:0{OFFSET_DIGITS}d}-{last_offset:0{OFFSET_DIGITS}d}.parquet"


def write_batch(
    lake_uri: str,
    table: str,
    partition: int,
    first_offset: int,
    last_offset: int,
    records: Sequence[dict[str, Any]],
    *,
    filesystem: pafs.FileSystem | None = None,
) -> list[str]:
    """Land decoded records of ``table``'s topic; returns the files written (under ``lake_uri``).

    All or nothing for the batch's validation: a record that cannot be landed raises
    :class:`LakeRecordError` before any file is written.
    """
    spec = tables.table(table)
    if partition < 0 or first_offset < 0 or last_offset < first_offset:
        raise LakeError(f"bad batch bounds: partition {partition}, offsets {first_offset}..{last_offset}")
    by_date = _rows_by_date(spec, records)
    encoded = {dt: encode(spec, rows) for dt, rows in sorted(by_date.items())}
    target_fs, root = fs.resolve(lake_uri, filesystem)
    name = file_name(partition, first_offset, last_offset)
    written = []
    for dt, data in encoded.items():
        relative = f"{spec.name}/dt={dt.isoformat()}/{name}"
        write_atomically(target_fs, f"{root}/{relative}", data)
        written.append(fs.join(lake_uri, relative))
    return written


def encode(spec: LakeTable, rows: list[tuple[int, Row]]) -> bytes:
    """Parquet bytes of ``rows`` (record index, row) in ``spec``'s schema."""
    for index, row in rows:
        missing = [f.name for f in spec.schema if not f.nullable and row.get(f.name) is None]
        if missing:
            raise LakeRecordError(spec.name, index, f"required field(s) missing: {', '.join(missing)}")
    arrow = _to_arrow(spec, rows)
    sink = pa.BufferOutputStream()
    pq.write_table(arrow, sink, compression=COMPRESSION)
    return sink.getvalue().to_pybytes()


def _to_arrow(spec: LakeTable, rows: list[tuple[int, Row]]) -> pa.Table:
    try:
        return pa.Table.from_pylist([row for _, row in rows], schema=spec.schema)
    except (pa.ArrowException, TypeError, ValueError, OverflowError):
        for index, row in rows:
            try:
                pa.Table.from_pylist([row], schema=spec.schema)
            except (pa.ArrowException, TypeError, ValueError, OverflowError) as exc:
                raise LakeRecordError(spec.name, index, f"does not fit the table's schema: {exc}") from exc
        raise


def _rows_by_date(spec: LakeTable, records: Sequence[dict[str, Any]]) -> dict[date, list[tuple[int, Row]]]:
    by_date: dict[date, list[tuple[int, Row]]] = {}
    for index, record in enumerate(records):
        try:
            rows = spec.rows(record)
        except InvalidRecord as exc:
            raise LakeRecordError(spec.name, index, str(exc)) from exc
        except KeyError as exc:
            raise LakeRecordError(spec.name, index, f"required field missing: {exc.args[0]}") from exc
        for row in rows:
            moment = spec.event_time(row)
            if moment is None:
                raise LakeRecordError(spec.name, index, "no event time")
            by_date.setdefault(partition_date(moment), []).append((index, row))
    return by_date


def write_atomically(target: pafs.FileSystem, path: str, data: bytes) -> None:
    directory, _, name = path.rpartition("/")
    target.create_dir(directory, recursive=True)
    if target.type_name == "s3":
        with target.open_output_stream(path) as out:
            out.write(data)
        return
    temporary = f"{directory}/.{name}.{uuid.uuid4().hex}.tmp"
    try:
        with target.open_output_stream(temporary) as out:
            out.write(data)
        target.move(temporary, path)
    except BaseException:
        if target.get_file_info(temporary).type != pafs.FileType.NotFound:
            target.delete_file(temporary)
        raise
