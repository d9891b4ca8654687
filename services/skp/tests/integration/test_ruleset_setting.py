"""Issue 22 items 1 and 4 on a real PostgreSQL database: the ruleset per instansi and year (who may set it, the
audit trail, a document keeps the ruleset it was drafted under), the organisation's predikat per period and the
distribution check over the employees' predikat written through the port's table."""
from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa
from skp_testlib import new_nip
from sqlalchemy.orm import sessionmaker

from ekinerja_platform.db import DatabaseAccess, make_engine
from ekinerja_platform.domain_errors import FailedPrecondition, InvalidArgument, PermissionDenied
from ekinerja_platform.events import apply_once
from ekinerja_platform.tokens import Principal
from skp.adapters import repository as repo
from skp.adapters import tables as t
from skp.adapters.predikat_repository import record_predikat
from skp.adapters.unit_of_work import in_session, on_unit
from skp.application import consumers, curve
from skp.application import ruleset_setting as settings

pytestmark = pytest.mark.integration

ADMIN = Principal("adm-1", ("admin_instansi",), "inst-1")
ADMIN_OTHER = Principal("adm-2", ("admin_instansi",), "inst-2")
BKN = Principal("bkn", ("admin_bkn",), None)


def pegawai(instansi="inst-1") -> Principal:
    nip = new_nip()
    return Principal(nip, ("pegawai",), instansi, nip)


@pytest.fixture
def db(database_factory):
    engine = make_engine(database_factory("skp"), pool_size=2)
    yield DatabaseAccess(engine, sessionmaker(engine, expire_on_commit=False))
    engine.dispose()


def run(db, fn, *args):
    with db.transaction() as session:
        return fn(in_session(session), *args)


def assign(db, nip, start, instansi="inst-1"):
    data = {"assignment_id": f"asg-{uuid.uuid4().hex[:8]}", "nip": nip, "instansi_id": instansi, "acting": False,
            "effective_date": start, "old": None, "penilai_nip": None, "atasan_penilai_nip": None, "version": 1,
            "new": {"jabatan_id": f"jab-{uuid.uuid4().hex[:6]}", "jabatan_nama": "Jabatan uji", "unit_id": "unit-1",
                    "unit_nama": "Bagian Umum", "kind": "pelaksana", "job_group": "umum", "start": start,
                    "end": None}}
    assert apply_once(db, "skp", {"event_id": str(uuid.uuid4()), "data": data},
                      on_unit(consumers.assignment_changed))
    with db.transaction() as session:
        return repo.documents_of(session, nip)


# --- the ruleset per instansi and year ----------------------------------------------------------------------------


def test_a_new_document_takes_the_ruleset_of_its_instansi_and_year_and_keeps_it(db):
    assert run(db, settings.ruleset_for, "inst-1", 2025) == "pp46-2011"  # never set: the default
    run(db, settings.set_ruleset_setting, ADMIN, "inst-1", 2025, "permenpanrb-6-2022", "Mulai PermenPANRB 6/2022")
    early, other, elsewhere = new_nip(), new_nip(), new_nip()
    [doc_2025] = assign(db, early, "2025-02-01")
    [doc_2024] = assign(db, other, "2024-02-01")
    [doc_other_instansi] = assign(db, elsewhere, "2025-02-01", instansi="inst-2")
    assert (doc_2025["ruleset"], doc_2024["ruleset"], doc_other_instansi["ruleset"]) == (
        "permenpanrb-6-2022", "pp46-2011", "pp46-2011")
    with db.transaction() as session:
        drafted = repo.audit_entries(session, doc_2025["skp_id"])[0]
    assert drafted["action"] == "drafted" and drafted["detail"]["ruleset"] == "permenpanrb-6-2022"

    run(db, settings.set_ruleset_setting, BKN, "inst-1", 2025, "pp46-2011", "Ditunda satu tahun")
    late = new_nip()
    [doc_late] = assign(db, late, "2025-06-01")
    assert doc_late["ruleset"] == "pp46-2011"
    with db.transaction() as session:  # the document made before the change keeps its ruleset
        assert repo.get_document(session, doc_2025["skp_id"])["ruleset"] == "permenpanrb-6-2022"


def test_every_change_is_audited_with_who_when_old_new_and_why(db):
    run(db, settings.set_ruleset_setting, ADMIN, "inst-1", 2026, "permenpanrb-6-2022", "Keputusan kepala daerah")
    run(db, settings.set_ruleset_setting, BKN, "inst-1", 2026, "pp46-2011", "Koreksi BKN")
    view = run(db, settings.get_ruleset_setting, pegawai(), "inst-1", 2026)
    assert (view["ruleset"], view["is_set"], view["version"], view["updated_by"]) == ("pp46-2011", True, 2, "bkn")
    assert [(h["actor"], h["old_value"], h["new_value"], h["reason"]) for h in view["history"]] == [
        ("adm-1", None, "permenpanrb-6-2022", "Keputusan kepala daerah"),
        ("bkn", "permenpanrb-6-2022", "pp46-2011", "Koreksi BKN")]
    assert all(h["at"] is not None for h in view["history"])


def test_setting_the_value_in_force_again_changes_nothing(db):
    for _ in range(2):  # a retried call
        view = run(db, settings.set_ruleset_setting, ADMIN, "inst-1", 2027, "permenpanrb-6-2022", "Mulai")
    assert view["version"] == 1 and len(view["history"]) == 1


@pytest.mark.parametrize("caller", [pegawai(), ADMIN_OTHER, Principal("ops", ("operator",), None),
                                    Principal("client", ("agency_client",), "inst-1")])
def test_only_admin_bkn_and_the_instansis_admin_may_set_the_ruleset(db, caller):
    with pytest.raises(PermissionDenied):
        run(db, settings.set_ruleset_setting, caller, "inst-1", 2025, "permenpanrb-6-2022", "Mulai")
    assert run(db, settings.get_ruleset_setting, BKN, "inst-1", 2025)["is_set"] is False


def test_reading_the_setting_is_for_the_instansi_and_admin_bkn(db):
    for caller in (pegawai(), ADMIN, BKN):
        assert run(db, settings.get_ruleset_setting, caller, "inst-1", 2025)["ruleset"] == "pp46-2011"
    for caller in (pegawai("inst-2"), ADMIN_OTHER):
        with pytest.raises(PermissionDenied):
            run(db, settings.get_ruleset_setting, caller, "inst-1", 2025)


@pytest.mark.parametrize(("args", "field"), [
    (("inst-1", 2025, "permenpanrb-2022", "Mulai"), "ruleset"),
    (("inst-1", 2025, "", "Mulai"), "ruleset"),
    (("inst-1", 2025, "permenpanrb-6-2022", "  "), "reason"),
    (("inst-1", 2025, "permenpanrb-6-2022", "x" * 501), "reason"),
    (("inst-1", 0, "permenpanrb-6-2022", "Mulai"), "tahun"),
    (("inst-1", 2101, "permenpanrb-6-2022", "Mulai"), "tahun"),
    (("", 2025, "permenpanrb-6-2022", "Mulai"), "instansi_id"),
])
def test_bad_input_names_the_field_and_changes_nothing(db, args, field):
    with pytest.raises(InvalidArgument) as error:
        run(db, settings.set_ruleset_setting, BKN, *args)
    assert error.value.field == field
    with db.transaction() as session:
        assert session.execute(sa.select(sa.func.count()).select_from(t.ruleset_settings)).scalar() == 0
        assert session.execute(sa.select(sa.func.count()).select_from(t.setting_audit)).scalar() == 0


# --- the organisation's predikat and the distribution check ------------------------------------------------------


def six_2022(db, tahun=2025, instansi="inst-1"):
    run(db, settings.set_ruleset_setting, BKN, instansi, tahun, "permenpanrb-6-2022", "Mulai 6/2022")


def predikat(db, periode, *values, instansi="inst-1", nips=None):
    nips = nips or [new_nip() for _ in values]
    with db.transaction() as session:
        for nip, value in zip(nips, values, strict=True):
            record_predikat(session, instansi_id=instansi, periode=periode, nip=nip, predikat=value,
                            source="test", unit_id="unit-1")
    return nips


def test_the_check_lists_every_broken_rule_with_counts_and_a_refinalised_predikat_replaces_the_old(db):
    six_2022(db)
    run(db, settings.set_predikat_organisasi, ADMIN, "inst-1", "2025", "baik", "Hasil evaluasi SAKIP")
    nips = predikat(db, "2025", *["baik"] * 7, *["sangat_baik"] * 3)
    predikat(db, "2025-Q4", "butuh_perbaikan")   # another period
    predikat(db, "2025", "butuh_perbaikan", instansi="inst-2")  # another instansi
    result = run(db, curve.check, ADMIN, "inst-1", "2025")
    assert (result.diperiksa, result.total, result.memenuhi) == (True, 10, False)
    assert {p.value: n for p, n in result.jumlah.items()} == {
        "sangat_baik": 3, "baik": 7, "butuh_perbaikan": 0, "kurang": 0, "sangat_kurang": 0}
    assert [(v.aturan, v.pesan) for v in result.pelanggaran] == [(
        "butuh_perbaikan_kurang_ada",
        "Tidak ada pegawai berpredikat butuh perbaikan atau kurang dari 10 pegawai, padahal harus ada paling "
        "sedikit 1.")]
    predikat(db, "2025", "butuh_perbaikan", nips=[nips[-1]])  # one evaluation finalised again (keberatan)
    result = run(db, curve.check, BKN, "inst-1", "2025")
    assert (result.total, result.memenuhi, result.pelanggaran) == (10, True, ())


def test_the_organisations_predikat_decides_the_curve(db):
    six_2022(db)
    predikat(db, "2025-Q1", *["sangat_baik"] * 8, *["baik"] * 2)
    run(db, settings.set_predikat_organisasi, ADMIN, "inst-1", "2025-Q1", "istimewa", "Awal")
    assert [v.aturan for v in run(db, curve.check, ADMIN, "inst-1", "2025-Q1").pelanggaran] == ["sangat_baik_maks"]
    run(db, settings.set_predikat_organisasi, ADMIN, "inst-1", "2025-Q1", "kurang", "Koreksi PyB")
    assert [v.aturan for v in run(db, curve.check, ADMIN, "inst-1", "2025-Q1").pelanggaran] == [
        "kurang_min", "butuh_perbaikan_min", "sangat_baik_maks"]
    view = run(db, settings.get_predikat_organisasi, pegawai(), "inst-1", "2025-Q1")
    assert [(h["old_value"], h["new_value"], h["reason"]) for h in view["history"]] == [
        (None, "istimewa", "Awal"), ("istimewa", "kurang", "Koreksi PyB")]


def test_fewer_than_five_employees_are_not_checked(db):
    six_2022(db)
    run(db, settings.set_predikat_organisasi, ADMIN, "inst-1", "2025-03", "istimewa", "Bulanan")
    predikat(db, "2025-03", *["sangat_baik"] * 4)
    result = run(db, curve.check, ADMIN, "inst-1", "2025-03")
    assert (result.diperiksa, result.memenuhi, result.total, result.pelanggaran) == (False, None, 4, ())


def test_the_check_needs_the_organisations_predikat_and_a_6_2022_year(db):
    six_2022(db)
    with pytest.raises(FailedPrecondition) as error:
        run(db, curve.check, ADMIN, "inst-1", "2025")
    assert error.value.field == "predikat_organisasi"
    with pytest.raises(FailedPrecondition) as error:  # 2024 is appraised under PP 46/2011: no curve
        run(db, settings.set_predikat_organisasi, ADMIN, "inst-1", "2024", "baik", "Salah tahun")
    assert error.value.field == "periode"
    with pytest.raises(FailedPrecondition):
        run(db, curve.check, ADMIN, "inst-1", "2024")


def test_only_the_pyb_sets_the_organisations_predikat_and_only_admins_check(db):
    six_2022(db)
    for caller in (BKN, pegawai(), ADMIN_OTHER):
        with pytest.raises(PermissionDenied):
            run(db, settings.set_predikat_organisasi, caller, "inst-1", "2025", "baik", "Coba")
    run(db, settings.set_predikat_organisasi, ADMIN, "inst-1", "2025", "baik", "PyB")
    for caller in (pegawai(), ADMIN_OTHER):
        with pytest.raises(PermissionDenied):
            run(db, curve.check, caller, "inst-1", "2025")


@pytest.mark.parametrize(("args", "field"), [
    (("inst-1", "2025", "luar_biasa", "PyB"), "predikat"),
    (("inst-1", "2025-13", "baik", "PyB"), "periode"),
    (("inst-1", "2025-Q5", "baik", "PyB"), "periode"),
    (("inst-1", "25", "baik", "PyB"), "periode"),
    (("inst-1", "2025", "baik", ""), "reason"),
])
def test_bad_predikat_organisasi_input_names_the_field(db, args, field):
    six_2022(db)
    with pytest.raises(InvalidArgument) as error:
        run(db, settings.set_predikat_organisasi, ADMIN, *args)
    assert error.value.field == field
    with db.transaction() as session:
        assert session.execute(sa.select(sa.func.count()).select_from(t.predikat_organisasi)).scalar() == 0


def test_a_6_2022_document_is_never_given_a_pp46_score(db):
    from skp.application import handlers
    six_2022(db)
    nip = new_nip()
    [doc] = assign(db, nip, "2025-02-01")
    owner = Principal(nip, ("pegawai",), "inst-1", nip)
    with pytest.raises(FailedPrecondition) as error:
        run(db, handlers.score_skp, owner, str(doc["skp_id"]))
    assert error.value.field == "ruleset"


def test_the_demo_seed_puts_the_second_agency_on_6_2022_once(db):
    from ekinerja_platform import clock
    from skp import demo
    url = db.engine.url.render_as_string(hide_password=False)
    demo.seed(url)
    demo.seed(url)  # a second `make run`
    this = clock.today().year
    for tahun in (this - 1, this):
        view = run(db, settings.get_ruleset_setting, BKN, demo.INSTANSI_622, tahun)
        assert (view["ruleset"], view["version"], [h["actor"] for h in view["history"]]) == (
            "permenpanrb-6-2022", 1, ["demo-seed"])
    assert run(db, settings.ruleset_for, demo.INSTANSI, this) == "pp46-2011"
    [doc] = assign(db, new_nip(), f"{this}-01-02", instansi=demo.INSTANSI_622)
    assert doc["ruleset"] == "permenpanrb-6-2022"
