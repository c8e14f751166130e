"""DuckDB over the lake: ``open_lake`` creates every view.

Three layers, each a temporary view on the connection:

- ``raw_<table>``: the table's Parquet files (``<lake>/<table>/*/*.parquet``, Hive ``dt``, union by name,
  with the file name; a column added to the schema after every file was written reads as null), or, while
  a table has no file yet, an empty relation of the table's Arrow schema, so that every view exists and is
  typed from the first minute.
- ``stg_<table>`` (``analytics/sql/stg_*.sql``): rename and cast only.
- ``<table>`` and ``sessions_current``, ``int_reconciliation_lines``: deduplicated by natural key, since
  at-least-once processing may land a record twice in different files.

The lake path never enters SQL text: it is handed to DuckDB's relational API (``read_parquet``) as a value,
and views are created from relations (no quoting, no f-strings). The session time zone is set to UTC so that
timestamps and dates read as the event-time UTC the lake is partitioned by. A table that was empty when the
lake was opened stays empty on that connection: call ``open_lake`` again (with ``connection=``) to refresh.
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

from analytics.exceptions import LakeOpenError
from analytics.queries import load
from roamstream.lake import TABLES, LakeTable

#: views over the raw relations, in dependency order
VIEWS: tuple[str, ...] = (
    *(f"stg_{name}" for name in TABLES),
    *TABLES,
    "sessions_current",
    "int_reconciliation_lines",
)


def table_glob(lake_uri: str, table: str) -> str:
    root = lake_uri.removeprefix("file://").rstrip("/")
    return f"{root}/{table}/*/*.parquet"


def open_lake(
    lake_uri: str, *, connection: duckdb.DuckDBPyConnection | None = None
) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection (``connection`` or a new in-memory one) with every lake view created.

    An ``s3://`` lake needs DuckDB's httpfs extension and S3 credentials configured on ``connection``.
    """
    con = connection if connection is not None else duckdb.connect()
    try:
        con.execute("set TimeZone = 'UTC'")
        for name, spec in TABLES.items():
            _raw_relation(con, lake_uri, spec).create_view(f"raw_{name}", replace=True)
        for view in VIEWS:
            con.sql(load(view)).create_view(view, replace=True)
    except duckdb.Error as exc:
        raise LakeOpenError(f"cannot open the lake at {lake_uri}: {exc}") from exc
    return con


def _raw_relation(con: duckdb.DuckDBPyConnection, lake_uri: str, spec: LakeTable) -> duckdb.DuckDBPyRelation:
    pattern = table_glob(lake_uri, spec.name)
    [(files,)] = con.execute("select count(*) from glob(?)", [pattern]).fetchall()
    if not files:
        return con.from_arrow(empty_table(spec))
    landed = con.read_parquet(pattern, hive_partitioning=True, union_by_name=True, filename=True)
    missing = [f for f in spec.schema if f.name not in landed.columns]
    if not missing:
        return landed
    # files landed before a column was added to the table's schema: the column reads as null
    typed = con.from_arrow(pa.schema(missing).empty_table())
    return landed.select(
        *(duckdb.ColumnExpression(name) for name in landed.columns),
        *(duckdb.ConstantExpression(None).cast(t).alias(n) for n, t in zip(typed.columns, typed.types, strict=True)),
    )


def empty_table(spec: LakeTable) -> pa.Table:
    """No rows, the columns a Parquet scan of the table gives: its schema, ``filename`` and ``dt``."""
    return (
        spec.schema.append(pa.field("filename", pa.string()))
        .append(pa.field("dt", pa.date32()))
        .empty_table()
    )
