"""Queries over identity's tables returning domain objects, and the loaders of the in-memory organisation view
(`application.org_view.OrgView`) used to resolve supervisor chains for many people at once (bulk import, events).

A view is either the whole instansi (`OrgView.load`, for bulk imports and the organisation chart) or scoped to what
one change can touch (`OrgView.load_scoped`): the positions named and all their ancestors, the subtrees below the
positions whose holders change (recursive CTEs), and the assignments of those positions and of the people named.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping

import sqlalchemy as sa

from ..application import org_view, ports
from ..application.org_view import AssignmentRow, jabatan_from_row
from .tables import assignment, jabatan, pegawai, unit

__all__ = ["AssignmentRow", "OrgView", "jabatan_from_row", "load_assignments", "pegawai_row",
           "take_versions", "SqlAssignmentVersions"]


class OrgView(org_view.OrgView):
    """The application's view, loaded from PostgreSQL."""

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

def load_assignments(session, nip: str) -> list[AssignmentRow]:
    rows = session.execute(sa.select(assignment).where(assignment.c.nip == nip).order_by(assignment.c.start))
    return [AssignmentRow(r.id, r.nip, r.jabatan_id, r.start, r.end, r.acting) for r in rows]


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
