"""recap's units of work on PostgreSQL: recap's SQL repositories bound to a session.

- `SqlRecapUnitOfWork(db)`: the platform's unit (one session and transaction) for the RPCs (`read_only=True`: the
  read URL) and the rebuild (`on_engine(engine)`);
- `in_session(session)`: over a transaction someone else opened and ends (`apply_once`'s inbox transaction; tests);
- `IntakeUnitOfWork(engine)`: des's batches on the intake engine (no pool pre-ping), the set-based statements of
  `intake.py` on its connection.
"""
from __future__ import annotations

from typing import Self

from sqlalchemy.orm import Session

from ekinerja_platform.sql_unit_of_work import CallerSessionUnitOfWork, SqlUnitOfWork

from ..application.ports import RecapUnitOfWork
from .queries_sql import SqlRecapReads
from .repositories import SqlHolidays, SqlIntake, SqlMonthCloses, SqlProjection, SqlRelations


def _bind(uow: RecapUnitOfWork, session) -> None:
    uow.relations = SqlRelations(session)
    uow.reads = SqlRecapReads(session)
    uow.closes = SqlMonthCloses(session)
    uow.holidays = SqlHolidays(session)
    uow.projection = SqlProjection(lambda: session)
    uow.intake = SqlIntake(session.connection)


class SqlRecapUnitOfWork(SqlUnitOfWork, RecapUnitOfWork):
    def open_repositories(self, session) -> None:
        _bind(self, session)


class _EngineSessions:
    """`db.new_session` over a bare engine (the rebuild command has no `DatabaseAccess`)."""

    def __init__(self, engine):
        self.engine = engine

    def new_session(self, read_only: bool = False) -> Session:
        return Session(self.engine)


def on_engine(engine) -> SqlRecapUnitOfWork:
    return SqlRecapUnitOfWork(_EngineSessions(engine))


class SessionRecapUnitOfWork(CallerSessionUnitOfWork, RecapUnitOfWork):
    """recap's unit over a transaction the caller owns: changes and events go into it; the caller commits."""

    def open_repositories(self, session) -> None:
        _bind(self, session)


def in_session(session) -> SessionRecapUnitOfWork:
    return SessionRecapUnitOfWork(session)


class IntakeUnitOfWork(RecapUnitOfWork):
    """One transaction of the intake engine (`engine.begin()`: committed at the end of the block, rolled back on
    any exception): the batch's inbox claims and set-based statements on its connection, a reference event's
    projection on a session bound to that connection (made when first needed). Only `intake` and `projection`."""

    def __init__(self, engine):
        self._engine = engine
        self._session: Session | None = None

    def __enter__(self) -> Self:
        self._begin = self._engine.begin()
        self.connection = self._begin.__enter__()
        self.intake = SqlIntake(lambda: self.connection)
        self.projection = SqlProjection(self._session_on_connection)
        return self

    def _session_on_connection(self) -> Session:
        if self._session is None:
            self._session = Session(bind=self.connection)
        return self._session

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            if self._session is not None:
                self._session.close()
        finally:
            self._begin.__exit__(exc_type, exc, tb)

    def commit(self) -> None:
        raise RuntimeError("the block of `with IntakeUnitOfWork(engine)` ends the transaction")

    def rollback(self) -> None:
        raise RuntimeError("the block of `with IntakeUnitOfWork(engine)` ends the transaction")

    def record(self, event) -> None:
        raise RuntimeError("des's batches record no event")

    def claim(self, key):
        raise RuntimeError("des's batches take no idempotency key")

    def store_answer(self, key, response: bytes) -> None:
        raise RuntimeError("des's batches take no idempotency key")

    def claim_event(self, consumer: str, event_id: str) -> bool:
        raise RuntimeError("des's batches claim their events with intake.claim_many")
