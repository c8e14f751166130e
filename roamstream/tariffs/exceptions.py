"""Errors of the tariff engine: each names the offending field by its JSON path."""

from __future__ import annotations

from roamstream.exceptions import RoamstreamError


class TariffEngineError(RoamstreamError):
    """Base of the tariff engine's errors."""


class InvalidInputError(TariffEngineError):
    """Input that cannot be priced; ``path`` names the field, e.g. ``tariff.elements[0].price``."""

    def __init__(self, path: str, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = path
        self.problem = problem


class InvalidTariffError(InvalidInputError):
    """A Tariff that breaks a pricing rule of OCPI 2.2.1 (mod_tariffs)."""


class InvalidCdrError(InvalidInputError):
    """A CDR (or its charging periods) that cannot be priced."""


class InvalidSessionDataError(InvalidInputError):
    """Meter samples or session times from which no charging periods can be built."""


class TariffNotActiveError(TariffEngineError):
    """The session started outside the tariff's ``start_date_time``/``end_date_time``."""
