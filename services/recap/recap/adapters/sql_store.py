"""The reference data kept from identity and skp events (des's activity and plan facts: `recap.adapters.intake`).

`skp_approved` and des's `monthly_targets_set` change an employee's targets, so each recomputes the employee's
maintained achievement (`recap.adapters.achievement_sql`) in the same transaction, under the employee's advisory lock.
"""
from __future__ import annotations

import uuid
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert

from ekinerja_events import identity as identity_events
from ekinerja_events import skp as skp_events
from recap.domain import projection
from recap.domain.periods import parse_date

from . import achievement_sql
from . import tables as t


def _date(raw):
    return parse_date(raw) if raw else None


REBUILDING = "recap.rebuilding"  # session.info flag set by the rebuild


# -- reference data ---------------------------------------------------------------------------------------------

def _upsert(session, table, values: dict, guard=None):
    statement = pg_insert(table).values(values)
    keys = [c.name for c in table.primary_key.columns]
    statement = statement.on_conflict_do_update(index_elements=keys,
                                                set_={k: statement.excluded[k] for k in values if k not in keys},
                                                where=guard(statement) if guard else None)
    session.execute(statement)


def _unit(session, unit_id, instansi_id, nama=None, named_at=""):
    """Known units; the name from the most recent identity event wins, whatever order events arrive in."""
    if not unit_id:
        return
    statement = pg_insert(t.units).values(unit_id=unit_id, instansi_id=instansi_id, nama=nama or unit_id,
                                          named_at=named_at if nama else "")
    if nama:
        statement = statement.on_conflict_do_update(
            index_elements=["unit_id"], set_={"nama": nama, "instansi_id": instansi_id, "named_at": named_at},
            where=t.units.c.named_at < statement.excluded.named_at)
    else:
        statement = statement.on_conflict_do_nothing()
    session.execute(statement)


# identity's and skp's events come a few at a time: read through their payloads (ekinerja_events). des's stream
# (adapters/intake.py, domain/projection.py) keeps dict access: the dataclasses cost 3-5x its parsing there.


def employee_registered(session, envelope):
    e = identity_events.EmployeeRegistered.from_data(envelope["data"])
    # registration states the status at that moment; later status changes are kept as spans beside it
    _upsert(session, t.employees, {"nip": e.nip, "nama": e.nama, "instansi_id": e.instansi_id,
                                   "golongan": e.golongan, "status": e.status})


def employee_status_changed(session, envelope):
    e = identity_events.EmployeeStatusChanged.from_data(envelope["data"])
    if not e.new_status:
        raise projection.BadEvent("employee_status_changed needs effective_date and new_status")
    session.execute(pg_insert(t.status_spans).values(
        event_id=uuid.UUID(str(envelope["event_id"])), nip=e.nip, effective_date=e.effective_date,
        end_date=e.end_date, old_status=e.old_status, new_status=e.new_status,
        occurred_at=envelope.get("occurred_at")).on_conflict_do_nothing())


def position_changed(session, envelope):
    e = identity_events.PositionChanged.from_data(envelope["data"])
    _upsert(session, t.positions, {"jabatan_id": e.jabatan_id, "instansi_id": e.instansi_id, "unit_id": e.unit_id,
                                   "nama": e.nama, "version": e.version},
            guard=lambda s: t.positions.c.version < s.excluded.version)
    _unit(session, e.unit_id, e.instansi_id, e.unit_nama, envelope.get("occurred_at") or "")


def assignment_changed(session, envelope):
    d = envelope["data"]
    new, old = d.get("new"), d.get("old") or {}
    post = new or old
    end = (new or {}).get("end") if new else (old.get("end") or d.get("effective_date"))
    _upsert(session, t.assignments, {
        "assignment_id": str(d["assignment_id"]), "nip": d["nip"], "instansi_id": d.get("instansi_id"),
        "jabatan_id": post.get("jabatan_id"), "unit_id": post.get("unit_id"),
        "start_date": _date(post.get("start") or d.get("effective_date")),
        "end_date": _date(end), "acting": bool(d.get("acting")), "penilai_nip": d.get("penilai_nip"),
        "heads": d.get("heads"), "version": int(d.get("version") or 0)},
        guard=lambda s: t.assignments.c.version < s.excluded.version)
    if new:
        _unit(session, new.get("unit_id"), d.get("instansi_id"), new.get("unit_nama"),
              envelope.get("occurred_at") or "")


def skp_approved(session, envelope):
    d = envelope["data"]
    version = int(d.get("version") or 0)
    current = session.execute(sa.select(t.skps.c.version).where(t.skps.c.skp_id == str(d["skp_id"]))
                              .with_for_update()).scalar()
    if current is not None and current >= version:
        return
    values = {"skp_id": str(d["skp_id"]), "nip": d["nip"], "instansi_id": d.get("instansi_id"),
              "unit_id": d.get("unit_id"), "jabatan_id": d.get("jabatan_id"),
              "period_start": _date(d["period_start"]), "period_end": _date(d["period_end"]),
              "penilai_nip": d.get("penilai_nip"), "version": version}
    _upsert(session, t.skps, values)
    session.execute(t.skp_kegiatan.delete().where(t.skp_kegiatan.c.skp_id == str(d["skp_id"])))
    rows = [{"skp_id": str(d["skp_id"]), "kegiatan_id": str(k["kegiatan_id"]), "nomor": k.get("nomor"),
             "nama": k.get("nama"), "satuan": k.get("satuan"), "kuantitas": Decimal(str(k.get("kuantitas") or 0))}
            for k in d.get("kegiatan") or []]
    if rows:
        session.execute(t.skp_kegiatan.insert().values(rows))
    _unit(session, d.get("unit_id"), d.get("instansi_id"))
    achievement_sql.recompute_employee(session.connection(), d["nip"], lock=not session.info.get(REBUILDING))


def rencana_kinerja_approved(session, envelope):
    """A 6/2022 plan approved: kept as the document's kegiatan, one per IKI (des's reports name the IKI id as their
    kegiatan_id), so the employee recap shows what was reported and approved per IKI in any period, by name and
    against the IKI's target. Same versioning as ``skp_approved`` (one document version sequence)."""
    d = envelope["data"]
    iki = [k for r in d.get("rhk") or [] for k in r.get("iki") or []]
    kegiatan = [{"kegiatan_id": k["iki_id"], "nomor": n, "nama": k.get("uraian"), "satuan": k.get("satuan") or "",
                 "kuantitas": k.get("target") or 0} for n, k in enumerate(iki, start=1)]
    skp_approved(session, {**envelope, "data": {**d, "kegiatan": kegiatan}})


def skp_scored(session, envelope):
    e = skp_events.SkpScored.from_data(envelope["data"])
    _upsert(session, t.skp_scores, {
        "skp_id": e.skp_id, "nip": e.nip, "instansi_id": e.instansi_id, "unit_id": e.unit_id, "year": e.year,
        "penilai_nip": e.penilai_nip, "nilai_capaian_skp": e.nilai_capaian_skp, "nilai_perilaku": e.nilai_perilaku,
        "nilai_prestasi_kerja": e.nilai_prestasi_kerja, "sebutan": e.sebutan,
        "occurred_at": envelope.get("occurred_at") or ""},
        guard=lambda s: t.skp_scores.c.occurred_at < s.excluded.occurred_at)


def evaluasi_rated(session, envelope):
    """A 6/2022 period rated: final in skp, so a redelivery or replay writes the same row (the newest event wins)."""
    d = envelope["data"]
    _upsert(session, t.evaluasi_periodik, {
        "skp_id": str(d["skp_id"]), "periode": d["periode"], "nip": d["nip"], "instansi_id": d.get("instansi_id"),
        "unit_id": d.get("unit_id"), "jenis_periode": d["jenis_periode"],
        "period_start": _date(d["period_start"]), "period_end": _date(d["period_end"]), "bulan": int(d["bulan"]),
        "penilai_nip": d.get("penilai_nip"), "hasil_kerja": d["hasil_kerja"], "perilaku": d["perilaku"],
        "predikat": d["predikat"], "kode_predikat": int(d["kode_predikat"]), "jenjang": d.get("jenjang"),
        "angka_kredit": Decimal(str(d["angka_kredit"])) if d.get("angka_kredit") not in (None, "") else None,
        "realisasi": list(d.get("realisasi") or []), "occurred_at": envelope.get("occurred_at") or ""},
        guard=lambda s: t.evaluasi_periodik.c.occurred_at <= s.excluded.occurred_at)


def skp_closed(session, envelope):
    e = skp_events.SkpClosed.from_data(envelope["data"])
    statement = pg_insert(t.skps).values(skp_id=e.skp_id, nip=e.nip, instansi_id=e.instansi_id,
                                         closed_on=e.period_end, close_reason=e.reason)
    session.execute(statement.on_conflict_do_update(
        index_elements=["skp_id"], set_={"closed_on": statement.excluded.closed_on,
                                         "close_reason": statement.excluded.close_reason}))


def monthly_quality_set(session, envelope):
    d = envelope["data"]
    _upsert(session, t.monthly_quality, {
        "skp_id": str(d["skp_id"]), "kegiatan_id": str(d["kegiatan_id"]), "tahun": int(d["tahun"]),
        "bulan": int(d["bulan"]), "nip": d["nip"], "kualitas": Decimal(str(d["kualitas"])),
        "occurred_at": envelope.get("occurred_at") or ""},
        guard=lambda s: t.monthly_quality.c.occurred_at < s.excluded.occurred_at)


def monthly_targets_set(session, envelope):
    """des's whole split of one SKP document replaces the one kept, unless an equal or newer revision is here."""
    d = envelope["data"]
    skp_id, nip, revision = str(d["skp_id"]), d["nip"], int(d["revision"])
    # two revisions of one document handled at once would both read the old revision and both write their rows:
    # one document's splits are applied one at a time
    session.execute(sa.text("SELECT pg_advisory_xact_lock(hashtext('recap.monthly_targets'), hashtext(:skp_id))"),
                    {"skp_id": skp_id})
    current = session.execute(sa.select(sa.func.max(t.monthly_targets.c.revision))
                              .where(t.monthly_targets.c.skp_id == skp_id)).scalar()
    if current is not None and current >= revision:
        return
    session.execute(t.monthly_targets.delete().where(t.monthly_targets.c.skp_id == skp_id))
    rows = projection.monthly_target_rows(envelope)
    if rows:
        session.execute(t.monthly_targets.insert().values(rows))
    achievement_sql.recompute_employee(session.connection(), nip, lock=not session.info.get(REBUILDING))


REFERENCE_HANDLERS = {
    "employee_registered": employee_registered, "employee_status_changed": employee_status_changed,
    "position_changed": position_changed, "assignment_changed": assignment_changed,
    "skp_approved": skp_approved, "skp_scored": skp_scored, "skp_closed": skp_closed,
    "evaluasi_rated": evaluasi_rated, "rencana_kinerja_approved": rencana_kinerja_approved,
    "monthly_quality_set": monthly_quality_set, "monthly_targets_set": monthly_targets_set,
}
