"""OCPP-J frames: reading ``[type, id, ...]`` arrays, with a precise error for anything that is not one.

Numbers are read as ``Decimal`` (energy values stay exact). Frame errors carry the CALLERROR code of the
connection's version and the message id when it can be read, else ``"-1"``.
"""

from __future__ import annotations

import json
from decimal import Decimal

from ocpp.messages import Call, CallError, CallResult

from connectors.ocpp.exceptions import FrameError

UNREADABLE_ID = "-1"


def _codes(version: str) -> tuple[str, str, str]:
    """(not JSON, not an RPC frame, unknown message type) for ``version``."""
    if version == "1.6":
        return "FormationViolation", "ProtocolError", "ProtocolError"
    return "FormatViolation", "RpcFrameworkError", "MessageTypeNotSupported"


def parse(raw: str | bytes, version: str) -> Call | CallResult | CallError:
    not_json, not_rpc, bad_type = _codes(version)
    if isinstance(raw, bytes):
        raise FrameError(not_json, UNREADABLE_ID, "OCPP-J frames are text frames, got a binary frame")
    try:
        frame = json.loads(raw, parse_float=Decimal)
    except ValueError as exc:
        raise FrameError(not_json, UNREADABLE_ID, f"frame is not JSON: {exc}") from None
    if not isinstance(frame, list):
        raise FrameError(not_rpc, UNREADABLE_ID, f"frame must be a JSON array, got {type(frame).__name__}")
    message_id = frame[1] if len(frame) > 1 and isinstance(frame[1], str) and frame[1] else None
    if message_id is None:
        raise FrameError(not_rpc, UNREADABLE_ID, "frame has no readable message id (element 2, a string)")
    if len(message_id) > 36:
        raise FrameError(not_rpc, message_id[:36], "message id longer than 36 characters")
    kind = frame[0]
    if kind == 2:
        if len(frame) != 4 or not isinstance(frame[2], str) or not isinstance(frame[3], dict):
            raise FrameError(not_rpc, message_id, "CALL must be [2, id, action (string), payload (object)]")
        return Call(message_id, frame[2], frame[3])
    if kind == 3:
        if len(frame) != 3 or not isinstance(frame[2], dict):
            raise FrameError(not_rpc, message_id, "CALLRESULT must be [3, id, payload (object)]")
        return CallResult(message_id, frame[2])
    if kind == 4:
        if len(frame) < 4:
            raise FrameError(not_rpc, message_id, "CALLERROR must be [4, id, code, description, details]")
        return CallError(message_id, *frame[2:5])
    raise FrameError(bad_type, message_id, f"message type {kind!r} is not 2, 3 or 4")


def call_error(message_id: str, code: str, description: str, details: dict | None = None) -> str:
    return CallError(message_id, code, description[:255], details or {}).to_json()


#: codes whose spelling differs between 1.6 (the spec's typos) and 2.0.1
_V16_SPELLING = {
    "FormatViolation": "FormationViolation",
    "OccurrenceConstraintViolation": "OccurenceConstraintViolation",
}


def wire_code(code: str, version: str) -> str:
    return _V16_SPELLING.get(code, code) if version == "1.6" else code
