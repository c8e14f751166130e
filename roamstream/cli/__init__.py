"""The ``roamstream`` command line: one typer app, one module per sub-command."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="roamstream",
    help="EV charge-point traffic to exactly priced OCPI sessions and CDRs, pushed to partners, landed in Parquet.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def main() -> None:
    from pydantic import ValidationError

    try:
        app()
    except ValidationError as exc:  # a setting from the environment that cannot be: name it, no traceback
        from roamstream.cli.startup import CONFIG_ERROR, invalid_settings

        typer.echo(invalid_settings(exc), err=True)
        raise SystemExit(CONFIG_ERROR) from None


from roamstream.cli.api import api as _api  # noqa: E402

app.command("api")(_api)

from roamstream.cli import lake as _lake  # noqa: E402
from roamstream.cli import report as _report  # noqa: E402

app.add_typer(_report.app, name="report")
app.add_typer(_lake.app, name="lake")
from roamstream.cli import price as _price  # noqa: E402

app.command("price")(_price.price)
from roamstream.cli import ocpp as _ocpp  # noqa: E402
from roamstream.cli import simulate as _simulate  # noqa: E402

app.command("ocpp")(_ocpp.ocpp)
app.command("simulate")(_simulate.simulate)
from roamstream.cli import demo as _demo  # noqa: E402
from roamstream.cli import worker as _worker  # noqa: E402

app.command("demo")(_demo.demo)
app.command("up")(_worker.up)
app.command("worker")(_worker.worker)
from roamstream.cli import reprice as _reprice  # noqa: E402

app.command("reprice")(_reprice.reprice)
from roamstream.cli import replay as _replay  # noqa: E402

app.command("replay")(_replay.replay)
from roamstream.cli import statements as _statements  # noqa: E402

app.add_typer(_statements.app, name="statements")
from roamstream.cli import notebooks as _notebooks  # noqa: E402

app.add_typer(_notebooks.app, name="notebooks")
from roamstream.cli import push as _push  # noqa: E402

app.add_typer(_push.app, name="push")
from roamstream.cli import partners as _partners  # noqa: E402

app.add_typer(_partners.app, name="partners")
from roamstream.cli import stations as _stations  # noqa: E402

app.add_typer(_stations.app, name="stations")
from roamstream.cli import deadletter as _deadletter  # noqa: E402

app.add_typer(_deadletter.app, name="deadletter")
from roamstream.cli import secrets as _secrets  # noqa: E402

app.add_typer(_secrets.app, name="secrets")
