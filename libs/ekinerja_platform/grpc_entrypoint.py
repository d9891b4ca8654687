"""The gRPC entrypoint every service uses, built on nameko-grpc with the hazards of DESIGN §3 closed.

- Metadata allow-list: client metadata never becomes nameko context data as such (context data is forwarded
  in AMQP headers); only a correlation id, an idempotency key and the principal of a *verified* token do.
- Every RPC must have an authorisation rule in its service's `authorization` table; a missing rule stops start-up.
- Errors go through the one mapping table; unmapped ones reach the client as INTERNAL with a correlation id.
- Requests larger than the configured size are refused with RESOURCE_EXHAUSTED before they are parsed; every
  decoded request (each message of a client stream too) is checked against `request_limits` before any work, and
  one that does not decode is INVALID_ARGUMENT.
- Every error carries google.rpc details (`error_details`). While the service stops, calls in flight finish and
  new ones get UNAVAILABLE (reason SERVER_STOPPING), never UNIMPLEMENTED.
- Per-RPC counters by status code and latency histograms.
- A unary-answer RPC may return a `PendingAnswer` (pending.py): its worker ends at once and the call is answered
  (status, metrics and all) when the answer is settled.
- Long Huffman-coded header values (bearer tokens) are decoded once and remembered (`remember_decoded_headers`),
  and h2's header character check scans bytes in C (`_reject_illegal_characters_quickly`).
- Upstream's per-call and per-turn costs removed: a connection's loop is woken when a response is ready and visits
  only streams with something to send; a call's deadline is one hub timer; responses under 1 KiB are not deflated.
"""
from __future__ import annotations

import functools
import re
import socket
import struct
import time
import uuid
import weakref
from functools import partial

import eventlet
import eventlet.hubs
import h2.utilities
import hpack.hpack
import nameko_grpc.connection
import nameko_grpc.streams
from eventlet.green import select as _green_select
from grpc import StatusCode
from nameko.exceptions import ContainerBeingKilled
from nameko.extensions import DependencyProvider
from nameko_grpc.compression import SUPPORTED_ENCODINGS
from nameko_grpc.constants import Cardinality
from nameko_grpc.context import GrpcContext
from nameko_grpc.entrypoint import Grpc, GrpcServer
from nameko_grpc.errors import GrpcError
from nameko_grpc.timeout import unbucket_timeout

from . import error_details, logs, metrics, request_limits, runtime, stream_guard, tracing, worker_pools
from .domain_errors import DomainError, Unauthenticated
from .grpc_errors import to_grpc_error
from .pending import PendingAnswer
from .stream_limits import POOL_FULL, TOO_MANY_WATCHES, StreamLimits
from .tokens import Principal, bearer_token, check_delegation

PUBLIC = "public"  # authorisation rule: callable without a token (Login, health, reflection)
AUTHENTICATED = "authenticated"  # any verified caller; finer rules are applied by the use case
PLATFORM_RULES = {"Check": PUBLIC, "Watch": PUBLIC, "ServerReflectionInfo": PUBLIC}

_HEALTH_PATHS = frozenset({"/grpc.health.v1.Health/Check", "/grpc.health.v1.Health/Watch"})
_CORRELATION_RE = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
_IDEMPOTENCY_RE = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
_max_request_bytes = 4 * 1024 * 1024


def set_limits(max_request_bytes: int, poll_seconds: float) -> None:
    """Apply process-wide transport limits (called by the runner before the server starts)."""
    global _max_request_bytes
    _max_request_bytes = max_request_bytes
    nameko_grpc.connection.SELECT_TIMEOUT = poll_seconds
    remember_decoded_headers()
    stream_guard.configure(StreamLimits.from_env(), runtime.settings().service)  # stream_limits.py: settings


_REMEMBERED_MIN_BYTES = 100  # tokens are ~300-900 bytes; short unique values (idempotency keys) would churn


def remember_decoded_headers(entries: int = 4096) -> None:
    """Decode each long Huffman-coded header value once. A bearer token reaches the server Huffman-coded on every
    call whose connection's HPACK table no longer holds it (a gateway or client multiplexing many employees on one
    connection: the 4 KiB table holds ~8 tokens), and hpack decodes Huffman in pure Python, ~120 µs for a token:
    about a tenth of a simple write RPC. Remembering the decoded bytes by their coded bytes (bounded, LRU) costs a
    dict look-up instead; the value is the same either way."""
    original = getattr(hpack.hpack.decode_huffman, "__wrapped__", hpack.hpack.decode_huffman)
    remembered = functools.lru_cache(maxsize=entries)(lambda coded: original(coded))

    @functools.wraps(original)
    def decode_huffman(coded):
        if coded is not None and len(coded) >= _REMEMBERED_MIN_BYTES:
            return remembered(bytes(coded))
        return original(coded)

    decode_huffman.remembered = remembered  # its cache_info() shows the hits
    hpack.hpack.decode_huffman = decode_huffman


_original_reject_illegal_characters = h2.utilities._reject_illegal_characters
# bytes a header name may hold (RFC 9113 §8.2.1: not 0x00-0x20, 0x41-0x5a, 0x7f-0xff; ':' only first, checked apart)
_NAME_BYTES = bytes(c for c in range(0x21, 0x7f) if not 0x41 <= c <= 0x5a)


def _reject_illegal_characters_quickly(headers, hdr_validation_flags):
    """h2's check of header names and values (RFC 9113 §8.2.1), with the byte scans done by bytes methods in C.
    Upstream loops over every byte in Python: ~30 µs for a bearer token on every request. A header the quick test
    does not pass goes through upstream's own check, which raises the same ProtocolError with the same message."""
    for header in headers:
        name, value = header[0], header[1]
        if (isinstance(name, bytes) and isinstance(value, bytes)
                and not name.translate(None, _NAME_BYTES) and name.find(b":", 1) == -1
                and (not value or (b"\0" not in value and b"\n" not in value and b"\r" not in value
                                   and value[0] not in (0x20, 0x09) and value[-1] not in (0x20, 0x09)))):
            yield header
        else:
            yield from _original_reject_illegal_characters((header,), hdr_validation_flags)


h2.utilities._reject_illegal_characters = _reject_illegal_characters_quickly


def _limited_write(self, data):
    """ReceiveStream.write that refuses a message whose declared length exceeds the limit, before buffering it."""
    if self.closed:
        return
    self.buffer.write(data)
    while len(self.buffer) >= 5:
        compressed_flag = struct.unpack("?", self.buffer.peek(slice(0, 1)))[0]
        message_length = struct.unpack(">I", self.buffer.peek(slice(1, 5)))[0]
        if message_length > _max_request_bytes:
            self.buffer.read()
            self.close(error_details.error(
                StatusCode.RESOURCE_EXHAUSTED,
                f"permintaan {message_length} byte melebihi batas {_max_request_bytes} byte", "REQUEST_TOO_LARGE"))
            return
        if len(self.buffer) < 5 + message_length:
            break
        guard = getattr(self, "guard", None)
        if guard is not None:  # a streaming call: the client is active
            guard.touch()
        self.buffer.discard(5)
        self.queue.put((compressed_flag, bytes(self.buffer.read(message_length))))


nameko_grpc.streams.ReceiveStream.write = _limited_write
_original_connection_init = nameko_grpc.connection.ServerConnectionManager.__init__


class _Waker:
    """Wakes a server connection's loop when a response is ready.

    Upstream's loop waits on its socket for at most the poll interval and sends responses only between those
    waits: a response finished while the client has nothing more to send waited for the interval to end, and with
    every request in flight answered that way the process sat idle (measured: ~11 % of the time for des, whose
    responses come after a database round trip). A byte on a socket pair, written at most once per loop turn, ends
    the wait instead."""

    def __init__(self):
        self.reader, self.writer = socket.socketpair()
        self.pending = False

    def wake(self):
        if not self.pending:
            self.pending = True
            try:
                self.writer.send(b"\0")
            except OSError:  # the connection is being torn down
                pass

    def wait(self, sock, timeout):
        """As `select([sock], [], [], timeout)`, returning early (with nothing readable) when woken."""
        readable = _green_select.select([sock, self.reader], [], [], timeout)[0]
        if self.reader in readable:
            self.reader.recv(64)
            self.pending = False
        return ([sock] if sock in readable else [], [], [])

    def close(self):
        self.reader.close()
        self.writer.close()


_wakers: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


class _WakeableSelect:
    """Stands in for the `select` module inside nameko_grpc.connection (its loop calls `select.select`)."""

    @staticmethod
    def select(rlist, wlist, xlist, timeout=None):
        waker = _wakers.get(rlist[0]) if len(rlist) == 1 and not wlist else None
        if waker is None:
            return _green_select.select(rlist, wlist, xlist, timeout)
        return waker.wait(rlist[0], timeout)


def _populate_and_wake(self, iterable):
    """SendStream.populate that wakes the connection's loop for each message and for the end of the stream."""
    wake = getattr(self, "wake", None)
    guard = getattr(self, "guard", None)
    for item in iterable:
        if self.closed:
            return
        self.queue.put(item)
        if wake is not None:
            wake()
        if guard is not None:
            guard.touch()
    self.close()


_original_close = nameko_grpc.streams.SendStream.close


def _close_and_wake(self, error=None):
    _original_close(self, error)
    deadline = getattr(self, "deadline", None)
    if deadline is not None:  # the answer is complete (or failed): its deadline no longer matters here
        self.deadline = None
        deadline.cancel()
    wake = getattr(self, "wake", None)
    if wake is not None:
        wake()
    guard = getattr(self, "guard", None)
    if guard is not None:  # a streaming call: uncount it; ended from outside its worker, the worker is killed
        guard.closed(error)


nameko_grpc.streams.SendStream.populate = _populate_and_wake
nameko_grpc.streams.SendStream.close = _close_and_wake
nameko_grpc.connection.select = _WakeableSelect


_COMPRESS_FROM_BYTES = 1024
_original_compress = nameko_grpc.streams.compress


def _compress_when_worth_it(data: bytes, encoding: str):
    """Upstream compresses every response with the first algorithm the client accepts (deflate for grpcio). For
    a message under ~1 KiB that makes it larger (a 4-byte answer became 12, a 250-byte activity 261) and costs
    ~55-70 µs of CPU per call here (zlib sets up ~256 KiB of state each time: two mmap/munmap per call). A
    message may always be sent uncompressed (its flag says so), so small ones are; large lists still shrink."""
    if len(data) < _COMPRESS_FROM_BYTES:
        return False, data
    return _original_compress(data, encoding)


nameko_grpc.streams.compress = _compress_when_worth_it


def _connection_init_with_peer(self, sock, handle_request):
    """Remember the client's address (from the socket, so it cannot be forged) on every request stream, and send
    without Nagle's delay (TCP_NODELAY, as gRPC's own servers do): a response written while an earlier one is not
    yet acknowledged would otherwise wait for the client's delayed ACK."""
    try:
        peer = sock.getpeername()[0]
    except (OSError, IndexError, TypeError):
        peer = None
    try:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    except (OSError, AttributeError):  # not a TCP socket (tests may hand in others)
        pass

    waker = _Waker()
    _wakers[sock] = waker
    weakref.finalize(sock, waker.close)
    self.ready_to_send, self.blocked_by_flow_control = set(), set()
    manager = self

    def handle_with_peer(request_stream, response_stream):
        request_stream.peer = peer
        request_stream.connection = manager  # for the per-connection stream limit
        stream_id = response_stream.stream_id

        def wake():
            manager.ready_to_send.add(stream_id)
            waker.wake()

        response_stream.wake = wake
        return handle_request(request_stream, response_stream)

    _original_connection_init(self, sock, handle_with_peer)


def _send_ready_streams(self):
    """ServerConnectionManager.on_iteration visiting only the streams with something new to send.

    Upstream visits every open stream on every turn of the loop (a dict look-up, an empty queue's exception, a
    header check each), and the loop turns about once per response: with responses that wait on a database the
    calls in flight pile up and each answer paid for all of them (measured: a handler that only sleeps 10 ms cost
    0.57 ms of CPU per call against 0.41 without the sleep). A stream is visited when its handler queued a message
    or closed it (`wake`), or when flow control had held its data back and a window update arrived."""
    if self.terminating:  # upstream's turn also decides when every stream is done
        return _original_on_iteration(self)
    ready, self.ready_to_send = self.ready_to_send, set()
    for stream_id in ready:
        self.send_headers(stream_id)
        self.send_data(stream_id)
        stream = self.send_streams.get(stream_id)
        if stream is not None and not stream.buffer.empty():
            self.blocked_by_flow_control.add(stream_id)


def _window_updated_and_ready(self, event):
    self.ready_to_send |= self.blocked_by_flow_control
    self.blocked_by_flow_control.clear()
    _original_window_updated(self, event)


_original_on_iteration = nameko_grpc.connection.ServerConnectionManager.on_iteration
_original_window_updated = nameko_grpc.connection.ServerConnectionManager.window_updated
nameko_grpc.connection.ServerConnectionManager.__init__ = _connection_init_with_peer
nameko_grpc.connection.ServerConnectionManager.on_iteration = _send_ready_streams
nameko_grpc.connection.ServerConnectionManager.window_updated = _window_updated_and_ready
stream_guard.install()  # stream and connection limits, on top of the patches above


def _stopping_error() -> GrpcError:
    return error_details.error(StatusCode.UNAVAILABLE, "layanan sedang berhenti; coba lagi sebentar lagi",
                               "SERVER_STOPPING")


class PlatformGrpcServer(GrpcServer):
    def __init__(self):
        super().__init__()
        self.retired = set()  # paths of entrypoints stopped while the server still accepts calls

    def unregister(self, entrypoint):
        """A stopping container stops its entrypoints first and lets their calls in flight finish; a call that
        arrives meanwhile is told to go elsewhere (UNAVAILABLE), not that the method does not exist."""
        path = entrypoint.method_path
        if path in self.entrypoints:
            self.retired.add(path)
        super().unregister(entrypoint)

    def handle_request(self, request_stream, response_stream):
        """Upstream's, with the call's deadline as one hub timer instead of a watchdog green thread per call
        that woke every millisecond (ours had it every 20 ms: a call waiting 25 ms on its database still paid
        two wake-ups and the thread's start and end). The timer is cancelled when the answer is complete."""
        path = request_stream.headers.get(":path")
        try:
            entrypoint = self.entrypoints[path]
        except KeyError:
            if path in self.retired:
                raise _stopping_error() from None
            raise GrpcError(code=StatusCode.UNIMPLEMENTED, message="Method not found!") from None
        encoding = request_stream.headers.get("grpc-encoding", "identity")
        if encoding not in SUPPORTED_ENCODINGS:
            raise GrpcError(code=StatusCode.UNIMPLEMENTED, message=f"Algorithm not supported: {encoding}")
        stream_guard.admit(entrypoint, request_stream, response_stream)  # RESOURCE_EXHAUSTED over a stream limit
        timeout = request_stream.headers.get("grpc-timeout")
        if timeout:
            response_stream.deadline = eventlet.hubs.get_hub().schedule_call_global(
                unbucket_timeout(timeout), eventlet.spawn_n, _deadline_passed, request_stream, response_stream)
        self.container.spawn_managed_thread(partial(entrypoint.handle_request, request_stream, response_stream))


def _deadline_passed(request_stream, response_stream):
    if not (request_stream.closed and response_stream.closed):
        error = GrpcError(code=StatusCode.DEADLINE_EXCEEDED, message="Deadline Exceeded")
        request_stream.close(error)  # a client-streaming handler must not take the cut for the end of its input
        response_stream.close(error)


class GrpcEndpoint(Grpc):
    grpc_server = PlatformGrpcServer()

    def __init__(self, stub, **kwargs):
        kwargs.setdefault("expected_exceptions", (DomainError,))  # a client's mistake is not a server error
        super().__init__(stub, **kwargs)

    def setup(self):
        rule = self.rule
        if rule is None:
            raise RuntimeError(f"{self.container.service_name}.{self.method_name} has no authorisation rule")
        # the pool the calls run in (worker_pools.py): health apart, streams apart from unary business calls
        self.streaming = self.cardinality != Cardinality.UNARY_UNARY
        if self.method_path in _HEALTH_PATHS:
            self.pool = worker_pools.HEALTH
        else:
            self.pool = worker_pools.STREAM if self.streaming else worker_pools.BUSINESS
        self.watch = self.streaming and self.pool == worker_pools.HEALTH
        super().setup()

    def stop(self):
        """Before nameko stops taking calls: streams without an end of their own (Watch, reflection, an upload
        still open) end now with UNAVAILABLE, and the workers of the health and stream pools finish (nameko only
        waits for its own pool, then closes the database)."""
        stream_guard.stop_streams(_stopping_error())
        worker_pools.wait(self.container)
        super().stop()

    @property
    def rule(self):
        if self.method_name in PLATFORM_RULES:
            return PLATFORM_RULES[self.method_name]
        table = getattr(self.container.service_cls, "authorization", {})
        return table.get(self.method_name)

    def _record(self, started, code):
        service = self.container.service_name
        metrics.GRPC_REQUESTS.labels(service, self.method_name, code.name).inc()
        metrics.GRPC_LATENCY.labels(service, self.method_name).observe(time.perf_counter() - started)
        tracing.set_grpc_status(code)

    def _context_data(self, metadata) -> dict:
        metadata = list(metadata)
        values = {name.lower(): value for name, value in metadata}
        correlation_id = values.get("x-correlation-id")
        if not (isinstance(correlation_id, str) and _CORRELATION_RE.match(correlation_id)):
            correlation_id = uuid.uuid4().hex
        data = {"correlation_id": correlation_id}
        if tracing.enabled():  # the caller's trace, continued by the server span (service_base.WorkerSpans)
            traceparent = tracing.valid_traceparent(values.get(tracing.TRACEPARENT))
            if traceparent is not None:
                data[tracing.TRACEPARENT] = traceparent
        key = values.get("x-idempotency-key")
        if isinstance(key, str) and key:
            if not _IDEMPOTENCY_RE.match(key):
                raise _InvalidMetadata("x-idempotency-key must be 1-128 letters, digits or ._:-")
            data["idempotency_key"] = key
        token = bearer_token(metadata)
        if token is not None:
            verifier = runtime.verifier()
            if verifier is None:
                raise Unauthenticated("this service cannot verify tokens", field="authorization")
            principal = verifier.verify(token)
            check_delegation(principal, self.method_path)
            data["principal"] = principal.as_context()
        elif self.rule != PUBLIC:
            raise Unauthenticated("a bearer token is required", field="authorization")
        return data

    def handle_request(self, request_stream, response_stream):
        started = time.perf_counter()
        try:
            context_data = self._context_data(request_stream.headers.for_application)
            context_data["peer"] = getattr(request_stream, "peer", None)
        except (DomainError, _InvalidMetadata) as exc:
            error = (error_details.error(StatusCode.INVALID_ARGUMENT, str(exc), "INVALID_METADATA")
                     if isinstance(exc, _InvalidMetadata) else to_grpc_error(exc))
            request_stream.close()
            response_stream.close(error)
            self._record(started, error.code)
            return

        request = request_stream.consume(self.input_type)
        if self.cardinality in (Cardinality.UNARY_STREAM, Cardinality.UNARY_UNARY):
            try:
                try:
                    request = next(request)
                except GrpcError:
                    raise
                except Exception:
                    raise request_limits.MalformedRequest() from None
                request_limits.check(request)
            except (GrpcError, DomainError) as exc:
                error = to_grpc_error(exc)
                request_stream.close()
                response_stream.close(error)
                self._record(started, error.code)
                return
        else:
            request = request_limits.checked_stream(request)

        context = GrpcContext(request_stream, response_stream)
        handle_result = partial(self.handle_result, response_stream, started)
        guard = getattr(response_stream, "guard", None)
        if guard is not None and guard.ended:  # the client left before the call got a worker
            return
        try:
            worker = worker_pools.spawn_worker(self.container, self.pool, self, (request, context), {},
                                               context_data=context_data, handle_result=handle_result,
                                               watch=self.watch)
        except ContainerBeingKilled:
            error = _stopping_error()
            response_stream.close(error)
            self._record(started, error.code)
            return
        except worker_pools.PoolFull:
            error = GrpcError(StatusCode.RESOURCE_EXHAUSTED, TOO_MANY_WATCHES if self.watch else POOL_FULL)
            request_stream.close()
            response_stream.close(error)
            self._record(started, error.code)
            return
        if guard is not None:
            guard.worker = worker

    def handle_result(self, response_stream, started, worker_ctx, result, exc_info):
        if (exc_info is None and isinstance(result, PendingAnswer)
                and self.cardinality in (Cardinality.STREAM_UNARY, Cardinality.UNARY_UNARY)):
            # answered when settled; the worker ends now (a streaming RPC cannot iterate one: INTERNAL below)
            result.when_done(partial(self._answer_pending, response_stream, started, worker_ctx))
            return result, exc_info
        correlation_id = worker_ctx.context_data.get("correlation_id")
        if exc_info is not None:
            error = to_grpc_error(exc_info[1], correlation_id)
            response_stream.close(error)
            self._record(started, error.code)
            return result, exc_info

        if self.cardinality in (Cardinality.STREAM_UNARY, Cardinality.UNARY_UNARY):
            items = (result,)
        else:
            items = self._mapped_stream(result, correlation_id)
        try:
            response_stream.populate(items)
            self._record(started, StatusCode.OK)
        except Exception as exc:
            error = to_grpc_error(exc, correlation_id)
            response_stream.close(error)
            self._record(started, error.code)
        return result, exc_info

    def _answer_pending(self, response_stream, started, worker_ctx, response, error):
        self.handle_result(response_stream, started, worker_ctx, response, None if error is None else _exc_info(error))

    @staticmethod
    def _mapped_stream(result, correlation_id):
        try:
            yield from result
        except Exception as exc:
            raise to_grpc_error(exc, correlation_id) from None


def _exc_info(error: BaseException) -> tuple:
    return type(error), error, error.__traceback__


class _InvalidMetadata(Exception):
    pass


class RequestContext(DependencyProvider):
    """Gives a worker its caller (`principal`), correlation id and idempotency key; sets the log correlation id."""

    def worker_setup(self, worker_ctx):
        logs.set_correlation_id(worker_ctx.context_data.get("correlation_id"))

    def worker_teardown(self, worker_ctx):
        logs.set_correlation_id(None)

    def get_dependency(self, worker_ctx):
        return CallContext(worker_ctx.context_data)


class CallContext:
    def __init__(self, data: dict):
        self.correlation_id = data.get("correlation_id")
        self.idempotency_key = data.get("idempotency_key")
        self.peer = data.get("peer")  # client IP address from the socket (for per-source rate limits)
        self.principal = Principal.from_context(data.get("principal"))

    def require_principal(self) -> Principal:
        if self.principal is None:
            raise Unauthenticated("a bearer token is required", field="authorization")
        return self.principal


def grpc_for(stub):
    """Decorator factory: `rpc = grpc_for(FooServiceStub)` then `@rpc` on each servicer method."""
    return GrpcEndpoint.implementing(stub)


__all__ = ["AUTHENTICATED", "PUBLIC", "GrpcEndpoint", "RequestContext", "CallContext", "grpc_for", "set_limits"]
