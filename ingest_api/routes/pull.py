"""The Sender (pull) interfaces of the CPO: ``GET /cdrs``, ``/sessions``, ``/tariffs``, ``/locations`` with
pagination, and the single Location / EVSE / Connector. A partner gets its own CDRs and Sessions (those of
its drivers' tokens) and all our Tariffs and Locations; the back office gets everything."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from ingest_api.deps import BaseUrl, FunctionalCaller, SettingsDep
from ingest_api.envelope import now
from ingest_api.exceptions import InvalidRequest, Problem
from roamstream.ocpi import jsonio
from roamstream.ocpi.timefmt import format_datetime, parse_datetime
from roamstream.partners.access import Caller
from roamstream.partners.exceptions import UnknownObject
from roamstream.partners.pull.lake import Kind, lake_page
from roamstream.partners.pull.objects import ObjectsView
from roamstream.partners.pull.page import Page, PageQuery, effective_limit, headers

router = APIRouter(tags=["pull (Sender interfaces)"])

DateQuery = Annotated[str | None, Query(description="OCPI DateTime; date_from inclusive, date_to exclusive, "
                                                    "on last_updated")]
OffsetQuery = Annotated[int, Query(ge=0)]
LimitQuery = Annotated[int | None, Query(ge=0)]


def _date(name: str, value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        return parse_datetime(value)
    except ValueError:
        raise InvalidRequest([Problem(name, f"{value!r} is not an OCPI DateTime")]) from None


def _query(settings, caller: Caller | None, date_from, date_to, offset, limit) -> PageQuery:  # noqa: ANN001
    return PageQuery(_date("date_from", date_from), _date("date_to", date_to), offset,
                     effective_limit(limit, settings.api.page_limit_max),
                     tuple(caller.partner_keys) if caller is not None and caller.partner_keys is not None else None)


def ocpi_json(data_json: str, extra_headers: dict[str, str] | None = None) -> Response:
    """An OCPI success envelope around ``data_json`` (exact OCPI JSON text, numbers as they were written)."""
    envelope = ('{"data":' + data_json + ',"status_code":1000,"status_message":"Success","timestamp":'
                + jsonio.dumps(format_datetime(now())) + "}")
    return Response(envelope, media_type="application/json", headers=extra_headers)


def _paged(request: Request, base: str, query: PageQuery, page: Page) -> Response:
    return ocpi_json("[" + ",".join(page.items) + "]", headers(base + request.url.path, query, page))


def _view(request: Request, name: str) -> ObjectsView:
    return getattr(request.app.state, name)


async def _lake(request: Request, settings, base: str, kind: Kind, query: PageQuery) -> Response:  # noqa: ANN001
    page = await asyncio.to_thread(lake_page, settings.lake.uri, kind, query)
    return _paged(request, base, query, page)


@router.get("/cdrs")
async def get_cdrs(request: Request, caller: FunctionalCaller, settings: SettingsDep, base: BaseUrl,
                   date_from: DateQuery = None, date_to: DateQuery = None, offset: OffsetQuery = 0,
                   limit: LimitQuery = None) -> Response:
    """The caller's CDRs (mod_cdrs Sender GET), oldest ``last_updated`` first."""
    return await _lake(request, settings, base, "cdrs", _query(settings, caller, date_from, date_to, offset, limit))


@router.get("/sessions")
async def get_sessions(request: Request, caller: FunctionalCaller, settings: SettingsDep, base: BaseUrl,
                       date_from: DateQuery = None, date_to: DateQuery = None, offset: OffsetQuery = 0,
                       limit: LimitQuery = None) -> Response:
    """The caller's Sessions, each as its latest snapshot (mod_sessions Sender GET)."""
    query = _query(settings, caller, date_from, date_to, offset, limit)
    return await _lake(request, settings, base, "sessions", query)


@router.get("/tariffs")
async def get_tariffs(request: Request, caller: FunctionalCaller, settings: SettingsDep, base: BaseUrl,
                      date_from: DateQuery = None, date_to: DateQuery = None, offset: OffsetQuery = 0,
                      limit: LimitQuery = None) -> Response:
    """Our Tariffs (mod_tariffs Sender GET)."""
    query = _query(settings, None, date_from, date_to, offset, limit)
    return _paged(request, base, query, _view(request, "tariffs").page(query))


@router.get("/locations")
async def get_locations(request: Request, caller: FunctionalCaller, settings: SettingsDep, base: BaseUrl,
                        date_from: DateQuery = None, date_to: DateQuery = None, offset: OffsetQuery = 0,
                        limit: LimitQuery = None) -> Response:
    """Our Locations (mod_locations Sender GET)."""
    query = _query(settings, None, date_from, date_to, offset, limit)
    return _paged(request, base, query, _view(request, "locations").page(query))


def _location(request: Request, location_id: str) -> dict[str, Any]:
    found = _view(request, "locations").find(location_id)
    if found is None:
        raise UnknownObject(f"unknown Location {location_id}", ocpi_status=2003)
    return found.data()


def _evse(location: dict[str, Any], evse_uid: str) -> dict[str, Any]:
    for evse in location.get("evses") or []:
        if evse["uid"] == evse_uid:
            return evse
    raise UnknownObject(f"unknown EVSE {evse_uid} at Location {location['id']}", ocpi_status=2003)


@router.get("/locations/{location_id}")
async def get_location(request: Request, caller: FunctionalCaller, location_id: str) -> Response:
    return ocpi_json(jsonio.dumps(_location(request, location_id)))


@router.get("/locations/{location_id}/{evse_uid}")
async def get_evse(request: Request, caller: FunctionalCaller, location_id: str, evse_uid: str) -> Response:
    return ocpi_json(jsonio.dumps(_evse(_location(request, location_id), evse_uid)))


@router.get("/locations/{location_id}/{evse_uid}/{connector_id}")
async def get_connector(request: Request, caller: FunctionalCaller, location_id: str, evse_uid: str,
                        connector_id: str) -> Response:
    evse = _evse(_location(request, location_id), evse_uid)
    for connector in evse.get("connectors") or []:
        if connector["id"] == connector_id:
            return ocpi_json(jsonio.dumps(connector))
    raise UnknownObject(f"unknown Connector {connector_id} of EVSE {evse_uid}", ocpi_status=2003)
