"""In-memory repositories and unit of work for des's use-case tests (cosmicpython's `FakeRepository` habit).

They keep the rules the SQL adapters keep (the revision grows with each publication, a refused quick entry leaves
nothing behind its savepoint) and stand in for the report and plan use cases quick entry reaches through its port:
`FakeQuickEntries.refuse` makes them raise, as the domain would for a locked day or a closed window.
"""
from __future__ import annotations

import contextlib
import copy
import dataclasses
import datetime as dt
import itertools
import uuid
from decimal import Decimal

from des.application import ports
from des.domain.activity import AWAITING_REVIEW, Activity
from des.domain.quick_entry import Kegiatan
from ekinerja_platform.testing_uow import FakeUnitOfWork

_IDS = itertools.count(1)


class SkpStore:
    """des's copies of skp's documents as the SQL tables hold them: documents, kegiatan, month targets."""

    def __init__(self):
        self.documents: dict[tuple[str, str], ports.SkpDocument] = {}
        self.closed: set[tuple[str, str]] = set()
        self.revisions: dict[tuple[str, str], int] = {}
        self.kegiatan: dict[tuple[str, str], dict[str, dict]] = {}   # kegiatan_id -> nomor, nama, satuan, kuantitas
        self.months: dict[tuple[str, str], dict[str, dict]] = {}     # kegiatan_id -> {(tahun, bulan): kuantitas}
        self.quality: dict[tuple, Decimal] = {}                       # (nip, skp_id, kegiatan_id, tahun, bulan)


class FakeMonthlyTargets(ports.MonthlyTargets):
    def __init__(self, store: SkpStore):
        self.store = store

    def add(self, nip: str, skp_id: str, start: dt.date, end: dt.date, instansi_id: str = "pemkot-bogor",
            kegiatan: dict[str, tuple[str, str, dict]] | None = None, penilai_nip: str | None = None,
            ruleset: str | None = None) -> None:
        """A known document; `kegiatan` {kegiatan_id: (satuan, total, {(tahun, bulan): kuantitas})}."""
        key = (nip, skp_id)
        self.store.documents[key] = ports.SkpDocument(instansi_id, None, None, start, end, penilai_nip, None,
                                                      version=1, ruleset=ruleset)
        self.store.kegiatan[key] = {kid: dict(nomor=n, nama=kid, satuan=satuan, kuantitas=Decimal(total))
                                    for n, (kid, (satuan, total, _)) in enumerate((kegiatan or {}).items(), 1)}
        self.store.months[key] = {kid: {ym: Decimal(q) for ym, q in split.items()}
                                  for kid, (_, _, split) in (kegiatan or {}).items()}

    def next_revision(self, nip, skp_id):
        doc = self.store.documents.get((nip, skp_id))
        if doc is None:
            return None
        revision = self.store.revisions[(nip, skp_id)] = self.store.revisions.get((nip, skp_id), 0) + 1
        return ports.TargetsDocument(doc.instansi_id, doc.period_start, doc.period_end, revision)

    def kegiatan(self, nip, skp_id):
        rows = sorted(self.store.kegiatan.get((nip, skp_id), {}).items(), key=lambda kv: kv[1]["nomor"])
        return [ports.KegiatanTotal(kid, k["satuan"], k["kuantitas"]) for kid, k in rows]

    def split(self, nip, skp_id):
        known = self.store.kegiatan.get((nip, skp_id), {})
        return [ports.MonthTarget(kid, y, m, q) for kid, months in self.store.months.get((nip, skp_id), {}).items()
                if kid in known for (y, m), q in sorted(months.items())]

    def of_kegiatan(self, nip, skp_id, kegiatan_id):
        return dict(self.store.months.get((nip, skp_id), {}).get(kegiatan_id, {}))

    def set(self, nip, skp_id, kegiatan_id, values, actor):
        self.store.months.setdefault((nip, skp_id), {})[kegiatan_id] = dict(values)
        for key in [k for k in self.store.quality if k[:3] == (nip, skp_id, kegiatan_id) and k[3:] not in values]:
            del self.store.quality[key]  # a dropped month takes its kualitas with it

    def _header(self, key):
        doc = self.store.documents.get(key)
        return None if doc is None else ports.SkpHeader(key[1], doc.instansi_id, doc.penilai_nip, doc.period_start,
                                                        doc.period_end, doc.ruleset)

    def document(self, nip, skp_id):
        return self._header((nip, skp_id))

    def covering(self, nip, tanggal):
        keys = [k for k, d in self.store.documents.items() if k[0] == nip and k not in self.store.closed
                and d.period_start <= tanggal <= d.period_end]
        return self._header(max(keys, key=lambda k: self.store.documents[k].period_start)) if keys else None

    def rows(self, nip, skp_id):
        kegiatan = self.store.kegiatan.get((nip, skp_id), {})
        out = [ports.TargetRow(skp_id, kid, k["nomor"], k["nama"], k["satuan"], y, m, q,
                               self.store.quality.get((nip, skp_id, kid, y, m)))
               for kid, k in kegiatan.items()
               for (y, m), q in self.store.months.get((nip, skp_id), {}).get(kid, {}).items()]
        return sorted(out, key=lambda r: (r.nomor, r.tahun, r.bulan))

    def month_for_update(self, nip, skp_id, kegiatan_id, tahun, bulan):
        return next((r for r in self.rows(nip, skp_id) if (r.kegiatan_id, r.tahun, r.bulan) == (kegiatan_id, tahun,
                                                                                                  bulan)), None)

    def set_quality(self, nip, skp_id, kegiatan_id, tahun, bulan, kualitas, actor):
        self.store.quality[(nip, skp_id, kegiatan_id, tahun, bulan)] = kualitas


class FakeSkpCopies(ports.SkpCopies):
    def __init__(self, store: SkpStore):
        self.store = store
        self.penilai_followed: list[tuple[str, str, str | None]] = []
        self.audits: list[tuple[str, str, str, str, dict]] = []
        self.forgotten: list[str] = []

    def version(self, nip, skp_id):
        doc = self.store.documents.get((nip, skp_id))
        return None if doc is None else doc.version

    def save(self, nip, skp_id, document):
        old = self.store.documents.get((nip, skp_id))
        if document.ruleset is None:
            document = dataclasses.replace(document, ruleset=old.ruleset if old else "pp46-2011")
        self.store.documents[(nip, skp_id)] = document
        self.store.closed.discard((nip, skp_id))

    def save_kegiatan(self, nip, skp_id, kegiatan_id, *, nomor, nama, satuan, kuantitas, rhk_id=None):
        rows = self.store.kegiatan.setdefault((nip, skp_id), {})
        rows[kegiatan_id] = {**rows.get(kegiatan_id, {}), **dict(nomor=nomor, nama=nama, satuan=satuan,
                                                                   kuantitas=kuantitas)}
        if rhk_id is not None:
            rows[kegiatan_id]["rhk_id"] = rhk_id

    def drop_kegiatan(self, nip, skp_id, kegiatan_ids):
        for kid in kegiatan_ids:
            self.store.kegiatan.get((nip, skp_id), {}).pop(kid, None)
            self.store.months.get((nip, skp_id), {}).pop(kid, None)

    def keep_only_kegiatan(self, nip, skp_id, kegiatan_ids):
        rows = self.store.kegiatan.get((nip, skp_id), {})
        for kid in [k for k in rows if k not in kegiatan_ids]:
            del rows[kid]

    def set_kegiatan_total(self, nip, skp_id, kegiatan_id, kuantitas):
        self.store.kegiatan[(nip, skp_id)][kegiatan_id]["kuantitas"] = kuantitas

    def close(self, nip, skp_id, period_end):
        key = (nip, skp_id)
        if period_end is not None:
            for months in self.store.months.get(key, {}).values():
                for ym in [ym for ym in months if ym > (period_end.year, period_end.month)]:
                    del months[ym]
        doc = self.store.documents.get(key)
        if doc is None:
            return None
        if period_end is not None:
            doc = self.store.documents[key] = dataclasses.replace(doc, period_end=period_end)
        self.store.closed.add(key)
        return ports.ClosedDocument(doc.period_start, doc.period_end, doc.ruleset or "pp46-2011")

    def follow_penilai(self, nip, skp_id, penilai_nip):
        self.penilai_followed.append((nip, skp_id, penilai_nip))

    def audit(self, nip, entity, entity_id, action, actor, after):
        self.audits.append((nip, entity_id, action, actor, after))

    def forget_context(self, nip):
        self.forgotten.append(nip)


class FakeEmployees(ports.Employees):
    def __init__(self):
        self.rows: dict[str, dict] = {}

    def registered(self, nip, nama, instansi_id, status):
        row = self.rows.setdefault(nip, {"assignment_version": 0})
        row.update(nama=nama if nama is not None else row.get("nama"), instansi_id=instansi_id, status=status)

    def status_changed(self, nip, instansi_id, status):
        self.rows.setdefault(nip, {"instansi_id": instansi_id, "assignment_version": 0})["status"] = status

    def assigned(self, nip, version, assignment):
        row = self.rows.get(nip)
        if row is None or row["assignment_version"] < version:  # SQL: an upsert `WHERE assignment_version < version`
            self.rows[nip] = {**(row or {}), **dataclasses.asdict(assignment), "assignment_version": version}


class FakeImports(ports.Imports):
    """The agency's record ids are claimed once per (instansi, nip, record_id), as `import_records` does."""

    def __init__(self, window: int = 5):
        self.window = window
        self.documents: dict[str, list[ports.ImportDocument]] = {}
        self.satuan: dict[tuple[str, str, str], str] = {}
        self.locks: dict[str, list[tuple[dt.date, dt.date]]] = {}
        self.claimed: dict[tuple[str, str, str], str] = {}
        self.written: list[dict] = []  # the activities written, with their actor
        self.calls: list[str] = []     # "may_claim" / "claimed", in order

    def add_document(self, doc: ports.ImportDocument, kegiatan: dict[str, str]) -> None:
        self.documents.setdefault(doc.nip, []).insert(0, doc)
        self.satuan.update({(doc.nip, doc.skp_id, kid): satuan for kid, satuan in kegiatan.items()})

    def window_days(self, instansi_id, default):
        return self.window

    def lookups(self, instansi_id, nips):
        return ports.ImportLookups({n: self.documents[n] for n in nips if n in self.documents},
                                   {k: v for k, v in self.satuan.items() if k[0] in nips},
                                   {n: self.locks[n] for n in nips if n in self.locks})

    def stage(self, valid):
        return ports.StagedBatch([f"act-{next(_IDS)}" for _ in valid], payload=None)

    def write(self, instansi_id, actor, valid, staged, may_claim=None, claimed=None):
        if may_claim is not None:
            may_claim()
        self.calls.append("claim")
        duplicates = {}
        for (_, rec, doc, content), activity_id in zip(valid, staged.ids, strict=True):
            first = self.claimed.setdefault((instansi_id, doc.nip, rec.record_id), activity_id)
            if first != activity_id:
                duplicates[(doc.nip, rec.record_id)] = first
            else:
                self.written.append(dict(activity_id=activity_id, nip=doc.nip, skp_id=doc.skp_id, actor=actor,
                                         penilai_nip=doc.penilai_nip, content=content))
        if claimed is not None:
            claimed()
        return duplicates


class FakeQuickEntries(ports.QuickEntries):
    def __init__(self):
        self.skps: dict[str, tuple[dt.date, dt.date, ports.DaySkp]] = {}
        self.kegiatan_of: dict[tuple[str, str], list[Kegiatan]] = {}
        self.reports: list[dict] = []
        self.plans: list[dict] = []
        self.refuse: Exception | None = None  # raised by report/plan after they wrote (the savepoint must undo it)

    def add_skp(self, nip: str, skp_id: str, start: dt.date, end: dt.date, kegiatan: list[Kegiatan],
                instansi_id: str = "pemkot-bogor", penilai_nip: str | None = "197001011990031001") -> None:
        self.skps[nip] = (start, end, ports.DaySkp(skp_id, instansi_id, penilai_nip))
        self.kegiatan_of[(nip, skp_id)] = list(kegiatan)

    def skp_for_date(self, nip, tanggal):
        found = self.skps.get(nip)
        return found[2] if found and found[0] <= tanggal <= found[1] else None

    def kegiatan(self, nip, skp_id):
        return list(self.kegiatan_of.get((nip, skp_id), []))

    @contextlib.contextmanager
    def savepoint(self):
        reports, plans = list(self.reports), list(self.plans)
        try:
            yield
        except Exception:
            self.reports[:], self.plans[:] = reports, plans
            raise

    def _write(self, rows: list, principal, tanggal, kegiatan_id, uraian, kuantitas, satuan) -> str:
        made = f"id-{next(_IDS)}"
        rows.append(dict(id=made, nip=principal.nip, tanggal=tanggal, kegiatan_id=kegiatan_id, uraian=uraian,
                         kuantitas=kuantitas, satuan=satuan))
        if self.refuse is not None:
            raise self.refuse
        return made

    def report(self, principal, tanggal, kegiatan_id, uraian, kuantitas, satuan):
        return self._write(self.reports, principal, tanggal, kegiatan_id, uraian, kuantitas, satuan)

    def plan(self, principal, tanggal, kegiatan_id, uraian, kuantitas, satuan):
        return self._write(self.plans, principal, tanggal, kegiatan_id, uraian, kuantitas, satuan)


class FakeInstansiSettings(ports.InstansiSettings):
    def __init__(self):
        self.windows: dict[str, int] = {}
        self.audits: list[tuple[str, str, dict]] = []  # (instansi_id, actor, after)
        self.contexts_forgotten = 0

    def set_window(self, instansi_id, days, actor):
        self.windows[instansi_id] = days
        self.audits.append((instansi_id, actor, {"window_days": days}))

    def forget_contexts(self):
        self.contexts_forgotten += 1


class FakeRelations(ports.Relations):
    def __init__(self):
        self.skps: dict[str, list[tuple[dt.date, dt.date, ports.DaySkp]]] = {}
        self.instansi: dict[str, str] = {}
        self.heads: dict[str, frozenset[str]] = {}

    def add_skp(self, nip: str, start: dt.date, end: dt.date, skp: ports.DaySkp) -> None:
        self.skps.setdefault(nip, []).append((start, end, skp))

    def skp_for_date(self, nip, tanggal):
        covering = [(start, skp) for start, end, skp in self.skps.get(nip, []) if start <= tanggal <= end]
        return max(covering, key=lambda c: c[0])[1] if covering else None

    def instansi_of(self, nip):
        docs = sorted(self.skps.get(nip, []), key=lambda d: d[0])
        return docs[-1][2].instansi_id if docs else self.instansi.get(nip)

    def heads_of(self, nip):
        return self.heads.get(nip, frozenset())


class FakeAuditTrail(ports.AuditTrail):
    def __init__(self):
        self.records: list[dict] = []

    def record(self, nip, entity, entity_id, action, actor, before, after, reason=None):
        self.records.append(dict(nip=nip, entity=entity, entity_id=entity_id, action=action, actor=actor,
                                 before=before, after=after, reason=reason))

    def trail(self, nip, entity_id, after=None, limit=None):
        found = [ports.AuditRecord(n, r["entity"], str(r["entity_id"]), r["action"], r["actor"],
                                   dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc) + dt.timedelta(seconds=n),
                                   r["before"], r["after"], r["reason"])
                 for n, r in enumerate(self.records, 1)
                 if r["nip"] == nip and (entity_id is None or str(r["entity_id"]) == entity_id)]
        return [r for r in found if after is None or (r.audit_id,) > tuple(after)][:limit]


class FakePlans(ports.Plans):
    """The day's context from an SKP, its kegiatan {kegiatan_id: (satuan, nomor)} and locked days."""

    def __init__(self, relations: FakeRelations):
        self.relations = relations
        self.kegiatan: dict[tuple[str, str], dict[str, tuple[str, int]]] = {}
        self.locked: set[tuple[str, dt.date]] = set()
        self.ruleset: dict[str, str] = {}
        self.rows: list[dict] = []
        self._clock = itertools.count()

    def entry_context(self, nip, tanggal, kegiatan_id):
        skp = self.relations.skp_for_date(nip, tanggal)
        if skp is None:
            return None
        satuan, nomor = self.kegiatan.get((nip, skp.skp_id), {}).get(kegiatan_id, (None, None))
        return ports.EntryContext(skp.skp_id, skp.instansi_id, "unit-1", skp.penilai_nip, None,
                                  (nip, tanggal) in self.locked, kegiatan_id if satuan else None, satuan, nomor,
                                  self.ruleset.get(skp.skp_id, "pp46-2011"))

    def add(self, plan):
        created = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc) + dt.timedelta(seconds=next(self._clock))
        self.rows.append({**plan, "created_at": created})

    def between(self, nip, start, end, after=None, limit=None):
        key = lambda r: (r["tanggal"], r["created_at"], r["plan_id"])  # noqa: E731 - the SQL's ORDER BY
        rows = sorted((r for r in self.rows if r["nip"] == nip and start <= r["tanggal"] <= end), key=key)
        rows = [r for r in rows if after is None or key(r) > tuple(after)]
        return [dict(r) for r in rows[:limit]]


class FakeLocks(ports.Locks):
    def __init__(self):
        self.rows: list[ports.PeriodLock] = []
        self.serialised: list[tuple[str, str]] = []

    def serialise(self, nip, skp_id):
        self.serialised.append((nip, skp_id))

    def active(self, nip, start, end=None):
        end = end or start
        return next((r for r in self.rows if r.nip == nip and r.unlocked_at is None
                     and r.tanggal_start <= end and r.tanggal_end >= start), None)

    def add(self, nip, lock_id, skp_id, scope, start, end, locked_by):
        self.rows.append(ports.PeriodLock(nip, lock_id, skp_id, scope, start, end, locked_by,
                                          locked_at=dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)))

    def get_for_update(self, nip, lock_id):
        return next((r for r in self.rows if r.nip == nip and r.lock_id == lock_id), None)

    def lift(self, nip, lock_id, actor, reason):
        self.rows = [dataclasses.replace(r, unlocked_at=dt.datetime(2026, 1, 2, tzinfo=dt.timezone.utc),
                                         unlocked_by=actor, unlock_reason=reason)
                     if (r.nip, r.lock_id) == (nip, lock_id) else r for r in self.rows]

    def of(self, nip, start, end, include_lifted):
        return sorted((r for r in self.rows if r.nip == nip and (include_lifted or r.unlocked_at is None)
                       and (start is None or (r.tanggal_start <= end and r.tanggal_end >= start))),
                      key=lambda r: r.tanggal_start)


class FakeActivities(ports.Activities):
    """Reports by id; `between` hands out copies, so a change counts only once saved (as an UPDATE would)."""

    def __init__(self):
        self.rows: dict[str, Activity] = {}
        self.saved: list[str] = []
        self.reviewed_at: dict[str, dt.datetime] = {}

    def put(self, activity: Activity) -> None:
        self.rows[activity.activity_id] = copy.deepcopy(activity)

    def between(self, nip, start, end, state=None):
        found = [a for a in self.rows.values() if a.nip == nip and start <= a.content.tanggal <= end
                 and (state is None or a.state == state)]
        return [copy.deepcopy(a) for a in sorted(found, key=lambda a: a.content.tanggal)]

    def save(self, activity, at, *, reviewed=False):
        assert self.rows[activity.activity_id].version == activity.version - 1, "saved from a stale copy"
        self.rows[activity.activity_id] = copy.deepcopy(activity)
        self.saved.append(activity.activity_id)
        if reviewed:
            self.reviewed_at[activity.activity_id] = at


class FakeReviews(ports.Reviews):
    """Reads the reports of `FakeActivities`; `stored` adds the columns a row has beyond the domain object."""

    def __init__(self, activities: FakeActivities):
        self.activities = activities
        self.stored: dict[str, dict] = {}
        self.unrated_rows: list[dict] = []
        self.held: list[str] = []  # ids read for update, in order

    def _view(self, a: Activity) -> dict:
        c = a.content
        return {"activity_id": a.activity_id, "nip": a.nip, "penilai_nip": a.penilai_nip, "tanggal": c.tanggal,
                "jenis": c.jenis, "uraian": c.uraian, "kuantitas": c.kuantitas, "satuan": c.satuan,
                "kegiatan_id": c.kegiatan_id, "menit": c.menit, "proses": c.proses, "state": a.state,
                "jam_mulai": c.jam_mulai, "jam_selesai": c.jam_selesai, "evidence_url": c.evidence_url,
                "evidence_id": None,
                "version": a.version, "kuantitas_diakui": a.kuantitas_diakui, "catatan": a.catatan,
                "reviewer_nip": a.reviewer_nip, "instansi_id": "pemkot-bogor", "unit_id": None, "skp_id": "skp-1",
                "submitted_at": None, "created_at": None, **self.stored.get(a.activity_id, {})}

    def entry(self, activity_id, *, for_update=False):
        a = self.activities.rows.get(activity_id)
        if a is None:
            return None
        if for_update:
            self.held.append(activity_id)
        return ports.Entry(self._view(a), copy.deepcopy(a))

    def awaiting_on(self, nip, tanggal):
        return sorted(a.activity_id for a in self.activities.rows.values()
                      if a.nip == nip and a.content.tanggal == tanggal and a.state in AWAITING_REVIEW)

    def queue(self, penilai_nip, start, end, limit, after=None):
        key = lambda v: (v["tanggal"], v["submitted_at"] or v["created_at"], v["activity_id"])  # noqa: E731
        views = sorted((self._view(a) for a in self.activities.rows.values()
                        if a.penilai_nip == penilai_nip and a.state in AWAITING_REVIEW
                        and (start is None or start <= a.content.tanggal <= end)), key=key)
        views = [{**v, "activity_id": uuid.UUID(v["activity_id"])} for v in views]  # the column's type
        return [v for v in views if after is None or key(v) > tuple(after)][:limit]

    def unrated(self, penilai_nip, today):
        return list(self.unrated_rows)


class FakeReports(ports.Reports):
    """Reports kept where the review's fakes read them: the domain object in `FakeActivities`, the row's other
    columns in `FakeReviews.stored`. The day's context is `FakePlans`'s (the SKP, its kegiatan, locked days) with
    the instansi's window (`windows`) and the SKP's version (`versions`, 1 by default); a write's guard compares
    the context it was checked against with a fresh one, as the SQL does. `written` holds every new report
    (with `event_id` its `activity_submitted` event), `counted` the reports counted as sent for review."""

    def __init__(self, plans: FakePlans, activities: FakeActivities, reviews: FakeReviews, audit: FakeAuditTrail,
                 targets: FakeMonthlyTargets):
        self.plans, self.activities, self.reviews, self.audit, self.targets = plans, activities, reviews, audit, targets
        self.windows: dict[str, int] = {}
        self.versions: dict[str, int] = {}
        self.files: dict[tuple[str, uuid.UUID], ports.NewEvidence] = {}
        self.written: list[ports.NewReport] = []
        self.counted: list[tuple[str | None, str]] = []
        self._clock = itertools.count()

    def context(self, nip, tanggal, kegiatan_id):
        ctx = self.plans.entry_context(nip, tanggal, kegiatan_id)
        if ctx is None:
            return None
        return ports.ReportContext(ctx.skp_id, ctx.instansi_id, ctx.unit_id, ctx.penilai_nip,
                                   self.versions.get(ctx.skp_id, 1), self.windows.get(ctx.instansi_id), ctx.locked,
                                   ctx.kegiatan_id, ctx.kegiatan_satuan, ctx.kegiatan_nomor,
                                   ctx.ruleset or "pp46-2011")

    def guard(self, report: ports.NewReport) -> bool:
        a, ctx = report.activity, report.ctx
        fresh = self.context(a.nip, a.content.tanggal, a.content.kegiatan_id)
        return fresh is not None and not fresh.locked and (fresh.skp_id, fresh.skp_version, fresh.window_days) == (
            ctx.skp_id, ctx.skp_version, ctx.window_days)

    def store(self, report: ports.NewReport) -> None:
        """The write that follows a held guard: the report, its evidence, its audit record, its count."""
        a, ctx = report.activity, report.ctx
        self.put(a, instansi_id=ctx.instansi_id, unit_id=ctx.unit_id, skp_id=ctx.skp_id,
                 evidence_id=report.evidence.evidence_id if report.evidence else None,
                 submitted_at=report.at if report.event_id else None, source=report.source)
        if report.evidence is not None:
            self.add_evidence(a.nip, report.evidence)
        self.audit.record(a.nip, "activity", a.activity_id, "create", a.nip, None, a.snapshot())
        self.written.append(report)
        if report.event_id is not None:
            self.counted.append((ctx.instansi_id, report.source))

    def put(self, activity: Activity, **columns) -> None:
        """A stored report with its row's other columns (entry time: one second after the one before)."""
        created = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc) + dt.timedelta(seconds=next(self._clock))
        self.activities.put(activity)
        self.reviews.stored[activity.activity_id] = {"created_at": created, **columns}

    def add(self, report):
        if not self.guard(report):
            return False
        self.store(report)
        return True

    def entry(self, activity_id, *, for_update=False):
        return self.reviews.entry(activity_id, for_update=for_update)

    def kegiatan_satuan(self, nip, skp_id):
        return {kid: satuan for kid, (satuan, _) in self.plans.kegiatan.get((nip, skp_id), {}).items()}

    def add_evidence(self, nip, evidence):
        self.files[(nip, evidence.evidence_id)] = evidence

    def save(self, activity, at, *, content_changed=False, submitted=False, evidence_id=None):
        self.activities.save(activity, at)
        stored = self.reviews.stored.setdefault(activity.activity_id, {})
        stored["updated_at"] = at
        if submitted:
            stored["submitted_at"] = at
        if content_changed and evidence_id is not None:
            stored["evidence_id"] = evidence_id

    def count_submitted(self, instansi_id, source):
        self.counted.append((instansi_id, source))

    def between(self, nip, start, end, state=None, after=None, limit=None):
        key = lambda v: (v["tanggal"], v["created_at"], v["activity_id"])  # noqa: E731 - the SQL's ORDER BY
        views = [{**self.reviews._view(a), "activity_id": uuid.UUID(a.activity_id)}
                 for a in self.activities.rows.values()
                 if a.nip == nip and start <= a.content.tanggal <= end and (state is None or a.state == state)]
        views = sorted(views, key=key)
        return [v for v in views if after is None or key(v) > tuple(after)][:limit]

    def evidence(self, nip, evidence_id):
        found = self.files.get((nip, evidence_id))
        return None if found is None else ports.EvidenceFile(found.evidence_id, found.content_type, found.data)

    def month_totals(self, nip, skp_id, start, end):
        totals: dict[str, tuple] = {}
        for a in self.activities.rows.values():
            stored = self.reviews.stored.get(a.activity_id, {})
            if a.nip != nip or stored.get("skp_id") != skp_id or not start <= a.content.tanggal <= end:
                continue
            reported, done = totals.get(a.content.kegiatan_id, (Decimal(0), Decimal(0)))
            if a.state != "draft":
                reported += a.content.kuantitas
            if a.state in ("approved", "locked"):
                done += a.kuantitas_diakui if a.kuantitas_diakui is not None else a.content.kuantitas
            totals[a.content.kegiatan_id] = (reported, done)
        return totals

    def targets_of_month(self, nip, skp_id, tahun, bulan):
        return [r for r in self.targets.rows(nip, skp_id) if (r.tahun, r.bulan) == (tahun, bulan)]


class FakeReportWrites(ports.ReportWrites):
    def __init__(self, path: FakeNewReports):
        self.path = path

    def read(self, nip, tanggal, kegiatan_id, key):
        self.path.reads += 1
        stored = self.path.answers.get(key) if key is not None else None
        ctx = self.path.reports.context(nip, tanggal, kegiatan_id) if tanggal is not None else None
        if stored is None and ctx is not None and not ctx.locked:  # the cache never holds a locked day
            self.path.cache[(nip, tanggal, kegiatan_id or "")] = ctx
        return stored, ctx

    def write(self, report, key, response):
        return self.path.write(report, key, response)

    def stored_answer(self, key):
        return self.path.answers.get(key)


class FakeNewReports(ports.NewReports):
    """SubmitActivity's path in memory over a fake unit's reports: the context cache, the idempotency keys claimed
    with their answers (`answers`), joined writes settled at once (`joined` counts them). `meanwhile` holds changes
    made by others between a request's read and its write, one per write (a lock, a new SKP version)."""

    def __init__(self, uow: FakeDesUnitOfWork):
        self.reports = uow.reports
        self.answers: dict[tuple[str, str], bytes | None] = {}
        self.cache: dict[tuple, ports.ReportContext] = {}
        self.meanwhile: list = []
        self.joined = 0
        self.reads = 0
        self.forgotten: list[str] = []

    def cached(self, nip, tanggal, kegiatan_id):
        return self.cache.get((nip, tanggal, kegiatan_id or ""))

    def forget(self, nip):
        self.forgotten.append(nip)
        for key in [k for k in self.cache if k[0] == nip]:
            del self.cache[key]

    def on_one_connection(self, work):
        return work(FakeReportWrites(self))

    def stored_answer(self, key):
        return self.answers.get(key)

    def write(self, report, key, response):
        if self.meanwhile:
            self.meanwhile.pop(0)()
        if not self.reports.guard(report):
            return False, False
        if key is not None:
            if key in self.answers:
                return True, False
            self.answers[key] = response
        self.reports.store(report)
        return True, True

    def write_joined(self, report, key, response, answer, otherwise):
        self.joined += 1
        guard, written = self.write(report, key, response)
        return answer if written else otherwise(guard)


class FakeDesUnitOfWork(FakeUnitOfWork, ports.DesUnitOfWork):
    def __init__(self):
        super().__init__()
        self.store = SkpStore()
        self.targets = FakeMonthlyTargets(self.store)
        self.skp = FakeSkpCopies(self.store)
        self.employees = FakeEmployees()
        self.imports = FakeImports()
        self.quick = FakeQuickEntries()
        self.settings = FakeInstansiSettings()
        self.relations = FakeRelations()
        self.audit = FakeAuditTrail()
        self.plans = FakePlans(self.relations)
        self.locks = FakeLocks()
        self.activities = FakeActivities()
        self.reviews = FakeReviews(self.activities)
        self.reports = FakeReports(self.plans, self.activities, self.reviews, self.audit, self.targets)
