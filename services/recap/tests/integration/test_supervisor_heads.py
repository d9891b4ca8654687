"""The supervisor's month in recap (issue 16.3, 16.5): every head up the chain (identity's `heads`) reads the
recaps of everyone below it, and a head's unit recap covers the unit's subtree; approved work without kualitas
shows "kualitas belum dinilai"; an outsider gets PERMISSION_DENIED, never another agency's unit name.

Scenario (April 2025, instansi i-9): K is Kepala Dinas (unit u-dinas); M is Kepala Bidang (u-bidang) under K; S is
staff in u-bidang whose penilai is M. X is a colleague in u-bidang with no relation to S; OUT works elsewhere."""
import grpc
import pytest
import recap_events as ev

from ekinerja_platform import testing

pytestmark = pytest.mark.integration

INST = "i-9"
K, M, S, X, OUT = ("196801011990031101", "197502022000031102", "199003032015031103", "199104042016031104",
                 "198805052012031105")
APRIL = "2025-04-20"


@pytest.fixture(scope="module")
def loaded(publish):
    publish([
        *[ev.employee_registered(nip, INST, nama) for nip, nama in ((K, "Kadis"), (M, "Kabid"), (S, "Staf"),
                                                                    (X, "Rekan"))],
        ev.employee_registered(OUT, "i-10", "Orang Luar"),
        ev.position_changed("j-kadis", INST, "u-dinas", unit_nama="Dinas Pendidikan"),
        ev.position_changed("j-kabid", INST, "u-bidang", unit_nama="Bidang SMP"),
        ev.assignment_changed("h-k", K, INST, "j-kadis", "u-dinas", "2025-01-01", heads=[]),
        ev.assignment_changed("h-m", M, INST, "j-kabid", "u-bidang", "2025-01-01", penilai=K, heads=[K]),
        ev.assignment_changed("h-s", S, INST, "j-staf", "u-bidang", "2025-01-01", penilai=M, heads=[M, K]),
        ev.assignment_changed("h-x", X, INST, "j-staf2", "u-bidang", "2025-01-01", penilai=M, heads=[M, K]),
        ev.assignment_changed("h-o", OUT, "i-10", "j-o", "u-luar", "2025-01-01", heads=[]),
        *ev.with_targets(ev.skp_approved("s-s", S, INST, "u-bidang", "j-staf", "2025-01-01", "2025-12-31", M,
                                         [("k1", 12), ("k2", 12)])),
        ev.activity_reviewed("s1", nip=S, instansi_id=INST, unit_id="u-bidang", tanggal="2025-04-07", skp_id="s-s",
                             kegiatan_id="k1", diakui=2, reviewer=M),
        ev.activity_reviewed("s2", nip=S, instansi_id=INST, unit_id="u-bidang", tanggal="2025-04-08", skp_id="s-s",
                             kegiatan_id="k2", diakui=1, reviewer=M),
        ev.monthly_quality_set("s-s", S, INST, "k2", 2025, 4, "85"),
    ])


@pytest.fixture(scope="module")
def pb():
    from ekinerja.recap.v1 import recap_pb2
    return recap_pb2


@pytest.fixture(scope="module")
def who(test_keys):
    def token(nip, instansi=INST):
        return testing.bearer(test_keys.token(subject=nip, roles=["pegawai"], instansi=instansi))
    admin = testing.bearer(test_keys.token(subject="admin-i9", roles=["admin_instansi"], instansi=INST))
    return {"K": token(K), "M": token(M), "S": token(S), "X": token(X), "O": token(OUT, "i-10"), "admin": admin}


def month(pb, nip):
    return pb.GetEmployeeRecapRequest(nip=nip, period=pb.PERIOD_MONTH, date=APRIL)


def test_a_head_reads_the_month_of_everyone_below(loaded, stub, pb, who):
    """Without the heads relation the Kepala Dinas gets PERMISSION_DENIED."""
    for head in ("K", "M"):
        recap = stub.GetEmployeeRecap(month(pb, S), metadata=who[head], timeout=10)
        assert recap.nip == S and {k.kegiatan_id for k in recap.kegiatan} == {"k1", "k2"}
    for outsider in ("X", "O"):
        with pytest.raises(grpc.RpcError) as error:
            stub.GetEmployeeRecap(month(pb, S), metadata=who[outsider], timeout=10)
        assert error.value.code() == grpc.StatusCode.PERMISSION_DENIED


def test_approved_work_without_kualitas_is_listed_as_belum_dinilai(loaded, stub, pb, who):
    recap = stub.GetEmployeeRecap(month(pb, S), metadata=who["M"], timeout=10)
    flags = {k.kegiatan_id: (k.kualitas, k.kualitas_belum_dinilai) for k in recap.kegiatan}
    assert flags["k1"][1] is True and not flags["k1"][0]
    assert flags["k2"][1] is False and flags["k2"][0]
    year = stub.GetEmployeeRecap(pb.GetEmployeeRecapRequest(nip=S, period=pb.PERIOD_YEAR, date=APRIL),
                                 metadata=who["S"], timeout=10)
    assert {k.kegiatan_id: k.kualitas_belum_dinilai for k in year.kegiatan} == {"k1": True, "k2": False}


def test_a_heads_unit_recap_covers_the_units_below(loaded, stub, pb, who):
    """The Kepala Dinas's recap of u-dinas has the rows of u-bidang too (without the subtree:
    only K's own row)."""
    recap = stub.GetUnitRecap(pb.GetUnitRecapRequest(unit_id="u-dinas", period=pb.PERIOD_MONTH, date=APRIL),
                              metadata=who["K"], timeout=10)
    assert {r.nip for r in recap.rows} == {K, M, S, X}
    assert {r.nip: r.unit_id for r in recap.rows}[S] == "u-bidang"
    mine = stub.GetUnitRecap(pb.GetUnitRecapRequest(unit_id="u-bidang", period=pb.PERIOD_MONTH, date=APRIL),
                             metadata=who["M"], timeout=10)
    assert {r.nip for r in mine.rows} == {M, S, X}


def test_the_closed_months_unit_recap_covers_the_units_below_too(loaded, stub, pb, who):
    stub.CloseMonth(pb.CloseMonthRequest(instansi_id=INST, tahun=2025, bulan=4), metadata=who["admin"], timeout=30)
    closed = stub.GetUnitRecap(pb.GetUnitRecapRequest(unit_id="u-dinas", period=pb.PERIOD_MONTH, date=APRIL,
                                                      snapshot=True), metadata=who["K"], timeout=10)
    assert {r.nip for r in closed.rows} == {K, M, S, X}


def test_an_outsider_learns_no_name_of_another_agencys_unit(loaded, stub, pb, who):
    with pytest.raises(grpc.RpcError) as error:
        stub.GetUnitRecap(pb.GetUnitRecapRequest(unit_id="u-dinas", period=pb.PERIOD_MONTH, date=APRIL),
                          metadata=who["O"], timeout=10)
    assert error.value.code() == grpc.StatusCode.PERMISSION_DENIED
    assert "Dinas Pendidikan" not in error.value.details()
