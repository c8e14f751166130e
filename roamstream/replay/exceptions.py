"""Errors of recording and replaying topics."""

from roamstream.exceptions import RoamstreamError


class ReplayError(RoamstreamError):
    """A replay that could not produce its CDRs (timeout, conflicting CDRs, dead-lettered sessions)."""


class RecordingError(RoamstreamError):
    """A recording file that is not one (bad header, unknown topic, undecodable line)."""
