"""des's own Prometheus metrics (beside the platform's): figures per agency (instansi), never per employee."""
from __future__ import annotations

import collections

import sqlalchemy as sa
from prometheus_client import Counter, Gauge
from sqlalchemy import event

ACTIVITIES_SUBMITTED = Counter(
    "ekinerja_des_activities_submitted_total",
    "Activity reports sent for review for the first time, counted once committed (new entries, sent drafts, "
    "imported records), by agency and how they came (api, text, import, send). Resubmissions are not counted.",
    ["instansi", "source"])
REVIEW_BACKLOG = Gauge(
    "ekinerja_des_review_backlog",
    "Activity reports waiting for review for more than EKINERJA_DES_BACKLOG_DAYS days, by agency. Every replica "
    "reports the same figure: aggregate with max, not sum.", ["instansi"])

BACKLOG_INTERVAL_ENV = "EKINERJA_DES_BACKLOG_INTERVAL_SECONDS"
BACKLOG_DAYS_ENV = "EKINERJA_DES_BACKLOG_DAYS"

# Served by the partial index activities_review_backlog (only entries awaiting review are in it).
_BACKLOG = sa.text("""
SELECT instansi_id, count(*) FROM activities
WHERE state IN ('submitted', 'resubmitted') AND submitted_at < now() - make_interval(days => :days)
GROUP BY instansi_id
""")


def submitted(instansi_id: str | None, source: str, n: int = 1) -> None:
    """Count reports whose write is already committed (the autocommit SubmitActivity path)."""
    if n:
        ACTIVITIES_SUBMITTED.labels(instansi_id or "", source).inc(n)


def submitted_on_commit(session, instansi_id: str | None, source: str, n: int = 1) -> None:
    """Count reports written in `session` once its transaction commits (nothing when it rolls back)."""
    pending = session.info.get("des_submitted")
    if pending is None:
        pending = session.info["des_submitted"] = collections.Counter()

        def flush(_session):
            for (instansi, how), count in pending.items():
                submitted(instansi, how, count)
            pending.clear()

        event.listen(session, "after_commit", flush)
        event.listen(session, "after_rollback", lambda _session: pending.clear())
    pending[(instansi_id or "", source)] += n


def backlog_days() -> int:
    """EKINERJA_DES_BACKLOG_DAYS, from des's settings model (checked there: 0 or more)."""
    from .application.config import config
    return config().backlog_days


def review_backlog(conn) -> dict[tuple[str], int]:
    """Reports waiting longer than the backlog days, per agency: one query over the partial index."""
    return {(instansi or "",): count for instansi, count in conn.execute(_BACKLOG, {"days": backlog_days()})}
