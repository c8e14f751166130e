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
