"""The limits that keep streams and connections from starving a service, and the rules that apply them.

Standard library only: the settings (read from EKINERJA_* variables), the admission count of open streams per
connection and per peer, when a stream has been idle or open too long, and the HTTP/2 ping strikes. The glue to
nameko-grpc and h2 is `stream_guard.py`; the pools the calls run in are `worker_pools.py`.
"""
from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, fields

from .client_address import Network, client_address, parse_networks, source_of
from .settings import MissingSetting


def _number(environ, name: str, default, kind):
    raw = environ.get(name) or None
    if raw is None:
        return default
    try:
        value = kind(raw)
    except ValueError:
        what = "an integer" if kind is int else "a number of seconds"
        raise MissingSetting(f"setting {name} must be {what}, got {raw!r}") from None
    if value < 0:
        raise MissingSetting(f"setting {name} must not be negative, got {raw!r}")
    return value


def _networks(environ, name: str) -> tuple[Network, ...]:
    try:
        return parse_networks(environ.get(name, ""))
    except ValueError as exc:
        raise MissingSetting(f"setting {name}: {exc}") from None


def peer_of(socket_peer: str | None, forwarded_for, trusted: tuple[Network, ...]) -> str | None:
    """The peer a per-peer limit counts: the socket's address, or behind a trusted proxy (the ingress) the client
    it names; an IPv6 client counts as its /64. None when the socket had no address."""
    if socket_peer is None:
        return None
    return source_of(client_address(socket_peer, forwarded_for if trusted else (), trusted))


@dataclass(frozen=True)
class StreamLimits:
    """0 turns a limit off (except the pool sizes, which are at least 1)."""

    streams_per_connection: int = 10  # streaming calls open at once on one HTTP/2 connection
    streams_per_peer: int = 20  # streaming calls open at once from one client address (all its connections)
    stream_workers: int = 8  # workers for streaming RPCs other than Watch (imports, reflection)
    health_workers: int = 4  # workers kept for Check, /alive, /ready, /metrics
    max_watches: int = 8  # Health/Watch streams open at once (in the health pool, beside health_workers)
    stream_idle_seconds: float = 60.0  # a stream the client may still write to, with nothing either way
    stream_max_seconds: float = 900.0  # any streaming call, Watch included
    connection_idle_seconds: float = 300.0  # a connection without any call (pings do not count) gets GOAWAY
    keepalive_min_ping_interval_seconds: float = 10.0  # pings closer than this are a strike...
    max_ping_strikes: int = 2  # ...and more strikes than this (with no data sent between) get GOAWAY
    trusted_proxies: tuple[Network, ...] = ()  # EKINERJA_TRUSTED_PROXIES: the peer behind them is x-forwarded-for

    def public(self) -> dict:
        """The limits as `python -m <svc> settings` prints them."""
        shown = {f.name: getattr(self, f.name) for f in fields(self)}
        shown["trusted_proxies"] = [str(network) for network in self.trusted_proxies]
        return shown

    @classmethod
    def from_env(cls, environ=None) -> "StreamLimits":
        """The limits from EKINERJA_* variables; a value that is not a non-negative number stops start-up."""
        environ = os.environ if environ is None else environ
        d = cls()

        def read(name, default, kind=int):
            return _number(environ, name, default, kind)

        return cls(
            streams_per_connection=read("EKINERJA_GRPC_STREAMS_PER_CONNECTION", d.streams_per_connection),
            streams_per_peer=read("EKINERJA_GRPC_STREAMS_PER_PEER", d.streams_per_peer),
            stream_workers=read("EKINERJA_GRPC_STREAM_WORKERS", d.stream_workers),
            health_workers=read("EKINERJA_HEALTH_WORKERS", d.health_workers),
            max_watches=read("EKINERJA_GRPC_MAX_WATCHES", d.max_watches),
            stream_idle_seconds=read("EKINERJA_GRPC_STREAM_IDLE_SECONDS", d.stream_idle_seconds, float),
            stream_max_seconds=read("EKINERJA_GRPC_STREAM_MAX_SECONDS", d.stream_max_seconds, float),
            connection_idle_seconds=read("EKINERJA_GRPC_CONNECTION_IDLE_SECONDS", d.connection_idle_seconds, float),
            keepalive_min_ping_interval_seconds=read("EKINERJA_GRPC_KEEPALIVE_MIN_PING_INTERVAL_SECONDS",
                                                     d.keepalive_min_ping_interval_seconds, float),
            max_ping_strikes=read("EKINERJA_GRPC_MAX_PING_STRIKES", d.max_ping_strikes),
            trusted_proxies=_networks(environ, "EKINERJA_TRUSTED_PROXIES"),
        )


# Messages a person may see (gRPC status messages), in Bahasa Indonesia.
TOO_MANY_ON_CONNECTION = "terlalu banyak aliran (stream) terbuka pada satu koneksi; tutup aliran yang tidak dipakai"
TOO_MANY_FROM_PEER = "terlalu banyak aliran (stream) terbuka dari alamat Anda; tutup aliran yang tidak dipakai"
TOO_MANY_WATCHES = "terlalu banyak pemantauan kesehatan (Health/Watch) terbuka; coba lagi nanti"
POOL_FULL = "layanan sedang sibuk melayani aliran lain; coba lagi nanti"
STREAM_IDLE = "aliran ditutup karena tidak ada pesan selama {seconds:g} detik"
STREAM_TOO_LONG = "aliran ditutup karena melewati durasi maksimum {seconds:g} detik"


class StreamCounts:
    """Open streaming calls per connection and per peer: `admit` refuses (returns the message) or counts."""

    def __init__(self, limits: StreamLimits):
        self.limits = limits
        self.per_connection: Counter = Counter()
        self.per_peer: Counter = Counter()

    def admit(self, connection, peer) -> str | None:
        """None and counted, or the refusal message (nothing counted)."""
        limit = self.limits.streams_per_connection
        if limit and self.per_connection[connection] >= limit:
            return TOO_MANY_ON_CONNECTION
        limit = self.limits.streams_per_peer
        if limit and peer is not None and self.per_peer[peer] >= limit:
            return TOO_MANY_FROM_PEER
        self.per_connection[connection] += 1
        if peer is not None:
            self.per_peer[peer] += 1
        return None

    def release(self, connection, peer) -> None:
        for counter, key in ((self.per_connection, connection), (self.per_peer, peer)):
            if key is None:
                continue
            counter[key] -= 1
            if counter[key] <= 0:
                del counter[key]


def expired(limits: StreamLimits, now: float, started: float, last_activity: float, *, client_may_write: bool,
            idle_applies: bool = True) -> str | None:
    """Why a stream must end now (its status message), or None. Idle counts only while the client may still
    write (a client that half-closed waits for our answer, however long the work takes)."""
    if limits.stream_max_seconds and now - started >= limits.stream_max_seconds:
        return STREAM_TOO_LONG.format(seconds=limits.stream_max_seconds)
    if (idle_applies and client_may_write and limits.stream_idle_seconds
            and now - last_activity >= limits.stream_idle_seconds):
        return STREAM_IDLE.format(seconds=limits.stream_idle_seconds)
    return None


class PingStrikes:
    """HTTP/2 keepalive enforcement as gRPC's servers do it: a PING sooner than the minimum interval after the
    previous one is a strike; more than `max_ping_strikes` strikes with nothing sent by us in between → GOAWAY
    ENHANCE_YOUR_CALM. Sending headers or data (a client with calls in flight may ping to measure bandwidth)
    forgives."""

    def __init__(self, limits: StreamLimits):
        self.min_interval = limits.keepalive_min_ping_interval_seconds
        self.max_strikes = limits.max_ping_strikes
        self.last_ping: float | None = None
        self.strikes = 0

    def ping(self, now: float) -> bool:
        """Count a received PING; True when the client has gone over the limit."""
        if self.last_ping is not None and now - self.last_ping < self.min_interval:
            self.strikes += 1
        self.last_ping = now
        return bool(self.min_interval) and self.strikes > self.max_strikes

    def sent_data(self) -> None:
        self.strikes = 0
        self.last_ping = None


__all__ = ["PingStrikes", "StreamCounts", "StreamLimits", "expired", "peer_of"]
