"""Container health probe: asks the service's own `grpc.health.v1.Health/Check` and exits 0 only when SERVING.

Used by the image's HEALTHCHECK and by docker-compose. It runs as a separate short-lived process with plain grpcio
(no eventlet here), so it sees exactly what a load balancer or Kubernetes' gRPC probe sees: real readiness,
its database answers (the broker is a metric, ekinerja_broker_up).

usage: healthcheck.py [--port N] [--host H] [--service NAME] [--timeout SECONDS]
  port     defaults to EKINERJA_GRPC_PORT, else the service's fixed default port (from EKINERJA_SERVICE)
  service  defaults to "" (the whole server); a full name such as ekinerja.des.v1.DesService checks one service
"""
from __future__ import annotations

import argparse
import os
import sys

# Same defaults as ekinerja_platform.settings.DEFAULT_PORTS (a test keeps the two equal).
DEFAULT_GRPC_PORTS = {"identity": 50051, "skp": 50052, "des": 50053, "recap": 50054, "snowman": 50055}


def default_port() -> int | None:
    raw = os.environ.get("EKINERJA_GRPC_PORT")
    if raw:
        return int(raw)
    return DEFAULT_GRPC_PORTS.get(os.environ.get("EKINERJA_SERVICE", ""))


def check(host: str, port: int, service: str, timeout: float) -> tuple[bool, str]:
    import grpc
    from grpc_health.v1 import health_pb2, health_pb2_grpc

    with grpc.insecure_channel(f"{host}:{port}") as channel:
        try:
            response = health_pb2_grpc.HealthStub(channel).Check(
                health_pb2.HealthCheckRequest(service=service), timeout=timeout)
        except grpc.RpcError as exc:
            return False, f"{exc.code().name}: {exc.details()}"
    status = health_pb2.HealthCheckResponse.ServingStatus.Name(response.status)
    return response.status == health_pb2.HealthCheckResponse.SERVING, status


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=None)
    parser.add_argument("--service", default="")
    parser.add_argument("--timeout", type=float, default=3.0)
    args = parser.parse_args(argv)
    port = args.port if args.port is not None else default_port()
    if port is None:
        print("unknown port: set EKINERJA_GRPC_PORT or EKINERJA_SERVICE, or pass --port", file=sys.stderr)
        return 2
    ok, status = check(args.host, port, args.service, args.timeout)
    print(f"{args.host}:{port} {args.service or '(server)'}: {status}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
