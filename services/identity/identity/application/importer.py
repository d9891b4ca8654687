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
and subtrees and the named people's assignments (`OrgStore.scoped_view`); a bigger one loads the whole instansi once.

The use cases take plain records (`UnitRecord`, `JabatanRecord`, `PegawaiRecord`, as the client typed them) and an
open `IdentityUnitOfWork`; `entrypoints/import_api.py` maps the stream to them and opens one unit per message.
"""
from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from ekinerja_platform.domain_errors import DomainError, NotFound, quote
from ekinerja_platform.envelope import Event
from ekinerja_platform.tokens import Principal

from ..domain.golongan import is_active_for_duty, parse_golongan, parse_status
from ..domain.organisation import Assignment, validate_new_assignment
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
from .ports import IdentityUnitOfWork

BATCH = 1000
MAX_ERRORS_REPORTED = 1000
SMALL_IMPORT = 500  # up to this many records, load only the part of the instansi they touch


@dataclass(frozen=True)
class UnitRecord:
    id: str
    nama: str
    parent_id: str = ""


@dataclass(frozen=True)
class JabatanRecord:
    id: str
    unit_id: str
    nama: str
    kind: str
    job_group: str
    parent_id: str = ""
    eselon: str = ""
    jenjang: str = ""
    jenis_jabatan: str = ""


@dataclass(frozen=True)
class PegawaiRecord:
    nip: str
    nama: str
    golongan: str
    status: str = ""
    jabatan_id: str = ""
    tmt_jabatan: str = ""


Record = UnitRecord | JabatanRecord | PegawaiRecord | None  # None: a message carrying no record at all


@dataclass(frozen=True)
class ImportMessage:
    """One stream message: its instansi and its records, each with the client's line number (0 when none)."""

    instansi_id: str
    records: list[tuple[int, Record]]


@dataclass(frozen=True)
class RecordError:
    line: int
    field: str
    message: str


@dataclass
class ImportSummary:
    """The counts of one message (or, added up by the entrypoint, of the stream)."""

    received: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    events: int = 0
    errors: list[RecordError] = field(default_factory=list)
    messages_applied: int = 0

    def count(self, changed: bool, created: bool) -> None:
        if created:
            self.created += 1
        elif changed:
            self.updated += 1
        else:
            self.unchanged += 1

    def error(self, line: int, exc: Exception) -> None:
        self.failed += 1
        if len(self.errors) < MAX_ERRORS_REPORTED:
            self.errors.append(RecordError(line, getattr(exc, "field", None) or "", str(exc)))


    def add(self, part: ImportSummary) -> None:
        """Count a committed message in the stream's summary."""
        for name in ("received", "created", "updated", "unchanged", "failed", "events"):
            setattr(self, name, getattr(self, name) + getattr(part, name))
        self.errors.extend(part.errors[:max(MAX_ERRORS_REPORTED - len(self.errors), 0)])
        self.messages_applied += 1


def import_stream(open_unit: Callable[[], IdentityUnitOfWork], principal: Principal,
                  messages: Iterable[ImportMessage], *, correlation_id: str | None = None) -> ImportSummary:
    """Each message in its own unit (`open_unit()`), applied whole or not at all and committed before the next
    is read; `messages_applied` counts the committed ones. A stream that breaks off keeps the messages applied
    before it: re-sending the whole stream is safe (records already stored are `unchanged` and emit nothing)."""
    summary = ImportSummary()
    instansi_id = None
    number = 0  # records read so far: a record's line when the client gave none
    for message in messages:
        if instansi_id is None:
            instansi_id = authorize_import(principal, message.instansi_id)
        records = []
        for line, record in message.records:
            number += 1
            records.append((line or number, record))
        with open_unit() as uow:
            part = apply_message(uow, principal, instansi_id, message.instansi_id, records,
                                 summary.messages_applied + 1, correlation_id=correlation_id)
        summary.add(part)
    return summary


def authorize_import(principal: Principal, instansi_text: str) -> str:
    """The instansi a stream imports into (named by its first message), once the caller may import there."""
    instansi_id = valid_id(instansi_text, "instansi_id")
    policy.authorize("ImportPegawai", principal, instansi_id=instansi_id)
    return instansi_id


class _Pegawai:
    __slots__ = ("line", "spec", "jabatan_id", "tmt")

    def __init__(self, line, spec, jabatan_id, tmt):
        self.line, self.spec, self.jabatan_id, self.tmt = line, spec, jabatan_id, tmt


class _Message:
    """One message being applied: its view of the instansi, what it wrote and the events it owes."""

    def __init__(self, uow: IdentityUnitOfWork, view: OrgView):
        self.uow, self.view, self.before = uow, view, view.copy()
        self.summary = ImportSummary()
        self.pending: list[Event | Callable[[], Event]] = []
        self.changes: list[cascade.Change] = []  # whose holders or place in the tree changed (subordinates' events)
        self.own: dict[str, dt.date] = {}  # nip -> latest effective date of its own assignment_changed here
        self.batch: list[_Pegawai] = []

    def flush(self) -> None:
        if self.batch:
            _flush_pegawai(self, self.batch)
            self.batch = []

    def events(self) -> list[Event]:
        built = [e() if callable(e) else e for e in self.pending]
        return built + cascade.subordinate_events(self.uow.assignment_versions, self.before, self.view,
                                                  self.changes, own=self.own)


def apply_message(uow: IdentityUnitOfWork, principal: Principal, instansi_id: str, message_instansi: str,
                  records: list[tuple[int, Record]], number: int, *,
                  correlation_id: str | None = None) -> ImportSummary:
    """One message's records in the open unit (the instansi row locked, so imports of one agency apply their
    messages one at a time); returns its counts, which count only once the unit commits."""
    if not uow.org.lock_instansi(instansi_id):
        raise NotFound(f"instansi_id: {quote(instansi_id)} does not exist", field="instansi_id")
    view = (_scoped_view(uow, instansi_id, [r for _, r in records]) if len(records) <= SMALL_IMPORT
            else uow.org.whole_view(instansi_id))
    run = _Message(uow, view)
    for line, record in records:
        run.summary.received += 1
        try:
            if message_instansi != instansi_id:
                raise DomainError("instansi_id: every record of one import must name the same instansi",
                                  field="instansi_id")
            if isinstance(record, PegawaiRecord):
                run.batch.append(_pegawai_record(line, record))
                if len(run.batch) >= BATCH:
                    run.flush()
                continue
            run.flush()  # units and positions after employees: keep the stream's order
            with uow.org.savepoint():
                changed, created = _apply_tree_record(run, record)
            run.summary.count(changed, created=created)
        except DomainError as exc:
            run.summary.error(line, exc)
        except ValueError as exc:  # enum values in JabatanSpec
            run.summary.error(line, DomainError(str(exc), field="kind"))
    run.flush()
    summary = run.summary
    summary.events = uow.record_all(run.events())
    uow.audit.record(actor=actor_of(principal), action="import_pegawai", target=instansi_id,
                     correlation_id=correlation_id, message=number, received=summary.received,
                     created=summary.created, updated=summary.updated, unchanged=summary.unchanged,
                     failed=summary.failed, events=summary.events)
    return summary


def _apply_tree_record(run: _Message, record: Record) -> tuple[bool, bool]:
    """A unit or position record; (changed, created)."""
    view = run.view
    if isinstance(record, UnitRecord):
        existed = record.id.strip() in view.units
        parent = valid_id(record.parent_id, "parent_id") if record.parent_id else None
        changed = upsert_unit_row(run.uow.org, view, valid_id(record.id, "id"), require_text(record.nama, "nama"),
                                  parent)
        return changed, changed and not existed
    if isinstance(record, JabatanRecord):
        existed = valid_id(record.id, "id") in view.jabatan
        spec = _jabatan_spec(record)
        old_parent = view.jabatan[spec.id].parent_id if existed else None
        _, event = upsert_jabatan_row(run.uow.org, view, spec)
        if event is None:
            return False, False
        run.pending.append(event)
        if existed and old_parent != spec.parent_id:  # moved in the tree from today
            run.changes.append(cascade.Change(spec.id, today(), include_self=True))
        return True, not existed
    raise DomainError("record: one of unit, jabatan or pegawai is required", field="record")


def _jabatan_spec(j: JabatanRecord) -> JabatanSpec:
    return JabatanSpec(id=j.id.strip(), unit_id=valid_id(j.unit_id, "unit_id"), nama=require_text(j.nama, "nama"),
                       kind=_text(j.kind, "kind"), job_group=_text(j.job_group, "job_group"),
                       parent_id=valid_id(j.parent_id, "parent_id") if j.parent_id else None,
                       eselon=j.eselon.strip() or None, jenjang=j.jenjang.strip() or None,
                       jenis_jabatan=valid_jenis(j.jenis_jabatan))


def _scoped_view(uow: IdentityUnitOfWork, instansi_id: str, records: list[Record]) -> OrgView:
    """What a small import can touch: the positions it names (with ancestors and subtrees), the people it names
    (their assignments and positions), every unit of the instansi (few, and the unit tree is checked whole)."""
    positions: set[str] = set()
    nips: set[str] = set()
    tree_changes: set[str] = set()
    for r in records:
        if isinstance(r, JabatanRecord):
            positions.update(p.strip() for p in (r.id, r.parent_id) if p.strip())
            tree_changes.update(p.strip() for p in (r.id, r.parent_id) if p.strip())
        elif isinstance(r, PegawaiRecord):
            if r.jabatan_id.strip():
                positions.add(r.jabatan_id.strip())
            try:
                nips.add(valid_nip(r.nip))
            except DomainError:
                pass  # reported when the record is read
    held = uow.org.positions_held_by(nips)
    return uow.org.scoped_view(instansi_id, positions=positions | held, subtrees=positions | held,
                               nips=nips, holders_of=tree_changes, all_units=True)


def _text(value: str, field: str) -> str:
    value = (value or "").strip().lower()
    if not value:
        raise DomainError(f"{field}: is required", field=field)
    return value


def _pegawai_record(line: int, p: PegawaiRecord) -> _Pegawai:
    spec = PegawaiSpec(nip=valid_nip(p.nip), nama=require_text(p.nama, "nama"),
                       golongan=parse_golongan(p.golongan).value, status=parse_status(p.status or "aktif").value)
    jabatan_id = valid_id(p.jabatan_id, "jabatan_id") if p.jabatan_id else None
    tmt = parse_date(p.tmt_jabatan, "tmt_jabatan") if jabatan_id else None
    if tmt is not None and tmt > today() + dt.timedelta(days=366):
        raise DomainError("tmt_jabatan: more than a year ahead", field="tmt_jabatan")
    return _Pegawai(line, spec, jabatan_id, tmt)


def _checked(run: _Message, batch: list[_Pegawai]) -> list[_Pegawai]:
    """Checks needing the stored state, before any write: the position exists, one record per NIP in a batch."""
    good: list[_Pegawai] = []
    seen = set()
    for rec in batch:
        if rec.spec.nip in seen:
            run.summary.error(rec.line, DomainError("nip: appears twice in one batch of this import", field="nip"))
            continue
        if rec.jabatan_id is not None and rec.jabatan_id not in run.view.jabatan:
            run.summary.error(rec.line, DomainError(
                f"jabatan_id: {quote(rec.jabatan_id)} does not exist in this instansi", field="jabatan_id"))
            continue
        seen.add(rec.spec.nip)
        good.append(rec)
    return good


def _note_statuses(run: _Message, good: list[_Pegawai], outcome: dict[str, str], status_changes: list) -> None:
    view = run.view
    for rec in good:  # registered off duty (status since ever): never anyone's penilai
        if outcome.get(rec.spec.nip) == "created" and not is_active_for_duty(rec.spec.status):
            view.set_status(rec.spec.nip, rec.spec.status, None, None)
    for nip, old, new in status_changes:  # the positions of someone going off (or back on) duty, from today
        view.set_status(nip, *new)
        if is_active_for_duty(old[0]) != is_active_for_duty(new[0]):
            run.changes.extend(cascade.Change(a.jabatan_id, new[1]) for a in view.by_nip.get(nip, ())
                               if a.end is None or a.end >= new[1])


def _flush_pegawai(run: _Message, batch: list[_Pegawai]) -> None:
    """A batch of employee records: one upsert of the employees, then their assignments, set-based."""
    org = run.uow.org
    good = _checked(run, batch)
    status_changes: list = []
    outcome, evts = upsert_pegawai_rows(org, run.view.instansi_id, [r.spec for r in good],
                                        status_changes=status_changes)
    run.pending.extend(evts)
    _note_statuses(run, good, outcome, status_changes)
    versions = org.assignment_versions(list(outcome))
    new_rows: list[AssignmentRow] = []
    ended: list[tuple[object, dt.date]] = []
    bumped: dict[str, int] = {}
    for rec in good:
        state = outcome[rec.spec.nip]
        if state == "foreign":
            run.summary.error(rec.line, DomainError("nip: this pegawai belongs to another instansi", field="nip"))
            continue
        changed = state in ("created", "updated")
        if rec.jabatan_id is not None and _assign(run, rec, versions, bumped, new_rows, ended):
            changed = True
        run.summary.count(changed, created=state == "created")
    if ended:
        org.end_assignments(ended)
    if new_rows:
        org.add_assignments(run.view.instansi_id, new_rows)
    if bumped:
        org.set_assignment_versions(bumped)


def _assign(run: _Message, rec: _Pegawai, versions: dict[str, int], bumped: dict[str, int],
            new_rows: list[AssignmentRow], ended: list[tuple[object, dt.date]]) -> bool:
    """Plan the record's assignment (True when it changes one); an invalid one is reported, the employee stays."""
    try:
        change = _plan_assignment(run.view, rec)
    except DomainError as exc:
        run.summary.error(rec.line, exc)
        return False
    if change is None:
        return False
    new, moved, old_snapshot = change
    run.changes.append(cascade.Change(new.jabatan_id, new.start))
    if moved is not None:
        run.changes.append(cascade.Change(moved.jabatan_id, new.start))
        ended.append((moved.id, moved.end))
    run.own[new.nip] = max(run.own.get(new.nip, new.start), new.start)
    new_rows.append(new)
    version = bumped.get(new.nip, versions.get(new.nip, 0)) + 1
    bumped[new.nip] = version
    run.pending.append(_deferred(run.view, new, old_snapshot, version))
    return True


def _plan_assignment(view: OrgView, rec: _Pegawai):
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


def _deferred(view, new, old_snapshot, version) -> Callable[[], Event]:
    return lambda: events.assignment_changed(view, assignment_id=new.id, nip=new.nip, acting=False,
                                             effective_date=new.start, old=old_snapshot, new=new, version=version)
