"""Against the real service: idempotent retries, concurrent reviewers, the entry window and future dates, evidence
files, quick entry and the authorisation matrix through gRPC."""
import datetime as dt
import threading
import time
import uuid

import grpc
import pytest
import sqlalchemy as sa

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def engine(des_db):
    eng = sa.create_engine(des_db)
    yield eng
    eng.dispose()


@pytest.fixture
def employee(world):
    nip, penilai = world.new_nip(), world.new_nip()
    skp_id, kegiatan = world.approve_skp(nip, penilai)
    return dict(nip=nip, penilai=penilai, skp_id=skp_id, k=[k["kegiatan_id"] for k in kegiatan],
                me=world.token(nip), boss=world.token(penilai))


def submit(stub, m, who, kegiatan_id, key=None, **fields):
    fields.setdefault("uraian", "menyusun laporan")
    fields.setdefault("kuantitas", "1")
    return stub.SubmitActivity(m.SubmitActivityRequest(activity=m.ActivityInput(kegiatan_id=kegiatan_id, **fields),
                                                       idempotency_key=key or ""), metadata=who, timeout=10)


def count_activities(engine, nip):
    with engine.connect() as conn:
        return conn.execute(sa.text("SELECT count(*) FROM activities WHERE nip = :n"), {"n": nip}).scalar()


def test_retried_submit_with_same_key_creates_one_activity_and_same_answer(stub, pb, employee, engine):
    m = pb[0]
    key = uuid.uuid4().hex
    first = submit(stub, m, employee["me"], employee["k"][0], key=key)
    again = submit(stub, m, employee["me"], employee["k"][0], key=key)
    assert again == first
    # the house rule (ekinerja_platform.idempotency): the same key with another request is refused, not replayed
    with pytest.raises(grpc.RpcError) as err:
        submit(stub, m, employee["me"], employee["k"][0], key=key, uraian="different body, same key")
    assert err.value.code() == grpc.StatusCode.FAILED_PRECONDITION and "idempotency_key" in err.value.details()
    # the metadata form of the key, and concurrent retries racing each other
    key2 = uuid.uuid4().hex
    answers = []

    def retry():
        answers.append(stub.SubmitActivity(m.SubmitActivityRequest(activity=m.ActivityInput(
            kegiatan_id=employee["k"][1], uraian="balapan", kuantitas="2")),
            metadata=employee["me"] + [("x-idempotency-key", key2)], timeout=10))

    threads = [threading.Thread(target=retry) for _ in range(6)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert len(answers) == 6 and len({a.activity_id for a in answers}) == 1
    assert count_activities(engine, employee["nip"]) == 2
    with engine.connect() as conn:
        events = conn.execute(sa.text("SELECT count(*) FROM outbox WHERE event_type = 'activity_submitted' "
                                      "AND payload->>'nip' = :n"), {"n": employee["nip"]}).scalar()
    assert events == 2


def test_a_burst_of_concurrent_submits_is_written_once_each_with_its_audit_and_event(stub, pb, world, engine):
    """Concurrent submits share statements (GroupCommit): every answer is stored exactly once with its audit record
    and its event, retries of one key get one activity, and nobody gets another's entry."""
    m = pb[0]
    people = []
    for _ in range(3):
        nip, penilai = world.new_nip(), world.new_nip()
        _, kegiatan = world.approve_skp(nip, penilai)
        people.append((nip, world.token(nip), kegiatan[0]["kegiatan_id"]))
        submit(stub, m, world.token(nip), kegiatan[0]["kegiatan_id"])  # warm: later submits take the cached path
    shared_key = uuid.uuid4().hex
    jobs = [(people[i % 3], f"burst {i}", uuid.uuid4().hex if i % 4 else None) for i in range(24)]
    jobs += [(people[0], "shared key", shared_key)] * 6
    answers = [None] * len(jobs)
    barrier = threading.Barrier(len(jobs))

    def send(i):
        (nip, token, kegiatan_id), uraian, key = jobs[i]
        barrier.wait()
        answers[i] = submit(stub, m, token, kegiatan_id, key=key, uraian=uraian)

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(jobs))]
    [t.start() for t in threads]
    [t.join() for t in threads]
    for ((nip, _, _), uraian, _), answer in zip(jobs, answers, strict=True):
        assert answer.nip == nip and answer.uraian == uraian and answer.state == "submitted"
    assert len({a.activity_id for a in answers[24:]}) == 1
    ids = {a.activity_id for a in answers}
    assert len(ids) == 25
    with engine.connect() as conn:
        stored = conn.execute(sa.text("SELECT activity_id::text, uraian FROM activities WHERE activity_id::text = "
                                      "ANY(:ids)"), {"ids": list(ids)}).all()
        audits = conn.execute(sa.text("SELECT count(*) FROM audit_trail WHERE entity_id = ANY(:ids)"),
                              {"ids": list(ids)}).scalar()
        events = conn.execute(sa.text("SELECT count(*) FROM outbox WHERE event_type = 'activity_submitted' "
                                      "AND payload->'data'->>'activity_id' = ANY(:ids)"), {"ids": list(ids)}).scalar()
    assert len(stored) == 25 and {a.activity_id: a.uraian for a in answers} == dict(stored)
    assert audits == 25 and events == 25


def test_event_and_audit_built_by_postgresql_equal_the_python_builds(stub, pb, employee, engine):
    """Joined submits have PostgreSQL build the activity_submitted envelope and the audit snapshot (event_sql.py);
    the other paths build them in Python (events.py, Activity.snapshot). Both must give the same documents."""
    from des.adapters import repository
    from des.application import events
    from ekinerja_platform.outbox import SCHEMA_VERSION
    m = pb[0]
    submit(stub, m, employee["me"], employee["k"][0])  # warm: the next one takes the joined path
    answer = submit(stub, m, employee["me"], employee["k"][1], key=uuid.uuid4().hex, kuantitas="2,5", menit=90,
                    jam_mulai="08:00", jam_selesai="09:30", uraian="rapat koordinasi")
    with engine.connect() as conn:
        row = conn.execute(sa.text("SELECT * FROM activities WHERE activity_id = :a"),
                           {"a": answer.activity_id}).one()
        payload = conn.execute(sa.text("SELECT payload FROM outbox WHERE payload->'data'->>'activity_id' = :a"),
                               {"a": answer.activity_id}).scalar_one()
        after = conn.execute(sa.text("SELECT after FROM audit_trail WHERE entity_id = :a AND action = 'create'"),
                             {"a": answer.activity_id}).scalar_one()
    view = dict(row._mapping)
    expected = events.activity_submitted(view).envelope()
    assert payload["data"] == expected["data"]
    assert {k: payload[k] for k in ("event_type", "producer", "schema_version", "nip", "instansi_id")} == {
        "event_type": "activity_submitted", "producer": "des", "schema_version": SCHEMA_VERSION,
        "nip": employee["nip"], "instansi_id": view["instansi_id"]}
    assert set(payload) == set(expected)
    assert after == repository.to_domain(row).snapshot()


def test_changes_applied_by_another_replica_win_over_the_cached_day(stub, pb, employee, world, engine):
    """The service caches a day's SKP context; another replica may apply an SKP change or a lock it has not seen.
    The write re-checks what the cached context said, so the new penilai is recorded and a locked day refused."""
    m = pb[0]
    first = submit(stub, m, employee["me"], employee["k"][0], key=uuid.uuid4().hex)
    assert first.penilai_nip == employee["penilai"]
    new_penilai = world.new_nip()
    with engine.begin() as conn:  # as another replica applying skp_approved version 2 would
        conn.execute(sa.text("UPDATE skp_documents SET penilai_nip = :p, version = version + 1 WHERE nip = :n"),
                     {"p": new_penilai, "n": employee["nip"]})
    second = submit(stub, m, employee["me"], employee["k"][0], key=uuid.uuid4().hex)
    assert second.penilai_nip == new_penilai and second.state == "submitted"
    with engine.begin() as conn:  # a lock of today written elsewhere
        conn.execute(sa.text("INSERT INTO period_locks (nip, lock_id, skp_id, scope, tanggal_start, tanggal_end, "
                             "locked_by) VALUES (:n, gen_random_uuid(), :s, 'day', :d, :d, :p)"),
                     {"n": employee["nip"], "s": employee["skp_id"], "d": world.today(), "p": new_penilai})
    with pytest.raises(grpc.RpcError) as err:
        submit(stub, m, employee["me"], employee["k"][0], key=uuid.uuid4().hex)
    assert err.value.code() == grpc.StatusCode.FAILED_PRECONDITION and "terkunci" in err.value.details()
    assert count_activities(engine, employee["nip"]) == 2


def test_submits_go_on_after_the_database_dropped_every_connection(stub, pb, employee, engine):
    """As after a database restart: the service's pooled connections are gone; the next submits still succeed."""
    m = pb[0]
    for _ in range(3):
        submit(stub, m, employee["me"], employee["k"][0])
    with engine.connect() as conn:
        dropped = [pid for (pid,) in conn.execute(sa.text(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"))]
        assert dropped
        for pid in dropped:
            conn.execute(sa.text("SELECT pg_terminate_backend(:p)"), {"p": pid})
        deadline = time.monotonic() + 10
        while conn.execute(sa.text("SELECT count(*) FROM pg_stat_activity WHERE pid = ANY(:p)"),
                           {"p": dropped}).scalar() and time.monotonic() < deadline:
            time.sleep(0.05)
    answers = [submit(stub, m, employee["me"], employee["k"][0], key=uuid.uuid4().hex) for _ in range(5)]
    assert len({a.activity_id for a in answers}) == 5
    assert count_activities(engine, employee["nip"]) == 8


def test_two_supervisors_acting_at_once_leave_exactly_one_result(stub, pb, employee, world, engine):
    """Approve and request-revision race on the same entries from two connections; exactly one wins each time."""
    m = pb[0]
    ids = [submit(stub, m, employee["me"], employee["k"][0], uraian=f"entri {i}").activity_id for i in range(10)]
    for activity_id in ids:
        barrier = threading.Barrier(2)
        outcomes = {}

        def act(kind, barrier=barrier, outcomes=outcomes, activity_id=activity_id):
            with grpc.insecure_channel(world.target) \
                    as ch:
                s = pb[1].DesServiceStub(ch)
                barrier.wait()
                try:
                    if kind == "approve":
                        s.ApproveActivities(m.ApproveActivitiesRequest(items=[m.ApproveItem(activity_id=activity_id)]),
                                            metadata=employee["boss"], timeout=10)
                    else:
                        s.RequestRevision(m.RequestRevisionRequest(activity_id=activity_id, catatan="perbaiki"),
                                          metadata=employee["boss"], timeout=10)
                    outcomes[kind] = "ok"
                except grpc.RpcError as exc:
                    outcomes[kind] = exc.code()

        threads = [threading.Thread(target=act, args=(k,)) for k in ("approve", "revise")]
        [t.start() for t in threads]
        [t.join() for t in threads]
        winners = [k for k, v in outcomes.items() if v == "ok"]
        assert len(winners) == 1, outcomes
        loser = "revise" if winners == ["approve"] else "approve"
        assert outcomes[loser] == grpc.StatusCode.FAILED_PRECONDITION
        final = stub.GetActivity(m.GetActivityRequest(activity_id=activity_id), metadata=employee["me"], timeout=5)
        assert final.state == ("approved" if winners == ["approve"] else "revision_requested")
        assert final.version == 2
        with engine.connect() as conn:
            reviews = conn.execute(sa.text("SELECT count(*) FROM audit_trail WHERE entity_id = :a AND action IN "
                                           "('approve', 'request_revision')"), {"a": activity_id}).scalar()
        assert reviews == 1


def test_stale_version_is_refused_as_aborted(stub, pb, employee):
    m = pb[0]
    a = submit(stub, m, employee["me"], employee["k"][0])
    with pytest.raises(grpc.RpcError) as err:
        stub.RequestRevision(m.RequestRevisionRequest(activity_id=a.activity_id, catatan="x", expected_version=7),
                             metadata=employee["boss"], timeout=5)
    assert err.value.code() == grpc.StatusCode.ABORTED and "expected_version" in err.value.details()


def test_future_dates_and_entry_window(stub, pb, world, engine):
    m = pb[0]
    instansi = f"i-{uuid.uuid4().hex[:6]}"
    nip, penilai = world.new_nip(), world.new_nip()
    today = world.today()
    world.approve_skp(nip, penilai, instansi=instansi, start=dt.date(today.year - 1, 1, 1),
                      end=dt.date(today.year, 12, 31))
    me = world.token(nip, instansi=instansi)
    skp = stub.GetMonthlyTargets(m.GetMonthlyTargetsRequest(), metadata=me, timeout=5)
    k1 = skp.targets[0].kegiatan_id
    before = count_activities(engine, nip)

    tomorrow = today + dt.timedelta(days=1)
    with pytest.raises(grpc.RpcError) as err:
        submit(stub, m, me, k1, tanggal=tomorrow.isoformat())
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT and "tanggal" in err.value.details()
    assert "future" in err.value.details()

    two_months_ago = (today.replace(day=1) - dt.timedelta(days=40)).replace(day=10)
    with pytest.raises(grpc.RpcError) as err:
        submit(stub, m, me, k1, tanggal=two_months_ago.isoformat())
    assert err.value.code() == grpc.StatusCode.FAILED_PRECONDITION and "entry window" in err.value.details()

    last_month = today.replace(day=1) - dt.timedelta(days=1)
    admin = world.token("adm", roles=("admin_instansi",), instansi=instansi)
    stub.SetEntryWindow(m.SetEntryWindowRequest(instansi_id=instansi, window_days=0), metadata=admin, timeout=5)
    with pytest.raises(grpc.RpcError) as err:
        submit(stub, m, me, k1, tanggal=last_month.isoformat())
    assert err.value.code() == grpc.StatusCode.FAILED_PRECONDITION and "day 0" in err.value.details()
    assert count_activities(engine, nip) == before
    # another instansi's window is not ours to change
    with pytest.raises(grpc.RpcError) as err:
        stub.SetEntryWindow(m.SetEntryWindowRequest(instansi_id="i-test", window_days=9), metadata=admin, timeout=5)
    assert err.value.code() == grpc.StatusCode.PERMISSION_DENIED
    if today.day <= 28:
        stub.SetEntryWindow(m.SetEntryWindowRequest(instansi_id=instansi, window_days=28), metadata=admin, timeout=5)
        assert submit(stub, m, me, k1, tanggal=last_month.isoformat()).state == "submitted"


def test_evidence_file_kept_with_limits(stub, pb, employee):
    m = pb[0]
    pdf = b"%PDF-1.4\n" + b"0" * 1000
    a = submit(stub, m, employee["me"], employee["k"][0], evidence_file=pdf, evidence_content_type="application/pdf")
    got = stub.GetEvidence(m.GetActivityRequest(activity_id=a.activity_id), metadata=employee["boss"], timeout=5)
    assert got.data == pdf and got.content_type == "application/pdf"
    for data, ctype, field in [(b"MZ" + b"0" * 100, "application/pdf", "evidence_file"),
                               (b"%PDF-" + b"0" * (600 * 1024), "application/pdf", "evidence_file"),
                               (b"hello", "text/html", "evidence_content_type")]:
        with pytest.raises(grpc.RpcError) as err:
            submit(stub, m, employee["me"], employee["k"][0], evidence_file=data, evidence_content_type=ctype)
        assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT and field in err.value.details()


def test_quick_entry_good_and_bad_lines(stub, pb, employee, engine):
    m = pb[0]
    me = employee["me"]
    ok = stub.SubmitText(m.SubmitTextRequest(text="LAPOR K2 3 laporan menyusun laporan keuangan"), metadata=me,
                         timeout=5)
    assert ok.ok and ok.reply.startswith("OK Laporan") and "K2: 3 laporan 'menyusun laporan keuangan'" in ok.reply
    a = stub.GetActivity(m.GetActivityRequest(activity_id=ok.activity_id), metadata=me, timeout=5)
    assert (a.kegiatan_id, a.kuantitas, a.satuan, a.uraian, a.state) == (
        employee["k"][1], "3.00", "laporan", "menyusun laporan keuangan", "submitted")
    plan = stub.SubmitText(m.SubmitTextRequest(text="  rencana   k1 2 KONSEP surat edaran"), metadata=me, timeout=5)
    assert plan.ok and plan.plan_id and "Rencana" in plan.reply
    plans = stub.ListPlans(m.ListPlansRequest(), metadata=me, timeout=5).plans
    assert [(p.kegiatan_id, p.kuantitas, p.satuan, p.uraian) for p in plans] == [
        (employee["k"][0], "2.00", "konsep", "surat edaran")]
    before = count_activities(engine, employee["nip"])
    for line, expected in [("LAPOR K7 3 laporan x", "Kode yang berlaku: K1, K2, K3"),
                           ("LAPORKAN K1", "tidak dikenal"),
                           ("LAPOR K2 banyak laporan", "Jumlah harus angka")]:
        bad = stub.SubmitText(m.SubmitTextRequest(text=line), metadata=me, timeout=5)
        assert not bad.ok and expected in bad.reply and len(bad.reply) <= 160
    assert count_activities(engine, employee["nip"]) == before
    nobody = stub.SubmitText(m.SubmitTextRequest(text="LAPOR K1 1 konsep x"), metadata=employee["boss"],
                             timeout=5)
    assert not nobody.ok and "SKP" in nobody.reply


def test_authorisation_through_grpc(stub, pb, employee, world):
    """A sample of the matrix end to end: the token's relation to the entry decides, not the caller's claims."""
    m = pb[0]
    a = submit(stub, m, employee["me"], employee["k"][0])
    stranger = world.token(world.new_nip())
    admin_same = world.token("adm", roles=("admin_instansi",), instansi="i-test")
    admin_other = world.token("adm", roles=("admin_instansi",), instansi="i-x")
    agency = world.token("client", roles=("agency_client",), instansi="i-test", scope="des:import")
    operator = world.token("ops", roles=("operator",))
    read = lambda who: stub.GetActivity(m.GetActivityRequest(activity_id=a.activity_id), metadata=who, timeout=5)  # noqa
    approve = lambda who: stub.ApproveActivities(m.ApproveActivitiesRequest(items=[m.ApproveItem(  # noqa
        activity_id=a.activity_id)]), metadata=who, timeout=5)
    cases = [(read, employee["me"], True), (read, employee["boss"], True), (read, admin_same, True),
             (read, stranger, False), (read, admin_other, False), (read, agency, False), (read, operator, False),
             (approve, stranger, False), (approve, admin_same, False), (approve, employee["me"], False),
             (approve, employee["boss"], True)]
    for call, who, allowed in cases:
        if allowed:
            call(who)
        else:
            with pytest.raises(grpc.RpcError) as err:
                call(who)
            assert err.value.code() == grpc.StatusCode.PERMISSION_DENIED
    with pytest.raises(grpc.RpcError) as err:
        stub.GetActivity(m.GetActivityRequest(activity_id=a.activity_id), timeout=5)
    assert err.value.code() == grpc.StatusCode.UNAUTHENTICATED


def test_cli_lapor_and_report_list(world, employee, des_service, tmp_path):
    """`ekinerja lapor "…"` prints the one-line reply; a bad line exits 2 with what is wrong."""
    import json as _json
    import os
    import subprocess
    import sys
    import time as _time
    token = employee["me"][0][1].split(" ", 1)[1]
    (tmp_path / "credentials.json").write_text(_json.dumps({"access_token": token,
                                                            "access_expires_at": _time.time() + 3600}))
    env = {**os.environ, "EKINERJA_CONFIG_DIR": str(tmp_path), "EKINERJA_DES_ENDPOINT": des_service.target}
    run = lambda *args: subprocess.run([sys.executable, "-m", "ekinerja_cli", *args], env=env,  # noqa: E731
                                       capture_output=True, text=True, timeout=60)
    ok = run("lapor", "LAPOR K2 3 laporan menyusun laporan keuangan")
    assert ok.returncode == 0 and ok.stdout.startswith("OK Laporan"), ok.stderr
    bad = run("lapor", "LAPOR", "K5", "1", "x")
    assert bad.returncode == 2 and "Kode yang berlaku: K1, K2, K3" in bad.stdout
    listed = run("des", "report", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    assert [a["uraian"] for a in _json.loads(listed.stdout)["activities"]] == ["menyusun laporan keuangan"]


def test_stopping_the_service_still_answers_the_joined_writes_it_holds(des_db, amqp_uri, test_keys, pb, world,
                                                                       engine):
    """A joined write's caller holds no worker (its answer is pending), so the container's wait for its workers
    does not cover it: the service must finish the writes it has queued before it lets go of the connections.
    The write is held up by a lock on the employee's SKP row while SIGTERM arrives; when the lock goes, the
    caller gets its activity, not a dropped connection."""
    from ekinerja_platform import testing

    m = pb[0]
    nip, penilai = world.new_nip(), world.new_nip()
    _, kegiatan = world.approve_skp(nip, penilai)
    own = testing.ServiceProcess("des", testing.service_env(des_db, amqp_uri, test_keys.jwks_url)).start()
    stopper = threading.Thread(target=own.stop)
    try:
        with grpc.insecure_channel(own.target) as channel:
            own_stub = pb[1].DesServiceStub(channel)
            submit(own_stub, m, world.token(nip), kegiatan[0]["kegiatan_id"])  # the day's context is now cached
            with engine.connect() as blocker:
                blocker.execute(sa.text("SELECT 1 FROM skp_documents WHERE nip = :n FOR UPDATE"), {"n": nip})
                answer = own_stub.SubmitActivity.future(m.SubmitActivityRequest(activity=m.ActivityInput(
                    kegiatan_id=kegiatan[0]["kegiatan_id"], uraian="dikirim saat berhenti", kuantitas="1")),
                    metadata=world.token(nip), timeout=20)
                time.sleep(0.5)  # its joined write now waits for the lock
                stopper.start()
                time.sleep(1.0)  # SIGTERM handled: the container is stopping
                assert not answer.done()
                blocker.rollback()
            activity = answer.result()
    finally:
        if stopper.ident is not None:
            stopper.join()
        own.stop()  # when the test failed before stopping it (a second stop does nothing)
    assert activity.uraian == "dikirim saat berhenti"
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM activities WHERE nip = :n AND activity_id = :a"),
                            {"n": nip, "a": activity.activity_id}).scalar() == 1
