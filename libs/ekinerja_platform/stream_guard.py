"""Applies the stream and connection limits (stream_limits.py) to nameko-grpc's server (hooked in by
`transport_patches`).

- Admission: a streaming call over the per-connection or per-peer limit is refused with RESOURCE_EXHAUSTED
  before it gets a worker (`admit`, called by the server for each new call).
- A streaming call ended from outside its worker (the client reset it or its connection closed, its deadline
  passed, it was idle or open too long) has its worker killed at once: nameko-grpc's worker would otherwise go
  on waiting for the next request message or sleeping between Watch answers, for good.
- A client's stream reset reaches a client-streaming handler as CANCELLED, never as the normal end of its input
  (upstream closes the request stream without an error: a cancelled import looked complete).
- One sweeper green thread per process ends streams idle or open too long (DEADLINE_EXCEEDED).
- Connections: GOAWAY (NO_ERROR) after `connection_idle_seconds` without a call; GOAWAY (ENHANCE_YOUR_CALM,
  "too_many_pings") to a client pinging more often than allowed.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any

import eventlet
import eventlet.hubs
from grpc import StatusCode
from h2.errors import ErrorCodes
from nameko_grpc.errors import GrpcError

from . import metrics, worker_pools
from .stream_limits import PingStrikes, StreamCounts, StreamLimits, expired, peer_of

log = logging.getLogger(__name__)
CLIENT_CANCELLED = "panggilan dibatalkan oleh klien"



@dataclass
class _GuardState:
    """What the process-wide guard knows: the limits in force, the service's name, the sweeper, and the error new
    streams get once the service is stopping."""
    limits: StreamLimits = field(default_factory=StreamLimits)
    service: str = "unknown"
    sweeper: Any = None
    stopping: GrpcError | None = None


_state = _GuardState()
_counts = StreamCounts(_state.limits)
_open: set = set()


def configure(limits: StreamLimits, service: str) -> None:
    """Apply `limits` to calls and connections from now on (the runner calls this before the server starts)."""
    global _counts
    _state.limits, _state.service = limits, service
    _counts = StreamCounts(limits)
    worker_pools.configure(health_workers=limits.health_workers, max_watches=limits.max_watches,
                           stream_workers=limits.stream_workers)


def limits() -> StreamLimits:
    return _state.limits


class StreamGuard:
    """One open streaming call: its admission count, its last activity and the green thread of its worker."""

    def __init__(self, endpoint, request_stream, response_stream, connection, peer):
        self.endpoint = endpoint
        self.request_stream = request_stream
        self.response_stream = response_stream
        self.connection = connection
        self.peer = peer
        self.watch = getattr(endpoint, "watch", False)
        self.started = self.last_activity = time.monotonic()
        self.started_perf = time.perf_counter()  # for the latency histogram
        self.worker = None
        self.ended = False

    def touch(self) -> None:
        self.last_activity = time.monotonic()

    def expire(self, message: str, error: GrpcError | None = None) -> None:
        """End the call now with DEADLINE_EXCEEDED `message` (idle or open too long), or with `error`."""
        error = error or GrpcError(StatusCode.DEADLINE_EXCEEDED, message)
        self.request_stream.close(error)
        self.response_stream.close(error)  # → closed(): the worker is killed, the status goes out

    def closed(self, error) -> None:
        """The response stream was closed (by the worker at its end, or from outside: kill the worker)."""
        if self.ended:
            return
        self.ended = True
        _open.discard(self)
        _counts.release(self.connection, self.peer)
        service = _state.service
        metrics.GRPC_STREAMS_OPEN.labels(service).dec()
        worker = self.worker
        if worker is None or worker.dead or eventlet.getcurrent() is worker:
            return
        code = error.code if isinstance(error, GrpcError) else StatusCode.CANCELLED
        if not self.request_stream.closed:
            self.request_stream.close(GrpcError(StatusCode.CANCELLED, CLIENT_CANCELLED))
        metrics.GRPC_STREAMS_ENDED.labels(service, "deadline" if code == StatusCode.DEADLINE_EXCEEDED
                                          else "cancelled").inc()
        log.info("streaming call %s ended from outside its worker: %s", getattr(self.endpoint, "method_name", "?"),
                 code.name)
        record = getattr(self.endpoint, "_record", None)
        if record is not None:
            record(self.started_perf, code)
        # killed from the hub: eventlet's kill from another green thread leaves a wake-up scheduled for the caller,
        # which a connection loop would later take for its select's answer. Meanwhile the request stream is closed
        # with CANCELLED, so the worker cannot mistake the cut for the end of the client's input.
        eventlet.hubs.get_hub().schedule_call_global(0, worker.kill)


def admit(entrypoint, request_stream, response_stream) -> StreamGuard | None:
    """Count a new streaming call or refuse it (GrpcError RESOURCE_EXHAUSTED); None for a unary call."""
    if not getattr(entrypoint, "streaming", False):
        return None
    connection = getattr(request_stream, "connection", None)
    trusted = _state.limits.trusted_proxies
    forwarded = ([value for name, value in request_stream.headers.for_application if name == "x-forwarded-for"]
                 if trusted else ())
    peer = peer_of(getattr(request_stream, "peer", None), forwarded, trusted)
    if _state.stopping is not None:
        raise _state.stopping
    refusal = _counts.admit(connection, peer)
    service = _state.service
    if refusal is not None:
        metrics.GRPC_STREAMS_REFUSED.labels(
            service, "per_connection" if "koneksi" in refusal else "per_peer").inc()
        raise GrpcError(StatusCode.RESOURCE_EXHAUSTED, refusal)
    guard = StreamGuard(entrypoint, request_stream, response_stream, connection, peer)
    request_stream.guard = response_stream.guard = guard
    _open.add(guard)
    metrics.GRPC_STREAMS_OPEN.labels(service).inc()
    _start_sweeper()
    return guard


def stop_streams(error: GrpcError) -> None:
    """The service is stopping: refuse new streaming calls, and end those that would not end by themselves (a Watch,
    a stream the client may still write to) with `error` (UNAVAILABLE); one whose client has sent everything
    finishes."""
    _state.stopping = error
    for guard in list(_open):
        if not guard.ended and (guard.watch or not guard.request_stream.closed):
            guard.expire("", error)


def _start_sweeper() -> None:
    if _state.sweeper is None:
        _state.sweeper = eventlet.spawn(_sweep)


def _sweep() -> None:
    while True:
        current = _state.limits
        spans = [s for s in (current.stream_idle_seconds, current.stream_max_seconds) if s]
        eventlet.sleep(max(0.05, min([1.0] + [s / 4 for s in spans])))
        now = time.monotonic()
        for guard in list(_open):
            try:
                why = expired(current, now, guard.started, guard.last_activity,
                              client_may_write=not guard.request_stream.closed, idle_applies=not guard.watch)
                if why is not None and not guard.ended:
                    guard.expire(why)
            except Exception:  # one stream's trouble must not end the sweeping of the others
                log.exception("stream limit sweep failed for one stream")


# -- connections -------------------------------------------------------------------------------------------------
def _goaway(manager, code: ErrorCodes, debug: bytes, reason: str) -> None:
    try:
        manager.conn.close_connection(error_code=code, additional_data=debug)
        manager.sock.sendall(manager.conn.data_to_send())
    except Exception:  # the peer may be gone already
        pass
    manager.run = False  # the loop ends; its clean-up closes every stream (killing their workers) and the socket
    metrics.GRPC_CONNECTIONS_CLOSED.labels(_state.service, reason).inc()


def connection_opened(manager) -> None:
    """A server connection was set up (`transport_patches`): its ping strikes and idle clock start."""
    manager.ping_strikes = PingStrikes(_state.limits)
    manager.idle_since = time.monotonic()
    manager.calm_down = False


def ping_received(manager) -> None:
    """The client pinged: too often, and the connection gets GOAWAY (ENHANCE_YOUR_CALM) at the end of the turn."""
    if manager.ping_strikes.ping(time.monotonic()):
        manager.calm_down = True


def data_sent(manager) -> None:
    """Sending headers or data forgives earlier pings (a client with calls in flight pings to measure bandwidth)."""
    manager.ping_strikes.sent_data()


def connection_turned(manager) -> None:
    """After each turn of a server connection's loop: GOAWAY to a pinging client or after the idle limit."""
    if manager.calm_down:
        log.warning("closing a gRPC connection: too many pings")
        _goaway(manager, ErrorCodes.ENHANCE_YOUR_CALM, b"too_many_pings", "too_many_pings")
        return
    idle_limit = _state.limits.connection_idle_seconds
    if not idle_limit or manager.terminating:
        return
    if manager.send_streams or manager.receive_streams:
        manager.idle_since = None
        return
    now = time.monotonic()
    if manager.idle_since is None:
        manager.idle_since = now
    elif now - manager.idle_since >= idle_limit:
        _goaway(manager, ErrorCodes.NO_ERROR, b"idle", "idle")


def stream_reset(manager, event) -> None:
    """The client reset a stream: its handler sees CANCELLED, never the normal end of its input."""
    receive_stream = manager.receive_streams.pop(event.stream_id, None)
    if receive_stream is not None:
        receive_stream.close(GrpcError(StatusCode.CANCELLED, CLIENT_CANCELLED))


__all__ = ["StreamGuard", "admit", "configure", "connection_opened", "connection_turned", "data_sent", "limits",
           "ping_received", "stop_streams", "stream_reset"]
