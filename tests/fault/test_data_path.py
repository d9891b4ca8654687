"""No fault loses or doubles work: 2,000 des submits while the broker stops or dies, des or recap is killed with
SIGKILL, or PostgreSQL restarts. Every acknowledged submit must be in des and in recap exactly once, and recap must
catch up by itself (no manual replay) within 60 s of the load's end."""
import time

import pytest

from ekinerja_testbed import figures
from ekinerja_testbed.load import SubmitLoad
from ekinerja_testbed.servers import dead_lettered

pytestmark = pytest.mark.fault

SUBMITS = 2000
FAULT_AT = 400          # acknowledged submits before the fault strikes
DRAIN_LIMIT = 60.0


def run_with_fault(bed, case: str, fault) -> SubmitLoad:
    """The load, `fault(bed)` (which returns once the fault is repaired) after FAULT_AT acknowledged submits, then
    the checks. Figures are recorded before the checks, so a failing case still reports what it reached."""
    dead_before = dead_lettered(bed.rabbit)
    load = SubmitLoad(bed, bed.employees(20), total=SUBMITS).start()
    load.wait_acked(FAULT_AT)
    struck, acked_before = time.monotonic(), len(load.acked)
    fault(bed)
    outage = time.monotonic() - struck
    acked_during = len(load.acked) - acked_before
    load.join()
    try:
        drain = load.drain(DRAIN_LIMIT)
    except AssertionError as exc:
        drain = f"over {DRAIN_LIMIT:.0f} s ({exc})"
    exited = [svc for svc, proc in bed.services.items() if proc.process.poll() is not None]
    dead = {q: n - dead_before.get(q, 0) for q, n in dead_lettered(bed.rabbit).items() if n > dead_before.get(q, 0)}
    figures.record(case, submits=SUBMITS, acknowledged=len(load.acked), outage_s=outage,
                   acknowledged_during_fault=acked_during, load_s=load.seconds,
                   drain_s=drain, retried_answers=sum(load.errors.values()),
                   answers=",".join(f"{k}:{v}" for k, v in sorted(load.errors.items())) or "-",
                   dead_lettered=sum(dead.values()), services_exited=",".join(exited) or "-")
    assert not exited, f"services exited during the fault: {exited}"
    assert isinstance(drain, float), drain
    assert not dead, f"dead-lettered: {dead}"
    load.assert_exactly_once()
    return load


def restart_broker(bed):
    bed.rabbit.stop()
    time.sleep(2)
    bed.rabbit.start()


def kill_broker(bed):
    bed.rabbit.kill()
    bed.rabbit.start()


def kill_service(name):
    def fault(bed):
        bed.restart_service(name, kill=True)
    return fault


def restart_postgres(bed):
    for cluster in bed.clusters:
        cluster.restart()


@pytest.mark.parametrize("case, fault", [
    ("broker stopped", restart_broker),
    ("broker killed", kill_broker),
    ("des kill -9", kill_service("des")),
    ("recap kill -9", kill_service("recap")),
    ("postgres restarted", restart_postgres),
], ids=["broker-stop", "broker-kill", "des-kill", "recap-kill", "postgres-restart"])
def test_every_acknowledged_submit_exactly_once(healthy, case, fault):
    run_with_fault(healthy, case, fault)


def test_baseline_without_fault(healthy):
    """The same load with no fault: the reference the other figures compare to."""
    run_with_fault(healthy, "no fault", lambda bed: None)
