"""A page of CDRs or Sessions from the lake (DuckDB over the Parquet files the worker lands about a second
after each record). Each call opens the lake afresh, so that files landed since are seen; blocking: run it
in a thread."""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Literal

from analytics import open_lake
from roamstream.partners.pull.page import Page, PageQuery

Kind = Literal["cdrs", "sessions"]


@cache
def _sql(name: str) -> str:
    return resources.files(__package__).joinpath("sql", f"{name}.sql").read_text(encoding="utf-8").strip()


def lake_page(lake_uri: str, kind: Kind, query: PageQuery) -> Page:
    params = {
        "parties": list(query.parties) if query.parties is not None else None,
        "date_from": query.date_from,
        "date_to": query.date_to,
    }
    con = open_lake(lake_uri, must_exist=False)  # before the worker's first file: nothing to pull yet, not a 500
    try:
        [(total,)] = con.execute(_sql(f"{kind}_count"), params).fetchall()
        rows = con.execute(_sql(f"{kind}_page"), {**params, "limit": query.limit, "offset": query.offset}).fetchall()
    finally:
        con.close()
    return Page([row[0] for row in rows], total)
