"""The curated SNOWMAN knowledge base: shape, coverage of the project's rules and of DOMAIN.md §6, eval set, loader."""

import re
from collections import Counter

import pytest

from snowman.knowledge import (
    KELOMPOK,
    RULESETS,
    load_entries,
    load_eval_questions,
    load_synonyms,
)

pytestmark = pytest.mark.unit

# DOMAIN.md §0: rule number -> (entry that explains it, a key term that entry must mention).
RULE_COVERAGE = {
    1: ("pembulatan-desimal", "desimal eksak"),
    2: ("skp-rumus-waktu", "1,76"),
    3: ("skp-tanpa-biaya", "target biaya"),
    4: ("skp-realisasi-nol", "realisasi kuantitas nol"),
    5: ("skp-nilai-capaian-total", "kreativitas"),
    6: ("mutasi-dua-jabatan", "rata-rata sederhana"),
    7: ("perilaku-kepemimpinan", "kepemimpinan"),
    8: ("nilai-prestasi-kerja-rumus", "belum dibulatkan"),
    9: ("sebutan-batas-desimal", "90,995"),
    10: ("ruleset-periode", "ruleset"),
    11: ("skp-templat-jabatan", "templat"),
    12: ("skp-kontrak-kerja", "kontrak kerja"),
    13: ("keberatan-penilaian", "14 hari"),
    14: ("des-target-bulanan", "target tahunan"),
    15: ("des-status-aktivitas", "dikunci"),
    16: ("des-batas-pengisian", "tanggal 5"),
    17: ("nip-struktur", "18 digit"),
}

# DOMAIN.md §6: every typical question (numbered 1-38 there) has an entry that answers it.
SECTION_6_COVERAGE = {
    1: "skp-kontrak-kerja",
    2: "pp46-bobot-skp-perilaku",
    3: "penilaian-waktu-pelaksanaan",
    4: "skp-nilai-lebih-100",
    5: "skp-waktu-tepat-76",
    6: "skp-tanpa-biaya",
    7: "skp-target-kualitas-100",
    8: "perilaku-kepemimpinan",
    9: "tugas-tambahan-nilai",
    10: "kreativitas-nilai",
    11: "mutasi-dua-jabatan",
    12: "nilai-bawahan-lebih-tinggi",
    13: "keberatan-penilaian",
    14: "target-faktor-luar-kendali",
    15: "sanksi-tidak-menyusun-skp",
    16: "kenaikan-pangkat-syarat-nilai",
    17: "sebutan-nilai",
    18: "des-kegiatan-proses",
    19: "des-jumlah-laporan-harian",
    20: "guru-menyusun-skp",
    21: "guru-contoh-ak-24-jtm",
    22: "guru-tugas-tambahan-jabatan",
    23: "guru-pkg-konversi-ak",
    24: "dosen-skp-tridharma",
    25: "tugas-belajar",
    26: "guru-pejabat-penilai",
    27: "kes-wajib-skp-cpns",
    28: "perawat-butir-kegiatan",
    29: "dokter-satuan-hasil",
    30: "perawat-terampil-ahli",
    31: "perawat-contoh-target-ak",
    32: "jft-skp-kolom-ak",
    33: "jft-kenaikan-pangkat",
    34: "jft-ak-konversi-predikat",
    35: "pp30-2019-bobot",
    36: "predikat-kinerja-matriks",
    37: "ekinerja-bkn-login",
    38: "pendekatan-kuantitatif-kualitatif",
}

# Canonical terms the brief requires, and informal spellings that must map to them.
REQUIRED_SYNONYM_TERMS = [
    "skp", "pns", "asn", "tpp", "jft", "jfu", "penilai", "capaian", "kinerja", "nilai", "perilaku",
    "keberatan", "cuti", "mutasi", "guru", "dosen", "perawat", "bidan", "dokter", "angka kredit",
]  # fmt: skip
REQUIRED_VARIANTS = {
    "bagaimana": ["gmn"],
    "yang": ["yg"],
    "kalau": ["kalo", "klo"],
    "tidak": ["tdk", "gak", "nggak"],
    "hitung": ["ngitung"],
    "terlambat": ["telat"],
    "tpp": ["tukin"],
    "angka kredit": ["ak", "pak"],
    "perilaku": ["prilaku"],
    "mutasi": ["pindah"],
    "capaian": ["realisasi"],
}


@pytest.fixture(scope="module")
def entries():
    return load_entries()


@pytest.fixture(scope="module")
def by_id(entries):
    return {entry.id: entry for entry in entries}


@pytest.fixture(scope="module")
def questions():
    return load_eval_questions()


def _plain(text: str) -> str:
    return text.replace("*", "").replace("`", "").lower()


def _normalised(text: str) -> str:
    return " ".join(text.lower().split())


# ---------------------------------------------------------------- entries


def test_at_least_ninety_entries_with_unique_ids(entries):
    ids = [entry.id for entry in entries]
    assert len(entries) >= 90
    assert len(set(ids)) == len(ids)


def test_every_field_is_present_and_valid(entries):
    for entry in entries:
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", entry.id), entry.id
        assert entry.judul.strip() and entry.jawaban.strip() and entry.rujukan.strip(), entry.id
        assert 3 <= len(entry.pertanyaan) <= 5, entry.id
        assert len({_normalised(p) for p in entry.pertanyaan}) == len(entry.pertanyaan), entry.id
        assert entry.kelompok and set(entry.kelompok) <= set(KELOMPOK), entry.id
        assert len(set(entry.kelompok)) == len(entry.kelompok), entry.id
        assert entry.ruleset in RULESETS, entry.id
        assert entry.tags and all(tag.strip() for tag in entry.tags), entry.id


def test_answers_are_between_60_and_250_words(entries):
    lengths = {entry.id: len(entry.jawaban.split()) for entry in entries}
    assert {i: n for i, n in lengths.items() if not 60 <= n <= 250} == {}


def test_phrasings_are_not_shared_between_entries(entries):
    owners = Counter(_normalised(p) for entry in entries for p in entry.pertanyaan)
    assert [p for p, n in owners.items() if n > 1] == []


@pytest.mark.parametrize("kelompok", KELOMPOK)
def test_each_group_has_at_least_eight_specific_entries(entries, kelompok):
    specific = [entry.id for entry in entries if entry.kelompok == (kelompok,)]
    assert len(specific) >= 8, specific


def test_both_rulesets_are_used(entries):
    assert {entry.ruleset for entry in entries} == set(RULESETS)


@pytest.mark.parametrize("rule", sorted(RULE_COVERAGE))
def test_every_project_rule_is_explained(by_id, rule):
    entry_id, key_term = RULE_COVERAGE[rule]
    assert entry_id in by_id, f"rule {rule}: entry {entry_id} is missing"
    assert key_term.lower() in _plain(by_id[entry_id].jawaban), f"rule {rule}: {entry_id} lacks {key_term!r}"


def test_every_section_6_question_has_an_answer(by_id):
    assert sorted(SECTION_6_COVERAGE) == list(range(1, 39))
    assert [i for i in SECTION_6_COVERAGE.values() if i not in by_id] == []


def test_worked_examples_carry_the_reference_numbers(by_id):
    # DOMAIN.md §2.6, examples A, C, D and E, as displayed in Indonesian notation.
    assert "85,50" in by_id["skp-nilai-kegiatan"].jawaban
    assert "81,67" in by_id["skp-selesai-terlalu-cepat"].jawaban
    assert "88,75" in by_id["skp-contoh-efisien"].jawaban
    example_d = by_id["umum-contoh-pejabat-struktural"].jawaban
    assert "96,41" in example_d and "80,17" in example_d and "89,91" in example_d
    example_e = by_id["umum-contoh-pelaksana"].jawaban
    assert "78,39" in example_e and "75,80" in example_e and "77,35" in example_e


def test_group_specific_entries_mention_their_group(entries):
    words = {
        "pendidik": ("guru", "dosen", "pkg", "sekolah"),
        "kesehatan": ("perawat", "bidan", "dokter", "apoteker", "kesehatan", "pasien"),
        "fungsional": ("fungsional", "jft", "jf ", "angka kredit"),
        "umum": ("struktural", "pelaksana", "eselon", "atasan", "staf", "kepala"),
    }
    for entry in entries:
        if len(entry.kelompok) == 1:
            text = _plain(entry.judul + " " + entry.jawaban)
            assert any(word in text for word in words[entry.kelompok[0]]), entry.id


# ---------------------------------------------------------------- synonyms


def test_synonyms_cover_required_terms_and_chat_spellings():
    synonyms = load_synonyms()
    assert len(synonyms) >= 60
    assert [t for t in REQUIRED_SYNONYM_TERMS if t not in synonyms] == []
    for term, variants in REQUIRED_VARIANTS.items():
        assert set(variants) <= set(synonyms[term]), term


def test_each_variant_maps_to_one_term_only():
    synonyms = load_synonyms()
    owners = Counter(variant for variants in synonyms.values() for variant in variants)
    assert [v for v, n in owners.items() if n > 1] == []
    assert [v for variants in synonyms.values() for v in variants if v in synonyms] == []
    assert all(term == term.lower() for term in synonyms)


# ---------------------------------------------------------------- evaluation set


def test_at_least_seventy_eval_questions_over_all_groups(questions):
    assert len(questions) >= 70
    assert {q.kelompok for q in questions if q.kelompok} == set(KELOMPOK)
    assert len({_normalised(q.pertanyaan) for q in questions}) == len(questions)


def test_eval_expectations_exist(questions, by_id):
    assert [q.expected for q in questions if q.expected not in by_id] == []


def test_eval_covers_most_entries(questions, entries):
    covered = {q.expected for q in questions}
    assert len(covered) >= 0.8 * len(entries)


def test_eval_questions_are_not_copied_from_entries(questions, entries):
    phrasings = {_normalised(p) for entry in entries for p in entry.pertanyaan}
    assert [q.pertanyaan for q in questions if _normalised(q.pertanyaan) in phrasings] == []


# ---------------------------------------------------------------- loader validation

_VALID = """
entries:
  - id: contoh-entri
    judul: Contoh
    pertanyaan: ["satu?", "dua?", "tiga?"]
    jawaban: Jawaban.
    kelompok: [umum]
    rujukan: PP 46/2011
    ruleset: pp46-2011
    tags: [contoh]
"""


def _write(tmp_path, text):
    path = tmp_path / "entries.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_loader_returns_frozen_entries(tmp_path):
    (entry,) = load_entries(_write(tmp_path, _VALID))
    assert entry.kelompok == ("umum",) and entry.pertanyaan == ("satu?", "dua?", "tiga?")
    with pytest.raises(AttributeError):
        entry.id = "lain"


@pytest.mark.parametrize(
    "old, new, field",
    [
        ("kelompok: [umum]", "kelompok: [umum, polisi]", "kelompok"),
        ("kelompok: [umum]", "kelompok: []", "kelompok"),
        ("    jawaban: Jawaban.\n", "", "jawaban"),
        ("rujukan: PP 46/2011", "rujukan: ''", "rujukan"),
        ("ruleset: pp46-2011", "ruleset: pp10-1979", "ruleset"),
        ('pertanyaan: ["satu?", "dua?", "tiga?"]', "pertanyaan: satu?", "pertanyaan"),
        ("tags: [contoh]", "tags: [contoh, '']", "tags"),
    ],
)
def test_loader_names_the_entry_and_field_at_fault(tmp_path, old, new, field):
    with pytest.raises(ValueError, match=rf"contoh-entri.*'{field}'"):
        load_entries(_write(tmp_path, _VALID.replace(old, new)))


def test_loader_rejects_duplicate_ids(tmp_path):
    doubled = _VALID + _VALID.split("entries:\n", 1)[1]
    with pytest.raises(ValueError, match=r"contoh-entri.*'id'"):
        load_entries(_write(tmp_path, doubled))


def test_eval_loader_rejects_unknown_kelompok(tmp_path):
    path = tmp_path / "eval.yaml"
    path.write_text("questions:\n  - pertanyaan: gmn?\n    kelompok: tni\n    expected: x\n", encoding="utf-8")
    with pytest.raises(ValueError, match="kelompok"):
        load_eval_questions(path)
