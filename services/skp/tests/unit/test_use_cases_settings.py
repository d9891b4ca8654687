"""The instansi settings and the distribution curve (application/ruleset_setting.py, curve.py) on the in-memory
unit of work (tests/skp_fakes.py): who sets what, the audit of every change and none for a repeat, the cadence
fixed once used, the curve's check and the finalisation. No database."""
from __future__ import annotations

import pytest
from skp_fakes import FakeSkpUnitOfWork

from ekinerja_platform.domain_errors import FailedPrecondition, PermissionDenied
from ekinerja_platform.tokens import Principal
from ekinerja_rules.permenpanrb_6_2022.rules import Predikat
from skp.application import curve
from skp.application import ruleset_setting as settings

pytestmark = pytest.mark.unit

BKN = Principal(subject="bkn-1", roles=("admin_bkn",))
ADMIN = Principal(subject="admin-1", roles=("admin_instansi",), instansi_id="inst-1")
OTHER_ADMIN = Principal(subject="admin-2", roles=("admin_instansi",), instansi_id="inst-2")
PEGAWAI = Principal(subject="199001012015011001", roles=("pegawai",), instansi_id="inst-1",
                    nip="199001012015011001")


@pytest.fixture
def uow():
    return FakeSkpUnitOfWork()


def test_the_ruleset_of_a_year_is_set_audited_and_a_repeat_changes_nothing(uow):
    assert settings.ruleset_for(uow, "inst-1", 2025) == "pp46-2011"  # never set: the default
    view = settings.set_ruleset_setting(uow, ADMIN, "inst-1", 2025, "permenpanrb-6-2022", "Mulai 6/2022")
    assert (view["ruleset"], view["is_set"], view["version"], view["updated_by"]) == (
        "permenpanrb-6-2022", True, 1, "admin-1")
    again = settings.set_ruleset_setting(uow, BKN, "inst-1", 2025, "permenpanrb-6-2022", "lagi")
    assert again["version"] == 1 and len(again["history"]) == 1
    view = settings.set_ruleset_setting(uow, BKN, "inst-1", 2025, "pp46-2011", "Ditunda")
    assert [(h["old_value"], h["new_value"], h["actor"]) for h in view["history"]] == [
        (None, "permenpanrb-6-2022", "admin-1"), ("permenpanrb-6-2022", "pp46-2011", "bkn-1")]
    assert settings.get_ruleset_setting(uow, PEGAWAI, "inst-1", 2025)["ruleset"] == "pp46-2011"


def test_only_bkn_and_the_instansi_admin_set_the_ruleset(uow):
    for caller in (OTHER_ADMIN, PEGAWAI):
        with pytest.raises(PermissionDenied):
            settings.set_ruleset_setting(uow, caller, "inst-1", 2025, "permenpanrb-6-2022", "Mulai")
    with pytest.raises(PermissionDenied):
        settings.get_ruleset_setting(uow, OTHER_ADMIN, "inst-1", 2025)
    assert uow.settings.rows == {} and uow.settings.trail == []


def test_the_cadence_is_fixed_once_a_periodic_evaluation_of_the_year_exists(uow):
    view = settings.set_siklus_evaluasi(uow, ADMIN, "inst-1", 2025, "bulanan", "Bulanan")
    assert (view["siklus_evaluasi"], view["siklus_is_set"]) == ("bulanan", True)
    assert ("siklus:inst-1:2025", False) in uow.settings.held
    uow.settings.periodic[("inst-1", 2025)] = 2
    with pytest.raises(FailedPrecondition) as fixed:
        settings.set_siklus_evaluasi(uow, ADMIN, "inst-1", 2025, "triwulanan", "Ganti")
    assert fixed.value.reason == "SIKLUS_SUDAH_DIPAKAI"
    settings.set_siklus_evaluasi(uow, ADMIN, "inst-1", 2025, "bulanan", "Sama")  # the cadence in force: accepted
    assert settings.siklus_for(uow, "inst-1", 2025) == "bulanan"


def six_2022(uow, tahun=2025):
    settings.set_ruleset_setting(uow, BKN, "inst-1", tahun, "permenpanrb-6-2022", "Mulai 6/2022")


def test_the_organisations_predikat_needs_a_6_2022_year_and_an_open_period(uow):
    with pytest.raises(FailedPrecondition) as pp46:
        settings.set_predikat_organisasi(uow, ADMIN, "inst-1", "2025", "baik", "SAKIP")
    assert pp46.value.reason == "RULESET_BUKAN_6_2022"
    six_2022(uow)
    with pytest.raises(PermissionDenied):
        settings.set_predikat_organisasi(uow, BKN, "inst-1", "2025", "baik", "SAKIP")  # the PyB's: the admin
    view = settings.set_predikat_organisasi(uow, ADMIN, "inst-1", "2025", "baik", "SAKIP")
    assert (view["predikat"], view["is_set"]) == ("baik", True)
    uow.settings.final[("inst-1", "2025")] = {"finalised_at": None}
    with pytest.raises(FailedPrecondition) as final:
        settings.set_predikat_organisasi(uow, ADMIN, "inst-1", "2025", "istimewa", "Koreksi")
    assert final.value.reason == "PERIODE_SUDAH_FINAL"
    assert settings.set_predikat_organisasi(uow, ADMIN, "inst-1", "2025", "baik", "Sama")["predikat"] == "baik"


def spread(uow, periode, *values):
    uow.settings.predikat[("inst-1", periode)] = [Predikat(v) for v in values]


def test_the_curve_lists_every_broken_rule_and_needs_the_organisations_predikat(uow):
    six_2022(uow)
    spread(uow, "2025-Q1", *["sangat_baik"] * 8, *["baik"] * 2)
    with pytest.raises(FailedPrecondition) as missing:
        curve.check(uow, ADMIN, "inst-1", "2025-Q1")
    assert missing.value.field == "predikat_organisasi"
    settings.set_predikat_organisasi(uow, ADMIN, "inst-1", "2025-Q1", "istimewa", "Awal")
    result = curve.check(uow, ADMIN, "inst-1", "2025-Q1")
    assert (result.total, result.memenuhi) == (10, False)
    assert [v.aturan for v in result.pelanggaran] == ["sangat_baik_maks"]
    with pytest.raises(PermissionDenied):
        curve.check(uow, PEGAWAI, "inst-1", "2025-Q1")


def test_a_period_breaking_the_curve_is_finalised_only_with_a_reason_and_once(uow):
    six_2022(uow)
    spread(uow, "2025", *["sangat_baik"] * 8, *["baik"] * 2)
    settings.set_predikat_organisasi(uow, ADMIN, "inst-1", "2025", "istimewa", "Awal")
    with pytest.raises(FailedPrecondition) as refused:
        curve.finalise(uow, ADMIN, "inst-1", "2025", "")
    assert refused.value.reason == "KURVA_DISTRIBUSI_TIDAK_TERPENUHI" and "sangat_baik_maks" in str(refused.value)
    assert uow.settings.final == {}
    result, row = curve.finalise(uow, ADMIN, "inst-1", "2025", "Penugasan khusus tahun ini")
    assert row["alasan_pengecualian"] == "Penugasan khusus tahun ini" and row["finalised_by"] == "admin-1"
    assert [v["aturan"] for v in row["pelanggaran"]] == ["sangat_baik_maks"]
    assert uow.settings.trail[-1]["setting"] == "finalisasi"
    assert uow.settings.trail[-1]["new_value"] == "final_dengan_pengecualian"
    _, again = curve.finalise(uow, ADMIN, "inst-1", "2025", "")  # idempotent: answered as it was
    assert again == row and len([e for e in uow.settings.trail if e["setting"] == "finalisasi"]) == 1


def test_anyone_of_the_instansi_reads_the_organisations_predikat_with_its_history(uow):
    six_2022(uow)
    assert settings.get_predikat_organisasi(uow, PEGAWAI, "inst-1", "2025")["is_set"] is False
    settings.set_predikat_organisasi(uow, ADMIN, "inst-1", "2025", "baik", "SAKIP")
    view = settings.get_predikat_organisasi(uow, PEGAWAI, "inst-1", "2025")
    assert (view["predikat"], [h["reason"] for h in view["history"]]) == ("baik", ["SAKIP"])
    with pytest.raises(PermissionDenied):
        settings.get_predikat_organisasi(uow, OTHER_ADMIN, "inst-1", "2025")
