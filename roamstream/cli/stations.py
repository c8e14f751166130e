"""``roamstream stations``: what operators manage about charge points.

``set-password CP_ID`` stores the HTTP Basic password a station must present (OCPP-J security profile 1/2),
hashed, in ``OCPP_PASSWORDS_FILE``; a running ``ocpp`` endpoint uses it from the station's next connection.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from roamstream.config import Settings

app = typer.Typer(help="Manage charge points: their credentials.", no_args_is_help=True)

#: OCPP 2.0.1 security profile: a basic-auth password of at most 40 characters
MAX_PASSWORD = 40


def _read_secret() -> str:
    """From a hidden prompt (asked twice) on a terminal, else the first line of stdin."""
    if sys.stdin.isatty():
        return typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return sys.stdin.readline().rstrip("\r\n")


@app.command("set-password")
def set_password(
    cp_id: Annotated[str, typer.Argument(metavar="CP_ID", help="the charge point identity (its URL path segment)")],
    file: Annotated[
        Path | None, typer.Option(help="the password file (default: settings, OCPP_PASSWORDS_FILE)")
    ] = None,
) -> None:
    """Store a station's password, hashed (pbkdf2_sha256); the secret is read from a prompt or from stdin."""
    from connectors.ocpp.exceptions import HandshakeRejected
    from connectors.ocpp.handshake import check_identity
    from connectors.ocpp.passwords import PasswordFileError, store_password

    try:
        check_identity(cp_id)
    except HandshakeRejected as exc:
        raise typer.BadParameter(exc.reason, param_hint="CP_ID") from None
    path = file or Settings().ocpp.passwords_file
    if path is None:
        raise typer.BadParameter("no password file: set OCPP_PASSWORDS_FILE (as the ocpp service has it)",
                                 param_hint="--file")
    password = _read_secret()
    if not password:
        raise typer.BadParameter("the password is empty", param_hint="password")
    if len(password) > MAX_PASSWORD:
        raise typer.BadParameter(f"the password has more than {MAX_PASSWORD} characters", param_hint="password")
    try:
        store_password(path, cp_id, password)
    except (PasswordFileError, OSError) as exc:
        raise typer.BadParameter(str(exc), param_hint="--file") from None
    Console(stderr=True).print(f"password of {cp_id} stored, hashed, in {path}; "
                               "the ocpp endpoint uses it from the station's next connection")
