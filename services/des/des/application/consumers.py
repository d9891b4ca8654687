"""Applying other services' events to des's local copies (inside `apply_once`, so each event applies once).

Out-of-order arrival: SKP documents and assignments keep the highest `version` seen; an older one is ignored.
"""
from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert

from ..adapters import activity_store, unit_of_work  # a module: unit_of_work reaches the handlers back
from ..adapters import repository as repo
from ..adapters.tables import activities, employees, monthly_targets, skp_documents, skp_kegiatan
from ..domain import targets
from . import monthly_targets as monthly_targets_events

RULESET_622 = "permenpanrb-6-2022"


def skp_approved(session, envelope: dict) -> None:
    d = envelope["data"]
    nip, skp_id, version = d["nip"], str(d["skp_id"]), int(d.get("version") or 0)
    current = session.execute(sa.select(skp_documents.c.version).where(
        skp_documents.c.nip == nip, skp_documents.c.skp_id == skp_id).with_for_update()).first()
    if current is not None and current.version >= version:
        return  # an older or repeated state of the document
    start, end = dt.date.fromisoformat(d["period_start"]), dt.date.fromisoformat(d["period_end"])
    doc = dict(instansi_id=d["instansi_id"], unit_id=d.get("unit_id"), jabatan_id=d.get("jabatan_id"),
               period_start=start, period_end=end, penilai_nip=d.get("penilai_nip"),
               atasan_penilai_nip=d.get("atasan_penilai_nip"), version=version, closed=False)
    stmt = pg_insert(skp_documents).values(nip=nip, skp_id=skp_id, **doc)
    session.execute(stmt.on_conflict_do_update(index_elements=["nip", "skp_id"],
                                               set_={**doc, "updated_at": sa.func.now()}))
    months = targets.months_between(start, end)
    old = {r.kegiatan_id: r for r in repo.kegiatan_rows(session, nip, skp_id)}
    new_ids = []
    for k in d.get("kegiatan") or []:
        # kept at the SKP kuantitas scale, so the monthly split adds up to it exactly
        kid = str(k["kegiatan_id"])
        total = Decimal(str(k["kuantitas"])).quantize(targets.SCALE, rounding=ROUND_HALF_UP)
        new_ids.append(kid)
        values = dict(nomor=int(k["nomor"]), nama=k["nama"], satuan=k["satuan"], kuantitas=total)
        kstmt = pg_insert(skp_kegiatan).values(nip=nip, skp_id=skp_id, kegiatan_id=kid, **values)
        session.execute(kstmt.on_conflict_do_update(index_elements=["nip", "skp_id", "kegiatan_id"], set_=values))
        existing = {(r.tahun, r.bulan): r.kuantitas for r in session.execute(sa.select(monthly_targets).where(
            monthly_targets.c.nip == nip, monthly_targets.c.skp_id == skp_id,
            monthly_targets.c.kegiatan_id == kid))}
        # keep an adjusted split while it still fits the document; otherwise suggest the even split again
        if (kid not in old or old[kid].kuantitas != total or set(existing) != set(months)
                or sum(existing.values(), Decimal(0)) != total):
            repo.upsert_targets(session, nip, skp_id, kid, targets.split_evenly(total, months), "skp_approved")
    gone = [kid for kid in old if kid not in new_ids]
    if gone:
        session.execute(monthly_targets.delete().where(monthly_targets.c.nip == nip, monthly_targets.c.skp_id == skp_id,
                                                       monthly_targets.c.kegiatan_id.in_(gone)))
        session.execute(skp_kegiatan.delete().where(skp_kegiatan.c.nip == nip, skp_kegiatan.c.skp_id == skp_id,
                                                    skp_kegiatan.c.kegiatan_id.in_(gone)))
    # entries still waiting for review follow the penilai now recorded on the document
    session.execute(activities.update().where(
        activities.c.nip == nip, activities.c.skp_id == skp_id,
        activities.c.state.in_(("draft", "submitted", "revision_requested", "resubmitted")),
        activities.c.penilai_nip.is_distinct_from(d.get("penilai_nip"))).values(penilai_nip=d.get("penilai_nip")))
    repo.audit(session, nip, "skp", skp_id, "skp_approved", "skp", None, {"version": version})
    monthly_targets_events.publish(unit_of_work.in_session(session), nip, skp_id)
    activity_store.contexts.forget(nip)


def rencana_kinerja_approved(session, envelope: dict) -> None:
    """A PermenPANRB 6/2022 plan approved: the document's copy (period, penilai, ruleset) and one ``skp_kegiatan``
    row per IKI of the plan in force (``kegiatan_id`` = the IKI id, ``rhk_id`` its RHK, numbered 1..n over the
    plan), so a report names the IKI it serves and any other id is refused. No monthly targets: a 6/2022 plan is
    evaluated per period from its IKI, not from a split of yearly kegiatan. An IKI dropped by a revision is removed
    (reports already made against it keep its id)."""
    d = envelope["data"]
    nip, skp_id, version = d["nip"], str(d["skp_id"]), int(d.get("version") or 0)
    current = session.execute(sa.select(skp_documents.c.version).where(
        skp_documents.c.nip == nip, skp_documents.c.skp_id == skp_id).with_for_update()).first()
    if current is not None and current.version >= version:
        return  # an older or repeated state of the plan
    doc = dict(instansi_id=d["instansi_id"], unit_id=d.get("unit_id"), jabatan_id=d.get("jabatan_id"),
               period_start=dt.date.fromisoformat(d["period_start"]),
               period_end=dt.date.fromisoformat(d["period_end"]), penilai_nip=d.get("penilai_nip"),
               atasan_penilai_nip=d.get("atasan_penilai_nip"), version=version, closed=False,
               ruleset=d.get("ruleset") or RULESET_622)
    stmt = pg_insert(skp_documents).values(nip=nip, skp_id=skp_id, **doc)
    session.execute(stmt.on_conflict_do_update(index_elements=["nip", "skp_id"],
                                               set_={**doc, "updated_at": sa.func.now()}))
    iki = [(r, k) for r in d.get("rhk") or [] for k in r.get("iki") or []]
    for nomor, (r, k) in enumerate(iki, start=1):
        target = Decimal(str(k.get("target") or "0")).quantize(targets.SCALE, rounding=ROUND_HALF_UP)
        values = dict(nomor=nomor, nama=k["uraian"], satuan=k.get("satuan") or "", kuantitas=target,
                      rhk_id=str(r["rhk_id"]))
        kstmt = pg_insert(skp_kegiatan).values(nip=nip, skp_id=skp_id, kegiatan_id=str(k["iki_id"]), **values)
        session.execute(kstmt.on_conflict_do_update(index_elements=["nip", "skp_id", "kegiatan_id"], set_=values))
    session.execute(skp_kegiatan.delete().where(
        skp_kegiatan.c.nip == nip, skp_kegiatan.c.skp_id == skp_id,
        skp_kegiatan.c.kegiatan_id.not_in([str(k["iki_id"]) for _, k in iki] or [""])))
    session.execute(activities.update().where(
        activities.c.nip == nip, activities.c.skp_id == skp_id,
        activities.c.state.in_(("draft", "submitted", "revision_requested", "resubmitted")),
        activities.c.penilai_nip.is_distinct_from(d.get("penilai_nip"))).values(penilai_nip=d.get("penilai_nip")))
    repo.audit(session, nip, "skp", skp_id, "rencana_kinerja_approved", "skp", None,
               {"version": version, "iki": len(iki)})
    activity_store.contexts.forget(nip)


def skp_closed(session, envelope: dict) -> None:
    """A document closed (by a move: its period now ends the day before the new post): the months after its end
    have no target any more; the served months add up to the served targets skp sends (its prorated yearly
    kuantitas, ``kegiatan``), keeping the agreed split where it fits (``targets.fit_served``); the split is
    published again."""
    d = envelope["data"]
    nip, skp_id = d["nip"], str(d["skp_id"])
    values = {"closed": True}
    if d.get("period_end"):
        values["period_end"] = end = dt.date.fromisoformat(d["period_end"])
        session.execute(monthly_targets.delete().where(
            monthly_targets.c.nip == nip, monthly_targets.c.skp_id == skp_id,
            sa.tuple_(monthly_targets.c.tahun, monthly_targets.c.bulan) > sa.tuple_(end.year, end.month)))
    found = session.execute(skp_documents.update().where(skp_documents.c.nip == nip, skp_documents.c.skp_id == skp_id)
                            .values(**values).returning(skp_documents.c.skp_id, skp_documents.c.period_start,
                                                        skp_documents.c.period_end, skp_documents.c.ruleset)).first()
    if found is None or found.ruleset == RULESET_622:  # a 6/2022 plan has no monthly split to publish
        activity_store.contexts.forget(nip)
        return
    served = _fit_served_targets(session, nip, skp_id, found.period_start, found.period_end, d.get("kegiatan") or [])
    if d.get("period_end") or served:
        monthly_targets_events.publish(unit_of_work.in_session(session), nip, skp_id)
    activity_store.contexts.forget(nip)


def _fit_served_targets(session, nip: str, skp_id: str, start: dt.date, end: dt.date, kegiatan: list[dict]) -> bool:
    """Set each known kegiatan's yearly kuantitas to the served one and its months to add up to it; True when
    something changed. Kegiatan des never learnt (the document was never approved) are skipped."""
    known = {r.kegiatan_id: r for r in repo.kegiatan_rows(session, nip, skp_id)}
    months = targets.months_between(start, end)
    changed = False
    for item in kegiatan:
        kid = str(item["kegiatan_id"])
        if kid not in known or item.get("kuantitas") in (None, ""):
            continue
        total = Decimal(str(item["kuantitas"])).quantize(targets.SCALE, rounding=ROUND_HALF_UP)
        current = {(r.tahun, r.bulan): r.kuantitas for r in session.execute(sa.select(monthly_targets).where(
            monthly_targets.c.nip == nip, monthly_targets.c.skp_id == skp_id, monthly_targets.c.kegiatan_id == kid))}
        fitted = targets.fit_served(total, current, months)
        if total != known[kid].kuantitas or fitted != current:
            session.execute(skp_kegiatan.update().where(
                skp_kegiatan.c.nip == nip, skp_kegiatan.c.skp_id == skp_id, skp_kegiatan.c.kegiatan_id == kid)
                .values(kuantitas=total))
            repo.upsert_targets(session, nip, skp_id, kid, fitted, "skp_closed")
            changed = True
    if changed:
        repo.audit(session, nip, "skp", skp_id, "served_targets", "skp", None,
                   {"kegiatan": [{"kegiatan_id": str(k["kegiatan_id"]), "kuantitas": str(k["kuantitas"])}
                                 for k in kegiatan]})
    return changed


def employee_registered(session, envelope: dict) -> None:
    d = envelope["data"]
    stmt = pg_insert(employees).values(nip=d["nip"], nama=d.get("nama"), instansi_id=d.get("instansi_id"),
                                       status=d.get("status"))
    session.execute(stmt.on_conflict_do_update(index_elements=["nip"], set_={
        "nama": sa.func.coalesce(stmt.excluded.nama, employees.c.nama), "instansi_id": stmt.excluded.instansi_id,
        "status": stmt.excluded.status, "updated_at": sa.func.now()}))


def employee_status_changed(session, envelope: dict) -> None:
    d = envelope["data"]
    stmt = pg_insert(employees).values(nip=d["nip"], instansi_id=d.get("instansi_id"), status=d.get("new_status"))
    session.execute(stmt.on_conflict_do_update(index_elements=["nip"], set_={
        "status": stmt.excluded.status, "updated_at": sa.func.now()}))


def assignment_changed(session, envelope: dict) -> None:
    d = envelope["data"]
    version = int(d.get("version") or 0)
    new = d.get("new") or {}
    values = dict(instansi_id=d.get("instansi_id"), unit_id=new.get("unit_id"), jabatan_id=new.get("jabatan_id"),
                  penilai_nip=d.get("penilai_nip"), heads=d.get("heads"), assignment_version=version)
    stmt = pg_insert(employees).values(nip=d["nip"], **values)
    session.execute(stmt.on_conflict_do_update(
        index_elements=["nip"], set_={**values, "updated_at": sa.func.now()},
        where=employees.c.assignment_version < version))
