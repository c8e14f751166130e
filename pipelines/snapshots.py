"""OCPI Session records of the fold's snapshots, with the token and location parsed once per change."""

from __future__ import annotations

from decimal import Decimal

from pipelines.tables import Tables
from roamstream.cdrs.exceptions import MissingReference
from roamstream.cdrs.references import ParsedReferences, session_tariff
from roamstream.cdrs.resolve import evse_uid
from roamstream.cdrs.session_cost import running_total_cost
from roamstream.cdrs.session_object import build_session
from roamstream.cdrs.session_periods import session_periods
from roamstream.config import PipelineSettings
from roamstream.ocpi.location import Location
from roamstream.ocpi.token import uid_key
from roamstream.tariffs.exceptions import TariffEngineError

_Q = Decimal("0.0001")


def snapshot_record(snapshot: dict, tables: Tables, p: PipelineSettings,
                    refs: ParsedReferences | None = None) -> dict:
    """The ``ocpi.sessions.v1`` record of a fold snapshot; ``MissingReference`` if token or EVSE is unknown."""
    refs = refs or ParsedReferences()
    token_key = uid_key(snapshot["id_tag"])
    raw_token = tables.tokens.get(token_key)
    if raw_token is None:
        raise MissingReference(f"unknown token {snapshot['id_tag']!r}")
    uid = evse_uid(snapshot["charge_point_id"], snapshot["connector_id"], snapshot["evse_id"])
    location_key = tables.evse_index.get(uid.encode())
    if location_key is None or (raw_location := tables.locations.get(location_key)) is None:
        raise MissingReference(f"no location has EVSE {uid!r}")
    token = refs.tokens.get(token_key, raw_token)
    location = refs.locations.get(location_key, raw_location)
    periods, cost = _periods_and_cost(snapshot, location, uid, tables, refs)
    data, text = build_session(snapshot, token, location, p.currency, (p.country_code, p.party_id), cost, periods,
                               refs.sessions)
    return {
        "id": data["id"], "country_code": data["country_code"], "party_id": data["party_id"],
        "partner": f"{token.country_code}-{token.party_id}", "charge_point_id": snapshot["charge_point_id"],
        "status": data["status"], "start_date_time": data["start_date_time"],
        "end_date_time": data.get("end_date_time"), "kwh": data["kwh"].quantize(_Q),
        "last_updated": data["last_updated"], "ocpi_json": text,
    }


def _periods_and_cost(snapshot: dict, location: Location, uid: str, tables: Tables, refs: ParsedReferences
                      ) -> tuple[list | None, dict | None]:
    """The Session's charging periods (``session_periods``) and cost so far with the tariff its CDR will have
    (``look_up``'s, from the ``location`` found for EVSE ``uid``); (None, None) while that tariff is not known. A
    snapshot without a timeline (kept by an older worker) or without a period yet gets the running estimate of
    ``session_cost`` and no periods."""
    try:
        compiled = refs.compiled.get(session_tariff(snapshot, location, uid, tables.tariffs, refs))
        if snapshot.get("samples"):
            built = session_periods(snapshot, location, compiled, refs.periods, refs.handover)
            if built is not None:
                return built
        return None, running_total_cost(snapshot["start"], snapshot["end"] or snapshot["last_event"],
                                        snapshot["kwh"], location, compiled)
    except (MissingReference, TariffEngineError):
        return None, None
