"""skp's events built on the payload definitions (ekinerja_events.skp) are, as JSON, byte for byte what the hand-built
dicts sent before them (version 1 keeps its wire format: same keys, order, values). The expected strings were printed
by the dict-building producers on these documents."""
import datetime as dt
import json
import uuid
from decimal import Decimal

import pytest

from ekinerja_platform.envelope import check_event
from skp.application import events_622, handlers

pytestmark = pytest.mark.unit


class Recorder:
    def __init__(self):
        self.events = []

    def record(self, event):
        self.events.append(check_event(event))


NIP, KASI, KABID = "198001012006041001", "197501012000031002", "197001011995031003"
DOC = {"skp_id": uuid.UUID(int=7), "nip": NIP, "instansi_id": "i-1", "unit_id": "u-1", "jabatan_id": "j-1",
       "ruleset": "permenpanrb-6-2022", "period_start": dt.date(2024, 1, 1), "period_end": dt.date(2024, 12, 31),
       "penilai_nip": KASI, "atasan_penilai_nip": None, "version": 6,
       "approved_targets": [{"kegiatan_id": "k-1", "nomor": 1, "nama": "Menyusun laporan", "satuan": "dokumen",
                             "kuantitas": "12", "kualitas": "100", "waktu": "12", "biaya": None, "angka_kredit": None},
                            {"kegiatan_id": "k-2", "nomor": 2, "nama": "Rapat", "satuan": "kali",
                             "kuantitas": "4.17", "kualitas": "90.50", "waktu": "5", "biaya": "1500000.00",
                             "angka_kredit": "0.125"}]}
RESULT = {"nilai_capaian_skp": "85.50", "nilai_perilaku": None, "nilai_prestasi_kerja": "83.3", "sebutan": "Baik"}
APPROVED = [{"rhk_id": "r1", "nomor": 1, "jenis": "utama", "uraian": "Layanan daring", "rhk_atasan_id": "a1",
             "iki": [{"iki_id": "i1", "nomor": 1, "uraian": "Aplikasi", "aspek": "kuantitas", "target": "4",
                      "satuan": "aplikasi", "ekspektasi": None},
                     {"iki_id": "i2", "nomor": 2, "uraian": "Mutu", "aspek": None, "target": None,
                      "satuan": None, "ekspektasi": None}]}]
EVALUATION = {"periode": "2024-Q1", "jenis_periode": "triwulanan", "period_start": dt.date(2024, 1, 1),
              "period_end": dt.date(2024, 3, 31), "bulan": 3, "unit_id": "u-1", "rated_by": KASI,
              "hasil_kerja": "di_bawah", "perilaku": "sesuai", "predikat": "butuh_perbaikan",
              "jenjang": "ahli_pertama", "angka_kredit": Decimal("2.34375"),
              "rated_at": dt.datetime(2024, 4, 2, 1, 30, 0, 123456, tzinfo=dt.timezone.utc),
              "realisasi": {"i1": {"realisasi": "3", "uraian": None, "bukti": ["a", "b"]}}}


def wire(publish, *args):
    recorder = Recorder()
    publish(recorder, *args)
    [event] = recorder.events
    assert (event.producer, event.schema_version, event.nip, event.instansi_id) == ("skp", 1, NIP, "i-1")
    return event.event_type, json.dumps(event.data)


def test_skp_approved():
    assert wire(handlers.publish_approved, DOC) == (
        "skp_approved",
        '{"skp_id": "00000000-0000-0000-0000-000000000007", "nip": "198001012006041001", "instansi_id": "i-1"'
        ', "unit_id": "u-1", "jabatan_id": "j-1", "period_start": "2024-01-01", "period_end": "2024-12-31", "'
        'penilai_nip": "197501012000031002", "atasan_penilai_nip": null, "kegiatan": [{"kegiatan_id": "k-1", '
        '"nomor": 1, "nama": "Menyusun laporan", "satuan": "dokumen", "kuantitas": "12", "kualitas": "100", "'
        'waktu": "12", "biaya": null}, {"kegiatan_id": "k-2", "nomor": 2, "nama": "Rapat", "satuan": "kali", '
        '"kuantitas": "4.17", "kualitas": "90.50", "waktu": "5", "biaya": "1500000.00"}], "version": 6}')


def test_skp_scored():
    assert wire(handlers.publish_scored, DOC, RESULT) == (
        "skp_scored",
        '{"skp_id": "00000000-0000-0000-0000-000000000007", "nip": "198001012006041001", "instansi_id": "i-1"'
        ', "unit_id": "u-1", "year": 2024, "penilai_nip": "197501012000031002", "nilai_capaian_skp": "85.50",'
        ' "nilai_perilaku": null, "nilai_prestasi_kerja": "83.3", "sebutan": "Baik"}')


def test_skp_closed_moved():
    assert wire(handlers.publish_closed, DOC, "moved", None) == (
        "skp_closed",
        '{"skp_id": "00000000-0000-0000-0000-000000000007", "nip": "198001012006041001", "instansi_id": "i-1"'
        ', "period_end": "2024-12-31", "reason": "moved", "nilai_prestasi_kerja": null, "kegiatan": [{"kegiat'
        'an_id": "k-1", "kuantitas": "12"}, {"kegiatan_id": "k-2", "kuantitas": "4.17"}]}')


def test_skp_closed_never_approved():
    assert wire(handlers.publish_closed, {**DOC, "approved_targets": None}, "final", "83.30") == (
        "skp_closed",
        '{"skp_id": "00000000-0000-0000-0000-000000000007", "nip": "198001012006041001", "instansi_id": "i-1"'
        ', "period_end": "2024-12-31", "reason": "final", "nilai_prestasi_kerja": "83.30", "kegiatan": []}')


def test_rencana_kinerja_approved():
    assert wire(events_622.publish_plan_approved, DOC, "kuantitatif", APPROVED) == (
        "rencana_kinerja_approved",
        '{"skp_id": "00000000-0000-0000-0000-000000000007", "nip": "198001012006041001", "instansi_id": "i-1"'
        ', "unit_id": "u-1", "jabatan_id": "j-1", "ruleset": "permenpanrb-6-2022", "period_start": "2024-01-0'
        '1", "period_end": "2024-12-31", "penilai_nip": "197501012000031002", "atasan_penilai_nip": null, "pe'
        'ndekatan": "kuantitatif", "rhk": [{"rhk_id": "r1", "nomor": 1, "jenis": "utama", "uraian": "Layanan '
        'daring", "iki": [{"iki_id": "i1", "nomor": 1, "uraian": "Aplikasi", "aspek": "kuantitas", "target": '
        '"4", "satuan": "aplikasi"}, {"iki_id": "i2", "nomor": 2, "uraian": "Mutu", "aspek": null, "target": '
        'null, "satuan": null}]}], "version": 6}')


def test_evaluasi_rated():
    assert wire(events_622.publish_rated, DOC, EVALUATION, APPROVED) == (
        "evaluasi_rated",
        '{"skp_id": "00000000-0000-0000-0000-000000000007", "nip": "198001012006041001", "instansi_id": "i-1"'
        ', "unit_id": "u-1", "periode": "2024-Q1", "jenis_periode": "triwulanan", "period_start": "2024-01-01'
        '", "period_end": "2024-03-31", "bulan": 3, "penilai_nip": "197501012000031002", "hasil_kerja": "di_b'
        'awah", "perilaku": "sesuai", "kode_hasil_kerja": 3, "kode_perilaku": 2, "predikat": "butuh_perbaikan'
        '", "kode_predikat": 3, "jenjang": "ahli_pertama", "angka_kredit": "2.344", "rated_at": "2024-04-02T0'
        '1:30:00.123456+00:00", "realisasi": [{"rhk_id": "r1", "rhk_uraian": "Layanan daring", "iki_id": "i1"'
        ', "nomor": "1.1", "uraian": "Aplikasi", "aspek": "kuantitas", "target": "4", "satuan": "aplikasi", "'
        'realisasi": "3", "uraian_realisasi": null, "bukti": ["a", "b"]}, {"rhk_id": "r1", "rhk_uraian": "Lay'
        'anan daring", "iki_id": "i2", "nomor": "1.2", "uraian": "Mutu", "aspek": null, "target": null, "satu'
        'an": null, "realisasi": null, "uraian_realisasi": null, "bukti": []}]}')


def test_evaluasi_rated_unfinished():
    unfinished = {**EVALUATION, "angka_kredit": None, "rated_at": None, "realisasi": None}
    assert wire(events_622.publish_rated, DOC, unfinished, APPROVED) == (
        "evaluasi_rated",
        '{"skp_id": "00000000-0000-0000-0000-000000000007", "nip": "198001012006041001", "instansi_id": "i-1"'
        ', "unit_id": "u-1", "periode": "2024-Q1", "jenis_periode": "triwulanan", "period_start": "2024-01-01'
        '", "period_end": "2024-03-31", "bulan": 3, "penilai_nip": "197501012000031002", "hasil_kerja": "di_b'
        'awah", "perilaku": "sesuai", "kode_hasil_kerja": 3, "kode_perilaku": 2, "predikat": "butuh_perbaikan'
        '", "kode_predikat": 3, "jenjang": "ahli_pertama", "angka_kredit": null, "rated_at": null, "realisasi'
        '": [{"rhk_id": "r1", "rhk_uraian": "Layanan daring", "iki_id": "i1", "nomor": "1.1", "uraian": "Apli'
        'kasi", "aspek": "kuantitas", "target": "4", "satuan": "aplikasi", "realisasi": null, "uraian_realisa'
        'si": null, "bukti": []}, {"rhk_id": "r1", "rhk_uraian": "Layanan daring", "iki_id": "i2", "nomor": "'
        '1.2", "uraian": "Mutu", "aspek": null, "target": null, "satuan": null, "realisasi": null, "uraian_re'
        'alisasi": null, "bukti": []}]}')
