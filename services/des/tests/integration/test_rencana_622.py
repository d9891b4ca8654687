"""Issue 22 item 8 in des: under PermenPANRB 6/2022 an activity report names an IKI of the employee's approved plan,
which des learns from skp's ``rencana_kinerja_approved`` (applied once, the highest version kept). A report naming
anything else is refused with INVALID_ARGUMENT on ``kegiatan_id`` and nothing is stored; PP 46 documents answer as
before."""
import uuid

import grpc
import pytest
import sqlalchemy as sa

from ekinerja_platform import testing
from ekinerja_platform.outbox import Event
from ekinerja_platform.testing import wait_for

pytestmark = pytest.mark.integration
INSTANSI = "i-622"


def plan_event(nip, penilai, skp_id, rhk, version, year):
    return Event("rencana_kinerja_approved", "skp", {
        "skp_id": skp_id, "nip": nip, "instansi_id": INSTANSI, "unit_id": "u-1", "jabatan_id": "j-1",
        "ruleset": "permenpanrb-6-2022", "period_start": f"{year}-01-01", "period_end": f"{year}-12-31",
        "penilai_nip": penilai, "atasan_penilai_nip": None, "pendekatan": "kuantitatif", "rhk": rhk,
        "version": version}, nip=nip, instansi_id=INSTANSI).envelope()


def iki(uraian, target="12", satuan="dokumen"):
    return {"iki_id": str(uuid.uuid4()), "nomor": 1, "uraian": uraian, "aspek": "kuantitas", "target": target,
            "satuan": satuan}


def rows(engine, sql, **params):
    with engine.connect() as conn:
        return conn.execute(sa.text(sql), params).all()


def refused(call) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as error:
        call()
    return error.value


def test_a_report_names_an_iki_of_the_approved_plan(world, stub, pb, des_db, amqp_uri):
    m = pb[0]
    engine = sa.create_engine(des_db)
    nip, penilai = world.new_nip(), world.new_nip()
    year = world.today().year
    skp_id = str(uuid.uuid4())
    i1, i2, i3 = iki("Laporan monitoring jaringan"), iki("Aplikasi dikembangkan", "4", "aplikasi"), iki("Kajian")
    rhk = [{"rhk_id": "r1", "nomor": 1, "jenis": "utama", "uraian": "Layanan daring tersedia", "iki": [i1, i2]},
           {"rhk_id": "r2", "nomor": 2, "jenis": "tambahan", "uraian": "Kajian kebijakan", "iki": [i3]}]
    first = plan_event(nip, penilai, skp_id, rhk, 3, year)
    testing.publish_event(amqp_uri, first)
    testing.publish_event(amqp_uri, first)  # redelivered: the inbox applies it once
    assert wait_for(lambda: rows(engine, "SELECT 1 FROM skp_kegiatan WHERE nip = :n", n=nip), timeout=20)
    assert sorted(rows(engine, "SELECT kegiatan_id, rhk_id, nomor, satuan, kuantitas FROM skp_kegiatan "
                               "WHERE nip = :n ORDER BY nomor", n=nip)) == sorted([
        (i1["iki_id"], "r1", 1, "dokumen", 12), (i2["iki_id"], "r1", 2, "aplikasi", 4),
        (i3["iki_id"], "r2", 3, "dokumen", 12)])
    assert rows(engine, "SELECT ruleset, version, penilai_nip FROM skp_documents WHERE nip = :n", n=nip) == [
        ("permenpanrb-6-2022", 3, penilai)]
    me = world.token(nip, instansi=INSTANSI)

    # tied to an IKI of the approved plan: accepted, sent to the penilai, counted in the IKI's satuan
    report = stub.SubmitActivity(m.SubmitActivityRequest(activity=m.ActivityInput(
        kegiatan_id=i2["iki_id"], uraian="modul pendaftaran daring", kuantitas="1", menit=90)), metadata=me,
        timeout=10)
    assert (report.kegiatan_id, report.skp_id, report.satuan, report.penilai_nip) == (
        i2["iki_id"], skp_id, "aplikasi", penilai)

    # any other id is refused naming the field, and nothing is stored
    def count():
        return rows(engine, "SELECT count(*) FROM activities WHERE nip = :n", n=nip)[0][0]
    before = count()
    for wrong in (str(uuid.uuid4()), "r1"):  # an unknown id; an RHK is not an IKI
        error = refused(lambda wrong=wrong: stub.SubmitActivity(m.SubmitActivityRequest(activity=m.ActivityInput(
            kegiatan_id=wrong, uraian="x", kuantitas="1", menit=30)), metadata=me, timeout=10))
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert "kegiatan_id" in error.details() and "bukan IKI" in error.details()
    error = refused(lambda: stub.SubmitActivity(m.SubmitActivityRequest(activity=m.ActivityInput(
        uraian="tanpa IKI", kuantitas="1", menit=30)), metadata=me, timeout=10))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT and "kegiatan_id" in error.details()
    assert count() == before

    # a revision drops an IKI: reports against it are refused from then on; the older plan arriving late is ignored
    revised = plan_event(nip, penilai, skp_id, rhk[:1], 5, year)
    testing.publish_event(amqp_uri, revised)
    assert wait_for(lambda: len(rows(engine, "SELECT 1 FROM skp_kegiatan WHERE nip = :n", n=nip)) == 2, timeout=20)
    older = plan_event(nip, penilai, skp_id, rhk, 4, year)  # a new event id, an older version
    testing.publish_event(amqp_uri, older)
    assert wait_for(lambda: rows(engine, "SELECT 1 FROM inbox WHERE event_id = CAST(:e AS uuid)",
                                 e=older["event_id"]), timeout=20)
    assert len(rows(engine, "SELECT 1 FROM skp_kegiatan WHERE nip = :n", n=nip)) == 2
    error = refused(lambda: stub.SubmitActivity(m.SubmitActivityRequest(activity=m.ActivityInput(
        kegiatan_id=i3["iki_id"], uraian="kajian", kuantitas="1", menit=30)), metadata=me, timeout=10))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT and "kegiatan_id" in error.details()
    applied = rows(engine, "SELECT after FROM audit_trail WHERE nip = :n AND action = 'rencana_kinerja_approved' "
                           "ORDER BY audit_id", n=nip)
    assert [a[0]["version"] for a in applied] == [3, 5]  # the redelivery and the older version changed nothing

    # no monthly split for a 6/2022 plan: not adjustable, and a close publishes none
    error = refused(lambda: stub.SetMonthlyTargets(m.SetMonthlyTargetsRequest(
        nip=nip, skp_id=skp_id, kegiatan_id=i1["iki_id"], targets=[m.MonthTarget(bulan=f"{year}-01", kuantitas="12")]),
        metadata=world.token(penilai, instansi=INSTANSI), timeout=10))
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION and "skp_id" in error.details()
    closed = Event("skp_closed", "skp", {"skp_id": skp_id, "nip": nip, "instansi_id": INSTANSI,
                                         "period_end": f"{year}-06-30", "reason": "moved", "nilai_prestasi_kerja": None,
                                         "kegiatan": []}, nip=nip, instansi_id=INSTANSI).envelope()
    testing.publish_event(amqp_uri, closed)
    assert wait_for(lambda: rows(engine, "SELECT 1 FROM skp_documents WHERE nip = :n AND closed", n=nip), timeout=20)
    assert rows(engine, "SELECT count(*) FROM outbox WHERE event_type = 'monthly_targets_set' "
                        "AND payload->'data'->>'skp_id' = :s", s=skp_id) == [(0,)]
    engine.dispose()


def test_a_pp46_report_is_refused_as_before(world, stub, pb):
    m = pb[0]
    nip, penilai = world.new_nip(), world.new_nip()
    skp_id, kegiatan = world.approve_skp(nip, penilai)
    me = world.token(nip)
    error = refused(lambda: stub.SubmitActivity(m.SubmitActivityRequest(activity=m.ActivityInput(
        kegiatan_id="no-such", uraian="x", kuantitas="1", menit=30)), metadata=me, timeout=10))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert error.details().endswith(f"'no-such' is not a kegiatan of SKP {skp_id}") or \
        "is not a kegiatan of SKP" in error.details()
    ok = stub.SubmitActivity(m.SubmitActivityRequest(activity=m.ActivityInput(
        kegiatan_id=kegiatan[0]["kegiatan_id"], uraian="konsep", kuantitas="1", menit=30)), metadata=me, timeout=10)
    assert ok.satuan == "konsep"
