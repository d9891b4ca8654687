"""The event catalogue and the RabbitMQ topology derived from it.

Which service consumes which event is stated once, here. Producers declare their consumers' queues before
publishing (an event with no bound queue would be silently dropped by RabbitMQ), and consumers declare the very
same queues: quorum queues with a delivery limit that dead-letters a message after repeated handler failures.
"""
from __future__ import annotations

from kombu import Exchange, Queue

DEAD_LETTER_EXCHANGE = "ekinerja.dead-letter"
DELIVERY_LIMIT = 5

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


def queues_for_producer(producer: str) -> list[Queue]:
    """Every queue (and dead-letter queue) fed by `producer`'s events."""
    out = []
    for event_type, consumers in SUBSCRIPTIONS.get(producer, {}).items():
        for consumer in consumers:
            out.append(event_queue(consumer, producer, event_type))
            out.append(dead_letter_queue(consumer, producer, event_type))
    return out


def declare(channel, queues) -> None:
    for queue in queues:
        bound = queue(channel)
        bound.exchange.declare()
        bound.declare()
