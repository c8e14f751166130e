"""Where the lake lives: a local directory or ``s3://bucket/prefix``, through ``pyarrow.fs``."""

from __future__ import annotations

import os
from urllib.parse import urlsplit

from pyarrow import fs as pafs

from roamstream.config import LakeSettings


def resolve(lake_uri: str, filesystem: pafs.FileSystem | None = None) -> tuple[pafs.FileSystem, str]:
    """The filesystem and the root path inside it for ``lake_uri``.

    With ``filesystem`` given (e.g. from :func:`lake_filesystem` for MinIO), the URI's scheme is dropped and
    the rest is the path in that filesystem (``s3://bucket/prefix`` → ``bucket/prefix``).
    """
    if filesystem is not None:
        return filesystem, _without_scheme(lake_uri).rstrip("/")
    if "://" in lake_uri:
        found, path = pafs.FileSystem.from_uri(lake_uri)
        return found, path.rstrip("/")
    return pafs.LocalFileSystem(), os.path.abspath(lake_uri)


def lake_filesystem(settings: LakeSettings) -> pafs.FileSystem | None:
    """An S3 filesystem configured from ``settings`` (endpoint and keys, for MinIO); None for other URIs."""
    if not settings.uri.startswith("s3://"):
        return None
    options: dict[str, object] = {}
    if settings.s3_endpoint:
        endpoint = urlsplit(
            settings.s3_endpoint if "://" in settings.s3_endpoint else f"//{settings.s3_endpoint}"
        )
        options["endpoint_override"] = endpoint.netloc
        options["scheme"] = endpoint.scheme or "https"
    if settings.s3_access_key and settings.s3_secret_key:
        options["access_key"] = settings.s3_access_key.get_secret_value()
        options["secret_key"] = settings.s3_secret_key.get_secret_value()
    return pafs.S3FileSystem(**options)


def join(lake_uri: str, relative: str) -> str:
    return f"{lake_uri.rstrip('/')}/{relative}"


def _without_scheme(uri: str) -> str:
    return uri.split("://", 1)[1] if "://" in uri else uri
