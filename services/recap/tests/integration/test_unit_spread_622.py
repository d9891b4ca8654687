"""Issue 22 item 4 in recap: each unit's predikat spread in a PermenPANRB 6/2022 evaluation period
(``GetUnitPredikatSpread``, CLI ``recap sebaran``), counted from skp's ``evaluasi_rated`` events through the running
service: all five predikat in SIASN code order, an employee with two documents in the period counted once (the later
one), other units and periods not counted, a redelivered event once; counts for administrators and operators only.
"""
import json
import subprocess

import grpc
import pytest
import recap_events as ev

from ekinerja_platform import testing

pytestmark = pytest.mark.integration

INST, UNIT, OTHER_UNIT = "i-spread", "u-spread", "u-spread-2"
M = "197502022000031301"
A, B, C, D, E = (f"19900303201503130{i}" for i in range(1, 6))


def _rated(skp_id, nip, predikat, hasil, perilaku, kode, unit=UNIT, periode="2025-Q1"):
    start, end = ("2025-01-01", "2025-03-31") if periode == "2025-Q1" else ("2025-04-01", "2025-06-30")
    return ev.evaluasi_rated(skp_id, nip, INST, unit, periode, start, end, 3, M, hasil, perilaku, predikat, kode)


@pytest.fixture(scope="module")
def loaded(publish):
    b_moved = _rated("s-b1", B, "kurang", "di_atas", "di_bawah", 4)
    events = [ev.employee_registered(n, INST) for n in (M, A, B, C, D, E)]
    events += [ev.assignment_changed(f"h-{n}", n, INST, f"j-{n}", UNIT, "2025-01-01", penilai=M) for n in (A, B, C, D)]
    events += [ev.assignment_changed("h-e", E, INST, "j-e", OTHER_UNIT, "2025-01-01", penilai=M)]
    events += [
        _rated("s-a", A, "sangat_baik", "di_atas", "di_atas", 1),
        b_moved,
        _rated("s-c", C, "baik", "sesuai", "sesuai", 2),
        _rated("s-d", D, "baik", "di_atas", "sesuai", 2),
        _rated("s-e", E, "sangat_kurang", "di_bawah", "di_bawah", 5, unit=OTHER_UNIT),  # another unit
        _rated("s-a", A, "butuh_perbaikan", "di_bawah", "sesuai", 3, periode="2025-Q2"),  # another period
    ]
    publish(events)
    publish([_rated("s-b2", B, "baik", "sesuai", "sesuai", 2)])  # B's second document in the quarter: the later
    publish([b_moved])  # redelivered: applied once


@pytest.fixture(scope="module")
def pb():
    from ekinerja.recap.v1 import recap_pb2
    return recap_pb2


def token(test_keys, subject, roles, instansi=INST, nip=None):
    return testing.bearer(test_keys.token(subject=subject, roles=list(roles), instansi=instansi, nip=nip))


def spread(stub, pb, auth, unit_id=UNIT, periode="2025-Q1"):
    return stub.GetUnitPredikatSpread(pb.GetUnitPredikatSpreadRequest(unit_id=unit_id, periode=periode),
                                      metadata=auth, timeout=10)


def test_a_units_spread_counts_each_employee_once(loaded, stub, pb, test_keys):
    admin = token(test_keys, "adm", ("admin_instansi",))
    reply = spread(stub, pb, admin)
    assert (reply.unit_id, reply.periode, reply.jumlah_pegawai) == (UNIT, "2025-Q1", 4)
    assert [(c.predikat, c.kode_predikat, c.jumlah) for c in reply.jumlah] == [
        ("sangat_baik", 1, 1), ("baik", 2, 3), ("butuh_perbaikan", 3, 0), ("kurang", 4, 0), ("sangat_kurang", 5, 0)]
    assert [c.jumlah for c in spread(stub, pb, admin, periode="2025-Q2").jumlah] == [0, 0, 1, 0, 0]
    assert [c.jumlah for c in spread(stub, pb, admin, unit_id=OTHER_UNIT).jumlah] == [0, 0, 0, 0, 1]
    # admin_bkn and an operator (counts are aggregates) see the same
    assert spread(stub, pb, token(test_keys, "bkn", ("admin_bkn",), instansi="")) == reply
    assert spread(stub, pb, token(test_keys, "ops", ("operator",), instansi="")) == reply


def test_who_may_not_and_bad_input(loaded, stub, pb, test_keys):
    for auth in (token(test_keys, M, ("pegawai",), nip=M), token(test_keys, "adm2", ("admin_instansi",), "i-other")):
        with pytest.raises(grpc.RpcError) as error:
            spread(stub, pb, auth)
        assert error.value.code() == grpc.StatusCode.PERMISSION_DENIED
    admin = token(test_keys, "adm", ("admin_instansi",))
    bad = ((UNIT, "2025-13", "periode"), (UNIT, "Q1-2025", "periode"), ("", "2025", "unit_id"))
    for unit_id, periode, field in bad:
        with pytest.raises(grpc.RpcError) as error:
            spread(stub, pb, admin, unit_id, periode)
        assert error.value.code() == grpc.StatusCode.INVALID_ARGUMENT and field in error.value.details()


def test_the_cli_shows_the_spread(loaded, recap, test_keys, tmp_path):
    env = {"EKINERJA_CONFIG_DIR": str(tmp_path), "EKINERJA_RECAP_ENDPOINT": recap.target}
    access = test_keys.token(subject="adm", roles=["admin_instansi"], instansi=INST, ttl_seconds=3600)
    python = str(testing.REPO_ROOT / ".venv" / "bin" / "python")
    subprocess.run([python, "-c", "import json, sys; from ekinerja_cli.config import save_credentials; "
                    "save_credentials(json.loads(sys.argv[1]))",
                    json.dumps({"access_token": access, "access_expires_at": 4102444800})],
                   env={**__import__("os").environ, **env}, check=True)
    done = subprocess.run([str(testing.REPO_ROOT / ".venv" / "bin" / "ekinerja"), "--json", "recap", "sebaran", UNIT,
                           "2025-Q1"], env={**__import__("os").environ, **env}, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["jumlah_pegawai"] == 4 and [c.get("jumlah", 0) for c in data["jumlah"]] == [1, 3, 0, 0, 0]
