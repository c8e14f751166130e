"""Which EVSE, connector, tariff and partner a session belongs to.

Convention (documented in the README): an OCPI EVSE's ``uid`` is ``<charge point id>-<n>``, where ``n`` is the
OCPP 1.6 connectorId or the OCPP 2.0.1 evseId; within the EVSE the connector is the only one, or the one whose
``id`` is the OCPP 2.0.1 connectorId.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from roamstream.cdrs.exceptions import MissingReference
from roamstream.ocpi.location import EVSE, Connector, Location
from roamstream.ocpi.tariff import Tariff


def evse_uid(charge_point_id: str, connector_id: int | None, evse_id: int | None) -> str:
    number = evse_id if evse_id is not None else connector_id
    return f"{charge_point_id}-{number if number is not None else 1}"


def find_connector(location: Location, uid: str, connector_id: int | None) -> tuple[EVSE, Connector]:
    evse = location.evse(uid)
    if evse is None:
        raise MissingReference(f"location {location.id} has no EVSE {uid}")
    if len(evse.connectors) == 1:
        return evse, evse.connectors[0]
    wanted = str(connector_id) if connector_id is not None else "1"
    for connector in evse.connectors:
        if connector.id == wanted:
            return evse, connector
    raise MissingReference(f"EVSE {uid} has no connector {wanted}")


def valid_tariff(connector: Connector, tariffs: dict[str, Tariff], at: datetime) -> Tariff:
    """The first of the connector's tariffs that is valid at ``at`` (the session start)."""
    ids = connector.tariff_ids or []
    if not ids:
        raise MissingReference(f"connector {connector.id} has no tariff_ids")
    for tariff_id in ids:
        tariff = tariffs.get(tariff_id)
        if tariff is None:
            continue
        if tariff.start_date_time is not None and at < tariff.start_date_time:
            continue
        if tariff.end_date_time is not None and at >= tariff.end_date_time:
            continue
        return tariff
    raise MissingReference(f"no tariff of {ids} is known and valid at {at.isoformat()}")


def cdr_id(charge_point_id: str, transaction_id: str, *, credit: bool = False, revision: int = 0) -> str:
    """Deterministic CDR id from charge point and transaction: ``<cp>-<tx>``, ``-R<n>`` for the n-th revision,
    ``-C`` before that for the credit of that revision (``X-C`` credits ``X``, ``X-C-R1`` credits ``X-R1``).

    A CDR id is at most 36 characters, a credit's at most 39 (mod_cdrs); a longer ``<cp>-<tx>`` becomes
    the start of its SHA-256, so that the CDR and its credit still share the part before the suffix.
    """
    base = f"{charge_point_id}-{transaction_id}"
    rev = f"-R{revision}" if revision else ""
    if len(base) + len(rev) > 36:
        base = hashlib.sha256(base.encode()).hexdigest()[: 36 - len(rev)]
    return base + ("-C" if credit else "") + rev
