"""Errors of the partner side, each with the HTTP status and OCPI status code a partner is answered with
(status_codes.asciidoc; credentials.asciidoc for 405)."""

from __future__ import annotations

from roamstream.exceptions import AnsweredError


class PartnerError(AnsweredError):
    """Base of the partner side's errors."""


class NotAllowed(PartnerError):
    """A credentials method not allowed in the caller's state (already registered / not registered): 405."""

    http_status = 405
    ocpi_status = 2000


class Forbidden(PartnerError):
    """The caller is known but may not do this (another party's object, a back-office route)."""

    http_status = 403
    ocpi_status = 2000


class UnknownObject(PartnerError):
    """A single object that is not there, or not the caller's (2003: unknown Location; 2004 for others)."""

    http_status = 404
    ocpi_status = 2004

    def __init__(self, message: str, ocpi_status: int = 2004) -> None:
        super().__init__(message)
        self.ocpi_status = ocpi_status


class InvalidParameters(PartnerError):
    """Invalid or missing parameters (OCPI 2001)."""

    http_status = 400
    ocpi_status = 2001


class PartnerUnreachable(PartnerError):
    """The partner's versions, version details or credentials endpoint cannot be used (OCPI 3001)."""

    http_status = 400
    ocpi_status = 3001


class UnsupportedVersion(PartnerError):
    """The partner does not offer OCPI 2.2.1 (OCPI 3002)."""

    http_status = 400
    ocpi_status = 3002


class MissingEndpoints(PartnerError):
    """The partner did not publish the endpoints we need (OCPI 3003)."""

    http_status = 400
    ocpi_status = 3003


class RegistrationRefused(PartnerError):
    """The partner answered our credentials POST with an error; ``ocpi_status`` is theirs when they sent one."""

    http_status = 502
    ocpi_status = 3001


class UnknownPartner(PartnerError):
    """No endpoint is known for a partner key (``CC-PID``)."""


class PendingStateError(PartnerError):
    """A pending delivery record that cannot be read (named in the message)."""
