"""The PermenPANRB 6/2022 periodic evaluation's use cases (application/evaluation.py) on the in-memory unit of work
(tests/skp_fakes.py): realisation per IKI (typed or from DES), feedback, the rating with its predikat and
``evaluasi_rated``, the dokumen evaluasi and the SIASN export of a finalised period. No database."""
from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from skp_fakes import FakeSkpUnitOfWork, new_document

from ekinerja_platform.domain_errors import FailedPrecondition, InvalidArgument, PermissionDenied
from ekinerja_platform.tokens import Principal
from skp.application import evaluation
from skp.domain import document as d
from skp.domain.rhk import RULESET_622

pytestmark = pytest.mark.unit

NIP, PENILAI_NIP = "199001012015011001", "198001012005011002"
OWNER = Principal(subject=NIP, roles=("pegawai",), instansi_id="inst-1", nip=NIP)
PENILAI = Principal(subject=PENILAI_NIP, roles=("pegawai",), instansi_id="inst-1", nip=PENILAI_NIP)
IKI = "0b7e9a51-3a7c-4c55-9a0f-6f1f3f5d2a11"
APRIL = dt.date(2025, 4, 2)


@pytest.fixture
def uow():
    return FakeSkpUnitOfWork()


def approved(uow) -> str:
    doc = uow.documents.add(new_document(ruleset=RULESET_622, status=d.APPROVED, period_start=dt.date(2025, 1, 1),
                                         period_end=dt.date(2025, 12, 31)))
    uow.plans.save(doc["skp_id"], approved_pendekatan="kuantitatif", approved_rhk=[{
        "rhk_id": "rhk-1", "nomor": 1, "jenis": "utama", "uraian": "Tersusunnya laporan", "iki": [{
            "iki_id": IKI, "nomor": 1, "uraian": "Jumlah laporan", "aspek": "kuantitas", "target": "12",
            "satuan": "laporan"}]}])
    return str(doc["skp_id"])


def test_the_employee_enters_the_realisation_of_a_started_period_of_the_cadence(uow):
    skp_id = approved(uow)
    with pytest.raises(FailedPrecondition) as early:
        evaluation.set_realisasi(uow, OWNER, skp_id, "2025-Q3", IKI, "3", "", [], APRIL)
    assert early.value.field == "periode"
    with pytest.raises(InvalidArgument):  # a month in a quarterly instansi (the default cadence)
        evaluation.set_realisasi(uow, OWNER, skp_id, "2025-03", IKI, "3", "", [], APRIL)
    with pytest.raises(InvalidArgument) as other:
        evaluation.set_realisasi(uow, OWNER, skp_id, "2025-Q1", "iki-lain", "3", "", [], APRIL)
    assert other.value.field == "iki_id"
    with pytest.raises(PermissionDenied):
        evaluation.set_realisasi(uow, PENILAI, skp_id, "2025-Q1", IKI, "3", "", [], APRIL)
    view = evaluation.set_realisasi(uow, OWNER, skp_id, "2025-Q1", IKI, "3", "", ["laporan.pdf"], APRIL)
    assert view["evaluation"]["realisasi"][IKI] == {"iki_id": IKI, "realisasi": "3", "uraian": None,
                                                    "bukti": ["laporan.pdf"]}
    assert ("siklus:inst-1:2025", True) in uow.settings.held


def test_the_realisation_taken_from_des_sums_the_approved_work_and_cites_it(uow):
    skp_id = approved(uow)
    with pytest.raises(FailedPrecondition) as nothing:
        evaluation.set_realisasi(uow, OWNER, skp_id, "2025-Q1", IKI, "", "", [], APRIL, dari_des=True)
    assert nothing.value.field == "dari_des"
    uow.evaluations.des[IKI] = [(dt.date(2025, 2, 3), "act-1", Decimal(2), False),
                                (dt.date(2025, 3, 3), "act-2", Decimal(5), True),   # proses: cited, not counted
                                (dt.date(2025, 4, 3), "act-3", Decimal(9), False)]  # next quarter
    view = evaluation.set_realisasi(uow, OWNER, skp_id, "2025-Q1", IKI, "", "", [], APRIL, dari_des=True)
    item = view["evaluation"]["realisasi"][IKI]
    assert (item["realisasi"], item["bukti"], item["dari_des"]) == ("2", ["act-1", "act-2"], True)


def test_the_penilai_gives_feedback_about_one_rhk_or_one_value(uow):
    skp_id = approved(uow)
    with pytest.raises(InvalidArgument):
        evaluation.add_feedback(uow, PENILAI, skp_id, "2025-Q1", "rhk-1", "akuntabel", "dua sekaligus")
    with pytest.raises(PermissionDenied):
        evaluation.add_feedback(uow, OWNER, skp_id, "2025-Q1", "rhk-1", "", "catatan")
    row = evaluation.add_feedback(uow, PENILAI, skp_id, "2025-Q1", "rhk-1", "", "Laporan Maret terlambat")
    assert (row["rhk_id"], row["penilai_nip"], row["catatan"]) == ("rhk-1", PENILAI_NIP, "Laporan Maret terlambat")
    [view] = evaluation.list_evaluations(uow, OWNER, skp_id)  # feedback of a period with no realisation yet
    assert (view["periode"], view["evaluation"], len(view["feedback"])) == ("2025-Q1", None, 1)


def test_the_rating_needs_every_iki_realised_and_stores_the_predikat_once(uow):
    skp_id = approved(uow)
    with pytest.raises(FailedPrecondition) as missing:
        evaluation.rate(uow, PENILAI, skp_id, "2025-Q1", "sesuai", "di_atas", "", APRIL)
    assert missing.value.field == "realisasi"
    evaluation.set_realisasi(uow, OWNER, skp_id, "2025-Q1", IKI, "3", "", [], APRIL)
    with pytest.raises(InvalidArgument) as bad:
        evaluation.rate(uow, PENILAI, skp_id, "2025-Q1", "luar_biasa", "sesuai", "", APRIL)
    assert bad.value.field == "hasil_kerja"
    view = evaluation.rate(uow, PENILAI, skp_id, "2025-Q1", "sesuai", "sesuai", "Baik", APRIL)
    assert (view["evaluation"]["predikat"], view["evaluation"]["rated_by"]) == ("baik", PENILAI_NIP)
    [event] = uow.recorded("evaluasi_rated")
    assert (event["skp_id"], event["periode"], event["predikat"]) == (skp_id, "2025-Q1", "baik")
    assert [line["realisasi"] for line in event["realisasi"]] == ["3"]
    assert uow.settings.recorded[("inst-1", "2025-Q1", NIP)] == "baik"  # joins the curve's spread
    with pytest.raises(FailedPrecondition):
        evaluation.rate(uow, PENILAI, skp_id, "2025-Q1", "di_atas", "sesuai", "", APRIL)  # rated already


def test_a_finalised_period_takes_no_rating(uow):
    skp_id = approved(uow)
    evaluation.set_realisasi(uow, OWNER, skp_id, "2025-Q1", IKI, "3", "", [], APRIL)
    uow.settings.final[("inst-1", "2025-Q1")] = {"finalised_at": None}
    with pytest.raises(FailedPrecondition) as final:
        evaluation.rate(uow, PENILAI, skp_id, "2025-Q1", "sesuai", "sesuai", "", APRIL)
    assert final.value.reason == "PERIODE_SUDAH_FINAL"
    assert uow.recorded("evaluasi_rated") == []


def test_the_dokumen_evaluasi_and_the_siasn_export_of_a_rated_period(uow):
    skp_id = approved(uow)
    with pytest.raises(FailedPrecondition):
        evaluation.dokumen_evaluasi(uow, OWNER, skp_id, "2025-Q1")  # not rated yet
    evaluation.set_realisasi(uow, OWNER, skp_id, "2025-Q1", IKI, "3", "", [], APRIL)
    evaluation.rate(uow, PENILAI, skp_id, "2025-Q1", "di_atas", "sesuai", "", APRIL)
    uow.documents.people[PENILAI_NIP] = {"nama": "Budi Santoso", "golongan": "IV/a", "jabatan": "Kepala Bagian"}
    content = evaluation.dokumen_evaluasi(uow, OWNER, skp_id, "2025-Q1")
    assert (content.evaluation["predikat"], content.penilai.nama) == ("baik", "Budi Santoso")
    with pytest.raises(FailedPrecondition) as not_final:
        evaluation.siasn(uow, OWNER, skp_id, "2025-Q1", "", "", "")
    assert not_final.value.reason == "HASIL_BELUM_FINAL"
    uow.settings.final[("inst-1", "2025-Q1")] = {"finalised_at": None}
    with pytest.raises(FailedPrecondition) as incomplete:  # what SIASN needs of the penilai is not known yet
        evaluation.siasn(uow, OWNER, skp_id, "2025-Q1", "", "", "")
    assert incomplete.value.field == "penilai.unor"
    uow.documents.people[PENILAI_NIP]["unit"] = "Sekretariat Daerah"
    out = evaluation.siasn(uow, OWNER, skp_id, "2025-Q1", "", "", "")
    assert out["predikat"] == "baik" and json.loads(out["json"])["kinerja_periodik"]["hasilKinerjaNilai"] == 1
