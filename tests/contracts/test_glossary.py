"""docs/glossary.md names every Indonesian identifier root of the code (issue 17.14). Keep ROOTS in step with it."""
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

ROOTS = ["aturan", "atasan", "bukti", "bulan", "capaian", "catatan", "diakui", "eselon", "ekspektasi", "golongan",
         "iki", "induk", "instansi", "jabatan", "jenis jabatan", "jenjang", "keberatan", "kegiatan", "kelompok",
         "kualitas", "kuantitas", "lampiran", "lapor", "libur", "menit", "mulai", "nama", "nip", "pakar", "pangkat",
         "pegawai", "penilai", "perilaku", "pertanyaan", "plt", "predikat", "realisasi", "rekap", "rencana", "rhk",
         "sampai", "satuan", "skp", "tahun", "tanggal", "tmt", "umpan balik", "uraian"]


def _terms() -> set[str]:
    terms = set()
    for line in (ROOT / "docs" / "glossary.md").read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.split("|")]
        if len(cells) > 2 and cells[1] and set(cells[1]) != {"-"}:
            terms.update(t.strip().lower() for t in cells[1].split("/"))
    return terms


@pytest.mark.unit
@pytest.mark.parametrize("root", ROOTS)
def test_root_is_in_the_glossary(root):
    assert root in _terms(), f"{root!r} is used in identifiers but missing from docs/glossary.md"


@pytest.mark.unit
@pytest.mark.parametrize("root", [r for r in ROOTS if " " not in r])
def test_root_is_used_in_the_code(root):
    """A root no identifier uses is dead weight: drop it from ROOTS and the glossary."""
    code = (p.read_text(encoding="utf-8", errors="ignore").lower() for base in ("libs", "services")
            for p in (ROOT / base).rglob("*.py"))
    assert any(root in text for text in code)
