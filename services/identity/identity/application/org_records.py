"""Checks and writes of one unit, position or employee record, shared by the organisation RPCs (`org.py`) and the
bulk import (`importer.py`): plain values in, the `ports.OrgStore` underneath, the in-memory `OrgView` kept up to
date so later records of the same unit see earlier ones.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from ekinerja_platform.domain_errors import FailedPrecondition, InvalidArgument, NotFound, PermissionDenied, quote
from ekinerja_platform.envelope import Event
from ekinerja_rules.nip import check_nip

from ..domain.organisation import Jabatan, JabatanKind, JobGroup, ancestors
from . import events
from .common import today
from .org_view import OrgView
from .ports import JabatanRow, OrgStore

_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$")
JENIS_PATTERN = re.compile(r"[a-z][a-z0-9_]{1,39}")


def valid_id(value: str, field: str) -> str:
    value = (value or "").strip()
    if not _ID_RE.match(value):
        raise InvalidArgument(f"{field}: 1-100 letters, digits, '.', '_', ':' or '-' (got {quote(value)})", field=field)
    return value


def valid_nip(text: str, field: str = "nip") -> str:
    check = check_nip(text or "", today())
    if not check.valid:
        raise InvalidArgument("; ".join(check.errors), field=field)
    return check.nip


def require_text(value: str, field: str) -> str:
    value = (value or "").strip()
    if not value:
        raise InvalidArgument(f"{field}: is required", field=field)
    return value


def valid_jenis(value: str) -> str | None:
    """A position's jenis jabatan (optional): a lowercase word such as ``guru`` or ``pranata_komputer``."""
    value = (value or "").strip()
    if not value:
        return None
    if not JENIS_PATTERN.fullmatch(value):
        raise InvalidArgument("jenis_jabatan: huruf kecil, angka dan _ (mis. guru, pranata_komputer)",
                              field="jenis_jabatan")
    return value


@dataclass(frozen=True, slots=True)
class JabatanSpec:
    """A position as a request or a record states it (checked: kind and job group are known values)."""

    id: str
    unit_id: str
    nama: str
    kind: str
    job_group: str
    parent_id: str | None = None
    eselon: str | None = None
    jenjang: str | None = None
    jenis_jabatan: str | None = None

    def __post_init__(self):
        JabatanKind(self.kind), JobGroup(self.job_group)  # noqa: B018 - validates (ValueError)


@dataclass(frozen=True, slots=True)
class PegawaiSpec:
    nip: str
    nama: str
    golongan: str
    status: str


def upsert_unit_row(store: OrgStore, view: OrgView, unit_id: str, nama: str, parent_id: str | None) -> bool:
    """Create or update a unit in `view.instansi_id`; True when something changed."""
    existing = store.unit(unit_id)
    if existing is not None and existing.instansi_id != view.instansi_id:
        raise PermissionDenied(f"id: unit {quote(unit_id)} belongs to another instansi", field="id")
    if parent_id is not None:
        if parent_id == unit_id:
            raise InvalidArgument("parent_id: a unit cannot be its own parent", field="parent_id")
        if parent_id not in view.units:
            raise NotFound(f"parent_id: unit {quote(parent_id)} does not exist in this instansi", field="parent_id")
        seen: set[str] = {unit_id}
        cursor: str | None = parent_id
        while cursor is not None:
            if cursor in seen:
                raise FailedPrecondition("parent_id: the unit tree would have a cycle", field="parent_id")
            seen.add(cursor)
            cursor = view.units[cursor].parent_id if cursor in view.units else None
    if existing is not None and (existing.nama, existing.parent_id) == (nama, parent_id):
        return False
    view.units[unit_id] = store.put_unit(view.instansi_id, unit_id, nama, parent_id)
    return True


def upsert_jabatan_row(store: OrgStore, view: OrgView, spec: JabatanSpec) -> tuple[JabatanRow, Event | None]:
    """Create or update a position; returns (row, position_changed event or None when unchanged)."""
    existing = store.jabatan(spec.id)
    if existing is not None and existing.instansi_id != view.instansi_id:
        raise PermissionDenied(f"id: jabatan {quote(spec.id)} belongs to another instansi", field="id")
    if spec.unit_id not in view.units:
        raise NotFound(f"unit_id: unit {quote(spec.unit_id)} does not exist in this instansi", field="unit_id")
    if spec.parent_id is not None and spec.parent_id not in view.jabatan:
        raise NotFound(f"parent_id: jabatan {quote(spec.parent_id)} does not exist in this instansi", field="parent_id")
    values = {"unit_id": spec.unit_id, "nama": spec.nama, "kind": spec.kind, "job_group": spec.job_group,
              "parent_id": spec.parent_id, "eselon": spec.eselon, "jenjang": spec.jenjang,
              "jenis_jabatan": spec.jenis_jabatan}
    if existing is not None and all(getattr(existing, k) == v for k, v in values.items()):
        return existing, None
    trial = dict(view.jabatan)
    trial[spec.id] = Jabatan(id=spec.id, name=spec.nama, unit_id=spec.unit_id, kind=JabatanKind(spec.kind),
                             job_group=JobGroup(spec.job_group), parent_id=spec.parent_id)
    for _ in ancestors(spec.id, trial):  # no cycle through this position, every parent above it exists
        pass
    row = store.put_jabatan(view.instansi_id, spec.id, values)
    view.put_jabatan(row)
    return row, events.position_changed(row, view.units[row.unit_id].nama)


def upsert_pegawai_rows(store: OrgStore, instansi_id: str, specs: list[PegawaiSpec],
                        status_changes: list | None = None) -> tuple[dict[str, str], list[Event]]:
    """Set-based upsert of employees of one instansi. Returns ({nip: created|updated|unchanged|foreign}, events).
    A changed status takes effect today (`status_since`, no end); with `status_changes` the changes are appended
    there as (nip, (old status, since, until), (new status, today, None))."""
    if not specs:
        return {}, []
    existing = store.pegawai_locked([s.nip for s in specs])
    outcome: dict[str, str] = {}
    evts: list[Event] = []
    rows: list[dict] = []
    for s in specs:
        old = existing.get(s.nip)
        if old is not None and old.instansi_id != instansi_id:
            outcome[s.nip] = "foreign"
            continue
        if old is not None and (old.nama, old.golongan, old.status) == (s.nama, s.golongan, s.status):
            outcome[s.nip] = "unchanged"
            continue
        outcome[s.nip] = "updated" if old is not None else "created"
        rows.append({"nip": s.nip, "instansi_id": instansi_id, "nama": s.nama, "golongan": s.golongan,
                     "status": s.status})
        if old is None:
            evts.append(events.employee_registered(rows[-1]))
        elif old.status != s.status:
            evts.append(events.employee_status_changed(s.nip, instansi_id, old.status, s.status, today(), None))
            if status_changes is not None:
                status_changes.append((s.nip, (old.status, old.status_since, old.status_until),
                                       (s.status, today(), None)))
    if rows:  # one statement for the whole batch
        store.put_pegawai(instansi_id, rows, today())
    return outcome, evts
