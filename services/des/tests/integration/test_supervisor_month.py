"""The supervisor's month in des (issue 16.3/16.5): days locked as the penilai goes never block the month's
kualitas; the review queue names who, what and the kegiatan, and lists "kualitas belum dinilai"; a whole
employee-day is approved at once; locks are listed with the ids UnlockPeriod needs; refusals name the exact day."""
import datetime as dt

import grpc
import pytest

from ekinerja_platform import testing
from ekinerja_platform.outbox import Event

pytestmark = pytest.mark.integration


def rpc_error(fn, *args, **kwargs):
    with pytest.raises(grpc.RpcError) as err:
        fn(*args, **kwargs)
    return err.value


def report(stub, m, me, kegiatan_id, tanggal, uraian, kuantitas="1"):
    return stub.SubmitActivity(m.SubmitActivityRequest(activity=m.ActivityInput(
        kegiatan_id=kegiatan_id, tanggal=tanggal, uraian=uraian, kuantitas=kuantitas)), metadata=me, timeout=5)


def test_days_locked_then_month_rated_and_a_usable_queue(world, stub, pb):
    m = pb[0]
    nip, penilai = world.new_nip(), world.new_nip()
    testing.publish_event(world.amqp_uri, Event("employee_registered", "identity", {
        "nip": nip, "nama": "Siti Rahma", "instansi_id": "i-test", "golongan": "III/a", "status": "aktif"},
        nip=nip, instansi_id="i-test").envelope())
    skp_id, kegiatan = world.approve_skp(nip, penilai)
    k1 = kegiatan[0]["kegiatan_id"]
    me, boss = world.token(nip), world.token(penilai)
    today = world.today()
    day1 = today.replace(day=1) if today.day > 1 else today
    day2 = today
    a = report(stub, m, me, k1, day1.isoformat(), "konsep surat undangan")
    b = report(stub, m, me, k1, day1.isoformat(), "konsep nota dinas", "2")

    assert testing.wait_for(lambda: stub.ReviewQueue(m.ReviewQueueRequest(), metadata=boss, timeout=5)
                            .activities[0].nama == "Siti Rahma", timeout=20)
    queue = stub.ReviewQueue(m.ReviewQueueRequest(), metadata=boss, timeout=5)
    first = queue.activities[0]
    assert (first.nama, first.kegiatan_nama, first.tanggal, first.satuan) == (
        "Siti Rahma", "Menyusun konsep surat", day1.isoformat(), "konsep")
    assert {x.activity_id for x in queue.activities} == {a.activity_id, b.activity_id}

    # the whole employee-day at once (only its penilai)
    err = rpc_error(stub.ApproveDay, m.ApproveDayRequest(nip=nip, tanggal=day1.isoformat()), metadata=me, timeout=5)
    assert err.code() == grpc.StatusCode.PERMISSION_DENIED
    done = stub.ApproveDay(m.ApproveDayRequest(nip=nip, tanggal=day1.isoformat()), metadata=boss, timeout=5)
    assert sorted(x.activity_id for x in done.activities) == sorted([a.activity_id, b.activity_id])
    assert {x.state for x in done.activities} == {"approved"}
    err = rpc_error(stub.ApproveDay, m.ApproveDayRequest(nip=nip, tanggal=day1.isoformat()), metadata=boss, timeout=5)
    assert err.code() == grpc.StatusCode.FAILED_PRECONDITION and day1.isoformat() in err.details()

    # approved work with no kualitas is listed as "kualitas belum dinilai"
    queue = stub.ReviewQueue(m.ReviewQueueRequest(), metadata=boss, timeout=5)
    unrated = [(u.nip, u.nama, u.kegiatan_id, u.bulan, u.realisasi) for u in queue.kualitas_belum_dinilai]
    assert unrated == [(nip, "Siti Rahma", k1, day1.strftime("%Y-%m"), "3.00")]

    # lock the day, then the month is still rated (fails without the fix: "2026-12 is locked")
    lock = stub.LockPeriod(m.LockPeriodRequest(nip=nip, scope=m.LOCK_SCOPE_DAY, tanggal=day1.isoformat()),
                           metadata=boss, timeout=5)
    rated = stub.SetMonthlyQuality(m.SetMonthlyQualityRequest(nip=nip, skp_id=skp_id, kegiatan_id=k1,
                                                              bulan=day1.strftime("%Y-%m"), kualitas="90"),
                                   metadata=boss, timeout=5)
    assert rated.kualitas == "90.00"
    assert not stub.ReviewQueue(m.ReviewQueueRequest(), metadata=boss, timeout=5).kualitas_belum_dinilai

    # the refusal names the locked day, not the month
    err = rpc_error(report, stub, m, me, k1, day1.isoformat(), "susulan")
    assert err.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert f"tanggal {day1.isoformat()} terkunci" in err.details(), err.details()

    # the locks, with the id UnlockPeriod needs
    locks = stub.ListLocks(m.ListLocksRequest(nip=nip), metadata=boss, timeout=5).locks
    assert [(x.lock_id, x.scope, x.tanggal_start, x.unlocked_at) for x in locks] == [
        (lock.lock_id, "day", day1.isoformat(), "")]
    outsider = world.token(world.new_nip())
    err = rpc_error(stub.ListLocks, m.ListLocksRequest(nip=nip), metadata=outsider, timeout=5)
    assert err.code() == grpc.StatusCode.PERMISSION_DENIED
    if day2 != day1:
        report(stub, m, me, k1, day2.isoformat(), "konsep hari ini")
    assert dt.date.fromisoformat(locks[0].tanggal_end) == day1


def test_a_head_up_the_chain_reads_but_never_changes(world, stub, pb):
    """The Kepala Dinas (a head in identity's chain, not the penilai) reads the subordinate's month; every change
    is PERMISSION_DENIED; a colleague reads nothing (without the head relation the reads are denied)."""
    m = pb[0]
    nip, penilai, kadis, colleague = world.new_nip(), world.new_nip(), world.new_nip(), world.new_nip()
    testing.publish_event(world.amqp_uri, Event("assignment_changed", "identity", {
        "assignment_id": "a-1", "nip": nip, "instansi_id": "i-test", "acting": False,
        "effective_date": f"{world.today().year}-01-01", "old": None,
        "new": {"jabatan_id": "j-1", "jabatan_nama": "Analis SDM Aparatur", "unit_id": "u-1", "unit_nama": "Biro SDM",
                "kind": "fungsional", "job_group": "umum", "jenis_jabatan": None,
                "start": f"{world.today().year}-01-01", "end": None},
        "penilai_nip": penilai, "atasan_penilai_nip": None,
        "heads": [penilai, kadis], "version": 1}, nip=nip, instansi_id="i-test").envelope())
    skp_id, kegiatan = world.approve_skp(nip, penilai)
    k1 = kegiatan[0]["kegiatan_id"]
    me, head, other = world.token(nip), world.token(kadis), world.token(colleague)
    entry = report(stub, m, me, k1, world.today().isoformat(), "konsep surat")

    def reads(who):
        return stub.ListActivities(m.ListActivitiesRequest(nip=nip), metadata=who, timeout=5).activities
    assert testing.wait_for(lambda: [a.activity_id for a in reads(head)] == [entry.activity_id], timeout=20)
    assert stub.GetActivity(m.GetActivityRequest(activity_id=entry.activity_id), metadata=head,
                            timeout=5).uraian == "konsep surat"
    assert stub.GetMonthlyTargets(m.GetMonthlyTargetsRequest(nip=nip, skp_id=skp_id), metadata=head,
                                  timeout=5).targets
    stub.ListPlans(m.ListPlansRequest(nip=nip), metadata=head, timeout=5)
    stub.GetAuditTrail(m.GetAuditTrailRequest(nip=nip), metadata=head, timeout=5)
    for call, request in [
        (stub.ApproveActivities, m.ApproveActivitiesRequest(items=[m.ApproveItem(activity_id=entry.activity_id)])),
        (stub.ApproveDay, m.ApproveDayRequest(nip=nip, tanggal=entry.tanggal)),
        (stub.RequestRevision, m.RequestRevisionRequest(activity_id=entry.activity_id, catatan="ubah")),
        (stub.SetMonthlyQuality, m.SetMonthlyQualityRequest(nip=nip, skp_id=skp_id, kegiatan_id=k1,
                                                            bulan=entry.tanggal[:7], kualitas="80")),
        (stub.LockPeriod, m.LockPeriodRequest(nip=nip, scope=m.LOCK_SCOPE_DAY, tanggal=entry.tanggal)),
        (stub.SetMonthlyTargets, m.SetMonthlyTargetsRequest(nip=nip, skp_id=skp_id, kegiatan_id=k1)),
    ]:
        err = rpc_error(call, request, metadata=head, timeout=5)
        assert err.code() == grpc.StatusCode.PERMISSION_DENIED, (call, err.details())
    err = rpc_error(reads, other)
    assert err.code() == grpc.StatusCode.PERMISSION_DENIED
    assert stub.GetActivity(m.GetActivityRequest(activity_id=entry.activity_id), metadata=me,
                            timeout=5).state == "submitted"


def test_the_penilai_walks_the_queue_with_the_cli(world, stub, pb, des_service, test_keys, tmp_path, monkeypatch,
                                                  capsys):
    """The queue as printed: the full id (which `review revise` accepts as printed), the name and the kegiatan;
    `review approve-day`, `review locks` with the lock id, `report edit --kirim` of an entry returned for revision,
    `des audit`."""
    import json
    import time as _time

    from ekinerja_cli.main import main
    m = pb[0]
    nip, penilai = world.new_nip(), world.new_nip()
    testing.publish_event(world.amqp_uri, Event("employee_registered", "identity", {
        "nip": nip, "nama": "Dewi Lestari", "instansi_id": "i-test", "golongan": "III/a", "status": "aktif"},
        nip=nip, instansi_id="i-test").envelope())
    skp_id, kegiatan = world.approve_skp(nip, penilai)
    k1 = kegiatan[0]["kegiatan_id"]
    day = world.today().isoformat()
    first = report(stub, m, world.token(nip), k1, day, "konsep undangan rapat")
    second = report(stub, m, world.token(nip), k1, day, "konsep surat edaran")
    monkeypatch.setenv("EKINERJA_CONFIG_DIR", str(tmp_path))
    monkeypatch.setenv("COLUMNS", "250")
    endpoint = ["--endpoint", f"des={des_service.target}"]

    def login(who):
        (tmp_path / "credentials.json").write_text(json.dumps({
            "access_token": test_keys.token(subject=who, roles=["pegawai"], instansi="i-test"),
            "access_expires_at": _time.time() + 600, "nip": who}))

    login(penilai)
    assert testing.wait_for(lambda: main(endpoint + ["des", "review", "queue"]) == 0
                            and "Dewi Lestari" in capsys.readouterr().out, timeout=20)
    assert main(endpoint + ["des", "review", "queue"]) == 0
    printed = capsys.readouterr().out
    assert first.activity_id in printed and "Menyusun konsep surat" in printed and "1.00 konsep" in printed
    assert main(endpoint + ["des", "review", "revise", second.activity_id, "--catatan", "lampirkan draf"]) == 0
    capsys.readouterr()

    login(nip)
    assert main(endpoint + ["des", "report", "edit", second.activity_id, "--uraian", "konsep surat edaran (draf)",
                            "--kirim"]) == 0
    assert "resubmitted" in capsys.readouterr().out

    login(penilai)
    assert main(endpoint + ["des", "review", "approve-day", "--nip", nip, "--tanggal", day]) == 0
    assert capsys.readouterr().out.count("approved") == 2
    assert main(endpoint + ["des", "review", "lock", "--nip", nip, "--tanggal", day]) == 0
    capsys.readouterr()
    assert main(endpoint + ["--json", "des", "review", "locks", "--nip", nip]) == 0
    [lock] = json.loads(capsys.readouterr().out)["locks"]
    assert lock["tanggal_start"] == day and lock["scope"] == "day"
    assert main(endpoint + ["--json", "des", "audit", "--nip", nip, "--entitas", second.activity_id]) == 0
    actions = [r["action"] for r in json.loads(capsys.readouterr().out)["records"]]
    assert actions == ["create", "request_revision", "edit", "send", "approve", "lock"]
