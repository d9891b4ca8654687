"""Partitioned consumption without a broker: which messages a partition subscriber accepts, the share parser, and
the partition header the relay stamps."""
import uuid
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
