"""``roamstream notebooks list|export``: the analysts' marimo notebooks (analytics/notebooks/*.py).

``export`` runs each notebook on a lake and writes it as a self-contained HTML page with its tables and charts
(marimo's own ``marimo export html``); ``marimo edit analytics/notebooks/<name>.py -- --lake DIR`` opens one.
"""

from __future__ import annotations

import subprocess
import sys
from importlib import resources
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from roamstream.cli.report import NO_LAKE, LakeOption
from roamstream.config import Settings

FAILED = 1

app = typer.Typer(help="The analysts' notebooks (marimo): list them, export them to HTML.", no_args_is_help=True)


def notebook_files() -> list[Path]:
    folder = resources.files("analytics").joinpath("notebooks")
    return sorted(Path(str(p)) for p in folder.iterdir() if p.name.endswith(".py") and not p.name.startswith("_"))


@app.command("list")
def list_notebooks() -> None:
    """The notebooks and what each shows."""
    console = Console()
    for path in notebook_files():
        doc = path.read_text(encoding="utf-8").split('"""')[1].split("\n")[0]
        console.print(f"[bold]{path.stem}[/]  {escape(doc)}  ({path})")


@app.command()
def export(
    lake: LakeOption = None,
    out: Annotated[Path, typer.Option("--out", help="folder for the HTML pages")] = Path("data/notebooks"),
    name: Annotated[list[str] | None, typer.Option("--name", help="only this notebook (repeatable)")] = None,
) -> None:
    """Run every notebook on the lake and write it to OUT/<name>.html with its tables and charts."""
    from analytics.exceptions import LakeNotFoundError
    from analytics.lake import check_lake

    lake_uri = lake if lake is not None else Settings().lake.uri
    errors = Console(stderr=True, soft_wrap=True)
    try:
        check_lake(lake_uri)
    except LakeNotFoundError as exc:
        errors.print(f"[red]{escape(str(exc))}[/red]")
        raise typer.Exit(NO_LAKE) from exc
    chosen = [p for p in notebook_files() if not name or p.stem in name]
    unknown = set(name or ()) - {p.stem for p in chosen}
    if unknown:
        errors.print(f"no such notebook: {', '.join(sorted(unknown))}")
        raise typer.Exit(FAILED)
    out.mkdir(parents=True, exist_ok=True)
    console = Console()
    for path in chosen:
        target = out / f"{path.stem}.html"
        done = subprocess.run(
            [sys.executable, "-m", "marimo", "export", "html", str(path), "-o", str(target), "-f", "--",
             "--lake", lake_uri],
            capture_output=True, text=True,
        )
        if done.returncode != 0 or not target.is_file():
            errors.print(f"[red]{path.stem} failed[/red]\n{escape(done.stdout + done.stderr)}")
            raise typer.Exit(FAILED)
        console.print(f"{path.stem}: {target}")
