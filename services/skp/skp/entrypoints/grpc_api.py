"""gRPC side of the skp service: proto -> use case arguments, one unit of work per call, use case result -> proto.

Write RPCs with an ``x-idempotency-key`` store their serialised response in the same transaction as the change
(scope: service, RPC and caller), so a retried request returns the first answer and changes nothing again.
"""
from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

from ekinerja.skp.v1 import skp_pb2 as pb
from ekinerja_platform import clock
from ekinerja_platform.domain_errors import InvalidArgument
from ekinerja_platform.idempotency import run_once_in

from ..adapters import forms
from ..adapters import repository as repo
from ..adapters.unit_of_work import SqlSkpUnitOfWork
from ..application import curve, official_forms, ruleset_setting, templates
from ..application import handlers as h
from ..application.ports import TemplateVersion
from ..application.ruleset_setting import finalisation_of
from ..domain import template as tpl
from ..domain.document import TargetInput, plain

PERILAKU_FIELDS = ("orientasi_pelayanan", "integritas", "komitmen", "disiplin", "kerja_sama", "kepemimpinan")


def today() -> dt.date:
    return clock.today()


# --- plumbing -----------------------------------------------------------------------------------------------------


def _s(value) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return plain(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return str(value)


# --- mapping ------------------------------------------------------------------------------------------------------


def document_message(view: dict) -> pb.SkpDocument:
    kegiatan = []
    for k in view["kegiatan"]:
        r = k["realisasi"]
        kegiatan.append(pb.Kegiatan(
            kegiatan_id=str(k["kegiatan_id"]), nomor=k["nomor"], nama=k["nama"], satuan=k["satuan"],
            kuantitas=_s(k["kuantitas"]), kualitas=_s(k["kualitas"]), waktu=_s(k["waktu"]), biaya=_s(k["biaya"]),
            angka_kredit=_s(k["angka_kredit"]),
            realisasi=pb.Realisasi(kuantitas=_s(r["kuantitas"]), kualitas=_s(r["kualitas"]), waktu=_s(r["waktu"]),
                                   biaya=_s(r["biaya"]), bulan_dinilai=r["bulan_dinilai"])))
    perilaku = view["perilaku"] or {}
    return pb.SkpDocument(
        skp_id=str(view["skp_id"]), nip=view["nip"], nama=view.get("nama", ""), instansi_id=view["instansi_id"],
        unit_id=_s(view["unit_id"]), unit_nama=_s(view["unit_nama"]), jabatan_id=view["jabatan_id"],
        jabatan_nama=view["jabatan_nama"], kind=view["kind"], job_group=view["job_group"],
        period_start=_s(view["period_start"]), period_end=_s(view["period_end"]),
        penilai_nip=_s(view["penilai_nip"]), atasan_penilai_nip=_s(view["atasan_penilai_nip"]),
        status=view["status"], version=view["version"], ruleset=view["ruleset"], return_note=view["return_note"],
        dispute_note=view["dispute_note"], kegiatan=kegiatan,
        tugas_tambahan=[pb.TugasTambahan(id=str(x["id"]), uraian=x["uraian"], tanggal=_s(x["tanggal"]))
                        for x in view["tugas_tambahan"]],
        kreativitas_level=_s(view["kreativitas_level"]), kreativitas_uraian=view["kreativitas_uraian"],
        kreativitas_bukti=view["kreativitas_bukti"],
        perilaku=pb.PerilakuValues(**{k: perilaku.get(k, "") for k in PERILAKU_FIELDS}),
        result_status=view["result_status"], closed_reason=_s(view["closed_reason"]),
        approved_once=view["approved_targets"] is not None)


def _doc_response(view: dict) -> pb.SkpDocumentResponse:
    return pb.SkpDocumentResponse(document=document_message(view))


def score_message(result: dict) -> pb.ScoreSkpResponse:
    """The contract's output (format_score_output) field for field; null -> unset optional field."""
    skp_ids = result.get("skp_ids", [])
    documents = []
    for index, document in enumerate(result["skp"]):
        kegiatan = []
        for k in document["kegiatan"]:
            kegiatan.append(pb.KegiatanScore(**{key: value for key, value in k.items() if value is not None}))
        documents.append(pb.DocumentScore(
            skp_id=skp_ids[index] if index < len(skp_ids) else "", kegiatan=kegiatan,
            rata_rata_kegiatan=document["rata_rata_kegiatan"], nilai_tugas_tambahan=document["nilai_tugas_tambahan"],
            nilai_kreativitas=document["nilai_kreativitas"], nilai_capaian_skp=document["nilai_capaian_skp"]))
    top = {key: result[key] for key in ("nilai_perilaku", "sebutan_perilaku", "jumlah_aspek_perilaku",
                                        "nilai_prestasi_kerja", "sebutan") if result.get(key) is not None}
    return pb.ScoreSkpResponse(
        ruleset=result["ruleset"], skp=documents, nilai_capaian_skp=result["nilai_capaian_skp"],
        sebutan_capaian_skp=result["sebutan_capaian_skp"], **top,
        score_input_json=json.dumps(result.get("input", {}), ensure_ascii=False),
        result_status=result.get("result_status", ""), issued_at=_s(result.get("issued_on")),
        keberatan_deadline=_s(result.get("keberatan_deadline")),
        keberatan_alasan=result.get("keberatan_alasan", ""), keberatan_catatan=result.get("keberatan_catatan", ""),
        skp_id=result.get("skp_id", ""))


def _perilaku_values(message) -> dict[str, str]:
    return {k: getattr(message, k) for k in PERILAKU_FIELDS}


# --- RPCs ---------------------------------------------------------------------------------------------------------


def _template_kegiatan(items) -> list[pb.TemplateKegiatan]:
    return [pb.TemplateKegiatan(nomor=n, nama=i.nama, satuan=i.satuan, kuantitas=_s(i.kuantitas),
                                kualitas=_s(i.kualitas), waktu=_s(i.waktu), biaya=_s(i.biaya),
                                angka_kredit=_s(i.angka_kredit)) for n, i in enumerate(items, start=1)]


def _template_rhk(row: TemplateVersion | None) -> dict:
    """The 6/2022 RHK of a template version as message fields (none: empty)."""
    from .grpc_api_622 import rhk_message  # grpc_api_622 builds on this module
    if not row or not row.rhk:
        return {}
    return {"pendekatan": row.pendekatan or "", "rhk": [rhk_message(x) for x in row.rhk]}


def template_version_message(row: TemplateVersion) -> pb.TemplateVersion:
    return pb.TemplateVersion(jabatan_id=row.jabatan_id, version=row.version, source=row.source,
                              reason=row.reason, author=row.author, created_at=_s(row.created_at),
                              kegiatan=_template_kegiatan(tpl.from_json(row.kegiatan)), **_template_rhk(row))


def catalogue_message(catalogue) -> pb.Catalogue:
    return pb.Catalogue(jenis_jabatan=catalogue.jenis, nama=catalogue.nama, kind=catalogue.kind,
                        kegiatan=_template_kegiatan(catalogue.kegiatan))


def _in_unit(db, call, rpc: str, request, response_cls, fn):
    """A write on skp's unit of work (the converted use cases); with an idempotency key it is applied once."""
    principal = call.require_principal()
    return run_once_in(SqlSkpUnitOfWork(db), call, f"skp.{rpc}", request, response_cls,
                       lambda uow: fn(uow, principal))


def get_template(db, call, request):
    principal = call.require_principal()
    with SqlSkpUnitOfWork(db) as uow:
        view = templates.get_template(uow, principal, request.jabatan_id)
    pos, current = view.position, view.current
    items = tpl.from_json(current.kegiatan) if current else view.catalogue.kegiatan
    return pb.GetTemplateResponse(
        jabatan_id=pos.jabatan_id, jabatan_nama=pos.nama, kind=pos.kind, job_group=pos.job_group,
        catalogue=view.catalogue.jenis, kegiatan=_template_kegiatan(items),
        version=current.version if current else 0, jenis_jabatan=view.jenis_jabatan,
        source=current.source if current else f"catalogue:{view.catalogue.jenis}", **_template_rhk(current))


def list_template_versions(db, call, request):
    principal = call.require_principal()
    with SqlSkpUnitOfWork(db) as uow:
        versions = templates.list_versions(uow, principal, request.jabatan_id)
    return pb.ListTemplateVersionsResponse(versions=[template_version_message(r) for r in versions])


def copy_catalogue_to_template(db, call, request):
    return _in_unit(db, call, "CopyCatalogueToTemplate", request, pb.TemplateVersion,
                    lambda uow, p: template_version_message(templates.copy_catalogue(
                        uow, p, request.jabatan_id, request.jenis_jabatan, request.expected_version, request.reason)))


def update_template(db, call, request):
    items = [TargetInput("", k.nama, k.satuan, k.kuantitas, k.kualitas, k.waktu, k.biaya, k.angka_kredit)
             for k in request.kegiatan]
    return _in_unit(db, call, "UpdateTemplate", request, pb.TemplateVersion, lambda uow, p: template_version_message(
        templates.update_template(uow, p, request.jabatan_id, request.expected_version, items, request.reason)))


def update_template_rhk(db, call, request):
    from .grpc_api_622 import _rhk_inputs
    return _in_unit(db, call, "UpdateTemplateRhk", request, pb.UpdateTemplateRhkResponse,
                    lambda uow, p: pb.UpdateTemplateRhkResponse(version=template_version_message(
                        templates.update_template_rhk(uow, p, request.jabatan_id, request.expected_version,
                                                      request.pendekatan, _rhk_inputs(request.rhk), request.reason))))


def adopt_skp_as_template(db, call, request):
    return _in_unit(db, call, "AdoptSkpAsTemplate", request, pb.TemplateVersion,
                    lambda uow, p: template_version_message(templates.adopt_skp(uow, p, request.skp_id,
                                                                                request.reason)))


def list_catalogues(db, call, request):
    principal = call.require_principal()
    return pb.ListCataloguesResponse(catalogues=[
        pb.CatalogueSummary(jenis_jabatan=c.jenis, nama=c.nama, kind=c.kind, kegiatan_count=len(c.kegiatan))
        for c in templates.list_catalogues(principal)])


def get_catalogue(db, call, request):
    principal = call.require_principal()
    return catalogue_message(templates.get_catalogue(principal, request.jenis_jabatan))


def list_skp(db, call, request):
    principal = call.require_principal()
    with SqlSkpUnitOfWork(db) as uow:
        views, token = h.list_skp(uow, principal, request.nip, request.year, request.page_size, request.page_token)
    return pb.ListSkpResponse(documents=[document_message(v) for v in views], next_page_token=token)


def get_skp(db, call, request):
    principal = call.require_principal()
    with SqlSkpUnitOfWork(db) as uow:
        return _doc_response(h.get_skp(uow, principal, request.skp_id))


def update_targets(db, call, request):
    items = [TargetInput(k.kegiatan_id, k.nama, k.satuan, k.kuantitas, k.kualitas, k.waktu, k.biaya, k.angka_kredit)
             for k in request.kegiatan]
    return _in_unit(db, call, "UpdateTargets", request, pb.SkpDocumentResponse, lambda uow, p: _doc_response(
        h.update_targets(uow, p, request.skp_id, request.expected_version, items, request.reason)))


def submit_skp(db, call, request):
    return _in_unit(db, call, "SubmitSkp", request, pb.SkpDocumentResponse,
                  lambda uow, p: _doc_response(h.submit_skp(uow, p, request.skp_id)))


def approve_skp(db, call, request):
    return _in_unit(db, call, "ApproveSkp", request, pb.SkpDocumentResponse,
                  lambda uow, p: _doc_response(h.approve_skp(uow, p, request.skp_id)))


def return_skp(db, call, request):
    return _in_unit(db, call, "ReturnSkp", request, pb.SkpDocumentResponse,
                  lambda uow, p: _doc_response(h.return_skp(uow, p, request.skp_id, request.note)))


def escalate_skp(db, call, request):
    return _in_unit(db, call, "EscalateSkp", request, pb.SkpDocumentResponse,
                  lambda uow, p: _doc_response(h.escalate_skp(uow, p, request.skp_id, request.note)))


def set_realisasi(db, call, request):
    return _in_unit(db, call, "SetRealisasi", request, pb.SkpDocumentResponse, lambda uow, p: _doc_response(
        h.set_realisasi(uow, p, request.skp_id, request.kegiatan_id, request.waktu, request.biaya, today())))


def add_tugas_tambahan(db, call, request):
    return _in_unit(db, call, "AddTugasTambahan", request, pb.SkpDocumentResponse, lambda uow, p: _doc_response(
        h.add_tugas_tambahan(uow, p, request.skp_id, request.uraian, request.tanggal)))


def set_kreativitas(db, call, request):
    return _in_unit(db, call, "SetKreativitas", request, pb.SkpDocumentResponse, lambda uow, p: _doc_response(
        h.set_kreativitas(uow, p, request.skp_id, request.level, request.uraian, request.bukti)))


def set_perilaku(db, call, request):
    return _in_unit(db, call, "SetPerilaku", request, pb.SkpDocumentResponse, lambda uow, p: _doc_response(
        h.set_perilaku(uow, p, request.skp_id, _perilaku_values(request.perilaku))))


def score_skp(db, call, request):
    principal = call.require_principal()
    with SqlSkpUnitOfWork(db) as uow:
        return score_message(h.score_skp(uow, principal, request.skp_id))


def issue_result(db, call, request):
    return _in_unit(db, call, "IssueResult", request, pb.ScoreSkpResponse,
                  lambda uow, p: score_message(h.issue_result(uow, p, request.skp_id, today())))


def accept_result(db, call, request):
    return _in_unit(db, call, "AcceptResult", request, pb.ScoreSkpResponse,
                  lambda uow, p: score_message(h.accept_result(uow, p, request.skp_id)))


def file_keberatan(db, call, request):
    return _in_unit(db, call, "FileKeberatan", request, pb.ScoreSkpResponse,
                  lambda uow, p: score_message(h.file_keberatan(uow, p, request.skp_id, request.alasan, today())))


def decide_keberatan(db, call, request):
    perilaku = _perilaku_values(request.perilaku) if request.HasField("perilaku") else None
    return _in_unit(db, call, "DecideKeberatan", request, pb.ScoreSkpResponse, lambda uow, p: score_message(
        h.decide_keberatan(uow, p, request.skp_id, request.catatan, request.revise, perilaku)))


def export_skp(db, call, request):
    principal = call.require_principal()
    if request.format not in (pb.EXPORT_FORMAT_PDF, pb.EXPORT_FORMAT_XLSX):
        raise InvalidArgument("must be EXPORT_FORMAT_PDF or EXPORT_FORMAT_XLSX", field="format")
    if request.form not in (pb.EXPORT_FORM_UNSPECIFIED, pb.EXPORT_FORM_TARGETS, pb.EXPORT_FORM_PENILAIAN):
        raise InvalidArgument("must be EXPORT_FORM_TARGETS or EXPORT_FORM_PENILAIAN", field="form")
    kind, name = ((official_forms.FORM_SKP, "formulir-skp") if request.form == pb.EXPORT_FORM_TARGETS
                  else (official_forms.FORM_PENILAIAN, "penilaian-prestasi-kerja"))
    with SqlSkpUnitOfWork(db) as uow:
        content = official_forms.build(uow, principal, request.skp_id, kind)
    form = forms.formulir_skp(content.view, content.pns, content.penilai, content.dates) if kind == \
        official_forms.FORM_SKP else forms.penilaian(content.view, content.pns, content.penilai, content.atasan,
                                                     content.score, content.dates)
    if request.format == pb.EXPORT_FORMAT_PDF:
        return pb.ExportSkpResponse(content=forms.to_pdf(form), content_type="application/pdf",
                                    filename=f"{name}-{request.skp_id}.pdf")
    return pb.ExportSkpResponse(
        content=forms.to_xlsx(form), filename=f"{name}-{request.skp_id}.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def list_audit(db, call, request):
    principal = call.require_principal()

    with SqlSkpUnitOfWork(db) as uow:
        entries, token = h.list_audit(uow, principal, request.skp_id, request.page_size, request.page_token)
    return pb.ListAuditResponse(next_page_token=token, entries=[
        pb.AuditEntry(at=_s(e["at"]), actor=e["actor"], action=e["action"],
                      detail_json=json.dumps(e["detail"], ensure_ascii=False, default=str)) for e in entries])


__all__ = ["repo"]


# --- issue 22: settings per instansi, the distribution curve -------------------------------------------------------


def _history(view: dict, key: str = "history") -> list:
    return [pb.SettingChange(at=_s(c["at"]), actor=c["actor"], old_value=c["old_value"] or "",
                             new_value=c["new_value"], reason=c["reason"]) for c in view[key]]


def ruleset_setting_message(view: dict) -> pb.RulesetSetting:
    return pb.RulesetSetting(instansi_id=view["instansi_id"], tahun=view["tahun"], ruleset=view["ruleset"],
                             is_set=view["is_set"], version=view["version"], updated_by=view["updated_by"],
                             updated_at=_s(view["updated_at"]), history=_history(view),
                             siklus_evaluasi=view["siklus_evaluasi"], siklus_is_set=view["siklus_is_set"],
                             siklus_history=_history(view, "siklus_history"))


def predikat_organisasi_message(view: dict) -> pb.PredikatOrganisasiSetting:
    return pb.PredikatOrganisasiSetting(instansi_id=view["instansi_id"], periode=view["periode"],
                                        predikat=view["predikat"], is_set=view["is_set"], version=view["version"],
                                        updated_by=view["updated_by"], updated_at=_s(view["updated_at"]),
                                        history=_history(view))


def get_ruleset_setting(db, call, request):
    principal = call.require_principal()
    with SqlSkpUnitOfWork(db) as uow:
        view = ruleset_setting.get_ruleset_setting(uow, principal, request.instansi_id, request.tahun)
    return pb.GetRulesetSettingResponse(setting=ruleset_setting_message(view))


def set_ruleset_setting(db, call, request):
    return _in_unit(db, call, "SetRulesetSetting", request, pb.SetRulesetSettingResponse, lambda uow, p: (
        pb.SetRulesetSettingResponse(setting=ruleset_setting_message(ruleset_setting.set_ruleset_setting(
            uow, p, request.instansi_id, request.tahun, request.ruleset, request.reason)))))


def set_siklus_evaluasi(db, call, request):
    return _in_unit(db, call, "SetSiklusEvaluasi", request, pb.SetSiklusEvaluasiResponse, lambda uow, p: (
        pb.SetSiklusEvaluasiResponse(setting=ruleset_setting_message(ruleset_setting.set_siklus_evaluasi(
            uow, p, request.instansi_id, request.tahun, request.siklus_evaluasi, request.reason)))))


def get_predikat_organisasi(db, call, request):
    principal = call.require_principal()
    with SqlSkpUnitOfWork(db) as uow:
        view = ruleset_setting.get_predikat_organisasi(uow, principal, request.instansi_id, request.periode)
    return pb.GetPredikatOrganisasiResponse(setting=predikat_organisasi_message(view))


def set_predikat_organisasi(db, call, request):
    return _in_unit(db, call, "SetPredikatOrganisasi", request, pb.SetPredikatOrganisasiResponse, lambda uow, p: (
        pb.SetPredikatOrganisasiResponse(setting=predikat_organisasi_message(ruleset_setting.set_predikat_organisasi(
            uow, p, request.instansi_id, request.periode, request.predikat, request.reason)))))


def check_distribution(db, call, request):
    principal = call.require_principal()
    with SqlSkpUnitOfWork(db) as uow:
        result = curve.check(uow, principal, request.instansi_id, request.periode)
        return distribution_message(request.instansi_id, request.periode, result,
                                    finalisation_of(uow, request.instansi_id, request.periode))


def distribution_message(instansi_id: str, periode: str, result, final: dict | None) -> pb.CheckDistributionResponse:
    return pb.CheckDistributionResponse(
        instansi_id=instansi_id, periode=periode,
        predikat_organisasi=result.predikat_organisasi.value, diperiksa=result.diperiksa,
        jumlah_pegawai=result.total, memenuhi=bool(result.memenuhi),
        jumlah=[pb.PredikatCount(predikat=p.value, kode_predikat=p.code, jumlah=n)
                for p, n in result.jumlah.items()],
        pelanggaran=[pb.CurveViolation(aturan=v.aturan, pesan=v.pesan) for v in result.pelanggaran],
        final=final is not None, finalised_at=_s(final["finalised_at"]) if final else "")


def finalise_distribution(db, call, request):
    def run(uow, principal):
        result, row = curve.finalise(uow, principal, request.instansi_id, request.periode,
                                     request.alasan_pengecualian)
        return pb.FinaliseDistributionResponse(
            distribusi=distribution_message(request.instansi_id, request.periode, result, row),
            finalised_by=row["finalised_by"], alasan_pengecualian=row["alasan_pengecualian"] or "",
            pelanggaran_dikecualikan=[pb.CurveViolation(**v) for v in row["pelanggaran"]])
    return _in_unit(db, call, "FinaliseDistribution", request, pb.FinaliseDistributionResponse, run)
