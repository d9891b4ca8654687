"""Every change the platform makes to nameko-grpc, h2 and hpack, in one place, applied by `install()` only.

The transport is a release-candidate nameko with a library whose private internals we change: each change below
is written against the exact versions in `EXPECTED_VERSIONS` (pinned in constraints.txt), and `install()` refuses
to run on any other, naming what it found, so an upgrade is a deliberate act (re-read upstream, re-run
`tests/test_transport_equivalence.py` beside this module and the A/B benchmark), never a silent change of behaviour.
Nothing is patched on import: the runner calls `install()` once at service start, before the container starts,
and the gRPC server refuses to start without it (`PlatformGrpcServer.setup`).

What changes, and why (ADR 001 has the measurements):
- nameko-grpc `connection.SELECT_TIMEOUT`: the poll interval is a setting (`EKINERJA_GRPC_POLL_SECONDS`).
- nameko-grpc `ReceiveStream.write`: a message whose declared length exceeds the request limit is refused with
  RESOURCE_EXHAUSTED before it is buffered; a streaming call's guard sees the client's activity.
- nameko-grpc `SendStream.populate`/`close` and `connection.select`: a server connection's loop is woken (socket
  pair) when a response is ready, instead of waiting out the poll interval; closing an answer cancels its
  deadline timer and ends its stream guard. A connection with no call in flight waits `IDLE_WAIT_SECONDS` instead
  of the poll interval (`ServerConnectionManager.stop` wakes it).
- nameko-grpc `streams.compress`: responses under 1 KiB go uncompressed.
- nameko-grpc `ServerConnectionManager.__init__`/`on_iteration`/`window_updated`/`stream_reset`/`stop`: the client's
  address and TCP_NODELAY on each connection; the loop visits only streams with something to send; the stream
  and connection limits of `stream_guard` (pings, idle connections, a reset is CANCELLED for the handler).
- nameko-grpc `GrpcServer.handle_request` (subclass `PlatformGrpcServer`): a call's deadline is one hub timer,
  stream admission, UNAVAILABLE (not UNIMPLEMENTED) for a method whose entrypoint is stopping.
- nameko-grpc `GrpcError.as_headers`: every error carries google.rpc details (`error_details`).
- h2 `H2Connection.receive_data`/`send_headers`/`send_data`, per server connection (instance attributes): pings are
  counted for `stream_guard`'s too-many-pings rule, and sending forgives them.
Removed after measuring them on and off (issue 17.12, ADR 001): hpack's Huffman decoding remembered per value and
a C-speed rewrite of h2's header character check; neither earned 3 % at 32 in flight.
"""
from __future__ import annotations

import importlib.metadata
import socket
import struct
import weakref
from functools import partial

import eventlet
import eventlet.hubs
import nameko_grpc.connection
import nameko_grpc.streams
from eventlet.green import select as _green_select
from grpc import StatusCode
from h2.events import PingReceived
from nameko_grpc.compression import SUPPORTED_ENCODINGS
from nameko_grpc.entrypoint import GrpcServer
from nameko_grpc.errors import GrpcError
from nameko_grpc.timeout import unbucket_timeout

from . import error_details, stream_guard

# the versions every change below was written against (constraints.txt pins the same; a unit test checks it)
EXPECTED_VERSIONS = {"nameko": "3.0.0rc11", "nameko-grpc": "1.3.0", "h2": "4.4.1", "hpack": "4.2.0"}

_limits = {"max_request_bytes": 4 * 1024 * 1024}
_upstream: dict = {}  # the originals replaced by install(), by name


class UnsupportedTransportVersions(RuntimeError):
    """The installed transport libraries are not the ones the patches were written against."""


def installed_versions() -> dict[str, str | None]:
    found: dict[str, str | None] = {}
    for name in EXPECTED_VERSIONS:
        try:
            found[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            found[name] = None
    return found


def check_versions(found: dict[str, str | None] | None = None) -> None:
    """Raise UnsupportedTransportVersions naming every library whose version is not the expected one."""
    found = installed_versions() if found is None else found
    wrong = {name: found.get(name) for name, expected in EXPECTED_VERSIONS.items() if found.get(name) != expected}
    if wrong:
        listed = ", ".join(f"{name} {version or 'not installed'} (expected {EXPECTED_VERSIONS[name]})"
                           for name, version in wrong.items())
        raise UnsupportedTransportVersions(
            f"transport patches refuse to install: {listed}; the patches in ekinerja_platform/transport_patches.py "
            "are written against exactly these versions (constraints.txt)")


def installed() -> bool:
    return bool(_upstream)


def install(*, max_request_bytes: int = 4 * 1024 * 1024, poll_seconds: float = 0.002) -> None:
    """Check the versions, then apply every change once (a second call only updates the two limits)."""
    check_versions()
    _limits["max_request_bytes"] = max_request_bytes
    nameko_grpc.connection.SELECT_TIMEOUT = poll_seconds
    if _upstream:
        return
    streams, manager = nameko_grpc.streams, nameko_grpc.connection.ServerConnectionManager
    _upstream.update(
        receive_write=streams.ReceiveStream.write, send_populate=streams.SendStream.populate,
        send_close=streams.SendStream.close, compress=streams.compress, select=nameko_grpc.connection.select,
        init=manager.__init__, on_iteration=manager.on_iteration, window_updated=manager.window_updated,
        stream_reset=manager.stream_reset, stop=manager.stop, as_headers=GrpcError.as_headers)
    streams.ReceiveStream.write = _limited_write
    streams.SendStream.populate = _populate_and_wake
    streams.SendStream.close = _close_and_wake
    streams.compress = _compress_when_worth_it
    nameko_grpc.connection.select = _WakeableSelect
    manager.__init__ = _connection_init
    manager.on_iteration = _on_iteration
    manager.window_updated = _window_updated_and_ready
    manager.stream_reset = _stream_reset
    manager.stop = _stop_and_wake
    GrpcError.as_headers = _as_headers_with_details


def upstream(name: str):
    """The original of a replaced function (tests compare against it)."""
    return _upstream[name]


# -- nameko-grpc streams ---------------------------------------------------------------------------------------
def _limited_write(self, data):
    """ReceiveStream.write that refuses a message whose declared length exceeds the limit, before buffering it."""
    if self.closed:
        return
    self.buffer.write(data)
    limit = _limits["max_request_bytes"]
    while len(self.buffer) >= 5:
        compressed_flag = struct.unpack("?", self.buffer.peek(slice(0, 1)))[0]
        message_length = struct.unpack(">I", self.buffer.peek(slice(1, 5)))[0]
        if message_length > limit:
            self.buffer.read()
            self.close(error_details.error(
                StatusCode.RESOURCE_EXHAUSTED,
                f"permintaan {message_length} byte melebihi batas {limit} byte", "REQUEST_TOO_LARGE"))
            return
        if len(self.buffer) < 5 + message_length:
            break
        guard = getattr(self, "guard", None)
        if guard is not None:  # a streaming call: the client is active
            guard.touch()
        self.buffer.discard(5)
        self.queue.put((compressed_flag, bytes(self.buffer.read(message_length))))


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


def _close_and_wake(self, error=None):
    _upstream["send_close"](self, error)
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


_COMPRESS_FROM_BYTES = 1024


def _compress_when_worth_it(data: bytes, encoding: str):
    """Upstream compresses every response with the first algorithm the client accepts (deflate for grpcio). For
    a message under ~1 KiB that makes it larger (a 4-byte answer became 12, a 250-byte activity 261) and costs
    ~55-70 µs of CPU per call here (zlib sets up ~256 KiB of state each time: two mmap/munmap per call). A
    message may always be sent uncompressed (its flag says so), so small ones are; large lists still shrink."""
    if len(data) < _COMPRESS_FROM_BYTES:
        return False, data
    return _upstream["compress"](data, encoding)


def _as_headers_with_details(self):
    """GrpcError.as_headers (nameko-grpc's one road to the trailers) with google.rpc details on every error,
    also those the transport builds itself (deadline, size limit, unknown method)."""
    error_details.complete(self)
    return _upstream["as_headers"](self)


# -- nameko-grpc server connections ----------------------------------------------------------------------------
class _Waker:
    """Wakes a server connection's loop when a response is ready.

    Upstream's loop waits on its socket for at most the poll interval and sends responses only between those
    waits: a response finished while the client has nothing more to send waited for the interval to end, and with
    every request in flight answered that way the process sat idle (measured: ~11 % of the time for des, whose
    responses come after a database round trip). A byte on a socket pair, written at most once per loop turn, ends
    the wait instead."""

    def __init__(self, busy=lambda: True):
        self.reader, self.writer = socket.socketpair()
        self.pending = False
        self.busy = busy  # False while the connection has no call in flight: the wait may be long

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
        return waker.wait(rlist[0], timeout if waker.busy() else IDLE_WAIT_SECONDS)


# How long an idle server connection's loop waits on its socket. Without a call in flight there is nothing to send
# and nothing to time out: the next request, a ping, a window update or the client's close arrive on the socket and
# end the wait at once; a response (`_Waker.wake`) and the server's stop (`_stop_and_wake`) end it too. Only the
# idle-connection limit (stream_guard, minutes) is checked on the loop's turns. The poll interval kept every open
# connection turning 500 times a second: measured ~57 ms of CPU a second per idle connection (of 60 for an idle
# service with one connection, 4 with this), e.g. a portal's 8 channels to des burned half a core doing nothing.
IDLE_WAIT_SECONDS = 1.0


def _connection_init(self, sock, handle_request):
    """Remember the client's address (from the socket, so it cannot be forged) on every request stream, and send
    without Nagle's delay (TCP_NODELAY, as gRPC's own servers do): a response written while an earlier one is not
    yet acknowledged would otherwise wait for the client's delayed ACK. Then the stream guard's connection state."""
    try:
        peer = sock.getpeername()[0]
    except (OSError, IndexError, TypeError):
        peer = None
    try:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    except (OSError, AttributeError):  # not a TCP socket (tests may hand in others)
        pass

    this = weakref.ref(self)  # the waker lives as long as the socket, which this manager holds: no strong cycle

    def busy() -> bool:
        manager = this()
        return manager is None or bool(manager.send_streams or manager.receive_streams or manager.terminating
                                        or manager.ready_to_send or manager.blocked_by_flow_control)

    waker = _Waker(busy)
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

    _upstream["init"](self, sock, handle_with_peer)
    stream_guard.connection_opened(self)
    receive, conn = self.conn.receive_data, self.conn

    def receive_data(data):
        events = receive(data)
        for event in events:
            if isinstance(event, PingReceived):
                stream_guard.ping_received(self)
        return events

    conn.receive_data = receive_data
    for name in ("send_headers", "send_data"):  # a client with calls in flight pings to measure bandwidth
        setattr(conn, name, _forgiving(getattr(conn, name), self))


def _forgiving(send, manager):
    def sending(*args, **kwargs):
        stream_guard.data_sent(manager)
        return send(*args, **kwargs)
    return sending


def _on_iteration(self):
    """ServerConnectionManager.on_iteration visiting only the streams with something new to send, then the stream
    guard's connection limits.

    Upstream visits every open stream on every turn of the loop (a dict look-up, an empty queue's exception, a
    header check each), and the loop turns about once per response: with responses that wait on a database the
    calls in flight pile up and each answer paid for all of them (measured: a handler that only sleeps 10 ms cost
    0.57 ms of CPU per call against 0.41 without the sleep). A stream is visited when its handler queued a message
    or closed it (`wake`), or when flow control had held its data back and a window update arrived."""
    if self.terminating:  # upstream's turn also decides when every stream is done
        _upstream["on_iteration"](self)
    else:
        ready, self.ready_to_send = self.ready_to_send, set()
        for stream_id in ready:
            self.send_headers(stream_id)
            self.send_data(stream_id)
            stream = self.send_streams.get(stream_id)
            if stream is not None and not stream.buffer.empty():
                self.blocked_by_flow_control.add(stream_id)
    stream_guard.connection_turned(self)


def _stop_and_wake(self):
    """ServerConnectionManager.stop, ending an idle loop's long wait so it sees `terminating` now (eventlet only
    switches when upstream's stop waits for the loop, after setting the flag)."""
    waker = _wakers.get(self.sock)
    if waker is not None:
        waker.wake()
    _upstream["stop"](self)


def _window_updated_and_ready(self, event):
    self.ready_to_send |= self.blocked_by_flow_control
    self.blocked_by_flow_control.clear()
    _upstream["window_updated"](self, event)


def _stream_reset(self, event):
    stream_guard.stream_reset(self, event)
    _upstream["stream_reset"](self, event)


# -- nameko-grpc server ----------------------------------------------------------------------------------------
def stopping_error() -> GrpcError:
    return error_details.error(StatusCode.UNAVAILABLE, "layanan sedang berhenti; coba lagi sebentar lagi",
                               "SERVER_STOPPING")


class PlatformGrpcServer(GrpcServer):
    def __init__(self):
        super().__init__()
        self.retired = set()  # paths of entrypoints stopped while the server still accepts calls

    def setup(self):
        if not installed():
            raise RuntimeError("ekinerja_platform.transport_patches.install() was not called before the gRPC server "
                               "started (the runner calls it)")
        super().setup()

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
                raise stopping_error() from None
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


__all__ = ["EXPECTED_VERSIONS", "PlatformGrpcServer", "UnsupportedTransportVersions", "check_versions", "install",
           "installed", "stopping_error"]
