"""Credentials tokens: new ones, and the hash under which a token we accept is stored."""

from __future__ import annotations

import hashlib
import secrets


def new_token() -> str:
    """A new credentials token (43 URL-safe characters, 256 bits)."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """SHA-256 (hex) of a token: tokens are random 256-bit values, so a fast hash is enough."""
    return hashlib.sha256(token.encode()).hexdigest()
