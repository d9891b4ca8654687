"""The SIASN-ready export (issue 22 item 7) as a contract: for every matrix cell the predikat sent to SIASN is the
matrix result of shared/PERMENPANRB_6_2022.md §3 (written out here, not read from the code under test), the ratings
and the predikat travel as SIASN's codes exactly, the fields are those of SIASN's two save endpoints; bad input
exits 2 naming each field. Also the installed `ekinerja skp siasn` command in a subprocess."""

from __future__ import annotations

import itertools
import json
import subprocess

import pytest

from ekinerja_platform.testing import REPO_ROOT
from ekinerja_rules.permenpanrb_6_2022.contract import InvalidPredikatInput
from ekinerja_rules.permenpanrb_6_2022.siasn import parse_siasn_input, siasn_export

pytestmark = pytest.mark.unit

EKINERJA = str(REPO_ROOT / ".venv" / "bin" / "ekinerja")
RATING_CODES = {"di_atas": 1, "sesuai": 2, "di_bawah": 3}
PREDIKAT_CODES = {"sangat_baik": 1, "baik": 2, "butuh_perbaikan": 3, "kurang": 4, "sangat_kurang": 5}
# §3, row = hasil kerja, column = perilaku
SPEC_MATRIX = {
    ("di_atas", "di_atas"): "sangat_baik", ("di_atas", "sesuai"): "baik", ("di_atas", "di_bawah"): "kurang",
    ("sesuai", "di_atas"): "baik", ("sesuai", "sesuai"): "baik", ("sesuai", "di_bawah"): "kurang",
    ("di_bawah", "di_atas"): "butuh_perbaikan", ("di_bawah", "sesuai"): "butuh_perbaikan",
    ("di_bawah", "di_bawah"): "sangat_kurang",
}
PENILAI = {"status": "ASN", "nip": "197001012000011002", "nama": "Budi Santoso", "jabatan": "Kepala Puskesmas",
           "unor": "Puskesmas Demo", "golongan": "III/d"}
SKP22_FIELDS = {"hasilKinerjaNilai", "perilakuKerjaNilai", "kuadranKinerjaNilai", "penilaiGolongan", "penilaiJabatan",
                "penilaiNama", "penilaiNipNrp", "penilaiUnorNama", "pnsDinilaiOrang", "statusPenilai", "tahun"}
PERIODIK_FIELDS = {"bulanMulaiPenilaian", "bulanSelesaiPenilaian", "hasilKinerjaNilai", "koefisienId",
                   "kuadranKinerjaNilai", "penilaiGolongan", "penilaiJabatanNama", "penilaiNama", "penilaiNipNrp",
                   "penilaiUnorNama", "perilakuKerjaNilai", "periodikId", "pnsDinilaiId", "statusPenilai", "tahun",
                   "tahunMulaiPenilaian", "tahunSelesaiPenilaian"}


def doc(**changes) -> dict:
    base = {"ruleset": "permenpanrb-6-2022", "pns_dinilai_id": "8ae4-siasn-id", "tahun": 2025,
            "hasil_kerja": "sesuai", "perilaku": "sesuai", "penilai": dict(PENILAI)}
    base.update(changes)
    return {k: v for k, v in base.items() if v is not None}


def export(data: dict) -> dict:
    return siasn_export(parse_siasn_input(data))


def test_the_spec_matrix_covers_every_cell():
    assert set(SPEC_MATRIX) == set(itertools.product(RATING_CODES, RATING_CODES))


@pytest.mark.parametrize(("hasil_kerja", "perilaku"), sorted(SPEC_MATRIX))
def test_the_predikat_sent_is_the_matrix_result_and_codes_map_exactly(hasil_kerja, perilaku):
    out = export(doc(hasil_kerja=hasil_kerja, perilaku=perilaku))
    expected = SPEC_MATRIX[(hasil_kerja, perilaku)]
    assert (out["predikat"], out["kode_predikat"]) == (expected, PREDIKAT_CODES[expected])
    for sent in (out["skp22"], out["kinerja_periodik"]):
        assert sent["kuadranKinerjaNilai"] == PREDIKAT_CODES[expected]
        assert sent["hasilKinerjaNilai"] == RATING_CODES[hasil_kerja]
        assert sent["perilakuKerjaNilai"] == RATING_CODES[perilaku]
        assert all(type(sent[k]) is int for k in ("kuadranKinerjaNilai", "hasilKinerjaNilai", "perilakuKerjaNilai"))


def test_a_whole_year_gives_both_documents_with_siasns_fields():
    out = export(doc(periodik_id="ref-tahunan", koefisien_id="ref-koef"))
    assert set(out["skp22"]) == SKP22_FIELDS and set(out["kinerja_periodik"]) == PERIODIK_FIELDS
    assert out["skp22"] == {
        "hasilKinerjaNilai": 2, "perilakuKerjaNilai": 2, "kuadranKinerjaNilai": 2, "penilaiGolongan": "III/d",
        "penilaiJabatan": "Kepala Puskesmas", "penilaiNama": "Budi Santoso", "penilaiNipNrp": "197001012000011002",
        "penilaiUnorNama": "Puskesmas Demo", "pnsDinilaiOrang": "8ae4-siasn-id", "statusPenilai": "ASN",
        "tahun": 2025}
    periodik = out["kinerja_periodik"]
    assert (periodik["bulanMulaiPenilaian"], periodik["bulanSelesaiPenilaian"], periodik["tahunMulaiPenilaian"],
            periodik["tahunSelesaiPenilaian"], periodik["periodikId"], periodik["koefisienId"],
            periodik["pnsDinilaiId"]) == (1, 12, 2025, 2025, "ref-tahunan", "ref-koef", "8ae4-siasn-id")


def test_a_quarter_gives_the_periodic_document_only():
    out = export(doc(bulan_mulai=4, bulan_selesai=6, hasil_kerja="di_bawah", perilaku="di_atas"))
    assert out["skp22"] is None
    assert (out["kinerja_periodik"]["bulanMulaiPenilaian"], out["kinerja_periodik"]["bulanSelesaiPenilaian"],
            out["kinerja_periodik"]["kuadranKinerjaNilai"]) == (4, 6, 3)


def test_a_penilai_who_is_no_civil_servant_needs_no_nip_nor_golongan():
    penilai = {"status": "NON ASN", "nama": "Bupati Demo", "jabatan": "Bupati", "unor": "Pemerintah Kabupaten Demo"}
    out = export(doc(penilai=penilai))
    assert (out["skp22"]["statusPenilai"], out["skp22"]["penilaiNipNrp"], out["skp22"]["penilaiGolongan"]) == (
        "NON ASN", None, None)


@pytest.mark.parametrize(("changes", "field"), [
    ({"ruleset": "pp46-2011"}, "ruleset"),
    ({"ruleset": None}, "ruleset"),
    ({"pns_dinilai_id": None}, "pns_dinilai_id"),
    ({"pns_dinilai_id": 123}, "pns_dinilai_id"),
    ({"tahun": 2021}, "tahun"),
    ({"tahun": "2025"}, "tahun"),
    ({"bulan_mulai": 0}, "bulan_mulai"),
    ({"bulan_selesai": 13}, "bulan_selesai"),
    ({"bulan_mulai": 7, "bulan_selesai": 6}, "bulan_selesai"),
    ({"hasil_kerja": "baik"}, "hasil_kerja"),
    ({"perilaku": None}, "perilaku"),
    ({"penilai": None}, "penilai"),
    ({"penilai": {**PENILAI, "status": "PNS"}}, "penilai.status"),
    ({"penilai": {**PENILAI, "nip": "1970"}}, "penilai.nip"),
    ({"penilai": {k: v for k, v in PENILAI.items() if k != "golongan"}}, "penilai.golongan"),
    ({"penilai": {**PENILAI, "jabatn": "x"}}, "penilai.jabatn"),
    ({"kuadran": 1}, "kuadran"),  # the predikat is never taken from the input
])
def test_bad_input_names_the_field(changes, field):
    with pytest.raises(InvalidPredikatInput) as error:
        parse_siasn_input(doc(**changes))
    assert field in [e.field for e in error.value.errors]
    assert "197001012000011002" not in str(error.value)  # a NIP is never echoed


def run(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([EKINERJA, "skp", "siasn", *args], input=stdin, capture_output=True, timeout=60)


def test_the_command_from_a_file_and_from_standard_input(tmp_path):
    path = tmp_path / "siasn.json"
    path.write_text(json.dumps(doc(hasil_kerja="di_atas", perilaku="di_atas")), encoding="utf-8")
    from_file = run(str(path))
    from_stdin = run("-", stdin=path.read_bytes())
    for done in (from_file, from_stdin):
        assert (done.returncode, done.stderr) == (0, b"")
        out = json.loads(done.stdout)
        assert (out["predikat"], out["skp22"]["kuadranKinerjaNilai"]) == ("sangat_baik", 1)


def test_the_command_on_bad_input_exits_2_on_standard_output_only():
    done = run("-", stdin=b'{"ruleset": "permenpanrb-6-2022", "tahun": 2025,')
    assert (done.returncode, done.stderr) == (2, b"")
    invalid = json.loads(done.stdout)
    assert invalid["status"] == "invalid" and [e["field"] for e in invalid["errors"]] == ["input"]
    done = run("-", stdin=json.dumps(doc(perilaku="luar_biasa")).encode())
    assert done.returncode == 2 and [e["field"] for e in json.loads(done.stdout)["errors"]] == ["perilaku"]
