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

    #: the OCPP-J error code sent back, in 2.0.1 spelling (``frames.wire_code`` gives 1.6's)
    code = "ProtocolError"


class BadTimestamp(UninterpretableMessage):
    """A timestamp that no lenient reading can make sense of."""

    code = "FormatViolation"


class PublishFailed(OcppConnectorError):
    """Kafka did not take an event; the message is answered with an InternalError so the station retries."""


class FrameError(OcppConnectorError):
    """A frame that is not an OCPP-J message; ``code`` is already in the connection's version spelling."""

    def __init__(self, code: str, message_id: str, description: str) -> None:
        super().__init__(description)
        self.code = code
        self.message_id = message_id
        self.description = description


class CallRejected(OcppConnectorError):
    """A CALL answered with a CALLERROR (``code`` in 2.0.1 spelling; ``frames.wire_code`` adapts it)."""

    def __init__(self, code: str, description: str) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
