"""The events identity publishes (docs/events.md, identity), built from rows as the payloads `ekinerja_events.identity`
defines; `uow.record` (or, for many at once, `adapters.bulk.record_events`) writes them to the outbox."""
from __future__ import annotations

import datetime as dt

from ekinerja_events import identity as payloads
from ekinerja_platform.envelope import Event


def employee_registered(p) -> Event:
    return Event.of(payloads.EmployeeRegistered(nip=p["nip"], nama=p["nama"], instansi_id=p["instansi_id"],
                                                golongan=p["golongan"], status=p["status"]),
                    nip=p["nip"], instansi_id=p["instansi_id"])


def employee_status_changed(nip, instansi_id, old_status, new_status, effective_date: dt.date,
                            end_date: dt.date | None) -> Event:
    return Event.of(payloads.EmployeeStatusChanged(nip=nip, instansi_id=instansi_id, old_status=old_status,
                                                   new_status=new_status, effective_date=effective_date,
                                                   end_date=end_date or None),
                    nip=nip, instansi_id=instansi_id)


def position_changed(row, unit_nama: str) -> Event:
    return Event.of(payloads.PositionChanged(
        jabatan_id=row.id, instansi_id=row.instansi_id, unit_id=row.unit_id, unit_nama=unit_nama, nama=row.nama,
        kind=row.kind, job_group=row.job_group, parent_id=row.parent_id, eselon=row.eselon, jenjang=row.jenjang,
        jenis_jabatan=row.jenis_jabatan, version=row.version), instansi_id=row.instansi_id)


def assignment_changed(view, *, assignment_id, nip, acting, effective_date, old, new, version,
                       chain=None) -> Event:
    """`old`/`new` are AssignmentRow (or None); penilai are resolved in `view` on the effective date (unless the
    caller resolved the `chain` already)."""
    if chain is None:
        chain = view.chain(nip, effective_date)
    penilai = chain.pejabat_penilai.nip if chain and chain.pejabat_penilai else None
    atasan = chain.atasan_pejabat_penilai.nip if chain and chain.atasan_pejabat_penilai else None
    heads = tuple(h.nip for h in chain.heads) if chain else ()
    before = None
    if old is not None:
        before = payloads.AssignmentBefore(jabatan_id=old.jabatan_id, unit_id=view.jabatan[old.jabatan_id].unit_id,
                                           start=old.start, end=old.end)
    after = None
    if new is not None:
        row = view.jabatan_rows[new.jabatan_id]
        after = payloads.AssignmentAfter(jabatan_id=row.id, jabatan_nama=row.nama, unit_id=row.unit_id,
                                         unit_nama=view.units[row.unit_id].nama, kind=row.kind,
                                         job_group=row.job_group, jenis_jabatan=row.jenis_jabatan, start=new.start,
                                         end=new.end)
    return Event.of(payloads.AssignmentChanged(
        assignment_id=str(assignment_id), nip=nip, instansi_id=view.instansi_id, acting=acting,
        effective_date=effective_date, old=before, new=after, penilai_nip=penilai, atasan_penilai_nip=atasan,
        heads=heads, version=version), nip=nip, instansi_id=view.instansi_id)


def phone_verification_requested(*, nip, instansi_id, phone, code, expires_at: dt.datetime,
                                 registration_id: str) -> Event:
    """For the SMS bridge, which texts `code` to `phone` (E.164). The only place a number and a code are in clear:
    the outbox row until retention purges it (the code expires after 15 minutes anyway)."""
    return Event.of(payloads.PhoneVerificationRequested(phone=phone, code=code, expires_at=expires_at,
                                                        registration_id=registration_id),
                    nip=nip, instansi_id=instansi_id)
