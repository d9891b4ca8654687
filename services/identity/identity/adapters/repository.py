"""Queries over identity's tables returning domain objects, and the in-memory view of (part of) one instansi used
to resolve supervisor chains for many people at once (bulk import, events).

A view is either the whole instansi (`OrgView.load`, for bulk imports and the organisation chart) or scoped to what
one change can touch (`OrgView.load_scoped`): the positions named and all their ancestors, the subtrees below the
positions whose holders change (recursive CTEs), and the assignments of those positions and of the people named.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import sqlalchemy as sa

from ..application import ports
from ..domain.golongan import is_active_for_duty
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

    def covers(self, on: dt.date) -> bool:
        return self.start <= on and (self.end is None or on <= self.end)


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
        # pegawai not in `aktif` status: nip -> (status, since, until); everyone else is on duty
        self.status: dict[str, tuple[str, dt.date | None, dt.date | None]] = {}

    @classmethod
    def load(cls, session, instansi_id: str, *, with_assignments: bool = True) -> "OrgView":
        """The whole instansi (bulk import, organisation chart)."""
        view = cls(instansi_id)
        for row in session.execute(sa.select(unit).where(unit.c.instansi_id == instansi_id)):
            view.units[row.id] = row
        for row in session.execute(sa.select(jabatan).where(jabatan.c.instansi_id == instansi_id)):
            view.put_jabatan(row)
        if with_assignments:
            for row in session.execute(sa.select(assignment).where(assignment.c.instansi_id == instansi_id)):
                view.add_assignment(AssignmentRow(row.id, row.nip, row.jabatan_id, row.start, row.end, row.acting))
            view._load_status(session, sa.and_(pegawai.c.instansi_id == instansi_id, pegawai.c.status != "aktif"))
        return view

    @classmethod
    def load_scoped(cls, session, instansi_id: str, *, positions: Iterable[str] = (), subtrees: Iterable[str] = (),
                    nips: Iterable[str] = (), units: Iterable[str] = (), all_units: bool = False,
                    holders_of: Iterable[str] = (), with_assignments: bool = True) -> "OrgView":
        """The part of the instansi one change can touch: `positions` and `subtrees` with all their ancestors, every
        position below `subtrees`, the units of those positions (and `units`, or every unit with `all_units`), and
        the assignments that chains through them need: of the positions above the ones named, of the positions
        below `subtrees` (and of a subtree's top when something is below it), of `holders_of`, and every assignment
        of `nips`; plus the status of those holders. Cost is proportional to the subtrees and the depth of the tree,
        not to the size of the instansi (co-holders of a named position, e.g. 200 staff sharing it, are not read)."""
        view = cls(instansi_id)
        subtrees = sorted(set(subtrees))
        seeds = sorted(set(positions) | set(subtrees))
        rows = session.execute(sa.text(
            "WITH RECURSIVE up(id, depth) AS ("
            "  SELECT id, 0 FROM jabatan WHERE instansi_id = :i AND id = ANY(CAST(:seeds AS text[]))"
            "  UNION SELECT j.parent_id, up.depth + 1 FROM jabatan j JOIN up ON j.id = up.id"
            "  WHERE j.parent_id IS NOT NULL AND up.depth < 1000"
            "), down(id, depth) AS ("
            "  SELECT id, 0 FROM jabatan WHERE instansi_id = :i AND id = ANY(CAST(:roots AS text[]))"
            "  UNION SELECT j.id, down.depth + 1 FROM jabatan j JOIN down ON j.parent_id = down.id"
            "  WHERE down.depth < 1000"
            ") SELECT j.*, EXISTS (SELECT 1 FROM up WHERE up.id = j.id AND up.depth > 0) AS above,"
            "  EXISTS (SELECT 1 FROM down WHERE down.id = j.id AND down.depth > 0) AS below"
            " FROM jabatan j WHERE j.instansi_id = :i AND j.id IN (SELECT id FROM up UNION SELECT id FROM down)"),
            {"i": instansi_id, "seeds": seeds, "roots": subtrees}).all()
        for row in rows:
            view.put_jabatan(row)
        unit_query = sa.select(unit).where(unit.c.instansi_id == instansi_id)
        if not all_units:
            unit_query = unit_query.where(unit.c.id.in_({r.unit_id for r in rows} | set(units)))
        for row in session.execute(unit_query):
            view.units[row.id] = row
        nips = sorted(set(nips))
        parents = {r.parent_id for r in rows}
        needed = ({r.id for r in rows if r.above or r.below} | {r for r in subtrees if r in parents}
                  | (set(holders_of) & set(view.jabatan)))
        if with_assignments and (needed or nips):
            query = sa.select(assignment).where(sa.or_(assignment.c.jabatan_id.in_(sorted(needed)),
                                                       assignment.c.nip.in_(nips)))
            holders = set()
            for row in session.execute(query):
                view.add_assignment(AssignmentRow(row.id, row.nip, row.jabatan_id, row.start, row.end, row.acting))
                holders.add(row.nip)
            if holders:
                view._load_status(session, sa.and_(pegawai.c.nip.in_(holders), pegawai.c.status != "aktif"))
        return view

    def _load_status(self, session, where) -> None:
        query = sa.select(pegawai.c.nip, pegawai.c.status, pegawai.c.status_since, pegawai.c.status_until)
        for row in session.execute(query.where(where)):
            self.status[row.nip] = (row.status, row.status_since, row.status_until)

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

    def copy(self) -> "OrgView":
        """An independent copy (assignment rows included), e.g. the state before a change, to compare chains."""
        view = OrgView(self.instansi_id)
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


def load_assignments(session, nip: str) -> list[AssignmentRow]:
    rows = session.execute(sa.select(assignment).where(assignment.c.nip == nip).order_by(assignment.c.start))
    return [AssignmentRow(r.id, r.nip, r.jabatan_id, r.start, r.end, r.acting) for r in rows]


def chain_view(session, instansi_id: str, nip: str) -> OrgView:
    """A view holding the person's assignments, their positions with every position above them and those
    positions' assignments: enough to resolve one chain without reading the rest of the instansi."""
    own = load_assignments(session, nip)
    return OrgView.load_scoped(session, instansi_id, positions={a.jabatan_id for a in own}, nips=[nip])


def pegawai_row(session, nip: str, *, for_update: bool = False):
    query = sa.select(pegawai).where(pegawai.c.nip == nip)
    if for_update:
        query = query.with_for_update()
    return session.execute(query).first()


def take_versions(session, counts: Mapping[str, int]) -> dict[str, int]:
    """Reserve `counts[nip]` assignment versions per NIP in one statement; returns the last version before them."""
    nips = sorted(counts)
    result = session.execute(sa.text(
        "UPDATE pegawai SET assignment_version = pegawai.assignment_version + v.n "
        "FROM unnest(CAST(:nips AS text[]), CAST(:counts AS bigint[])) AS v(nip, n) "
        "WHERE pegawai.nip = v.nip RETURNING pegawai.nip, pegawai.assignment_version, v.n"),
        {"nips": nips, "counts": [counts[n] for n in nips]})
    return {row.nip: row.assignment_version - row.n for row in result}


class SqlAssignmentVersions(ports.AssignmentVersions):
    def __init__(self, session):
        self.session = session

    def take(self, counts):
        return take_versions(self.session, counts)
