"""The official forms of Perka BKN 1/2013 as files (docs/forms.md): the Formulir Sasaran Kerja PNS (the targets,
signed by the pejabat penilai and the PNS), and for the year's result the Pengukuran Capaian SKP (targets beside
realisation, perhitungan, nilai capaian) followed by the Penilaian Prestasi Kerja PNS (the PNS, the pejabat
penilai and the atasan pejabat penilai; SKP × 60 % + perilaku × 40 %; keberatan; dated signature blocks).

A form is built once as pages of neutral blocks (``Form``) and rendered by ``to_pdf`` (reportlab) or ``to_xlsx``
(openpyxl, one sheet per page), so both formats carry the same words and values. Numbers stay ``Decimal`` up to
the renderer: the XLSX gets numeric cells with a number format showing exactly the decimals of the value.
"""
from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from ekinerja_rules.scoring import sebutan_for

from ..application.ports import NOBODY, Person  # noqa: F401 - the people a form names, re-exported

Cell = str | Decimal | int | None

BULAN = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober",
         "November", "Desember")
PERILAKU_LABELS = (("orientasi_pelayanan", "Orientasi Pelayanan"), ("integritas", "Integritas"),
                   ("komitmen", "Komitmen"), ("disiplin", "Disiplin"), ("kerja_sama", "Kerja Sama"),
                   ("kepemimpinan", "Kepemimpinan"))
TITLE_SKP = "FORMULIR SASARAN KERJA PEGAWAI NEGERI SIPIL"
TITLE_CAPAIAN = "PENILAIAN CAPAIAN SASARAN KERJA PEGAWAI NEGERI SIPIL"
TITLE_PRESTASI = "PENILAIAN PRESTASI KERJA PEGAWAI NEGERI SIPIL"


@dataclass(frozen=True)
class Title:
    text: str
    subtitle: str = ""


@dataclass(frozen=True)
class Grid:
    """A bordered table: header rows (text) then body rows; ``spans`` merge header cells ((col, row), (col, row))."""

    header: list[list[str]]
    rows: list[list[Cell]]
    widths: list[float]  # relative column widths
    spans: list[tuple[tuple[int, int], tuple[int, int]]] = field(default_factory=list)


@dataclass(frozen=True)
class Signature:
    caption: str  # "Pejabat Penilai"
    prefix: str   # the line with the date, e.g. "Jakarta, 2 Januari 2024" or "Dibuat tanggal 5 Januari 2025"
    person: Person


@dataclass(frozen=True)
class Signatures:
    blocks: list[Signature]


Block = Title | Grid | Signatures


@dataclass(frozen=True)
class Page:
    name: str  # the XLSX sheet name
    blocks: list[Block]
    portrait: bool = False  # the PDF page's orientation (wide tables: landscape)


@dataclass(frozen=True)
class Form:
    title: str
    pages: list[Page]


# --- values -------------------------------------------------------------------------------------------------------


def tanggal(day: dt.date | None) -> str:
    """``2 Januari 2024``; a dotted blank to fill in by hand when the event has not happened."""
    return f"{day.day} {BULAN[day.month - 1]} {day.year}" if day else "...................."


def number(value) -> Decimal | None:
    """A stored value (Decimal, int, decimal string) as an exact Decimal; None when blank."""
    if value is None or value == "":
        return None
    try:
        return value if isinstance(value, Decimal) else Decimal(str(value))
    except InvalidOperation:
        return None


def _shown(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def _identity_rows(person: Person) -> list[tuple[str, str]]:
    return [("Nama", person.nama), ("NIP", person.nip), ("Pangkat/Gol.Ruang", person.pangkat),
            ("Jabatan", person.jabatan), ("Unit Kerja", person.unit)]


def _period(doc: dict) -> str:
    start, end = doc["period_start"], doc["period_end"]
    return f"Jangka waktu penilaian: {tanggal(start)} s.d. {tanggal(end)}"


# --- the forms ----------------------------------------------------------------------------------------------------


def formulir_skp(doc: dict, pns: Person, penilai: Person, signed: dict[str, dt.date | None],
                 tempat: str = "") -> Form:
    """Formulir SKP: I. pejabat penilai beside II. the PNS, III. the kegiatan with their targets, then the
    signatures of the pejabat penilai (date of approval) and the PNS (date of submission)."""
    targets = doc["approved_targets"] or doc["kegiatan"]
    identity = [[str(i), label, value, str(i), label2, value2] for i, ((label, value), (label2, value2))
                in enumerate(zip(_identity_rows(penilai), _identity_rows(pns), strict=True), start=1)]
    people = Grid([["NO", "I. PEJABAT PENILAI", "", "NO", "II. PEGAWAI NEGERI SIPIL YANG DINILAI", ""]],
                  identity, [4.5, 16, 30, 4.5, 16, 30], spans=[((1, 0), (2, 0)), ((4, 0), (5, 0))])
    rows: list[list[Cell]] = [
        [int(t["nomor"]), t["nama"], number(t.get("angka_kredit")), number(t["kuantitas"]), t["satuan"],
         number(t["kualitas"]), number(t["waktu"]), number(t.get("biaya"))] for t in targets]
    kegiatan = Grid([["NO", "III. KEGIATAN TUGAS JABATAN", "AK", "TARGET", "", "", "", ""],
                     ["", "", "", "KUANT/OUTPUT", "SATUAN", "KUAL/MUTU", "WAKTU (BULAN)", "BIAYA (RP)"]],
                    rows, [4.5, 40, 6, 10, 12, 9, 10, 14],
                    spans=[((0, 0), (0, 1)), ((1, 0), (1, 1)), ((2, 0), (2, 1)), ((3, 0), (7, 0))])
    place = f"{tempat}, " if tempat else ""
    signatures = Signatures([Signature("Pejabat Penilai", f"Disetujui {tanggal(signed.get('approved'))}", penilai),
                             Signature("Pegawai Negeri Sipil Yang Dinilai",
                                       f"{place}{tanggal(signed.get('submitted'))}", pns)])
    return Form(TITLE_SKP, [Page("Formulir SKP", [Title(TITLE_SKP, _period(doc)), people, kegiatan, signatures])])


def penilaian(doc: dict, pns: Person, penilai: Person, atasan: Person, score: dict,
              dates: dict[str, dt.date | None]) -> Form:
    """Pengukuran capaian SKP of this document, then the Penilaian Prestasi Kerja of the year (``score`` is the
    stored result once issued, else the live score; both in the score contract's form)."""
    return Form(TITLE_PRESTASI, [_capaian_page(doc, penilai, score, dates),
                                 _prestasi_page(doc, pns, penilai, atasan, score, dates)])


def _document_index(doc: dict, score: dict) -> int:
    ids = score.get("skp_ids") or []
    return ids.index(str(doc["skp_id"])) if str(doc["skp_id"]) in ids else 0


def _capaian_page(doc: dict, penilai: Person, score: dict, dates: dict) -> Page:
    index = _document_index(doc, score)
    documents = score.get("skp") or []
    scored = documents[index] if index < len(documents) else {"kegiatan": []}
    inputs = (score.get("input") or {}).get("skp") or []
    given = inputs[index] if index < len(inputs) else {"kegiatan": []}
    rows: list[list[Cell]] = []
    for nomor, (k, result) in enumerate(zip(given.get("kegiatan", []), scored["kegiatan"], strict=False), start=1):
        t, r = k["target"], k["realisasi"]
        rows.append([nomor, k["nama"], number(t.get("angka_kredit")), number(t["kuantitas"]), t.get("satuan", ""),
                     number(t.get("kualitas", 100)), number(t["waktu"]), number(t.get("biaya")),
                     number(r["kuantitas"]), number(r["kualitas"]), number(r["waktu"]), number(r.get("biaya")),
                     number(result["perhitungan"]), number(result["nilai_capaian"])])
    n = len(rows)
    rows.append(["", "II. Tugas tambahan dan kreativitas:", None, None, "", None, None, None, None, None, None,
                 None, None, None])
    rows.append([n + 1, f"Tugas tambahan ({given.get('tugas_tambahan', 0)} kegiatan)", None, None, "", None, None,
                 None, None, None, None, None, None, number(scored.get("nilai_tugas_tambahan", 0))])
    rows.append([n + 2, f"Kreativitas ({given.get('kreativitas') or 'tidak ada'})", None, None, "", None, None,
                 None, None, None, None, None, None, number(scored.get("nilai_kreativitas", 0))])
    rows.append(["", "Nilai capaian SKP", None, None, "", None, None, None, None, None, None, None, None,
                 number(scored.get("nilai_capaian_skp"))])
    grid = Grid([["NO", "I. KEGIATAN TUGAS JABATAN", "AK", "TARGET", "", "", "", "", "REALISASI", "", "", "",
                  "PERHITUNGAN", "NILAI CAPAIAN SKP"],
                 ["", "", "", "KUANT/OUTPUT", "SATUAN", "KUAL/MUTU", "WAKTU", "BIAYA", "KUANT/OUTPUT", "KUAL/MUTU",
                  "WAKTU", "BIAYA", "", ""]],
                rows, [4, 22, 6, 7.5, 7, 6.5, 6.5, 10, 7.5, 6.5, 6.5, 10, 10, 8],
                spans=[((0, 0), (0, 1)), ((1, 0), (1, 1)), ((2, 0), (2, 1)), ((3, 0), (7, 0)), ((8, 0), (11, 0)),
                       ((12, 0), (12, 1)), ((13, 0), (13, 1))])
    summary = Grid([["NILAI CAPAIAN SKP (TAHUN)", "SEBUTAN"]],
                   [[number(score.get("nilai_capaian_skp")), score.get("sebutan_capaian_skp") or "-"]], [20, 20])
    signature = Signatures([Signature("Pejabat Penilai", f"Dibuat tanggal {tanggal(dates.get('issued'))}",
                                      penilai)])
    return Page("Capaian SKP", [Title(TITLE_CAPAIAN, _period(doc)), grid, summary, signature])


def _weighted(value, weight: str) -> Decimal | None:
    shown = number(value)
    return None if shown is None else (shown * Decimal(weight)).quantize(Decimal("0.01"))


def _prestasi_page(doc: dict, pns: Person, penilai: Person, atasan: Person, score: dict, dates: dict) -> Page:
    people_rows: list[list[Cell]] = []
    for no, caption, person in (("1.", "YANG DINILAI", pns), ("2.", "PEJABAT PENILAI", penilai),
                                ("3.", "ATASAN PEJABAT PENILAI", atasan)):
        people_rows.append([no, caption, ""])
        for letter, (label, value) in zip("abcde", _identity_rows(person), strict=True):
            people_rows.append(["", f"{letter}. {label}", value])
    people = Grid([["NO", "IDENTITAS", ""]], people_rows, [5, 30, 65], spans=[((1, 0), (2, 0))])

    perilaku = (score.get("input") or {}).get("perilaku") or doc.get("perilaku") or {}
    unsur: list[list[Cell]] = [["a.", "Sasaran Kerja PNS (SKP)", number(score.get("nilai_capaian_skp")),
                                score.get("sebutan_capaian_skp") or "-", "60%",
                                _weighted(score.get("nilai_capaian_skp"), "0.6")],
                               ["b.", "Perilaku Kerja", None, "", "", None]]
    for i, (key, label) in enumerate(PERILAKU_LABELS, start=1):
        if key in perilaku:
            value = number(perilaku[key])
            unsur.append(["", f"{i}. {label}", value, sebutan_for(value), "", None])
    jumlah = sum((number(v) for v in perilaku.values() if number(v) is not None), Decimal(0)) if perilaku else None
    unsur += [["", "Jumlah", jumlah, "", "", None],
              ["", "Nilai rata-rata", number(score.get("nilai_perilaku")), score.get("sebutan_perilaku") or "-",
               "40%", _weighted(score.get("nilai_perilaku"), "0.4")],
              ["", "NILAI PRESTASI KERJA", number(score.get("nilai_prestasi_kerja")), score.get("sebutan") or "-",
               "", number(score.get("nilai_prestasi_kerja"))]]
    grid = Grid([["", "4. UNSUR YANG DINILAI", "NILAI", "SEBUTAN", "BOBOT", "JUMLAH"]], unsur,
                [4, 40, 12, 16, 10, 12])
    keberatan = Grid([["NO", "KEBERATAN DAN KEPUTUSAN", "TANGGAL"]], [
        ["5.", f"Keberatan dari PNS yang dinilai (apabila ada): {doc.get('keberatan_alasan') or '-'}",
         tanggal(dates.get("keberatan")) if doc.get("keberatan_alasan") else "-"],
        ["6.", "Tanggapan pejabat penilai atas keberatan: -", "-"],
        ["7.", f"Keputusan atasan pejabat penilai atas keberatan: {doc.get('keberatan_catatan') or '-'}",
         tanggal(dates.get("decided")) if doc.get("keberatan_catatan") else "-"],
        ["8.", "Rekomendasi: -", "-"]], [5, 75, 20])
    signatures = Signatures([
        Signature("9. Pejabat Penilai", f"Dibuat tanggal {tanggal(dates.get('issued'))}", penilai),
        Signature("10. Pegawai Negeri Sipil Yang Dinilai", f"Diterima tanggal {tanggal(dates.get('received'))}",
                  pns),
        Signature("11. Atasan Pejabat Penilai", f"Diterima tanggal {tanggal(dates.get('final'))}", atasan)])
    return Page("Prestasi Kerja", [Title(TITLE_PRESTASI, _period(doc)), people, grid, keberatan, signatures],
                portrait=True)


# --- PDF ------------------------------------------------------------------------------------------------------------


def to_pdf(form: Form) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import (
        BaseDocTemplate,
        Frame,
        NextPageTemplate,
        PageBreak,
        PageTemplate,
        Paragraph,
        Spacer,
        Table,
        TableStyle,
    )

    margin = 28
    sizes = {"portrait": A4, "landscape": landscape(A4)}
    order = ["portrait", "landscape"] if form.pages and form.pages[0].portrait else ["landscape", "portrait"]
    buffer = io.BytesIO()
    pdf = BaseDocTemplate(buffer, title=form.title, author="e-Kinerja", pageTemplates=[
        PageTemplate(id=name, pagesize=sizes[name],
                     frames=[Frame(margin, margin, sizes[name][0] - 2 * margin, sizes[name][1] - 2 * margin,
                                   id=name)]) for name in order])
    styles = getSampleStyleSheet()
    cell = styles["BodyText"].clone("cell", fontSize=7.5, leading=9)
    bold = cell.clone("bold", fontName="Helvetica-Bold")
    head = bold.clone("head", fontSize=6.5, leading=8, alignment=1)
    tight = [("TOPPADDING", (0, 0), (-1, -1), 1.5), ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5)]
    story: list = []
    for page_no, page in enumerate(form.pages):
        orientation = "portrait" if page.portrait else "landscape"
        width = sizes[orientation][0] - 2 * margin
        if page_no:
            story += [NextPageTemplate(orientation), PageBreak()]
        for block in page.blocks:
            if isinstance(block, Title):
                story.append(Paragraph(_escape(block.text), styles["Title"]))
                if block.subtitle:
                    story.append(Paragraph(_escape(block.subtitle), styles["Normal"]))
            elif isinstance(block, Grid):
                total = sum(block.widths)
                data = [[Paragraph(_escape(v), head) for v in row] for row in block.header]
                data += [[Paragraph(_escape(_shown(v)), cell) for v in row] for row in block.rows]
                style = [("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                         ("BACKGROUND", (0, 0), (-1, len(block.header) - 1), colors.lightgrey),
                         ("VALIGN", (0, 0), (-1, -1), "TOP"), *tight]
                style += [("SPAN", a, b) for a, b in block.spans]
                story.append(Table(data, colWidths=[width * w / total for w in block.widths],
                                   repeatRows=len(block.header), style=TableStyle(style)))
            else:
                columns = [[Paragraph(_escape(s.prefix), cell), Paragraph(_escape(s.caption), bold),
                            Spacer(1, 36), Paragraph(f"<u>{_escape(s.person.nama)}</u>", bold),
                            Paragraph(_escape(f"NIP. {s.person.nip}"), cell)] for s in block.blocks]
                story.append(Table([columns], colWidths=[width / len(columns)] * len(columns)))
            story.append(Spacer(1, 8))
    pdf.build(story)
    return buffer.getvalue()


def _escape(text) -> str:
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# --- XLSX -----------------------------------------------------------------------------------------------------------


def number_format(value: Decimal) -> str:
    """Excel's format showing exactly the decimals written: 85.50 → ``0.00``, 12 → ``0``, 416666.67 → ``#,##0.00``."""
    places = max(0, -value.as_tuple().exponent) if value.is_finite() else 0
    grouped = "#,##0" if abs(value) >= 1000 else "0"
    return grouped + ("." + "0" * places if places else "")


def to_xlsx(form: Form) -> bytes:
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    workbook.remove(workbook.active)
    for page in form.pages:
        sheet = workbook.create_sheet(page.name)
        row = 1
        widest: dict[int, float] = {}
        for block in page.blocks:
            if isinstance(block, Title):
                row = _xlsx_title(sheet, row, block)
            elif isinstance(block, Grid):
                row = _xlsx_grid(sheet, row, block)
                for col, w in enumerate(block.widths, start=1):
                    widest[col] = max(widest.get(col, 0), w)
            else:
                row = _xlsx_signatures(sheet, row, block)
            row += 1
        for col, w in widest.items():
            sheet.column_dimensions[get_column_letter(col)].width = max(6, min(60, w * 1.2))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _xlsx_title(sheet, row: int, block: Title) -> int:
    """Writes the title (and subtitle) from ``row``; returns the next free row."""
    from openpyxl.styles import Font

    sheet.cell(row, 1, block.text).font = Font(bold=True, size=12)
    row += 1
    if block.subtitle:
        sheet.cell(row, 1, block.subtitle)
        row += 1
    return row


def _xlsx_grid(sheet, row: int, block: Grid) -> int:
    """Writes the grid's header (merged spans, grey, bold) and rows (a Decimal as a numeric cell showing exactly
    its decimals); returns the next free row."""
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    grey = PatternFill("solid", fgColor="DDDDDD")
    top = row
    for header in block.header:
        for col, text in enumerate(header, start=1):
            c = sheet.cell(row, col, text or None)
            c.font, c.fill, c.border = Font(bold=True), grey, border
            c.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        row += 1
    for (c1, r1), (c2, r2) in block.spans:
        sheet.merge_cells(start_row=top + r1, start_column=c1 + 1, end_row=top + r2, end_column=c2 + 1)
    for values in block.rows:
        for col, value in enumerate(values, start=1):
            c = sheet.cell(row, col, None if value == "" else value)  # Decimal → a numeric cell
            c.border = border
            if isinstance(value, Decimal):
                c.number_format = number_format(value)
            elif isinstance(value, str):
                c.alignment = Alignment(wrap_text=True, vertical="top")
        row += 1
    return row


def _xlsx_signatures(sheet, row: int, block: Signatures) -> int:
    """Writes the signature blocks side by side, three columns apart; returns the row after them."""
    from openpyxl.styles import Font

    col = 1
    for s in block.blocks:
        for offset, (text, bold) in enumerate(((s.prefix, False), (s.caption, True), ("", False), ("", False),
                                               (s.person.nama, True), (f"NIP. {s.person.nip}", False))):
            if text:
                sheet.cell(row + offset, col, text).font = Font(bold=bold)
        col += 3
    return row + 6
