"""Consuming events: quorum queues from the catalogue, trust in the producer, transient failures retried in place,
messages that can never succeed dead-lettered with their reason, and `apply_once` so a redelivery has no effect.

What happens to a delivered message (docs/events.md, "Failures"):
- undecodable, not an envelope of this queue's event, or not published by the producer's own broker user
  (a forgery): dead-lettered at once with `x-ekinerja-reason`, never run, never acked and dropped;
- a schema version the consumer does not accept, or data that does not fit its definition (`ekinerja_events`):
  dead-lettered at once as `invalid_data`, never run;
- handler raised a transient error (database away, serialization failure, deadlock: `transient.is_transient`):
  run again in this process after a growing pause, the message held unacked, so the queue's delivery limit is not
  spent; after `EKINERJA_EVENT_RETRY_SECONDS` of failures the message is requeued (that spends one delivery);
- handler raised anything else: dead-lettered at once with its reason (running it again would fail again);
- a crash of the process returns the message to the queue (that spends one delivery; the limit dead-letters a
  message that keeps killing its consumer).
"""
from __future__ import annotations

import logging
import os
import time
import uuid
from collections import deque
from functools import partial

from kombu import Connection
from nameko.amqp.consume import Consumer as AmqpConsumer
from nameko.events import EventHandler
from nameko.exceptions import ContainerBeingKilled

from ekinerja_events import InvalidEventData, check

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


def data_problem(body: dict, versions: tuple[int, ...]) -> str | None:
    """Why an envelope's data is not one this consumer can read (a schema version it does not accept, or data that
    does not fit the version's definition), or None. Lenient as consumers are: extra keys are ignored."""
    version = body.get("schema_version")
    if type(version) is not int or version not in versions:
        return f"schema_version {version!r} is not one the consumer accepts {tuple(versions)}"
    try:
        check(body["producer"], body["event_type"], version, body["data"])
    except InvalidEventData as exc:
        return logs.scrub(str(exc))[: dead_letter.MAX_DETAIL]
    return None


def describe(exc: BaseException) -> str:
    """The exception's class and first words, personal data scrubbed (for a header and a log line)."""
    text = logs.scrub(str(exc).splitlines()[0] if str(exc) else "")
    return f"{type(exc).__name__}: {text}"[: dead_letter.MAX_DETAIL]


class EventSubscriber(EventHandler):
    """`@subscribe(producer, event_type, versions=(1,))`: the handler receives the envelope dict of DESIGN §5, its
    data checked against the definition of its schema version, one of `versions` (the ones the handler reads)."""

    def __init__(self, source_service, event_type, versions: tuple[int, ...] = (1,), **kwargs):
        kwargs.setdefault("requeue_on_error", True)
        self.versions = tuple(versions)
        super().__init__(source_service, event_type, **kwargs)

    def setup(self):
        consumer = self.container.service_name
        if consumer not in topology.consumers_of(self.source_service, self.event_type):
            raise RuntimeError(f"{consumer} subscribes to {self.source_service}.{self.event_type} "
                               "but the catalogue (ekinerja_platform.topology) does not say so")
        if topology.partitions(consumer, self.source_service):
            raise RuntimeError(f"{consumer} receives {self.source_service}'s events on partition queues: "
                               f"use @subscribe_partitions({self.source_service!r})")
        self.queue = topology.consumer_queue(consumer, self.source_service, self.event_type)
        self._setup_common(consumer)
        # Consumer.setup registers the queue with the shared QueueConsumer; skip EventHandler.setup's own queue.
        super(EventHandler, self).setup()

    def _setup_common(self, consumer: str) -> None:
        settings = runtime.settings()
        self.retry_seconds = settings.event_retry_seconds
        own_user = Connection(settings.amqp_uri).userid or ""
        self.expected_user = producer_user(own_user, consumer, self.source_service)
        self.dead_letters = dead_letter.DeadLetterPublisher(settings.amqp_uri, consumer)
        # a body kombu cannot decode reaches `_undecodable` instead of killing the consumer
        self.consumer_options["on_decode_error"] = self._undecodable

    def stop(self):
        super().stop()
        self.dead_letters.close()

    # -- arrival -------------------------------------------------------------------------------------------------
    def handle_message(self, body, message):
        logs.set_correlation_id(str(body.get("event_id")) if isinstance(body, dict) else None)
        problem = self._problem(body)
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
        problem = data_problem(body, self.versions)
        if problem is not None:
            self._dead_letter(message, dead_letter.INVALID_DATA, problem)
            return
        self._spawn(body, message, time.monotonic(), 1)

    def _problem(self, body) -> str | None:
        return envelope_problem(body, self.source_service, self.event_type)

    def _type_of(self, body) -> str:
        """The event type of a (valid) envelope, for metrics and logs."""
        return self.event_type

    def _queue_name(self, message) -> str:
        """The queue `message` came from (its dead letters go to `<queue>.dlq`)."""
        return self.queue.name

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
        event_type = self._type_of(worker_ctx.args[0] if worker_ctx.args else {})
        if exc_info is None:
            outcome = "duplicate" if result is False else "ok"
            metrics.EVENTS_HANDLED.labels(service, event_type, outcome).inc()
            if log.isEnabledFor(logging.DEBUG):  # in the worker's span: the line carries the event's trace id
                body = worker_ctx.args[0] if worker_ctx.args else {}
                log.debug("event %s %s.%s handled: %s", body.get("event_id"), self.source_service, event_type,
                          outcome)
            self._ack(message)
            return result, exc_info
        metrics.EVENTS_HANDLED.labels(service, event_type, "error").inc()
        exc = exc_info[1]
        if transient.is_transient(exc):
            if attempt == 1:
                first_failure_at = time.monotonic()
            if time.monotonic() - first_failure_at < self.retry_seconds:
                delay = transient.backoff(attempt)
                metrics.EVENTS_RETRIED.labels(service, event_type).inc()
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
            self.dead_letters.publish(self._queue_name(message), message, reason, detail)
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


class _Batch:
    """Deliveries of one partition queue handed to the handler together (one call, one transaction), in order."""

    def __init__(self, queue: str, items: list):
        self.queue, self.items = queue, items  # items: [(body, message)]
        self.started_ns = time.time_ns()  # each event's consumer span starts with its batch (tracing.event_span)

    @property
    def headers(self):  # the first delivery's: its trace continues in the batch's worker
        return self.items[0][1].headers

    @property
    def bodies(self) -> list:
        return [body for body, _ in self.items]


def partition_share(value: str | None, partitions: int) -> set[int] | None:
    """`EKINERJA_PARTITION_SHARE` "i/n" (process i of n recap processes): the partitions this process subscribes to
    at once (q % n == i); None (unset): all of them at once."""
    if not value:
        return None
    try:
        index, count = (int(part) for part in value.split("/"))
    except ValueError:
        raise RuntimeError(f"EKINERJA_PARTITION_SHARE must be 'i/n', not {value!r}") from None
    if not 0 <= index < count:
        raise RuntimeError(f"EKINERJA_PARTITION_SHARE {value!r}: i must be in 0..n-1")
    return {q for q in range(partitions) if q % count == index}


class _PartitionConsumer(AmqpConsumer):
    """One kombu consumer per partition queue (one channel, one prefetch each): each message is tagged with the
    queue it came from, and the broker gives this process the partitions whose single active consumer it is.

    A single-active-consumer queue makes its first subscriber the active one. So that processes started together
    share the partitions, a process subscribes to its own share (`preferred`) at once and to the other partitions
    `standby_delay` seconds later (EKINERJA_PARTITION_STANDBY_SECONDS, 30), as the standby that the broker activates
    when the active process goes. Processes that start further apart than that: the first one takes every queue."""

    preferred: set[str] | None = None
    standby_delay = 5.0
    _standby: list = []
    _standby_at = 0.0

    def get_consumers(self, consumer_cls, channel):
        consumers, standby = [], []
        for queue in self.queues:
            consumer = consumer_cls(queues=[queue], callbacks=[partial(self._tagged, queue.name)],
                                    accept=self.accept, **self.consumer_options)
            consumer.qos(prefetch_count=self.prefetch_count)
            (consumers if self.preferred is None or queue.name in self.preferred else standby).append(consumer)
        # kombu consumes what this returns; the standby subscriptions follow from the consuming thread itself (a
        # basic.consume from another green thread would read the socket while this one does), on every connection
        self._standby, self._standby_at = standby, time.monotonic() + self.standby_delay
        return consumers

    def on_iteration(self):
        """Called by kombu's consume loop between two reads (at least once a second)."""
        if self._standby and time.monotonic() >= self._standby_at and not self.should_stop:
            standby, self._standby = self._standby, []
            for consumer in standby:
                consumer.consume()

    def _tagged(self, queue_name, body, message):
        message.ekinerja_queue = queue_name
        self.on_message(body, message)


class PartitionSubscriber(EventSubscriber):
    """`@subscribe_partitions(producer, batch=100, versions=(1,))`: every event of `producer` the consumer subscribes
    to, from the consumer's partition queues (topology.PARTITIONS); the handler receives a list of envelopes (each
    event_type to dispatch on) and returns a list (per envelope: False when it was a duplicate).

    Batching (docs/scale.md, "Batched intake"): a partition has one handler call at a time; what arrived meanwhile
    (up to `batch`, the prefetch window) is the next call's list, so nothing waits for a batch to fill and a busy
    partition applies many events per transaction. The batch is acked after the handler returned (its commit);
    a crash before that redelivers them all (the inbox drops what was committed). A transient failure retries
    the batch as a whole; any other failure runs its events one at a time, so only the bad one is dead-lettered.
    A partition's events are applied in delivery order, so one employee's events keep their order.
    Validation, trust, retries and dead-lettering are EventSubscriber's."""

    consumer_cls = _PartitionConsumer

    def __init__(self, source_service, batch: int = 100, **kwargs):
        super().__init__(source_service, "partitioned", **kwargs)
        self.batch = batch

    def setup(self):
        consumer = self.container.service_name
        if not topology.partitions(consumer, self.source_service):
            raise RuntimeError(f"{consumer} has no partition queues for {self.source_service}'s events "
                               "(ekinerja_platform.topology.PARTITIONS)")
        self.event_types = frozenset(topology.partitioned_event_types(consumer, self.source_service))
        self.queues = topology.partition_queues(consumer, self.source_service)
        self.queue = self.queues[0]
        self.waiting: dict[str, deque] = {q.name: deque() for q in self.queues}  # (body, message, alone) arrived
        self.running: set[str] = set()  # queues with a batch in a worker
        self._setup_common(consumer)
        options = dict(self.consumer_options)
        from nameko import config
        from nameko.constants import (
            AMQP_SSL_CONFIG_KEY,
            DEFAULT_HEARTBEAT,
            DEFAULT_PREFETCH_COUNT,
            HEARTBEAT_CONFIG_KEY,
            LOGIN_METHOD_CONFIG_KEY,
            PREFETCH_COUNT_CONFIG_KEY,
        )
        from nameko.messaging import serialization
        share = partition_share(os.environ.get("EKINERJA_PARTITION_SHARE"), len(self.queues))
        self.consumer = self.consumer_cls(
            self.amqp_uri, ssl=config.get(AMQP_SSL_CONFIG_KEY), login_method=config.get(LOGIN_METHOD_CONFIG_KEY),
            queues=self.queues, callbacks=[self.handle_message],
            heartbeat=options.pop("heartbeat", config.get(HEARTBEAT_CONFIG_KEY, DEFAULT_HEARTBEAT)),
            prefetch_count=max(self.batch, options.pop("prefetch_count", config.get(PREFETCH_COUNT_CONFIG_KEY,
                                                                                    DEFAULT_PREFETCH_COUNT))),
            accept=options.pop("accept", serialization.setup().accept), **options)
        if share is not None:
            self.consumer.preferred = {self.queues[q].name for q in share}
            self.consumer.standby_delay = float(os.environ.get("EKINERJA_PARTITION_STANDBY_SECONDS", "30"))

    def _problem(self, body) -> str | None:
        event_type = body.get("event_type") if isinstance(body, dict) else None
        if not isinstance(event_type, str) or event_type not in self.event_types:
            return "event_type is not one of the partition's events"
        return envelope_problem(body, self.source_service, event_type)

    def _queue_name(self, message) -> str:
        return getattr(message, "ekinerja_queue", self.queue.name)

    # -- batches ------------------------------------------------------------------------------------------------
    def _spawn(self, body, message, first_failure_at, attempt):
        if isinstance(message, _Batch):  # a batch (re)started: EventSubscriber runs the handler with its bodies
            super()._spawn(body, message, first_failure_at, attempt)
            return
        queue = self._queue_name(message)  # a delivery that passed the checks: it waits for its partition's turn
        self.waiting[queue].append((body, message, False))
        self._next(queue)

    def _next(self, queue: str) -> None:
        """Start the queue's next batch unless one is running: what is waiting, up to `batch` (one event alone when
        its batch failed)."""
        waiting = self.waiting[queue]
        if queue in self.running or not waiting:
            return
        items = [waiting.popleft()]
        if not items[0][2]:
            while waiting and len(items) < self.batch and not waiting[0][2]:
                items.append(waiting.popleft())
        self.running.add(queue)
        batch = _Batch(queue, [(body, message) for body, message, _ in items])
        super()._spawn(batch.bodies, batch, time.monotonic(), 1)

    def _finished(self, batch: _Batch) -> None:
        self.running.discard(batch.queue)
        self._next(batch.queue)

    def _handled(self, message, first_failure_at, attempt, worker_ctx, result=None, exc_info=None):
        if exc_info is not None or not isinstance(message, _Batch):
            return super()._handled(message, first_failure_at, attempt, worker_ctx, result, exc_info)
        service = self.container.service_name
        fresh = result if isinstance(result, list) else [True] * len(message.items)
        for (body, delivery), applied in zip(message.items, fresh, strict=False):
            outcome = "ok" if applied else "duplicate"
            metrics.EVENTS_HANDLED.labels(service, self._type_of(body), outcome).inc()
            self._trace_event(message, body, delivery, outcome)
        self._ack(message)
        return result, exc_info

    def _trace_event(self, batch: _Batch, body: dict, delivery, outcome: str) -> None:
        """Each event of a batch in a consumer span of its own, child of its producer's (the delivery's
        traceparent header), with its 'handled' log line in it: one trace per submit, however events are batched."""
        if not tracing.enabled():
            return
        traceparent = tracing.valid_traceparent((delivery.headers or {}).get(tracing.TRACEPARENT))
        span = tracing.event_span(self.container.service_name, self.source_service, batch.queue, body, traceparent,
                                  batch.started_ns)
        with tracing.current(span):
            if log.isEnabledFor(logging.DEBUG):
                log.debug("event %s %s.%s handled: %s", body.get("event_id"), self.source_service,
                          self._type_of(body), outcome)
        tracing.end_span(span)

    def _type_of(self, body) -> str:
        if isinstance(body, list):  # a batch's worker (its failures are counted once, as one "batch")
            return self._type_of(body[0]) if len(body) == 1 else "batch"
        return str(body.get("event_type")) if isinstance(body, dict) else "unknown"

    def _dead_letter(self, message, reason: str, detail: str) -> None:
        if not isinstance(message, _Batch):
            super()._dead_letter(message, reason, detail)
        elif len(message.items) == 1:
            super()._dead_letter(message.items[0][1], reason, detail)
            self._finished(message)
        else:  # which event failed is unknown: run each alone, in order, before anything that arrived later
            log.warning("a batch of %d events failed (%s); applying them one at a time", len(message.items), detail)
            self.waiting[message.queue].extendleft((body, m, True) for body, m in reversed(message.items))
            self._finished(message)

    def _ack(self, message) -> None:
        if not isinstance(message, _Batch):
            super()._ack(message)
            return
        for _, delivery in message.items:
            super()._ack(delivery)
        self._finished(message)

    def _requeue(self, message) -> None:
        if not isinstance(message, _Batch):
            super()._requeue(message)
            return
        for _, delivery in message.items:
            super()._requeue(delivery)
        self._finished(message)


subscribe_partitions = PartitionSubscriber.decorator


def apply_once(db, consumer: str, envelope: dict, apply) -> bool:
    """Run `apply(session, envelope)` and record the event in the inbox in one transaction.

    Returns False (and changes nothing) when this consumer already applied the event.
    """
    with db.transaction() as session:
        if not claim_event(session, consumer, envelope["event_id"]):
            return False
        apply(session, envelope)
        return True
