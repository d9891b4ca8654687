"""The fault suite's stack: one private PostgreSQL cluster, RabbitMQ node and the five services for the session.

Each test leaves the stack as it found it (every service SERVING, the broker and the database up), so tests can run
alone or in any order. Figures are printed at the end of the session and written to
build/test-artifacts/fault-figures.json.
"""
import os
from pathlib import Path

import pytest

from ekinerja_testbed import figures
from ekinerja_testbed.stack import Testbed

ARTIFACTS = Path(__file__).resolve().parents[2] / "build" / "test-artifacts"


@pytest.fixture(scope="session")
def testbed(tmp_path_factory):
    bed = Testbed(tmp_path_factory.mktemp("testbed"))
    try:
        bed.start()
    except BaseException:
        print(bed.logs() if bed.services else "")
        bed.stop()
        raise
    yield bed
    if os.environ.get("FAULT_LOGS"):
        print(bed.logs())
    bed.stop()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


def repair(testbed) -> None:
    """Start whatever is down, then wait until every service answers SERVING (readiness follows the database)."""
    if not testbed.rabbit.running():
        testbed.rabbit.start()
    for cluster in testbed.clusters:
        if not cluster.running():
            cluster.start()
    for svc, proc in testbed.services.items():
        if proc.process.poll() is not None:
            testbed.restart_service(svc)
    for proc in testbed.services.values():
        proc.wait_serving(60)


@pytest.fixture
def healthy(testbed, request):
    """The stack with every service SERVING, before and after the test (a failed test must not poison the next
    one); the services' log tails when the test failed."""
    repair(testbed)
    yield testbed
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        print(testbed.logs())
    repair(testbed)


def pytest_terminal_summary(terminalreporter):
    if not figures.FIGURES:
        return
    terminalreporter.section("fault suite figures")
    for line in figures.summary():
        terminalreporter.write_line(line)
    figures.write(ARTIFACTS / "fault-figures.json")
    terminalreporter.write_line(f"(written to {ARTIFACTS / 'fault-figures.json'})")
