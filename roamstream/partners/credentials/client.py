"""Calls to a partner's version information and credentials endpoints (one shared httpx client, a timeout on
every request). Any failure to use them is PartnerUnreachable (OCPI 3001); a partner's refusal of our
credentials is RegistrationRefused with its status."""

from __future__ import annotations

import base64
import uuid
from typing import Any

import httpx
from pydantic import TypeAdapter, ValidationError

from roamstream.ocpi.credentials import Credentials, Version, VersionDetails
from roamstream.partners.exceptions import PartnerUnreachable, RegistrationRefused, UnsupportedVersion
from roamstream.partners.versions import VERSION, pick_version

_VERSIONS = TypeAdapter(list[Version])


def auth_header(token: str) -> str:
    """``Token <base64(token)>`` (transport_and_format, Authorization header)."""
    return "Token " + base64.b64encode(token.encode()).decode()


class OcpiClient:
    def __init__(self, http: httpx.AsyncClient, timeout_s: float) -> None:
        self._http = http
        self._timeout = timeout_s

    async def _envelope(self, method: str, url: str, token: str, body: Any = None) -> tuple[int, dict[str, Any]]:
        headers = {"Authorization": auth_header(token), "X-Request-ID": str(uuid.uuid4()),
                   "X-Correlation-ID": str(uuid.uuid4())}
        try:
            response = await self._http.request(method, url, json=body, headers=headers, timeout=self._timeout)
        except httpx.HTTPError as exc:
            raise PartnerUnreachable(f"{method} {url}: {type(exc).__name__}: {exc}") from exc
        try:
            envelope = response.json()
        except ValueError:
            envelope = None
        if not isinstance(envelope, dict):
            raise PartnerUnreachable(f"{method} {url}: HTTP {response.status_code}, not an OCPI JSON envelope")
        return response.status_code, envelope

    async def _data(self, url: str, token: str) -> Any:
        status, envelope = await self._envelope("GET", url, token)
        if not 200 <= status < 300 or envelope.get("status_code") != 1000:
            raise PartnerUnreachable(
                f"GET {url}: HTTP {status}, OCPI status {envelope.get('status_code')}: {envelope.get('status_message')}"
            )
        return envelope.get("data")

    async def version_details(self, versions_url: str, token: str) -> VersionDetails:
        """The partner's 2.2.1 endpoints, read from its versions URL with ``token``."""
        try:
            offered = _VERSIONS.validate_python(await self._data(versions_url, token))
        except ValidationError as exc:
            raise PartnerUnreachable(f"GET {versions_url}: not a list of versions: {exc}") from None
        chosen = pick_version(offered)
        try:
            details = VersionDetails.model_validate(await self._data(chosen.url, token))
        except ValidationError as exc:
            raise PartnerUnreachable(f"GET {chosen.url}: not version details: {exc}") from None
        if details.version != VERSION:
            raise UnsupportedVersion(f"GET {chosen.url}: details of version {details.version}, not {VERSION}")
        return details

    async def send_credentials(self, method: str, url: str, token: str, ours: Credentials) -> Credentials:
        """POST or PUT our credentials with ``token``; the partner's credentials in its answer."""
        status, envelope = await self._envelope(method, url, token, ours.to_ocpi())
        code = envelope.get("status_code")
        if not 200 <= status < 300 or code != 1000:
            error = RegistrationRefused(
                f"{method} {url}: HTTP {status}, OCPI status {code}: {envelope.get('status_message')}"
            )
            if isinstance(code, int) and 2000 <= code < 4000:
                error.ocpi_status = code
            raise error
        try:
            return Credentials.model_validate(envelope.get("data"))
        except ValidationError as exc:
            raise PartnerUnreachable(f"{method} {url}: not a credentials object: {exc}") from None

    async def delete_credentials(self, url: str, token: str) -> None:
        status, envelope = await self._envelope("DELETE", url, token)
        if not 200 <= status < 300 or envelope.get("status_code") != 1000:
            raise RegistrationRefused(f"DELETE {url}: HTTP {status}, OCPI status {envelope.get('status_code')}")
