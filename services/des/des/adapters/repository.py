"""SQL for des: reading and writing SKP copies, activities, plans, locks, evidence and the audit trail."""
from __future__ import annotations

import datetime as dt
import json
import uuid
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert

from ..application.access import month_range
from ..domain.activity import Activity, ActivityContent
from ..domain.quick_entry import Kegiatan
from .tables import (
    activities,
    audit_trail,
    daily_plans,
    employees,
    evidence_files,
    import_records,
    instansi_settings,
    monthly_targets,
    period_locks,
    skp_documents,
    skp_kegiatan,
)

_known_partitions: set[tuple[int, int]] = set()


def known_partition(tanggal: dt.date) -> bool:
    return (tanggal.year, tanggal.month) in _known_partitions


def remember_partition(tanggal: dt.date) -> None:
    _known_partitions.add((tanggal.year, tanggal.month))


def ensure_partition(session, tanggal: dt.date) -> None:
    """Create the month's activity partition if this process has not seen it yet (the function is idempotent)."""
    if not known_partition(tanggal):
        session.execute(sa.text("SELECT des_ensure_activity_partition(:d)"), {"d": tanggal})
        remember_partition(tanggal)


# -- SKP copies ---------------------------------------------------------------------------------------------------

def skp_for_date(session, nip: str, tanggal: dt.date):
    """The SKP document of `nip` covering `tanggal` (the latest one starting on or before it), or None."""
    return session.execute(
        sa.select(skp_documents).where(skp_documents.c.nip == nip, skp_documents.c.period_start <= tanggal,
                                       skp_documents.c.period_end >= tanggal, skp_documents.c.closed.is_(False))
        .order_by(skp_documents.c.period_start.desc()).limit(1)).first()


def skp_by_id(session, nip: str | None, skp_id: str):
    query = sa.select(skp_documents).where(skp_documents.c.skp_id == skp_id)
    if nip:
        query = query.where(skp_documents.c.nip == nip)
    return session.execute(query).first()


def kegiatan_of(session, nip: str, skp_id: str) -> list[Kegiatan]:
    rows = session.execute(sa.select(skp_kegiatan).where(skp_kegiatan.c.nip == nip, skp_kegiatan.c.skp_id == skp_id)
                           .order_by(skp_kegiatan.c.nomor))
    return [Kegiatan(r.kegiatan_id, r.nomor, r.nama, r.satuan) for r in rows]


def kegiatan_rows(session, nip: str, skp_id: str):
    return session.execute(sa.select(skp_kegiatan).where(skp_kegiatan.c.nip == nip, skp_kegiatan.c.skp_id == skp_id)
                           .order_by(skp_kegiatan.c.nomor)).all()


def heads_of(session, nip: str) -> frozenset[str]:
    """Who may read `nip`'s work as a head up the chain: identity's heads and the atasan penilai of its SKPs."""
    heads = session.execute(sa.select(employees.c.heads).where(employees.c.nip == nip)).scalar() or []
    atasan = session.execute(sa.select(skp_documents.c.atasan_penilai_nip).where(
        skp_documents.c.nip == nip, skp_documents.c.atasan_penilai_nip.is_not(None))).scalars().all()
    return frozenset([*heads, *atasan])


def employee_instansi(session, nip: str) -> str | None:
    row = session.execute(sa.select(skp_documents.c.instansi_id).where(skp_documents.c.nip == nip)
                          .order_by(skp_documents.c.period_start.desc()).limit(1)).first()
    if row:
        return row[0]
    row = session.execute(sa.select(employees.c.instansi_id).where(employees.c.nip == nip)).first()
    return row[0] if row else None


def window_days(session, instansi_id: str, default: int) -> int:
    row = session.execute(sa.select(instansi_settings.c.window_days)
                          .where(instansi_settings.c.instansi_id == instansi_id)).first()
    return default if row is None else int(row[0])


# -- locks --------------------------------------------------------------------------------------------------------

def lock_skp_copy(session, nip: str, skp_id: str) -> None:
    """Hold the employee's SKP copy until the transaction ends (serialises the lockers of one employee)."""
    session.execute(sa.select(skp_documents.c.nip).where(
        skp_documents.c.nip == nip, skp_documents.c.skp_id == skp_id).with_for_update())


def active_lock(session, nip: str, start: dt.date, end: dt.date | None = None):
    end = end or start
    return session.execute(sa.select(period_locks).where(
        period_locks.c.nip == nip, period_locks.c.unlocked_at.is_(None),
        period_locks.c.tanggal_start <= end, period_locks.c.tanggal_end >= start).limit(1)).first()


# -- activities ---------------------------------------------------------------------------------------------------

def _content(row) -> ActivityContent:
    return ActivityContent(tanggal=row.tanggal, jenis=row.jenis, uraian=row.uraian, kuantitas=row.kuantitas,
                           satuan=row.satuan, kegiatan_id=row.kegiatan_id, menit=row.menit, jam_mulai=row.jam_mulai,
                           jam_selesai=row.jam_selesai, proses=row.proses, evidence_url=row.evidence_url)


def to_domain(row) -> Activity:
    return Activity(activity_id=str(row.activity_id), nip=row.nip, penilai_nip=row.penilai_nip, content=_content(row),
                    state=row.state, version=row.version, kuantitas_diakui=row.kuantitas_diakui,
                    catatan=row.catatan, reviewer_nip=row.reviewer_nip)


def _made_on(key: uuid.UUID) -> dt.date | None:
    """The UTC day a uuid7 was drawn (its first 48 bits count Unix milliseconds); None for another version."""
    if key.version != 7:
        return None
    return dt.datetime.fromtimestamp((key.int >> 80) / 1000, dt.timezone.utc).date()


def activity_row(session, activity_id: str, *, for_update: bool = False):
    """The row of an id alone (a review names no NIP). An entry is dated on or before the day its id was drawn and
    at the earliest in the month before (the entry window, domain/entry_window.py), so that range is read first:
    with months split by NIP hash (migration 0010) an id alone would otherwise probe every month's every
    sub-partition (592 tables: ~8x slower, docs/scale.md). Imported history and non-uuid7 ids fall back to the
    whole table."""
    try:
        key = uuid.UUID(activity_id)
    except (ValueError, AttributeError, TypeError):
        return None
    query = sa.select(activities).where(activities.c.activity_id == key)
    if for_update:
        query = query.with_for_update()
    made = _made_on(key)
    if made is not None:
        first = (made.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
        row = session.execute(query.where(activities.c.tanggal.between(first, made + dt.timedelta(days=1)))).first()
        if row is not None:
            return row
    return session.execute(query).first()


def content_values(content: ActivityContent) -> dict:
    return dict(jenis=content.jenis, uraian=content.uraian, kuantitas=content.kuantitas, satuan=content.satuan,
                kegiatan_id=content.kegiatan_id, menit=content.menit, jam_mulai=content.jam_mulai,
                jam_selesai=content.jam_selesai, proses=content.proses, evidence_url=content.evidence_url)


def insert_activity(session, activity: Activity, *, instansi_id, unit_id, skp_id, source, evidence_id=None,
                    now: dt.datetime):
    ensure_partition(session, activity.content.tanggal)
    session.execute(activities.insert().values(
        nip=activity.nip, tanggal=activity.content.tanggal, activity_id=uuid.UUID(activity.activity_id),
        instansi_id=instansi_id, unit_id=unit_id, skp_id=skp_id, state=activity.state, version=activity.version,
        penilai_nip=activity.penilai_nip, source=source, evidence_id=evidence_id,
        submitted_at=None if activity.state == "draft" else now, created_at=now, updated_at=now,
        **content_values(activity.content)))


def save_activity(session, activity: Activity, *, now: dt.datetime, submitted: bool = False, reviewed: bool = False,
                  evidence_id=None, content_changed: bool = False):
    values = dict(state=activity.state, version=activity.version, kuantitas_diakui=activity.kuantitas_diakui,
                  catatan=activity.catatan, reviewer_nip=activity.reviewer_nip, updated_at=now)
    if content_changed:
        values.update(content_values(activity.content))
        if evidence_id is not None:
            values["evidence_id"] = evidence_id
    if submitted:
        values["submitted_at"] = now
    if reviewed:
        values["reviewed_at"] = now
    result = session.execute(activities.update().where(
        activities.c.nip == activity.nip, activities.c.tanggal == activity.content.tanggal,
        activities.c.activity_id == uuid.UUID(activity.activity_id),
        activities.c.version == activity.version - 1).values(**values))
    if result.rowcount != 1:  # pragma: no cover - rows are locked FOR UPDATE before a change
        raise RuntimeError("activity changed underneath a locked update")


def keyset(query, columns, after: tuple | None, limit: int | None):
    """`query` ordered by `columns` (a unique key), the rows after `after` (a page token's key), `limit` of them."""
    if after is not None:
        query = query.where(sa.tuple_(*columns) > sa.tuple_(*(sa.bindparam(None, value, type_=column.type)
                                                               for column, value in zip(columns, after, strict=True))))
    query = query.order_by(*columns)
    return query.limit(limit) if limit is not None else query


ACTIVITY_ORDER = (activities.c.tanggal, activities.c.created_at, activities.c.activity_id)
REVIEW_ORDER = (activities.c.tanggal, sa.func.coalesce(activities.c.submitted_at, activities.c.created_at),
                activities.c.activity_id)


def list_activities(session, nip: str, start: dt.date, end: dt.date, state: str | None = None,
                    after: tuple | None = None, limit: int | None = None):
    query = sa.select(activities).where(activities.c.nip == nip, activities.c.tanggal.between(start, end))
    if state:
        query = query.where(activities.c.state == state)
    return session.execute(keyset(query, ACTIVITY_ORDER, after, limit)).all()


_NAMED = activities.outerjoin(employees, employees.c.nip == activities.c.nip).outerjoin(
    skp_kegiatan, sa.and_(skp_kegiatan.c.nip == activities.c.nip, skp_kegiatan.c.skp_id == activities.c.skp_id,
                          skp_kegiatan.c.kegiatan_id == activities.c.kegiatan_id))
_WITH_NAMES = (activities, employees.c.nama.label("nama"), skp_kegiatan.c.nama.label("kegiatan_nama"))
AWAITING = ("submitted", "resubmitted")


def review_queue(session, penilai_nip: str, start: dt.date | None, end: dt.date | None, limit: int,
                 after: tuple | None = None):
    """What waits for `penilai_nip`, with the employee's and the kegiatan's names."""
    query = sa.select(*_WITH_NAMES).select_from(_NAMED).where(activities.c.penilai_nip == penilai_nip,
                                                              activities.c.state.in_(AWAITING))
    if start:
        query = query.where(activities.c.tanggal.between(start, end))
    return session.execute(keyset(query, REVIEW_ORDER, after, limit)).all()


def day_awaiting_review(session, nip: str, tanggal: dt.date) -> list[str]:
    """The ids of the employee-day's entries that wait for review (ApproveDay)."""
    return [str(r) for r in session.execute(sa.select(activities.c.activity_id).where(
        activities.c.nip == nip, activities.c.tanggal == tanggal, activities.c.state.in_(AWAITING))
        .order_by(activities.c.activity_id)).scalars()]


def unrated_months(session, penilai_nip: str, today: dt.date, limit: int = 500):
    """Kegiatan-months of the penilai's subordinates with approved work and no kualitas ("kualitas belum dinilai")."""
    start = sa.func.make_date(monthly_targets.c.tahun, monthly_targets.c.bulan, 1)
    done = sa.select(sa.func.sum(sa.func.coalesce(activities.c.kuantitas_diakui, activities.c.kuantitas))).where(
        activities.c.nip == monthly_targets.c.nip, activities.c.skp_id == monthly_targets.c.skp_id,
        activities.c.kegiatan_id == monthly_targets.c.kegiatan_id, activities.c.state.in_(("approved", "locked")),
        activities.c.tanggal >= start, activities.c.tanggal < start + sa.text("interval '1 month'"),
    ).scalar_subquery()
    query = (sa.select(monthly_targets.c.nip, employees.c.nama, monthly_targets.c.skp_id,
                       monthly_targets.c.kegiatan_id, skp_kegiatan.c.nama.label("kegiatan_nama"),
                       skp_kegiatan.c.satuan, monthly_targets.c.tahun, monthly_targets.c.bulan,
                       done.label("realisasi"))
             .select_from(monthly_targets.join(skp_documents, sa.and_(
                 skp_documents.c.nip == monthly_targets.c.nip, skp_documents.c.skp_id == monthly_targets.c.skp_id))
                 .join(skp_kegiatan, sa.and_(skp_kegiatan.c.nip == monthly_targets.c.nip,
                                             skp_kegiatan.c.skp_id == monthly_targets.c.skp_id,
                                             skp_kegiatan.c.kegiatan_id == monthly_targets.c.kegiatan_id))
                 .outerjoin(employees, employees.c.nip == monthly_targets.c.nip))
             .where(skp_documents.c.penilai_nip == penilai_nip, monthly_targets.c.kualitas.is_(None),
                    start <= today, done > 0)  # a month not begun has no work to rate
             .order_by(monthly_targets.c.tahun, monthly_targets.c.bulan, monthly_targets.c.nip,
                       skp_kegiatan.c.nomor))
    return session.execute(query.limit(limit)).all()


def locks(session, nip: str, start: dt.date | None, end: dt.date | None, include_lifted: bool):
    query = sa.select(period_locks).where(period_locks.c.nip == nip)
    if start:
        query = query.where(period_locks.c.tanggal_start <= end, period_locks.c.tanggal_end >= start)
    if not include_lifted:
        query = query.where(period_locks.c.unlocked_at.is_(None))
    return session.execute(query.order_by(period_locks.c.tanggal_start, period_locks.c.locked_at)).all()


# -- evidence -----------------------------------------------------------------------------------------------------

def insert_evidence(session, nip: str, data: bytes, content_type: str, sha256: str) -> uuid.UUID:
    evidence_id = uuid.uuid4()
    session.execute(evidence_files.insert().values(nip=nip, evidence_id=evidence_id, content_type=content_type,
                                                   size=len(data), sha256=sha256, data=data))
    return evidence_id


def evidence(session, nip: str, evidence_id):
    return session.execute(sa.select(evidence_files).where(evidence_files.c.nip == nip,
                                                           evidence_files.c.evidence_id == evidence_id)).first()


# -- plans --------------------------------------------------------------------------------------------------------

def insert_plan(session, **values) -> None:
    session.execute(daily_plans.insert().values(**values))


PLAN_ORDER = (daily_plans.c.tanggal, daily_plans.c.created_at, daily_plans.c.plan_id)


def list_plans(session, nip: str, start: dt.date, end: dt.date, after: tuple | None = None,
               limit: int | None = None):
    query = sa.select(daily_plans).where(daily_plans.c.nip == nip, daily_plans.c.tanggal.between(start, end))
    return session.execute(keyset(query, PLAN_ORDER, after, limit)).all()


# -- monthly targets ----------------------------------------------------------------------------------------------

def targets(session, nip: str, skp_id: str, month: tuple[int, int] | None = None):
    """The SKP's monthly targets with their kegiatan's nomor, nama and satuan; `month` (tahun, bulan): that one's."""
    query = (sa.select(monthly_targets, skp_kegiatan.c.nomor, skp_kegiatan.c.nama, skp_kegiatan.c.satuan)
             .join(skp_kegiatan, sa.and_(skp_kegiatan.c.nip == monthly_targets.c.nip,
                                         skp_kegiatan.c.skp_id == monthly_targets.c.skp_id,
                                         skp_kegiatan.c.kegiatan_id == monthly_targets.c.kegiatan_id))
             .where(monthly_targets.c.nip == nip, monthly_targets.c.skp_id == skp_id))
    if month is not None:
        query = query.where(monthly_targets.c.tahun == month[0], monthly_targets.c.bulan == month[1])
    return session.execute(query.order_by(skp_kegiatan.c.nomor, monthly_targets.c.tahun,
                                          monthly_targets.c.bulan)).all()


RECOGNISED = ("approved", "locked")


def month_totals(session, nip: str, skp_id: str, start: dt.date, end: dt.date) -> dict[str, tuple]:
    """Per kegiatan of the SKP, over [start, end]: (reported: every state but draft, recognised: approved or
    locked, at kuantitas_diakui when the penilai set one), summed by the database rather than shipped row by row."""
    recognised = sa.func.coalesce(activities.c.kuantitas_diakui, activities.c.kuantitas)
    rows = session.execute(
        sa.select(activities.c.kegiatan_id,
                  sa.func.sum(activities.c.kuantitas).filter(activities.c.state != "draft"),
                  sa.func.sum(recognised).filter(activities.c.state.in_(RECOGNISED)))
        .where(activities.c.nip == nip, activities.c.skp_id == skp_id, activities.c.tanggal.between(start, end))
        .group_by(activities.c.kegiatan_id))
    return {kegiatan_id: (reported or 0, done or 0) for kegiatan_id, reported, done in rows}


def upsert_targets(session, nip, skp_id, kegiatan_id, values: dict, actor: str) -> None:
    rows = [dict(nip=nip, skp_id=skp_id, kegiatan_id=kegiatan_id, tahun=y, bulan=m, kuantitas=q, updated_by=actor)
            for (y, m), q in values.items()]
    stmt = pg_insert(monthly_targets).values(rows)
    session.execute(stmt.on_conflict_do_update(
        index_elements=["nip", "skp_id", "kegiatan_id", "tahun", "bulan"],
        set_={"kuantitas": stmt.excluded.kuantitas, "updated_by": stmt.excluded.updated_by,
              "updated_at": sa.func.now()}))
    session.execute(monthly_targets.delete().where(
        monthly_targets.c.nip == nip, monthly_targets.c.skp_id == skp_id, monthly_targets.c.kegiatan_id == kegiatan_id,
        sa.tuple_(monthly_targets.c.tahun, monthly_targets.c.bulan).not_in(list(values))))


# -- audit trail --------------------------------------------------------------------------------------------------

def audit(session, nip: str, entity: str, entity_id: str, action: str, actor: str, before, after,
          reason: str | None = None) -> None:
    session.execute(audit_trail.insert().values(nip=nip, entity=entity, entity_id=str(entity_id), action=action,
                                                actor=actor, before=before, after=after, reason=reason))


def audit_records(session, nip: str, entity_id: str | None, after: tuple | None = None, limit: int | None = None):
    query = sa.select(audit_trail).where(audit_trail.c.nip == nip)
    if entity_id:
        query = query.where(audit_trail.c.entity_id == entity_id)
    return session.execute(keyset(query, (audit_trail.c.audit_id,), after, limit)).all()


def dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


__all__ = ["Decimal", "import_records", "instansi_settings", "month_range", "period_locks", "skp_documents",
           "skp_kegiatan"]


_CONTEXT_SQL = sa.text("""
SELECT s.nip, s.skp_id, s.instansi_id, s.unit_id, s.penilai_nip, s.period_start, s.period_end,
       (SELECT w.window_days FROM instansi_settings w WHERE w.instansi_id = s.instansi_id) AS window_days,
       EXISTS (SELECT 1 FROM period_locks l WHERE l.nip = s.nip AND l.unlocked_at IS NULL
               AND l.tanggal_start <= :tanggal AND l.tanggal_end >= :tanggal) AS locked,
       k.kegiatan_id, k.satuan AS kegiatan_satuan, k.nomor AS kegiatan_nomor, s.ruleset
FROM skp_documents s
LEFT JOIN skp_kegiatan k ON k.nip = s.nip AND k.skp_id = s.skp_id AND k.kegiatan_id = :kegiatan_id
WHERE s.nip = :nip AND s.period_start <= :tanggal AND s.period_end >= :tanggal AND NOT s.closed
ORDER BY s.period_start DESC LIMIT 1
""")


def entry_context(session, nip: str, tanggal: dt.date, kegiatan_id: str | None):
    """In one round trip: the SKP covering the day, the instansi's entry window, whether the day is locked and
    the named kegiatan (None columns when it is not on that SKP)."""
    return session.execute(_CONTEXT_SQL, {"nip": nip, "tanggal": tanggal, "kegiatan_id": kegiatan_id or ""}).first()


def monthly_targets_table():
    return monthly_targets


def target_key(nip, skp_id, kegiatan_id, tahun, bulan):
    c = monthly_targets.c
    return (c.nip == nip, c.skp_id == skp_id, c.kegiatan_id == kegiatan_id, c.tahun == tahun, c.bulan == bulan)
