"""Outbox relay: publishes committed outbox rows with publisher confirms, in batches, and retries forever.

Rows are locked with SKIP LOCKED so several replicas can relay side by side; a row is marked sent only after the
broker confirmed it. A crash between confirm and mark re-publishes the row later: delivery is at least once and
consumers' inboxes make it exactly-once in effect.
"""
from __future__ import annotations

import contextlib
import logging
import socket
import time
from typing import Any, Callable

import sqlalchemy as sa
from kombu import Connection

from . import logs, metrics, topology, tracing
from .outbox import BULK_LANE, INTERACTIVE_LANE

log = logging.getLogger(__name__)


_CLAIM_BATCH = sa.text(
    "SELECT id, event_id::text AS event_id, event_type, payload::text AS body, payload->>'nip' AS nip, "
    "trace_context FROM outbox "
    "WHERE sent_at IS NULL ORDER BY id LIMIT :limit FOR UPDATE SKIP LOCKED")
# With lanes (a service whose bulk imports write many events at once, `lane` BULK_LANE): each round takes the
# interactive lane first, then at least half a batch of the bulk lane, so an employee's event never waits behind an
# agency's import backlog and the import still drains (`EKINERJA_RELAY_LANES`; the outbox needs the `lane` column).
_CLAIM_LANE = sa.text(
    "SELECT id, event_id::text AS event_id, event_type, payload::text AS body, payload->>'nip' AS nip, "
    "trace_context FROM outbox "
    "WHERE sent_at IS NULL AND lane = :lane ORDER BY id LIMIT :limit FOR UPDATE SKIP LOCKED")
_MARK_SENT = sa.text("UPDATE outbox SET sent_at = now() WHERE id = ANY(:ids)")


class BrokerRejected(Exception):
    """The broker nacked or returned a message; the batch stays in the outbox for the next round."""


class OutboxRelay:
    def __init__(self, engine: sa.Engine, amqp_uri: str, producer: str, batch_size: int = 200,
                 confirm_timeout: float = 10.0, heartbeat: int | None = None, lanes: bool = False):
        from .settings import amqp_heartbeat_seconds
        self.engine = engine
        self.amqp_uri = amqp_uri
        self.producer = producer
        # heartbeats find a dead broker connection (a half-open TCP after a network cut) even while idle
        self.heartbeat = amqp_heartbeat_seconds() if heartbeat is None else heartbeat
        self.broker_up: bool | None = None  # True/False once a round has touched the broker (ekinerja_broker_up)
        self._checked_at = 0.0
        self.batch_size = batch_size
        self.confirm_timeout = confirm_timeout
        self._connection = None
        self._channel: Any = None  # a kombu channel (kombu has no type hints)
        self._next_tag = 1
        self._acked_upto = 0
        self._nacked = False
        self._returned: set[str] = set()
        self.lanes = lanes
        self.gauge_interval = 5.0  # seconds between two readings of the outbox backlog gauges
        self.before_mark_sent = None  # test hook: called after confirms, before rows are marked sent
        # every event carries the publishing broker user; RabbitMQ refuses a user_id that is not the connection's,
        # so consumers can tell the producer's events from forgeries (events.EventSubscriber)
        self.user_id = Connection(amqp_uri).userid
        # event types that reach a partitioned consumer carry the employee's pseudonym as the partition header
        self._partitioned = {event_type for _, _, event_type in topology.exchange_bindings(producer)}

    # -- broker ---------------------------------------------------------------------------------------------
    def _set_broker_up(self, up: bool) -> None:
        self.broker_up = up
        metrics.BROKER_UP.labels(self.producer).set(1 if up else 0)

    def check_broker(self):
        """Connect if needed and, at most once a second, read what the broker sent (its heartbeats: a closed socket
        raises here) and send ours; a broken connection raises (and the gauge says 0)."""
        try:
            self._connect()
            now = time.monotonic()
            if now - self._checked_at >= 1.0:
                self._checked_at = now
                try:
                    self._connection.drain_events(timeout=0.001)
                except socket.timeout:
                    pass
                self._connection.heartbeat_check()
        except Exception:
            self._set_broker_up(False)
            raise
        if self.broker_up is not True:
            self._set_broker_up(True)

    def _connect(self):
        if self._channel is not None:
            return
        connection = Connection(self.amqp_uri, connect_timeout=5, heartbeat=self.heartbeat)
        connection.connect()
        channel = connection.channel()
        topology.declare(channel, topology.queues_for_producer(self.producer))
        topology.event_exchange(self.producer)(channel).declare()
        topology.declare_partitions(channel, self.producer)
        channel.confirm_select()
        channel.events["basic_ack"].add(self._on_ack)
        channel.events["basic_nack"].add(self._on_nack)
        channel.events["basic_return"].add(self._on_return)
        self._connection, self._channel = connection, channel
        self._next_tag, self._acked_upto = 1, 0

    def close(self):
        if self._connection is not None:
            try:
                self._connection.release()
            except Exception:  # the connection is being dropped after a failure anyway
                pass
        self._connection = self._channel = None

    def _on_ack(self, delivery_tag, multiple):
        self._acked_upto = max(self._acked_upto, delivery_tag)

    def _on_nack(self, delivery_tag, multiple):
        self._nacked = True
        self._acked_upto = max(self._acked_upto, delivery_tag)

    def _on_return(self, exc, exchange, routing_key, message):
        self._returned.add(message.properties.get("message_id"))

    def _publish(self, event_id: str, event_type: str, body: bytes, traceparent: str | None = None,
                 nip: str | None = None) -> None:
        """`traceparent`: the trace context the consumer continues (an AMQP header), or None; `nip`: the envelope's
        employee, whose pseudonym picks the partition of a partitioned consumer (topology.PARTITIONS)."""
        headers = {tracing.TRACEPARENT: traceparent} if traceparent else {}
        if event_type in self._partitioned:
            headers[topology.PARTITION_HEADER] = topology.partition_key(nip, event_id, logs.nip_hash_key())
        message = self._channel.prepare_message(
            body, content_type="application/json", content_encoding="utf-8",
            properties={"message_id": event_id, "delivery_mode": 2, "type": event_type, "user_id": self.user_id},
            headers=headers or None)
        self._channel.basic_publish(message, exchange=f"{self.producer}.events", routing_key=event_type,
                                    mandatory=bool(topology.consumers_of(self.producer, event_type)))
        self._next_tag += 1

    @contextlib.contextmanager
    def _corked(self):
        """Hold the batch's frames in the kernel until it is written (TCP_CORK): full packets instead of one per
        event, fewer reads for the broker. Without the option (not Linux) frames go out one by one as before."""
        sock = getattr(getattr(self._connection.connection, "transport", None), "sock", None)
        cork = getattr(socket, "TCP_CORK", None)
        if sock is None or cork is None:
            yield
            return
        sock.setsockopt(socket.IPPROTO_TCP, cork, 1)
        try:
            yield
        finally:
            sock.setsockopt(socket.IPPROTO_TCP, cork, 0)

    def _wait_for_confirms(self):
        deadline = time.monotonic() + self.confirm_timeout
        last = self._next_tag - 1
        while self._acked_upto < last:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise BrokerRejected("publisher confirms timed out")
            self._connection.drain_events(timeout=remaining)

    # -- one round ------------------------------------------------------------------------------------------
    def _claim(self, conn) -> list:
        if not self.lanes:
            return conn.execute(_CLAIM_BATCH, {"limit": self.batch_size}).all()
        rows = conn.execute(_CLAIM_LANE, {"lane": INTERACTIVE_LANE, "limit": self.batch_size}).all()
        bulk = max(self.batch_size - len(rows), self.batch_size // 2)
        return rows + conn.execute(_CLAIM_LANE, {"lane": BULK_LANE, "limit": bulk}).all()

    def relay_once(self) -> int:
        """Publish up to one batch; returns how many rows were confirmed and marked sent."""
        self.check_broker()
        with self.engine.begin() as conn:
            # the envelope as PostgreSQL's text, published as it is (no parse and re-encode per event)
            rows = self._claim(conn)
            if not rows:
                return 0
            self._nacked, self._returned = False, set()
            spans = []  # producer spans of the rows that carry a trace context, while tracing is on
            with self._corked():
                for row in rows:
                    traceparent = row.trace_context
                    if traceparent and tracing.enabled():
                        span = tracing.publish_span(self.producer, row.event_type, row.event_id, traceparent)
                        spans.append(span)
                        traceparent = tracing.traceparent_of(span)
                    self._publish(row.event_id, row.event_type, row.body.encode(), traceparent, row.nip)
            try:
                self._wait_for_confirms()
            except Exception as exc:
                self._set_broker_up(False)
                for span in spans:
                    tracing.end_span(span, type(exc).__name__)
                raise
            if self._nacked:
                for span in spans:
                    tracing.end_span(span, "nacked")
                raise BrokerRejected("broker nacked a message")
            for span in spans:
                tracing.end_span(span)
            sent = [row.id for row in rows if row.event_id not in self._returned]
            if self._returned:
                log.error("unroutable events kept in the outbox: %s", sorted(self._returned))
            if self.before_mark_sent is not None:
                self.before_mark_sent(sent)
            conn.execute(_MARK_SENT, {"ids": sent})
        metrics.OUTBOX_PUBLISHED.labels(self.producer).inc(len(sent))
        return len(sent)

    def run(self, should_stop, idle_sleep: float = 0.2, sleep=time.sleep, gather_seconds: float = 0.05,
            on_round: Callable[[int | None], None] | None = None) -> None:
        """Relay until `should_stop()`; broker or database errors are logged and retried with capped backoff.

        After a round that found fewer rows than a batch the relay waits `gather_seconds` before the next one:
        under a steady stream of requests it otherwise ran a round (a claim, a commit, a wait for the broker's
        confirms) for every few events, and each round cost as much as tens of events (measured with
        scripts/bench_des.py: the relay process's CPU and PostgreSQL's per event). An event waits at most that
        much longer; a backlog still goes out in full batches back to back. `on_round(published)` is called after
        every round (None for a failed one): the relay process reports to its parent through it."""
        backoff = 0.5
        last_gauge = None
        while not should_stop():
            try:
                published = self.relay_once()
                backoff = 0.5
            except Exception:
                log.warning("outbox relay round failed; retrying in %.1fs", backoff, exc_info=True)
                self.close()
                published = None
            if on_round is not None:
                on_round(published)
            # every round, failed ones too: a relay that cannot publish must still show its outbox ageing, or
            # EkinerjaOutboxStalled is blind exactly when the broker is away (at most once per gauge_interval)
            if last_gauge is None or time.monotonic() - last_gauge >= self.gauge_interval:
                last_gauge = time.monotonic()
                self._try_update_backlog_gauges()
            if published is None:
                sleep(backoff)
                backoff = min(backoff * 2, 10.0)
            elif published == 0:
                sleep(idle_sleep)
            elif published < self.batch_size:
                sleep(gather_seconds)

    def _try_update_backlog_gauges(self):
        try:
            self.update_backlog_gauges()
        except Exception:  # the database may be away too; the gauges keep their last figures until it is back
            log.warning("outbox backlog gauges not updated", exc_info=True)

    def update_backlog_gauges(self):
        from .outbox import outbox_backlog
        with self.engine.connect() as conn:
            count, age = outbox_backlog(conn)
        metrics.OUTBOX_BACKLOG.labels(self.producer).set(count)
        metrics.OUTBOX_OLDEST_AGE.labels(self.producer).set(age)
