"""What one answer of a partner means for delivery (pure): OCPI 2.2.1 transport_and_format and status_codes.

- success: HTTP 2xx with an OCPI ``status_code`` 1000-1999;
- transient (retried until delivered): no answer (connection refused, timeout, broken connection), HTTP 5xx,
  HTTP 429 (``Retry-After`` honoured), OCPI 3xxx (server errors), hub 4002/4003 (the receiver could not be
  reached or did not answer in time);
- not found: a PATCH answered HTTP 404 or OCPI 2003 (unknown object): the partner lost the object, PUT it again;
  a DELETE answered HTTP 404 or OCPI 2003/2004 (unknown object): the partner does not have it, as the DELETE wants;
- already exists: a CDR POST answered HTTP 409, or 4xx/OCPI 2xxx saying the id exists already;
- final: anything else (HTTP 4xx, OCPI 2xxx): dead-lettered with the request and the response.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from enum import StrEnum


class Outcome(StrEnum):
    OK = "ok"
    TRANSIENT = "transient"
    NOT_FOUND = "not_found"
    ALREADY_EXISTS = "already_exists"
    FINAL = "final"


_EXISTS = re.compile(r"\b(already exists?|exists already|duplicate)\b", re.IGNORECASE)
TRANSIENT_HUB_CODES = frozenset({4002, 4003})


def classify(method: str, module: str, http_status: int | None, ocpi_code: int | None,
             message: str | None) -> Outcome:
    """The outcome of an answer; ``http_status`` None means there was no answer."""
    if http_status is None:
        return Outcome.TRANSIENT
    if 200 <= http_status < 300 and ocpi_code is not None and 1000 <= ocpi_code <= 1999:
        return Outcome.OK
    if http_status >= 500 or http_status == 429:
        return Outcome.TRANSIENT
    if ocpi_code is not None and (3000 <= ocpi_code <= 3999 or ocpi_code in TRANSIENT_HUB_CODES):
        return Outcome.TRANSIENT
    if method == "PATCH" and (http_status == 404 or ocpi_code == 2003):
        return Outcome.NOT_FOUND
    if method == "DELETE" and (http_status == 404 or ocpi_code in (2003, 2004)):
        return Outcome.NOT_FOUND
    if module == "cdrs" and method == "POST" and (http_status == 409 or _EXISTS.search(message or "")):
        return Outcome.ALREADY_EXISTS
    return Outcome.FINAL


def retry_after_s(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date); None if absent or bad."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())
