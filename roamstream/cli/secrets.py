"""``roamstream secrets init``: the env file of a compose deployment, with random secrets."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

app = typer.Typer(help="Deployment secrets: generate the env file docker-compose.yml reads.", no_args_is_help=True)


@app.command()
def init(
    env_file: Annotated[Path, typer.Option("--env-file", help="where to write them (compose reads .env)")] = Path(
        ".env"),
    force: Annotated[bool, typer.Option("--force", help="replace an existing file (rotates every secret)")] = False,
) -> None:
    """Write random values for every secret docker-compose.yml takes from its env file (mode 0600)."""
    from roamstream.deploy_secrets import generate, write_env_file

    values = generate()
    try:
        write_env_file(env_file, values, replace=force)
    except FileExistsError as exc:
        Console(stderr=True).print(str(exc), soft_wrap=True, markup=False)
        raise typer.Exit(1) from None
    Console(stderr=True).print(f"wrote {', '.join(values)} to {env_file} (mode 0600); keep it out of git",
                               soft_wrap=True, markup=False)
