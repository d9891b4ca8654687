"""`ekinerja skp …`: the offline calculators and the SKP document workflow against the skp service.

`skp score FILE|-` runs the skp service's very scoring code (``ekinerja_rules.score_contract``) and
`skp predikat FILE|-` the PermenPANRB 6/2022 code (``ekinerja_rules.permenpanrb_6_2022``) without any service, as
does `skp siasn FILE|-` (the SIASN-ready export of one employee's period, ``permenpanrb_6_2022/siasn.py``); every
other command calls the skp service over gRPC with the caller's token.
"""
from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import click

from .. import client
from ..output import EXIT_BAD_INPUT, emit, fail, json_option, state, table
from ..paging import every_page


def _pb():
    from ekinerja.skp.v1 import skp_pb2
    return skp_pb2


def _call(method: str, request, *, write: bool = False, idempotency_key: str | None = None):
    """One RPC with the caller's token; writes carry an idempotency key so a retried command never applies twice."""
    return client.call("skp", method, request, write=write, key=idempotency_key)


_message_dict = client.as_dict


# --- rendering --------------------------------------------------------------------------------------------------


def _show_document(data: dict) -> None:
    doc = data.get("document", data)
    click.echo(f"SKP {doc.get('skp_id')}  status={doc.get('status')}  version={doc.get('version', 0)}")
    click.echo(f"  jabatan {doc.get('jabatan_nama')} ({doc.get('kind')}, {doc.get('job_group')})  "
               f"periode {doc.get('period_start')} .. {doc.get('period_end')}")
    if doc.get("return_note"):
        click.echo(f"  catatan: {doc['return_note']}")
    rows = []
    for k in doc.get("kegiatan", []):
        r = k.get("realisasi", {})
        rows.append([k.get("nomor"), k.get("nama"), k.get("angka_kredit", ""),
                     f"{k.get('kuantitas')} {k.get('satuan')}", k.get("kualitas"), k.get("waktu"),
                     k.get("biaya", ""), r.get("kuantitas", ""), r.get("kualitas", ""), r.get("waktu", ""),
                     r.get("biaya", "")])
    table("Kegiatan", ["No", "Kegiatan", "AK", "TO", "TK", "TW", "TB", "RO", "RK", "RW", "RB"], rows)


def _show_result(data: dict) -> None:
    click.echo(f"Nilai capaian SKP   {data.get('nilai_capaian_skp')} ({data.get('sebutan_capaian_skp')})")
    click.echo(f"Nilai perilaku      {data.get('nilai_perilaku', '-')} ({data.get('sebutan_perilaku', '-')})")
    click.echo(f"Nilai prestasi kerja {data.get('nilai_prestasi_kerja', '-')} ({data.get('sebutan', '-')})")
    if data.get("result_status"):
        click.echo(f"status {data['result_status']}; keberatan until {data.get('keberatan_deadline', '-')}")


def _emit_message(message, human=None) -> None:
    emit(_message_dict(message), human)


# --- commands ---------------------------------------------------------------------------------------------------


@click.group("skp")
def skp_group():
    """SKP: targets, approval, realisation, perilaku, scores and keberatan."""


@skp_group.command("score")
@click.argument("source", metavar="FILE|-")
@click.option("--examples", is_flag=True,
              help='FILE is a set of named examples {"A": {"input": …, "expected": …}}: score each, compare.')
def score(source, examples):
    """Score one employee's year offline (shared/SKP_SCORE_FORMAT.md); FILE `-` reads standard input."""
    from ekinerja_rules.score_contract import run_examples_cli, run_score_cli
    out, err = io.StringIO(), io.StringIO()
    stdin = sys.stdin.buffer if source == "-" else io.BytesIO()
    code = (run_examples_cli if examples else run_score_cli)(source, stdin, out, err)
    # Bytes in UTF-8 whatever the locale: names in kegiatan may hold any character.
    sys.stdout.buffer.write(out.getvalue().encode("utf-8"))
    sys.stdout.flush()
    sys.stderr.buffer.write(err.getvalue().encode("utf-8"))
    sys.stderr.flush()
    sys.exit(code)


@skp_group.command("predikat")
@click.argument("source", metavar="FILE|-")
def predikat(source):
    """Predikat, angka kredit and distribution curve under PermenPANRB 6/2022, offline; FILE `-` reads stdin."""
    from ekinerja_rules.permenpanrb_6_2022.contract import run_predikat_cli
    out, err = io.StringIO(), io.StringIO()
    stdin = sys.stdin.buffer if source == "-" else io.BytesIO()
    code = run_predikat_cli(source, stdin, out, err)
    sys.stdout.buffer.write(out.getvalue().encode("utf-8"))
    sys.stdout.flush()
    sys.stderr.buffer.write(err.getvalue().encode("utf-8"))
    sys.stderr.flush()
    sys.exit(code)


@skp_group.command("siasn")
@click.argument("source", metavar="FILE|-")
def siasn(source):
    """SIASN-ready export (skp22 and kinerja periodik) of one employee's period under PermenPANRB 6/2022, offline."""
    from ekinerja_rules.permenpanrb_6_2022.siasn import run_siasn_cli
    out, err = io.StringIO(), io.StringIO()
    stdin = sys.stdin.buffer if source == "-" else io.BytesIO()
    code = run_siasn_cli(source, stdin, out, err)
    sys.stdout.buffer.write(out.getvalue().encode("utf-8"))
    sys.stdout.flush()
    sys.stderr.buffer.write(err.getvalue().encode("utf-8"))
    sys.stderr.flush()
    sys.exit(code)


@skp_group.command("list")
@click.option("--nip", default="", help="Whose documents (default: yours).")
@click.option("--year", type=int, default=0, help="Only documents overlapping this year.")
@json_option
def list_documents(nip, year):
    """SKP documents of an employee."""
    response = every_page(lambda q: _call("ListSkp", q), _pb().ListSkpRequest(nip=nip, year=year), "documents")
    data = _message_dict(response)
    emit(data, lambda d: table("SKP", ["skp_id", "jabatan", "periode", "status", "result"], [
        [x.get("skp_id"), x.get("jabatan_nama"), f"{x.get('period_start')}..{x.get('period_end')}",
         x.get("status"), x.get("result_status", "")] for x in d.get("documents", [])]))


@skp_group.command("show")
@click.argument("skp_id")
@json_option
def show(skp_id):
    """One SKP document with its kegiatan, targets and realisation."""
    _emit_message(_call("GetSkp", _pb().GetSkpRequest(skp_id=skp_id)), _show_document)


@skp_group.command("submit")
@click.argument("skp_id")
@json_option
def submit(skp_id):
    """Submit the targets to the pejabat penilai."""
    _emit_message(_call("SubmitSkp", _pb().SubmitSkpRequest(skp_id=skp_id), write=True), _show_document)


@skp_group.command("approve")
@click.argument("skp_id")
@json_option
def approve(skp_id):
    """Approve submitted targets (pejabat penilai; the atasan penilai for a disagreement)."""
    _emit_message(_call("ApproveSkp", _pb().ApproveSkpRequest(skp_id=skp_id), write=True), _show_document)


@skp_group.command("return")
@click.argument("skp_id")
@click.option("--note", required=True, help="Why the targets go back to the employee.")
@json_option
def return_(skp_id, note):
    """Return submitted targets to the employee with a note."""
    _emit_message(_call("ReturnSkp", _pb().ReturnSkpRequest(skp_id=skp_id, note=note), write=True),
                  _show_document)


@skp_group.command("escalate")
@click.argument("skp_id")
@click.option("--note", required=True, help="Why the employee disagrees with the penilai.")
@json_option
def escalate(skp_id, note):
    """Take a disagreement on the targets to the atasan penilai."""
    _emit_message(_call("EscalateSkp", _pb().EscalateSkpRequest(skp_id=skp_id, note=note), write=True),
                  _show_document)


@skp_group.command("targets")
@click.argument("skp_id")
@click.argument("file", type=click.File("r"))
@click.option("--version", "expected_version", type=int, required=True, help="The version you edited.")
@click.option("--alasan", "reason", default="", help="Why the targets change (required once they were approved; "
              "audited): a revision of an approved SKP.")
@json_option
def targets(skp_id, file, expected_version, reason):
    """Replace the kegiatan and targets from a JSON list: [{kegiatan_id?, nama, satuan, kuantitas, waktu, …}]."""
    try:
        items = json.load(file)
    except ValueError as error:
        fail(f"{getattr(file, 'name', 'FILE')}: not valid JSON ({error})", EXIT_BAD_INPUT)
    if not isinstance(items, list):
        fail("FILE: must be a JSON list of kegiatan", EXIT_BAD_INPUT)
    pb = _pb()
    kegiatan = []
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            fail(f"kegiatan[{index}]: must be an object", EXIT_BAD_INPUT)
        kegiatan.append(pb.KegiatanTarget(**{k: str(v) if k in _DECIMAL_FIELDS else v for k, v in item.items()}))
    request = pb.UpdateTargetsRequest(skp_id=skp_id, expected_version=expected_version, kegiatan=kegiatan,
                                      reason=reason)
    _emit_message(_call("UpdateTargets", request, write=True), _show_document)


_DECIMAL_FIELDS = {"kuantitas", "kualitas", "waktu", "biaya", "angka_kredit"}


@skp_group.command("realisasi")
@click.argument("skp_id")
@click.argument("kegiatan_id")
@click.option("--waktu", required=True, help="Months used.")
@click.option("--biaya", default="", help="Rupiah spent (when the kegiatan has a biaya target).")
@json_option
def realisasi(skp_id, kegiatan_id, waktu, biaya):
    """Enter realised waktu (and biaya) of a kegiatan at the end of the period."""
    request = _pb().SetRealisasiRequest(skp_id=skp_id, kegiatan_id=kegiatan_id, waktu=waktu, biaya=biaya)
    _emit_message(_call("SetRealisasi", request, write=True), _show_document)


@skp_group.command("tugas-tambahan")
@click.argument("skp_id")
@click.option("--uraian", required=True)
@click.option("--tanggal", required=True, help="YYYY-MM-DD")
@json_option
def tugas_tambahan(skp_id, uraian, tanggal):
    """Record a tugas tambahan."""
    request = _pb().AddTugasTambahanRequest(skp_id=skp_id, uraian=uraian, tanggal=tanggal)
    _emit_message(_call("AddTugasTambahan", request, write=True), _show_document)


@skp_group.command("kreativitas")
@click.argument("skp_id")
@click.option("--level", required=True, type=click.Choice(["unit_kerja", "organisasi", "negara"]))
@click.option("--uraian", required=True)
@click.option("--bukti", required=True, help="The surat keterangan (number, signer).")
@json_option
def kreativitas(skp_id, level, uraian, bukti):
    """Set the document's kreativitas (pejabat penilai)."""
    request = _pb().SetKreativitasRequest(skp_id=skp_id, level=level, uraian=uraian, bukti=bukti)
    _emit_message(_call("SetKreativitas", request, write=True), _show_document)


@skp_group.group("perilaku")
def perilaku_group():
    """Perilaku kerja set by the pejabat penilai."""


@perilaku_group.command("set")
@click.argument("skp_id")
@click.option("--orientasi-pelayanan", required=True)
@click.option("--integritas", required=True)
@click.option("--komitmen", required=True)
@click.option("--disiplin", required=True)
@click.option("--kerja-sama", required=True)
@click.option("--kepemimpinan", default="", help="Only for jabatan struktural.")
@json_option
def perilaku_set(skp_id, **aspects):
    """Set the perilaku aspects (0-100) of a document."""
    request = _pb().SetPerilakuRequest(skp_id=skp_id, perilaku=_pb().PerilakuValues(**aspects))
    _emit_message(_call("SetPerilaku", request, write=True), _show_document)


@skp_group.command("result")
@click.argument("skp_id")
@click.option("--issue", is_flag=True, help="Issue the final result (pejabat penilai).")
@click.option("--accept", is_flag=True, help="Accept the result (employee): it closes.")
@json_option
def result(skp_id, issue, accept):
    """The nilai prestasi kerja of a document (the full breakdown with --json)."""
    pb = _pb()
    if issue and accept:
        fail("--issue and --accept: choose one", EXIT_BAD_INPUT)
    if issue:
        response = _call("IssueResult", pb.IssueResultRequest(skp_id=skp_id), write=True)
    elif accept:
        response = _call("AcceptResult", pb.AcceptResultRequest(skp_id=skp_id), write=True)
    else:
        response = _call("ScoreSkp", pb.ScoreSkpRequest(skp_id=skp_id))
    _emit_message(response, _show_result)


@skp_group.command("keberatan")
@click.argument("skp_id")
@click.option("--alasan", default="", help="File a keberatan (employee) with this reason.")
@click.option("--decide", type=click.Choice(["uphold", "revise"]), default=None,
              help="Decide the keberatan (atasan penilai).")
@click.option("--catatan", default="", help="The atasan's reasoning.")
@click.option("--perilaku", "perilaku_json", default="",
              help='With --decide revise: revised perilaku as JSON, e.g. {"integritas": "85", …}.')
@json_option
def keberatan(skp_id, alasan, decide, catatan, perilaku_json):
    """File a keberatan on a result, or decide one."""
    pb = _pb()
    if bool(alasan) == bool(decide):
        fail("give either --alasan (file) or --decide (atasan penilai)", EXIT_BAD_INPUT)
    if alasan:
        response = _call("FileKeberatan", pb.FileKeberatanRequest(skp_id=skp_id, alasan=alasan), write=True)
    else:
        revised = None
        if decide == "revise":
            try:
                revised = pb.PerilakuValues(**{k: str(v) for k, v in json.loads(perilaku_json or "{}").items()})
            except (ValueError, TypeError, AttributeError) as error:
                fail(f"--perilaku: {error}", EXIT_BAD_INPUT)
        request = pb.DecideKeberatanRequest(skp_id=skp_id, catatan=catatan, revise=decide == "revise",
                                            perilaku=revised)
        response = _call("DecideKeberatan", request, write=True)
    _emit_message(response, _show_result)


@skp_group.command("formulir")
@click.argument("skp_id")
@click.option("--jenis", "form", type=click.Choice(["skp", "penilaian"]), default="penilaian", show_default=True,
              help="skp: Formulir SKP (targets); penilaian: capaian SKP and Penilaian Prestasi Kerja.")
@click.option("--format", "fmt", type=click.Choice(["pdf", "xlsx"]), required=True, help="File format.")
@click.option("--out", "output", type=click.Path(dir_okay=False), default=None,
              help="File to write (default the name the service gives).")
def formulir(skp_id, form, fmt, output):
    """Save the official form of a document (Perka BKN 1/2013) as PDF or XLSX (docs/forms.md)."""
    _save_form(_call("ExportSkp", _form_request(skp_id, form, fmt)), skp_id, form, fmt, output)


@skp_group.command("export")
@click.argument("skp_id")
@click.option("--pdf", "fmt", flag_value="pdf", help="PDF")
@click.option("--xlsx", "fmt", flag_value="xlsx", help="Excel workbook")
@click.option("--form", type=click.Choice(["targets", "penilaian"]), default="penilaian", show_default=True)
@click.option("-o", "--output", "output", type=click.Path(dir_okay=False), default=None,
              help="File to write (default the name the service gives).")
def export(skp_id, fmt, form, output):
    """Same as `skp formulir` (older spelling): --pdf/--xlsx, --form targets|penilaian."""
    if fmt is None:
        fail("pilih --pdf atau --xlsx", EXIT_BAD_INPUT)
    kind = "skp" if form == "targets" else "penilaian"
    _save_form(_call("ExportSkp", _form_request(skp_id, kind, fmt)), skp_id, kind, fmt, output)


def _form_request(skp_id: str, form: str, fmt: str):
    pb = _pb()
    return pb.ExportSkpRequest(skp_id=skp_id, format=pb.EXPORT_FORMAT_PDF if fmt == "pdf" else pb.EXPORT_FORMAT_XLSX,
                               form=pb.EXPORT_FORM_TARGETS if form == "skp" else pb.EXPORT_FORM_PENILAIAN)


def _save_form(response, skp_id: str, form: str, fmt: str, output: str | None) -> None:
    path = Path(output or response.filename or f"skp-{skp_id}-{form}.{fmt}")
    path.write_bytes(response.content)
    if state().json:
        click.echo(json.dumps({"path": str(path), "bytes": len(response.content),
                               "content_type": response.content_type}))
    else:
        click.echo(f"tersimpan {path} ({len(response.content)} byte)")


# --- position templates (docs/position-templates.md) --------------------------------------------------------------


def _show_kegiatan(title: str, kegiatan: list[dict]) -> None:
    table(title, ["No", "Kegiatan", "Target", "Kualitas", "Waktu", "Biaya", "AK"], [
        [k.get("nomor"), k.get("nama"), f"{k.get('kuantitas')} {k.get('satuan')}", k.get("kualitas"),
         k.get("waktu"), k.get("biaya", ""), k.get("angka_kredit", "")] for k in kegiatan])


def _show_version(data: dict) -> None:
    click.echo(f"Template jabatan {data.get('jabatan_id')} versi {data.get('version')}  sumber {data.get('source')}")
    click.echo(f"  oleh {data.get('author')} pada {data.get('created_at')}: {data.get('reason')}")
    _show_kegiatan("Kegiatan", data.get("kegiatan", []))


@skp_group.command("audit")
@click.argument("skp_id")
@json_option
def audit(skp_id):
    """Who changed the document, when and what (every page)."""
    response = every_page(lambda q: _call("ListAudit", q), _pb().ListAuditRequest(skp_id=skp_id), "entries")
    emit(_message_dict(response), lambda d: table("jejak audit SKP", ["waktu", "oleh", "aksi", "rincian"], [
        [e.get("at"), e.get("actor"), e.get("action"), e.get("detail_json", "")] for e in d.get("entries", [])]))


@skp_group.group("template")
def template_group():
    """Template SKP jabatan: katalog nasional, versi, salin, ubah."""


@template_group.command("list")
@json_option
def template_list():
    """Katalog awal nasional per jenis jabatan."""
    emit(_message_dict(_call("ListCatalogues", _pb().ListCataloguesRequest())), lambda d: table(
        "Katalog per jenis jabatan", ["jenis_jabatan", "nama", "jenis", "kegiatan"],
        [[c.get("jenis_jabatan"), c.get("nama"), c.get("kind"), c.get("kegiatan_count", 0)]
         for c in d.get("catalogues", [])]))


@template_group.command("show")
@click.argument("jabatan_id", required=False, default="")
@click.option("--catalogue", "jenis", default="", help="Tampilkan katalog jenis jabatan ini (mis. bidan).")
@json_option
def template_show(jabatan_id, jenis):
    """Template jabatan saat ini (atau katalog yang dipakai bila belum ada), atau satu katalog (--catalogue)."""
    if bool(jabatan_id) == bool(jenis):
        fail("berikan JABATAN_ID atau --catalogue JENIS (salah satu)", EXIT_BAD_INPUT)
    if jenis:
        emit(_message_dict(_call("GetCatalogue", _pb().GetCatalogueRequest(jenis_jabatan=jenis))), lambda d: (
            click.echo(f"Katalog {d.get('jenis_jabatan')}: {d.get('nama')} ({d.get('kind')})"),
            _show_kegiatan("Kegiatan", d.get("kegiatan", []))))
        return

    def human(d):
        version = d.get("version", 0)
        click.echo(f"{d.get('jabatan_nama')} ({d.get('jabatan_id')}), jenis {d.get('jenis_jabatan')}")
        click.echo(f"  versi {version}, sumber {d.get('source')}" if version else
                   f"  belum ada template: dokumen baru memakai katalog {d.get('catalogue')}")
        _show_kegiatan("Kegiatan", d.get("kegiatan", []))
        for r in d.get("rhk", []):  # PermenPANRB 6/2022 positions
            click.echo(f"  RHK {r.get('nomor')} ({r.get('jenis')}): {r.get('uraian')}")
            for k in r.get("iki", []):
                target = f"{k.get('aspek')} {k.get('target')} {k.get('satuan')}" if k.get("target") else \
                    k.get("ekspektasi", "")
                click.echo(f"    IKI {k.get('nomor')}: {k.get('uraian')} -> {target}")
    emit(_message_dict(_call("GetTemplate", _pb().GetTemplateRequest(jabatan_id=jabatan_id))), human)


@template_group.command("versions")
@click.argument("jabatan_id")
@json_option
def template_versions(jabatan_id):
    """Riwayat versi template jabatan: siapa, kapan, mengapa, dari mana."""
    emit(_message_dict(_call("ListTemplateVersions", _pb().ListTemplateVersionsRequest(jabatan_id=jabatan_id))),
         lambda d: table(f"Versi template {jabatan_id}", ["versi", "sumber", "oleh", "pada", "alasan", "kegiatan"], [
             [v.get("version"), v.get("source"), v.get("author"), v.get("created_at"), v.get("reason"),
              len(v.get("kegiatan", []))] for v in d.get("versions", [])]))


@template_group.command("copy-catalogue")
@click.argument("jabatan_id")
@click.option("--jenis", default="", help="Jenis jabatan katalog (bawaan: jenis jabatan ini).")
@click.option("--version", "expected_version", type=int, required=True,
              help="Versi template yang Anda lihat (0 bila belum ada).")
@click.option("--reason", default="", help="Alasan (opsional).")
@json_option
def template_copy(jabatan_id, jenis, expected_version, reason):
    """Salin katalog nasional menjadi versi baru template jabatan."""
    request = _pb().CopyCatalogueToTemplateRequest(jabatan_id=jabatan_id, jenis_jabatan=jenis,
                                                   expected_version=expected_version, reason=reason)
    _emit_message(_call("CopyCatalogueToTemplate", request, write=True), _show_version)


@template_group.command("update")
@click.argument("jabatan_id")
@click.argument("file", type=click.File("r"))
@click.option("--version", "expected_version", type=int, required=True, help="Versi template yang Anda ubah.")
@click.option("--reason", required=True, help="Alasan perubahan (dicatat).")
@json_option
def template_update(jabatan_id, file, expected_version, reason):
    """Versi baru template dari daftar JSON: [{nama, satuan, kuantitas, waktu, kualitas?, biaya?, angka_kredit?}]."""
    try:
        items = json.load(file)
    except ValueError as error:
        fail(f"{getattr(file, 'name', 'FILE')}: bukan JSON yang sah ({error})", EXIT_BAD_INPUT)
    if not isinstance(items, list):
        fail("FILE: harus berupa daftar JSON kegiatan", EXIT_BAD_INPUT)
    pb = _pb()
    fields = set(pb.TemplateKegiatanInput.DESCRIPTOR.fields_by_name)
    kegiatan = []
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            fail(f"kegiatan[{index}]: harus berupa objek", EXIT_BAD_INPUT)
        unknown = set(item) - fields - {"nomor"}
        if unknown:
            fail(f"kegiatan[{index}]: kolom tidak dikenal {', '.join(sorted(unknown))}", EXIT_BAD_INPUT)
        kegiatan.append(pb.TemplateKegiatanInput(**{k: "" if v is None else str(v) for k, v in item.items()
                                                    if k in fields}))
    request = pb.UpdateTemplateRequest(jabatan_id=jabatan_id, expected_version=expected_version, kegiatan=kegiatan,
                                       reason=reason)
    _emit_message(_call("UpdateTemplate", request, write=True), _show_version)


@template_group.command("rhk")
@click.argument("jabatan_id")
@click.argument("file", type=click.File("r"))
@click.option("--version", "expected_version", type=int, required=True, help="Versi template yang Anda ubah.")
@click.option("--reason", required=True, help="Alasan perubahan (dicatat).")
@json_option
def template_rhk(jabatan_id, file, expected_version, reason):
    """RHK/IKI template untuk jabatan PermenPANRB 6/2022, dari JSON {pendekatan, rhk: [{jenis, uraian, perspektif?,
    sasaran_organisasi?, iki: [{uraian, aspek, target, satuan, ekspektasi?}]}]}; RHK atasan dipilih pegawai."""
    try:
        data = json.load(file)
    except ValueError as error:
        fail(f"{getattr(file, 'name', 'FILE')}: bukan JSON yang sah ({error})", EXIT_BAD_INPUT)
    if not isinstance(data, dict) or not isinstance(data.get("rhk"), list):
        fail("FILE: harus objek JSON dengan daftar rhk", EXIT_BAD_INPUT)
    pb = _pb()
    try:
        rhk = [pb.RhkInput(**{**item, "iki": [pb.IkiInput(**{k: str(v) for k, v in iki.items()})
                                               for iki in item.get("iki", [])]}) for item in data["rhk"]]
    except (TypeError, ValueError, AttributeError) as error:
        fail(f"FILE: isian tidak dikenal atau salah bentuk ({error})", EXIT_BAD_INPUT)
    request = pb.UpdateTemplateRhkRequest(jabatan_id=jabatan_id, expected_version=expected_version,
                                          pendekatan=data.get("pendekatan", ""), rhk=rhk, reason=reason)
    _emit_message(_call("UpdateTemplateRhk", request, write=True).version, _show_version)


@skp_group.command("jadikan-template")
@click.argument("skp_id")
@click.option("--reason", default="", help="Alasan (opsional).")
@json_option
def jadikan_template(skp_id, reason):
    """Jadikan target SKP yang disetujui versi baru template jabatan (pejabat penilai)."""
    request = _pb().AdoptSkpAsTemplateRequest(skp_id=skp_id, reason=reason)
    _emit_message(_call("AdoptSkpAsTemplate", request, write=True), _show_version)


def register(cli) -> None:
    """Attach this module's commands to the root group."""
    from . import skp_622
    skp_622.register_on(skp_group)  # `skp rhk`, `skp evaluasi` (PermenPANRB 6/2022)
    from . import skp_setting
    skp_setting.register_on(skp_group)  # `skp aturan`, `skp predikat-organisasi`, `skp sebaran`
    cli.add_command(skp_group)
