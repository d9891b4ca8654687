"""Direct PostgreSQL connections for des's hot write path (SubmitActivity), one round trip per statement.

The platform's `Database` gives SQLAlchemy sessions: a pre-ping, a BEGIN and a COMMIT around every unit of work,
and SQL compiled per call. The submit path instead runs one or two statements in autocommit mode on a raw psycopg
connection (each statement is atomic on its own; psycopg prepares them after a few uses), so this provider keeps a
small pool of its own without the pre-ping round trip: instead, a pooled connection that has something to read
while idle (the server closed it, or restarted) is replaced before use, which costs no round trip. A connection
found broken during the work is dropped and the work retried once, but only while nothing can have been written
(see `DirectAccess.run`).
"""
from __future__ import annotations

import contextlib

import eventlet
import sqlalchemy as sa
from nameko.extensions import DependencyProvider

from ekinerja_platform import runtime


class DirectDatabase(DependencyProvider):
    def setup(self):
        settings = runtime.settings()
        # a worker holds at most one of these at a time: max_workers connections are enough
        self.engine = sa.create_engine(settings.sqlalchemy_url, pool_size=settings.max_workers, max_overflow=0,
                                       pool_recycle=1800,
                                       isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})

    def stop(self):
        self.engine.dispose()

    def kill(self):
        self.engine.dispose()

    def get_dependency(self, worker_ctx):
        return DirectAccess(self.engine)


_select = eventlet.patcher.original("select")


def _readable_while_idle(conn) -> bool:
    """An idle connection has nothing to read unless the server closed it (or sent a notice): a zero-timeout poll,
    not a round trip."""
    try:
        poller = _select.poll()
        poller.register(conn.pgconn.socket, _select.POLLIN | _select.POLLERR | _select.POLLHUP)
        return bool(poller.poll(0))
    except Exception:  # no usable socket: treat as broken
        return True


class Retry(Exception):
    """Raised by work that found its connection broken before it wrote anything: run it again on a fresh one."""


class DirectAccess:
    def __init__(self, engine):
        self.engine = engine

    def _checkout(self):
        for _ in range(self.engine.pool.size()):  # after a restart every pooled connection may be stale
            fairy = self.engine.raw_connection()
            conn = fairy.driver_connection
            if not (conn.closed or conn.broken or _readable_while_idle(conn)):
                return fairy
            fairy.invalidate()  # its record reconnects when next checked out
            fairy.close()
        return self.engine.raw_connection()

    @contextlib.contextmanager
    def _connection(self):
        fairy = self._checkout()
        try:
            yield fairy.driver_connection
        except BaseException:
            conn = fairy.driver_connection
            if conn is not None and (conn.closed or conn.broken):
                fairy.invalidate()  # never hand a dead connection to the next request
            raise
        finally:
            fairy.close()

    def run(self, work):
        """`work(connection)` on an autocommit psycopg connection. Work that raises `Retry` (a broken connection
        before its write was sent) runs once more on a fresh connection."""
        try:
            with self._connection() as conn:
                return work(conn)
        except Retry:
            with self._connection() as conn:
                return work(conn)
