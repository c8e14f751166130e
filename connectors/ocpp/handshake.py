"""The WebSocket opening handshake: who is calling (identity from the path), may they (HTTP Basic, per
station), and in which OCPP version (subprotocol, newest first). Pure functions over request data."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from collections.abc import Iterable, Mapping
from urllib.parse import unquote, urlsplit

from connectors.ocpp.exceptions import HandshakeRejected

#: subprotocol -> OCPP version, newest first (the order we prefer when a station offers several)
SUBPROTOCOLS = {"ocpp2.0.1": "2.0.1", "ocpp1.6": "1.6"}
MAX_IDENTITY = 48
_HASH_SCHEME = "pbkdf2_sha256"


def identity_from_path(path: str) -> str:
    """The charge point identity: the last path segment, percent-decoded, at most 48 chars, no ``:``."""
    segment = urlsplit(path).path.rsplit("/", 1)[-1]
    identity = unquote(segment, errors="strict") if segment else ""
    if not identity:
        raise HandshakeRejected(404, "no charge point identity in the path (expected /ocpp/{identity})")
    return check_identity(identity)


def check_identity(identity: str) -> str:
    """``identity`` if it can be a charge point identity (at most 48 printable chars, no ``:``)."""
    if not identity:
        raise HandshakeRejected(400, "charge point identity is empty")
    if len(identity) > MAX_IDENTITY:
        raise HandshakeRejected(400, f"charge point identity longer than {MAX_IDENTITY} characters")
    if ":" in identity:
        raise HandshakeRejected(400, "charge point identity must not contain ':'")
    if not identity.isprintable():
        raise HandshakeRejected(400, "charge point identity has unprintable characters")
    return identity


def select_subprotocol(offered: Iterable[str], supported: Iterable[str] = SUBPROTOCOLS) -> str | None:
    """The newest version both sides speak, or None (then the handshake completes without one and the
    connection is closed, as OCPP-J requires)."""
    offered = set(offered)
    return next((p for p in supported if p in offered), None)


def hash_password(password: str, *, iterations: int = 200_000, salt: bytes | None = None) -> str:
    """The stored form of a station password: ``pbkdf2_sha256$<iterations>$<salt b64>$<hash b64>``."""
    salt = salt if salt is not None else secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)
    return "$".join((_HASH_SCHEME, str(iterations), base64.b64encode(salt).decode(), base64.b64encode(digest).decode()))


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, iterations, salt, digest = stored.split("$")
        if scheme != _HASH_SCHEME:
            return False
        expected = base64.b64decode(digest)
        actual = hashlib.pbkdf2_hmac("sha256", password.encode(), base64.b64decode(salt), int(iterations))
    except (ValueError, binascii.Error):
        return False
    return hmac.compare_digest(actual, expected)


def check_basic_auth(identity: str, authorization: str | None, stored: Mapping[str, str], require_auth: bool) -> None:
    """Raise HandshakeRejected(401) unless the station may connect.

    A station with a stored password must present it with username = identity; without one, it may
    connect unauthenticated unless ``require_auth``.
    """
    hashed = stored.get(identity)
    if hashed is None:
        if require_auth:
            raise HandshakeRejected(401, f"no credentials configured for {identity!r}")
        return
    if not authorization or not authorization.startswith("Basic "):
        raise HandshakeRejected(401, "HTTP Basic authentication required")
    try:
        user, _, password = base64.b64decode(authorization[6:], validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        raise HandshakeRejected(401, "malformed Basic credentials") from None
    if user != identity or not verify_password(password, hashed):
        raise HandshakeRejected(401, "invalid credentials")
