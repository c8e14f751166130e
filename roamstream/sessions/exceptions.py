"""Errors of the session fold; the agent sends the event that raised one to the dead-letter topic."""

from roamstream.exceptions import RoamstreamError


class SessionError(RoamstreamError):
    """Base class of the session fold's errors."""


class EventError(SessionError):
    """An event the fold cannot read (naive time, unknown kind, another charge point's event)."""


class StateVersionError(SessionError):
    """A stored state of another shape (``state["v"]``) than this fold's ``VERSION``."""
