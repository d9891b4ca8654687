"""The scale suite's stack: a private three-node RabbitMQ cluster, private PostgreSQL clusters and the services the
load needs (identity, des, recap), for the session. Figures are printed at the end and written to
build/test-artifacts/scale-figures.json.
"""
import os
import time
from pathlib import Path

import pytest

from ekinerja_testbed import figures
from ekinerja_testbed.servers import RabbitCluster
from ekinerja_testbed.stack import Testbed

ARTIFACTS = Path(__file__).resolve().parents[2] / "build" / "test-artifacts"
SERVICES = ("identity", "des", "recap")


@pytest.fixture(scope="session")
def cluster_bed(tmp_path_factory):
    bed = Testbed(tmp_path_factory.mktemp("scale"), rabbit=RabbitCluster(size=3), services=SERVICES)
    started = time.monotonic()
    try:
        bed.start()
        figures.record("stack", start_s=time.monotonic() - started, rabbit_nodes=len(bed.rabbit.nodes),
                       services=",".join(SERVICES))
    except BaseException:
        print(bed.logs() if bed.services else "")
        bed.stop()
        raise
    yield bed
    if os.environ.get("SCALE_LOGS"):
        print(bed.logs())
    bed.stop()


def pytest_terminal_summary(terminalreporter):
    if not figures.FIGURES:
        return
    terminalreporter.section("scale suite figures")
    for line in figures.summary():
        terminalreporter.write_line(line)
    figures.write(ARTIFACTS / "scale-figures.json")
    terminalreporter.write_line(f"(written to {ARTIFACTS / 'scale-figures.json'})")
