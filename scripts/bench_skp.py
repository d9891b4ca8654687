"""skp benchmark: realisation from DES events at volume, and ScoreSkp on a document with many activities.

Starts the skp service on a throwaway database and vhost, drafts and approves one document, and reports in the
same run:
- event intake through the service, before/after: ``monthly_quality_set`` goes through the generic inbox path
  (``apply_once``: BEGIN, inbox claim, one upsert, COMMIT: the shape ``activity_reviewed`` had) and
  ``activity_reviewed`` through its one-statement path; ``--events`` of each, interleaved in two rounds;
- the same two paths in process on the same database (no broker): round trips and events/s, 1 and 8 threads;
- the latency of ScoreSkp (p50/p99) over the document with those activities, as a ratio to GetTemplate (a trivial
  read, the baseline);
- the offline scoring throughput in process (years scored per second, example D).

Usage: .venv/bin/python scripts/bench_skp.py [--events 5000] [--calls 200]
"""
import argparse
import json
import statistics
import tempfile
import time
import uuid
from pathlib import Path

import grpc
import sqlalchemy as sa
from kombu import Connection

ROOT = Path(__file__).resolve().parents[1]
from ekinerja_platform import testing, topology  # noqa: E402
from ekinerja_platform.outbox import Event  # noqa: E402


def latencies(call, n):
    for _ in range(10):
        call()
    out = []
    for _ in range(n):
        start = time.perf_counter()
        call()
        out.append(time.perf_counter() - start)
    out.sort()
    return statistics.median(out), out[int(len(out) * 0.99) - 1]


def intake_in_process(db_url: str, n: int) -> dict:
    """The unit-of-work path (apply_once + consumers.activity_reviewed) against the one-statement path, in this
    process on the bench database: database round trips per event (statements + BEGIN/COMMIT + pool pre-ping) and
    events/s with 1 and 8 threads."""
    from concurrent.futures import ThreadPoolExecutor

    from sqlalchemy.orm import sessionmaker

    from ekinerja_platform.db import DatabaseAccess, make_engine
    from ekinerja_platform.events import apply_once
    from skp.adapters.unit_of_work import on_unit
    from skp.application import consumers
    from skp.entrypoints import events as event_paths

    engine = make_engine(db_url, pool_size=8)
    access = DatabaseAccess(engine, sessionmaker(engine, expire_on_commit=False))
    calls = {"statements": 0, "commits": 0, "checkouts": 0}
    def counter(name):
        return lambda *args: calls.__setitem__(name, calls[name] + 1)
    sa.event.listen(engine, "before_cursor_execute", counter("statements"))
    sa.event.listen(engine, "commit", counter("commits"))
    sa.event.listen(engine.pool, "checkout", counter("checkouts"))
    skp_id = str(uuid.uuid4())
    paths = {"unit of work": lambda e: apply_once(access, "skp", e, on_unit(consumers.activity_reviewed)),
             "one statement": lambda e: event_paths.activity_reviewed_once(access, "skp", e)}

    def envelope(path, n):
        return {"event_id": str(uuid.uuid4()), "data": {
            "activity_id": f"inproc-{path}-{n}", "nip": "198501012010011001", "instansi_id": "i-bench",
            "skp_id": skp_id, "kegiatan_id": str(uuid.uuid4()), "tanggal": "2024-03-10", "jenis": "skp",
            "kuantitas_diakui": "1", "proses": False, "version": 1}}

    out = {}
    for threads in (1, 8):
        for path, apply in paths.items():
            events = [envelope(f"{path}-{threads}", n) for n in range(n)]
            for key in calls:
                calls[key] = 0
            start = time.perf_counter()
            with ThreadPoolExecutor(threads) as pool:
                list(pool.map(apply, events))
            rate = n / (time.perf_counter() - start)
            trips = (calls["statements"] + 2 * calls["commits"] + calls["checkouts"]) / n
            out[f"{path}, {threads} thread{'s' if threads > 1 else ''}"] = (
                f"{rate:,.0f} events/s, {trips:.1f} round trips/event "
                f"({calls['statements'] / n:.0f} statements, {calls['commits'] / n:.0f} BEGIN/COMMIT, pre-ping)")
    engine.dispose()
    return out


NIP, PENILAI = "198501012010011001", "197001012000011002"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--calls", type=int, default=200)
    args = parser.parse_args()
    from ekinerja.skp.v1 import skp_pb2 as pb
    from ekinerja.skp.v1 import skp_pb2_grpc

    keys = testing.TestKeys(Path(tempfile.mkdtemp(prefix="bench-skp-")))
    amqp = testing.create_vhost()
    db = testing.migrated_database("skp")
    service = testing.ServiceProcess("skp", testing.service_env(db, amqp, keys.jwks_url))
    try:
        service.start()
        stub = skp_pb2_grpc.SkpServiceStub(grpc.insecure_channel(service.target))
        me = testing.bearer(keys.token(NIP, ["pegawai"], instansi="i-1"))
        pen = testing.bearer(keys.token(PENILAI, ["pegawai"], instansi="i-1"))
        doc = approved_document(stub, pb, amqp, me, pen)
        kegiatan = [k.kegiatan_id for k in doc.kegiatan]
        generic, fused = event_intake(db, amqp, doc.skp_id, kegiatan, args.events)
        expected = str(sum(1 for n in range(args.events) if n % 10 and n % len(kegiatan) == 0))
        got = stub.GetSkp(pb.GetSkpRequest(skp_id=doc.skp_id), metadata=me, timeout=10).document
        assert got.kegiatan[0].realisasi.kuantitas == expected and sum(
            int(k.realisasi.kuantitas) for k in got.kegiatan) == sum(1 for n in range(args.events) if n % 10)
        in_process = intake_in_process(db, min(args.events, 1000))
        base = latencies(lambda: stub.GetTemplate(pb.GetTemplateRequest(jabatan_id="j-1"), metadata=me, timeout=5),
                         args.calls)
        for kid in kegiatan:
            stub.SetRealisasi(pb.SetRealisasiRequest(skp_id=doc.skp_id, kegiatan_id=kid, waktu="12"), metadata=me,
                              timeout=5)
        score = latencies(lambda: stub.ScoreSkp(pb.ScoreSkpRequest(skp_id=doc.skp_id), metadata=me, timeout=10),
                          args.calls)
    finally:
        service.stop()
        testing.drop_database(db)
        testing.delete_vhost(amqp)

    print(f"event intake through the service ({args.events} events each, interleaved):")
    print(f"  generic inbox path (monthly_quality_set, BEGIN+claim+upsert+COMMIT): "
          f"{args.events / generic:,.0f} events/s")
    print(f"  activity_reviewed, one statement: {args.events / fused:,.0f} events/s"
          f"  = {generic / fused:.2f}x the generic path")
    for label, figures in in_process.items():
        print(f"  in process, {label}: {figures}")
    print(f"GetTemplate (baseline)   p50 {base[0] * 1000:.1f} ms  p99 {base[1] * 1000:.1f} ms")
    print(f"ScoreSkp ({args.events} activities)  p50 {score[0] * 1000:.1f} ms  p99 {score[1] * 1000:.1f} ms"
          f"  = {score[0] / base[0]:.2f}x baseline p50")
    print(f"offline score_year (example D, in process): {offline_scores_per_second():,.0f} years/s")
    return 0


def approved_document(stub, pb, amqp: str, me, pen):
    """The employee's SKP, drafted by skp from identity's events, submitted and approved by the penilai."""
    testing.publish_event(amqp, Event("position_changed", "identity", {  # GetTemplate (the baseline) reads it
        "jabatan_id": "j-1", "instansi_id": "i-1", "unit_id": "u-1", "unit_nama": "Umum",
        "nama": "Pengadministrasi", "kind": "pelaksana", "job_group": "umum", "parent_id": None, "eselon": None,
        "jenjang": None, "jenis_jabatan": "pelaksana", "version": 1}, instansi_id="i-1").envelope())
    testing.publish_event(amqp, Event("assignment_changed", "identity", {
        "assignment_id": "a-1", "nip": NIP, "instansi_id": "i-1", "acting": False, "effective_date": "2024-01-02",
        "old": None, "new": {"jabatan_id": "j-1", "jabatan_nama": "Pengadministrasi", "unit_id": "u-1",
                             "unit_nama": "Umum", "kind": "pelaksana", "job_group": "umum",
                             "start": "2024-01-02", "end": None},
        "penilai_nip": PENILAI, "atasan_penilai_nip": None, "version": 1}, nip=NIP, instansi_id="i-1").envelope())
    deadline = time.monotonic() + 30
    while not (docs := stub.ListSkp(pb.ListSkpRequest(), metadata=me, timeout=5).documents):
        if time.monotonic() > deadline:
            raise SystemExit("no document drafted")
        time.sleep(0.1)
    doc = docs[0]
    stub.SubmitSkp(pb.SubmitSkpRequest(skp_id=doc.skp_id), metadata=me, timeout=5)
    stub.ApproveSkp(pb.ApproveSkpRequest(skp_id=doc.skp_id), metadata=pen, timeout=5)
    return doc


def event_intake(db: str, amqp: str, skp_id: str, kegiatan: list[str], events: int) -> tuple[float, float]:
    """Seconds skp took to apply `events` monthly_quality_set (the generic inbox path) and as many
    activity_reviewed (one statement), fed in two interleaved halves as des's own broker user."""
    engine = sa.create_engine(db)

    def count(table, column, value):
        with engine.connect() as conn:
            return conn.execute(sa.text(f"SELECT count(*) FROM {table} WHERE {column} = :v"), {"v": value}).scalar()

    def feed(event_type, envelopes, table, column, value, expected):
        start = time.perf_counter()
        with Connection(testing.broker_user_uri(amqp, "des")) as conn:  # as des's own broker user
            topology.declare(conn.default_channel, topology.queues_for_producer("des"))
            producer = conn.Producer(serializer="json")
            for envelope in envelopes:
                producer.publish(envelope, exchange="des.events", routing_key=event_type,
                                 message_id=envelope["event_id"], delivery_mode=2, user_id=conn.userid)
        while count(table, column, value) < expected:
            if time.perf_counter() - start > 600:
                raise SystemExit(f"{event_type} not applied within 600 s")
            time.sleep(0.05)
        return time.perf_counter() - start

    def activity(n):
        return Event("activity_reviewed", "des", {
            "activity_id": f"act-{n}", "nip": NIP, "instansi_id": "i-1", "unit_id": "u-1",
            "tanggal": f"2024-{n % 12 + 1:02d}-10", "skp_id": skp_id,
            "kegiatan_id": kegiatan[n % len(kegiatan)], "jenis": "skp", "kuantitas_diakui": "1",
            "menit": 30, "proses": n % 10 == 0, "reviewer_nip": PENILAI, "submitted_at": None,
            "reviewed_at": None, "version": 1}, nip=NIP, instansi_id="i-1").envelope()

    quality_doc = str(uuid.uuid4())  # the generic path's rows go to a document of their own

    def quality(n):
        return Event("monthly_quality_set", "des", {
            "skp_id": quality_doc, "nip": NIP, "instansi_id": "i-1", "kegiatan_id": kegiatan[0],
            "tahun": 1000 + n // 12, "bulan": n % 12 + 1, "kualitas": "90"}, nip=NIP, instansi_id="i-1").envelope()

    half = events // 2
    generic = fused = 0.0
    try:
        for lo, hi in ((0, half), (half, events)):
            generic += feed("monthly_quality_set", [quality(n) for n in range(lo, hi)], "realisasi_kualitas",
                            "skp_id", quality_doc, hi)
            fused += feed("activity_reviewed", [activity(n) for n in range(lo, hi)], "realisasi_activity",
                          "skp_id", skp_id, hi)
    finally:
        engine.dispose()
    return generic, fused


def offline_scores_per_second() -> float:
    from ekinerja_rules.score_contract import format_score_output, parse_score_input
    from ekinerja_rules.scoring import score_year
    example = json.loads((ROOT / "docs" / "examples" / "skp-score-examples.json").read_text())["D"]["input"]
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < 2:
        format_score_output(score_year(*parse_score_input(example)))
        n += 1
    return n / (time.perf_counter() - start)


if __name__ == "__main__":
    raise SystemExit(main())
