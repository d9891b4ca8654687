"""Use cases of position templates (docs/position-templates.md): what a new holder's document is drafted from,
the versions, copying a national catalogue, editing, and "jadikan template jabatan" from an approved SKP.

Every change adds the next immutable version (author, reason, source) in the caller's unit of work; two
concurrent changes cannot both make the same version (the store refuses the second), and ``expected_version``
makes the loser reload instead of silently overwriting.
"""
from __future__ import annotations

import dataclasses

from ekinerja_events.identity import AssignmentAfter
from ekinerja_platform.domain_errors import Conflict, FailedPrecondition, InvalidArgument, NotFound

from ..domain import document as d
from ..domain import rhk
from ..domain import template as tpl
from ..domain.catalogue import CATALOGUES, Catalogue, CatalogueKegiatan, catalogue_of, infer_jenis
from . import policy
from .ports import Position, SkpUnitOfWork, TemplateVersion


def _actor(principal) -> str:
    return principal.nip or principal.subject


def _jabatan_id(value: str) -> str:
    value = (value or "").strip()
    if not value:
        raise InvalidArgument("wajib diisi", field="jabatan_id")
    return value


def position(uow: SkpUnitOfWork, jabatan_id: str, *, lock: bool = False) -> Position:
    found = uow.templates.position(jabatan_id, lock=lock)
    if found is None:
        raise NotFound("jabatan ini tidak dikenal", field="jabatan_id")
    return found


def jenis_of(pos: Position) -> str:
    return pos.jenis_jabatan or infer_jenis(pos.kind, pos.job_group, pos.nama)


def drafting_items(uow: SkpUnitOfWork, jabatan_id: str,
                   new: AssignmentAfter) -> tuple[str, tuple[CatalogueKegiatan, ...]]:
    """What a new document of the position starts from: its current template version, else the starter catalogue
    of its jenis jabatan (identity's, else inferred). Returns (source, kegiatan)."""
    current = uow.templates.current_version(jabatan_id)
    if current is not None and current.kegiatan:
        return f"template:{current.version}", tpl.from_json(current.kegiatan)
    pos = uow.templates.position(jabatan_id)
    jenis = (pos and pos.jenis_jabatan) or new.jenis_jabatan
    nama = (pos and pos.nama) or new.jabatan_nama or ""
    catalogue = catalogue_of(jenis, new.kind or "", new.job_group or "", nama)
    return f"catalogue:{catalogue.jenis}", catalogue.kegiatan


def _authorize(uow: SkpUnitOfWork, rpc: str, principal, pos: Position) -> frozenset[str]:
    penilai = uow.templates.penilai_of_position(pos.jabatan_id) if rpc != "GetTemplate" else frozenset()
    return policy.authorize_template(rpc, principal, pos.instansi_id, penilai)


def _new_version(uow: SkpUnitOfWork, principal, pos: Position, expected_version: int, source: str, reason: str,
                 items: tuple[CatalogueKegiatan, ...] | None,
                 rhk_plan: tuple[str, list[dict]] | None = None) -> TemplateVersion:
    """The next version; what the change does not touch (the kegiatan, or the 6/2022 RHK) is carried over."""
    current = uow.templates.current_version(pos.jabatan_id)
    tpl.check_expected_version(current.version if current else 0, expected_version)
    version = (current.version if current else 0) + 1
    kegiatan = tpl.to_json(items) if items is not None else (current.kegiatan if current else [])
    pendekatan, rhk_rows = rhk_plan if rhk_plan is not None else (
        (current.pendekatan, current.rhk) if current else (None, None))
    row = uow.templates.add_version(TemplateVersion(
        jabatan_id=pos.jabatan_id, version=version, instansi_id=pos.instansi_id, source=source, reason=reason,
        author=_actor(principal), kegiatan=kegiatan, pendekatan=pendekatan, rhk=rhk_rows))
    if row is None:
        raise Conflict(f"versi {version} template ini baru saja dibuat pengguna lain: muat ulang",
                       field="expected_version")
    return row


@dataclasses.dataclass(frozen=True)
class TemplateView:
    """A position's template as a new holder's document would start from it: the current version (None: none yet,
    the catalogue's kegiatan apply)."""

    position: Position
    current: TemplateVersion | None
    catalogue: Catalogue
    jenis_jabatan: str


# --- reads --------------------------------------------------------------------------------------------------------


def get_template(uow: SkpUnitOfWork, principal, jabatan_id: str) -> TemplateView:
    pos = position(uow, _jabatan_id(jabatan_id))
    _authorize(uow, "GetTemplate", principal, pos)
    return TemplateView(pos, uow.templates.current_version(pos.jabatan_id),
                        catalogue_of(pos.jenis_jabatan, pos.kind, pos.job_group, pos.nama), jenis_of(pos))


def list_versions(uow: SkpUnitOfWork, principal, jabatan_id: str) -> list[TemplateVersion]:
    pos = position(uow, _jabatan_id(jabatan_id))
    _authorize(uow, "ListTemplateVersions", principal, pos)
    return uow.templates.versions(pos.jabatan_id)


def list_catalogues(principal) -> list[Catalogue]:
    policy.authorize("ListCatalogues", principal, None)
    return list(CATALOGUES.values())


def get_catalogue(principal, jenis: str) -> Catalogue:
    policy.authorize("GetCatalogue", principal, None)
    jenis = tpl.jenis_field(jenis)
    if jenis not in CATALOGUES:
        raise NotFound(f"tidak ada katalog untuk jenis jabatan {jenis[:40]!r}", field="jenis_jabatan")
    return CATALOGUES[jenis]


# --- changes ------------------------------------------------------------------------------------------------------


def copy_catalogue(uow: SkpUnitOfWork, principal, jabatan_id: str, jenis: str, expected_version: int,
                   reason: str) -> TemplateVersion:
    pos = position(uow, _jabatan_id(jabatan_id), lock=True)
    _authorize(uow, "CopyCatalogueToTemplate", principal, pos)
    jenis = tpl.jenis_field(jenis) if (jenis or "").strip() else jenis_of(pos)
    if jenis not in CATALOGUES:
        raise NotFound(f"tidak ada katalog untuk jenis jabatan {jenis[:40]!r}", field="jenis_jabatan")
    catalogue = catalogue_of(jenis, pos.kind, pos.job_group, pos.nama)
    reason = tpl.reason_text(reason) if (reason or "").strip() else f"salinan katalog {catalogue.nama}"
    return _new_version(uow, principal, pos, expected_version, f"catalogue:{jenis}", reason, catalogue.kegiatan)


def update_template(uow: SkpUnitOfWork, principal, jabatan_id: str, expected_version: int,
                    items: list[d.TargetInput], reason: str) -> TemplateVersion:
    pos = position(uow, _jabatan_id(jabatan_id), lock=True)
    _authorize(uow, "UpdateTemplate", principal, pos)
    kegiatan = tpl.validate_items(items, pos.kind)
    return _new_version(uow, principal, pos, expected_version, "edit", tpl.reason_text(reason), kegiatan)


def update_template_rhk(uow: SkpUnitOfWork, principal, jabatan_id: str, expected_version: int, pendekatan: str,
                        items: list[rhk.RhkInput], reason: str) -> TemplateVersion:
    """The RHK/IKI a PermenPANRB 6/2022 holder's document starts from; the kegiatan are carried over."""
    pos = position(uow, _jabatan_id(jabatan_id), lock=True)
    _authorize(uow, "UpdateTemplateRhk", principal, pos)
    plan = rhk.validate_template_rhk(pendekatan, items, pos.kind)
    # the first version keeps what documents were drafted from until now: the catalogue's kegiatan
    kegiatan = None if uow.templates.current_version(pos.jabatan_id) else catalogue_of(
        pos.jenis_jabatan, pos.kind, pos.job_group, pos.nama).kegiatan
    return _new_version(uow, principal, pos, expected_version, "edit", tpl.reason_text(reason), kegiatan, plan)


def drafting_rhk(uow: SkpUnitOfWork, jabatan_id: str) -> tuple[str | None, list[dict]] | None:
    """(pendekatan, RHK) a new 6/2022 document of the position starts from: its current template version's."""
    current = uow.templates.current_version(jabatan_id)
    if current is None or not current.rhk:
        return None
    return current.pendekatan, rhk.plan_from_template(current.rhk)


def adopt_skp(uow: SkpUnitOfWork, principal, skp_id: str, reason: str) -> TemplateVersion:
    """"Jadikan template jabatan": the approved targets of ``skp_id`` become its position's next version."""
    doc = uow.documents.get(skp_id)
    policy.authorize("AdoptSkpAsTemplate", principal, doc)
    if doc["approved_targets"] is None:
        raise FailedPrecondition("target SKP ini belum disetujui", field="status")
    pos = position(uow, doc["jabatan_id"], lock=True)
    items = tpl.annualised(doc["approved_targets"], d.months_covered(doc["period_start"], doc["period_end"]))
    reason = tpl.reason_text(reason) if (reason or "").strip() else "target SKP yang disetujui"
    current = uow.templates.current_version(pos.jabatan_id)
    row = _new_version(uow, principal, pos, current.version if current else 0, f"skp:{doc['skp_id']}", reason,
                       items)
    uow.documents.add_audit(doc["skp_id"], _actor(principal), "adopted_as_template",
                            {"jabatan_id": pos.jabatan_id, "template_version": row.version})
    return row
