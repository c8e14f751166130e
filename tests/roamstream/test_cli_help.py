"""``roamstream --help`` lists the sub-commands of DESIGN.md; each has its own ``--help``."""

import typer.main
from typer.testing import CliRunner

from roamstream.cli import app

CONTRACT = {"demo", "up", "worker", "api", "ocpp", "simulate", "price", "replay", "report", "lake"}


def test_help_lists_every_sub_command():
    result = CliRunner().invoke(app, ["--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    for name in CONTRACT:
        assert f" {name} " in result.output


def test_each_sub_command_has_help():
    root = typer.main.get_command(app)
    assert CONTRACT <= set(root.commands)
    for name in root.commands:
        result = CliRunner().invoke(app, [name, "--help"], env={"COLUMNS": "200"})
        assert result.exit_code == 0, (name, result.output)
        assert "Usage:" in result.output
