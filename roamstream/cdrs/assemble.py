"""Build the priced OCPI 2.2.1 CDR of a completed session (pure: plain data in, JSON text out).

The CDR carries the Location, EVSE, Token and Tariff as they were at the start of the session (mod_cdrs),
charging periods split by the tariff engine at every tariff-relevant boundary, and the engine's totals,
rounded once to 4 decimals. ``last_updated`` is the CDR's creation time as mod_cdrs defines it, and pulls
filter on it, so it must not lie before the data the CDR was made of existed (``creation_time``): the latest of
the session's end, the time the connector received the event that completed the session, and the
``last_updated`` of the Token, Location and Tariff used. All are times carried in the messages, never the
worker's clock, so a replay gives byte-identical JSON. A session of a charger that was offline (its stop
delivered hours after its station time) or priced only once a later version of its reference data arrived
gets a ``last_updated`` no earlier than when it could first have been made.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from roamstream.cdrs.authorization import authorized, cdr_token
from roamstream.cdrs.handover import Handover
from roamstream.cdrs.resolve import cdr_id, evse_uid, find_connector
from roamstream.ocpi import jsonio
from roamstream.ocpi.cdr import CDR
from roamstream.ocpi.location import Location
from roamstream.ocpi.numbers import round4
from roamstream.ocpi.timefmt import parse_datetime
from roamstream.ocpi.token import Token
from roamstream.tariffs import MeterSample, build_charging_periods, price_periods
from roamstream.tariffs.build import new_sample
from roamstream.tariffs.cdr import hours_between
from roamstream.tariffs.model import CompiledTariff

_THOUSAND = Decimal(1000)


@dataclass(frozen=True, slots=True)
class BuiltCdr:
    """A CDR as data (datetimes, Decimals) and as the exact JSON text pushed; ``partner`` is ``CC-PID``."""

    id: str
    partner: str
    data: dict[str, Any]
    json: str

    @classmethod
    def of(cls, data: dict[str, Any]) -> BuiltCdr:
        """Serialise ``data`` and check it against the OCPI CDR model (the contract holds on the way out)."""
        text = jsonio.dumps(data)
        CDR.model_validate_json(text)
        token = data["cdr_token"]
        return cls(data["id"], f"{token['country_code']}-{token['party_id']}", data, text)


def meter_samples(completed: dict[str, Any], first: int = 0) -> list[MeterSample]:
    """The ``sessions.completed.v1`` timeline (from its ``first`` point on) as engine input (kWh and kW)."""
    points = completed["samples"]
    out = []
    for point in points[first:] if first else points:
        power, current = point.get("power_w"), point.get("current_a")
        out.append(new_sample(
            point["timestamp"],
            Decimal(point["energy_wh"]) / _THOUSAND,
            point["charging"],
            None if power is None else Decimal(power) / _THOUSAND,
            None if current is None else Decimal(current),
        ))
    return out


def build_cdr(
    completed: dict[str, Any],
    token: Token,
    location: Location,
    tariff: dict[str, Any],
    compiled: CompiledTariff,
    cpo: tuple[str, str],
    handover: Handover | None = None,
) -> BuiltCdr:
    """The priced CDR of ``completed``; its charging periods and prices those its COMPLETED Session record left in
    ``handover`` if they were made from the same inputs (``Handover.take``), else cut from its timeline."""
    start: datetime = completed["start"]
    end: datetime = completed["end"]
    uid = evse_uid(completed["charge_point_id"], completed["connector_id"], completed["evse_id"])
    evse, connector = find_connector(
        location, uid, completed["connector_id"] if completed["evse_id"] else None
    )
    tz = ZoneInfo(location.time_zone)
    made = handover.take(completed, tz, compiled) if handover is not None else None
    if made is not None:  # cut and priced for the COMPLETED Session record from the same inputs
        periods, priced = made
    else:
        periods = build_charging_periods(compiled, meter_samples(completed), tz, start, end)
        priced = price_periods(compiled, periods, start=start, tz=tz)
    totals = priced.totals_to_ocpi()
    if not priced.total_reservation_cost.excl_vat:
        totals.pop("total_reservation_cost")
    identifier = cdr_id(completed["charge_point_id"], completed["transaction_id"])
    data: dict[str, Any] = {
        "country_code": cpo[0],
        "party_id": cpo[1],
        "id": identifier,
        "start_date_time": start,
        "end_date_time": end,
        "session_id": completed["session_id"],
        "cdr_token": cdr_token(token, completed["id_tag"]),
        **authorized(completed),
        "cdr_location": _cdr_location(location, evse, connector),
        "currency": compiled.currency,
        "tariffs": [tariff],
        "charging_periods": [p.to_ocpi(compiled.id) for p in periods],
        **totals,
        "total_energy": priced.total_energy,
        "total_time": round4(hours_between(start, end)),
        "total_parking_time": priced.total_parking_time,
        "last_updated": creation_time(completed, token, location, tariff),
    }
    if completed.get("estimated"):
        data["remark"] = "Estimated: the charge point did not report the end of this session"
    return BuiltCdr.of(data)


def creation_time(completed: dict[str, Any], token: Token, location: Location, tariff: dict[str, Any]) -> datetime:
    """The CDR's ``last_updated``: the latest of the session end, the receive time of the event that completed
    the session (``received_at``; absent in records from before it was kept) and the reference data's
    ``last_updated``. The receive time is the connector's stamp, carried in ``ocpp.events.v1`` and
    ``sessions.completed.v1``, so it is the same on every replay; it is what makes a CDR of an offline
    charger (station times hours old when its stop finally arrives) newer than a pull made before then."""
    times = [completed["end"], token.last_updated, location.last_updated, parse_datetime(tariff["last_updated"])]
    if completed.get("received_at") is not None:
        times.append(completed["received_at"])
    return max(times)


def _cdr_location(location: Location, evse, connector) -> dict[str, Any]:  # noqa: ANN001 - OCPI models
    out: dict[str, Any] = {"id": location.id}
    if location.name:
        out["name"] = location.name
    out.update({"address": location.address, "city": location.city})
    if location.postal_code:
        out["postal_code"] = location.postal_code
    out.update(
        {
            "country": location.country,
            "coordinates": location.coordinates.to_ocpi(),
            "evse_uid": evse.uid,
            "evse_id": evse.evse_id or evse.uid,
            "connector_id": connector.id,
            "connector_standard": connector.standard.value,
            "connector_format": connector.format.value,
            "connector_power_type": connector.power_type.value,
        }
    )
    return out
