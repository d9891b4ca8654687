"""The PermenPANRB 6/2022 plan's use cases (application/rencana.py) on the in-memory unit of work
(tests/skp_fakes.py): cascading from the atasan's approved RHK, the penilai's ekspektasi, submitting, approving
(``rencana_kinerja_approved``) and returning. No database."""
from __future__ import annotations

import uuid

import pytest
from skp_fakes import FakeSkpUnitOfWork, new_document

from ekinerja_platform.domain_errors import FailedPrecondition, InvalidArgument, PermissionDenied
from ekinerja_platform.tokens import Principal
from skp.application import rencana
from skp.domain import document as d
from skp.domain.rhk import RULESET_622, IkiInput, RhkInput

pytestmark = pytest.mark.unit

NIP, PENILAI_NIP, ATASAN_NIP = "199001012015011001", "198001012005011002", "197001011995031003"
OWNER = Principal(subject=NIP, roles=("pegawai",), instansi_id="inst-1", nip=NIP)
PENILAI = Principal(subject=PENILAI_NIP, roles=("pegawai",), instansi_id="inst-1", nip=PENILAI_NIP)
PARENT = "rhk-atasan-1"


@pytest.fixture
def uow():
    uow = FakeSkpUnitOfWork()
    atasan_doc = uow.documents.add(new_document(nip=PENILAI_NIP, assignment_id="asg-atasan", jabatan_id="jab-kabag",
                                                penilai_nip=ATASAN_NIP, ruleset=RULESET_622, status=d.APPROVED))
    uow.plans.save(atasan_doc["skp_id"], approved_rhk=[{"rhk_id": PARENT, "nomor": 1, "jenis": "utama",
                                                        "uraian": "Meningkatnya layanan", "iki": []}])
    return uow


def document(uow, **values) -> str:
    return str(uow.documents.add(new_document(ruleset=RULESET_622, **values))["skp_id"])


def plan(parent=PARENT) -> list[RhkInput]:
    return [RhkInput(jenis="utama", uraian="Tersusunnya laporan layanan", rhk_atasan_id=parent,
                     iki=(IkiInput(uraian="Jumlah laporan", aspek="kuantitas", target="12", satuan="laporan"),))]


def drafted(uow) -> str:
    skp_id = document(uow)
    rencana.update_rencana(uow, OWNER, skp_id, 1, "kuantitatif", plan(), {}, "")
    return skp_id


def test_the_employee_picks_from_the_atasan_approved_rhk(uow):
    skp_id = document(uow)
    assert [r["rhk_id"] for r in rencana.list_rhk_atasan(uow, OWNER, skp_id)] == [PARENT]
    with pytest.raises(InvalidArgument) as foreign:
        rencana.update_rencana(uow, OWNER, skp_id, 1, "kuantitatif", plan(str(uuid.uuid4())), {}, "")
    assert foreign.value.field == "rhk[0].rhk_atasan_id"
    view = rencana.update_rencana(uow, OWNER, skp_id, 1, "kuantitatif", plan(),
                                  {"konsekuensi": ["Teguran"]}, "")
    [rhk] = view["plan"]["rhk"]
    assert (rhk["rhk_atasan_id"], rhk["rhk_atasan_uraian"]) == (PARENT, "Meningkatnya layanan")
    assert view["plan"]["lampiran"]["konsekuensi"] == ["Teguran"] and view["doc"]["version"] == 2
    assert uow.documents.audit[-1]["action"] == "rencana_changed"


def test_the_plan_is_refused_without_an_approved_atasan_plan_or_at_a_stale_version(uow):
    lonely = document(uow, penilai_nip="196001011985031001")
    with pytest.raises(FailedPrecondition) as none_yet:
        rencana.update_rencana(uow, OWNER, lonely, 1, "kuantitatif", plan(), {}, "")
    assert none_yet.value.field == "rhk[0].rhk_atasan_id"
    skp_id = drafted(uow)
    with pytest.raises(FailedPrecondition) as stale:
        rencana.update_rencana(uow, OWNER, skp_id, 1, "kuantitatif", plan(), {}, "")
    assert stale.value.field == "expected_version"


def test_a_pp46_document_has_no_plan(uow):
    pp46 = str(uow.documents.add(new_document())["skp_id"])
    with pytest.raises(FailedPrecondition) as refused:
        rencana.get_rencana(uow, OWNER, pp46)
    assert refused.value.field == "ruleset"


def test_the_penilai_sets_the_ekspektasi_per_berakhlak_value(uow):
    skp_id = drafted(uow)
    with pytest.raises(InvalidArgument) as unknown:
        rencana.set_ekspektasi(uow, PENILAI, skp_id, {"rajin": "x"})
    assert unknown.value.field == "ekspektasi.rajin"
    with pytest.raises(PermissionDenied):
        rencana.set_ekspektasi(uow, OWNER, skp_id, {"akuntabel": "Tepat waktu"})
    view = rencana.set_ekspektasi(uow, PENILAI, skp_id, {"akuntabel": "Laporan tepat waktu"})
    assert view["plan"]["ekspektasi"] == {"akuntabel": "Laporan tepat waktu"}


def test_submit_approve_puts_the_plan_in_force_and_announces_it(uow):
    skp_id = drafted(uow)
    assert rencana.submit_rencana(uow, OWNER, skp_id)["doc"]["status"] == d.SUBMITTED
    with pytest.raises(PermissionDenied):
        rencana.approve_rencana(uow, OWNER, skp_id)
    assert uow.recorded("rencana_kinerja_approved") == []
    view = rencana.approve_rencana(uow, PENILAI, skp_id)
    assert view["doc"]["status"] == d.APPROVED and view["plan"]["approved_rhk"] == view["plan"]["rhk"]
    [event] = uow.recorded("rencana_kinerja_approved")
    assert event["skp_id"] == skp_id and event["pendekatan"] == "kuantitatif"
    assert [i["uraian"] for i in event["rhk"][0]["iki"]] == ["Jumlah laporan"]


def test_an_empty_plan_cannot_be_submitted_and_the_penilai_returns_with_a_note(uow):
    empty = document(uow)
    with pytest.raises(FailedPrecondition) as refused:
        rencana.submit_rencana(uow, OWNER, empty)
    assert refused.value.field == "rhk"
    skp_id = drafted(uow)
    rencana.submit_rencana(uow, OWNER, skp_id)
    with pytest.raises(InvalidArgument):
        rencana.return_rencana(uow, PENILAI, skp_id, "")
    view = rencana.return_rencana(uow, PENILAI, skp_id, "Tambahkan IKI kualitas")
    assert (view["doc"]["status"], view["doc"]["return_note"]) == (d.RETURNED, "Tambahkan IKI kualitas")


def test_the_plan_is_read_by_whoever_reads_the_document(uow):
    skp_id = drafted(uow)
    view = rencana.get_rencana(uow, PENILAI, skp_id)
    assert [r["uraian"] for r in view["plan"]["rhk"]] == ["Tersusunnya laporan layanan"]
    with pytest.raises(PermissionDenied):
        rencana.get_rencana(uow, Principal(subject="x", roles=("pegawai",), instansi_id="inst-1",
                                           nip="199501012020011009"), skp_id)
