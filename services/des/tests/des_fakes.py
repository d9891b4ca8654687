"""In-memory repositories and unit of work for des's use-case tests (cosmicpython's `FakeRepository` habit).

They keep the rules the SQL adapters keep (the revision grows with each publication, a refused quick entry leaves
nothing behind its savepoint) and stand in for the report and plan use cases quick entry reaches through its port:
`FakeQuickEntries.refuse` makes them raise, as the domain would for a locked day or a closed window.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import itertools
from decimal import Decimal

from des.application import ports
from des.domain.quick_entry import Kegiatan
from ekinerja_platform.testing_uow import FakeUnitOfWork

_IDS = itertools.count(1)


class FakeMonthlyTargets(ports.MonthlyTargets):
    def __init__(self):
        self.documents: dict[tuple[str, str], ports.TargetsDocument] = {}
        self.kegiatan_rows: dict[tuple[str, str], list[ports.KegiatanTotal]] = {}
        self.months: dict[tuple[str, str], list[ports.MonthTarget]] = {}

    def add(self, nip: str, skp_id: str, start: dt.date, end: dt.date, instansi_id: str = "pemkot-bogor",
            kegiatan: dict[str, tuple[str, str, dict]] | None = None) -> None:
        """`kegiatan` {kegiatan_id: (satuan, total, {(tahun, bulan): kuantitas})}."""
        self.documents[(nip, skp_id)] = ports.TargetsDocument(instansi_id, start, end, revision=0)
        self.kegiatan_rows[(nip, skp_id)] = [ports.KegiatanTotal(kid, satuan, Decimal(total))
                                             for kid, (satuan, total, _) in (kegiatan or {}).items()]
        self.months[(nip, skp_id)] = [ports.MonthTarget(kid, y, m, Decimal(q))
                                      for kid, (_, _, split) in (kegiatan or {}).items()
                                      for (y, m), q in split.items()]

    def next_revision(self, nip, skp_id):
        doc = self.documents.get((nip, skp_id))
        if doc is None:
            return None
        doc = self.documents[(nip, skp_id)] = ports.TargetsDocument(doc.instansi_id, doc.period_start,
                                                                    doc.period_end, doc.revision + 1)
        return doc

    def kegiatan(self, nip, skp_id):
        return list(self.kegiatan_rows.get((nip, skp_id), []))

    def split(self, nip, skp_id):
        return list(self.months.get((nip, skp_id), []))


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


class FakeDesUnitOfWork(FakeUnitOfWork, ports.DesUnitOfWork):
    def __init__(self):
        super().__init__()
        self.targets = FakeMonthlyTargets()
        self.quick = FakeQuickEntries()
