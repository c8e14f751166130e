"""Report queries over an open lake: each is ``analytics/sql/report_<name>.sql`` with bound parameters."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, Literal

import duckdb

if TYPE_CHECKING:
    import pandas as pd

from analytics.exceptions import AnalyticsError, QueryError
from analytics.queries import load

GroupBy = Literal["day", "month"]


@dataclass(frozen=True, slots=True)
class Result:
    columns: list[str]
    rows: list[tuple[Any, ...]]

    def records(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]

    def df(self) -> pd.DataFrame:
        """A pandas DataFrame (the ``analytics`` extra); money stays exact (``Decimal`` objects)."""
        import pandas as pd

        return pd.DataFrame.from_records(self.rows, columns=self.columns)


def run(con: duckdb.DuckDBPyConnection, name: str, params: dict[str, Any] | None = None) -> Result:
    """Run the named query with ``params`` bound (``$name`` placeholders)."""
    return _fetch(con, load(name), params)


def sql(con: duckdb.DuckDBPyConnection, query: str) -> Result:
    """An analyst's own query against the views (``roamstream lake sql``)."""
    return _fetch(con, query, None)


def settlement(
    con: duckdb.DuckDBPyConnection,
    *,
    date_from: date | None = None,
    date_to: date | None = None,
    group_by: GroupBy = "day",
) -> Result:
    if group_by not in ("day", "month"):
        raise AnalyticsError(f"group_by must be day or month, not {group_by!r}")
    return run(con, "report_settlement", {"date_from": date_from, "date_to": date_to, "group_by": group_by})


def reconciliation(
    con: duckdb.DuckDBPyConnection, *, date_from: date | None = None, date_to: date | None = None
) -> Result:
    return run(con, "report_reconciliation", {"date_from": date_from, "date_to": date_to})


def reconciliation_lines(
    con: duckdb.DuckDBPyConnection, *, date_from: date | None = None, date_to: date | None = None
) -> Result:
    return run(con, "report_reconciliation_lines", {"date_from": date_from, "date_to": date_to})


def push_health(
    con: duckdb.DuckDBPyConnection, *, date_from: date | None = None, date_to: date | None = None
) -> Result:
    return run(con, "report_push_health", {"date_from": date_from, "date_to": date_to})


def lake_tables(con: duckdb.DuckDBPyConnection) -> Result:
    return run(con, "lake_tables")


def _fetch(con: duckdb.DuckDBPyConnection, query: str, params: dict[str, Any] | None) -> Result:
    try:
        cursor = con.execute(query, params) if params else con.execute(query)
        rows = cursor.fetchall()
    except duckdb.Error as exc:
        raise QueryError(str(exc)) from exc
    return Result([column[0] for column in cursor.description or []], rows)
