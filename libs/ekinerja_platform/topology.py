"""The event catalogue and the RabbitMQ topology derived from it.

Which service consumes which event is stated once, here. Producers declare their consumers' queues before
publishing (an event with no bound queue would be silently dropped by RabbitMQ), and consumers declare the very
same queues: quorum queues with a delivery limit that dead-letters a message after repeated handler failures.
"""
from __future__ import annotations

import hashlib
import hmac

from kombu import Exchange, Queue

DEAD_LETTER_EXCHANGE = "ekinerja.dead-letter"
DELIVERY_LIMIT = 5

# Partitioned streams (docs/scale.md, "Events partitioned"): (consumer, producer) -> number of partition queues.
# Every event of `producer` that `consumer` subscribes to goes through one exchange of RabbitMQ's consistent-hash
# type, keyed by the employee's pseudonym, to one of N quorum queues with a single active consumer each: one
# employee's events stay in one queue, in publish order, and several consumer processes share the queues, the
# broker choosing (and on a consumer's death, moving) the active one. N is fixed: changing it moves employees
# between queues (a drained cut-over, docs/scale.md).
PARTITIONS: dict[tuple[str, str], int] = {("recap", "des"): 8}
PARTITION_HEADER = "x-ekinerja-partition"  # the keyed pseudonym of the employee, never the NIP
# RabbitMQ plugins the topology needs (shipped with RabbitMQ; scripts/system-deps.sh, the testbed and deploy/
# enable them)
REQUIRED_PLUGINS = ("rabbitmq_consistent_hash_exchange",)

# producer -> event type -> consuming services
SUBSCRIPTIONS: dict[str, dict[str, tuple[str, ...]]] = {
    "identity": {
        "employee_registered": ("skp", "des", "recap"),
        "assignment_changed": ("skp", "des", "recap"),
        "position_changed": ("skp", "recap"),
        "employee_status_changed": ("des", "recap"),
        # the SMS bridge (services/sms) texts the one-time code
        "phone_verification_requested": ("sms",),
    },
    "skp": {
        "skp_approved": ("des", "recap"),
        "skp_scored": ("recap",),
        "skp_closed": ("des", "recap"),
        # PermenPANRB 6/2022: the approved plan (des ties reports to its IKI; recap names them), a period rated
        "rencana_kinerja_approved": ("des", "recap"),
        "evaluasi_rated": ("recap",),
    },
    "des": {
        "plan_submitted": ("recap",),
        "activity_submitted": ("recap",),
        "activity_reviewed": ("skp", "recap"),
        "revision_requested": ("recap",),
        "monthly_quality_set": ("skp", "recap"),
        "monthly_targets_set": ("recap",),
        "period_locked": ("recap",),
    },
    "recap": {"recap_closed": ()},
    "snowman": {"question_asked": (), "answer_published": ()},
    # test-only producer used by the platform's own tests
    "probe": {"probe_happened": ("probe",)},
}


def event_exchange(producer: str) -> Exchange:
    """Same name and type nameko uses for `<service>.events`, so nameko tooling still recognises it."""
    return Exchange(f"{producer}.events", type="topic", durable=True, auto_delete=False)


def dead_letter_exchange() -> Exchange:
    return Exchange(DEAD_LETTER_EXCHANGE, type="direct", durable=True)


def queue_name(consumer: str, producer: str, event_type: str) -> str:
    return f"{consumer}.{producer}.{event_type}"


def event_queue(consumer: str, producer: str, event_type: str) -> Queue:
    name = queue_name(consumer, producer, event_type)
    return Queue(
        name, exchange=event_exchange(producer), routing_key=event_type, durable=True,
        queue_arguments={
            "x-queue-type": "quorum",
            "x-delivery-limit": DELIVERY_LIMIT,
            "x-dead-letter-exchange": DEAD_LETTER_EXCHANGE,
            "x-dead-letter-routing-key": name,
        },
    )


def consumer_queue(consumer: str, producer: str, event_type: str) -> Queue:
    """The queue as its consumer declares it: another producer's exchange is bound to, never declared (a consumer's
    broker user may not configure it, so it cannot delete it; `broker_users.provision` and the producer create it)."""
    queue = event_queue(consumer, producer, event_type)
    if producer != consumer:
        queue.exchange = Exchange(queue.exchange.name, type=queue.exchange.type, durable=True, auto_delete=False,
                                  no_declare=True)
    return queue


def dead_letter_queue(consumer: str, producer: str, event_type: str) -> Queue:
    """Quorum like the queue it serves: a classic queue lives on one node, and losing that node lost the dead
    letters. No dead-letter exchange of its own (a dead letter stays until replayed or purged)."""
    name = queue_name(consumer, producer, event_type)
    return Queue(f"{name}.dlq", exchange=dead_letter_exchange(), routing_key=name, durable=True,
                 queue_arguments={"x-queue-type": "quorum"})


def consumers_of(producer: str, event_type: str) -> tuple[str, ...]:
    try:
        return SUBSCRIPTIONS[producer][event_type]
    except KeyError:
        raise KeyError(f"event {producer}.{event_type} is not in the catalogue (ekinerja_platform.topology)") from None


def partitions(consumer: str, producer: str) -> int:
    """How many partition queues carry `producer`'s events to `consumer` (0: one queue per event type)."""
    return PARTITIONS.get((consumer, producer), 0)


def partitioned_event_types(consumer: str, producer: str) -> tuple[str, ...]:
    return tuple(t for t, consumers in SUBSCRIPTIONS.get(producer, {}).items() if consumer in consumers)


def partition_exchange(consumer: str, producer: str) -> Exchange:
    """`<consumer>.<producer>.partitioned`: hashes the partition header onto the partition queues (bound with
    equal weight); fed from `<producer>.events` by one exchange-to-exchange binding per event type."""
    return Exchange(f"{consumer}.{producer}.partitioned", type="x-consistent-hash", durable=True,
                    auto_delete=False, arguments={"hash-header": PARTITION_HEADER})


def partition_queue(consumer: str, producer: str, index: int) -> Queue:
    """`<consumer>.<producer>.p<NN>`: quorum, delivery limit and dead-lettering as every event queue, and a single
    active consumer, so one process at a time applies a partition (its employees' events in order)."""
    name = f"{consumer}.{producer}.p{index:02d}"
    return Queue(
        name, exchange=partition_exchange(consumer, producer), routing_key="1", durable=True,
        queue_arguments={
            "x-queue-type": "quorum",
            "x-single-active-consumer": True,
            "x-delivery-limit": DELIVERY_LIMIT,
            "x-dead-letter-exchange": DEAD_LETTER_EXCHANGE,
            "x-dead-letter-routing-key": name,
        },
    )


def partition_queues(consumer: str, producer: str) -> list[Queue]:
    return [partition_queue(consumer, producer, i) for i in range(partitions(consumer, producer))]


def partition_dead_letter_queue(queue: Queue) -> Queue:
    return Queue(f"{queue.name}.dlq", exchange=dead_letter_exchange(), routing_key=queue.name, durable=True,
                 queue_arguments={"x-queue-type": "quorum"})


def exchange_bindings(producer: str) -> list[tuple[Exchange, Exchange, str]]:
    """(source, destination, routing key) of the exchange-to-exchange bindings feeding `producer`'s partitioned
    consumers."""
    return [(event_exchange(producer), partition_exchange(consumer, producer), event_type)
            for consumer in sorted({c for (c, p) in PARTITIONS if p == producer})
            for event_type in partitioned_event_types(consumer, producer)]


def partition_key(envelope_nip: str | None, event_id: str, key: bytes) -> str:
    """The partition header of an event: a keyed pseudonym of its employee (`key`: the deployment's NIP hash key,
    the same in every producer process), so one employee's events share a queue; headers are visible to broker
    operators and tools, so never the NIP itself. An event without an employee is spread by its id."""
    if not envelope_nip:
        return str(event_id)
    return hmac.new(key, envelope_nip.encode(), hashlib.sha256).hexdigest()[:16]


def queues_for_producer(producer: str) -> list[Queue]:
    """Every queue (and dead-letter queue) fed by `producer`'s events."""
    out = []
    for event_type, consumers in SUBSCRIPTIONS.get(producer, {}).items():
        for consumer in consumers:
            if not partitions(consumer, producer):
                out.append(event_queue(consumer, producer, event_type))
                out.append(dead_letter_queue(consumer, producer, event_type))
    for consumer, source in sorted(PARTITIONS):
        if source == producer:
            for queue in partition_queues(consumer, producer):
                out += [queue, partition_dead_letter_queue(queue)]
    return out


def declare(channel, queues) -> None:
    for queue in queues:
        bound = queue(channel)
        bound.exchange.declare()
        bound.declare()


def declare_partitions(channel, producer: str) -> None:
    """The exchanges and exchange-to-exchange bindings of `producer`'s partitioned consumers (before `declare`
    of its queues, so no event is published while a partition exchange has no source binding)."""
    for source, destination, routing_key in exchange_bindings(producer):
        source(channel).declare()
        bound = destination(channel)
        bound.declare()
        bound.bind_to(exchange=source.name, routing_key=routing_key)
