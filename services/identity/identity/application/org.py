"""Organisation, employees and assignments: the write use cases (with their events) and the reads.

Each write runs in one transaction with its events (outbox) and audit record; a write that changes nothing writes
no event. Authorisation: `policy.authorize` on the instansi (and NIP) the request touches.
"""
from __future__ import annotations

import datetime as dt
import uuid

import sqlalchemy as sa

from ekinerja.identity.v1 import identity_pb2 as pb
from ekinerja_platform.domain_errors import FailedPrecondition, InvalidArgument, NotFound, PermissionDenied, quote
from ekinerja_platform.idempotency import run_once
from ekinerja_platform.outbox import record_event
from ekinerja_platform.pagination import page_request

from ..adapters import mapping
from ..adapters.audit import audit
from ..adapters.bulk import record_events
from ..adapters.org_store import SqlOrgStore
from ..adapters.repository import (
    AssignmentRow,
    OrgView,
    SqlAssignmentVersions,
    chain_view,
    load_assignments,
    pegawai_row,
)
from ..adapters.tables import assignment, instansi, jabatan, pegawai
from ..domain.golongan import is_active_for_duty, parse_golongan, parse_status
from ..domain.organisation import Assignment, validate_new_assignment
from . import cascade, events, policy
from .common import actor_of, parse_date, today
from .org_records import (  # noqa: F401 - re-exported for the callers of the old names
    JabatanSpec,
    PegawaiSpec,
    require_text,
    upsert_jabatan_row,
    upsert_pegawai_rows,
    upsert_unit_row,
    valid_id,
    valid_jenis,
    valid_nip,
)


class Org:
    def __init__(self, db, call):
        self.db = db
        self.call = call

    @property
    def principal(self):
        return self.call.require_principal()

    def _audit(self, session, action, target, **detail):
        audit(session, actor=actor_of(self.principal), action=action, target=target,
              correlation_id=self.call.correlation_id, **detail)

    def who_am_i(self) -> pb.WhoAmIResponse:
        p = self.principal
        response = pb.WhoAmIResponse(
            principal=pb.Principal(subject=p.subject, roles=list(p.roles), instansi_id=p.instansi_id or "",
                                   nip=p.nip or "", scopes=list(p.scopes), kelompok=list(p.kelompok)),
            account=p.subject)
        if p.nip:
            with self.db.transaction() as session:
                if pegawai_row(session, p.nip) is not None:
                    response.pegawai.CopyFrom(self._pegawai_pb(session, p.nip))
        return response

    # -- instansi, units, positions ----------------------------------------------------------------------------------
    def upsert_instansi(self, request: pb.Instansi) -> pb.Instansi:
        policy.authorize("UpsertInstansi", self.principal, instansi_id=request.id or None)
        instansi_id = valid_id(request.id, "id")
        nama = require_text(request.nama, "nama")
        kind = mapping.enum_value(mapping.INSTANSI_KINDS, request.kind, "kind")

        def work(session):
            stmt = (sa.dialects.postgresql.insert(instansi).values(id=instansi_id, nama=nama, kind=kind)
                    .on_conflict_do_update(index_elements=["id"], set_={"nama": nama, "kind": kind,
                                                                        "updated_at": sa.func.now()}))
            session.execute(stmt)
            self._audit(session, "upsert_instansi", instansi_id)
            return pb.Instansi(id=instansi_id, nama=nama, kind=request.kind)

        return run_once(self.db, self.call, "identity.UpsertInstansi", request, pb.Instansi, work)

    def list_instansi(self, request: pb.ListInstansiRequest) -> pb.ListInstansiResponse:
        page = page_request(request.page_size, request.page_token, "identity.ListInstansi", key=(str,))
        with self.db.transaction() as session:
            query = sa.select(instansi).order_by(instansi.c.id).limit(page.size + 1)
            if page.after:
                query = query.where(instansi.c.id > page.after[0])
            rows, token = page.split(session.execute(query).all(), lambda r: (r.id,))
        return pb.ListInstansiResponse(instansi=[mapping.instansi_pb(r) for r in rows], next_page_token=token)

    def upsert_unit(self, request: pb.Unit) -> pb.Unit:
        instansi_id = valid_id(request.instansi_id, "instansi_id")
        policy.authorize("UpsertUnit", self.principal, instansi_id=instansi_id)
        unit_id = valid_id(request.id, "id")
        nama = require_text(request.nama, "nama")
        parent_id = valid_id(request.parent_id, "parent_id") if request.parent_id else None

        def work(session):
            _require_instansi(session, instansi_id)
            view = OrgView.load(session, instansi_id, with_assignments=False)
            upsert_unit_row(SqlOrgStore(session), view, unit_id, nama, parent_id)
            self._audit(session, "upsert_unit", unit_id)
            return pb.Unit(id=unit_id, instansi_id=instansi_id, nama=nama, parent_id=parent_id or "")

        return run_once(self.db, self.call, "identity.UpsertUnit", request, pb.Unit, work)

    def upsert_jabatan(self, request: pb.Jabatan) -> pb.Jabatan:
        instansi_id = valid_id(request.instansi_id, "instansi_id")
        policy.authorize("UpsertJabatan", self.principal, instansi_id=instansi_id)
        spec = JabatanSpec(
            id=valid_id(request.id, "id"), unit_id=valid_id(request.unit_id, "unit_id"),
            nama=require_text(request.nama, "nama"),
            kind=mapping.enum_value(mapping.JABATAN_KINDS, request.kind, "kind"),
            job_group=mapping.enum_value(mapping.JOB_GROUPS, request.job_group, "job_group"),
            parent_id=valid_id(request.parent_id, "parent_id") if request.parent_id else None,
            eselon=request.eselon.strip() or None, jenjang=request.jenjang.strip() or None,
            jenis_jabatan=valid_jenis(request.jenis_jabatan))

        def work(session):
            _require_instansi(session, instansi_id)
            lock_chains(session, instansi_id)
            existing = session.execute(sa.select(jabatan.c.instansi_id, jabatan.c.parent_id)
                                       .where(jabatan.c.id == spec.id)).first()
            moved = (existing is not None and existing.instansi_id == instansi_id
                     and existing.parent_id != spec.parent_id)
            # the position, its old and new ancestors; when it moves in the tree, its subtree and their holders
            view = OrgView.load_scoped(session, instansi_id, positions=[spec.id, spec.parent_id or spec.id],
                                       subtrees=[spec.id] if moved else [], units=[spec.unit_id],
                                       holders_of=[spec.id, spec.parent_id or spec.id],
                                       with_assignments=moved)
            before = view.copy() if moved else None
            row, event = upsert_jabatan_row(SqlOrgStore(session), view, spec)
            if event is not None:
                record_event(session, event)
                if moved:  # everyone at or below the position may now have another penilai, from today
                    record_events(session, cascade.subordinate_events(
                        SqlAssignmentVersions(session), before, view,
                        [cascade.Change(spec.id, today(), include_self=True)]))
            self._audit(session, "upsert_jabatan", spec.id)
            return mapping.jabatan_pb(row)

        return run_once(self.db, self.call, "identity.UpsertJabatan", request, pb.Jabatan, work)

    def organisation(self, request: pb.GetOrganisationRequest) -> pb.Organisation:
        principal = self.principal
        instansi_id = request.instansi_id or principal.instansi_id
        if not instansi_id:
            raise InvalidArgument("instansi_id: is required", field="instansi_id")
        policy.authorize("GetOrganisation", principal, instansi_id=instansi_id)
        on = parse_date(request.on, "on", default=today())
        with self.db.transaction() as session:
            row = _require_instansi(session, instansi_id)
            view = OrgView.load(session, instansi_id)
            names = dict(session.execute(sa.select(pegawai.c.nip, pegawai.c.nama)
                                         .where(pegawai.c.instansi_id == instansi_id)).all())
        positions = []
        for jabatan_id, jrow in sorted(view.jabatan_rows.items()):
            holders = [a for a in view.by_jabatan.get(jabatan_id, ())
                       if a.start <= on and (a.end is None or on <= a.end)]
            holders.sort(key=lambda a: (a.acting, a.nip))
            positions.append(pb.PositionView(jabatan=mapping.jabatan_pb(jrow), holders=[
                pb.Holder(nip=a.nip, nama=names.get(a.nip, ""), acting=a.acting) for a in holders]))
        return pb.Organisation(instansi=mapping.instansi_pb(row),
                               units=[mapping.unit_pb(u) for _, u in sorted(view.units.items())],
                               positions=positions, pegawai_count=len(names))

    # -- pegawai ------------------------------------------------------------------------------------------------------
    def register_pegawai(self, request: pb.Pegawai) -> pb.Pegawai:
        instansi_id = valid_id(request.instansi_id, "instansi_id")
        policy.authorize("RegisterPegawai", self.principal, instansi_id=instansi_id)
        spec = PegawaiSpec(nip=valid_nip(request.nip), nama=require_text(request.nama, "nama"),
                           golongan=parse_golongan(request.golongan).value,
                           status=parse_status(request.status or "aktif").value)

        def work(session):
            _require_instansi(session, instansi_id)
            lock_chains(session, instansi_id)
            status_changes = []
            outcome, evts = upsert_pegawai_rows(SqlOrgStore(session), instansi_id, [spec],
                                                status_changes=status_changes)
            if outcome.get(spec.nip) == "foreign":
                raise FailedPrecondition("nip: this pegawai belongs to another instansi (transfers are not "
                                         "supported by RegisterPegawai)", field="nip")
            for changed_nip, old_record, new_record in status_changes:
                evts += status_cascade(session, instansi_id, changed_nip, old_record, new_record)
            record_events(session, evts)
            self._audit(session, "register_pegawai", spec.nip, outcome=outcome.get(spec.nip))
            return self._pegawai_pb(session, spec.nip)

        return run_once(self.db, self.call, "identity.RegisterPegawai", request, pb.Pegawai, work)

    def _pegawai_pb(self, session, nip: str) -> pb.Pegawai:
        row = pegawai_row(session, nip)
        current = None
        jrow = None
        for a in load_assignments(session, nip):
            if not a.acting and a.start <= today() and (a.end is None or today() <= a.end):
                current = a
        if current is not None:
            jrow = session.execute(sa.select(jabatan).where(jabatan.c.id == current.jabatan_id)).first()
        return mapping.pegawai_pb(row, current, jrow)

    def _target(self, session, nip: str, rpc: str, *, for_update: bool = False):
        """The pegawai row of `nip` once the caller may act on it; NOT_FOUND only for callers who may know."""
        row = pegawai_row(session, nip, for_update=for_update)
        principal = self.principal
        if row is None:
            if principal.has_role("admin_bkn") or principal.has_role("admin_instansi", "agency_client"):
                raise NotFound("nip: no pegawai with this NIP", field="nip")
            raise PermissionDenied(f"{rpc} is not allowed for this caller on this target", field="authorization")
        supervises = False
        rule = policy.RULES[rpc]
        if (getattr(rule, "supervisor", False) and principal.nip and principal.nip != nip
                and principal.instansi_id == row.instansi_id):
            chain = chain_view(session, row.instansi_id, nip).chain(nip, today())
            supervises = chain is not None and principal.nip in {  # the heads up the chain read too (issue 16.3)
                h.nip for h in (chain.pejabat_penilai, chain.atasan_pejabat_penilai, *chain.heads) if h is not None}
        policy.authorize(rpc, principal, instansi_id=row.instansi_id, nip=nip, supervises=supervises)
        return row

    def get_pegawai(self, request: pb.GetPegawaiRequest) -> pb.Pegawai:
        nip = valid_nip(request.nip)
        with self.db.transaction() as session:
            self._target(session, nip, "GetPegawai")
            return self._pegawai_pb(session, nip)

    def list_pegawai(self, request: pb.ListPegawaiRequest) -> pb.ListPegawaiResponse:
        instansi_id = request.instansi_id or self.principal.instansi_id
        if not instansi_id:
            raise InvalidArgument("instansi_id: is required", field="instansi_id")
        policy.authorize("ListPegawai", self.principal, instansi_id=instansi_id)
        page = page_request(request.page_size, request.page_token, "identity.ListPegawai", instansi_id,
                            request.unit_id, key=(str,))
        after = page.after[0] if page.after else ""
        with self.db.transaction() as session:
            query = sa.select(pegawai).where(pegawai.c.instansi_id == instansi_id)
            if request.unit_id:
                holders = (sa.select(assignment.c.nip).join(jabatan, jabatan.c.id == assignment.c.jabatan_id)
                           .where(jabatan.c.unit_id == request.unit_id, assignment.c.start <= today(),
                                  sa.or_(assignment.c.end.is_(None), assignment.c.end >= today())))
                query = query.where(pegawai.c.nip.in_(holders))
            total = session.execute(sa.select(sa.func.count()).select_from(query.subquery())).scalar_one()
            rows, token = page.split(session.execute(
                query.where(pegawai.c.nip > after).order_by(pegawai.c.nip).limit(page.size + 1)).all(),
                lambda r: (r.nip,))
        return pb.ListPegawaiResponse(pegawai=[mapping.pegawai_pb(r) for r in rows], total=total,
                                      next_page_token=token)

    def set_status(self, request: pb.SetPegawaiStatusRequest) -> pb.Pegawai:
        nip = valid_nip(request.nip)
        status = parse_status(request.status).value
        effective = parse_date(request.effective_date, "effective_date", default=today())
        end = parse_date(request.end_date, "end_date", required=False)
        if end is not None and end < effective:
            raise InvalidArgument("end_date: before effective_date", field="end_date")

        def work(session):
            lock_chains_of(session, nip)
            row = self._target(session, nip, "SetPegawaiStatus", for_update=True)
            if (row.status, row.status_since, row.status_until) != (status, effective, end):
                session.execute(sa.update(pegawai).where(pegawai.c.nip == nip).values(
                    status=status, status_since=effective, status_until=end, updated_at=sa.func.now()))
                if row.status != status:
                    record_event(session, events.employee_status_changed(nip, row.instansi_id, row.status, status,
                                                                         effective, end))
                record_events(session, status_cascade(
                    session, row.instansi_id, nip, (row.status, row.status_since, row.status_until),
                    (status, effective, end)))
                self._audit(session, "set_status", nip, old=row.status, new=status)
            return self._pegawai_pb(session, nip)

        return run_once(self.db, self.call, "identity.SetPegawaiStatus", request, pb.Pegawai, work)

    # -- assignments -------------------------------------------------------------------------------------------------
    def assign(self, request: pb.AssignJabatanRequest) -> pb.Assignment:
        nip = valid_nip(request.nip)
        jabatan_id = valid_id(request.jabatan_id, "jabatan_id")
        start = parse_date(request.start, "start")
        end = parse_date(request.end, "end", required=False)
        Assignment(nip, jabatan_id, start, end, request.acting)  # validates end >= start

        def work(session):
            lock_chains_of(session, nip)
            row = self._target(session, nip, "AssignJabatan", for_update=True)
            mine = load_assignments(session, nip)
            # positions whose holders change from `start`: the new one, and what the person holds then (a move
            # vacates the old position; a holder of several positions is never their own penilai)
            touched = {jabatan_id} | {a.jabatan_id for a in mine if a.end is None or a.end >= start - DAY}
            view = OrgView.load_scoped(session, row.instansi_id, positions={a.jabatan_id for a in mine},
                                       subtrees=touched, nips=[nip])
            if jabatan_id not in view.jabatan:
                raise NotFound(f"jabatan_id: {quote(jabatan_id)} does not exist in instansi {quote(row.instansi_id)}",
                               field="jabatan_id")
            before = view.copy()
            a, event = assign_in_view(session, view, row, jabatan_id, start, end, request.acting)
            if event is not None:
                record_event(session, event)
                changes = [cascade.Change(j, start) for j in touched] + cascade.interval(jabatan_id, start, end)
                record_events(session, cascade.subordinate_events(SqlAssignmentVersions(session), before, view, changes,
                                                                         own={nip: start}))
                self._audit(session, "assign_jabatan", nip, jabatan_id=jabatan_id, start=start.isoformat())
            return mapping.assignment_pb(a, view.jabatan_rows[jabatan_id])

        return run_once(self.db, self.call, "identity.AssignJabatan", request, pb.Assignment, work)

    def end_assignment(self, request: pb.EndAssignmentRequest) -> pb.Assignment:
        try:
            assignment_id = uuid.UUID(request.assignment_id)
        except ValueError:
            raise InvalidArgument("assignment_id: not an assignment id", field="assignment_id") from None
        end = parse_date(request.end, "end")

        def work(session):
            a = session.execute(sa.select(assignment).where(assignment.c.id == assignment_id)).first()
            if a is None:
                raise NotFound("assignment_id: no such assignment", field="assignment_id")
            lock_chains_of(session, a.nip)
            row = self._target(session, a.nip, "EndAssignment", for_update=True)
            if end < a.start:
                raise InvalidArgument(f"end: before the start {a.start.isoformat()}", field="end")
            if a.end == end:
                return mapping.assignment_pb(a, session.execute(
                    sa.select(jabatan).where(jabatan.c.id == a.jabatan_id)).first())
            mine = load_assignments(session, a.nip)
            view = OrgView.load_scoped(session, row.instansi_id, positions={m.jabatan_id for m in mine},
                                       subtrees=[a.jabatan_id], nips=[a.nip])
            jrow = view.jabatan_rows[a.jabatan_id]
            before = view.copy()
            session.execute(sa.update(assignment).where(assignment.c.id == a.id)
                            .values(end=end, updated_at=sa.func.now()))
            old = next(m for m in view.by_nip[a.nip] if m.id == a.id)
            old.end = end  # the view now reflects the change
            version = _bump_version(session, a.nip)
            effective = end + DAY
            record_event(session, events.assignment_changed(
                view, assignment_id=a.id, nip=a.nip, acting=a.acting, effective_date=effective,
                old=AssignmentRow(a.id, a.nip, a.jabatan_id, a.start, end, a.acting), new=None, version=version))
            # the position is vacated from `end + 1` (and, when the end moves later, held again until then)
            changes = [cascade.Change(a.jabatan_id, effective)]
            if a.end is not None:
                changes.append(cascade.Change(a.jabatan_id, a.end + DAY))
            record_events(session, cascade.subordinate_events(SqlAssignmentVersions(session), before, view, changes,
                                                                     own={a.nip: effective}))
            self._audit(session, "end_assignment", a.nip, assignment_id=str(a.id), end=end.isoformat())
            return mapping.assignment_pb(old, jrow)

        return run_once(self.db, self.call, "identity.EndAssignment", request, pb.Assignment, work)

    def list_assignments(self, request: pb.ListAssignmentsRequest) -> pb.ListAssignmentsResponse:
        nip = valid_nip(request.nip)
        page = page_request(request.page_size, request.page_token, "identity.ListAssignments", nip,
                            key=(dt.date, str))
        with self.db.transaction() as session:
            row = self._target(session, nip, "ListAssignments")
            view = OrgView.load(session, row.instansi_id, with_assignments=False)
            items = sorted(load_assignments(session, nip), key=lambda a: (a.start, str(a.id)))  # a person has few
        if page.after:
            items = [a for a in items if (a.start, str(a.id)) > page.after]
        items, token = page.split(items[:page.size + 1], lambda a: (a.start, str(a.id)))
        return pb.ListAssignmentsResponse(next_page_token=token, assignments=[
            mapping.assignment_pb(a, view.jabatan_rows.get(a.jabatan_id)) for a in items])

    def supervisor_chain(self, request: pb.GetSupervisorChainRequest) -> pb.SupervisorChain:
        nip = valid_nip(request.nip)
        on = parse_date(request.on, "on", default=today())
        with self.db.transaction() as session:
            row = self._target(session, nip, "GetSupervisorChain")
            view = chain_view(session, row.instansi_id, nip)
            names = {}
            chain = view.chain(nip, on)
            if chain is None:
                raise NotFound(f"nip: has no definitive jabatan on {on.isoformat()}", field="nip")
            wanted = [h.nip for h in (chain.pejabat_penilai, chain.atasan_pejabat_penilai, *chain.heads)
                      if h is not None]
            if wanted:
                names = dict(session.execute(sa.select(pegawai.c.nip, pegawai.c.nama)
                                             .where(pegawai.c.nip.in_(wanted))).all())

        def holder(h):
            return pb.Holder(nip=h.nip, nama=names.get(h.nip, ""), acting=h.acting) if h else None

        return pb.SupervisorChain(
            nip=nip, on=on.isoformat(), jabatan_id=chain.jabatan_id, pejabat_penilai=holder(chain.pejabat_penilai),
            atasan_pejabat_penilai=holder(chain.atasan_pejabat_penilai),
            penilai_jabatan_id=chain.pejabat_penilai.jabatan_id if chain.pejabat_penilai else "",
            atasan_penilai_jabatan_id=(chain.atasan_pejabat_penilai.jabatan_id
                                       if chain.atasan_pejabat_penilai else ""),
            heads=[holder(h) for h in chain.heads])


# -- writes shared by the RPCs and the bulk import ---------------------------------------------------------------------

def lock_chains(session, instansi_id: str) -> None:
    """Serialise the writes that change supervisor chains in one instansi (assignments, statuses, the position
    tree; the bulk import locks the same row): each computes the subordinates' new chains from a state no
    concurrent writer is changing. Taken before any pegawai row, as the import does, so they cannot deadlock."""
    session.execute(sa.select(instansi.c.id).where(instansi.c.id == instansi_id).with_for_update(key_share=True))


def lock_chains_of(session, nip: str) -> None:
    instansi_id = session.execute(sa.select(pegawai.c.instansi_id).where(pegawai.c.nip == nip)).scalar()
    if instansi_id is not None:
        lock_chains(session, instansi_id)


def _require_instansi(session, instansi_id: str):
    row = session.execute(sa.select(instansi).where(instansi.c.id == instansi_id)).first()
    if row is None:
        raise NotFound(f"instansi_id: {quote(instansi_id)} does not exist", field="instansi_id")
    return row


DAY = dt.timedelta(days=1)


def status_cascade(session, instansi_id: str, nip: str, old: tuple, new: tuple) -> list:
    """`assignment_changed` for the people below the positions `nip` holds whose chain changes because `nip` goes
    off duty or back on duty. `old`/`new` are (status, since, until)."""
    if is_active_for_duty(old[0]) and is_active_for_duty(new[0]):
        return []  # aktif before and after: nobody's chain changes
    mine = load_assignments(session, nip)
    dates = sorted({d for record in (old, new) for d in (record[1], record[2] and record[2] + DAY) if d})
    touched = {a.jabatan_id for a in mine if dates and (a.end is None or a.end >= dates[0])}
    if not touched or not dates:
        return []
    view = OrgView.load_scoped(session, instansi_id, positions=touched, subtrees=touched, nips=[nip])
    view.set_status(nip, *old)
    before = view.copy()
    view.set_status(nip, *new)
    return cascade.subordinate_events(SqlAssignmentVersions(session), before, view,
                                      [cascade.Change(j, d) for j in touched for d in dates])


def _bump_version(session, nip: str) -> int:
    return session.execute(sa.update(pegawai).where(pegawai.c.nip == nip)
                           .values(assignment_version=pegawai.c.assignment_version + 1)
                           .returning(pegawai.c.assignment_version)).scalar_one()


def assign_in_view(session, view: OrgView, person, jabatan_id: str, start: dt.date, end: dt.date | None,
                   acting: bool, *, defer_event: bool = False):
    """Give `person` `jabatan_id` from `start`. A definitive assignment ends the current definitive one the day
    before (a move). An identical existing assignment is a no-op. Returns (assignment row, event or None); with
    `defer_event` the event is returned as a callable so the caller can resolve penilai after all writes."""
    nip = person.nip
    mine = list(view.by_nip.get(nip, ()))  # `view` holds every assignment of the instansi
    for a in mine:
        if (a.jabatan_id, a.start, a.end, a.acting) == (jabatan_id, start, end, acting):
            return a, None
    moved = None
    if not acting:
        for a in mine:
            if not a.acting and a.start < start and (a.end is None or a.end >= start):
                moved = a
    trial = [a.domain() for a in mine if a is not moved]
    if moved is not None:
        trial.append(Assignment(nip, moved.jabatan_id, moved.start, start - dt.timedelta(days=1), False))
    new = AssignmentRow(uuid.uuid4(), nip, jabatan_id, start, end, acting)
    validate_new_assignment(trial, new.domain())
    old_snapshot = None
    if moved is not None:
        session.execute(sa.update(assignment).where(assignment.c.id == moved.id)
                        .values(end=start - dt.timedelta(days=1), updated_at=sa.func.now()))
        moved.end = start - dt.timedelta(days=1)
        old_snapshot = AssignmentRow(moved.id, nip, moved.jabatan_id, moved.start, moved.end, False)
    session.execute(sa.insert(assignment).values(id=new.id, nip=nip, jabatan_id=jabatan_id,
                                                 instansi_id=view.instansi_id, start=start, end=end, acting=acting))
    view.add_assignment(new)
    version = _bump_version(session, nip)

    def make_event():
        return events.assignment_changed(view, assignment_id=new.id, nip=nip, acting=acting, effective_date=start,
                                         old=old_snapshot, new=new, version=version)

    return new, (make_event if defer_event else make_event())
