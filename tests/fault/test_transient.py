"""Transient is not poison (issue 15 item 8): recap's database down while 200 des events arrive. Every event must
be applied once the database is back, none dead-lettered, with no manual replay."""
import time

import pytest

from ekinerja_testbed import figures
from ekinerja_testbed.load import SubmitLoad
from ekinerja_testbed.servers import dead_lettered

pytestmark = pytest.mark.fault

EVENTS = 200
DOWN_SECONDS = 9.0
RECOVERY_LIMIT = 60.0


def recap_dead(bed) -> int:
    """Messages in recap's dead-letter queues."""
    return sum(n for queue, n in dead_lettered(bed.rabbit).items() if queue.startswith("recap."))


def test_recap_database_down_during_200_events(healthy):
    bed = healthy
    dead_before = recap_dead(bed)
    load = SubmitLoad(bed, bed.employees(10), total=EVENTS, threads=4)
    bed.recap_pg.stop()
    down = time.monotonic()
    try:
        load.start().join()           # des takes the submits; recap's consumers meet a database that is down
        time.sleep(max(0.0, DOWN_SECONDS - (time.monotonic() - down)))
    finally:
        bed.recap_pg.start()
    outage = time.monotonic() - down

    def dead() -> int:
        return recap_dead(bed) - dead_before

    start = time.monotonic()
    while time.monotonic() - start < RECOVERY_LIMIT and not dead():
        if load.recap_counts()["facts"] >= EVENTS:
            break
        time.sleep(0.25)
    recovered = time.monotonic() - start
    counts = load.recap_counts()
    figures.record("recap database down", events=EVENTS, database_down_s=outage, applied=counts["facts"],
                   dead_lettered=dead(), recovered_s=recovered if counts["facts"] >= EVENTS else "-")
    assert dead() == 0, f"{dead()} of {EVENTS} events dead-lettered while recap's database was down"
    load.assert_exactly_once()
