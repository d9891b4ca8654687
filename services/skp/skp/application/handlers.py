"""Use cases of the skp service (PP 46/2011 documents), each working inside the caller's unit of work.

Every write locks its document row, checks the caller's relation (policy.py) and the document's state
(domain/document.py), changes the rows, writes an audit record and, where another service must learn of it,
an event into the outbox in the same transaction.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ekinerja_events import skp as payloads
from ekinerja_platform.domain_errors import FailedPrecondition, InvalidArgument, PermissionDenied
from ekinerja_platform.envelope import Event
from ekinerja_platform.pagination import page_request

from ..domain import document as d
from . import policy
from .ports import SkpUnitOfWork
from .year_score import check_rated, score, score_input, year_of

PRODUCER = "skp"


def _actor(principal) -> str:
    return principal.nip or principal.subject


def _load(uow: SkpUnitOfWork, rpc: str, principal, skp_id: str, *, lock: bool = False) -> tuple[dict, frozenset]:
    doc = _with_heads(uow, principal, uow.documents.get(skp_id, lock=lock))
    return doc, policy.authorize(rpc, principal, doc)


def _with_heads(uow: SkpUnitOfWork, principal, doc: dict) -> dict:
    """``doc`` with the heads up the chain when they could be what lets the caller read it."""
    if doc is not None and policy.needs_heads(principal, doc):
        return {**doc, "heads": uow.documents.heads_of(doc)}
    return doc


def _changed(uow: SkpUnitOfWork, doc: dict, principal, action: str, detail: dict | None = None, **values) -> dict:
    uow.documents.update(doc["skp_id"], **values)
    uow.documents.add_audit(doc["skp_id"], _actor(principal), action, detail)
    return uow.documents.get(doc["skp_id"])


# --- events out ---------------------------------------------------------------------------------------------------


def _figure(value) -> Decimal:
    """A stored figure ("12.50", a string in the JSON columns) as the payload's Decimal: written back unchanged."""
    return Decimal(str(value))


def _decimal(value) -> Decimal | None:
    return None if value is None else _figure(value)


def publish_approved(uow: SkpUnitOfWork, doc: dict) -> None:
    kegiatan = tuple(payloads.ApprovedKegiatan(
        kegiatan_id=str(item["kegiatan_id"]), nomor=item["nomor"], nama=item["nama"], satuan=item["satuan"],
        kuantitas=_figure(item["kuantitas"]), kualitas=_figure(item["kualitas"]), waktu=_figure(item["waktu"]),
        biaya=_decimal(item["biaya"])) for item in doc["approved_targets"])
    uow.record(Event.of(payloads.SkpApproved(
        skp_id=str(doc["skp_id"]), nip=doc["nip"], instansi_id=doc["instansi_id"], unit_id=doc["unit_id"],
        jabatan_id=doc["jabatan_id"], period_start=doc["period_start"], period_end=doc["period_end"],
        penilai_nip=doc["penilai_nip"], atasan_penilai_nip=doc["atasan_penilai_nip"], kegiatan=kegiatan,
        version=doc["version"]), nip=doc["nip"], instansi_id=doc["instansi_id"]))


def publish_scored(uow: SkpUnitOfWork, doc: dict, result: dict) -> None:
    uow.record(Event.of(payloads.SkpScored(
        skp_id=str(doc["skp_id"]), nip=doc["nip"], instansi_id=doc["instansi_id"], unit_id=doc["unit_id"],
        year=year_of(doc), penilai_nip=doc["penilai_nip"], nilai_capaian_skp=_decimal(result["nilai_capaian_skp"]),
        nilai_perilaku=_decimal(result["nilai_perilaku"]),
        nilai_prestasi_kerja=_decimal(result["nilai_prestasi_kerja"]), sebutan=result["sebutan"]),
        nip=doc["nip"], instansi_id=doc["instansi_id"]))


def publish_closed(uow: SkpUnitOfWork, doc: dict, reason: str, nilai_prestasi_kerja: str | None) -> None:
    """``kegiatan``: the targets served, as in force at the close (after a move: prorated to the months served), so
    des makes the served months add up to them; empty for a document never approved (des does not know it)."""
    served = tuple(payloads.ServedKegiatan(kegiatan_id=str(item["kegiatan_id"]), kuantitas=_figure(item["kuantitas"]))
                   for item in doc["approved_targets"] or [])
    uow.record(Event.of(payloads.SkpClosed(
        skp_id=str(doc["skp_id"]), nip=doc["nip"], instansi_id=doc["instansi_id"], period_end=doc["period_end"],
        reason=reason, nilai_prestasi_kerja=_decimal(nilai_prestasi_kerja), kegiatan=served),
        nip=doc["nip"], instansi_id=doc["instansi_id"]))


# --- reads --------------------------------------------------------------------------------------------------------


def get_skp(uow: SkpUnitOfWork, principal, skp_id: str) -> dict:
    doc, _ = _load(uow, "GetSkp", principal, skp_id)
    return uow.documents.view(doc)


def list_skp(uow: SkpUnitOfWork, principal, nip: str, year: int, page_size: int = 0,
             page_token: str = "") -> tuple[list[dict], str]:
    """A page of the employee's documents the caller may read (by period start), and the next page's token."""
    policy.rule("ListSkp")
    nip = (nip or "").strip() or principal.nip
    if not nip:
        raise InvalidArgument("is required for a caller without a NIP", field="nip")
    if year and not 1900 <= year <= 9999:
        raise InvalidArgument("must be a year", field="year")
    page = page_request(page_size, page_token, "skp.ListSkp", nip, year, key=(dt.date, str))
    found = uow.documents.of_employee(nip, year)  # a few a year
    docs = [doc for doc in found if policy.may_read(principal, _with_heads(uow, principal, doc))]
    own = nip == principal.nip and principal.has_role("pegawai")
    if not docs and not own and not _admin_of_employee(uow, principal, nip):
        # a read the caller may not make is refused, never answered with an empty list (issue 16.5); the same
        # answer whether or not the employee has documents, so an outsider learns nothing
        raise PermissionDenied("Anda tidak berwenang melihat SKP pegawai ini", field="nip")
    docs.sort(key=lambda doc: (doc["period_start"], str(doc["skp_id"])))
    if page.after:
        docs = [doc for doc in docs if (doc["period_start"], str(doc["skp_id"])) > page.after]
    docs, token = page.split(docs[:page.size + 1], lambda doc: (doc["period_start"], str(doc["skp_id"])))
    return [uow.documents.view(doc) for doc in docs], token


def _admin_of_employee(uow: SkpUnitOfWork, principal, nip: str) -> bool:
    """An admin_instansi of the employee's own instansi (who may read its documents, even when there are none)."""
    return principal.has_role("admin_instansi") and bool(principal.instansi_id) and \
        uow.documents.employee_instansi(nip) == principal.instansi_id


def list_audit(uow: SkpUnitOfWork, principal, skp_id: str, page_size: int = 0,
               page_token: str = "") -> tuple[list[dict], str]:
    doc, _ = _load(uow, "ListAudit", principal, skp_id)
    page = page_request(page_size, page_token, "skp.ListAudit", skp_id, key=(int,))
    entries = uow.documents.audit_entries(doc["skp_id"], page.after[0] if page.after else None, page.size + 1)
    return page.split(entries, lambda e: (e["id"],))


# --- targets and agreement ----------------------------------------------------------------------------------------


def update_targets(uow: SkpUnitOfWork, principal, skp_id: str, expected_version: int, items: list[d.TargetInput],
                   reason: str) -> dict:
    doc, _ = _load(uow, "UpdateTargets", principal, skp_id, lock=True)
    if expected_version != doc["version"]:
        raise FailedPrecondition(f"the document is at version {doc['version']}, not {expected_version}: reload it",
                                 field="expected_version")
    status = d.check_editable(doc["status"], doc["result_status"], reason, doc["approved_targets"] is not None)
    targets = d.validate_targets(items, doc["kind"], d.months_covered(doc["period_start"], doc["period_end"]))
    changes = uow.documents.replace_kegiatan(doc["skp_id"], targets)
    detail: dict = {"changes": changes}
    if status == d.REVISION:
        detail["reason"] = d.text_field(reason, "reason")
    doc = _changed(uow, doc, principal, "targets_changed", detail, status=status)
    return uow.documents.view(doc)


def submit_skp(uow: SkpUnitOfWork, principal, skp_id: str) -> dict:
    doc, _ = _load(uow, "SubmitSkp", principal, skp_id, lock=True)
    status = d.check_submit(doc["status"], len(uow.documents.active_kegiatan(doc["skp_id"])), doc["penilai_nip"])
    doc = _changed(uow, doc, principal, "submitted", status=status)
    return uow.documents.view(doc)


def approve_skp(uow: SkpUnitOfWork, principal, skp_id: str) -> dict:
    doc, relations = _load(uow, "ApproveSkp", principal, skp_id, lock=True)
    as_atasan = doc["status"] == d.DISPUTED
    if as_atasan and policy.ATASAN not in relations:
        raise FailedPrecondition("a disagreement is decided by the atasan pejabat penilai", field="status")
    if not as_atasan and policy.PENILAI not in relations:
        raise FailedPrecondition("submitted targets are approved by the pejabat penilai", field="status")
    status = d.check_approve(doc["status"], as_atasan)
    if doc["closed_reason"]:  # closed by a move before approval: agreed for the months served, and closed
        status = d.CLOSED
    targets = d.snapshot(uow.documents.active_kegiatan(doc["skp_id"]))
    doc = _changed(uow, doc, principal, "approved", {"by": "atasan" if as_atasan else "penilai",
                                                         "targets": targets},
                   status=status, approved_targets=targets, return_note="", approved_version=doc["version"] + 1)
    publish_approved(uow, doc)
    return uow.documents.view(doc)


def return_skp(uow: SkpUnitOfWork, principal, skp_id: str, note: str) -> dict:
    doc, relations = _load(uow, "ReturnSkp", principal, skp_id, lock=True)
    as_atasan = doc["status"] == d.DISPUTED
    if (as_atasan and policy.ATASAN not in relations) or (not as_atasan and policy.PENILAI not in relations):
        raise FailedPrecondition("returned by the pejabat penilai, or by the atasan for a disagreement",
                                 field="status")
    status = d.check_return(doc["status"], as_atasan, note)
    doc = _changed(uow, doc, principal, "returned", {"note": note.strip()}, status=status,
                   return_note=note.strip())
    return uow.documents.view(doc)


def escalate_skp(uow: SkpUnitOfWork, principal, skp_id: str, note: str) -> dict:
    doc, _ = _load(uow, "EscalateSkp", principal, skp_id, lock=True)
    status = d.check_escalate(doc["status"], note, doc["atasan_penilai_nip"])
    doc = _changed(uow, doc, principal, "escalated", {"note": note.strip()}, status=status,
                   dispute_note=note.strip())
    return uow.documents.view(doc)


# --- realisation and assessment -----------------------------------------------------------------------------------


def _assessable(doc: dict) -> None:
    d.check_assessable(doc["status"], doc["approved_targets"] is not None, doc["result_status"])


def set_realisasi(uow: SkpUnitOfWork, principal, skp_id: str, kegiatan_id: str, waktu: str, biaya: str,
                  today: dt.date) -> dict:
    doc, _ = _load(uow, "SetRealisasi", principal, skp_id, lock=True)
    _assessable(doc)
    if not d.in_last_month(doc["period_end"], today):
        raise FailedPrecondition(f"realisation is entered at the end of the period ({doc['period_end']})",
                                 field="period_end")
    kid = d.parse_id(kegiatan_id, "kegiatan_id")
    target = next((k for k in doc["approved_targets"] if k["kegiatan_id"] == str(kid)), None)
    if target is None:
        raise InvalidArgument("not an approved kegiatan of this document", field="kegiatan_id")
    rw = d.parse_decimal(waktu, "waktu", minimum=Decimal(0), places=2)
    rb = d.parse_decimal(biaya, "biaya", optional=True, minimum=Decimal(0), places=2)
    if target.get("biaya") and Decimal(target["biaya"]) > 0 and rb is None:
        raise InvalidArgument("is required: the kegiatan has a biaya target", field="biaya")
    uow.documents.set_realisasi(kid, rw, rb)
    doc = _changed(uow, doc, principal, "realisasi_set",
                   {"kegiatan_id": str(kid), "waktu": d.plain(rw), "biaya": d.plain(rb) or None})
    return uow.documents.view(doc)


def add_tugas_tambahan(uow: SkpUnitOfWork, principal, skp_id: str, uraian: str, tanggal: str) -> dict:
    doc, _ = _load(uow, "AddTugasTambahan", principal, skp_id, lock=True)
    _assessable(doc)
    uraian = d.text_field(uraian, "uraian")
    day = d.parse_date(tanggal, "tanggal")
    if not doc["period_start"] <= day <= doc["period_end"]:
        raise InvalidArgument(f"must lie in the period {doc['period_start']} .. {doc['period_end']}",
                              field="tanggal")
    uow.documents.add_tugas_tambahan(doc["skp_id"], uraian, day, _actor(principal))
    doc = _changed(uow, doc, principal, "tugas_tambahan_added", {"uraian": uraian, "tanggal": day.isoformat()})
    return uow.documents.view(doc)


def set_kreativitas(uow: SkpUnitOfWork, principal, skp_id: str, level: str, uraian: str, bukti: str) -> dict:
    doc, _ = _load(uow, "SetKreativitas", principal, skp_id, lock=True)
    _assessable(doc)
    from ekinerja_rules.rulesets import get_ruleset
    levels = get_ruleset(doc["ruleset"]).kreativitas_levels()
    level = (level or "").strip()
    if level and level not in levels:
        raise InvalidArgument(f"must be empty or one of {', '.join(levels)}", field="level")
    uraian = d.text_field(uraian, "uraian", required=bool(level))
    bukti = d.text_field(bukti, "bukti", required=bool(level))
    doc = _changed(uow, doc, principal, "kreativitas_set", {"level": level or None, "uraian": uraian,
                                                               "bukti": bukti},
                   kreativitas_level=level or None, kreativitas_uraian=uraian, kreativitas_bukti=bukti)
    return uow.documents.view(doc)


def _perilaku_json(values: dict[str, Decimal]) -> dict[str, str]:
    return {k: d.plain(v) for k, v in values.items()}


def set_perilaku(uow: SkpUnitOfWork, principal, skp_id: str, values: dict[str, str]) -> dict:
    doc, _ = _load(uow, "SetPerilaku", principal, skp_id, lock=True)
    _assessable(doc)
    perilaku = _perilaku_json(d.validate_perilaku(values, doc["kind"]))
    doc = _changed(uow, doc, principal, "perilaku_set", perilaku, perilaku=perilaku)
    return uow.documents.view(doc)


# --- scores, results, keberatan -----------------------------------------------------------------------------------


def score_skp(uow: SkpUnitOfWork, principal, skp_id: str) -> dict:
    """The stored result once issued (it is what was communicated), else the live score of the year."""
    doc, _ = _load(uow, "ScoreSkp", principal, skp_id)
    if doc["result"] is not None:
        return _result_view(doc)
    documents, data = score_input(uow, doc)
    return {**score(data, doc["ruleset"]), "skp_ids": [str(x["skp_id"]) for x in documents], "input": data,
            "skp_id": str(doc["skp_id"])}


def _result_view(doc: dict) -> dict:
    return {**doc["result"], "result_status": doc["result_status"], "issued_on": doc["issued_on"],
            "keberatan_deadline": doc["keberatan_deadline"], "keberatan_alasan": doc["keberatan_alasan"],
            "keberatan_catatan": doc["keberatan_catatan"], "skp_id": str(doc["skp_id"])}


def issue_result(uow: SkpUnitOfWork, principal, skp_id: str, today: dt.date) -> dict:
    doc, _ = _load(uow, "IssueResult", principal, skp_id, lock=True)
    d.check_issue(doc["status"], doc["closed_reason"], doc["result_status"], doc["period_end"], today)
    if not doc["perilaku"]:
        raise FailedPrecondition("the perilaku kerja is not assessed yet", field="perilaku")
    documents, data = score_input(uow, doc)
    check_rated(uow, documents)
    result = {**score(data, doc["ruleset"]), "skp_ids": [str(x["skp_id"]) for x in documents], "input": data}
    deadline = d.keberatan_deadline(today)
    doc = _changed(uow, doc, principal, "result_issued", {"nilai_prestasi_kerja": result["nilai_prestasi_kerja"]},
                   result=result, result_status=d.RESULT_ISSUED, issued_on=today, keberatan_deadline=deadline)
    publish_scored(uow, doc, result)
    return _result_view(doc)


def _finalise(uow, doc: dict, actor_principal, action: str, detail: dict | None = None, **values) -> dict:
    doc = _changed(uow, doc, actor_principal, action, detail, result_status=d.RESULT_FINAL,
                   status=d.CLOSED, closed_reason="final", **values)
    publish_closed(uow, doc, "final", doc["result"]["nilai_prestasi_kerja"])
    return doc


def accept_result(uow: SkpUnitOfWork, principal, skp_id: str) -> dict:
    doc, _ = _load(uow, "AcceptResult", principal, skp_id, lock=True)
    d.check_accept(doc["result_status"])
    return _result_view(_finalise(uow, doc, principal, "result_accepted"))


def file_keberatan(uow: SkpUnitOfWork, principal, skp_id: str, alasan: str, today: dt.date) -> dict:
    doc, _ = _load(uow, "FileKeberatan", principal, skp_id, lock=True)
    status = d.check_keberatan(doc["result_status"], doc["keberatan_deadline"], today, alasan,
                               doc["atasan_penilai_nip"])
    doc = _changed(uow, doc, principal, "keberatan_filed", {"alasan": alasan.strip()}, result_status=status,
                   keberatan_alasan=alasan.strip())
    return _result_view(doc)


def decide_keberatan(uow: SkpUnitOfWork, principal, skp_id: str, catatan: str, revise: bool,
                     perilaku: dict[str, str] | None) -> dict:
    """The atasan penilai sets the final value: upheld, or the perilaku revised and the year scored again."""
    doc, _ = _load(uow, "DecideKeberatan", principal, skp_id, lock=True)
    d.check_decide(doc["result_status"], catatan)
    detail: dict = {"catatan": catatan.strip(), "revise": revise}
    values: dict = {"keberatan_catatan": catatan.strip()}
    if revise:
        revised = _perilaku_json(d.validate_perilaku(perilaku or {}, doc["kind"]))
        documents, data = score_input(uow, doc, revised)
        result = {**score(data, doc["ruleset"]), "skp_ids": [str(x["skp_id"]) for x in documents], "input": data}
        detail.update(perilaku_before=doc["perilaku"], perilaku=revised,
                      nilai_before=doc["result"]["nilai_prestasi_kerja"], nilai=result["nilai_prestasi_kerja"])
        values.update(perilaku=revised, result=result)
        uow.documents.update(doc["skp_id"], **values)
        doc = uow.documents.get(doc["skp_id"])
        publish_scored(uow, doc, result)
        values = {}
    doc = _finalise(uow, doc, principal, "keberatan_decided", detail, **values)
    return _result_view(doc)


class SystemActor:
    """The service itself, for changes no person makes (a keberatan period running out)."""

    nip = None
    subject = "system"


EXPIRY_BATCH = 100


def close_expired_results(uow: SkpUnitOfWork, today: dt.date, limit: int = EXPIRY_BATCH) -> int:
    """Results nobody objected to within 14 days become final (closed, ``skp_closed``, audited); returns how many
    it handled (``limit`` means: call again). Rows another replica is closing are skipped."""
    ids = uow.documents.expired_results(today, limit)
    for skp_id in ids:
        doc = uow.documents.get(skp_id)
        if d.expired(doc["result_status"], doc["keberatan_deadline"], today):
            _finalise(uow, doc, SystemActor(), "result_final_no_keberatan")
    return len(ids)
