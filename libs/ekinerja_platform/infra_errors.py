"""Which failures of the database or the broker are the caller's to retry, and with which status.

One place for the classification, so a handler never decides it: the gRPC mapping (`grpc_errors`) answers with the
status found here instead of INTERNAL, and the event consumers (`transient`) retry a handler whose failure (or one
of its causes) is found here instead of dead-lettering it — both read the one SQLSTATE table `SQLSTATE_FAILURES`.
Measured before: with the database down 207 of 1,200 submits got INTERNAL.

- database or broker unreachable (connection refused or lost, server shutting down, too many connections, pool
  exhausted) → UNAVAILABLE: the same call may succeed a moment later;
- serialization failure, deadlock, lock timeout → ABORTED: a concurrent transaction won; retry the whole call;
- statement timeout → DEADLINE_EXCEEDED: the database gave up on the statement (EKINERJA_DB_STATEMENT_TIMEOUT_SECONDS).
"""
from __future__ import annotations

from dataclasses import dataclass

from grpc import StatusCode


@dataclass(frozen=True)
class Failure:
    code: StatusCode
    reason: str
    message: str  # for people, in Bahasa Indonesia; never the driver's text (it may hold values or addresses)


DATABASE_UNAVAILABLE = Failure(StatusCode.UNAVAILABLE, "DATABASE_UNAVAILABLE",
                               "basis data sedang tidak dapat dihubungi; coba lagi sebentar lagi")
BROKER_UNAVAILABLE = Failure(StatusCode.UNAVAILABLE, "BROKER_UNAVAILABLE",
                             "layanan pesan (broker) sedang tidak dapat dihubungi; coba lagi sebentar lagi")
CONCURRENT_UPDATE = Failure(StatusCode.ABORTED, "CONCURRENT_UPDATE",
                            "data yang sama sedang diubah oleh permintaan lain; ulangi permintaan")
LOCK_TIMEOUT = Failure(StatusCode.ABORTED, "LOCK_TIMEOUT",
                       "data sedang dikunci oleh permintaan lain terlalu lama; ulangi permintaan")
STATEMENT_TIMEOUT = Failure(StatusCode.DEADLINE_EXCEEDED, "STATEMENT_TIMEOUT",
                            "basis data tidak selesai dalam batas waktu; coba lagi nanti")

# SQLSTATE -> the Failure it stands for: a whole code, or a class prefix (shorter keys) for every code in it. A code
# not found here is deterministic for the same request (bad data, a constraint, a bug): no status, no retry.
SQLSTATE_FAILURES = {
    "40001": CONCURRENT_UPDATE,  # serialization_failure
    "40P01": CONCURRENT_UPDATE,  # deadlock_detected
    "55P03": LOCK_TIMEOUT,  # lock_not_available (lock_timeout, NOWAIT)
    "57014": STATEMENT_TIMEOUT,  # query_canceled (statement_timeout, also under load)
    "25006": DATABASE_UNAVAILABLE,  # read_only_sql_transaction: a replica promoted or a failover under way
    "25P03": DATABASE_UNAVAILABLE,  # idle_in_transaction_session_timeout: the session was ended
    "08": DATABASE_UNAVAILABLE,  # connection_exception
    "53": DATABASE_UNAVAILABLE,  # insufficient_resources (too_many_connections, out of memory, disk full)
    "57P": DATABASE_UNAVAILABLE,  # admin/crash shutdown, cannot_connect_now (starting up, recovering)
    "58": DATABASE_UNAVAILABLE,  # system_error (I/O error outside PostgreSQL)
}


def failure_for_sqlstate(sqlstate: str | None) -> Failure | None:
    """The table's answer for one SQLSTATE: the code's own entry, else its class's (longest prefix first)."""
    if not sqlstate:
        return None
    for length in (5, 3, 2):
        found = SQLSTATE_FAILURES.get(sqlstate[:length])
        if found is not None:
            return found
    return None


def classify(exc: BaseException) -> Failure | None:
    """The Failure an infrastructure exception stands for; None for anything else (a bug: INTERNAL)."""
    import psycopg
    import sqlalchemy.exc as sa_exc
    if isinstance(exc, sa_exc.TimeoutError):  # no pooled connection became free in time
        return DATABASE_UNAVAILABLE
    if isinstance(exc, sa_exc.DBAPIError):  # through SQLAlchemy
        return _database(getattr(exc.orig, "sqlstate", None),
                         exc.connection_invalidated or isinstance(exc, sa_exc.OperationalError))
    if isinstance(exc, psycopg.Error):  # straight from psycopg (des's joined writes use raw connections)
        return _database(exc.sqlstate, isinstance(exc, psycopg.OperationalError))
    if _is_broker_error(exc):
        return BROKER_UNAVAILABLE
    return None


def _database(sqlstate: str | None, connection_level: bool) -> Failure | None:
    if sqlstate is None and connection_level:  # refused, reset or lost: psycopg has no SQLSTATE for those
        return DATABASE_UNAVAILABLE
    return failure_for_sqlstate(sqlstate)


def _is_broker_error(exc: BaseException) -> bool:
    try:
        import amqp.exceptions
        import kombu.exceptions
    except ImportError:  # pragma: no cover - both ship with nameko
        return False
    return isinstance(exc, (kombu.exceptions.OperationalError, amqp.exceptions.ConnectionError,
                            amqp.exceptions.RecoverableConnectionError))
