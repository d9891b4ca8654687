"""snowman's unit of work on PostgreSQL: the platform's SQL unit with snowman's repositories bound to its session."""
from __future__ import annotations

from ekinerja_platform.sql_unit_of_work import SqlUnitOfWork

from ..application.ports import SnowmanUnitOfWork
from .repository import SqlEntries, SqlQuestions, SqlSearch


class SqlSnowmanUnitOfWork(SqlUnitOfWork, SnowmanUnitOfWork):
    def open_repositories(self, session) -> None:
        self.entries = SqlEntries(session)
        self.questions = SqlQuestions(session)
        self.search = SqlSearch(session)
