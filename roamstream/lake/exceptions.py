"""Errors of the lake writer."""

from __future__ import annotations

from roamstream.exceptions import RoamstreamError


class LakeError(RoamstreamError):
    """Base class of the lake writer's errors."""


class UnknownTableError(LakeError):
    """A table name that is not in the lake catalog."""


class LakeRecordError(LakeError):
    """A record that cannot be landed as it is (no event time, a required field missing, an inexact value).

    The whole batch is refused, so nothing half-written is left; the caller dead-letters the record.
    """

    def __init__(self, table: str, index: int, reason: str) -> None:
        super().__init__(f"{table}: record {index}: {reason}")
        self.table = table
        self.index = index
        self.reason = reason
