"""Partitioned consumption without a broker: which messages a partition subscriber accepts, the share parser, and
the partition header the relay stamps."""
import uuid
from collections import deque
from types import SimpleNamespace

import pytest

from ekinerja_platform import topology
from ekinerja_platform.events import PartitionSubscriber, partition_share
from ekinerja_platform.relay import OutboxRelay

pytestmark = pytest.mark.unit


def subscriber():
    sub = PartitionSubscriber.__new__(PartitionSubscriber)  # no container: only the checks are exercised
    sub.source_service = "des"
    sub.event_types = frozenset(topology.partitioned_event_types("recap", "des"))
    sub.queue = topology.partition_queue("recap", "des", 0)
    return sub


def envelope(event_type):
    return {"event_id": str(uuid.uuid4()), "event_type": event_type, "producer": "des", "data": {}}


def test_a_partition_accepts_every_des_event_recap_subscribes_to_and_nothing_else():
    sub = subscriber()
    assert sub.event_types == {"plan_submitted", "activity_submitted", "activity_reviewed", "revision_requested",
                               "monthly_quality_set", "monthly_targets_set", "period_locked"}
    for event_type in sub.event_types:
        assert sub._problem(envelope(event_type)) is None
    assert sub._problem(envelope("skp_approved")) == "event_type is not one of the partition's events"
    assert sub._problem({**envelope("activity_submitted"), "producer": "skp"}) is not None
    assert sub._problem("not a dict") is not None


def test_dead_letters_go_to_the_queue_the_message_came_from():
    sub = subscriber()
    assert sub._queue_name(SimpleNamespace(ekinerja_queue="recap.des.p05")) == "recap.des.p05"


def test_partition_share():
    assert partition_share(None, 8) is None
    assert partition_share("0/2", 8) == {0, 2, 4, 6} and partition_share("1/2", 8) == {1, 3, 5, 7}
    for bad in ("2/2", "x", "1-2"):
        with pytest.raises(RuntimeError, match="EKINERJA_PARTITION_SHARE"):
            partition_share(bad, 8)


class FakeChannel:
    def __init__(self):
        self.published = []

    def prepare_message(self, body, **kwargs):
        return kwargs

    def basic_publish(self, message, exchange, routing_key, mandatory):
        self.published.append((exchange, routing_key, message))


def test_the_relay_stamps_the_pseudonym_of_the_employee_on_partitioned_events_only():
    relay = OutboxRelay(engine=None, amqp_uri="amqp://des:x@localhost/v", producer="des")
    relay._channel = FakeChannel()
    nip = "198001012005011001"
    relay._publish(str(uuid.uuid4()), "activity_submitted", b"{}", None, nip)
    relay._publish(str(uuid.uuid4()), "activity_reviewed", b"{}", None, nip)
    headers = [m["headers"] for _, _, m in relay._channel.published]
    key = headers[0][topology.PARTITION_HEADER]
    assert key == headers[1][topology.PARTITION_HEADER], "one employee, one partition"
    assert nip not in key and len(key) == 16
    skp = OutboxRelay(engine=None, amqp_uri="amqp://skp:x@localhost/v", producer="skp")
    skp._channel = FakeChannel()
    skp._publish(str(uuid.uuid4()), "skp_approved", b"{}", None, nip)
    assert skp._channel.published[0][2]["headers"] is None, "no partitioned consumer of skp's events"


# -- batches (docs/scale.md, "Batched intake"): the subscriber's own bookkeeping, with a fake container and broker --
class FakeMessage:
    def __init__(self, n, queue="recap.des.p00"):
        self.n, self.ekinerja_queue, self.headers, self.properties = n, queue, {}, {}


class FakeContainer:
    service_name = "recap"

    def __init__(self):
        self.calls = []  # (bodies, handle_result) of each handler call, in the order they started
        self.threads = []

    def spawn_managed_thread(self, run, identifier):
        if "wait_for_worker_pool" in identifier:
            run()
        else:
            self.threads.append(identifier)  # a retry after a pause: not run here

    def spawn_worker(self, entrypoint, args, kwargs, context_data, handle_result):
        self.calls.append((args[0], handle_result))


class FakeBroker:
    def __init__(self):
        self.acked, self.requeued, self.dead = [], [], []
        self.should_stop = False

    def ack_message(self, message):
        self.acked.append(message.n)

    def requeue_message(self, message):
        self.requeued.append(message.n)

    def publish(self, queue, message, reason, detail):
        self.dead.append(message.n)


def batching(batch):
    sub = subscriber()
    sub.batch, sub.container, broker = batch, FakeContainer(), FakeBroker()
    sub.consumer = sub.dead_letters = broker
    sub.retry_seconds, sub.method_name = 30, "on_des_event"
    queues = ("recap.des.p00", "recap.des.p01")
    sub.waiting, sub.running = {q: deque() for q in queues}, set()
    return sub, sub.container, broker


def deliver(sub, n, queue="recap.des.p00"):
    sub._spawn({"n": n}, FakeMessage(n, queue), 0.0, 1)


def finish(container, index, result=None, exc=None):
    bodies, handle_result = container.calls[index]
    exc_info = (type(exc), exc, None) if exc is not None else None
    handle_result(SimpleNamespace(args=(bodies,)), result if exc is None else None, exc_info)


def numbers(container, index):
    return [body["n"] for body in container.calls[index][0]]


def test_what_arrives_while_a_batch_runs_is_the_next_batch_up_to_the_limit_acked_after_the_handler():
    sub, container, broker = batching(batch=3)
    deliver(sub, 1)  # nothing running: starts at once, alone (no waiting for a batch to fill)
    for n in range(2, 7):
        deliver(sub, n)
    assert [numbers(container, i) for i in range(len(container.calls))] == [[1]]
    assert broker.acked == []
    finish(container, 0, [True])
    assert broker.acked == [1] and numbers(container, 1) == [2, 3, 4], "the next batch: the waiting ones, <= 3"
    finish(container, 1, [True, False, True])
    assert broker.acked == [1, 2, 3, 4] and numbers(container, 2) == [5, 6]
    finish(container, 2, [True, True])
    assert broker.acked == [1, 2, 3, 4, 5, 6] and len(container.calls) == 3 and not sub.running


def test_two_partitions_run_side_by_side_one_batch_each():
    sub, container, broker = batching(batch=10)
    deliver(sub, 1, "recap.des.p00")
    deliver(sub, 2, "recap.des.p01")
    deliver(sub, 3, "recap.des.p00")
    assert [numbers(container, i) for i in range(len(container.calls))] == [[1], [2]]
    finish(container, 1, [True])
    assert broker.acked == [2] and len(container.calls) == 2, "p00's next waits for p00's batch, not p01's"


def test_a_failed_batch_runs_its_events_alone_in_order_and_only_the_bad_one_is_dead_lettered():
    sub, container, broker = batching(batch=10)
    deliver(sub, 1)
    for n in (2, 3, 4):
        deliver(sub, n)
    finish(container, 0, [True])
    assert numbers(container, 1) == [2, 3, 4]
    finish(container, 1, exc=ValueError("bad event"))  # not transient: which one is unknown
    assert broker.dead == [] and broker.acked == [1]
    deliver(sub, 5)  # arrived after the failure: behind the ones that run alone
    assert numbers(container, 2) == [2]
    finish(container, 2, [True])
    assert numbers(container, 3) == [3]
    finish(container, 3, exc=ValueError("bad event"))
    assert broker.dead == [3] and broker.acked == [1, 2, 3], "dead-lettered, then acked"
    assert numbers(container, 4) == [4], "alone: it was in the failed batch"
    finish(container, 4, [True])
    assert numbers(container, 5) == [5]
    finish(container, 5, [True])
    assert broker.acked == [1, 2, 3, 4, 5] and broker.requeued == [] and not sub.running


def test_a_transient_failure_retries_the_whole_batch_later_without_settling_it():
    sub, container, broker = batching(batch=10)
    deliver(sub, 1)
    deliver(sub, 2)
    deliver(sub, 3)
    finish(container, 0, [True])
    error = ConnectionError("server closed the connection")
    error.connection_invalidated = True
    finish(container, 1, exc=error)
    assert broker.acked == [1] and broker.dead == [] and broker.requeued == []
    assert len(container.threads) == 1, "a retry of the batch is scheduled"
    assert "recap.des.p00" in sub.running, "nothing else of the partition starts meanwhile"
    sub._spawn(container.calls[1][0], container.calls[1][1].args[0], 0.0, 2)  # the retry
    assert numbers(container, 2) == [2, 3]
    finish(container, 2, [True, True])
    assert broker.acked == [1, 2, 3]
