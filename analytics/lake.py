"""DuckDB over the lake: ``open_lake`` creates every view.

Three layers, each a temporary view on the connection:

- ``raw_<table>``: the table's Parquet files still to deduplicate (``<lake>/<table>/*/part-*.parquet`` and
  the compacted files of days landed into since; Hive ``dt``, union by name, with the file name), or, while
  there is none, an empty relation of the table's Arrow schema, so that every view exists and is typed from
  the first minute. The compacted files of days with nothing else (``roamstream lake compact``) are
  already one row per key and are read as they are (``stg_<table>_compacted``), never deduplicated again.
- ``stg_<table>`` (``analytics/sql/stg_*.sql``): rename and cast only.
- ``<table>`` and ``sessions_current``, ``int_reconciliation_lines``: deduplicated by natural key, since
  at-least-once processing may land a record twice in different files.

The lake path never enters SQL text: it is handed to DuckDB's relational API (``read_parquet``) as a value,
and views are created from relations (no quoting, no f-strings). The session time zone is set to UTC so that
timestamps and dates read as the event-time UTC the lake is partitioned by. A table that was empty when the
lake was opened stays empty on that connection: call ``open_lake`` again (with ``connection=``) to refresh.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import duckdb
import pyarrow as pa

from analytics.exceptions import LakeNotFoundError, LakeOpenError
from analytics.queries import load
from roamstream.lake import TABLES, LakeTable
from roamstream.lake.compact import COMPACTED_PREFIX, compacted_name

#: views over the raw relations, in dependency order
VIEWS: tuple[str, ...] = (
    *(f"stg_{name}" for name in TABLES),
    *TABLES,
    "sessions_current",
    "cdrs_local",
    "sessions_local",
    "int_reconciliation_lines",
)

#: table macros (``analytics/sql/<name>.sql`` is the body; its parameters are named in the tuple), created after
#: the views
MACROS: dict[str, tuple[str, ...]] = {"reconciliation_scope": ("date_from", "date_to")}


def table_glob(lake_uri: str, table: str, files: str = "*.parquet") -> str:
    root = lake_uri.removeprefix("file://").rstrip("/")
    return f"{root}/{table}/*/{files}"


def open_lake(
    lake_uri: str,
    *,
    connection: duckdb.DuckDBPyConnection | None = None,
    must_exist: bool = True,
    only: Iterable[str] | None = None,
) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection (``connection`` or a new in-memory one) with every lake view created.

    ``only``: create just what these views or queries (e.g. ``report_settlement``) read, for a report that
    must not pay for opening every table.

    A local lake must exist and hold at least one table folder, else :class:`LakeNotFoundError` (a mistyped
    path must not read as an empty lake); ``must_exist=False`` for a lake still being filled (the demo
    watching its first files land). An ``s3://`` lake is not checked: it needs DuckDB's httpfs extension and
    S3 credentials configured on ``connection``.
    """
    if must_exist:
        check_lake(lake_uri)
    con = connection if connection is not None else duckdb.connect()
    try:
        con.execute("set TimeZone = 'UTC'")
        wanted = None if only is None else needed(only)
        all_compacted = set()
        for name, spec in TABLES.items():
            if wanted is not None and f"raw_{name}" not in wanted:
                continue
            landed, compacted, nothing_landed = _raw_relations(con, lake_uri, spec)
            compacted.query(f"raw_{name}", load(f"stg_{name}")).create_view(f"stg_{name}_compacted", replace=True)
            landed.create_view(f"raw_{name}", replace=True)
            if nothing_landed:
                all_compacted.add(name)
        for view in VIEWS:
            if wanted is not None and view not in wanted:
                continue
            if view in all_compacted:  # nothing to deduplicate: the view is its compacted rows, read as they are
                con.table(f"stg_{view}_compacted").create_view(view, replace=True)
            else:
                con.sql(load(view)).create_view(view, replace=True)
        for macro, parameters in MACROS.items():
            if wanted is None or macro in wanted:
                con.execute(f"create or replace temp macro {macro}({', '.join(parameters)}) as table {load(macro)}")
    except duckdb.Error as exc:
        raise LakeOpenError(f"cannot open the lake at {lake_uri}: {exc}") from exc
    return con


#: every name a view's SQL may read: the views, the macros, and per table its raw relation and compacted staging view
_RELATIONS = (frozenset(VIEWS) | frozenset(MACROS) | {f"raw_{t}" for t in TABLES}
              | {f"stg_{t}_compacted" for t in TABLES})
_READS = re.compile(r"\b(?:from|join)\s+([a-z_][a-z0-9_]*)")
_COMMENT = re.compile(r"--[^\n]*")


def needed(names: Iterable[str]) -> set[str]:
    """The views and raw relations that the views or queries ``names`` read, directly or not."""
    found: set[str] = set()
    pending = list(names)
    while pending:
        name = pending.pop()
        if name.startswith("raw_") or name.endswith("_compacted"):
            continue
        for word in set(_READS.findall(_COMMENT.sub("", load(name)))) & _RELATIONS:
            if word not in found:
                found.add(word)
                pending.append(word)
    return found


def check_lake(lake_uri: str) -> None:
    """Raise :class:`LakeNotFoundError` unless the local ``lake_uri`` is a directory with a table folder."""
    path = lake_uri.removeprefix("file://")
    if "://" in path:
        return
    root = Path(path)
    if not root.exists():
        raise LakeNotFoundError(lake_uri, "the path does not exist")
    if not root.is_dir():
        raise LakeNotFoundError(lake_uri, "not a directory")
    if not any((root / name).is_dir() for name in TABLES):
        raise LakeNotFoundError(lake_uri, f"none of the lake's tables ({', '.join(TABLES)}) is there")


def _raw_relations(
    con: duckdb.DuckDBPyConnection, lake_uri: str, spec: LakeTable
) -> tuple[duckdb.DuckDBPyRelation, duckdb.DuckDBPyRelation, bool]:
    """(rows still to deduplicate, rows already deduplicated, whether there is nothing to deduplicate but
    compacted rows): the files of days with landed ``part-*`` files, and the compacted files of days with
    nothing else (see ``roamstream lake compact``)."""
    files = [row[0] for row in con.execute("select file from glob(?)", [table_glob(lake_uri, spec.name)]).fetchall()]
    compacted = [f for f in files if f.rpartition("/")[2].startswith(COMPACTED_PREFIX)]
    touched = {_day_folder(f) for f in files if f not in set(compacted)}
    # landed files by pattern, so that files landed after opening are read too
    landed = [table_glob(lake_uri, spec.name, "part-*.parquet")] if touched else []
    landed += [f for f in compacted if _day_folder(f) in touched]
    final = [f for f in compacted if _day_folder(f) not in touched]
    # files compacted in the current schema need no reconciling of their columns (the costly part of opening)
    current = all(f.endswith(f"/{compacted_name(spec)}") for f in final)
    return _scan(con, landed, spec), _scan(con, final, spec, same_schema=current), not landed and bool(final)


def _day_folder(path: str) -> str:
    return path.rpartition("/")[0]


def _scan(
    con: duckdb.DuckDBPyConnection, files: list[str], spec: LakeTable, *, same_schema: bool = False
) -> duckdb.DuckDBPyRelation:
    """The files (union by name unless they are known to share the current schema), with a typed null for each
    column none of them has (files landed before the column was added to the table: schema evolution); an
    empty relation of the table's schema without files."""
    columns = scan_schema(spec)
    if not files:
        nothing = con.sql("select 1 as nothing where false")
        return nothing.select(*(_typed_null(f) for f in columns))
    scan = con.read_parquet(files, hive_partitioning=True, union_by_name=not same_schema, filename=True)
    missing = [f for f in columns if f.name not in scan.columns]
    if not missing:
        return scan
    return scan.select(*(duckdb.ColumnExpression(name) for name in scan.columns), *(_typed_null(f) for f in missing))


#: DuckDB types of the Arrow types of the lake's schemas (an empty relation is made without Arrow: DuckDB's
#: Arrow import loads pandas, a third of a second at every report)
_SIMPLE_TYPES = {
    pa.string(): "VARCHAR",
    pa.bool_(): "BOOLEAN",
    pa.int32(): "INTEGER",
    pa.int64(): "BIGINT",
    pa.float32(): "FLOAT",
    pa.float64(): "DOUBLE",
    pa.binary(): "BLOB",
    pa.date32(): "DATE",
    pa.timestamp("us", tz="UTC"): "TIMESTAMP WITH TIME ZONE",
}


def duckdb_type(kind: pa.DataType) -> str:
    if kind in _SIMPLE_TYPES:
        return _SIMPLE_TYPES[kind]
    if pa.types.is_decimal(kind):
        return f"DECIMAL({kind.precision},{kind.scale})"
    if pa.types.is_list(kind):
        return f"{duckdb_type(kind.value_type)}[]"
    raise LakeOpenError(f"no DuckDB type for the lake's Arrow type {kind}")


def _typed_null(column: pa.Field) -> duckdb.Expression:
    return duckdb.ConstantExpression(None).cast(duckdb.sqltype(duckdb_type(column.type))).alias(column.name)


def scan_schema(spec: LakeTable) -> pa.Schema:
    """The columns a Parquet scan of the table gives: its schema, ``filename`` and ``dt``."""
    return spec.schema.append(pa.field("filename", pa.string())).append(pa.field("dt", pa.date32()))


def empty_table(spec: LakeTable) -> pa.Table:
    """No rows, the columns a Parquet scan of the table gives."""
    return scan_schema(spec).empty_table()
