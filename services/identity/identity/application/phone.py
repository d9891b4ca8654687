"""An employee's mobile number for SMS (issue 19): registered by the employee, verified by a one-time code the SMS
bridge sends (event `phone_verification_requested`) and gets back from that very phone (`VerifyPhone`).

Only verified numbers act (`Auth.phone_token`), one per employee and one employee per number. Numbers and codes are
stored as keyed hashes and ciphertext (`adapters/phone_vault.py`); the outbox row of the event holds the code in
clear until the relay publishes it and retention purges it (docs/events.md), by which time the code has expired.
"""
from __future__ import annotations

import datetime as dt
import uuid

import sqlalchemy as sa
from google.protobuf.timestamp_pb2 import Timestamp
from sqlalchemy.dialects.postgresql import insert as pg_insert

from ekinerja.identity.v1 import identity_pb2 as pb
from ekinerja_platform import clock
from ekinerja_platform.domain_errors import AlreadyExists, NotFound, ResourceExhausted
from ekinerja_platform.idempotency import run_once
from ekinerja_platform.outbox import record_event

from ..adapters.phone_vault import PhoneVault
from ..adapters.tables import pegawai, phone_code_sent, phone_number, phone_verification
from ..domain.phone import (
    CODE_TTL,
    PendingCode,
    check_code_format,
    mask_phone,
    new_code,
    normalize_phone,
    registration_refusal,
)
from . import events, policy
from .common import actor_of, audit


def vault_of(settings) -> PhoneVault:
    return PhoneVault(settings.phone_hash_key, settings.phone_encryption_key)


class Phones:
    """The phone use cases; `now` is injectable so tests need no clock tricks."""

    def __init__(self, db, call, vault: PhoneVault, now=None):
        self.db = db
        self.call = call
        self.vault = vault
        self._now = now or clock.now

    def _own(self, rpc: str):
        principal = self.call.require_principal()
        policy.authorize(rpc, principal, instansi_id=principal.instansi_id, nip=principal.nip)
        return principal

    def register(self, request: pb.RegisterPhoneRequest) -> pb.RegisterPhoneResponse:
        principal = self._own("RegisterPhone")
        nip = principal.nip
        phone = normalize_phone(request.phone)
        lookup = self.vault.lookup(phone)

        def work(session):
            # the employee's row locked: their concurrent registrations count one after the other
            person = session.execute(sa.select(pegawai.c.instansi_id).where(pegawai.c.nip == nip)
                                     .with_for_update(key_share=True)).first()
            if person is None:
                raise NotFound("tidak ada data pegawai untuk NIP token ini", field="authorization")
            taken = session.execute(sa.select(phone_number.c.nip).where(
                phone_number.c.phone_hash == lookup, phone_number.c.nip != nip)).first()
            if taken is not None:
                raise AlreadyExists("phone: nomor ini sudah terdaftar untuk pegawai lain", field="phone")
            since = self._now() - dt.timedelta(days=1)
            refusal = registration_refusal(
                by_employee=_count(session, phone_code_sent.c.nip == nip, since),
                to_number=_count(session, phone_code_sent.c.phone_hash == lookup, since))
            if refusal is not None:
                raise ResourceExhausted(refusal, field="phone")
            session.execute(sa.insert(phone_code_sent).values(nip=nip, phone_hash=lookup))
            registration_id = uuid.uuid4()
            code = new_code()
            expires_at = self._now() + CODE_TTL
            values = {"id": registration_id, "nip": nip, "phone_hash": lookup,
                      "phone_sealed": self.vault.seal(phone, nip),
                      "code_hash": self.vault.code_hash(str(registration_id), code), "expires_at": expires_at,
                      "attempts": 0, "created_at": sa.func.now()}
            # one pending code per employee: a new registration replaces the previous one (and its number)
            session.execute(pg_insert(phone_verification).values(**values).on_conflict_do_update(
                index_elements=[phone_verification.c.nip],
                set_={k: v for k, v in values.items() if k != "nip"}))
            record_event(session, events.phone_verification_requested(
                nip=nip, instansi_id=person.instansi_id, phone=phone, code=code, expires_at=expires_at,
                registration_id=str(registration_id)))
            audit(session, actor=actor_of(principal), action="register_phone", target=nip,
                  correlation_id=self.call.correlation_id, registration_id=str(registration_id))
            return pb.RegisterPhoneResponse(phone_masked=mask_phone(phone), expires_at=_timestamp(expires_at))

        return run_once(self.db, self.call, "identity.RegisterPhone", request, pb.RegisterPhoneResponse, work)

    def verify(self, request: pb.VerifyPhoneRequest) -> pb.VerifyPhoneResponse:
        principal = self.call.require_principal()
        policy.authorize("VerifyPhone", principal)
        phone = normalize_phone(request.phone)
        code = check_code_format(request.code)
        lookup = self.vault.lookup(phone)

        def work(session):
            now = self._now()
            pending = session.execute(sa.select(phone_verification).where(
                phone_verification.c.phone_hash == lookup).order_by(phone_verification.c.created_at)
                .with_for_update()).all()
            live = [row for row in pending if PendingCode(row.expires_at, row.attempts).usable(now)]
            match = next((row for row in live if self.vault.code_matches(row.code_hash, str(row.id), code)), None)
            if match is None:
                if live:  # every live code of this number counts the wrong guess; at the limit it is void
                    session.execute(sa.update(phone_verification)
                                    .where(phone_verification.c.id.in_([row.id for row in live]))
                                    .values(attempts=phone_verification.c.attempts + 1))
                for row in live:
                    audit(session, actor=actor_of(principal), action="verify_phone_failed", target=row.nip,
                          correlation_id=self.call.correlation_id, registration_id=str(row.id),
                          attempts=row.attempts + 1)
                return pb.VerifyPhoneResponse(verified=False)
            taken = session.execute(sa.select(phone_number.c.nip).where(
                phone_number.c.phone_hash == lookup, phone_number.c.nip != match.nip)).first()
            if taken is not None:
                raise AlreadyExists("phone: nomor ini sudah terverifikasi untuk pegawai lain", field="phone")
            values = {"phone_hash": lookup, "phone_sealed": match.phone_sealed, "verified_at": now}
            # one verified number per employee: verifying a new one replaces the old
            session.execute(pg_insert(phone_number).values(nip=match.nip, **values).on_conflict_do_update(
                index_elements=[phone_number.c.nip], set_=values))
            session.execute(sa.delete(phone_verification).where(phone_verification.c.id == match.id))
            audit(session, actor=actor_of(principal), action="verify_phone", target=match.nip,
                  correlation_id=self.call.correlation_id, registration_id=str(match.id))
            return pb.VerifyPhoneResponse(verified=True)

        return run_once(self.db, self.call, "identity.VerifyPhone", request, pb.VerifyPhoneResponse, work)

    def get(self) -> pb.PhoneStatus:
        """The pending number while a code waits for its reply (the verified one still acts meanwhile), else the
        verified one."""
        principal = self._own("GetPhone")
        now = self._now()
        with self.db.transaction() as session:
            pending = session.execute(sa.select(phone_verification).where(
                phone_verification.c.nip == principal.nip)).first()
            if pending is not None and PendingCode(pending.expires_at, pending.attempts).usable(now):
                return pb.PhoneStatus(phone_masked=mask_phone(self.vault.open(pending.phone_sealed, principal.nip)),
                                      verified=False)
            verified = session.execute(sa.select(phone_number).where(phone_number.c.nip == principal.nip)).first()
        if verified is None:
            raise NotFound("phone: belum ada nomor telepon terdaftar", field="phone")
        return pb.PhoneStatus(phone_masked=mask_phone(self.vault.open(verified.phone_sealed, principal.nip)),
                              verified=True)

    def remove(self) -> pb.RemovePhoneResponse:
        """Removes the verified number and any pending code; removing nothing is no error (a retry is harmless)."""
        principal = self._own("RemovePhone")
        with self.db.transaction() as session:
            removed = session.execute(sa.delete(phone_number).where(phone_number.c.nip == principal.nip)).rowcount
            removed += session.execute(sa.delete(phone_verification).where(
                phone_verification.c.nip == principal.nip)).rowcount
            if removed:
                audit(session, actor=actor_of(principal), action="remove_phone", target=principal.nip,
                      correlation_id=self.call.correlation_id)
        return pb.RemovePhoneResponse()


def verified_nip(session, vault: PhoneVault, phone: str) -> str | None:
    """The employee whose verified number `phone` (E.164) is, or None."""
    return session.execute(sa.select(phone_number.c.nip).where(
        phone_number.c.phone_hash == vault.lookup(phone))).scalar()


def _count(session, condition, since: dt.datetime) -> int:
    return session.execute(sa.select(sa.func.count()).select_from(phone_code_sent)
                           .where(condition, phone_code_sent.c.at > since)).scalar()


def _timestamp(value: dt.datetime) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(value)
    return stamp
