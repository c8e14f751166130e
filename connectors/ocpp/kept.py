"""Messages a station sends that change no session (firmware and log status, security events, reports,
vendor data, certificate requests): each is kept on ``ocpp.events.v1`` as a MESSAGE, with the frame as
received, and answered with the confirmation its version's spec defines.

A version's handler lists its answers (``{action: call_result}``); ``keeping`` gives the class one ``@on``
handler per action. The answers are constant: nothing here decides anything about charging.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ocpp.routing import on

from connectors.ocpp import keys
from connectors.ocpp.common import station_time
from connectors.ocpp.model import Received, StationEvent, StationKind, skew_ms

#: the payload fields (snake_case) that carry a message's own station time, in order of preference
_TIME_FIELDS = ("timestamp", "generated_at")


def message_event(payload: dict[str, Any], rx: Received, version: str, frame: str) -> StationEvent:
    """The MESSAGE event of one kept message: station time when it has one (else receive time), its
    ``status`` and ``evse_id`` when it reports them, and the frame as received."""
    stamp = next((payload[f] for f in _TIME_FIELDS if payload.get(f) is not None), None)
    at = None if stamp is None else station_time(stamp, rx)
    status, evse_id = payload.get("status"), payload.get("evse_id")
    return StationEvent(
        charge_point_id=rx.charge_point_id,
        ocpp_version=version,
        kind=StationKind.MESSAGE,
        timestamp=rx.received_at if at is None else at,
        received_at=rx.received_at,
        clock_skew_ms=None if at is None else skew_ms(rx.received_at, at),
        evse_id=evse_id if isinstance(evse_id, int) and not isinstance(evse_id, bool) else None,
        status=status if isinstance(status, str) else None,
        message_action=rx.action,
        frame=frame,
    )


def _handler(action: str, answer: Any):
    async def handler(self, **payload):
        await self.keep_message(payload)
        return answer

    handler.__name__ = f"on_{keys.to_snake({action: None}).popitem()[0]}"
    return on(action)(handler)


def keeping(answers: Mapping[str, Any]):
    """Class decorator: an ``@on`` handler for each action of ``answers`` that keeps the message and answers."""

    def decorate(cls):
        for action, answer in answers.items():
            handler = _handler(action, answer)
            setattr(cls, handler.__name__, handler)
        return cls

    return decorate
