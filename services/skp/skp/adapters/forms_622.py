"""The dokumen evaluasi kinerja of a rated period under PermenPANRB 6/2022 (issue 22 item 3): the employee and the
penilai, the period, each RHK with its IKI (target, realisasi, bukti dukung), the umpan balik, the two ratings, the
predikat and the angka kredit. Built from the same neutral blocks as the PP 46 forms (``forms.py``), so
``forms.to_pdf`` and ``forms.to_xlsx`` render it and both formats carry the same words and values. Decimals (target,
realisasi, angka kredit) go in as their exact strings ("25.000", "12.5"): a numeric cell would drop the trailing
zeros the regulation's three decimals keep."""
from __future__ import annotations

from decimal import Decimal

from ekinerja_rules.permenpanrb_6_2022 import Predikat, Rating

from .forms import Cell, Form, Grid, Page, Person, Signature, Signatures, Title, _identity_rows, tanggal

TITLE_EVALUASI = "DOKUMEN EVALUASI KINERJA PEGAWAI"
RATING_LABELS = {"di_atas": "Di atas ekspektasi", "sesuai": "Sesuai ekspektasi", "di_bawah": "Di bawah ekspektasi"}
PREDIKAT_LABELS = {"sangat_baik": "Sangat Baik", "baik": "Baik", "butuh_perbaikan": "Butuh Perbaikan",
                   "kurang": "Kurang", "sangat_kurang": "Sangat Kurang"}
JENIS_PERIODE = {"bulanan": "Bulanan", "triwulanan": "Triwulanan", "tahunan": "Tahunan"}


def _exact(value) -> str:
    """A stored decimal (Decimal or decimal string) as its exact text, never through a float."""
    return format(value, "f") if isinstance(value, Decimal) else str(value)


def _people(pns: Person, penilai: Person) -> Grid:
    rows: list[list[Cell]] = [[str(i), label, value, str(i), label2, value2] for i, ((label, value), (label2, value2))
                              in enumerate(zip(_identity_rows(pns), _identity_rows(penilai), strict=True), start=1)]
    return Grid([["NO", "PEGAWAI YANG DINILAI", "", "NO", "PEJABAT PENILAI KINERJA", ""]], rows,
                [4.5, 16, 30, 4.5, 16, 30], spans=[((1, 0), (2, 0)), ((4, 0), (5, 0))])


def _hasil_kerja(approved_rhk: list[dict], realisasi: dict) -> Grid:
    rows: list[list[Cell]] = []
    for jenis, caption in (("utama", "A. UTAMA"), ("tambahan", "B. TAMBAHAN")):
        rows.append(["", caption, "", "", "", "", ""])
        for item in (x for x in approved_rhk if x["jenis"] == jenis):
            rows.append([str(item["nomor"]), item["uraian"], item.get("rhk_atasan_uraian") or
                         item.get("sasaran_organisasi") or "-", "", "", "", ""])
            for iki in item["iki"]:
                done = realisasi.get(iki["iki_id"]) or {}
                target = (f"{_exact(iki['target'])} {iki.get('satuan') or ''}".strip() if iki.get("target")
                          else iki.get("ekspektasi") or "")
                rows.append(["", "", "", f"{iki['nomor']}. {iki['uraian']}" + (
                    f" ({iki['aspek']})" if iki.get("aspek") else ""), target,
                    _exact(done.get("realisasi")) if done.get("realisasi") else done.get("uraian") or "",
                    ", ".join(done.get("bukti") or []) or "-"])
    return Grid([["NO", "RENCANA HASIL KERJA", "RHK ATASAN YANG DIINTERVENSI", "INDIKATOR KINERJA INDIVIDU",
                  "TARGET", "REALISASI", "BUKTI DUKUNG"]], rows, [4, 22, 18, 22, 10, 10, 14])


def _umpan_balik(feedback: list[dict], rhk_names: dict[str, str]) -> Grid:
    rows: list[list[Cell]] = [
        [str(i), rhk_names.get(f.get("rhk_id") or "", "") or f"Perilaku: {f.get('perilaku') or '-'}", f["catatan"],
         tanggal(f["at"].date()) if hasattr(f.get("at"), "date") else ""]
        for i, f in enumerate(feedback, start=1)] or [["-", "Tidak ada umpan balik", "", ""]]
    return Grid([["NO", "TENTANG", "UMPAN BALIK BERKELANJUTAN", "TANGGAL"]], rows, [4, 30, 50, 16])


def dokumen_evaluasi(doc: dict, approved_rhk: list[dict], evaluation: dict, feedback: list[dict], pns: Person,
                     penilai: Person) -> Form:
    """The dokumen evaluasi of one rated period (``evaluation`` is the stored, rated row)."""
    periode = (f"Periode {evaluation['periode']} ({JENIS_PERIODE.get(evaluation['jenis_periode'], '')}): "
               f"{tanggal(evaluation['period_start'])} s.d. {tanggal(evaluation['period_end'])}")
    rhk_names = {x["rhk_id"]: f"RHK {x['nomor']}: {x['uraian']}" for x in approved_rhk}
    hasil, sikap, predikat = evaluation["hasil_kerja"], evaluation["perilaku"], evaluation["predikat"]
    ak = evaluation.get("angka_kredit")
    nilai = Grid([["UNSUR", "PENILAIAN", "KODE"]], [
        ["Rating hasil kerja", RATING_LABELS[hasil], Rating(hasil).code],
        ["Rating perilaku kerja", RATING_LABELS[sikap], Rating(sikap).code],
        ["Predikat kinerja pegawai", PREDIKAT_LABELS[predikat], Predikat(predikat).code],
        ["Angka kredit", _exact(Decimal(ak).quantize(Decimal("0.001"))) if ak is not None else "-", ""],
        ["Catatan penilai", evaluation.get("catatan") or "-", ""]], [30, 50, 10])
    rated_at = evaluation.get("rated_at")
    signatures = Signatures([Signature("Pejabat Penilai Kinerja",
                                       f"Dinilai tanggal {tanggal(rated_at.date() if rated_at else None)}", penilai),
                             Signature("Pegawai Yang Dinilai", f"Diterima tanggal {tanggal(None)}", pns)])
    return Form(TITLE_EVALUASI, [
        Page("Evaluasi Kinerja", [Title(TITLE_EVALUASI, periode), _people(pns, penilai),
                                  _hasil_kerja(approved_rhk, evaluation.get("realisasi") or {})]),
        Page("Penilaian", [Title("UMPAN BALIK DAN PENILAIAN", periode), _umpan_balik(feedback, rhk_names), nilai,
                           signatures], portrait=True)])
