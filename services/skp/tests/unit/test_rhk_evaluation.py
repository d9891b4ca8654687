"""The PermenPANRB 6/2022 SKP and periodic evaluation as domain rules (no database): cascading RHK, IKI per
approach, perspektif for JPT, BerAKHLAK ekspektasi, periods, ratings, and the predikat and angka kredit, which must
be exactly those of ekinerja_rules (the offline calculator's code)."""
from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import pytest

from ekinerja_platform.domain_errors import FailedPrecondition, InvalidArgument
from ekinerja_rules.permenpanrb_6_2022 import Jenjang, Predikat, Rating, angka_kredit, predikat_for
from ekinerja_rules.permenpanrb_6_2022.contract import evaluate, parse_predikat_input
from skp.domain import evaluation as ev
from skp.domain import rhk

pytestmark = pytest.mark.unit

ATASAN = {"a-1": {"rhk_id": "a-1", "uraian": "Meningkatnya kualitas layanan"},
          "a-2": {"rhk_id": "a-2", "uraian": "Tersusunnya laporan"}}
IKI = rhk.IkiInput(uraian="Jumlah laporan", aspek="kuantitas", target="12", satuan="laporan")


def item(**kw):
    return rhk.RhkInput(**{"jenis": "utama", "uraian": "Tersusunnya laporan bulanan", "rhk_atasan_id": "a-2",
                           "iki": (IKI,), **kw})


def field_of(call) -> tuple[str, str]:
    with pytest.raises((InvalidArgument, FailedPrecondition)) as error:
        call()
    return error.value.kind, error.value.field


# --- the plan -----------------------------------------------------------------------------------------------------


def test_an_rhk_serves_one_of_the_atasans_approved_rhk():
    pendekatan, plan = rhk.validate_plan("kuantitatif", [item()], "pelaksana", ATASAN)
    assert pendekatan == "kuantitatif"
    [stored] = plan
    assert (stored["rhk_atasan_id"], stored["rhk_atasan_uraian"], stored["nomor"]) == ("a-2", "Tersusunnya laporan", 1)
    assert stored["iki"][0]["target"] == "12" and stored["iki"][0]["aspek"] == "kuantitas"


def test_an_rhk_not_on_the_atasans_approved_list_is_refused_naming_the_field():
    assert field_of(lambda: rhk.validate_plan("kuantitatif", [item(), item(rhk_atasan_id="x-9")], "pelaksana",
                                              ATASAN)) == ("invalid_argument", "rhk[1].rhk_atasan_id")
    assert field_of(lambda: rhk.validate_plan("kuantitatif", [item(rhk_atasan_id="")], "pelaksana",
                                              ATASAN)) == ("invalid_argument", "rhk[0].rhk_atasan_id")


def test_without_an_approved_atasan_plan_there_is_nothing_to_cascade_from():
    assert field_of(lambda: rhk.validate_plan("kuantitatif", [item()], "pelaksana", None)) == (
        "failed_precondition", "rhk[0].rhk_atasan_id")


def test_a_jpt_rhk_may_come_from_the_organisations_plan_and_needs_a_perspektif():
    jpt = item(rhk_atasan_id="", sasaran_organisasi="Meningkatnya IPM", perspektif="penerima layanan")
    _, [stored] = rhk.validate_plan("kuantitatif", [jpt], "struktural_jpt", None)
    assert (stored["sasaran_organisasi"], stored["perspektif"], stored["rhk_atasan_id"]) == (
        "Meningkatnya IPM", "penerima layanan", None)
    assert field_of(lambda: rhk.validate_plan("kuantitatif", [item(perspektif="")], "struktural_jpt", ATASAN)) == (
        "invalid_argument", "rhk[0].perspektif")
    assert field_of(lambda: rhk.validate_plan("kuantitatif", [item(perspektif="anggaran")], "pelaksana", ATASAN)) == (
        "invalid_argument", "rhk[0].perspektif")
    assert field_of(lambda: rhk.validate_plan("kuantitatif", [item(sasaran_organisasi="x")], "pelaksana",
                                              ATASAN)) == ("invalid_argument", "rhk[0].sasaran_organisasi")


@pytest.mark.parametrize("iki, where", [
    (rhk.IkiInput(uraian="x", aspek="mutu", target="1", satuan="s"), "aspek"),
    (rhk.IkiInput(uraian="x", aspek="waktu", target="0", satuan="bulan"), "target"),
    (rhk.IkiInput(uraian="x", aspek="waktu", target="banyak", satuan="bulan"), "target"),
    (rhk.IkiInput(uraian="x", aspek="biaya", target="10"), "satuan"),
    (rhk.IkiInput(aspek="biaya", target="10", satuan="rupiah"), "uraian"),
])
def test_a_quantitative_iki_needs_aspect_target_and_unit(iki, where):
    assert field_of(lambda: rhk.validate_plan("kuantitatif", [item(iki=(IKI, iki))], "pelaksana", ATASAN)) == (
        "invalid_argument", f"rhk[0].iki[1].{where}")


def test_a_qualitative_iki_is_a_described_expected_result_without_a_number():
    qual = rhk.IkiInput(uraian="Kualitas layanan", ekspektasi="Layanan tanpa keluhan berulang")
    _, [stored] = rhk.validate_plan("kualitatif", [item(iki=(qual,))], "pelaksana", ATASAN)
    assert stored["iki"][0]["ekspektasi"] == "Layanan tanpa keluhan berulang" and stored["iki"][0]["target"] is None
    assert field_of(lambda: rhk.validate_plan("kualitatif", [item()], "pelaksana", ATASAN)) == (
        "invalid_argument", "rhk[0].iki[0].aspek")
    assert field_of(lambda: rhk.validate_plan("kualitatif", [item(iki=(rhk.IkiInput(uraian="x"),))], "pelaksana",
                                              ATASAN)) == ("invalid_argument", "rhk[0].iki[0].ekspektasi")


def test_vocabularies_and_shape():
    assert field_of(lambda: rhk.validate_plan("campuran", [item()], "pelaksana", ATASAN)) == (
        "invalid_argument", "pendekatan")
    assert field_of(lambda: rhk.validate_plan("kuantitatif", [item(jenis="pokok")], "pelaksana", ATASAN)) == (
        "invalid_argument", "rhk[0].jenis")
    assert field_of(lambda: rhk.validate_plan("kuantitatif", [item(iki=())], "pelaksana", ATASAN)) == (
        "invalid_argument", "rhk[0].iki")


def test_ids_are_kept_for_known_items_and_refused_for_foreign_ones():
    _, first = rhk.validate_plan("kuantitatif", [item()], "pelaksana", ATASAN)
    known = rhk.ids_of(first)
    rhk_id, iki_id = first[0]["rhk_id"], first[0]["iki"][0]["iki_id"]
    again = item(rhk_id=rhk_id, iki=(rhk.IkiInput(iki_id, "Jumlah laporan", "kuantitas", "10", "laporan"),))
    _, second = rhk.validate_plan("kuantitatif", [again], "pelaksana", ATASAN, known)
    assert (second[0]["rhk_id"], second[0]["iki"][0]["iki_id"], second[0]["iki"][0]["target"]) == (
        rhk_id, iki_id, "10")
    assert field_of(lambda: rhk.validate_plan("kuantitatif", [item(rhk_id="nope")], "pelaksana", ATASAN,
                                              known)) == ("invalid_argument", "rhk[0].rhk_id")
    assert field_of(lambda: rhk.validate_plan("kuantitatif", [item(rhk_id=iki_id)], "pelaksana", ATASAN,
                                              known)) == ("invalid_argument", "rhk[0].rhk_id")  # an IKI's id
    assert field_of(lambda: rhk.validate_plan("kuantitatif", [item(rhk_id=rhk_id), item(rhk_id=rhk_id)],
                                              "pelaksana", ATASAN, known)) == ("invalid_argument", "rhk[1].rhk_id")


def test_submitting_needs_an_rhk_utama_and_a_penilai():
    _, plan = rhk.validate_plan("kuantitatif", [item(jenis="tambahan")], "pelaksana", ATASAN)
    assert field_of(lambda: rhk.check_submittable(plan, "1970")) == ("failed_precondition", "rhk")
    _, plan = rhk.validate_plan("kuantitatif", [item()], "pelaksana", ATASAN)
    rhk.check_submittable(plan, "1970")
    assert field_of(lambda: rhk.check_submittable(plan, None)) == ("failed_precondition", "penilai_nip")


def test_the_seven_berakhlak_values_and_the_penilais_ekspektasi():
    assert list(rhk.BERAKHLAK) == ["berorientasi_pelayanan", "akuntabel", "kompeten", "harmonis", "loyal",
                                   "adaptif", "kolaboratif"]
    assert rhk.validate_ekspektasi({"loyal": " Menjaga rahasia data ", "adaptif": " "}) == {
        "loyal": "Menjaga rahasia data"}
    assert field_of(lambda: rhk.validate_ekspektasi({"integritas": "x"})) == ("invalid_argument",
                                                                              "ekspektasi.integritas")


def test_lampiran_has_the_three_parts():
    assert rhk.validate_lampiran({"konsekuensi": ["Sanksi sesuai PP 94/2021"]}) == {
        "dukungan_sumber_daya": [], "skema_pertanggungjawaban": [], "konsekuensi": ["Sanksi sesuai PP 94/2021"]}
    assert field_of(lambda: rhk.validate_lampiran({"konsekuensi": ["ok", " "]})) == (
        "invalid_argument", "lampiran.konsekuensi[1]")


def test_only_a_document_made_under_6_2022_takes_these_rpcs():
    rhk.check_ruleset("permenpanrb-6-2022")
    assert field_of(lambda: rhk.check_ruleset("pp46-2011")) == ("failed_precondition", "ruleset")


# --- periods and ratings ------------------------------------------------------------------------------------------


def test_periods_monthly_quarterly_yearly_and_the_months_the_document_covers():
    start, end = dt.date(2024, 7, 15), dt.date(2024, 12, 31)
    assert ev.periode_of_document("2024-08", "pelaksana", start, end)[1] == 1
    periode, bulan = ev.periode_of_document("2024-Q3", "pelaksana", start, end)
    assert (periode.jenis, periode.start, periode.end, bulan) == ("triwulanan", dt.date(2024, 7, 1),
                                                                 dt.date(2024, 9, 30), 3)
    assert ev.periode_of_document("2024", "pelaksana", start, end)[1] == 6  # the year: July .. December
    assert ev.periode_of_document("2024-Q4", "struktural_jpt", start, end)[1] == 3


@pytest.mark.parametrize("text", ["", "2024-13", "2024-Q5", "24-01", "2024/01", "2024-1", "Q1-2024"])
def test_a_malformed_period_is_refused(text):
    assert field_of(lambda: ev.parse_periode(text)) == ("invalid_argument", "periode")


def test_a_period_outside_the_document_and_a_month_for_a_jpt_are_refused():
    start, end = dt.date(2024, 1, 1), dt.date(2024, 12, 31)
    assert field_of(lambda: ev.periode_of_document("2025-01", "pelaksana", start, end)) == (
        "invalid_argument", "periode")
    assert field_of(lambda: ev.periode_of_document("2024-03", "struktural_jpt", start, end)) == (
        "invalid_argument", "periode")
    assert field_of(lambda: ev.check_started(ev.parse_periode("2024-03"), dt.date(2024, 2, 29))) == (
        "failed_precondition", "periode")


@pytest.mark.parametrize("value", ["", "baik", "DI_ATAS", "diatas", "1"])
def test_a_rating_outside_the_vocabulary_is_refused(value):
    assert field_of(lambda: ev.parse_rating(value, "hasil_kerja")) == ("invalid_argument", "hasil_kerja")


def test_every_matrix_cell_and_its_angka_kredit_are_the_libs_results():
    """The service's outcome is the offline calculator's: the same matrix, the same angka kredit (§3, §5)."""
    for hasil, perilaku, jenjang, bulan in itertools.product(Rating, Rating, Jenjang, (1, 3, 12)):
        got = ev.outcome(hasil, perilaku, jenjang, bulan)
        document = {"ruleset": "permenpanrb-6-2022", "pegawai": [
            {"id": "p", "hasil_kerja": hasil.value, "perilaku": perilaku.value, "jenjang": jenjang.value,
             "bulan": bulan}]}
        [offline] = evaluate(parse_predikat_input(document)).pegawai
        assert (got.predikat, got.angka_kredit) == (offline.predikat, offline.angka_kredit)
        assert got.predikat == predikat_for(hasil, perilaku)
    assert ev.outcome(Rating.DI_ATAS, Rating.DI_BAWAH, None, 12) == ev.Outcome(Predikat.KURANG, None)


def test_angka_kredit_examples_for_a_year_and_a_quarter():
    assert ev.outcome(Rating.DI_ATAS, Rating.DI_ATAS, Jenjang.AHLI_PERTAMA, 12).angka_kredit == Decimal("18.750")
    assert ev.outcome(Rating.SESUAI, Rating.SESUAI, Jenjang.AHLI_MUDA, 3).angka_kredit == Decimal("6.250")
    assert angka_kredit(Jenjang.AHLI_MUDA, Predikat.BAIK, 3) == Decimal("6.250")


def test_the_jenjang_as_identity_writes_it_earns_angka_kredit_only_for_jabatan_fungsional():
    assert ev.jenjang_of("fungsional_tertentu", "Ahli Muda") == Jenjang.AHLI_MUDA
    assert ev.jenjang_of("fungsional_tertentu", "terampil") == Jenjang.TERAMPIL
    assert ev.jenjang_of("fungsional_tertentu", "guru muda") is None
    assert ev.jenjang_of("pelaksana", "Ahli Muda") is None
    assert ev.jenjang_of("fungsional_tertentu", None) is None


# --- realisation and feedback -------------------------------------------------------------------------------------


def test_realisation_is_a_number_for_the_quantitative_approach_and_a_description_for_the_qualitative():
    iki = {"iki_id": "k-1"}
    assert ev.validate_realisasi(iki, "kuantitatif", "3.5", "", ["act-1"]) == {
        "iki_id": "k-1", "realisasi": "3.5", "uraian": None, "bukti": ["act-1"]}
    assert field_of(lambda: ev.validate_realisasi(iki, "kuantitatif", "-1", "", [])) == (
        "invalid_argument", "realisasi")
    assert field_of(lambda: ev.validate_realisasi(iki, "kualitatif", "3", "ok", [])) == (
        "invalid_argument", "realisasi")
    assert field_of(lambda: ev.validate_realisasi(iki, "kualitatif", "", "", [])) == ("invalid_argument", "uraian")


def test_feedback_is_about_exactly_one_approved_rhk_or_one_berakhlak_value():
    approved = {"r-1": {}}
    assert ev.validate_feedback("r-1", "", "Pertahankan", approved)["rhk_id"] == "r-1"
    assert ev.validate_feedback("", "kolaboratif", "Libatkan tim", approved)["perilaku"] == "kolaboratif"
    assert field_of(lambda: ev.validate_feedback("r-1", "loyal", "x", approved))[0] == "invalid_argument"
    assert field_of(lambda: ev.validate_feedback("", "", "x", approved)) == ("invalid_argument", "perilaku")
    assert field_of(lambda: ev.validate_feedback("r-9", "", "x", approved)) == ("invalid_argument", "rhk_id")
    assert field_of(lambda: ev.validate_feedback("", "integritas", "x", approved)) == ("invalid_argument", "perilaku")
    assert field_of(lambda: ev.validate_feedback("r-1", "", " ", approved)) == ("invalid_argument", "catatan")


def test_a_rated_period_is_closed_and_rating_needs_every_iki_realised():
    ev.check_open(None)
    ev.check_open({"predikat": None})
    assert field_of(lambda: ev.check_open({"predikat": "baik"})) == ("failed_precondition", "periode")
    iki = {"k-1": {"iki_id": "k-1", "nomor": 1, "uraian": "Jumlah laporan"},
           "k-2": {"iki_id": "k-2", "nomor": 2, "uraian": "Ketepatan waktu"}}
    assert ev.missing_realisasi(iki, {"k-1": {}}) == ["IKI 2 (Ketepatan waktu)"]
