"""``roamstream partners invite|register|list|unregister``: onboard roaming partners through the running API
(the back office's ``/admin/partners`` endpoints, with a back-office token), which runs the OCPI credentials
handshake and keeps the registry (``ocpi.partners.v1``)."""

from __future__ import annotations

import json
from typing import Annotated, Any

import httpx
import typer
from rich.console import Console
from rich.table import Table

from roamstream.config import Settings

app = typer.Typer(help="Onboard roaming partners by the OCPI credentials handshake; list them.",
                  no_args_is_help=True)

ApiUrl = Annotated[str | None, typer.Option(
    "--api-url", help="the API (default: API_PUBLIC_URL, else http(s)://API_HOST:API_PORT)")]
ApiToken = Annotated[str | None, typer.Option(
    "--api-token", help="a back-office token (default: the first of API_TOKENS)")]
Json = Annotated[bool, typer.Option("--json", help="print JSON for machines")]


def _call(method: str, path: str, api_url: str | None, api_token: str | None, body: Any = None) -> Any:
    settings = Settings()
    scheme = "https" if settings.api.uses_tls else "http"
    base = (api_url or settings.api.public_url or f"{scheme}://{settings.api.host}:{settings.api.port}").rstrip("/")
    token = api_token or settings.api.tokens[0].get_secret_value()
    try:
        response = httpx.request(method, base + path, json=body, headers={"Authorization": f"Token {token}"},
                                 timeout=settings.partners.handshake_timeout_s * 3)
    except httpx.HTTPError as exc:
        raise typer.BadParameter(f"cannot reach the API at {base}: {exc}", param_hint="--api-url") from None
    try:
        envelope = response.json()
    except ValueError:
        envelope = {}
    if response.status_code >= 400 or envelope.get("status_code") != 1000:
        Console(stderr=True).print(f"[red]refused[/] HTTP {response.status_code}, OCPI status "
                                   f"{envelope.get('status_code')}: {envelope.get('status_message') or response.text}")
        raise typer.Exit(1)
    return envelope.get("data")


@app.command()
def invite(
    country_code: Annotated[str, typer.Option("--country-code", help="the partner's country code, e.g. NL")],
    party_id: Annotated[str, typer.Option("--party-id", help="the partner's party id, e.g. EMA")],
    api_url: ApiUrl = None, api_token: ApiToken = None, as_json: Json = False,
) -> None:
    """Issue a one-time token A for a partner that registers at us; give it the token and our versions URL."""
    data = _call("POST", "/admin/partners/invitations", api_url, api_token,
                 {"country_code": country_code, "party_id": party_id})
    if as_json:
        print(json.dumps(data))
        return
    print(f"versions URL: {data['versions_url']}")
    print(f"token A:      {data['token']}")


@app.command()
def register(
    versions_url: Annotated[str, typer.Option("--versions-url", help="the partner's OCPI versions URL")],
    token: Annotated[str, typer.Option("--token", help="the token A the partner gave us")],
    api_url: ApiUrl = None, api_token: ApiToken = None, as_json: Json = False,
) -> None:
    """Register at a partner: read its endpoints, send our credentials, keep the token it answers with."""
    data = _call("POST", "/admin/partners/registrations", api_url, api_token,
                 {"versions_url": versions_url, "token": token})
    if as_json:
        print(json.dumps(data))
        return
    modules = ", ".join(sorted({f"{e['identifier']} {e['role']}" for e in data["endpoints"]}))
    print(f"registered {data['key']} ({data['version']}): {modules}")


@app.command("list")
def list_partners(api_url: ApiUrl = None, api_token: ApiToken = None, as_json: Json = False) -> None:
    """Every partner in the registry: its state, roles and the modules it published."""
    data = _call("GET", "/admin/partners", api_url, api_token)
    if as_json:
        print(json.dumps(data))
        return
    table = Table("partner", "state", "roles", "modules", "versions URL", "updated")
    for p in data:
        roles = ", ".join(f"{r['role']} {r['country_code']}-{r['party_id']}" for r in p["roles"])
        modules = ", ".join(sorted({f"{e['identifier']} {e['role']}" for e in p["endpoints"]}))
        table.add_row(p["key"], p["state"], roles, modules, p["versions_url"] or "", p["updated_at"])
    Console().print(table)


@app.command()
def unregister(
    key: Annotated[str, typer.Argument(help="the partner, CC-PID")],
    api_url: ApiUrl = None, api_token: ApiToken = None,
) -> None:
    """Unregister at the partner (DELETE our credentials there) and refuse its token from now on."""
    data = _call("DELETE", f"/admin/partners/{key}", api_url, api_token)
    print(f"{data['key']}: {data['state']}")
