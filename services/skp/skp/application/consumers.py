"""What the skp service does with other services' events (each applied once, through the inbox).

identity: ``position_changed`` keeps the position and its jenis jabatan (templates: application/templates.py);
``employee_registered`` keeps the name printed on the forms; ``assignment_changed`` drafts the SKP document of
a new assignment, closes the old one at a move (DOMAIN §0.11) and records the penilai and atasan penilai (§0.12).
des: ``activity_reviewed`` (approved work: kuantitas) and ``monthly_quality_set`` (kualitas) feed realisation.
Events carrying state have a version; an older version than the one kept is ignored. The latest state of each
assignment is kept, so ``rollover_year`` (a timer) drafts a continuing assignment's document for a new year.
"""
from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert

from ..adapters import repository as repo
from ..adapters import rhk_repository
from ..adapters import tables as t
from ..adapters.unit_of_work import in_session
from ..domain import document as d
from ..domain.rhk import RULESET_622
from . import templates
from .handlers import SystemActor, publish_approved, publish_closed
from .ruleset_setting import ruleset_for


def _date(value) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _uuid(value) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value)) if value else None
    except ValueError:
        return None


# --- identity -----------------------------------------------------------------------------------------------------


def position_changed(session, envelope: dict) -> None:
    data = envelope["data"]
    values = dict(jabatan_id=data["jabatan_id"], instansi_id=data["instansi_id"], unit_id=data.get("unit_id"),
                  unit_nama=data.get("unit_nama"), nama=data["nama"], kind=data["kind"],
                  job_group=data["job_group"], version=int(data.get("version") or 0),
                  jenis_jabatan=data.get("jenis_jabatan") or None, jenjang=data.get("jenjang") or None)
    statement = pg_insert(t.positions).values(**values)
    session.execute(statement.on_conflict_do_update(
        index_elements=["jabatan_id"], set_={k: statement.excluded[k] for k in values if k != "jabatan_id"},
        where=t.positions.c.version < statement.excluded.version))


def employee_registered(session, envelope: dict) -> None:
    data = envelope["data"]
    statement = pg_insert(t.employees).values(nip=data["nip"], nama=data.get("nama") or "",
                                              instansi_id=data.get("instansi_id"), golongan=data.get("golongan"))
    session.execute(statement.on_conflict_do_update(
        index_elements=["nip"], set_={"nama": statement.excluded.nama, "instansi_id": statement.excluded.instansi_id,
                                      "golongan": statement.excluded.golongan}))


def close_moved(session, doc: dict, last_day: dt.date, why: str) -> None:
    """Close an open document at a move: its period ends the day before the new position starts, and its targets
    become those of the months actually served (``served_targets``), audited as ``targets_prorated``."""
    period_end = max(doc["period_start"], min(doc["period_end"], last_day))
    values: dict = {}
    planned = d.months_covered(doc["period_start"], doc["period_end"])
    served = d.months_covered(doc["period_start"], period_end)
    if served < planned and not doc["result_status"]:
        values.update(_prorate_targets(session, doc, planned, served))
    # A document not yet approved keeps its workflow state: it can still be agreed (submitted, approved) for the
    # months served, and becomes closed when approved (docs/position-templates.md, rule "closed before approval").
    status = d.CLOSED if doc["approved_targets"] is not None else doc["status"]
    repo.update_document(session, doc["skp_id"], status=status, closed_reason="moved", period_end=period_end,
                         **values)
    repo.add_audit(session, doc["skp_id"], SystemActor.subject, "closed_moved",
                   {"period_end": period_end.isoformat(), "why": why})
    publish_closed(in_session(session), repo.get_document(session, doc["skp_id"]), "moved", None)


def _amounts(item: dict) -> d.TargetAmounts:
    def number(value):
        return None if value is None or value == "" else Decimal(str(value))
    return d.TargetAmounts(number(item["kuantitas"]), number(item["waktu"]), number(item["biaya"]),
                           number(item.get("angka_kredit")))


def _prorate_targets(session, doc: dict, planned: int, served: int) -> dict:
    """Scale the working kegiatan and the approved targets (the ones in force) to the months served; returns the
    document values to store."""
    fields = ("kuantitas", "waktu", "biaya", "angka_kredit")
    working, approved_changes = [], []
    for row in repo.kegiatan_by_id(session, doc["skp_id"]).values():
        after = d.served_targets(_amounts(row), planned, served)
        repo.set_target_amounts(session, row["kegiatan_id"], after)
        working.append({"kegiatan_id": str(row["kegiatan_id"]), **{
            f: [d.plain(row[f]) or None, d.plain(getattr(after, f)) or None] for f in fields}})
    values = {}
    if doc["approved_targets"] is not None:
        approved = []
        for item in doc["approved_targets"]:
            after = d.served_targets(_amounts(item), planned, served)
            shown = {f: (d.plain(getattr(after, f)) if getattr(after, f) is not None else None) for f in fields}
            approved.append({**item, **shown})
            approved_changes.append({"kegiatan_id": item["kegiatan_id"], "nama": item["nama"],
                                     **{f: [item.get(f), shown[f]] for f in fields}})
        values["approved_targets"] = approved
    repo.add_audit(session, doc["skp_id"], SystemActor.subject, "targets_prorated", {
        "months_planned": planned, "months_served": served,
        "rule": "kuantitas, biaya x served/planned half-up to 0.01 (at least 0.01); angka kredit half-up to 0.001; "
                "waktu capped at the months served; kualitas unchanged",
        "approved": approved_changes, "kegiatan": working})
    return values


def draft_document(session, data: dict, new: dict, period: tuple[dt.date, dt.date]) -> uuid.UUID:
    """A document for the new assignment, drafted from its position's current template, else the starter catalogue
    of its jenis jabatan (nothing retyped, §0.11)."""
    source, items = templates.drafting_items(in_session(session), new["jabatan_id"], new)
    months = d.months_covered(*period)
    skp_id = uuid.uuid4()
    # the ruleset of the instansi and year in force now; the document keeps it whatever the setting becomes
    ruleset = ruleset_for(session, data["instansi_id"], period[0].year)
    inserted = session.execute(pg_insert(t.documents).values(
        skp_id=skp_id, nip=data["nip"], instansi_id=data["instansi_id"], unit_id=new.get("unit_id"),
        unit_nama=new.get("unit_nama"), jabatan_id=new["jabatan_id"], jabatan_nama=new.get("jabatan_nama") or "",
        kind=new["kind"], job_group=new["job_group"], assignment_id=data["assignment_id"], period_start=period[0],
        period_end=period[1], penilai_nip=data.get("penilai_nip"), atasan_penilai_nip=data.get("atasan_penilai_nip"),
        status=d.DRAFT, ruleset=ruleset).on_conflict_do_nothing().returning(t.documents.c.skp_id)).first()
    if inserted is None:  # this assignment's document for the period exists already
        return None
    targets = []
    for nomor, template_item in enumerate(items, start=1):
        item = d.prorated(template_item, months)
        targets.append(d.Target(None, nomor, item.nama, item.satuan, item.kuantitas, item.kualitas, item.waktu,
                                item.biaya, item.angka_kredit))
    repo.insert_kegiatan(session, skp_id, targets)
    detail = {"assignment_id": data["assignment_id"], "jabatan_id": new["jabatan_id"],
              "period_start": period[0].isoformat(), "period_end": period[1].isoformat(),
              "kegiatan": len(targets), "source": source, "ruleset": ruleset}
    template_rhk = templates.drafting_rhk(in_session(session), new["jabatan_id"]) if ruleset == RULESET_622 else None
    if template_rhk is not None:  # a draft plan: the employee still picks the atasan's RHK each one serves
        rhk_repository.save_plan(session, skp_id, pendekatan=template_rhk[0], rhk=template_rhk[1])
        detail["rhk"] = len(template_rhk[1])
    repo.add_audit(session, skp_id, SystemActor.subject, "drafted", detail)
    return skp_id


def remember_assignment(session, data: dict, version: int) -> None:
    """The latest state of an assignment: what the yearly rollover drafts the next year's document from."""
    new, old = data.get("new"), data.get("old") or {}
    if new is not None:
        jabatan_id, start, end = new["jabatan_id"], _date(new.get("start")), _date(new.get("end"))
    else:  # ended: kept for reference, never rolled over
        effective = _date(data.get("effective_date"))
        jabatan_id, start = None, _date(old.get("start"))
        end = _date(old.get("end")) or (effective - dt.timedelta(days=1) if effective else None)
    values = dict(nip=data["nip"], version=version, acting=bool(data.get("acting")), jabatan_id=jabatan_id,
                  start_date=start, end_date=end, data=data)
    statement = pg_insert(t.assignments).values(assignment_id=str(data["assignment_id"]), **values)
    session.execute(statement.on_conflict_do_update(index_elements=["assignment_id"],
                                                    set_={k: statement.excluded[k] for k in values}))


def assignment_changed(session, envelope: dict) -> None:
    data = envelope["data"]
    assignment_id, version = str(data["assignment_id"]), int(data.get("version") or 0)
    seen = session.execute(sa.select(t.assignments.c.version).where(t.assignments.c.assignment_id == assignment_id)
                           .with_for_update()).scalar()
    if seen is not None and seen >= version:
        return  # an older or repeated state of this assignment
    remember_assignment(session, data, version)
    if data.get("acting"):
        return  # a plt/plh holds the position for others' chains; it gets no SKP of its own
    mine = [doc for doc in repo.open_documents_of(session, data["nip"]) if doc["assignment_id"] == assignment_id]
    if data.get("new") is None:
        _assignment_ended(session, data, mine)
    else:
        _assignment_runs(session, data, mine)


def _assignment_ended(session, data: dict, mine: list[dict]) -> None:
    """The assignment ended: its open documents close at its last day."""
    effective = _date(data.get("effective_date"))
    last_day = _date((data.get("old") or {}).get("end")) or (effective - dt.timedelta(days=1) if effective else None)
    for doc in mine:
        if last_day is not None and last_day < doc["period_end"]:
            close_moved(session, doc, last_day, "assignment ended")


def _assignment_runs(session, data: dict, mine: list[dict]) -> None:
    """The assignment (still) runs: close what a move ends, then update this year's document or draft it."""
    new, assignment_id = data["new"], str(data["assignment_id"])
    effective = _date(data.get("effective_date"))
    start = _date(new["start"])
    year = (effective or start).year
    period = d.period_in_year(start, _date(new.get("end")), year)
    if period is None:
        return
    # Only this year's documents change: an earlier year's document keeps its period and penilai (it may still
    # await its result), and a later year's is drafted by its own event or the yearly rollover.
    current = [doc for doc in mine if doc["period_start"].year == year]
    same = [doc for doc in current if doc["jabatan_id"] == new["jabatan_id"]]
    for doc in current:
        if doc["jabatan_id"] != new["jabatan_id"]:  # the same assignment now points at another position
            close_moved(session, doc, (effective or start) - dt.timedelta(days=1), "position changed")
            period = (max(period[0], effective or start), period[1])
    # Another definitive position of this employee, still running when this one starts, ends there (a move).
    for doc in repo.open_documents_of(session, data["nip"]):
        if doc["assignment_id"] != assignment_id and doc["period_start"] < period[0] <= doc["period_end"]:
            close_moved(session, doc, period[0] - dt.timedelta(days=1), "moved to another position")
    if same:
        for doc in same:
            _update_chain(session, doc, data, period)
        return
    draft_document(session, data, new, period)


ROLLOVER_BATCH = 200


def rollover_year(session, today: dt.date, limit: int = ROLLOVER_BATCH) -> int:
    """Drafts this year's document for every open, definitive assignment known from identity's events that has
    none yet (an assignment running into a new year gets its new SKP without waiting for an event). Safe to run
    on every replica at once: rows being handled elsewhere are skipped, and the unique keys on the documents
    (assignment + period start; employee + jabatan + period start) make a second draft a no-op. Returns how many
    assignments it handled (``limit`` means: call again)."""
    year_start, year_end = dt.date(today.year, 1, 1), dt.date(today.year, 12, 31)
    a, doc = t.assignments, t.documents
    has_document = sa.or_(
        sa.exists().where(doc.c.assignment_id == a.c.assignment_id, doc.c.period_start.between(year_start, year_end)),
        sa.exists().where(doc.c.nip == a.c.nip, doc.c.jabatan_id == a.c.jabatan_id,
                          doc.c.period_start == sa.func.greatest(a.c.start_date, year_start)))
    rows = session.execute(
        sa.select(a.c.assignment_id, a.c.start_date, a.c.end_date, a.c.data)
        .where(a.c.jabatan_id.is_not(None), ~a.c.acting, a.c.data.is_not(None), a.c.start_date <= year_end,
               sa.or_(a.c.end_date.is_(None), a.c.end_date >= year_start), ~has_document)
        .order_by(a.c.assignment_id).limit(limit).with_for_update(of=a, skip_locked=True)).all()
    for row in rows:
        period = d.period_in_year(row.start_date, row.end_date, today.year)
        if period is None or row.data.get("new") is None:
            continue
        skp_id = draft_document(session, row.data, row.data["new"], period)
        if skp_id is not None:
            repo.add_audit(session, skp_id, SystemActor.subject, "rolled_over", {"year": today.year})
    return len(rows)


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
        if doc.get("approved_targets") and {"penilai_nip", "atasan_penilai_nip"} & values.keys():
            # des keeps the approved SKP (and routes its review queue) from skp_approved: tell it the new chain
            publish_approved(in_session(session), repo.get_document(session, doc["skp_id"]))


# --- des ----------------------------------------------------------------------------------------------------------


def activity_reviewed(session, envelope: dict) -> None:
    """Approved work; ``kuantitas_diakui`` counts for the year unless it is a "proses" entry (DOMAIN §0.15).

    The unit-of-work form (with ``apply_once``): the reference the service's one-statement path
    ``activity_reviewed_once`` is tested against, and the bench's baseline."""
    data = envelope["data"]
    skp_id = _uuid(data.get("skp_id"))
    if skp_id is None:
        return  # non-SKP work does not count toward SKP realisation
    repo.upsert_activity(session, dict(
        activity_id=str(data["activity_id"]), skp_id=skp_id, kegiatan_id=_uuid(data.get("kegiatan_id")),
        nip=data["nip"], tanggal=_date(data["tanggal"]), jenis=data.get("jenis") or "skp",
        kuantitas=Decimal(str(data.get("kuantitas_diakui") or "0")), proses=bool(data.get("proses")),
        version=int(data.get("version") or 0)))


def activity_reviewed_once(db, consumer: str, envelope: dict) -> bool:
    """``activity_reviewed`` through the inbox in one statement and one round trip (the event rate is the national
    volume of DES): the inbox claim and the upsert are one atomic statement, so the effect happens exactly when
    the claim does. Same effect as ``apply_once(db, consumer, envelope, activity_reviewed)``; False when the event
    was applied already."""
    data = envelope["data"]
    skp_id = _uuid(data.get("skp_id"))
    values = None if skp_id is None else dict(
        activity_id=str(data["activity_id"]), skp_id=skp_id, kegiatan_id=_uuid(data.get("kegiatan_id")),
        nip=data["nip"], tanggal=_date(data["tanggal"]), jenis=data.get("jenis") or "skp",
        kuantitas=Decimal(str(data.get("kuantitas_diakui") or "0")), proses=bool(data.get("proses")),
        version=int(data.get("version") or 0))
    return repo.apply_activity_once(db.engine, consumer, uuid.UUID(str(envelope["event_id"])), values)


def monthly_quality_set(session, envelope: dict) -> None:
    data = envelope["data"]
    skp_id, kegiatan_id = _uuid(data.get("skp_id")), _uuid(data.get("kegiatan_id"))
    if skp_id is None or kegiatan_id is None:
        return
    repo.upsert_monthly_kualitas(session, dict(skp_id=skp_id, kegiatan_id=kegiatan_id, tahun=int(data["tahun"]),
                                               bulan=int(data["bulan"]),
                                               kualitas=Decimal(str(data["kualitas"]))))
