"""Input limits, measured: how long an oversized or NUL-holding field takes to be refused, and health's latency
while 1 MiB requests pour in (issue 15 item 3; before the limits: 1 MiB froze des for 77 s, 300 KB cost ~6 s).

Starts the platform's probe service on a throwaway database and vhost (the machine's PostgreSQL and RabbitMQ),
prints three lines and removes everything. usage: .venv/bin/python scripts/measure_input_limits.py
"""
import pathlib
import statistics
import sys
import tempfile
import threading
import time

import grpc

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "libs/ekinerja_platform/tests/probe"))

import probe_support  # noqa: E402

from ekinerja_platform import testing  # noqa: E402


def refusal_ms(stub, pb, auth, text: str, rounds: int = 10) -> tuple[str, float, float]:
    times, code = [], None
    for _ in range(rounds):
        started = time.perf_counter()
        try:
            stub.Echo(pb.EchoRequest(text=text), metadata=auth, timeout=60)
            code = "OK"
        except grpc.RpcError as error:
            code = error.code().name
        times.append(time.perf_counter() - started)
    return code, statistics.median(times) * 1000, max(times) * 1000


def main() -> int:
    gen = probe_support.generate(pathlib.Path(tempfile.mkdtemp(prefix="probe-gen-")))
    from ekinerja.probe.v1 import probe_pb2, probe_pb2_grpc
    db, vhost = probe_support.create_database(), testing.create_vhost()
    with testing.temporary_directory() as keydir:
        keys = testing.TestKeys(keydir)
        process = testing.ServiceProcess("probe_main", probe_support.env(db, vhost, keys.jwks_url, gen)).start()
        auth = testing.bearer(keys.token())
        try:
            channel = grpc.insecure_channel(process.target, options=[("grpc.max_send_message_length", 8 << 20)])
            stub = probe_pb2_grpc.ProbeServiceStub(channel)
            stub.Echo(probe_pb2.EchoRequest(text="warm"), metadata=auth, timeout=5)
            for label, text in (("300 KB field with a NUL", "\0" + "x" * 300_000),
                                ("1 MiB field", "x" * (1024 * 1024))):
                code, median, worst = refusal_ms(stub, probe_pb2, auth, text)
                print(f"{label}: {code}, median {median:.1f} ms, max {worst:.1f} ms")
            stop = []

            def flood():
                while not stop:
                    try:
                        stub.Echo(probe_pb2.EchoRequest(text="x" * (1024 * 1024)), metadata=auth, timeout=60)
                    except grpc.RpcError:
                        pass

            threads = [threading.Thread(target=flood) for _ in range(4)]
            for thread in threads:
                thread.start()
            latencies = []
            for _ in range(20):
                started = time.perf_counter()
                assert testing.health_status(process.target, timeout=10) == "SERVING"
                latencies.append(time.perf_counter() - started)
            stop.append(True)
            for thread in threads:
                thread.join()
            print(f"health Check while 4 clients send 1 MiB fields: median {statistics.median(latencies) * 1000:.1f} "
                  f"ms, max {max(latencies) * 1000:.1f} ms")
            channel.close()
        finally:
            process.stop()
            testing.drop_database(db)
            testing.delete_vhost(vhost)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
