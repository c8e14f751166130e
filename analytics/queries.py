"""SQL files in ``analytics/sql/``, loaded by name (dbt-style: the file name is the view or query name)."""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

from analytics.exceptions import UnknownQueryError

_NAME = re.compile(r"[a-z][a-z0-9_]*")

#: views made from one template file over another relation: view -> (template, the relation it reads); the
#: template names that relation ``facts_relation``
TEMPLATED: dict[str, tuple[str, str]] = {
    "cdrs_local": ("local_time", "cdrs"),
    "sessions_local": ("local_time", "sessions_current"),
}
_FACTS = re.compile(r"\bfacts_relation\b")


@cache
def load(name: str) -> str:
    """The text of ``analytics/sql/<name>.sql``, without a trailing semicolon (for a templated view, its
    template's text over its relation)."""
    if name in TEMPLATED:
        template, relation = TEMPLATED[name]
        return _FACTS.sub(relation, load(template))
    if not _NAME.fullmatch(name):
        raise UnknownQueryError(f"not a query name: {name!r}")
    source = resources.files("analytics").joinpath("sql", f"{name}.sql")
    if not source.is_file():
        raise UnknownQueryError(f"no analytics/sql/{name}.sql")
    return source.read_text(encoding="utf-8").strip().rstrip(";")
