"""Queries over identity's tables returning domain objects, and the in-memory view of one instansi used to
resolve supervisor chains for many people at once (bulk import, events)."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

import sqlalchemy as sa

from ..domain.organisation import Assignment, Jabatan, SupervisorChain, ancestors, resolve_supervisor_chain
from .tables import assignment, jabatan, pegawai, unit


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


def jabatan_from_row(row) -> Jabatan:
    return Jabatan(id=row.id, name=row.nama, unit_id=row.unit_id, kind=row.kind, job_group=row.job_group,
                   parent_id=row.parent_id, eselon=row.eselon, jenjang=row.jenjang)


class OrgView:
    """Positions, units and assignments of one instansi, indexed for chain resolution; kept up to date by the
    import as it writes, so later records see earlier ones."""

    def __init__(self, instansi_id: str):
        self.instansi_id = instansi_id
        self.units: dict[str, object] = {}
        self.jabatan_rows: dict[str, object] = {}
        self.jabatan: dict[str, Jabatan] = {}
        self.by_nip: dict[str, list[AssignmentRow]] = defaultdict(list)
        self.by_jabatan: dict[str, list[AssignmentRow]] = defaultdict(list)

    @classmethod
    def load(cls, session, instansi_id: str, *, with_assignments: bool = True) -> "OrgView":
        view = cls(instansi_id)
        for row in session.execute(sa.select(unit).where(unit.c.instansi_id == instansi_id)):
            view.units[row.id] = row
        for row in session.execute(sa.select(jabatan).where(jabatan.c.instansi_id == instansi_id)):
            view.put_jabatan(row)
        if with_assignments:
            for row in session.execute(sa.select(assignment).where(assignment.c.instansi_id == instansi_id)):
                view.add_assignment(AssignmentRow(row.id, row.nip, row.jabatan_id, row.start, row.end, row.acting))
        return view

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
        return resolve_supervisor_chain(nip, on, self.jabatan, relevant)


def load_assignments(session, nip: str) -> list[AssignmentRow]:
    rows = session.execute(sa.select(assignment).where(assignment.c.nip == nip).order_by(assignment.c.start))
    return [AssignmentRow(r.id, r.nip, r.jabatan_id, r.start, r.end, r.acting) for r in rows]


def chain_view(session, instansi_id: str, nip: str) -> OrgView:
    """A view holding the positions of the instansi, the person's assignments and those of the positions above
    them: enough to resolve one chain without reading every assignment of the instansi."""
    view = OrgView.load(session, instansi_id, with_assignments=False)
    own = load_assignments(session, nip)
    for a in own:
        view.add_assignment(a)
    wanted = set()
    for a in own:
        if a.jabatan_id in view.jabatan:
            wanted.update(j.id for j in ancestors(a.jabatan_id, view.jabatan))
    if wanted:
        for r in session.execute(sa.select(assignment).where(assignment.c.jabatan_id.in_(wanted))):
            if r.nip != nip:
                view.add_assignment(AssignmentRow(r.id, r.nip, r.jabatan_id, r.start, r.end, r.acting))
    return view


def pegawai_row(session, nip: str, *, for_update: bool = False):
    query = sa.select(pegawai).where(pegawai.c.nip == nip)
    if for_update:
        query = query.with_for_update()
    return session.execute(query).first()
