"""SQL of employees' phone numbers (`application.ports.PhoneStore`): pending registrations, verified numbers and the
log of codes sent, all keyed by hashes (`phone_vault.py`)."""
from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert

from ..application import ports
from ..application.ports import PendingPhone, VerifiedPhone
from .tables import pegawai, phone_code_sent, phone_number, phone_verification


def _pending(row) -> PendingPhone:
    return PendingPhone(id=str(row.id), nip=row.nip, phone_hash=bytes(row.phone_hash), phone_sealed=row.phone_sealed,
                        code_hash=bytes(row.code_hash), expires_at=row.expires_at, attempts=row.attempts)


class SqlPhoneStore(ports.PhoneStore):
    def __init__(self, session):
        self.session = session

    def instansi_of(self, nip):
        return self.session.execute(sa.select(pegawai.c.instansi_id).where(pegawai.c.nip == nip)
                                    .with_for_update(key_share=True)).scalar()

    def owner_other_than(self, phone_hash, nip):
        return self.session.execute(sa.select(phone_number.c.nip).where(
            phone_number.c.phone_hash == phone_hash, phone_number.c.nip != nip)).scalar()

    def owner_of(self, phone_hash):
        return self.session.execute(sa.select(phone_number.c.nip).where(
            phone_number.c.phone_hash == phone_hash)).scalar()

    def codes_sent_since(self, since, *, nip=None, phone_hash=None):
        condition = phone_code_sent.c.nip == nip if nip is not None else phone_code_sent.c.phone_hash == phone_hash
        return self.session.execute(sa.select(sa.func.count()).select_from(phone_code_sent)
                                    .where(condition, phone_code_sent.c.at > since)).scalar()

    def note_code_sent(self, nip, phone_hash):
        self.session.execute(sa.insert(phone_code_sent).values(nip=nip, phone_hash=phone_hash))

    def save_pending(self, pending):
        values = {"id": uuid.UUID(pending.id), "nip": pending.nip, "phone_hash": pending.phone_hash,
                  "phone_sealed": pending.phone_sealed, "code_hash": pending.code_hash,
                  "expires_at": pending.expires_at, "attempts": pending.attempts, "created_at": sa.func.now()}
        self.session.execute(pg_insert(phone_verification).values(**values).on_conflict_do_update(
            index_elements=[phone_verification.c.nip], set_={k: v for k, v in values.items() if k != "nip"}))

    def pending_for_number(self, phone_hash):
        rows = self.session.execute(sa.select(phone_verification).where(
            phone_verification.c.phone_hash == phone_hash).order_by(phone_verification.c.created_at)
            .with_for_update()).all()
        return [_pending(row) for row in rows]

    def pending_of(self, nip):
        row = self.session.execute(sa.select(phone_verification).where(phone_verification.c.nip == nip)).first()
        return _pending(row) if row is not None else None

    def count_wrong_guess(self, ids):
        self.session.execute(sa.update(phone_verification)
                             .where(phone_verification.c.id.in_([uuid.UUID(i) for i in ids]))
                             .values(attempts=phone_verification.c.attempts + 1))

    def verify(self, pending, verified_at):
        values = {"phone_hash": pending.phone_hash, "phone_sealed": pending.phone_sealed, "verified_at": verified_at}
        self.session.execute(pg_insert(phone_number).values(nip=pending.nip, **values).on_conflict_do_update(
            index_elements=[phone_number.c.nip], set_=values))
        self.session.execute(sa.delete(phone_verification).where(phone_verification.c.id == uuid.UUID(pending.id)))

    def verified_of(self, nip):
        row = self.session.execute(sa.select(phone_number).where(phone_number.c.nip == nip)).first()
        return VerifiedPhone(row.nip, row.phone_sealed) if row is not None else None

    def remove(self, nip):
        removed = self.session.execute(sa.delete(phone_number).where(phone_number.c.nip == nip)).rowcount
        return removed + self.session.execute(sa.delete(phone_verification).where(
            phone_verification.c.nip == nip)).rowcount
