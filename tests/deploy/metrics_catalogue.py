"""The series the rules and dashboards may use, and a small extractor of series names from a PromQL expression."""
from __future__ import annotations

import re

# The metric names the services and the broker expose (fixed by the lead; RabbitMQ's from rabbitmq_prometheus).
KNOWN_METRICS = {
    "up",
    "ekinerja_grpc_requests_total", "ekinerja_grpc_request_duration_seconds_bucket",
    "ekinerja_grpc_request_duration_seconds_count", "ekinerja_grpc_request_duration_seconds_sum",
    "ekinerja_events_handled_total", "ekinerja_events_dead_lettered_total", "ekinerja_events_retried_total",
    "ekinerja_outbox_backlog", "ekinerja_outbox_oldest_age_seconds",
    "ekinerja_broker_up",
    "ekinerja_des_review_backlog", "ekinerja_des_activities_submitted_total", "ekinerja_recap_noncompliant",
    "rabbitmq_queue_messages_ready", "rabbitmq_queue_consumers",
    "ekinerja_portal_request_seconds_bucket", "ekinerja_portal_request_seconds_count",
    "ekinerja_portal_request_seconds_sum",
}
PROMQL_WORDS = {"sum", "by", "rate", "and", "on", "histogram_quantile", "max", "min", "avg", "increase", "topk",
                "sort_desc", "without", "or", "unless", "count", "ignoring", "group_left", "group_right", "le",
                "offset", "bool", "absent", "clamp_min", "irate", "e", "inf", "nan"}


def metric_names(expr: str) -> set[str]:
    """Identifiers that name series (not functions, keywords, label names or strings)."""
    expr = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)  # drop string literals
    expr = re.sub(r"\{[^}]*\}", "{}", expr)  # drop label matchers
    expr = re.sub(r"\((?:[a-z_]+,\s*)*[a-z_]+\)(?=\s*\()", "()", expr)  # drop `by (a, b)` before an aggregate body
    expr = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", "", expr)
    expr = re.sub(r"\[[^\]]*\]", "", expr)  # ranges
    names = set(re.findall(r"[a-zA-Z_:][a-zA-Z0-9_:]*", expr))
    return {n for n in names if n not in PROMQL_WORDS and not re.fullmatch(r"\d.*", n)}
