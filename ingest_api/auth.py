"""``Authorization: Token <credentials token>``, Base64-encoded as OCPI 2.2.1 says, or plain (as many
2.1.1/2.2 implementations send it; transport_and_format, Authorization header, NOTE)."""

from __future__ import annotations

import base64
import binascii
import hmac
from collections.abc import Iterable

from pydantic import SecretStr

SCHEME = "token"


def presented_tokens(header: str | None) -> list[str]:
    """The credentials tokens an ``Authorization`` header may carry: as written, and Base64-decoded."""
    if not header:
        return []
    scheme, _, value = header.strip().partition(" ")
    value = value.strip()
    if scheme.lower() != SCHEME or not value:
        return []
    found = [value]
    try:
        decoded = base64.b64decode(value, validate=True).decode("utf-8").strip()
    except (binascii.Error, UnicodeDecodeError):
        return found
    if decoded:
        found.append(decoded)
    return found


def is_authorized(header: str | None, accepted: Iterable[SecretStr]) -> bool:
    secrets = [s.get_secret_value().encode() for s in accepted]
    return any(
        hmac.compare_digest(token.encode(), secret)
        for token in presented_tokens(header)
        for secret in secrets
    )
