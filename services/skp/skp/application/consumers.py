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

from ekinerja_events.des import ActivityReviewed, MonthlyQualitySet
from ekinerja_events.identity import AssignmentAfter, AssignmentChanged, EmployeeRegistered, PositionChanged

from ..domain import document as d
from ..domain.rhk import RULESET_622
from . import templates
from .handlers import SystemActor, publish_approved, publish_closed
from .ports import SkpUnitOfWork
from .ruleset_setting import ruleset_for


def _uuid(value) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value)) if value else None
    except ValueError:
        return None


# --- identity -----------------------------------------------------------------------------------------------------


def position_changed(uow: SkpUnitOfWork, envelope: dict) -> None:
    event = PositionChanged.from_data(envelope["data"])
    uow.directory.save_position(dict(
        jabatan_id=event.jabatan_id, instansi_id=event.instansi_id, unit_id=event.unit_id, unit_nama=event.unit_nama,
        nama=event.nama, kind=event.kind, job_group=event.job_group, version=event.version,
        jenis_jabatan=event.jenis_jabatan or None, jenjang=event.jenjang or None))


def employee_registered(uow: SkpUnitOfWork, envelope: dict) -> None:
    event = EmployeeRegistered.from_data(envelope["data"])
    uow.directory.save_employee(event.nip, event.nama, event.instansi_id, event.golongan)


def close_moved(uow: SkpUnitOfWork, doc: dict, last_day: dt.date, why: str) -> None:
    """Close an open document at a move: its period ends the day before the new position starts, and its targets
    become those of the months actually served (``served_targets``), audited as ``targets_prorated``."""
    period_end = max(doc["period_start"], min(doc["period_end"], last_day))
    values: dict = {}
    planned = d.months_covered(doc["period_start"], doc["period_end"])
    served = d.months_covered(doc["period_start"], period_end)
    if served < planned and not doc["result_status"]:
        values.update(_prorate_targets(uow, doc, planned, served))
    # A document not yet approved keeps its workflow state: it can still be agreed (submitted, approved) for the
    # months served, and becomes closed when approved (docs/position-templates.md, rule "closed before approval").
    status = d.CLOSED if doc["approved_targets"] is not None else doc["status"]
    uow.documents.update(doc["skp_id"], status=status, closed_reason="moved", period_end=period_end, **values)
    uow.documents.add_audit(doc["skp_id"], SystemActor.subject, "closed_moved",
                            {"period_end": period_end.isoformat(), "why": why})
    publish_closed(uow, uow.documents.get(doc["skp_id"]), "moved", None)


def _amounts(item: dict) -> d.TargetAmounts:
    def number(value):
        return None if value is None or value == "" else Decimal(str(value))
    return d.TargetAmounts(number(item["kuantitas"]), number(item["waktu"]), number(item["biaya"]),
                           number(item.get("angka_kredit")))


def _prorate_targets(uow: SkpUnitOfWork, doc: dict, planned: int, served: int) -> dict:
    """Scale the working kegiatan and the approved targets (the ones in force) to the months served; returns the
    document values to store."""
    fields = ("kuantitas", "waktu", "biaya", "angka_kredit")
    working, approved_changes = [], []
    for row in uow.documents.kegiatan_by_id(doc["skp_id"]).values():
        after = d.served_targets(_amounts(row), planned, served)
        uow.documents.set_target_amounts(row["kegiatan_id"], after)
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
    uow.documents.add_audit(doc["skp_id"], SystemActor.subject, "targets_prorated", {
        "months_planned": planned, "months_served": served,
        "rule": "kuantitas, biaya x served/planned half-up to 0.01 (at least 0.01); angka kredit half-up to 0.001; "
                "waktu capped at the months served; kualitas unchanged",
        "approved": approved_changes, "kegiatan": working})
    return values


def draft_document(uow: SkpUnitOfWork, event: AssignmentChanged, new: AssignmentAfter,
                   period: tuple[dt.date, dt.date]) -> uuid.UUID | None:
    """A document for the new assignment, drafted from its position's current template, else the starter catalogue
    of its jenis jabatan (nothing retyped, §0.11)."""
    source, items = templates.drafting_items(uow, new.jabatan_id, new)
    months = d.months_covered(*period)
    skp_id = uuid.uuid4()
    # the ruleset of the instansi and year in force now; the document keeps it whatever the setting becomes
    ruleset = ruleset_for(uow, event.instansi_id, period[0].year)
    inserted = uow.documents.create(dict(
        skp_id=skp_id, nip=event.nip, instansi_id=event.instansi_id, unit_id=new.unit_id, unit_nama=new.unit_nama,
        jabatan_id=new.jabatan_id, jabatan_nama=new.jabatan_nama or "", kind=new.kind, job_group=new.job_group,
        assignment_id=event.assignment_id, period_start=period[0], period_end=period[1],
        penilai_nip=event.penilai_nip, atasan_penilai_nip=event.atasan_penilai_nip, status=d.DRAFT, ruleset=ruleset))
    if not inserted:  # this assignment's document for the period exists already
        return None
    targets = []
    for nomor, template_item in enumerate(items, start=1):
        item = d.prorated(template_item, months)
        targets.append(d.Target(None, nomor, item.nama, item.satuan, item.kuantitas, item.kualitas, item.waktu,
                                item.biaya, item.angka_kredit))
    uow.documents.insert_kegiatan(skp_id, targets)
    detail = {"assignment_id": event.assignment_id, "jabatan_id": new.jabatan_id,
              "period_start": period[0].isoformat(), "period_end": period[1].isoformat(),
              "kegiatan": len(targets), "source": source, "ruleset": ruleset}
    template_rhk = templates.drafting_rhk(uow, new.jabatan_id) if ruleset == RULESET_622 else None
    if template_rhk is not None:  # a draft plan: the employee still picks the atasan's RHK each one serves
        uow.plans.save(skp_id, pendekatan=template_rhk[0], rhk=template_rhk[1])
        detail["rhk"] = len(template_rhk[1])
    uow.documents.add_audit(skp_id, SystemActor.subject, "drafted", detail)
    return skp_id


def _last_day(event: AssignmentChanged) -> dt.date:
    """The last day of an ended assignment: its old end, else the day before the change takes effect."""
    return (event.old.end if event.old else None) or event.effective_date - dt.timedelta(days=1)


def remember_assignment(uow: SkpUnitOfWork, event: AssignmentChanged, data: dict) -> None:
    """The latest state of an assignment (``data``, the event's own JSON, kept as it came): what the yearly rollover
    drafts the next year's document from."""
    if event.new is not None:
        jabatan_id, start, end = event.new.jabatan_id, event.new.start, event.new.end
    else:  # ended: kept for reference, never rolled over
        jabatan_id, start, end = None, event.old.start if event.old else None, _last_day(event)
    values = dict(nip=event.nip, version=event.version, acting=event.acting, jabatan_id=jabatan_id,
                  start_date=start, end_date=end, data=data)
    uow.directory.save_assignment(event.assignment_id, values)


def assignment_changed(uow: SkpUnitOfWork, envelope: dict) -> None:
    event = AssignmentChanged.from_data(envelope["data"])
    seen = uow.directory.assignment_version(event.assignment_id)
    if seen is not None and seen >= event.version:
        return  # an older or repeated state of this assignment
    remember_assignment(uow, event, envelope["data"])
    if event.acting:
        return  # a plt/plh holds the position for others' chains; it gets no SKP of its own
    mine = [doc for doc in uow.documents.open_of_employee(event.nip) if doc["assignment_id"] == event.assignment_id]
    if event.new is None:
        _assignment_ended(uow, event, mine)
    else:
        _assignment_runs(uow, event, event.new, mine)


def _assignment_ended(uow: SkpUnitOfWork, event: AssignmentChanged, mine: list[dict]) -> None:
    """The assignment ended: its open documents close at its last day."""
    last_day = _last_day(event)
    for doc in mine:
        if last_day < doc["period_end"]:
            close_moved(uow, doc, last_day, "assignment ended")


def _assignment_runs(uow: SkpUnitOfWork, event: AssignmentChanged, new: AssignmentAfter, mine: list[dict]) -> None:
    """The assignment (still) runs: close what a move ends, then update this year's document or draft it."""
    assignment_id = event.assignment_id
    if new.start is None:
        raise ValueError("assignment_changed.new.start is required")  # identity always sends it
    start = new.start
    begins = event.effective_date or start
    year = begins.year
    found = d.period_in_year(start, new.end, year)
    if found is None:
        return
    period: tuple[dt.date, dt.date] = found
    # Only this year's documents change: an earlier year's document keeps its period and penilai (it may still
    # await its result), and a later year's is drafted by its own event or the yearly rollover.
    current = [doc for doc in mine if doc["period_start"].year == year]
    same = [doc for doc in current if doc["jabatan_id"] == new.jabatan_id]
    for doc in current:
        if doc["jabatan_id"] != new.jabatan_id:  # the same assignment now points at another position
            close_moved(uow, doc, begins - dt.timedelta(days=1), "position changed")
            period = (max(period[0], begins), period[1])
    # Another definitive position of this employee, still running when this one starts, ends there (a move).
    for doc in uow.documents.open_of_employee(event.nip):
        if doc["assignment_id"] != assignment_id and doc["period_start"] < period[0] <= doc["period_end"]:
            close_moved(uow, doc, period[0] - dt.timedelta(days=1), "moved to another position")
    if same:
        for doc in same:
            _update_chain(uow, doc, event, period)
        return
    draft_document(uow, event, new, period)


ROLLOVER_BATCH = 200


def rollover_year(uow: SkpUnitOfWork, today: dt.date, limit: int = ROLLOVER_BATCH) -> int:
    """Drafts this year's document for every open, definitive assignment known from identity's events that has
    none yet (an assignment running into a new year gets its new SKP without waiting for an event). Safe to run
    on every replica at once (`Directory.to_roll_over` skips what another unit holds; a second draft is a no-op).
    Returns how many assignments it handled (``limit`` means: call again)."""
    rows = uow.directory.to_roll_over(today.year, limit)
    for row in rows:
        period = d.period_in_year(row.start_date, row.end_date, today.year)
        event = AssignmentChanged.from_data(row.data)  # as it came: it fitted the definition then
        if period is None or event.new is None:
            continue
        skp_id = draft_document(uow, event, event.new, period)
        if skp_id is not None:
            uow.documents.add_audit(skp_id, SystemActor.subject, "rolled_over", {"year": today.year})
    return len(rows)


def _update_chain(uow: SkpUnitOfWork, doc: dict, event: AssignmentChanged,
                  period: tuple[dt.date, dt.date]) -> None:
    """Record a new penilai or atasan penilai (reassignment above the employee) or a new end of the period."""
    values: dict = {}
    for key in ("penilai_nip", "atasan_penilai_nip"):
        if getattr(event, key) != doc[key]:
            values[key] = getattr(event, key)
    if period[1] != doc["period_end"] and doc["result_status"] == "":
        values["period_end"] = period[1]
    if values:
        uow.documents.update(doc["skp_id"], **values)
        uow.documents.add_audit(doc["skp_id"], SystemActor.subject, "chain_updated",
                       {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in values.items()})
        if doc.get("approved_targets") and {"penilai_nip", "atasan_penilai_nip"} & values.keys():
            # des keeps the approved SKP (and routes its review queue) from skp_approved: tell it the new chain
            publish_approved(uow, uow.documents.get(doc["skp_id"]))


# --- des ----------------------------------------------------------------------------------------------------------


def activity_values(envelope: dict) -> dict | None:
    """The reviewed activity of ``activity_reviewed`` as stored: ``kuantitas_diakui`` counts for the year unless it
    is a "proses" entry (DOMAIN §0.15); None for work outside an SKP (it does not count toward realisation)."""
    event = ActivityReviewed.from_data(envelope["data"])
    skp_id = _uuid(event.skp_id)
    if skp_id is None:
        return None
    return dict(activity_id=event.activity_id, skp_id=skp_id, kegiatan_id=_uuid(event.kegiatan_id), nip=event.nip,
                tanggal=event.tanggal, jenis=event.jenis or "skp", kuantitas=event.kuantitas_diakui or Decimal(0),
                proses=event.proses, version=event.version)


def activity_reviewed(uow: SkpUnitOfWork, envelope: dict) -> None:
    """Approved work, on a unit of work (with ``apply_once``): the reference the service's one-statement path
    (entrypoints/events.py ``activity_reviewed_once``) is tested against, and the bench's baseline."""
    values = activity_values(envelope)
    if values is not None:
        uow.documents.upsert_activity(values)


def monthly_quality_set(uow: SkpUnitOfWork, envelope: dict) -> None:
    event = MonthlyQualitySet.from_data(envelope["data"])
    skp_id, kegiatan_id = _uuid(event.skp_id), _uuid(event.kegiatan_id)
    if skp_id is None or kegiatan_id is None:
        return
    uow.documents.upsert_monthly_kualitas(dict(skp_id=skp_id, kegiatan_id=kegiatan_id, tahun=event.tahun,
                                               bulan=event.bulan, kualitas=event.kualitas))
