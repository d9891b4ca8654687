"""skp's unit of work on PostgreSQL: skp's SQL repositories bound to a session.

`SqlSkpUnitOfWork(db)` opens and ends its own transaction (the entrypoints). `in_session(session)` is the unit over
a transaction someone else opened and ends (`apply_once`, the timers, the use cases not converted yet): it records
into that transaction and never commits or rolls back itself, so a converted use case joins its caller's transaction.
"""
from __future__ import annotations

from ekinerja_platform import idempotency
from ekinerja_platform.outbox import claim_event, record_event
from ekinerja_platform.sql_unit_of_work import SqlUnitOfWork

from ..application.ports import SkpUnitOfWork
from .directory_sql import SqlDirectory
from .documents_sql import SqlDocuments, SqlEvaluations, SqlPlans
from .settings_sql import SqlSettings
from .templates_sql import SqlTemplates


def _bind(uow: SkpUnitOfWork, session) -> None:
    uow.templates = SqlTemplates(session)
    uow.documents = SqlDocuments(session)
    uow.directory = SqlDirectory(session)
    uow.plans = SqlPlans(session)
    uow.settings = SqlSettings(session)
    uow.evaluations = SqlEvaluations(session)


class SqlSkpUnitOfWork(SqlUnitOfWork, SkpUnitOfWork):
    def open_repositories(self, session) -> None:
        _bind(self, session)


class SessionUnitOfWork(SkpUnitOfWork):
    """skp's unit over a transaction the caller owns: changes and events go into it; the caller commits."""

    def __init__(self, session):
        self.session = session
        _bind(self, session)

    def __exit__(self, exc_type, exc, tb) -> None:
        """The owner of the transaction ends it."""

    def commit(self) -> None:
        raise RuntimeError("the caller's transaction is ended by the caller")

    def rollback(self) -> None:
        raise RuntimeError("the caller's transaction is ended by the caller")

    def record(self, event) -> None:
        record_event(self.session, event)

    def claim(self, key):
        return idempotency.claim(self.session, key)

    def store_answer(self, key, response: bytes) -> None:
        idempotency.store_answer(self.session, key, response)

    def claim_event(self, consumer: str, event_id: str) -> bool:
        return claim_event(self.session, consumer, event_id)


def in_session(session) -> SessionUnitOfWork:
    return SessionUnitOfWork(session)


def on_unit(consumer):
    """``consumer(uow, envelope)`` as ``events.apply_once`` calls it: skp's unit of work over the inbox's
    transaction."""
    return lambda session, envelope: consumer(in_session(session), envelope)
