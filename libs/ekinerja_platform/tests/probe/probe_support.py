"""Generate and start the probe service outside pytest too (benchmarks use it as the hello-world baseline)."""
import os
import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa

from ekinerja_platform import testing
from ekinerja_platform.db import platform_metadata

PROBE_DIR = Path(__file__).resolve().parent


def generate(out: Path) -> Path:
    """Generate probe.proto's Python code into `out` and put it on sys.path (extends the `ekinerja` package)."""
    protos = PROBE_DIR / "protos"
    out.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "grpc_tools.protoc", f"-I{protos}", f"--python_out={out}",
                    f"--grpc_python_out={out}", str(protos / "ekinerja/probe/v1/probe.proto")], check=True)
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
    result["PYTHONPATH"] = os.pathsep.join([str(PROBE_DIR), str(gen_dir), os.environ.get("PYTHONPATH", "")])
    return result
