"""Alertmanager: the configuration loads, every alert of the rules reaches the receiver its severity calls for, and
the inhibitions name alerts that exist and labels both sides carry.

amtool comes from Debian's `prometheus-alertmanager` package (deploy/apt-packages.txt); without it the amtool
checks are skipped, the structural ones still run.
"""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.deploy

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
CONFIG = DEPLOY / "alertmanager" / "alertmanager.yml"
RULES = DEPLOY / "prometheus" / "rules" / "ekinerja.rules.yml"
RECEIVER_OF_SEVERITY = {"critical": "ops-oncall-pager", "warning": "ops-working-hours", "info": "business-owners"}


def config() -> dict:
    return yaml.safe_load(CONFIG.read_text())


def alerts() -> dict[str, dict]:
    data = yaml.safe_load(RULES.read_text())
    return {r["alert"]: r for group in data["groups"] for r in group["rules"] if "alert" in r}


def recordings() -> list[dict]:
    data = yaml.safe_load(RULES.read_text())
    return [r for group in data["groups"] for r in group["rules"] if "record" in r]


def _matches(matchers: list[str], labels: dict[str, str]) -> bool:
    """Alertmanager's matcher syntax (`name="v"`, `name=~"re"`, `!=`, `!~`), anchored as Alertmanager anchors it."""
    for matcher in matchers:
        name, op, value = re.fullmatch(r'\s*([a-zA-Z_]\w*)\s*(=~|!~|!=|=)\s*"(.*)"\s*', matcher).groups()
        actual = labels.get(name, "")
        ok = {"=": actual == value, "!=": actual != value,
              "=~": re.fullmatch(value, actual) is not None, "!~": re.fullmatch(value, actual) is None}[op]
        if not ok:
            return False
    return True


def route(labels: dict[str, str], node: dict | None = None) -> str:
    """The receiver of the first matching child route (no `continue` is used), else the node's own."""
    node = node or config()["route"]
    for child in node.get("routes", []):
        if _matches(child.get("matchers", []), labels):
            return route(labels, {"receiver": node["receiver"], **child})
    return node["receiver"]


def alert_labels(name: str) -> set[str]:
    """The labels an alert carries: its `by (...)` / `on (...)` groupings, its own labels and its matchers' names
    (an absent() keeps the equality matchers)."""
    rule = alerts()[name]
    labels = set(rule.get("labels", {})) | {"alertname"}
    expr = rule["expr"]
    for record in recordings():  # a recorded series keeps the groupings of its own expression
        if record["record"] in expr:
            expr += " " + record["expr"]
    for group in re.findall(r"\b(?:by|on)\s*\(([^)]*)\)", expr):
        labels |= {x.strip() for x in group.split(",") if x.strip()}
    if not re.search(r"\b(?:sum|max|min|avg|count)\b", rule["expr"]):  # the series' own labels are kept
        labels |= set(re.findall(r"([a-zA-Z_]\w*)\s*=~?\s*\"", rule["expr"]))
        if re.search(r'\bekinerja_|job="ekinerja"', rule["expr"]):
            labels |= {"service", "instance"}  # the scrape job's target label, and the services' own label
        if "rabbitmq_queue_" in rule["expr"]:
            labels |= {"vhost", "queue"}  # rabbitmq_prometheus's per-queue series
    return labels


def test_every_alert_reaches_the_receiver_of_its_severity():
    receivers = {r["name"] for r in config()["receivers"]}
    assert set(RECEIVER_OF_SEVERITY.values()) <= receivers
    for name, rule in alerts().items():
        severity = rule["labels"]["severity"]
        assert route({"alertname": name, "severity": severity}) == RECEIVER_OF_SEVERITY[severity], name


def test_inhibitions_name_existing_alerts_and_labels_both_sides_carry():
    names = set(alerts())
    for inhibition in config()["inhibit_rules"]:
        sources = {n for n in names if _matches(inhibition["source_matchers"], {"alertname": n})}
        targets = {n for n in names if _matches(inhibition["target_matchers"], {"alertname": n})}
        assert sources and targets, inhibition
        for part in ("source_matchers", "target_matchers"):
            for matcher in inhibition[part]:
                for alternative in re.fullmatch(r'alertname=~?"(.*)"', matcher).group(1).split("|"):
                    assert alternative in names, f"{part} names an alert that does not exist: {alternative}"
        for name in sources | targets:
            missing = set(inhibition["equal"]) - alert_labels(name)
            assert not missing, f"{name} does not carry {missing}: the inhibition would never apply"
        assert not sources & targets, "an alert inhibiting itself"


def test_the_not_ready_service_holds_back_its_pods_errors_and_latency():
    inhibition = next(i for i in config()["inhibit_rules"]
                      if _matches(i["source_matchers"], {"alertname": "EkinerjaServiceNotReady"}))
    for target in ("EkinerjaPodNotReady", "EkinerjaHighErrorRate", "EkinerjaHighLatencyP99"):
        assert _matches(inhibition["target_matchers"], {"alertname": target})
    assert inhibition["equal"] == ["service"]


def test_no_secret_is_written_in_the_configuration():
    text = CONFIG.read_text()
    for key in ("password", "api_key", "auth_token", "bot_token", "routing_key", "service_key", "api_url"):
        assert not re.search(rf"^\s*{key}\s*:", text, flags=re.M), key


# -- amtool ----------------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def amtool() -> str:
    path = shutil.which("amtool")
    if path is None:
        pytest.skip("amtool is not installed (Debian package `prometheus-alertmanager`, in deploy/apt-packages.txt)")
    return path


def test_amtool_check_config(amtool):
    result = subprocess.run([amtool, "check-config", str(CONFIG)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


@pytest.mark.parametrize("severity,receiver", sorted(RECEIVER_OF_SEVERITY.items()))
def test_amtool_routes_each_severity(amtool, severity, receiver):
    result = subprocess.run(
        [amtool, "config", "routes", "test", f"--config.file={CONFIG}", f"--verify.receivers={receiver}",
         "alertname=EkinerjaProbe", f"severity={severity}", "service=des"],
        capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == receiver
