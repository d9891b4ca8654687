"""What the skp service does with other services' events (each applied once, through the inbox).

identity: ``position_changed`` keeps the position and gives it a template from the starter catalogue;
``employee_registered`` keeps the name printed on the forms; ``assignment_changed`` drafts the SKP document of
a new assignment, closes the old one at a move (DOMAIN §0.11) and records the penilai and atasan penilai (§0.12).
des: ``activity_reviewed`` (approved work: kuantitas) and ``monthly_quality_set`` (kualitas) feed realisation.
Events carrying state have a version; an older version than the one kept is ignored.
"""
from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert

from ..adapters import repository as repo
from ..adapters import tables as t
from ..domain import document as d
from ..domain.catalogue import catalogue_for
from ..domain.rulesets import PP46_2011
from .handlers import SystemActor, publish_closed

DEFAULT_RULESET = PP46_2011.id


def _date(value) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _uuid(value) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value)) if value else None
    except ValueError:
        return None


# --- identity -----------------------------------------------------------------------------------------------------


def ensure_template(session, jabatan_id: str, job_group: str, kind: str) -> None:
    """A position's template: made once from the starter catalogue of its job group and kind."""
    name, items = catalogue_for(job_group, kind)
    inserted = session.execute(pg_insert(t.templates).values(jabatan_id=jabatan_id, catalogue=name)
                               .on_conflict_do_nothing().returning(t.templates.c.jabatan_id)).first()
    if inserted is None:
        return
    for nomor, item in enumerate(items, start=1):
        session.execute(t.template_kegiatan.insert().values(
            jabatan_id=jabatan_id, nomor=nomor, nama=item.nama, satuan=item.satuan, kuantitas=item.kuantitas,
            kualitas=item.kualitas, waktu=item.waktu, biaya=item.biaya, angka_kredit=item.angka_kredit))


def position_changed(session, envelope: dict) -> None:
    data = envelope["data"]
    values = dict(jabatan_id=data["jabatan_id"], instansi_id=data["instansi_id"], unit_id=data.get("unit_id"),
                  unit_nama=data.get("unit_nama"), nama=data["nama"], kind=data["kind"],
                  job_group=data["job_group"], version=int(data.get("version") or 0))
    statement = pg_insert(t.positions).values(**values)
    session.execute(statement.on_conflict_do_update(
        index_elements=["jabatan_id"], set_={k: statement.excluded[k] for k in values if k != "jabatan_id"},
        where=t.positions.c.version < statement.excluded.version))
    ensure_template(session, data["jabatan_id"], data["job_group"], data["kind"])


def employee_registered(session, envelope: dict) -> None:
    data = envelope["data"]
    statement = pg_insert(t.employees).values(nip=data["nip"], nama=data.get("nama") or "",
                                              instansi_id=data.get("instansi_id"), golongan=data.get("golongan"))
    session.execute(statement.on_conflict_do_update(
        index_elements=["nip"], set_={"nama": statement.excluded.nama, "instansi_id": statement.excluded.instansi_id,
                                      "golongan": statement.excluded.golongan}))


def template_rows(session, jabatan_id: str) -> list[dict]:
    return [dict(r) for r in session.execute(
        sa.select(t.template_kegiatan).where(t.template_kegiatan.c.jabatan_id == jabatan_id)
        .order_by(t.template_kegiatan.c.nomor)).mappings()]


def close_moved(session, doc: dict, last_day: dt.date, why: str) -> None:
    """Close an open document at a move: its period ends the day before the new position starts."""
    period_end = max(doc["period_start"], min(doc["period_end"], last_day))
    repo.update_document(session, doc["skp_id"], status=d.CLOSED, closed_reason="moved", period_end=period_end)
    repo.add_audit(session, doc["skp_id"], SystemActor.subject, "closed_moved",
                   {"period_end": period_end.isoformat(), "why": why})
    publish_closed(session, repo.get_document(session, doc["skp_id"]), "moved", None)


def draft_document(session, data: dict, new: dict, period: tuple[dt.date, dt.date]) -> uuid.UUID:
    """A document for the new assignment, drafted from its position's template (nothing retyped, §0.11)."""
    ensure_template(session, new["jabatan_id"], new["job_group"], new["kind"])
    months = d.months_covered(*period)
    skp_id = uuid.uuid4()
    inserted = session.execute(pg_insert(t.documents).values(
        skp_id=skp_id, nip=data["nip"], instansi_id=data["instansi_id"], unit_id=new.get("unit_id"),
        unit_nama=new.get("unit_nama"), jabatan_id=new["jabatan_id"], jabatan_nama=new.get("jabatan_nama") or "",
        kind=new["kind"], job_group=new["job_group"], assignment_id=data["assignment_id"], period_start=period[0],
        period_end=period[1], penilai_nip=data.get("penilai_nip"), atasan_penilai_nip=data.get("atasan_penilai_nip"),
        status=d.DRAFT, ruleset=DEFAULT_RULESET).on_conflict_do_nothing().returning(t.documents.c.skp_id)).first()
    if inserted is None:  # this assignment's document for the period exists already
        return None
    targets = []
    for nomor, row in enumerate(template_rows(session, new["jabatan_id"]), start=1):
        item = d.prorated(d.CatalogueKegiatan(row["nama"], row["satuan"], row["kuantitas"], row["waktu"],
                                              row["biaya"], row["angka_kredit"], row["kualitas"]), months)
        targets.append(d.Target(None, nomor, item.nama, item.satuan, item.kuantitas, item.kualitas, item.waktu,
                                item.biaya, item.angka_kredit))
    repo.insert_kegiatan(session, skp_id, targets)
    repo.add_audit(session, skp_id, SystemActor.subject, "drafted",
                   {"assignment_id": data["assignment_id"], "jabatan_id": new["jabatan_id"],
                    "period_start": period[0].isoformat(), "period_end": period[1].isoformat(),
                    "kegiatan": len(targets)})
    return skp_id


def assignment_changed(session, envelope: dict) -> None:
    data = envelope["data"]
    assignment_id, version = str(data["assignment_id"]), int(data.get("version") or 0)
    seen = session.execute(sa.select(t.assignments.c.version).where(t.assignments.c.assignment_id == assignment_id)
                           .with_for_update()).scalar()
    if seen is not None and seen >= version:
        return  # an older or repeated state of this assignment
    statement = pg_insert(t.assignments).values(assignment_id=assignment_id, nip=data["nip"], version=version)
    session.execute(statement.on_conflict_do_update(index_elements=["assignment_id"],
                                                    set_={"version": statement.excluded.version}))
    if data.get("acting"):
        return  # a plt/plh holds the position for others' chains; it gets no SKP of its own
    new, old = data.get("new"), data.get("old")
    effective = _date(data.get("effective_date"))
    mine = [doc for doc in repo.open_documents_of(session, data["nip"]) if doc["assignment_id"] == assignment_id]
    if new is None:  # the assignment ended
        last_day = _date((old or {}).get("end")) or (effective - dt.timedelta(days=1) if effective else None)
        for doc in mine:
            if last_day is not None and last_day < doc["period_end"]:
                close_moved(session, doc, last_day, "assignment ended")
        return
    start = _date(new["start"])
    year = (effective or start).year
    period = d.document_period(max(start, dt.date(year, 1, 1)), _date(new.get("end")))
    if period[1] < period[0]:
        return
    same = [doc for doc in mine if doc["jabatan_id"] == new["jabatan_id"]]
    for doc in mine:
        if doc["jabatan_id"] != new["jabatan_id"]:  # the same assignment now points at another position
            close_moved(session, doc, (effective or start) - dt.timedelta(days=1), "position changed")
    # Another definitive position of this employee that started earlier ends where this one starts (a move).
    for doc in repo.open_documents_of(session, data["nip"]):
        if doc["assignment_id"] != assignment_id and doc["period_start"] < period[0]:
            close_moved(session, doc, period[0] - dt.timedelta(days=1), "moved to another position")
    if same:
        for doc in same:
            _update_chain(session, doc, data, period)
        return
    draft_document(session, data, new, period)


def _update_chain(session, doc: dict, data: dict, period: tuple[dt.date, dt.date]) -> None:
    """Record a new penilai or atasan penilai (reassignment above the employee) or a new end of the period."""
    values = {}
    for key in ("penilai_nip", "atasan_penilai_nip"):
        if data.get(key) != doc[key]:
            values[key] = data.get(key)
    if period[1] != doc["period_end"] and doc["result_status"] == "":
        values["period_end"] = period[1]
    if values:
        repo.update_document(session, doc["skp_id"], **values)
        repo.add_audit(session, doc["skp_id"], SystemActor.subject, "chain_updated",
                       {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in values.items()})


# --- des ----------------------------------------------------------------------------------------------------------


def activity_reviewed(session, envelope: dict) -> None:
    """Approved work; ``kuantitas_diakui`` counts for the year unless it is a "proses" entry (DOMAIN §0.15)."""
    data = envelope["data"]
    skp_id = _uuid(data.get("skp_id"))
    if skp_id is None:
        return  # non-SKP work does not count toward SKP realisation
    repo.upsert_activity(session, dict(
        activity_id=str(data["activity_id"]), skp_id=skp_id, kegiatan_id=_uuid(data.get("kegiatan_id")),
        nip=data["nip"], tanggal=_date(data["tanggal"]), jenis=data.get("jenis") or "skp",
        kuantitas=Decimal(str(data.get("kuantitas_diakui") or "0")), proses=bool(data.get("proses")),
        version=int(data.get("version") or 0)))


def monthly_quality_set(session, envelope: dict) -> None:
    data = envelope["data"]
    skp_id, kegiatan_id = _uuid(data.get("skp_id")), _uuid(data.get("kegiatan_id"))
    if skp_id is None or kegiatan_id is None:
        return
    repo.upsert_monthly_kualitas(session, dict(skp_id=skp_id, kegiatan_id=kegiatan_id, tahun=int(data["tahun"]),
                                               bulan=int(data["bulan"]),
                                               kualitas=Decimal(str(data["kualitas"]))))
