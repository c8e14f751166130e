"""Pull everything roamstream serves to a partner and validate it with extrawest-ocpi's OCPI 2.2.1 models:
``python extrawest_pull.py VERSIONS_URL TOKEN``. Follows ``Link: <...>; rel="next"`` to the end of each list.
Prints JSON: the ids per module, the pages walked, and every object the models refused."""

from __future__ import annotations

import base64
import json
import sys

import httpx
from py_ocpi.modules.cdrs.v_2_2_1.schemas import Cdr
from py_ocpi.modules.locations.v_2_2_1.schemas import Location
from py_ocpi.modules.sessions.v_2_2_1.schemas import Session
from py_ocpi.modules.tariffs.v_2_2_1.schemas import Tariff
from py_ocpi.modules.versions.schemas import Version
from py_ocpi.modules.versions.v_2_2_1.schemas import VersionDetail
from pydantic import ValidationError

VERSIONS_URL, TOKEN = sys.argv[1], sys.argv[2]
MODELS = {"cdrs": Cdr, "sessions": Session, "tariffs": Tariff, "locations": Location}

headers = {"Authorization": "Token " + base64.b64encode(TOKEN.encode()).decode()}
out: dict = {"ids": {}, "pages": {}, "refused": []}
with httpx.Client(headers=headers, timeout=10) as client:
    versions = [Version(**v) for v in client.get(VERSIONS_URL).json()["data"]]
    details_url = next(str(v.url) for v in versions if v.version == "2.2.1")
    details = VersionDetail(**client.get(details_url).json()["data"])
    out["endpoints"] = sorted(f"{e.identifier} {e.role}" for e in details.endpoints)
    for endpoint in details.endpoints:
        module = str(getattr(endpoint.identifier, "value", endpoint.identifier))
        if module not in MODELS or str(getattr(endpoint.role, "value", endpoint.role)) != "SENDER":
            continue
        url, ids, pages = f"{endpoint.url}?limit=2", [], 0
        while url:
            response = client.get(url)
            pages += 1
            for obj in response.json()["data"]:
                try:
                    ids.append(MODELS[module](**obj).id)
                except ValidationError as exc:
                    out["refused"].append({"module": module, "id": obj.get("id"), "error": str(exc)})
            link = response.headers.get("Link")
            url = link[link.index("<") + 1: link.index(">")] if link else None
        out["ids"][module], out["pages"][module] = ids, pages
print(json.dumps(out))
