"""Bulk sync (e-PUPNS style): `ImportPegawai` streams units, positions and employees of one instansi.

Each stream message (one record, or many in `records`) is one transaction, applied whole or not at all, like des's
import: the answer's `messages_applied` says how many were committed, a stream that breaks off (cancelled, deadline,
lost connection) keeps exactly the messages applied before it, and re-sending it is safe. The instansi row is locked
per message, so two imports of one agency interleave message by message, never record by record. Each record is
validated on its own; a bad one is reported with its line and field and never stops the rest of its message.
Employees are written in batches with set-based statements (one multi-row upsert per batch, not a statement per
record); a record equal to what is stored changes nothing and emits nothing, so re-running an import is a no-op.
Assignment events are built after every write of a message, so a subordinate imported before their boss in the
same message still gets the right penilai; people already in place whose penilai changes because of the import
(a new boss, a vacated or moved position, a boss's status) get an `assignment_changed` too (`cascade`). Send
records in messages of a few thousand (the CLI: 5,000, ~0.6 MB): one record per message costs a transaction each,
and a message of more than `SMALL_IMPORT` records loads the whole instansi once (10,000 employees in messages of
1,000 re-ran 5x slower than in messages of 5,000; `scripts/bench_identity.py --per-message`).

A small message (up to `SMALL_IMPORT` records) reads only what it touches: the named positions with their ancestors
and subtrees and the named people's assignments (`OrgView.load_scoped`); a bigger one loads the whole instansi once.
"""
from __future__ import annotations

import datetime as dt
import uuid

import sqlalchemy as sa

from ekinerja.identity.v1 import identity_pb2 as pb
from ekinerja_platform import clock
from ekinerja_platform.domain_errors import DomainError, NotFound, quote

from ..adapters.audit import audit
from ..adapters.bulk import copy_rows, record_events, update_from_arrays
from ..adapters.repository import AssignmentRow, OrgView, SqlAssignmentVersions
from ..adapters.tables import assignment, instansi, pegawai
from ..domain.golongan import is_active_for_duty, parse_golongan, parse_status
from ..domain.organisation import Assignment, validate_new_assignment
from . import cascade, events, policy
from .common import parse_date, today
from .org import (
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

BATCH = 1000
MAX_ERRORS_REPORTED = 1000
SMALL_IMPORT = 500  # up to this many records, load only the part of the instansi they touch


class _Record:
    __slots__ = ("line", "spec", "jabatan_id", "tmt")

    def __init__(self, line, spec, jabatan_id, tmt):
        self.line, self.spec, self.jabatan_id, self.tmt = line, spec, jabatan_id, tmt


def import_pegawai(db, call, messages) -> pb.ImportPegawaiResponse:
    """Each stream message is one transaction, applied whole or not at all; `messages_applied` counts the
    committed ones. A stream that breaks off keeps the messages applied before it: re-sending the whole stream
    is safe (records already stored are `unchanged` and emit nothing)."""
    principal = call.require_principal()
    summary = pb.ImportPegawaiResponse()
    instansi_id = None
    number = 0  # records read so far: a record's line when the client gave none
    for message in messages:
        if instansi_id is None:
            instansi_id = valid_id(message.instansi_id, "instansi_id")
            policy.authorize("ImportPegawai", principal, instansi_id=instansi_id)
        records = []
        for record in _records_of(message):
            number += 1
            records.append((record.line or number, record))
        part = _apply_message(db, call, principal, instansi_id, message.instansi_id, records,
                              summary.messages_applied + 1)
        _add(summary, part)
    return summary


def _records_of(message):
    """The records a message carries: its `records`, and the single record of the original message form."""
    yield from message.records
    if message.WhichOneof("record") is not None or not message.records:
        yield message  # same field names as ImportPegawaiRecord; a message with no record at all is reported


def _add(summary, part) -> None:
    for name in ("received", "created", "updated", "unchanged", "failed", "events"):
        setattr(summary, name, getattr(summary, name) + getattr(part, name))
    room = MAX_ERRORS_REPORTED - len(summary.errors)
    summary.errors.extend(part.errors[:max(room, 0)])
    summary.messages_applied += 1


def _apply_message(db, call, principal, instansi_id: str, message_instansi: str, records, number: int):  # noqa: C901 - TODO issue 17.14: split
    """One message's records in one transaction (the instansi row locked, so imports of one agency apply their
    messages one at a time); returns its counts, which count only once it committed."""
    summary = pb.ImportPegawaiResponse()
    pending_events = []  # (callable or Event)
    changes: list[cascade.Change] = []  # whose holders or place in the tree changed, for the subordinates' events
    own: dict[str, dt.date] = {}  # nip -> the latest effective date of its own assignment_changed in this message
    small = len(records) <= SMALL_IMPORT

    def error(line, exc):
        summary.failed += 1
        if len(summary.errors) < MAX_ERRORS_REPORTED:
            field = getattr(exc, "field", None) or ""
            summary.errors.add(line=line, field=field, message=str(exc))

    with db.transaction() as session:
        locked = sa.select(instansi.c.id).where(instansi.c.id == instansi_id).with_for_update()
        if session.execute(locked).first() is None:
            raise NotFound(f"instansi_id: {quote(instansi_id)} does not exist", field="instansi_id")
        view = (_scoped_view(session, instansi_id, [r for _, r in records]) if small
                else OrgView.load(session, instansi_id))
        before = view.copy()
        batch: list[_Record] = []

        def flush():
            _flush_pegawai(session, view, batch, summary, pending_events, error, changes, own)
            batch.clear()

        for line, message in records:
            summary.received += 1
            try:
                if message_instansi != instansi_id:
                    raise DomainError("instansi_id: every record of one import must name the same instansi",
                                      field="instansi_id")
                kind = message.WhichOneof("record")
                if kind == "pegawai":
                    batch.append(_pegawai_record(line, message.pegawai))
                    if len(batch) >= BATCH:
                        flush()
                    continue
                if batch:
                    flush()  # units and positions after employees: keep the stream's order
                with session.begin_nested():
                    if kind == "unit":
                        u = message.unit
                        existed = u.id.strip() in view.units
                        parent = valid_id(u.parent_id, "parent_id") if u.parent_id else None
                        changed = upsert_unit_row(session, view, valid_id(u.id, "id"), require_text(u.nama, "nama"),
                                                  parent)
                    elif kind == "jabatan":
                        j = message.jabatan
                        existed = valid_id(j.id, "id") in view.jabatan
                        spec = JabatanSpec(id=j.id.strip(), unit_id=valid_id(j.unit_id, "unit_id"),
                                           nama=require_text(j.nama, "nama"), kind=_text(j.kind, "kind"),
                                           job_group=_text(j.job_group, "job_group"),
                                           parent_id=valid_id(j.parent_id, "parent_id") if j.parent_id else None,
                                           eselon=j.eselon.strip() or None, jenjang=j.jenjang.strip() or None,
                                           jenis_jabatan=valid_jenis(j.jenis_jabatan))
                        old_parent = view.jabatan[spec.id].parent_id if existed else None
                        _, event = upsert_jabatan_row(session, view, spec)
                        changed = event is not None
                        if event is not None:
                            pending_events.append(event)
                            if existed and old_parent != spec.parent_id:  # moved in the tree from today
                                changes.append(cascade.Change(spec.id, today(), include_self=True))
                    else:
                        raise DomainError("record: one of unit, jabatan or pegawai is required", field="record")
                _count(summary, changed, created=changed and not existed)
            except DomainError as exc:
                error(line, exc)
            except ValueError as exc:  # enum values in JabatanSpec
                error(line, DomainError(str(exc), field="kind"))
        if batch:
            flush()
        built = [e() if callable(e) else e for e in pending_events]
        built += cascade.subordinate_events(SqlAssignmentVersions(session), before, view, changes, own=own)
        summary.events = record_events(session, built)
        audit(session, actor=principal.subject, action="import_pegawai", target=instansi_id,
              correlation_id=call.correlation_id, message=number, received=summary.received,
              created=summary.created, updated=summary.updated, unchanged=summary.unchanged, failed=summary.failed,
              events=summary.events)
    return summary


def _scoped_view(session, instansi_id: str, messages) -> OrgView:
    """What a small import can touch: the positions it names (with ancestors and subtrees), the people it names
    (their assignments and positions), every unit of the instansi (few, and the unit tree is checked whole)."""
    positions, nips, tree_changes = set(), set(), set()
    for m in messages:
        kind = m.WhichOneof("record")
        if kind == "jabatan":
            positions.update(p.strip() for p in (m.jabatan.id, m.jabatan.parent_id) if p.strip())
            tree_changes.update(p.strip() for p in (m.jabatan.id, m.jabatan.parent_id) if p.strip())
        elif kind == "pegawai":
            if m.pegawai.jabatan_id.strip():
                positions.add(m.pegawai.jabatan_id.strip())
            try:
                nips.add(valid_nip(m.pegawai.nip))
            except DomainError:
                pass  # reported when the record is read
    held = set(session.execute(sa.select(assignment.c.jabatan_id).distinct()
                               .where(assignment.c.nip.in_(nips))).scalars()) if nips else set()
    return OrgView.load_scoped(session, instansi_id, positions=positions | held, subtrees=positions | held,
                               nips=nips, holders_of=tree_changes, all_units=True)


def _text(value: str, field: str) -> str:
    value = (value or "").strip().lower()
    if not value:
        raise DomainError(f"{field}: is required", field=field)
    return value


def _count(summary, changed: bool, created: bool) -> None:
    if created:
        summary.created += 1
    elif changed:
        summary.updated += 1
    else:
        summary.unchanged += 1


def _pegawai_record(line: int, p: pb.ImportPegawai) -> _Record:
    spec = PegawaiSpec(nip=valid_nip(p.nip), nama=require_text(p.nama, "nama"),
                       golongan=parse_golongan(p.golongan).value, status=parse_status(p.status or "aktif").value)
    jabatan_id = valid_id(p.jabatan_id, "jabatan_id") if p.jabatan_id else None
    tmt = parse_date(p.tmt_jabatan, "tmt_jabatan") if jabatan_id else None
    if tmt is not None and tmt > clock.today() + dt.timedelta(days=366):
        raise DomainError("tmt_jabatan: more than a year ahead", field="tmt_jabatan")
    return _Record(line, spec, jabatan_id, tmt)


def _flush_pegawai(session, view: OrgView, batch: list[_Record], summary, pending_events, error, changes,  # noqa: C901 - TODO issue 17.14: split
                   own) -> None:
    # Checks needing the stored state, before any write: position exists, one record per NIP in a batch.
    good: list[_Record] = []
    seen = set()
    for rec in batch:
        if rec.spec.nip in seen:
            error(rec.line, DomainError("nip: appears twice in one batch of this import", field="nip"))
            continue
        if rec.jabatan_id is not None and rec.jabatan_id not in view.jabatan:
            error(rec.line, DomainError(f"jabatan_id: {quote(rec.jabatan_id)} does not exist in this instansi",
                                        field="jabatan_id"))
            continue
        seen.add(rec.spec.nip)
        good.append(rec)
    status_changes = []
    outcome, evts = upsert_pegawai_rows(session, view.instansi_id, [r.spec for r in good],
                                        status_changes=status_changes)
    pending_events.extend(evts)
    for rec in good:  # registered off duty (status since ever): never anyone's penilai
        if outcome.get(rec.spec.nip) == "created" and not is_active_for_duty(rec.spec.status):
            view.set_status(rec.spec.nip, rec.spec.status, None, None)
    for nip, old, new in status_changes:  # the positions of someone going off (or back on) duty, from today
        view.set_status(nip, *new)
        if is_active_for_duty(old[0]) != is_active_for_duty(new[0]):
            changes.extend(cascade.Change(a.jabatan_id, new[1]) for a in view.by_nip.get(nip, ())
                           if a.end is None or a.end >= new[1])
    versions = {r.nip: r.assignment_version for r in session.execute(
        sa.select(pegawai.c.nip, pegawai.c.assignment_version).where(pegawai.c.nip.in_(list(outcome))))}
    new_rows, moved_rows, bumped = [], [], {}
    for rec in good:
        state = outcome[rec.spec.nip]
        if state == "foreign":
            error(rec.line, DomainError("nip: this pegawai belongs to another instansi", field="nip"))
            continue
        changed = state in ("created", "updated")
        if rec.jabatan_id is not None:
            try:
                change = _plan_assignment(view, rec)
            except DomainError as exc:
                # the employee part landed; the assignment part is reported
                error(rec.line, exc)
                change = None
            if change is not None:
                new, moved, old_snapshot = change
                changes.append(cascade.Change(new.jabatan_id, new.start))
                if moved is not None:
                    changes.append(cascade.Change(moved.jabatan_id, new.start))
                own[new.nip] = max(own.get(new.nip, new.start), new.start)
                new_rows.append({"id": new.id, "nip": new.nip, "jabatan_id": new.jabatan_id,
                                 "instansi_id": view.instansi_id, "start": new.start, "end": None, "acting": False})
                if moved is not None:
                    moved_rows.append({"b_id": moved.id, "b_end": moved.end})
                version = bumped.get(new.nip, versions.get(new.nip, 0)) + 1
                bumped[new.nip] = version
                pending_events.append(_deferred(view, new, old_snapshot, version))
                changed = True
        _count(summary, changed, created=state == "created")
    if moved_rows:
        update_from_arrays(session, 'UPDATE assignment SET "end" = v.end_date, updated_at = now() '
                           "FROM unnest(CAST(:ids AS uuid[]), CAST(:ends AS date[])) AS v(id, end_date) "
                           "WHERE assignment.id = v.id",
                           ids=[r["b_id"] for r in moved_rows], ends=[r["b_end"] for r in moved_rows])
    if new_rows:
        copy_rows(session, "assignment", ["id", "nip", "jabatan_id", "instansi_id", "start", "acting"],
                  ((r["id"], r["nip"], r["jabatan_id"], r["instansi_id"], r["start"], False) for r in new_rows))
    if bumped:
        update_from_arrays(session, "UPDATE pegawai SET assignment_version = v.version "
                           "FROM unnest(CAST(:nips AS text[]), CAST(:versions AS bigint[])) AS v(nip, version) "
                           "WHERE pegawai.nip = v.nip", nips=list(bumped), versions=list(bumped.values()))


def _plan_assignment(view: OrgView, rec: _Record):
    """The change the record asks for in `view` (and applies it there), or None when it holds already."""
    nip = rec.spec.nip
    current = view.definitive_on(nip, rec.tmt)
    if current is not None and current.jabatan_id == rec.jabatan_id:
        return None
    mine = list(view.by_nip.get(nip, ()))
    moved = None
    for a in mine:
        if not a.acting and a.start < rec.tmt and (a.end is None or a.end >= rec.tmt):
            moved = a
    trial = [a.domain() for a in mine if a is not moved]
    if moved is not None:
        trial.append(Assignment(nip, moved.jabatan_id, moved.start, rec.tmt - dt.timedelta(days=1), False))
    new = AssignmentRow(uuid.uuid4(), nip, rec.jabatan_id, rec.tmt, None, False)
    validate_new_assignment(trial, new.domain())
    old_snapshot = None
    if moved is not None:
        moved.end = rec.tmt - dt.timedelta(days=1)
        old_snapshot = AssignmentRow(moved.id, nip, moved.jabatan_id, moved.start, moved.end, False)
    view.add_assignment(new)
    return new, moved, old_snapshot


def _deferred(view, new, old_snapshot, version):
    return lambda: events.assignment_changed(view, assignment_id=new.id, nip=new.nip, acting=False,
                                             effective_date=new.start, old=old_snapshot, new=new, version=version)
