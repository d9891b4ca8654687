"""The projection's redelivery and ordering properties over partitioned delivery (docs/scale.md), without a broker.

A small model of what RabbitMQ and the recap processes do: des's events go to N partition queues by their
employee's partition key (`topology.partition_key`; a stable hash of the key stands in for the consistent-hash
exchange), each queue has a single active consumer among two recap processes, a process takes up to `prefetch`
messages per queue and runs them in its worker pool in any order the scheduler picks, except that one employee's
events wait for each other (`events.InOrder`, the code PartitionSubscriber runs). A process may be killed (-9) at any
step: what it had delivered and not acked goes back to the head of its queues, applied or not (its ack may be lost
after the commit), and the broker makes the other process the active consumer. Whatever happens, every event is
applied exactly once, in publish order per employee, and the numbers are those of one serial pass.
"""
from collections import deque

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from recap_histories import activity_histories

from ekinerja_platform import topology
from ekinerja_platform.events import InOrder
from recap.domain import projection

pytestmark = pytest.mark.unit
KEY = b"test-partition-key"


def nip_of(envelope):
    return envelope.get("nip") or envelope["data"].get("nip")


def partition_of(envelope, partitions):
    return int(topology.partition_key(nip_of(envelope), envelope["event_id"], KEY), 16) % partitions


class Process:
    """One recap process: its deliveries (unacked), its per-employee order, its committed-but-unacked events."""

    def __init__(self, name):
        self.name, self.alive = name, True
        self.delivered = {}  # event_id -> (queue index, envelope), in delivery order
        self.in_order = InOrder()
        self.runnable = []  # envelopes a worker may run now
        self.applied_unacked = []  # committed in recap's database, ack not yet sent


def run(events, partitions, prefetch, choices, kill_at, keep_order=True):  # noqa: C901 - TODO issue 17.14: split
    """Deliver, run and ack until every queue is empty; `choices` picks each step; returns (store, applications)."""
    queues = [deque() for _ in range(partitions)]
    for envelope in events:
        queues[partition_of(envelope, partitions)].append(envelope)
    processes = [Process("a"), Process("b")]
    # the broker's single active consumer: the first subscriber of each queue, alternately a and b
    active = {q: processes[q % 2] for q in range(partitions)}
    store, applications, step = projection.MemoryStore(), [], 0
    choices = iter(choices)

    def pick(n):
        return next(choices, 0) % n

    while any(queues) or any(p.delivered for p in processes):
        step += 1
        if step == kill_at:  # kill -9 of process a: its unacked messages return to the head of their queues
            victim, survivor = processes[0], processes[1]
            victim.alive = False
            for queue_index, envelope in reversed(list(victim.delivered.values())):
                queues[queue_index].appendleft(envelope)
            victim.delivered.clear()
            for q, process in active.items():
                if process is victim:
                    active[q] = survivor
            continue
        moves = []
        for q, queue in enumerate(queues):
            process = active[q]
            in_flight = sum(1 for qi, _ in process.delivered.values() if qi == q)
            if queue and in_flight < prefetch:
                moves.append(("deliver", q))
        for process in processes:
            if process.alive and process.runnable:
                moves.append(("finish", process))
        assert moves, "nothing can move: a stuck partition"
        kind, target = moves[pick(len(moves))]
        if kind == "deliver":
            envelope = queues[target].popleft()
            process = active[target]
            process.delivered[envelope["event_id"]] = (target, envelope)
            if not keep_order or process.in_order.arrive(nip_of(envelope), envelope):
                process.runnable.append(envelope)
            continue
        process = target
        envelope = process.runnable.pop(pick(len(process.runnable)))
        if store.apply(envelope):  # the inbox: a redelivery of a committed event changes nothing
            applications.append(envelope)
        del process.delivered[envelope["event_id"]]  # acked
        if keep_order:
            following = process.in_order.done(nip_of(envelope))
            if following is not None:
                process.runnable.append(following)
    return store, applications


def normalised(store):
    return {key: {k: v for k, v in row.items() if v} for key, row in store.counters.items() if any(row.values())}


def serial(events):
    store = projection.MemoryStore()
    for envelope in events:
        store.apply(envelope)
    return store


def by_employee(envelopes):
    out = {}
    for envelope in envelopes:
        out.setdefault(nip_of(envelope), []).append(envelope["event_id"])
    return out


@settings(max_examples=200, deadline=None)
@given(activity_histories(), st.integers(1, 8), st.integers(1, 4),
       st.lists(st.integers(0, 1000), max_size=400), st.integers(0, 60))
def test_partitioned_delivery_with_a_process_killed_applies_each_event_once_in_order(
        events, partitions, prefetch, choices, kill_at):
    store, applications = run(events, partitions, prefetch, choices, kill_at)
    assert sorted(e["event_id"] for e in applications) == sorted(e["event_id"] for e in events), "exactly once"
    assert by_employee(applications) == by_employee(events), "one employee's events in publish order"
    reference = serial(events)
    assert normalised(store) == normalised(reference)
    assert store.facts == reference.facts


def test_the_model_reorders_an_employee_without_in_order():
    """The ordering check above is not vacuous: with the worker pool free to finish in any order and no InOrder,
    one employee's events are applied out of publish order."""
    import recap_events as ev
    nip = "198001012005011001"
    events = [ev.activity_submitted(f"a{i}", nip, "i-1", "u-a", "2025-02-03", skp_id="s1", kegiatan_id="k1",
                                    kuantitas=1, menit=30, proses=False, version=1) for i in range(3)]
    # deliver all three (prefetch 3), then always finish the last runnable one
    _, applications = run(events, 1, 3, [0, 0, 0, 1, 1, 0], kill_at=0, keep_order=False)
    assert by_employee(applications) != by_employee(events)
    _, applications = run(events, 1, 3, [0, 0, 0, 1, 1, 0], kill_at=0)
    assert by_employee(applications) == by_employee(events)


def test_one_employee_always_lands_in_one_partition_and_never_by_the_nip_itself():
    envelope = {"event_id": "e1", "nip": "198001012005011001", "data": {}}
    keys = {topology.partition_key(envelope["nip"], f"e{i}", KEY) for i in range(5)}
    assert len(keys) == 1 and "198001012005011001" not in keys.pop()
    assert topology.partition_key(None, "e7", KEY) == "e7"  # no employee: spread by the event's id


def test_in_order_runs_one_key_at_a_time_and_hands_out_the_next():
    in_order = InOrder()
    assert in_order.arrive("k", 1) and not in_order.arrive("k", 2) and not in_order.arrive("k", 3)
    assert in_order.arrive("other", 9)
    assert in_order.done("k") == 2 and in_order.done("k") == 3 and in_order.done("k") is None
    assert in_order.done("other") is None and len(in_order) == 0
    assert in_order.arrive("k", 4)  # a key with nothing running starts at once again
