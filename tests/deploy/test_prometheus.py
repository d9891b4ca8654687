"""Prometheus: both configurations load, the rules are valid, and every alert is unit-tested firing and not firing.

promtool comes from Debian's `prometheus` package (deploy/apt-packages.txt); without it the promtool checks are
skipped, the structural ones still run.
"""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.deploy

PROM = Path(__file__).resolve().parents[2] / "deploy" / "prometheus"
OPERATIONS = Path(__file__).resolve().parents[2] / "docs" / "operations.md"
SERVICES = {"identity": 9101, "skp": 9102, "des": 9103, "recap": 9104, "snowman": 9105}
def promtool_run(promtool, *args, cwd=PROM) -> subprocess.CompletedProcess:
    result = subprocess.run([promtool, *args], cwd=cwd, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, f"promtool {' '.join(args)}:\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def catalogue(load):
    return load("ekinerja_deploy_metrics_catalogue", Path(__file__).with_name("metrics_catalogue.py"))


def rules() -> list[dict]:
    data = yaml.safe_load((PROM / "rules" / "ekinerja.rules.yml").read_text())
    return [rule for group in data["groups"] for rule in group["rules"]]


def alerts() -> dict[str, dict]:
    return {r["alert"]: r for r in rules() if "alert" in r}


# -- promtool --------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("config", ["prometheus.yml", "prometheus.compose.yml"])
def test_promtool_check_config(promtool, config):
    promtool_run(promtool, "check", "config", config)


def test_promtool_check_rules(promtool):
    out = promtool_run(promtool, "check", "rules", "rules/ekinerja.rules.yml").stdout
    assert f"{len(rules())} rules found" in out


def test_promtool_test_rules(promtool):
    tests = sorted(str(p.relative_to(PROM)) for p in (PROM / "tests").glob("*.test.yml"))
    assert tests
    out = promtool_run(promtool, "test", "rules", *tests).stdout
    assert "FAILED" not in out


# -- what the rules say ----------------------------------------------------------------------------------------------
def test_every_alert_is_tested_firing_and_not_firing():
    fired, silent = set(), set()
    for path in (PROM / "tests").glob("*.test.yml"):
        data = yaml.safe_load(path.read_text())
        assert any((PROM / "tests" / f).resolve() == PROM / "rules" / "ekinerja.rules.yml"
                   for f in data["rule_files"])
        for test in data["tests"]:
            for case in test.get("alert_rule_test", []):
                (fired if case.get("exp_alerts") else silent).add(case["alertname"])
    expected = set(alerts())
    assert expected - fired == set(), "alerts never tested firing"
    assert expected - silent == set(), "alerts never tested staying silent"
    assert fired | silent <= expected, "tests of alerts that do not exist"


def test_the_required_alerts_exist():
    names = set(alerts())
    assert {"EkinerjaServiceDown", "EkinerjaHighErrorRate", "EkinerjaHighLatencyP99", "EkinerjaOutboxBacklog",
            "EkinerjaOutboxStalled", "EkinerjaDeadLetters", "EkinerjaQueueWithoutConsumer",
            "EkinerjaReviewBacklog"} <= names


def test_every_alert_has_severity_summary_and_a_runbook_section():
    text = OPERATIONS.read_text()
    headings = {re.sub(r"[^a-z0-9 -]", "", h.strip().lower()).replace(" ", "-")
                for h in re.findall(r"^#+\s+(.*)$", text, flags=re.M)}
    for name, rule in alerts().items():
        assert rule["labels"]["severity"] in {"critical", "warning", "info"}, name
        assert {"summary", "description", "runbook"} <= set(rule["annotations"]), name
        assert rule["annotations"]["runbook"] == f"docs/operations.md#{name.lower()}", name
        assert name.lower() in headings, f"docs/operations.md has no section `{name}`"


def test_error_rate_excludes_expected_client_errors():
    expr = next(r["expr"] for r in rules() if r.get("record") == "ekinerja:grpc_server_errors:rate5m")
    excluded = re.search(r'code!~"([^"]+)"', expr).group(1).split("|")
    assert {"OK", "INVALID_ARGUMENT", "NOT_FOUND", "PERMISSION_DENIED", "UNAUTHENTICATED"} <= set(excluded)
    assert not {"INTERNAL", "UNAVAILABLE", "DEADLINE_EXCEEDED", "UNKNOWN"} & set(excluded)
    alert = alerts()["EkinerjaHighErrorRate"]
    assert "> 0.05" in alert["expr"]


def test_replicated_gauges_are_aggregated_with_max(catalogue):
    """Each replica reports the same backlog once: `sum` over pods multiplied it (3 pods showed 4,500 for 1,500).
    Which names the rules may use is checked against the running services (tests/integration/
    test_stack_and_prometheus.py), not here."""
    for rule in rules():
        for name in catalogue.REPLICATED_GAUGES:
            bad = catalogue.not_max_aggregated(rule["expr"], name)
            assert not bad, f"{rule.get('alert') or rule.get('record')}: {name} not under max: {bad}"


def test_the_max_check_catches_sum(catalogue):
    assert catalogue.not_max_aggregated("sum(ekinerja_des_review_backlog) > 1", "ekinerja_des_review_backlog")
    assert catalogue.not_max_aggregated("ekinerja_outbox_backlog > 1", "ekinerja_outbox_backlog")
    assert not catalogue.not_max_aggregated("sum(max by (instansi) (ekinerja_des_review_backlog{a=\"b\"}))",
                                            "ekinerja_des_review_backlog")


# -- scrape configuration --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("config,host", [("prometheus.yml", "127.0.0.1"), ("prometheus.compose.yml", None)])
def test_scrape_targets(config, host):
    data = yaml.safe_load((PROM / config).read_text())
    assert data["rule_files"] == ["rules/ekinerja.rules.yml"], "relative to the configuration file"
    jobs = {job["job_name"]: job for job in data["scrape_configs"]}
    targets = {}
    for static in jobs["ekinerja"]["static_configs"]:
        [target] = static["targets"]
        targets[static["labels"]["service"]] = target
    expected = {svc: f"{host or svc}:{port}" for svc, port in SERVICES.items()}
    assert targets == expected
    assert jobs["ekinerja"].get("metrics_path", "/metrics") == "/metrics"
    [rabbit] = jobs["rabbitmq"]["static_configs"]
    assert rabbit["targets"][0].endswith(":15692")
