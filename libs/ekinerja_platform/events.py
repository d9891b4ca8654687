"""Consuming events: quorum queues from the catalogue, requeue on failure (dead-letter after the delivery limit),
and `apply_once` so a redelivered event has no second effect.
"""
from __future__ import annotations

from nameko.events import EventHandler

from . import broker_acks, logs, metrics, topology
from .outbox import claim_event


class EventSubscriber(EventHandler):
    """`@subscribe(producer, event_type)`: the handler receives the envelope dict of DESIGN §5."""

    def __init__(self, source_service, event_type, **kwargs):
        kwargs.setdefault("requeue_on_error", True)
        super().__init__(source_service, event_type, **kwargs)

    def setup(self):
        consumer = self.container.service_name
        if consumer not in topology.consumers_of(self.source_service, self.event_type):
            raise RuntimeError(f"{consumer} subscribes to {self.source_service}.{self.event_type} "
                               "but the catalogue (ekinerja_platform.topology) does not say so")
        self.queue = topology.event_queue(consumer, self.source_service, self.event_type)
        # Consumer.setup registers the queue with the shared QueueConsumer; skip EventHandler.setup's own queue.
        super(EventHandler, self).setup()

    def handle_message(self, body, message):
        logs.set_correlation_id(str(body.get("event_id")) if isinstance(body, dict) else None)
        super().handle_message(body, message)

    def handle_result(self, message, worker_ctx, result=None, exc_info=None):
        outcome = "error" if exc_info is not None else ("duplicate" if result is False else "ok")
        metrics.EVENTS_HANDLED.labels(self.container.service_name, self.event_type, outcome).inc()
        return super().handle_result(message, worker_ctx, result, exc_info)

    def handle_message_processed(self, message, result=None, exc_info=None):
        broker_acks.settle(super().handle_message_processed, message, result, exc_info)


subscribe = EventSubscriber.decorator


def apply_once(db, consumer: str, envelope: dict, apply) -> bool:
    """Run `apply(session, envelope)` and record the event in the inbox in one transaction.

    Returns False (and changes nothing) when this consumer already applied the event.
    """
    with db.transaction() as session:
        if not claim_event(session, consumer, envelope["event_id"]):
            return False
        apply(session, envelope)
        return True
