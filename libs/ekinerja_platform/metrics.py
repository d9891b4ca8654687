"""Prometheus metrics shared by every service; label values never include personal data such as a NIP."""
from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

GRPC_REQUESTS = Counter(
    "ekinerja_grpc_requests_total", "gRPC requests handled, by final status code.", ["service", "method", "code"])
GRPC_LATENCY = Histogram(
    "ekinerja_grpc_request_duration_seconds", "gRPC request latency in seconds.", ["service", "method"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
EVENTS_HANDLED = Counter(
    "ekinerja_events_handled_total", "Events consumed, by outcome (ok, duplicate, error).",
    ["service", "event_type", "outcome"])
OUTBOX_BACKLOG = Gauge("ekinerja_outbox_backlog", "Outbox rows not yet confirmed by the broker.", ["service"])
OUTBOX_OLDEST_AGE = Gauge(
    "ekinerja_outbox_oldest_age_seconds", "Age of the oldest unsent outbox row.", ["service"])
OUTBOX_PUBLISHED = Counter("ekinerja_outbox_published_total", "Outbox rows published and confirmed.", ["service"])
WORKERS_BUSY = Gauge(
    "ekinerja_workers_busy", "Workers running now in the health and stream pools (worker_pools.py).",
    ["service", "pool"])
GRPC_STREAMS_OPEN = Gauge("ekinerja_grpc_streams_open", "Streaming gRPC calls open now.", ["service"])
GRPC_STREAMS_REFUSED = Counter(
    "ekinerja_grpc_streams_refused_total", "gRPC calls refused by a stream limit, by limit.", ["service", "limit"])
GRPC_STREAMS_ENDED = Counter(
    "ekinerja_grpc_streams_ended_total", "Streaming gRPC calls ended by the server or the client going away, by why.",
    ["service", "reason"])
GRPC_CONNECTIONS_CLOSED = Counter(
    "ekinerja_grpc_connections_closed_total", "HTTP/2 connections the server closed (GOAWAY), by why.",
    ["service", "reason"])
EVENTS_DEAD_LETTERED = Counter(
    "ekinerja_events_dead_lettered_total",
    "Events a consumer sent to its dead-letter queue because they can never succeed, by reason.",
    ["service", "reason"])
EVENTS_RETRIED = Counter(
    "ekinerja_events_retried_total",
    "Event handler runs that failed transiently (database away, serialization failure, deadlock) and were retried "
    "in the consumer without spending the queue's delivery limit.", ["service", "event_type"])
BROKER_UP = Gauge(
    "ekinerja_broker_up", "1 while the service's outbox relay holds a working broker connection, else 0 (read from "
    "the connection it already has: no probe opens one).", ["service"])
