"""Analytics over the Parquet lake with DuckDB: ``open_lake`` creates the views; ``reports`` reads them.

SQL lives in ``analytics/sql/*.sql`` and is loaded by name; see ``analytics/README.md`` for the views.
"""

from analytics.exceptions import AnalyticsError, LakeNotFoundError, LakeOpenError, QueryError, UnknownQueryError
from analytics.lake import VIEWS, open_lake
from analytics.queries import load
from analytics.reports import Result, push_health, reconciliation, reconciliation_lines, settlement

__all__ = [
    "VIEWS",
    "AnalyticsError",
    "LakeNotFoundError",
    "LakeOpenError",
    "QueryError",
    "Result",
    "UnknownQueryError",
    "load",
    "open_lake",
    "push_health",
    "reconciliation",
    "reconciliation_lines",
    "settlement",
]
