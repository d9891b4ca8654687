"""Direct PostgreSQL connections for des's hot paths (SubmitActivity, GetDay), one round trip per statement.

The platform's `Database` gives SQLAlchemy sessions: a pre-ping, a BEGIN and a COMMIT around every unit of work,
and SQL compiled per call. The submit path instead runs one or two statements in autocommit mode on a raw psycopg
connection (each statement is atomic on its own; psycopg prepares them after a few uses), so this provider keeps a
small pool of its own without the pre-ping round trip: instead, a pooled connection that has something to read
while idle (the server closed it, or restarted) is replaced before use, which costs no round trip. A connection
found broken during the work is dropped and the work retried once, but only while nothing can have been written
(see `DirectAccess.run`).

Concurrent requests' writes of the same kind are joined into one statement (`GroupCommit`): at 30 requests in
flight a process spent more CPU on each statement's round trip (the green wait, the protocol, the commit) than on
its rows.
"""
from __future__ import annotations

import collections
import contextlib
import logging

import eventlet
import eventlet.event
import eventlet.semaphore
import psycopg
import sqlalchemy as sa
from nameko.extensions import DependencyProvider

from ekinerja_platform import db, runtime

log = logging.getLogger(__name__)


class DirectDatabase(DependencyProvider):
    # statements a group commit keeps in flight: the process prepares the next batches while PostgreSQL writes
    # the earlier ones (measured with scripts/bench_des.py: 1 → 2 → 4 raised SubmitActivity at 32 in flight)
    statements_in_flight = 4

    def setup(self):
        settings = runtime.settings()
        # a worker holds at most one of these at a time, and a group commit one per statement in flight; the pool is
        # the settings' budget (EKINERJA_DB_POOL_SIZE + _MAX_OVERFLOW), so more workers wait for a connection
        self.engine = sa.create_engine(settings.sqlalchemy_url, **db.pool_arguments(), isolation_level="AUTOCOMMIT",
                                       connect_args=db.connect_args(purpose="direct", service=settings.service))
        self.groups = {}  # write function → its GroupCommit, shared by the workers of this process

    def stop(self):
        """Lets the joined writes already queued finish first: their callers' answers are pending (not held by
        workers), so the container's wait for its workers does not cover them."""
        with eventlet.Timeout(10, False):
            for group in list(self.groups.values()):
                group.wait_idle()
        self.engine.dispose()

    def kill(self):
        self.engine.dispose()

    def get_dependency(self, worker_ctx):
        return DirectAccess(self.engine, self.groups, self.statements_in_flight)


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
    def __init__(self, engine, groups=None, statements_in_flight: int = 1):
        self.engine = engine
        self.groups = {} if groups is None else groups
        self.statements_in_flight = statements_in_flight

    def write_together(self, write_many, row, key, on_written, on_error) -> None:
        """Queue `row` to be written in one statement with other requests' rows, without waiting: once it ran,
        `on_written(write_many(cursor, rows)[i])` or `on_error(exc)` is called in the writing green thread, so
        neither may block (hand blocking work to `soon`). Rows with the same `key` (e.g. an idempotency key) never
        share a statement."""
        self._group(write_many).write_then(row, key, on_written, on_error)

    @staticmethod
    def soon(work) -> None:
        """Run `work()` in a green thread of its own."""
        eventlet.spawn_n(work)

    def _group(self, write_many) -> "GroupCommit":
        group = self.groups.get(write_many)
        if group is None:
            group = self.groups[write_many] = GroupCommit(DirectAccess(self.engine), write_many,
                                                          max_statements=self.statements_in_flight)
        return group

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

    def read(self, work):
        """`work(connection)` on a SQLAlchemy connection in autocommit mode, for reads of the hot pages (GetDay):
        no pre-ping, BEGIN or COMMIT round trip and no ORM session, while each statement still reads its own
        snapshot as it would in a READ COMMITTED transaction. A connection found dead (the server restarted while
        it idled) is replaced and the read, which changed nothing, is run once more."""
        for attempt in (1, 2):
            try:
                with self.engine.connect() as conn:
                    return work(conn)
            except sa.exc.DBAPIError as error:
                if attempt == 2 or not error.connection_invalidated:
                    raise

    def run(self, work):
        """`work(connection)` on an autocommit psycopg connection. Work that raises `Retry` (a broken connection
        before its write was sent) runs once more on a fresh connection."""
        try:
            with self._connection() as conn:
                return work(conn)
        except Retry:
            with self._connection() as conn:
                return work(conn)


class _RowsRefused(Exception):
    """The joined statement failed and nothing of it was written: each row is tried on its own."""


class _Callbacks:
    """Stands where a waiting caller's Event would: the writer hands it the row's result or error."""

    __slots__ = ("on_written", "on_error")

    def __init__(self, on_written, on_error):
        self.on_written, self.on_error = on_written, on_error

    def send(self, result):
        try:
            self.on_written(result)
        except BaseException as exc:  # noqa: BLE001 - a callback's failure is its caller's, not the writer's
            self.send_exception(exc)

    def send_exception(self, exc):
        try:
            self.on_error(exc)
        except BaseException:  # noqa: BLE001 - the writer goes on with the other rows
            log.exception("a joined write's error handler failed")


class GroupCommit:
    """Joins concurrent writes into one statement per batch. A row waits only while `max_statements` earlier
    batches are written (a lone request is written at once, in a statement of its own; several statements in
    flight keep the process busy while PostgreSQL works on them); the statement is atomic, so a batch is written
    whole or not at all. When it fails and the connection is sound (a constraint, a deadlock) each row is written
    alone, so one bad row never fails the others; when the connection was lost the outcome is unknown and every
    row's caller gets the error (a retry with its idempotency key is safe). At most `max_queued` rows wait: a
    caller beyond that waits for room (`write_then` callers hold no worker, so the worker pool no longer bounds
    them)."""

    def __init__(self, access: DirectAccess, write_many, max_rows: int = 64, max_statements: int = 1,
                 max_queued: int = 512):
        self.access = access
        self.write_many = write_many
        self.max_rows = max_rows
        self.max_statements = max_statements
        self._pending = collections.deque()
        self._writers = 0
        self._room = eventlet.semaphore.Semaphore(max_queued)

    def write(self, row, key=None):
        """This row's result once its statement ran; the calling green thread waits (the form the batching tests
        use; the service answers through `write_then`)."""
        done = eventlet.event.Event()
        self._enqueue(row, key, done)
        return done.wait()

    def write_then(self, row, key, on_written, on_error) -> None:
        """Queue the row; the writer calls `on_written(result)` or `on_error(exc)` when its statement ran."""
        self._enqueue(row, key, _Callbacks(on_written, on_error))

    def wait_idle(self) -> None:
        while self._pending or self._writers:
            eventlet.sleep(0.01)

    def _enqueue(self, row, key, done) -> None:
        self._room.acquire()
        self._pending.append((row, key, done))
        if self._writers < self.max_statements:
            self._writers += 1
            eventlet.spawn_n(self._write_pending)

    def _next_batch(self) -> list:
        batch, keys, later = [], set(), []
        while self._pending and len(batch) < self.max_rows:
            entry = self._pending.popleft()
            key = entry[1]
            if key is not None and key in keys:
                later.append(entry)
                continue
            if key is not None:
                keys.add(key)
            batch.append(entry)
        self._pending.extendleft(reversed(later))
        return batch

    def _write_rows(self, rows):
        def work(conn):
            try:
                return self.write_many(conn.cursor(), rows)
            except psycopg.Error as exc:
                if conn.broken or conn.closed or len(rows) == 1:
                    raise
                raise _RowsRefused() from exc
        return self.access.run(work)

    def _write_pending(self):
        try:
            while self._pending:
                batch = self._next_batch()
                try:
                    results = self._write_rows([row for row, _, _ in batch])
                except _RowsRefused:
                    for row, _, done in batch:
                        self._deliver(done, lambda row=row: self._write_rows([row])[0])
                except BaseException as exc:  # noqa: BLE001 - every waiting request gets it
                    for _, _, done in batch:
                        self._room.release()
                        done.send_exception(exc)
                else:
                    for (_, _, done), result in zip(batch, results, strict=True):
                        self._room.release()
                        done.send(result)
        finally:
            self._writers -= 1

    def _deliver(self, done, produce):
        try:
            result = produce()
        except BaseException as exc:  # noqa: BLE001 - the request that waits for it gets it
            self._room.release()
            done.send_exception(exc)
        else:
            self._room.release()
            done.send(result)
