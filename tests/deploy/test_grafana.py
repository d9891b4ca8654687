"""Grafana: provisioning files, and dashboards whose every query is valid PromQL over known series.

Each panel query is checked by promtool (as a recording rule in a scratch rules file), after replacing Grafana's
variables with what they expand to.
"""
from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.deploy

GRAFANA = Path(__file__).resolve().parents[2] / "deploy" / "grafana"
DASHBOARDS = sorted((GRAFANA / "dashboards").glob("*.json"))


def datasource_uid() -> str:
    data = yaml.safe_load((GRAFANA / "provisioning" / "datasources" / "prometheus.yml").read_text())
    [source] = data["datasources"]
    assert source["type"] == "prometheus"
    return source["uid"]


def panels(dashboard: dict):
    for panel in dashboard["panels"]:
        yield panel
        yield from panel.get("panels", [])


def queries(dashboard: dict):
    for panel in panels(dashboard):
        for target in panel.get("targets", []):
            yield panel, target["expr"]
    for variable in dashboard["templating"]["list"]:
        if variable["type"] == "query":
            query = variable["query"]["query"] if isinstance(variable["query"], dict) else variable["query"]
            match = re.fullmatch(r"label_values\((?:(.+),\s*)?([a-zA-Z_]+)\)", query)
            assert match, f"variable {variable['name']}: {query}"
            if match.group(1):
                yield {"title": f"variable {variable['name']}"}, match.group(1)


def expand(expr: str) -> str:
    expr = expr.replace("$__rate_interval", "5m").replace("$__interval", "1m").replace("$__range", "1h")
    return re.sub(r"\$\{?([a-zA-Z_]+)\}?", ".*", expr)


def test_three_dashboards_with_the_required_topics():
    titles = {json.loads(p.read_text())["uid"]: p for p in DASHBOARDS}
    assert set(titles) == {"ekinerja-services", "ekinerja-messaging", "ekinerja-business"}
    services = json.loads(titles["ekinerja-services"].read_text())
    exprs = " ".join(e for _, e in queries(services))
    assert "ekinerja_grpc_requests_total" in exprs and "ekinerja_grpc_request_duration_seconds_bucket" in exprs
    assert "by (service, method" in exprs, "per RPC"
    messaging = " ".join(e for _, e in queries(json.loads(titles["ekinerja-messaging"].read_text())))
    for metric in ("ekinerja_outbox_backlog", "ekinerja_outbox_oldest_age_seconds", "rabbitmq_queue_messages_ready",
                   "rabbitmq_queue_consumers", ".dlq"):
        assert metric in messaging
    business = " ".join(e for _, e in queries(json.loads(titles["ekinerja-business"].read_text())))
    for metric in ("ekinerja_des_activities_submitted_total", "ekinerja_des_review_backlog",
                   "ekinerja_recap_noncompliant"):
        assert metric in business


@pytest.mark.parametrize("path", DASHBOARDS, ids=lambda p: p.name)
def test_dashboard_structure(path):
    dashboard = json.loads(path.read_text())
    uid = datasource_uid()
    ids = [p["id"] for p in panels(dashboard)]
    assert len(ids) == len(set(ids)), "panel ids are unique"
    assert dashboard["editable"] is False, "dashboards are code"
    for panel in panels(dashboard):
        grid = panel["gridPos"]
        assert grid["x"] + grid["w"] <= 24
        if panel["type"] != "row":
            assert panel["datasource"]["uid"] == uid
            assert panel["targets"], panel["title"]
            for target in panel["targets"]:
                assert target["datasource"]["uid"] == uid
    for variable in dashboard["templating"]["list"]:
        assert variable["datasource"]["uid"] == uid
    # no personal data on a dashboard: NIP is never a label (and so never a legend or a grouping)
    assert "nip" not in json.dumps(dashboard).lower()


def test_provisioning_points_at_the_dashboards():
    data = yaml.safe_load((GRAFANA / "provisioning" / "dashboards" / "ekinerja.yml").read_text())
    [provider] = data["providers"]
    assert provider["type"] == "file"
    assert provider["options"]["path"] == "/var/lib/grafana/dashboards"


def test_every_query_is_valid_promql(promtool, tmp_path):
    rules = []
    for path in DASHBOARDS:
        for i, (_panel, expr) in enumerate(queries(json.loads(path.read_text()))):
            rules.append({"record": f"check:{path.stem.replace('-', '_')}:{i}", "expr": expand(expr)})
    (tmp_path / "dashboards.rules.yml").write_text(yaml.safe_dump({"groups": [{"name": "dashboards",
                                                                              "rules": rules}]}))
    result = subprocess.run([promtool, "check", "rules", "dashboards.rules.yml"], cwd=tmp_path,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def test_replicated_gauges_are_aggregated_with_max(load):
    """Which names the dashboards may use is checked against the running services (tests/integration/
    test_stack_and_prometheus.py); here: a gauge every replica reports once is never summed over replicas."""
    catalogue = load("ekinerja_deploy_metrics_catalogue", Path(__file__).with_name("metrics_catalogue.py"))
    for path in DASHBOARDS:
        for panel, expr in catalogue.dashboard_queries(json.loads(path.read_text()), variables=False):
            for name in catalogue.REPLICATED_GAUGES:
                bad = catalogue.not_max_aggregated(expr, name)
                assert not bad, f"{path.name} / {panel['title']}: {name} not under max: {bad}"
