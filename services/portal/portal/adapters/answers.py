"""Protobuf replies → the application's plain answers (application/answers.py), one function per shape.

Only the fields a page reads are copied (a month of GetDay costs well under a tenth of a page's CPU; see
docs/benchmarks.md). `convert(service, rpc, reply)` is what `Services.call` returns: an RPC whose answer no page
reads (SendActivity, Vote...) gives `None`.
"""
from __future__ import annotations

from collections.abc import Callable

from ..application import answers as a

# -- des ------------------------------------------------------------------------------------------------------------


def activity(m) -> a.Activity:
    return a.Activity(m.activity_id, m.nip, m.tanggal, m.kegiatan_id, m.uraian, m.kuantitas, m.satuan, m.menit,
                      m.jam_mulai, m.jam_selesai, m.state, m.evidence_id, m.kuantitas_diakui, m.catatan)


def activity_line(m) -> a.ActivityLine:
    return a.ActivityLine(m.activity_id, m.nip, m.tanggal, m.jam_mulai, m.uraian, m.kuantitas, m.satuan, m.state)


def activity_list(m) -> a.ActivityList:
    return a.ActivityList(tuple(map(activity_line, m.activities)))


def plan(m) -> a.Plan:
    return a.Plan(m.plan_id, m.kegiatan_id, m.nomor, m.uraian, m.kuantitas, m.satuan)


def monthly_target(m) -> a.MonthlyTarget:
    return a.MonthlyTarget(m.kegiatan_id, m.nomor, m.nama, m.kuantitas, m.satuan)


def monthly_targets(m) -> a.MonthlyTargets:
    return a.MonthlyTargets(tuple(map(monthly_target, m.targets)))


def kegiatan_month(m) -> a.KegiatanMonth:
    return a.KegiatanMonth(monthly_target(m.target), m.dilaporkan, m.diakui)


def day(m) -> a.Day:
    return a.Day(m.tanggal, m.skp_id, tuple(map(plan, m.plans)), tuple(map(activity_line, m.activities)),
                 tuple(map(kegiatan_month, m.kegiatan)))


def locked(m) -> a.Locked:
    return a.Locked(tuple(m.activity_ids))


def text_reply(m) -> a.TextReply:
    return a.TextReply(m.ok, m.reply)


def audit_trail(m) -> a.AuditTrail:
    return a.AuditTrail(tuple(a.AuditRecord(r.entity, r.entity_id, r.action, r.actor, r.at, r.reason)
                              for r in m.records))


def evidence(m) -> a.File:
    return a.File(m.data, m.content_type)


def file(m) -> a.File:
    return a.File(m.content, m.content_type, m.filename)


# -- identity -------------------------------------------------------------------------------------------------------


def tokens(m) -> a.Tokens:
    p = m.principal
    return a.Tokens(m.access_token, m.refresh_token, m.access_expires_at, m.refresh_expires_at,
                    a.Principal(p.subject, tuple(p.roles), p.instansi_id, p.nip, tuple(p.kelompok)))


def pegawai(m) -> a.Pegawai:
    c = m.current_assignment
    return a.Pegawai(m.nip, m.nama, a.Assignment(c.jabatan_id, c.jabatan_nama))


def pegawai_page(m) -> a.PegawaiPage:
    return a.PegawaiPage(tuple(map(pegawai, m.pegawai)), m.next_page_token)


def who_am_i(m) -> a.WhoAmI:
    return a.WhoAmI(m.account, pegawai(m.pegawai))


def position(m) -> a.Position:
    j = m.jabatan
    return a.Position(a.Jabatan(j.id, j.nama, j.unit_id, j.parent_id),
                      tuple(a.Holder(h.nip, h.nama) for h in m.holders))


def organisation(m) -> a.Organisation:
    return a.Organisation(a.Named(m.instansi.id, m.instansi.nama), tuple(a.Named(u.id, u.nama) for u in m.units),
                          tuple(map(position, m.positions)), m.pegawai_count)


def api_client(m) -> a.ApiClient:
    return a.ApiClient(m.client_id, m.client_secret)


# -- skp ------------------------------------------------------------------------------------------------------------


def skp_kegiatan(m) -> a.SkpKegiatan:
    r = m.realisasi
    return a.SkpKegiatan(m.kegiatan_id, m.nomor, m.nama, m.satuan, m.kuantitas, m.kualitas, m.waktu, m.biaya,
                         m.angka_kredit, a.Realisasi(r.kuantitas, r.kualitas))


def skp_document(m) -> a.SkpDocument:
    p = m.perilaku
    return a.SkpDocument(
        m.skp_id, m.nip, m.nama, m.unit_nama, m.jabatan_nama, m.period_start, m.period_end, m.penilai_nip,
        m.atasan_penilai_nip, m.status, m.result_status, m.version, m.ruleset, m.return_note,
        tuple(map(skp_kegiatan, m.kegiatan)),
        a.Perilaku(p.orientasi_pelayanan, p.integritas, p.komitmen, p.disiplin, p.kerja_sama, p.kepemimpinan))


def skp_answer(m) -> a.SkpAnswer:
    return a.SkpAnswer(skp_document(m.document))


def skp_list(m) -> a.SkpList:
    return a.SkpList(tuple(a.SkpSummary(d.skp_id, d.nama, d.jabatan_nama, d.period_start, d.period_end, d.status)
                           for d in m.documents))


def score(m) -> a.Score:
    docs = tuple(a.DocumentScore(tuple(a.KegiatanScore(k.nama, k.perhitungan, k.nilai_capaian) for k in d.kegiatan))
                 for d in m.skp)
    return a.Score(docs, m.nilai_capaian_skp, m.sebutan_capaian_skp, m.nilai_prestasi_kerja, m.sebutan,
                   m.keberatan_deadline)


def skp_template(m) -> a.SkpTemplate:
    return a.SkpTemplate(m.jabatan_nama, tuple(a.TemplateKegiatan(k.nama, k.kuantitas, k.satuan)
                                               for k in m.kegiatan))


# -- recap ----------------------------------------------------------------------------------------------------------


def counters(c) -> a.Counters:
    return a.Counters(c.plans, c.planned_qty, c.reported, c.approved, c.recognised_qty, c.pending, c.revisions,
                      c.achievement_pct)


def employee_recap(m) -> a.EmployeeRecap:
    return a.EmployeeRecap(m.nama, m.period_key, counters(m.counters), tuple(
        a.KegiatanRecap(k.nama, k.target_qty, k.planned_qty, k.reported_qty, k.recognised_qty, k.achievement_pct)
        for k in m.kegiatan))


def unit_recap(m) -> a.GroupRecap:
    return a.GroupRecap(m.period_key, m.unit_nama, tuple(a.RecapRow(r.nama, "", counters(r.counters))
                                                         for r in m.rows), counters(m.totals))


def instansi_recap(m) -> a.GroupRecap:
    return a.GroupRecap(m.period_key, "", tuple(a.RecapRow("", r.unit_nama, counters(r.counters)) for r in m.rows),
                        counters(m.totals))


def gaps(m) -> a.Gaps:
    return a.Gaps(tuple(a.Gap(r.nip, r.nama, r.kind, r.tanggal, r.count) for r in m.rows))


def holidays(m) -> a.Holidays:
    return a.Holidays(tuple(a.Holiday(h.tanggal, h.nama, h.instansi_id) for h in m.holidays))


# -- snowman --------------------------------------------------------------------------------------------------------


def ask(m) -> a.AskAnswer:
    return a.AskAnswer(m.question_id, tuple(a.Answer(x.id, x.judul, x.jawaban, x.rujukan) for x in m.answers))


def open_questions(m) -> a.OpenQuestions:
    return a.OpenQuestions(tuple(a.OpenQuestion(q.question_id, q.pertanyaan, q.kelompok, q.asked_at)
                                 for q in m.questions))


def entries(m) -> a.Entries:
    return a.Entries(tuple(a.EntrySummary(e.entry_id, e.judul, e.latest_version) for e in m.entries))


CONVERTERS: dict[tuple[str, str], Callable] = {
    ("des", "GetDay"): day, ("des", "ListActivities"): activity_list, ("des", "ReviewQueue"): activity_list,
    ("des", "GetActivity"): activity, ("des", "SubmitActivity"): activity, ("des", "UpdateActivity"): activity,
    ("des", "GetEvidence"): evidence, ("des", "GetMonthlyTargets"): monthly_targets,
    ("des", "LockPeriod"): locked, ("des", "UnlockPeriod"): locked, ("des", "SubmitText"): text_reply,
    ("des", "GetAuditTrail"): audit_trail,
    ("identity", "Login"): tokens, ("identity", "RefreshToken"): tokens, ("identity", "WhoAmI"): who_am_i,
    ("identity", "GetPegawai"): pegawai, ("identity", "ListPegawai"): pegawai_page,
    ("identity", "GetOrganisation"): organisation, ("identity", "CreateApiClient"): api_client,
    ("skp", "GetSkp"): skp_answer, ("skp", "ListSkp"): skp_list, ("skp", "ScoreSkp"): score,
    ("skp", "ExportSkp"): file, ("skp", "GetTemplate"): skp_template,
    ("recap", "GetEmployeeRecap"): employee_recap, ("recap", "GetUnitRecap"): unit_recap,
    ("recap", "GetInstansiRecap"): instansi_recap, ("recap", "ListNoncompliance"): gaps,
    ("recap", "ListHolidays"): holidays, ("recap", "ExportRecap"): file,
    ("snowman", "Ask"): ask, ("snowman", "ListOpenQuestions"): open_questions, ("snowman", "ListEntries"): entries,
}


def convert(service: str, rpc: str, reply):
    """The plain answer of `rpc`, or None when no page reads it."""
    converter = CONVERTERS.get((service, rpc))
    return converter(reply) if converter is not None else None
