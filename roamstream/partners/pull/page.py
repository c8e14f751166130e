"""Pagination (transport_and_format, Pagination): ``date_from`` inclusive, ``date_to`` exclusive, on
``last_updated``; ``offset``/``limit``; the answer's ``X-Total-Count``, ``X-Limit`` and ``Link: <...>;
rel="next"``. Pure: no I/O."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

from roamstream.ocpi.timefmt import format_datetime


@dataclass(frozen=True, slots=True)
class PageQuery:
    date_from: datetime | None
    date_to: datetime | None
    offset: int
    limit: int
    #: the ``CC-PID`` keys whose objects the caller may read; None: all (back office, or public objects)
    parties: tuple[str, ...] | None = None

    def params(self, offset: int) -> dict[str, str]:
        out = {}
        if self.date_from is not None:
            out["date_from"] = format_datetime(self.date_from)
        if self.date_to is not None:
            out["date_to"] = format_datetime(self.date_to)
        return {**out, "offset": str(offset), "limit": str(self.limit)}

    def takes(self, last_updated: datetime) -> bool:
        return (self.date_from is None or last_updated >= self.date_from) and (
            self.date_to is None or last_updated < self.date_to)


@dataclass(frozen=True, slots=True)
class Page:
    #: the objects, each as its exact OCPI JSON text
    items: Sequence[str]
    total: int


def effective_limit(asked: int | None, maximum: int) -> int:
    """The page size we serve: what was asked, at most ``maximum`` (which ``X-Limit`` announces)."""
    return maximum if asked is None else max(0, min(asked, maximum))


def headers(url: str, query: PageQuery, page: Page) -> dict[str, str]:
    """``X-Total-Count``, ``X-Limit`` and, while objects follow this page, ``Link`` to the next one."""
    out = {"X-Total-Count": str(page.total), "X-Limit": str(query.limit)}
    following = query.offset + len(page.items)
    if page.items and following < page.total:
        out["Link"] = f'<{url}?{urlencode(query.params(following))}>; rel="next"'
    return out


def paginate(objects: Sequence[tuple[datetime, str, str]], query: PageQuery) -> Page:
    """A page of ``(last_updated, id, json)`` triples: those in the query's window, oldest first."""
    chosen = sorted((o for o in objects if query.takes(o[0])), key=lambda o: (o[0], o[1]))
    return Page([o[2] for o in chosen[query.offset: query.offset + query.limit]], len(chosen))
