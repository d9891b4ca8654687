"""Month close (DESIGN §7: a month-end recap is a close and a snapshot, not a scan) and the holiday calendar.

Closing an instansi's month copies its live recap rows (one per unit × employee: counters, achievement, oldest
pending age, name) into the snapshot, records the close and `recap_closed` in the outbox, all in the caller's unit.
The close is claimed first: a second or concurrent close finds it and returns the first snapshot unchanged (no
second event). Events that arrive later for a closed month still update the live projection (a late review is real
work); the snapshot keeps what was closed.
"""
from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from ekinerja_events.recap import RecapClosed
from ekinerja_platform.domain_errors import FailedPrecondition, InvalidArgument
from ekinerja_platform.envelope import Event
from ekinerja_platform.pagination import page_request

from ..domain.lines import Line, total_of
from ..domain.periods import period_bounds, period_key
from . import policy, requests
from .ports import CloseRecord, HolidayRow, RecapUnitOfWork


@dataclass(frozen=True)
class Closed:
    close: CloseRecord
    already_closed: bool
    recap: dict        # the instansi's snapshot recap (rows per unit, total)
    rows: int          # snapshot rows (unit × employee)


def close_month(uow: RecapUnitOfWork, principal, instansi_id: str, tahun: int, bulan: int,
                today: dt.date) -> Closed:
    instansi_id = requests.required(instansi_id, "instansi_id")
    requests.month(tahun, bulan)
    policy.authorize("CloseMonth", principal, policy.Target(instansi_id=instansi_id))
    day = dt.date(tahun, bulan, 1)
    if period_bounds("month", day)[1] >= today:
        raise FailedPrecondition("the month has not ended yet", field="bulan")
    event_id = str(uuid.uuid4())
    created = uow.closes.claim(instansi_id, tahun, bulan, principal.subject, event_id)
    if created:
        per_unit = uow.reads.instansi_lines(instansi_id, "month", day, today)
        lines = [line for members in per_unit.values() for line in members.values()]
        names = uow.reads.names_of(sorted({line.key for line in lines}))
        uow.closes.save_rows([{"nip": line.key, "instansi_id": instansi_id, "tahun": tahun, "bulan": bulan,
                               "unit_id": line.unit_id or "", "nama": names.get(line.key),
                               "achievement": line.achievement, "oldest_pending_days": line.oldest_pending_days,
                               **line.counters} for line in lines])
        uow.record(Event.of(RecapClosed(instansi_id=instansi_id, tahun=tahun, bulan=bulan),
                            instansi_id=instansi_id, event_id=event_id))
    close = uow.closes.get(instansi_id, tahun, bulan)
    assert close is not None  # claimed above, by this unit or one before it
    return Closed(close, not created, snapshot_instansi(uow, instansi_id, tahun, bulan),
                  uow.closes.count_rows(instansi_id, tahun, bulan))


# -- reading a snapshot -------------------------------------------------------------------------------------------

def require_closed(uow: RecapUnitOfWork, instansi_id: str | None, tahun: int, bulan: int) -> None:
    if not instansi_id or uow.closes.get(instansi_id, tahun, bulan) is None:
        raise FailedPrecondition(f"{tahun}-{bulan:02d} is not closed for this instansi; no snapshot yet",
                                 field="snapshot")


def snapshot_instansi(uow: RecapUnitOfWork, instansi_id: str, tahun: int, bulan: int) -> dict:
    require_closed(uow, instansi_id, tahun, bulan)
    per_unit: dict[str, dict] = {}
    for line in uow.closes.lines(instansi_id, tahun, bulan):
        per_unit.setdefault(line.unit_id, {})[line.key] = line
    return uow.reads.instansi_result(instansi_id, period_key("month", dt.date(tahun, bulan, 1)), per_unit)


def snapshot_unit(uow: RecapUnitOfWork, instansi_id: str | None, unit_id: str, tahun: int, bulan: int,
                  visible: set | None = None) -> dict:
    """The unit and the units below it that month, as the live view."""
    require_closed(uow, instansi_id, tahun, bulan)
    rows = uow.closes.lines(instansi_id, tahun, bulan, units_below=unit_id)
    if visible is not None:
        rows = [line for line in rows if line.key in visible]
    return {"unit_id": unit_id, "unit_nama": uow.reads.unit_name(unit_id), "period_key": f"{tahun:04d}-{bulan:02d}",
            "rows": rows, "total": total_of(rows)}


def snapshot_employee(uow: RecapUnitOfWork, instansi_id: str | None, nip: str, tahun: int, bulan: int) -> dict:
    by_unit = uow.closes.lines(None, tahun, bulan, nip=nip)
    if not by_unit:
        require_closed(uow, instansi_id, tahun, bulan)
    total = Line(nip, nama=by_unit[0].nama if by_unit else "")
    for line in by_unit:
        total.add(line.counters)
        total.oldest_pending_days = max(total.oldest_pending_days, line.oldest_pending_days)
    total.achievement = by_unit[0].achievement if by_unit else None
    start, end = period_bounds("month", dt.date(tahun, bulan, 1))
    return {"nip": nip, "nama": total.nama, "period_key": f"{tahun:04d}-{bulan:02d}", "start": start, "end": end,
            "total": total, "by_unit": by_unit, "kegiatan": []}


# -- holidays -----------------------------------------------------------------------------------------------------

def set_holiday(uow: RecapUnitOfWork, principal, tanggal: str, instansi_id: str, nama: str,
                remove: bool) -> tuple[HolidayRow, bool]:
    """Set or clear one non-working day (national: instansi_id empty); True when a day was removed."""
    day = requests.day(tanggal, "holiday.tanggal")
    instansi_id, nama = instansi_id.strip(), nama.strip()
    if not remove and not nama:
        raise InvalidArgument("is required (what the day is)", field="holiday.nama")
    if len(nama) > 200:
        raise InvalidArgument("must be at most 200 characters", field="holiday.nama")
    policy.authorize("SetHoliday", principal, policy.Target(instansi_id=instansi_id))
    removed = False
    if remove:
        removed = uow.holidays.remove(instansi_id, day)
    else:
        uow.holidays.put(instansi_id, day, nama, principal.subject)
    return HolidayRow(day, nama, instansi_id), removed


def list_holidays(uow: RecapUnitOfWork, principal, instansi_id: str, date_from: str, date_to: str,
                  page_size: int, page_token: str) -> tuple[list[HolidayRow], str]:
    """National days and the instansi's own in a range of at most 366 days, by day then instansi: a page and the
    next page's token."""
    policy.authorize("ListHolidays", principal)
    start = requests.day(date_from, "date_from")
    end = requests.day(date_to, "date_to")
    if end < start:
        raise InvalidArgument("must not be before date_from", field="date_to")
    if (end - start).days > 366:
        raise InvalidArgument("the range may span at most 366 days", field="date_to")
    instansi_id = instansi_id.strip()
    page = page_request(page_size, page_token, "recap.ListHolidays", instansi_id, start, end, key=(dt.date, str))
    rows = uow.holidays.between(instansi_id, start, end)  # at most a year's days
    if page.after:
        rows = [r for r in rows if (r.tanggal, r.instansi_id) > page.after]
    return page.split(rows[:page.size + 1], lambda r: (r.tanggal, r.instansi_id))
