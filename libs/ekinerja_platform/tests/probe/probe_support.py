"""Generate and start the probe service outside pytest too (benchmarks use it as the hello-world baseline)."""
import os
import subprocess
import sys
import time
from pathlib import Path

import grpc
import sqlalchemy as sa

from ekinerja_platform import testing
from ekinerja_platform.db import platform_metadata

PROBE_DIR = Path(__file__).resolve().parent


def generate(out: Path) -> Path:
    """Generate the probe's protos (probe, equivalence) into `out` and put it on sys.path (extends `ekinerja`)."""
    protos = PROBE_DIR / "protos"
    out.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "grpc_tools.protoc", f"-I{protos}", f"--python_out={out}",
                    f"--grpc_python_out={out}", str(protos / "ekinerja/probe/v1/probe.proto"),
                    str(protos / "ekinerja/probe/v1/equivalence.proto")], check=True)
    sys.path.insert(0, str(out))
    return out


def create_database() -> str:
    url = testing.create_database("test_probe")
    engine = sa.create_engine(url)
    platform_metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE applied (text text)"))
    engine.dispose()
    return url


def env(db_url: str, amqp_uri: str, jwks_url: str, gen_dir: Path, **extra) -> dict:
    result = testing.service_env(db_url, amqp_uri, jwks_url, **extra)
    result["PYTHONPATH"] = _pythonpath(gen_dir)
    return result


def _pythonpath(gen_dir: Path) -> str:
    """The probe's modules and its generated code ahead of the inherited path."""
    return os.pathsep.join([str(PROBE_DIR), str(gen_dir), os.environ.get("PYTHONPATH", "")])


class StockHello:
    """nameko-grpc's own hello-world (`stock_hello.py`: the library as shipped, none of the platform's transport
    changes) on a free port with `max_workers` workers; the benchmarks' literal "nameko-grpc hello-world".
    Stopped by PID."""

    module = "stock_hello"

    def __init__(self, gen_dir: Path, max_workers: str):
        self.port = testing.free_port()
        self.target = f"127.0.0.1:{self.port}"
        process_env = dict(os.environ, EKINERJA_GRPC_PORT=str(self.port), EKINERJA_MAX_WORKERS=max_workers)
        process_env["PYTHONPATH"] = _pythonpath(gen_dir)
        self.process = subprocess.Popen([sys.executable, "-m", self.module], env=process_env, cwd=PROBE_DIR,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def wait_answering(self, wait: float = 30.0) -> "StockHello":
        from ekinerja.probe.v1 import probe_pb2, probe_pb2_grpc
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.module} exited with {self.process.returncode}")
            try:
                with grpc.insecure_channel(self.target) as channel:
                    probe_pb2_grpc.ProbeServiceStub(channel).Open(probe_pb2.EchoRequest(text="hi"), timeout=1)
                return self
            except grpc.RpcError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"{self.module} not answering after {wait}s")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


class GrpcioHello(StockHello):
    """A plain grpcio hello-world (`grpcio_hello.py`, no nameko, no eventlet): the benchmarks' outside baseline."""

    module = "grpcio_hello"
