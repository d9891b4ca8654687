"""Use cases of the PermenPANRB 6/2022 SKP plan: RHK and IKI (cascaded from the atasan's approved RHK), the
penilai's ekspektasi per BerAKHLAK value, the lampiran, and the agreement (draft -> submitted -> approved/returned,
an edit after approval opens a revision: the PP 46 document's flow, domain/document.py, on the same row).

Each write locks the document, checks the caller (policy.py) and the ruleset, changes the plan, bumps the
document's version and writes an audit record in the same transaction.
"""
from __future__ import annotations

from ekinerja_platform.domain_errors import FailedPrecondition

from ..adapters import rhk_repository as rr
from ..adapters.unit_of_work import in_session
from ..domain import document as d
from ..domain import rhk
from . import events_622
from .handlers import _changed, _load


def _doc(session, rpc: str, principal, skp_id: str, *, lock: bool = False) -> tuple[dict, frozenset]:
    doc, relations = _load(in_session(session), rpc, principal, skp_id, lock=lock)
    rhk.check_ruleset(doc["ruleset"])
    return doc, relations


def view(session, doc: dict) -> dict:
    plan = rr.get_plan(session, doc["skp_id"])
    return {"doc": doc, "plan": plan}


def get_rencana(session, principal, skp_id: str) -> dict:
    doc, _ = _doc(session, "GetRencanaKinerja", principal, skp_id)
    return view(session, doc)


def atasan_rhk(session, doc: dict) -> dict[str, dict] | None:
    return rr.approved_rhk_of_atasan(session, doc["penilai_nip"], doc["period_start"], doc["period_end"],
                                     doc["ruleset"])


def list_rhk_atasan(session, principal, skp_id: str) -> list[dict]:
    """The atasan's approved RHK the employee picks from (empty while the atasan has none approved)."""
    doc, _ = _doc(session, "ListRhkAtasan", principal, skp_id)
    return list((atasan_rhk(session, doc) or {}).values())


def update_rencana(session, principal, skp_id: str, expected_version: int, pendekatan: str,
                   items: list[rhk.RhkInput], lampiran: dict[str, list[str]], reason: str) -> dict:
    doc, _ = _doc(session, "UpdateRencanaKinerja", principal, skp_id, lock=True)
    if expected_version != doc["version"]:
        raise FailedPrecondition(f"SKP sudah pada versi {doc['version']}, bukan {expected_version}: muat ulang",
                                   field="expected_version")
    plan = rr.get_plan(session, doc["skp_id"])
    status = d.check_editable(doc["status"], doc["result_status"], reason, plan["approved_rhk"] is not None)
    known = rhk.ids_of(plan["rhk"], plan["approved_rhk"])
    pendekatan, stored = rhk.validate_plan(pendekatan, items, doc["kind"], atasan_rhk(session, doc), known)
    rr.save_plan(session, doc["skp_id"], pendekatan=pendekatan, rhk=stored,
                 lampiran=rhk.validate_lampiran(lampiran))
    detail = {"rhk": len(stored), "iki": sum(len(x["iki"]) for x in stored), "pendekatan": pendekatan}
    if status == d.REVISION:
        detail["reason"] = d.text_field(reason, "reason")
    doc = _changed(in_session(session), doc, principal, "rencana_changed", detail, status=status)
    return view(session, doc)


def set_ekspektasi(session, principal, skp_id: str, values: dict[str, str]) -> dict:
    doc, _ = _doc(session, "SetEkspektasiPerilaku", principal, skp_id, lock=True)
    if doc["status"] == d.CLOSED or doc["result_status"]:
        raise FailedPrecondition("SKP sudah ditutup", field="status")
    ekspektasi = rhk.validate_ekspektasi(values)
    rr.save_plan(session, doc["skp_id"], ekspektasi=ekspektasi)
    doc = _changed(in_session(session), doc, principal, "ekspektasi_set", {"nilai": sorted(ekspektasi)})
    return view(session, doc)


def submit_rencana(session, principal, skp_id: str) -> dict:
    doc, _ = _doc(session, "SubmitRencanaKinerja", principal, skp_id, lock=True)
    plan = rr.get_plan(session, doc["skp_id"])
    rhk.check_submittable(plan["rhk"], doc["penilai_nip"])
    status = d.check_submit(doc["status"], len(plan["rhk"]), doc["penilai_nip"])
    doc = _changed(in_session(session), doc, principal, "submitted", {"rhk": len(plan["rhk"])}, status=status)
    return view(session, doc)


def approve_rencana(session, principal, skp_id: str) -> dict:
    """The penilai agrees: the working plan becomes the plan in force (realisation, feedback and the subordinates'
    cascading refer to it)."""
    doc, _ = _doc(session, "ApproveRencanaKinerja", principal, skp_id, lock=True)
    status = d.check_approve(doc["status"], False)
    plan = rr.get_plan(session, doc["skp_id"])
    rr.save_plan(session, doc["skp_id"], approved_rhk=plan["rhk"], approved_pendekatan=plan["pendekatan"])
    doc = _changed(in_session(session), doc, principal, "approved", {"by": "penilai", "rhk": plan["rhk"]},
                   status=status, return_note="", approved_version=doc["version"] + 1)
    events_622.publish_plan_approved(session, doc, plan["pendekatan"], plan["rhk"])
    return view(session, doc)


def return_rencana(session, principal, skp_id: str, note: str) -> dict:
    doc, _ = _doc(session, "ReturnRencanaKinerja", principal, skp_id, lock=True)
    status = d.check_return(doc["status"], False, note)
    doc = _changed(in_session(session), doc, principal, "returned", {"note": note.strip()}, status=status,
                   return_note=note.strip())
    return view(session, doc)

