"""gRPC side of the PermenPANRB 6/2022 RPCs (plan, periodic evaluation): proto -> use case -> proto, one unit of
work per call; writes honour ``x-idempotency-key`` like every other write (grpc_api._in_unit)."""
from __future__ import annotations

from decimal import Decimal

from ekinerja.skp.v1 import skp_pb2 as pb
from ekinerja_platform.domain_errors import InvalidArgument
from ekinerja_rules.permenpanrb_6_2022 import Predikat, Rating

from ..adapters import forms, forms_622
from ..adapters.unit_of_work import SqlSkpUnitOfWork
from ..application import evaluation, rencana
from ..domain import rhk as r
from .grpc_api import _in_unit, _s, today


def _iki(item: dict) -> pb.Iki:
    return pb.Iki(iki_id=item["iki_id"], nomor=item["nomor"], uraian=item["uraian"], aspek=item["aspek"] or "",
                  target=item["target"] or "", satuan=item["satuan"] or "", ekspektasi=item["ekspektasi"] or "")


def rhk_message(item: dict) -> pb.Rhk:
    return pb.Rhk(rhk_id=item["rhk_id"], nomor=item["nomor"], jenis=item["jenis"], uraian=item["uraian"],
                  rhk_atasan_id=item["rhk_atasan_id"] or "", rhk_atasan_uraian=item["rhk_atasan_uraian"] or "",
                  sasaran_organisasi=item["sasaran_organisasi"] or "", perspektif=item["perspektif"] or "",
                  iki=[_iki(k) for k in item["iki"]], atasan_skp_id=item.get("skp_id", ""))


def rencana_message(view: dict) -> pb.RencanaKinerja:
    doc, plan = view["doc"], view["plan"]
    lampiran = plan["lampiran"] or {}
    return pb.RencanaKinerja(
        skp_id=str(doc["skp_id"]), nip=doc["nip"], ruleset=doc["ruleset"], status=doc["status"],
        version=doc["version"], pendekatan=plan["pendekatan"], rhk=[rhk_message(x) for x in plan["rhk"]],
        approved_rhk=[rhk_message(x) for x in plan["approved_rhk"] or []],
        perilaku=[pb.PerilakuBerakhlak(kode=kode, nama=nama, panduan=panduan,
                                       ekspektasi=(plan["ekspektasi"] or {}).get(kode, ""))
                  for kode, (nama, panduan) in r.BERAKHLAK.items()],
        lampiran=pb.Lampiran(**{k: lampiran.get(k, []) for k in r.LAMPIRAN}), return_note=doc["return_note"],
        kind=doc["kind"], penilai_nip=_s(doc["penilai_nip"]), period_start=_s(doc["period_start"]),
        period_end=_s(doc["period_end"]))


def feedback_message(row: dict) -> pb.UmpanBalik:
    return pb.UmpanBalik(id=str(row["id"]), periode=row["periode"], rhk_id=row["rhk_id"] or "",
                         perilaku=row["perilaku"] or "", catatan=row["catatan"], penilai_nip=row["penilai_nip"],
                         at=_s(row["at"]))


def evaluasi_message(view: dict) -> pb.Evaluasi:
    e = view["evaluation"] or {}
    ak = e.get("angka_kredit")
    rated = bool(e.get("predikat"))
    return pb.Evaluasi(
        skp_id=str(view["doc"]["skp_id"]), periode=view["periode"], jenis_periode=e.get("jenis_periode", ""),
        bulan=e.get("bulan", 0),
        realisasi=[pb.RealisasiIki(iki_id=k, realisasi=v["realisasi"] or "", uraian=v["uraian"] or "",
                                   bukti=v["bukti"]) for k, v in (e.get("realisasi") or {}).items()],
        umpan_balik=[feedback_message(f) for f in view["feedback"]],
        hasil_kerja=e.get("hasil_kerja") or "", perilaku=e.get("perilaku") or "",
        kode_hasil_kerja=Rating(e["hasil_kerja"]).code if rated else 0,
        kode_perilaku=Rating(e["perilaku"]).code if rated else 0,
        predikat=e.get("predikat") or "", kode_predikat=Predikat(e["predikat"]).code if rated else 0,
        jenjang=e.get("jenjang") or "",
        angka_kredit=str(ak.quantize(Decimal("0.001"))) if ak is not None else "",
        catatan=e.get("catatan") or "", rated_by=e.get("rated_by") or "", rated_at=_s(e.get("rated_at")),
        final=bool(view.get("final")))


# --- the plan -----------------------------------------------------------------------------------------------------


def get_rencana_kinerja(db, call, request):
    principal = call.require_principal()
    with SqlSkpUnitOfWork(db) as uow:
        return pb.GetRencanaKinerjaResponse(rencana=rencana_message(rencana.get_rencana(uow, principal,
                                                                                      request.skp_id)))


def list_rhk_atasan(db, call, request):
    principal = call.require_principal()
    with SqlSkpUnitOfWork(db) as uow:
        return pb.ListRhkAtasanResponse(rhk=[rhk_message(x) for x in rencana.list_rhk_atasan(uow, principal,
                                                                                             request.skp_id)])


def _rhk_inputs(items) -> list[r.RhkInput]:
    return [r.RhkInput(x.rhk_id, x.jenis, x.uraian, x.rhk_atasan_id, x.sasaran_organisasi, x.perspektif,
                       tuple(r.IkiInput(k.iki_id, k.uraian, k.aspek, k.target, k.satuan, k.ekspektasi)
                             for k in x.iki)) for x in items]


def update_rencana_kinerja(db, call, request):
    lampiran = {k: list(getattr(request.lampiran, k)) for k in r.LAMPIRAN}
    return _in_unit(db, call, "UpdateRencanaKinerja", request, pb.UpdateRencanaKinerjaResponse,
                  lambda uow, p: pb.UpdateRencanaKinerjaResponse(rencana=rencana_message(rencana.update_rencana(
                      uow, p, request.skp_id, request.expected_version, request.pendekatan,
                      _rhk_inputs(request.rhk), lampiran, request.reason))))


def set_ekspektasi_perilaku(db, call, request):
    return _in_unit(db, call, "SetEkspektasiPerilaku", request, pb.SetEkspektasiPerilakuResponse,
                  lambda uow, p: pb.SetEkspektasiPerilakuResponse(rencana=rencana_message(
                      rencana.set_ekspektasi(uow, p, request.skp_id, dict(request.ekspektasi)))))


def submit_rencana_kinerja(db, call, request):
    return _in_unit(db, call, "SubmitRencanaKinerja", request, pb.SubmitRencanaKinerjaResponse,
                  lambda uow, p: pb.SubmitRencanaKinerjaResponse(rencana=rencana_message(
                      rencana.submit_rencana(uow, p, request.skp_id))))


def approve_rencana_kinerja(db, call, request):
    return _in_unit(db, call, "ApproveRencanaKinerja", request, pb.ApproveRencanaKinerjaResponse,
                  lambda uow, p: pb.ApproveRencanaKinerjaResponse(rencana=rencana_message(
                      rencana.approve_rencana(uow, p, request.skp_id))))


def return_rencana_kinerja(db, call, request):
    return _in_unit(db, call, "ReturnRencanaKinerja", request, pb.ReturnRencanaKinerjaResponse,
                  lambda uow, p: pb.ReturnRencanaKinerjaResponse(rencana=rencana_message(
                      rencana.return_rencana(uow, p, request.skp_id, request.note))))


# --- periodic evaluation ------------------------------------------------------------------------------------------


def set_realisasi_iki(db, call, request):
    return _in_unit(db, call, "SetRealisasiIki", request, pb.SetRealisasiIkiResponse,
                  lambda uow, p: pb.SetRealisasiIkiResponse(evaluasi=evaluasi_message(evaluation.set_realisasi(
                      uow, p, request.skp_id, request.periode, request.iki_id, request.realisasi, request.uraian,
                      list(request.bukti), today(), dari_des=request.dari_des))))


def add_umpan_balik(db, call, request):
    return _in_unit(db, call, "AddUmpanBalik", request, pb.AddUmpanBalikResponse,
                  lambda uow, p: pb.AddUmpanBalikResponse(umpan_balik=feedback_message(evaluation.add_feedback(
                      uow, p, request.skp_id, request.periode, request.rhk_id, request.perilaku, request.catatan))))


def rate_evaluasi(db, call, request):
    return _in_unit(db, call, "RateEvaluasi", request, pb.RateEvaluasiResponse,
                  lambda uow, p: pb.RateEvaluasiResponse(evaluasi=evaluasi_message(evaluation.rate(
                      uow, p, request.skp_id, request.periode, request.hasil_kerja, request.perilaku,
                      request.catatan, today()))))


def list_evaluasi(db, call, request):
    principal = call.require_principal()
    with SqlSkpUnitOfWork(db) as uow:
        return pb.ListEvaluasiResponse(
            evaluasi=[evaluasi_message(v) for v in evaluation.list_evaluations(uow, principal, request.skp_id)])


def export_evaluasi(db, call, request):
    principal = call.require_principal()
    if request.format not in (pb.EXPORT_FORMAT_PDF, pb.EXPORT_FORMAT_XLSX):
        raise InvalidArgument("harus EXPORT_FORMAT_PDF atau EXPORT_FORMAT_XLSX", field="format")
    with SqlSkpUnitOfWork(db) as uow:
        content = evaluation.dokumen_evaluasi(uow, principal, request.skp_id, request.periode)
    form = forms_622.dokumen_evaluasi(content.doc, content.approved_rhk, content.evaluation, content.feedback,
                                      content.pns, content.penilai)
    name = f"evaluasi-kinerja-{request.skp_id}-{request.periode.strip()}"
    if request.format == pb.EXPORT_FORMAT_PDF:
        return pb.ExportEvaluasiResponse(content=forms.to_pdf(form), content_type="application/pdf",
                                         filename=f"{name}.pdf")
    return pb.ExportEvaluasiResponse(
        content=forms.to_xlsx(form), filename=f"{name}.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def get_siasn_export(db, call, request):
    principal = call.require_principal()
    with SqlSkpUnitOfWork(db) as uow:
        out = evaluation.siasn(uow, principal, request.skp_id, request.periode, request.pns_dinilai_id,
                               request.periodik_id, request.koefisien_id)
    return pb.GetSiasnExportResponse(json=out["json"], predikat=out["predikat"], kode_predikat=out["kode_predikat"])
