"""Retention: rows kept only for a while (sent outbox events, inbox ids, idempotency keys, a service's own
records such as identity's login failures) are deleted once past their horizon, in small batches.

Why these horizons: an idempotency key only has to outlive the clients' retries (24 h); an inbox id only has to
outlive redeliveries and the dead-letter replay window (30 d: a replayed event older than that would be applied
again); a sent outbox row is kept a week for investigation (the broker already has it). At national volume these
tables grow by tens of GB a day, so they are purged continuously, not by hand.

How: each service runs `RetentionRunner` (in `service_base`), which every `EKINERJA_RETENTION_INTERVAL_SECONDS`
deletes up to `EKINERJA_RETENTION_BATCH_SIZE` rows per statement, one short transaction per batch (row locks and WAL
stay small, other writers are never blocked for long). Each batch takes a transaction-level advisory lock first:
when several replicas share a database only one purges at a time, the others skip the round. The time columns have
BRIN indexes (tiny; the rows are appended in time order), so finding old rows never scans the table.
"""
from __future__ import annotations

import datetime as dt
import logging
import zlib
from dataclasses import dataclass

import sqlalchemy as sa
from prometheus_client import Counter

from .settings import MissingSetting, _int

log = logging.getLogger(__name__)
LOCK_KEY = zlib.crc32(b"ekinerja-retention")  # advisory locks are per database: one per service database
PURGED = Counter("ekinerja_retention_purged_rows_total", "Rows deleted by retention, by table.", ["service", "table"])


@dataclass(frozen=True)
class PurgeRule:
    """Delete rows of `table` whose `time_column` is older than `horizon` (and that match `condition`)."""

    table: str
    time_column: str
    horizon: dt.timedelta
    condition: str = ""  # extra SQL predicate, e.g. only sent outbox rows


@dataclass(frozen=True)
class RetentionSettings:
    outbox_horizon: dt.timedelta = dt.timedelta(days=7)
    inbox_horizon: dt.timedelta = dt.timedelta(days=30)
    idempotency_horizon: dt.timedelta = dt.timedelta(hours=24)
    batch_size: int = 1000
    interval_seconds: int = 300


def load_retention_settings() -> RetentionSettings:
    """EKINERJA_OUTBOX_HORIZON_DAYS (7), EKINERJA_INBOX_HORIZON_DAYS (30), EKINERJA_IDEMPOTENCY_HORIZON_HOURS (24),
    EKINERJA_RETENTION_BATCH_SIZE (1000), EKINERJA_RETENTION_INTERVAL_SECONDS (300; 0 turns purging off)."""
    values = {
        "outbox": _int("EKINERJA_OUTBOX_HORIZON_DAYS", 7),
        "inbox": _int("EKINERJA_INBOX_HORIZON_DAYS", 30),
        "idempotency": _int("EKINERJA_IDEMPOTENCY_HORIZON_HOURS", 24),
        "batch": _int("EKINERJA_RETENTION_BATCH_SIZE", 1000),
        "interval": _int("EKINERJA_RETENTION_INTERVAL_SECONDS", 300),
    }
    if min(values["outbox"], values["inbox"], values["idempotency"], values["batch"]) < 1 or values["interval"] < 0:
        raise MissingSetting("settings EKINERJA_*_HORIZON_* and EKINERJA_RETENTION_BATCH_SIZE must be 1 or more, "
                             "EKINERJA_RETENTION_INTERVAL_SECONDS 0 or more")
    return RetentionSettings(outbox_horizon=dt.timedelta(days=values["outbox"]),
                             inbox_horizon=dt.timedelta(days=values["inbox"]),
                             idempotency_horizon=dt.timedelta(hours=values["idempotency"]),
                             batch_size=values["batch"], interval_seconds=values["interval"])


def platform_rules(settings: RetentionSettings) -> list[PurgeRule]:
    """The tables every service has. Outbox rows go by `created_at` (BRIN-indexed, never updated) but only once
    sent and sent before the horizon: an unsent row is never deleted, however old."""
    return [
        PurgeRule("outbox", "created_at", settings.outbox_horizon, "sent_at IS NOT NULL AND sent_at < :cutoff"),
        PurgeRule("inbox", "processed_at", settings.inbox_horizon),
        PurgeRule("idempotency_keys", "created_at", settings.idempotency_horizon),
    ]


def purge_batch(connection, rule: PurgeRule, batch_size: int) -> int | None:
    """Delete up to `batch_size` expired rows in the caller's transaction; None if another replica holds the lock."""
    if not connection.execute(sa.text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": LOCK_KEY}).scalar():
        return None
    where = f"{rule.time_column} < :cutoff" + (f" AND {rule.condition}" if rule.condition else "")
    result = connection.execute(sa.text(
        f"DELETE FROM {rule.table} WHERE ctid = ANY(ARRAY("
        f"SELECT ctid FROM {rule.table} WHERE {where} LIMIT :limit FOR UPDATE SKIP LOCKED))"),
        {"cutoff": _cutoff(connection, rule.horizon), "limit": batch_size})
    return result.rowcount


def _cutoff(connection, horizon: dt.timedelta) -> dt.datetime:
    """The database's clock minus the horizon (replicas' clocks may differ; the database's is the one)."""
    return connection.execute(sa.text("SELECT now()")).scalar() - horizon


def purge(engine, rules, batch_size: int, pause=lambda: None, max_batches: int = 10_000,
          service: str = "") -> dict[str, int]:
    """One round: each rule's expired rows, batch after batch (one transaction each, `pause()` between them) until
    none are left or another replica is purging. Returns the rows deleted per table."""
    deleted: dict[str, int] = {}
    for rule in rules:
        total = 0
        for _ in range(max_batches):
            with engine.begin() as connection:
                count = purge_batch(connection, rule, batch_size)
            if count is None:
                log.info("retention: another replica is purging, skipping this round")
                return deleted
            total += count
            PURGED.labels(service, rule.table).inc(count)
            if count < batch_size:
                break
            pause()
        deleted[rule.table] = total
        if total:
            log.info("retention: purged %d rows from %s (older than %s)", total, rule.table, rule.horizon)
    return deleted
