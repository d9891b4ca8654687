"""The stream and connection limit rules (stream_limits.py), without a server."""
import pytest

from ekinerja_platform.settings import MissingSetting
from ekinerja_platform.stream_limits import (
    STREAM_IDLE,
    STREAM_TOO_LONG,
    TOO_MANY_FROM_PEER,
    TOO_MANY_ON_CONNECTION,
    PingStrikes,
    StreamCounts,
    StreamLimits,
    expired,
    peer_of,
)

pytestmark = pytest.mark.unit


def test_settings_are_read_from_the_environment_with_defaults():
    limits = StreamLimits.from_env({"EKINERJA_GRPC_STREAMS_PER_PEER": "3", "EKINERJA_GRPC_STREAM_IDLE_SECONDS": "1.5",
                                    "EKINERJA_HEALTH_WORKERS": "2", "EKINERJA_GRPC_MAX_PING_STRIKES": ""})
    assert limits.streams_per_peer == 3 and limits.stream_idle_seconds == 1.5 and limits.health_workers == 2
    assert limits.max_ping_strikes == StreamLimits().max_ping_strikes  # empty means the default
    assert limits.streams_per_connection == StreamLimits().streams_per_connection


@pytest.mark.parametrize("name,value", [("EKINERJA_GRPC_STREAMS_PER_CONNECTION", "many"),
                                        ("EKINERJA_GRPC_STREAM_MAX_SECONDS", "-1"),
                                        ("EKINERJA_GRPC_MAX_WATCHES", "1.5")])
def test_a_bad_setting_stops_start_up_naming_it(name, value):
    with pytest.raises(MissingSetting) as error:
        StreamLimits.from_env({name: value})
    assert name in str(error.value.code)


def test_counts_refuse_over_the_connection_limit_then_the_peer_limit_and_release():
    counts = StreamCounts(StreamLimits(streams_per_connection=2, streams_per_peer=3))
    assert counts.admit("c1", "10.0.0.1") is None
    assert counts.admit("c1", "10.0.0.1") is None
    assert counts.admit("c1", "10.0.0.1") == TOO_MANY_ON_CONNECTION
    assert counts.admit("c2", "10.0.0.1") is None
    assert counts.admit("c3", "10.0.0.1") == TOO_MANY_FROM_PEER
    assert counts.admit("c3", "10.0.0.2") is None  # another peer is not held back
    counts.release("c1", "10.0.0.1")
    assert counts.admit("c3", "10.0.0.1") is None
    for connection, peer in (("c1", "10.0.0.1"), ("c2", "10.0.0.1"), ("c3", "10.0.0.2"), ("c3", "10.0.0.1")):
        counts.release(connection, peer)
    assert not counts.per_connection and not counts.per_peer  # emptied keys go (no growth with churn)


def test_zero_turns_a_limit_off_and_refusal_messages_are_indonesian():
    counts = StreamCounts(StreamLimits(streams_per_connection=0, streams_per_peer=0))
    assert all(counts.admit("c", "p") is None for _ in range(1000))
    assert "terlalu banyak" in TOO_MANY_ON_CONNECTION and "koneksi" in TOO_MANY_ON_CONNECTION
    assert "alamat" in TOO_MANY_FROM_PEER


def test_a_stream_expires_when_open_too_long_or_idle_while_the_client_may_still_write():
    limits = StreamLimits(stream_idle_seconds=10, stream_max_seconds=100)
    assert expired(limits, 50, 0, 45, client_may_write=True) is None
    assert expired(limits, 50, 0, 30, client_may_write=True) == STREAM_IDLE.format(seconds=10)
    assert expired(limits, 50, 0, 30, client_may_write=False) is None  # half-closed: we owe the answer
    assert expired(limits, 50, 0, 30, client_may_write=True, idle_applies=False) is None  # Watch
    assert expired(limits, 100, 0, 99, client_may_write=False) == STREAM_TOO_LONG.format(seconds=100)
    assert expired(StreamLimits(stream_idle_seconds=0, stream_max_seconds=0), 1e9, 0, 0, client_may_write=True) is None
    assert "detik" in STREAM_IDLE.format(seconds=10)


def test_pings_too_close_together_are_strikes_and_sending_forgives():
    strikes = PingStrikes(StreamLimits(keepalive_min_ping_interval_seconds=10, max_ping_strikes=2))
    assert not strikes.ping(0)
    assert not strikes.ping(1)  # strike 1
    assert not strikes.ping(2)  # strike 2
    strikes.sent_data()
    assert not strikes.ping(3) and not strikes.ping(4) and not strikes.ping(5)
    assert strikes.ping(6)  # strike 3 > 2
    polite = PingStrikes(StreamLimits(keepalive_min_ping_interval_seconds=10, max_ping_strikes=0))
    assert not any(polite.ping(t) for t in range(0, 100, 10))


def test_the_peer_is_the_socket_unless_a_trusted_proxy_names_the_client():
    trusted = StreamLimits.from_env({"EKINERJA_TRUSTED_PROXIES": "10.244.0.0/16"}).trusted_proxies
    assert peer_of("192.0.2.7", ["198.51.100.1"], ()) == "192.0.2.7"  # no proxy trusted: the header is ignored
    assert peer_of("192.0.2.7", ["198.51.100.1"], trusted) == "192.0.2.7"  # not from the proxy: ignored too
    assert peer_of("10.244.3.9", ["198.51.100.1, 10.244.1.1"], trusted) == "198.51.100.1"
    assert peer_of("10.244.3.9", ["2001:db8:1:2::5"], trusted) == "2001:db8:1:2::/64"
    assert peer_of(None, ["198.51.100.1"], trusted) is None
    with pytest.raises(MissingSetting):
        StreamLimits.from_env({"EKINERJA_TRUSTED_PROXIES": "not-a-network"})


@pytest.mark.parametrize("when_busy,status", [((200, "alive\n"), 200), (None, 503)])
def test_a_probe_answered_without_a_worker_when_the_health_pool_is_full(monkeypatch, when_busy, status):
    """/alive stays 200 however busy the health pool is (answering is the proof of life); /ready says 503."""
    from types import SimpleNamespace

    from werkzeug.test import EnvironBuilder
    from werkzeug.wrappers import Request

    from ekinerja_platform import worker_pools

    def full(*args, **kwargs):
        raise worker_pools.PoolFull("health")

    monkeypatch.setattr(worker_pools, "spawn_worker", full)
    handler = worker_pools.HealthHttp("GET", "/alive", when_busy=when_busy)
    handler.server = SimpleNamespace(context_data_from_headers=lambda request: {})
    handler.check_signature = lambda args, kwargs: None
    request = Request(EnvironBuilder(path="/alive").get_environ())
    request.path_values = {}
    assert handler.handle_request(request).status_code == status


def test_the_settings_command_shows_the_limits(monkeypatch, capsys):
    from ekinerja_platform.runner import service_main
    for name, value in (("EKINERJA_DATABASE_URL", "postgresql://u:secret@db/x"), ("EKINERJA_AMQP_URI", "amqp://g@mq/v"),
                        ("EKINERJA_NIP_HASH_KEY", "k"), ("EKINERJA_GRPC_STREAMS_PER_PEER", "7"),
                        ("EKINERJA_TRUSTED_PROXIES", "10.244.0.0/16")):
        monkeypatch.setenv(name, value)
    assert service_main("probe", "unused:Unused", "", ["settings"]) == 0
    import json
    shown = json.loads(capsys.readouterr().out)["stream_limits"]
    assert shown["streams_per_peer"] == 7 and shown["trusted_proxies"] == ["10.244.0.0/16"]
