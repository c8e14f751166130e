"""Every error as an OCPI envelope; rejected input also goes to the dead-letter topic."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from ingest_api.envelope import error_response
from ingest_api.exceptions import InvalidRequest, Problem, Unauthorized
from ingest_api.middleware import endpoint_label
from ingest_api.validation import field_path
from roamstream.exceptions import AnsweredError

#: where FastAPI says a parameter came from; the field path alone names it for the sender
_SOURCES = {"path", "query", "header", "cookie", "body"}


async def on_invalid_request(request: Request, exc: InvalidRequest) -> JSONResponse:
    state = request.app.state
    payload = getattr(request.state, "raw_body", None)
    if payload is None:  # refused before the route read the body
        payload = await request.body()
    await state.publisher.dead_letter(
        reason=f"{request.method} {request.url.path}: {exc}", payload=payload, key=exc.key
    )
    state.metrics.rejected.labels(endpoint_label(request.scope), exc.ocpi_status).inc()
    problems = [{"field": p.field, "message": p.message} for p in exc.problems]
    return error_response(exc.http_status, exc.ocpi_status, str(exc), data=problems)


async def on_request_validation(request: Request, exc: RequestValidationError) -> JSONResponse:
    found = []
    for err in exc.errors():
        loc = tuple(err["loc"])
        if loc and loc[0] in _SOURCES:
            loc = loc[1:]
        found.append(Problem(field_path(loc), str(err["msg"])))
    return await on_invalid_request(request, InvalidRequest(found))


async def on_ingest_error(request: Request, exc: AnsweredError) -> JSONResponse:
    request.app.state.metrics.rejected.labels(endpoint_label(request.scope), exc.ocpi_status).inc()
    headers = {"WWW-Authenticate": "Token"} if isinstance(exc, Unauthorized) else None
    return error_response(exc.http_status, exc.ocpi_status, str(exc), headers=headers)


async def on_http_exception(request: Request, exc: HTTPException) -> JSONResponse:
    ocpi_status = 3000 if exc.status_code >= 500 else 2000
    return error_response(exc.status_code, ocpi_status, str(exc.detail), headers=exc.headers)


def install(app: FastAPI) -> None:
    app.add_exception_handler(InvalidRequest, on_invalid_request)
    app.add_exception_handler(RequestValidationError, on_request_validation)
    app.add_exception_handler(AnsweredError, on_ingest_error)
    app.add_exception_handler(HTTPException, on_http_exception)
