"""Reading and writing SKP documents and what hangs off them, on a SQLAlchemy session (one unit of work)."""
from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert

from ekinerja_platform import clock
from ekinerja_platform.db import inbox_table
from ekinerja_platform.domain_errors import InvalidArgument, NotFound

from ..domain.document import Target, parse_id, plain, realised_kualitas, snapshot  # noqa: F401 - re-exported
from . import tables as t


def get_document(session, skp_id: uuid.UUID, *, lock: bool = False) -> dict:
    query = sa.select(t.documents).where(t.documents.c.skp_id == skp_id)
    if lock:
        query = query.with_for_update()
    row = session.execute(query).mappings().first()
    if row is None:
        raise NotFound("no such SKP document", field="skp_id")
    return dict(row)


def documents_of(session, nip: str, year: int = 0) -> list[dict]:
    query = sa.select(t.documents).where(t.documents.c.nip == nip)
    if year:
        query = query.where(t.documents.c.period_start <= dt.date(year, 12, 31),
                            t.documents.c.period_end >= dt.date(year, 1, 1))
    return [dict(r) for r in session.execute(query.order_by(t.documents.c.period_start)).mappings()]


def open_documents_of(session, nip: str, *, lock: bool = True) -> list[dict]:
    """Documents still running (a document closed by a move before approval keeps its workflow state but has a
    ``closed_reason``: it is not running)."""
    query = sa.select(t.documents).where(t.documents.c.nip == nip, t.documents.c.status != "closed",
                                         t.documents.c.closed_reason.is_(None))
    if lock:
        query = query.with_for_update()
    return [dict(r) for r in session.execute(query.order_by(t.documents.c.period_start)).mappings()]


def update_document(session, skp_id: uuid.UUID, **values) -> None:
    session.execute(t.documents.update().where(t.documents.c.skp_id == skp_id).values(
        version=t.documents.c.version + 1, updated_at=sa.func.now(), **values))


def add_audit(session, skp_id: uuid.UUID, actor: str, action: str, detail: dict | None = None) -> None:
    session.execute(t.audit.insert().values(skp_id=skp_id, actor=actor, action=action, detail=detail or {}))


def audit_entries(session, skp_id: uuid.UUID, after_id: int | None = None, limit: int | None = None) -> list[dict]:
    query = sa.select(t.audit).where(t.audit.c.skp_id == skp_id).order_by(t.audit.c.id).limit(limit)
    if after_id is not None:
        query = query.where(t.audit.c.id > after_id)
    return [dict(r) for r in session.execute(query).mappings()]


# --- kegiatan -----------------------------------------------------------------------------------------------------


def active_kegiatan(session, skp_id: uuid.UUID) -> list[dict]:
    return [dict(r) for r in session.execute(
        sa.select(t.kegiatan).where(t.kegiatan.c.skp_id == skp_id, t.kegiatan.c.active)
        .order_by(t.kegiatan.c.nomor)).mappings()]


def kegiatan_by_id(session, skp_id: uuid.UUID) -> dict[uuid.UUID, dict]:
    return {r["kegiatan_id"]: dict(r) for r in session.execute(
        sa.select(t.kegiatan).where(t.kegiatan.c.skp_id == skp_id)).mappings()}


def insert_kegiatan(session, skp_id: uuid.UUID, targets: list[Target]) -> None:
    for target in targets:
        session.execute(t.kegiatan.insert().values(
            kegiatan_id=uuid.uuid4(), skp_id=skp_id, nomor=target.nomor, nama=target.nama, satuan=target.satuan,
            kuantitas=target.kuantitas, kualitas=target.kualitas, waktu=target.waktu, biaya=target.biaya,
            angka_kredit=target.angka_kredit))


def replace_kegiatan(session, skp_id: uuid.UUID, targets: list[Target]) -> list[dict]:
    """The working kegiatan become ``targets``: known ids are updated, new ones inserted, missing ones deactivated
    (kept, so realisation recorded against them is never lost). Returns what changed, for the audit."""
    existing = kegiatan_by_id(session, skp_id)
    keep = set()
    changes = []
    for target in targets:
        values = dict(nomor=target.nomor, nama=target.nama, satuan=target.satuan, kuantitas=target.kuantitas,
                      kualitas=target.kualitas, waktu=target.waktu, biaya=target.biaya,
                      angka_kredit=target.angka_kredit, active=True)
        if target.kegiatan_id:
            kid = parse_id(target.kegiatan_id, f"kegiatan[{target.nomor - 1}].kegiatan_id")
            if kid not in existing:
                raise InvalidArgument("not a kegiatan of this document", field=f"kegiatan[{target.nomor - 1}]"
                                      ".kegiatan_id")
            before = existing[kid]
            diff = {k: [_shown(before[k]), _shown(v)] for k, v in values.items() if _shown(before[k]) != _shown(v)}
            if diff:
                changes.append({"kegiatan_id": str(kid), "changed": diff})
            session.execute(t.kegiatan.update().where(t.kegiatan.c.kegiatan_id == kid).values(**values))
            keep.add(kid)
        else:
            kid = uuid.uuid4()
            session.execute(t.kegiatan.insert().values(kegiatan_id=kid, skp_id=skp_id, **values))
            changes.append({"kegiatan_id": str(kid), "added": target.nama})
    for kid, row in existing.items():
        if kid not in keep and row["active"]:
            session.execute(t.kegiatan.update().where(t.kegiatan.c.kegiatan_id == kid).values(active=False))
            changes.append({"kegiatan_id": str(kid), "removed": row["nama"]})
    return changes


def _shown(value):
    if isinstance(value, Decimal):
        return plain(value)
    return value


def set_realisasi(session, kegiatan_id: uuid.UUID, waktu: Decimal, biaya: Decimal | None) -> None:
    session.execute(t.kegiatan.update().where(t.kegiatan.c.kegiatan_id == kegiatan_id).values(
        realisasi_waktu=waktu, realisasi_biaya=biaya))


def set_target_amounts(session, kegiatan_id: uuid.UUID, amounts) -> None:
    """Store a kegiatan's period-dependent targets (``document.TargetAmounts``)."""
    session.execute(t.kegiatan.update().where(t.kegiatan.c.kegiatan_id == kegiatan_id).values(
        kuantitas=amounts.kuantitas, waktu=amounts.waktu, biaya=amounts.biaya, angka_kredit=amounts.angka_kredit))


# --- realisation --------------------------------------------------------------------------------------------------


def realisation(session, skp_id: uuid.UUID) -> dict[uuid.UUID, dict]:
    """Per kegiatan: RO (approved, non-proses SKP activities) and RK (mean of the monthly kualitas)."""
    ro = dict(session.execute(
        sa.select(t.activities.c.kegiatan_id, sa.func.sum(t.activities.c.kuantitas))
        .where(t.activities.c.skp_id == skp_id, t.activities.c.jenis == "skp", ~t.activities.c.proses,
               t.activities.c.kegiatan_id.is_not(None))
        .group_by(t.activities.c.kegiatan_id)).all())
    months: dict[uuid.UUID, list[Decimal]] = {}
    for kid, kualitas in session.execute(
            sa.select(t.monthly_kualitas.c.kegiatan_id, t.monthly_kualitas.c.kualitas)
            .where(t.monthly_kualitas.c.skp_id == skp_id)
            .order_by(t.monthly_kualitas.c.tahun, t.monthly_kualitas.c.bulan)):
        months.setdefault(kid, []).append(kualitas)
    out = {}
    for kid in set(ro) | set(months):
        out[kid] = {"kuantitas": ro.get(kid) or Decimal(0), "kualitas": realised_kualitas(months.get(kid, [])),
                    "bulan_dinilai": len(months.get(kid, []))}
    return out


def unrated_kegiatan(session, skp_id: uuid.UUID) -> dict[uuid.UUID, list[tuple[int, int]]]:
    """The kegiatan with approved work (RO > 0) and no monthly kualitas at all, each with its months of work.
    (A kegiatan rated in some months has RK = the mean of those months, DOMAIN §2.3; one never rated would
    score kualitas 0.)"""
    a = t.activities
    tahun = sa.cast(sa.extract("year", a.c.tanggal), sa.Integer)
    bulan = sa.cast(sa.extract("month", a.c.tanggal), sa.Integer)
    worked = session.execute(
        sa.select(a.c.kegiatan_id, tahun, bulan)
        .where(a.c.skp_id == skp_id, a.c.jenis == "skp", a.c.kegiatan_id.is_not(None))
        .group_by(a.c.kegiatan_id, tahun, bulan).having(sa.func.sum(a.c.kuantitas) > 0)
        .order_by(tahun, bulan)).all()
    rated = set(session.execute(sa.select(t.monthly_kualitas.c.kegiatan_id).where(
        t.monthly_kualitas.c.skp_id == skp_id)).scalars())
    out: dict[uuid.UUID, list[tuple[int, int]]] = {}
    for kid, y, m in worked:
        if kid not in rated:
            out.setdefault(kid, []).append((y, m))
    return out


def upsert_activity(session, values: dict) -> None:
    """Keep the highest version of each reviewed activity (events may arrive out of order)."""
    statement = pg_insert(t.activities).values(**values)
    excluded = statement.excluded
    session.execute(statement.on_conflict_do_update(
        index_elements=[t.activities.c.activity_id],
        set_={c: excluded[c] for c in ("skp_id", "kegiatan_id", "tanggal", "jenis", "kuantitas", "proses",
                                       "version")},
        where=t.activities.c.version < excluded.version))


_ACTIVITY_COLUMNS = ("activity_id", "skp_id", "kegiatan_id", "nip", "tanggal", "jenis", "kuantitas", "proses",
                     "version")
_ACTIVITY_TYPES = dict(activity_id="text", skp_id="uuid", kegiatan_id="uuid", nip="text", tanggal="date",
                       jenis="text", kuantitas="numeric", proses="boolean", version="bigint")
_CLAIM = f"INSERT INTO {inbox_table.name} (consumer, event_id) VALUES (:consumer, CAST(:event_id AS uuid)) " \
         "ON CONFLICT DO NOTHING RETURNING event_id"
_CLAIM_AND_UPSERT = sa.text(
    f"WITH claimed AS ({_CLAIM}), "
    f"applied AS (INSERT INTO {t.activities.name} AS a ({', '.join(_ACTIVITY_COLUMNS)}) "
    f"SELECT {', '.join(f'CAST(:{c} AS {_ACTIVITY_TYPES[c]})' for c in _ACTIVITY_COLUMNS)} FROM claimed "
    "ON CONFLICT (activity_id) DO UPDATE SET "
    f"{', '.join(f'{c} = excluded.{c}' for c in _ACTIVITY_COLUMNS if c not in ('activity_id', 'nip'))} "
    "WHERE a.version < excluded.version RETURNING 1) "
    "SELECT count(*) FROM claimed")
_CLAIM_ONLY = sa.text(f"WITH claimed AS ({_CLAIM}) SELECT count(*) FROM claimed")


def apply_activity_once(engine, consumer: str, event_id: uuid.UUID, values: dict | None) -> bool:
    """Claim the event in the inbox and keep the highest version of the reviewed activity (``values``; None: only
    claim) in ONE statement on an autocommit connection: one round trip, atomic (a statement is its own
    transaction: the activity changes exactly when the claim is recorded). False if the event was claimed before.
    The same effect as ``outbox.claim_event`` + ``upsert_activity`` in a unit of work, without BEGIN/COMMIT."""
    params = {"consumer": consumer, "event_id": event_id}
    with engine.connect() as conn:
        conn = conn.execution_options(isolation_level="AUTOCOMMIT")
        if values is None:
            return bool(conn.execute(_CLAIM_ONLY, params).scalar())
        return bool(conn.execute(_CLAIM_AND_UPSERT, {**params, **values}).scalar())


def upsert_monthly_kualitas(session, values: dict) -> None:
    statement = pg_insert(t.monthly_kualitas).values(**values)
    session.execute(statement.on_conflict_do_update(
        index_elements=["skp_id", "kegiatan_id", "tahun", "bulan"], set_={"kualitas": statement.excluded.kualitas}))


def tugas_tambahan_of(session, skp_id: uuid.UUID) -> list[dict]:
    return [dict(r) for r in session.execute(
        sa.select(t.tugas_tambahan).where(t.tugas_tambahan.c.skp_id == skp_id)
        .order_by(t.tugas_tambahan.c.tanggal, t.tugas_tambahan.c.id)).mappings()]


def heads_of(session, doc: dict) -> frozenset[str]:
    """The heads up the chain of the document's assignment (identity's `heads`, as last told): read only."""
    data = session.execute(sa.select(t.assignments.c.data).where(
        t.assignments.c.assignment_id == doc["assignment_id"])).scalar() or {}
    return frozenset(data.get("heads") or ())


def employee_instansi(session, nip: str) -> str | None:
    return session.execute(sa.select(t.employees.c.instansi_id).where(t.employees.c.nip == nip)).scalar()


def employee_name(session, nip: str) -> str:
    return session.execute(sa.select(t.employees.c.nama).where(t.employees.c.nip == nip)).scalar() or ""


def view(session, doc: dict) -> dict:
    """A document with its working kegiatan (and their realisation), tugas tambahan and the employee's name."""
    realised = realisation(session, doc["skp_id"])
    kegiatan = []
    for row in active_kegiatan(session, doc["skp_id"]):
        r = realised.get(row["kegiatan_id"], {"kuantitas": Decimal(0), "kualitas": None, "bulan_dinilai": 0})
        kegiatan.append({**row, "realisasi": {**r, "waktu": row["realisasi_waktu"], "biaya": row["realisasi_biaya"]}})
    return {**doc, "kegiatan": kegiatan, "tugas_tambahan": tugas_tambahan_of(session, doc["skp_id"]),
            "nama": employee_name(session, doc["nip"])}


def person_on_forms(session, nip: str | None) -> dict | None:
    """What the official forms print about a person: name and golongan (identity's ``employee_registered``) and the
    jabatan and unit of their current own (not acting) assignment; None for no NIP."""
    if not nip:
        return None
    employee = session.execute(sa.select(t.employees.c.nama, t.employees.c.golongan)
                               .where(t.employees.c.nip == nip)).first()
    assignment = session.execute(
        sa.select(t.assignments.c.jabatan_id, t.assignments.c.data, t.positions.c.nama, t.positions.c.unit_nama)
        .select_from(t.assignments.outerjoin(t.positions, t.positions.c.jabatan_id == t.assignments.c.jabatan_id))
        .where(t.assignments.c.nip == nip, t.assignments.c.jabatan_id.is_not(None), sa.not_(t.assignments.c.acting))
        .order_by(t.assignments.c.start_date.desc().nulls_last()).limit(1)).first()
    new = ((assignment.data or {}).get("new") or {}) if assignment else {}
    return {"nip": nip, "nama": employee.nama if employee else "", "golongan": employee.golongan if employee else None,
            "jabatan": new.get("jabatan_nama") or (assignment.nama if assignment else None),
            "unit": new.get("unit_nama") or (assignment.unit_nama if assignment else None)}


def audit_dates(session, skp_id: uuid.UUID) -> dict[str, dt.date]:
    """The day (in the user's zone, `clock.zone()`) each audited action last happened on a document, e.g.
    ``{"approved": date(2024, 1, 5)}``: the approval in force is the last one."""
    rows = session.execute(sa.select(t.audit.c.action, sa.func.max(t.audit.c.at)).where(t.audit.c.skp_id == skp_id)
                           .group_by(t.audit.c.action)).all()
    return {action: at.astimezone(clock.zone()).date() for action, at in rows}
