"""The server side of TLS for a listener configured with a certificate and key (``ServesTls``)."""

from __future__ import annotations

import ssl

from roamstream.config import ServesTls


def server_context(listener: ServesTls) -> ssl.SSLContext | None:
    """A server context with the listener's certificate chain and key, TLS 1.2 at least (OCPP-J security
    profile 2 requires it); None when the listener has none (plain text)."""
    if not listener.uses_tls:
        return None
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(listener.tls_certfile, listener.tls_keyfile)
    return context
