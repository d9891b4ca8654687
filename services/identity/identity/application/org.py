"""Organisation, employees and assignments: the write use cases (with their events) and the reads.

Each use case takes an open `IdentityUnitOfWork`, the verified caller and plain values (the entrypoint,
`entrypoints/org_api.py`, maps protobuf and opens the unit: one per call, idempotent per key for the writes). Each
write runs in that one unit with its events (outbox) and audit record; a write that changes nothing writes no event.
Authorisation: `policy.authorize` on the instansi (and NIP) the request touches.
"""
from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from ekinerja_platform.domain_errors import FailedPrecondition, InvalidArgument, NotFound, PermissionDenied, quote
from ekinerja_platform.envelope import Event
from ekinerja_platform.pagination import page_request
from ekinerja_platform.tokens import Principal

from ..domain.golongan import is_active_for_duty, parse_golongan, parse_status
from ..domain.organisation import Assignment, JabatanKind, JobGroup, SupervisorChain, validate_new_assignment
from . import cascade, events, policy
from .common import actor_of, parse_date, today
from .org_records import (
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
from .org_view import AssignmentRow, OrgView
from .ports import IdentityUnitOfWork, InstansiRow, JabatanRow, OrgStore, PegawaiRow, UnitRow

INSTANSI_KINDS = ("pusat", "provinsi", "kabupaten", "kota")
DAY = dt.timedelta(days=1)


def _choice(value: str | None, allowed, field: str) -> str:
    """An enum the entrypoint named (None: not a known value)."""
    if value is None or value not in allowed:
        raise InvalidArgument(f"{field}: is required ({', '.join(allowed)})", field=field)
    return value


@dataclass(frozen=True)
class PegawaiView:
    """An employee with its definitive position today (and that position's row)."""

    row: PegawaiRow
    current: AssignmentRow | None
    jabatan: JabatanRow | None


@dataclass(frozen=True)
class Holder:
    nip: str
    nama: str
    acting: bool


@dataclass(frozen=True)
class OrgChart:
    instansi: InstansiRow
    units: list[UnitRow]
    positions: list[tuple[JabatanRow, list[Holder]]]
    pegawai_count: int


@dataclass(frozen=True)
class ChainAnswer:
    nip: str
    on: dt.date
    chain: SupervisorChain
    names: dict[str, str]


def _audit(uow: IdentityUnitOfWork, principal: Principal, action: str, target: str, correlation_id: str | None,
           **detail) -> None:
    uow.audit.record(actor=actor_of(principal), action=action, target=target, correlation_id=correlation_id,
                     **detail)


def _require_instansi(org: OrgStore, instansi_id: str) -> InstansiRow:
    row = org.instansi(instansi_id)
    if row is None:
        raise NotFound(f"instansi_id: {quote(instansi_id)} does not exist", field="instansi_id")
    return row


def _lock_chains_of(org: OrgStore, nip: str) -> None:
    """Serialise chain-changing writes per instansi, taken before any pegawai row (as the import does)."""
    row = org.pegawai(nip)
    if row is not None:
        org.lock_chains(row.instansi_id)


def _chain_view(org: OrgStore, instansi_id: str, nip: str) -> OrgView:
    """The person's assignments, their positions with every position above and those positions' holders."""
    own = org.assignments_of(nip)
    return org.scoped_view(instansi_id, positions={a.jabatan_id for a in own}, nips=[nip])


def pegawai_view(org: OrgStore, nip: str) -> PegawaiView:
    row = org.pegawai(nip)
    assert row is not None
    current = None
    for a in org.assignments_of(nip):
        if not a.acting and a.covers(today()):
            current = a
    return PegawaiView(row, current, org.jabatan(current.jabatan_id) if current is not None else None)


def _target(uow: IdentityUnitOfWork, principal: Principal, nip: str, rpc: str, *,
            for_update: bool = False) -> PegawaiRow:
    """The pegawai row of `nip` once the caller may act on it; NOT_FOUND only for callers who may know."""
    row = uow.org.pegawai(nip, for_update=for_update)
    if row is None:
        if principal.has_role("admin_bkn") or principal.has_role("admin_instansi", "agency_client"):
            raise NotFound("nip: no pegawai with this NIP", field="nip")
        raise PermissionDenied(f"{rpc} is not allowed for this caller on this target", field="authorization")
    supervises = False
    rule = policy.RULES[rpc]
    if (getattr(rule, "supervisor", False) and principal.nip and principal.nip != nip
            and principal.instansi_id == row.instansi_id):
        chain = _chain_view(uow.org, row.instansi_id, nip).chain(nip, today())
        supervises = chain is not None and principal.nip in {  # the heads up the chain read too (issue 16.3)
            h.nip for h in (chain.pejabat_penilai, chain.atasan_pejabat_penilai, *chain.heads) if h is not None}
    policy.authorize(rpc, principal, instansi_id=row.instansi_id, nip=nip, supervises=supervises)
    return row


def who_am_i(uow: IdentityUnitOfWork, principal: Principal) -> PegawaiView | None:
    """The caller's employee record, when it is an employee."""
    if principal.nip and uow.org.pegawai(principal.nip) is not None:
        return pegawai_view(uow.org, principal.nip)
    return None


# -- instansi, units, positions -----------------------------------------------------------------------------------

def upsert_instansi(uow: IdentityUnitOfWork, principal: Principal, instansi_text: str, nama_text: str,
                    kind: str | None, *, correlation_id: str | None = None) -> tuple[str, str]:
    """Create or rename an instansi; returns (id, nama)."""
    policy.authorize("UpsertInstansi", principal, instansi_id=instansi_text or None)
    instansi_id = valid_id(instansi_text, "id")
    nama = require_text(nama_text, "nama")
    uow.org.put_instansi(instansi_id, nama, _choice(kind, INSTANSI_KINDS, "kind"))
    _audit(uow, principal, "upsert_instansi", instansi_id, correlation_id)
    return instansi_id, nama


def list_instansi(uow: IdentityUnitOfWork, page_size: int, page_token: str) -> tuple[list[InstansiRow], str]:
    page = page_request(page_size, page_token, "identity.ListInstansi", key=(str,))
    rows = uow.org.instansi_after(page.after[0] if page.after else None, page.size + 1)
    return page.split(rows, lambda r: (r.id,))


def upsert_unit(uow: IdentityUnitOfWork, principal: Principal, instansi_text: str, unit_text: str, nama_text: str,
                parent_text: str, *, correlation_id: str | None = None) -> tuple[str, str, str, str | None]:
    """Create or update a unit; returns (id, instansi_id, nama, parent_id)."""
    instansi_id = valid_id(instansi_text, "instansi_id")
    policy.authorize("UpsertUnit", principal, instansi_id=instansi_id)
    unit_id = valid_id(unit_text, "id")
    nama = require_text(nama_text, "nama")
    parent_id = valid_id(parent_text, "parent_id") if parent_text else None
    _require_instansi(uow.org, instansi_id)
    view = uow.org.whole_view(instansi_id, with_assignments=False)
    upsert_unit_row(uow.org, view, unit_id, nama, parent_id)
    _audit(uow, principal, "upsert_unit", unit_id, correlation_id)
    return unit_id, instansi_id, nama, parent_id


def jabatan_spec(*, id: str, unit_id: str, nama: str, kind: str | None, job_group: str | None, parent_id: str,
                 eselon: str, jenjang: str, jenis_jabatan: str) -> JabatanSpec:
    """A position as `UpsertJabatan` asks for it (`kind`, `job_group`: None when not a known value)."""
    return JabatanSpec(
        id=valid_id(id, "id"), unit_id=valid_id(unit_id, "unit_id"), nama=require_text(nama, "nama"),
        kind=_choice(kind, [k.value for k in JabatanKind], "kind"),
        job_group=_choice(job_group, [g.value for g in JobGroup], "job_group"),
        parent_id=valid_id(parent_id, "parent_id") if parent_id else None,
        eselon=eselon.strip() or None, jenjang=jenjang.strip() or None, jenis_jabatan=valid_jenis(jenis_jabatan))


def authorize_jabatan(principal: Principal, instansi_text: str) -> str:
    instansi_id = valid_id(instansi_text, "instansi_id")
    policy.authorize("UpsertJabatan", principal, instansi_id=instansi_id)
    return instansi_id


def upsert_jabatan(uow: IdentityUnitOfWork, principal: Principal, instansi_id: str, spec: JabatanSpec, *,
                   correlation_id: str | None = None) -> JabatanRow:
    """Create or update a position (`authorize_jabatan` and `jabatan_spec` first); when it moves in the tree,
    everyone at or below it is told their penilai from today."""
    org = uow.org
    _require_instansi(org, instansi_id)
    org.lock_chains(instansi_id)
    existing = org.jabatan(spec.id)
    moved = existing is not None and existing.instansi_id == instansi_id and existing.parent_id != spec.parent_id
    # the position, its old and new ancestors; when it moves in the tree, its subtree and their holders
    view = org.scoped_view(instansi_id, positions=[spec.id, spec.parent_id or spec.id],
                           subtrees=[spec.id] if moved else [], units=[spec.unit_id],
                           holders_of=[spec.id, spec.parent_id or spec.id], with_assignments=moved)
    before = view.copy() if moved else None
    row, event = upsert_jabatan_row(org, view, spec)
    if event is not None:
        uow.record(event)
        if before is not None:
            uow.record_all(cascade.subordinate_events(uow.assignment_versions, before, view,
                                                      [cascade.Change(spec.id, today(), include_self=True)]))
    _audit(uow, principal, "upsert_jabatan", spec.id, correlation_id)
    return row


def organisation(uow: IdentityUnitOfWork, principal: Principal, instansi_text: str, on_text: str) -> OrgChart:
    """Every unit and position of the instansi with its holders on `on` (default today)."""
    instansi_id = instansi_text or principal.instansi_id
    if not instansi_id:
        raise InvalidArgument("instansi_id: is required", field="instansi_id")
    policy.authorize("GetOrganisation", principal, instansi_id=instansi_id)
    on = parse_date(on_text, "on", default=today())
    assert on is not None
    row = _require_instansi(uow.org, instansi_id)
    view = uow.org.whole_view(instansi_id)
    names = uow.org.names(instansi_id=instansi_id)
    positions = []
    for jabatan_id, jrow in sorted(view.jabatan_rows.items()):
        holders = sorted((a for a in view.by_jabatan.get(jabatan_id, ()) if a.covers(on)),
                         key=lambda a: (a.acting, a.nip))
        positions.append((jrow, [Holder(a.nip, names.get(a.nip, ""), a.acting) for a in holders]))
    return OrgChart(row, [u for _, u in sorted(view.units.items())], positions, len(names))


# -- pegawai ------------------------------------------------------------------------------------------------------

def pegawai_spec(principal: Principal, instansi_text: str, nip: str, nama: str, golongan: str,
                 status: str) -> tuple[str, PegawaiSpec]:
    """`RegisterPegawai`'s checks that need nothing stored: (instansi_id, spec)."""
    instansi_id = valid_id(instansi_text, "instansi_id")
    policy.authorize("RegisterPegawai", principal, instansi_id=instansi_id)
    return instansi_id, PegawaiSpec(nip=valid_nip(nip), nama=require_text(nama, "nama"),
                                    golongan=parse_golongan(golongan).value,
                                    status=parse_status(status or "aktif").value)


def register_pegawai(uow: IdentityUnitOfWork, principal: Principal, instansi_id: str, spec: PegawaiSpec, *,
                     correlation_id: str | None = None) -> PegawaiView:
    """Create or update an employee of the instansi (never one of another: no transfers here)."""
    org = uow.org
    _require_instansi(org, instansi_id)
    org.lock_chains(instansi_id)
    status_changes: list = []
    outcome, evts = upsert_pegawai_rows(org, instansi_id, [spec], status_changes=status_changes)
    if outcome.get(spec.nip) == "foreign":
        raise FailedPrecondition("nip: this pegawai belongs to another instansi (transfers are not "
                                 "supported by RegisterPegawai)", field="nip")
    for changed_nip, old_record, new_record in status_changes:
        evts += status_cascade(uow, instansi_id, changed_nip, old_record, new_record)
    uow.record_all(evts)
    _audit(uow, principal, "register_pegawai", spec.nip, correlation_id, outcome=outcome.get(spec.nip))
    return pegawai_view(org, spec.nip)


def get_pegawai(uow: IdentityUnitOfWork, principal: Principal, nip_text: str) -> PegawaiView:
    nip = valid_nip(nip_text)
    _target(uow, principal, nip, "GetPegawai")
    return pegawai_view(uow.org, nip)


def list_pegawai(uow: IdentityUnitOfWork, principal: Principal, instansi_text: str, unit_id: str, page_size: int,
                 page_token: str) -> tuple[list[PegawaiRow], int, str]:
    """A page of the instansi's employees (those in `unit_id` today, when given): (rows, total, next token)."""
    instansi_id = instansi_text or principal.instansi_id
    if not instansi_id:
        raise InvalidArgument("instansi_id: is required", field="instansi_id")
    policy.authorize("ListPegawai", principal, instansi_id=instansi_id)
    page = page_request(page_size, page_token, "identity.ListPegawai", instansi_id, unit_id, key=(str,))
    rows, total = uow.org.pegawai_after(instansi_id, page.after[0] if page.after else "", page.size + 1,
                                        unit_id=unit_id, on=today())
    rows, token = page.split(rows, lambda r: (r.nip,))
    return rows, total, token


def status_request(nip_text: str, status_text: str, effective_text: str,
                   end_text: str) -> tuple[str, str, dt.date, dt.date | None]:
    """`SetPegawaiStatus`'s checks that need nothing stored."""
    nip = valid_nip(nip_text)
    status = parse_status(status_text).value
    effective = parse_date(effective_text, "effective_date", default=today())
    assert effective is not None
    end = parse_date(end_text, "end_date", required=False)
    if end is not None and end < effective:
        raise InvalidArgument("end_date: before effective_date", field="end_date")
    return nip, status, effective, end


def set_status(uow: IdentityUnitOfWork, principal: Principal, nip: str, status: str, effective: dt.date,
               end: dt.date | None, *, correlation_id: str | None = None) -> PegawaiView:
    """The employee's status from `effective` to `end`; the people below its positions hear of a new penilai."""
    _lock_chains_of(uow.org, nip)
    row = _target(uow, principal, nip, "SetPegawaiStatus", for_update=True)
    if (row.status, row.status_since, row.status_until) != (status, effective, end):
        uow.org.set_status(nip, status, effective, end)
        if row.status != status:
            uow.record(events.employee_status_changed(nip, row.instansi_id, row.status, status, effective, end))
        uow.record_all(status_cascade(uow, row.instansi_id, nip, (row.status, row.status_since, row.status_until),
                                      (status, effective, end)))
        _audit(uow, principal, "set_status", nip, correlation_id, old=row.status, new=status)
    return pegawai_view(uow.org, nip)


def status_cascade(uow: IdentityUnitOfWork, instansi_id: str, nip: str, old: tuple, new: tuple) -> list[Event]:
    """`assignment_changed` for the people below the positions `nip` holds whose chain changes because `nip` goes
    off duty or back on duty. `old`/`new` are (status, since, until)."""
    if is_active_for_duty(old[0]) and is_active_for_duty(new[0]):
        return []  # aktif before and after: nobody's chain changes
    mine = uow.org.assignments_of(nip)
    dates = sorted({d for record in (old, new) for d in (record[1], record[2] and record[2] + DAY) if d})
    touched = {a.jabatan_id for a in mine if dates and (a.end is None or a.end >= dates[0])}
    if not touched or not dates:
        return []
    view = uow.org.scoped_view(instansi_id, positions=touched, subtrees=touched, nips=[nip])
    view.set_status(nip, *old)
    before = view.copy()
    view.set_status(nip, *new)
    return cascade.subordinate_events(uow.assignment_versions, before, view,
                                      [cascade.Change(j, d) for j in touched for d in dates])


# -- assignments --------------------------------------------------------------------------------------------------

def assignment_request(nip_text: str, jabatan_text: str, start_text: str, end_text: str,
                       acting: bool) -> tuple[str, str, dt.date, dt.date | None]:
    """`AssignJabatan`'s checks that need nothing stored."""
    nip = valid_nip(nip_text)
    jabatan_id = valid_id(jabatan_text, "jabatan_id")
    start = parse_date(start_text, "start")
    assert start is not None
    end = parse_date(end_text, "end", required=False)
    Assignment(nip, jabatan_id, start, end, acting)  # validates end >= start
    return nip, jabatan_id, start, end


def assign(uow: IdentityUnitOfWork, principal: Principal, nip: str, jabatan_id: str, start: dt.date,
           end: dt.date | None, acting: bool, *,
           correlation_id: str | None = None) -> tuple[AssignmentRow, JabatanRow]:
    """Give the employee the position from `start` (a definitive one ends the current definitive one the day
    before); the people below the positions whose holders change hear of their new penilai."""
    org = uow.org
    _lock_chains_of(org, nip)
    row = _target(uow, principal, nip, "AssignJabatan", for_update=True)
    mine = org.assignments_of(nip)
    # positions whose holders change from `start`: the new one, and what the person holds then (a move
    # vacates the old position; a holder of several positions is never their own penilai)
    touched = {jabatan_id} | {a.jabatan_id for a in mine if a.end is None or a.end >= start - DAY}
    view = org.scoped_view(row.instansi_id, positions={a.jabatan_id for a in mine}, subtrees=touched, nips=[nip])
    if jabatan_id not in view.jabatan:
        raise NotFound(f"jabatan_id: {quote(jabatan_id)} does not exist in instansi {quote(row.instansi_id)}",
                       field="jabatan_id")
    before = view.copy()
    a, event = assign_in_view(org, view, nip, jabatan_id, start, end, acting)
    if event is not None:
        uow.record(event)
        changes = [cascade.Change(j, start) for j in touched] + cascade.interval(jabatan_id, start, end)
        uow.record_all(cascade.subordinate_events(uow.assignment_versions, before, view, changes, own={nip: start}))
        _audit(uow, principal, "assign_jabatan", nip, correlation_id, jabatan_id=jabatan_id,
               start=start.isoformat())
    return a, view.jabatan_rows[jabatan_id]


def assign_in_view(org: OrgStore, view: OrgView, nip: str, jabatan_id: str, start: dt.date, end: dt.date | None,
                   acting: bool) -> tuple[AssignmentRow, Event | None]:
    """Give `nip` `jabatan_id` from `start` in the store and in `view` (which holds every assignment of the
    person). An identical existing assignment is a no-op. Returns (assignment, event or None)."""
    mine = list(view.by_nip.get(nip, ()))
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
        trial.append(Assignment(nip, moved.jabatan_id, moved.start, start - DAY, False))
    new = AssignmentRow(uuid.uuid4(), nip, jabatan_id, start, end, acting)
    validate_new_assignment(trial, new.domain())
    old_snapshot = None
    if moved is not None:
        org.set_assignment_end(moved.id, start - DAY)
        moved.end = start - DAY
        old_snapshot = AssignmentRow(moved.id, nip, moved.jabatan_id, moved.start, moved.end, False)
    org.add_assignment(view.instansi_id, new)
    view.add_assignment(new)
    version = org.bump_version(nip)
    return new, events.assignment_changed(view, assignment_id=new.id, nip=nip, acting=acting, effective_date=start,
                                          old=old_snapshot, new=new, version=version)


def parse_assignment_id(text: str) -> uuid.UUID:
    try:
        return uuid.UUID(text)
    except ValueError:
        raise InvalidArgument("assignment_id: not an assignment id", field="assignment_id") from None


def end_assignment(uow: IdentityUnitOfWork, principal: Principal, assignment_id: Any, end: dt.date, *,
                   correlation_id: str | None = None) -> tuple[AssignmentRow, JabatanRow | None]:
    """End an assignment on `end` (inclusive); the position is vacated from the day after."""
    org = uow.org
    a = org.assignment(assignment_id)
    if a is None:
        raise NotFound("assignment_id: no such assignment", field="assignment_id")
    _lock_chains_of(org, a.nip)
    row = _target(uow, principal, a.nip, "EndAssignment", for_update=True)
    if end < a.start:
        raise InvalidArgument(f"end: before the start {a.start.isoformat()}", field="end")
    if a.end == end:
        return a, org.jabatan(a.jabatan_id)
    mine = org.assignments_of(a.nip)
    view = org.scoped_view(row.instansi_id, positions={m.jabatan_id for m in mine}, subtrees=[a.jabatan_id],
                           nips=[a.nip])
    jrow = view.jabatan_rows[a.jabatan_id]
    before = view.copy()
    org.set_assignment_end(a.id, end)
    old = next(m for m in view.by_nip[a.nip] if m.id == a.id)
    old.end = end  # the view now reflects the change
    version = org.bump_version(a.nip)
    effective = end + DAY
    uow.record(events.assignment_changed(
        view, assignment_id=a.id, nip=a.nip, acting=a.acting, effective_date=effective,
        old=AssignmentRow(a.id, a.nip, a.jabatan_id, a.start, end, a.acting), new=None, version=version))
    # the position is vacated from `end + 1` (and, when the end moves later, held again until then)
    changes = [cascade.Change(a.jabatan_id, effective)]
    if a.end is not None:
        changes.append(cascade.Change(a.jabatan_id, a.end + DAY))
    uow.record_all(cascade.subordinate_events(uow.assignment_versions, before, view, changes,
                                              own={a.nip: effective}))
    _audit(uow, principal, "end_assignment", a.nip, correlation_id, assignment_id=str(a.id), end=end.isoformat())
    return old, jrow


def list_assignments(uow: IdentityUnitOfWork, principal: Principal, nip_text: str, page_size: int,
                     page_token: str) -> tuple[list[tuple[AssignmentRow, JabatanRow | None]], str]:
    nip = valid_nip(nip_text)
    page = page_request(page_size, page_token, "identity.ListAssignments", nip, key=(dt.date, str))
    row = _target(uow, principal, nip, "ListAssignments")
    view = uow.org.whole_view(row.instansi_id, with_assignments=False)
    items = sorted(uow.org.assignments_of(nip), key=lambda a: (a.start, str(a.id)))  # a person has few
    if page.after:
        items = [a for a in items if (a.start, str(a.id)) > page.after]
    items, token = page.split(items[:page.size + 1], lambda a: (a.start, str(a.id)))
    return [(a, view.jabatan_rows.get(a.jabatan_id)) for a in items], token


def supervisor_chain(uow: IdentityUnitOfWork, principal: Principal, nip_text: str, on_text: str) -> ChainAnswer:
    nip = valid_nip(nip_text)
    on = parse_date(on_text, "on", default=today())
    assert on is not None
    row = _target(uow, principal, nip, "GetSupervisorChain")
    chain = _chain_view(uow.org, row.instansi_id, nip).chain(nip, on)
    if chain is None:
        raise NotFound(f"nip: has no definitive jabatan on {on.isoformat()}", field="nip")
    wanted = [h.nip for h in (chain.pejabat_penilai, chain.atasan_pejabat_penilai, *chain.heads) if h is not None]
    return ChainAnswer(nip, on, chain, uow.org.names(nips=wanted) if wanted else {})
