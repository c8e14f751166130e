"""Authorise an OCPP idTag: our copy of the Token (``ocpi.tokens.v1``, kept in memory) and, for NEVER and
ALLOWED_OFFLINE, a real-time ``POST {tokens_url}/{uid}/authorize?type=...`` to the eMSP that owns it (its
tokens SENDER endpoint from the registry), with a short timeout."""

from __future__ import annotations

import json
import logging
import uuid
from decimal import Decimal
from typing import Any
from urllib.parse import quote

import httpx

from roamstream.ocpi.token import uid_key
from roamstream.partners.credentials.client import auth_header
from roamstream.partners.pull.objects import ObjectsView
from roamstream.partners.registry.model import party_key
from roamstream.partners.registry.store import Registry
from roamstream.partners.tokens.decide import Decision, from_copy, from_realtime, needs_realtime

log = logging.getLogger(__name__)


class TokenAuthorizer:
    def __init__(self, tokens: ObjectsView, registry: Registry, http: httpx.AsyncClient, timeout_s: float,
                 accept_unknown: bool, us: tuple[str, str]) -> None:
        self._tokens = tokens
        self._registry = registry
        self._http = http
        self._timeout = timeout_s
        self._accept_unknown = accept_unknown
        self._us = us

    def token(self, uid: str) -> dict[str, Any] | None:
        """Our copy of the Token of idTag ``uid``; the view is keyed by ``uid_key`` (case-insensitive)."""
        stored = self._tokens.get(uid_key(uid).decode())
        return json.loads(stored.json, parse_float=Decimal) if stored is not None else None

    async def authorize(self, uid: str) -> Decision:
        token = self.token(uid)
        if needs_realtime(token):
            info = await self._ask(token)
            if info is not None:
                return from_realtime(info)
        return from_copy(token, self._accept_unknown)

    def _headers(self, partner_token: str, token: dict[str, Any]) -> dict[str, str]:
        """Authorization, request/correlation ids and the OCPI routing headers of a functional request."""
        return {
            "Authorization": auth_header(partner_token), "X-Request-ID": str(uuid.uuid4()),
            "X-Correlation-ID": str(uuid.uuid4()),
            "OCPI-from-country-code": self._us[0], "OCPI-from-party-id": self._us[1],
            "OCPI-to-country-code": token["country_code"], "OCPI-to-party-id": token["party_id"],
        }

    async def _ask(self, token: dict[str, Any]) -> dict[str, Any] | None:
        """The eMSP's AuthorizationInfo, or None when it cannot be asked or does not answer in time."""
        partner = self._registry.get(party_key(token["country_code"], token["party_id"]))
        url = partner.endpoint("tokens", "SENDER") if partner is not None else None
        if partner is None or url is None or partner.token is None:
            log.warning("token %s: no tokens endpoint of %s-%s to ask", token["uid"], token["country_code"],
                        token["party_id"])
            return None
        target = f"{url.rstrip('/')}/{quote(token['uid'], safe='')}/authorize"
        try:
            response = await self._http.post(target, params={"type": token["type"]}, timeout=self._timeout,
                                             headers=self._headers(partner.token, token))
            body = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            log.warning("token %s: real-time authorisation at %s failed: %s", token["uid"], target, exc)
            return None
        if isinstance(body, dict) and body.get("status_code") == 2004:  # the eMSP does not know the token
            return {"allowed": "NOT_ALLOWED"}
        answered = isinstance(body, dict) and body.get("status_code") == 1000 and isinstance(body.get("data"), dict)
        if response.status_code != 200 or not answered:
            log.warning("token %s: real-time authorisation answered HTTP %s %s", token["uid"], response.status_code,
                        body.get("status_code"))
            return None
        return body["data"]
