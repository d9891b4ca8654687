"""skp's unit of work on PostgreSQL: skp's SQL repositories bound to a session.

`SqlSkpUnitOfWork(db)` opens and ends its own transaction (the entrypoints). `in_session(session)` is the unit over
a transaction someone else opened and ends (`apply_once`, the timers, the use cases not converted yet): it records
into that transaction and never commits or rolls back itself, so a converted use case joins its caller's transaction.
"""
from __future__ import annotations

from ekinerja_platform.sql_unit_of_work import CallerSessionUnitOfWork, SqlUnitOfWork

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


class SessionUnitOfWork(CallerSessionUnitOfWork, SkpUnitOfWork):
    """skp's unit over a transaction the caller owns: changes and events go into it; the caller commits."""

    def open_repositories(self, session) -> None:
        _bind(self, session)


def in_session(session) -> SessionUnitOfWork:
    return SessionUnitOfWork(session)


def on_unit(consumer):
    """``consumer(uow, envelope)`` as ``events.apply_once`` calls it: skp's unit of work over the inbox's
    transaction."""
    return lambda session, envelope: consumer(in_session(session), envelope)
