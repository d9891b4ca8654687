"""Running identity's use cases outside the service (demo seed, first admin, benchmarks): a database session
provider and a call context carrying a system principal, so writes take the normal path (policy, outbox, audit)."""
from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.orm import sessionmaker

from ekinerja_platform.db import DatabaseAccess, make_engine
from ekinerja_platform.tokens import Principal

from .adapters.passwords import HASHER
from .adapters.tables import account


class SystemCall:
    """What `self.call` is inside the service, for a trusted local process acting as `subject`."""

    def __init__(self, subject: str = "system", roles=("admin_bkn",), instansi_id: str | None = None):
        self.principal = Principal(subject=subject, roles=tuple(roles), instansi_id=instansi_id)
        self.correlation_id = uuid.uuid4().hex
        self.idempotency_key = None

    def require_principal(self) -> Principal:
        return self.principal


def database(url: str) -> DatabaseAccess:
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    engine = make_engine(url, pool_size=2)
    return DatabaseAccess(engine, sessionmaker(engine, expire_on_commit=False))


def ensure_account(db: DatabaseAccess, *, login: str, password: str, roles, nip: str | None = None,
                   instansi_id: str | None = None, kelompok=()) -> bool:
    """Create the account unless one with this login exists (the password of an existing one is left alone)."""
    with db.transaction() as session:
        if session.execute(sa.select(account.c.id).where(account.c.login == login)).first():
            return False
        session.execute(sa.insert(account).values(
            id=uuid.uuid4(), login=login, nip=nip, password_hash=HASHER.hash(password), roles=list(roles),
            instansi_id=instansi_id, kelompok=list(kelompok)))
        from .adapters.audit import audit
        audit(session, actor="system", action="create_account", target=login, roles=list(roles))
        return True
