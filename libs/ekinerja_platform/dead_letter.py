"""Dead-lettering by the consumer itself: a copy of the message, with the reason in its headers, into `<queue>.dlq`.

RabbitMQ's own dead-lettering (a reject, or the delivery limit) keeps the message but cannot say why it failed; the
consumer knows (undecodable, not an envelope, a forged producer, a handler error) and says so in `x-ekinerja-reason`
before it acks the original. The copy keeps the body byte for byte and the original properties and headers; the
broker stamps it with the consumer's own `user_id` (it validates that property), the producer's goes into
`x-ekinerja-original-user-id` so `python -m ekinerja_platform.replay` can put the message back as it was.
The copy is published with publisher confirms; when that fails the original is requeued, never acked and dropped.
"""
from __future__ import annotations

import logging
import threading
import time

from kombu import Connection

from . import metrics, topology

log = logging.getLogger(__name__)

REASON_HEADER = "x-ekinerja-reason"
DETAIL_HEADER = "x-ekinerja-detail"
QUEUE_HEADER = "x-ekinerja-queue"
ORIGINAL_USER_HEADER = "x-ekinerja-original-user-id"
ORIGINAL_EXCHANGE_HEADER = "x-ekinerja-original-exchange"
ORIGINAL_ROUTING_KEY_HEADER = "x-ekinerja-original-routing-key"
MAX_DETAIL = 200  # a short, data-free description; never the message body

# reasons (label values of ekinerja_events_dead_lettered_total)
UNDECODABLE = "undecodable"
INVALID_ENVELOPE = "invalid_envelope"
FORGED = "forged_producer"
INVALID_DATA = "invalid_data"  # a schema version the consumer does not accept, or data unlike its definition


class DeadLetterPublisher:
    """One broker connection per process for dead-letter copies, dropped after `idle_seconds` unused."""

    idle_seconds = 20.0

    def __init__(self, amqp_uri: str, service: str):
        self.amqp_uri = amqp_uri
        self.service = service
        self._lock = threading.Lock()
        self._connection = None
        self._last_used = 0.0
        self._declared: set[str] = set()

    def _channel(self):
        if self._connection is not None and time.monotonic() - self._last_used > self.idle_seconds:
            self.close()
        if self._connection is None:
            connection = Connection(self.amqp_uri, connect_timeout=5, heartbeat=60,
                                    transport_options={"confirm_publish": True})
            connection.ensure_connection(max_retries=1)
            self._connection = connection
            self._declared = set()
        return self._connection.default_channel

    def close(self) -> None:
        if self._connection is not None:
            try:
                self._connection.release()
            except Exception:  # dropping a broken connection
                pass
        self._connection = None

    def _publish_once(self, queue: str, message, headers: dict) -> None:
        channel = self._channel()
        if queue not in self._declared:  # the copy must have a queue to land in (unroutable copies are dropped)
            consumer, producer, event_type = queue.split(".", 2)
            topology.declare(channel, [topology.dead_letter_queue(consumer, producer, event_type)])
            self._declared.add(queue)
        properties = {k: v for k, v in (message.properties or {}).items()
                      if k not in ("user_id", "application_headers", "content_type", "content_encoding", "priority")}
        properties["delivery_mode"] = 2
        copy = channel.prepare_message(message.body, priority=(message.properties or {}).get("priority"),
                                       content_type=message.content_type,
                                       content_encoding=message.content_encoding, headers=headers,
                                       properties=properties)
        channel.basic_publish(copy, exchange=topology.DEAD_LETTER_EXCHANGE, routing_key=queue)
        self._last_used = time.monotonic()

    def publish(self, queue: str, message, reason: str, detail: str = "") -> None:
        """Publish the dead-letter copy of `message` (a kombu Message taken from `queue`); raises if the broker did
        not confirm it (twice: once more on a fresh connection)."""
        delivery = getattr(message, "delivery_info", None) or {}
        headers = dict(message.headers or {})
        headers.update({
            REASON_HEADER: reason,
            DETAIL_HEADER: detail[:MAX_DETAIL],
            QUEUE_HEADER: queue,
            ORIGINAL_USER_HEADER: (message.properties or {}).get("user_id") or "",
            ORIGINAL_EXCHANGE_HEADER: delivery.get("exchange") or "",
            ORIGINAL_ROUTING_KEY_HEADER: delivery.get("routing_key") or "",
        })
        with self._lock:
            try:
                self._publish_once(queue, message, headers)
            except Exception:
                self.close()
                self._publish_once(queue, message, headers)
        metrics.EVENTS_DEAD_LETTERED.labels(self.service, reason).inc()
        log.warning("event dead-lettered to %s.dlq: %s (%s)", queue, reason, detail[:MAX_DETAIL])
