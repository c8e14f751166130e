"""The example alerting rules and dashboard are well formed (whether their metrics exist is checked against
the running services in test_metrics_e2e)."""

from __future__ import annotations

import pytest
from ops_files import dashboard_exprs, metric_names, rules


def test_the_name_extraction_sees_every_selector_and_nothing_else():
    expr = ('sum by (partner) (rate(a_total{outcome!="delivered"}[5m])) unless on() b > 0 '
            'and clamp_min(sum(rate(c_total[1m])), 0.001) > 0.05')
    assert metric_names(expr) == {"a_total", "b", "c_total"}
    with pytest.raises(ValueError):
        metric_names("sum by (partner (x)")


def test_every_rule_parses_and_says_what_to_do():
    found = rules()
    assert len(found) >= 10
    assert len({r["alert"] for r in found}) == len(found)
    for rule in found:
        assert metric_names(rule["expr"]), rule["alert"]
        assert rule["labels"]["severity"] in {"warning", "critical"}, rule["alert"]
        assert rule["annotations"]["summary"], rule["alert"]


def test_every_dashboard_target_parses():
    exprs = dashboard_exprs()
    assert len(exprs) >= 15
    for expr in exprs:
        assert metric_names(expr), expr
