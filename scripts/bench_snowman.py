"""Ask latency with 10,000 knowledge entries loaded, beside a baseline measured in the same run.

    .venv/bin/python scripts/bench_snowman.py [--entries 10000] [--asks 400]

Builds a throwaway snowman database (migrated, so it holds the curated entries), adds synthetic entries made by
recombining the curated ones (same vocabulary and word frequencies, so the full-text and trigram indexes work as
hard as on real content), starts a real snowman process on 127.0.0.1 and calls, sequentially from one client:
the health Check RPC (baseline: the same gRPC path with no database work) and Ask with the labelled informal
questions (normalisation, typo lookup, full-text + trigram search, ranking, question insert and outbox event in
one transaction). Prints p50/p95 of both and their ratio. Goal: Ask p95 under 50 ms. Cleans up after itself.
"""
import argparse
import random
import statistics
import sys
import time

import grpc
import sqlalchemy as sa
from grpc_health.v1 import health_pb2, health_pb2_grpc

from ekinerja_platform import testing
from snowman.adapters import repository as repo
from snowman.knowledge import load_entries, load_eval_questions


def synthetic_rows(count: int, seed: int = 7):
    base = load_entries()
    rng = random.Random(seed)
    for i in range(count):
        a, b = rng.sample(base, 2)
        words_b = b.jawaban.split()
        start = rng.randrange(max(len(words_b) - 40, 1))
        phrasings = [" ".join(rng.sample(p.split(), len(p.split()))) for p in a.pertanyaan[:3]]
        yield {
            "id": f"bench-{i:05d}-{a.id}"[:80],
            "judul": f"{a.judul} ({b.judul.split()[0]} {i})",
            "pertanyaan": phrasings + [b.pertanyaan[0]],
            "jawaban": a.jawaban[: len(a.jawaban) // 2] + " " + " ".join(words_b[start:start + 40]),
            "kelompok": sorted(set(rng.sample(["umum", "pendidik", "kesehatan", "fungsional"], rng.randint(1, 3)))),
            "rujukan": a.rujukan, "ruleset": a.ruleset, "tags": list(a.tags[:2]) + list(b.tags[:1]),
        }


def load_synthetic(url: str, count: int) -> float:
    started = time.perf_counter()
    engine = sa.create_engine(url)
    rows = list(synthetic_rows(count))
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO entries (id, latest_version, published_version, kelompok) "
                             "VALUES (:id, 1, 1, :kelompok)"), rows)
        conn.execute(sa.text(
            "INSERT INTO entry_versions (entry_id, version, judul, pertanyaan, jawaban, kelompok, rujukan, ruleset, "
            "tags, fingerprint, status, author, approved_by, published_at) VALUES (:id, 1, :judul, :pertanyaan, "
            ":jawaban, :kelompok, :rujukan, :ruleset, :tags, md5(:jawaban), 'published', 'bench', 'bench', now())"),
            rows)
        conn.execute(sa.text(f"""
            UPDATE entries e SET judul = v.judul, pertanyaan = v.pertanyaan, jawaban = v.jawaban,
                   rujukan = v.rujukan, ruleset = v.ruleset, tags = v.tags, head_tsv = h.tsv,
                   body_tsv = h.tsv || setweight(to_tsvector('{repo.TS_CONFIG}', v.jawaban), 'D')
            FROM entry_versions v,
                 LATERAL (SELECT setweight(to_tsvector('{repo.TS_CONFIG}', v.judul), 'A')
                              || setweight(to_tsvector('{repo.TS_CONFIG}', array_to_string(v.pertanyaan, ' ')), 'A')
                              || setweight(to_tsvector('{repo.TS_CONFIG}', array_to_string(v.tags, ' ')), 'B') AS tsv) h
            WHERE e.id LIKE 'bench-%' AND v.entry_id = e.id AND v.version = 1"""))
        from sqlalchemy.orm import Session
        with Session(bind=conn) as session:
            repo.rebuild_search_statistics(session)
            session.flush()
    with engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(sa.text("VACUUM ANALYZE"))
        total = conn.execute(sa.text("SELECT count(*) FROM entries WHERE published_version IS NOT NULL")).scalar()
    engine.dispose()
    print(f"loaded {total} published entries ({count} synthetic) in {time.perf_counter() - started:.1f} s")
    return total


def percentiles(samples):
    ordered = sorted(samples)
    return statistics.median(ordered) * 1000, ordered[int(0.95 * (len(ordered) - 1))] * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--asks", type=int, default=400)
    args = parser.parse_args()
    from ekinerja.snowman.v1 import snowman_pb2 as pb
    from ekinerja.snowman.v1 import snowman_pb2_grpc

    url = testing.migrated_database("snowman")
    amqp = testing.create_vhost()
    proc = None
    with testing.temporary_directory() as keys_dir:
        try:
            total = load_synthetic(url, args.entries - len(load_entries()))
            keys = testing.TestKeys(keys_dir)
            proc = testing.ServiceProcess("snowman", testing.service_env(url, amqp, keys.jwks_url,
                                                                         EKINERJA_LOG_LEVEL="WARNING")).start()
            md = testing.bearer(keys.token(subject="199003032015031003", roles=["pegawai"], kelompok=["umum"]))
            questions = load_eval_questions()
            with grpc.insecure_channel(proc.target) as channel:
                health = health_pb2_grpc.HealthStub(channel)
                stub = snowman_pb2_grpc.SnowmanServiceStub(channel)
                for q in questions[:30]:  # warm-up: connections, plans, caches
                    stub.Ask(pb.AskRequest(pertanyaan=q.pertanyaan), metadata=md, timeout=10)
                    health.Check(health_pb2.HealthCheckRequest(), timeout=5)
                check, ask, answered = [], [], 0
                for i in range(args.asks):
                    t0 = time.perf_counter()
                    health.Check(health_pb2.HealthCheckRequest(), timeout=5)
                    check.append(time.perf_counter() - t0)
                    q = questions[i % len(questions)]
                    t0 = time.perf_counter()
                    response = stub.Ask(pb.AskRequest(pertanyaan=q.pertanyaan, kelompok=q.kelompok or ""),
                                        metadata=md, timeout=10)
                    ask.append(time.perf_counter() - t0)
                    answered += response.status == "answered"
            c50, c95 = percentiles(check)
            a50, a95 = percentiles(ask)
            print(f"entries {total}, {args.asks} sequential calls each, {answered} of {args.asks} asks answered")
            print(f"baseline health Check: p50 {c50:.2f} ms  p95 {c95:.2f} ms")
            print(f"Ask:                   p50 {a50:.2f} ms  p95 {a95:.2f} ms  "
                  f"(p95 = {a95 / c95:.1f}x baseline; goal p95 < 50 ms: {'met' if a95 < 50 else 'NOT met'})")
            return 0 if a95 < 50 else 1
        finally:
            if proc is not None:
                proc.stop()
            testing.drop_database(url)
            testing.delete_vhost(amqp)


if __name__ == "__main__":
    sys.exit(main())
