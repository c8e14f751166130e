"""The request that brings a partner to the latest Tariff, Location or EVSE status (pure).

Tariffs and Locations are PUT whole (mod_tariffs, mod_locations Receiver interfaces) unless the partner
acknowledged exactly this version already. An EVSE status is PATCHed (``status`` and ``last_updated``) on the
EVSE's URL; a partner that does not have the EVSE or its Location (HTTP 404 or OCPI 2003 to the PATCH) gets
the whole Location PUT instead, with that status in it (as a Session the partner lost is PUT whole).
"""

from __future__ import annotations

from roamstream.partners.locations.documents import evse_patch, object_path


def acknowledged_value(kind: str, object_id: str, body: str) -> str:
    """What the ledger keeps once the partner has ``body``: the document, or the EVSE's status PATCH."""
    return evse_patch(body, object_id) if kind == "evse" else body


def reference_change(kind: str, object_id: str, body: str, acknowledged: str | None, base_url: str,
                     *, whole: bool = False) -> tuple[str, str, bytes] | None:
    """``(method, url, body)`` to send, or None when the partner acknowledged this state already.

    ``base_url`` is the partner's ``tariffs`` or ``locations`` Receiver endpoint; ``whole``: PUT the Location
    of an EVSE status (the partner does not have it)."""
    base = base_url.rstrip("/")
    if kind == "evse":
        patch = evse_patch(body, object_id)
        if whole:
            return "PUT", base + object_path(body), body.encode()
        if acknowledged == patch:
            return None
        return "PATCH", base + object_path(body, object_id), patch.encode()
    if acknowledged == body:
        return None
    return "PUT", base + object_path(body), body.encode()


def module_of(kind: str) -> str:
    """The OCPI module (Receiver endpoint identifier) a kind of object is delivered to."""
    return {"session": "sessions", "cdr": "cdrs", "tariff": "tariffs"}.get(kind, "locations")
