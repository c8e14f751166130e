"""Errors of the OCPP connector; each one that reaches a charge point maps to an OCPP CALLERROR code."""

from __future__ import annotations

from roamstream.exceptions import RoamstreamError


class OcppConnectorError(RoamstreamError):
    """Base class of the connector's errors."""


class HandshakeRejected(OcppConnectorError):
    """The WebSocket upgrade was refused (bad identity, bad credentials); carries the HTTP status."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


class UninterpretableMessage(OcppConnectorError):
    """A message whose content cannot be turned into an event at all (answered with a CALLERROR)."""

    #: the OCPP-J error code sent back (1.6 spells the format error ``FormationViolation``)
    code = "ProtocolError"


class BadTimestamp(UninterpretableMessage):
    """A timestamp that no lenient reading can make sense of."""

    code = "FormatViolation"


class PublishFailed(OcppConnectorError):
    """Kafka did not take an event; the message is answered with an InternalError so the station retries."""
