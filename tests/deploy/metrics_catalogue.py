"""What the rules and dashboards query, the names a running service exports, and a small extractor of series names
from a PromQL expression.

Which ekinerja_* names exist is NOT written here: tests/integration/test_stack_and_prometheus.py reads them from the
running stack's /metrics (`exported_names`) and fails on any query of a name nobody exports. Only the series of
programs that are not e-Kinerja services are listed, with their source.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import yaml

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
RULES = DEPLOY / "prometheus" / "rules" / "ekinerja.rules.yml"
DASHBOARDS = sorted((DEPLOY / "grafana" / "dashboards").glob("*.json"))

# Series of other programs: Prometheus's own scrape health, the RabbitMQ plugin rabbitmq_prometheus
# (https://www.rabbitmq.com/docs/prometheus, enabled in deploy/rabbitmq/enabled_plugins), and
# kube-state-metrics (https://github.com/kubernetes/kube-state-metrics/tree/main/docs/metrics/workload), which a
# Kubernetes cluster's Prometheus scrapes: readiness of the services' pods and deployments.
EXTERNAL_METRICS = {
    "up",
    "rabbitmq_queue_messages_ready", "rabbitmq_queue_consumers",
    "rabbitmq_alarms_memory_used_watermark", "rabbitmq_alarms_free_disk_space_watermark",
    "rabbitmq_alarms_file_descriptor_limit",
    # postgres_exporter (https://github.com/prometheus-community/postgres_exporter)
    "pg_up", "pg_stat_activity_count", "pg_settings_max_connections",
    "kube_deployment_spec_replicas", "kube_deployment_status_replicas_available", "kube_pod_status_ready",
}
# Gauges every replica of a service reports once with the same figure (read from the shared database): rules and
# dashboards aggregate them with `max`, never `sum` (three pods would show three times the backlog).
REPLICATED_GAUGES = {
    "ekinerja_outbox_backlog", "ekinerja_outbox_oldest_age_seconds",
    "ekinerja_des_review_backlog", "ekinerja_recap_noncompliant",
    "ekinerja_identity_signing_key_age_seconds",
}
PROMQL_WORDS = {"sum", "by", "rate", "and", "on", "histogram_quantile", "max", "min", "avg", "increase", "topk",
                "sort_desc", "without", "or", "unless", "count", "ignoring", "group_left", "group_right", "le",
                "offset", "bool", "absent", "clamp_min", "irate", "e", "inf", "nan", "label_replace"}


def metric_names(expr: str) -> set[str]:
    """Identifiers that name series (not functions, keywords, label names or strings)."""
    expr = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)  # drop string literals
    expr = re.sub(r"\{[^}]*\}", "{}", expr)  # drop label matchers
    expr = re.sub(r"\((?:[a-z_]+,\s*)*[a-z_]+\)(?=\s*\()", "()", expr)  # drop `by (a, b)` before an aggregate body
    expr = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", "", expr)
    expr = re.sub(r"\[[^\]]*\]", "", expr)  # ranges
    names = set(re.findall(r"[a-zA-Z_:][a-zA-Z0-9_:]*", expr))
    return {n for n in names if n not in PROMQL_WORDS and not re.fullmatch(r"\d.*", n)}


def not_max_aggregated(expr: str, name: str) -> list[str]:
    """The places where `expr` reads `name` other than directly inside `max(...)` or `max by (...) (...)`."""
    bad = []
    for match in re.finditer(rf"\b{re.escape(name)}\b", expr):
        before = expr[:match.start()]
        if not re.search(r"\bmax\s*(?:by\s*\([^)]*\)\s*)?\(\s*$", before):
            bad.append(expr[max(0, match.start() - 40):match.end()])
    return bad


# -- the queries -----------------------------------------------------------------------------------------------------
def rules() -> list[dict]:
    data = yaml.safe_load(RULES.read_text())
    return [rule for group in data["groups"] for rule in group["rules"]]


def recorded_names() -> set[str]:
    return {r["record"] for r in rules() if "record" in r}


def panels(dashboard: dict):
    for panel in dashboard["panels"]:
        yield panel
        yield from panel.get("panels", [])


def expand(expr: str) -> str:
    """A Grafana query as Prometheus receives it (its variables replaced by what they expand to)."""
    expr = expr.replace("$__rate_interval", "5m").replace("$__interval", "1m").replace("$__range", "1h")
    return re.sub(r"\$\{?([a-zA-Z_]+)\}?", ".*", expr)


def dashboard_queries(dashboard: dict, variables: bool = True):
    """(panel, expression) of every panel target and, with `variables`, of every `label_values(<series>, …)`."""
    for panel in panels(dashboard):
        for target in panel.get("targets", []):
            yield panel, target["expr"]
    if not variables:
        return
    for variable in dashboard["templating"]["list"]:
        if variable["type"] == "query":
            query = variable["query"]["query"] if isinstance(variable["query"], dict) else variable["query"]
            match = re.fullmatch(r"label_values\((?:(.+),\s*)?([a-zA-Z_]+)\)", query)
            assert match, f"variable {variable['name']}: {query}"
            if match.group(1):
                yield {"title": f"variable {variable['name']}"}, match.group(1)


def all_queries(variables: bool = True) -> list[tuple[str, str]]:
    """(where, PromQL) of every rule and every dashboard query."""
    found = [(f"rule {r.get('alert') or r.get('record')}", r["expr"]) for r in rules()]
    for path in DASHBOARDS:
        for panel, expr in dashboard_queries(json.loads(path.read_text()), variables):
            found.append((f"{path.name} / {panel['title']}", expand(expr)))
    return found


# -- what a running service exports ----------------------------------------------------------------------------------
_SUFFIXES = {"counter": ("_total", "_created"), "histogram": ("_bucket", "_count", "_sum", "_created"),
             "summary": ("", "_count", "_sum", "_created"), "gaugehistogram": ("_bucket", "_gcount", "_gsum")}


def exported_names(exposition: str) -> set[str]:
    """Every series name a /metrics text offers, including those of a labelled metric with no sample yet (its
    `# TYPE` line): an agency's counter exists before the first report of the day."""
    names = set()
    for line in exposition.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(maxsplit=3)
            base = name.removesuffix("_total") if kind == "counter" else name
            names.update(base + suffix for suffix in _SUFFIXES.get(kind, ("",)))
        elif line and not line.startswith("#"):
            names.add(re.match(r"[a-zA-Z_:][a-zA-Z0-9_:]*", line).group(0))
    return names
