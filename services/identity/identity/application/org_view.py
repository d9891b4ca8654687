"""The in-memory view of (part of) one instansi: positions, units, assignments and duty statuses, indexed to resolve
supervisor chains for many people at once (bulk import, events, the subordinates' cascade). Plain Python: the
use cases change it as they write, so later records see earlier ones; `adapters.repository.OrgView` loads it from
PostgreSQL (the whole instansi or the part one change can touch), the unit tests build it by hand.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Self

from ..domain.golongan import is_active_for_duty
from ..domain.organisation import Assignment, Jabatan, SupervisorChain, ancestors, resolve_supervisor_chain


@dataclass
class AssignmentRow:
    id: object
    nip: str
    jabatan_id: str
    start: dt.date
    end: dt.date | None
    acting: bool

    def domain(self) -> Assignment:
        return Assignment(self.nip, self.jabatan_id, self.start, self.end, self.acting)

    def covers(self, on: dt.date) -> bool:
        return self.start <= on and (self.end is None or on <= self.end)


def jabatan_from_row(row) -> Jabatan:
    return Jabatan(id=row.id, name=row.nama, unit_id=row.unit_id, kind=row.kind, job_group=row.job_group,
                   parent_id=row.parent_id, eselon=row.eselon, jenjang=row.jenjang)


class OrgView:
    """Positions, units and assignments of one instansi, indexed for chain resolution; kept up to date by the
    use cases as they write, so later records see earlier ones. Unit and position rows are any objects with the
    table's column names as attributes (SQL rows, or `ports.UnitRow` / `ports.JabatanRow`)."""

    def __init__(self, instansi_id: str):
        self.instansi_id = instansi_id
        self.units: dict[str, Any] = {}
        self.jabatan_rows: dict[str, Any] = {}
        self.jabatan: dict[str, Jabatan] = {}
        self.by_nip: dict[str, list[AssignmentRow]] = defaultdict(list)
        self.by_jabatan: dict[str, list[AssignmentRow]] = defaultdict(list)
        # pegawai not in `aktif` status: nip -> (status, since, until); everyone else is on duty
        self.status: dict[str, tuple[str, dt.date | None, dt.date | None]] = {}

    def set_status(self, nip: str, status: str, since: dt.date | None, until: dt.date | None) -> None:
        if status == "aktif":
            self.status.pop(nip, None)
        else:
            self.status[nip] = (status, since, until)

    def on_duty(self, nip: str, on: dt.date) -> bool:
        """Whether `nip` may act as penilai on `on`: its status is aktif, or the other status does not cover `on`
        (before its `since`, after its `until`)."""
        record = self.status.get(nip)
        if record is None:
            return True
        status, since, until = record
        if (since is not None and on < since) or (until is not None and on > until):
            return True
        return is_active_for_duty(status)

    def copy(self) -> Self:
        """An independent copy (assignment rows included), e.g. the state before a change, to compare chains."""
        view = type(self)(self.instansi_id)
        view.units, view.jabatan_rows, view.jabatan = dict(self.units), dict(self.jabatan_rows), dict(self.jabatan)
        for rows in self.by_nip.values():
            for a in rows:
                view.add_assignment(dataclasses.replace(a))
        view.status = dict(self.status)
        return view

    def children(self) -> dict[str, list[str]]:
        """parent position -> the loaded positions directly below it."""
        index = defaultdict(list)
        for j in self.jabatan.values():
            if j.parent_id is not None:
                index[j.parent_id].append(j.id)
        return index

    def put_jabatan(self, row) -> None:
        self.jabatan_rows[row.id] = row
        self.jabatan[row.id] = jabatan_from_row(row)

    def add_assignment(self, a: AssignmentRow) -> None:
        self.by_nip[a.nip].append(a)
        self.by_jabatan[a.jabatan_id].append(a)

    def definitive_on(self, nip: str, on: dt.date) -> AssignmentRow | None:
        for a in self.by_nip.get(nip, ()):
            if not a.acting and a.start <= on and (a.end is None or on <= a.end):
                return a
        return None

    def chain(self, nip: str, on: dt.date) -> SupervisorChain | None:
        """The chain of `nip` on `on`, or None when the person has no definitive position that day."""
        own = self.definitive_on(nip, on)
        if own is None:
            return None
        relevant = [a.domain() for a in self.by_nip.get(nip, ())]
        for above in ancestors(own.jabatan_id, self.jabatan):
            relevant.extend(a.domain() for a in self.by_jabatan.get(above.id, ()))
        return resolve_supervisor_chain(nip, on, self.jabatan, relevant, self.on_duty)
