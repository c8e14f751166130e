"""SQL files in ``analytics/sql/``, loaded by name (dbt-style: the file name is the view or query name)."""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

from analytics.exceptions import UnknownQueryError

_NAME = re.compile(r"[a-z][a-z0-9_]*")


@cache
def load(name: str) -> str:
    """The text of ``analytics/sql/<name>.sql``, without a trailing semicolon."""
    if not _NAME.fullmatch(name):
        raise UnknownQueryError(f"not a query name: {name!r}")
    source = resources.files("analytics").joinpath("sql", f"{name}.sql")
    if not source.is_file():
        raise UnknownQueryError(f"no analytics/sql/{name}.sql")
    return source.read_text(encoding="utf-8").strip().rstrip(";")
