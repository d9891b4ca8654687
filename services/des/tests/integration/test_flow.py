"""The life of a daily report against the real service: approved SKP → monthly targets → plan → report →
revision → resubmit → approve → lock → every change refused; the audit trail and the events on the way."""
import json
from decimal import Decimal

import grpc
import pytest
import sqlalchemy as sa

pytestmark = pytest.mark.integration


def rpc_error(fn, *args, **kwargs):
    with pytest.raises(grpc.RpcError) as err:
        fn(*args, **kwargs)
    return err.value


def test_approved_skp_to_locked_report(world, stub, pb, des_db):
    m = pb[0]
    nip, penilai = world.new_nip(), world.new_nip()
    skp_id, kegiatan = world.approve_skp(nip, penilai)
    me, boss = world.token(nip), world.token(penilai)

    # monthly targets: split evenly, adding up to the yearly target
    targets = stub.GetMonthlyTargets(m.GetMonthlyTargetsRequest(skp_id=skp_id), metadata=me, timeout=5).targets
    by_k = {}
    for t in targets:
        by_k.setdefault(t.kegiatan_id, []).append(Decimal(t.kuantitas))
    assert [len(v) for v in by_k.values()] == [12, 12, 12]
    assert by_k[f"{skp_id}-k1"] == [Decimal(2)] * 12
    assert sum(by_k[f"{skp_id}-k2"]) == 100 and by_k[f"{skp_id}-k2"][-4:] == [Decimal(9)] * 4
    assert sum(by_k[f"{skp_id}-k3"]) == Decimal("7.5")

    # adjusting: must add up, else INVALID_ARGUMENT naming the field and nothing changes
    year = world.today().year
    bad = [m.MonthTarget(bulan=f"{year}-{i:02d}", kuantitas="1") for i in range(1, 13)]
    err = rpc_error(stub.SetMonthlyTargets, m.SetMonthlyTargetsRequest(skp_id=skp_id, kegiatan_id=f"{skp_id}-k1",
                                                                       targets=bad), metadata=me, timeout=5)
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT and "targets" in err.details() and "24" in err.details()
    good = [m.MonthTarget(bulan=f"{year}-{i:02d}", kuantitas="13" if i == 1 else "1") for i in range(1, 13)]
    adjusted = stub.SetMonthlyTargets(m.SetMonthlyTargetsRequest(nip=nip, skp_id=skp_id, kegiatan_id=f"{skp_id}-k1",
                                                                 targets=good), metadata=boss, timeout=5)
    assert [t.kuantitas for t in adjusted.targets if t.kegiatan_id == f"{skp_id}-k1"][:2] == ["13.000", "1.000"]

    # plan, then report
    plan = stub.SubmitPlan(m.SubmitPlanRequest(kegiatan_id=f"{skp_id}-k2", uraian="laporan keuangan bulanan",
                                               kuantitas="2"), metadata=me, timeout=5)
    assert plan.satuan == "laporan" and plan.nomor == 2
    report = stub.SubmitActivity(m.SubmitActivityRequest(activity=m.ActivityInput(
        kegiatan_id=f"{skp_id}-k2", uraian="menyusun laporan keuangan", kuantitas="3", jam_mulai="08:00",
        jam_selesai="10:30", evidence_url="https://drive.example/bukti.pdf")), metadata=me, timeout=5)
    assert (report.state, report.menit, report.satuan, report.penilai_nip) == ("submitted", 150, "laporan", penilai)

    queue = stub.ReviewQueue(m.ReviewQueueRequest(), metadata=boss, timeout=5).activities
    assert [a.activity_id for a in queue] == [report.activity_id]
    assert not stub.ReviewQueue(m.ReviewQueueRequest(), metadata=me, timeout=5).activities

    # revision requires a note
    err = rpc_error(stub.RequestRevision, m.RequestRevisionRequest(activity_id=report.activity_id, catatan=" "),
                    metadata=boss, timeout=5)
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT and "catatan" in err.details()
    revised = stub.RequestRevision(m.RequestRevisionRequest(activity_id=report.activity_id,
                                                            catatan="lampirkan draf laporan"), metadata=boss, timeout=5)
    assert revised.state == "revision_requested" and revised.catatan == "lampirkan draf laporan"
    # the employee fixes and resubmits
    fixed = stub.UpdateActivity(m.UpdateActivityRequest(activity_id=report.activity_id, activity=m.ActivityInput(
        kegiatan_id=f"{skp_id}-k2", uraian="menyusun laporan keuangan (draf terlampir)", kuantitas="3", menit=150,
        evidence_url="https://drive.example/draf.pdf")), metadata=me, timeout=5)
    assert fixed.state == "revision_requested"
    resent = stub.SendActivity(m.SendActivityRequest(activity_id=report.activity_id), metadata=me, timeout=5)
    assert resent.state == "resubmitted"
    # the employee cannot approve its own entry
    err = rpc_error(stub.ApproveActivities, m.ApproveActivitiesRequest(items=[m.ApproveItem(
        activity_id=report.activity_id)]), metadata=me, timeout=5)
    assert err.code() == grpc.StatusCode.PERMISSION_DENIED
    approved = stub.ApproveActivities(m.ApproveActivitiesRequest(items=[m.ApproveItem(
        activity_id=report.activity_id, kuantitas_diakui="2")]), metadata=boss, timeout=5).activities[0]
    assert (approved.state, approved.kuantitas_diakui, approved.reviewer_nip) == ("approved", "2.00", penilai)

    quality = stub.SetMonthlyQuality(m.SetMonthlyQualityRequest(
        nip=nip, skp_id=skp_id, kegiatan_id=f"{skp_id}-k2", bulan=world.today().strftime("%Y-%m"),
        kualitas="87.5"), metadata=boss, timeout=5)
    assert quality.kualitas == "87.50"

    locked = stub.LockPeriod(m.LockPeriodRequest(nip=nip, scope=m.LOCK_SCOPE_DAY, tanggal=approved.tanggal),
                             metadata=boss, timeout=5)
    assert list(locked.activity_ids) == [report.activity_id]
    assert stub.GetActivity(m.GetActivityRequest(activity_id=report.activity_id), metadata=me,
                            timeout=5).state == "locked"

    # nothing locked changes: not the employee, not the penilai, no new entry on that day
    for call, req, who in [
        (stub.UpdateActivity, m.UpdateActivityRequest(activity_id=report.activity_id, activity=m.ActivityInput(
            kegiatan_id=f"{skp_id}-k2", uraian="diam-diam diubah", kuantitas="30")), me),
        (stub.SendActivity, m.SendActivityRequest(activity_id=report.activity_id), me),
        (stub.RequestRevision, m.RequestRevisionRequest(activity_id=report.activity_id, catatan="lagi"), boss),
        (stub.ApproveActivities, m.ApproveActivitiesRequest(items=[m.ApproveItem(activity_id=report.activity_id)]),
         boss),
        (stub.SubmitActivity, m.SubmitActivityRequest(activity=m.ActivityInput(
            kegiatan_id=f"{skp_id}-k2", uraian="tambahan", kuantitas="1", tanggal=approved.tanggal)), me),
    ]:
        err = rpc_error(call, req, metadata=who, timeout=5)
        assert err.code() == grpc.StatusCode.FAILED_PRECONDITION, (call, err.details())
        assert f"tanggal {approved.tanggal} terkunci" in err.details() or "entri sudah terkunci" in err.details()
    after = stub.GetActivity(m.GetActivityRequest(activity_id=report.activity_id), metadata=me, timeout=5)
    assert (after.uraian, after.kuantitas, after.state) == (fixed.uraian, "3.00", "locked")

    # only admin_instansi of the same instansi unlocks, with a reason, audited
    admin = world.token("admin-1", roles=("admin_instansi",), instansi="i-test")
    other_admin = world.token("admin-2", roles=("admin_instansi",), instansi="i-other")
    err = rpc_error(stub.UnlockPeriod, m.UnlockPeriodRequest(nip=nip, lock_id=locked.lock_id, reason="salah"),
                    metadata=other_admin, timeout=5)
    assert err.code() == grpc.StatusCode.PERMISSION_DENIED
    err = rpc_error(stub.UnlockPeriod, m.UnlockPeriodRequest(nip=nip, lock_id=locked.lock_id, reason=""),
                    metadata=admin, timeout=5)
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT and "reason" in err.details()
    unlocked = stub.UnlockPeriod(m.UnlockPeriodRequest(nip=nip, lock_id=locked.lock_id,
                                                       reason="kuantitas diakui salah ketik"),
                                 metadata=admin, timeout=5)
    assert list(unlocked.activity_ids) == [report.activity_id]

    trail = stub.GetAuditTrail(m.GetAuditTrailRequest(nip=nip, entity_id=report.activity_id), metadata=admin,
                               timeout=5).records
    assert [r.action for r in trail] == ["create", "request_revision", "edit", "send", "approve", "lock", "unlock"]
    assert trail[-1].reason == "kuantitas diakui salah ketik" and trail[-1].actor == "admin-1"
    assert json.loads(trail[-2].before_json)["state"] == "approved"
    assert json.loads(trail[-2].after_json)["state"] == "locked"

    # the events, exactly as docs/events.md states them, written in the same transactions
    engine = sa.create_engine(des_db)
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT event_type, payload FROM outbox WHERE payload->>'nip' = :n ORDER BY id"),
                            {"n": nip}).all()
    engine.dispose()
    types = [r.event_type for r in rows]
    assert types == ["monthly_targets_set", "monthly_targets_set", "plan_submitted", "activity_submitted",
                     "revision_requested", "activity_submitted", "activity_reviewed", "monthly_quality_set",
                     "period_locked"]
    payloads = {r.event_type: r.payload["data"] for r in rows}
    assert set(payloads["activity_reviewed"]) == {
        "activity_id", "nip", "instansi_id", "unit_id", "tanggal", "skp_id", "kegiatan_id", "jenis",
        "kuantitas_diakui", "menit", "proses", "reviewer_nip", "submitted_at", "reviewed_at", "version"}
    assert payloads["activity_reviewed"]["kuantitas_diakui"] == "2.00"
    assert payloads["period_locked"] == {"nip": nip, "instansi_id": "i-test", "skp_id": skp_id, "scope": "day",
                                         "tanggal": approved.tanggal, "activity_ids": [report.activity_id],
                                         "locked_by": penilai}
    assert payloads["monthly_quality_set"]["kualitas"] == "87.50"
    assert set(payloads["activity_submitted"]) == {
        "activity_id", "nip", "instansi_id", "unit_id", "tanggal", "skp_id", "kegiatan_id", "jenis", "kuantitas",
        "menit", "proses", "penilai_nip", "version"}
