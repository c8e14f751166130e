"""Errors the ingest API raises on purpose, each with its HTTP status and OCPI status code."""

from __future__ import annotations

from dataclasses import dataclass

from roamstream.exceptions import AnsweredError


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a request: the field path (``elements[0].price``) and what is wrong."""

    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


class IngestError(AnsweredError):
    """Base of the ingest API's errors."""


class InvalidRequest(IngestError):
    """Invalid JSON, a payload that fails validation, or a path that contradicts the body (OCPI 2001).

    ``key`` is the Kafka key the request would have had (for the dead-letter record), when known.
    """

    http_status = 400
    ocpi_status = 2001

    def __init__(self, problems: list[Problem], key: str | None = None) -> None:
        self.problems = problems
        self.key = key
        super().__init__("; ".join(str(p) for p in problems))


class Unauthorized(IngestError):
    """Missing or unknown credentials token (transport_and_format: HTTP 401; OCPI generic client error)."""

    http_status = 401
    ocpi_status = 2000


class PayloadTooLarge(IngestError):
    """A request body over ``ApiSettings.max_body_bytes``; refused before it is read in full."""

    http_status = 413
    ocpi_status = 2000


class BrokerUnavailable(IngestError):
    """The broker did not confirm delivery; nothing is known to be published (OCPI generic server error)."""

    http_status = 503
    ocpi_status = 3000
