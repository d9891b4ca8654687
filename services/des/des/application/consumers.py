"""Applying other services' events to des's local copies (inside `apply_once`, so each event applies once).

Each consumer reads its event through the payload's definition (`ekinerja_events`, `from_data`): the subscriber
has already dead-lettered data unlike it (docs/events.md, "Payloads"), so the fields are typed here.
Out-of-order arrival: SKP documents and assignments keep the highest `version` seen; an older one is ignored.
"""
from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from ekinerja_events.identity import AssignmentChanged, EmployeeRegistered, EmployeeStatusChanged
from ekinerja_events.skp import RencanaKinerjaApproved, ServedKegiatan, SkpApproved, SkpClosed

from ..domain import targets
from . import monthly_targets as monthly_targets_events
from .ports import Assignment, DesUnitOfWork, SkpDocument

RULESET_622 = "permenpanrb-6-2022"


def _document(d: SkpApproved | RencanaKinerjaApproved, ruleset: str | None = None) -> SkpDocument:
    return SkpDocument(instansi_id=d.instansi_id, unit_id=d.unit_id, jabatan_id=d.jabatan_id,
                       period_start=d.period_start, period_end=d.period_end, penilai_nip=d.penilai_nip,
                       atasan_penilai_nip=d.atasan_penilai_nip, version=d.version, ruleset=ruleset)


def _newer(uow: DesUnitOfWork, nip: str, skp_id: str, version: int) -> bool:
    current = uow.skp.version(nip, skp_id)
    return current is None or current < version


def _quantity(value) -> Decimal:
    """Kept at the SKP kuantitas scale, so the monthly split adds up to it exactly."""
    return Decimal(str(value)).quantize(targets.SCALE, rounding=ROUND_HALF_UP)


def skp_approved(uow: DesUnitOfWork, envelope: dict) -> None:
    d = SkpApproved.from_data(envelope["data"])
    nip, skp_id, version = d.nip, d.skp_id, d.version
    if not _newer(uow, nip, skp_id, version):
        return  # an older or repeated state of the document
    doc = _document(d)
    uow.skp.save(nip, skp_id, doc)
    months = targets.months_between(doc.period_start, doc.period_end)
    old = {k.kegiatan_id: k for k in uow.targets.kegiatan(nip, skp_id)}
    new_ids = []
    for k in d.kegiatan:
        kid, total = k.kegiatan_id, _quantity(k.kuantitas)
        new_ids.append(kid)
        uow.skp.save_kegiatan(nip, skp_id, kid, nomor=k.nomor, nama=k.nama, satuan=k.satuan, kuantitas=total)
        existing = uow.targets.of_kegiatan(nip, skp_id, kid)
        # keep an adjusted split while it still fits the document; otherwise suggest the even split again
        if (kid not in old or old[kid].kuantitas != total or set(existing) != set(months)
                or sum(existing.values(), Decimal(0)) != total):
            uow.targets.set(nip, skp_id, kid, targets.split_evenly(total, months), "skp_approved")
    gone = [kid for kid in old if kid not in new_ids]
    if gone:
        uow.skp.drop_kegiatan(nip, skp_id, gone)
    uow.skp.follow_penilai(nip, skp_id, d.penilai_nip)
    uow.skp.audit(nip, "skp", skp_id, "skp_approved", "skp", {"version": version})
    monthly_targets_events.publish(uow, nip, skp_id)
    uow.skp.forget_context(nip)


def rencana_kinerja_approved(uow: DesUnitOfWork, envelope: dict) -> None:
    """A PermenPANRB 6/2022 plan approved: the document's copy (period, penilai, ruleset) and one ``skp_kegiatan``
    row per IKI of the plan in force (``kegiatan_id`` = the IKI id, ``rhk_id`` its RHK, numbered 1..n over the
    plan), so a report names the IKI it serves and any other id is refused. No monthly targets: a 6/2022 plan is
    evaluated per period from its IKI, not from a split of yearly kegiatan. An IKI dropped by a revision is removed
    (reports already made against it keep its id)."""
    d = RencanaKinerjaApproved.from_data(envelope["data"])
    nip, skp_id, version = d.nip, d.skp_id, d.version
    if not _newer(uow, nip, skp_id, version):
        return  # an older or repeated state of the plan
    uow.skp.save(nip, skp_id, _document(d, ruleset=d.ruleset or RULESET_622))
    iki = [(r, k) for r in d.rhk for k in r.iki]
    for nomor, (r, k) in enumerate(iki, start=1):
        uow.skp.save_kegiatan(nip, skp_id, k.iki_id, nomor=nomor, nama=k.uraian, satuan=k.satuan or "",
                              kuantitas=_quantity(k.target or "0"), rhk_id=r.rhk_id)
    uow.skp.keep_only_kegiatan(nip, skp_id, [k.iki_id for _, k in iki])
    uow.skp.follow_penilai(nip, skp_id, d.penilai_nip)
    uow.skp.audit(nip, "skp", skp_id, "rencana_kinerja_approved", "skp", {"version": version, "iki": len(iki)})
    uow.skp.forget_context(nip)


def skp_closed(uow: DesUnitOfWork, envelope: dict) -> None:
    """A document closed (by a move: its period now ends the day before the new post): the months after its end
    have no target any more; the served months add up to the served targets skp sends (its prorated yearly
    kuantitas, ``kegiatan``), keeping the agreed split where it fits (``targets.fit_served``); the split is
    published again."""
    d = SkpClosed.from_data(envelope["data"])
    nip, skp_id, end = d.nip, d.skp_id, d.period_end
    found = uow.skp.close(nip, skp_id, end)
    if found is None or found.ruleset == RULESET_622:  # a 6/2022 plan has no monthly split to publish
        uow.skp.forget_context(nip)
        return
    _fit_served_targets(uow, nip, skp_id, found.period_start, found.period_end, d.kegiatan)
    monthly_targets_events.publish(uow, nip, skp_id)  # the period ends earlier, at least
    uow.skp.forget_context(nip)


def _fit_served_targets(uow: DesUnitOfWork, nip: str, skp_id: str, start: dt.date, end: dt.date,
                        kegiatan: tuple[ServedKegiatan, ...]) -> bool:
    """Set each known kegiatan's yearly kuantitas to the served one and its months to add up to it; True when
    something changed. Kegiatan des never learnt (the document was never approved) are skipped."""
    known = {k.kegiatan_id: k for k in uow.targets.kegiatan(nip, skp_id)}
    months = targets.months_between(start, end)
    changed = False
    for item in kegiatan:
        kid = item.kegiatan_id
        if kid not in known:
            continue
        total = _quantity(item.kuantitas)
        current = uow.targets.of_kegiatan(nip, skp_id, kid)
        fitted = targets.fit_served(total, current, months)
        if total != known[kid].kuantitas or fitted != current:
            uow.skp.set_kegiatan_total(nip, skp_id, kid, total)
            uow.targets.set(nip, skp_id, kid, fitted, "skp_closed")
            changed = True
    if changed:
        uow.skp.audit(nip, "skp", skp_id, "served_targets", "skp",
                      {"kegiatan": [{"kegiatan_id": k.kegiatan_id, "kuantitas": str(k.kuantitas)}
                                    for k in kegiatan]})
    return changed


def employee_registered(uow: DesUnitOfWork, envelope: dict) -> None:
    d = EmployeeRegistered.from_data(envelope["data"])
    uow.employees.registered(d.nip, d.nama, d.instansi_id, d.status)


def employee_status_changed(uow: DesUnitOfWork, envelope: dict) -> None:
    d = EmployeeStatusChanged.from_data(envelope["data"])
    uow.employees.status_changed(d.nip, d.instansi_id, d.new_status)


def assignment_changed(uow: DesUnitOfWork, envelope: dict) -> None:
    d = AssignmentChanged.from_data(envelope["data"])
    new = d.new
    uow.employees.assigned(d.nip, d.version, Assignment(
        instansi_id=d.instansi_id, unit_id=new.unit_id if new else None, jabatan_id=new.jabatan_id if new else None,
        penilai_nip=d.penilai_nip, heads=list(d.heads)))
