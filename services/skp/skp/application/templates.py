"""Use cases of position templates (docs/position-templates.md): what a new holder's document is drafted from,
the versions, copying a national catalogue, editing, and "jadikan template jabatan" from an approved SKP.

Every change inserts the next immutable version (author, reason, source) in the caller's unit of work; two
concurrent changes cannot both make the same version (primary key), and ``expected_version`` makes the loser
reload instead of silently overwriting.
"""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert

from ekinerja_platform.domain_errors import Conflict, FailedPrecondition, InvalidArgument, NotFound

from ..adapters import repository as repo
from ..adapters import tables as t
from ..domain import document as d
from ..domain import rhk
from ..domain import template as tpl
from ..domain.catalogue import CATALOGUES, Catalogue, CatalogueKegiatan, catalogue_of, infer_jenis
from . import policy


def _actor(principal) -> str:
    return principal.nip or principal.subject


def _jabatan_id(value: str) -> str:
    value = (value or "").strip()
    if not value:
        raise InvalidArgument("wajib diisi", field="jabatan_id")
    return value


def position(session, jabatan_id: str) -> dict:
    row = session.execute(sa.select(t.positions).where(t.positions.c.jabatan_id == jabatan_id)).mappings().first()
    if row is None:
        raise NotFound("jabatan ini tidak dikenal", field="jabatan_id")
    return dict(row)


def jenis_of(pos: dict) -> str:
    return pos.get("jenis_jabatan") or infer_jenis(pos["kind"], pos["job_group"], pos["nama"])


def penilai_of_position(session, jabatan_id: str) -> frozenset[str]:
    """The penilai recorded for the position's current definitive holders (identity's assignment_changed)."""
    a = t.assignments
    rows = session.execute(sa.select(a.c.data["penilai_nip"].astext).where(
        a.c.jabatan_id == jabatan_id, ~a.c.acting)).scalars()
    return frozenset(nip for nip in rows if nip)


def current_version(session, jabatan_id: str) -> dict | None:
    v = t.template_versions
    row = session.execute(sa.select(v).where(v.c.jabatan_id == jabatan_id).order_by(v.c.version.desc())
                          .limit(1)).mappings().first()
    return dict(row) if row else None


def drafting_items(session, jabatan_id: str, new: dict) -> tuple[str, tuple[CatalogueKegiatan, ...]]:
    """What a new document of the position starts from: its current template version, else the starter catalogue
    of its jenis jabatan (identity's, else inferred). Returns (source, kegiatan)."""
    current = current_version(session, jabatan_id)
    if current is not None and current["kegiatan"]:
        return f"template:{current['version']}", tpl.from_json(current["kegiatan"])
    pos = session.execute(sa.select(t.positions).where(t.positions.c.jabatan_id == jabatan_id)).mappings().first()
    jenis = (pos and pos["jenis_jabatan"]) or new.get("jenis_jabatan")
    nama = (pos and pos["nama"]) or new.get("jabatan_nama") or ""
    catalogue = catalogue_of(jenis, new["kind"], new.get("job_group") or "", nama)
    return f"catalogue:{catalogue.jenis}", catalogue.kegiatan


def _authorize(session, rpc: str, principal, pos: dict) -> frozenset[str]:
    penilai = penilai_of_position(session, pos["jabatan_id"]) if rpc != "GetTemplate" else frozenset()
    return policy.authorize_template(rpc, principal, pos["instansi_id"], penilai)


def _lock_position(session, jabatan_id: str) -> dict:
    row = session.execute(sa.select(t.positions).where(t.positions.c.jabatan_id == jabatan_id)
                          .with_for_update()).mappings().first()
    if row is None:
        raise NotFound("jabatan ini tidak dikenal", field="jabatan_id")
    return dict(row)


def _new_version(session, principal, pos: dict, expected_version: int, source: str, reason: str,
                 items: tuple[CatalogueKegiatan, ...] | None, rhk_plan: tuple[str, list[dict]] | None = None) -> dict:
    """The next version; what the change does not touch (the kegiatan, or the 6/2022 RHK) is carried over."""
    current = current_version(session, pos["jabatan_id"])
    tpl.check_expected_version(current["version"] if current else 0, expected_version)
    version = (current["version"] if current else 0) + 1
    kegiatan = tpl.to_json(items) if items is not None else (current["kegiatan"] if current else [])
    pendekatan, rhk_rows = rhk_plan if rhk_plan is not None else (
        (current.get("pendekatan"), current.get("rhk")) if current else (None, None))
    row = session.execute(pg_insert(t.template_versions).values(
        jabatan_id=pos["jabatan_id"], version=version, instansi_id=pos["instansi_id"], source=source,
        reason=reason, author=_actor(principal), kegiatan=kegiatan, pendekatan=pendekatan, rhk=rhk_rows)
        .on_conflict_do_nothing().returning(*t.template_versions.c)).mappings().first()
    if row is None:
        raise Conflict(f"versi {version} template ini baru saja dibuat pengguna lain: muat ulang",
                       field="expected_version")
    return dict(row)


# --- reads --------------------------------------------------------------------------------------------------------


def get_template(session, principal, jabatan_id: str) -> tuple[dict, dict | None, Catalogue]:
    """(position, current version or None, the catalogue a document would fall back to)."""
    pos = position(session, _jabatan_id(jabatan_id))
    _authorize(session, "GetTemplate", principal, pos)
    return pos, current_version(session, pos["jabatan_id"]), catalogue_of(
        pos["jenis_jabatan"], pos["kind"], pos["job_group"], pos["nama"])


def list_versions(session, principal, jabatan_id: str) -> tuple[dict, list[dict]]:
    pos = position(session, _jabatan_id(jabatan_id))
    _authorize(session, "ListTemplateVersions", principal, pos)
    v = t.template_versions
    rows = session.execute(sa.select(v).where(v.c.jabatan_id == pos["jabatan_id"])
                           .order_by(v.c.version)).mappings()
    return pos, [dict(r) for r in rows]


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


def copy_catalogue(session, principal, jabatan_id: str, jenis: str, expected_version: int, reason: str) -> dict:
    pos = _lock_position(session, _jabatan_id(jabatan_id))
    _authorize(session, "CopyCatalogueToTemplate", principal, pos)
    jenis = tpl.jenis_field(jenis) if (jenis or "").strip() else jenis_of(pos)
    if jenis not in CATALOGUES:
        raise NotFound(f"tidak ada katalog untuk jenis jabatan {jenis[:40]!r}", field="jenis_jabatan")
    catalogue = catalogue_of(jenis, pos["kind"], pos["job_group"], pos["nama"])
    reason = tpl.reason_text(reason) if (reason or "").strip() else f"salinan katalog {catalogue.nama}"
    return _new_version(session, principal, pos, expected_version, f"catalogue:{jenis}", reason,
                        catalogue.kegiatan)


def update_template(session, principal, jabatan_id: str, expected_version: int, items: list[d.TargetInput],
                    reason: str) -> dict:
    pos = _lock_position(session, _jabatan_id(jabatan_id))
    _authorize(session, "UpdateTemplate", principal, pos)
    kegiatan = tpl.validate_items(items, pos["kind"])
    return _new_version(session, principal, pos, expected_version, "edit", tpl.reason_text(reason), kegiatan)


def update_template_rhk(session, principal, jabatan_id: str, expected_version: int, pendekatan: str,
                        items: list[rhk.RhkInput], reason: str) -> dict:
    """The RHK/IKI a PermenPANRB 6/2022 holder's document starts from; the kegiatan are carried over."""
    pos = _lock_position(session, _jabatan_id(jabatan_id))
    _authorize(session, "UpdateTemplateRhk", principal, pos)
    plan = rhk.validate_template_rhk(pendekatan, items, pos["kind"])
    # the first version keeps what documents were drafted from until now: the catalogue's kegiatan
    kegiatan = None if current_version(session, pos["jabatan_id"]) else catalogue_of(
        pos["jenis_jabatan"], pos["kind"], pos["job_group"], pos["nama"]).kegiatan
    return _new_version(session, principal, pos, expected_version, "edit", tpl.reason_text(reason), kegiatan, plan)


def drafting_rhk(session, jabatan_id: str) -> tuple[str, list[dict]] | None:
    """(pendekatan, RHK) a new 6/2022 document of the position starts from: its current template version's."""
    current = current_version(session, jabatan_id)
    if current is None or not current.get("rhk"):
        return None
    return current["pendekatan"], rhk.plan_from_template(current["rhk"])


def adopt_skp(session, principal, skp_id: str, reason: str) -> dict:
    """"Jadikan template jabatan": the approved targets of ``skp_id`` become its position's next version."""
    doc = repo.get_document(session, repo.parse_id(skp_id))
    policy.authorize("AdoptSkpAsTemplate", principal, doc)
    if doc["approved_targets"] is None:
        raise FailedPrecondition("target SKP ini belum disetujui", field="status")
    pos = _lock_position(session, doc["jabatan_id"])
    items = tpl.annualised(doc["approved_targets"], d.months_covered(doc["period_start"], doc["period_end"]))
    reason = tpl.reason_text(reason) if (reason or "").strip() else "target SKP yang disetujui"
    current = current_version(session, pos["jabatan_id"])
    row = _new_version(session, principal, pos, current["version"] if current else 0, f"skp:{doc['skp_id']}",
                       reason, items)
    repo.add_audit(session, doc["skp_id"], _actor(principal), "adopted_as_template",
                   {"jabatan_id": pos["jabatan_id"], "template_version": row["version"]})
    return row
