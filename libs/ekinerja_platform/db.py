"""Database access: one engine per process, one session per worker, platform tables shared by every service.

The engine is created when the container starts (never at import). psycopg must use `wait_select` under
eventlet, otherwise one slow query blocks every green thread; `runner` sets that before psycopg is imported.
"""
from __future__ import annotations

import contextlib

import sqlalchemy as sa
from nameko.extensions import DependencyProvider
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Session, sessionmaker

platform_metadata = sa.MetaData()

outbox_table = sa.Table(
    "outbox", platform_metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("event_id", sa.Uuid, nullable=False, unique=True),
    sa.Column("event_type", sa.Text, nullable=False),
    sa.Column("payload", JSONB, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    sa.Column("sent_at", sa.DateTime(timezone=True)),
    # W3C traceparent of the call that wrote the event (tracing.py); NULL while tracing is off
    sa.Column("trace_context", sa.Text),
    sa.Index("outbox_unsent", "id", postgresql_where=sa.text("sent_at IS NULL")),
)

inbox_table = sa.Table(
    "inbox", platform_metadata,
    sa.Column("consumer", sa.Text, primary_key=True),
    sa.Column("event_id", sa.Uuid, primary_key=True),
    sa.Column("processed_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
)

idempotency_table = sa.Table(
    "idempotency_keys", platform_metadata,
    sa.Column("scope", sa.Text, primary_key=True),
    sa.Column("key", sa.Text, primary_key=True),
    sa.Column("response", sa.LargeBinary, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
)


def create_platform_tables(op) -> None:
    """Called from each service's first alembic migration so every database has outbox, inbox and idempotency."""
    bind = op.get_bind()
    platform_metadata.create_all(bind, checkfirst=True)


def connect_args(statement_timeout_seconds: float | None = None, lock_timeout_seconds: float | None = None) -> dict:
    """psycopg connect arguments of every service engine: a connect timeout, and PostgreSQL's `statement_timeout`
    and `lock_timeout` for each session (EKINERJA_DB_STATEMENT_TIMEOUT_SECONDS, EKINERJA_DB_LOCK_TIMEOUT_SECONDS;
    None: those settings), so no statement or lock wait holds a worker and a connection forever. 0 sends nothing
    (for a pooler that refuses the `options` start-up parameter: then set them on the role, docs/operations.md)."""
    from .settings import db_timeouts
    statement, lock = db_timeouts()
    statement = statement if statement_timeout_seconds is None else statement_timeout_seconds
    lock = lock if lock_timeout_seconds is None else lock_timeout_seconds
    options = " ".join(f"-c {name}={int(seconds * 1000)}"
                       for name, seconds in (("statement_timeout", statement), ("lock_timeout", lock)) if seconds > 0)
    return {"connect_timeout": 3, **({"options": options} if options else {})}


def make_engine(url: str, pool_size: int = 10, pre_ping: bool = True, *,
                statement_timeout_seconds: float | None = None) -> sa.Engine:
    """`pool_size` should be the worker count: a worker holds at most one connection, so a small overflow (the
    health probe, the relay's gauges) is all that is needed; PostgreSQL connections are a shared budget.
    `pre_ping=False` only for work that retries a whole round after a lost connection (the outbox relay).
    `statement_timeout_seconds` overrides the setting (0: none, for maintenance commands such as a rebuild)."""
    return sa.create_engine(
        url,
        pool_size=pool_size,
        max_overflow=2,
        pool_pre_ping=pre_ping,
        pool_recycle=1800,
        connect_args=connect_args(statement_timeout_seconds),
    )


class Database(DependencyProvider):
    """Gives each worker a `DatabaseAccess`: sessions bound to the process-wide engine."""

    def __init__(self, settings_getter):
        self._settings_getter = settings_getter
        self.engine = None

    def setup(self):
        settings = self._settings_getter()
        self.engine = make_engine(settings.sqlalchemy_url, pool_size=settings.max_workers)
        self.sessionmaker = sessionmaker(self.engine, expire_on_commit=False)

    def stop(self):
        if self.engine is not None:
            self.engine.dispose()

    def get_dependency(self, worker_ctx):
        return DatabaseAccess(self.engine, self.sessionmaker)


class DatabaseAccess:
    def __init__(self, engine, maker):
        self.engine = engine
        self._maker = maker

    @contextlib.contextmanager
    def transaction(self) -> Session:
        """A unit of work: commits when the block ends normally, rolls back on any exception."""
        session: Session = self._maker()
        try:
            with session.begin():
                yield session
        finally:
            session.close()

    def ping(self) -> None:
        with self.engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
