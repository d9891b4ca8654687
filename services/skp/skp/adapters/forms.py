"""The official forms as files: Formulir Sasaran Kerja Pegawai (targets) and Penilaian Capaian SKP with the
Penilaian Prestasi Kerja (realisation, scores, perilaku). PDF through reportlab, XLSX through openpyxl.

Both take a ``FormData`` so the two formats always carry the same rows and values.
"""
from __future__ import annotations

import io
from dataclasses import dataclass

TARGET_HEADER = ["No", "Kegiatan tugas jabatan", "AK", "Kuant/Output", "Satuan", "Kual/Mutu", "Waktu (bln)", "Biaya"]
PENILAIAN_HEADER = ["No", "Kegiatan", "TO", "TK", "TW", "TB", "RO", "RK", "RW", "RB", "Perhitungan",
                    "Nilai capaian"]
PERILAKU_LABELS = [("orientasi_pelayanan", "Orientasi pelayanan"), ("integritas", "Integritas"),
                   ("komitmen", "Komitmen"), ("disiplin", "Disiplin"), ("kerja_sama", "Kerja sama"),
                   ("kepemimpinan", "Kepemimpinan")]


@dataclass(frozen=True)
class FormData:
    title: str
    header: list[tuple[str, str]]      # (label, value) lines above the table
    columns: list[str]
    rows: list[list[str]]
    footer: list[tuple[str, str]]      # (label, value) lines below the table


def targets_form(doc: dict, masked_nip: str) -> FormData:
    targets = doc["approved_targets"] or [
        {"nomor": k["nomor"], "nama": k["nama"], "angka_kredit": k["angka_kredit"], "kuantitas": k["kuantitas"],
         "satuan": k["satuan"], "kualitas": k["kualitas"], "waktu": k["waktu"], "biaya": k["biaya"]}
        for k in doc["kegiatan"]]
    rows = [[str(t["nomor"]), t["nama"], _s(t.get("angka_kredit")), _s(t["kuantitas"]), t["satuan"],
             _s(t["kualitas"]), _s(t["waktu"]), _s(t.get("biaya"))] for t in targets]
    return FormData("FORMULIR SASARAN KERJA PEGAWAI NEGERI SIPIL", _identity(doc, masked_nip), TARGET_HEADER, rows,
                    [("Status", doc["status"] + (" (disetujui)" if doc["approved_targets"] else ""))])


def penilaian_form(doc: dict, masked_nip: str, score: dict) -> FormData:
    index = score.get("skp_ids", [str(doc["skp_id"])]).index(str(doc["skp_id"])) \
        if str(doc["skp_id"]) in score.get("skp_ids", []) else 0
    scored_doc = score["skp"][index] if score.get("skp") else {"kegiatan": []}
    inputs = score.get("input", {}).get("skp", [{}])[index].get("kegiatan", []) if score.get("input") else []
    rows = []
    for nomor, (given, result) in enumerate(zip(inputs, scored_doc["kegiatan"], strict=True), start=1):
        t, r = given["target"], given["realisasi"]
        rows.append([str(nomor), given["nama"], t["kuantitas"], t["kualitas"], t["waktu"], t.get("biaya", "-"),
                     r["kuantitas"], r["kualitas"], r["waktu"], r.get("biaya", "-"), result["perhitungan"],
                     result["nilai_capaian"]])
    footer = [("Nilai tugas tambahan", str(scored_doc.get("nilai_tugas_tambahan", 0))),
              ("Nilai kreativitas", str(scored_doc.get("nilai_kreativitas", 0))),
              ("Nilai capaian SKP (tahun)", f"{score['nilai_capaian_skp']} ({score['sebutan_capaian_skp']})")]
    perilaku = doc.get("perilaku") or {}
    for key, label in PERILAKU_LABELS:
        if key in perilaku:
            footer.append((f"Perilaku: {label}", perilaku[key]))
    footer += [("Nilai perilaku kerja",
                f"{score.get('nilai_perilaku') or '-'} ({score.get('sebutan_perilaku') or '-'})"),
               ("Nilai prestasi kerja", f"{score.get('nilai_prestasi_kerja') or '-'} ({score.get('sebutan') or '-'})"),
               ("Status hasil", doc["result_status"] or "belum ditetapkan")]
    if doc.get("keberatan_alasan"):
        footer.append(("Keberatan", doc["keberatan_alasan"]))
    if doc.get("keberatan_catatan"):
        footer.append(("Keputusan atasan", doc["keberatan_catatan"]))
    return FormData("PENILAIAN CAPAIAN SASARAN KERJA DAN PRESTASI KERJA PNS", _identity(doc, masked_nip),
                    PENILAIAN_HEADER, rows, footer)


def _identity(doc: dict, masked_nip: str) -> list[tuple[str, str]]:
    return [("Nama", doc.get("nama") or "-"), ("NIP", masked_nip), ("Jabatan", doc["jabatan_nama"]),
            ("Unit kerja", doc.get("unit_nama") or doc.get("unit_id") or "-"),
            ("Periode", f"{doc['period_start'].isoformat()} s.d. {doc['period_end'].isoformat()}"),
            ("Pejabat penilai (NIP)", doc.get("penilai_nip") or "-"),
            ("Atasan pejabat penilai (NIP)", doc.get("atasan_penilai_nip") or "-")]


def _s(value) -> str:
    if value is None or value == "":
        return "-"
    from decimal import Decimal
    if isinstance(value, Decimal):
        return format(value.normalize() if value != 0 else Decimal(0), "f")
    return str(value)


def to_pdf(form: FormData) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    buffer = io.BytesIO()
    pdf = SimpleDocTemplate(buffer, pagesize=landscape(A4), title=form.title, author="e-Kinerja")
    styles = getSampleStyleSheet()
    cell = styles["BodyText"]
    cell.fontSize = 8
    cell.leading = 10
    story = [Paragraph(form.title, styles["Title"]), Spacer(1, 6)]
    story.append(Table([[label, value] for label, value in form.header], hAlign="LEFT"))
    story.append(Spacer(1, 8))
    data = [form.columns] + [[Paragraph(_escape(v), cell) for v in row] for row in form.rows]
    table = Table(data, repeatRows=1)
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                               ("BACKGROUND", (0, 0), (-1, 0), colors.lightgrey),
                               ("FONTSIZE", (0, 0), (-1, -1), 8), ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    story += [table, Spacer(1, 8)]
    if form.footer:
        story.append(Table([[label, Paragraph(_escape(value), cell)] for label, value in form.footer],
                           hAlign="LEFT"))
    pdf.build(story)
    return buffer.getvalue()


def _escape(text: str) -> str:
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def to_xlsx(form: FormData) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Formulir"
    sheet.append([form.title])
    sheet["A1"].font = Font(bold=True, size=12)
    for label, value in form.header:
        sheet.append([label, value])
    sheet.append([])
    sheet.append(form.columns)
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    for row in form.rows:
        sheet.append(row)  # values stay text: exact decimals as written, never binary floats
    sheet.append([])
    for label, value in form.footer:
        sheet.append([label, value])
    sheet.column_dimensions["B"].width = 48
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
