"""The secrets of a compose deployment, generated: random values for every variable ``docker-compose.yml``
takes from its env file (``.env``, gitignored), written readable by its owner only."""

from __future__ import annotations

import json
import os
import secrets
import tempfile
from datetime import UTC, datetime
from pathlib import Path

#: variable -> what it is (the order of the file)
VARIABLES = {
    "API_TOKENS": "the ingest API's back-office token(s), a JSON list (roamstream partners ... --api-token)",
    "MINIO_ROOT_USER": "MinIO's root user, the lake's S3 access key",
    "MINIO_ROOT_PASSWORD": "MinIO's root password, the lake's S3 secret key",
}


def generate() -> dict[str, str]:
    """A fresh random value for each of ``VARIABLES`` (256 bits for the token, 192 for the password)."""
    return {
        "API_TOKENS": json.dumps([secrets.token_urlsafe(32)]),
        "MINIO_ROOT_USER": f"roamstream-{secrets.token_hex(4)}",
        "MINIO_ROOT_PASSWORD": secrets.token_urlsafe(24),
    }


def render(values: dict[str, str]) -> str:
    lines = [f"# roamstream deployment secrets, written by `roamstream secrets init` at "
             f"{datetime.now(UTC):%Y-%m-%dT%H:%M:%SZ}.",
             "# Read by docker compose (docker-compose.yml takes each ${VARIABLE} from here). Never commit it."]
    for name, value in values.items():
        lines.append(f"# {VARIABLES.get(name, name)}")
        lines.append(f"{name}='{value}'")  # single quotes: taken literally by compose and python-dotenv
    return "\n".join(lines) + "\n"


def write_env_file(path: Path, values: dict[str, str], *, replace: bool = False) -> None:
    """Write ``values`` to ``path`` atomically, mode 0600; an existing file is kept unless ``replace``."""
    if path.exists() and not replace:
        raise FileExistsError(f"{path} exists (its secrets may be in use); pass --force to replace them")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(render(values))
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
