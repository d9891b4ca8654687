"""The PostgreSQL unit of work: one SQLAlchemy session and transaction, the platform's outbox, inbox and
idempotency tables underneath (`outbox.py`, `idempotency.py`). A service subclasses it and binds its SQL
repositories to `self.session` in `open_repositories`; the application sees only the port (`unit_of_work.py`).
"""
from __future__ import annotations

from typing import Self

from sqlalchemy.orm import Session

from . import idempotency
from .outbox import claim_event, record_event
from .unit_of_work import Event, UnitOfWork


class _PlatformTables:
    """The outbox, inbox and idempotency tables in `self.session`'s transaction: the same for every unit."""

    session: Session

    def record(self, event: Event) -> None:
        record_event(self.session, event)

    def claim(self, key: idempotency.Key) -> bytes | None:
        return idempotency.claim(self.session, key)

    def store_answer(self, key: idempotency.Key, response: bytes) -> None:
        idempotency.store_answer(self.session, key, response)

    def claim_event(self, consumer: str, event_id: str) -> bool:
        return claim_event(self.session, consumer, event_id)


class SqlUnitOfWork(_PlatformTables, UnitOfWork):
    """`SqlUnitOfWork(db)` with `db` a `db.DatabaseAccess`; `read_only=True` runs on the read URL (a replica,
    maybe lagging: never for a read that must see the caller's own writes)."""

    session: Session  # bound by __enter__, for the repositories and the platform tables

    def __init__(self, db, *, read_only: bool = False):
        self._db = db
        self._read_only = read_only

    def open_repositories(self, session) -> None:
        """Override: bind the service's repositories to `session` (called once the transaction has begun)."""

    def __enter__(self) -> Self:
        self.session = self._db.new_session(read_only=self._read_only)
        self.session.begin()
        self.open_repositories(self.session)
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            super().__exit__(exc_type, exc, tb)
        finally:
            self.session.close()

    def commit(self) -> None:
        self.session.commit()

    def rollback(self) -> None:
        self.session.rollback()


class CallerSessionUnitOfWork(_PlatformTables, UnitOfWork):
    """A unit over a transaction its caller owns and ends (`events.apply_once`'s inbox transaction, a timer's, an
    entrypoint's `db.transaction()`, an autocommit connection for reads): changes and events go into it and it
    never commits or rolls back itself, so a use case joins its caller's transaction. A service subclass binds its
    repositories in `open_repositories`, as for `SqlUnitOfWork`."""

    def __init__(self, session):
        self.session = session
        self.open_repositories(session)

    def open_repositories(self, session) -> None:
        """Override: bind the service's repositories to `session`."""

    def __exit__(self, exc_type, exc, tb) -> None:
        """The owner of the transaction ends it."""

    def commit(self) -> None:
        raise RuntimeError("the caller's transaction is ended by the caller")

    def rollback(self) -> None:
        raise RuntimeError("the caller's transaction is ended by the caller")
