"""`python -m des.demo history`: the working history of `make run`'s demo agency (never loaded anywhere else).

Run by scripts/demo_seed.py once the services run and des holds the demo's approved SKPs (from skp's events). The
history lies in the past, where des's own API rightly refuses to write (a month closes on day N of the next month;
a plan is stated before its day), so it is written through des's own use cases (`application/`), each on
the clock of the day it happened and as the person who did it: the same rules, audit rows and outbox events as an
RPC (the running service's relay publishes them to skp and recap). Deterministic (fixed rules per NIP and date,
relative to the real today) and idempotent: a day that has entries already is left alone, a lock or a kualitas
that exists is kept.

- Last year, and this year before the daily history: per month and kegiatan one approved "rekap" entry near the
  month's DES target, the month's kualitas set and the month locked: the SKPs' realisation, which skp scores into
  last year's result (and recap into this year's figures).
- This year: every working day from the 1st of last month up to yesterday, a plan and a report per employee
  (quantities spread so a month adds up to about its DES target), reviewed by the penilai the next day: most
  approved, some returned for revision and sent again, the last two working days still waiting; last month gets
  its kualitas and a month lock, older days of this month a day lock. One employee reports three days late and
  has sent nothing for the last three working days; one is on leave (cuti, set in identity) and reports nothing
  then.

Cost: one transaction per employee and day (plan, reports, review, revision round) and per employee and summed-up
month (entries, review, kualitas, lock) - a day or month is written whole or not at all, so a second run that
skips days with entries never leaves one half-reviewed.

`python -m des.demo history` prints `des demo: …` counts. Input: $EKINERJA_DATABASE_URL (des) and a JSON spec on
stdin (scripts/demo_seed.py):
{"instansi_id", "today", "late_nip", "leave": {"nip", "start", "end"}}.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import sys
import threading
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from decimal import ROUND_DOWN, Decimal

import sqlalchemy as sa
from sqlalchemy.orm import sessionmaker

from ekinerja_platform.db import DatabaseAccess, make_engine
from ekinerja_platform.domain_errors import DomainError
from ekinerja_platform.settings import env
from ekinerja_platform.tokens import Principal

from .adapters import repository as repo
from .adapters.unit_of_work import in_session
from .application import activities, locks, monthly, plans, review
from .application.activities import ActivityInput
from .application.config import DesConfig

SOURCE = "demo"
WORKERS = 8   # employees written at once: the run mostly waits for PostgreSQL round trips (py-spy: ~3/4 of samples)
CENT = Decimal("0.01")
DETAILS = ("sesuai jadwal", "bersama tim", "tindak lanjut arahan pimpinan", "lanjutan pekerjaan kemarin",
           "dengan bukti dukung", "koordinasi dengan unit terkait")


def working_days(start: dt.date, end: dt.date) -> list[dt.date]:
    days, day = [], start
    while day <= end:
        if day.weekday() < 5:
            days.append(day)
        day += dt.timedelta(days=1)
    return days


def month_start(day: dt.date, back: int = 0) -> dt.date:
    index = day.year * 12 + day.month - 1 - back
    return dt.date(index // 12, index % 12 + 1, 1)


def month_end(day: dt.date) -> dt.date:
    return month_start(day, -1) - dt.timedelta(days=1)


def roll(*parts) -> int:
    """A deterministic number 0..9999 from the parts (no random state: the same demo on every machine). Parts are
    NIPs, dates and kegiatan numbers - never ids a service generates (those differ from one database to another)."""
    return int(hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:8], 16) % 10000


class FixedDay(DesConfig):
    """des's settings with the clock of the day being replayed."""

    def __init__(self, base: DesConfig, day: dt.date):
        super().__init__(**{f.name: getattr(base, f.name) for f in dataclasses.fields(base)})
        object.__setattr__(self, "_day", day)

    def today(self) -> dt.date:
        return self._day


@dataclasses.dataclass
class Employee:
    nip: str
    penilai_nip: str | None
    instansi_id: str

    @property
    def principal(self) -> Principal:
        return person(self.nip, self.instansi_id)


def person(nip: str, instansi_id: str) -> Principal:
    return Principal(subject=nip, roles=("pegawai",), instansi_id=instansi_id, nip=nip)


class History:
    def __init__(self, db: DatabaseAccess, spec: dict):
        self.db = db
        self.instansi = spec["instansi_id"]
        self.today = dt.date.fromisoformat(spec["today"])
        self.late = spec.get("late_nip") or ""
        leave = spec.get("leave") or {}
        self.leave = (leave.get("nip", ""), dt.date.fromisoformat(leave["start"]) if leave else None,
                      dt.date.fromisoformat(leave["end"]) if leave else None)
        self.base = DesConfig()
        self.counts: dict[str, int] = defaultdict(int)
        self._counting = threading.Lock()

    def count(self, what: str, n: int) -> None:
        with self._counting:
            self.counts[what] += n

    # -- reading des's own copies of the approved SKPs ----------------------------------------------------------
    def employees(self) -> list[Employee]:
        with self.db.transaction() as s:
            rows = s.execute(sa.select(repo.skp_documents.c.nip, repo.skp_documents.c.penilai_nip).where(
                repo.skp_documents.c.instansi_id == self.instansi, repo.skp_documents.c.closed.is_(False),
                repo.skp_documents.c.period_start <= self.today, repo.skp_documents.c.period_end >= self.today)
                .order_by(repo.skp_documents.c.nip)).all()
        return [Employee(r.nip, r.penilai_nip, self.instansi) for r in rows]

    def targets(self, s, nip: str, tahun: int, bulan: int) -> list:
        """(skp_id, kegiatan_id, nomor, nama, satuan, monthly target) of the SKP covering that month."""
        doc = repo.skp_for_date(s, nip, month_end(dt.date(tahun, bulan, 1))) or repo.skp_for_date(
            s, nip, dt.date(tahun, bulan, 1))
        if doc is None:
            return []
        mt, k = repo.monthly_targets_table(), repo.skp_kegiatan
        return s.execute(sa.select(k.c.skp_id, k.c.kegiatan_id, k.c.nomor, k.c.nama, k.c.satuan, mt.c.kuantitas)
                         .join(mt, sa.and_(mt.c.nip == k.c.nip, mt.c.skp_id == k.c.skp_id,
                                           mt.c.kegiatan_id == k.c.kegiatan_id))
                         .where(k.c.nip == nip, k.c.skp_id == doc.skp_id, mt.c.tahun == tahun, mt.c.bulan == bulan)
                         .order_by(k.c.nomor)).all()

    def days_with_entries(self, s, nip: str, start: dt.date, end: dt.date) -> set[dt.date]:
        a = repo.activities
        return set(s.execute(sa.select(a.c.tanggal).where(a.c.nip == nip, a.c.tanggal.between(start, end))
                             .distinct()).scalars())

    # -- writing through des's use cases ------------------------------------------------------------------------
    def submit(self, s, emp: Employee, day: dt.date, on: dt.date, kegiatan, qty: Decimal, menit: int,
               uraian: str) -> dict:
        view = activities.submit_activity(in_session(s), emp.principal, ActivityInput(
            tanggal=day.isoformat(), kegiatan_id=kegiatan.kegiatan_id, uraian=uraian, kuantitas=str(qty),
            menit=menit), False, FixedDay(self.base, on), source=SOURCE)
        self.count("reports", 1)
        return view

    def approve(self, s, emp: Employee, views: list[dict]) -> None:
        if views and emp.penilai_nip:
            review.approve_activities(in_session(s), person(emp.penilai_nip, emp.instansi_id),
                                      [(str(v["activity_id"]), "", 0) for v in views])
            self.count("approved", len(views))

    def rate_and_lock_month(self, s, emp: Employee, first: dt.date, kegiatan) -> None:
        """The penilai's close of a month: a kualitas per kegiatan, then the month locked (nothing waits)."""
        if not emp.penilai_nip:
            return
        penilai = person(emp.penilai_nip, emp.instansi_id)
        bulan = first.strftime("%Y-%m")
        if repo.active_lock(s, emp.nip, first, month_end(first)) is not None or any(
                r.state in ("submitted", "resubmitted", "revision_requested")
                for r in repo.list_activities(s, emp.nip, first, month_end(first))):
            return   # closed already, or something still waits: the month stays open
        for k in kegiatan:
            kualitas = Decimal(78 + roll(emp.nip, bulan, k.nomor) % 18)
            monthly.set_monthly_quality(in_session(s), penilai, emp.nip, k.skp_id, k.kegiatan_id, bulan,
                                        str(kualitas))
            self.count("kualitas", 1)
        locks.lock_period(in_session(s), penilai, emp.nip, "month", "", bulan)
        self.count("month_locks", 1)

    # -- the earlier months --------------------------------------------------------------------------------------------
    def earlier_months(self, emp: Employee) -> None:
        """Last year's months and this year's before the daily history, each summed up in a month."""
        first = dt.date(self.today.year - 1, 1, 1)
        while first < month_start(self.today, 1):   # the daily history covers the rest
            self.earlier_month(emp, first)
            first = month_start(first, -1)

    def earlier_month(self, emp: Employee, first: dt.date) -> None:
        year, bulan = first.year, first.month
        days = working_days(first, month_end(first))
        with self.db.transaction() as s:
            kegiatan = self.targets(s, emp.nip, year, bulan)
            if not kegiatan:
                return
            if not self.days_with_entries(s, emp.nip, first, month_end(first)):
                self.month_summary(s, emp, first, days, kegiatan)
            self.rate_and_lock_month(s, emp, first, kegiatan)

    def month_summary(self, s, emp: Employee, first: dt.date, days: list[dt.date], kegiatan) -> None:
        """One approved "rekap" entry per kegiatan near the month's target (90..105 %), late in the month."""
        year, bulan = first.year, first.month
        views = []
        for k in kegiatan:
            share = (k.kuantitas * Decimal(90 + roll(emp.nip, year, bulan, k.nomor) % 16) / 100)
            qty = share.quantize(CENT, rounding=ROUND_DOWN)
            if qty <= 0:
                continue
            day = days[-1 - roll(emp.nip, bulan, k.nomor) % 3]
            views.append(self.submit(s, emp, day, day, k, qty, 120, f"Rekap {k.nama.lower()} bulan {first:%m/%Y}"))
        self.approve(s, emp, views)

    # -- this year: the daily history ---------------------------------------------------------------------------
    def recent(self, emp: Employee) -> None:
        start, yesterday = month_start(self.today, 1), self.today - dt.timedelta(days=1)
        days = working_days(start, yesterday)
        waiting = set(days[-2:])   # not reviewed yet: the penilai's queue
        silent = set(days[-3:]) if emp.nip == self.late else set()
        for first in sorted({month_start(d) for d in days}):
            month_days = [d for d in days if month_start(d) == first]
            with self.db.transaction() as s:
                kegiatan = self.targets(s, emp.nip, first.year, first.month)
                done = self.days_with_entries(s, emp.nip, first, month_end(first))
            if not kegiatan:
                continue
            plan = self.spread(emp, first, kegiatan, working_days(first, month_end(first)))
            for day in month_days:
                if day in done or day in silent or self.on_leave(emp, day):
                    continue
                self.one_day(emp, day, plan.get(day, []), review=day not in waiting)
            if month_end(first) < self.today and first < month_start(self.today):
                with self.db.transaction() as s:
                    self.rate_and_lock_month(s, emp, first, kegiatan)
        self.lock_old_days(emp, [d for d in days if month_start(d) == month_start(self.today)])

    def on_leave(self, emp: Employee, day: dt.date) -> bool:
        nip, start, end = self.leave
        return emp.nip == nip and start <= day <= end

    def spread(self, emp: Employee, first: dt.date, kegiatan, month_days: list[dt.date]) -> dict:
        """day -> [(kegiatan, kuantitas)]: each month's target × (88..107 %) reported as people do. Every kegiatan but
        the main one (the largest target) in turn on every n-th day, in whole units (a fraction left goes with the
        last one; a target under 1 is one entry on the last of its days); the main kegiatan fills every day nothing
        else was reported, in whole units when there are enough, else in steps of 0.01 - so every working day has
        a report."""
        out: dict[dt.date, list] = defaultdict(list)
        totals = {k.nomor: (k.kuantitas * Decimal(88 + roll(emp.nip, first, k.nomor) % 20) / 100).quantize(
            CENT, rounding=ROUND_DOWN) for k in kegiatan}
        main = max(kegiatan, key=lambda k: (totals[k.nomor], -k.nomor))
        others = [k for k in kegiatan if k is not main]
        for i, k in enumerate(others):
            mine = [d for j, d in enumerate(month_days) if j % (len(others) + 1) == i + 1]
            for day, qty in self.portions(totals[k.nomor], mine, whole=True):
                out[day].append((k, qty))
        free = [d for d in month_days if d not in out]
        whole = totals[main.nomor] >= len(free)
        for day, qty in self.portions(totals[main.nomor], free, whole=whole):
            out[day].append((main, qty))
        return out

    @staticmethod
    def portions(total: Decimal, days: list[dt.date], whole: bool) -> list[tuple[dt.date, Decimal]]:
        """`total` over `days` adding up exactly: whole units (the fraction with the last one) or steps of 0.01."""
        if not days or total <= 0:
            return []
        if whole and total < 1:
            return [(days[-1], total)]
        step = Decimal(1) if whole else CENT
        units = int(total / step)
        out, given = [], 0
        for j, day in enumerate(days, start=1):
            upto = units * j // len(days)
            qty = (upto - given) * step + (total - units * step if j == len(days) else 0)
            if qty > 0:
                out.append((day, qty))
            given = upto
        return out

    def one_day(self, emp: Employee, day: dt.date, work: list, review: bool) -> None:
        on = day + dt.timedelta(days=3) if emp.nip == self.late else day
        if on >= self.today:
            on = self.today
        with self.db.transaction() as s:   # the whole day, its review included, or nothing
            views = []
            for index, (k, qty) in enumerate(work):
                detail = DETAILS[roll(emp.nip, day, k.nomor) % len(DETAILS)]
                if index == 0 and on == day:
                    plans.submit_plan(in_session(s), emp.principal, day.isoformat(), k.kegiatan_id,
                                      f"{k.nama} ({detail})", str(qty), "", FixedDay(self.base, day))
                    self.count("plans", 1)
                views.append(self.submit(s, emp, day, on, k, qty, 60 + 30 * (roll(emp.nip, day, index) % 6),
                                         f"{k.nama} ({detail})"))
            if review and emp.penilai_nip:
                self.review(s, emp, day, on, work, views)

    def review(self, s, emp: Employee, day: dt.date, on: dt.date, work: list, views: list[dict]) -> None:
        """The penilai's review of the day: most approved, about one in 23 returned, edited, sent again, approved."""
        returned = [v for (k, _q), v in zip(work, views, strict=True)
                    if roll("revise", emp.nip, day, k.nomor) % 23 == 0]
        self.approve(s, emp, [v for v in views if v not in returned])
        for v in returned:
            review.request_revision(in_session(s), person(emp.penilai_nip, emp.instansi_id), str(v["activity_id"]),
                                    "Mohon lengkapi uraian dengan hasil kerja dan bukti dukungnya.", 0)
            self.count("revisions", 1)
        for v in returned:   # the employee adds what was asked and sends it again; the penilai approves
            fixed = activities.update_activity(in_session(s), emp.principal, str(v["activity_id"]), ActivityInput(
                uraian=f"{v['uraian']}; hasil: dokumen/laporan terlampir", kuantitas=str(v["kuantitas"]),
                kegiatan_id=v["kegiatan_id"], menit=v.get("menit") or 60), 0, FixedDay(self.base, on))
            if fixed["state"] not in ("submitted", "resubmitted"):
                fixed = activities.send_activity(in_session(s), emp.principal, str(v["activity_id"]), 0)
            self.approve(s, emp, [fixed])

    def lock_old_days(self, emp: Employee, days: list[dt.date]) -> None:
        """Days of this month older than a week: the penilai locks them one by one (nothing waits there)."""
        if not emp.penilai_nip:
            return
        old = [day for day in days if (self.today - day).days > 7]
        if not old:
            return
        with self.db.transaction() as s:
            for day in old:
                if repo.active_lock(s, emp.nip, day) is not None or not self.days_with_entries(s, emp.nip, day, day):
                    continue
                try:   # lock_period refuses before it writes anything: the transaction goes on
                    locks.lock_period(in_session(s), person(emp.penilai_nip, emp.instansi_id), emp.nip, "day",
                                      day.isoformat(), "")
                    self.count("day_locks", 1)
                except DomainError:
                    pass   # something still waits for review that day: it stays open

    def run(self) -> dict:
        def one(emp: Employee) -> None:
            self.earlier_months(emp)
            self.recent(emp)
        # employees are independent (each one's rows, each penilai's review of them): a few at once
        with ThreadPoolExecutor(max_workers=WORKERS) as pool:
            list(pool.map(one, self.employees()))
        return dict(self.counts)


def main() -> int:
    url = env("EKINERJA_DATABASE_URL")
    if not url:
        print("error: EKINERJA_DATABASE_URL is required", file=sys.stderr)
        return 2
    if sys.argv[1:] != ["history"]:   # `make run`'s step before the services start: des has nothing to seed then
        print("des demo: nothing before start (the history: `python -m des.demo history`, scripts/demo_seed.py)")
        return 0
    spec = json.loads(sys.stdin.read())
    engine = make_engine(url, pool_size=WORKERS)
    try:
        counts = History(DatabaseAccess(engine, sessionmaker(engine, expire_on_commit=False)), spec).run()
    finally:
        engine.dispose()
    print("des demo: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
