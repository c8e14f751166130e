"""The tariff engine: exact OCPI 2.2.1 pricing of charging periods, and charging periods from meter data.

Pure functions over plain data (no Kafka, HTTP, faust or DuckDB). The pipeline calls:

- ``compile_tariff(tariff)`` / ``TariffCache().get(tariff)``: validate and compile a Tariff once;
- ``build_charging_periods(tariff, samples, tz, session_start, session_end)``: meter samples to CDR
  charging periods, split at every tariff-relevant boundary;
- ``price_periods(tariff, periods, start=..., tz=...)``: the exact ``PricedSession``;
- ``price_cdr(tariff, cdr_json, tz=...)`` and ``priced_cdr(cdr_json, priced)``: the same for a CDR in JSON.
"""

from roamstream.tariffs.build import MeterSample, build_charging_periods
from roamstream.tariffs.cdr import price_cdr, priced_cdr
from roamstream.tariffs.compile import TariffCache, compile_tariff
from roamstream.tariffs.exceptions import (
    InvalidCdrError,
    InvalidInputError,
    InvalidSessionDataError,
    InvalidTariffError,
    TariffEngineError,
    TariffNotActiveError,
)
from roamstream.tariffs.model import CompiledTariff
from roamstream.tariffs.periods import ChargingPeriod, periods_from_ocpi
from roamstream.tariffs.pricing import price_periods
from roamstream.tariffs.result import Charge, Cost, OmittedVat, PricedSession

__all__ = [
    "Charge",
    "ChargingPeriod",
    "CompiledTariff",
    "Cost",
    "InvalidCdrError",
    "InvalidInputError",
    "InvalidSessionDataError",
    "InvalidTariffError",
    "MeterSample",
    "OmittedVat",
    "PricedSession",
    "TariffCache",
    "TariffEngineError",
    "TariffNotActiveError",
    "build_charging_periods",
    "compile_tariff",
    "periods_from_ocpi",
    "price_cdr",
    "price_periods",
    "priced_cdr",
]
