"""identity's unit of work on PostgreSQL: the platform's SQL unit with identity's repositories bound to its session."""
from __future__ import annotations

from ekinerja_platform.sql_unit_of_work import SqlUnitOfWork

from ..application.ports import IdentityUnitOfWork
from .account_store import SqlAccountStore
from .audit import SqlAuditLog
from .bulk import record_events
from .org_store import SqlOrgStore
from .phone_store import SqlPhoneStore
from .repository import SqlAssignmentVersions
from .throttle_store import SqlThrottleStore


class SqlIdentityUnitOfWork(SqlUnitOfWork, IdentityUnitOfWork):
    def open_repositories(self, session) -> None:
        self.audit = SqlAuditLog(session)
        self.phones = SqlPhoneStore(session)
        self.throttle = SqlThrottleStore(session)
        self.assignment_versions = SqlAssignmentVersions(session)
        self.org = SqlOrgStore(session)
        self.accounts = SqlAccountStore(session)

    def record_all(self, events) -> int:
        return record_events(self.session, events)  # one COPY for the lot
