"""Compaction: rewrite a closed day of a lake table into one deduplicated file, atomically, losing nothing.

At-least-once landing may write a row twice (a replay cut at other offsets). Reading the lake would then
pay for deduplication on every query; compaction pays once. For each closed day of a table
(``<table>/dt=D/``), every file is read (the landed ``part-*`` files and an earlier compacted file),
one row per natural key is kept (:attr:`LakeTable.key`, the copy chosen by :attr:`LakeTable.keep`, as the
analytics views choose it), and the result is written under a temporary name and renamed to
``compacted-<schema fingerprint>.parquet``. Only then, once the new file reads back with every kept
row, are the files it was made of deleted. A crash at any point leaves either the old files, or the new file
beside (some of) the old ones: both read the same through the deduplicating views, and the next compaction
finishes the job. Files landed
during a compaction are not read, so not deleted: they are compacted next time. Older files with fewer
columns (schema evolution) are read with the missing columns null and written in the current schema.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from pyarrow import fs as pafs

from roamstream.lake import fs
from roamstream.lake.exceptions import LakeError
from roamstream.lake.tables import SOURCE_FILE, TABLES, LakeTable
from roamstream.lake.writer import COMPRESSION, write_atomically

#: compacted files are named ``compacted-<fingerprint of the schema they were written in>.parquet``
COMPACTED_PREFIX = "compacted-"


def compacted_name(spec: LakeTable) -> str:
    """The file name of a day compacted in ``spec``'s current schema: readers that find only such files know
    they all share that schema (no need to reconcile every file's columns)."""
    fingerprint = hashlib.sha256(spec.schema.to_string(show_schema_metadata=False).encode()).hexdigest()[:16]
    return f"{COMPACTED_PREFIX}{fingerprint}.parquet"
_POSITION = "__position"


@dataclass(frozen=True, slots=True)
class Compacted:
    table: str
    day: date
    files: int
    rows_read: int
    rows_kept: int


def closed_days(filesystem: pafs.FileSystem, root: str, spec: LakeTable, before: date | None) -> list[date]:
    """The table's days before ``before``; without it, every day but the newest two (still filling)."""
    days = sorted(_days(filesystem, root, spec))
    if before is None:
        return days[:-2]
    return [day for day in days if day < before]


def compact_lake(
    lake_uri: str,
    *,
    tables: list[str] | None = None,
    before: date | None = None,
    filesystem: pafs.FileSystem | None = None,
) -> Iterator[Compacted]:
    """Compact the closed days of ``tables`` (default: all); yields what each rewritten day became.

    A day already made of one compacted file is left alone.
    """
    target, root = fs.resolve(lake_uri, filesystem)
    for name in tables or list(TABLES):
        spec = TABLES.get(name)
        if spec is None:
            raise LakeError(f"unknown lake table {name!r}; known: {', '.join(TABLES)}")
        for day in closed_days(target, root, spec, before):
            done = compact_day(target, root, spec, day)
            if done is not None:
                yield done


def compact_day(filesystem: pafs.FileSystem, root: str, spec: LakeTable, day: date) -> Compacted | None:
    directory = f"{root}/{spec.name}/dt={day.isoformat()}"
    files = sorted(
        info.path
        for info in filesystem.get_file_info(pafs.FileSelector(directory))
        if info.type == pafs.FileType.File and info.base_name.endswith(".parquet")
        and not info.base_name.startswith(".")
    )
    target = f"{directory}/{compacted_name(spec)}"
    if not files or files == [target]:
        return None
    landed = pa.concat_tables(
        [_read(filesystem, path, spec.schema) for path in files], promote_options="default"
    )
    kept = deduplicate(landed, spec)
    sink = pa.BufferOutputStream()
    pq.write_table(kept, sink, compression=COMPRESSION)
    write_atomically(filesystem, target, sink.getvalue().to_pybytes())
    written = pq.read_metadata(target, filesystem=filesystem).num_rows
    if written != kept.num_rows:
        raise LakeError(f"{target}: wrote {written} rows, expected {kept.num_rows}; the landed files are kept")
    for path in files:
        if path != target:
            filesystem.delete_file(path)
    return Compacted(spec.name, day, len(files), landed.num_rows, kept.num_rows)


def deduplicate(landed: pa.Table, spec: LakeTable) -> pa.Table:
    """One row per ``spec.key``: the first by ``spec.keep``; in ``spec.schema``, without the source column."""
    order = pc.sort_indices(landed, sort_keys=list(spec.keep))
    ranked = landed.take(order).append_column(_POSITION, pa.array(range(landed.num_rows), pa.int64()))
    first = ranked.group_by(list(spec.key), use_threads=False).aggregate([(_POSITION, "min")])
    positions = pc.sort_indices(first[f"{_POSITION}_min"])
    kept = ranked.take(pc.take(first[f"{_POSITION}_min"], positions))
    return kept.drop_columns([_POSITION, SOURCE_FILE]).cast(spec.schema)


def _read(filesystem: pafs.FileSystem, path: str, schema: pa.Schema) -> pa.Table:
    """A file in the table's current schema (columns it lacks are null), with its path as a column."""
    table = pq.read_table(path, filesystem=filesystem)
    columns = [
        table[f.name].cast(f.type) if f.name in table.column_names else pa.nulls(table.num_rows, f.type)
        for f in schema
    ]
    loose = pa.schema([f.with_nullable(True) for f in schema])
    current = pa.Table.from_arrays(columns, schema=loose)
    return current.append_column(SOURCE_FILE, pa.array([path] * table.num_rows, pa.string()))


def _days(filesystem: pafs.FileSystem, root: str, spec: LakeTable) -> Iterator[date]:
    folder = f"{root}/{spec.name}"
    if filesystem.get_file_info(folder).type != pafs.FileType.Directory:
        return
    for info in filesystem.get_file_info(pafs.FileSelector(folder)):
        if info.type == pafs.FileType.Directory and info.base_name.startswith("dt="):
            try:
                yield date.fromisoformat(info.base_name.removeprefix("dt="))
            except ValueError:
                continue
