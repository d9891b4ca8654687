"""The outbox relay as a child process of its service (EKINERJA_RELAY_PROCESS=true), with a real service process,
PostgreSQL and RabbitMQ: it publishes, it is restarted when it dies, it ends with the
service, and its events are counted in the service's metrics."""
import os
import signal
import uuid
from pathlib import Path

import grpc
import probe_support
import pytest
import requests

from ekinerja_platform import testing
from ekinerja_platform.testing import wait_for

pytestmark = pytest.mark.integration


def probe_relay_pid(process) -> int | None:
    return testing.relay_child(process.process.pid, "probe")


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def published_total(process) -> float:
    return _sample(process, 'ekinerja_outbox_published_total{service="probe"}') or 0.0


def _sample(process, series: str) -> float | None:
    text = requests.get(f"http://127.0.0.1:{process.http_port}/metrics", timeout=5).text
    for line in text.splitlines():
        if line.startswith(series):
            return float(line.rsplit(" ", 1)[1])
    return None


@pytest.fixture()
def relay_process_probe(make_probe_env, test_keys, probe_gen):
    db_url = probe_support.create_database()
    amqp_uri = testing.create_vhost()
    process = testing.ServiceProcess("probe_main", make_probe_env(db_url, amqp_uri, test_keys.jwks_url,
                                                                  EKINERJA_RELAY_PROCESS="true"))
    try:
        process.start()
        yield process
    finally:
        process.stop()
        testing.drop_database(db_url)
        testing.delete_vhost(amqp_uri)


def test_relay_child_publishes_is_restarted_and_ends_with_its_service(relay_process_probe, test_keys):
    from ekinerja.probe.v1 import probe_pb2, probe_pb2_grpc
    process = relay_process_probe
    auth = testing.bearer(test_keys.token(subject="199001012015031001", roles=["pegawai"], instansi="i-1"))
    channel = grpc.insecure_channel(process.target)
    stub = probe_pb2_grpc.ProbeServiceStub(channel)

    def applied(marker):
        return marker in stub.Applied(probe_pb2.EchoRequest(), metadata=auth, timeout=5).texts

    # a relay child for the service's own outbox (named on its command line: a runner may hold several services)
    probe_relay = wait_for(lambda: probe_relay_pid(process))
    assert probe_relay, process.log()

    first = f"child-{uuid.uuid4().hex[:6]}"
    stub.Emit(probe_pb2.EchoRequest(text=first), metadata=auth, timeout=5)
    assert wait_for(lambda: applied(first)), "the relay child did not publish the event"
    assert wait_for(lambda: published_total(process) >= 1), "the child's rounds are not counted in the metrics"
    # the child's broker connection is the parent's ekinerja_broker_up
    assert wait_for(lambda: _sample(process, 'ekinerja_broker_up{service="probe"}') == 1.0)

    # a relay child that dies is replaced, and events written meanwhile are delivered
    os.kill(probe_relay, signal.SIGKILL)
    second = f"restart-{uuid.uuid4().hex[:6]}"
    stub.Emit(probe_pb2.EchoRequest(text=second), metadata=auth, timeout=5)
    replaced = wait_for(lambda: probe_relay_pid(process) not in (None, probe_relay))
    assert replaced, "the relay child was not restarted"
    assert wait_for(lambda: applied(second))
    channel.close()

    # stopping the service ends its relay children too
    all_children = list(testing.relay_children(process.process.pid))
    process.stop()
    assert wait_for(lambda: not any(alive(pid) for pid in all_children), timeout=15)


def test_relay_child_ends_when_its_service_is_killed(relay_process_probe):
    process = relay_process_probe
    children = wait_for(lambda: testing.relay_children(process.process.pid))
    assert children, process.log()
    process.kill()  # SIGKILL: no chance to stop its children; the kernel tells them (PR_SET_PDEATHSIG)
    assert wait_for(lambda: not any(alive(pid) for pid in children), timeout=15)
