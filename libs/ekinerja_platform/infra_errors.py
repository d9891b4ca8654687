"""Which failures of the database or the broker are the caller's to retry, and with which status.

One place for the classification, so a handler never decides it: the gRPC mapping (`grpc_errors`) answers with the
status found here instead of INTERNAL. Measured before: with the database down 207 of 1,200 submits got INTERNAL.

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

_BY_SQLSTATE = {
    "40001": CONCURRENT_UPDATE,  # serialization_failure
    "40P01": CONCURRENT_UPDATE,  # deadlock_detected
    "55P03": LOCK_TIMEOUT,  # lock_not_available (lock_timeout, NOWAIT)
    "57014": STATEMENT_TIMEOUT,  # query_canceled (statement_timeout)
    "57P01": DATABASE_UNAVAILABLE,  # admin_shutdown
    "57P02": DATABASE_UNAVAILABLE,  # crash_shutdown
    "57P03": DATABASE_UNAVAILABLE,  # cannot_connect_now (starting up, recovering)
    "53300": DATABASE_UNAVAILABLE,  # too_many_connections
    "25006": DATABASE_UNAVAILABLE,  # read_only_sql_transaction: a replica promoted or a failover under way
}


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
    if sqlstate in _BY_SQLSTATE:
        return _BY_SQLSTATE[sqlstate]
    if sqlstate and sqlstate.startswith("08"):  # connection_exception class
        return DATABASE_UNAVAILABLE
    if sqlstate is None and connection_level:  # refused, reset or lost: psycopg has no SQLSTATE for those
        return DATABASE_UNAVAILABLE
    return None


def is_transient(exc: BaseException) -> bool:
    """True when the same work may succeed if simply tried again later (for consumers' retries)."""
    return classify(exc) is not None


def _is_broker_error(exc: BaseException) -> bool:
    try:
        import amqp.exceptions
        import kombu.exceptions
    except ImportError:  # pragma: no cover - both ship with nameko
        return False
    return isinstance(exc, (kombu.exceptions.OperationalError, amqp.exceptions.ConnectionError,
                            amqp.exceptions.RecoverableConnectionError))
