"""skp benchmark: realisation from DES events at volume, and ScoreSkp on a document with many activities.

Starts the skp service on a throwaway database and vhost, drafts and approves one document, publishes
``--events`` activity_reviewed events, and reports in the same run:
- the event apply rate (events/s),
- the latency of ScoreSkp (p50/p99) over that document, as a ratio to GetTemplate (a trivial read, the baseline),
- the offline scoring throughput in process (years scored per second, example D).

Usage: .venv/bin/python scripts/bench_skp.py [--events 5000] [--calls 200]
"""
import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

import grpc
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
        nip, penilai = "198501012010011001", "197001012000011002"
        me = testing.bearer(keys.token(nip, ["pegawai"], instansi="i-1"))
        pen = testing.bearer(keys.token(penilai, ["pegawai"], instansi="i-1"))
        testing.publish_event(amqp, Event("assignment_changed", "identity", {
            "assignment_id": "a-1", "nip": nip, "instansi_id": "i-1", "acting": False, "effective_date": "2024-01-02",
            "old": None, "new": {"jabatan_id": "j-1", "jabatan_nama": "Pengadministrasi", "unit_id": "u-1",
                                 "unit_nama": "Umum", "kind": "pelaksana", "job_group": "umum",
                                 "start": "2024-01-02", "end": None},
            "penilai_nip": penilai, "atasan_penilai_nip": None, "version": 1}, nip=nip, instansi_id="i-1").envelope())
        deadline = time.monotonic() + 30
        while not (docs := stub.ListSkp(pb.ListSkpRequest(), metadata=me, timeout=5).documents):
            if time.monotonic() > deadline:
                raise SystemExit("no document drafted")
            time.sleep(0.1)
        doc = docs[0]
        stub.SubmitSkp(pb.SubmitSkpRequest(skp_id=doc.skp_id), metadata=me, timeout=5)
        stub.ApproveSkp(pb.ApproveSkpRequest(skp_id=doc.skp_id), metadata=pen, timeout=5)
        kegiatan = [k.kegiatan_id for k in doc.kegiatan]

        start = time.perf_counter()
        with Connection(amqp) as conn:
            topology.declare(conn.default_channel, topology.queues_for_producer("des"))
            producer = conn.Producer(serializer="json")
            for n in range(args.events):
                envelope = Event("activity_reviewed", "des", {
                    "activity_id": f"act-{n}", "nip": nip, "instansi_id": "i-1", "unit_id": "u-1",
                    "tanggal": f"2024-{n % 12 + 1:02d}-10", "skp_id": doc.skp_id,
                    "kegiatan_id": kegiatan[n % len(kegiatan)], "jenis": "skp", "kuantitas_diakui": "1",
                    "menit": 30, "proses": n % 10 == 0, "reviewer_nip": penilai, "submitted_at": None,
                    "reviewed_at": None, "version": 1}, nip=nip, instansi_id="i-1").envelope()
                producer.publish(envelope, exchange="des.events", routing_key="activity_reviewed",
                                 message_id=envelope["event_id"], delivery_mode=2)
        expected = str(sum(1 for n in range(args.events) if n % 10 and n % len(kegiatan) == 0))
        while True:
            got = stub.GetSkp(pb.GetSkpRequest(skp_id=doc.skp_id), metadata=me, timeout=10).document
            if got.kegiatan[0].realisasi.kuantitas == expected and sum(
                    int(k.realisasi.kuantitas) for k in got.kegiatan) == sum(1 for n in range(args.events) if n % 10):
                break
            if time.perf_counter() - start > 600:
                raise SystemExit("events not applied within 600 s")
            time.sleep(0.2)
        applied = args.events / (time.perf_counter() - start)

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

    from skp.domain.score_contract import format_score_output, parse_score_input
    from skp.domain.scoring import score_year
    example = json.loads((ROOT.parent / "shared" / "skp_score_examples.json").read_text())["D"]["input"]
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < 2:
        format_score_output(score_year(*parse_score_input(example)))
        n += 1
    offline = n / (time.perf_counter() - start)

    print(f"activity_reviewed applied: {applied:,.0f} events/s ({args.events} events)")
    print(f"GetTemplate (baseline)   p50 {base[0] * 1000:.1f} ms  p99 {base[1] * 1000:.1f} ms")
    print(f"ScoreSkp ({args.events} activities)  p50 {score[0] * 1000:.1f} ms  p99 {score[1] * 1000:.1f} ms"
          f"  = {score[0] / base[0]:.2f}x baseline p50")
    print(f"offline score_year (example D, in process): {offline:,.0f} years/s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
