"""Issue 22 over gRPC on the running skp service: the ruleset setting's RPCs (statuses, the audit in the answer, an
idempotency key), and a document drafted from identity's event under the instansi's ruleset of the year."""
from __future__ import annotations

import uuid

import grpc
import pytest
from skp_testlib import Cli, new_nip, wait_for

pytestmark = pytest.mark.integration


def test_set_and_get_the_ruleset_then_a_new_document_is_drafted_under_it(stub, pb, world):
    instansi = f"inst-rs-{uuid.uuid4().hex[:6]}"
    admin = world.token(roles=("admin_instansi",), instansi=instansi)
    key = [("x-idempotency-key", uuid.uuid4().hex)]
    request = pb.SetRulesetSettingRequest(instansi_id=instansi, tahun=2025, ruleset="permenpanrb-6-2022",
                                          reason="Mulai PermenPANRB 6/2022")
    first = stub.SetRulesetSetting(request, metadata=admin + key, timeout=10).setting
    again = stub.SetRulesetSetting(request, metadata=admin + key, timeout=10).setting  # a retry: the same answer
    assert first == again and (first.ruleset, first.version, first.is_set) == ("permenpanrb-6-2022", 1, True)
    [change] = first.history
    assert (change.old_value, change.new_value, change.reason) == ("", "permenpanrb-6-2022", "Mulai PermenPANRB 6/2022")

    nip = new_nip()
    old, world.instansi = world.instansi, instansi
    try:
        world.assign(nip, f"jab-{uuid.uuid4().hex[:6]}", "2025-03-01")
    finally:
        world.instansi = old
    me = world.token(nip=nip, instansi=instansi)
    docs = wait_for(lambda: stub.ListSkp(pb.ListSkpRequest(nip=nip), metadata=me, timeout=10).documents)
    assert [d.ruleset for d in docs] == ["permenpanrb-6-2022"]
    got = stub.GetRulesetSetting(pb.GetRulesetSettingRequest(instansi_id=instansi, tahun=2024), metadata=me,
                                 timeout=10).setting
    assert (got.ruleset, got.is_set) == ("pp46-2011", False)


def test_wrong_callers_and_bad_input_get_the_right_status(stub, pb, world):
    pegawai = world.token(nip=new_nip())
    with pytest.raises(grpc.RpcError) as error:
        stub.SetRulesetSetting(pb.SetRulesetSettingRequest(instansi_id=world.instansi, tahun=2025,
                                                           ruleset="permenpanrb-6-2022", reason="x"),
                               metadata=pegawai, timeout=10)
    assert error.value.code() == grpc.StatusCode.PERMISSION_DENIED
    bkn = world.token(roles=("admin_bkn",))
    with pytest.raises(grpc.RpcError) as error:
        stub.SetRulesetSetting(pb.SetRulesetSettingRequest(instansi_id=world.instansi, tahun=2025,
                                                           ruleset="pp-30-2019", reason="x"), metadata=bkn, timeout=10)
    assert error.value.code() == grpc.StatusCode.INVALID_ARGUMENT and "ruleset" in error.value.details()
    admin = world.token(roles=("admin_instansi",))
    with pytest.raises(grpc.RpcError) as error:  # no predikat organisasi for a year under PP 46/2011
        stub.CheckDistribution(pb.CheckDistributionRequest(instansi_id=world.instansi, periode="2019"),
                               metadata=admin, timeout=10)
    assert error.value.code() == grpc.StatusCode.FAILED_PRECONDITION


def test_check_distribution_answers_counts_and_broken_rules(stub, pb, world, skp_db):
    """The predikat are written through the port's table, as a finalised evaluation writes them."""
    from sqlalchemy.orm import sessionmaker

    from ekinerja_platform.db import DatabaseAccess, make_engine
    from skp.adapters.predikat_repository import record_predikat
    instansi = f"inst-cd-{uuid.uuid4().hex[:6]}"
    admin = world.token(roles=("admin_instansi",), instansi=instansi)
    stub.SetRulesetSetting(pb.SetRulesetSettingRequest(instansi_id=instansi, tahun=2025, ruleset="permenpanrb-6-2022",
                                                       reason="Mulai"), metadata=admin, timeout=10)
    stub.SetPredikatOrganisasi(pb.SetPredikatOrganisasiRequest(instansi_id=instansi, periode="2025",
                                                               predikat="butuh_perbaikan", reason="PyB"),
                               metadata=admin, timeout=10)
    engine = make_engine(skp_db, pool_size=1)
    try:
        with DatabaseAccess(engine, sessionmaker(engine)).transaction() as session:
            for value in ["butuh_perbaikan"] * 5 + ["sangat_baik"] * 2 + ["baik"] * 3:
                record_predikat(session, instansi_id=instansi, periode="2025", nip=new_nip(), predikat=value,
                                source="test")
    finally:
        engine.dispose()
    reply = stub.CheckDistribution(pb.CheckDistributionRequest(instansi_id=instansi, periode="2025"),
                                   metadata=admin, timeout=10)
    assert (reply.predikat_organisasi, reply.diperiksa, reply.memenuhi, reply.jumlah_pegawai) == (
        "butuh_perbaikan", True, False, 10)
    assert [(c.predikat, c.kode_predikat, c.jumlah) for c in reply.jumlah] == [
        ("sangat_baik", 1, 2), ("baik", 2, 3), ("butuh_perbaikan", 3, 5), ("kurang", 4, 0), ("sangat_kurang", 5, 0)]
    assert [v.aturan for v in reply.pelanggaran] == ["butuh_perbaikan_min", "sangat_baik_maks"]
    assert all(v.pesan.startswith("Pegawai berpredikat") for v in reply.pelanggaran)


def test_the_setting_commands_of_the_cli(skp_service, tmp_path, test_keys):
    """`ekinerja skp aturan`, `skp predikat-organisasi` and `skp sebaran` as an agency admin runs them."""
    instansi = f"inst-cli-{uuid.uuid4().hex[:6]}"
    admin = Cli(tmp_path / "admin", skp_service.target, test_keys.token(
        subject="admin-cli", roles=["admin_instansi"], instansi=instansi, ttl_seconds=3600))
    setting = admin.json("skp", "aturan", "atur", instansi, "2025", "permenpanrb-6-2022", "--alasan", "Mulai")
    assert (setting["setting"]["ruleset"], setting["setting"]["version"]) == ("permenpanrb-6-2022", 1)
    assert admin.json("skp", "aturan", "lihat", instansi, "2025")["setting"]["ruleset"] == "permenpanrb-6-2022"
    shown = admin("skp", "aturan", "lihat", instansi, "2024")
    assert shown.returncode == 0 and "pp46-2011" in shown.stdout and "belum ditetapkan" in shown.stdout
    admin.json("skp", "predikat-organisasi", "atur", instansi, "2025", "baik", "--alasan", "PyB")
    assert admin.json("skp", "predikat-organisasi", "lihat", instansi, "2025")["setting"]["predikat"] == "baik"
    check = admin("skp", "sebaran", instansi, "2025")
    assert check.returncode == 0 and "Belum diperiksa" in check.stdout, check.stdout + check.stderr
    refused = admin("skp", "aturan", "atur", instansi, "2025", "pp-30-2019", "--alasan", "x")
    assert refused.returncode != 0 and "pp-30-2019" in refused.stderr  # click names the bad choice, nothing sent
