"""recap's own Prometheus metrics: figures per agency (instansi), never per employee."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from prometheus_client import Gauge

from ekinerja_platform import clock
from recap.domain.compliance import ACTIVE

NONCOMPLIANT = Gauge(
    "ekinerja_recap_noncompliant",
    "Active employees (status aktif) posted in the agency on its last working day who reported no activity that "
    "day, by agency (recap's compliance data). Every replica reports the same figure: aggregate with max, not sum.",
    ["instansi"])
INTERVAL_ENV = "EKINERJA_RECAP_NONCOMPLIANT_INTERVAL_SECONDS"

_NATIONAL_HOLIDAYS = sa.text("SELECT tanggal FROM holidays WHERE instansi_id = '' AND tanggal BETWEEN :a AND :b")
# One pass over the assignments covering the day; each employee's reports found through activities_nip_day.
# An agency's own holiday on that day excuses its employees.
_NONCOMPLIANT = sa.text("""
SELECT a.instansi_id, count(DISTINCT a.nip)
FROM assignments a JOIN employees e ON e.nip = a.nip AND e.status = :active
WHERE a.start_date <= :day AND (a.end_date IS NULL OR a.end_date >= :day) AND a.instansi_id IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM activities x WHERE x.nip = a.nip AND x.tanggal = :day AND x.status IS NOT NULL)
  AND NOT EXISTS (SELECT 1 FROM holidays h WHERE h.instansi_id = a.instansi_id AND h.tanggal = :day)
GROUP BY a.instansi_id
""")


def last_working_day(today: dt.date, national_holidays) -> dt.date:
    """The working day before `today` (Monday to Friday, not a national holiday)."""
    day = today - dt.timedelta(days=1)
    while day.weekday() >= 5 or day in national_holidays:
        day -= dt.timedelta(days=1)
    return day


def noncompliant(conn, today: dt.date | None = None) -> dict[tuple[str], int]:
    today = today or clock.today()
    holidays = set(conn.execute(_NATIONAL_HOLIDAYS, {"a": today - dt.timedelta(days=60), "b": today}).scalars())
    day = last_working_day(today, holidays)
    return {(instansi,): count
            for instansi, count in conn.execute(_NONCOMPLIANT, {"day": day, "active": ACTIVE})}
