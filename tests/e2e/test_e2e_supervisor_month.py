"""The supervisor's month across the real services (issue 16.3, 16.5).

Sekda → Kepala Dinas → Kepala Bidang → staff S, all through identity's API. S's SKP is agreed with the Kepala
Bidang (its penilai). S reports; the penilai sees who, what and which kegiatan in the queue, approves the whole day
at once, locks it and still rates the month; until then the month's approved work is "kualitas belum dinilai".
The Sekda, a head far up the chain, reads S's activities, SKP and recap (and the unit recap of the Sekretariat
covers S's unit below it) but every change is PERMISSION_DENIED; a colleague reads nothing.
"""
from __future__ import annotations

import uuid

import grpc
import pytest
from e2e_lib import des_today, eventually, rpc_error

pytestmark = [pytest.mark.integration, pytest.mark.e2e]


class World:
    pass


@pytest.fixture(scope="module")
def world(identity, skp, des):
    w = World()
    w.today = des_today()
    w.bulan = w.today.strftime("%Y-%m")
    year_start = w.today.replace(month=1, day=1)
    inst = w.inst = "E2E-MONTH-" + uuid.uuid4().hex[:6].upper()
    identity.instansi(inst, "Pemerintah Kabupaten Uji Bulan")
    identity.unit(inst, f"{inst}.SET", "Sekretariat Daerah")
    identity.unit(inst, f"{inst}.DIK", "Dinas Pendidikan", f"{inst}.SET")
    identity.unit(inst, f"{inst}.SMP", "Bidang SMP", f"{inst}.DIK")
    identity.jabatan(inst, f"{inst}.SEKDA", f"{inst}.SET", "Sekretaris Daerah", "struktural_jpt", "umum",
                     eselon="II.a")
    identity.jabatan(inst, f"{inst}.KADIS", f"{inst}.DIK", "Kepala Dinas Pendidikan", "struktural_jpt", "umum",
                     f"{inst}.SEKDA", eselon="II.b")
    identity.jabatan(inst, f"{inst}.KABID", f"{inst}.SMP", "Kepala Bidang SMP", "struktural_administrator", "umum",
                     f"{inst}.KADIS", eselon="III.b")
    identity.jabatan(inst, f"{inst}.STAF", f"{inst}.SMP", "Pengolah Data Pendidikan", "pelaksana", "umum",
                     f"{inst}.KABID")
    w.sekda = identity.pegawai(inst, "Sekda Uji", "IV/d")
    w.kadis = identity.pegawai(inst, "Kadis Uji", "IV/c")
    w.kabid = identity.pegawai(inst, "Kabid Uji", "IV/a", gender=2)
    w.staf = identity.pegawai(inst, "Sari Staf", "III/a", gender=2)
    w.rekan = identity.pegawai(inst, "Rekan Staf", "III/a")
    for person, jabatan in ((w.sekda, "SEKDA"), (w.kadis, "KADIS"), (w.kabid, "KABID"), (w.staf, "STAF"),
                            (w.rekan, "STAF")):
        identity.assign(person.nip, f"{inst}.{jabatan}", year_start)
    [draft] = skp.documents(w.staf, w.today.year)
    assert (draft.penilai_nip, draft.atasan_penilai_nip) == (w.kabid.nip, w.kadis.nip)
    w.doc = skp.agree(w.staf, w.kabid, draft, [dict(nama="Mengolah data peserta didik", satuan="dokumen",
                                                    kuantitas="120", waktu="12")])
    w.kegiatan = w.doc.kegiatan[0].kegiatan_id
    des.wait_for_skp(w.staf, w.doc.skp_id)
    return w


def test_days_locked_then_the_month_rated(world, des, recap):
    w, m = world, des.pb
    a = des.report(w.staf, w.today, w.kegiatan, "2", "mengolah data kelas 7")
    b = des.report(w.staf, w.today, w.kegiatan, "1", "mengolah data kelas 8")

    def queued():
        queue = des.stub.ReviewQueue(m.ReviewQueueRequest(), metadata=w.kabid.md(), timeout=20)
        mine = [x for x in queue.activities if x.nip == w.staf.nip]
        assert {x.activity_id for x in mine} == {a.activity_id, b.activity_id}
        assert {(x.nama, x.kegiatan_nama, x.satuan) for x in mine} == {
            ("Sari Staf", "Mengolah data peserta didik", "dokumen")}
        return mine
    eventually(queued, what="the queue names the employee and the kegiatan")

    day = des.stub.ApproveDay(m.ApproveDayRequest(nip=w.staf.nip, tanggal=w.today.isoformat()),
                              metadata=w.kabid.md(True), timeout=20)
    assert {x.state for x in day.activities} == {"approved"} and len(day.activities) == 2
    unrated = des.stub.ReviewQueue(m.ReviewQueueRequest(), metadata=w.kabid.md(), timeout=20).kualitas_belum_dinilai
    assert [(u.nip, u.kegiatan_id, u.bulan) for u in unrated] == [(w.staf.nip, w.kegiatan, w.bulan)]

    lock = des.stub.LockPeriod(m.LockPeriodRequest(nip=w.staf.nip, scope=m.LOCK_SCOPE_DAY,
                                                   tanggal=w.today.isoformat()), metadata=w.kabid.md(True), timeout=20)
    late = rpc_error(lambda: des.report(w.staf, w.today, w.kegiatan, "1", "susulan"))
    assert late.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert f"tanggal {w.today.isoformat()} terkunci" in late.details()
    rated = des.stub.SetMonthlyQuality(m.SetMonthlyQualityRequest(
        nip=w.staf.nip, skp_id=w.doc.skp_id, kegiatan_id=w.kegiatan, bulan=w.bulan, kualitas="92"),
        metadata=w.kabid.md(True), timeout=20)
    assert rated.kualitas == "92.00"
    assert not des.stub.ReviewQueue(m.ReviewQueueRequest(), metadata=w.kabid.md(),
                                    timeout=20).kualitas_belum_dinilai
    locks = des.stub.ListLocks(m.ListLocksRequest(nip=w.staf.nip), metadata=w.kabid.md(), timeout=20).locks
    assert [x.lock_id for x in locks] == [lock.lock_id]

    stub, rpb = recap

    def rated_in_recap():
        reply = stub.GetEmployeeRecap(rpb.GetEmployeeRecapRequest(nip=w.staf.nip, period=rpb.PERIOD_MONTH,
                                                                  date=w.today.isoformat()),
                                      metadata=w.staf.md(), timeout=20)
        [line] = [k for k in reply.kegiatan if k.kegiatan_id == w.kegiatan]
        assert (line.recognised_qty, line.kualitas, line.kualitas_belum_dinilai) == ("3.00", "92.00", False), line
    eventually(rated_in_recap, what="recap counts the approved work and its kualitas")


def test_a_chain_head_reads_the_month_but_changes_nothing(world, identity, skp, des, recap):
    w, m = world, des.pb
    chain = identity.stub.GetSupervisorChain(identity.pb.GetSupervisorChainRequest(nip=w.staf.nip),
                                             metadata=identity.admin(), timeout=20)
    assert [h.nip for h in chain.heads] == [w.kabid.nip, w.kadis.nip, w.sekda.nip]
    entry = des.report(w.staf, w.today, w.kegiatan, "1", "mengolah data kelas 9") if not _locked_today(des, w) \
        else None

    # reads: the person and its chain in identity; activities, plans, targets, SKP, recap (the heads reach des, skp
    # and recap through identity's events)
    assert identity.stub.GetPegawai(identity.pb.GetPegawaiRequest(nip=w.staf.nip), metadata=w.sekda.md(),
                                    timeout=20).nama == "Sari Staf"

    def reads():
        des.stub.ListActivities(m.ListActivitiesRequest(nip=w.staf.nip), metadata=w.sekda.md(), timeout=20)
        des.stub.ListPlans(m.ListPlansRequest(nip=w.staf.nip), metadata=w.sekda.md(), timeout=20)
        des.stub.GetMonthlyTargets(m.GetMonthlyTargetsRequest(nip=w.staf.nip, skp_id=w.doc.skp_id),
                                   metadata=w.sekda.md(), timeout=20)
        docs = skp.stub.ListSkp(skp.pb.ListSkpRequest(nip=w.staf.nip), metadata=w.sekda.md(), timeout=20).documents
        assert w.doc.skp_id in {d.skp_id for d in docs}
        skp.stub.GetSkp(skp.pb.GetSkpRequest(skp_id=w.doc.skp_id), metadata=w.sekda.md(), timeout=20)
        stub, rpb = recap
        stub.GetEmployeeRecap(rpb.GetEmployeeRecapRequest(nip=w.staf.nip, period=rpb.PERIOD_MONTH,
                                                          date=w.today.isoformat()), metadata=w.sekda.md(), timeout=20)
        unit = stub.GetUnitRecap(rpb.GetUnitRecapRequest(unit_id=f"{w.inst}.SET", period=rpb.PERIOD_MONTH,
                                                         date=w.today.isoformat()), metadata=w.sekda.md(), timeout=20)
        assert w.staf.nip in {r.nip for r in unit.rows}, "the Sekretariat's recap covers the units below it"
    eventually(reads, what="the Sekda reads the staff's month", codes=(grpc.StatusCode.PERMISSION_DENIED,))

    # changes: none
    writes = [
        (des.stub.SetMonthlyQuality, m.SetMonthlyQualityRequest(nip=w.staf.nip, skp_id=w.doc.skp_id,
                                                                kegiatan_id=w.kegiatan, bulan=w.bulan, kualitas="50")),
        (des.stub.LockPeriod, m.LockPeriodRequest(nip=w.staf.nip, scope=m.LOCK_SCOPE_MONTH, bulan=w.bulan)),
        (des.stub.SetMonthlyTargets, m.SetMonthlyTargetsRequest(nip=w.staf.nip, skp_id=w.doc.skp_id,
                                                                kegiatan_id=w.kegiatan)),
        (skp.stub.SetPerilaku, skp.pb.SetPerilakuRequest(skp_id=w.doc.skp_id, perilaku=skp.pb.PerilakuValues(
            integritas="50"))),
        (skp.stub.ReturnSkp, skp.pb.ReturnSkpRequest(skp_id=w.doc.skp_id, note="ubah")),
    ]
    if entry is not None:
        writes += [(des.stub.ApproveActivities, m.ApproveActivitiesRequest(items=[m.ApproveItem(
            activity_id=entry.activity_id)])), (des.stub.ApproveDay, m.ApproveDayRequest(
                nip=w.staf.nip, tanggal=w.today.isoformat()))]
    for call, request in writes:
        error = rpc_error(lambda call=call, request=request: call(request, metadata=w.sekda.md(True), timeout=20))
        assert error.code() == grpc.StatusCode.PERMISSION_DENIED, (call, error.details())

    # a colleague reads nothing: PERMISSION_DENIED, never an empty list
    for read in (lambda: des.stub.ListActivities(m.ListActivitiesRequest(nip=w.staf.nip), metadata=w.rekan.md(),
                                                 timeout=20),
                 lambda: skp.stub.ListSkp(skp.pb.ListSkpRequest(nip=w.staf.nip), metadata=w.rekan.md(), timeout=20)):
        assert rpc_error(read).code() == grpc.StatusCode.PERMISSION_DENIED


def _locked_today(des, w) -> bool:
    locks = des.stub.ListLocks(des.pb.ListLocksRequest(nip=w.staf.nip), metadata=w.kabid.md(), timeout=20).locks
    return any(x.tanggal_start <= w.today.isoformat() <= x.tanggal_end for x in locks)
