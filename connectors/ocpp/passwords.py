"""Station password hashes: the ones in settings (``OCPP_PASSWORDS``) and the ones operators store with
``roamstream stations set-password`` in a JSON file (``OCPP_PASSWORDS_FILE``, ``{"<identity>": "<hash>"}``).

The endpoint asks for the current hashes at every handshake; the file is read again only when it changed
(size or modification time), so a password set while the endpoint runs counts from the next connection.
A station in both: the file's hash wins (it is the one an operator set last).
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

from connectors.ocpp.exceptions import OcppConnectorError
from connectors.ocpp.handshake import hash_password

log = logging.getLogger(__name__)


class PasswordFileError(OcppConnectorError):
    """The password file cannot be read or is not a JSON object of identity -> hash strings."""


def read_file(path: Path) -> dict[str, str]:
    """The hashes stored in ``path``; none when it does not exist yet."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise PasswordFileError(f"password file {path}: {exc}") from exc
    if not isinstance(data, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in data.items()):
        raise PasswordFileError(f"password file {path}: must be a JSON object of identity -> hash strings")
    return data


def store_password(path: Path, identity: str, password: str) -> None:
    """Hash ``password`` and store it for ``identity`` in ``path`` (created readable by its owner only; replaced
    atomically, so the endpoint never reads half a file)."""
    hashes = read_file(path)
    hashes[identity] = hash_password(password)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(hashes, out, indent=2, sort_keys=True)
            out.write("\n")
        os.chmod(temporary, 0o600)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


class PasswordStore:
    def __init__(self, configured: Mapping[str, str], path: Path | None) -> None:
        self._configured = dict(configured)
        self._path = path
        self._seen: tuple[int, int] | None = None
        self._current = dict(configured)

    def current(self) -> Mapping[str, str]:
        """identity -> hash, as of now."""
        if self._path is None:
            return self._current
        try:
            stat = self._path.stat()
            seen = (stat.st_mtime_ns, stat.st_size)
        except FileNotFoundError:
            seen = None
        if seen != self._seen:
            try:
                self._current = {**self._configured, **(read_file(self._path) if seen else {})}
            except PasswordFileError as exc:  # keep the last good hashes; read again on the next change
                log.error("%s; the previous station passwords stay in use", exc)
            self._seen = seen
        return self._current
