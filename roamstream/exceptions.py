"""The root of every error roamstream raises on purpose."""


class RoamstreamError(Exception):
    """Base class; each package has its own subclasses in its ``exceptions`` module."""


class ConfigError(RoamstreamError):
    """Settings that cannot work together (named in the message)."""


class AnsweredError(RoamstreamError):
    """An error a party is answered with: its HTTP status and OCPI status code (status_codes.asciidoc). The
    ingest API's and the partner side's errors derive from it; one handler turns any of them into an OCPI
    envelope."""

    http_status = 500
    ocpi_status = 3000
