from roamstream.exceptions import RoamstreamError


class CdrError(RoamstreamError):
    """A CDR cannot be built (yet)."""


class MissingReference(CdrError):
    """Reference data the CDR needs is not known (yet): the message names what is missing."""
