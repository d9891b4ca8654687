"""Reading and writing the PermenPANRB 6/2022 plan, evaluations and feedback (one unit of work, a session)."""
from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert

from . import rhk_tables as r
from . import tables as t


def get_plan(session, skp_id: uuid.UUID) -> dict:
    """The document's plan; an empty one (quantitative, no RHK) when nothing was written yet."""
    row = session.execute(sa.select(r.plans).where(r.plans.c.skp_id == skp_id)).mappings().first()
    if row is None:
        return {"skp_id": skp_id, "pendekatan": "kuantitatif", "rhk": [], "approved_rhk": None,
                "approved_pendekatan": None, "ekspektasi": {}, "lampiran": {}}
    return dict(row)


def save_plan(session, skp_id: uuid.UUID, **values) -> None:
    statement = pg_insert(r.plans).values(skp_id=skp_id, **values)
    session.execute(statement.on_conflict_do_update(index_elements=["skp_id"],
                                                    set_={k: statement.excluded[k] for k in values}))


def approved_rhk_of_atasan(session, atasan_nip: str | None, start: dt.date, end: dt.date,
                           ruleset: str) -> dict[str, dict] | None:
    """The approved RHK (by id) of the atasan's documents under ``ruleset`` overlapping ``start .. end``; None when
    the atasan has no approved plan there (nothing to cascade from yet)."""
    if not atasan_nip:
        return None
    rows = session.execute(
        sa.select(t.documents.c.skp_id, r.plans.c.approved_rhk)
        .select_from(t.documents.join(r.plans, r.plans.c.skp_id == t.documents.c.skp_id))
        .where(t.documents.c.nip == atasan_nip, t.documents.c.ruleset == ruleset,
               t.documents.c.period_start <= end, t.documents.c.period_end >= start,
               r.plans.c.approved_rhk.is_not(None))
        .order_by(t.documents.c.period_start)).all()
    if not rows:
        return None
    return {item["rhk_id"]: {**item, "skp_id": str(skp_id)} for skp_id, approved in rows for item in approved}


def jenjang_of_position(session, jabatan_id: str) -> str | None:
    return session.execute(sa.select(t.positions.c.jenjang).where(t.positions.c.jabatan_id == jabatan_id)).scalar()


def get_evaluation(session, skp_id: uuid.UUID, periode: str) -> dict | None:
    row = session.execute(sa.select(r.evaluations).where(r.evaluations.c.skp_id == skp_id,
                                                         r.evaluations.c.periode == periode)).mappings().first()
    return dict(row) if row else None


def evaluations_of(session, skp_id: uuid.UUID) -> list[dict]:
    return [dict(x) for x in session.execute(
        sa.select(r.evaluations).where(r.evaluations.c.skp_id == skp_id)
        .order_by(r.evaluations.c.period_start, r.evaluations.c.period_end.desc())).mappings()]


def save_evaluation(session, doc: dict, periode, bulan: int, **values) -> None:
    """Create the period's evaluation on first use, then update ``values`` (the document row is locked)."""
    statement = pg_insert(r.evaluations).values(
        skp_id=doc["skp_id"], periode=periode.kode, jenis_periode=periode.jenis, period_start=periode.start,
        period_end=periode.end, bulan=bulan, nip=doc["nip"], instansi_id=doc["instansi_id"], unit_id=doc["unit_id"],
        **values)
    session.execute(statement.on_conflict_do_update(index_elements=["skp_id", "periode"],
                                                    set_={k: statement.excluded[k] for k in values} or
                                                    {"bulan": statement.excluded.bulan}))


def add_feedback(session, skp_id: uuid.UUID, periode: str, penilai_nip: str, item: dict) -> dict:
    values = dict(id=uuid.uuid4(), skp_id=skp_id, periode=periode, penilai_nip=penilai_nip, **item)
    row = session.execute(r.feedback.insert().values(**values).returning(r.feedback)).mappings().one()
    return dict(row)


def feedback_of(session, skp_id: uuid.UUID, periode: str | None = None) -> list[dict]:
    query = sa.select(r.feedback).where(r.feedback.c.skp_id == skp_id)
    if periode is not None:
        query = query.where(r.feedback.c.periode == periode)
    return [dict(x) for x in session.execute(query.order_by(r.feedback.c.at, r.feedback.c.id)).mappings()]


def predikat_in_period(session, instansi_id: str, periode: str, unit_id: str | None = None) -> list[tuple[str, str]]:
    """(nip, predikat) of the rated evaluations of an organisation in a period: the port the distribution curve
    (§4, rules622-setting) reads."""
    query = sa.select(r.evaluations.c.nip, r.evaluations.c.predikat).where(
        r.evaluations.c.instansi_id == instansi_id, r.evaluations.c.periode == periode,
        r.evaluations.c.predikat.is_not(None))
    if unit_id:
        query = query.where(r.evaluations.c.unit_id == unit_id)
    return [(nip, predikat) for nip, predikat in session.execute(query.order_by(r.evaluations.c.nip))]


def des_realisasi(session, skp_id: uuid.UUID, iki_id: str, start: dt.date, end: dt.date) -> tuple[Decimal, list[str]]:
    """The DES figure of one IKI in ``start .. end``: the recognised kuantitas of the approved activities reported
    against it ("proses" entries do not count, DOMAIN §0.15) and the ids of all of them (the bukti dukung)."""
    try:
        key = uuid.UUID(str(iki_id))
    except ValueError:
        return Decimal(0), []
    a = t.activities
    rows = session.execute(sa.select(a.c.activity_id, a.c.kuantitas, a.c.proses).where(
        a.c.skp_id == skp_id, a.c.kegiatan_id == key, a.c.tanggal >= start, a.c.tanggal <= end)
        .order_by(a.c.tanggal, a.c.activity_id)).all()
    return sum((r.kuantitas for r in rows if not r.proses), Decimal(0)), [r.activity_id for r in rows]
