"""The root of every error roamstream raises on purpose."""


class RoamstreamError(Exception):
    """Base class; each package has its own subclasses in its ``exceptions`` module."""


class ConfigError(RoamstreamError):
    """Settings that cannot work together (named in the message)."""
