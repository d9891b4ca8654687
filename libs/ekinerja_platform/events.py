"""Consuming events: quorum queues from the catalogue, trust in the producer, transient failures retried in place,
messages that can never succeed dead-lettered with their reason, and `apply_once` so a redelivery has no effect.

What happens to a delivered message (docs/events.md, "Failures"):
- undecodable, not an envelope of this queue's event, or not published by the producer's own broker user
  (a forgery): dead-lettered at once with `x-ekinerja-reason`, never run, never acked and dropped;
- handler raised a transient error (database away, serialization failure, deadlock: `transient.is_transient`):
  run again in this process after a growing pause, the message held unacked, so the queue's delivery limit is not
  spent; after `EKINERJA_EVENT_RETRY_SECONDS` of failures the message is requeued (that spends one delivery);
- handler raised anything else: dead-lettered at once with its reason (running it again would fail again);
- a crash of the process returns the message to the queue (that spends one delivery; the limit dead-letters a
  message that keeps killing its consumer).
"""
from __future__ import annotations

import logging
import time
import uuid
from functools import partial

from kombu import Connection
from nameko.events import EventHandler
from nameko.exceptions import ContainerBeingKilled

from . import broker_acks, dead_letter, logs, metrics, runtime, topology, tracing, transient
from .outbox import claim_event

log = logging.getLogger(__name__)


def producer_user(own_user: str, own_service: str, producer: str) -> str:
    """The broker user whose messages count as `producer`'s. Services connect as `<prefix><service>`
    (`broker_users.user_name`); a consumer connected as `<prefix><own_service>` expects `<prefix><producer>`.
    A consumer on a shared user (a local setup without per-service users) can only expect that same user."""
    if own_user == own_service:
        return producer
    if own_user.endswith("-" + own_service):
        return own_user[: -len(own_service)] + producer
    return own_user


def envelope_problem(body, producer: str, event_type: str) -> str | None:
    """Why `body` is not an envelope of `producer`'s `event_type` (a short English reason), or None."""
    if not isinstance(body, dict):
        return f"body is {type(body).__name__}, not an envelope"
    if body.get("event_type") != event_type:
        return "event_type does not match the queue's event"
    if body.get("producer") != producer:
        return "producer does not match the queue's producer"
    try:
        uuid.UUID(str(body.get("event_id")))
    except ValueError:
        return "event_id is not a uuid"
    if not isinstance(body.get("data"), dict):
        return "data is not an object"
    return None


def describe(exc: BaseException) -> str:
    """The exception's class and first words, personal data scrubbed (for a header and a log line)."""
    text = logs.scrub(str(exc).splitlines()[0] if str(exc) else "")
    return f"{type(exc).__name__}: {text}"[: dead_letter.MAX_DETAIL]


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
        self.queue = topology.consumer_queue(consumer, self.source_service, self.event_type)
        settings = runtime.settings()
        self.retry_seconds = settings.event_retry_seconds
        own_user = Connection(settings.amqp_uri).userid or ""
        self.expected_user = producer_user(own_user, consumer, self.source_service)
        self.dead_letters = dead_letter.DeadLetterPublisher(settings.amqp_uri, consumer)
        # a body kombu cannot decode reaches `_undecodable` instead of killing the consumer
        self.consumer_options["on_decode_error"] = self._undecodable
        # Consumer.setup registers the queue with the shared QueueConsumer; skip EventHandler.setup's own queue.
        super(EventHandler, self).setup()

    def stop(self):
        super().stop()
        self.dead_letters.close()

    # -- arrival -------------------------------------------------------------------------------------------------
    def handle_message(self, body, message):
        logs.set_correlation_id(str(body.get("event_id")) if isinstance(body, dict) else None)
        problem = envelope_problem(body, self.source_service, self.event_type)
        if problem is not None:
            self._dead_letter(message, dead_letter.INVALID_ENVELOPE, problem)
            return
        user_id = (message.properties or {}).get("user_id")
        if user_id != self.expected_user:
            # the broker guarantees user_id is the publishing connection's user: another service's user (or none)
            # means this is not the producer's event, whatever its envelope says
            self._dead_letter(message, dead_letter.FORGED,
                              f"published by broker user {user_id or '(none)'}, not the producer's")
            return
        self._spawn(body, message, time.monotonic(), 1)

    def _undecodable(self, message, exc):
        self._dead_letter(message, dead_letter.UNDECODABLE, describe(exc))

    def _spawn(self, body, message, first_failure_at, attempt):
        """Run the handler in a worker (as nameko's Consumer does, from a thread that may wait for a free one)."""
        from nameko.messaging import decode_from_headers
        context_data = decode_from_headers(message.headers)
        if tracing.enabled():  # the producer's trace, continued by the consumer span (service_base.WorkerSpans)
            traceparent = tracing.valid_traceparent((message.headers or {}).get(tracing.TRACEPARENT))
            context_data[tracing.TRACEPARENT] = traceparent  # only the header's, never a forged nameko one
        handle_result = partial(self._handled, message, first_failure_at, attempt)

        def spawn_worker():
            try:
                self.container.spawn_worker(self, (body,), {}, context_data=context_data,
                                            handle_result=handle_result)
            except ContainerBeingKilled:
                self._requeue(message)

        self.container.spawn_managed_thread(
            spawn_worker, identifier=f"EventSubscriber.wait_for_worker_pool[{self.container.service_name}."
                                     f"{self.method_name}]")

    # -- outcome -------------------------------------------------------------------------------------------------
    def _handled(self, message, first_failure_at, attempt, worker_ctx, result=None, exc_info=None):
        service = self.container.service_name
        if exc_info is None:
            outcome = "duplicate" if result is False else "ok"
            metrics.EVENTS_HANDLED.labels(service, self.event_type, outcome).inc()
            if log.isEnabledFor(logging.DEBUG):  # in the worker's span: the line carries the event's trace id
                body = worker_ctx.args[0] if worker_ctx.args else {}
                log.debug("event %s %s.%s handled: %s", body.get("event_id"), self.source_service, self.event_type,
                          outcome)
            self._ack(message)
            return result, exc_info
        metrics.EVENTS_HANDLED.labels(service, self.event_type, "error").inc()
        exc = exc_info[1]
        if transient.is_transient(exc):
            if attempt == 1:
                first_failure_at = time.monotonic()
            if time.monotonic() - first_failure_at < self.retry_seconds:
                delay = transient.backoff(attempt)
                metrics.EVENTS_RETRIED.labels(service, self.event_type).inc()
                log.warning("event handler failed transiently (%s); try %d in %.1fs", describe(exc), attempt + 1,
                            delay)
                body = worker_ctx.args[0]
                self.container.spawn_managed_thread(
                    lambda: self._retry_later(delay, body, message, first_failure_at, attempt + 1),
                    identifier=f"EventSubscriber.retry[{service}.{self.method_name}]")
                return result, exc_info
            log.error("event handler still failing after %.0fs; requeued", self.retry_seconds)
            self._requeue(message)
            return result, exc_info
        self._dead_letter(message, transient.reason_of(exc), describe(exc))
        return result, exc_info

    def _retry_later(self, delay, body, message, first_failure_at, attempt):
        import eventlet
        eventlet.sleep(delay)
        if self.consumer.should_stop:
            self._requeue(message)
            return
        self._spawn(body, message, first_failure_at, attempt)

    def _dead_letter(self, message, reason: str, detail: str) -> None:
        """Copy to `<queue>.dlq` with the reason, then ack; if the copy was not confirmed, requeue instead."""
        try:
            self.dead_letters.publish(self.queue.name, message, reason, detail)
        except Exception:
            log.exception("could not dead-letter a message (%s); requeued", reason)
            self._requeue(message)
            return
        self._ack(message)

    # -- settling: a dead connection must not stop the consumer (broker_acks) ---------------------------------------
    def _ack(self, message) -> None:
        broker_acks.settle(self.consumer.ack_message, message)

    def _requeue(self, message) -> None:
        broker_acks.settle(self.consumer.requeue_message, message)


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
