"""The 6/2022 events' contents and the realisation taken from DES, as domain rules (no database): the plan event
carries every RHK and IKI with its id; the rated event one line per IKI of the approved plan, the rated figure and
the SIASN codes; the DES figure is refused next to a typed number and when there is no DES work."""
from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest

from ekinerja_platform.domain_errors import FailedPrecondition, InvalidArgument
from skp.application import events_622
from skp.domain import evaluation as ev

pytestmark = pytest.mark.unit

APPROVED = [
    {"rhk_id": "r1", "nomor": 1, "jenis": "utama", "uraian": "Layanan daring", "rhk_atasan_id": "a1",
     "iki": [{"iki_id": "i1", "nomor": 1, "uraian": "Aplikasi", "aspek": "kuantitas", "target": "4",
              "satuan": "aplikasi", "ekspektasi": None},
             {"iki_id": "i2", "nomor": 2, "uraian": "Ketersediaan", "aspek": "kualitas", "target": "99.5",
              "satuan": "persen", "ekspektasi": None}]},
    {"rhk_id": "r2", "nomor": 2, "jenis": "tambahan", "uraian": "Kajian", "rhk_atasan_id": "a2",
     "iki": [{"iki_id": "i3", "nomor": 1, "uraian": "Kajian", "aspek": "waktu", "target": "2", "satuan": "bulan",
              "ekspektasi": None}]},
]
DOC = {"skp_id": uuid.UUID(int=7), "nip": "199003032015031202", "instansi_id": "i-1", "unit_id": "u-1",
       "jabatan_id": "j-1", "ruleset": "permenpanrb-6-2022", "period_start": dt.date(2024, 1, 1),
       "period_end": dt.date(2024, 12, 31), "penilai_nip": "197502022000031201", "atasan_penilai_nip": None,
       "version": 6}


def test_the_plan_event_carries_every_rhk_and_iki_with_its_id():
    data = events_622.plan_payload(DOC, "kuantitatif", APPROVED).to_data()
    assert (data["skp_id"], data["ruleset"], data["period_start"], data["version"]) == (
        str(DOC["skp_id"]), "permenpanrb-6-2022", "2024-01-01", 6)
    assert [(r["rhk_id"], [i["iki_id"] for i in r["iki"]]) for r in data["rhk"]] == [("r1", ["i1", "i2"]),
                                                                                      ("r2", ["i3"])]
    assert data["rhk"][0]["iki"][1] == {"iki_id": "i2", "nomor": 2, "uraian": "Ketersediaan", "aspek": "kualitas",
                                        "target": "99.5", "satuan": "persen"}


def test_the_rated_event_has_one_line_per_approved_iki_and_the_siasn_codes():
    evaluation = {"periode": "2024-Q1", "jenis_periode": "triwulanan", "period_start": dt.date(2024, 1, 1),
                  "period_end": dt.date(2024, 3, 31), "bulan": 3, "unit_id": "u-1", "rated_by": DOC["penilai_nip"],
                  "hasil_kerja": "di_bawah", "perilaku": "sesuai", "predikat": "butuh_perbaikan",
                  "jenjang": "ahli_pertama", "angka_kredit": Decimal("2.34375").quantize(Decimal("0.001")),
                  "rated_at": dt.datetime(2024, 4, 2, tzinfo=dt.timezone.utc),
                  "realisasi": {"i1": {"realisasi": "3", "uraian": None, "bukti": ["a", "b"]},
                                "i3": {"realisasi": "2", "uraian": "selesai", "bukti": []},
                                "i2": {"realisasi": "99.1", "uraian": None, "bukti": []}}}
    data = events_622.rated_payload(DOC, evaluation, APPROVED).to_data()
    assert (data["kode_hasil_kerja"], data["kode_perilaku"], data["predikat"], data["kode_predikat"]) == (
        3, 2, "butuh_perbaikan", 3)
    assert data["angka_kredit"] == "2.344" and data["period_end"] == "2024-03-31"
    assert [(x["nomor"], x["iki_id"], x["rhk_id"], x["target"], x["realisasi"], x["bukti"])
            for x in data["realisasi"]] == [("1.1", "i1", "r1", "4", "3", ["a", "b"]),
                                            ("1.2", "i2", "r1", "99.5", "99.1", []),
                                            ("2.1", "i3", "r2", "2", "2", [])]
    unrated = events_622.rated_payload(DOC, {**evaluation, "angka_kredit": None}, APPROVED)
    assert unrated.to_data()["angka_kredit"] is None


def test_the_des_figure_is_the_recognised_total_for_the_quantitative_approach():
    assert ev.from_des("kuantitatif", "", Decimal("3.50"), ["a1", "a2"]) == "3.5"
    assert ev.from_des("kuantitatif", "  ", Decimal("0"), ["a1"]) == "0"  # only "proses" work: 0, still bukti
    assert ev.from_des("kualitatif", "", Decimal("0"), ["a1"]) == ""  # described by the employee


def test_the_des_figure_is_refused_next_to_a_typed_number_or_without_des_work():
    with pytest.raises(InvalidArgument) as error:
        ev.from_des("kuantitatif", "5", Decimal("3"), ["a1"])
    assert error.value.field == "realisasi"
    with pytest.raises(FailedPrecondition) as error:
        ev.from_des("kuantitatif", "", Decimal("0"), [])
    assert error.value.field == "dari_des"
