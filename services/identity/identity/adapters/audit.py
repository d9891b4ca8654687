"""The audit log (DESIGN §6): who did what to what, written in the same transaction as the change."""
from __future__ import annotations

import sqlalchemy as sa

from ..application import ports
from .tables import audit_log


def audit(session, *, actor: str, action: str, target: str | None = None, source: str | None = None,
          correlation_id: str | None = None, **detail) -> None:
    """Who did what to what, in the same transaction as the change (DESIGN §6)."""
    session.execute(sa.insert(audit_log).values(actor=actor, action=action, target=target, source=source,
                                                correlation_id=correlation_id, detail=detail))


class SqlAuditLog(ports.AuditLog):
    def __init__(self, session):
        self.session = session

    def record(self, *, actor, action, target=None, source=None, correlation_id=None, **detail):
        audit(self.session, actor=actor, action=action, target=target, source=source, correlation_id=correlation_id,
              **detail)
