"""Issue 22 item 8 in recap: the PermenPANRB 6/2022 periods rated in skp (``evaluasi_rated``) with the realisation per
IKI and the periodic predikat, read through GetEmployeeRecap under recap's authorisation rules; a redelivered event
is applied once and a rebuild from the event log gives the same rows.

Scenario (instansi i-622): P is a pranata komputer whose penilai is M; X a colleague with no relation to P; the
admin of i-622 and the admin of another instansi."""
from decimal import Decimal

import grpc
import pytest
import recap_events as ev
import sqlalchemy as sa

from ekinerja_platform import testing
from recap.entrypoints import consumers

pytestmark = pytest.mark.integration

INST = "i-622"
M, P, X = "197502022000031201", "199003032015031202", "199104042016031203"


@pytest.fixture(scope="module")
def loaded(publish):
    quarter = ev.evaluasi_rated("s-622", P, INST, "u-1", "2025-Q1", "2025-01-01", "2025-03-31", 3, M, "di_atas",
                                "sesuai", "baik", 2, angka_kredit="3.125", jenjang="ahli_pertama",
                                realisasi=[("iki-1", "1.1", "12", "4", 3), ("iki-2", "1.2", "99.5", "99.8", 0)])
    publish([
        ev.employee_registered(P, INST, "Pranata"), ev.employee_registered(M, INST, "Kabid"),
        ev.employee_registered(X, INST, "Rekan"),
        ev.assignment_changed("h-p", P, INST, "j-p", "u-1", "2025-01-01", penilai=M),
        ev.assignment_changed("h-x", X, INST, "j-x", "u-1", "2025-01-01", penilai=M),
        ev.rencana_kinerja_approved("s-622", P, INST, "u-1", "2025-01-01", "2025-12-31", M,
                                    [("iki-1", "Modul aplikasi selesai", "12", "modul"),
                                     ("iki-2", "Ketersediaan layanan", "99.5", "persen")]),
        ev.activity_reviewed("a-1", nip=P, instansi_id=INST, unit_id="u-1", tanggal="2025-03-04", skp_id="s-622",
                             kegiatan_id="iki-1", diakui=2, reviewer=M),
        ev.activity_reviewed("a-2", nip=P, instansi_id=INST, unit_id="u-1", tanggal="2025-03-05", skp_id="s-622",
                             kegiatan_id="iki-1", diakui="0.5", reviewer=M),
        ev.activity_reviewed("a-3", nip=P, instansi_id=INST, unit_id="u-1", tanggal="2025-04-02", skp_id="s-622",
                             kegiatan_id="iki-1", diakui=1, reviewer=M),
        quarter,
        ev.evaluasi_rated("s-622", P, INST, "u-1", "2025-04", "2025-04-01", "2025-04-30", 1, M, "di_bawah",
                          "di_bawah", "sangat_kurang", 5, realisasi=[("iki-1", "1.1", "12", "0", 0)]),
    ])
    publish([quarter])  # redelivered: the inbox applies it once
    return quarter


@pytest.fixture(scope="module")
def pb():
    from ekinerja.recap.v1 import recap_pb2
    return recap_pb2


def token(test_keys, nip, roles=("pegawai",), instansi=INST):
    return testing.bearer(test_keys.token(subject=nip, roles=list(roles), instansi=instansi))


def recap_of(stub, pb, auth, nip, date, period=None):
    return stub.GetEmployeeRecap(pb.GetEmployeeRecapRequest(nip=nip, period=period or pb.PERIOD_MONTH, date=date),
                                 metadata=auth, timeout=10)


def test_realisation_per_iki_and_the_periodic_predikat(loaded, stub, pb, test_keys, engine):
    march = recap_of(stub, pb, token(test_keys, P), P, "2025-03-10")
    [q1] = march.evaluasi  # the quarter overlaps March; April's month does not
    assert (q1.skp_id, q1.periode, q1.jenis_periode, q1.start, q1.end, q1.bulan) == (
        "s-622", "2025-Q1", "triwulanan", "2025-01-01", "2025-03-31", 3)
    assert (q1.hasil_kerja, q1.perilaku, q1.predikat, q1.kode_predikat, q1.angka_kredit, q1.penilai_nip) == (
        "di_atas", "sesuai", "baik", 2, "3.125", M)
    assert [(r.iki_id, r.nomor, r.target, r.realisasi, r.bukti, r.satuan) for r in q1.realisasi] == [
        ("iki-1", "1.1", "12", "4", 3, "dokumen"), ("iki-2", "1.2", "99.5", "99.8", 0, "dokumen")]

    # the running realisation per IKI from DES, by name, for any period (the approved plan names the IKI)
    [line] = [k for k in march.kegiatan if k.kegiatan_id == "iki-1"]
    assert (line.skp_id, line.nama, line.satuan, Decimal(line.recognised_qty), line.approved) == (
        "s-622", "Modul aplikasi selesai", "modul", Decimal("2.5"), 2)

    year = recap_of(stub, pb, token(test_keys, M), P, "2025-06-01", pb.PERIOD_YEAR)  # the penilai, the year
    [line] = [k for k in year.kegiatan if k.kegiatan_id == "iki-1"]
    assert (Decimal(line.recognised_qty), Decimal(line.target_qty)) == (Decimal("3.5"), Decimal(12))
    assert [(e.periode, e.predikat, e.kode_predikat, e.angka_kredit) for e in year.evaluasi] == [
        ("2025-Q1", "baik", 2, "3.125"), ("2025-04", "sangat_kurang", 5, "")]
    admin = token(test_keys, "admin-622", ("admin_instansi",))
    assert len(recap_of(stub, pb, admin, P, "2025-04-15").evaluasi) == 1

    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM event_log WHERE event_id = CAST(:e AS uuid)"),
                            {"e": loaded["event_id"]}).scalar() == 1
        # (other suites' skp services on the session's vhost may have sent periods of their own employees)
        before = conn.execute(sa.text("SELECT * FROM evaluasi_periodik ORDER BY skp_id, periode")).all()
    assert len([row for row in before if row.nip == P]) == 2
    consumers.rebuild(engine)  # the projection is rebuilt from the event log to the same rows
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT * FROM evaluasi_periodik ORDER BY skp_id, periode")).all() == before


def test_only_those_the_recap_rules_allow_read_it(loaded, stub, pb, test_keys):
    for auth in (token(test_keys, X), token(test_keys, "admin-lain", ("admin_instansi",), "i-lain")):
        with pytest.raises(grpc.RpcError) as error:
            recap_of(stub, pb, auth, P, "2025-03-10")
        assert error.value.code() == grpc.StatusCode.PERMISSION_DENIED
