"""`python -m grpcio_hello`: a plain grpcio hello-world (grpc.server with a thread pool, as grpcio's own example),
serving `ProbeService.Open` on 127.0.0.1:$EKINERJA_GRPC_PORT with $EKINERJA_MAX_WORKERS threads until SIGTERM.

The benchmarks' outside baseline (issue 17): what Python gRPC serves on this machine without nameko, eventlet or
the platform, measured in the same run as the services."""
import os
import signal
import threading
from concurrent import futures

import grpc

from ekinerja.probe.v1 import probe_pb2, probe_pb2_grpc


class Hello(probe_pb2_grpc.ProbeServiceServicer):
    def Open(self, request, context):
        return probe_pb2.EchoResponse(text="open")


def main() -> int:
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=int(os.environ.get("EKINERJA_MAX_WORKERS", "10"))))
    probe_pb2_grpc.add_ProbeServiceServicer_to_server(Hello(), server)
    server.add_insecure_port(f"127.0.0.1:{os.environ['EKINERJA_GRPC_PORT']}")
    server.start()
    stopping = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopping.set())
    stopping.wait()
    server.stop(5).wait()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
