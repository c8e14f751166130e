"""The example alerting rules and Grafana dashboard of ``deploy/``, and the metric names their expressions
use (parsed with promql-parser, the Prometheus parser's Rust port)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import promql_parser
import yaml

DEPLOY = Path(__file__).parents[2] / "deploy"
RULES = DEPLOY / "prometheus" / "roamstream-alerts.yml"
DASHBOARD = DEPLOY / "grafana" / "roamstream-dashboard.json"
#: series Prometheus records itself for every target
SCRAPE_SERIES = {"up"}
#: Grafana's interval variables, as Grafana replaces them before the query reaches Prometheus
GRAFANA_VARIABLES = {"$__rate_interval": "1m", "$__interval": "15s", "$__range": "1h"}


def rules() -> list[dict]:
    return [rule for group in yaml.safe_load(RULES.read_text())["groups"] for rule in group["rules"]]


def dashboard_exprs() -> list[str]:
    out = []
    for panel in json.loads(DASHBOARD.read_text())["panels"]:
        for target in panel.get("targets", []):
            expr = target["expr"]
            for variable, value in GRAFANA_VARIABLES.items():
                expr = expr.replace(variable, value)
            out.append(expr)
    return out


def metric_names(expr: str) -> set[str]:
    """The metric names of every selector in ``expr`` (a ValueError if it does not parse)."""
    found: set[str] = set()

    def visit(node: object) -> None:
        if isinstance(node, promql_parser.VectorSelector) and node.name:
            found.add(node.name)

    promql_parser.walk(promql_parser.parse(expr), visit)
    return found


def used_names() -> Iterator[tuple[str, str]]:
    """(where, metric name) of every metric a rule or a dashboard target uses."""
    for rule in rules():
        for name in metric_names(rule["expr"]):
            yield f"rule {rule['alert']}", name
    for expr in dashboard_exprs():
        for name in metric_names(expr):
            yield f"dashboard: {expr}", name
