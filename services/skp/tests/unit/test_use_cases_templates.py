"""Position templates' use cases (application/templates.py) on the in-memory unit of work (tests/skp_fakes.py): the
reads, copying a catalogue, editing the kegiatan and the 6/2022 RHK, "jadikan template jabatan", and what a new
holder's document is drafted from. No database."""
from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from skp_fakes import FakeSkpUnitOfWork, new_document

from ekinerja_events.identity import AssignmentAfter
from ekinerja_platform.domain_errors import Conflict, FailedPrecondition, InvalidArgument, NotFound, PermissionDenied
from ekinerja_platform.tokens import Principal
from skp.application import templates
from skp.application.ports import Position, TemplateVersion
from skp.domain import document as d
from skp.domain.catalogue import CATALOGUES
from skp.domain.rhk import IkiInput, RhkInput

pytestmark = pytest.mark.unit

PENILAI_NIP = "198001012005011002"
ADMIN = Principal(subject="admin-1", roles=("admin_instansi",), instansi_id="inst-1")
OTHER_ADMIN = Principal(subject="admin-2", roles=("admin_instansi",), instansi_id="inst-2")
PENILAI = Principal(subject=PENILAI_NIP, roles=("pegawai",), instansi_id="inst-1", nip=PENILAI_NIP)
EMPLOYEE = Principal(subject="199001012015011001", roles=("pegawai",), instansi_id="inst-1",
                     nip="199001012015011001")
BKN = Principal(subject="bkn-1", roles=("admin_bkn",))


@pytest.fixture
def uow():
    uow = FakeSkpUnitOfWork()
    uow.templates.positions["jab-1"] = Position("jab-1", "inst-1", "Pranata Komputer Ahli Muda",
                                                "fungsional_tertentu", "teknis", "pranata_komputer")
    uow.templates.positions["jab-2"] = Position("jab-2", "inst-1", "Pengadministrasi Umum", "pelaksana", "umum")
    uow.templates.penilai["jab-1"] = {PENILAI_NIP}
    return uow


def item(nama="Menyusun laporan", kuantitas="12") -> d.TargetInput:
    return d.TargetInput("", nama, "laporan", kuantitas, "100", "12", "", "")


def test_get_template_falls_back_to_the_catalogue_of_the_jenis_and_is_read_by_the_agency_only(uow):
    view = templates.get_template(uow, EMPLOYEE, "jab-1")
    assert view.current is None and view.catalogue.jenis == "pranata_komputer"
    assert view.jenis_jabatan == "pranata_komputer"
    assert templates.get_template(uow, EMPLOYEE, "jab-2").jenis_jabatan == "pelaksana"  # inferred
    assert templates.get_template(uow, BKN, "jab-1").position.jabatan_id == "jab-1"
    with pytest.raises(PermissionDenied):
        templates.get_template(uow, OTHER_ADMIN, "jab-1")
    with pytest.raises(NotFound):
        templates.get_template(uow, EMPLOYEE, "jab-none")
    with pytest.raises(InvalidArgument) as empty:
        templates.get_template(uow, EMPLOYEE, " ")
    assert empty.value.field == "jabatan_id"


def test_catalogues_are_read_by_any_employee(uow):
    assert {c.jenis for c in templates.list_catalogues(EMPLOYEE)} == set(CATALOGUES)
    assert templates.get_catalogue(EMPLOYEE, "guru").jenis == "guru"
    with pytest.raises(NotFound):
        templates.get_catalogue(EMPLOYEE, "astronaut")
    with pytest.raises(PermissionDenied):
        templates.get_catalogue(Principal(subject="client", roles=("agency_client",)), "guru")


def test_the_admin_copies_a_catalogue_into_version_1(uow):
    row = templates.copy_catalogue(uow, ADMIN, "jab-1", "", 0, "")
    assert (row.version, row.source, row.author) == (1, "catalogue:pranata_komputer", "admin-1")
    assert row.reason.startswith("salinan katalog") and len(row.kegiatan) == len(
        CATALOGUES["pranata_komputer"].kegiatan)
    assert [v.version for v in templates.list_versions(uow, EMPLOYEE, "jab-1")] == [1]
    with pytest.raises(FailedPrecondition) as stale:
        templates.copy_catalogue(uow, ADMIN, "jab-1", "", 0, "")
    assert stale.value.field == "expected_version"
    with pytest.raises(NotFound):
        templates.copy_catalogue(uow, ADMIN, "jab-1", "astronaut", 1, "")
    with pytest.raises(PermissionDenied):
        templates.copy_catalogue(uow, EMPLOYEE, "jab-1", "", 1, "")


def test_the_position_penilai_edits_the_kegiatan_and_a_concurrent_version_is_a_conflict(uow):
    row = templates.update_template(uow, PENILAI, "jab-1", 0, [item(), item("Memelihara server", "4")], "awal")
    assert (row.version, row.source, row.author) == (1, "edit", PENILAI_NIP)
    assert [(k["nama"], k["kuantitas"]) for k in row.kegiatan] == [("Menyusun laporan", "12"),
                                                                   ("Memelihara server", "4")]
    with pytest.raises(PermissionDenied):
        templates.update_template(uow, PENILAI, "jab-2", 0, [item()], "bukan penilainya")
    with pytest.raises(InvalidArgument) as no_reason:
        templates.update_template(uow, PENILAI, "jab-1", 1, [item()], "")
    assert no_reason.value.field == "reason"
    # another change made version 2 between reading and writing: the store refuses the same number
    uow.templates.stored["jab-1"].insert(0, TemplateVersion("jab-1", 2, "inst-1", "edit", "x", "y", []))
    with pytest.raises(Conflict) as lost:
        templates.update_template(uow, PENILAI, "jab-1", 1, [item()], "kalah")
    assert lost.value.field == "expected_version"


def test_the_rhk_of_a_template_keeps_the_kegiatan_and_names_no_atasan_rhk(uow):
    templates.update_template(uow, ADMIN, "jab-1", 0, [item()], "awal")
    rhk = [RhkInput(jenis="utama", uraian="Tersedianya layanan TI",
                    iki=(IkiInput(uraian="Jumlah layanan", aspek="kuantitas", target="4", satuan="layanan"),))]
    with pytest.raises(InvalidArgument) as linked:
        templates.update_template_rhk(uow, ADMIN, "jab-1", 1, "kuantitatif", [
            RhkInput(jenis="utama", uraian="x", rhk_atasan_id=str(uuid.uuid4()), iki=rhk[0].iki)], "RHK")
    assert linked.value.field == "rhk[0].rhk_atasan_id"
    row = templates.update_template_rhk(uow, ADMIN, "jab-1", 1, "kuantitatif", rhk, "RHK jabatan")
    assert row.version == 2 and row.pendekatan == "kuantitatif" and [r["uraian"] for r in row.rhk] == [
        "Tersedianya layanan TI"]
    assert [k["nama"] for k in row.kegiatan] == ["Menyusun laporan"]  # carried over
    pendekatan, plan = templates.drafting_rhk(uow, "jab-1")
    assert pendekatan == "kuantitatif" and plan[0]["rhk_id"] != row.rhk[0].get("rhk_id")


def test_a_new_document_drafts_from_the_current_version_else_the_catalogue(uow):
    new = AssignmentAfter(jabatan_id="jab-1", jabatan_nama="Pranata Komputer", unit_id="unit-1",
                          unit_nama="Bagian Umum", kind="fungsional_tertentu", job_group="teknis",
                          start=dt.date(2024, 1, 1))
    source, items = templates.drafting_items(uow, "jab-1", new)
    assert source == "catalogue:pranata_komputer" and items == CATALOGUES["pranata_komputer"].kegiatan
    assert templates.drafting_rhk(uow, "jab-1") is None
    templates.update_template(uow, ADMIN, "jab-1", 0, [item()], "awal")
    source, items = templates.drafting_items(uow, "jab-1", new)
    assert source == "template:1" and [(i.nama, i.kuantitas) for i in items] == [("Menyusun laporan", Decimal(12))]


def test_the_penilai_adopts_approved_targets_as_the_next_version_annualised(uow):
    doc = uow.documents.add(new_document(
        jabatan_id="jab-1", kind="fungsional_tertentu", penilai_nip=PENILAI_NIP, period_start=dt.date(2024, 7, 1),
        status=d.APPROVED, approved_targets=[{"kegiatan_id": str(uuid.uuid4()), "nomor": 1, "nama": "Backup",
                                              "satuan": "kali", "kuantitas": "6", "kualitas": "100", "waktu": "6",
                                              "biaya": None, "angka_kredit": None}]))
    with pytest.raises(PermissionDenied):
        templates.adopt_skp(uow, ADMIN, str(doc["skp_id"]), "")
    row = templates.adopt_skp(uow, PENILAI, str(doc["skp_id"]), "")
    assert (row.version, row.source, row.reason) == (1, f"skp:{doc['skp_id']}", "target SKP yang disetujui")
    assert [(k["nama"], k["kuantitas"], k["waktu"]) for k in row.kegiatan] == [("Backup", "12", "12")]
    assert uow.documents.audit[-1]["action"] == "adopted_as_template"
    assert uow.documents.audit[-1]["detail"] == {"jabatan_id": "jab-1", "template_version": 1}


def test_a_document_not_approved_cannot_become_a_template(uow):
    doc = uow.documents.add(new_document(jabatan_id="jab-1", penilai_nip=PENILAI_NIP))
    with pytest.raises(FailedPrecondition) as refused:
        templates.adopt_skp(uow, PENILAI, str(doc["skp_id"]), "")
    assert refused.value.field == "status"
    assert uow.templates.versions("jab-1") == []
