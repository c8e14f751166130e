"""The answer to a CALL whose action has no handler here, as OCPP-J defines the two codes (1.6 §4.2.3,
2.0.1 part 4 §4.3): ``NotImplemented`` when the action is not known at all, ``NotSupported`` when it is an
action of the version that we do not serve (e.g. one the CSMS sends, not the station).

The ``ocpp`` package swaps the two codes (it answers an unknown action ``NotSupported``), so the
connection decides here, before the package's routing ever sees the call.
"""

from __future__ import annotations

from ocpp.v16.enums import Action as V16Action
from ocpp.v201.enums import Action as V201Action

from connectors.ocpp.exceptions import CallRejected

_KNOWN = {"1.6": {a.value for a in V16Action}, "2.0.1": {a.value for a in V201Action}}

NOT_IMPLEMENTED = "Requested Action is not known by receiver"
NOT_SUPPORTED = "Requested Action is recognized but not supported by the receiver"


def unhandled(version: str, action: str) -> CallRejected:
    """The CALLERROR for ``action``, which has no handler on a ``version`` connection."""
    if action in _KNOWN[version]:
        return CallRejected("NotSupported", f"{NOT_SUPPORTED}: {action}")
    return CallRejected("NotImplemented", f"{NOT_IMPLEMENTED}: {action[:64]}")
