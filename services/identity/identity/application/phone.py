"""An employee's mobile number for SMS (issue 19): registered by the employee, verified by a one-time code the SMS
bridge sends (event `phone_verification_requested`) and gets back from that very phone (`VerifyPhone`).

Only verified numbers act (`Auth.phone_token`), one per employee and one employee per number. Numbers and codes are
stored as keyed hashes and ciphertext (`ports.PhoneSecrets`, `adapters/phone_vault.py`); the outbox row of the event
holds the code in clear until the relay publishes it and retention purges it (docs/events.md), by which time the
code has expired. Each use case takes an open `IdentityUnitOfWork`, the verified caller and plain values; `now` is
the caller's instant (the entrypoint passes `clock.now()`, tests a fixed one).
"""
from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from ekinerja_platform.domain_errors import AlreadyExists, NotFound, ResourceExhausted
from ekinerja_platform.tokens import Principal

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
from .common import actor_of
from .ports import IdentityUnitOfWork, PendingPhone, PhoneSecrets


@dataclass(frozen=True)
class Registration:
    phone_masked: str
    expires_at: dt.datetime


@dataclass(frozen=True)
class PhoneStatus:
    phone_masked: str
    verified: bool


def _own(principal: Principal, rpc: str) -> str:
    policy.authorize(rpc, principal, instansi_id=principal.instansi_id, nip=principal.nip)
    assert principal.nip  # the rule admits only an employee acting on its own NIP
    return principal.nip


def register_phone(uow: IdentityUnitOfWork, principal: Principal, phone_text: str, vault: PhoneSecrets, *,
                   now: dt.datetime, correlation_id: str | None = None) -> Registration:
    """A one-time code for `phone_text`, sent by the SMS bridge; the caller's previous pending code is void."""
    nip = _own(principal, "RegisterPhone")
    phone = normalize_phone(phone_text)
    lookup = vault.lookup(phone)
    instansi_id = uow.phones.instansi_of(nip)
    if instansi_id is None:
        raise NotFound("tidak ada data pegawai untuk NIP token ini", field="authorization")
    if uow.phones.owner_other_than(lookup, nip) is not None:
        raise AlreadyExists("phone: nomor ini sudah terdaftar untuk pegawai lain", field="phone")
    since = now - dt.timedelta(days=1)
    refusal = registration_refusal(by_employee=uow.phones.codes_sent_since(since, nip=nip),
                                   to_number=uow.phones.codes_sent_since(since, phone_hash=lookup))
    if refusal is not None:
        raise ResourceExhausted(refusal, field="phone")
    uow.phones.note_code_sent(nip, lookup)
    registration_id = str(uuid.uuid4())
    code = new_code()
    expires_at = now + CODE_TTL
    uow.phones.save_pending(PendingPhone(registration_id, nip, lookup, vault.seal(phone, nip),
                                         vault.code_hash(registration_id, code), expires_at, 0))
    uow.record(events.phone_verification_requested(nip=nip, instansi_id=instansi_id, phone=phone, code=code,
                                                   expires_at=expires_at, registration_id=registration_id))
    uow.audit.record(actor=actor_of(principal), action="register_phone", target=nip, correlation_id=correlation_id,
                     registration_id=registration_id)
    return Registration(mask_phone(phone), expires_at)


def verify_phone(uow: IdentityUnitOfWork, principal: Principal, phone_text: str, code_text: str,
                 vault: PhoneSecrets, *, now: dt.datetime, correlation_id: str | None = None) -> bool:
    """True when `code_text` is the live code of `phone_text` (the number becomes its employee's); a wrong code
    counts against every live code of the number (at the limit it is void) and answers False."""
    policy.authorize("VerifyPhone", principal)
    phone = normalize_phone(phone_text)
    code = check_code_format(code_text)
    lookup = vault.lookup(phone)
    live = [p for p in uow.phones.pending_for_number(lookup) if PendingCode(p.expires_at, p.attempts).usable(now)]
    match = next((p for p in live if vault.code_matches(p.code_hash, p.id, code)), None)
    if match is None:
        if live:
            uow.phones.count_wrong_guess([p.id for p in live])
        for p in live:
            uow.audit.record(actor=actor_of(principal), action="verify_phone_failed", target=p.nip,
                             correlation_id=correlation_id, registration_id=p.id, attempts=p.attempts + 1)
        return False
    if uow.phones.owner_other_than(lookup, match.nip) is not None:
        raise AlreadyExists("phone: nomor ini sudah terverifikasi untuk pegawai lain", field="phone")
    uow.phones.verify(match, now)
    uow.audit.record(actor=actor_of(principal), action="verify_phone", target=match.nip,
                     correlation_id=correlation_id, registration_id=match.id)
    return True


def phone_status(uow: IdentityUnitOfWork, principal: Principal, vault: PhoneSecrets, *,
                 now: dt.datetime) -> PhoneStatus:
    """The pending number while a code waits for its reply (the verified one still acts meanwhile), else the
    verified one."""
    nip = _own(principal, "GetPhone")
    pending = uow.phones.pending_of(nip)
    if pending is not None and PendingCode(pending.expires_at, pending.attempts).usable(now):
        return PhoneStatus(mask_phone(vault.open(pending.phone_sealed, nip)), verified=False)
    verified = uow.phones.verified_of(nip)
    if verified is None:
        raise NotFound("phone: belum ada nomor telepon terdaftar", field="phone")
    return PhoneStatus(mask_phone(vault.open(verified.phone_sealed, nip)), verified=True)


def remove_phone(uow: IdentityUnitOfWork, principal: Principal, *, correlation_id: str | None = None) -> None:
    """Removes the verified number and any pending code; removing nothing is no error (a retry is harmless)."""
    nip = _own(principal, "RemovePhone")
    if uow.phones.remove(nip):
        uow.audit.record(actor=actor_of(principal), action="remove_phone", target=nip, correlation_id=correlation_id)
