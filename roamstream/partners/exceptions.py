"""Errors of the partner side."""

from roamstream.exceptions import RoamstreamError


class PartnerError(RoamstreamError):
    """Base of the partner side's errors."""


class UnknownPartner(PartnerError):
    """No endpoint is known for a partner key (``CC-PID``)."""


class PendingStateError(PartnerError):
    """A pending delivery record that cannot be read (named in the message)."""
