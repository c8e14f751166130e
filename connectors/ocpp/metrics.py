"""The OCPP endpoint's metrics (prometheus-client, the server's own registry): connections, CALLs and the
CALLERRORs answered by version and action, refused handshakes, dead letters (``roamstream.metrics``).

Action labels are bounded: an action that is not one of the version's (anything a station may send) is
counted as ``unknown``, so a station cannot grow the label set; an unreadable frame as ``unreadable``.
"""

from __future__ import annotations

from ocpp.v16.enums import Action as V16Action
from ocpp.v201.enums import Action as V201Action
from prometheus_client import Counter, Gauge

from roamstream.metrics import ServiceMetrics

_ACTIONS = {"1.6": frozenset(a.value for a in V16Action), "2.0.1": frozenset(a.value for a in V201Action)}
UNKNOWN = "unknown"
UNREADABLE = "unreadable"


def action_label(version: str, action: str | None) -> str:
    if action is None:
        return UNREADABLE
    return action if action in _ACTIONS.get(version, ()) else UNKNOWN


class OcppMetrics(ServiceMetrics):
    def __init__(self) -> None:
        super().__init__()
        r = self.registry
        self.connections = Counter("roamstream_ocpp_connections", "WebSocket connections of charge points opened",
                                   ["version"], registry=r)
        self.connected = Gauge("roamstream_ocpp_connected", "charge points connected now", ["version"], registry=r)
        self.handshakes_rejected = Counter("roamstream_ocpp_handshakes_rejected",
                                           "WebSocket upgrades refused (HTTP status: 401 authentication, 400/404 "
                                           "identity)", ["status"], registry=r)
        self.messages = Counter("roamstream_ocpp_messages", "CALLs received from charge points",
                                ["version", "action"], registry=r)
        self.callerrors = Counter("roamstream_ocpp_callerrors", "CALLERRORs answered to charge points",
                                  ["version", "action", "code"], registry=r)
