"""Position templates without a database: the national catalogues per jenis jabatan, the jenis of positions
identity did not label, template versions' rules ("jadikan template jabatan" annualises), and who manages them."""
from __future__ import annotations

from decimal import Decimal

import pytest

from ekinerja_platform.domain_errors import FailedPrecondition, InvalidArgument, PermissionDenied
from ekinerja_platform.tokens import Principal
from skp.application import policy
from skp.domain import template as tpl
from skp.domain.catalogue import CATALOGUES, catalogue_of, infer_jenis
from skp.domain.document import TargetInput

pytestmark = pytest.mark.unit

REQUIRED = {"struktural_jpt", "struktural_administrator", "struktural_pengawas", "pelaksana", "guru",
            "kepala_sekolah", "dosen", "dokter", "perawat", "bidan", "apoteker", "auditor", "pranata_komputer",
            "analis_kebijakan"}


def test_every_required_jenis_has_its_own_catalogue_with_complete_kegiatan():
    assert REQUIRED <= set(CATALOGUES)
    names = {}
    for jenis, catalogue in CATALOGUES.items():
        assert catalogue.jenis == jenis and catalogue.kegiatan
        for item in catalogue.kegiatan:
            assert item.satuan and item.kuantitas > 0 and item.kualitas == 100 and 0 < item.waktu <= 12
            assert item.biaya is None or item.biaya > 0
            if catalogue.kind == "fungsional_tertentu":
                continue
            assert item.angka_kredit is None, jenis  # angka kredit only for fungsional tertentu (DOMAIN §1.3)
        names[jenis] = {i.nama for i in catalogue.kegiatan}
    for jenis, kegiatan in names.items():  # no two jenis share a kegiatan list by accident
        assert all(kegiatan != other for j, other in names.items() if j != jenis)
    for jenis in REQUIRED - {"struktural_jpt", "struktural_administrator", "struktural_pengawas", "pelaksana"}:
        assert any(i.angka_kredit for i in CATALOGUES[jenis].kegiatan), jenis


def test_each_position_gets_what_fits_it():
    # the issue's complaints: a Sekda got the Kasubbag TU's list, a Kepala Sekolah the teachers', a Pranata Komputer
    # audit work, a Bidan or Apoteker the doctor's list
    assert catalogue_of(None, "struktural_jpt", "umum", "Sekretaris Daerah").jenis == "struktural_jpt"
    assert catalogue_of(None, "struktural_pengawas", "umum", "Kepala Subbagian TU").jenis == "struktural_pengawas"
    assert catalogue_of(None, "fungsional_tertentu", "pendidik", "Kepala Sekolah SD 1").jenis == "kepala_sekolah"
    assert catalogue_of(None, "fungsional_tertentu", "pendidik", "Guru Kelas").jenis == "guru"
    assert catalogue_of(None, "fungsional_tertentu", "fungsional", "Pranata Komputer Ahli Pertama").jenis == \
        "pranata_komputer"
    assert catalogue_of(None, "fungsional_tertentu", "kesehatan", "Bidan Terampil").jenis == "bidan"
    assert catalogue_of(None, "fungsional_tertentu", "kesehatan", "Apoteker Ahli Pertama").jenis == "apoteker"
    # identity's label wins over the name
    assert catalogue_of("auditor", "fungsional_tertentu", "fungsional", "Pengawas Internal").jenis == "auditor"
    # an unknown label or name falls back to the kind's catalogue
    assert catalogue_of("penyuluh_pertanian", "fungsional_tertentu", "fungsional", "Penyuluh").jenis == \
        "fungsional_umum"
    assert infer_jenis("pelaksana", "kesehatan", "Pengadministrasi Puskesmas") == "pelaksana"


def test_a_fungsional_catalogue_on_a_non_fungsional_position_loses_its_angka_kredit():
    catalogue = catalogue_of("guru", "pelaksana", "pendidik", "Guru Honorer")
    assert catalogue.jenis == "guru" and all(i.angka_kredit is None for i in catalogue.kegiatan)


def _input(nama="Menyusun laporan", satuan="laporan", kuantitas="12", waktu="12", ak=""):
    return TargetInput("", nama, satuan, kuantitas, "", waktu, "", ak)


def test_template_items_follow_the_target_rules_of_a_full_year():
    [item] = tpl.validate_items([_input()], "pelaksana")
    assert (item.kuantitas, item.kualitas, item.waktu) == (Decimal(12), Decimal(100), Decimal(12))
    with pytest.raises(InvalidArgument) as error:
        tpl.validate_items([_input(ak="1")], "pelaksana")
    assert error.value.field == "kegiatan[0].angka_kredit"
    with pytest.raises(InvalidArgument) as error:
        tpl.validate_items([_input(waktu="13")], "pelaksana")
    assert error.value.field == "kegiatan[0].waktu"
    with pytest.raises(InvalidArgument):
        tpl.validate_items([], "pelaksana")
    with pytest.raises(InvalidArgument) as error:
        tpl.reason_text("  ")
    assert error.value.field == "reason"


def test_versions_are_made_against_the_version_seen():
    tpl.check_expected_version(3, 3)
    with pytest.raises(FailedPrecondition) as error:
        tpl.check_expected_version(3, 2)
    assert error.value.field == "expected_version"


def test_approved_targets_of_part_of_a_year_become_yearly_template_targets():
    approved = [{"nama": "Mengajar", "satuan": "jam tatap muka", "kuantitas": "432", "kualitas": "100",
                 "waktu": "6", "biaya": None, "angka_kredit": "4.5"},
                {"nama": "Laporan", "satuan": "laporan", "kuantitas": "5", "kualitas": "90", "waktu": "5",
                 "biaya": "1000000", "angka_kredit": None}]
    full = tpl.annualised(approved, 12)
    assert [i.kuantitas for i in full] == [Decimal(432), Decimal(5)]
    yearly = tpl.annualised(approved, 7)  # x 12/7
    assert yearly[0].kuantitas == Decimal("740.57") and yearly[0].angka_kredit == Decimal("7.714")
    assert yearly[0].waktu == Decimal("10.29") and yearly[1].waktu == Decimal("8.57")
    assert yearly[1].biaya == Decimal("1714285.71") and yearly[1].kualitas == Decimal(90)
    assert tpl.annualised(approved, 1)[0].waktu == Decimal(12)  # capped at a year
    assert tpl.from_json(tpl.to_json(full)) == full
    with pytest.raises(FailedPrecondition):
        tpl.annualised([], 12)


PENILAI = "197001012000011002"
CALLERS = {
    "admin_instansi": Principal("adm", ("admin_instansi",), "inst-1"),
    "admin_other_instansi": Principal("adm2", ("admin_instansi",), "inst-2"),
    "position_penilai": Principal(PENILAI, ("pegawai",), "inst-1", PENILAI),
    "penilai_without_pegawai_role": Principal(PENILAI, ("operator",), "inst-1", PENILAI),
    "colleague": Principal("199001012015011004", ("pegawai",), "inst-1", "199001012015011004"),
    "outsider": Principal("199001012015011005", ("pegawai",), "inst-2", "199001012015011005"),
    "admin_bkn": Principal("bkn", ("admin_bkn",), None),
    "operator": Principal("ops", ("operator",), None),
    "agency_client": Principal("client-1", ("agency_client",), "inst-1", scopes=("skp:read",)),
    "expert": Principal("exp", ("expert",), "inst-1", kelompok=("umum",)),
}
TEMPLATE_EXPECTED = {
    "GetTemplate": {"admin_instansi", "position_penilai", "colleague", "admin_bkn"},
    "ListTemplateVersions": {"admin_instansi", "position_penilai", "colleague", "admin_bkn"},
    "CopyCatalogueToTemplate": {"admin_instansi", "position_penilai"},
    "UpdateTemplate": {"admin_instansi", "position_penilai"},
    "UpdateTemplateRhk": {"admin_instansi", "position_penilai"},
}


@pytest.mark.parametrize("rpc", sorted(TEMPLATE_EXPECTED))
@pytest.mark.parametrize("caller", sorted(CALLERS))
def test_template_matrix(rpc, caller):
    if caller in TEMPLATE_EXPECTED[rpc]:
        assert policy.authorize_template(rpc, CALLERS[caller], "inst-1", frozenset({PENILAI}))
    else:
        with pytest.raises(PermissionDenied):
            policy.authorize_template(rpc, CALLERS[caller], "inst-1", frozenset({PENILAI}))


@pytest.mark.parametrize("caller", sorted(CALLERS))
def test_catalogues_are_for_employees_and_admins(caller):
    allowed = set(CALLERS[caller].roles) & {"pegawai", "admin_instansi", "admin_bkn"}
    for rpc in ("ListCatalogues", "GetCatalogue"):
        if allowed:
            assert policy.authorize(rpc, CALLERS[caller], None)
        else:
            with pytest.raises(PermissionDenied):
                policy.authorize(rpc, CALLERS[caller], None)
