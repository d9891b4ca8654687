"""Database access: one engine per process, one session per worker, platform tables shared by every service.

The engine is created when the container starts (never at import). psycopg must use `wait_select` under
eventlet, otherwise one slow query blocks every green thread; `runner` sets that before psycopg is imported.
"""
from __future__ import annotations

import contextlib
from collections.abc import Iterator

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


def application_name(purpose: str, service: str | None = None) -> str:
    """`<service>/<purpose>` in `pg_stat_activity`, so an operator counts connections per service and per part of a
    process (requests, relay, intake, ...) instead of guessing."""
    if service is None:
        from . import runtime
        try:
            service = runtime.settings().service
        except RuntimeError:
            service = "ekinerja"
    return f"{service}/{purpose}"[:63]


def connect_args(statement_timeout_seconds: float | None = None, lock_timeout_seconds: float | None = None, *,
                 purpose: str = "requests", service: str | None = None) -> dict:
    """psycopg connect arguments of every service engine: a connect timeout, an `application_name`, and
    PostgreSQL's `statement_timeout` and `lock_timeout` for each session (EKINERJA_DB_STATEMENT_TIMEOUT_SECONDS,
    EKINERJA_DB_LOCK_TIMEOUT_SECONDS; None: those settings), so no statement or lock wait holds a worker and a
    connection forever. 0 sends nothing.

    Behind PgBouncer in transaction mode (EKINERJA_DB_PGBOUNCER) consecutive transactions of one client run on
    different server connections: psycopg's server-side prepared statements would be missing there (PgBouncer 1.18
    does not track them), so preparation is off, and the `options` start-up parameter is refused, so the timeouts
    are the login role's (`ALTER ROLE ... SET`, done by scripts/db_roles.py; docs/operations.md)."""
    from .settings import db_pool, db_timeouts
    args = {"connect_timeout": 3, "application_name": application_name(purpose, service)}
    if db_pool().pgbouncer:
        return {**args, "prepare_threshold": None}
    statement, lock = db_timeouts()
    statement = statement if statement_timeout_seconds is None else statement_timeout_seconds
    lock = lock if lock_timeout_seconds is None else lock_timeout_seconds
    options = " ".join(f"-c {name}={int(seconds * 1000)}"
                       for name, seconds in (("statement_timeout", statement), ("lock_timeout", lock)) if seconds > 0)
    return {**args, **({"options": options} if options else {})}


def pool_arguments(pool_size: int | None = None, max_overflow: int | None = None) -> dict:
    """SQLAlchemy pool arguments: the EKINERJA_DB_POOL_SIZE / EKINERJA_DB_MAX_OVERFLOW budget (settings.DbPool)
    unless a caller sizes its own; `pool_size=0` means no pool at all (a connection per use, for work that runs
    rarely and should hold nothing between rounds). A pool opens connections only when asked for one."""
    from .settings import db_pool
    if pool_size == 0:
        return {"poolclass": sa.pool.NullPool}
    pool = db_pool()
    if pool_size is None:
        pool_size, max_overflow = pool.size, pool.max_overflow if max_overflow is None else max_overflow
    return {"pool_size": pool_size, "max_overflow": 1 if max_overflow is None else max_overflow,
            "pool_recycle": 1800}


def make_engine(url: str, pool_size: int | None = None, pre_ping: bool = True, *,
                statement_timeout_seconds: float | None = None, max_overflow: int | None = None,
                purpose: str = "requests", service: str | None = None) -> sa.Engine:
    """The request engine of a process takes the settings' pool budget (`pool_size=None`); background work sizes
    its own (1 connection, or 0 for none kept): PostgreSQL connections are a budget shared by every replica.
    `pre_ping=False` only for work that retries a whole round after a lost connection (the outbox relay).
    `statement_timeout_seconds` overrides the setting (0: none, for maintenance commands such as a rebuild)."""
    return sa.create_engine(
        url,
        pool_pre_ping=pre_ping,
        connect_args=connect_args(statement_timeout_seconds, purpose=purpose, service=service),
        **pool_arguments(pool_size, max_overflow),
    )


def read_engine(primary: sa.Engine, read_url: str | None, service: str | None = None) -> sa.Engine:
    """The engine of `DatabaseAccess.read`: its own pool on `read_url` (a streaming replica: its connections are
    a budget of the replica, not the primary's) or, without one, the primary's pool. Either way every transaction
    is READ ONLY (psycopg's `read_only`: `BEGIN READ ONLY`, no extra round trip), so a write slipped into a read
    fails in development on the primary as it would on a replica."""
    if read_url is None:
        engine = primary
    else:
        engine = make_engine(read_url, purpose="reads", service=service)
    return engine.execution_options(postgresql_readonly=True)


class Database(DependencyProvider):
    """Gives each worker a `DatabaseAccess`: sessions bound to the process-wide engine(s)."""

    def __init__(self, settings_getter):
        self._settings_getter = settings_getter
        self.engine = None
        self.reads = None

    def setup(self):
        settings = self._settings_getter()
        # the pool budget of the settings, not one connection per worker: workers beyond it wait for a connection
        self.engine = make_engine(settings.sqlalchemy_url, service=settings.service)
        self.sessionmaker = sessionmaker(self.engine, expire_on_commit=False)
        separate = settings.database_read_url and settings.sqlalchemy_read_url != settings.sqlalchemy_url
        self.reads = read_engine(self.engine, settings.sqlalchemy_read_url if separate else None, settings.service)
        self.separate_reads = bool(separate)
        self.read_sessionmaker = sessionmaker(self.reads, expire_on_commit=False)

    def stop(self):
        if self.engine is not None:
            self.engine.dispose()
        if self.reads is not None and self.separate_reads:
            self.reads.dispose()

    def get_dependency(self, worker_ctx):
        return DatabaseAccess(self.engine, self.sessionmaker, self.read_sessionmaker,
                              self.reads if self.separate_reads else None)


class DatabaseAccess:
    """`transaction()`: the primary, for writes and for reads that must see the caller's own writes;
    `read()`: the read URL (a replica, lagging by its replication delay), for reads that tolerate it."""

    def __init__(self, engine, maker, read_maker=None, replica: sa.Engine | None = None):
        self.engine = engine
        self._maker = maker
        self._read_maker = read_maker or sessionmaker(read_engine(engine, None), expire_on_commit=False)
        self.replica = replica  # the read URL's own engine, None when reads share the primary's pool

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Session]:
        """A unit of work: commits when the block ends normally, rolls back on any exception."""
        session: Session = self._maker()
        try:
            with session.begin():
                yield session
        finally:
            session.close()

    def new_session(self, read_only: bool = False) -> Session:
        """A session not yet begun, for a unit of work that begins and ends it itself (sql_unit_of_work.py)."""
        return (self._read_maker if read_only else self._maker)()

    @contextlib.contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only unit of work on the read URL: never for a read that must see what this caller just wrote."""
        session: Session = self._read_maker()
        try:
            with session.begin():
                yield session
        finally:
            session.close()

    def ping(self) -> None:
        """Both ends answer: a service whose replica is away cannot serve its reads either."""
        with self.engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        if self.replica is not None:
            with self.replica.connect() as conn:
                conn.execute(sa.text("SELECT 1"))
