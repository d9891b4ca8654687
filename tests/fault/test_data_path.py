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
    load = SubmitLoad(bed, bed.employees(20), total=SUBMITS).start()
    load.wait_acked(FAULT_AT)
    struck = time.monotonic()
    fault(bed)
    outage = time.monotonic() - struck
    load.join()
    drain = load.drain(DRAIN_LIMIT)
    figures.record(case, submits=SUBMITS, acknowledged=len(load.acked), outage_s=outage, load_s=load.seconds,
                   drain_s=drain, retried_answers=sum(load.errors.values()),
                   answers=",".join(f"{k}:{v}" for k, v in sorted(load.errors.items())) or "-",
                   dead_lettered=sum(dead_lettered(bed.rabbit).values()))
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
    bed.pg.restart()


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
