"""OpenAPI for routes that read their body themselves: the body model's JSON schema, with its nested
models registered under ``components/schemas`` (pydantic would put them under ``$defs``)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import TypeAdapter

_DEFS = "x-roamstream-defs"
_REF = "#/components/schemas/{model}"


def body_doc(kind: Any, description: str | None = None) -> dict[str, Any]:
    """``openapi_extra`` for a route whose JSON body is ``kind``."""
    schema = TypeAdapter(kind).json_schema(ref_template=_REF)
    defs = schema.pop("$defs", {})
    body: dict[str, Any] = {"required": True, "content": {"application/json": {"schema": schema}}}
    if description:
        body["description"] = description
    return {"requestBody": body, _DEFS: defs}


def install(app: FastAPI) -> None:
    """Make ``app.openapi()`` move each operation's ``body_doc`` definitions into the components."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            doc = get_openapi(
                title=app.title, version=app.version, description=app.description, routes=app.routes
            )
            schemas = doc.setdefault("components", {}).setdefault("schemas", {})
            for path in doc.get("paths", {}).values():
                for operation in path.values():
                    schemas.update(operation.pop(_DEFS, {}))
            app.openapi_schema = doc
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
