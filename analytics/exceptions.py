"""Errors of the analytics package."""

from __future__ import annotations

from roamstream.exceptions import RoamstreamError


class AnalyticsError(RoamstreamError):
    """Base class of the analytics errors."""


class UnknownQueryError(AnalyticsError):
    """A query name with no ``analytics/sql/<name>.sql``."""


class QueryError(AnalyticsError):
    """DuckDB refused a query (an analyst's ``lake sql``, or a bad report parameter)."""


class LakeOpenError(AnalyticsError):
    """The lake's files could not be listed or read (e.g. s3:// without DuckDB's httpfs)."""


class LakeNotFoundError(LakeOpenError):
    """The lake path does not exist, or holds none of the lake's table folders (a typo, not "no revenue")."""

    def __init__(self, lake_uri: str, reason: str) -> None:
        super().__init__(f"no lake at {lake_uri}: {reason}")
        self.lake_uri = lake_uri
