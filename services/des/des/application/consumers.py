"""Applying other services' events to des's local copies (inside `apply_once`, so each event applies once).

Out-of-order arrival: SKP documents and assignments keep the highest `version` seen; an older one is ignored.
"""
from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from ..domain import targets
from . import monthly_targets as monthly_targets_events
from .ports import Assignment, DesUnitOfWork, SkpDocument

RULESET_622 = "permenpanrb-6-2022"


def _document(d: dict, version: int, ruleset: str | None = None) -> SkpDocument:
    return SkpDocument(instansi_id=d["instansi_id"], unit_id=d.get("unit_id"), jabatan_id=d.get("jabatan_id"),
                       period_start=dt.date.fromisoformat(d["period_start"]),
                       period_end=dt.date.fromisoformat(d["period_end"]), penilai_nip=d.get("penilai_nip"),
                       atasan_penilai_nip=d.get("atasan_penilai_nip"), version=version, ruleset=ruleset)


def _newer(uow: DesUnitOfWork, nip: str, skp_id: str, version: int) -> bool:
    current = uow.skp.version(nip, skp_id)
    return current is None or current < version


def _quantity(value) -> Decimal:
    """Kept at the SKP kuantitas scale, so the monthly split adds up to it exactly."""
    return Decimal(str(value)).quantize(targets.SCALE, rounding=ROUND_HALF_UP)


def skp_approved(uow: DesUnitOfWork, envelope: dict) -> None:
    d = envelope["data"]
    nip, skp_id, version = d["nip"], str(d["skp_id"]), int(d.get("version") or 0)
    if not _newer(uow, nip, skp_id, version):
        return  # an older or repeated state of the document
    doc = _document(d, version)
    uow.skp.save(nip, skp_id, doc)
    months = targets.months_between(doc.period_start, doc.period_end)
    old = {k.kegiatan_id: k for k in uow.targets.kegiatan(nip, skp_id)}
    new_ids = []
    for k in d.get("kegiatan") or []:
        kid, total = str(k["kegiatan_id"]), _quantity(k["kuantitas"])
        new_ids.append(kid)
        uow.skp.save_kegiatan(nip, skp_id, kid, nomor=int(k["nomor"]), nama=k["nama"], satuan=k["satuan"],
                              kuantitas=total)
        existing = uow.targets.of_kegiatan(nip, skp_id, kid)
        # keep an adjusted split while it still fits the document; otherwise suggest the even split again
        if (kid not in old or old[kid].kuantitas != total or set(existing) != set(months)
                or sum(existing.values(), Decimal(0)) != total):
            uow.targets.set(nip, skp_id, kid, targets.split_evenly(total, months), "skp_approved")
    gone = [kid for kid in old if kid not in new_ids]
    if gone:
        uow.skp.drop_kegiatan(nip, skp_id, gone)
    uow.skp.follow_penilai(nip, skp_id, d.get("penilai_nip"))
    uow.skp.audit(nip, "skp", skp_id, "skp_approved", "skp", {"version": version})
    monthly_targets_events.publish(uow, nip, skp_id)
    uow.skp.forget_context(nip)


def rencana_kinerja_approved(uow: DesUnitOfWork, envelope: dict) -> None:
    """A PermenPANRB 6/2022 plan approved: the document's copy (period, penilai, ruleset) and one ``skp_kegiatan``
    row per IKI of the plan in force (``kegiatan_id`` = the IKI id, ``rhk_id`` its RHK, numbered 1..n over the
    plan), so a report names the IKI it serves and any other id is refused. No monthly targets: a 6/2022 plan is
    evaluated per period from its IKI, not from a split of yearly kegiatan. An IKI dropped by a revision is removed
    (reports already made against it keep its id)."""
    d = envelope["data"]
    nip, skp_id, version = d["nip"], str(d["skp_id"]), int(d.get("version") or 0)
    if not _newer(uow, nip, skp_id, version):
        return  # an older or repeated state of the plan
    uow.skp.save(nip, skp_id, _document(d, version, ruleset=d.get("ruleset") or RULESET_622))
    iki = [(r, k) for r in d.get("rhk") or [] for k in r.get("iki") or []]
    for nomor, (r, k) in enumerate(iki, start=1):
        uow.skp.save_kegiatan(nip, skp_id, str(k["iki_id"]), nomor=nomor, nama=k["uraian"],
                              satuan=k.get("satuan") or "", kuantitas=_quantity(k.get("target") or "0"),
                              rhk_id=str(r["rhk_id"]))
    uow.skp.keep_only_kegiatan(nip, skp_id, [str(k["iki_id"]) for _, k in iki])
    uow.skp.follow_penilai(nip, skp_id, d.get("penilai_nip"))
    uow.skp.audit(nip, "skp", skp_id, "rencana_kinerja_approved", "skp", {"version": version, "iki": len(iki)})
    uow.skp.forget_context(nip)


def skp_closed(uow: DesUnitOfWork, envelope: dict) -> None:
    """A document closed (by a move: its period now ends the day before the new post): the months after its end
    have no target any more; the served months add up to the served targets skp sends (its prorated yearly
    kuantitas, ``kegiatan``), keeping the agreed split where it fits (``targets.fit_served``); the split is
    published again."""
    d = envelope["data"]
    nip, skp_id = d["nip"], str(d["skp_id"])
    end = dt.date.fromisoformat(d["period_end"]) if d.get("period_end") else None
    found = uow.skp.close(nip, skp_id, end)
    if found is None or found.ruleset == RULESET_622:  # a 6/2022 plan has no monthly split to publish
        uow.skp.forget_context(nip)
        return
    served = _fit_served_targets(uow, nip, skp_id, found.period_start, found.period_end, d.get("kegiatan") or [])
    if end is not None or served:
        monthly_targets_events.publish(uow, nip, skp_id)
    uow.skp.forget_context(nip)


def _fit_served_targets(uow: DesUnitOfWork, nip: str, skp_id: str, start: dt.date, end: dt.date,
                        kegiatan: list[dict]) -> bool:
    """Set each known kegiatan's yearly kuantitas to the served one and its months to add up to it; True when
    something changed. Kegiatan des never learnt (the document was never approved) are skipped."""
    known = {k.kegiatan_id: k for k in uow.targets.kegiatan(nip, skp_id)}
    months = targets.months_between(start, end)
    changed = False
    for item in kegiatan:
        kid = str(item["kegiatan_id"])
        if kid not in known or item.get("kuantitas") in (None, ""):
            continue
        total = _quantity(item["kuantitas"])
        current = uow.targets.of_kegiatan(nip, skp_id, kid)
        fitted = targets.fit_served(total, current, months)
        if total != known[kid].kuantitas or fitted != current:
            uow.skp.set_kegiatan_total(nip, skp_id, kid, total)
            uow.targets.set(nip, skp_id, kid, fitted, "skp_closed")
            changed = True
    if changed:
        uow.skp.audit(nip, "skp", skp_id, "served_targets", "skp",
                      {"kegiatan": [{"kegiatan_id": str(k["kegiatan_id"]), "kuantitas": str(k["kuantitas"])}
                                    for k in kegiatan]})
    return changed


def employee_registered(uow: DesUnitOfWork, envelope: dict) -> None:
    d = envelope["data"]
    uow.employees.registered(d["nip"], d.get("nama"), d.get("instansi_id"), d.get("status"))


def employee_status_changed(uow: DesUnitOfWork, envelope: dict) -> None:
    d = envelope["data"]
    uow.employees.status_changed(d["nip"], d.get("instansi_id"), d.get("new_status"))


def assignment_changed(uow: DesUnitOfWork, envelope: dict) -> None:
    d = envelope["data"]
    new = d.get("new") or {}
    uow.employees.assigned(d["nip"], int(d.get("version") or 0), Assignment(
        instansi_id=d.get("instansi_id"), unit_id=new.get("unit_id"), jabatan_id=new.get("jabatan_id"),
        penilai_nip=d.get("penilai_nip"), heads=d.get("heads")))
