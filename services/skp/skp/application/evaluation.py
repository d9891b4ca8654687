"""Use cases of the periodic evaluation under PermenPANRB 6/2022: the employee's realisation per IKI, the
penilai's continuous feedback against RHK and BerAKHLAK values, and the penilai's two ratings, from which the
predikat (the matrix) and, for a jabatan fungsional, the angka kredit follow (domain/evaluation.py, which calls
``ekinerja_rules.permenpanrb_6_2022``: the offline calculator's code). The result is stored with the evaluation.
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from ekinerja_platform import clock
from ekinerja_platform.domain_errors import FailedPrecondition
from ekinerja_rules.permenpanrb_6_2022.contract import InvalidPredikatInput
from ekinerja_rules.permenpanrb_6_2022.siasn import parse_siasn_input, siasn_export

from ..domain import evaluation as ev
from ..domain import rhk
from . import events_622
from .handlers import _actor, _changed
from .official_forms import _person
from .ports import Person, SkpUnitOfWork
from .rencana import _doc
from .ruleset_setting import check_not_final, finalisation_of, lock_siklus, siklus_for


def _approved(uow: SkpUnitOfWork, doc: dict) -> dict:
    plan = uow.plans.get(doc["skp_id"])
    if plan["approved_rhk"] is None:
        raise FailedPrecondition("SKP belum disetujui pejabat penilai", field="status")
    return plan


def _periode(doc: dict, text: str):
    return ev.periode_of_document(text, doc["kind"], doc["period_start"], doc["period_end"])


def _open_periode(uow: SkpUnitOfWork, doc: dict, text: str):
    """The period of an evaluation being opened or rated: it must follow the instansi's cadence for the year."""
    periode, bulan = _periode(doc, text)
    lock_siklus(uow, doc["instansi_id"], periode.year, shared=True)
    ev.check_siklus(periode, siklus_for(uow, doc["instansi_id"], periode.year), doc["kind"])
    return periode, bulan


def evaluation_view(uow: SkpUnitOfWork, doc: dict, evaluation: dict | None, periode: str) -> dict:
    return {"doc": doc, "periode": periode, "evaluation": evaluation,
            "feedback": uow.evaluations.feedback(doc["skp_id"], periode),
            "final": bool(evaluation and evaluation.get("predikat"))
            and finalisation_of(uow, doc["instansi_id"], periode) is not None}


def list_evaluations(uow: SkpUnitOfWork, principal, skp_id: str) -> list[dict]:
    doc, _ = _doc(uow, "ListEvaluasi", principal, skp_id)
    found: dict[str, dict | None] = {e["periode"]: e for e in uow.evaluations.of_document(doc["skp_id"])}
    for item in uow.evaluations.feedback(doc["skp_id"]):  # feedback of a period with no realisation yet
        found.setdefault(item["periode"], None)
    return [evaluation_view(uow, doc, e, p) for p, e in found.items()]


def set_realisasi(uow: SkpUnitOfWork, principal, skp_id: str, periode_text: str, iki_id: str, realisasi: str,
                  uraian: str, bukti: list[str], today: dt.date, dari_des: bool = False) -> dict:
    """The employee's realisation of one IKI in a period. ``dari_des``: take it from DES instead, the approved
    activities of the period reported against this IKI (skp keeps them from des's ``activity_reviewed``, applied
    once): their recognised kuantitas summed (quantitative; "proses" entries do not count) and their ids as bukti
    dukung."""
    doc, _ = _doc(uow, "SetRealisasiIki", principal, skp_id, lock=True)
    plan = _approved(uow, doc)
    periode, bulan = _open_periode(uow, doc, periode_text)
    ev.check_started(periode, today)
    current = uow.evaluations.get(doc["skp_id"], periode.kode)
    ev.check_open(current)
    iki = rhk.iki_by_id(plan["approved_rhk"]).get((iki_id or "").strip())
    if iki is None:
        raise ev.InvalidArgument("bukan IKI pada SKP yang disetujui", field="iki_id")
    activity_ids: list[str] = []
    if dari_des:
        start, end = max(periode.start, doc["period_start"]), min(periode.end, doc["period_end"])
        total, activity_ids = uow.evaluations.des_realisasi(doc["skp_id"], iki["iki_id"], start, end)
        realisasi = ev.from_des(plan["approved_pendekatan"], realisasi, total, activity_ids)
    item = ev.validate_realisasi(iki, plan["approved_pendekatan"], realisasi, uraian, bukti)
    if activity_ids:  # every DES activity of the period is bukti, however many (the limit is for typed bukti)
        item["bukti"] = activity_ids + [b for b in item["bukti"] if b not in activity_ids]
        item["dari_des"] = True
    values = {**((current or {}).get("realisasi") or {}), iki["iki_id"]: item}
    uow.evaluations.save(doc, periode, bulan, realisasi=values)
    doc = _changed(uow, doc, principal, "realisasi_iki_set", {"periode": periode.kode, **item})
    return evaluation_view(uow, doc, uow.evaluations.get(doc["skp_id"], periode.kode), periode.kode)


def add_feedback(uow: SkpUnitOfWork, principal, skp_id: str, periode_text: str, rhk_id: str, perilaku: str,
                 catatan: str) -> dict:
    """Umpan balik berkelanjutan: the penilai's note during the period, before the period is rated."""
    doc, _ = _doc(uow, "AddUmpanBalik", principal, skp_id, lock=True)
    plan = _approved(uow, doc)
    periode, _bulan = _open_periode(uow, doc, periode_text)
    ev.check_open(uow.evaluations.get(doc["skp_id"], periode.kode))
    item = ev.validate_feedback(rhk_id, perilaku, catatan, rhk.rhk_by_id(plan["approved_rhk"]))
    row = uow.evaluations.add_feedback(doc["skp_id"], periode.kode, _actor(principal), item)
    _changed(uow, doc, principal, "umpan_balik_added", {"periode": periode.kode, "id": str(row["id"]),
                                                            "rhk_id": item["rhk_id"], "perilaku": item["perilaku"]})
    return row


def rate(uow: SkpUnitOfWork, principal, skp_id: str, periode_text: str, hasil_kerja: str, perilaku: str,
         catatan: str, today: dt.date) -> dict:
    """The penilai's ratings for the period; the predikat and angka kredit are computed and stored, final."""
    doc, _ = _doc(uow, "RateEvaluasi", principal, skp_id, lock=True)
    plan = _approved(uow, doc)
    periode, bulan = _open_periode(uow, doc, periode_text)
    hasil = ev.parse_rating(hasil_kerja, "hasil_kerja")
    sikap = ev.parse_rating(perilaku, "perilaku")
    catatan = rhk._text(catatan, "catatan", required=False)
    ev.check_started(periode, today)
    current = uow.evaluations.get(doc["skp_id"], periode.kode)
    ev.check_open(current)
    missing = ev.missing_realisasi(rhk.iki_by_id(plan["approved_rhk"]), (current or {}).get("realisasi") or {})
    if missing:
        raise FailedPrecondition("realisasi belum diisi untuk " + "; ".join(missing), field="realisasi")
    check_not_final(uow, doc["instansi_id"], periode.kode)  # the PyB closed this period's spread
    jenjang = ev.jenjang_of(doc["kind"], uow.evaluations.jenjang_of_position(doc["jabatan_id"]))
    result = ev.outcome(hasil, sikap, jenjang, bulan)
    uow.evaluations.save(doc, periode, bulan, hasil_kerja=hasil.value, perilaku=sikap.value,
                       predikat=result.predikat.value, jenjang=jenjang.value if jenjang else None,
                       angka_kredit=result.angka_kredit, catatan=catatan, rated_by=_actor(principal),
                       rated_at=clock.now())
    # the final predikat joins the organisation's spread the curve check reads (CheckDistribution), same transaction
    uow.evaluations.record_predikat(doc["instansi_id"], periode.kode, doc["nip"], result.predikat.value,
                                    doc["unit_id"])
    doc = _changed(uow, doc, principal, "evaluasi_rated", {
        "periode": periode.kode, "hasil_kerja": hasil.value, "perilaku": sikap.value,
        "predikat": result.predikat.value, "bulan": bulan,
        "angka_kredit": str(result.angka_kredit) if result.angka_kredit is not None else None})
    rated = uow.evaluations.get(doc["skp_id"], periode.kode)
    assert rated is not None  # saved above, in this unit
    events_622.publish_rated(uow, doc, rated, plan["approved_rhk"])
    return evaluation_view(uow, doc, rated, periode.kode)


@dataclass(frozen=True)
class DokumenEvaluasi:
    """What the dokumen evaluasi kinerja of a rated period states; `adapters/forms_622.py` lays it out."""

    doc: dict
    approved_rhk: list[dict]
    evaluation: dict
    feedback: list[dict]
    pns: Person
    penilai: Person


def dokumen_evaluasi(uow: SkpUnitOfWork, principal, skp_id: str, periode_text: str) -> DokumenEvaluasi:
    """The dokumen evaluasi kinerja of a rated period (who may have it: who may read the evaluations)."""
    doc, _ = _doc(uow, "ExportEvaluasi", principal, skp_id)
    plan = _approved(uow, doc)
    periode, _bulan = _periode(doc, periode_text)
    rated = uow.evaluations.get(doc["skp_id"], periode.kode)
    if rated is None or not rated.get("predikat"):
        raise FailedPrecondition(f"periode {periode.kode} belum dinilai pejabat penilai", field="periode")
    view = uow.documents.view(doc)
    pns = _person(uow.documents.person_on_forms(doc["nip"]), view.get("jabatan_nama"), view.get("unit_nama"))
    penilai = _person(uow.documents.person_on_forms(doc["penilai_nip"]))
    return DokumenEvaluasi(doc, plan["approved_rhk"], rated, uow.evaluations.feedback(doc["skp_id"], periode.kode),
                           pns, penilai)


def siasn(uow: SkpUnitOfWork, principal, skp_id: str, periode_text: str, pns_dinilai_id: str, periodik_id: str,
          koefisien_id: str) -> dict:
    """The SIASN-ready export of a rated and finalised period: the offline ``ekinerja skp siasn`` code
    (``ekinerja_rules.permenpanrb_6_2022.siasn``) fed from the stored evaluation, so the predikat sent is the
    matrix's for the stored ratings."""
    doc, _ = _doc(uow, "GetSiasnExport", principal, skp_id)
    periode, _bulan = _periode(doc, periode_text)
    rated = uow.evaluations.get(doc["skp_id"], periode.kode)
    if rated is None or not rated.get("predikat"):
        raise FailedPrecondition(f"periode {periode.kode} belum dinilai pejabat penilai", field="periode")
    if finalisation_of(uow, doc["instansi_id"], periode.kode) is None:
        raise FailedPrecondition(f"hasil periode {periode.kode} belum difinalkan oleh pejabat yang berwenang "
                                 "(kurva distribusi)", field="periode", reason="HASIL_BELUM_FINAL")
    start, end = max(periode.start, doc["period_start"]), min(periode.end, doc["period_end"])
    penilai = uow.documents.person_on_forms(doc["penilai_nip"]) or {}
    data = {"ruleset": doc["ruleset"], "pns_dinilai_id": (pns_dinilai_id or "").strip() or doc["nip"],
            "tahun": start.year, "bulan_mulai": start.month, "bulan_selesai": end.month,
            "hasil_kerja": rated["hasil_kerja"], "perilaku": rated["perilaku"],
            "penilai": {"status": "ASN", "nip": doc["penilai_nip"], "nama": penilai.get("nama") or None,
                        "jabatan": penilai.get("jabatan") or None, "unor": penilai.get("unit") or None,
                        "golongan": penilai.get("golongan") or None},
            "periodik_id": (periodik_id or "").strip() or None, "koefisien_id": (koefisien_id or "").strip() or None}
    try:
        out = siasn_export(parse_siasn_input(data))
    except InvalidPredikatInput as error:  # stored data SIASN cannot take (e.g. no penilai recorded)
        first = error.errors[0]
        raise FailedPrecondition(f"data belum lengkap untuk SIASN: {first.field} {first.message}",
                                 field=first.field) from None
    return {"json": json.dumps(out, ensure_ascii=False, sort_keys=True), **out}
