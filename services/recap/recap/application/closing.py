"""Month close (DESIGN §7: a month-end recap is a close and a snapshot, not a scan) and the holiday calendar.

Closing an instansi's month copies its live recap rows (one per unit × employee: counters, achievement, oldest
pending age, name) into `month_snapshot_rows`, records the close and writes `recap_closed` to the outbox, all in
one transaction. The close row is inserted first with ON CONFLICT DO NOTHING: a second or concurrent close finds it
and returns the first snapshot unchanged (no second event). Events that arrive later for a closed month still update
the live projection (a late review is real work); the snapshot keeps what was closed.
"""
from __future__ import annotations

import datetime as dt
import uuid

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert

from ekinerja_platform.domain_errors import FailedPrecondition
from ekinerja_platform.outbox import Event, record_event
from recap.adapters import tables as t
from recap.application import queries
from recap.domain.periods import period_bounds, period_key
from recap.domain.projection import COUNTERS


def _close_row(session, instansi_id: str, tahun: int, bulan: int):
    return session.execute(sa.select(t.month_closes).where(
        t.month_closes.c.instansi_id == instansi_id, t.month_closes.c.tahun == tahun,
        t.month_closes.c.bulan == bulan)).first()


def close_month(session, instansi_id: str, tahun: int, bulan: int, closed_by: str, today: dt.date) -> dict:
    day = dt.date(tahun, bulan, 1)
    if period_bounds("month", day)[1] >= today:
        raise FailedPrecondition("the month has not ended yet", field="bulan")
    event_id = uuid.uuid4()
    created = session.execute(pg_insert(t.month_closes).values(
        instansi_id=instansi_id, tahun=tahun, bulan=bulan, closed_by=closed_by, event_id=event_id)
        .on_conflict_do_nothing().returning(t.month_closes.c.instansi_id)).first() is not None
    if created:
        per_unit = queries.instansi_lines(session, instansi_id, "month", day, today)
        lines = [line for members in per_unit.values() for line in members.values()]
        names = queries.names_of(session, sorted({line.key for line in lines}))
        rows = [{"nip": line.key, "instansi_id": instansi_id, "tahun": tahun, "bulan": bulan,
                 "unit_id": line.unit_id or "", "nama": names.get(line.key), "achievement": line.achievement,
                 "oldest_pending_days": line.oldest_pending_days, **line.counters} for line in lines]
        if rows:
            session.execute(t.month_snapshot_rows.insert(), rows)
        record_event(session, Event("recap_closed", "recap", {"instansi_id": instansi_id, "tahun": tahun,
                                                              "bulan": bulan},
                                    instansi_id=instansi_id, event_id=str(event_id)))
    close = _close_row(session, instansi_id, tahun, bulan)
    result = snapshot_instansi(session, instansi_id, tahun, bulan)
    table = t.month_snapshot_rows
    count = session.execute(sa.select(sa.func.count()).select_from(table).where(
        table.c.instansi_id == instansi_id, table.c.tahun == tahun, table.c.bulan == bulan)).scalar()
    return {"close": close, "already_closed": not created, "recap": result, "rows": count}


# -- reading a snapshot -------------------------------------------------------------------------------------------

def _line(row) -> queries.Line:
    line = queries.Line(row.nip, nama=row.nama or "", unit_id=row.unit_id)
    line.counters = {name: getattr(row, name) for name in COUNTERS}
    line.achievement = row.achievement
    line.oldest_pending_days = row.oldest_pending_days
    return line


def _snapshot_lines(session, instansi_id: str | None, tahun: int, bulan: int, *conditions):
    table = t.month_snapshot_rows
    where = [table.c.tahun == tahun, table.c.bulan == bulan, *conditions]
    if instansi_id is not None:
        where.append(table.c.instansi_id == instansi_id)
    return [_line(row) for row in session.execute(sa.select(table).where(*where)
                                                  .order_by(table.c.nip, table.c.unit_id))]


def require_closed(session, instansi_id: str | None, tahun: int, bulan: int) -> None:
    if not instansi_id or _close_row(session, instansi_id, tahun, bulan) is None:
        raise FailedPrecondition(f"{tahun}-{bulan:02d} is not closed for this instansi; no snapshot yet",
                                 field="snapshot")


def snapshot_instansi(session, instansi_id: str, tahun: int, bulan: int) -> dict:
    require_closed(session, instansi_id, tahun, bulan)
    per_unit: dict[str, dict] = {}
    for line in _snapshot_lines(session, instansi_id, tahun, bulan):
        per_unit.setdefault(line.unit_id, {})[line.key] = line
    return queries.instansi_result(session, instansi_id, period_key("month", dt.date(tahun, bulan, 1)), per_unit)


def snapshot_unit(session, instansi_id: str | None, unit_id: str, tahun: int, bulan: int,
                  visible: set | None = None) -> dict:
    require_closed(session, instansi_id, tahun, bulan)
    start, end = period_bounds("month", dt.date(tahun, bulan, 1))  # the unit and the units below it, as live
    rows = _snapshot_lines(session, instansi_id, tahun, bulan,
                           t.month_snapshot_rows.c.unit_id.in_(queries.unit_subtree(unit_id, start, end)))
    if visible is not None:
        rows = [line for line in rows if line.key in visible]
    nama = session.execute(sa.select(t.units.c.nama).where(t.units.c.unit_id == unit_id)).scalar() or ""
    return {"unit_id": unit_id, "unit_nama": nama, "period_key": f"{tahun:04d}-{bulan:02d}", "rows": rows,
            "total": queries.total_of(rows)}


def snapshot_employee(session, instansi_id: str | None, nip: str, tahun: int, bulan: int) -> dict:
    by_unit = _snapshot_lines(session, None, tahun, bulan, t.month_snapshot_rows.c.nip == nip)
    if not by_unit:
        require_closed(session, instansi_id, tahun, bulan)
    total = queries.Line(nip, nama=by_unit[0].nama if by_unit else "")
    for line in by_unit:
        total.add(line.counters)
        total.oldest_pending_days = max(total.oldest_pending_days, line.oldest_pending_days)
    total.achievement = by_unit[0].achievement if by_unit else None
    start, end = period_bounds("month", dt.date(tahun, bulan, 1))
    return {"nip": nip, "nama": total.nama, "period_key": f"{tahun:04d}-{bulan:02d}", "start": start, "end": end,
            "total": total, "by_unit": by_unit, "kegiatan": []}


# -- holidays -----------------------------------------------------------------------------------------------------

def set_holiday(session, instansi_id: str, tanggal: dt.date, nama: str, remove: bool, set_by: str) -> bool:
    """Set or clear one non-working day; returns True when a row was removed."""
    table = t.holidays
    if remove:
        return session.execute(table.delete().where(table.c.instansi_id == instansi_id,
                                                    table.c.tanggal == tanggal)).rowcount > 0
    statement = pg_insert(table).values(instansi_id=instansi_id, tanggal=tanggal, nama=nama, set_by=set_by)
    session.execute(statement.on_conflict_do_update(
        index_elements=["instansi_id", "tanggal"],
        set_={"nama": statement.excluded.nama, "set_by": statement.excluded.set_by, "set_at": sa.func.now()}))
    return False


def list_holidays(session, instansi_id: str, start: dt.date, end: dt.date) -> list:
    table = t.holidays
    return session.execute(sa.select(table.c.tanggal, table.c.nama, table.c.instansi_id).where(
        table.c.tanggal.between(start, end), table.c.instansi_id.in_(["", instansi_id]))
        .order_by(table.c.tanggal, table.c.instansi_id)).all()
