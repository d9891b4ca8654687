"""Use cases of the PermenPANRB 6/2022 SKP plan: RHK and IKI (cascaded from the atasan's approved RHK), the
penilai's ekspektasi per BerAKHLAK value, the lampiran, and the agreement (draft -> submitted -> approved/returned,
an edit after approval opens a revision: the PP 46 document's flow, domain/document.py, on the same row).

Each write locks the document, checks the caller (policy.py) and the ruleset, changes the plan, bumps the
document's version and writes an audit record in the same transaction.
"""
from __future__ import annotations

from ekinerja_platform.domain_errors import FailedPrecondition

from ..domain import document as d
from ..domain import rhk
from . import events_622
from .handlers import _changed, _load
from .ports import SkpUnitOfWork


def _doc(uow: SkpUnitOfWork, rpc: str, principal, skp_id: str, *, lock: bool = False) -> tuple[dict, frozenset]:
    doc, relations = _load(uow, rpc, principal, skp_id, lock=lock)
    rhk.check_ruleset(doc["ruleset"])
    return doc, relations


def view(uow: SkpUnitOfWork, doc: dict) -> dict:
    plan = uow.plans.get(doc["skp_id"])
    return {"doc": doc, "plan": plan}


def get_rencana(uow: SkpUnitOfWork, principal, skp_id: str) -> dict:
    doc, _ = _doc(uow, "GetRencanaKinerja", principal, skp_id)
    return view(uow, doc)


def atasan_rhk(uow: SkpUnitOfWork, doc: dict) -> dict[str, dict] | None:
    return uow.plans.approved_rhk_of_atasan(doc["penilai_nip"], doc["period_start"], doc["period_end"],
                                     doc["ruleset"])


def list_rhk_atasan(uow: SkpUnitOfWork, principal, skp_id: str) -> list[dict]:
    """The atasan's approved RHK the employee picks from (empty while the atasan has none approved)."""
    doc, _ = _doc(uow, "ListRhkAtasan", principal, skp_id)
    return list((atasan_rhk(uow, doc) or {}).values())


def update_rencana(uow: SkpUnitOfWork, principal, skp_id: str, expected_version: int, pendekatan: str,
                   items: list[rhk.RhkInput], lampiran: dict[str, list[str]], reason: str) -> dict:
    doc, _ = _doc(uow, "UpdateRencanaKinerja", principal, skp_id, lock=True)
    if expected_version != doc["version"]:
        raise FailedPrecondition(f"SKP sudah pada versi {doc['version']}, bukan {expected_version}: muat ulang",
                                   field="expected_version")
    plan = uow.plans.get(doc["skp_id"])
    status = d.check_editable(doc["status"], doc["result_status"], reason, plan["approved_rhk"] is not None)
    known = rhk.ids_of(plan["rhk"], plan["approved_rhk"])
    pendekatan, stored = rhk.validate_plan(pendekatan, items, doc["kind"], atasan_rhk(uow, doc), known)
    uow.plans.save(doc["skp_id"], pendekatan=pendekatan, rhk=stored,
                 lampiran=rhk.validate_lampiran(lampiran))
    detail = {"rhk": len(stored), "iki": sum(len(x["iki"]) for x in stored), "pendekatan": pendekatan}
    if status == d.REVISION:
        detail["reason"] = d.text_field(reason, "reason")
    doc = _changed(uow, doc, principal, "rencana_changed", detail, status=status)
    return view(uow, doc)


def set_ekspektasi(uow: SkpUnitOfWork, principal, skp_id: str, values: dict[str, str]) -> dict:
    doc, _ = _doc(uow, "SetEkspektasiPerilaku", principal, skp_id, lock=True)
    if doc["status"] == d.CLOSED or doc["result_status"]:
        raise FailedPrecondition("SKP sudah ditutup", field="status")
    ekspektasi = rhk.validate_ekspektasi(values)
    uow.plans.save(doc["skp_id"], ekspektasi=ekspektasi)
    doc = _changed(uow, doc, principal, "ekspektasi_set", {"nilai": sorted(ekspektasi)})
    return view(uow, doc)


def submit_rencana(uow: SkpUnitOfWork, principal, skp_id: str) -> dict:
    doc, _ = _doc(uow, "SubmitRencanaKinerja", principal, skp_id, lock=True)
    plan = uow.plans.get(doc["skp_id"])
    rhk.check_submittable(plan["rhk"], doc["penilai_nip"])
    status = d.check_submit(doc["status"], len(plan["rhk"]), doc["penilai_nip"])
    doc = _changed(uow, doc, principal, "submitted", {"rhk": len(plan["rhk"])}, status=status)
    return view(uow, doc)


def approve_rencana(uow: SkpUnitOfWork, principal, skp_id: str) -> dict:
    """The penilai agrees: the working plan becomes the plan in force (realisation, feedback and the subordinates'
    cascading refer to it)."""
    doc, _ = _doc(uow, "ApproveRencanaKinerja", principal, skp_id, lock=True)
    status = d.check_approve(doc["status"], False)
    plan = uow.plans.get(doc["skp_id"])
    uow.plans.save(doc["skp_id"], approved_rhk=plan["rhk"], approved_pendekatan=plan["pendekatan"])
    doc = _changed(uow, doc, principal, "approved", {"by": "penilai", "rhk": plan["rhk"]},
                   status=status, return_note="", approved_version=doc["version"] + 1)
    events_622.publish_plan_approved(uow, doc, plan["pendekatan"], plan["rhk"])
    return view(uow, doc)


def return_rencana(uow: SkpUnitOfWork, principal, skp_id: str, note: str) -> dict:
    doc, _ = _doc(uow, "ReturnRencanaKinerja", principal, skp_id, lock=True)
    status = d.check_return(doc["status"], False, note)
    doc = _changed(uow, doc, principal, "returned", {"note": note.strip()}, status=status,
                   return_note=note.strip())
    return view(uow, doc)

