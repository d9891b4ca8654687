"""The projection's redelivery and ordering properties over partitioned, batched delivery (docs/scale.md), without
a broker.

A small model of what RabbitMQ and the recap processes do: des's events go to N partition queues by their
employee's partition key (`topology.partition_key`; a stable hash of the key stands in for the consistent-hash
exchange), each queue has a single active consumer among two recap processes, a process takes up to `prefetch`
messages per queue and applies them as `events.PartitionSubscriber` does: one batch per queue at a time, the first
1..`batch` waiting deliveries in delivery order, in one transaction (`MemoryStore.apply_batch`, the pure code of
recap's batched intake), acked after the commit. A process may be killed (-9) at any step: what it had delivered
and not acked goes back to the head of its queues, applied or not (a batch committed and not yet acked), and the
broker makes the other process the active consumer. Whatever happens, every event is applied exactly once, in
publish order per employee, and the facts and counters are those of one serial pass.
"""
from collections import deque

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from recap_histories import activity_histories

from ekinerja_platform import topology
from recap.domain import projection

pytestmark = pytest.mark.unit
KEY = b"test-partition-key"


def nip_of(envelope):
    return envelope.get("nip") or envelope["data"].get("nip")


def partition_of(envelope, partitions):
    return int(topology.partition_key(nip_of(envelope), envelope["event_id"], KEY), 16) % partitions


class Process:
    """One recap process: per queue its unacked deliveries in order, and how many of them are committed."""

    def __init__(self, name, partitions):
        self.name, self.alive = name, True
        self.delivered = [deque() for _ in range(partitions)]  # per queue: envelopes not acked, in delivery order
        self.committed = [0] * partitions  # per queue: the first n of `delivered` are committed, not yet acked


def _kill(victim, survivor, queues, active):
    """kill -9 of `victim`: its unacked messages return to the head of their queues, its queues go to `survivor`."""
    victim.alive = False
    for q, delivered in enumerate(victim.delivered):
        queues[q].extendleft(reversed(delivered))
        delivered.clear()
        victim.committed[q] = 0
    for q, process in active.items():
        if process is victim:
            active[q] = survivor


def _moves(queues, processes, active, prefetch):
    """Every step the system can take now: deliver to a queue's active consumer, commit a batch, ack it."""
    moves = [("deliver", active[q], q) for q, queue in enumerate(queues)
             if queue and len(active[q].delivered[q]) < prefetch]
    for process in processes:
        for q, delivered in enumerate(process.delivered):
            if process.alive and process.committed[q]:
                moves.append(("ack", process, q))
            elif process.alive and delivered:  # one batch per queue at a time: the next starts after the ack
                moves.append(("commit", process, q))
    return moves


def _commit(process, q, store, applications, pick, batch, keep_order):
    """The batch: what is waiting, up to `batch`, from the head (or anywhere: broken)."""
    delivered = process.delivered[q]
    size = 1 + pick(min(batch, len(delivered)))
    if not keep_order:
        delivered.rotate(-pick(len(delivered)))
    taken = list(delivered)[:size]
    for envelope, fresh in zip(taken, store.apply_batch(taken), strict=True):
        if fresh:  # the inbox: a redelivery of a committed event changes nothing
            applications.append(envelope)
    process.committed[q] = size


def run(events, partitions, prefetch, batch, choices, kill_at, keep_order=True):
    """Deliver, apply in batches and ack until every queue is empty; `choices` picks each step; returns
    (store, applications)."""
    queues = [deque() for _ in range(partitions)]
    for envelope in events:
        queues[partition_of(envelope, partitions)].append(envelope)
    processes = [Process("a", partitions), Process("b", partitions)]
    # the broker's single active consumer: the first subscriber of each queue, alternately a and b
    active = {q: processes[q % 2] for q in range(partitions)}
    store, applications, step = projection.MemoryStore(), [], 0
    choices = iter(choices)

    def pick(n):
        return next(choices, 0) % n

    while any(queues) or any(any(p.delivered) for p in processes):
        step += 1
        if step == kill_at:
            _kill(processes[0], processes[1], queues, active)
            continue
        moves = _moves(queues, processes, active, prefetch)
        assert moves, "nothing can move: a stuck partition"
        kind, process, q = moves[pick(len(moves))]
        if kind == "deliver":
            process.delivered[q].append(queues[q].popleft())
        elif kind == "commit":
            _commit(process, q, store, applications, pick, batch, keep_order)
        else:  # ack the committed batch
            for _ in range(process.committed[q]):
                process.delivered[q].popleft()
            process.committed[q] = 0
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
@given(activity_histories(), st.integers(1, 8), st.integers(1, 6), st.integers(1, 6),
       st.lists(st.integers(0, 1000), max_size=400), st.integers(0, 60))
def test_partitioned_batched_delivery_with_a_process_killed_applies_each_event_once_in_order(
        events, partitions, prefetch, batch, choices, kill_at):
    store, applications = run(events, partitions, prefetch, batch, choices, kill_at)
    assert sorted(e["event_id"] for e in applications) == sorted(e["event_id"] for e in events), "exactly once"
    assert by_employee(applications) == by_employee(events), "one employee's events in publish order"
    reference = serial(events)
    assert normalised(store) == normalised(reference)
    assert store.facts == reference.facts


@settings(max_examples=300, deadline=None)
@given(activity_histories(), st.lists(st.integers(1, 8), min_size=1, max_size=20), st.randoms(use_true_random=False))
def test_batches_of_any_size_with_duplicates_equal_one_event_at_a_time(events, sizes, rnd):
    """`MemoryStore.apply_batch` (recap.domain.projection.batch_changes) over batches of random sizes, with
    duplicates inside a batch and redeliveries of earlier batches, gives the facts and counters of one by one."""
    stream = list(events)
    for _ in range(rnd.randint(0, 4)):  # redeliveries and duplicate publications, anywhere after the original
        at = rnd.randrange(len(stream))
        stream.insert(rnd.randint(at, len(stream)), stream[at])
    batched, start = projection.MemoryStore(), 0
    for size in sizes * (len(stream) // len(sizes) + 1):
        if start >= len(stream):
            break
        batched.apply_batch(stream[start:start + size])
        start += size
    reference = serial(stream)
    assert batched.facts == reference.facts
    assert normalised(batched) == normalised(reference)
    assert sorted(batched.inbox) == sorted(reference.inbox) and len(batched.log) == len(reference.log)


def test_the_model_reorders_an_employee_when_a_batch_does_not_take_the_head():
    """The ordering check above is not vacuous: a batch taken from anywhere in the partition's deliveries (not its
    head) applies one employee's events out of publish order."""
    import recap_events as ev
    nip = "198001012005011001"
    events = [ev.activity_submitted(f"a{i}", nip, "i-1", "u-a", "2025-02-03", skp_id="s1", kegiatan_id="k1",
                                    kuantitas=1, menit=30, proses=False, version=1) for i in range(3)]
    # deliver all three (prefetch 3), then batches of one: the broken model rotates to the last delivery first
    choices = [0, 0, 0, 0, 0, 2]
    _, applications = run(events, 1, 3, 1, choices, kill_at=0, keep_order=False)
    assert by_employee(applications) != by_employee(events)
    _, applications = run(events, 1, 3, 1, choices, kill_at=0)
    assert by_employee(applications) == by_employee(events)


def test_one_employee_always_lands_in_one_partition_and_never_by_the_nip_itself():
    envelope = {"event_id": "e1", "nip": "198001012005011001", "data": {}}
    keys = {topology.partition_key(envelope["nip"], f"e{i}", KEY) for i in range(5)}
    assert len(keys) == 1 and "198001012005011001" not in keys.pop()
    assert topology.partition_key(None, "e7", KEY) == "e7"  # no employee: spread by the event's id
