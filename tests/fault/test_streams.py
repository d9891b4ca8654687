"""No stream starves a service (issue 15 item 1): 40 held anonymous Health/Watch streams and an idle reflection
stream on identity, and Login, health and /alive still answer; a client that vanishes frees its workers at once
(not after the idle limit). Each client is its own HTTP/2 connection, as 40 machines would be."""
import threading
import time
import uuid

import grpc
import pytest
import requests
from grpc_health.v1 import health_pb2, health_pb2_grpc

from ekinerja_platform import testing
from ekinerja_testbed import figures

pytestmark = pytest.mark.fault

WATCHERS = 40
OWN_CONNECTION = [("grpc.use_local_subchannel_pool", 1)]
REFLECTION = "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo"


def busy(bed, pool: str) -> float:
    return bed.metric("identity", "ekinerja_workers_busy", pool=pool)


def hold_watches(target: str, count: int):
    """`count` Watch streams, each on its own connection: (channels, held calls, refused count)."""
    channels = [grpc.insecure_channel(target, options=OWN_CONNECTION) for _ in range(count)]
    held, refused = [], 0
    for channel in channels:
        try:
            stream = health_pb2_grpc.HealthStub(channel).Watch(health_pb2.HealthCheckRequest(), timeout=120)
            next(stream)
            held.append(stream)  # kept: a call object collected by grpcio is cancelled
        except grpc.RpcError as error:
            assert error.code() == grpc.StatusCode.RESOURCE_EXHAUSTED, error
            refused += 1
    return channels, held, refused


def test_held_watch_streams_and_an_idle_reflection_stream_starve_nothing(healthy):
    bed = healthy
    from ekinerja.identity.v1 import identity_pb2, identity_pb2_grpc
    target = bed.services["identity"].target
    user, password = f"fault.stream.{uuid.uuid4().hex[:6]}", "Fault-" + uuid.uuid4().hex
    bed.account(user, password)
    release = threading.Event()

    def silent():
        release.wait(120)  # the client opens the stream and never writes
        yield from ()

    reflection_channel = grpc.insecure_channel(target, options=OWN_CONNECTION)
    channels, held, refused = hold_watches(target, WATCHERS)
    try:
        reflection = reflection_channel.stream_stream(REFLECTION)(silent(), timeout=120)
        reflection_busy = testing.wait_for(lambda: busy(bed, "stream") >= 1, timeout=10)
        started = time.monotonic()
        with grpc.insecure_channel(target) as channel:
            token = identity_pb2_grpc.IdentityServiceStub(channel).Login(
                identity_pb2.LoginRequest(user=user, password=password), timeout=10).access_token
            health = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=5)
        alive = requests.get(f"http://127.0.0.1:{bed.services['identity'].http_port}/alive", timeout=5).status_code
        answered = time.monotonic() - started
    finally:
        # the clients vanish without ending their calls: their connections just close
        for channel in channels:
            channel.close()
        reflection_channel.close()
        release.set()
    vanished = time.monotonic()
    freed = testing.wait_for(lambda: busy(bed, "stream") == 0, timeout=15)
    freed_s = time.monotonic() - vanished
    again_channels, again, _ = hold_watches(target, len(held))
    for channel in again_channels:
        channel.close()
    figures.record("streams", watch_streams_opened=WATCHERS, held=len(held), refused=refused,
                   reflection_worker_busy=bool(reflection_busy), login_health_alive_s=answered,
                   health=health_pb2.HealthCheckResponse.ServingStatus.Name(health.status), alive_http=alive,
                   workers_freed_s=freed_s if freed else "-", watches_again=len(again))
    assert token and alive == 200 and health.status == health_pb2.HealthCheckResponse.SERVING
    assert len(held) + refused == WATCHERS and len(held) >= 1
    assert reflection_busy, "the idle reflection stream never took a stream worker"
    assert freed, "the vanished clients' stream workers were not freed within 15 s"
    assert len(again) == len(held), "the vanished clients' Watch slots were not given back"
    del reflection  # held until here: a call object collected by grpcio is cancelled
